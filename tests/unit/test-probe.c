/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * probe without a network: ARP probes and DAD neighbour solicitations built
 * and parsed back, answers built by hand the way a LAN host sends them and
 * parsed, a table of malformed frames that must claim nothing; the sweep's
 * range checks (a table of bad ranges) and address counts; the guests'
 * static addresses through the intent XML, with a table of forged ones.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <vnet/vnet.h>
#include "helpers.h"
#include "model.h"
#include "probe.h"

static const guint8 our_mac[6] = { 0x52, 0x54, 0x00, 0x00, 0x00, 0x01 };
static const guint8 their_mac[6] = { 0x02, 0x00, 0x00, 0xaa, 0xbb, 0xcc };
static const guint8 option_mac[6] = { 0x02, 0x00, 0x00, 0x11, 0x22, 0x33 };

static vnet_addr addr(const char *s)
{
	vnet_addr a;

	assert_true(vnet_addr_parse(s, &a, NULL));
	return a;
}

static void assert_claim(const guint8 *frame, size_t len, vnet_claim_kind kind, const char *want_addr,
			 const guint8 *want_mac)
{
	vnet_claim c;
	g_autofree char *a = NULL, *m = NULL, *wm = vnet_mac_format(want_mac);

	if (!vnet_probe_parse(frame, len, &c))
		fail_msg("no claim parsed from a frame of %zu bytes (want %s)", len, want_addr);
	a = vnet_addr_format(&c.addr);
	m = vnet_mac_format(c.mac);
	assert_int_equal(c.kind, kind);
	assert_string_equal(a, want_addr);
	assert_string_equal(m, wm);
}

/* ---- ARP ---- */

static void test_arp_probe_roundtrip(void **state)
{
	guint8 f[VNET_PROBE_FRAME_MAX];
	vnet_addr t = addr("192.0.2.50");
	size_t len = vnet_probe_build(f, sizeof(f), our_mac, &t);

	(void)state;
	assert_int_equal(len, 60);
	/* broadcast, ARP, request, sender 0.0.0.0 (RFC 5227 2.1.1), target MAC zero */
	assert_memory_equal(f, "\xff\xff\xff\xff\xff\xff", 6);
	assert_memory_equal(f + 6, our_mac, 6);
	assert_memory_equal(f + 12, "\x08\x06", 2);
	assert_memory_equal(f + 20, "\x00\x01", 2);
	assert_memory_equal(f + 28, "\0\0\0\0", 4);
	assert_memory_equal(f + 32, "\0\0\0\0\0\0", 6);
	assert_memory_equal(f + 38, "\xc0\x00\x02\x32", 4);
	/* Seen from another host: someone probing for 192.0.2.50. */
	assert_claim(f, len, VNET_CLAIM_PROBE, "192.0.2.50", our_mac);
	/* Too small a buffer builds nothing. */
	assert_int_equal(vnet_probe_build(f, 59, our_mac, &t), 0);
}

/* What a Linux host holding @sender sends back to a probe (arp_process, sip == 0). */
static size_t arp_reply(guint8 *f, const char *sender)
{
	vnet_addr s = addr(sender);

	memset(f, 0, 60);
	memcpy(f, our_mac, 6);
	memcpy(f + 6, their_mac, 6);
	memcpy(f + 12, "\x08\x06\x00\x01\x08\x00\x06\x04\x00\x02", 10);
	memcpy(f + 22, their_mac, 6);
	memcpy(f + 28, s.b, 4);
	memcpy(f + 32, our_mac, 6);
	return 60;
}

static void test_arp_reply(void **state)
{
	guint8 f[64];
	size_t len = arp_reply(f, "192.0.2.50");

	(void)state;
	assert_claim(f, len, VNET_CLAIM_ANSWER, "192.0.2.50", their_mac);
	/* Without the padding, as a packet socket may hand it over. */
	assert_claim(f, 42, VNET_CLAIM_ANSWER, "192.0.2.50", their_mac);
	/* A request sent from the address: its sender uses it. */
	f[21] = 1;
	assert_claim(f, len, VNET_CLAIM_USE, "192.0.2.50", their_mac);
}

/* ---- IPv6 ---- */

