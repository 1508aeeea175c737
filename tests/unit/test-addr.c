/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests of src/lib/addr.c: IPv4/IPv6 parsing and formatting, CIDR
 * parsing, containment, overlap, n-th host, last address, reserved
 * addresses and the automatic choice of an IPv4 subnet.  Each group is a
 * table; a case is one line.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "addr.h"
#include "util.h"

/* ---- helpers ---- */

static vnet_addr addr(const char *s)
{
	g_autoptr(GError) error = NULL;
	vnet_addr a;

	if (!vnet_addr_parse(s, &a, &error))
		fail_msg("test setup: %s", error->message);
	return a;
}

static vnet_cidr cidr(const char *s)
{
	g_autoptr(GError) error = NULL;
	vnet_cidr c;

	if (!vnet_cidr_parse(s, 0, &c, &error))
		fail_msg("test setup: %s", error->message);
	return c;
}

static void assert_addr_is(const vnet_addr *a, const char *want)
{
	g_autofree char *s = vnet_addr_format(a);

	assert_string_equal(s, want);
}

/* The message names the bad value as it is shown: control characters escaped. */
static void assert_error_mentions(const GError *error, const char *needle)
{
	g_autoptr(GString) shown = g_string_new(NULL);

	for (const char *p = needle; *p; p++) {
		if ((guchar)*p < 0x20)
			g_string_append_printf(shown, "\\x%02x", (guchar)*p);
		else
			g_string_append_c(shown, *p);
	}
	assert_non_null(error);
	assert_true(error->domain == VNET_ERROR);
	assert_int_equal(error->code, VNET_ERROR_INVALID);
	if (!strstr(error->message, shown->str))
		fail_msg("error \"%s\" does not mention \"%s\"", error->message, shown->str);
	/* Nothing a terminal would act on. */
	for (const char *p = error->message; *p; p++)
		assert_true((guchar)*p >= 0x20);
}

/* ---- addresses ---- */

static void test_addr_bits(void **state)
{
	(void)state;
	assert_int_equal(vnet_addr_bits(AF_INET), 32);
	assert_int_equal(vnet_addr_bits(AF_INET6), 128);
}

