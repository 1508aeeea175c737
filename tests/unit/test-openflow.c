/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * openflow.h without a bridge: the bytes of HELLO, BARRIER, a delete by
 * cookie and an add of a guard flow (OXM fields in prerequisite order,
 * output:NORMAL), the framing, and FLOW multipart replies, good and bad.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "openflow.h"

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_encode),
		cmocka_unit_test(test_parse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