static void test_ns_roundtrip(void **state)
{
	guint8 f[VNET_PROBE_FRAME_MAX];
	vnet_addr t = addr("2001:db8::50");
	size_t len = vnet_probe_build(f, sizeof(f), our_mac, &t);

	(void)state;
	assert_int_equal(len, 14 + 40 + 24);
	/* to the solicited-node group's MAC, from ::, hop limit 255 */
	assert_memory_equal(f, "\x33\x33\xff\x00\x00\x50", 6);
	assert_memory_equal(f + 12, "\x86\xdd", 2);
	assert_int_equal(f[14 + 7], 255);
	assert_memory_equal(f + 14 + 8, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 16);
	assert_memory_equal(f + 14 + 24, "\xff\x02\0\0\0\0\0\0\0\0\0\x01\xff\x00\x00\x50", 16);
	assert_int_equal(f[54], 135);
	/* The checksum holds (the parser checks it), and it reads as a DAD probe. */
	assert_claim(f, len, VNET_CLAIM_PROBE, "2001:db8::50", our_mac);
	assert_int_equal(vnet_probe_build(f, len - 1, our_mac, &t), 0);
}

/* RFC 4443's checksum of an IPv6 frame's ICMPv6 message of @plen bytes, written out independently of probe.c. */
static void fix_icmp6(guint8 *f, size_t plen)
{
	guint8 *ip = f + 14, *icmp = ip + 40;
	guint32 sum = 0;

	icmp[2] = icmp[3] = 0;
	for (int i = 0; i < 32; i += 2)
		sum += (guint32)(ip[8 + i] << 8 | ip[9 + i]);
	sum += (guint32)plen + 58;
	for (size_t i = 0; i < plen; i += 2)
		sum += (guint32)(icmp[i] << 8 | icmp[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	sum = ~sum & 0xffff;
	icmp[2] = (guint8)(sum >> 8);
	icmp[3] = (guint8)sum;
}

/*
 * An NA for @target as a host that holds it answers DAD: to ff02::1, from
 * @src, with the target link-layer option when @with_option.
 */
static size_t na_frame(guint8 *f, const char *target, bool with_option)
{
	static const guint8 src[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x50 };
	static const guint8 all_nodes[16] = { 0xff, 0x02, [15] = 0x01 };
	vnet_addr t = addr(target);
	guint8 *ip = f + 14, *icmp = ip + 40;
	size_t plen = with_option ? 32 : 24;

	memset(f, 0, 14 + 40 + plen);
	memcpy(f, "\x33\x33\x00\x00\x00\x01", 6);
	memcpy(f + 6, their_mac, 6);
	memcpy(f + 12, "\x86\xdd", 2);
	ip[0] = 0x60;
	ip[5] = (guint8)plen;
	ip[6] = 58;
	ip[7] = 255;
	memcpy(ip + 8, src, 16);
	memcpy(ip + 24, all_nodes, 16);
	icmp[0] = 136;
	icmp[4] = 0x20;		/* override */
	memcpy(icmp + 8, t.b, 16);
	if (with_option) {
		icmp[24] = 2;
		icmp[25] = 1;
		memcpy(icmp + 26, option_mac, 6);
	}
	fix_icmp6(f, plen);
	return 14 + 40 + plen;
}

static void test_na(void **state)
{
	guint8 f[128];
	size_t len;

	(void)state;
	/* The target link-layer option names who holds it. */
	len = na_frame(f, "2001:db8::50", true);
	assert_claim(f, len, VNET_CLAIM_ANSWER, "2001:db8::50", option_mac);
	/* Without it, the frame's source. */
	len = na_frame(f, "2001:db8::50", false);
	assert_claim(f, len, VNET_CLAIM_ANSWER, "2001:db8::50", their_mac);
	/* Ethernet padding after the payload is fine. */
	assert_claim(f, len + 6, VNET_CLAIM_ANSWER, "2001:db8::50", their_mac);
}

/* ---- frames that claim nothing ---- */

typedef struct bad_frame {
	const char *what;
	int base;		/* 0 ARP reply, 1 NA with option, 2 our NS probe */
	size_t offset;		/* byte to change, or (size_t)-1: truncate to @value */
	guint8 value;
} bad_frame;

static const bad_frame bad_frames[] = {
	{ "a VLAN tag instead of ARP", 0, 12, 0x81 },
	{ "IPv4, not ARP", 0, 13, 0x00 },
	{ "ARP hardware type 6", 0, 15, 6 },
	{ "ARP protocol not IPv4", 0, 16, 0x86 },
	{ "ARP hardware length 8", 0, 18, 8 },
	{ "ARP protocol length 16", 0, 19, 16 },
	{ "ARP operation 3 (RARP)", 0, 21, 3 },
	{ "ARP operation 0", 0, 21, 0 },
	{ "a multicast sender MAC", 0, 22, 0x01 },
	{ "ARP truncated to 41 bytes", 0, (size_t)-1, 41 },
	{ "ARP truncated to the Ethernet header", 0, (size_t)-1, 14 },
	{ "a frame shorter than an Ethernet header", 0, (size_t)-1, 13 },
	{ "an empty frame", 0, (size_t)-1, 0 },
	{ "IPv6 version 4", 1, 14, 0x40 },
	{ "UDP, not ICMPv6", 1, 14 + 6, 17 },
	{ "hop limit 254 (forwarded: no ND)", 1, 14 + 7, 254 },
	{ "a payload longer than the frame", 1, 14 + 5, 200 },
	{ "a payload shorter than an NA", 1, 14 + 5, 16 },
	{ "a bad ICMPv6 checksum", 1, 14 + 40 + 2, 0x00 },
	{ "ICMPv6 code 1", 1, 14 + 40 + 1, 1 },
	{ "ICMPv6 echo request", 1, 14 + 40, 128 },
	{ "a multicast target", 1, 14 + 40 + 8, 0xff },
	{ "an option of length 0", 1, 14 + 40 + 25, 0 },
	{ "an option running past the payload", 1, 14 + 40 + 25, 2 },
	{ "NA truncated inside the target", 1, (size_t)-1, 14 + 40 + 20 },
	{ "NA truncated inside its option", 1, (size_t)-1, 14 + 40 + 28 },
	{ "an NS from an address, not ::", 2, 14 + 8, 0x20 },
	{ "an NS truncated", 2, (size_t)-1, 14 + 40 + 23 },
};

static void test_bad_frames(void **state)
{
	(void)state;
	for (size_t i = 0; i < G_N_ELEMENTS(bad_frames); i++) {
		const bad_frame *b = &bad_frames[i];
		guint8 f[128];
		vnet_claim c;
		vnet_addr t = addr("2001:db8::50");
		size_t len = b->base == 0 ? arp_reply(f, "192.0.2.50")
			   : b->base == 1 ? na_frame(f, "2001:db8::50", true)
					  : vnet_probe_build(f, sizeof(f), our_mac, &t);
		guint8 old;
		if (b->offset == (size_t)-1) {
			len = b->value;
		} else {
			/* The change must change something, or the case tests nothing. */
			old = f[b->offset];
			f[b->offset] = b->value == old ? (guint8)~old : b->value;
			/* A valid checksum, so that the change itself is what is refused. */
			if (b->base && b->offset != 14 + 40 + 2)
				fix_icmp6(f, len - 14 - 40);
		}
		if (vnet_probe_parse(f, len, &c))
			fail_msg("%s: parsed as a claim", b->what);
	}
	/* A NULL frame, and an all-zero one, claim nothing either. */
	{
		guint8 zero[64] = { 0 };
		vnet_claim c;
		assert_false(vnet_probe_parse(NULL, 60, &c));
		assert_false(vnet_probe_parse(zero, sizeof(zero), &c));
	}
	/* An ARP reply from 0.0.0.0 holds nothing. */
	{
		guint8 f[64];
		vnet_claim c;
		size_t len = arp_reply(f, "0.0.0.0");
		assert_false(vnet_probe_parse(f, len, &c));
	}
}

/* ---- the sweep's range ---- */

static vnet_cidr cidr(const char *s)
{
	vnet_cidr c;

	assert_true(vnet_cidr_parse(s, VNET_CIDR_NEED_PREFIX, &c, NULL));
	return c;
}

typedef struct bad_range {
	const char *range;	/* NULL: the whole subnet */
	const char *subnet;	/* NULL: unknown */
	const char *needle;
} bad_range;

static const bad_range bad_ranges[] = {
	{ "10.0.0.0", "10.0.0.0/24", "10.0.0.0" },
	{ "10.0.0.5/24", "10.0.0.0/24", "host bits" },
	{ "junk", "10.0.0.0/24", "junk" },
	{ "", "10.0.0.0/24", "\"\"" },
	{ "10.0.0.0/33", NULL, "10.0.0.0/33" },
	{ "fd00::/64", NULL, "not IPv4" },
	{ "10.0.0.0/15", NULL, "larger than a /16" },
	{ "0.0.0.0/0", NULL, "larger than a /16" },
	{ "10.1.0.0/24", "10.0.0.0/24", "not inside the subnet 10.0.0.0/24" },
	{ "10.0.0.0/23", "10.0.0.0/24", "not inside the subnet 10.0.0.0/24" },
	{ "192.0.2.128/25", "192.0.2.0/25", "not inside" },
	{ NULL, "10.0.0.0/15", "larger than a /16" },
	{ NULL, "10.0.0.0/8", "--range" },
	{ NULL, NULL, "--range" },
};

static void test_bad_ranges(void **state)
{
	(void)state;
	for (size_t i = 0; i < G_N_ELEMENTS(bad_ranges); i++) {
		const bad_range *b = &bad_ranges[i];
		g_autoptr(GError) error = NULL;
		vnet_cidr sub, r;
		if (b->subnet)
			sub = cidr(b->subnet);
		if (vnet_sweep_range(b->range, b->subnet ? &sub : NULL, "br0", &r, &error))
			fail_msg("range %s in %s accepted", b->range ? b->range : "(none)",
				 b->subnet ? b->subnet : "(unknown)");
		assert_error(error, VNET_ERROR_INVALID, b->needle);
	}
	/* The same checks before connecting: only the range's own form and size. */
	{
		g_autoptr(GError) error = NULL;
		assert_false(vnet_scan_check_range("10.0.0.0/8", &error));
		assert_error(error, VNET_ERROR_INVALID, "10.0.0.0/8");
		assert_true(vnet_scan_check_range(NULL, NULL));
		assert_true(vnet_scan_check_range("10.9.0.0/16", NULL));
	}
}

static void test_good_ranges(void **state)
{
	static const struct {
		const char *range, *subnet, *want;
		guint64 count;
	} cases[] = {
		{ NULL, "10.0.0.0/24", "10.0.0.0/24", 254 },
		{ NULL, "10.0.0.77/24", "10.0.0.0/24", 254 },	/* a host address with its prefix */
		{ "10.0.0.0/26", "10.0.0.0/24", "10.0.0.0/26", 63 },	/* the subnet's network left out */
		{ "10.0.0.192/26", "10.0.0.0/24", "10.0.0.192/26", 63 },	/* and its broadcast */
		{ "10.0.0.64/26", "10.0.0.0/24", "10.0.0.64/26", 64 },
		{ "10.0.0.9/32", "10.0.0.0/24", "10.0.0.9/32", 1 },
		{ NULL, "10.0.0.8/31", "10.0.0.8/31", 2 },		/* RFC 3021: both are hosts */
		{ NULL, "10.0.0.0/16", "10.0.0.0/16", 65534 },
		{ "192.0.2.0/24", NULL, "192.0.2.0/24", 256 },	/* a LAN of unknown subnet */
	};

	(void)state;
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		vnet_cidr sub, r;
		g_autofree char *got = NULL;
		if (cases[i].subnet)
			sub = cidr(cases[i].subnet);
		assert_ok(vnet_sweep_range(cases[i].range, cases[i].subnet ? &sub : NULL, "br0", &r, &err_));
		got = vnet_cidr_format(&r);
		assert_string_equal(got, cases[i].want);
		if (cases[i].subnet)
			sub = vnet_cidr_network(&sub);
		assert_int_equal(vnet_sweep_count(&r, cases[i].subnet ? &sub : NULL), cases[i].count);
	}
}

static void test_sweep_without_bridge(void **state)
{
	vnet_cidr r = cidr("192.0.2.0/30");
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) macs = NULL;
	vnet_addr a = addr("192.0.2.1");

	(void)state;
	/* No such bridge: a sweep is an error, a probe finds nobody. */
	assert_null(vnet_sweep("vnet-nosuch0", &r, NULL, 0, NULL, NULL, &error));
	assert_error(error, VNET_ERROR_NOT_FOUND, "vnet-nosuch0");
	macs = vnet_probe_address("vnet-nosuch0", &a, NULL, NULL, NULL);
	assert_non_null(macs);
	assert_int_equal(macs->len, 0);
}

