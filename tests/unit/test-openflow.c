/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * openflow.h without a bridge: the bytes of HELLO, BARRIER, a delete by
 * cookie and an add of a guard flow (OXM fields in prerequisite order,
 * output:NORMAL), the ONF bundle messages around them, the framing, FLOW
 * multipart and bundle replies, good and bad, and the text of ERRORs.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "model.h"
#include "openflow.h"
#include "ovsdb.h"

static char *hexof(const GByteArray *b)
{
	GString *s = g_string_new(NULL);

	for (guint i = 0; i < b->len; i++)
		g_string_append_printf(s, "%02x", b->data[i]);
	return g_string_free(s, FALSE);
}

static void test_encode(void **state)
{
	g_autoptr(GByteArray) b = g_byte_array_new();
	g_autofree char *h = NULL, *d = NULL, *a = NULL;
	vnet_of_flow f = { .priority = 20100, .in_port = 5, .eth_type = 0x0806, .has_src4 = true,
			   .src4 = { 10, 9, 0, 101 }, .has_eth_src = true,
			   .eth_src = { 0x52, 0x54, 0, 1, 2, 3 }, .icmp6_type = -1, .normal = true };

	(void)state;
	vnet_of_encode_hello(b, 1);
	h = hexof(b);
	assert_string_equal(h, "0400000800000001");
	g_byte_array_set_size(b, 0);
	vnet_of_encode_delete(b, 2, 0x766e657411223344ull);
	d = hexof(b);
	assert_string_equal(d, "040e003800000002" "766e657411223344" "ffffffffffffffff" "ff03" "0000" "0000" "0000"
			       "ffffffff" "ffffffff" "ffffffff" "0000" "0000" "0001000400000000");
	g_byte_array_set_size(b, 0);
	vnet_of_encode_add(b, 3, 1, &f);
	a = hexof(b);
	/* in_port, eth_src, eth_type, arp_spa: 4+8+10+6+8 = 36, padded to 40; apply-actions output:NORMAL */
	assert_string_equal(a, "040e007000000003" "0000000000000001" "0000000000000000" "0000" "0000" "0000" "4e84"
			       "ffffffff" "ffffffff" "ffffffff" "0000" "0000"
			       "00010024" "8000000400000005" "80000806525400010203" "80000a020806" "80002c040a090065"
			       "00000000"
			       "0004001800000000" "00000010fffffffa" "0000000000000000");
	assert_int_equal(vnet_of_cookie("v") >> 32, 0x766e6574);
	assert_true(vnet_of_cookie("v") != vnet_of_cookie("w"));
}

static void port_free(vnet_ovs_port *p)
{
	g_free(p->name);
	g_array_unref(p->trunks);
	g_free(p->iface_id);
	g_free(p);
}

/* The flows of @in's guard on a bridge with guest port vp1 (ofport 7, VLAN 10) and its uplink. */
static GPtrArray *guard_of(vnet_intent *in)
{
	g_autoptr(vnet_ovs_bridge) b = g_new0(vnet_ovs_bridge, 1);
	vnet_ovs_port *p = g_new0(vnet_ovs_port, 1), *u = g_new0(vnet_ovs_port, 1);

	b->name = g_strdup("ovsbr0");
	b->datapath_type = g_strdup("netdev");
	b->ports = g_ptr_array_new_with_free_func((GDestroyNotify)port_free);
	p->name = g_strdup("vp1");
	p->tag = 10;
	p->ofport = 7;
	p->trunks = g_array_new(FALSE, FALSE, sizeof(guint16));
	u->name = g_strdup("up0");
	u->tag = -1;
	u->ofport = 1;
	u->trunks = g_array_new(FALSE, FALSE, sizeof(guint16));
	g_ptr_array_add(b->ports, p);
	g_ptr_array_add(b->ports, u);
	return vnet_of_guard_flows(in, b, NULL);
}

/* Flows of @flows with priority @prio and MAC 52:54:00:00:00:01, as "ETHTYPE SRC/PLEN action" lines. */
static char *flows_at(const GPtrArray *flows, guint16 prio)
{
	GString *s = g_string_new(NULL);

	for (guint i = 0; i < flows->len; i++) {
		const vnet_of_flow *f = flows->pdata[i];
		char a[64] = "-";
		if (f->priority != prio || !f->has_eth_src || f->eth_src[5] != 1)
			continue;
		g_assert(f->in_port == 7);
		if (f->has_src6)
			g_snprintf(a, sizeof(a), "%02x%02x/%u", f->src6[0], f->src6[1], f->src6_plen ? f->src6_plen : 128);
		g_string_append_printf(s, "%04x %s %s\n", f->eth_type, a, f->normal ? "normal" : "drop");
	}
	return g_string_free(s, FALSE);
}

