/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * doctor's verdicts over made-up facts (doctor.c's vnet_doctor_judge()):
 * a healthy NAT network with one leased guest and one forward passes every
 * check of every layer; then a table of breakages, one fact changed each,
 * must fail exactly the checks it names, at their layers, each with a fix.
 * And doctor's printing (src/cli/cmd-doctor.c): marks in UTF-8, plain words
 * otherwise, fixes under their check, JSON with the same fields.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include <jansson.h>
#include <linux/if_bridge.h>
#include <linux/neighbour.h>

#include <vnet/vnet.h>
#include "cli.h"
#include "doctor.h"
#include "helpers.h"

/* What cmd-doctor.c needs of the rest of vnetctl. */
cli_globals cli;
int cli_fail(GError *error) { (void)error; return EXIT_REFUSED; }
int cli_usage(const char *cmd, const char *fmt, ...) { (void)cmd; (void)fmt; return EXIT_USAGE; }
vnet_ctx *cli_connect(void) { return NULL; }

#define MAC "52:54:00:00:00:05"
#define OTHER_MAC "52:54:00:00:00:99"
#define GIP "10.79.0.5"
#define ELEM "fwd4 tcp . 8080 : " GIP " . 80"

typedef struct world {
	vnet_intent *in;
	vnet_doctor_facts *f;
} world;

static vnet_link_info *link_new(const char *name, const char *master, bool bridge, int stp)
{
	vnet_link_info *l = g_new0(vnet_link_info, 1);

	l->name = g_strdup(name);
	l->master = g_strdup(master);
	l->is_bridge = bridge;
	l->up = l->carrier = true;
	l->mtu = 1500;
	l->stp_state = stp;
	l->mac = g_strdup(bridge ? "52:54:00:aa:aa:aa" : "fe:54:00:00:00:05");
	return l;
}

static void add_fdb(vnet_doctor_facts *f, const char *mac, const char *port, bool local)
{
	vnet_fdb_entry *e = g_new0(vnet_fdb_entry, 1);

	e->mac = g_strdup(mac);
	e->port = g_strdup(port);
	e->local = local;
	g_ptr_array_add(f->fdb, e);
}

static void set_neigh(vnet_doctor_facts *f, const char *mac, guint16 state)
{
	vnet_neigh *n = g_new0(vnet_neigh, 1);

	g_ptr_array_set_size(f->neigh, 0);
	n->ifname = g_strdup("vn-web");
	n->addr = g_strdup(GIP);
	n->mac = g_strdup(mac);
	n->state = state;
	g_ptr_array_add(f->neigh, n);
}

static vnet_link_info *get_link(vnet_doctor_facts *f, const char *name)
{
	for (guint i = 0; i < f->links->len; i++)
		if (g_str_equal(((vnet_link_info *)f->links->pdata[i])->name, name))
			return f->links->pdata[i];
	fail_msg("no link %s", name);
	return NULL;
}

