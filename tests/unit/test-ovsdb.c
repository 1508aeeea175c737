/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The OVSDB client without a server: requests as they go on the wire, the
 * framing of what comes back (split, several at once, echo, notifications,
 * errors, garbage), transaction results with an operation's or the commit's
 * error, the operations a bridge and a trunk port are made with (guards
 * included), the datapath choice; and the --switch / --vlan / --trunk
 * parsers with their bad values.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "model.h"
#include "ovsdb.h"
#include "xml.h"

static void test_request(void **state)
{
	g_autofree char *r = vnet_ovsdb_request("list_dbs", NULL, 7);
	g_autofree char *t = vnet_ovsdb_request("transact", json_pack("[s]", "Open_vSwitch"), 8);

	assert_string_equal(r, "{\"method\":\"list_dbs\",\"params\":[],\"id\":7}");
	assert_string_equal(t, "{\"method\":\"transact\",\"params\":[\"Open_vSwitch\"],\"id\":8}");
}

typedef struct frame_case {
	const char *in;
	guint64 id;
	vnet_ovsdb_frame want;
	size_t used;		/* bytes taken; 0: all of @in */
	const char *msg;	/* the result (or echo reply) as compact JSON, or NULL */
	bool error;		/* the reply carries the server's error */
} frame_case;

static const frame_case frames[] = {
	{ "", 1, VNET_OVSDB_MORE, 0, NULL, false },
	{ "   \n", 1, VNET_OVSDB_MORE, 0, NULL, false },
	{ "{\"id\":1,\"result\":[\"Open", 1, VNET_OVSDB_MORE, 0, NULL, false },
	{ "{\"id\":1,\"result\":[\"Open_vSwitch\"],\"error\":null}", 1, VNET_OVSDB_REPLY, 0, "[\"Open_vSwitch\"]", false },
	/* two messages at once: only the first is taken */
	{ "{\"id\":1,\"result\":1,\"error\":null}{\"id\":2,\"result\":2,\"error\":null}", 1, VNET_OVSDB_REPLY, 32, "1", false },
	{ "{\"id\":2,\"result\":2,\"error\":null}", 1, VNET_OVSDB_SKIP, 0, NULL, false },
	{ "{\"id\":1,\"result\":null,\"error\":{\"error\":\"unknown database\",\"details\":\"x\"}}", 1, VNET_OVSDB_REPLY, 0, NULL, true },
	{ "{\"id\":1,\"result\":null,\"error\":\"unknown method\"}", 1, VNET_OVSDB_REPLY, 0, NULL, true },
	{ "{\"method\":\"echo\",\"params\":[],\"id\":\"echo\"}", 1, VNET_OVSDB_ECHO, 0, "{\"result\":[],\"error\":null,\"id\":\"echo\"}", false },
	{ "{\"method\":\"update\",\"params\":[null,{}],\"id\":null}", 1, VNET_OVSDB_UPDATE, 0, "[null,{}]", false },
	{ "{\"method\":\"update\",\"params\":[null,{}]}", 1, VNET_OVSDB_UPDATE, 0, "[null,{}]", false },
	{ "{\"method\":\"locked\",\"params\":[],\"id\":null}", 1, VNET_OVSDB_SKIP, 0, NULL, false },
	{ "{\"method\":\"update\",\"params\":{},\"id\":null}", 1, VNET_OVSDB_BAD, 0, NULL, false },
	/* not JSON-RPC */
	{ "[1,2]", 1, VNET_OVSDB_BAD, 0, NULL, false },
	{ "\"id\"", 1, VNET_OVSDB_BAD, 0, NULL, false },
	{ "{]", 1, VNET_OVSDB_BAD, 0, NULL, false },
	{ "HTTP/1.1 400", 1, VNET_OVSDB_BAD, 0, NULL, false },
	{ "{\"result\":1}", 1, VNET_OVSDB_BAD, 0, NULL, false },
	{ "{\"id\":1}", 1, VNET_OVSDB_BAD, 0, NULL, false },
	{ "{\"method\":7,\"id\":1}", 1, VNET_OVSDB_BAD, 0, NULL, false },
	{ "{\"id\":1,\"id\":1,\"result\":1}", 1, VNET_OVSDB_BAD, 0, NULL, false },
	{ "{\"id\":-1,\"result\":1}", 1, VNET_OVSDB_SKIP, 0, NULL, false },
};

