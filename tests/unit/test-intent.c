/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The intent through its public API: getters and setters (a failing setter
 * leaves the intent untouched), intent XML round-trips for every mode with
 * every option, the intent read back out of a whole libvirt network XML, and
 * a table of hostile or broken intent XML documents, each with the words its
 * error must contain.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "helpers.h"
#include <libxml/parser.h>

#include <vnet/vnet.h>
#include "model.h"
#include "validate.h"
#include "xml.h"


static const vnet_mode all_modes[] = {
	VNET_MODE_NAT, VNET_MODE_ISOLATED, VNET_MODE_BRIDGED, VNET_MODE_HYBRID,
};

/* ---- modes, construction ---- */

static void test_mode_strings(void **state)
{
	g_autoptr(GError) error = NULL;
	vnet_mode m = VNET_MODE_HYBRID;

	for (size_t i = 0; i < G_N_ELEMENTS(all_modes); i++) {
		vnet_mode got = VNET_MODE_NAT;
		assert_true(vnet_mode_from_string(vnet_mode_to_string(all_modes[i]), &got, NULL));
		assert_int_equal(got, all_modes[i]);
	}
	assert_string_equal(vnet_mode_to_string(VNET_MODE_NAT), "nat");
	assert_string_equal(vnet_mode_to_string(VNET_MODE_ISOLATED), "isolated");
	assert_string_equal(vnet_mode_to_string(VNET_MODE_BRIDGED), "bridged");
	assert_string_equal(vnet_mode_to_string(VNET_MODE_HYBRID), "hybrid");

	assert_false(vnet_mode_from_string("NAT", &m, &error));
	assert_error(error, VNET_ERROR_INVALID, "\"NAT\"");
	assert_int_equal(m, VNET_MODE_HYBRID);	/* ret_mode untouched */
	g_clear_error(&error);
	assert_false(vnet_mode_from_string(NULL, &m, &error));
	assert_error(error, VNET_ERROR_INVALID, "not a mode");
}

static void test_new_defaults(void **state)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(vnet_intent) in = vnet_intent_new(NULL, VNET_MODE_NAT, &error);
	g_autoptr(vnet_intent) bad = NULL;

	assert_non_null(in);
	assert_null(vnet_intent_get_name(in));
	assert_int_equal(vnet_intent_get_mode(in), VNET_MODE_NAT);
	assert_null(vnet_intent_get_bridge(in));
	assert_null(vnet_intent_get_lan_bridge(in));
	assert_null(vnet_intent_get_uplink(in));
	assert_null(vnet_intent_get_subnet(in, AF_INET));
	assert_null(vnet_intent_get_subnet(in, AF_INET6));
	assert_null(vnet_intent_get_gateway(in, AF_INET));
	assert_null(vnet_intent_get_gateway(in, AF_INET6));
	assert_null(vnet_intent_get_default_guest(in));
	assert_true(vnet_intent_get_dhcp(in));
	assert_true(vnet_intent_get_autostart(in));
	assert_int_equal(vnet_intent_get_n_forwards(in), 0);
	assert_null(vnet_intent_get_forward(in, 0));
	assert_int_equal(vnet_intent_n_networks(in), 1);

	bad = vnet_intent_new(";rm -rf /", VNET_MODE_NAT, &error);
	assert_null(bad);
	assert_error(error, VNET_ERROR_INVALID, ";rm -rf /", "not a valid network name");
	g_clear_error(&error);
	bad = vnet_intent_new("web", (vnet_mode)42, &error);
	assert_null(bad);
	assert_error(error, VNET_ERROR_INVALID, "mode");
}

static void test_network_names(void **state)
{
	g_autoptr(vnet_intent) nat = vnet_intent_new("web", VNET_MODE_NAT, NULL);
	g_autoptr(vnet_intent) hy = vnet_intent_new("web", VNET_MODE_HYBRID, NULL);
	g_autofree char *n0 = vnet_intent_network_name(nat, 0);
	g_autofree char *h0 = vnet_intent_network_name(hy, 0);
	g_autofree char *h1 = vnet_intent_network_name(hy, 1);

	assert_int_equal(vnet_intent_n_networks(nat), 1);
	assert_int_equal(vnet_intent_n_networks(hy), 2);
	assert_string_equal(n0, "web");
	assert_string_equal(h0, "web-nat");
	assert_string_equal(h1, "web-lan");
}

/* ---- getters and setters ---- */

static void test_setters_getters(void **state)
{
	g_autoptr(vnet_intent) in = vnet_intent_new("web", VNET_MODE_HYBRID, NULL);
	g_autofree char *f0 = NULL, *f1 = NULL, *f2 = NULL, *f3 = NULL, *f4 = NULL;
	g_autoptr(GError) error = NULL;

	assert_ok(vnet_intent_set_name(in, "web-2.prod_x", &err_));
	assert_string_equal(vnet_intent_get_name(in), "web-2.prod_x");
	assert_ok(vnet_intent_set_bridge(in, "br-nat0", &err_));
	assert_string_equal(vnet_intent_get_bridge(in), "br-nat0");
	assert_ok(vnet_intent_set_lan_bridge(in, "br.lan_0", &err_));
	assert_string_equal(vnet_intent_get_lan_bridge(in), "br.lan_0");
	assert_ok(vnet_intent_set_uplink(in, "enp3s0", &err_));
	assert_string_equal(vnet_intent_get_uplink(in), "enp3s0");
	/* 15 bytes is IFNAMSIZ less the NUL: the longest allowed. */
	assert_ok(vnet_intent_set_bridge(in, "abcdefghijklmno", &err_));
	assert_string_equal(vnet_intent_get_bridge(in), "abcdefghijklmno");

	assert_ok(vnet_intent_set_subnet(in, "192.168.50.0/24", &err_));
	assert_ok(vnet_intent_set_subnet(in, "fd00:0:0:1::/64", &err_));
	assert_string_equal(vnet_intent_get_subnet(in, AF_INET), "192.168.50.0/24");
	assert_string_equal(vnet_intent_get_subnet(in, AF_INET6), "fd00:0:0:1::/64");
	{
		g_autofree char *start = NULL, *end = NULL;
		g_autoptr(vnet_intent) c = vnet_intent_copy(in);
		assert_true(vnet_intent_clear_subnet(c, AF_INET6));
		assert_null(vnet_intent_get_subnet(c, AF_INET6));
		assert_null(vnet_intent_get_gateway(c, AF_INET6));
		assert_non_null(vnet_intent_get_subnet(c, AF_INET));
		assert_false(vnet_intent_clear_subnet(c, 6));
		assert_true(vnet_intent_clear_subnet(c, AF_INET));
		assert_null(vnet_intent_get_subnet(c, AF_INET));
		assert_false(vnet_intent_get_dhcp_range(c, &start, &end));
		assert_null(start);
		assert_null(end);
	}
	/* Not a family: nothing, never the IPv4 subnet. */
	assert_null(vnet_intent_get_subnet(in, 6));
	assert_null(vnet_intent_get_subnet(in, 4));
	assert_null(vnet_intent_get_gateway(in, 0));
	assert_ok(vnet_intent_set_gateway(in, "192.168.50.254", &err_));
	assert_ok(vnet_intent_set_gateway(in, "fd00:0:0:1::1", &err_));
	assert_string_equal(vnet_intent_get_gateway(in, AF_INET), "192.168.50.254");
	assert_string_equal(vnet_intent_get_gateway(in, AF_INET6), "fd00:0:0:1::1");
	assert_ok(vnet_intent_set_dhcp_range(in, "192.168.50.100", "192.168.50.199", &err_));
	assert_ok(vnet_intent_set_default_guest(in, "192.168.50.10", &err_));
	assert_string_equal(vnet_intent_get_default_guest(in), "192.168.50.10");
	vnet_intent_set_dhcp(in, false);
	vnet_intent_set_autostart(in, false);
	assert_false(vnet_intent_get_dhcp(in));
	assert_false(vnet_intent_get_autostart(in));
	vnet_intent_set_dhcp(in, true);
	assert_true(vnet_intent_get_dhcp(in));

	/* Forwards come back in canonical form. */
	assert_ok(vnet_intent_add_forward(in, "8080:80", &err_));
	assert_ok(vnet_intent_add_forward(in, "0.0.0.0:8081:80", &err_));
	assert_ok(vnet_intent_add_forward(in, "127.0.0.1:5000-5002:192.168.50.7:6000-6002/udp", &err_));
	assert_ok(vnet_intent_add_forward(in, "2222:db1:22/sctp", &err_));
	assert_ok(vnet_intent_add_forward(in, "[::]:8443:[fd00:0:0:1::9]:443", &err_));
	assert_int_equal(vnet_intent_get_n_forwards(in), 5);
	f0 = vnet_intent_get_forward(in, 0);
	f1 = vnet_intent_get_forward(in, 1);
	f2 = vnet_intent_get_forward(in, 2);
	f3 = vnet_intent_get_forward(in, 3);
	f4 = vnet_intent_get_forward(in, 4);
	assert_string_equal(f0, "8080:80/tcp");
	assert_string_equal(f1, "8081:80/tcp");
	assert_string_equal(f2, "127.0.0.1:5000-5002:192.168.50.7:6000-6002/udp");
	assert_string_equal(f3, "2222:db1:22/sctp");
	assert_string_equal(f4, "8443:[fd00:0:0:1::9]:443/tcp");
	assert_null(vnet_intent_get_forward(in, 5));

	/* Remove by any spelling of the same host side. */
	assert_ok(vnet_intent_remove_forward(in, "0.0.0.0:8081:99/tcp", &err_));
	assert_ok(vnet_intent_remove_forward(in, "127.0.0.1:5000-5002:6000-6002/udp", &err_));
	assert_int_equal(vnet_intent_get_n_forwards(in), 3);
	assert_false(vnet_intent_remove_forward(in, "8080:80/udp", &error));
	assert_error(error, VNET_ERROR_NOT_FOUND, "8080:80/udp", "web-2.prod_x");

	/* NULL clears the optional fields. */
	assert_ok(vnet_intent_set_bridge(in, NULL, &err_));
	assert_ok(vnet_intent_set_lan_bridge(in, NULL, &err_));
	assert_ok(vnet_intent_set_uplink(in, NULL, &err_));
	assert_ok(vnet_intent_set_gateway(in, NULL, &err_));
	assert_ok(vnet_intent_set_dhcp_range(in, NULL, NULL, &err_));
	assert_ok(vnet_intent_set_default_guest(in, NULL, &err_));
	assert_null(vnet_intent_get_bridge(in));
	assert_null(vnet_intent_get_lan_bridge(in));
	assert_null(vnet_intent_get_uplink(in));
	assert_null(vnet_intent_get_gateway(in, AF_INET));
	assert_null(vnet_intent_get_gateway(in, AF_INET6));
	assert_null(vnet_intent_get_default_guest(in));
	assert_string_equal(vnet_intent_get_subnet(in, AF_INET), "192.168.50.0/24");

	assert_true(vnet_intent_check_forward_spec("[::1]:8080:[fd00::2]:80/udp", NULL));
	g_clear_error(&error);
	assert_false(vnet_intent_check_forward_spec("8080", &error));
	assert_error(error, VNET_ERROR_INVALID, "\"8080\"");

	/* The longest names allowed: 64 bytes for a network. */
	assert_ok(vnet_intent_set_name(in, "n123456789012345678901234567890123456789012345678901234567890123", &err_));
	assert_int_equal(strlen(vnet_intent_get_name(in)), 64);
}

typedef struct setter_failure {
	const char *what;
	bool (*call)(vnet_intent *in, GError **error);
	int code;
	const char *sub;
} setter_failure;

#define SETTER(fn, ...) \
	static bool fn(vnet_intent *in, GError **error) { return __VA_ARGS__; }
