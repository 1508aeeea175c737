/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The OVN NB client without a server: the transactions that make and
 * remove an overlay network's logical switch and a guest's logical port
 * (their JSON shapes, guards and marks), the parsing of what NB and SB send
 * back (switches, ports, foreign rows, bindings), the ports' record in a
 * step, and a table of bad --ovn remotes and bad overlay intents; a NAT
 * network's router (SNAT, gateway chassis, route, localnet port) and its
 * forwards as load balancers, with tables of bad router settings; how far
 * each chassis follows NB (SB_Global's and Chassis_Private's nb_cfg, bad
 * and missing columns included) and what show's getters and doctor make
 * of a chassis, its gateway or ovn-northd left behind.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "doctor.h"
#include "model.h"
#include "ovn.h"
#include "validate.h"
#include "xml.h"

static vnet_intent *overlay(const char *name, const char *subnet, bool dhcp)
{
	vnet_intent *in = vnet_intent_new(name, VNET_MODE_OVERLAY, NULL);
	vnet_host host = { 0 };

	assert_non_null(in);
	assert_true(vnet_intent_set_ovn(in, "tcp:192.0.2.10:6641", NULL));
	assert_true(vnet_intent_set_subnet(in, subnet, NULL));
	vnet_intent_set_dhcp(in, dhcp);
	host.links = g_ptr_array_new();
	host.addrs = g_array_new(FALSE, FALSE, sizeof(vnet_host_addr));
	host.routes = g_array_new(FALSE, FALSE, sizeof(vnet_host_addr));
	host.networks = g_ptr_array_new();
	host.intents = g_ptr_array_new();
	host.listeners = g_array_new(FALSE, FALSE, sizeof(vnet_host_listener));
	assert_true(vnet_intent_complete(in, &host, NULL));
	g_ptr_array_unref(host.links);
	g_array_unref(host.addrs);
	g_array_unref(host.routes);
	g_ptr_array_unref(host.networks);
	g_ptr_array_unref(host.intents);
	g_array_unref(host.listeners);
	return in;
}

static json_t *op(const json_t *ops, const char *kind, const char *table, guint nth)
{
	size_t i;
	json_t *o;

	json_array_foreach(ops, i, o)
		if (g_strcmp0(json_string_value(json_object_get(o, "op")), kind) == 0 &&
		    (!table || g_strcmp0(json_string_value(json_object_get(o, "table")), table) == 0) && nth-- == 0)
			return o;
	return NULL;
}

static char *dump(const json_t *j)
{
	return json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY | JSON_SORT_KEYS);
}

/* NAT overlay network o1 on 10.77.0.0/24, router 198.51.100.10/24, gateway chA, with @fwds (NULL-terminated). */
static vnet_intent *nat_overlay(const char *const *fwds)
{
	vnet_intent *in = vnet_intent_new("o1", VNET_MODE_OVERLAY, NULL);
	vnet_host *host = vnet_host_new();
	g_autoptr(GError) e = NULL;

	assert_true(vnet_intent_set_ovn(in, "tcp:192.0.2.10:6641", NULL));
	assert_true(vnet_intent_set_subnet(in, "10.77.0.0/24", NULL));
	assert_true(vnet_intent_set_ovn_external(in, "198.51.100.10/24", NULL));
	assert_true(vnet_intent_set_ovn_gateway(in, "chA", NULL));
	for (; fwds && *fwds; fwds++)
		assert_true(vnet_intent_add_forward(in, *fwds, NULL));
	if (!vnet_intent_complete(in, host, &e) || !vnet_intent_validate(in, host, 0, &e))
		fail_msg("%s", e->message);
	vnet_host_free(host);
	return in;
}

/* The row of the insert into @table named @name, dumped. */
static char *row_named(const json_t *ops, const char *table, const char *name)
{
	size_t i;
	json_t *o;

	json_array_foreach(ops, i, o) {
		const json_t *row = json_object_get(o, "row");
		if (g_strcmp0(json_string_value(json_object_get(o, "table")), table) == 0 &&
		    (!name || g_strcmp0(json_string_value(json_object_get(row, "name")), name) == 0))
			return dump(row);
	}
	return NULL;
}

static void test_nat_values(void **state)
{
	static const char *const bad_ext[] = {
		"", "198.51.100.10", "198.51.100.0/24", "198.51.100.255/24", "198.51.100.10/31",
		"198.51.100.10/32", "198.51.100.10/7", "2001:db8::10/64", "198.51.100.10/", "198.51.100.10/24x",
		"198.51.100/24", "host/24", "198.51.100.10/24 ", "-198.51.100.10/24",
	};
	static const char *const bad_hop[] = { "", "198.51.100", "2001:db8::1", "198.51.100.1/24", "x", "198.51.100.1 " };
	static const char *const bad_gw[] = {
		"", "-chA", ".chA", "ch A", "ch;A", "chA\n", "ch/A",
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	};
	g_autoptr(vnet_intent) in = vnet_intent_new("o1", VNET_MODE_OVERLAY, NULL);

	for (size_t i = 0; i < G_N_ELEMENTS(bad_ext); i++) {
		g_autoptr(GError) e = NULL;
		if (vnet_intent_set_ovn_external(in, bad_ext[i], &e))
			fail_msg("external address \"%s\" accepted", bad_ext[i]);
		assert_non_null(strstr(e->message, "198.51.100.10/24"));
	}
	for (size_t i = 0; i < G_N_ELEMENTS(bad_hop); i++)
		if (vnet_intent_set_ovn_nexthop(in, bad_hop[i], NULL))
			fail_msg("next hop \"%s\" accepted", bad_hop[i]);
	for (size_t i = 0; i < G_N_ELEMENTS(bad_gw); i++)
		if (vnet_intent_set_ovn_gateway(in, bad_gw[i], NULL))
			fail_msg("chassis \"%s\" accepted", bad_gw[i]);
	/* nothing was set by the refusals */
	assert_null(vnet_intent_get_ovn_external(in));
	assert_null(vnet_intent_get_ovn_nexthop(in));
	assert_null(vnet_intent_get_ovn_gateway(in));
	assert_true(vnet_intent_set_ovn_external(in, "198.51.100.10/24", NULL));
	assert_string_equal(vnet_intent_get_ovn_external(in), "198.51.100.10/24");
	assert_true(vnet_intent_set_ovn_gateway(in, "0e5b8f0c-2c6e-4f0b-9a57-7e1c1f6f2a10", NULL));
	assert_true(vnet_intent_set_ovn_nexthop(in, "198.51.100.254", NULL));
	assert_string_equal(vnet_intent_get_ovn_nexthop(in), "198.51.100.254");
	assert_true(vnet_intent_set_ovn_external(in, NULL, NULL));
	assert_null(vnet_intent_get_ovn_external(in));
}

static void test_nat_intent(void **state)
{
	static const char *const fwd[] = { "8080:80", NULL };
	g_autoptr(vnet_intent) in = nat_overlay(fwd);
	g_autofree char *xml = vnet_intent_to_xml(in);
	g_autoptr(vnet_intent) back = vnet_intent_from_xml(xml, -1, NULL);
	vnet_host *host = vnet_host_new();
	static const struct {
		const char *mode, *external, *nexthop, *gateway, *forward, *want;
	} bad[] = {
		{ "overlay", "10.77.0.200/24", NULL, "chA", NULL, "overlaps" },
		{ "overlay", "10.0.0.10/8", NULL, "chA", NULL, "overlaps" },
		{ "overlay", "198.51.100.10/24", "198.51.101.1", "chA", NULL, "--ovn-nexthop" },
		{ "overlay", "198.51.100.10/24", "198.51.100.10", "chA", NULL, "--ovn-nexthop" },
		{ "overlay", "198.51.100.10/24", "198.51.100.255", "chA", NULL, "--ovn-nexthop" },
		{ "overlay", "198.51.100.1/24", NULL, "chA", NULL, "--ovn-nexthop" },
		{ "overlay", NULL, NULL, "chA", NULL, "--ovn-external" },
		{ "overlay", NULL, "198.51.100.1", NULL, NULL, "--ovn-external" },
		{ "overlay", NULL, NULL, NULL, "8080:80", "--ovn-external" },
		{ "overlay", "198.51.100.10/24", NULL, "chA", "198.51.100.11:8080:80", "198.51.100.10" },
		{ "overlay", "198.51.100.10/24", NULL, "chA", "127.0.0.1:8080:80", "198.51.100.10" },
		{ "overlay", "198.51.100.10/24", NULL, "chA", "1000-3000:1000-3000", "1024" },
		{ "overlay", "198.51.100.10/24", NULL, "chA", "8080:10.78.0.5:80", "10.78.0.5" },
		{ "overlay", "198.51.100.10/24", NULL, "chA", "[::]:8080:80", "IPv6" },
		{ "nat", "198.51.100.10/24", NULL, NULL, NULL, "--mode overlay" },
		{ "isolated", NULL, NULL, "chA", NULL, "--mode overlay" },
	};

	assert_non_null(back);
	assert_true(vnet_intent_equal(in, back));
	assert_string_equal(vnet_intent_get_ovn_gateway(back), "chA");
	/* the default next hop: the external network's first address */
	assert_string_equal(vnet_intent_get_ovn_nexthop(back), "198.51.100.1");
	assert_string_equal(vnet_intent_get_default_guest(back), "10.77.0.2");
	assert_true(vnet_ovn_same_switch(in, back));
	assert_true(vnet_intent_set_ovn_gateway(back, "chB", NULL));
	/* another gateway moves the router's port; the switch stays */
	assert_true(vnet_ovn_same_switch(in, back));
	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autoptr(GError) e = NULL;
		g_autoptr(vnet_intent) b = NULL;
		vnet_mode mode;
		bool ok;
		assert_true(vnet_mode_from_string(bad[i].mode, &mode, NULL));
		b = vnet_intent_new("b", mode, NULL);
		if (mode == VNET_MODE_OVERLAY) {
			assert_true(vnet_intent_set_ovn(b, "tcp:192.0.2.10:6641", NULL));
			assert_true(vnet_intent_set_subnet(b, "10.77.0.0/24", NULL));
		}
		ok = (!bad[i].external || vnet_intent_set_ovn_external(b, bad[i].external, &e)) &&
		     (!bad[i].nexthop || vnet_intent_set_ovn_nexthop(b, bad[i].nexthop, &e)) &&
		     (!bad[i].gateway || vnet_intent_set_ovn_gateway(b, bad[i].gateway, &e)) &&
		     (!bad[i].forward || vnet_intent_add_forward(b, bad[i].forward, &e)) &&
		     vnet_intent_complete(b, host, &e) && vnet_intent_validate(b, host, 0, &e);
		if (ok)
			fail_msg("bad NAT overlay intent %zu accepted", i);
		if (!strstr(e->message, bad[i].want))
			fail_msg("case %zu: \"%s\" does not name %s", i, e->message, bad[i].want);
	}
	vnet_host_free(host);
}