static void test_frames(void **state)
{
	for (size_t i = 0; i < G_N_ELEMENTS(frames); i++) {
		const frame_case *c = &frames[i];
		g_autoptr(json_t) msg = NULL;
		g_autoptr(GError) e = NULL;
		size_t used = 99;
		vnet_ovsdb_frame f = vnet_ovsdb_parse(NULL, c->in, strlen(c->in), c->id, &used, &msg, &e);

		print_message("frame %zu: %s\n", i, c->in);
		if (!*c->in) {
			size_t u = 99;
			g_autoptr(json_t) m2 = NULL;
			/* what an empty GByteArray holds: no data at all */
			assert_int_equal(vnet_ovsdb_parse(NULL, NULL, 0, c->id, &u, &m2, NULL), VNET_OVSDB_MORE);
		}
		assert_int_equal(f, c->want);
		if (f == VNET_OVSDB_MORE || f == VNET_OVSDB_BAD)
			continue;
		assert_int_equal(used, c->used ? c->used : strlen(c->in));
		assert_int_equal(e != NULL, c->error);
		if (c->msg) {
			g_autofree char *m = json_dumps(msg, JSON_COMPACT | JSON_ENCODE_ANY);
			assert_string_equal(m, c->msg);
		} else if (f == VNET_OVSDB_REPLY) {
			assert_null(msg);
		}
	}
}

/* ---- the watch's monitor updates ---- */

#define UPD(tables) "{\"method\":\"update\",\"params\":[\"vnetctl-watch\"," tables "],\"id\":null}"
#define BR(u, name, ports) "\"" u "\":{\"new\":{\"name\":\"" name "\",\"ports\":" ports "}}"
#define PORT(u, name, ifaces) "\"" u "\":{\"new\":{\"name\":\"" name "\",\"interfaces\":" ifaces "}}"
#define IFACE(u, name, ofport) "\"" u "\":{\"new\":{\"name\":\"" name "\",\"ofport\":" ofport "}}"

static char *changed_text(vnet_ovs_watch *w)
{
	g_auto(GStrv) c = vnet_ovs_watch_take_changed(w);

	return g_strjoinv(",", c);
}

static void test_watch_updates(void **state)
{
	g_autoptr(vnet_ovs_watch) w = vnet_ovs_watch_new_detached();
	g_autoptr(GError) e = NULL;
	const char *initial = UPD("{\"Bridge\":{" BR("b1", "ovsbr0", "[\"uuid\",\"p1\"]") "},"
				  "\"Port\":{" PORT("p1", "ovsbr0", "[\"uuid\",\"i1\"]") "},"
				  "\"Interface\":{" IFACE("i1", "ovsbr0", "65534") "}}");
	const char *add_port = UPD("{\"Bridge\":{" BR("b1", "ovsbr0", "[\"set\",[[\"uuid\",\"p1\"],[\"uuid\",\"p2\"]]]") "},"
				   "\"Port\":{" PORT("p2", "vp-g3", "[\"uuid\",\"i2\"]") "},"
				   "\"Interface\":{" IFACE("i2", "vp-g3", "[\"set\",[]]") "}}");
	const char *ofport = UPD("{\"Interface\":{" IFACE("i2", "vp-g3", "3") "}}");
	const char *same = UPD("{\"Interface\":{" IFACE("i2", "vp-g3", "3") "}}");
	const char *other = UPD("{\"Bridge\":{" BR("b2", "lansw", "[\"set\",[]]") "}}");
	const char *gone = UPD("{\"Port\":{\"p2\":{\"old\":{\"name\":\"vp-g3\"}}},"
			       "\"Bridge\":{" BR("b1", "ovsbr0", "[\"uuid\",\"p1\"]") "}}");
	g_autofree char *c0 = NULL, *c1 = NULL, *c2 = NULL, *c3 = NULL, *c4 = NULL, *c5 = NULL, *c6 = NULL;
	g_autofree char *both = g_strconcat(same, "{\"method\":\"echo\",\"params\":[],\"id\":\"echo\"}", NULL);

	assert_true(vnet_ovs_watch_feed(w, initial, strlen(initial), &e));
	c0 = changed_text(w);
	assert_string_equal(c0, "ovsbr0");	/* every bridge at first */
	c1 = changed_text(w);
	assert_string_equal(c1, "");
	/* a message split across reads */
	assert_true(vnet_ovs_watch_feed(w, add_port, 10, &e));
	assert_true(vnet_ovs_watch_feed(w, add_port + 10, strlen(add_port) - 10, &e));
	c2 = changed_text(w);
	assert_string_equal(c2, "ovsbr0");
	assert_true(vnet_ovs_watch_feed(w, ofport, strlen(ofport), &e));
	c3 = changed_text(w);
	assert_string_equal(c3, "ovsbr0");	/* the port got its ofport: its flows can be written now */
	assert_true(vnet_ovs_watch_feed(w, both, strlen(both), &e));
	c4 = changed_text(w);
	assert_string_equal(c4, "");	/* nothing that matters changed */
	assert_true(vnet_ovs_watch_feed(w, other, strlen(other), &e));
	c5 = changed_text(w);
	assert_string_equal(c5, "lansw");
	assert_true(vnet_ovs_watch_feed(w, gone, strlen(gone), &e));
	c6 = changed_text(w);
	assert_string_equal(c6, "ovsbr0");
}