SETTER(bad_name, vnet_intent_set_name(in, ";rm -rf /", error))
SETTER(null_name, vnet_intent_set_name(in, NULL, error))
SETTER(dash_name, vnet_intent_set_name(in, "-web", error))
SETTER(long_name, vnet_intent_set_name(in, "a1234567890123456789012345678901234567890123456789012345678901234", error))
SETTER(long_bridge, vnet_intent_set_bridge(in, "abcdefghijklmnop", error))
SETTER(slash_bridge, vnet_intent_set_bridge(in, "br/0", error))
SETTER(dash_lan_bridge, vnet_intent_set_lan_bridge(in, "-br", error))
SETTER(space_uplink, vnet_intent_set_uplink(in, "eth 0", error))
SETTER(host_bits, vnet_intent_set_subnet(in, "10.9.9.5/24", error))
SETTER(no_prefix, vnet_intent_set_subnet(in, "10.9.9.0", error))
SETTER(bad_prefix, vnet_intent_set_subnet(in, "10.9.9.0/33", error))
SETTER(junk_subnet, vnet_intent_set_subnet(in, "ten.nine/8", error))
SETTER(null_subnet, vnet_intent_set_subnet(in, NULL, error))
SETTER(bad_gateway, vnet_intent_set_gateway(in, "10.0.0.256", error))
SETTER(half_range, vnet_intent_set_dhcp_range(in, "10.0.0.10", NULL, error))
SETTER(v6_range, vnet_intent_set_dhcp_range(in, "10.0.0.10", "fd00::10", error))
SETTER(bad_range_end, vnet_intent_set_dhcp_range(in, "10.0.0.10", "10.0.0.x", error))
SETTER(v6_guest, vnet_intent_set_default_guest(in, "fd00::2", error))
SETTER(bad_guest, vnet_intent_set_default_guest(in, "guest", error))
SETTER(bad_forward, vnet_intent_add_forward(in, "80:eighty", error))
SETTER(same_forward, vnet_intent_add_forward(in, "0.0.0.0:8080:10.0.0.9:8080", error))
SETTER(range_forward, vnet_intent_add_forward(in, "8000-8090:8000-8090", error))
SETTER(missing_forward, vnet_intent_remove_forward(in, "9999:80", error))
SETTER(bad_remove, vnet_intent_remove_forward(in, "nonsense", error))

static const setter_failure setter_failures[] = {
	{ "name with shell", bad_name, VNET_ERROR_INVALID, ";rm -rf /" },
	{ "NULL name", null_name, VNET_ERROR_INVALID, "network name" },
	{ "name with dash", dash_name, VNET_ERROR_INVALID, "\"-web\"" },
	{ "65-byte name", long_name, VNET_ERROR_INVALID, "at most 64" },
	{ "16-byte bridge", long_bridge, VNET_ERROR_INVALID, "abcdefghijklmnop" },
	{ "bridge with slash", slash_bridge, VNET_ERROR_INVALID, "br/0" },
	{ "lan bridge with dash", dash_lan_bridge, VNET_ERROR_INVALID, "-br" },
	{ "uplink with space", space_uplink, VNET_ERROR_INVALID, "eth 0" },
	{ "subnet with host bits", host_bits, VNET_ERROR_INVALID, "10.9.9.0/24" },
	{ "subnet without prefix", no_prefix, VNET_ERROR_INVALID, "10.9.9.0" },
	{ "prefix 33", bad_prefix, VNET_ERROR_INVALID, "10.9.9.0/33" },
	{ "junk subnet", junk_subnet, VNET_ERROR_INVALID, "ten.nine/8" },
	{ "NULL subnet", null_subnet, VNET_ERROR_INVALID, "subnet" },
	{ "bad gateway", bad_gateway, VNET_ERROR_INVALID, "10.0.0.256" },
	{ "half a range", half_range, VNET_ERROR_INVALID, "DHCP range" },
	{ "IPv6 range end", v6_range, VNET_ERROR_INVALID, "IPv4" },
	{ "bad range end", bad_range_end, VNET_ERROR_INVALID, "10.0.0.x" },
	{ "IPv6 guest", v6_guest, VNET_ERROR_INVALID, "fd00::2" },
	{ "bad guest", bad_guest, VNET_ERROR_INVALID, "guest" },
	{ "bad forward", bad_forward, VNET_ERROR_INVALID, "80:eighty" },
	{ "same forward", same_forward, VNET_ERROR_CONFLICT, "8080:80/tcp" },
	{ "overlapping range", range_forward, VNET_ERROR_CONFLICT, "8000-8090:8000-8090" },
	{ "remove missing forward", missing_forward, VNET_ERROR_NOT_FOUND, "9999:80" },
	{ "remove bad spec", bad_remove, VNET_ERROR_INVALID, "nonsense" },
};

/* An intent with every field set, so that a stray write would show. */
static vnet_intent *full_intent(vnet_mode mode)
{
	vnet_intent *in = vnet_intent_new("web", mode, NULL);

	assert_ok(vnet_intent_set_bridge(in, "br-a", &err_));
	assert_ok(vnet_intent_set_lan_bridge(in, "br-b", &err_));
	assert_ok(vnet_intent_set_uplink(in, "eth0", &err_));
	assert_ok(vnet_intent_set_subnet(in, "10.0.0.0/24", &err_));
	assert_ok(vnet_intent_set_subnet(in, "fd00::/64", &err_));
	assert_ok(vnet_intent_set_gateway(in, "10.0.0.1", &err_));
	assert_ok(vnet_intent_set_gateway(in, "fd00::1", &err_));
	assert_ok(vnet_intent_set_dhcp_range(in, "10.0.0.100", "10.0.0.200", &err_));
	assert_ok(vnet_intent_set_default_guest(in, "10.0.0.2", &err_));
	assert_ok(vnet_intent_add_forward(in, "8080:80", &err_));
	assert_ok(vnet_intent_add_forward(in, "8085:web1:80/udp", &err_));
	vnet_intent_set_dhcp(in, false);
	vnet_intent_set_autostart(in, false);
	return in;
}

static void test_setter_failures_leave_intent(void **state)
{
	for (size_t i = 0; i < G_N_ELEMENTS(setter_failures); i++) {
		const setter_failure *t = &setter_failures[i];
		g_autoptr(vnet_intent) in = full_intent(VNET_MODE_HYBRID);
		g_autofree char *before = vnet_intent_to_xml(in);
		g_autofree char *after = NULL;
		g_autoptr(GError) error = NULL;

		print_message("setter failure: %s\n", t->what);
		assert_false(t->call(in, &error));
		assert_error(error, t->code, t->sub);
		after = vnet_intent_to_xml(in);
		assert_string_equal(before, after);
		/* The getters' strings were not refreshed into something else either. */
		assert_string_equal(vnet_intent_get_name(in), "web");
		assert_string_equal(vnet_intent_get_subnet(in, AF_INET), "10.0.0.0/24");
		assert_string_equal(vnet_intent_get_gateway(in, AF_INET), "10.0.0.1");
		assert_string_equal(vnet_intent_get_default_guest(in), "10.0.0.2");
		assert_int_equal(vnet_intent_get_n_forwards(in), 2);
	}
}

/* ---- round-trips ---- */

/* to_xml -> from_xml -> to_xml gives the same text and an equal intent. */
static vnet_intent *round_trip(const vnet_intent *in)
{
	g_autofree char *x1 = vnet_intent_to_xml(in);
	g_autofree char *x2 = NULL;
	g_autoptr(GError) error = NULL;
	vnet_intent *back = vnet_intent_from_xml(x1, -1, &error);

	if (!back)
		fail_msg("reading back\n%s\nfailed: %s", x1, error->message);
	x2 = vnet_intent_to_xml(back);
	assert_string_equal(x1, x2);
	assert_true(vnet_intent_equal(in, back));
	return back;
}

static void test_round_trip_every_mode(void **state)
{
	static const char *const forwards[] = {
		"8080:80",
		"127.0.0.1:8443:10.0.0.5:443/tcp",
		"5000-5010:5000-5010/udp",
		"192.168.1.5:53:10.0.0.53:53/udp",
		"2222:web1:22",
		"3868:3868/sctp",
		"[::1]:9000:[fd00::5]:90/sctp",
		"[::]:7000:web6:70",
		"[2001:db8::7]:7001-7002:[fd00::7]:7001-7002/udp",
	};

	for (size_t m = 0; m < G_N_ELEMENTS(all_modes); m++) {
		g_autoptr(vnet_intent) in = vnet_intent_new("net-1", all_modes[m], NULL);
		g_autoptr(vnet_intent) back = NULL, copy = NULL;

		assert_ok(vnet_intent_set_bridge(in, "br-x", &err_));
		assert_ok(vnet_intent_set_lan_bridge(in, "br-lan", &err_));
		assert_ok(vnet_intent_set_uplink(in, "enp1s0", &err_));
		assert_ok(vnet_intent_set_subnet(in, "10.0.0.0/16", &err_));
		assert_ok(vnet_intent_set_subnet(in, "fd00::/64", &err_));
		assert_ok(vnet_intent_set_gateway(in, "10.0.255.254", &err_));
		assert_ok(vnet_intent_set_gateway(in, "fd00::fffe", &err_));
		assert_ok(vnet_intent_set_dhcp_range(in, "10.0.1.0", "10.0.2.255", &err_));
		assert_ok(vnet_intent_set_default_guest(in, "10.0.0.5", &err_));
		for (size_t f = 0; f < G_N_ELEMENTS(forwards); f++)
			assert_ok(vnet_intent_add_forward(in, forwards[f], &err_));
		vnet_intent_set_dhcp(in, m % 2);
		vnet_intent_set_autostart(in, !(m % 2));

		back = round_trip(in);
		assert_int_equal(vnet_intent_get_mode(back), all_modes[m]);
		assert_string_equal(vnet_intent_get_name(back), "net-1");
		assert_string_equal(vnet_intent_get_bridge(back), "br-x");
		assert_string_equal(vnet_intent_get_lan_bridge(back), "br-lan");
		assert_string_equal(vnet_intent_get_uplink(back), "enp1s0");
		assert_string_equal(vnet_intent_get_subnet(back, AF_INET), "10.0.0.0/16");
		assert_string_equal(vnet_intent_get_subnet(back, AF_INET6), "fd00::/64");
		assert_string_equal(vnet_intent_get_gateway(back, AF_INET), "10.0.255.254");
		assert_string_equal(vnet_intent_get_gateway(back, AF_INET6), "fd00::fffe");
		assert_string_equal(vnet_intent_get_default_guest(back), "10.0.0.5");
		assert_int_equal(vnet_intent_get_dhcp(back), m % 2);
		assert_int_equal(vnet_intent_get_autostart(back), !(m % 2));
		assert_int_equal(vnet_intent_get_n_forwards(back), G_N_ELEMENTS(forwards));
		for (guint f = 0; f < G_N_ELEMENTS(forwards); f++) {
			g_autofree char *a = vnet_intent_get_forward(in, f);
			g_autofree char *b = vnet_intent_get_forward(back, f);
			assert_string_equal(a, b);
		}

		copy = vnet_intent_copy(in);
		assert_true(vnet_intent_equal(in, copy));
		vnet_intent_set_autostart(copy, m % 2);
		assert_false(vnet_intent_equal(in, copy));
	}
}

static void test_round_trip_minimal(void **state)
{
	for (size_t m = 0; m < G_N_ELEMENTS(all_modes); m++) {
		g_autoptr(vnet_intent) in = vnet_intent_new(NULL, all_modes[m], NULL);
		g_autoptr(vnet_intent) back = round_trip(in);
		g_autoptr(vnet_intent) other = vnet_intent_new(NULL, all_modes[(m + 1) % 4], NULL);

		assert_null(vnet_intent_get_name(back));
		assert_null(vnet_intent_get_subnet(back, AF_INET));
		assert_true(vnet_intent_get_dhcp(back));
		assert_true(vnet_intent_get_autostart(back));
		assert_false(vnet_intent_equal(in, other));
	}
}