static void test_add_router(void **state)
{
	static const char *const fwd[] = { "8080:80", "53:10.77.0.9:5353/udp", "9000:vmB:80", "9001:vmZ:80", NULL };
	g_autoptr(vnet_intent) in = nat_overlay(fwd);
	g_autoptr(GPtrArray) ports = vnet_ovn_ports_parse("p2 52:54:00:00:00:02 10.77.0.3 vmB\n");
	g_autoptr(json_t) ops = vnet_ovn_ops_add_switch(in, ports);
	g_autofree char *lrp = row_named(ops, "Logical_Router_Port", "lrp-o1");
	g_autofree char *gc = row_named(ops, "Gateway_Chassis", NULL), *nat = row_named(ops, "NAT", NULL);
	g_autofree char *route = row_named(ops, "Logical_Router_Static_Route", NULL);
	g_autofree char *ln = row_named(ops, "Logical_Switch_Port", "o1-ln");
	g_autofree char *tcp = row_named(ops, "Load_Balancer", "o1-tcp"), *udp = row_named(ops, "Load_Balancer", "o1-udp");
	g_autofree char *ls = row_named(ops, "Logical_Switch", "o1"), *ext = row_named(ops, "Logical_Switch", "o1-ext");
	g_autofree char *lr = row_named(ops, "Logical_Router", "o1"), *dhcp = row_named(ops, "DHCP_Options", NULL);
	g_autofree char *w_lr = dump(op(ops, "wait", "Logical_Router", 0)), *w_ext = dump(op(ops, "wait", "Logical_Switch", 1));

	/* no router and no external switch of those names, else nothing */
	assert_string_equal(w_lr, "{\"columns\":[\"name\"],\"op\":\"wait\",\"rows\":[],\"table\":\"Logical_Router\","
				  "\"timeout\":0,\"until\":\"==\",\"where\":[[\"name\",\"==\",\"o1\"]]}");
	assert_non_null(strstr(w_ext, "[\"name\",\"==\",\"o1-ext\"]"));
	assert_non_null(strstr(lrp, "\"networks\":\"10.77.0.1/24\""));
	assert_string_equal(gc, "{\"chassis_name\":\"chA\",\"external_ids\":[\"map\",[[\"vnetctl-network\",\"o1\"]]],"
				"\"name\":\"lrp-o1-ext-chA\",\"priority\":1}");
	assert_string_equal(nat, "{\"external_ids\":[\"map\",[[\"vnetctl-network\",\"o1\"]]],\"external_ip\":\"198.51.100.10\","
				 "\"logical_ip\":\"10.77.0.0/24\",\"type\":\"snat\"}");
	assert_non_null(strstr(route, "\"ip_prefix\":\"0.0.0.0/0\",\"nexthop\":\"198.51.100.1\""));
	assert_non_null(strstr(ln, "\"options\":[\"map\",[[\"network_name\",\"external\"]]]"));
	assert_non_null(strstr(ln, "\"type\":\"localnet\""));
	/* the default guest, and a domain's port; a domain with no port has no VIP yet */
	assert_non_null(strstr(tcp, "[\"198.51.100.10:8080\",\"10.77.0.2:80\"]"));
	assert_non_null(strstr(tcp, "[\"198.51.100.10:9000\",\"10.77.0.3:80\"]"));
	assert_null(strstr(tcp, "9001"));
	assert_non_null(strstr(udp, "[\"198.51.100.10:53\",\"10.77.0.9:5353\"]"));
	assert_null(row_named(ops, "Load_Balancer", "o1-sctp"));
	/* the gateway chassis is the external port's, not the router's */
	assert_null(strstr(lr, "gateway_chassis"));
	{
		g_autofree char *ext_lrp = row_named(ops, "Logical_Router_Port", "lrp-o1-ext");
		g_autofree char *ext_lsp = row_named(ops, "Logical_Switch_Port", "o1-ext-lrp");
		assert_non_null(strstr(ext_lrp, "\"gateway_chassis\":[\"set\",[[\"named-uuid\",\"gc0\"]]]"));
		/* the chassis that takes the port announces its addresses */
		assert_non_null(strstr(ext_lsp, "[\"nat-addresses\",\"router\"]"));
		assert_non_null(strstr(ext_lrp, "\"networks\":\"198.51.100.10/24\""));
	}
	assert_non_null(strstr(lr, "\"load_balancer\":[\"set\",[[\"named-uuid\",\"lb_tcp\"],[\"named-uuid\",\"lb_udp\"]]]"));
	assert_non_null(strstr(lr, "\"nat\":[\"named-uuid\",\"snat\"]"));
	assert_non_null(strstr(ls, "[\"named-uuid\",\"lsp_lrp\"]"));
	assert_non_null(strstr(ext, "\"ports\":[\"set\",[[\"named-uuid\",\"ln\"],[\"named-uuid\",\"ext_lsp\"]]]"));
	/* a NAT network's DHCP gives its router */
	assert_non_null(strstr(dhcp, "[\"router\",\"10.77.0.1\"]"));
	/* every row vnetctl makes carries the mark */
	assert_non_null(strstr(ext, "vnetctl-network"));
}