/* A healthy network: every fact as a working forward to a leased guest has it. */
static int setup(void **state)
{
	world *w = g_new0(world, 1);
	vnet_doctor_facts *f;
	vnet_guest *g = g_new0(vnet_guest, 1);
	vnet_doctor_forward *d;

	w->in = vnet_intent_new("web", VNET_MODE_NAT, NULL);
	assert_ok(vnet_intent_set_bridge(w->in, "vn-web", &err_));
	assert_ok(vnet_intent_set_subnet(w->in, "10.79.0.0/24", &err_));
	assert_ok(vnet_intent_set_gateway(w->in, "10.79.0.1", &err_));
	assert_ok(vnet_intent_add_forward(w->in, "8080:80", &err_));
	f = w->f = vnet_doctor_facts_new(w->in);
	f->active = true;
	g_ptr_array_add(f->links, link_new("vn-web", NULL, true, -1));
	g_ptr_array_add(f->links, link_new("vg-g1-0", "vn-web", false, BR_STATE_FORWARDING));
	add_fdb(f, "52:54:00:aa:aa:aa", "vn-web", true);
	add_fdb(f, MAC, "vg-g1-0", false);
	set_neigh(f, MAC, NUD_REACHABLE);
	g->mac = g_strdup(MAC);
	g->addr = g_strdup(GIP);
	g->how = VNET_GUEST_LEASED;
	g_ptr_array_add(f->guests, g);
	g_ptr_array_add(f->dguests, vnet_doctor_guest_new(g, true, NULL));
	g_ptr_array_extend_and_steal(f->targets, vnet_guests_forward_targets(w->in, f->guests));
	d = vnet_doctor_forward_new(w->in->forwards->pdata[0], f->targets->pdata[0]);
	g_ptr_array_add(d->want, g_strdup(ELEM));
	d->peers = g_ptr_array_new_with_free_func(g_free);
	g_ptr_array_add(d->peers, g_strdup(GIP " 80"));
	d->guest_endpoint = g_strdup(GIP ":80");
	d->forward_endpoint = g_strdup("192.0.2.1:8080");
	d->guest_err = d->forward_err = 0;
	g_ptr_array_add(f->forwards, d);
	f->ip_forward = 1;
	f->ip6_forward = 0;
	f->rp_filter_all = f->rp_filter_br = 0;
	assert_ok(vnet_host_add_address(f->host, "vn-web", "10.79.0.1/24", &err_));
	assert_ok(vnet_host_add_route(f->host, "vn-web", "10.79.0.0/24", &err_));
	assert_ok(vnet_host_add_route(f->host, "out-lan", "0.0.0.0/0", &err_));
	f->dnsmasq_expected = true;
	f->dnsmasq_pid = 100;
	f->dnsmasq_alive = true;
	f->dnsmasq_pidfile = g_strdup("/run/libvirt/network/web.pid");
	f->table_read = f->table_marker = true;
	g_ptr_array_add(f->base_want, g_strdup("nat4 10.79.0.0/24"));
	g_ptr_array_add(f->kernel_elems, g_strdup("nat4 10.79.0.0/24"));
	g_ptr_array_add(f->kernel_elems, g_strdup(ELEM));
	f->coexist = vnet_coexist_parse("{\"nftables\": [{\"metainfo\": {}}]}", NULL);
	assert_non_null(f->coexist);
	*state = w;
	return 0;
}

static int teardown(void **state)
{
	world *w = *state;

	vnet_doctor_facts_free(w->f);
	vnet_intent_free(w->in);
	g_free(w);
	return 0;
}

static guint count_failed(GPtrArray *checks)
{
	guint n = 0;

	for (guint i = 0; i < checks->len; i++)
		n += !vnet_doctor_check_get_ok(checks->pdata[i]);
	return n;
}

static void dump(GPtrArray *checks)
{
	for (guint i = 0; i < checks->len; i++) {
		const vnet_doctor_check *c = checks->pdata[i];
		print_message("%s %s %s: %s\n", vnet_doctor_check_get_ok(c) ? "ok" : "FAIL",
			      vnet_doctor_layer_name(vnet_doctor_check_get_layer(c)), vnet_doctor_check_get_id(c),
			      vnet_doctor_check_get_what(c));
	}
}

static void test_healthy(void **state)
{
	world *w = *state;
	g_autoptr(GPtrArray) checks = vnet_doctor_judge(w->f);
	guint per_layer[VNET_DOCTOR_APP + 1] = { 0 };
	int last = -1;

	if (count_failed(checks))
		dump(checks);
	assert_int_equal(count_failed(checks), 0);
	for (guint i = 0; i < checks->len; i++) {
		const vnet_doctor_check *c = checks->pdata[i];
		int layer = vnet_doctor_check_get_layer(c);
		per_layer[layer]++;
		/* the five steps in order, bottom up */
		assert_true(layer >= last);
		last = layer;
		assert_null(vnet_doctor_check_get_fix(c));
		assert_string_equal(vnet_doctor_check_get_network(c), "web");
		assert_non_null(vnet_doctor_check_get_what(c));
	}
	for (int l = VNET_DOCTOR_LINK; l <= VNET_DOCTOR_APP; l++)
		assert_true(per_layer[l] > 0);
}