/* The recorded uplink state keeps a route's table; the main table is left out. */
static void test_state_route_table(void **state)
{
	static const char xml[] = "<intent xmlns='http://vnetctl.org/xmlns/intent/1' mode='bridged'>"
		"<bridge name='br0'/><uplink name='eth0'/>"
		"<state><uplink mac='52:54:00:00:00:01' up='yes'><address>192.0.2.5/24</address>"
		"<route dst='0.0.0.0/0' gateway='192.0.2.1'/>"
		"<route dst='203.0.113.0/24' gateway='192.0.2.1' table='100'/></uplink></state></intent>";
	g_autoptr(vnet_intent) in = NULL, back = NULL;
	g_autofree char *out = NULL;
	const vnet_saved_route *r0, *r1;

	assert_ok((in = vnet_intent_from_xml(xml, -1, &err_)) != NULL);
	out = vnet_intent_to_xml(in);
	assert_non_null(strstr(out, "table=\"100\""));
	assert_null(strstr(out, "table=\"254\""));
	assert_ok((back = vnet_intent_from_xml(out, -1, &err_)) != NULL);
	r0 = back->uplink_saved->routes->pdata[0];
	r1 = back->uplink_saved->routes->pdata[1];
	assert_int_equal(r0->table, 254);
	assert_int_equal(r1->table, 100);
	assert_false(back->uplink_saved->ovs_port_kept);
	assert_null(strstr(out, "ovs-port"));
}

/* An uplink that was a port of the admin's Open vSwitch bridge already stays one: recorded. */
static void test_state_ovs_port_kept(void **state)
{
	static const char xml[] = "<intent xmlns='http://vnetctl.org/xmlns/intent/1' mode='bridged' switch='ovs'>"
		"<bridge name='ex0'/><uplink name='eth0'/>"
		"<state><uplink mac='52:54:00:00:00:01' up='yes' ovs-port='kept'/></state></intent>";
	g_autoptr(vnet_intent) in = NULL, back = NULL, copy = NULL;
	g_autofree char *out = NULL;

	(void)state;
	assert_ok((in = vnet_intent_from_xml(xml, -1, &err_)) != NULL);
	assert_true(in->uplink_saved->ovs_port_kept);
	out = vnet_intent_to_xml(in);
	assert_non_null(strstr(out, "ovs-port=\"kept\""));
	assert_ok((back = vnet_intent_from_xml(out, -1, &err_)) != NULL);
	assert_true(back->uplink_saved->ovs_port_kept);
	copy = vnet_intent_copy(back);
	assert_true(copy->uplink_saved->ovs_port_kept);
}

static void test_equal(void **state)
{
	g_autoptr(vnet_intent) a = full_intent(VNET_MODE_NAT);
	g_autoptr(vnet_intent) b = full_intent(VNET_MODE_NAT);

	assert_true(vnet_intent_equal(a, b));
	assert_ok(vnet_intent_add_forward(b, "9090:90", &err_));
	assert_false(vnet_intent_equal(a, b));
	assert_ok(vnet_intent_remove_forward(b, "9090:90", &err_));
	assert_true(vnet_intent_equal(a, b));
	assert_ok(vnet_intent_set_subnet(b, "10.0.1.0/24", &err_));
	assert_false(vnet_intent_equal(a, b));

	/* The order of the forwards does not count; each of their fields does. */
	{
		g_autoptr(vnet_intent) c = full_intent(VNET_MODE_NAT);
		g_autoptr(vnet_intent) d = full_intent(VNET_MODE_NAT);
		static const char *const other[] = {
			"8080:81", "8081:80", "8080:80/udp", "10.0.0.9:8080:80", "8080:10.0.0.3:80", "8080-8081:80-81",
			"[fd00::5]:8080:80", "8080:web2:80",
		};
		g_ptr_array_add(d->forwards, g_ptr_array_steal_index(d->forwards, 0));
		assert_true(vnet_intent_equal(c, d));
		assert_true(vnet_intent_forwards_equal(c, d));
		for (size_t i = 0; i < G_N_ELEMENTS(other); i++) {
			g_autoptr(vnet_intent) e = full_intent(VNET_MODE_NAT);
			g_ptr_array_remove_index(e->forwards, 0);
			assert_ok(vnet_intent_add_forward(e, other[i], &err_));
			assert_false(vnet_intent_equal(c, e));
			/* and in the same order */
			g_ptr_array_insert(e->forwards, 0, g_ptr_array_steal_index(e->forwards, 1));
			assert_false(vnet_intent_equal(c, e));
		}
	}
}

/* ---- the intent inside libvirt network XML ---- */

static void test_from_network_xml(void **state)
{
	for (size_t m = 0; m < G_N_ELEMENTS(all_modes); m++) {
		g_autoptr(vnet_intent) in = vnet_intent_new("lab", all_modes[m], NULL);
		g_autoptr(vnet_host) host = vnet_host_new();

		if (all_modes[m] == VNET_MODE_BRIDGED)
			assert_ok(vnet_intent_set_bridge(in, "br0", &err_));
		if (all_modes[m] == VNET_MODE_NAT || all_modes[m] == VNET_MODE_HYBRID)
			assert_ok(vnet_intent_add_forward(in, "8080:80", &err_));
		assert_ok(vnet_intent_complete(in, host, &err_));
		for (guint i = 0; i < vnet_intent_n_networks(in); i++) {
			g_autoptr(GError) error = NULL;
			g_autofree char *net = vnet_intent_network_xml(in, i, &error);
			g_autoptr(vnet_intent) back = NULL;

			assert_non_null(net);
			assert_non_null(strstr(net, "<metadata>"));
			back = vnet_intent_from_xml(net, -1, &error);
			if (!back)
				fail_msg("%s: %s", net, error->message);
			assert_true(vnet_intent_equal(in, back));
		}
		assert_null(vnet_intent_network_xml(in, vnet_intent_n_networks(in), NULL));
	}
}

static void test_from_network_xml_by_hand(void **state)
{
	/* As libvirt's dumpxml gives it: other metadata first, our element deeper down. */
	static const char xml[] =
		"<network connections='1'>\n"
		"  <name>web</name>\n"
		"  <uuid>2f5d4c1e-8c1a-4d4e-9d53-7f9f0c8b4a11</uuid>\n"
		"  <metadata>\n"
		"    <other:info xmlns:other='http://example.org/other'><other:intent mode='bridged'/></other:info>\n"
		"    <v:intent xmlns:v='http://vnetctl.org/xmlns/intent/1' name='web' mode='nat' dhcp='no' autostart='yes'>\n"
		"      <v:bridge name='vn-web'/>\n"
		"      <v:ipv4 subnet='10.1.2.0/24' gateway='10.1.2.1' guest='10.1.2.2'/>\n"
		"      <!-- a comment is fine -->\n"
		"      <v:forward>\n   8080:80/tcp  \n</v:forward>\n"
		"    </v:intent>\n"
		"  </metadata>\n"
		"  <forward mode='open'/>\n"
		"  <bridge name='vn-web' stp='on' delay='0'/>\n"
		"  <ip address='10.1.2.1' prefix='24'/>\n"
		"</network>\n";
	g_autoptr(GError) error = NULL;
	g_autoptr(vnet_intent) in = vnet_intent_from_xml(xml, -1, &error);
	g_autofree char *fwd = NULL;

	if (!in)
		fail_msg("%s", error->message);
	assert_string_equal(vnet_intent_get_name(in), "web");
	assert_int_equal(vnet_intent_get_mode(in), VNET_MODE_NAT);
	assert_false(vnet_intent_get_dhcp(in));
	assert_string_equal(vnet_intent_get_bridge(in), "vn-web");
	assert_string_equal(vnet_intent_get_subnet(in, AF_INET), "10.1.2.0/24");
	assert_string_equal(vnet_intent_get_default_guest(in), "10.1.2.2");
	fwd = vnet_intent_get_forward(in, 0);
	assert_string_equal(fwd, "8080:80/tcp");

	/* A default namespace, and a length that stops before trailing garbage. */
	{
		static const char buf[] =
			"<intent xmlns='http://vnetctl.org/xmlns/intent/1' mode='isolated'/>GARBAGE";
		g_autoptr(vnet_intent) iso = vnet_intent_from_xml(buf, strlen(buf) - 7, &error);
		if (!iso)
			fail_msg("%s", error->message);
		assert_int_equal(vnet_intent_get_mode(iso), VNET_MODE_ISOLATED);
		assert_null(vnet_intent_get_name(iso));
	}
}

static void test_network_xml_incomplete(void **state)
{
	g_autoptr(vnet_intent) in = vnet_intent_new(NULL, VNET_MODE_NAT, NULL);
	g_autoptr(GError) error = NULL;

	assert_null(vnet_intent_network_xml(in, 0, &error));
	assert_error(error, VNET_ERROR_INVALID, "not complete");
}

/* ---- hostile and broken intent XML ---- */

#define NS "xmlns='http://vnetctl.org/xmlns/intent/1'"
#define LOL(n, m) "<!ENTITY lol" #n " '&lol" #m ";&lol" #m ";&lol" #m ";&lol" #m ";&lol" #m \
	";&lol" #m ";&lol" #m ";&lol" #m ";&lol" #m ";&lol" #m ";'>"

typedef struct bad_xml {
	const char *what;
	const char *xml;
	int code;
	const char *sub;
} bad_xml;

