/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * vnet_intent_complete() and vnet_intent_validate() against hand-made host
 * facts: one test per completion rule and per validation error.  Every
 * refusal is checked for its VNET_ERROR code and for naming both sides of
 * the conflict.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "helpers.h"

#include <vnet/vnet.h>
#include "model.h"
#include "validate.h"

/* ---- helpers ---- */


/* An intent of @mode named @name (NULL: left for completion), with @subnet if not NULL. */
static vnet_intent *intent(const char *name, vnet_mode mode, const char *subnet)
{
	vnet_intent *in = vnet_intent_new(name, mode, NULL);

	assert_non_null(in);
	if (subnet)
		assert_ok(vnet_intent_set_subnet(in, subnet, &err_));
	return in;
}

static void complete(vnet_intent *in, const vnet_host *host)
{
	assert_ok(vnet_intent_complete(in, host, &err_));
}

static void valid(const vnet_intent *in, const vnet_host *host, unsigned flags)
{
	assert_ok(vnet_intent_validate(in, host, flags, &err_));
}

/* Validation must refuse @in with @code and a message holding every string given. */
#define refused(in, host, flags, code, ...)                                          \
	do {                                                                         \
		g_autoptr(GError) e_ = NULL;                                         \
		assert_false(vnet_intent_validate((in), (host), (flags), &e_));      \
		assert_error(e_, (code), __VA_ARGS__);                               \
	} while (0)

/* The same, for completion, which must then leave @in as it was. */
#define complete_refused(in, host, code, ...)                                        \
	do {                                                                         \
		g_autoptr(GError) e_ = NULL;                                         \
		g_autofree char *before_ = vnet_intent_to_xml(in);                   \
		g_autofree char *after_ = NULL;                                      \
		assert_false(vnet_intent_complete((in), (host), &e_));               \
		assert_error(e_, (code), __VA_ARGS__);                               \
		after_ = vnet_intent_to_xml(in);                                     \
		assert_string_equal(before_, after_);                                \
	} while (0)

static void add_addr(vnet_host *h, const char *ifname, const char *cidr)
{
	assert_ok(vnet_host_add_address(h, ifname, cidr, &err_));
}

static void add_route(vnet_host *h, const char *dev, const char *cidr)
{
	assert_ok(vnet_host_add_route(h, dev, cidr, &err_));
}

static void add_net(vnet_host *h, const char *name, const char *bridge, const char *cidr)
{
	assert_ok(vnet_host_add_network(h, name, bridge, cidr, &err_));
}

static void add_link(vnet_host *h, const char *name, bool is_bridge, const char *master)
{
	assert_ok(vnet_host_add_link(h, name, is_bridge, master, &err_));
}

static void add_listener(vnet_host *h, const char *proto, const char *addr, guint port)
{
	assert_ok(vnet_host_add_listener(h, proto, addr, port, &err_));
}

static void add_forward(vnet_intent *in, const char *spec)
{
	assert_ok(vnet_intent_add_forward(in, spec, &err_));
}

/* A completed vnetctl intent, as the host would report it. */
static void add_intent(vnet_host *h, const char *name, vnet_mode mode, const char *subnet,
		       const char *forward)
{
	g_autoptr(vnet_intent) in = intent(name, mode, subnet);
	g_autoptr(vnet_host) empty = vnet_host_new();

	if (mode == VNET_MODE_BRIDGED)
		assert_ok(vnet_intent_set_bridge(in, "br-other", &err_));
	if (forward)
		add_forward(in, forward);
	complete(in, empty);
	vnet_host_add_intent(h, in);
}

/* A NAT intent named "web" on 10.0.0.0/24, completed against an empty host. */
static vnet_intent *web(void)
{
	vnet_intent *in = intent("web", VNET_MODE_NAT, "10.0.0.0/24");
	g_autoptr(vnet_host) empty = vnet_host_new();

	complete(in, empty);
	return in;
}

/* ---- host facts ---- */

static void test_host_facts_refused(void **state)
{
	g_autoptr(vnet_host) h = vnet_host_new();
	g_autoptr(GError) error = NULL;

	assert_false(vnet_host_add_link(h, "abcdefghijklmnop", false, NULL, &error));
	assert_error(error, VNET_ERROR_INVALID, "abcdefghijklmnop");
	g_clear_error(&error);
	assert_false(vnet_host_add_link(h, "", false, NULL, &error));
	assert_error(error, VNET_ERROR_INVALID, "interface name");
	g_clear_error(&error);
	assert_false(vnet_host_add_address(h, "eth0", "10.0.0.1/33", &error));
	assert_error(error, VNET_ERROR_INVALID, "10.0.0.1/33");
	g_clear_error(&error);
	assert_false(vnet_host_add_route(h, NULL, "nowhere", &error));
	assert_error(error, VNET_ERROR_INVALID, "nowhere");
	g_clear_error(&error);
	assert_false(vnet_host_add_network(h, "default", "virbr0", "192.168.122.300/24", &error));
	assert_error(error, VNET_ERROR_INVALID, "192.168.122.300/24");
	g_clear_error(&error);
	assert_false(vnet_host_add_listener(h, "icmp", NULL, 22, &error));
	assert_error(error, VNET_ERROR_INVALID, "\"icmp\"");
	g_clear_error(&error);
	assert_false(vnet_host_add_listener(h, "tcp", "localhost", 22, &error));
	assert_error(error, VNET_ERROR_INVALID, "localhost");
}

/* ---- completion ---- */

static void test_complete_defaults_nat(void **state)
{
	g_autoptr(vnet_host) h = vnet_host_new();
	g_autoptr(vnet_intent) in = intent(NULL, VNET_MODE_NAT, NULL);
	g_autofree char *xml = NULL;

	complete(in, h);
	assert_string_equal(vnet_intent_get_name(in), "vnet0");
	assert_string_equal(vnet_intent_get_bridge(in), "vn-vnet0");
	assert_null(vnet_intent_get_lan_bridge(in));
	assert_string_equal(vnet_intent_get_subnet(in, AF_INET), "192.168.123.0/24");
	assert_null(vnet_intent_get_subnet(in, AF_INET6));
	assert_string_equal(vnet_intent_get_gateway(in, AF_INET), "192.168.123.1");
	assert_string_equal(vnet_intent_get_default_guest(in), "192.168.123.2");
	xml = vnet_intent_to_xml(in);
	assert_non_null(strstr(xml, "dhcp-start=\"192.168.123.3\" dhcp-end=\"192.168.123.254\""));
	valid(in, h, 0);
}

static void test_complete_is_idempotent(void **state)
{
	static const vnet_mode modes[] = { VNET_MODE_NAT, VNET_MODE_ISOLATED, VNET_MODE_HYBRID };

	for (size_t i = 0; i < G_N_ELEMENTS(modes); i++) {
		g_autoptr(vnet_host) h = vnet_host_new();
		g_autoptr(vnet_intent) in = intent(NULL, modes[i], NULL);
		g_autofree char *once = NULL, *twice = NULL;

		complete(in, h);
		once = vnet_intent_to_xml(in);
		complete(in, h);
		twice = vnet_intent_to_xml(in);
		assert_string_equal(once, twice);
	}
}

static void test_complete_name_skips_libvirt_network(void **state)
{
	g_autoptr(vnet_host) h = vnet_host_new();
	g_autoptr(vnet_intent) in = intent(NULL, VNET_MODE_NAT, NULL);

	add_net(h, "vnet0", NULL, NULL);
	complete(in, h);
	assert_string_equal(vnet_intent_get_name(in), "vnet1");
	assert_string_equal(vnet_intent_get_bridge(in), "vn-vnet1");
}

static void test_complete_name_skips_intent(void **state)
{
	g_autoptr(vnet_host) h = vnet_host_new();
	g_autoptr(vnet_intent) in = intent(NULL, VNET_MODE_ISOLATED, NULL);

	add_intent(h, "vnet0", VNET_MODE_NAT, "10.9.0.0/24", NULL);
	add_net(h, "vnet1", "virbr1", NULL);
	complete(in, h);
	assert_string_equal(vnet_intent_get_name(in), "vnet2");
}

static void test_complete_name_skips_hybrid_halves(void **state)
{
	g_autoptr(vnet_host) h = vnet_host_new();
	g_autoptr(vnet_intent) nat = intent(NULL, VNET_MODE_NAT, NULL);
	g_autoptr(vnet_intent) hy = intent(NULL, VNET_MODE_HYBRID, NULL);

	/* A hybrid intent "vnet0" holds the libvirt networks vnet0-nat and vnet0-lan. */
	add_intent(h, "vnet0", VNET_MODE_HYBRID, "10.9.0.0/24", NULL);
	complete(nat, h);
	assert_string_equal(vnet_intent_get_name(nat), "vnet1");

	/* A hybrid "vnet1" would need "vnet1-lan", which libvirt already has. */
	add_net(h, "vnet1-lan", "br9", NULL);
	complete(hy, h);
	assert_string_equal(vnet_intent_get_name(hy), "vnet2");
	valid(hy, h, 0);
}

static void test_complete_keeps_given_name(void **state)
{
	g_autoptr(vnet_host) h = vnet_host_new();
	g_autoptr(vnet_intent) in = intent("web", VNET_MODE_NAT, NULL);

	add_net(h, "vnet0", NULL, NULL);
	complete(in, h);
	assert_string_equal(vnet_intent_get_name(in), "web");
	assert_string_equal(vnet_intent_get_bridge(in), "vn-web");
}

static void test_complete_subnet_skips_host_addresses(void **state)
{
	g_autoptr(vnet_host) h = vnet_host_new();
	g_autoptr(vnet_intent) in = intent("web", VNET_MODE_NAT, NULL);

	add_addr(h, "eth0", "192.168.123.57/24");
	add_addr(h, "eth1", "192.168.124.1/23");	/* 192.168.124.0-192.168.125.255 */
	add_addr(h, "eth2", "192.168.127.9/32");
	add_addr(h, "eth0", "fd00::5/64");
	complete(in, h);
	assert_string_equal(vnet_intent_get_subnet(in, AF_INET), "192.168.126.0/24");
	assert_string_equal(vnet_intent_get_gateway(in, AF_INET), "192.168.126.1");
	valid(in, h, 0);
}