/* ---- breakages ---- */

static void break_bridge_down(vnet_doctor_facts *f) { get_link(f, "vn-web")->up = false; }
static void break_bridge_gone(vnet_doctor_facts *f) { g_ptr_array_remove_index(f->links, 0); }
/* Guarded OVS ports that joined after the last command, with no vnetctl watch to write their flows. */
static void break_ovs_unguarded(vnet_doctor_facts *f)
{
	f->ovs_unguarded = g_ptr_array_new_with_free_func(g_free);
	g_ptr_array_add(f->ovs_unguarded, g_strdup("vp-g3"));
	g_ptr_array_add(f->ovs_unguarded, g_strdup("vp-g4"));
}
static void break_ovs_flows_unread(vnet_doctor_facts *f) { f->of_error = g_strdup("Connection refused."); }
static void break_stp_learning(vnet_doctor_facts *f) { get_link(f, "vg-g1-0")->stp_state = BR_STATE_LEARNING; }
static void break_stp_blocking(vnet_doctor_facts *f) { get_link(f, "vg-g1-0")->stp_state = BR_STATE_BLOCKING; }
static void break_port_down(vnet_doctor_facts *f)
{
	get_link(f, "vg-g1-0")->up = false;
	get_link(f, "vg-g1-0")->stp_state = BR_STATE_DISABLED;
}
static void break_mtu(vnet_doctor_facts *f) { get_link(f, "vg-g1-0")->mtu = 1400; }
static void break_detached(vnet_doctor_facts *f)
{
	/* nomaster: the bridge forgets what it learned on the port */
	g_clear_pointer(&get_link(f, "vg-g1-0")->master, g_free);
	g_ptr_array_remove_index(f->fdb, 1);
	set_neigh(f, NULL, NUD_FAILED);
	((vnet_doctor_forward *)f->forwards->pdata[0])->guest_err = EHOSTUNREACH;
	((vnet_doctor_forward *)f->forwards->pdata[0])->forward_err = ETIMEDOUT;
}
static void break_tap_detached(vnet_doctor_facts *f)
{
	vnet_doctor_guest *d = f->dguests->pdata[0];

	d->tap = g_strdup("vg-g1-0");
	g_clear_pointer(&get_link(f, "vg-g1-0")->master, g_free);
}
static void break_no_answer(vnet_doctor_facts *f) { set_neigh(f, NULL, NUD_FAILED); }
static void break_other_mac(vnet_doctor_facts *f)
{
	set_neigh(f, OTHER_MAC, NUD_REACHABLE);
	add_fdb(f, OTHER_MAC, "vg-x-0", false);
}
static void break_twin_lease(vnet_doctor_facts *f)
{
	vnet_guest *g = g_new0(vnet_guest, 1);

	g->mac = g_strdup(OTHER_MAC);
	g->addr = g_strdup(GIP);
	g->how = VNET_GUEST_LEASED;
	g_ptr_array_add(f->guests, g);
}
static void break_ip_forward(vnet_doctor_facts *f) { f->ip_forward = 0; }
static void break_gateway(vnet_doctor_facts *f) { g_array_set_size(f->host->addrs, 0); }
static void break_dnsmasq_dead(vnet_doctor_facts *f) { f->dnsmasq_alive = false; }
static void break_dnsmasq_gone(vnet_doctor_facts *f) { f->dnsmasq_pid = 0; }
static void break_vpn_route(vnet_doctor_facts *f)
{
	assert_ok(vnet_host_add_route(f->host, "tun0", "10.79.0.0/25", &err_));
}
static void break_rp_filter(vnet_doctor_facts *f)
{
	vnet_guest *g = f->guests->pdata[0];

	f->rp_filter_all = 1;
	g_free(g->addr);
	g->addr = g_strdup("192.168.50.5");
}
static void break_no_lease(vnet_doctor_facts *f)
{
	vnet_guest *g = f->guests->pdata[0];

	g->how = VNET_GUEST_NO_ADDRESS;
	g_clear_pointer(&g->addr, g_free);
}
static void break_table_gone(vnet_doctor_facts *f)
{
	f->table_marker = false;
	for (const char *const *c = (const char *const[]){ "guard", "pre", "out", "post", "forwarding", NULL }; *c; c++)
		g_ptr_array_add(f->missing_chains, g_strdup(*c));
}
static void break_chain_gone(vnet_doctor_facts *f) { g_ptr_array_add(f->missing_chains, g_strdup("forwarding")); }
static void break_element_gone(vnet_doctor_facts *f) { g_ptr_array_remove_index(f->kernel_elems, 1); }
static void break_element_old(vnet_doctor_facts *f)
{
	g_ptr_array_remove_index(f->kernel_elems, 1);
	g_ptr_array_add(f->kernel_elems, g_strdup("fwd4 tcp . 8080 : 10.79.0.77 . 80"));
}
static void break_base_gone(vnet_doctor_facts *f) { g_ptr_array_remove_index(f->kernel_elems, 0); }
static void break_listener(vnet_doctor_facts *f)
{
	vnet_sock_info s = { .proto = VNET_PROTO_TCP, .family = AF_INET, .port = 8080, .inode = 42 };
	guint64 *k = g_new(guint64, 1);

	g_array_append_val(f->sockets, s);
	*k = 42;
	g_hash_table_insert(f->sock_owner, k, g_strdup("socat (pid 7)"));
}
static void break_conntrack(vnet_doctor_facts *f)
{
	g_ptr_array_add(((vnet_doctor_forward *)f->forwards->pdata[0])->peers, g_strdup("10.79.0.77 80"));
}
static void break_refused(vnet_doctor_facts *f)
{
	((vnet_doctor_forward *)f->forwards->pdata[0])->guest_err = ECONNREFUSED;
	((vnet_doctor_forward *)f->forwards->pdata[0])->forward_err = ECONNREFUSED;
}
static void break_forward_only(vnet_doctor_facts *f)
{
	((vnet_doctor_forward *)f->forwards->pdata[0])->forward_err = ETIMEDOUT;
}
static void break_hardened(vnet_doctor_facts *f)
{
	g_autofree char *json = NULL;

	assert_true(g_file_get_contents(SRCDIR "/tests/data/coexist/hardened.json", &json, NULL, NULL));
	vnet_coexist_report_free(f->coexist);
	f->coexist = vnet_coexist_parse(json, NULL);
	assert_non_null(f->coexist);
}
static void break_unreadable(vnet_doctor_facts *f)
{
	f->table_read = false;
	f->table_error = g_strdup("Operation not permitted.");
	vnet_coexist_report_free(f->coexist);
	f->coexist = NULL;
}
static void break_inactive(vnet_doctor_facts *f) { f->active = false; }