/* Gateway chassis in priority order: the API, the intent XML and NB's rows. */
static void test_gateways(void **state)
{
	static const char *const bad_xml[] = {
		"chA chA", "chA chB chA", " ", "\t", "chA ch;B", "chA -chB",
		"c1 c2 c3 c4 c5 c6 c7 c8 c9",
	};
	static const char *const fwd[] = { NULL };
	g_autoptr(vnet_intent) in = nat_overlay(fwd);
	g_autoptr(vnet_intent) one = vnet_intent_copy(in);
	g_autofree char *xml = NULL, *gc0 = NULL, *gc1 = NULL, *ext_lrp = NULL, *upd = NULL, *del = NULL, *w = NULL;
	g_autoptr(vnet_intent) back = NULL;
	g_autoptr(json_t) ops = NULL, set = NULL;
	g_autoptr(GError) e = NULL;
	const char *const *gws;

	assert_true(vnet_intent_add_ovn_gateway(in, "chB", NULL));
	assert_false(vnet_intent_add_ovn_gateway(in, "chA", &e));
	assert_non_null(strstr(e->message, "\"chA\" is named twice"));
	g_clear_error(&e);
	assert_false(vnet_intent_add_ovn_gateway(in, "ch B", &e));
	g_clear_error(&e);
	gws = vnet_intent_get_ovn_gateways(in);
	assert_string_equal(gws[0], "chA");
	assert_string_equal(gws[1], "chB");
	assert_null(gws[2]);
	assert_string_equal(vnet_intent_get_ovn_gateway(in), "chA");
	/* the refusals changed nothing; a change of gateways keeps the switch, not the intent */
	assert_true(vnet_ovn_same_switch(in, one));
	assert_false(vnet_intent_equal(in, one));
	for (int i = 2; i <= VNET_OVN_MAX_GATEWAYS; i++) {
		g_autofree char *n = g_strdup_printf("ch%d", i);
		assert_true(vnet_intent_add_ovn_gateway(one, n, NULL));
	}
	assert_false(vnet_intent_add_ovn_gateway(one, "chZ", &e));
	assert_non_null(strstr(e->message, "\"chZ\" is one too many"));
	g_clear_error(&e);
	/* set replaces the list */
	assert_true(vnet_intent_set_ovn_gateway(one, "chB", NULL));
	assert_null(vnet_intent_get_ovn_gateways(one)[1]);

	xml = vnet_intent_to_xml(in);
	assert_non_null(strstr(xml, "ovn-gateway=\"chA chB\""));
	back = vnet_intent_from_xml(xml, -1, NULL);
	assert_non_null(back);
	assert_true(vnet_intent_equal(in, back));
	for (size_t i = 0; i < G_N_ELEMENTS(bad_xml); i++) {
		g_autofree char *attr = g_markup_printf_escaped("ovn-gateway=\"%s\"", bad_xml[i]);
		g_autofree char *bad = NULL;
		g_auto(GStrv) parts = g_strsplit(xml, "ovn-gateway=\"chA chB\"", 2);
		g_autoptr(vnet_intent) b = NULL;
		bad = g_strjoin(attr, parts[0], parts[1], NULL);
		if ((b = vnet_intent_from_xml(bad, -1, &e)))
			fail_msg("gateway list \"%s\" accepted", bad_xml[i]);
		assert_non_null(strstr(e->message, "chassis"));
		g_clear_error(&e);
	}
	{
		/* any white space between the names */
		g_auto(GStrv) parts = g_strsplit(xml, "ovn-gateway=\"chA chB\"", 2);
		g_autofree char *tabbed = g_strjoin("ovn-gateway=\"  chA&#9;chB \"", parts[0], parts[1], NULL);
		g_autoptr(vnet_intent) t = vnet_intent_from_xml(tabbed, -1, &e);
		assert_non_null(t);
		assert_true(vnet_intent_equal(in, t));
	}

	/* the router: one row per chassis, the first the highest priority */
	ops = vnet_ovn_ops_add_switch(in, NULL);
	gc0 = dump(op(ops, "insert", "Gateway_Chassis", 0));
	gc1 = dump(op(ops, "insert", "Gateway_Chassis", 1));
	assert_non_null(strstr(gc0, "\"chassis_name\":\"chA\""));
	assert_non_null(strstr(gc0, "\"name\":\"lrp-o1-ext-chA\",\"priority\":2}"));
	assert_non_null(strstr(gc0, "\"uuid-name\":\"gc0\""));
	assert_non_null(strstr(gc1, "\"name\":\"lrp-o1-ext-chB\",\"priority\":1}"));
	ext_lrp = row_named(ops, "Logical_Router_Port", "lrp-o1-ext");
	assert_non_null(strstr(ext_lrp, "\"gateway_chassis\":[\"set\",[[\"named-uuid\",\"gc0\"],[\"named-uuid\",\"gc1\"]]]"));

	/* a move: the port must be ours; only our rows go; the port takes the new ones */
	set = vnet_ovn_ops_set_gateways(in);
	w = dump(op(set, "wait", "Logical_Router_Port", 0));
	assert_non_null(strstr(w, "[\"name\",\"==\",\"lrp-o1-ext\"],[\"external_ids\",\"includes\",[\"map\",[[\"vnetctl-network\",\"o1\"]]]]"));
	assert_non_null(strstr(w, "\"until\":\"!=\""));
	del = dump(op(set, "delete", "Gateway_Chassis", 0));
	assert_string_equal(del, "{\"op\":\"delete\",\"table\":\"Gateway_Chassis\",\"where\":[[\"external_ids\",\"includes\",[\"map\",[[\"vnetctl-network\",\"o1\"]]]]]}");
	assert_non_null(op(set, "insert", "Gateway_Chassis", 1));
	assert_null(op(set, "insert", "Gateway_Chassis", 2));
	upd = dump(op(set, "update", "Logical_Router_Port", 0));
	assert_non_null(strstr(upd, "\"row\":{\"gateway_chassis\":[\"set\",[[\"named-uuid\",\"gc0\"],[\"named-uuid\",\"gc1\"]]]}"));
	/* the update comes after the rows it names */
	{
		size_t i, at_upd = 0, at_ins = 0;
		json_t *o;
		json_array_foreach(set, i, o) {
			const char *k = json_string_value(json_object_get(o, "op"));
			if (g_strcmp0(k, "update") == 0)
				at_upd = i;
			else if (g_strcmp0(k, "insert") == 0)
				at_ins = i;
		}
		assert_true(at_ins < at_upd);
	}
}

static void test_set_lbs(void **state)
{
	static const char *const fwd[] = { "8080-8082:80-82", "7000:7000/sctp", NULL };
	g_autoptr(vnet_intent) in = nat_overlay(fwd);
	g_autoptr(json_t) ops = vnet_ovn_ops_set_lbs(in, in->forwards, NULL);
	g_autoptr(json_t) none = vnet_ovn_ops_set_lbs(in, NULL, NULL);
	g_autofree char *wait = dump(op(ops, "wait", "Logical_Router", 0)), *del = dump(op(ops, "delete", "Load_Balancer", 0));
	g_autofree char *upd = dump(op(ops, "update", "Logical_Router", 0)), *tcp = row_named(ops, "Load_Balancer", "o1-tcp");
	g_autofree char *sctp = row_named(ops, "Load_Balancer", "o1-sctp"), *upd0 = dump(op(none, "update", NULL, 0));

	/* the router must be ours and there */
	assert_string_equal(wait, "{\"columns\":[\"name\"],\"op\":\"wait\",\"rows\":[],\"table\":\"Logical_Router\",\"timeout\":0,"
				  "\"until\":\"!=\",\"where\":[[\"name\",\"==\",\"o1\"],[\"external_ids\",\"includes\","
				  "[\"map\",[[\"vnetctl-network\",\"o1\"]]]]]}");
	assert_string_equal(del, "{\"op\":\"delete\",\"table\":\"Load_Balancer\",\"where\":[[\"external_ids\",\"includes\","
				 "[\"map\",[[\"vnetctl-network\",\"o1\"]]]]]}");
	/* a range is a VIP per port */
	assert_non_null(strstr(tcp, "[[\"198.51.100.10:8080\",\"10.77.0.2:80\"],[\"198.51.100.10:8081\",\"10.77.0.2:81\"],"
				    "[\"198.51.100.10:8082\",\"10.77.0.2:82\"]]"));
	assert_non_null(strstr(sctp, "\"protocol\":\"sctp\""));
	assert_non_null(strstr(upd, "\"row\":{\"load_balancer\":[\"set\",[[\"named-uuid\",\"lb_tcp\"],[\"named-uuid\",\"lb_sctp\"]]]}"));
	/* no forwards: the old rows go and the router has none */
	assert_null(op(none, "insert", NULL, 0));
	assert_non_null(strstr(upd0, "\"row\":{\"load_balancer\":[\"set\",[]]}"));
}

static void test_remotes(void **state)
{
	static const char *const good[] = {
		"tcp:192.0.2.10:6641", "tcp:127.0.0.1:1", "tcp:[2001:db8::1]:6641", "tcp:ovn-central.example:6641",
		"unix:/run/ovn/ovnnb_db.sock", "tcp:localhost:65535",
	};
	static const char *const bad[] = {
		"", "tcp:", "tcp:192.0.2.10", "tcp:192.0.2.10:", "tcp::6641", "tcp:192.0.2.10:0",
		"tcp:192.0.2.10:65536", "tcp:192.0.2.10:06641", "tcp:192.0.2.10:66a", "tcp:192.0.2.10:-1",
		"tcp:2001:db8::1:6641", "tcp:[2001:db8::1:6641", "tcp:[192.0.2.1]:6641", "tcp:[]:6641",
		"tcp:-host:6641", "tcp:ho st:6641", "tcp:host;rm:6641", "unix:", "unix:run/nb.sock",
		"unix:/run/nb sock", "ssl:192.0.2.10:6641", "ptcp:6641", "192.0.2.10:6641", "TCP:192.0.2.10:6641",
		"tcp:192.0.2.10:6641\n", ("unix:/" "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"),
	};

	for (size_t i = 0; i < G_N_ELEMENTS(good); i++) {
		g_autoptr(GError) e = NULL;
		if (!vnet_ovn_check_remote(good[i], &e))
			fail_msg("remote \"%s\" refused: %s", good[i], e->message);
	}
	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autoptr(GError) e = NULL;
		g_autoptr(vnet_intent) in = vnet_intent_new("o", VNET_MODE_OVERLAY, NULL);
		if (vnet_ovn_check_remote(bad[i], &e))
			fail_msg("remote \"%s\" accepted", bad[i]);
		assert_non_null(strstr(e->message, "tcp:HOST:PORT"));
		/* the setter refuses it too, and leaves the intent as it was */
		assert_false(vnet_intent_set_ovn(in, bad[i], NULL));
		assert_null(vnet_intent_get_ovn(in));
	}
	assert_false(vnet_ovn_check_remote(NULL, NULL));
}

static void test_sb_remote(void **state)
{
	g_autofree char *a = NULL, *b = NULL, *c = NULL;

	g_unsetenv(VNET_OVN_SB_ENV);
	a = vnet_ovn_sb_remote("tcp:192.0.2.10:6641");
	b = vnet_ovn_sb_remote("tcp:[2001:db8::1]:6641");
	c = vnet_ovn_sb_remote("unix:/run/ovn/ovnnb_db.sock");
	assert_string_equal(a, "tcp:192.0.2.10:6642");
	assert_string_equal(b, "tcp:[2001:db8::1]:6642");
	assert_null(c);
}