/* ---- static addresses in the intent XML ---- */

static const char static_xml[] =
	"<intent xmlns='http://vnetctl.org/xmlns/intent/1' name='lan' mode='bridged'>"
	"<bridge name='br-lan'/><state>%s</state></intent>";

/* ---- 802.1Q: a probe on a VLAN, and what is heard on one ---- */

static void test_vlan_tag(void **state)
{
	guint8 f[VNET_PROBE_FRAME_MAX], small[64];
	vnet_addr t = addr("10.9.0.10");
	size_t len = vnet_probe_build(f, sizeof(f), our_mac, &t), tagged;
	vnet_claim c;

	(void)state;
	tagged = vnet_probe_tag(f, len, sizeof(f), 10);
	assert_int_equal(tagged, len + 4);
	assert_memory_equal(f + 12, "\x81\x00\x00\x0a\x08\x06", 6);
	/* Heard tagged: the same claim, on VLAN 10. */
	assert_true(vnet_probe_parse(f, tagged, &c));
	assert_int_equal(c.vlan, 10);
	assert_int_equal(c.kind, VNET_CLAIM_PROBE);
	assert_claim(f, tagged, VNET_CLAIM_PROBE, "10.9.0.10", our_mac);
	/* Untagged frames are VLAN 0. */
	len = vnet_probe_build(f, sizeof(f), our_mac, &t);
	assert_true(vnet_probe_parse(f, len, &c));
	assert_int_equal(c.vlan, 0);
	/* No room, a VLAN out of range, a runt: nothing tagged. */
	memcpy(small, f, sizeof(small));
	assert_int_equal(vnet_probe_tag(small, 62, sizeof(small), 10), 0);
	assert_int_equal(vnet_probe_tag(f, len, sizeof(f), 0), 0);
	assert_int_equal(vnet_probe_tag(f, len, sizeof(f), 4095), 0);
	assert_int_equal(vnet_probe_tag(f, 10, sizeof(f), 10), 0);
	/* Two tags (QinQ), a VLAN 0 (priority) tag, a tag with nothing behind it: no claim. */
	tagged = vnet_probe_tag(f, len, sizeof(f), 10);
	assert_int_equal(vnet_probe_tag(f, tagged, sizeof(f), 20), tagged + 4);
	assert_false(vnet_probe_parse(f, tagged + 4, &c));
	len = vnet_probe_build(f, sizeof(f), our_mac, &t);
	tagged = vnet_probe_tag(f, len, sizeof(f), 10);
	f[14] = 0xe0;
	f[15] = 0x00;
	assert_false(vnet_probe_parse(f, tagged, &c));
	assert_false(vnet_probe_parse(f, 17, &c));
}