static void test_watch_bad_updates(void **state)
{
	static const char *const bad[] = {
		"{\"method\":\"update\",\"params\":[\"vnetctl-watch\"],\"id\":null}",
		"{\"method\":\"update\",\"params\":[\"vnetctl-watch\",[]],\"id\":null}",
		"{\"method\":\"update\",\"params\":[\"vnetctl-watch\",{\"Port\":[]}],\"id\":null}",
		"{\"method\":\"update\",\"params\":[\"vnetctl-watch\",{\"Port\":{\"p\":7}}],\"id\":null}",
		"{\"method\":\"update\",\"params\":[\"vnetctl-watch\",{\"Port\":{\"p\":{\"new\":[1]}}}],\"id\":null}",
		"{\"method\":\"update\",\"params\":[\"vnetctl-watch\",{\"Port\":{\"p\":{\"old\":\"x\"}}}],\"id\":null}",
		"{\"method\":\"update\",\"params\":[\"vnetctl-watch\",{\"Port\":{\"\":{\"new\":{}}}}],\"id\":null}",
		"{\"method\":\"update\",\"params\":\"x\",\"id\":null}",
		"{\"method\":\"update\",\"params\":[\"vnetctl-watch\",{},{}],\"id\":null}",
		"[\"update\"]",
		"not json",
	};
	/* Odd but well-formed: rows of the wrong shapes are read as nothing, tables not asked for are left alone. */
	static const char *const odd[] = {
		UPD("{\"Mirror\":{\"m\":{\"new\":{}}}}"),
		UPD("{\"Bridge\":{" BR("b", "x", "7") "}}"),
		UPD("{\"Bridge\":{\"b\":{\"new\":{\"name\":7,\"ports\":[\"uuid\",\"nope\"]}}}}"),
		UPD("{\"Port\":{" PORT("p", "x", "[\"set\",[7,[\"uuid\"]]]") "}}"),
		UPD("{\"Interface\":{" IFACE("i", "x", "\"65534\"") "}}"),
		UPD("{\"Bridge\":{\"b\":{}}}"),
		"{\"id\":5,\"result\":{},\"error\":null}",
	};

	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autoptr(vnet_ovs_watch) w = vnet_ovs_watch_new_detached();
		g_autoptr(GError) e = NULL;
		print_message("bad update %zu: %s\n", i, bad[i]);
		assert_false(vnet_ovs_watch_feed(w, bad[i], strlen(bad[i]), &e));
		assert_non_null(e);
		assert_non_null(strstr(e->message, "connects again"));
	}
	for (size_t i = 0; i < G_N_ELEMENTS(odd); i++) {
		g_autoptr(vnet_ovs_watch) w = vnet_ovs_watch_new_detached();
		g_autoptr(GError) e = NULL;
		g_auto(GStrv) c = NULL;
		print_message("odd update %zu: %s\n", i, odd[i]);
		assert_true(vnet_ovs_watch_feed(w, odd[i], strlen(odd[i]), &e));
		c = vnet_ovs_watch_take_changed(w);
		assert_non_null(c);
	}
}