static void test_complete_subnet_skips_vpn_route(void **state)
{
	g_autoptr(vnet_host) h = vnet_host_new();
	g_autoptr(vnet_intent) in = intent("web", VNET_MODE_NAT, NULL);

	add_route(h, "tun0", "192.168.0.0/16");
	complete(in, h);
	assert_string_equal(vnet_intent_get_subnet(in, AF_INET), "172.16.0.0/24");
	valid(in, h, 0);
}

static void test_complete_subnet_skips_route_without_device(void **state)
{
	g_autoptr(vnet_host) h = vnet_host_new();
	g_autoptr(vnet_intent) in = intent("web", VNET_MODE_NAT, NULL);

	add_route(h, NULL, "192.168.0.0/16");
	complete(in, h);
	assert_string_equal(vnet_intent_get_subnet(in, AF_INET), "172.16.0.0/24");
	valid(in, h, 0);
}

static void test_complete_default_route_never_taken(void **state)
{
	g_autoptr(vnet_host) h = vnet_host_new();
	g_autoptr(vnet_intent) in = intent("web", VNET_MODE_NAT, NULL);

	add_route(h, "eth0", "0.0.0.0/0");
	add_route(h, "eth0", "::/0");
	complete(in, h);
	assert_string_equal(vnet_intent_get_subnet(in, AF_INET), "192.168.123.0/24");
	valid(in, h, 0);
}

static void test_complete_subnet_skips_networks_and_intents(void **state)
{
	g_autoptr(vnet_host) h = vnet_host_new();
	g_autoptr(vnet_intent) in = intent("web", VNET_MODE_ISOLATED, NULL);

	add_net(h, "default", "virbr0", "192.168.123.0/24");
	add_net(h, "default", NULL, "fd00:1::/64");	/* a second subnet of the same network */
	add_intent(h, "db", VNET_MODE_NAT, "192.168.126.0/24", NULL);
	add_intent(h, "lab", VNET_MODE_HYBRID, "192.168.124.0/23", NULL);
	complete(in, h);
	assert_string_equal(vnet_intent_get_subnet(in, AF_INET), "192.168.127.0/24");
	valid(in, h, 0);
}

static void test_complete_subnet_pools_in_order(void **state)
{
	g_autoptr(vnet_host) h = vnet_host_new();
	g_autoptr(vnet_intent) a = intent("a", VNET_MODE_NAT, NULL);
	g_autoptr(vnet_intent) b = intent("b", VNET_MODE_NAT, NULL);

	add_route(h, "tun0", "192.168.0.0/16");
	complete(a, h);
	assert_string_equal(vnet_intent_get_subnet(a, AF_INET), "172.16.0.0/24");
	add_route(h, "tun1", "172.16.0.0/12");
	complete(b, h);
	assert_string_equal(vnet_intent_get_subnet(b, AF_INET), "10.0.0.0/24");
}

/*
 * A host with Docker (docker0 and two networks of its pools) and libvirt's
 * default network, on a LAN whose 10.0.0.0/8 lies behind the default
 * gateway, invisible in its routes: the pick is none of them.
 */
static void test_complete_subnet_beside_docker_and_libvirt(void **state)
{
	g_autoptr(vnet_host) h = vnet_host_new();
	g_autoptr(vnet_intent) a = intent("a", VNET_MODE_NAT, NULL);
	g_autoptr(vnet_intent) b = intent("b", VNET_MODE_NAT, NULL);

	add_addr(h, "eth0", "192.0.2.5/24");
	add_route(h, "eth0", "0.0.0.0/0");
	add_addr(h, "docker0", "172.17.0.1/16");
	add_addr(h, "br-5e1f", "172.18.0.1/16");
	add_addr(h, "br-77aa", "192.168.0.1/20");
	add_net(h, "default", "virbr0", "192.168.122.0/24");
	complete(a, h);
	assert_string_equal(vnet_intent_get_subnet(a, AF_INET), "192.168.123.0/24");
	valid(a, h, 0);
	/* the upper 192.168s taken too: 172.16.x, below Docker's own */
	add_route(h, "wg0", "192.168.123.0/24");
	add_route(h, "wg0", "192.168.124.0/22");
	add_route(h, "wg0", "192.168.128.0/17");
	complete(b, h);
	assert_string_equal(vnet_intent_get_subnet(b, AF_INET), "172.16.0.0/24");
	valid(b, h, 0);
}

static void test_complete_subnet_exhausted(void **state)
{
	g_autoptr(vnet_host) h = vnet_host_new();
	g_autoptr(vnet_intent) in = intent(NULL, VNET_MODE_NAT, NULL);

	add_route(h, "tun0", "10.0.0.0/8");
	add_route(h, "tun1", "172.16.0.0/12");
	add_route(h, "eth0", "192.168.0.0/16");
	complete_refused(in, h, VNET_ERROR_CONFLICT, "10.0.0.0/8", "--subnet");
	assert_null(vnet_intent_get_name(in));
	assert_null(vnet_intent_get_bridge(in));
}

static void test_complete_reapply_keeps_own_subnet(void **state)
{
	g_autoptr(vnet_host) h = vnet_host_new();
	g_autoptr(vnet_intent) in = intent("web", VNET_MODE_NAT, NULL);

	/* "web" exists: its bridge carries its gateway and the connected route. */
	add_intent(h, "web", VNET_MODE_NAT, "192.168.123.0/24", "8080:80");
	add_link(h, "vn-web", true, NULL);
	add_addr(h, "vn-web", "192.168.123.1/24");
	add_route(h, "vn-web", "192.168.123.0/24");
	add_forward(in, "8080:80");
	complete(in, h);
	assert_string_equal(vnet_intent_get_subnet(in, AF_INET), "192.168.123.0/24");
	valid(in, h, 0);
}

static void test_complete_keeps_given_fields(void **state)
{
	g_autoptr(vnet_host) h = vnet_host_new();
	g_autoptr(vnet_intent) in = intent("web", VNET_MODE_NAT, "192.168.7.0/24");
	g_autofree char *xml = NULL;

	assert_ok(vnet_intent_set_bridge(in, "natbr0", &err_));
	assert_ok(vnet_intent_set_gateway(in, "192.168.7.1", &err_));
	assert_ok(vnet_intent_set_dhcp_range(in, "192.168.7.100", "192.168.7.150", &err_));
	assert_ok(vnet_intent_set_default_guest(in, "192.168.7.10", &err_));
	add_addr(h, "eth0", "10.0.0.1/24");
	complete(in, h);
	assert_string_equal(vnet_intent_get_subnet(in, AF_INET), "192.168.7.0/24");
	assert_string_equal(vnet_intent_get_bridge(in), "natbr0");
	assert_string_equal(vnet_intent_get_default_guest(in), "192.168.7.10");
	xml = vnet_intent_to_xml(in);
	assert_non_null(strstr(xml, "dhcp-start=\"192.168.7.100\" dhcp-end=\"192.168.7.150\""));
	valid(in, h, 0);
}

static void test_complete_range_after_given_gateway(void **state)
{
	g_autoptr(vnet_host) h = vnet_host_new();
	g_autoptr(vnet_intent) mid = intent("mid", VNET_MODE_NAT, "10.5.0.0/24");
	g_autoptr(vnet_intent) top = intent("top", VNET_MODE_NAT, "10.6.0.0/24");
	g_autofree char *xm = NULL, *xt = NULL;

	/* The range starts after the gateway ... */
	assert_ok(vnet_intent_set_gateway(mid, "10.5.0.100", &err_));
	complete(mid, h);
	xm = vnet_intent_to_xml(mid);
	assert_non_null(strstr(xm, "dhcp-start=\"10.5.0.101\" dhcp-end=\"10.5.0.254\""));
	assert_string_equal(vnet_intent_get_default_guest(mid), "10.5.0.2");
	valid(mid, h, 0);

	/* ... or, with the gateway on the last host, ends before it. */
	assert_ok(vnet_intent_set_gateway(top, "10.6.0.254", &err_));
	complete(top, h);
	xt = vnet_intent_to_xml(top);
	assert_non_null(strstr(xt, "dhcp-start=\"10.6.0.1\" dhcp-end=\"10.6.0.253\""));
	valid(top, h, 0);
}

static void test_complete_guest_is_not_given_gateway(void **state)
{
	g_autoptr(vnet_host) h = vnet_host_new();
	g_autoptr(vnet_intent) in = intent("web", VNET_MODE_NAT, "10.5.0.0/24");

	assert_ok(vnet_intent_set_gateway(in, "10.5.0.2", &err_));
	complete(in, h);
	assert_string_equal(vnet_intent_get_default_guest(in), "10.5.0.1");
	valid(in, h, 0);
}

static void test_complete_no_dhcp_no_range(void **state)
{
	g_autoptr(vnet_host) h = vnet_host_new();
	g_autoptr(vnet_intent) in = intent("web", VNET_MODE_NAT, NULL);
	g_autofree char *xml = NULL, *net = NULL;

	vnet_intent_set_dhcp(in, false);
	complete(in, h);
	xml = vnet_intent_to_xml(in);
	assert_null(strstr(xml, "dhcp-start"));
	net = vnet_intent_network_xml(in, 0, NULL);
	assert_null(strstr(net, "<dhcp>"));
	valid(in, h, 0);
}

static void test_complete_small_subnet(void **state)
{
	g_autoptr(vnet_host) h = vnet_host_new();
	g_autoptr(vnet_intent) in = intent("p2p", VNET_MODE_NAT, "10.7.0.0/30");
	g_autofree char *xml = NULL;

	complete(in, h);
	assert_string_equal(vnet_intent_get_gateway(in, AF_INET), "10.7.0.1");
	assert_string_equal(vnet_intent_get_default_guest(in), "10.7.0.2");
	xml = vnet_intent_to_xml(in);
	/* The gateway and the default guest fill a /30: no dynamic range is left. */
	assert_null(strstr(xml, "dhcp-start"));
	valid(in, h, 0);
}

static void test_complete_isolated_has_no_guest(void **state)
{
	g_autoptr(vnet_host) h = vnet_host_new();
	g_autoptr(vnet_intent) in = intent("iso", VNET_MODE_ISOLATED, NULL);

	complete(in, h);
	assert_string_equal(vnet_intent_get_bridge(in), "vn-iso");
	assert_string_equal(vnet_intent_get_subnet(in, AF_INET), "192.168.123.0/24");
	assert_null(vnet_intent_get_default_guest(in));
	valid(in, h, 0);
}