static const bad_xml bad_xmls[] = {
	{ "not well-formed", "<intent " NS " mode='nat'>", VNET_ERROR_INVALID, "not well-formed" },
	{ "mismatched tag", "<intent " NS " mode='nat'></intnet>", VNET_ERROR_INVALID, "not well-formed" },
	{ "not XML at all", "nat 10.0.0.0/24", VNET_ERROR_INVALID, "not well-formed" },
	{ "empty", "", VNET_ERROR_INVALID, "empty" },
	{ "billion laughs",
	  "<?xml version='1.0'?>\n<!DOCTYPE intent [<!ENTITY lol0 'lol'>"
	  LOL(1, 0) LOL(2, 1) LOL(3, 2) LOL(4, 3) LOL(5, 4) LOL(6, 5) LOL(7, 6) LOL(8, 7) LOL(9, 8)
	  "]>\n<intent " NS " name='&lol9;' mode='nat'><forward>&lol9;</forward></intent>",
	  VNET_ERROR_INVALID, "DOCTYPE" },
	{ "internal entity", "<!DOCTYPE intent [<!ENTITY n 'web'>]><intent " NS " name='&n;' mode='nat'/>",
	  VNET_ERROR_INVALID, "DOCTYPE" },
	{ "external entity",
	  "<!DOCTYPE intent [<!ENTITY xxe SYSTEM 'file:///etc/passwd'>]>"
	  "<intent " NS " mode='nat'><forward>&xxe;</forward></intent>",
	  VNET_ERROR_INVALID, "DOCTYPE" },
	{ "external parameter entity",
	  "<!DOCTYPE intent [<!ENTITY % xxe SYSTEM 'file:///etc/passwd'> %xxe;]><intent " NS " mode='nat'/>",
	  VNET_ERROR_INVALID, "DOCTYPE" },
	{ "external DTD", "<!DOCTYPE intent SYSTEM 'file:///etc/passwd'><intent " NS " mode='nat'/>",
	  VNET_ERROR_INVALID, "DOCTYPE" },
	{ "network DTD", "<!DOCTYPE intent SYSTEM 'http://127.0.0.1:9/x.dtd'><intent " NS " mode='nat'/>",
	  VNET_ERROR_INVALID, "DOCTYPE" },
	{ "no namespace", "<intent mode='nat'/>", VNET_ERROR_INVALID, "no <intent> element" },
	{ "other namespace", "<intent xmlns='http://vnetctl.org/xmlns/intent/2' mode='nat'/>",
	  VNET_ERROR_INVALID, "http://vnetctl.org/xmlns/intent/1" },
	{ "network without metadata", "<network><name>web</name></network>", VNET_ERROR_INVALID,
	  "no <intent> element" },
	{ "unknown element", "<intent " NS " mode='nat'><firewall/></intent>", VNET_ERROR_INVALID,
	  "unknown element <firewall>" },
	{ "element of another namespace",
	  "<intent " NS " mode='nat'><x:bridge xmlns:x='urn:x' name='br0'/></intent>",
	  VNET_ERROR_INVALID, "unknown element <bridge>" },
	{ "unknown attribute", "<intent " NS " mode='nat' colour='red'/>", VNET_ERROR_INVALID,
	  "unknown attribute \"colour\" on <intent>" },
	{ "unknown attribute on ipv4", "<intent " NS " mode='nat'><ipv4 subnet='10.0.0.0/24' mask='24'/></intent>",
	  VNET_ERROR_INVALID, "unknown attribute \"mask\" on <ipv4>" },
	{ "unknown attribute on bridge", "<intent " NS " mode='nat'><bridge name='br0' stp='on'/></intent>",
	  VNET_ERROR_INVALID, "unknown attribute \"stp\" on <bridge>" },
	{ "no mode", "<intent " NS " name='web'/>", VNET_ERROR_INVALID, "no mode attribute" },
	{ "bad mode", "<intent " NS " mode='router'/>", VNET_ERROR_INVALID, "\"router\" is not a mode" },
	{ "bad guard", "<intent " NS " mode='nat' guard='maybe'/>", VNET_ERROR_INVALID,
	  "\"maybe\" is not a guard setting" },
	{ "guard default spelled out", "<intent " NS " mode='nat' guard='default'/>", VNET_ERROR_INVALID,
	  "\"default\" is not a guard setting" },
	{ "empty guard", "<intent " NS " mode='nat' guard=''/>", VNET_ERROR_INVALID, "is not a guard setting" },
	{ "guard in capitals", "<intent " NS " mode='nat' guard='ON'/>", VNET_ERROR_INVALID,
	  "\"ON\" is not a guard setting" },
	{ "name with shell", "<intent " NS " name=';rm -rf /' mode='nat'/>", VNET_ERROR_INVALID,
	  "\";rm -rf /\" is not a valid network name" },
	{ "name too long",
	  "<intent " NS " name='n1234567890123456789012345678901234567890123456789012345678901234' mode='nat'/>",
	  VNET_ERROR_INVALID, "n1234567890123456789012345678901234567890123456789012345678901234" },
	{ "name starting with dash", "<intent " NS " name='-web' mode='nat'/>", VNET_ERROR_INVALID,
	  "\"-web\" is not a valid network name" },
	{ "empty name", "<intent " NS " name='' mode='nat'/>", VNET_ERROR_INVALID, "not a valid network name" },
	{ "bridge of 16 bytes", "<intent " NS " mode='nat'><bridge name='abcdefghijklmnop'/></intent>",
	  VNET_ERROR_INVALID, "\"abcdefghijklmnop\" is not a valid interface name" },
	{ "bridge without name", "<intent " NS " mode='nat'><bridge/></intent>", VNET_ERROR_INVALID,
	  "<bridge> element of the intent XML has no name" },
	{ "uplink with shell", "<intent " NS " mode='bridged'><uplink name='eth0;reboot'/></intent>",
	  VNET_ERROR_INVALID, "eth0;reboot" },
	{ "bad CIDR", "<intent " NS " mode='nat'><ipv4 subnet='10.0.0.0/33'/></intent>",
	  VNET_ERROR_INVALID, "\"10.0.0.0/33\" is not a valid subnet" },
	{ "CIDR with host bits", "<intent " NS " mode='nat'><ipv4 subnet='10.0.0.7/24'/></intent>",
	  VNET_ERROR_INVALID, "10.0.0.0/24" },
	{ "IPv6 in ipv4", "<intent " NS " mode='nat'><ipv4 subnet='fd00::/64'/></intent>",
	  VNET_ERROR_INVALID, "<ipv4> element of the intent XML holds an IPv6 address" },
	{ "IPv6 gateway in ipv4", "<intent " NS " mode='nat'><ipv4 gateway='fd00::1'/></intent>",
	  VNET_ERROR_INVALID, "<ipv4>" },
	{ "IPv4 in ipv6", "<intent " NS " mode='nat'><ipv6 subnet='10.0.0.0/24'/></intent>",
	  VNET_ERROR_INVALID, "<ipv6> element of the intent XML holds an IPv4 address" },
	{ "bad gateway", "<intent " NS " mode='nat'><ipv4 gateway='10.0.0.300'/></intent>",
	  VNET_ERROR_INVALID, "10.0.0.300" },
	{ "half a DHCP range", "<intent " NS " mode='nat'><ipv4 dhcp-start='10.0.0.2'/></intent>",
	  VNET_ERROR_INVALID, "DHCP range" },
	{ "IPv6 guest", "<intent " NS " mode='nat'><ipv4 guest='fd00::2'/></intent>",
	  VNET_ERROR_INVALID, "fd00::2" },
	{ "duplicate bridge", "<intent " NS " mode='nat'><bridge name='br0'/><bridge name='br1'/></intent>",
	  VNET_ERROR_INVALID, "more than one <bridge>" },
	{ "duplicate ipv4", "<intent " NS " mode='nat'><ipv4 subnet='10.0.0.0/24'/><ipv4 subnet='10.0.1.0/24'/></intent>",
	  VNET_ERROR_INVALID, "more than one <ipv4>" },
	{ "bad forward text", "<intent " NS " mode='nat'><forward>80:eighty</forward></intent>",
	  VNET_ERROR_INVALID, "80:eighty" },
	{ "empty forward", "<intent " NS " mode='nat'><forward/></intent>", VNET_ERROR_INVALID,
	  "forward is empty" },
	{ "duplicate forward", "<intent " NS " mode='nat'><forward>8080:80</forward><forward>8080:81</forward></intent>",
	  VNET_ERROR_CONFLICT, "8080:81" },
	/* Forwards read aside while parsing (xml.c, fwd_sax): the same errors, in the same order. */
	{ "clash, then a second bridge", "<intent " NS " mode='nat'><forward>80:80</forward><forward>80:81</forward>"
	  "<bridge name='a'/><bridge name='b'/></intent>", VNET_ERROR_CONFLICT, "\"80:81\"" },
	{ "a second bridge, then a clash", "<intent " NS " mode='nat'><bridge name='a'/><bridge name='b'/>"
	  "<forward>80:80</forward><forward>80:81</forward></intent>", VNET_ERROR_INVALID, "more than one <bridge>" },
	{ "bad forward, then unknown element", "<intent " NS " mode='nat'><forward>bad</forward><foo/></intent>",
	  VNET_ERROR_INVALID, "\"bad\"" },
	{ "unknown element, then bad forward", "<intent " NS " mode='nat'><foo/><forward>bad</forward></intent>",
	  VNET_ERROR_INVALID, "unknown element <foo>" },
	{ "clash, then bad forward", "<intent " NS " mode='nat'><forward>80:80</forward><forward>80:81</forward>"
	  "<forward>bad</forward></intent>", VNET_ERROR_CONFLICT, "\"80:81\"" },
	{ "bad forward with a comment", "<intent " NS " mode='nat'><forward>80<!-- c -->:eighty</forward></intent>",
	  VNET_ERROR_INVALID, "80:eighty" },
	{ "bad forward with an element", "<intent " NS " mode='nat'><forward><b/>80:eighty</forward></intent>",
	  VNET_ERROR_INVALID, "80:eighty" },
	{ "forward not closed", "<intent " NS " mode='nat'><forward>80:80</intent>", VNET_ERROR_INVALID,
	  "not well-formed" },
	{ "undefined entity in a forward", "<intent " NS " mode='nat'><forward>&x;80:80</forward></intent>",
	  VNET_ERROR_INVALID, "not well-formed" },
	{ "dhcp maybe", "<intent " NS " mode='nat' dhcp='maybe'/>", VNET_ERROR_INVALID,
	  "dhcp=\"maybe\" must be \"yes\" or \"no\"" },
	{ "autostart 1", "<intent " NS " mode='nat' autostart='1'/>", VNET_ERROR_INVALID,
	  "autostart=\"1\"" },
	/* The state vnetctl records in <metadata>: written by us, read as untrusted. */
	{ "state: two", "<intent " NS " mode='bridged'><state/><state/></intent>", VNET_ERROR_INVALID,
	  "more than one <state>" },
	{ "state: bad deadline", "<intent " NS " mode='bridged'><state confirm-deadline='-1'/></intent>",
	  VNET_ERROR_INVALID, "confirm-deadline \"-1\"" },
	{ "state: bad mac", "<intent " NS " mode='bridged'><state><uplink mac='52:54:00:zz:00:01'/></state></intent>",
	  VNET_ERROR_INVALID, "mac \"52:54:00:zz:00:01\"" },
	{ "state: bad address", "<intent " NS " mode='bridged'><state><uplink mac='52:54:00:00:00:01'>"
	  "<address>192.0.2.300/24</address></uplink></state></intent>", VNET_ERROR_INVALID, "192.0.2.300/24" },
	{ "state: address without prefix", "<intent " NS " mode='bridged'><state><uplink mac='52:54:00:00:00:01'>"
	  "<address>192.0.2.3</address></uplink></state></intent>", VNET_ERROR_INVALID, "192.0.2.3" },
	{ "state: route family mix", "<intent " NS " mode='bridged'><state><uplink mac='52:54:00:00:00:01'>"
	  "<route dst='0.0.0.0/0' gateway='fe80::1'/></uplink></state></intent>", VNET_ERROR_INVALID, "fe80::1" },
	{ "state: route protocol 256", "<intent " NS " mode='bridged'><state><uplink mac='52:54:00:00:00:01'>"
	  "<route dst='0.0.0.0/0' protocol='256'/></uplink></state></intent>", VNET_ERROR_INVALID, "protocol \"256\"" },
	{ "state: route in the local table", "<intent " NS " mode='bridged'><state><uplink mac='52:54:00:00:00:01'>"
	  "<route dst='0.0.0.0/0' table='255'/></uplink></state></intent>", VNET_ERROR_INVALID, "table \"255\"" },
	{ "state: route in table 0", "<intent " NS " mode='bridged'><state><uplink mac='52:54:00:00:00:01'>"
	  "<route dst='0.0.0.0/0' table='0'/></uplink></state></intent>", VNET_ERROR_INVALID, "table \"0\"" },
	{ "state: route table too big", "<intent " NS " mode='bridged'><state><uplink mac='52:54:00:00:00:01'>"
	  "<route dst='0.0.0.0/0' table='4294967296'/></uplink></state></intent>", VNET_ERROR_INVALID,
	  "table \"4294967296\"" },
	{ "state: unknown child", "<intent " NS " mode='bridged'><state><uplink mac='52:54:00:00:00:01'>"
	  "<script/></uplink></state></intent>", VNET_ERROR_INVALID, "script" },
	{ "state: ovs-port other than kept", "<intent " NS " mode='bridged'><state><uplink mac='52:54:00:00:00:01' up='yes' "
	  "ovs-port='yes'/></state></intent>", VNET_ERROR_INVALID, "yes" },
	{ "forwards: an element in it", "<intent " NS " mode='nat'><forwards>8080:80\n<forward>9090:90</forward></forwards></intent>",
	  VNET_ERROR_INVALID, "<forwards> element holds an element" },
	{ "forwards: twice", "<intent " NS " mode='nat'><forwards>8080:80</forwards><forwards>9090:90</forwards></intent>",
	  VNET_ERROR_INVALID, "more than one <forwards>" },
	{ "forwards: a bad spec", "<intent " NS " mode='nat'><forwards>\n  8080:80\n  80800:80\n</forwards></intent>",
	  VNET_ERROR_INVALID, "80800:80" },
	{ "forwards: a spec with a space in it", "<intent " NS " mode='nat'><forwards>8080 :80</forwards></intent>",
	  VNET_ERROR_INVALID, "\"8080\"" },
	{ "forwards: a clash inside", "<intent " NS " name='c' mode='nat'><forwards>8080:80 8080:81</forwards></intent>",
	  VNET_ERROR_CONFLICT, "\"8080:81\"" },
	{ "forwards: a clash with a <forward>", "<intent " NS " name='c' mode='nat'><forward>8080:80</forward>"
	  "<forwards>9090:90 8080:81/tcp</forwards></intent>", VNET_ERROR_CONFLICT, "\"8080:81/tcp\"" },
	{ "forwards: a clash before a bad spec", "<intent " NS " name='c' mode='nat'><forwards>80:80 80:81 bad</forwards></intent>",
	  VNET_ERROR_CONFLICT, "\"80:81\"" },
	{ "state: two uplinks", "<intent " NS " mode='bridged'><state><uplink mac='52:54:00:00:00:01'/>"
	  "<uplink mac='52:54:00:00:00:02'/></state></intent>", VNET_ERROR_INVALID, "uplink" },
};

static int loader_calls;