static void test_results(void **state)
{
	static const struct {
		const char *json;
		size_t n_ops;
		const char *error;	/* a substring of the message, or NULL: ok */
	} cases[] = {
		{ "[{}, {\"uuid\":[\"uuid\",\"x\"]}]", 2, NULL },
		{ "[{}, {\"error\":\"timed out\",\"details\":\"wait\"}, null]", 3, "timed out (wait)" },
		/* the commit's own error, after every operation's result */
		{ "[{}, {}, {\"error\":\"referential integrity violation\"}]", 2, "referential integrity violation" },
		{ "[{}]", 2, "wrong shape" },
		{ "{}", 1, "wrong shape" },
	};

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(json_t) r = json_loads(cases[i].json, 0, NULL);
		g_autoptr(GError) e = NULL;
		bool ok = vnet_ovsdb_check_result(NULL, r, cases[i].n_ops, &e);

		assert_int_equal(ok, cases[i].error == NULL);
		if (cases[i].error)
			assert_non_null(strstr(e->message, cases[i].error));
	}
}

/* The operation @op of @ops whose "table" is @table (the @nth such), or NULL. */
static const json_t *find_op(const json_t *ops, const char *op, const char *table, int nth)
{
	const json_t *o;
	size_t i;

	json_array_foreach(ops, i, o)
		if (g_strcmp0(json_string_value(json_object_get(o, "op")), op) == 0 &&
		    g_strcmp0(json_string_value(json_object_get(o, "table")), table) == 0 && nth-- == 0)
			return o;
	return NULL;
}

static char *dump(const json_t *j)
{
	return json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY | JSON_SORT_KEYS);
}

static void test_add_bridge_ops(void **state)
{
	g_autoptr(json_t) ops = vnet_ovs_ops_add_bridge("ovsbr0", "netdev", "52:54:00:aa:bb:cc");
	const json_t *br = find_op(ops, "insert", "Bridge", 0);
	const json_t *mut = find_op(ops, "mutate", "Open_vSwitch", 0);
	g_autofree char *row = dump(json_object_get(br, "row"));
	g_autofree char *m = dump(json_object_get(mut, "mutations"));
	g_autofree char *w0 = dump(find_op(ops, "wait", "Open_vSwitch", 0));
	g_autofree char *w1 = dump(find_op(ops, "wait", "Bridge", 0));

	assert_string_equal(row, "{\"datapath_type\":\"netdev\",\"external_ids\":[\"map\",[[\"vnetctl\",\"created\"]]],"
				 "\"name\":\"ovsbr0\",\"other_config\":[\"map\",[[\"hwaddr\",\"52:54:00:aa:bb:cc\"]]],"
				 "\"ports\":[\"named-uuid\",\"port\"]}");
	assert_string_equal(m, "[[\"bridges\",\"insert\",[\"named-uuid\",\"br\"]]]");
	/* the Open_vSwitch row must exist, and no bridge of that name */
	assert_string_equal(w0, "{\"columns\":[\"_uuid\"],\"op\":\"wait\",\"rows\":[],\"table\":\"Open_vSwitch\","
				"\"timeout\":0,\"until\":\"!=\",\"where\":[]}");
	assert_string_equal(w1, "{\"columns\":[\"name\"],\"op\":\"wait\",\"rows\":[],\"table\":\"Bridge\","
				"\"timeout\":0,\"until\":\"==\",\"where\":[[\"name\",\"==\",\"ovsbr0\"]]}");
	assert_non_null(find_op(ops, "wait", "Port", 0));
	assert_non_null(find_op(ops, "wait", "Interface", 0));
	{
		g_autofree char *iface = dump(json_object_get(find_op(ops, "insert", "Interface", 0), "row"));
		assert_string_equal(iface, "{\"name\":\"ovsbr0\",\"type\":\"internal\"}");
	}
	/* next_cfg bumped, then read back last */
	{
		g_autofree char *bump = dump(json_object_get(find_op(ops, "mutate", "Open_vSwitch", 1), "mutations"));
		g_autofree char *last = dump(json_array_get(ops, json_array_size(ops) - 1));
		assert_string_equal(bump, "[[\"next_cfg\",\"+=\",1]]");
		assert_string_equal(last, "{\"columns\":[\"next_cfg\"],\"op\":\"select\",\"table\":\"Open_vSwitch\",\"where\":[]}");
	}
	{
		g_autoptr(json_t) nomac = vnet_ovs_ops_add_bridge("b", "system", NULL);
		g_autofree char *oc = dump(json_object_get(json_object_get(find_op(nomac, "insert", "Bridge", 0), "row"),
							   "other_config"));
		assert_string_equal(oc, "[\"map\",[]]");
	}
}