typedef struct breakage {
	const char *name;
	void (*apply)(vnet_doctor_facts *f);
	/* "LAYER/ID" of every check that must fail, and nothing else; NULL-terminated */
	const char *fails[6];
	const char *says;	/* in the first failing check's text */
	const char *fix;	/* in its fix */
} breakage;

static const breakage breakages[] = {
	{ "bridge down", break_bridge_down, { "link/bridge-up" }, "bridge vn-web is down", "ip link set vn-web up" },
	{ "bridge gone", break_bridge_gone, { "link/bridge-up" }, "does not exist", "virsh net-start web" },
	{ "OVS ports unguarded", break_ovs_unguarded, { "link/ovs-guard" }, "ports vp-g3, vp-g4 of Open vSwitch bridge vn-web have no guard flows",
	  "systemctl start vnetctl-watch" },
	{ "OVS flows unread", break_ovs_flows_unread, { "link/ovs-guard" }, "cannot be read: Connection refused.", "openvswitch-switch" },
	{ "STP learning", break_stp_learning, { "link/port-forwarding" }, "STP state learning", "Wait" },
	{ "STP blocking", break_stp_blocking, { "link/port-forwarding" }, "STP state blocking", "loop" },
	{ "port down", break_port_down, { "link/port-forwarding" }, "is down", "ip link set vg-g1-0 up" },
	{ "MTU", break_mtu, { "link/port-mtu" }, "MTU 1400 but bridge vn-web has 1500", "ip link set vg-g1-0 mtu 1500" },
	{ "veth detached", break_detached, { "link/guest-port", "L2/fdb", "L2/neighbour", "app/guest-connect", "app/forward-connect" },
	  "No port of bridge vn-web carries guest", "master vn-web" },
	{ "tap detached", break_tap_detached, { "link/guest-port" }, "is not a port of bridge vn-web", "ip link set vg-g1-0 master vn-web up" },
	{ "no ARP answer", break_no_answer, { "L2/neighbour" }, "does not answer ARP", GIP },
	{ "two MACs", break_other_mac, { "L2/neighbour", "L2/one-mac" }, OTHER_MAC, OTHER_MAC },
	{ "two leases", break_twin_lease, { "L2/one-mac" }, "Two MACs claim " GIP, GIP },
	{ "ip_forward", break_ip_forward, { "L3/ip-forward" }, "IP forwarding is off", "sysctl -w net.ipv4.ip_forward=1" },
	{ "gateway", break_gateway, { "L3/gateway" }, "lacks the gateway address 10.79.0.1/24", "ip address add 10.79.0.1/24 dev vn-web" },
	{ "dnsmasq dead", break_dnsmasq_dead, { "L3/dnsmasq" }, "(pid 100 in /run/libvirt/network/web.pid) is not running", "virsh net-start web" },
	{ "dnsmasq gone", break_dnsmasq_gone, { "L3/dnsmasq" }, "no pid file", "virsh net-destroy web" },
	{ "VPN route", break_vpn_route, { "L3/routes" }, "route to 10.79.0.0/25 via tun0", "10.79.0.0/25" },
	{ "rp_filter", break_rp_filter, { "L3/rp-filter" }, "strict", "sysctl -w net.ipv4.conf.vn-web.rp_filter=2" },
	{ "no lease", break_no_lease, { "L3/dhcp" }, "no DHCP lease and no reservation", "DHCP client" },
	{ "table gone", break_table_gone, { "L4/table" }, "Table inet vnetctl is missing", "vnetctl restore" },
	{ "chain gone", break_chain_gone, { "L4/table" }, "lacks its chains forwarding", "vnetctl restore" },
	{ "element gone", break_element_gone, { "L4/element" }, "missing from table inet vnetctl: \"" ELEM "\"", "vnetctl restore" },
	{ "element stale", break_element_old, { "L4/element" }, "goes to an old target", "vnetctl restore" },
	{ "base element gone", break_base_gone, { "L4/elements" }, "nat4 10.79.0.0/24", "vnetctl restore" },
	{ "listener", break_listener, { "L4/listener" }, "socat (pid 7) listens on 0.0.0.0 port 8080/tcp", "Stop the local process" },
	{ "stale conntrack", break_conntrack, { "L4/conntrack" }, "goes to 10.79.0.77", "conntrack -D -p tcp --orig-port-dst 8080 --reply-src 10.79.0.77" },
	{ "refused", break_refused, { "app/guest-connect", "app/forward-connect" }, "Connection refused", "nothing listens" },
	{ "forward only", break_forward_only, { "app/forward-connect" }, "through the forward (192.0.2.1:8080) failed", "L4 checks" },
	/* its input chain drops DHCP and DNS, its forward chain the rest */
	{ "hardened filter", break_hardened, { "L4/foreign-drops", "L4/foreign-drops" }, "inet filter input: policy drop", "nft " },
	{ "not root", break_unreadable, { "L4/table", "L4/foreign-drops" }, "Operation not permitted", "as root" },
	{ "inactive", break_inactive, { "link/network-active" }, "is not running", "virsh net-start web" },
};