static void test_complete_subnet6_gateway(void **state)
{
	g_autoptr(vnet_host) h = vnet_host_new();
	g_autoptr(vnet_intent) in = intent("six", VNET_MODE_NAT, "fd00:42::/64");

	complete(in, h);
	assert_string_equal(vnet_intent_get_subnet(in, AF_INET6), "fd00:42::/64");
	assert_string_equal(vnet_intent_get_gateway(in, AF_INET6), "fd00:42::1");
	assert_string_equal(vnet_intent_get_subnet(in, AF_INET), "192.168.123.0/24");
	valid(in, h, 0);
}

static void test_complete_bridge_names(void **state)
{
	g_autoptr(vnet_host) h = vnet_host_new();
	g_autoptr(vnet_intent) hy = intent("lab", VNET_MODE_HYBRID, NULL);
	g_autoptr(vnet_intent) br = intent("lan", VNET_MODE_BRIDGED, NULL);

	complete(hy, h);
	assert_string_equal(vnet_intent_get_bridge(hy), "vn-lab");
	assert_string_equal(vnet_intent_get_lan_bridge(hy), "vb-lab");
	valid(hy, h, 0);

	/* Bridged onto an uplink: vnetctl makes the bridge and names it. */
	add_link(h, "eth1", false, NULL);
	assert_ok(vnet_intent_set_uplink(br, "eth1", &err_));
	complete(br, h);
	assert_string_equal(vnet_intent_get_bridge(br), "vb-lan");
	assert_null(vnet_intent_get_subnet(br, AF_INET));
	assert_null(vnet_intent_get_default_guest(br));
	valid(br, h, 0);
}

static void test_complete_bridged_needs_bridge_or_uplink(void **state)
{
	g_autoptr(vnet_host) h = vnet_host_new();
	g_autoptr(vnet_intent) in = intent("lan", VNET_MODE_BRIDGED, NULL);
	g_autoptr(vnet_intent) br0 = intent("lan", VNET_MODE_BRIDGED, NULL);

	complete_refused(in, h, VNET_ERROR_INVALID, "\"lan\"", "--bridge", "--uplink");
	assert_ok(vnet_intent_set_bridge(br0, "br0", &err_));
	complete(br0, h);
	assert_string_equal(vnet_intent_get_bridge(br0), "br0");
}

static void test_complete_name_too_long_for_bridge(void **state)
{
	g_autoptr(vnet_host) h = vnet_host_new();
	g_autoptr(vnet_intent) ok = intent("abcdefghijkl", VNET_MODE_NAT, NULL);
	g_autoptr(vnet_intent) in = intent("abcdefghijklm", VNET_MODE_NAT, NULL);
	g_autoptr(vnet_intent) given = intent("abcdefghijklm", VNET_MODE_NAT, NULL);

	complete(ok, h);
	assert_string_equal(vnet_intent_get_bridge(ok), "vn-abcdefghijkl");
	complete_refused(in, h, VNET_ERROR_INVALID, "abcdefghijklm", "--bridge");
	assert_null(vnet_intent_get_subnet(in, AF_INET));	/* untouched */
	assert_ok(vnet_intent_set_bridge(given, "vn-short", &err_));
	complete(given, h);
}

/* ---- validation: the intent against itself ---- */

/* On an Open vSwitch bridge the guard is OpenFlow flows: valid (a bridge there without a management socket is refused). */
static void test_validate_guard_needs_linux_bridge(void **state)
{
	g_autoptr(vnet_host) h = vnet_host_new();
	g_autoptr(vnet_intent) in = intent("lan", VNET_MODE_BRIDGED, NULL);

	assert_ok(vnet_intent_set_bridge(in, "br0", &err_));
	vnet_intent_set_switch(in, VNET_SWITCH_OVS);
	valid(in, h, 0);	/* unset: off on a LAN */
	vnet_intent_set_guard(in, VNET_GUARD_ON);
	valid(in, h, 0);
	vnet_intent_set_guard(in, VNET_GUARD_STRICT);
	valid(in, h, 0);
	vnet_intent_set_guard(in, VNET_GUARD_OFF);
	valid(in, h, 0);
	vnet_intent_set_switch(in, VNET_SWITCH_LINUX);
	vnet_intent_set_guard(in, VNET_GUARD_ON);
	valid(in, h, 0);
}

static void test_validate_incomplete(void **state)
{
	g_autoptr(vnet_host) h = vnet_host_new();
	g_autoptr(vnet_intent) in = intent(NULL, VNET_MODE_NAT, "10.0.0.0/24");
	g_autoptr(vnet_intent) hy = intent("lab", VNET_MODE_HYBRID, "10.0.0.0/24");

	refused(in, h, 0, VNET_ERROR_INVALID, "not complete");
	assert_ok(vnet_intent_set_bridge(hy, "vn-lab", &err_));
	refused(hy, h, 0, VNET_ERROR_INVALID, "not complete");	/* no LAN bridge */
}

static void test_validate_nat_needs_subnet(void **state)
{
	g_autoptr(vnet_host) h = vnet_host_new();
	g_autoptr(vnet_intent) in = intent("web", VNET_MODE_NAT, NULL);

	assert_ok(vnet_intent_set_bridge(in, "vn-web", &err_));
	refused(in, h, 0, VNET_ERROR_INVALID, "\"web\"", "nat", "--subnet");
}

static void test_validate_bridged_has_no_subnet(void **state)
{
	g_autoptr(vnet_host) h = vnet_host_new();
	g_autoptr(vnet_intent) in = intent("lan", VNET_MODE_BRIDGED, "10.0.0.0/24");
	g_autoptr(vnet_intent) six = intent("lan", VNET_MODE_BRIDGED, "fd00::/64");

	assert_ok(vnet_intent_set_bridge(in, "br0", &err_));
	complete(in, h);
	refused(in, h, 0, VNET_ERROR_INVALID, "\"lan\"", "--subnet");
	assert_ok(vnet_intent_set_bridge(six, "br0", &err_));
	complete(six, h);
	refused(six, h, 0, VNET_ERROR_INVALID, "--subnet6");
}

static void test_validate_uplink_needs_lan_mode(void **state)
{
	g_autoptr(vnet_host) h = vnet_host_new();
	g_autoptr(vnet_intent) in = intent("web", VNET_MODE_NAT, NULL);

	add_link(h, "eth0", false, NULL);
	assert_ok(vnet_intent_set_uplink(in, "eth0", &err_));
	complete(in, h);
	refused(in, h, 0, VNET_ERROR_INVALID, "\"web\"", "nat", "--uplink");
}

static void test_validate_subnet_too_small(void **state)
{
	g_autoptr(vnet_host) h = vnet_host_new();
	g_autoptr(vnet_intent) v4 = intent("tiny", VNET_MODE_ISOLATED, "10.0.0.0/31");
	g_autoptr(vnet_intent) v6 = intent("tiny", VNET_MODE_ISOLATED, "10.0.0.0/24");

	complete(v4, h);
	refused(v4, h, 0, VNET_ERROR_INVALID, "10.0.0.0/31", "/30");
	assert_ok(vnet_intent_set_subnet(v6, "fd00::/127", &err_));
	complete(v6, h);
	refused(v6, h, 0, VNET_ERROR_INVALID, "fd00::/127", "/126");
}

static void test_validate_gateway_outside_subnet(void **state)
{
	g_autoptr(vnet_host) h = vnet_host_new();
	g_autoptr(vnet_intent) out = intent("web", VNET_MODE_NAT, "10.0.0.0/24");
	g_autoptr(vnet_intent) net = intent("web", VNET_MODE_NAT, "10.0.0.0/24");
	g_autoptr(vnet_intent) bc = intent("web", VNET_MODE_ISOLATED, "10.0.0.0/24");
	g_autoptr(vnet_intent) v6 = intent("web", VNET_MODE_NAT, "fd00::/64");

	assert_ok(vnet_intent_set_gateway(out, "10.0.1.1", &err_));
	complete(out, h);
	refused(out, h, 0, VNET_ERROR_INVALID, "10.0.1.1", "10.0.0.0/24");
	/* Neither the network address nor the broadcast is a host. */
	assert_ok(vnet_intent_set_gateway(net, "10.0.0.0", &err_));
	complete(net, h);
	refused(net, h, 0, VNET_ERROR_INVALID, "10.0.0.0", "10.0.0.0/24");
	assert_ok(vnet_intent_set_gateway(bc, "10.0.0.255", &err_));
	vnet_intent_set_dhcp(bc, false);
	complete(bc, h);
	refused(bc, h, 0, VNET_ERROR_INVALID, "10.0.0.255", "10.0.0.0/24");
	assert_ok(vnet_intent_set_gateway(v6, "fd01::1", &err_));
	complete(v6, h);
	refused(v6, h, 0, VNET_ERROR_INVALID, "fd01::1", "fd00::/64");
}

static void test_validate_dhcp_range_outside(void **state)
{
	g_autoptr(vnet_host) h = vnet_host_new();
	g_autoptr(vnet_intent) in = web();
	g_autoptr(vnet_intent) bc = web();

	assert_ok(vnet_intent_set_dhcp_range(in, "10.0.0.100", "10.0.1.20", &err_));
	refused(in, h, 0, VNET_ERROR_INVALID, "10.0.0.100", "10.0.1.20", "10.0.0.0/24");
	assert_ok(vnet_intent_set_dhcp_range(bc, "10.0.0.100", "10.0.0.255", &err_));
	refused(bc, h, 0, VNET_ERROR_INVALID, "10.0.0.255", "10.0.0.0/24");
}

static void test_validate_dhcp_range_reversed(void **state)
{
	g_autoptr(vnet_host) h = vnet_host_new();
	g_autoptr(vnet_intent) in = web();

	assert_ok(vnet_intent_set_dhcp_range(in, "10.0.0.200", "10.0.0.100", &err_));
	refused(in, h, 0, VNET_ERROR_INVALID, "10.0.0.200", "10.0.0.100", "ends before it starts");
}

static void test_validate_dhcp_range_covers_gateway(void **state)
{
	g_autoptr(vnet_host) h = vnet_host_new();
	g_autoptr(vnet_intent) in = web();

	assert_ok(vnet_intent_set_dhcp_range(in, "10.0.0.1", "10.0.0.254", &err_));
	refused(in, h, 0, VNET_ERROR_INVALID, "10.0.0.1 to 10.0.0.254", "gateway 10.0.0.1");
}