static void test_port_ops(void **state)
{
	g_autoptr(json_t) add = vnet_ovs_ops_add_port("U1", "ovsbr0", "eth0");
	g_autoptr(json_t) del = vnet_ovs_ops_del_port("U1", "P1");
	g_autoptr(json_t) delbr = vnet_ovs_ops_del_bridge("U1");
	g_autofree char *guard = dump(find_op(add, "wait", "Bridge", 0));
	g_autofree char *port = dump(json_object_get(find_op(add, "insert", "Port", 0), "row"));
	g_autofree char *m = dump(find_op(add, "mutate", "Bridge", 0));
	g_autofree char *d = dump(find_op(del, "mutate", "Bridge", 0));
	g_autofree char *db = dump(json_object_get(find_op(delbr, "mutate", "Open_vSwitch", 0), "mutations"));

	assert_string_equal(guard, "{\"columns\":[\"name\"],\"op\":\"wait\",\"rows\":[{\"name\":\"ovsbr0\"}],"
				   "\"table\":\"Bridge\",\"timeout\":0,\"until\":\"==\","
				   "\"where\":[[\"_uuid\",\"==\",[\"uuid\",\"U1\"]]]}");
	/* a trunk: no tag, no trunks */
	assert_string_equal(port, "{\"interfaces\":[\"named-uuid\",\"iface\"],\"name\":\"eth0\"}");
	assert_string_equal(m, "{\"mutations\":[[\"ports\",\"insert\",[\"named-uuid\",\"port\"]]],\"op\":\"mutate\","
			       "\"table\":\"Bridge\",\"where\":[[\"_uuid\",\"==\",[\"uuid\",\"U1\"]]]}");
	assert_string_equal(d, "{\"mutations\":[[\"ports\",\"delete\",[\"uuid\",\"P1\"]]],\"op\":\"mutate\","
			       "\"table\":\"Bridge\",\"where\":[[\"_uuid\",\"==\",[\"uuid\",\"U1\"]]]}");
	assert_string_equal(db, "[[\"bridges\",\"delete\",[\"uuid\",\"U1\"]]]");
}

static void test_datapath(void **state)
{
	g_autoptr(GPtrArray) none = g_ptr_array_new_with_free_func((GDestroyNotify)vnet_ovs_bridge_free);
	g_autoptr(GPtrArray) some = g_ptr_array_new_with_free_func((GDestroyNotify)vnet_ovs_bridge_free);
	vnet_ovs_bridge *b = g_new0(vnet_ovs_bridge, 1), *c = g_new0(vnet_ovs_bridge, 1);

	assert_string_equal(vnet_ovs_pick_datapath(none, true), "system");
	assert_string_equal(vnet_ovs_pick_datapath(none, false), "netdev");
	b->name = g_strdup("a");
	b->datapath_type = g_strdup("");
	b->ports = g_ptr_array_new();
	c->name = g_strdup("b");
	c->datapath_type = g_strdup("netdev");
	c->ports = g_ptr_array_new();
	g_ptr_array_add(some, b);
	g_ptr_array_add(some, c);
	assert_string_equal(vnet_ovs_pick_datapath(some, true), "netdev");
	assert_ptr_equal(vnet_ovs_find_bridge(some, "b"), c);
	assert_null(vnet_ovs_find_bridge(some, "x"));
}