/* Strict with an IPv6 address bound: :: and fe80::/10 pass, else only its own; IPv4 strict untouched. */
static void test_strict6(void **state)
{
	g_autoptr(vnet_intent) in = vnet_intent_new("v", VNET_MODE_BRIDGED, NULL);
	g_autoptr(GPtrArray) flows = NULL, on = NULL;
	g_autoptr(GByteArray) b = g_byte_array_new();
	g_autofree char *unspec = NULL, *strict = NULL, *owner = NULL, *h = NULL, *none = NULL;
	vnet_addr a6;
	vnet_of_flow ll = { .priority = 10100, .eth_type = 0x86dd, .has_src6 = true, .src6 = { 0xfe, 0x80, 1 },
			    .src6_plen = 10, .icmp6_type = -1, .normal = true };

	(void)state;
	assert_true(vnet_addr_parse("2001:db8:9::101", &a6, NULL));
	vnet_intent_set_guard(in, VNET_GUARD_STRICT);
	g_ptr_array_add(in->statics, vnet_static_addr_new("52:54:00:00:00:01", "d1", &a6));
	((vnet_static_addr *)in->statics->pdata[0])->vlan = 10;
	flows = guard_of(in);
	unspec = flows_at(flows, 10100);
	strict = flows_at(flows, 10000);
	owner = flows_at(flows, 20100);
	assert_string_equal(unspec, "86dd 0000/128 normal\n86dd fe80/10 normal\n");
	assert_string_equal(strict, "86dd - drop\n");
	assert_string_equal(owner, "86dd 2001/128 normal\n");
	/* no IPv4 strict for a MAC with IPv6 alone */
	assert_null(strstr(strict, "0800"));
	/* on: the owner's flows, no strict ones */
	vnet_intent_set_guard(in, VNET_GUARD_ON);
	on = guard_of(in);
	none = flows_at(on, 10000);
	assert_string_equal(none, "");
	/* the mask goes on the wire as OXM's value-then-mask, the value cut to the prefix */
	vnet_of_encode_add(b, 3, 1, &ll);
	h = hexof(b);
	assert_non_null(strstr(h, "80000a0286dd" "80003520" "fe800000000000000000000000000000" "ffc00000000000000000000000000000"));
}

static GByteArray *reply(guint16 flags, const char *entries_hex)
{
	GByteArray *b = g_byte_array_new();
	size_t n = strlen(entries_hex) / 2;
	guint8 h[16] = { 4, 19, 0, 0, 0, 0, 0, 7, 0, 1, (guint8)(flags >> 8), (guint8)flags, 0, 0, 0, 0 };

	h[2] = (guint8)((16 + n) >> 8);
	h[3] = (guint8)(16 + n);
	g_byte_array_append(b, h, 16);
	for (size_t i = 0; i < n; i++) {
		guint8 v = (guint8)g_ascii_strtoull((char[]){ entries_hex[2 * i], entries_hex[2 * i + 1], 0 }, NULL, 16);
		g_byte_array_append(b, &v, 1);
	}
	return b;
}

/* One flow: priority 30000, cookie 1, 9 packets, in_port 5, no instructions (a drop). */
#define DROP_ENTRY "0040" DROP_REST
#define DROP_REST "000000000000000000007530000000000000000000000000000000000001" \
		   "00000000000000090000000000000100" "000100" "0c" "8000000400000005" "00000000"