static void test_validate_default_guest(void **state)
{
	g_autoptr(vnet_host) h = vnet_host_new();
	g_autoptr(vnet_intent) gw = web();
	g_autoptr(vnet_intent) out = web();
	g_autoptr(vnet_intent) bc = web();

	assert_ok(vnet_intent_set_default_guest(gw, "10.0.0.1", &err_));
	refused(gw, h, 0, VNET_ERROR_INVALID, "10.0.0.1", "10.0.0.0/24");
	assert_ok(vnet_intent_set_default_guest(out, "10.0.9.2", &err_));
	refused(out, h, 0, VNET_ERROR_INVALID, "10.0.9.2", "10.0.0.0/24");
	assert_ok(vnet_intent_set_default_guest(bc, "10.0.0.255", &err_));
	refused(bc, h, 0, VNET_ERROR_INVALID, "10.0.0.255");
}

static void test_validate_forward_target_outside(void **state)
{
	g_autoptr(vnet_host) h = vnet_host_new();
	g_autoptr(vnet_intent) in = web();
	g_autoptr(vnet_intent) net = web();

	add_forward(in, "8080:192.168.1.20:80");
	refused(in, h, 0, VNET_ERROR_INVALID, "8080:192.168.1.20:80/tcp", "192.168.1.20", "10.0.0.0/24");
	add_forward(net, "8080:10.0.0.0:80");
	refused(net, h, 0, VNET_ERROR_INVALID, "10.0.0.0:80/tcp", "10.0.0.0/24");
}

static void test_validate_forward_inside_ok(void **state)
{
	g_autoptr(vnet_host) h = vnet_host_new();
	g_autoptr(vnet_intent) in = web();

	add_forward(in, "8080:80");
	add_forward(in, "8443:10.0.0.7:443");
	add_forward(in, "2222:db1:22");
	add_forward(in, "127.0.0.1:9000-9009:9000-9009/udp");
	valid(in, h, 0);
}

static void test_validate_forward_without_default_guest(void **state)
{
	g_autoptr(vnet_host) h = vnet_host_new();
	g_autoptr(vnet_intent) in = web();

	add_forward(in, "8080:80");
	assert_ok(vnet_intent_set_default_guest(in, NULL, &err_));
	refused(in, h, 0, VNET_ERROR_INVALID, "8080:80/tcp", "\"web\"", "default guest");
}

/* Two forwards of one intent on the same host side: the setter refuses them ... */
static void test_forward_clash_within_intent(void **state)
{
	static const struct {
		const char *a, *b;
		bool clash;
	} cases[] = {
		{ "8080:80", "8080:81", true },
		{ "8080:80", "0.0.0.0:8080:10.0.0.9:80", true },
		{ "8080:80", "127.0.0.1:8080:80", true },		/* any address vs one */
		{ "127.0.0.1:8080:80", "8080:80", true },
		{ "8000-8010:8000-8010", "8010:80", true },		/* inside a range */
		{ "127.0.0.1:8080:80", "127.0.0.1:8080:81", true },
		{ "8080:80/tcp", "8080:80/udp", false },
		{ "8080:80/udp", "8080:80/sctp", false },
		{ "127.0.0.1:8080:80", "192.168.1.5:8080:80", false },
		/* IPv4 vs IPv6 for the setter: validation knows the network's families */
		{ "8080:80", "[::]:8080:[fd00::2]:80", false },
		{ "8000-8010:8000-8010", "8011:80", false },
	};

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(vnet_intent) in = web();
		g_autoptr(GError) error = NULL;

		print_message("%s vs %s\n", cases[i].a, cases[i].b);
		add_forward(in, cases[i].a);
		if (cases[i].clash) {
			assert_false(vnet_intent_add_forward(in, cases[i].b, &error));
			assert_error(error, VNET_ERROR_CONFLICT, cases[i].b, "\"web\"");
			assert_int_equal(vnet_intent_get_n_forwards(in), 1);
		} else {
			add_forward(in, cases[i].b);
		}
	}
}

/* ... and validation refuses them too, if they come in by another way. */
static void test_validate_forward_clash_within_intent(void **state)
{
	g_autoptr(vnet_host) h = vnet_host_new();
	g_autoptr(vnet_intent) in = web();

	add_forward(in, "8080:80");
	g_ptr_array_add(in->forwards, vnet_forward_parse("127.0.0.1:8080:10.0.0.3:80", NULL));
	refused(in, h, 0, VNET_ERROR_CONFLICT, "127.0.0.1:8080:10.0.0.3:80/tcp", "8080:80/tcp", "\"web\"");
}

static void test_validate_forward_clash_other_intent(void **state)
{
	g_autoptr(vnet_host) h = vnet_host_new();
	g_autoptr(vnet_intent) same = web();
	g_autoptr(vnet_intent) lo = web();
	g_autoptr(vnet_intent) udp = web();
	g_autoptr(vnet_intent) other_ip = web();

	add_intent(h, "db", VNET_MODE_NAT, "10.0.1.0/24", "192.168.1.5:5432:5432");
	add_forward(same, "5432:5432");			/* any address takes 192.168.1.5 too */
	refused(same, h, 0, VNET_ERROR_CONFLICT, "5432:5432/tcp", "192.168.1.5:5432:5432/tcp", "\"db\"");
	add_forward(lo, "192.168.1.5:5430-5440:5430-5440");
	refused(lo, h, 0, VNET_ERROR_CONFLICT, "192.168.1.5:5432:5432/tcp", "\"db\"");
	add_forward(udp, "5432:5432/udp");
	valid(udp, h, 0);
	add_forward(other_ip, "127.0.0.1:5432:5432");
	valid(other_ip, h, 0);
}

static void test_validate_forward_listener(void **state)
{
	g_autoptr(vnet_host) h = vnet_host_new();
	g_autoptr(vnet_intent) ssh = web();
	g_autoptr(vnet_intent) range = web();
	g_autoptr(vnet_intent) udp = web();
	g_autoptr(vnet_intent) elsewhere = web();
	g_autoptr(vnet_intent) local = web();
	g_autoptr(vnet_intent) wildcard = web();

	add_listener(h, "tcp", NULL, 22);
	add_listener(h, "tcp", "127.0.0.1", 631);
	add_listener(h, "tcp", "0.0.0.0", 3306);
	add_listener(h, "udp", NULL, 53);

	add_forward(ssh, "22:22");
	refused(ssh, h, 0, VNET_ERROR_CONFLICT, "22:22/tcp", "22/tcp", "--force");
	valid(ssh, h, VNET_VALIDATE_FORCE);

	add_forward(range, "20-25:20-25");
	refused(range, h, 0, VNET_ERROR_CONFLICT, "20-25:20-25/tcp", "22/tcp");

	add_forward(udp, "22:22/udp");
	add_forward(udp, "53:10.0.0.5:53/tcp");
	valid(udp, h, 0);

	/* A listener on 127.0.0.1 does not hold 192.168.1.5, but "any" holds it. */
	add_forward(elsewhere, "192.168.1.5:631:631");
	valid(elsewhere, h, 0);
	add_forward(local, "631:631");
	refused(local, h, 0, VNET_ERROR_CONFLICT, "631:631/tcp", "631/tcp");

	/* 0.0.0.0 as ss reports it is every address, like NULL. */
	add_forward(wildcard, "192.168.1.5:3306:3306");
	refused(wildcard, h, 0, VNET_ERROR_CONFLICT, "192.168.1.5:3306:3306/tcp", "3306/tcp");
	valid(wildcard, h, VNET_VALIDATE_FORCE);
}

static void test_validate_forwards_need_nat(void **state)
{
	g_autoptr(vnet_host) h = vnet_host_new();
	g_autoptr(vnet_intent) iso = intent("iso", VNET_MODE_ISOLATED, "10.0.0.0/24");
	g_autoptr(vnet_intent) br = intent("lan", VNET_MODE_BRIDGED, NULL);

	add_forward(iso, "8080:10.0.0.2:80");
	complete(iso, h);
	refused(iso, h, 0, VNET_ERROR_INVALID, "\"iso\"", "isolated", "8080:10.0.0.2:80/tcp");
	assert_ok(vnet_intent_set_bridge(br, "br0", &err_));
	add_forward(br, "8080:80");
	complete(br, h);
	refused(br, h, 0, VNET_ERROR_INVALID, "\"lan\"", "bridged", "8080:80/tcp");
}

static void test_validate_ipv6_loopback_forward(void **state)
{
	g_autoptr(vnet_host) h = vnet_host_new();
	g_autoptr(vnet_intent) lo6 = intent("six", VNET_MODE_NAT, "fd00:6::/64");

	add_forward(lo6, "[::1]:8080:[fd00:6::2]:80");
	complete(lo6, h);
	refused(lo6, h, 0, VNET_ERROR_INVALID, "[::1]:8080:[fd00:6::2]:80/tcp", "127.0.0.1");
}

static void test_validate_ipv6_forward(void **state)
{
	g_autoptr(vnet_host) h = vnet_host_new();
	g_autoptr(vnet_intent) no6 = web();
	g_autoptr(vnet_intent) noguest = intent("six", VNET_MODE_NAT, "fd00:6::/64");
	g_autoptr(vnet_intent) ok = intent("six", VNET_MODE_NAT, "fd00:6::/64");
	g_autoptr(vnet_intent) out = intent("six", VNET_MODE_NAT, "fd00:6::/64");

	add_forward(no6, "[::]:8080:[fd00:6::2]:80");
	refused(no6, h, 0, VNET_ERROR_INVALID, "8080:[fd00:6::2]:80/tcp", "--subnet6");

	/* no guest: the default IPv6 guest, fd00:6::2 */
	add_forward(noguest, "[::]:8080:80");
	complete(noguest, h);
	valid(noguest, h, 0);

	/* on every address to the default guest: IPv6 too, where the first one is */
	add_forward(noguest, "8080:80");
	refused(noguest, h, 0, VNET_ERROR_CONFLICT, "\"8080:80/tcp\" uses", "\"[::]:8080:80/tcp\" of");

	add_forward(ok, "[::]:8080:[fd00:6::2]:80");
	add_forward(ok, "127.0.0.1:8080:80");	/* IPv4 on one address: no clash */
	add_forward(ok, "8081:80");		/* both families */
	complete(ok, h);
	valid(ok, h, 0);

	/* an IPv4-only network publishes on IPv4 only */
	add_intent(h, "db", VNET_MODE_NAT, "10.0.1.0/24", "8082:80");
	add_forward(out, "[::]:8082:[fd00:6::2]:80");
	complete(out, h);
	valid(out, h, 0);
	g_ptr_array_set_size(out->forwards, 0);

	add_forward(out, "[::]:8080:[fd00:7::2]:80");
	complete(out, h);
	refused(out, h, 0, VNET_ERROR_INVALID, "fd00:7::2", "fd00:6::/64");
}