static xmlParserInputPtr spy_entity_loader(const char *url, const char *id, xmlParserCtxtPtr ctxt)
{
	loader_calls++;
	return NULL;
}

static void test_bad_xml(void **state)
{
	xmlExternalEntityLoader saved = xmlGetExternalEntityLoader();

	/* Nothing may be fetched: not a file, not a URL, not a DTD. */
	xmlSetExternalEntityLoader(spy_entity_loader);
	for (size_t i = 0; i < G_N_ELEMENTS(bad_xmls); i++) {
		const bad_xml *t = &bad_xmls[i];
		g_autoptr(GError) error = NULL;
		g_autoptr(vnet_intent) in = NULL;

		print_message("bad intent XML: %s\n", t->what);
		in = vnet_intent_from_xml(t->xml, -1, &error);
		assert_null(in);
		assert_error(error, t->code, t->sub);
		/* Nothing of /etc/passwd leaks into a message. */
		assert_null(strstr(error->message, "root:"));
		assert_int_equal(loader_calls, 0);
	}
	xmlSetExternalEntityLoader(saved);
}

static void test_null_and_size_limit(void **state)
{
	static const char head[] = "<intent " NS " mode='nat'/>";
	g_autoptr(GError) error = NULL;
	g_autoptr(vnet_intent) in = NULL;
	g_autofree char *big = g_malloc(VNET_XML_MAX + 2);

	assert_null(vnet_intent_from_xml(NULL, -1, &error));
	assert_error(error, VNET_ERROR_INVALID, "empty");
	g_clear_error(&error);
	assert_null(vnet_intent_from_xml(head, 0, &error));
	assert_error(error, VNET_ERROR_INVALID, "empty");
	g_clear_error(&error);

	/* Exactly 4 MiB (a document padded with blanks) is read ... */
	memset(big, ' ', VNET_XML_MAX + 1);
	memcpy(big, head, strlen(head));
	big[VNET_XML_MAX] = '\0';
	in = vnet_intent_from_xml(big, -1, &error);
	if (!in)
		fail_msg("a document of exactly 4 MiB: %s", error->message);
	g_clear_pointer(&in, vnet_intent_free);

	/* ... one byte more is refused before parsing. */
	big[VNET_XML_MAX] = ' ';
	big[VNET_XML_MAX + 1] = '\0';
	assert_null(vnet_intent_from_xml(big, -1, &error));
	assert_error(error, VNET_ERROR_INVALID, "4 MiB");
	g_clear_error(&error);
	assert_null(vnet_intent_from_xml(big, VNET_XML_MAX + 1, &error));
	assert_error(error, VNET_ERROR_INVALID, "4 MiB");
}

/*
 * 65,535 forwards read from intent XML (issue 14): the duplicate check runs
 * once over all of them (no time limit here: bench/control.sh times it),
 * and a clash read from XML is refused with the pair, and the words, that
 * vnet_intent_add_forward() gives for it.
 */
static void test_many_forwards_from_xml(void **state)
{
	g_autoptr(GString) x = g_string_new("<vnet:intent xmlns:vnet=\"" VNET_XML_NS "\" name=\"big\" mode=\"nat\">\n");
	g_autoptr(GString) dup = NULL;
	g_autoptr(vnet_intent) in = NULL, by_hand = NULL;
	g_autoptr(GError) error = NULL, error2 = NULL;
	g_autofree char *f = NULL;

	for (guint p = 1; p <= 65535; p++)
		g_string_append_printf(x, "<vnet:forward>%u:80/%s</vnet:forward>\n", p, p % 2 ? "tcp" : "udp");
	dup = g_string_new(x->str);
	g_string_append(x, "</vnet:intent>\n");
	in = vnet_intent_from_xml(x->str, -1, &error);
	if (!in)
		fail_msg("65,535 forwards: %s", error->message);
	assert_int_equal(vnet_intent_get_n_forwards(in), 65535);
	f = vnet_intent_get_forward(in, 65534);
	assert_string_equal(f, "65535:80/tcp");

	/* One more, on a port the 101st forward holds: the same refusal as adding it. */
	g_string_append(dup, "<vnet:forward> 99-101:99-101 </vnet:forward>\n</vnet:intent>\n");
	assert_null(vnet_intent_from_xml(dup->str, -1, &error2));
	assert_error(error2, VNET_ERROR_CONFLICT, "\"99-101:99-101\"", "\"99:80/tcp\"", "network \"big\"");
	by_hand = vnet_intent_copy(in);
	g_clear_error(&error);
	assert_false(vnet_intent_add_forward(by_hand, "99-101:99-101", &error));
	assert_string_equal(error->message, error2->message);

	/* The same 65,535 as one <forwards>, as they are written now. */
	{
		g_autofree char *w = vnet_intent_to_xml(in);
		g_autoptr(vnet_intent) again = NULL;

		assert_non_null(strstr(w, "<vnet:forwards>"));
		again = vnet_intent_from_xml(w, -1, &error);
		if (!again)
			fail_msg("65,535 forwards in <forwards>: %s", error->message);
		assert_true(vnet_intent_equal(in, again));
	}

	/* A clash before a broken element is still the first error. */
	g_clear_error(&error2);
	assert_null(vnet_intent_from_xml("<vnet:intent xmlns:vnet=\"" VNET_XML_NS "\" name=\"d\" mode=\"nat\">"
					 "<vnet:forward>80:80</vnet:forward><vnet:forward>80:81</vnet:forward>"
					 "<vnet:forward>bad</vnet:forward></vnet:intent>", -1, &error2));
	assert_error(error2, VNET_ERROR_CONFLICT, "\"80:81\"", "\"80:80/tcp\"");
}

/*
 * <forwards>: the specs as text, in any white space, with comments between
 * them, mixed with <forward> elements in document order; written back as one
 * <forwards>, and in the form before it (the legacy writer) as elements.
 */
static void test_forwards_element(void **state)
{
	static const char *const forms[] = {
		"<forwards>8080:80 9090:90</forwards>",
		"<forwards>\n    8080:80\n\t9090:90/tcp\r\n  </forwards>",
		"<forwards>8080:80<!-- web -->\n9090:90<?pi x?></forwards>",
		"<forwards><![CDATA[8080:80]]>\n9090:90</forwards>",
		"<forwards>&#56;080:80&#10;9090:90</forwards>",
		"<forward>8080:80</forward><forwards>\n</forwards><forward>9090:90</forward>",
		"<forwards>8080:80</forwards><forward>9090:90</forward><forwards/>",
	};
	g_autoptr(GError) error = NULL;

	for (size_t i = 0; i < G_N_ELEMENTS(forms); i++) {
		g_autofree char *x = g_strdup_printf("<intent " NS " name='f' mode='nat'><bridge name='vn-f'/>%s</intent>",
						     forms[i]);
		g_autoptr(vnet_intent) in = NULL;
		g_autofree char *f0 = NULL, *f1 = NULL;

		print_message("forwards text: %s\n", forms[i]);
		in = vnet_intent_from_xml(x, -1, &error);
		if (!in && g_str_has_suffix(forms[i], "<forwards/>")) {
			/* Two <forwards> are refused, even when the second is empty. */
			assert_error(error, VNET_ERROR_INVALID, "more than one <forwards>");
			g_clear_error(&error);
			continue;
		}
		if (!in)
			fail_msg("%s: %s", forms[i], error->message);
		assert_int_equal(vnet_intent_get_n_forwards(in), 2);
		f0 = vnet_intent_get_forward(in, 0);
		f1 = vnet_intent_get_forward(in, 1);
		assert_string_equal(f0, "8080:80/tcp");
		assert_string_equal(f1, "9090:90/tcp");
	}

	/* CDATA outside a <forward> is text too (it was dropped before: XML_PARSE_NOCDATA and the SAX handlers). */
	{
		g_autoptr(vnet_intent) a = vnet_intent_from_xml("<intent " NS " name='h' mode='nat'><host-port>2222</host-port></intent>", -1, &error);
		g_autoptr(vnet_intent) b = vnet_intent_from_xml("<intent " NS " name='h' mode='nat'><host-port><![CDATA[2222]]></host-port></intent>", -1, &error);
		assert_non_null(a);
		if (!b)
			fail_msg("CDATA host-port: %s", error->message);
		assert_true(vnet_intent_equal(a, b));
	}

	/* Written: one <forwards>, a spec a line; the legacy form reads back to the same intent. */
	{
		g_autoptr(vnet_intent) in = vnet_intent_new("w", VNET_MODE_NAT, &error);
		g_autoptr(vnet_intent) back = NULL, old = NULL;
		g_autofree char *x = NULL, *legacy = NULL;

		assert_true(vnet_intent_add_forward(in, "8080:80", &error));
		assert_true(vnet_intent_add_forward(in, "127.0.0.1:2222:web:22", &error));
		x = vnet_intent_to_xml(in);
		assert_non_null(strstr(x, "\n  <vnet:forwards>\n    8080:80/tcp\n    127.0.0.1:2222:web:22/tcp\n  </vnet:forwards>\n"));
		assert_null(strstr(x, "<vnet:forward>"));
		legacy = vnet_intent_to_xml_legacy(in);
		assert_non_null(strstr(legacy, "\n  <vnet:forward>8080:80/tcp</vnet:forward>\n  <vnet:forward>127.0.0.1:2222:web:22/tcp</vnet:forward>\n"));
		assert_null(strstr(legacy, "<vnet:forwards>"));
		back = vnet_intent_from_xml(x, -1, &error);
		old = vnet_intent_from_xml(legacy, -1, &error);
		assert_non_null(back);
		assert_non_null(old);
		assert_true(vnet_intent_equal(in, back));
		assert_true(vnet_intent_equal(in, old));
	}
}

/* The approval digest's text of a network document: the intent less its <state>, whatever the state says. */
static char *digest_text(const vnet_intent *in)
{
	g_autofree char *xml = vnet_intent_network_xml(in, 0, NULL);
	g_autofree char *head = NULL;
	const char *a, *b;
	gsize na, nb;

	assert_non_null(xml);
	assert_true(vnet_intent_xml_digest_region(xml, &a, &na, &b, &nb));
	head = g_strndup(a, na);
	return g_strdup_printf("%s%.*s", head, (int)nb, b);
}

static void test_digest_region(void **state)
{
	static const char with_state[] = "<intent xmlns='http://vnetctl.org/xmlns/intent/1' name='b' mode='bridged'>"
		"<bridge name='br0'/><uplink name='eth0'/>"
		"<state><uplink mac='52:54:00:00:00:01' up='yes'><address>192.0.2.5/24</address></uplink></state></intent>";
	static const char other_state[] = "<intent xmlns='http://vnetctl.org/xmlns/intent/1' name='b' mode='bridged'>"
		"<bridge name='br0'/><uplink name='eth0'/>"
		"<state><uplink mac='52:54:00:00:00:02' up='no'/></state></intent>";
	static const char no_state[] = "<intent xmlns='http://vnetctl.org/xmlns/intent/1' name='b' mode='bridged'>"
		"<bridge name='br0'/><uplink name='eth0'/></intent>";
	g_autoptr(vnet_intent) a = vnet_intent_from_xml(with_state, -1, NULL);
	g_autoptr(vnet_intent) b = vnet_intent_from_xml(other_state, -1, NULL);
	g_autoptr(vnet_intent) c = vnet_intent_from_xml(no_state, -1, NULL);
	g_autoptr(vnet_intent) n = vnet_intent_from_xml("<intent xmlns='http://vnetctl.org/xmlns/intent/1' name='w' mode='nat'>"
		"<bridge name='vn-w'/><ipv4 subnet='10.0.0.0/24' gateway='10.0.0.1'/><forwards>8080:80</forwards></intent>", -1, NULL);
	g_autofree char *ta = NULL, *tb = NULL, *tc = NULL, *tn = NULL, *tn2 = NULL, *full = NULL;
	const char *x, *y;
	gsize nx, ny;

	assert_non_null(a);
	assert_non_null(b);
	assert_non_null(c);
	assert_non_null(n);
	ta = digest_text(a);
	tb = digest_text(b);
	tc = digest_text(c);
	/* the state is out, all of it, and nothing else is */
	assert_null(strstr(ta, "state"));
	assert_null(strstr(ta, "52:54:00"));
	assert_string_equal(ta, tb);
	assert_true(g_str_has_prefix(ta, "<vnet:intent xmlns:vnet="));
	assert_true(g_str_has_suffix(ta, "\n    </vnet:intent>"));
	assert_non_null(strstr(ta, "<vnet:uplink name=\"eth0\"/>"));
	assert_string_equal(ta, tc);	/* as if it had none */
	/* a forward more is another text */
	tn = digest_text(n);
	assert_true(vnet_intent_add_forward(n, "9999:99", NULL));
	tn2 = digest_text(n);
	assert_string_not_equal(tn, tn2);
	assert_non_null(strstr(tn2, "9999:99/tcp"));
	/* without an intent in it: no region */
	full = g_strdup("<network><name>x</name></network>");
	assert_false(vnet_intent_xml_digest_region(full, &x, &nx, &y, &ny));
	assert_false(vnet_intent_xml_digest_region(NULL, &x, &nx, &y, &ny));
}