static void test_add_switch(void **state)
{
	g_autoptr(vnet_intent) in = overlay("o1", "10.77.0.0/24", true);
	g_autoptr(GPtrArray) ports = vnet_ovn_ports_parse("p1 52:54:00:00:00:01 10.77.0.2 vmA\n");
	g_autoptr(json_t) ops = vnet_ovn_ops_add_switch(in, ports);
	json_t *wait = op(ops, "wait", "Logical_Switch", 0), *dhcp = op(ops, "insert", "DHCP_Options", 0);
	json_t *ls = op(ops, "insert", "Logical_Switch", 0), *lsp = op(ops, "insert", "Logical_Switch_Port", 0);
	g_autofree char *w = dump(wait), *d = dump(json_object_get(dhcp, "row"));
	g_autofree char *l = dump(json_object_get(ls, "row")), *p = dump(json_object_get(lsp, "row"));
	g_autofree char *mac = NULL;

	/* no switch of that name, else nothing */
	assert_string_equal(w, "{\"columns\":[\"name\"],\"op\":\"wait\",\"rows\":[],\"table\":\"Logical_Switch\","
			       "\"timeout\":0,\"until\":\"==\",\"where\":[[\"name\",\"==\",\"o1\"]]}");
	mac = g_strdup(json_string_value(json_array_get(json_array_get(json_array_get(
		json_object_get(json_object_get(dhcp, "row"), "options"), 1), 2), 1)));
	assert_non_null(mac);
	{
		g_autofree char *want = g_strdup_printf(
			"{\"cidr\":\"10.77.0.0/24\",\"external_ids\":[\"map\",[[\"vnetctl-network\",\"o1\"]]],"
			"\"options\":[\"map\",[[\"lease_time\",\"3600\"],[\"server_id\",\"10.77.0.1\"],[\"server_mac\",\"%s\"]]]}",
			mac);
		assert_string_equal(d, want);
	}
	/* a locally administered unicast MAC, the same for the network on every host */
	assert_int_equal(strlen(mac), 17);
	assert_true(g_str_has_prefix(mac, "0a:"));
	assert_string_equal(json_string_value(json_object_get(dhcp, "uuid-name")), "dhcp");
	assert_string_equal(l, "{\"external_ids\":[\"map\",[[\"vnetctl-network\",\"o1\"]]],\"name\":\"o1\","
			       "\"other_config\":[\"map\",[[\"subnet\",\"10.77.0.0/24\"],[\"exclude_ips\",\"10.77.0.1\"]]],"
			       "\"ports\":[\"set\",[[\"named-uuid\",\"port0\"]]]}");
	assert_string_equal(p, "{\"addresses\":\"52:54:00:00:00:01 10.77.0.2\",\"dhcpv4_options\":[\"named-uuid\",\"dhcp\"],"
			       "\"external_ids\":[\"map\",[[\"vnetctl-network\",\"o1\"],[\"vnetctl-domain\",\"vmA\"]]],\"name\":\"p1\"}");
	/* the wait comes before any insert */
	assert_ptr_equal(json_array_get(ops, 1), wait);
}

static void test_add_switch_no_dhcp(void **state)
{
	g_autoptr(vnet_intent) in = overlay("o2", "10.78.0.0/24", false);
	g_autoptr(json_t) ops = vnet_ovn_ops_add_switch(in, NULL);
	json_t *ls = op(ops, "insert", "Logical_Switch", 0);
	g_autofree char *ports = dump(json_object_get(json_object_get(ls, "row"), "ports"));

	assert_null(op(ops, "insert", "DHCP_Options", 0));
	assert_null(op(ops, "insert", "Logical_Switch_Port", 0));
	assert_string_equal(ports, "[\"set\",[]]");
}

static void test_del_ops(void **state)
{
	g_autoptr(json_t) sw = vnet_ovn_ops_del_switch("o1");
	g_autoptr(json_t) port = vnet_ovn_ops_del_port("ls-uuid", "port-uuid");
	g_autoptr(json_t) add = NULL;
	g_autofree char *a = dump(op(sw, "delete", "Logical_Switch", 0)), *b = dump(op(sw, "delete", "DHCP_Options", 0));
	g_autofree char *lr = dump(op(sw, "delete", "Logical_Router", 0)), *ext = dump(op(sw, "delete", "Logical_Switch", 1));
	g_autofree char *lb = dump(op(sw, "delete", "Load_Balancer", 0));
	g_autofree char *c = dump(port), *w = NULL, *m = NULL, *r = NULL;
	vnet_ovn_port p = { .name = "p9", .mac = "52:54:00:00:00:09", .ip = "10.77.0.9", .domain = NULL };

	/* only rows with our mark go */
	assert_string_equal(a, "{\"op\":\"delete\",\"table\":\"Logical_Switch\",\"where\":[[\"name\",\"==\",\"o1\"],"
			       "[\"external_ids\",\"includes\",[\"map\",[[\"vnetctl-network\",\"o1\"]]]]]}");
	assert_string_equal(b, "{\"op\":\"delete\",\"table\":\"DHCP_Options\",\"where\":[[\"external_ids\",\"includes\","
			       "[\"map\",[[\"vnetctl-network\",\"o1\"]]]]]}");
	/* a NAT network's router, external switch and load balancers: by name and mark, or mark */
	assert_string_equal(lr, "{\"op\":\"delete\",\"table\":\"Logical_Router\",\"where\":[[\"name\",\"==\",\"o1\"],"
				"[\"external_ids\",\"includes\",[\"map\",[[\"vnetctl-network\",\"o1\"]]]]]}");
	assert_non_null(strstr(ext, "[\"name\",\"==\",\"o1-ext\"]"));
	assert_non_null(strstr(lb, "[\"external_ids\",\"includes\",[\"map\",[[\"vnetctl-network\",\"o1\"]]]]"));
	assert_string_equal(c, "[{\"mutations\":[[\"ports\",\"delete\",[\"uuid\",\"port-uuid\"]]],\"op\":\"mutate\","
			       "\"table\":\"Logical_Switch\",\"where\":[[\"_uuid\",\"==\",[\"uuid\",\"ls-uuid\"]]]}]");
	add = vnet_ovn_ops_add_port("o1", "ls-uuid", "dhcp-uuid", &p);
	w = dump(op(add, "wait", "Logical_Switch", 0));
	m = dump(op(add, "mutate", "Logical_Switch", 0));
	r = dump(json_object_get(op(add, "insert", "Logical_Switch_Port", 0), "row"));
	/* the switch read is still o1's, or the port would be dropped as an orphan */
	assert_string_equal(w, "{\"columns\":[\"name\"],\"op\":\"wait\",\"rows\":[{\"name\":\"o1\"}],\"table\":\"Logical_Switch\","
			       "\"timeout\":0,\"until\":\"==\",\"where\":[[\"_uuid\",\"==\",[\"uuid\",\"ls-uuid\"]]]}");
	assert_string_equal(m, "{\"mutations\":[[\"ports\",\"insert\",[\"named-uuid\",\"port\"]]],\"op\":\"mutate\","
			       "\"table\":\"Logical_Switch\",\"where\":[[\"_uuid\",\"==\",[\"uuid\",\"ls-uuid\"]]]}");
	assert_string_equal(r, "{\"addresses\":\"52:54:00:00:00:09 10.77.0.9\",\"dhcpv4_options\":[\"uuid\",\"dhcp-uuid\"],"
			       "\"external_ids\":[\"map\",[[\"vnetctl-network\",\"o1\"]]],\"name\":\"p9\"}");
}

/* A reply to vnet_ovn_ops_read(): switches, then o1's ports, then its DHCP_Options. */
static const char read_reply[] =
	"[{\"rows\":["
	"{\"_uuid\":[\"uuid\",\"u-o1\"],\"name\":\"o1\",\"other_config\":[\"map\",[[\"subnet\",\"10.77.0.0/24\"]]],"
	" \"external_ids\":[\"map\",[[\"vnetctl-network\",\"o1\"]]],"
	" \"ports\":[\"set\",[[\"uuid\",\"u-p1\"],[\"uuid\",\"u-p2\"],[\"uuid\",\"u-foreign\"]]]},"
	"{\"_uuid\":[\"uuid\",\"u-other\"],\"name\":\"other\",\"other_config\":[\"map\",[[\"subnet\",\"10.66.0.0/24\"]]],"
	" \"external_ids\":[\"map\",[]],\"ports\":[\"set\",[]]},"
	"{\"_uuid\":[\"uuid\",\"u-nosub\"],\"name\":\"nosub\",\"other_config\":[\"map\",[]],\"ports\":[\"set\",[]]}"
	"]},{\"rows\":["
	"{\"_uuid\":[\"uuid\",\"u-p1\"],\"name\":\"p1\",\"addresses\":\"52:54:00:00:00:01 10.77.0.2\",\"up\":true,"
	" \"external_ids\":[\"map\",[[\"vnetctl-network\",\"o1\"],[\"vnetctl-domain\",\"vmA\"]]]},"
	"{\"_uuid\":[\"uuid\",\"u-p2\"],\"name\":\"p2\",\"addresses\":[\"set\",[\"52:54:00:00:00:02 10.77.0.3\"]],"
	" \"up\":[\"set\",[]],\"external_ids\":[\"map\",[[\"vnetctl-network\",\"o1\"]]]},"
	"{\"_uuid\":[\"uuid\",\"u-p3\"],\"name\":\"p3\",\"addresses\":\"52:54:00:00:00:03 10.77.0.4\","
	" \"external_ids\":[\"map\",[[\"vnetctl-network\",\"o1\"]]]},"
	"{\"_uuid\":[\"uuid\",\"u-bad\"],\"name\":\"bad\",\"addresses\":\"dynamic\"}"
	"]},{\"rows\":[{\"_uuid\":[\"uuid\",\"u-dhcp\"],\"cidr\":\"10.77.0.0/24\"}]}]";