/* ---- forwards at scale: the index behind the clash checks ---- */

/* "web" on 10.0.0.0/24 and fd00::/64, completed against an empty host. */
static vnet_intent *web6(void)
{
	vnet_intent *in = intent("web", VNET_MODE_NAT, "10.0.0.0/24");
	g_autoptr(vnet_host) empty = vnet_host_new();

	assert_ok(vnet_intent_set_subnet(in, "fd00::/64", &err_));
	complete(in, empty);
	return in;
}

/* Append @spec to @in's forwards as it is, past the setter's own clash check. */
static void push_forward(vnet_intent *in, const char *spec)
{
	vnet_forward *f = vnet_forward_parse(spec, NULL);

	assert_non_null(f);
	g_ptr_array_add(in->forwards, f);
}

/*
 * 100 forwards on IPv6 SCTP ports of their own, which clash with nothing the
 * tests pair: with them the clash checks go through their index, without
 * them a few forwards are compared pairwise.  The tests run both ways.
 */
static void push_filler(vnet_intent *in, guint base)
{
	for (guint p = base; p < base + 100; p++) {
		g_autofree char *spec = g_strdup_printf("[2001:db8::99]:%u:[fd00::9]:80/sctp", p);
		push_forward(in, spec);
	}
}

/* 100 listeners on UDP ports of their own, on an address no test forwards. */
static void add_filler_listeners(vnet_host *h)
{
	for (guint p = 40000; p < 40100; p++)
		add_listener(h, "udp", "192.0.2.99", p);
}

/* @spec as the messages write it: "8080:80" is "8080:80/tcp". */
static char *canonical(const char *spec)
{
	g_autoptr(vnet_forward) f = vnet_forward_parse(spec, NULL);

	assert_non_null(f);
	return vnet_forward_format(f);
}

/* Pairs of forwards and whether they claim a common host address, port and protocol. */
static const struct {
	const char *a, *b;
	bool clash;
} clash_cases[] = {
	{ "8080:80", "8080:81", true },
	{ "8080:80", "127.0.0.1:8080:80", true },		/* any address vs one */
	{ "127.0.0.1:8080:80", "8080:80", true },		/* one vs any */
	{ "127.0.0.1:8080:80", "127.0.0.1:8080:10.0.0.3:80", true },
	{ "127.0.0.1:8080:80", "192.168.1.5:8080:80", false },
	{ "8000-8010:8000-8010", "8010-8020:8010-8020", true },	/* ranges meet at one port */
	{ "8010-8020:8010-8020", "8000-8010:8000-8010", true },
	{ "8000-8010:8000-8010", "8011-8020:8011-8020", false },	/* touching is not clashing */
	{ "1-65535:1-65535", "192.168.1.5:65535:80", true },
	{ "192.168.1.5:1-65535:1-65535", "192.168.1.5:1:80", true },
	{ "8080:80/tcp", "8080:80/udp", false },		/* protocols */
	{ "8080:80/udp", "8080:80/sctp", false },
	{ "1-65535:1-65535/udp", "8080:80/tcp", false },
	/* on every address to the default guest: published on IPv6 too (dual-stack) */
	{ "8080:80", "[::]:8080:[fd00::2]:80", true },
	{ "[::]:8080:[fd00::2]:80", "8080:80", true },
	{ "8080:80", "[2001:db8::1]:8080:[fd00::3]:80", true },
	{ "[::]:8080:80", "8080:80", true },			/* the default IPv6 guest */
	{ "8080:80", "8080:80/udp", false },
	{ "127.0.0.1:8080:80", "[::]:8080:[fd00::2]:80", false },	/* one IPv4 address */
	{ "8080:10.0.0.9:80", "[::]:8080:[fd00::2]:80", false },	/* an IPv4 guest */
	{ "8080:web1:80", "[::]:8080:[fd00::2]:80", false },		/* a named guest */
	{ "[::]:8080:[fd00::2]:80", "[2001:db8::1]:8080:[fd00::3]:80", true },
	{ "[2001:db8::1]:8080:[fd00::3]:80", "[::]:8080-8081:[fd00::2]:80-81", true },
	{ "[2001:db8::1]:8080:[fd00::3]:80", "[2001:db8::5]:8080:[fd00::3]:80", false },
};

/*
 * Clash case @i % its count, both forwards in "web", or with @across the
 * first in the host's intent "db"; the second half of @i puts 100 more
 * forwards on each side.  A clash refuses the second, naming the first.
 */
static void check_clash_case(size_t i, bool across)
{
	const size_t n = G_N_ELEMENTS(clash_cases);
	g_autoptr(vnet_host) h = vnet_host_new();
	g_autoptr(vnet_intent) db = intent("db", VNET_MODE_NAT, "10.0.1.0/24");
	g_autoptr(vnet_intent) in = web6();

	/* dual-stack as "web" is, so that the cases hold across intents too */
	assert_ok(vnet_intent_set_subnet(db, "fd00:1::/64", &err_));
	vnet_intent *first = across ? db : in;
	g_autofree char *a = canonical(clash_cases[i % n].a);
	g_autofree char *b = canonical(clash_cases[i % n].b);
	g_autofree char *uses = g_strdup_printf("\"%s\" uses", b);
	g_autofree char *of = g_strdup_printf("forward \"%s\" of network \"%s\"", a, first->name);

	print_message("%s vs %s%s%s\n", a, b, across ? " across" : "", i >= n ? ", among 200 more" : "");
	if (i >= n)
		push_filler(first, 30000);
	push_forward(first, clash_cases[i % n].a);
	if (across) {
		complete(db, h);
		vnet_host_add_intent(h, db);
	}
	if (i >= n)
		push_filler(in, 30100);
	push_forward(in, clash_cases[i % n].b);
	if (clash_cases[i % n].clash)
		refused(in, h, 0, VNET_ERROR_CONFLICT, uses, of);
	else
		valid(in, h, 0);
}

static void test_validate_clash_pairs_within_intent(void **state)
{
	for (size_t i = 0; i < 2 * G_N_ELEMENTS(clash_cases); i++)
		check_clash_case(i, false);
}

static void test_validate_clash_pairs_across_intents(void **state)
{
	for (size_t i = 0; i < 2 * G_N_ELEMENTS(clash_cases); i++)
		check_clash_case(i, true);
}

/* The message names the earliest clashing forward before the first one that clashes. */
static void test_validate_clash_names_first_pair(void **state)
{
	g_autoptr(vnet_host) h = vnet_host_new();
	g_autoptr(vnet_intent) in = web();
	g_autoptr(vnet_intent) across = web();
	g_autoptr(vnet_intent) a = intent("a", VNET_MODE_NAT, "10.0.1.0/24");
	g_autoptr(vnet_intent) b = intent("b", VNET_MODE_NAT, "10.0.2.0/24");
	g_autoptr(GError) error = NULL;

	push_forward(in, "192.168.1.5:7000:80");
	push_forward(in, "127.0.0.1:7000:80");
	push_forward(in, "9000-9100:9000-9100");
	push_forward(in, "7000:80");			/* clashes with 0 and 1 */
	push_forward(in, "9050:80");			/* with 2, but later */
	assert_false(vnet_intent_validate(in, h, 0, &error));
	assert_error(error, VNET_ERROR_CONFLICT, "\"7000:80/tcp\" uses", "\"192.168.1.5:7000:80/tcp\" of");
	assert_null(strstr(error->message, "127.0.0.1"));

	/* Across intents: the host's first intent first, and its first forward. */
	push_forward(a, "8000:80/udp");
	push_forward(a, "127.0.0.1:7000-7010:80-90");
	push_forward(a, "7005:80");
	complete(a, h);
	vnet_host_add_intent(h, a);
	push_forward(b, "7000-7100:7000-7100");
	complete(b, h);
	vnet_host_add_intent(h, b);
	push_forward(across, "6000:80");
	push_forward(across, "7005:80");
	g_clear_error(&error);
	assert_false(vnet_intent_validate(across, h, 0, &error));
	assert_error(error, VNET_ERROR_CONFLICT, "\"7005:80/tcp\" uses",
		     "\"127.0.0.1:7000-7010:80-90/tcp\" of network \"a\"");
}

/* Listeners of either family, with and without an address, against both families' forwards. */
static void test_validate_listener_families(void **state)
{
	static const struct {
		const char *proto, *addr;
		guint port;
		const char *forward;
		bool clash;
	} cases[] = {
		{ "tcp", NULL, 22, "[::]:22:[fd00::2]:22", true },	/* no address: both families */
		{ "tcp", "::", 22, "22:22", true },
		{ "tcp", "::1", 22, "22:22", true },			/* published on IPv6 too */
		{ "tcp", "::1", 22, "22:10.0.0.5:22", false },		/* IPv6 listener, IPv4 forward */
		{ "tcp", "::1", 22, "127.0.0.1:22:22", false },
		{ "tcp", "::1", 22, "[::]:22:[fd00::2]:22", true },
		{ "tcp", "127.0.0.1", 8080, "[::]:8080:[fd00::2]:80", false },
		{ "tcp", "2001:db8::1", 8080, "[2001:db8::1]:8000-8100:[fd00::2]:8000-8100", true },
		{ "tcp", "2001:db8::1", 8080, "[2001:db8::2]:8080:[fd00::2]:80", false },
		{ "udp", NULL, 53, "1-65535:10.0.0.5:1-65535/tcp", false },
		{ "sctp", NULL, 65535, "1-65535:10.0.0.5:1-65535/sctp", true },
		{ "tcp", NULL, 70000, "1-65535:10.0.0.5:1-65535/tcp", false },	/* no port of a forward */
	};

	for (size_t j = 0; j < 2 * G_N_ELEMENTS(cases); j++) {
		size_t i = j % G_N_ELEMENTS(cases);
		bool filler = j >= G_N_ELEMENTS(cases);
		g_autoptr(vnet_host) h = vnet_host_new();
		g_autoptr(vnet_intent) in = web6();
		g_autofree char *spec = canonical(cases[i].forward);
		g_autofree char *port = g_strdup_printf("port %u/%s", cases[i].port, cases[i].proto);

		print_message("%s %s %u vs %s%s\n", cases[i].proto, cases[i].addr ? cases[i].addr : "any",
			      cases[i].port, spec, filler ? ", among 100 more each" : "");
		add_listener(h, "udp", "192.0.2.1", 9);		/* something held besides */
		if (filler)
			add_filler_listeners(h);
		add_listener(h, cases[i].proto, cases[i].addr, cases[i].port);
		if (filler)
			push_filler(in, 30000);
		push_forward(in, cases[i].forward);
		if (cases[i].clash)
			refused(in, h, 0, VNET_ERROR_CONFLICT, spec, port);
		else
			valid(in, h, 0);
		valid(in, h, VNET_VALIDATE_FORCE);
	}
}