static void test_parse(void **state)
{
	g_autoptr(GPtrArray) st = g_ptr_array_new_with_free_func((GDestroyNotify)vnet_of_stat_free);
	g_autoptr(GByteArray) ok = reply(1, DROP_ENTRY);
	g_autoptr(GError) e = NULL;
	const vnet_of_stat *s;
	bool more = false;
	static const char *const bad[] = {
		"00",					/* a truncated entry */
		"0030" DROP_REST,			/* a length below its own parts */
		"0039" DROP_REST,			/* a length not a multiple of 8 */
		"0048" DROP_REST,			/* longer than the message */
		"0040000000000000000000007530000000000000000000000000000000000001"
		"00000000000000090000000000000100" "000200" "0c" "8000000400000005" "00000000", /* no OXM match */
		"0040000000000000000000007530000000000000000000000000000000000001"
		"00000000000000090000000000000100" "000100" "40" "8000000400000005" "00000000", /* a match past the entry */
		"0040000000000000000000007530000000000000000000000000000000000001"
		"00000000000000090000000000000100" "000100" "0c" "800000ff00000005" "00000000", /* an OXM past the match */
	};
	guint8 type;
	guint32 xid;
	size_t len;

	(void)state;
	assert_true(vnet_of_frame(ok->data, ok->len, &type, &xid, &len, &e));
	assert_null(e);
	assert_int_equal(type, VNET_OF_MULTIPART_REPLY);
	assert_int_equal(xid, 7);
	assert_int_equal(len, ok->len);
	assert_false(vnet_of_frame(ok->data, ok->len - 1, &type, &xid, &len, &e));
	assert_true(vnet_of_parse_flow_stats(ok->data, ok->len, st, &more, &e));
	assert_true(more);
	assert_int_equal(st->len, 1);
	s = st->pdata[0];
	assert_int_equal(s->priority, 30000);
	assert_int_equal(s->cookie, 1);
	assert_int_equal(s->packets, 9);
	assert_int_equal(s->in_port, 5);
	assert_true(s->drops);
	for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autoptr(GByteArray) b = reply(0, bad[i]);
		g_autoptr(GError) be = NULL;
		guint before = st->len;
		assert_false(vnet_of_parse_flow_stats(b->data, b->len, st, &more, &be));
		assert_non_null(be);
		assert_int_equal(st->len, before);
	}
	{
		/* another version than a HELLO's is no OpenFlow 1.3 peer */
		static const guint8 v1[] = { 1, 19, 0, 8, 0, 0, 0, 1 };
		assert_true(vnet_of_frame(v1, sizeof(v1), &type, &xid, &len, &e));
		assert_non_null(e);
	}
}

static void test_bundle_encode(void **state)
{
	g_autoptr(GByteArray) mods = g_byte_array_new();
	g_autoptr(GByteArray) b = g_byte_array_new();
	g_autofree char *c = NULL, *a = NULL, *w = NULL;

	(void)state;
	vnet_of_encode_bundle_ctrl(b, 9, 0x11223344, VNET_OF_BUNDLE_OPEN_REQUEST, VNET_OF_BUNDLE_ATOMIC | VNET_OF_BUNDLE_ORDERED);
	c = hexof(b);
	/* EXPERIMENTER, ONF, ONF_ET_BUNDLE_CONTROL (2300), id, OPEN_REQUEST, ATOMIC|ORDERED */
	assert_string_equal(c, "0404001800000009" "4f4e4600" "000008fc" "11223344" "0000" "0003");
	g_byte_array_set_size(b, 0);
	vnet_of_encode_barrier(mods, 0x55);
	vnet_of_encode_bundle_add(b, 7, 3, mods->data, mods->len);
	a = hexof(b);
	/* ONF_ET_BUNDLE_ADD_MESSAGE (2301), the inner message's xid outside too, pad, flags, the message */
	assert_string_equal(a, "0404002000000055" "4f4e4600" "000008fd" "00000007" "0000" "0003" "0414000800000055");
	g_byte_array_set_size(b, 0);
	g_byte_array_set_size(mods, 0);
	vnet_of_encode_delete(mods, 2, 0x766e657411223344ull);
	vnet_of_encode_barrier(mods, 3);
	vnet_of_encode_bundle(b, 20, 20, mods);
	w = hexof(b);
	assert_int_equal(b->len, 24 + (24 + 56) + (24 + 8));
	/* open (xid 20), the delete (xid 2), the barrier (3) */
	assert_true(g_str_has_prefix(w, "0404001800000014" "4f4e4600" "000008fc" "00000014" "0000" "0003"
					"0404005000000002" "4f4e4600" "000008fd" "00000014" "0000" "0003" "040e0038"));
	assert_true(g_str_has_suffix(w, "0404002000000003" "4f4e4600" "000008fd" "00000014" "0000" "0003"
					"0414000800000003"));
	/* a message whose length is below a header's or past the end ends the bundle there */
	g_byte_array_set_size(b, 0);
	mods->data[mods->len - 6] = 0x07;
	vnet_of_encode_bundle(b, 20, 20, mods);
	assert_int_equal(b->len, 24 + (24 + 56));
}