static const struct {
	const char *in;
	int family;
	const char *out;
} good_addrs[] = {
	{ "0.0.0.0", AF_INET, "0.0.0.0" },
	{ "255.255.255.255", AF_INET, "255.255.255.255" },
	{ "10.0.0.1", AF_INET, "10.0.0.1" },
	{ "127.0.0.1", AF_INET, "127.0.0.1" },
	{ "::", AF_INET6, "::" },
	{ "::1", AF_INET6, "::1" },
	{ "::ffff:1.2.3.4", AF_INET6, "::ffff:1.2.3.4" },
	{ "2001:DB8::1", AF_INET6, "2001:db8::1" },
	{ "2001:0db8:0000:0000:0000:0000:0000:0001", AF_INET6, "2001:db8::1" },
	{ "fd00:0:0:0:0:0:0:5", AF_INET6, "fd00::5" },
	{ "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", AF_INET6, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff" },
	{ "1:0:0:1:0:0:0:1", AF_INET6, "1:0:0:1::1" },
};

static void test_addr_parse_good(void **state)
{
	(void)state;
	for (size_t i = 0; i < G_N_ELEMENTS(good_addrs); i++) {
		g_autoptr(GError) error = NULL;
		vnet_addr a;

		if (!vnet_addr_parse(good_addrs[i].in, &a, &error))
			fail_msg("\"%s\": %s", good_addrs[i].in, error->message);
		assert_null(error);
		assert_int_equal(a.family, good_addrs[i].family);
		assert_addr_is(&a, good_addrs[i].out);
	}
}

static const char *const bad_addrs[] = {
	"", "01.2.3.4", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1.2.3.-1", " 1.2.3.4",
	"1.2.3.4 ", "0x1.2.3.4", "1.2.3.4/32", "[::1]", "::1%lo", ":::", "1::2::3",
	"gggg::1", "1:2:3:4:5:6:7:8:9", "::ffff:1.2.3", "localhost", "10.0.0.1\n",
};

static void test_addr_parse_bad(void **state)
{
	(void)state;
	for (size_t i = 0; i < G_N_ELEMENTS(bad_addrs); i++) {
		g_autoptr(GError) error = NULL;
		vnet_addr a = { .family = 12345 };

		if (vnet_addr_parse(bad_addrs[i], &a, &error))
			fail_msg("\"%s\" was accepted", bad_addrs[i]);
		assert_error_mentions(error, bad_addrs[i]);
		assert_int_equal(a.family, 12345);	/* untouched on failure */
	}
}

static void test_addr_parse_null(void **state)
{
	g_autoptr(GError) error = NULL;
	vnet_addr a;

	(void)state;
	assert_false(vnet_addr_parse(NULL, &a, &error));
	assert_error_mentions(error, "IPv4");
}

static void test_addr_cmp_equal_loopback(void **state)
{
	vnet_addr a = addr("10.0.0.1"), b = addr("10.0.0.2"), v6 = addr("::1");

	(void)state;
	assert_true(vnet_addr_cmp(&a, &b) < 0);
	assert_true(vnet_addr_cmp(&b, &a) > 0);
	assert_int_equal(vnet_addr_cmp(&a, &a), 0);
	assert_true(vnet_addr_equal(&a, &a));
	assert_false(vnet_addr_equal(&a, &b));
	/* Families sort apart and are never equal, even with equal bytes. */
	assert_true(vnet_addr_cmp(&a, &v6) != 0);
	assert_true((vnet_addr_cmp(&a, &v6) < 0) == (vnet_addr_cmp(&v6, &a) > 0));
	vnet_addr zero4 = addr("0.0.0.0"), zero6 = addr("::");
	assert_false(vnet_addr_equal(&zero4, &zero6));

	assert_true(vnet_addr_is_loopback(&v6));
	vnet_addr lo = addr("127.0.0.1"), lo2 = addr("127.255.1.2"), v6b = addr("::2");
	assert_true(vnet_addr_is_loopback(&lo));
	assert_true(vnet_addr_is_loopback(&lo2));
	assert_false(vnet_addr_is_loopback(&a));
	assert_false(vnet_addr_is_loopback(&v6b));
	assert_false(vnet_addr_is_loopback(&zero6));
}

/* ---- CIDR parsing ---- */

static const struct {
	const char *in;
	unsigned flags;
	const char *out;
} good_cidrs[] = {
	{ "10.0.0.0/24", VNET_CIDR_NETWORK, "10.0.0.0/24" },
	{ "10.0.0.5/24", 0, "10.0.0.5/24" },
	{ "10.0.0.5", 0, "10.0.0.5/32" },
	{ "10.0.0.5", VNET_CIDR_NETWORK, "10.0.0.5/32" },
	{ "0.0.0.0/0", VNET_CIDR_NETWORK | VNET_CIDR_NEED_PREFIX, "0.0.0.0/0" },
	{ "255.255.255.255/32", VNET_CIDR_NETWORK, "255.255.255.255/32" },
	{ "192.168.0.0/16", VNET_CIDR_NETWORK | VNET_CIDR_NEED_PREFIX, "192.168.0.0/16" },
	{ "10.0.0.0/9", 0, "10.0.0.0/9" },
	{ "::/0", VNET_CIDR_NETWORK, "::/0" },
	{ "::1", 0, "::1/128" },
	{ "::1/128", VNET_CIDR_NETWORK, "::1/128" },
	{ "fd00::/64", VNET_CIDR_NETWORK | VNET_CIDR_NEED_PREFIX, "fd00::/64" },
	{ "FD00:0::/8", VNET_CIDR_NETWORK, "fd00::/8" },
	{ "fd00::1/64", 0, "fd00::1/64" },
	{ "2001:db8::/127", VNET_CIDR_NETWORK, "2001:db8::/127" },
	{ "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255/128", 0,
	  "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128" },
};

static void test_cidr_parse_good(void **state)
{
	(void)state;
	for (size_t i = 0; i < G_N_ELEMENTS(good_cidrs); i++) {
		g_autoptr(GError) error = NULL;
		g_autofree char *s = NULL;
		vnet_cidr c;

		if (!vnet_cidr_parse(good_cidrs[i].in, good_cidrs[i].flags, &c, &error))
			fail_msg("\"%s\": %s", good_cidrs[i].in, error->message);
		s = vnet_cidr_format(&c);
		assert_string_equal(s, good_cidrs[i].out);
	}
}

static const struct {
	const char *in;
	unsigned flags;
} bad_cidrs[] = {
	{ "", 0 },
	{ "/", 0 },
	{ "/24", 0 },
	{ "10.0.0.0/", 0 },
	{ "10.0.0.0/33", 0 },
	{ "10.0.0.0/99999999999999999999999", 0 },
	{ "fd00::/129", 0 },
	{ "10.0.0.0/-1", 0 },
	{ "10.0.0.0/+8", 0 },
	{ "10.0.0.0/08", 0 },
	{ "10.0.0.0/00", 0 },
	{ "10.0.0.0/ 8", 0 },
	{ "10.0.0.0/8 ", 0 },
	{ "10.0.0.0/8/8", 0 },
	{ "10.0.0.0/1a", 0 },
	{ "10.0.0.0/0x8", 0 },
	{ "10.0.0.0 /8", 0 },
	{ "1.2.3/24", 0 },
	{ "01.2.3.4/32", 0 },
	{ "10.0.0.0", VNET_CIDR_NEED_PREFIX },
	{ "fd00::", VNET_CIDR_NEED_PREFIX },
	{ "[fd00::]/64", 0 },
	{ "fd00::%eth0/64", 0 },
	{ "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255/1280", 0 },
	{ "10.0.0.0/24\n", 0 },
};

static void test_cidr_parse_bad(void **state)
{
	(void)state;
	for (size_t i = 0; i < G_N_ELEMENTS(bad_cidrs); i++) {
		g_autoptr(GError) error = NULL;
		vnet_cidr c = { .prefix = 777 };

		if (vnet_cidr_parse(bad_cidrs[i].in, bad_cidrs[i].flags, &c, &error))
			fail_msg("\"%s\" was accepted", bad_cidrs[i].in);
		assert_error_mentions(error, bad_cidrs[i].in);
		assert_error_mentions(error, "10.0.0.0/24");	/* shows the form */
		assert_int_equal(c.prefix, 777);	/* untouched on failure */
	}
}

static void test_cidr_parse_null_and_long(void **state)
{
	g_autoptr(GError) e1 = NULL;
	g_autoptr(GError) e2 = NULL;
	g_autofree char *longs = g_strnfill(200, '1');
	vnet_cidr c;

	(void)state;
	assert_false(vnet_cidr_parse(NULL, 0, &c, &e1));
	assert_error_mentions(e1, "subnet");
	assert_false(vnet_cidr_parse(longs, 0, &c, &e2));
	assert_error_mentions(e2, longs);
}

/* Host bits set: refuse, and suggest the network that was probably meant. */
static const struct {
	const char *in, *want;
} host_bits[] = {
	{ "10.0.0.5/24", "10.0.0.0/24" },
	{ "10.0.0.1/8", "10.0.0.0/8" },
	{ "192.168.1.255/23", "192.168.0.0/23" },
	{ "10.0.0.0/0", "0.0.0.0/0" },
	{ "10.0.0.1/31", "10.0.0.0/31" },
	{ "fd00::1/64", "fd00::/64" },
	{ "fd00:1:2:3:4::/48", "fd00:1:2::/48" },
	{ "::1/127", "::/127" },
};

static void test_cidr_parse_host_bits(void **state)
{
	(void)state;
	for (size_t i = 0; i < G_N_ELEMENTS(host_bits); i++) {
		g_autoptr(GError) error = NULL;
		g_autofree char *quoted = g_strdup_printf("\"%s\"", host_bits[i].want);
		vnet_cidr c = { .prefix = 777 };

		if (vnet_cidr_parse(host_bits[i].in, VNET_CIDR_NETWORK, &c, &error))
			fail_msg("\"%s\" was accepted as a network", host_bits[i].in);
		assert_error_mentions(error, host_bits[i].in);
		assert_error_mentions(error, quoted);
		assert_int_equal(c.prefix, 777);
		/* Without the flag it is an interface address and fine. */
		c = cidr(host_bits[i].in);
		vnet_cidr net = vnet_cidr_network(&c);
		g_autofree char *s = vnet_cidr_format(&net);
		assert_string_equal(s, host_bits[i].want);
	}
}

/* ---- containment and overlap ---- */

static const struct {
	const char *cidr, *addr;
	bool in;
} contains[] = {
	{ "10.0.0.0/24", "10.0.0.0", true },
	{ "10.0.0.0/24", "10.0.0.255", true },
	{ "10.0.0.0/24", "10.0.1.0", false },
	{ "10.0.0.0/24", "9.255.255.255", false },
	{ "10.0.0.5/24", "10.0.0.77", true },	/* host bits of the CIDR ignored */
	{ "0.0.0.0/0", "255.255.255.255", true },
	{ "0.0.0.0/0", "::", false },
	{ "10.0.0.5/32", "10.0.0.5", true },
	{ "10.0.0.5/32", "10.0.0.4", false },
	{ "10.0.0.0/31", "10.0.0.1", true },
	{ "10.0.0.0/31", "10.0.0.2", false },
	{ "fd00::/64", "fd00::ffff:ffff:ffff:ffff", true },
	{ "fd00::/64", "fd00:0:0:1::", false },
	{ "::/0", "ffff::1", true },
	{ "::/0", "0.0.0.0", false },
	{ "::1/128", "::1", true },
	{ "::1/128", "::", false },
	{ "fd00::/7", "fdff::1", true },
	{ "fd00::/8", "fc00::1", false },
	{ "::ffff:0.0.0.0/96", "1.2.3.4", false },	/* mapped is not IPv4 */
};

static void test_cidr_contains(void **state)
{
	(void)state;
	for (size_t i = 0; i < G_N_ELEMENTS(contains); i++) {
		vnet_cidr c = cidr(contains[i].cidr);
		vnet_addr a = addr(contains[i].addr);

		if (vnet_cidr_contains(&c, &a) != contains[i].in)
			fail_msg("contains(%s, %s) should be %d", contains[i].cidr, contains[i].addr,
				 contains[i].in);
	}
}

static const struct {
	const char *a, *b;
	bool overlap;
} overlaps[] = {
	{ "10.0.0.0/24", "10.0.0.0/24", true },			/* equal */
	{ "10.0.0.0/8", "10.20.30.0/24", true },		/* nested */
	{ "10.0.0.0/24", "10.0.0.128/25", true },		/* nested, shares the end */
	{ "10.0.0.0/24", "10.0.1.0/24", false },		/* adjacent */
	{ "10.0.0.0/25", "10.0.0.128/25", false },		/* adjacent halves */
	{ "10.0.0.0/24", "192.168.0.0/24", false },		/* disjoint */
	{ "0.0.0.0/0", "192.168.0.0/24", true },		/* /0 holds everything */
	{ "0.0.0.0/0", "0.0.0.0/0", true },
	{ "10.0.0.5/32", "10.0.0.0/24", true },
	{ "10.0.0.5/32", "10.0.0.5/32", true },
	{ "10.0.0.5/32", "10.0.0.6/32", false },
	{ "10.0.0.5/24", "10.0.0.200/24", true },		/* host bits ignored */
	{ "172.16.0.0/12", "172.31.255.0/24", true },
	{ "172.16.0.0/12", "172.32.0.0/24", false },
	{ "fd00::/64", "fd00::/56", true },
	{ "fd00::/64", "fd00:0:0:1::/64", false },
	{ "::/0", "fd00::/64", true },
	{ "::1/128", "::1/128", true },
	{ "::1/128", "::/127", true },
	{ "::1/128", "::2/128", false },
	{ "0.0.0.0/0", "::/0", false },				/* families never overlap */
	{ "10.0.0.0/8", "::ffff:10.0.0.0/104", false },
	{ "0.0.0.0/32", "::/128", false },
};

static void test_cidr_overlaps(void **state)
{
	(void)state;
	for (size_t i = 0; i < G_N_ELEMENTS(overlaps); i++) {
		vnet_cidr a = cidr(overlaps[i].a), b = cidr(overlaps[i].b);

		if (vnet_cidr_overlaps(&a, &b) != overlaps[i].overlap ||
		    vnet_cidr_overlaps(&b, &a) != overlaps[i].overlap)
			fail_msg("overlaps(%s, %s) should be %d both ways", overlaps[i].a,
				 overlaps[i].b, overlaps[i].overlap);
	}
}

/* ---- n-th address, last address, reserved addresses ---- */

static const struct {
	const char *cidr;
	guint64 n;
	const char *want;	/* NULL: past the end */
} nth[] = {
	{ "10.0.0.0/24", 0, "10.0.0.0" },
	{ "10.0.0.0/24", 1, "10.0.0.1" },			/* first host */
	{ "10.0.0.0/24", 255, "10.0.0.255" },
	{ "10.0.0.0/24", 256, NULL },
	{ "10.0.0.77/24", 1, "10.0.0.1" },			/* counts from the network */
	{ "10.0.0.0/16", 256, "10.0.1.0" },			/* carries */
	{ "10.0.0.0/16", 65535, "10.0.255.255" },
	{ "10.0.0.0/16", 65536, NULL },
	{ "10.0.0.5/32", 0, "10.0.0.5" },
	{ "10.0.0.5/32", 1, NULL },
	{ "0.0.0.0/0", 0xffffffffu, "255.255.255.255" },
	{ "0.0.0.0/0", G_GUINT64_CONSTANT(0x100000000), NULL },
	{ "0.0.0.0/0", G_MAXUINT64, NULL },
	{ "fd00::/64", 1, "fd00::1" },
	{ "fd00::/64", G_MAXUINT64, "fd00::ffff:ffff:ffff:ffff" },	/* every n fits */
	{ "fd00::/8", G_MAXUINT64, "fd00::ffff:ffff:ffff:ffff" },
	{ "fd00::/120", 255, "fd00::ff" },
	{ "fd00::/120", 256, NULL },
	{ "fd00::/65", G_GUINT64_CONSTANT(0x7fffffffffffffff), "fd00::7fff:ffff:ffff:ffff" },
	{ "fd00::/65", G_GUINT64_CONSTANT(0x8000000000000000), NULL },
	{ "fd00::/63", G_MAXUINT64, "fd00::ffff:ffff:ffff:ffff" },
	{ "::1/128", 0, "::1" },
	{ "::1/128", 1, NULL },
	{ "::/0", G_MAXUINT64, "::ffff:ffff:ffff:ffff" },
};

static void test_cidr_nth(void **state)
{
	(void)state;
	for (size_t i = 0; i < G_N_ELEMENTS(nth); i++) {
		vnet_cidr c = cidr(nth[i].cidr);
		vnet_addr a = { .family = 12345 };
		bool ok = vnet_cidr_nth(&c, nth[i].n, &a);

		if (ok != (nth[i].want != NULL))
			fail_msg("nth(%s, %" G_GUINT64_FORMAT ") returned %d", nth[i].cidr, nth[i].n, ok);
		if (ok) {
			assert_int_equal(a.family, c.addr.family);
			assert_addr_is(&a, nth[i].want);
		} else {
			assert_int_equal(a.family, 12345);
		}
	}
}

static const struct {
	const char *cidr, *last;
} lasts[] = {
	{ "10.0.0.0/24", "10.0.0.255" },
	{ "10.0.0.7/24", "10.0.0.255" },
	{ "10.0.0.0/23", "10.0.1.255" },
	{ "10.0.0.0/8", "10.255.255.255" },
	{ "10.0.0.0/31", "10.0.0.1" },
	{ "10.0.0.4/32", "10.0.0.4" },
	{ "0.0.0.0/0", "255.255.255.255" },
	{ "172.16.0.0/12", "172.31.255.255" },
	{ "fd00::/64", "fd00::ffff:ffff:ffff:ffff" },
	{ "fd00::/120", "fd00::ff" },
	{ "::/0", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff" },
	{ "::1/128", "::1" },
};

static void test_cidr_last(void **state)
{
	(void)state;
	for (size_t i = 0; i < G_N_ELEMENTS(lasts); i++) {
		vnet_cidr c = cidr(lasts[i].cidr);
		vnet_addr a = vnet_cidr_last(&c);

		assert_addr_is(&a, lasts[i].last);
	}
}

static const struct {
	const char *cidr, *addr;
	bool reserved;
} reserved[] = {
	{ "10.0.0.0/24", "10.0.0.0", true },		/* network */
	{ "10.0.0.0/24", "10.0.0.255", true },		/* broadcast */
	{ "10.0.0.0/24", "10.0.0.1", false },
	{ "10.0.0.0/24", "10.0.0.254", false },
	{ "10.0.0.9/24", "10.0.0.0", true },
	{ "10.0.0.0/30", "10.0.0.3", true },
	{ "10.0.0.0/30", "10.0.0.2", false },
	{ "10.0.0.0/31", "10.0.0.0", false },		/* RFC 3021: both are hosts */
	{ "10.0.0.0/31", "10.0.0.1", false },
	{ "10.0.0.5/32", "10.0.0.5", false },		/* a single host */
	{ "10.0.0.0/24", "10.0.1.0", false },		/* outside */
	{ "10.0.0.0/24", "::", false },
	{ "fd00::/64", "fd00::", true },		/* subnet-router anycast */
	{ "fd00::/64", "fd00::ffff:ffff:ffff:ffff", false },	/* no broadcast in IPv6 */
	{ "fd00::/64", "fd00::1", false },
	{ "fd00::/127", "fd00::", true },
};

static void test_cidr_is_reserved(void **state)
{
	(void)state;
	for (size_t i = 0; i < G_N_ELEMENTS(reserved); i++) {
		vnet_cidr c = cidr(reserved[i].cidr);
		vnet_addr a = addr(reserved[i].addr);

		if (vnet_cidr_is_reserved(&c, &a) != reserved[i].reserved)
			fail_msg("is_reserved(%s, %s) should be %d", reserved[i].cidr,
				 reserved[i].addr, reserved[i].reserved);
	}
}

/* ---- automatic subnet choice ---- */

static const struct {
	const char *name;
	const char *taken[5];
	const char *want;	/* NULL: nothing left */
} picks[] = {
	/* 192.168.123-255 first: above libvirt's 192.168.122, above home routers' */
	{ "nothing taken", { NULL }, "192.168.123.0/24" },
	{ "first /24 taken", { "192.168.123.0/24" }, "192.168.124.0/24" },
	{ "a host address in the first /24", { "192.168.123.1/32" }, "192.168.124.0/24" },
	{ "an interface address /24", { "192.168.123.17/24" }, "192.168.124.0/24" },
	{ "a /24 and the next /23", { "192.168.123.0/24", "192.168.124.0/23" }, "192.168.126.0/24" },
	{ "a wide route over the first /24s", { "192.168.112.0/20" }, "192.168.128.0/24" },
	{ "a narrow route inside", { "192.168.123.128/25" }, "192.168.124.0/24" },
	{ "IPv6 ignored", { "::/0", "fd00::/8" }, "192.168.123.0/24" },
	{ "libvirt's and Docker's defaults", { "192.168.122.0/24", "172.17.0.0/16" }, "192.168.123.0/24" },
	/* then 172.16.x, below Docker's 172.17, then Docker's pools */
	{ "192.168.123-255 taken", { "192.168.123.0/24", "192.168.124.0/22", "192.168.128.0/17" },
	  "172.16.0.0/24" },
	{ "and 172.16/16", { "192.168.123.0/24", "192.168.124.0/22", "192.168.128.0/17", "172.16.0.0/16" },
	  "172.17.0.0/24" },
	{ "and Docker's 172.17/16", { "192.168.123.0/24", "192.168.124.0/22", "192.168.128.0/17",
				      "172.16.0.0/15" }, "172.18.0.0/24" },
	/* then the low 192.168s, and 10/8 last: corporate LANs behind the default gateway */
	{ "172.16/12 and the high 192.168s", { "172.16.0.0/12", "192.168.128.0/17", "192.168.124.0/22",
					       "192.168.123.0/24" }, "192.168.0.0/24" },
	{ "172.16/12 and 192.168/16", { "172.16.0.0/12", "192.168.0.0/16" }, "10.0.0.0/24" },
	{ "and 10.0.0/24", { "172.16.0.0/12", "192.168.0.0/16", "10.0.0.0/24" }, "10.0.1.0/24" },
	{ "every pool", { "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16" }, NULL },
	{ "every pool but the last /24",
	  { "192.168.0.0/16", "172.16.0.0/12", "10.0.0.0/9", "10.128.0.0/10", "10.192.0.0/11" },
	  "10.224.0.0/24" },
	{ "a wider supernet", { "8.0.0.0/5", "172.0.0.0/8" }, "192.168.123.0/24" },
	{ "wider supernets", { "192.0.0.0/8", "172.0.0.0/8" }, "10.0.0.0/24" },
	/*
	 * A default route covers every pool, so pick4 finds nothing.  The
	 * callers leave /0 routes out of @taken for this reason.
	 */
	{ "default route", { "0.0.0.0/0" }, NULL },
};

static void test_cidr_pick4(void **state)
{
	(void)state;
	for (size_t i = 0; i < G_N_ELEMENTS(picks); i++) {
		vnet_cidr taken[G_N_ELEMENTS(picks[i].taken)];
		vnet_cidr got = { .prefix = 777 };
		size_t n = 0;
		bool ok;

		for (; n < G_N_ELEMENTS(picks[i].taken) && picks[i].taken[n]; n++)
			taken[n] = cidr(picks[i].taken[n]);
		ok = vnet_cidr_pick4(n ? taken : NULL, n, &got);
		if (ok != (picks[i].want != NULL))
			fail_msg("%s: pick4 returned %d", picks[i].name, ok);
		if (ok) {
			g_autofree char *s = vnet_cidr_format(&got);
			if (strcmp(s, picks[i].want))
				fail_msg("%s: picked %s, want %s", picks[i].name, s, picks[i].want);
			for (size_t j = 0; j < n; j++)
				assert_false(vnet_cidr_overlaps(&got, &taken[j]));
		} else {
			assert_int_equal(got.prefix, 777);	/* untouched on failure */
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_addr_bits),
		cmocka_unit_test(test_addr_parse_good),
		cmocka_unit_test(test_addr_parse_bad),
		cmocka_unit_test(test_addr_parse_null),
		cmocka_unit_test(test_addr_cmp_equal_loopback),
		cmocka_unit_test(test_cidr_parse_good),
		cmocka_unit_test(test_cidr_parse_bad),
		cmocka_unit_test(test_cidr_parse_null_and_long),
		cmocka_unit_test(test_cidr_parse_host_bits),
		cmocka_unit_test(test_cidr_contains),
		cmocka_unit_test(test_cidr_overlaps),
		cmocka_unit_test(test_cidr_nth),
		cmocka_unit_test(test_cidr_last),
		cmocka_unit_test(test_cidr_is_reserved),
		cmocka_unit_test(test_cidr_pick4),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