/* Every TCP port of IPv4 forwarded one by one: one interval per port, and no quadratic check. */
static void test_validate_65535_forwards(void **state)
{
	g_autoptr(vnet_host) h = vnet_host_new();
	g_autoptr(vnet_intent) in = web();	/* IPv4 only: nothing published on IPv6 */
	g_autoptr(vnet_intent) other = intent("other", VNET_MODE_NAT, "10.0.1.0/24");
	g_autoptr(GRand) rand = g_rand_new_with_seed(14);
	guint ports[65535];

	/* In a shuffled order, so that the index holds many intervals before they merge. */
	for (guint i = 0; i < G_N_ELEMENTS(ports); i++)
		ports[i] = i + 1;
	for (guint i = G_N_ELEMENTS(ports) - 1; i > 0; i--) {
		guint j = g_rand_int_range(rand, 0, i + 1), t = ports[i];
		ports[i] = ports[j];
		ports[j] = t;
	}
	for (guint i = 0; i < G_N_ELEMENTS(ports); i++) {
		g_autofree char *spec = g_strdup_printf("%u:80", ports[i]);
		push_forward(in, spec);
	}
	/* What the host holds elsewhere: UDP, IPv6, and a listener on IPv6 only. */
	for (guint p = 1; p <= 1000; p++) {
		g_autofree char *u = g_strdup_printf("%u:80/udp", p);
		g_autofree char *six = g_strdup_printf("[::]:%u:[fd00:1::2]:80", p);
		push_forward(other, u);
		push_forward(other, six);
	}
	complete(other, h);
	vnet_host_add_intent(h, other);
	add_listener(h, "tcp", "::1", 22);
	add_listener(h, "udp", NULL, 5353);
	valid(in, h, 0);

	/* One more forward, bound to 127.0.0.1: it clashes with the one on its port. */
	push_forward(in, "127.0.0.1:40000:80");
	refused(in, h, 0, VNET_ERROR_CONFLICT, "\"127.0.0.1:40000:80/tcp\" uses", "\"40000:80/tcp\" of");
	g_ptr_array_remove_index(in->forwards, in->forwards->len - 1);

	/* A listener on every address takes one of them. */
	add_listener(h, "tcp", NULL, 22);
	refused(in, h, 0, VNET_ERROR_CONFLICT, "\"22:80/tcp\"", "port 22/tcp");
	valid(in, h, VNET_VALIDATE_FORCE);
}

/* Both checks of @in's last forward agree: the same verdict, the same message. */
static void added_agrees(const vnet_intent *in, const vnet_host *h, unsigned flags)
{
	g_autoptr(GError) whole = NULL, added = NULL;
	bool a = vnet_intent_validate(in, h, flags, &whole);
	bool b = vnet_intent_validate_added_forward(in, h, flags, &added);

	if (a != b)
		fail_msg("the whole check says %s, the added forward's %s", whole ? whole->message : "yes",
			 added ? added->message : "yes");
	if (!a) {
		assert_int_equal(whole->code, added->code);
		assert_string_equal(whole->message, added->message);
	}
}

/*
 * vnet_intent_validate_added_forward() against vnet_intent_validate() on
 * random hosts: a dual-stack "web" whose forwards so far are valid, one
 * forward more (past the setter's own check), other intents and listeners;
 * the two agree on every case (forward add checks only the forward it adds).
 */
static void test_validate_added_forward_agrees(void **state)
{
	static const char *const protos[] = { "tcp", "udp" };
	static const char *const hosts[] = { "", "127.0.0.1:", "192.0.2.5:", "[::]:", "[2001:db8::1]:" };
	g_autoptr(GRand) rand = g_rand_new_with_seed(7);
	guint refusals = 0;

	for (guint t = 0; t < 3000; t++) {
		g_autoptr(vnet_host) h = vnet_host_new();
		g_autoptr(vnet_intent) in = web6();
		g_autoptr(vnet_intent) db = intent("db", VNET_MODE_NAT, "10.0.1.0/24");
		guint n = g_rand_int_range(rand, 0, 12);
		unsigned flags = g_rand_boolean(rand) ? VNET_VALIDATE_FORCE : 0;

		if (g_rand_boolean(rand))
			assert_ok(vnet_intent_set_subnet(db, "fd00:1::/64", &err_));
		for (guint i = 0; i < 6; i++) {
			const char *host = hosts[g_rand_int_range(rand, 0, G_N_ELEMENTS(hosts))];
			const char *guest = host[0] == '[' ? "[fd00:1::3]:" : (host[0] ? "10.0.1.3:" : "");
			guint p = g_rand_int_range(rand, 8000, 8012);
			g_autofree char *spec = g_strdup_printf("%s%u:%s80/%s", host, p, guest,
								protos[g_rand_int_range(rand, 0, 2)]);
			push_forward(db, spec);
			if (!vnet_intent_validate(db, h, VNET_VALIDATE_FORCE, NULL))
				g_ptr_array_remove_index(db->forwards, db->forwards->len - 1);
		}
		complete(db, h);
		vnet_host_add_intent(h, db);
		for (guint i = 0; i < 3; i++)
			add_listener(h, protos[g_rand_int_range(rand, 0, 2)], g_rand_boolean(rand) ? NULL : "127.0.0.1",
				     g_rand_int_range(rand, 8000, 8012));
		for (guint i = 0; i <= n; i++) {
			const char *host = hosts[g_rand_int_range(rand, 0, G_N_ELEMENTS(hosts))];
			const char *guest = host[0] == '[' ? (g_rand_boolean(rand) ? "[fd00::3]:" : "")
							   : (g_rand_boolean(rand) ? "10.0.0.3:" : "");
			guint p = g_rand_int_range(rand, 8000, 8012), len = g_rand_int_range(rand, 0, 3);
			g_autofree char *spec = len ? g_strdup_printf("%s%u-%u:%s%u-%u/%s", host, p, p + len, guest, p, p + len,
								      protos[g_rand_int_range(rand, 0, 2)])
						    : g_strdup_printf("%s%u:%s80/%s", host, p, guest,
								      protos[g_rand_int_range(rand, 0, 2)]);
			push_forward(in, spec);
			if (i == n)
				break;
			/* The forwards before the last are a valid network, as forward add finds them. */
			if (!vnet_intent_validate(in, h, flags, NULL))
				g_ptr_array_remove_index(in->forwards, in->forwards->len - 1);
		}
		added_agrees(in, h, flags);
		refusals += !vnet_intent_validate(in, h, flags, NULL);
	}
	/* The cases are not all one way. */
	assert_true(refusals > 300);
	assert_true(refusals < 2700);
}

/*
 * vnet_forwards_first_clash() (bitmaps first, then the index) names the pair
 * a pairwise loop names, on random lists big enough for both, with and
 * without a clash, on every address and on one.
 */
static void test_first_clash_random(void **state)
{
	static const char *const hosts[] = { "", "", "127.0.0.1:", "192.0.2.5:", "[::]:", "[2001:db8::1]:", "[2001:db8::2]:" };
	static const char *const protos[] = { "tcp", "udp", "sctp" };
	g_autoptr(GRand) rand = g_rand_new_with_seed(21);
	guint clashes = 0;

	for (guint t = 0; t < 400; t++) {
		g_autoptr(GPtrArray) fw = g_ptr_array_new_with_free_func((GDestroyNotify)vnet_forward_free);
		guint n = g_rand_int_range(rand, 100, 400), space = g_rand_int_range(rand, n, 40 * n);
		guint later = 0, earlier = 0, want_later = 0, want_earlier = 0;
		bool want = false, got;

		for (guint i = 0; i < n; i++) {
			guint p = g_rand_int_range(rand, 1, space), len = g_rand_int_range(rand, 0, 8) ? 0 : g_rand_int_range(rand, 1, 5);
			g_autofree char *spec = g_strdup_printf("%s%u-%u:%u-%u/%s", hosts[g_rand_int_range(rand, 0, G_N_ELEMENTS(hosts))],
								p, p + len, p, p + len, protos[g_rand_int_range(rand, 0, 3)]);
			vnet_forward *f = vnet_forward_parse(spec, NULL);
			assert_non_null(f);
			g_ptr_array_add(fw, f);
		}
		for (guint i = 0; i < n && !want; i++)
			for (guint j = 0; j < i && !want; j++)
				if (vnet_forward_clashes(fw->pdata[i], fw->pdata[j])) {
					want = true;
					want_later = i;
					want_earlier = j;
				}
		got = vnet_forwards_first_clash(fw, &later, &earlier);
		assert_int_equal(got, want);
		if (want) {
			assert_int_equal(later, want_later);
			assert_int_equal(earlier, want_earlier);
		}
		clashes += want;
	}
	assert_true(clashes > 40 && clashes < 360);
}