static void test_parse_switch(void **state)
{
	g_autoptr(json_t) res = json_loads(read_reply, 0, NULL);
	g_autoptr(GPtrArray) subnets = NULL;
	g_autoptr(vnet_ovn_switch) sw = NULL;
	g_autoptr(json_t) sb = json_loads("[{\"rows\":[{\"logical_port\":\"p1\",\"chassis\":[\"uuid\",\"c1\"]},"
					  "{\"logical_port\":\"p2\",\"chassis\":[\"set\",[]]}]},"
					  "{\"rows\":[{\"_uuid\":[\"uuid\",\"c1\"],\"name\":\"chA\"}]}]", 0, NULL);
	const vnet_ovn_port *p1, *p2;

	assert_non_null(res);
	sw = vnet_ovn_parse_switch(res, "o1", &subnets);
	assert_non_null(sw);
	assert_string_equal(sw->uuid, "u-o1");
	assert_string_equal(sw->subnet, "10.77.0.0/24");
	assert_string_equal(sw->dhcp_uuid, "u-dhcp");
	assert_true(sw->ours);
	/* p3 is no port of the switch, "bad" is not vnetctl's shape */
	assert_int_equal(sw->ports->len, 2);
	p1 = sw->ports->pdata[0];
	p2 = sw->ports->pdata[1];
	assert_string_equal(p1->name, "p1");
	assert_string_equal(p1->mac, "52:54:00:00:00:01");
	assert_string_equal(p1->ip, "10.77.0.2");
	assert_string_equal(p1->domain, "vmA");
	assert_int_equal(p1->up, 1);
	assert_null(p2->domain);
	assert_int_equal(p2->up, -1);
	assert_int_equal(subnets->len, 1);
	assert_string_equal(subnets->pdata[0], "other 10.66.0.0/24");
	vnet_ovn_parse_bindings(sw, sb);
	assert_string_equal(p1->chassis, "chA");
	assert_null(p2->chassis);
}

/* An SB reply to vnet_ovn_ops_bindings(): p1 on chA; chB has no encap; chA's endpoint. */
static const char sb_reply[] =
	"[{\"rows\":[{\"logical_port\":\"p1\",\"chassis\":[\"uuid\",\"c1\"]},{\"logical_port\":\"p2\",\"chassis\":[\"set\",[]]}]},"
	"{\"rows\":[{\"_uuid\":[\"uuid\",\"c2\"],\"name\":\"chB\",\"encaps\":[\"set\",[]]},"
	"{\"_uuid\":[\"uuid\",\"c1\"],\"name\":\"chA\",\"encaps\":[\"uuid\",\"e1\"]},{\"name\":7}]},"
	"{\"rows\":[{\"_uuid\":[\"uuid\",\"e1\"],\"type\":\"geneve\",\"ip\":\"172.31.0.11\"},{\"_uuid\":[\"uuid\",\"e9\"],\"type\":\"vxlan\"}]}]";

/* "id ok guest" of each check, a line each. */
static char *checks_text(GPtrArray *checks)
{
	GString *out = g_string_new(NULL);

	for (guint i = 0; i < checks->len; i++) {
		const vnet_doctor_check *c = checks->pdata[i];
		g_string_append_printf(out, "%s %s %s\n", vnet_doctor_check_get_id(c),
				       vnet_doctor_check_get_ok(c) ? "ok" : "FAIL",
				       vnet_doctor_check_get_guest(c) ? vnet_doctor_check_get_guest(c) : "-");
	}
	return g_string_free(out, FALSE);
}

static void test_status_doctor(void **state)
{
	g_autoptr(vnet_intent) in = nat_overlay(NULL);
	g_autoptr(json_t) nb = json_loads(read_reply, 0, NULL);
	g_autoptr(json_t) sb = json_loads(sb_reply, 0, NULL);
	g_autoptr(vnet_doctor_facts) f = vnet_doctor_facts_new(in);
	g_autoptr(vnet_doctor_facts) none = vnet_doctor_facts_new(in);
	g_autoptr(vnet_doctor_facts) nosb = vnet_doctor_facts_new(in);
	g_autoptr(GPtrArray) checks = NULL, c_none = NULL, c_nosb = NULL;
	g_autofree char *text = NULL, *t_none = NULL, *t_nosb = NULL;
	const char *encaps, *dom, *mac, *addr;

	assert_non_null(sb);
	f->active = true;
	f->ovn = vnet_ovn_status_new("o1", vnet_ovn_parse_switch(nb, "o1", NULL), sb, NULL);
	/* the getters: ports as NB has them, bindings and chassis (by name) from SB */
	assert_true(vnet_ovn_status_get_switch(f->ovn));
	assert_true(vnet_ovn_status_get_sb(f->ovn));
	assert_int_equal(vnet_ovn_status_get_n_ports(f->ovn), 2);
	assert_string_equal(vnet_ovn_status_get_port(f->ovn, 0, &dom, &mac, &addr), "p1");
	assert_string_equal(dom, "vmA");
	assert_string_equal(mac, "52:54:00:00:00:01");
	assert_string_equal(addr, "10.77.0.2");
	assert_int_equal(vnet_ovn_status_get_port_up(f->ovn, 0), 1);
	assert_string_equal(vnet_ovn_status_get_port_chassis(f->ovn, 0), "chA");
	assert_int_equal(vnet_ovn_status_get_port_up(f->ovn, 1), -1);
	assert_null(vnet_ovn_status_get_port_chassis(f->ovn, 1));
	assert_null(vnet_ovn_status_get_port(f->ovn, 2, &dom, NULL, NULL));
	assert_null(dom);
	assert_int_equal(vnet_ovn_status_get_port_up(f->ovn, 2), -1);
	assert_int_equal(vnet_ovn_status_get_n_chassis(f->ovn), 2);
	assert_string_equal(vnet_ovn_status_get_chassis(f->ovn, 0, &encaps), "chA");
	assert_string_equal(encaps, "geneve 172.31.0.11");
	assert_string_equal(vnet_ovn_status_get_chassis(f->ovn, 1, &encaps), "chB");
	assert_null(encaps);
	assert_null(vnet_ovn_status_get_chassis(f->ovn, 2, &encaps));

	/* doctor: chB's missing tunnel and p2's unbound port fail, the rest passes */
	checks = vnet_doctor_judge(f);
	text = checks_text(checks);
	assert_string_equal(text, "network-active ok -\n"
				  "ovn-nb ok -\n"
				  "ovn-switch ok -\n"
				  "ovn-tunnel ok chA\n"
				  "ovn-tunnel FAIL chB\n"
				  "ovn-gateway ok chA\n"
				  "ovn-port ok vmA\n"
				  "ovn-port FAIL p2\n");
	/* NB does not answer: that alone, named */
	none->active = true;
	none->ovn_error = g_strdup("Connection refused");
	c_none = vnet_doctor_judge(none);
	t_none = checks_text(c_none);
	assert_string_equal(t_none, "network-active ok -\novn-nb FAIL -\n");
	assert_non_null(strstr(vnet_doctor_check_get_what(c_none->pdata[1]), "Connection refused"));
	/* SB does not answer: bindings unknown, said once */
	nosb->ovn = vnet_ovn_status_new("o1", vnet_ovn_parse_switch(nb, "o1", NULL), NULL, "no SB");
	c_nosb = vnet_doctor_judge(nosb);
	t_nosb = checks_text(c_nosb);
	assert_string_equal(t_nosb, "network-active FAIL -\novn-nb ok -\novn-switch ok -\novn-sb FAIL -\n");
	assert_string_equal(vnet_ovn_status_get_sb_error(nosb->ovn), "no SB");

	/* HA gateways: a standby down is named with where the NAT runs; all down, the NAT is down */
	{
		static const struct {
			const char *gws[3], *want, *what;
		} cases[] = {
			{ { "chZ", "chB", NULL }, "ovn-gateway FAIL chZ\novn-gateway ok chB\n", "runs on chassis chB" },
			{ { "chA", "chZ", NULL }, "ovn-gateway ok chA\novn-gateway FAIL chZ\n", "runs on chassis chA" },
			{ { "chY", "chZ", NULL }, "ovn-gateway FAIL chY\novn-gateway FAIL chZ\n", "NAT and forwards are down" },
		};
		for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
			g_autoptr(vnet_intent) ha = nat_overlay(NULL);
			g_autoptr(vnet_doctor_facts) hf = NULL;
			g_autoptr(GPtrArray) hc = NULL;
			g_autofree char *ht = NULL;
			const char *what = NULL;
			assert_true(vnet_intent_set_ovn_gateway(ha, cases[i].gws[0], NULL));
			assert_true(vnet_intent_add_ovn_gateway(ha, cases[i].gws[1], NULL));
			hf = vnet_doctor_facts_new(ha);
			hf->active = true;
			hf->ovn = vnet_ovn_status_new("o1", vnet_ovn_parse_switch(nb, "o1", NULL), sb, NULL);
			hc = vnet_doctor_judge(hf);
			ht = checks_text(hc);
			if (!strstr(ht, cases[i].want))
				fail_msg("case %zu: checks\n%s\nlack\n%s", i, ht, cases[i].want);
			for (guint k = 0; k < hc->len; k++)
				if (!vnet_doctor_check_get_ok(hc->pdata[k]) &&
				    g_strcmp0(vnet_doctor_check_get_id(hc->pdata[k]), "ovn-gateway") == 0)
					what = vnet_doctor_check_get_what(hc->pdata[k]);
			assert_non_null(what);
			if (!strstr(what, cases[i].what))
				fail_msg("case %zu: \"%s\" does not say \"%s\"", i, what, cases[i].what);
		}
	}
}