static void test_statics_roundtrip(void **state)
{
	g_autofree char *in_xml = g_strdup_printf(static_xml,
		"<static mac='52:54:00:AA:00:01' domain='dom' address='192.0.2.60'/>"
		"<static mac='52:54:00:aa:00:01' domain='dom' address='2001:db8:0::60'/>"
		"<static mac='52:54:00:aa:00:02' domain='d2' address='192.0.2.60' vlan='20'/>");
	g_autoptr(vnet_intent) in = NULL, back = NULL, copy = NULL;
	g_autofree char *out = NULL;
	const char *mac, *dom;

	(void)state;
	assert_ok((in = vnet_intent_from_xml(in_xml, -1, &err_)) != NULL);
	assert_int_equal(vnet_intent_get_n_static_addrs(in), 3);
	assert_int_equal(vnet_intent_get_static_addr_vlan(in, 0), 0);
	assert_int_equal(vnet_intent_get_static_addr_vlan(in, 2), 20);
	assert_int_equal(vnet_intent_get_static_addr_vlan(in, 3), 0);
	assert_string_equal(vnet_intent_get_static_addr(in, 0, &mac, &dom), "192.0.2.60");
	assert_string_equal(mac, "52:54:00:aa:00:01");
	assert_string_equal(dom, "dom");
	assert_string_equal(vnet_intent_get_static_addr(in, 1, NULL, NULL), "2001:db8::60");
	assert_null(vnet_intent_get_static_addr(in, 3, NULL, NULL));
	out = vnet_intent_to_xml(in);
	assert_ok((back = vnet_intent_from_xml(out, -1, &err_)) != NULL);
	assert_int_equal(vnet_intent_get_n_static_addrs(back), 3);
	assert_int_equal(vnet_intent_get_static_addr_vlan(back, 2), 20);
	assert_string_equal(vnet_intent_get_static_addr(back, 1, NULL, NULL), "2001:db8::60");
	copy = vnet_intent_copy(back);
	assert_string_equal(vnet_intent_get_static_addr(copy, 0, NULL, NULL), "192.0.2.60");
	assert_int_equal(vnet_intent_get_static_addr_vlan(copy, 2), 20);
	/* A record of what attach did, not the intent's identity. */
	{
		g_autoptr(vnet_intent) plain = vnet_intent_from_xml(
			"<intent xmlns='http://vnetctl.org/xmlns/intent/1' name='lan' mode='bridged'>"
			"<bridge name='br-lan'/></intent>", -1, NULL);
		assert_non_null(plain);
		assert_true(vnet_intent_equal(plain, back));
	}
}