/* A few ranges over every port: each is one interval, not 65,535 entries. */
static void test_validate_big_ranges(void **state)
{
	g_autoptr(vnet_host) h = vnet_host_new();
	g_autoptr(vnet_intent) in = web6();
	g_autoptr(vnet_intent) clash = web6();

	/* to an IPv4 guest: IPv4 only, beside the IPv6 ranges */
	push_forward(in, "1-30000:10.0.0.2:1-30000");
	push_forward(in, "30001-65535:10.0.0.2:30001-65535");
	push_forward(in, "1-65535:10.0.0.2:1-65535/udp");
	push_forward(in, "1-65535:10.0.0.2:1-65535/sctp");
	push_forward(in, "[::]:1-65535:[fd00::2]:1-65535");
	push_forward(in, "[::]:1-65535:[fd00::2]:1-65535/udp");
	add_intent(h, "db", VNET_MODE_NAT, "10.0.1.0/24", "[2001:db8::1]:5432:[fd00:1::2]:5432/sctp");
	add_listener(h, "tcp", "192.0.2.1", 70000);
	valid(in, h, 0);

	/* The same ranges again, bound to an address: the first one clashes with the first range. */
	push_forward(clash, "1-65535:1-65535");
	push_forward(clash, "192.168.1.5:1-65535:1-65535/udp");
	push_forward(clash, "192.168.1.5:1-65535:1-65535");
	refused(clash, h, 0, VNET_ERROR_CONFLICT, "\"192.168.1.5:1-65535:1-65535/tcp\" uses",
		"\"1-65535:1-65535/tcp\" of");

	/* And against the host: the IPv6 SCTP range takes db's port. */
	push_forward(in, "[::]:1-65535:[fd00::2]:1-65535/sctp");
	refused(in, h, 0, VNET_ERROR_CONFLICT, "\"1-65535:[fd00::2]:1-65535/sctp\" uses",
		"\"[2001:db8::1]:5432:[fd00:1::2]:5432/sctp\" of network \"db\"");
}

static void test_validate_hybrid_same_bridges(void **state)
{
	g_autoptr(vnet_host) h = vnet_host_new();
	g_autoptr(vnet_intent) in = intent("lab", VNET_MODE_HYBRID, NULL);

	assert_ok(vnet_intent_set_lan_bridge(in, "vn-lab", &err_));
	complete(in, h);
	refused(in, h, 0, VNET_ERROR_INVALID, "\"lab\"", "vn-lab");
}

/* ---- validation: the intent against the host ---- */

static void test_validate_overlap_host_address(void **state)
{
	g_autoptr(vnet_host) h = vnet_host_new();
	g_autoptr(vnet_intent) in = intent("web", VNET_MODE_NAT, "192.168.1.0/24");
	g_autoptr(vnet_intent) wide = intent("web", VNET_MODE_NAT, "192.168.0.0/16");
	g_autoptr(vnet_intent) v6 = intent("web", VNET_MODE_NAT, "10.9.0.0/24");

	add_addr(h, "eth0", "192.168.1.10/24");
	add_addr(h, "eth0", "2001:db8:1::10/48");
	complete(in, h);
	refused(in, h, 0, VNET_ERROR_CONFLICT, "192.168.1.0/24", "192.168.1.10/24", "eth0", "--subnet");
	complete(wide, h);
	refused(wide, h, 0, VNET_ERROR_CONFLICT, "192.168.0.0/16", "192.168.1.10/24", "eth0");
	assert_ok(vnet_intent_set_subnet(v6, "2001:db8:1:5::/64", &err_));
	complete(v6, h);
	refused(v6, h, 0, VNET_ERROR_CONFLICT, "2001:db8:1:5::/64", "2001:db8:1::10/48", "eth0");
}

static void test_validate_overlap_route(void **state)
{
	g_autoptr(vnet_host) h = vnet_host_new();
	g_autoptr(vnet_intent) in = intent("web", VNET_MODE_NAT, "10.0.5.0/24");

	add_route(h, "tun0", "10.0.0.0/16");
	complete(in, h);
	refused(in, h, 0, VNET_ERROR_CONFLICT, "10.0.5.0/24", "10.0.0.0/16", "tun0", "VPN");
}

static void test_validate_overlap_route_without_device(void **state)
{
	g_autoptr(vnet_host) h = vnet_host_new();
	g_autoptr(vnet_intent) in = intent("web", VNET_MODE_NAT, "10.0.5.0/24");

	add_route(h, NULL, "10.0.0.0/16");
	complete(in, h);
	refused(in, h, 0, VNET_ERROR_CONFLICT, "10.0.5.0/24", "10.0.0.0/16");
}

static void test_validate_default_routes_never_conflict(void **state)
{
	g_autoptr(vnet_host) h = vnet_host_new();
	g_autoptr(vnet_intent) in = intent("web", VNET_MODE_NAT, "10.0.5.0/24");

	assert_ok(vnet_intent_set_subnet(in, "fd00:5::/64", &err_));
	add_route(h, "eth0", "0.0.0.0/0");
	add_route(h, "eth0", "::/0");
	add_route(h, NULL, "0.0.0.0/0");
	complete(in, h);
	valid(in, h, 0);
}

static void test_validate_overlap_libvirt_network(void **state)
{
	g_autoptr(vnet_host) h = vnet_host_new();
	g_autoptr(vnet_intent) in = intent("web", VNET_MODE_ISOLATED, "192.168.122.0/25");

	add_net(h, "default", "virbr0", "192.168.122.0/24");
	complete(in, h);
	refused(in, h, 0, VNET_ERROR_CONFLICT, "192.168.122.0/25", "192.168.122.0/24", "\"default\"");
}

static void test_validate_overlap_other_intent(void **state)
{
	g_autoptr(vnet_host) h = vnet_host_new();
	g_autoptr(vnet_intent) in = web();
	g_autoptr(vnet_intent) v6 = intent("web", VNET_MODE_NAT, "10.0.9.0/24");

	add_intent(h, "db", VNET_MODE_NAT, "10.0.0.0/23", NULL);
	refused(in, h, 0, VNET_ERROR_CONFLICT, "10.0.0.0/24", "10.0.0.0/23", "vnetctl network \"db\"");

	add_intent(h, "six", VNET_MODE_NAT, "10.0.8.0/24", NULL);
	{
		g_autoptr(vnet_intent) six = intent("six6", VNET_MODE_NAT, "10.0.7.0/24");
		assert_ok(vnet_intent_set_subnet(six, "fd00:9::/64", &err_));
		complete(six, h);
		vnet_host_add_intent(h, six);
	}
	assert_ok(vnet_intent_set_subnet(v6, "fd00:9::/48", &err_));
	complete(v6, h);
	refused(v6, h, 0, VNET_ERROR_CONFLICT, "fd00:9::/48", "fd00:9::/64", "\"six6\"");
}

static void test_validate_reapply_is_not_a_conflict(void **state)
{
	g_autoptr(vnet_host) h = vnet_host_new();
	g_autoptr(vnet_intent) in = web();
	g_autoptr(vnet_intent) hy = intent("lab", VNET_MODE_HYBRID, "10.0.1.0/24");

	/* "web" exists with the same subnet, bridge and forward, and is running. */
	add_forward(in, "8080:80");
	vnet_host_add_intent(h, in);
	add_link(h, "vn-web", true, NULL);
	add_addr(h, "vn-web", "10.0.0.1/24");
	add_route(h, "vn-web", "10.0.0.0/24");
	valid(in, h, 0);

	/* So does a hybrid whose uplink is already a port of its own LAN bridge. */
	add_link(h, "vb-lab", true, NULL);
	add_link(h, "eth1", false, "vb-lab");
	assert_ok(vnet_intent_set_uplink(hy, "eth1", &err_));
	complete(hy, h);
	vnet_host_add_intent(h, hy);
	add_link(h, "vn-lab", true, NULL);
	valid(hy, h, 0);
}

static void test_validate_bridge_of_another_network(void **state)
{
	g_autoptr(vnet_host) h = vnet_host_new();
	g_autoptr(vnet_intent) lv = web();
	g_autoptr(vnet_intent) vn = intent("web2", VNET_MODE_NAT, "10.0.2.0/24");
	g_autoptr(vnet_intent) br = intent("lan", VNET_MODE_BRIDGED, NULL);

	add_net(h, "default", "virbr0", "192.168.122.0/24");
	assert_ok(vnet_intent_set_bridge(lv, "virbr0", &err_));
	refused(lv, h, 0, VNET_ERROR_CONFLICT, "virbr0", "\"web\"", "\"default\"");

	add_intent(h, "db", VNET_MODE_NAT, "10.0.1.0/24", NULL);
	assert_ok(vnet_intent_set_bridge(vn, "vn-db", &err_));
	complete(vn, h);
	refused(vn, h, 0, VNET_ERROR_CONFLICT, "vn-db", "\"web2\"", "\"db\"");

	/* Bridged mode may join an existing bridge, not another network's. */
	assert_ok(vnet_intent_set_bridge(br, "virbr0", &err_));
	complete(br, h);
	refused(br, h, 0, VNET_ERROR_CONFLICT, "virbr0", "\"default\"");
}

static void test_validate_bridge_name_of_existing_link(void **state)
{
	g_autoptr(vnet_host) h = vnet_host_new();
	g_autoptr(vnet_intent) nic = web();
	g_autoptr(vnet_intent) bridge = web();
	g_autoptr(vnet_intent) br_nic = intent("lan", VNET_MODE_BRIDGED, NULL);
	g_autoptr(vnet_intent) hy = intent("lab", VNET_MODE_HYBRID, "10.0.1.0/24");

	add_link(h, "eth0", false, NULL);
	add_link(h, "br0", true, NULL);
	assert_ok(vnet_intent_set_bridge(nic, "eth0", &err_));
	refused(nic, h, 0, VNET_ERROR_CONFLICT, "eth0", "\"web\"", "another interface");
	/* A NAT network makes its own bridge: an existing one is someone else's. */
	assert_ok(vnet_intent_set_bridge(bridge, "br0", &err_));
	refused(bridge, h, 0, VNET_ERROR_CONFLICT, "br0", "\"web\"", "existing bridge");
	assert_ok(vnet_intent_set_bridge(br_nic, "eth0", &err_));
	complete(br_nic, h);
	refused(br_nic, h, 0, VNET_ERROR_CONFLICT, "eth0", "\"lan\"", "another interface");
	/* The NAT half of a hybrid may not take an existing bridge either. */
	assert_ok(vnet_intent_set_bridge(hy, "br0", &err_));
	complete(hy, h);
	refused(hy, h, 0, VNET_ERROR_CONFLICT, "br0", "\"lab\"");
}

static void test_validate_bridged_reuses_bridge(void **state)
{
	g_autoptr(vnet_host) h = vnet_host_new();
	g_autoptr(vnet_intent) br = intent("lan", VNET_MODE_BRIDGED, NULL);
	g_autoptr(vnet_intent) hy = intent("lab", VNET_MODE_HYBRID, NULL);

	add_link(h, "br0", true, NULL);
	add_link(h, "eth0", false, "br0");
	add_addr(h, "br0", "192.168.1.10/24");
	assert_ok(vnet_intent_set_bridge(br, "br0", &err_));
	complete(br, h);
	valid(br, h, 0);
	assert_ok(vnet_intent_set_lan_bridge(hy, "br0", &err_));
	complete(hy, h);
	assert_string_equal(vnet_intent_get_bridge(hy), "vn-lab");
	valid(hy, h, 0);
}