/* An SB reply to vnet_ovn_ops_bindings(): p1 on chA, p2 on chB, both with a tunnel. */
static const char sb_bound[] =
	"[{\"rows\":[{\"logical_port\":\"p1\",\"chassis\":[\"uuid\",\"c1\"]},{\"logical_port\":\"p2\",\"chassis\":[\"uuid\",\"c2\"]}]},"
	"{\"rows\":[{\"_uuid\":[\"uuid\",\"c1\"],\"name\":\"chA\",\"encaps\":[\"uuid\",\"e1\"]},"
	"{\"_uuid\":[\"uuid\",\"c2\"],\"name\":\"chB\",\"encaps\":[\"uuid\",\"e2\"]}]},"
	"{\"rows\":[{\"_uuid\":[\"uuid\",\"e1\"],\"type\":\"geneve\",\"ip\":\"172.31.0.11\"},"
	"{\"_uuid\":[\"uuid\",\"e2\"],\"type\":\"geneve\",\"ip\":\"172.31.0.12\"}]}]";

/* A status of nat_overlay()'s o1 from read_reply and sb_bound, with an SB reply to vnet_ovn_ops_live() of @live. */
static vnet_ovn_status *bound_status(const char *live)
{
	g_autoptr(json_t) nb = json_loads(read_reply, 0, NULL);
	g_autoptr(json_t) sb = json_loads(sb_bound, 0, NULL);
	g_autoptr(json_t) l = live ? json_loads(live, 0, NULL) : NULL;
	vnet_ovn_status *st;

	assert_non_null(sb);
	assert_true(!live || l);
	st = vnet_ovn_status_new("o1", vnet_ovn_parse_switch(nb, "o1", NULL), sb, NULL);
	vnet_ovn_parse_live(st, l);
	return st;
}

static void test_live_ops(void **state)
{
	g_autoptr(json_t) live = vnet_ovn_ops_live();
	g_autoptr(json_t) bump = vnet_ovn_ops_bump();
	g_autoptr(json_t) sbcfg = vnet_ovn_ops_sb_cfg();
	g_autofree char *l = dump(live), *m = dump(op(bump, "mutate", NULL, 0)), *r = dump(op(bump, "select", NULL, 0));
	g_autofree char *c = dump(sbcfg);

	assert_string_equal(l, "[{\"columns\":[\"nb_cfg\"],\"op\":\"select\",\"table\":\"SB_Global\",\"where\":[]},"
			       "{\"columns\":[\"name\",\"nb_cfg\"],\"op\":\"select\",\"table\":\"Chassis_Private\",\"where\":[]}]");
	/* one step up of the one row, whatever it was: the read-back is in the same transaction */
	assert_string_equal(m, "{\"mutations\":[[\"nb_cfg\",\"+=\",1]],\"op\":\"mutate\",\"table\":\"NB_Global\",\"where\":[]}");
	assert_string_equal(r, "{\"columns\":[\"nb_cfg\"],\"op\":\"select\",\"table\":\"NB_Global\",\"where\":[]}");
	assert_string_equal(json_string_value(json_object_get(json_array_get(bump, 1), "op")), "select");
	assert_string_equal(c, "[{\"columns\":[\"sb_cfg\"],\"op\":\"select\",\"table\":\"NB_Global\",\"where\":[]}]");
}

static void test_parse_cfg(void **state)
{
	static const struct {
		const char *reply;
		gint64 want;
	} cases[] = {
		{ "[{\"count\":1},{\"rows\":[{\"nb_cfg\":5}]},{}]", 5 },
		{ "[{\"count\":1},{\"rows\":[{\"nb_cfg\":0}]},{}]", 0 },
		/* no NB_Global row (ovn-nbctl init never ran), or two: no one value */
		{ "[{\"count\":0},{\"rows\":[]},{}]", -1 },
		{ "[{\"count\":2},{\"rows\":[{\"nb_cfg\":5},{\"nb_cfg\":6}]},{}]", -1 },
		/* a missing column, a wrong type, a negative sequence number, no rows at all */
		{ "[{\"count\":1},{\"rows\":[{}]},{}]", -1 },
		{ "[{\"count\":1},{\"rows\":[{\"nb_cfg\":\"5\"}]},{}]", -1 },
		{ "[{\"count\":1},{\"rows\":[{\"nb_cfg\":-3}]},{}]", -1 },
		{ "[{\"count\":1},{\"rows\":[{\"nb_cfg\":5.5}]},{}]", -1 },
		{ "[{\"count\":1}]", -1 },
		{ "[{\"count\":1},{\"rows\":{\"nb_cfg\":5}}]", -1 },
	};

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(json_t) r = json_loads(cases[i].reply, 0, NULL);
		assert_non_null(r);
		if (vnet_ovn_parse_cfg(r, 1, "nb_cfg") != cases[i].want)
			fail_msg("%s: %" G_GINT64_FORMAT ", not %" G_GINT64_FORMAT, cases[i].reply,
				 vnet_ovn_parse_cfg(r, 1, "nb_cfg"), cases[i].want);
	}
	assert_int_equal(vnet_ovn_parse_cfg(NULL, 0, "sb_cfg"), -1);
}

static void test_parse_live(void **state)
{
	/* chA has SB_Global's 7, chB is at 6: its ovn-controller stopped; chZ is no chassis of SB's */
	g_autoptr(vnet_ovn_status) st = bound_status(
		"[{\"rows\":[{\"nb_cfg\":7}]},{\"rows\":[{\"name\":\"chA\",\"nb_cfg\":7},{\"name\":\"chB\",\"nb_cfg\":6},"
		"{\"name\":\"chZ\",\"nb_cfg\":1}]}]");
	static const char *const unknown[] = {
		/* Chassis_Private as OVN before 20.06 had it: none */
		NULL,
		/* SB_Global without nb_cfg, or with no row */
		"[{\"rows\":[{}]},{\"rows\":[{\"name\":\"chA\",\"nb_cfg\":7},{\"name\":\"chB\",\"nb_cfg\":6}]}]",
		"[{\"rows\":[]},{\"rows\":[{\"name\":\"chA\",\"nb_cfg\":7},{\"name\":\"chB\",\"nb_cfg\":6}]}]",
		/* chassis rows without nb_cfg, with a string, with no name, none at all */
		"[{\"rows\":[{\"nb_cfg\":7}]},{\"rows\":[{\"name\":\"chA\"},{\"name\":\"chB\",\"nb_cfg\":\"6\"}]}]",
		"[{\"rows\":[{\"nb_cfg\":7}]},{\"rows\":[{\"nb_cfg\":6},{\"name\":null,\"nb_cfg\":6}]}]",
		"[{\"rows\":[{\"nb_cfg\":7}]},{\"rows\":[]}]",
		"[{\"rows\":[{\"nb_cfg\":7}]}]",
		"[{\"rows\":[{\"nb_cfg\":7}]},{\"rows\":{\"name\":\"chB\",\"nb_cfg\":6}}]",
	};

	assert_int_equal(st->want, 7);
	assert_int_equal(vnet_ovn_chassis_behind(st, "chA"), 0);
	assert_int_equal(vnet_ovn_chassis_behind(st, "chB"), 1);
	assert_int_equal(vnet_ovn_chassis_behind(st, "chZ"), -1);
	assert_int_equal(vnet_ovn_chassis_behind(st, NULL), -1);
	/* the getters: p2 on chB is stale, so its "up" (none in NB here) is not known either way */
	assert_false(vnet_ovn_status_get_port_stale(st, 0));
	assert_int_equal(vnet_ovn_status_get_port_up(st, 0), 1);
	assert_true(vnet_ovn_status_get_port_stale(st, 1));
	assert_int_equal(vnet_ovn_status_get_port_up(st, 1), -1);
	assert_false(vnet_ovn_status_get_port_stale(st, 2));
	assert_int_equal(vnet_ovn_status_get_chassis_behind(st, 0), 0);
	assert_int_equal(vnet_ovn_status_get_chassis_behind(st, 1), 1);
	assert_int_equal(vnet_ovn_status_get_chassis_behind(st, 2), -1);
	/* p1 on chA stale too once chA falls behind a later SB_Global: "up" from NB is then not believed */
	vnet_ovn_parse_live(st, NULL);
	assert_int_equal(st->want, -1);
	assert_int_equal(vnet_ovn_status_get_port_up(st, 0), 1);
	{
		g_autoptr(json_t) l = json_loads("[{\"rows\":[{\"nb_cfg\":8}]},{\"rows\":[{\"name\":\"chA\",\"nb_cfg\":7},"
						 "{\"name\":\"chB\",\"nb_cfg\":8}]}]", 0, NULL);
		vnet_ovn_parse_live(st, l);
		assert_true(vnet_ovn_status_get_port_stale(st, 0));
		assert_int_equal(vnet_ovn_status_get_port_up(st, 0), -1);
		assert_false(vnet_ovn_status_get_port_stale(st, 1));
	}
	/* what does not say how far a chassis is makes it not known, never behind */
	for (size_t i = 0; i < G_N_ELEMENTS(unknown); i++) {
		g_autoptr(vnet_ovn_status) u = bound_status(unknown[i]);
		for (guint k = 0; k < vnet_ovn_status_get_n_chassis(u); k++)
			if (vnet_ovn_status_get_chassis_behind(u, k) != -1)
				fail_msg("case %zu: chassis %u is %d", i, k, vnet_ovn_status_get_chassis_behind(u, k));
		assert_false(vnet_ovn_status_get_port_stale(u, 1));
		assert_int_equal(vnet_ovn_status_get_port_up(u, 0), 1);
	}
}