static void test_statics_forged(void **state)
{
	static const struct {
		const char *elem, *needle;
	} cases[] = {
		{ "<static mac='01:00:5e:00:00:01' domain='dom' address='192.0.2.60'/>", "01:00:5e:00:00:01" },
		{ "<static mac='52:54:00:aa:00' domain='dom' address='192.0.2.60'/>", "52:54:00:aa:00" },
		{ "<static domain='dom' address='192.0.2.60'/>", "mac" },
		{ "<static mac='52:54:00:aa:00:01' domain='a;reboot' address='192.0.2.60'/>", "a;reboot" },
		{ "<static mac='52:54:00:aa:00:01' address='192.0.2.60'/>", "domain" },
		{ "<static mac='52:54:00:aa:00:01' domain='dom' address='192.0.2.600'/>", "192.0.2.600" },
		{ "<static mac='52:54:00:aa:00:01' domain='dom' address='192.0.2.0/24'/>", "192.0.2.0/24" },
		{ "<static mac='52:54:00:aa:00:01' domain='dom'/>", "address" },
		{ "<static mac='52:54:00:aa:00:01' domain='dom' address='192.0.2.60' guard='no'/>", "guard" },
		{ "<static mac='52:54:00:aa:00:01' domain='dom' address='192.0.2.60' vlan='0'/>", "vlan" },
		{ "<static mac='52:54:00:aa:00:01' domain='dom' address='192.0.2.60' vlan='4095'/>", "4095" },
		{ "<static mac='52:54:00:aa:00:01' domain='dom' address='192.0.2.60' vlan='-1'/>", "-1" },
		{ "<static mac='52:54:00:aa:00:01' domain='dom' address='192.0.2.60' vlan='10x'/>", "10x" },
		{ "<static mac='52:54:00:aa:00:01' domain='dom' address='192.0.2.60' vlan=''/>", "vlan" },
	};

	(void)state;
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree char *xml = g_strdup_printf(static_xml, cases[i].elem);
		g_autoptr(GError) error = NULL;
		g_autoptr(vnet_intent) in = vnet_intent_from_xml(xml, -1, &error);
		if (in)
			fail_msg("accepted %s", cases[i].elem);
		assert_error(error, VNET_ERROR_INVALID, cases[i].needle);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_arp_probe_roundtrip),
		cmocka_unit_test(test_arp_reply),
		cmocka_unit_test(test_ns_roundtrip),
		cmocka_unit_test(test_na),
		cmocka_unit_test(test_bad_frames),
		cmocka_unit_test(test_bad_ranges),
		cmocka_unit_test(test_good_ranges),
		cmocka_unit_test(test_sweep_without_bridge),
		cmocka_unit_test(test_vlan_tag),
		cmocka_unit_test(test_statics_roundtrip),
		cmocka_unit_test(test_statics_forged),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