static void test_breakages(void **state)
{
	world *w = *state;

	(void)w;
	for (size_t b = 0; b < G_N_ELEMENTS(breakages); b++) {
		const breakage *k = &breakages[b];
		world *x;
		g_autoptr(GPtrArray) checks = NULL;
		g_autoptr(GPtrArray) failed = g_ptr_array_new_with_free_func(g_free);
		const vnet_doctor_check *first = NULL;
		guint want = 0;

		setup((void **)&x);
		k->apply(x->f);
		checks = vnet_doctor_judge(x->f);
		for (guint i = 0; i < checks->len; i++) {
			const vnet_doctor_check *c = checks->pdata[i];
			if (vnet_doctor_check_get_ok(c))
				continue;
			if (!first)
				first = c;
			/* every failure says what to do */
			assert_non_null(vnet_doctor_check_get_fix(c));
			g_ptr_array_add(failed, g_strdup_printf("%s/%s", vnet_doctor_layer_name(vnet_doctor_check_get_layer(c)),
							       vnet_doctor_check_get_id(c)));
		}
		for (; want < G_N_ELEMENTS(k->fails) && k->fails[want]; want++)
			if (!g_ptr_array_find_with_equal_func(failed, k->fails[want], g_str_equal, NULL)) {
				dump(checks);
				fail_msg("%s: %s does not fail", k->name, k->fails[want]);
			}
		if (failed->len != want) {
			dump(checks);
			fail_msg("%s: %u checks fail, not %u", k->name, failed->len, want);
		}
		if (!strstr(vnet_doctor_check_get_what(first), k->says))
			fail_msg("%s: \"%s\" does not say \"%s\"", k->name, vnet_doctor_check_get_what(first), k->says);
		if (!strstr(vnet_doctor_check_get_fix(first), k->fix))
			fail_msg("%s: fix \"%s\" does not say \"%s\"", k->name, vnet_doctor_check_get_fix(first), k->fix);
		teardown((void **)&x);
	}
}