static void test_doctor_stale(void **state)
{
	g_autoptr(vnet_intent) in = nat_overlay(NULL);
	static const char behind[] =
		"[{\"rows\":[{\"nb_cfg\":7}]},{\"rows\":[{\"name\":\"chA\",\"nb_cfg\":7},{\"name\":\"chB\",\"nb_cfg\":6}]}]";
	static const char gw_behind[] =
		"[{\"rows\":[{\"nb_cfg\":7}]},{\"rows\":[{\"name\":\"chA\",\"nb_cfg\":6},{\"name\":\"chB\",\"nb_cfg\":7}]}]";
	g_autoptr(vnet_doctor_facts) f = vnet_doctor_facts_new(in), g = vnet_doctor_facts_new(in);
	g_autoptr(vnet_doctor_facts) n = vnet_doctor_facts_new(in), e = vnet_doctor_facts_new(in);
	g_autoptr(GPtrArray) cf = NULL, cg = NULL, cn = NULL, ce = NULL;
	g_autofree char *tf = NULL, *tg = NULL, *tn = NULL, *te = NULL;
	const char *what = NULL;

	/* doctor's bump went through ovn-northd; chB's ovn-controller did not follow */
	f->active = true;
	f->ovn = bound_status(behind);
	f->ovn->northd = 1;
	cf = vnet_doctor_judge(f);
	tf = checks_text(cf);
	assert_string_equal(tf, "network-active ok -\n"
				"ovn-nb ok -\n"
				"ovn-switch ok -\n"
				"ovn-tunnel ok chA\n"
				"ovn-tunnel ok chB\n"
				"ovn-northd ok -\n"
				"ovn-controller ok chA\n"
				"ovn-controller FAIL chB\n"
				"ovn-gateway ok chA\n"
				"ovn-port ok vmA\n"
				"ovn-port FAIL p2\n");
	/* the chassis' check names it, how far it is, and what is on it; the fix is for that chassis */
	for (guint i = 0; i < cf->len; i++)
		if (g_strcmp0(vnet_doctor_check_get_id(cf->pdata[i]), "ovn-controller") == 0 &&
		    !vnet_doctor_check_get_ok(cf->pdata[i])) {
			what = vnet_doctor_check_get_what(cf->pdata[i]);
			assert_non_null(strstr(what, "chassis chB"));
			assert_non_null(strstr(what, "nb_cfg 6, OVN at 7"));
			assert_non_null(strstr(what, "(p2)"));
			assert_string_equal(vnet_doctor_check_get_fix(cf->pdata[i]),
					    "On chassis chB: systemctl restart ovn-controller");
		}
	assert_non_null(what);
	assert_non_null(strstr(vnet_doctor_check_get_what(cf->pdata[cf->len - 1]), "does not follow OVN"));
	/* the gateway chassis behind: the NAT is in doubt, and its chassis is checked though no port is on it */
	g->active = true;
	g->ovn = bound_status(gw_behind);
	cg = vnet_doctor_judge(g);
	tg = checks_text(cg);
	assert_string_equal(tg, "network-active ok -\n"
				"ovn-nb ok -\n"
				"ovn-switch ok -\n"
				"ovn-tunnel ok chA\n"
				"ovn-tunnel ok chB\n"
				"ovn-controller FAIL chA\n"
				"ovn-controller ok chB\n"
				"ovn-gateway FAIL chA\n"
				"ovn-port FAIL vmA\n"
				"ovn-port FAIL p2\n");
	/* vmA for its chassis; p2, whose chassis follows, because NB has it not up yet */
	assert_non_null(strstr(vnet_doctor_check_get_what(cg->pdata[cg->len - 2]), "does not follow OVN"));
	assert_non_null(strstr(vnet_doctor_check_get_what(cg->pdata[cg->len - 1]), "not up"));
	/* ovn-northd did not pass the bump on: it is named, and the chassis are judged by SB as it was */
	n->active = true;
	n->ovn = bound_status("[{\"rows\":[{\"nb_cfg\":7}]},{\"rows\":[{\"name\":\"chA\",\"nb_cfg\":7},{\"name\":\"chB\",\"nb_cfg\":7}]}]");
	n->ovn->northd = 0;
	cn = vnet_doctor_judge(n);
	tn = checks_text(cn);
	assert_non_null(strstr(tn, "ovn-northd FAIL -\novn-controller ok chA\novn-controller ok chB\n"));
	for (guint i = 0; i < cn->len; i++)
		if (g_strcmp0(vnet_doctor_check_get_id(cn->pdata[i]), "ovn-northd") == 0) {
			assert_non_null(strstr(vnet_doctor_check_get_what(cn->pdata[i]), "within 3 seconds"));
			assert_string_equal(vnet_doctor_check_get_fix(cn->pdata[i]),
					    "On the central host: systemctl start ovn-northd");
		}
	/* the bump could not be made: said, with why, and nothing is judged on it */
	e->active = true;
	e->ovn = bound_status(NULL);
	e->ovn->follow_error = g_strdup("no NB_Global row");
	ce = vnet_doctor_judge(e);
	te = checks_text(ce);
	assert_non_null(strstr(te, "ovn-tunnel ok chB\novn-northd FAIL -\novn-gateway ok chA\n"));
	assert_null(strstr(te, "ovn-controller"));
	for (guint i = 0; i < ce->len; i++)
		if (g_strcmp0(vnet_doctor_check_get_id(ce->pdata[i]), "ovn-northd") == 0)
			assert_non_null(strstr(vnet_doctor_check_get_what(ce->pdata[i]), "no NB_Global row"));
}

/* SB: three chassis chA, chB, chC at 172.31.0.11-13. */
static const char sb_three[] =
	"[{\"rows\":[]},"
	"{\"rows\":[{\"_uuid\":[\"uuid\",\"c1\"],\"name\":\"chA\",\"encaps\":[\"uuid\",\"e1\"]},"
	"{\"_uuid\":[\"uuid\",\"c2\"],\"name\":\"chB\",\"encaps\":[\"uuid\",\"e2\"]},"
	"{\"_uuid\":[\"uuid\",\"c3\"],\"name\":\"chC\",\"encaps\":[\"set\",[[\"uuid\",\"e3\"],[\"uuid\",\"e4\"]]]}]},"
	"{\"rows\":[{\"_uuid\":[\"uuid\",\"e1\"],\"type\":\"geneve\",\"ip\":\"172.31.0.11\"},"
	"{\"_uuid\":[\"uuid\",\"e2\"],\"type\":\"geneve\",\"ip\":\"172.31.0.12\"},"
	"{\"_uuid\":[\"uuid\",\"e3\"],\"type\":\"vxlan\",\"ip\":\"172.31.1.13\"},"
	"{\"_uuid\":[\"uuid\",\"e4\"],\"type\":\"geneve\",\"ip\":\"172.31.0.13\"}]}]";

/* This host's tunnels to the other chassis, from its Open vSwitch's Interface rows, good and bad. */
static void test_tunnels_here(void **state)
{
	static const char ifaces[] =
		"[{\"rows\":["
		"{\"name\":\"ovn-chB-0\",\"type\":\"geneve\",\"options\":[\"map\",[[\"remote_ip\",\"172.31.0.12\"]]],"
		" \"bfd\":[\"map\",[[\"enable\",\"true\"]]],\"bfd_status\":[\"map\",[[\"state\",\"down\"]]]},"
		"{\"name\":\"ovn-chC-0\",\"type\":\"vxlan\",\"options\":[\"map\",[[\"remote_ip\",\"172.31.1.13\"]]],"
		" \"bfd\":[\"map\",[]],\"bfd_status\":[\"map\",[]]},"
		"{\"name\":\"br-int\",\"type\":\"internal\",\"options\":[\"map\",[]]},"
		"{\"name\":\"x1\",\"type\":\"geneve\",\"options\":[\"map\",[[\"remote_ip\",\"172.31.0.99\"]]]},"
		"{\"name\":\"x2\",\"type\":\"geneve\",\"options\":7},"
		"{\"type\":\"geneve\",\"options\":[\"map\",[[\"remote_ip\",\"172.31.0.12\"]]]},"
		"{\"name\":\"x3\",\"type\":\"geneve\",\"options\":[\"map\",[[\"remote_ip\",13]]]}"
		"]}]";
	static const char *const garbage[] = { "[]", "[{}]", "[{\"rows\":7}]", "[{\"rows\":[7, null, []]}]", "{}" };
	g_autoptr(json_t) sb = json_loads(sb_three, 0, NULL), ifs = json_loads(ifaces, 0, NULL);
	g_autoptr(json_t) nb = json_loads(read_reply, 0, NULL);
	g_autoptr(vnet_intent) in = nat_overlay(NULL);
	g_autoptr(vnet_doctor_facts) f = vnet_doctor_facts_new(in);
	g_autoptr(GPtrArray) checks = NULL;
	g_autofree char *text = NULL;
	const char *iface, *bfd;

	(void)state;
	assert_non_null(sb);
	assert_non_null(ifs);
	f->active = true;
	f->ovn = vnet_ovn_status_new("o1", vnet_ovn_parse_switch(nb, "o1", NULL), sb, NULL);
	/* not a chassis SB knows: nothing is said of tunnels */
	vnet_ovn_parse_tunnels(f->ovn, "chZ", ifs);
	assert_null(vnet_ovn_status_get_local_chassis(f->ovn));
	assert_int_equal(vnet_ovn_status_get_chassis_tunnel(f->ovn, 1, NULL, NULL), -1);
	vnet_ovn_parse_tunnels(f->ovn, "chA", ifs);
	assert_string_equal(vnet_ovn_status_get_local_chassis(f->ovn), "chA");
	/* its own: not known; chB by geneve with BFD down; chC by its second (vxlan) endpoint, no BFD */
	assert_int_equal(vnet_ovn_status_get_chassis_tunnel(f->ovn, 0, &iface, &bfd), -1);
	assert_null(iface);
	assert_int_equal(vnet_ovn_status_get_chassis_tunnel(f->ovn, 1, &iface, &bfd), 1);
	assert_string_equal(iface, "ovn-chB-0");
	assert_string_equal(bfd, "down");
	assert_int_equal(vnet_ovn_status_get_chassis_tunnel(f->ovn, 2, &iface, &bfd), 1);
	assert_string_equal(iface, "ovn-chC-0");
	assert_null(bfd);
	assert_int_equal(vnet_ovn_status_get_chassis_tunnel(f->ovn, 3, &iface, &bfd), -1);
	checks = vnet_doctor_judge(f);
	text = checks_text(checks);
	if (!strstr(text, "ovn-tunnel-here FAIL chB\novn-tunnel-here ok chC\n"))
		fail_msg("checks:\n%s", text);
	/* garbage reads as no tunnel at all: each other chassis has none */
	for (size_t i = 0; i < G_N_ELEMENTS(garbage); i++) {
		g_autoptr(json_t) g = json_loads(garbage[i], 0, NULL);
		g_autoptr(GPtrArray) gc = NULL;
		g_autofree char *gt = NULL;
		assert_non_null(g);
		vnet_ovn_parse_tunnels(f->ovn, "chA", g);
		assert_true(vnet_ovn_status_get_chassis_tunnel(f->ovn, 1, NULL, NULL) <= 0);
		gc = vnet_doctor_judge(f);
		gt = checks_text(gc);
		assert_null(strstr(gt, "ovn-tunnel-here ok"));
	}
}