/*
 * 65,535 forwards added one at a time (create's --forward arguments) go
 * through the port index; each refusal is the one a pairwise comparison
 * with every forward before gives, index or not.
 */
static void test_many_forwards_added(void **state)
{
	g_autoptr(vnet_intent) in = vnet_intent_new("big", VNET_MODE_NAT, NULL);
	g_autoptr(vnet_intent) small = vnet_intent_new("small", VNET_MODE_NAT, NULL);
	g_autoptr(GError) error = NULL;
	g_autoptr(GRand) rand = g_rand_new_with_seed(14);
	static const char *const addrs[] = { "", "192.0.2.1:", "192.0.2.2:", "[::]:", "[2001:db8::1]:" };
	static const char *const protos[] = { "tcp", "udp" };
	guint refused = 0;

	for (guint p = 1; p <= 65535; p++) {
		g_autofree char *spec = g_strdup_printf("%u:80/%s", p, p % 2 ? "tcp" : "udp");
		if (!vnet_intent_add_forward(in, spec, &error))
			fail_msg("forward %u: %s", p, error->message);
	}
	assert_int_equal(vnet_intent_get_n_forwards(in), 65535);
	assert_false(vnet_intent_add_forward(in, "192.0.2.1:99-101:99-101", &error));
	assert_error(error, VNET_ERROR_CONFLICT, "\"192.0.2.1:99-101:99-101\"", "\"99:80/tcp\"", "network \"big\"");
	g_clear_error(&error);
	assert_ok(vnet_intent_add_forward(in, "[::]:99:80", &error));	/* another family */

	/* Removed, its port is free again; one appended behind the index is seen. */
	assert_ok(vnet_intent_remove_forward(in, "4000:80/udp", &error));
	assert_ok(vnet_intent_add_forward(in, "4000:81/udp", &error));
	g_ptr_array_add(in->forwards, vnet_forward_parse("[2001:db8::9]:5:80", NULL));
	assert_false(vnet_intent_add_forward(in, "[2001:db8::9]:5:90", &error));
	assert_error(error, VNET_ERROR_CONFLICT, "\"[2001:db8::9]:5:90\"", "forward \"[2001:db8::9]:5:80");
	g_clear_error(&error);

	/* Random forwards on few ports: each call against a fresh copy, which compares pairwise. */
	for (guint i = 0; i < 3000; i++) {
		guint lo = (guint)g_rand_int_range(rand, 1, 400), hi = lo + (g_rand_boolean(rand) ? 0 : (guint)g_rand_int_range(rand, 0, 5));
		g_autofree char *spec = g_strdup_printf("%s%u-%u:%u-%u/%s", addrs[g_rand_int_range(rand, 0, 5)], lo, hi,
							lo, hi, protos[g_rand_int_range(rand, 0, 2)]);
		g_autoptr(vnet_intent) ref = vnet_intent_copy(small);
		g_autoptr(GError) e1 = NULL, e2 = NULL;
		bool a = vnet_intent_add_forward(small, spec, &e1), b = vnet_intent_add_forward(ref, spec, &e2);

		assert_int_equal(a, b);
		assert_null(ref->fwd_index);
		if (!a) {
			assert_string_equal(e1->message, e2->message);
			refused++;
		}
	}
	assert_non_null(small->fwd_index);
	assert_true(refused > 100 && refused < 3000);
}

/*
 * A forward's text, however written, reads as xmlNodeGetContent() gives it;
 * only the first intent's own children are its forwards.
 */
static void test_forward_text_forms(void **state)
{
	static const char *const forms[] = {
		"<forward>8080:80</forward>",
		"<forward>\n  8080:80\t</forward>",
		"<forward>80<!-- a comment -->80:80</forward>",
		"<forward>80<?pi x?>80:80</forward>",
		"<forward><![CDATA[8080]]>:80</forward>",
		"<forward>&#56;080&#x3a;80</forward>",
		"<forward><x xmlns='urn:other'>8080</x>:80</forward>",
		"<forward attr='ignored'>8080:80/tcp</forward>",
		"<v:forward xmlns:v='" VNET_XML_NS "'>8080:80</v:forward>",
	};

	for (size_t i = 0; i < G_N_ELEMENTS(forms); i++) {
		g_autofree char *x = g_strdup_printf("<intent " NS " name='f' mode='nat'><bridge name='vn-f'/>%s</intent>",
						     forms[i]);
		g_autoptr(GError) error = NULL;
		g_autoptr(vnet_intent) in = NULL;
		g_autofree char *f = NULL;

		print_message("forward text: %s\n", forms[i]);
		in = vnet_intent_from_xml(x, -1, &error);
		if (!in)
			fail_msg("%s: %s", forms[i], error->message);
		assert_int_equal(vnet_intent_get_n_forwards(in), 1);
		f = vnet_intent_get_forward(in, 0);
		assert_string_equal(f, "8080:80/tcp");
		assert_string_equal(vnet_intent_get_bridge(in), "vn-f");
	}

	/* In a network's XML: a forward outside the intent, and a second intent, are not its forwards. */
	{
		g_autoptr(GError) error = NULL;
		g_autoptr(vnet_intent) in = vnet_intent_from_xml(
			"<network><name>n</name><v:forward xmlns:v='" VNET_XML_NS "'>1:1</v:forward><metadata>"
			"<v:intent xmlns:v='" VNET_XML_NS "' name='n' mode='nat'><v:forward>2:2</v:forward>"
			"<v:state><v:forward>5:5</v:forward></v:state></v:intent>"
			"<v:intent xmlns:v='" VNET_XML_NS "' name='m' mode='nat'><v:forward>3:3</v:forward></v:intent>"
			"</metadata><v:forward xmlns:v='" VNET_XML_NS "'>4:4</v:forward></network>", -1, &error);
		g_autofree char *f = NULL;

		assert_null(in);	/* <forward> in <state> is not allowed: the tree reads it */
		assert_error(error, VNET_ERROR_INVALID, "forward");
		g_clear_error(&error);
		in = vnet_intent_from_xml(
			"<network><name>n</name><v:forward xmlns:v='" VNET_XML_NS "'>1:1</v:forward><metadata>"
			"<v:intent xmlns:v='" VNET_XML_NS "' name='n' mode='nat'><v:forward>2:2</v:forward></v:intent>"
			"<v:intent xmlns:v='" VNET_XML_NS "' name='m' mode='nat'><v:forward>3:3</v:forward></v:intent>"
			"</metadata><v:forward xmlns:v='" VNET_XML_NS "'>4:4</v:forward></network>", -1, &error);
		if (!in)
			fail_msg("network XML: %s", error->message);
		assert_string_equal(vnet_intent_get_name(in), "n");
		assert_int_equal(vnet_intent_get_n_forwards(in), 1);
		f = vnet_intent_get_forward(in, 0);
		assert_string_equal(f, "2:2/tcp");
	}
}

/* Every document written both ways, through the string end and libxml2's tree. */
static void assert_ends_agree(const vnet_intent *in)
{
	char *a[6] = { NULL }, *b[6] = { NULL };
	guint n = 2;

	for (guint pass = 0; pass < 2; pass++) {
		char **out = pass ? b : a;
		vnet_xml_set_write_by_tree(pass == 1);
		out[0] = vnet_intent_to_xml(in);
		out[1] = vnet_intent_to_xml_without_state(in);
		n = 2;
		for (guint i = 0; in->name && in->bridge && i < vnet_intent_n_networks(in); i++)
			out[n++] = vnet_intent_network_xml(in, i, NULL);
	}
	vnet_xml_set_write_by_tree(false);
	for (guint i = 0; i < n; i++) {
		assert_non_null(a[i]);
		assert_string_equal(a[i], b[i]);
		g_free(a[i]);
		g_free(b[i]);
	}
}

static void test_writer_ends_agree(void **state)
{
	static const char with_state[] = "<intent xmlns='http://vnetctl.org/xmlns/intent/1' name='up' mode='hybrid'>"
		"<bridge name='br0'/><lan-bridge name='br1'/><uplink name='eth0'/>"
		"<ipv4 subnet='10.1.0.0/24'/><ipv6 subnet='fd01::/64'/>"
		"<forward>[fd01::5]:8443:[fd01::9]:443/tcp</forward><forward>[::]:99:web:90/sctp</forward>"
		"<forward>10.9.9.9:7000-7010:10.1.0.3:8000-8010/udp</forward>"
		"<state bridge-created='yes' confirm-deadline='1893456000' confirm-token='abcdef0123456789'>"
		"<static mac='52:54:00:00:00:09' domain='vm1' address='10.1.0.9'/>"
		"<uplink mac='52:54:00:00:00:01' up='no'><address>192.0.2.5/24</address>"
		"<address flags='128'>2001:db8::5/64</address>"
		"<route dst='0.0.0.0/0' gateway='192.0.2.1' metric='100' protocol='4' scope='0'/>"
		"<route dst='203.0.113.0/24' table='100'/></uplink></state></intent>";
	g_autoptr(vnet_intent) st = NULL;

	for (size_t m = 0; m < G_N_ELEMENTS(all_modes); m++) {
		g_autoptr(vnet_intent) in = full_intent(all_modes[m]);
		g_autoptr(vnet_intent) bare = vnet_intent_new(NULL, all_modes[m], NULL);

		assert_ends_agree(in);
		assert_ends_agree(bare);
		/* Values libxml2 escapes, as no setter would take them: the tree end writes them. */
		for (const char *c = "&<>\"\t\n\r\x01\xc3"; *c; c++) {
			g_free(in->uplink);
			in->uplink = *c == '\xc3' ? g_strdup("e\xc3\xa9") : g_strdup_printf("e%c0", *c);
			assert_ends_agree(in);
		}
	}
	assert_ok((st = vnet_intent_from_xml(with_state, -1, &err_)) != NULL);
	assert_ends_agree(st);
}

/* --host-port: what is accepted, kept sorted and read back; a table of what is refused. */
static void test_host_ports(void **state)
{
	static const char *const bad[] = {
		"", "0", "65536", "-1", "+22", " 22", "22 ", "022", "0x16", "22/", "22/icmp", "22/TCP",
		"/tcp", "22:23", "22-23", "123456", "22/tcp/udp", "\x1b[2J",
	};
	g_autoptr(vnet_intent) in = vnet_intent_new("iso", VNET_MODE_ISOLATED, NULL);
	g_autoptr(vnet_intent) back = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree char *xml = NULL, *p0 = NULL, *p1 = NULL, *p2 = NULL;

	(void)state;
	assert_true(vnet_intent_add_host_port(in, "8080/udp", &error));
	assert_true(vnet_intent_add_host_port(in, "22", &error));
	assert_true(vnet_intent_add_host_port(in, "8080", &error));
	assert_false(vnet_intent_add_host_port(in, "22/tcp", &error));
	assert_non_null(strstr(error->message, "given twice"));
	g_clear_error(&error);
	assert_int_equal(vnet_intent_get_n_host_ports(in), 3);
	p0 = vnet_intent_get_host_port(in, 0);
	p1 = vnet_intent_get_host_port(in, 1);
	p2 = vnet_intent_get_host_port(in, 2);
	assert_string_equal(p0, "22/tcp");
	assert_string_equal(p1, "8080/tcp");
	assert_string_equal(p2, "8080/udp");
	assert_null(vnet_intent_get_host_port(in, 3));
	for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
		if (vnet_intent_add_host_port(in, bad[i], &error))
			fail_msg("\"%s\" is accepted", bad[i]);
		if (!strstr(error->message, "is not PORT") || strchr(error->message, '\x1b'))
			fail_msg("\"%s\": %s", bad[i], error->message);
		g_clear_error(&error);
	}
	assert_int_equal(vnet_intent_get_n_host_ports(in), 3);
	/* through the intent XML and back, equal; a different port makes them differ */
	assert_true(vnet_intent_set_subnet(in, "10.9.0.0/24", &error));
	xml = vnet_intent_to_xml(in);
	assert_non_null(strstr(xml, "<vnet:host-port>8080/udp</vnet:host-port>"));
	back = vnet_intent_from_xml(xml, -1, &error);
	assert_non_null(back);
	assert_true(vnet_intent_equal(in, back));
	assert_true(vnet_intent_add_host_port(back, "9/sctp", &error));
	assert_false(vnet_intent_equal(in, back));
}