static void test_hybrid_lan_addresses_are_not_its_own(void **state)
{
	g_autoptr(vnet_host) h = vnet_host_new();
	g_autoptr(vnet_intent) in = intent("lab", VNET_MODE_HYBRID, NULL);
	g_autoptr(vnet_intent) clash = intent("lab", VNET_MODE_HYBRID, "192.168.123.0/24");

	/* The LAN bridge carries the LAN's addresses: the NAT half must avoid them. */
	add_link(h, "br0", true, NULL);
	add_addr(h, "br0", "192.168.123.5/24");
	add_route(h, "br0", "192.168.123.0/24");
	assert_ok(vnet_intent_set_lan_bridge(in, "br0", &err_));
	complete(in, h);
	assert_string_equal(vnet_intent_get_subnet(in, AF_INET), "192.168.124.0/24");
	valid(in, h, 0);
	assert_ok(vnet_intent_set_lan_bridge(clash, "br0", &err_));
	complete(clash, h);
	refused(clash, h, 0, VNET_ERROR_CONFLICT, "192.168.123.0/24", "192.168.123.5/24", "br0");
}

static void test_validate_uplink_missing(void **state)
{
	g_autoptr(vnet_host) h = vnet_host_new();
	g_autoptr(vnet_intent) in = intent("lan", VNET_MODE_BRIDGED, NULL);

	add_link(h, "eth0", false, NULL);
	assert_ok(vnet_intent_set_uplink(in, "eth9", &err_));
	complete(in, h);
	refused(in, h, 0, VNET_ERROR_NOT_FOUND, "eth9", "\"lan\"", "--uplink");
}

static void test_validate_uplink_loopback_or_bridge(void **state)
{
	g_autoptr(vnet_host) h = vnet_host_new();
	g_autoptr(vnet_intent) lo = intent("lan", VNET_MODE_BRIDGED, NULL);
	g_autoptr(vnet_intent) br = intent("lan", VNET_MODE_BRIDGED, NULL);
	g_autoptr(vnet_intent) own = intent("lan", VNET_MODE_BRIDGED, NULL);

	add_link(h, "lo", false, NULL);
	add_link(h, "br0", true, NULL);
	assert_ok(vnet_intent_set_uplink(lo, "lo", &err_));
	complete(lo, h);
	refused(lo, h, 0, VNET_ERROR_INVALID, "lo", "\"lan\"", "loopback");
	assert_ok(vnet_intent_set_uplink(br, "br0", &err_));
	complete(br, h);
	refused(br, h, 0, VNET_ERROR_INVALID, "br0", "\"lan\"", "bridge");
	/* Its own bridge named as uplink. */
	assert_ok(vnet_intent_set_bridge(own, "br1", &err_));
	assert_ok(vnet_intent_set_uplink(own, "br1", &err_));
	complete(own, h);
	refused(own, h, 0, VNET_ERROR_INVALID, "br1", "\"lan\"", "own bridge");
}

static void test_validate_uplink_port_of_other_bridge(void **state)
{
	g_autoptr(vnet_host) h = vnet_host_new();
	g_autoptr(vnet_intent) in = intent("lan", VNET_MODE_BRIDGED, NULL);
	g_autoptr(vnet_intent) same = intent("lan", VNET_MODE_BRIDGED, NULL);

	add_link(h, "br0", true, NULL);
	add_link(h, "eth0", false, "br0");
	assert_ok(vnet_intent_set_uplink(in, "eth0", &err_));
	complete(in, h);
	refused(in, h, 0, VNET_ERROR_CONFLICT, "eth0", "\"lan\"", "br0");
	/* Joining br0 with eth0, which is already in br0, is fine. */
	assert_ok(vnet_intent_set_bridge(same, "br0", &err_));
	assert_ok(vnet_intent_set_uplink(same, "eth0", &err_));
	complete(same, h);
	valid(same, h, 0);
}

static void test_validate_unmanaged_network_same_name(void **state)
{
	g_autoptr(vnet_host) h = vnet_host_new();
	g_autoptr(vnet_intent) in = web();
	g_autoptr(vnet_intent) hy = intent("lab", VNET_MODE_HYBRID, "10.0.1.0/24");

	add_net(h, "web", "virbr5", NULL);
	refused(in, h, 0, VNET_ERROR_CONFLICT, "\"web\"", "does not manage");
	add_net(h, "lab-lan", "virbr6", NULL);
	complete(hy, h);
	refused(hy, h, 0, VNET_ERROR_CONFLICT, "\"lab-lan\"");
}

static void test_validate_network_name_of_other_intent(void **state)
{
	g_autoptr(vnet_host) h = vnet_host_new();
	g_autoptr(vnet_intent) in = intent("lab-nat", VNET_MODE_NAT, "10.0.5.0/24");
	g_autoptr(vnet_intent) hy = intent("web", VNET_MODE_HYBRID, "10.0.6.0/24");

	/* The hybrid "lab" defines the libvirt networks lab-nat and lab-lan. */
	add_intent(h, "lab", VNET_MODE_HYBRID, "10.0.1.0/24", NULL);
	complete(in, h);
	refused(in, h, 0, VNET_ERROR_CONFLICT, "\"lab-nat\"", "\"lab\"");
	add_intent(h, "web-nat", VNET_MODE_NAT, "10.0.2.0/24", NULL);
	complete(hy, h);
	refused(hy, h, 0, VNET_ERROR_CONFLICT, "\"web-nat\"");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_host_facts_refused),
		/* completion */
		cmocka_unit_test(test_complete_defaults_nat),
		cmocka_unit_test(test_complete_is_idempotent),
		cmocka_unit_test(test_complete_name_skips_libvirt_network),
		cmocka_unit_test(test_complete_name_skips_intent),
		cmocka_unit_test(test_complete_name_skips_hybrid_halves),
		cmocka_unit_test(test_complete_keeps_given_name),
		cmocka_unit_test(test_complete_subnet_skips_host_addresses),
		cmocka_unit_test(test_complete_subnet_skips_vpn_route),
		cmocka_unit_test(test_complete_subnet_skips_route_without_device),
		cmocka_unit_test(test_complete_default_route_never_taken),
		cmocka_unit_test(test_complete_subnet_skips_networks_and_intents),
		cmocka_unit_test(test_complete_subnet_pools_in_order),
		cmocka_unit_test(test_complete_subnet_beside_docker_and_libvirt),
		cmocka_unit_test(test_complete_subnet_exhausted),
		cmocka_unit_test(test_complete_reapply_keeps_own_subnet),
		cmocka_unit_test(test_complete_keeps_given_fields),
		cmocka_unit_test(test_complete_range_after_given_gateway),
		cmocka_unit_test(test_complete_guest_is_not_given_gateway),
		cmocka_unit_test(test_complete_no_dhcp_no_range),
		cmocka_unit_test(test_complete_small_subnet),
		cmocka_unit_test(test_complete_isolated_has_no_guest),
		cmocka_unit_test(test_complete_subnet6_gateway),
		cmocka_unit_test(test_complete_bridge_names),
		cmocka_unit_test(test_complete_bridged_needs_bridge_or_uplink),
		cmocka_unit_test(test_complete_name_too_long_for_bridge),
		/* validation: self */
		cmocka_unit_test(test_validate_incomplete),
		cmocka_unit_test(test_validate_guard_needs_linux_bridge),
		cmocka_unit_test(test_validate_nat_needs_subnet),
		cmocka_unit_test(test_validate_bridged_has_no_subnet),
		cmocka_unit_test(test_validate_uplink_needs_lan_mode),
		cmocka_unit_test(test_validate_subnet_too_small),
		cmocka_unit_test(test_validate_gateway_outside_subnet),
		cmocka_unit_test(test_validate_dhcp_range_outside),
		cmocka_unit_test(test_validate_dhcp_range_reversed),
		cmocka_unit_test(test_validate_dhcp_range_covers_gateway),
		cmocka_unit_test(test_validate_default_guest),
		cmocka_unit_test(test_validate_forward_target_outside),
		cmocka_unit_test(test_validate_forward_inside_ok),
		cmocka_unit_test(test_validate_forward_without_default_guest),
		cmocka_unit_test(test_forward_clash_within_intent),
		cmocka_unit_test(test_validate_forward_clash_within_intent),
		cmocka_unit_test(test_validate_forward_clash_other_intent),
		cmocka_unit_test(test_validate_forward_listener),
		cmocka_unit_test(test_validate_forwards_need_nat),
		cmocka_unit_test(test_validate_ipv6_forward),
		cmocka_unit_test(test_validate_ipv6_loopback_forward),
		cmocka_unit_test(test_validate_clash_pairs_within_intent),
		cmocka_unit_test(test_validate_clash_pairs_across_intents),
		cmocka_unit_test(test_validate_clash_names_first_pair),
		cmocka_unit_test(test_validate_listener_families),
		cmocka_unit_test(test_validate_65535_forwards),
		cmocka_unit_test(test_validate_added_forward_agrees),
		cmocka_unit_test(test_first_clash_random),
		cmocka_unit_test(test_validate_big_ranges),
		cmocka_unit_test(test_validate_hybrid_same_bridges),
		/* validation: host */
		cmocka_unit_test(test_validate_overlap_host_address),
		cmocka_unit_test(test_validate_overlap_route),
		cmocka_unit_test(test_validate_overlap_route_without_device),
		cmocka_unit_test(test_validate_default_routes_never_conflict),
		cmocka_unit_test(test_validate_overlap_libvirt_network),
		cmocka_unit_test(test_validate_overlap_other_intent),
		cmocka_unit_test(test_validate_reapply_is_not_a_conflict),
		cmocka_unit_test(test_validate_bridge_of_another_network),
		cmocka_unit_test(test_validate_bridge_name_of_existing_link),
		cmocka_unit_test(test_validate_bridged_reuses_bridge),
		cmocka_unit_test(test_hybrid_lan_addresses_are_not_its_own),
		cmocka_unit_test(test_validate_uplink_missing),
		cmocka_unit_test(test_validate_uplink_loopback_or_bridge),
		cmocka_unit_test(test_validate_uplink_port_of_other_bridge),
		cmocka_unit_test(test_validate_unmanaged_network_same_name),
		cmocka_unit_test(test_validate_network_name_of_other_intent),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