static GByteArray *bytes_of(const char *hex)
{
	GByteArray *b = g_byte_array_new();

	for (size_t i = 0; hex[i] && hex[i + 1]; i += 2) {
		guint8 v = (guint8)(g_ascii_xdigit_value(hex[i]) << 4 | g_ascii_xdigit_value(hex[i + 1]));
		g_byte_array_append(b, &v, 1);
	}
	return b;
}

static void test_bundle_reply(void **state)
{
	g_autoptr(GByteArray) ok = bytes_of("0404001800000014" "4f4e4600" "000008fc" "00000014" "0005" "0003");
	g_autoptr(GError) e = NULL;
	guint32 id = 0;
	guint16 type = 99;
	static const char *const bad[] = {
		"0404001700000014" "4f4e4600" "000008fc" "00000014" "00",		/* short */
		"0404001800000014" "4f4e4600" "000008fc" "00000014" "0005",		/* length past the bytes */
		"0404001800000014" "00002320" "000008fc" "00000014" "0005" "0003",	/* Nicira, not ONF */
		"0404001800000014" "4f4e4600" "000008fd" "00000014" "0005" "0003",	/* an ADD_MESSAGE */
		"0413001800000014" "4f4e4600" "000008fc" "00000014" "0005" "0003",	/* no EXPERIMENTER */
		"0404001000000014" "4f4e4600" "000008fc" "00000014" "0005" "0003",	/* a length below its parts */
	};

	(void)state;
	assert_true(vnet_of_parse_bundle_reply(ok->data, ok->len, &id, &type, &e));
	assert_null(e);
	assert_int_equal(id, 20);
	assert_int_equal(type, VNET_OF_BUNDLE_COMMIT_REPLY);
	for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autoptr(GByteArray) b = bytes_of(bad[i]);
		g_autoptr(GError) be = NULL;
		guint32 bid = 5;
		guint16 bt = 6;
		assert_false(vnet_of_parse_bundle_reply(b->data, b->len, &bid, &bt, &be));
		assert_non_null(be);
		assert_int_equal(bid, 5);
		assert_int_equal(bt, 6);
	}
}

static void test_error_text(void **state)
{
	static const struct { const char *hex, *want; } cases[] = {
		/* a flow without its match's prerequisite */
		{ "0401000c00000005" "0004" "0009", "OFPBMC_BAD_PREREQ (error type 4, code 9)" },
		{ "0401000c00000005" "0002" "0004", "OFPBAC_BAD_OUT_PORT" },
		{ "0401000c00000005" "0005" "0002", "OFPFMFC_BAD_TABLE_ID" },
		/* an ovs-vswitchd without the bundle extension */
		{ "0401000c00000005" "0001" "0004", "OFPBRC_BAD_EXP_TYPE (error type 1, code 4); this ovs-vswitchd does not know" },
		/* the bundle's commit after a refused message, as the ONF extension says it */
		{ "0401001000000005" "ffff" "0909" "4f4e4600", "OFPBFC_MSG_FAILED (experimenter 0x4f4e4600, code 2313)" },
		{ "0401001000000005" "ffff" "090c" "4f4e4600", "request (experimenter 0x4f4e4600, code 2316)" },
		{ "0401001000000005" "ffff" "08fc" "00002320", "(experimenter 0x00002320, code 2300)" },
		{ "0401000e00000005" "ffff" "08fc" "4f4e", "(experimenter 0x00000000, code 2300)" },
		{ "0401000c00000005" "0004" "00ff", "(error type 4, code 255)" },
		{ "0401000c00000005" "00ee" "0001", "(error type 238, code 1)" },
		{ "0401000a00000005" "0004", "without saying why" },
	};

	(void)state;
	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(GByteArray) b = bytes_of(cases[i].hex);
		g_autofree char *t = vnet_of_error_text(b->data, b->len);
		if (!strstr(t, cases[i].want))
			fail_msg("case %u: \"%s\" lacks \"%s\"", i, t, cases[i].want);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_encode),
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_strict6),
		cmocka_unit_test(test_bundle_encode),
		cmocka_unit_test(test_bundle_reply),
		cmocka_unit_test(test_error_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