static void test_db_names(void **state)
{
	static const char err[] = "{\"id\":1,\"result\":null,\"error\":{\"error\":\"unknown database\",\"details\":\"x\"}}";
	g_autoptr(json_t) msg = NULL, bad = json_loads("[{\"error\":\"constraint violation\"}]", 0, NULL);
	g_autoptr(GError) e = NULL, e2 = NULL, e3 = NULL;
	size_t used;

	/* what OVSDB says is said of the database it came from */
	assert_int_equal(vnet_ovsdb_parse(VNET_OVN_NB, err, strlen(err), 1, &used, &msg, &e), VNET_OVSDB_REPLY);
	assert_non_null(strstr(e->message, "OVN_Northbound"));
	assert_false(vnet_ovsdb_check_result(VNET_OVN_SB, bad, 1, &e2));
	assert_non_null(strstr(e2->message, "OVN_Southbound"));
	assert_false(vnet_ovsdb_check_result(NULL, bad, 1, &e3));
	assert_non_null(strstr(e3->message, "Open_vSwitch"));
}

static void test_parse_garbage(void **state)
{
	static const char *const replies[] = {
		"[]", "{}", "[{\"rows\":7}]", "[{\"rows\":[{\"name\":7}]}]", "[{\"rows\":[{\"name\":\"o1\"}]}]",
		"[{\"rows\":[{\"name\":\"o1\",\"ports\":[\"set\",[[\"uuid\"]]]}]},{\"rows\":[{\"name\":\"p\",\"addresses\":[\"set\",[7]]}]}]",
		"[{\"rows\":[{\"name\":\"o1\",\"external_ids\":[\"map\",[[\"vnetctl-network\",\"o2\"]]]}]}]",
	};

	for (size_t i = 0; i < G_N_ELEMENTS(replies); i++) {
		g_autoptr(json_t) res = json_loads(replies[i], 0, NULL);
		g_autoptr(GPtrArray) subnets = NULL;
		g_autoptr(vnet_ovn_switch) sw = vnet_ovn_parse_switch(res, "o1", &subnets);
		assert_non_null(subnets);
		if (sw) {
			assert_int_equal(sw->ports->len, 0);
			/* another network's mark is not ours */
			assert_false(sw->ours);
		}
		vnet_ovn_parse_bindings(sw, res);
	}
}

static void test_ports_record(void **state)
{
	g_autoptr(GPtrArray) ports = vnet_ovn_ports_parse("p1 52:54:00:00:00:01 10.77.0.2 vmA\n"
							  "p2 52:54:00:00:00:02 10.77.0.3 -\n"
							  "bad line\n"
							  "p;x 52:54:00:00:00:03 10.77.0.4 -\n"
							  "p4 52:54:00:00:00:04 not-an-ip -\n");
	g_autofree char *back = vnet_ovn_ports_format(ports);

	assert_int_equal(ports->len, 2);
	assert_string_equal(back, "p1 52:54:00:00:00:01 10.77.0.2 vmA\np2 52:54:00:00:00:02 10.77.0.3 -\n");
}

static void test_intent(void **state)
{
	g_autoptr(vnet_intent) in = overlay("o1", "10.77.0.0/24", true);
	g_autofree char *xml = vnet_intent_to_xml(in), *net = vnet_intent_network_xml(in, 0, NULL);
	g_autoptr(vnet_intent) back = vnet_intent_from_xml(xml, -1, NULL);
	vnet_host host = { 0 };
	static const struct {
		const char *mode, *ovn, *subnet6, *forward, *want;
	} bad[] = {
		{ "overlay", NULL, NULL, NULL, "--ovn" },
		{ "nat", "tcp:192.0.2.10:6641", NULL, NULL, "overlay" },
		{ "bridged", "tcp:192.0.2.10:6641", NULL, NULL, "overlay" },
		{ "overlay", "tcp:192.0.2.10:6641", "fd00:77::/64", NULL, "subnet6" },
		{ "overlay", "tcp:192.0.2.10:6641", NULL, "8080:80", "forward" },
	};

	assert_non_null(back);
	assert_true(vnet_intent_equal(in, back));
	assert_string_equal(vnet_intent_get_ovn(back), "tcp:192.0.2.10:6641");
	assert_string_equal(vnet_intent_get_bridge(in), VNET_OVN_BRIDGE);
	assert_non_null(strstr(net, "<bridge name=\"br-int\"/>"));
	assert_non_null(strstr(net, "<forward mode=\"bridge\"/>"));
	assert_non_null(strstr(net, "<virtualport type=\"openvswitch\"/>"));
	/* OVN serves DHCP: libvirt must not */
	assert_null(strstr(net, "<dhcp"));
	assert_null(strstr(net, "<ip "));
	host.links = g_ptr_array_new();
	host.addrs = g_array_new(FALSE, FALSE, sizeof(vnet_host_addr));
	host.routes = g_array_new(FALSE, FALSE, sizeof(vnet_host_addr));
	host.networks = g_ptr_array_new();
	host.intents = g_ptr_array_new();
	host.listeners = g_array_new(FALSE, FALSE, sizeof(vnet_host_listener));
	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autoptr(GError) e = NULL;
		g_autoptr(vnet_intent) b = NULL;
		vnet_mode mode;
		bool ok;
		assert_true(vnet_mode_from_string(bad[i].mode, &mode, NULL));
		b = vnet_intent_new("b", mode, NULL);
		if (bad[i].ovn)
			assert_true(vnet_intent_set_ovn(b, bad[i].ovn, NULL));
		if (mode == VNET_MODE_BRIDGED)
			assert_true(vnet_intent_set_bridge(b, "br0", NULL));
		if (bad[i].subnet6)
			assert_true(vnet_intent_set_subnet(b, bad[i].subnet6, NULL));
		ok = (!bad[i].forward || vnet_intent_add_forward(b, bad[i].forward, &e)) &&
		     vnet_intent_complete(b, &host, &e) && vnet_intent_validate(b, &host, 0, &e);
		if (ok)
			fail_msg("bad overlay intent %zu accepted", i);
		if (!strstr(e->message, bad[i].want))
			fail_msg("case %zu: \"%s\" does not name %s", i, e->message, bad[i].want);
	}
	g_ptr_array_unref(host.links);
	g_array_unref(host.addrs);
	g_array_unref(host.routes);
	g_ptr_array_unref(host.networks);
	g_ptr_array_unref(host.intents);
	g_array_unref(host.listeners);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_remotes),
		cmocka_unit_test(test_sb_remote),
		cmocka_unit_test(test_add_switch),
		cmocka_unit_test(test_add_switch_no_dhcp),
		cmocka_unit_test(test_del_ops),
		cmocka_unit_test(test_parse_switch),
		cmocka_unit_test(test_parse_garbage),
		cmocka_unit_test(test_ports_record),
		cmocka_unit_test(test_intent),
		cmocka_unit_test(test_nat_values),
		cmocka_unit_test(test_nat_intent),
		cmocka_unit_test(test_add_router),
		cmocka_unit_test(test_gateways),
		cmocka_unit_test(test_set_lbs),
		cmocka_unit_test(test_status_doctor),
		cmocka_unit_test(test_live_ops),
		cmocka_unit_test(test_parse_cfg),
		cmocka_unit_test(test_parse_live),
		cmocka_unit_test(test_doctor_stale),
		cmocka_unit_test(test_tunnels_here),
		cmocka_unit_test(test_db_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