/* Strict rp_filter is no fault while every guest's address routes back through the bridge. */
static void test_strict_rp_filter_alone(void **state)
{
	world *w = *state;
	g_autoptr(GPtrArray) checks = NULL;

	w->f->rp_filter_br = 1;
	checks = vnet_doctor_judge(w->f);
	assert_int_equal(count_failed(checks), 0);
}

/* A guest the host never talked to has no neighbour entry: not a fault (the probe's place). */
static void test_quiet_guest(void **state)
{
	world *w = *state;
	g_autoptr(GPtrArray) checks = NULL;
	vnet_doctor_forward *d = w->f->forwards->pdata[0];

	g_ptr_array_set_size(w->f->neigh, 0);
	d->guest_err = d->forward_err = -1;	/* a UDP forward: nothing connected */
	checks = vnet_doctor_judge(w->f);
	assert_int_equal(count_failed(checks), 0);
	g_ptr_array_set_size(w->f->neigh, 0);
}

/* ---- printing ---- */

static char *print(GPtrArray *checks, bool json, bool utf8, int *ret_rc)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	*ret_rc = doctor_print(f, checks, json, utf8);
	fclose(f);
	return buf;
}

static void test_print_text(void **state)
{
	world *w = *state;
	g_autoptr(GPtrArray) checks = NULL;
	g_autofree char *utf8 = NULL, *plain = NULL, *ok = NULL;
	g_autoptr(GPtrArray) healthy = vnet_doctor_judge(w->f);
	g_auto(GStrv) lines = NULL;
	const char *fix_line = NULL, *elem_line = NULL, *what = NULL;
	int rc;

	ok = print(healthy, false, true, &rc);
	assert_int_equal(rc, EXIT_OK);
	assert_non_null(strstr(ok, "✓ link web "));
	assert_non_null(strstr(ok, "✓ app  web/8080:80/tcp "));
	assert_non_null(strstr(ok, "All "));

	break_element_gone(w->f);
	checks = vnet_doctor_judge(w->f);
	utf8 = print(checks, false, true, &rc);
	assert_int_equal(rc, EXIT_REFUSED);
	lines = g_strsplit(utf8, "\n", -1);
	for (guint i = 0; lines[i]; i++) {
		if (g_str_has_prefix(lines[i], "✗ L4   web/8080:80/tcp ")) {
			elem_line = lines[i];
			fix_line = lines[i + 1];
		}
		/* every line: a mark, a layer, a subject; or a fix under its check; or the summary */
		assert_true(g_str_has_prefix(lines[i], "✓ ") || g_str_has_prefix(lines[i], "✗ ") ||
			    g_str_has_prefix(lines[i], "   ") || strstr(lines[i], "checks failed") || !*lines[i]);
	}
	assert_non_null(elem_line);
	assert_non_null(strstr(elem_line, "\"" ELEM "\""));
	/* the fix starts in the column where the check's text does */
	assert_non_null(fix_line);
	assert_true(g_str_has_suffix(fix_line, "fix: vnetctl restore"));
	for (guint i = 0; i < checks->len; i++)
		if (!vnet_doctor_check_get_ok(checks->pdata[i]))
			what = vnet_doctor_check_get_what(checks->pdata[i]);
	assert_non_null(strstr(elem_line, what));
	assert_int_equal(strlen(fix_line) - strlen("fix: vnetctl restore"),
			 g_utf8_pointer_to_offset(elem_line, strstr(elem_line, what)));
	assert_non_null(strstr(utf8, "1 of "));

	plain = print(checks, false, false, &rc);
	assert_null(strstr(plain, "✓"));
	assert_null(strstr(plain, "✗"));
	assert_non_null(strstr(plain, "ok   link web "));
	assert_non_null(strstr(plain, "FAIL L4   web/8080:80/tcp "));
}