static void test_bad_switch_vlan(void **state)
{
	static const char *const bad_switch[] = { "", "OVS", "ovs ", "openvswitch", "linux-bridge", "1" };
	static const char *const bad_vlan[] = { "", "0", "4095", "65536", "-1", "+10", "010", "1e1", "0x10", " 10",
						"10 ", "ten", "10,20", "99999999999999999999" };
	g_autoptr(vnet_intent) in = vnet_intent_new("n", VNET_MODE_BRIDGED, NULL);
	vnet_switch sw = VNET_SWITCH_OVS;
	g_autoptr(GError) e = NULL;

	for (size_t i = 0; i < G_N_ELEMENTS(bad_switch); i++) {
		assert_false(vnet_switch_from_string(bad_switch[i], &sw, &e));
		assert_int_equal(sw, VNET_SWITCH_OVS);	/* untouched */
		g_clear_error(&e);
	}
	assert_false(vnet_switch_from_string(NULL, &sw, NULL));
	assert_true(vnet_switch_from_string("linux", &sw, NULL));
	assert_int_equal(sw, VNET_SWITCH_LINUX);
	for (size_t i = 0; i < G_N_ELEMENTS(bad_vlan); i++) {
		print_message("vlan \"%s\"\n", bad_vlan[i]);
		assert_false(vnet_intent_add_vlan(in, bad_vlan[i], &e));
		assert_non_null(strstr(e->message, "4094"));
		g_clear_error(&e);
	}
	assert_int_equal(vnet_intent_get_n_vlans(in), 0);
	assert_true(vnet_intent_add_vlan(in, "4094", NULL));
	assert_true(vnet_intent_add_vlan(in, "20", NULL));
	assert_true(vnet_intent_add_vlan(in, "1", NULL));
	assert_false(vnet_intent_add_vlan(in, "20", &e));
	assert_non_null(strstr(e->message, "twice"));
	assert_int_equal(vnet_intent_get_n_vlans(in), 3);
	assert_int_equal(vnet_intent_get_vlan(in, 0), 1);
	assert_int_equal(vnet_intent_get_vlan(in, 1), 20);
	assert_int_equal(vnet_intent_get_vlan(in, 2), 4094);
	assert_int_equal(vnet_intent_get_vlan(in, 3), 0);
}

/* The switch and VLANs survive the intent XML, and tell intents apart. */
static void test_intent_roundtrip(void **state)
{
	g_autoptr(vnet_intent) in = vnet_intent_new("n", VNET_MODE_BRIDGED, NULL);
	g_autoptr(vnet_intent) back = NULL, plain = NULL;
	g_autofree char *xml = NULL;
	g_autoptr(GError) e = NULL;

	vnet_intent_set_switch(in, VNET_SWITCH_OVS);
	vnet_intent_set_vlan_trunk(in, true);
	assert_true(vnet_intent_add_vlan(in, "20", NULL));
	assert_true(vnet_intent_add_vlan(in, "10", NULL));
	xml = vnet_intent_to_xml(in);
	back = vnet_intent_from_xml(xml, -1, &e);
	assert_non_null(back);
	assert_true(vnet_intent_equal(in, back));
	assert_int_equal(vnet_intent_get_switch(back), VNET_SWITCH_OVS);
	assert_true(vnet_intent_get_vlan_trunk(back));
	assert_int_equal(vnet_intent_get_n_vlans(back), 2);
	plain = vnet_intent_new("n", VNET_MODE_BRIDGED, NULL);
	assert_false(vnet_intent_equal(in, plain));
	{
		static const char *const bad[] = {
			"<intent xmlns='" VNET_XML_NS "' name='n' mode='bridged' switch='x'/>",
			"<intent xmlns='" VNET_XML_NS "' name='n' mode='bridged' switch='ovs'><vlan/></intent>",
			"<intent xmlns='" VNET_XML_NS "' name='n' mode='bridged' switch='ovs'><vlan id='0'/></intent>",
			"<intent xmlns='" VNET_XML_NS "' name='n' mode='bridged' switch='ovs'><vlan id='5' tag='5'/></intent>",
			"<intent xmlns='" VNET_XML_NS "' name='n' mode='bridged' vlan-trunk='maybe'/>",
		};
		for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
			g_autoptr(vnet_intent) b = vnet_intent_from_xml(bad[i], -1, NULL);
			assert_null(b);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_request),
		cmocka_unit_test(test_frames),
		cmocka_unit_test(test_results),
		cmocka_unit_test(test_watch_updates),
		cmocka_unit_test(test_watch_bad_updates),
		cmocka_unit_test(test_add_bridge_ops),
		cmocka_unit_test(test_port_ops),
		cmocka_unit_test(test_datapath),
		cmocka_unit_test(test_bad_switch_vlan),
		cmocka_unit_test(test_intent_roundtrip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