/* --guard and the intent's guard attribute: exactly on, off and strict. */
static void test_guard_strings(void **state)
{
	static const char *const bad[] = {
		"", "default", "ON", "Off", "STRICT", "yes", "no", "true", "1", "0", " on", "on ",
		"on\n", "strict,on", "onn", "stric", "stricter", "guard", "on\x1b[31m", "\xff\xfe",
		"oооn", /* Cyrillic o's */
	};
	g_autoptr(GError) error = NULL;
	g_autoptr(vnet_intent) in = vnet_intent_new("web", VNET_MODE_NAT, &error);
	vnet_guard g = VNET_GUARD_STRICT;
	(void)state;

	assert_non_null(in);
	assert_true(vnet_guard_from_string("off", &g, &error));
	assert_int_equal(g, VNET_GUARD_OFF);
	assert_true(vnet_guard_from_string("on", &g, &error));
	assert_int_equal(g, VNET_GUARD_ON);
	assert_true(vnet_guard_from_string("strict", &g, &error));
	assert_int_equal(g, VNET_GUARD_STRICT);
	for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
		g = VNET_GUARD_ON;
		if (vnet_guard_from_string(bad[i], &g, &error))
			fail_msg("\"%s\" is accepted", bad[i]);
		assert_int_equal(g, VNET_GUARD_ON);	/* untouched */
		assert_int_equal(error->code, VNET_ERROR_INVALID);
		if (!strstr(error->message, "is not a guard setting: use on, off or strict"))
			fail_msg("\"%s\": %s", bad[i], error->message);
		g_clear_error(&error);
	}
	assert_false(vnet_guard_from_string(NULL, &g, &error));
	g_clear_error(&error);
	/* unset, a NAT network is guarded */
	assert_int_equal(vnet_intent_get_guard(in, false), VNET_GUARD_ON);
	vnet_intent_set_guard(in, VNET_GUARD_OFF);
	assert_int_equal(vnet_intent_get_guard(in, false), VNET_GUARD_OFF);
}

/* The DHCPv6 range: from ::3 to ::ffff or the subnet's end, ending before a gateway inside it. */
static void test_dhcp6_range(void **state)
{
	static const struct {
		const char *subnet, *gateway, *start, *end;	/* NULL start: none */
	} cases[] = {
		{ "fd00::/64", "fd00::1", "fd00::3", "fd00::ffff" },
		{ "fd00::/120", "fd00::1", "fd00::3", "fd00::ff" },
		{ "fd00::/126", "fd00::1", "fd00::3", "fd00::3" },
		/* the gateway on ::2: the default guest is ::1, the range the same */
		{ "fd00::/64", "fd00::2", "fd00::3", "fd00::ffff" },
		{ "fd00::/64", "fd00::3", "fd00::4", "fd00::ffff" },
		{ "fd00::/64", "fd00::100", "fd00::3", "fd00::ff" },
		{ "fd00::/64", "fd00::1:0", "fd00::3", "fd00::ffff" },
		{ "fd00::1:0/112", "fd00::1:1", "fd00::1:3", "fd00::1:ffff" },
		{ "fd00::100/120", "fd00::150", "fd00::103", "fd00::14f" },
		{ "fd00::/126", "fd00::3", NULL, NULL },
	};

	(void)state;
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(vnet_intent) in = vnet_intent_new("six", VNET_MODE_NAT, NULL);
		g_autofree char *s = NULL, *e = NULL;
		vnet_addr start, end;
		bool has;
		assert_ok(vnet_intent_set_subnet(in, cases[i].subnet, &err_));
		assert_ok(vnet_intent_set_gateway(in, cases[i].gateway, &err_));
		has = vnet_intent_dhcp6_range(in, &start, &end);
		if (!cases[i].start) {
			if (has)
				fail_msg("case %zu (%s gateway %s): a range", i, cases[i].subnet, cases[i].gateway);
			continue;
		}
		if (!has)
			fail_msg("case %zu (%s gateway %s): no range", i, cases[i].subnet, cases[i].gateway);
		s = vnet_addr_format(&start);
		e = vnet_addr_format(&end);
		if (g_strcmp0(s, cases[i].start) || g_strcmp0(e, cases[i].end))
			fail_msg("case %zu (%s gateway %s): %s - %s, expected %s - %s", i, cases[i].subnet,
				 cases[i].gateway, s, e, cases[i].start, cases[i].end);
	}
	{
		/* no subnet6, no range */
		g_autoptr(vnet_intent) in = vnet_intent_new("four", VNET_MODE_NAT, NULL);
		vnet_addr start, end;
		assert_ok(vnet_intent_set_subnet(in, "10.0.0.0/24", &err_));
		assert_false(vnet_intent_dhcp6_range(in, &start, &end));
	}
}

/* The network XML has the DHCPv6 range only where the intent serves DHCP. */
static void test_dhcp6_range_in_xml(void **state)
{
	g_autoptr(vnet_host) host = vnet_host_new();
	g_autoptr(vnet_intent) in = vnet_intent_new("six", VNET_MODE_NAT, NULL);
	g_autofree char *with = NULL, *without = NULL;

	(void)state;
	assert_ok(vnet_intent_set_subnet(in, "10.0.0.0/24", &err_));
	assert_ok(vnet_intent_set_subnet(in, "fd00:1::/64", &err_));
	assert_ok(vnet_intent_complete(in, host, &err_));
	with = vnet_intent_network_xml(in, 0, NULL);
	vnet_intent_set_dhcp(in, false);
	without = vnet_intent_network_xml(in, 0, NULL);
	assert_non_null(strstr(with, "<ip family=\"ipv6\" address=\"fd00:1::1\" prefix=\"64\">\n"
				     "    <dhcp>\n      <range start=\"fd00:1::3\" end=\"fd00:1::ffff\"/>"));
	assert_non_null(strstr(without, "<ip family=\"ipv6\" address=\"fd00:1::1\" prefix=\"64\"/>"));
	assert_null(strstr(without, "<dhcp>"));
}

/*
 * A forward's line spliced into the writer's definition is the writer's
 * definition of the intent with that forward more or less, to the byte;
 * text in another form is not spliced.
 */
static char *spec_form(guint form, guint port)
{
	switch (form % 6) {
	case 0: return g_strdup_printf("%u:80", port);
	case 1: return g_strdup_printf("%u:81/udp", port);
	case 2: return g_strdup_printf("127.0.0.1:%u:10.0.0.9:80", port);
	case 3: return g_strdup_printf("%u:web2:80/sctp", port);
	case 4: return g_strdup_printf("[::]:%u:[fd00::7]:80", port);
	default: return g_strdup_printf("%u-%u:7000-7001", port, port + 1);
	}
}

static void test_splice_forward(void **state)
{
	g_autoptr(GRand) rand = g_rand_new_with_seed(14);

	(void)state;
	for (guint round = 0; round < 60; round++) {
		g_autoptr(vnet_intent) in = full_intent(VNET_MODE_NAT);
		g_autoptr(vnet_intent) more = NULL, less = NULL;
		g_autofree char *xml = NULL, *want = NULL, *got = NULL, *spec = NULL;
		guint n = (guint)g_rand_int_range(rand, 1, 40), k;
		const vnet_forward *f;

		for (guint j = 0; j < n; j++) {
			g_autofree char *sp = spec_form((guint)g_rand_int_range(rand, 0, 6), 20000 + 10 * j);
			assert_ok(vnet_intent_add_forward(in, sp, &err_));
		}
		xml = vnet_intent_network_xml(in, 0, NULL);
		assert_non_null(xml);
		/* one more, at the end */
		more = vnet_intent_copy(in);
		spec = spec_form(round, 30000 + 10 * round);
		assert_ok(vnet_intent_add_forward(more, spec, &err_));
		want = vnet_intent_network_xml(more, 0, NULL);
		f = more->forwards->pdata[more->forwards->len - 1];
		got = vnet_network_xml_splice_forward(xml, f, true);
		assert_non_null(got);
		assert_string_equal(got, want);
		/* one fewer, anywhere */
		g_clear_pointer(&want, g_free);
		g_clear_pointer(&got, g_free);
		k = (guint)g_rand_int_range(rand, 0, (gint32)in->forwards->len);
		less = vnet_intent_copy(in);
		g_ptr_array_remove_index(vnet_intent_own_forwards(less), k);
		got = vnet_network_xml_splice_forward(xml, in->forwards->pdata[k], false);
		if (!less->forwards->len) {
			assert_null(got);
			continue;
		}
		want = vnet_intent_network_xml(less, 0, NULL);
		assert_non_null(got);
		assert_string_equal(got, want);
		/* one that is not there: not spliced */
		g_clear_pointer(&got, g_free);
		got = vnet_network_xml_splice_forward(xml, f, false);
		assert_null(got);
	}
	/* the forwards as elements, or no <forwards>: not spliced */
	{
		g_autoptr(vnet_intent) in = full_intent(VNET_MODE_NAT);
		g_autofree char *legacy = vnet_intent_to_xml_legacy(in), *net = NULL, *bad = NULL;
		g_autofree char *got = NULL;
		assert_null(vnet_network_xml_splice_forward(legacy, in->forwards->pdata[0], true));
		net = vnet_intent_network_xml(in, 0, NULL);
		bad = g_strdup(net);
		memcpy(strstr(bad, "<vnet:forwards>") + strlen("<vnet:forwards>"), " ", 1);
		assert_null(vnet_network_xml_splice_forward(bad, in->forwards->pdata[0], true));
		got = vnet_network_xml_splice_forward(net, in->forwards->pdata[0], true);
		assert_non_null(got);
		assert_null(vnet_network_xml_splice_forward("<network/>", in->forwards->pdata[0], true));
	}
}

/* Each forward the scan gives, formatted, into @data (a GPtrArray). */
static bool collect_spec(const vnet_forward *f, void *data)
{
	g_ptr_array_add(data, vnet_forward_format(f));
	return false;
}

static bool count_two(const vnet_forward *f, void *data)
{
	(void)f;
	return ++*(guint *)data == 2;
}

/*
 * forward add and remove on a network read without its <forwards> block:
 * the block's text, scanned where it stands, answers as the whole read
 * does: the same forwards in order, the same refusals in the same words,
 * the same forward on a host side.
 */