static void test_print_json(void **state)
{
	world *w = *state;
	g_autoptr(GPtrArray) checks = NULL;
	g_autofree char *out = NULL;
	json_t *root, *c;
	size_t i, n_failed = 0;
	int rc;

	break_listener(w->f);
	checks = vnet_doctor_judge(w->f);
	out = print(checks, true, true, &rc);
	assert_int_equal(rc, EXIT_REFUSED);
	root = json_loads(out, 0, NULL);
	assert_non_null(root);
	assert_true(json_is_false(json_object_get(root, "ok")));
	assert_int_equal(json_integer_value(json_object_get(root, "failed")), 1);
	assert_int_equal(json_array_size(json_object_get(root, "checks")), checks->len);
	json_array_foreach(json_object_get(root, "checks"), i, c) {
		const vnet_doctor_check *k = checks->pdata[i];
		/* the same fields as the text, from the same calls */
		assert_string_equal(json_string_value(json_object_get(c, "layer")),
				    vnet_doctor_layer_name(vnet_doctor_check_get_layer(k)));
		assert_string_equal(json_string_value(json_object_get(c, "check")), vnet_doctor_check_get_id(k));
		assert_string_equal(json_string_value(json_object_get(c, "network")), "web");
		assert_string_equal(json_string_value(json_object_get(c, "what")), vnet_doctor_check_get_what(k));
		assert_true(json_object_get(c, "guest") && json_object_get(c, "forward") && json_object_get(c, "fix"));
		if (json_is_false(json_object_get(c, "ok"))) {
			n_failed++;
			assert_string_equal(json_string_value(json_object_get(c, "check")), "listener");
			assert_string_equal(json_string_value(json_object_get(c, "forward")), "8080:80/tcp");
			assert_non_null(json_string_value(json_object_get(c, "fix")));
		} else {
			assert_true(json_is_null(json_object_get(c, "fix")));
		}
	}
	assert_int_equal(n_failed, 1);
	json_decref(root);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_healthy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_breakages, setup, teardown),
		cmocka_unit_test_setup_teardown(test_strict_rp_filter_alone, setup, teardown),
		cmocka_unit_test_setup_teardown(test_quiet_guest, setup, teardown),
		cmocka_unit_test_setup_teardown(test_print_text, setup, teardown),
		cmocka_unit_test_setup_teardown(test_print_json, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