static void test_scan_forwards(void **state)
{
	g_autoptr(GRand) rand = g_rand_new_with_seed(15);

	(void)state;
	for (guint round = 0; round < 60; round++) {
		g_autoptr(vnet_intent) in = full_intent(VNET_MODE_NAT);
		g_autoptr(vnet_intent) whole = NULL, unread = NULL, bw = NULL, bu = NULL;
		g_autoptr(vnet_host) host = vnet_host_new();
		g_autoptr(GPtrArray) specs = g_ptr_array_new_with_free_func(g_free);
		g_autofree char *xml = NULL, *xw = NULL, *xu = NULL;
		guint n = (guint)g_rand_int_range(rand, 1, 40);
		const char *text;
		gsize len;

		for (guint j = 0; j < n; j++) {
			g_autofree char *sp = spec_form((guint)g_rand_int_range(rand, 0, 6), 20000 + 10 * j);
			assert_ok(vnet_intent_add_forward(in, sp, &err_));
		}
		/* half the time, another network's forward on the host too */
		if (round % 2) {
			g_autoptr(vnet_intent) o = vnet_intent_new("other", VNET_MODE_NAT, NULL);
			assert_ok(vnet_intent_set_bridge(o, "br-o", &err_));
			assert_ok(vnet_intent_set_subnet(o, "10.9.0.0/24", &err_));
			assert_ok(vnet_intent_add_forward(o, "45000:80", &err_));
			vnet_host_add_intent(host, o);
		}
		xml = vnet_intent_network_xml(in, 0, NULL);
		assert_non_null(xml);
		assert_non_null(whole = vnet_intent_from_xml(xml, -1, NULL));
		assert_non_null(unread = vnet_intent_from_xml_unread(xml, -1, NULL));
		assert_true(unread->forwards_unread);
		assert_int_equal(unread->forwards->len, 0);
		/* all but the forwards the same */
		bw = vnet_intent_copy_bare(whole);
		bu = vnet_intent_copy_bare(unread);
		bu->forwards_unread = false;
		xw = vnet_intent_to_xml(bw);
		xu = vnet_intent_to_xml(bu);
		assert_string_equal(xw, xu);
		/* the scan gives the whole read's forwards, in order */
		assert_true(vnet_network_xml_forwards_text(xml, &text, &len));
		assert_true(vnet_forwards_text_foreach(text, len, collect_spec, specs));
		assert_int_equal(specs->len, whole->forwards->len);
		for (guint i = 0; i < specs->len; i++) {
			g_autofree char *w = vnet_forward_format(whole->forwards->pdata[i]);
			assert_string_equal(specs->pdata[i], w);
		}
		for (guint c = 0; c < 12; c++) {
			/* on a port of the intent, next to one, on the other network's, or free */
			guint pick = (guint)g_rand_int_range(rand, 0, 4);
			guint port = pick == 0 ? 20000 + 10 * (guint)g_rand_int_range(rand, 0, (gint32)n)
				   : pick == 1 ? 20001 + 10 * (guint)g_rand_int_range(rand, 0, (gint32)n)
				   : pick == 2 ? 45000 : 46000 + c;
			g_autofree char *cand = spec_form((guint)g_rand_int_range(rand, 0, 6), port);
			g_autoptr(vnet_intent) w = vnet_intent_copy(whole), r = vnet_intent_copy(whole);
			g_autoptr(vnet_forward) f = vnet_forward_parse(cand, NULL), found = NULL;
			g_autoptr(GError) e1 = NULL, e2 = NULL;
			bool ok1, ok2, readable = false, removed;

			assert_non_null(f);
			ok1 = vnet_intent_add_forward(w, cand, &e1) && vnet_intent_validate_added_forward(w, host, 0, &e1);
			ok2 = vnet_intent_validate_forward_text(unread, text, len, cand, f, host, 0, &readable, &e2);
			assert_true(readable);
			assert_int_equal(ok1, ok2);
			if (!ok1)
				assert_string_equal(e1->message, e2->message);
			removed = vnet_intent_remove_forward(r, cand, NULL);
			assert_true(vnet_forwards_text_find(text, len, f, &found));
			assert_int_equal(removed, found != NULL);
			for (guint i = 0; found && i < whole->forwards->len; i++)
				if (vnet_forward_same_host_side(whole->forwards->pdata[i], f)) {
					g_autofree char *a = vnet_forward_format(whole->forwards->pdata[i]);
					g_autofree char *b = vnet_forward_format(found);
					assert_string_equal(a, b);
					break;
				}
		}
	}
}

/* Texts the scan refuses (the caller reads the intent whole then), one a line, and texts it reads. */
static void test_scan_bad(void **state)
{
	static const char *const bad[] = {
		"80",
		"abc",
		"1024:80/icmp",
		"0:80",
		"70000:80",
		"8080:80\nnope\n8081:81",
		"8080:80 8081:",
		"[::1:80:80",
	};
	static const char *const good[] = { "", " \n\t\r ", "8080:80", "\n    8080:80\n    8081:81/udp\n  " };
	char longer[400];
	guint calls = 0;

	(void)state;
	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autoptr(GPtrArray) specs = g_ptr_array_new_with_free_func(g_free);
		if (vnet_forwards_text_foreach(bad[i], strlen(bad[i]), collect_spec, specs))
			fail_msg("the scan read \"%s\"", bad[i]);
	}
	memset(longer, '1', sizeof(longer) - 1);
	longer[sizeof(longer) - 1] = '\0';
	{
		g_autoptr(GPtrArray) specs = g_ptr_array_new_with_free_func(g_free);
		assert_false(vnet_forwards_text_foreach(longer, strlen(longer), collect_spec, specs));
	}
	for (size_t i = 0; i < G_N_ELEMENTS(good); i++) {
		g_autoptr(GPtrArray) specs = g_ptr_array_new_with_free_func(g_free);
		assert_true(vnet_forwards_text_foreach(good[i], strlen(good[i]), collect_spec, specs));
	}
	/* a callback that says "done" stops the scan: a bad spec after it is not read */
	assert_true(vnet_forwards_text_foreach("1:1 2:2 nope", 12, count_two, &calls));
	assert_int_equal(calls, 2);
	/* only @len bytes are read */
	{
		g_autoptr(GPtrArray) specs = g_ptr_array_new_with_free_func(g_free);
		assert_true(vnet_forwards_text_foreach("8080:80 8081:81", 7, collect_spec, specs));
		assert_int_equal(specs->len, 1);
		assert_string_equal(specs->pdata[0], "8080:80/tcp");
	}
	/* a definition not in the writer's form has no block to scan */
	{
		const char *text;
		gsize len;
		assert_false(vnet_network_xml_forwards_text("<network/>", &text, &len));
		assert_false(vnet_network_xml_forwards_text(NULL, &text, &len));
	}
}

/* Read in place (NUL-terminated) or from a copy (a length): the same answer, whatever the declaration says. */
static void test_read_in_place(void **state)
{
	static const char *const docs[] = {
		"<vnet:intent xmlns:vnet=\"http://vnetctl.org/xmlns/intent/1\" name=\"w\" mode=\"nat\"><vnet:forwards>8080:80\n8081:81</vnet:forwards></vnet:intent>",
		"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<vnet:intent xmlns:vnet=\"http://vnetctl.org/xmlns/intent/1\" name=\"w\" mode=\"nat\"/>",
		"<?xml version='1.0' encoding='utf8'?><vnet:intent xmlns:vnet=\"http://vnetctl.org/xmlns/intent/1\" name=\"w\" mode=\"nat\"/>",
		"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><vnet:intent xmlns:vnet=\"http://vnetctl.org/xmlns/intent/1\" name=\"w\" mode=\"nat\"><vnet:forward>8080:80</vnet:forward></vnet:intent>",
		"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><vnet:intent xmlns:vnet=\"http://vnetctl.org/xmlns/intent/1\" name=\"\xe9\" mode=\"nat\"/>",
		"<?xml version=\"1.0\" encoding=\"UTF-8\"?><vnet:intent xmlns:vnet=\"http://vnetctl.org/xmlns/intent/1\" name=\"\xe9\" mode=\"nat\"/>",
		"<?xml version=\"1.0\" encoding=\"UTF-8\"",
		"\xef\xbb\xbf<vnet:intent xmlns:vnet=\"http://vnetctl.org/xmlns/intent/1\" name=\"w\" mode=\"nat\"/>",
		"\xfe\xff<x/>",
		"<vnet:intent xmlns:vnet=\"http://vnetctl.org/xmlns/intent/1\" name=\"w\" mode=\"nat\"><vnet:forwards>8080:80</vnet:forwards>",
		"x",
	};

	(void)state;
	for (size_t i = 0; i < G_N_ELEMENTS(docs); i++) {
		g_autoptr(GError) e1 = NULL, e2 = NULL;
		g_autoptr(vnet_intent) a = vnet_intent_from_xml(docs[i], -1, &e1);
		g_autoptr(vnet_intent) b = vnet_intent_from_xml(docs[i], (gssize)strlen(docs[i]), &e2);

		print_message("%zu: %s\n", i, a ? "read" : e1->message);
		assert_true(!a == !b);
		if (a)
			assert_true(vnet_intent_equal(a, b));
		else
			assert_string_equal(e1->message, e2->message);
	}
	/* the first reads, the cut one does not */
	{
		g_autoptr(vnet_intent) a = vnet_intent_from_xml(docs[0], -1, NULL);
		g_autoptr(vnet_intent) c = vnet_intent_from_xml(docs[9], -1, NULL);
		assert_non_null(a);
		assert_int_equal(vnet_intent_get_n_forwards(a), 2);
		assert_null(c);
	}
}

/* Copies share the forwards until one of them changes them: then only that one changes. */
static void test_copies_share_forwards(void **state)
{
	g_autoptr(vnet_intent) in = vnet_intent_new("web", VNET_MODE_NAT, NULL);
	g_autoptr(vnet_intent) a = NULL, b = NULL;

	assert_ok(vnet_intent_add_forward(in, "8080:80", &err_));
	assert_ok(vnet_intent_add_forward(in, "8081:81", &err_));
	a = vnet_intent_copy(in);
	b = vnet_intent_copy(a);
	assert_ptr_equal(a->forwards, in->forwards);
	assert_ok(vnet_intent_add_forward(a, "8082:82", &err_));
	assert_int_equal(vnet_intent_get_n_forwards(a), 3);
	assert_int_equal(vnet_intent_get_n_forwards(in), 2);
	assert_int_equal(vnet_intent_get_n_forwards(b), 2);
	assert_ok(vnet_intent_remove_forward(in, "8080:80", &err_));
	assert_int_equal(vnet_intent_get_n_forwards(in), 1);
	assert_int_equal(vnet_intent_get_n_forwards(b), 2);
	assert_int_equal(vnet_intent_get_n_forwards(a), 3);
	assert_ok(vnet_intent_remove_forward(b, "8081:81", &err_));
	assert_int_equal(vnet_intent_get_n_forwards(b), 1);
	assert_int_equal(vnet_intent_get_n_forwards(a), 3);
	{
		g_autofree char *f = vnet_intent_get_forward(b, 0);
		assert_string_equal(f, "8080:80/tcp");
	}
	/* the one freed first leaves the others whole (ASan/valgrind run this too) */
	g_clear_pointer(&in, vnet_intent_free);
	assert_int_equal(vnet_intent_get_n_forwards(a), 3);
	assert_ok(vnet_intent_add_forward(b, "9000:90", &err_));
	assert_int_equal(vnet_intent_get_n_forwards(b), 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mode_strings),
		cmocka_unit_test(test_copies_share_forwards),
		cmocka_unit_test(test_read_in_place),
		cmocka_unit_test(test_splice_forward),
		cmocka_unit_test(test_scan_forwards),
		cmocka_unit_test(test_scan_bad),
		cmocka_unit_test(test_new_defaults),
		cmocka_unit_test(test_network_names),
		cmocka_unit_test(test_setters_getters),
		cmocka_unit_test(test_setter_failures_leave_intent),
		cmocka_unit_test(test_round_trip_every_mode),
		cmocka_unit_test(test_round_trip_minimal),
		cmocka_unit_test(test_state_route_table),
		cmocka_unit_test(test_state_ovs_port_kept),
		cmocka_unit_test(test_equal),
		cmocka_unit_test(test_from_network_xml),
		cmocka_unit_test(test_from_network_xml_by_hand),
		cmocka_unit_test(test_network_xml_incomplete),
		cmocka_unit_test(test_bad_xml),
		cmocka_unit_test(test_null_and_size_limit),
		cmocka_unit_test(test_many_forwards_from_xml),
		cmocka_unit_test(test_many_forwards_added),
		cmocka_unit_test(test_forward_text_forms),
		cmocka_unit_test(test_forwards_element),
		cmocka_unit_test(test_digest_region),
		cmocka_unit_test(test_writer_ends_agree),
		cmocka_unit_test(test_host_ports),
		cmocka_unit_test(test_guard_strings),
		cmocka_unit_test(test_dhcp6_range),
		cmocka_unit_test(test_dhcp6_range_in_xml),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
