/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests of src/lib/forward.c: the forward spec grammar
 *
 *   [HOST_IP:]HOST_PORT[-END]:[GUEST:]GUEST_PORT[-END][/tcp|/udp|/sctp]
 *
 * One table of specs, good and bad; a case is one line.  A good spec names
 * its canonical form, and the canonical form must be a fixed point that
 * means the same forward.  A bad spec names a piece of text the error
 * message must contain: the value that is wrong, quoted as the user wrote
 * it, or failing that what is wrong with it.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "model.h"
#include "util.h"

#define A8 "aaaaaaaa"
#define A64 A8 A8 A8 A8 A8 A8 A8 A8
#define A65 A64 "a"
#define A248 A64 A64 A64 A8 A8 A8 A8 A8 A8 A8

static const struct {
	const char *spec;
	bool ok;
	const char *want;	/* ok: the canonical form; bad: in the error message */
} specs[] = {
	/* ---- good ---- */
	{ "8080:80", true, "8080:80/tcp" },
	{ "8080:80/tcp", true, "8080:80/tcp" },
	{ "8080:80/udp", true, "8080:80/udp" },
	{ "8080:80/sctp", true, "8080:80/sctp" },
	{ "2222:22", true, "2222:22/tcp" },
	{ "1:1", true, "1:1/tcp" },
	{ "65535:65535/udp", true, "65535:65535/udp" },
	{ "1-65535:1-65535", true, "1-65535:1-65535/tcp" },
	{ "65534-65535:1-2", true, "65534-65535:1-2/tcp" },
	{ "8000-8010:80-90", true, "8000-8010:80-90/tcp" },
	{ "5000-5001:6000-6001/udp", true, "5000-5001:6000-6001/udp" },
	{ "8080-8080:80-80", true, "8080:80/tcp" },		/* a range of one is a port */
	{ "08080:080", true, "8080:80/tcp" },			/* leading zeros: still decimal */
	/* host address */
	{ "127.0.0.1:8080:80", true, "127.0.0.1:8080:80/tcp" },
	{ "192.168.1.10:2222:22/sctp", true, "192.168.1.10:2222:22/sctp" },
	{ "0.0.0.0:8080:80", true, "8080:80/tcp" },		/* 0.0.0.0 means any */
	{ "0.0.0.0:8080:web:80/udp", true, "8080:web:80/udp" },
	{ "0.0.0.0:8080:10.0.0.5:80", true, "8080:10.0.0.5:80/tcp" },
	{ "[::1]:8080:80", true, "[::1]:8080:80/tcp" },
	{ "[0:0:0:0:0:0:0:1]:80:80", true, "[::1]:80:80/tcp" },
	{ "[2001:DB8:0::1]:443:443", true, "[2001:db8::1]:443:443/tcp" },
	{ "[::ffff:1.2.3.4]:8080:80", true, "[::ffff:1.2.3.4]:8080:80/tcp" },
	{ "[fe80::1]:8080:80", true, "[fe80::1]:8080:80/tcp" },
	{ "[::]:8080:80", true, "[::]:8080:80/tcp" },		/* any IPv6 address */
	{ "[::]:8080:80/sctp", true, "[::]:8080:80/sctp" },
	{ "[::]:8080:web:80", true, "[::]:8080:web:80/tcp" },
	/* guest address */
	{ "8080:10.0.0.5:80", true, "8080:10.0.0.5:80/tcp" },
	{ "127.0.0.1:8080:10.0.0.5:80/udp", true, "127.0.0.1:8080:10.0.0.5:80/udp" },
	{ "10.1.2.3:53:10.0.0.2:53/udp", true, "10.1.2.3:53:10.0.0.2:53/udp" },
	{ "8080:[fd00::5]:80", true, "8080:[fd00::5]:80/tcp" },
	{ "[::]:8080:[fd00::5]:80", true, "8080:[fd00::5]:80/tcp" },	/* family from the guest */
	{ "[::]:80-81:[fd00::5]:8080-8081/udp", true, "80-81:[fd00::5]:8080-8081/udp" },
	{ "[2001:db8::1]:443:[fd00::10]:8443/tcp", true, "[2001:db8::1]:443:[fd00::10]:8443/tcp" },
	/* guest name */
	{ "8080:web:80", true, "8080:web:80/tcp" },
	{ "1.2.3.4:8080:web-1:80", true, "1.2.3.4:8080:web-1:80/tcp" },
	{ "[::1]:8080:web:80/sctp", true, "[::1]:8080:web:80/sctp" },
	{ "8080:web.example.com:80", true, "8080:web.example.com:80/tcp" },
	{ "8080:web_2:80", true, "8080:web_2:80/tcp" },
	{ "8080:a:80", true, "8080:a:80/tcp" },
	{ "8080:1web:80", true, "8080:1web:80/tcp" },
	{ "8080:123abc:80", true, "8080:123abc:80/tcp" },	/* not all digits: a name */
	{ "8080:web-1.lab:80-80", true, "8080:web-1.lab:80/tcp" },
	{ "65535:" A64 ":65535/sctp", true, "65535:" A64 ":65535/sctp" },	/* longest name */

	/* ---- bad ---- */
	{ "", false, "empty" },
	{ "8080", false, "\"8080\" is not of the form" },
	{ "/tcp", false, "\"/tcp\" is not of the form" },
	{ "8080:80/icmp", false, "\"icmp\" is not a protocol" },
	{ "8080:80/TCP", false, "\"TCP\" is not a protocol" },
	{ "8080:80/", false, "\"\" is not a protocol" },
	{ "8080:80/tcp/udp", false, "\"80/tcp\" is not a port" },
	/* ports */
	{ "0:80", false, "\"0\" is not a port" },
	{ "8080:0", false, "\"0\" is not a port" },
	{ "00000:80", false, "\"00000\" is not a port" },
	{ "65536:80", false, "\"65536\" is not a port" },
	{ "80:65536", false, "\"65536\" is not a port" },
	{ "100000:80", false, "\"100000\" is not a port" },
	{ "99999999999999999999:80", false, "\"99999999999999999999\" is not a port" },
	{ "+80:80", false, "\"+80\" is not a port" },
	{ "0x50:80", false, "\"0x50\" is not a port" },
	{ "http:80", false, "\"http\" is not a port" },
	{ "1.2.3.4:8080", false, "\"1.2.3.4\" is not a port" },
	{ "localhost:8080:80", false, "\"localhost\" is not a port" },
	{ "[::1]:8080:[fd00::5]", false, "\"[fd00::5]\" is not a port" },
	/* ranges */
	{ "8000-8010:80", false, "\"8000-8010\" and the guest ports \"80\" are not ranges of the same length" },
	{ "8000:80-90", false, "\"8000\" and the guest ports \"80-90\"" },
	{ "90-80:90-80", false, "\"90-80\" ends before it starts" },
	{ "80:90-80", false, "\"90-80\" ends before it starts" },
	{ "8080-:80", false, "\"8080-\" is not a port" },
	{ "-8080:80", false, "\"-8080\" is not a port" },
	{ "8080-8081-8082:80-82", false, "\"8080-8081-8082\" is not a port" },
	{ "0-10:0-10", false, "\"0-10\" is not a port" },
	{ "65535-65536:1-2", false, "\"65535-65536\" is not a port" },
	/* empty fields */
	{ "::80", false, "\"\" is not a port" },
	{ ":8080:80", false, "\"\" is not a port" },
	{ "8080:", false, "\"\" is not a port" },
	{ ":80", false, "\"\" is not a port" },
	{ "8080:80:", false, "\"\" is not a port" },
	{ "8080::80", false, "the guest \"\" is neither" },
	{ ":", false, "\"\" is not a port" },
	/* host address */
	{ "::1:8080:80", false, "IPv6 addresses go in brackets" },
	{ "fd00::1:8080:80", false, "\"fd00::1:8080:80\" is not of the form" },
	{ "[::1:8080:80", false, "\"[::1:8080:80\" is not of the form" },
	{ "[::1]8080:80", false, "\"[::1]8080:80\" is not of the form" },
	{ "a[::1]:8080:80", false, "\"a[::1]:8080:80\" is not of the form" },
	{ "[::1]]:8080:80", false, "\"[::1]]:8080:80\" is not of the form" },
	{ "[]:8080:80", false, "\"[]\" is not an IPv4 address" },
	{ "[1.2.3.4]:80:80", false, "\"[1.2.3.4]\" is not an IPv4 address or a bracketed IPv6" },
	{ "[fd00::1%eth0]:80:80", false, "\"[fd00::1%eth0]\" is not an IPv4 address" },
	{ "[localhost]:80:80", false, "\"[localhost]\" is not an IPv4 address" },
	{ "1.2.3:8080:80", false, "\"1.2.3\" is not an IPv4 address" },
	{ "01.2.3.4:8080:80", false, "\"01.2.3.4\" is not an IPv4 address" },
	{ "1.2.3.4.5:8080:80", false, "\"1.2.3.4.5\" is not an IPv4 address" },
	{ "web:8080:web:80", false, "\"web\" is not an IPv4 address" },
	/* guest */
	{ "8080:10.0.0.256:80", false, "\"10.0.0.256\" is not an IPv4 address" },
	{ "8080:[10.0.0.5]:80", false, "\"[10.0.0.5]\" is not an IPv4 address" },
	{ "8080:80:90", false, "the guest \"80\" is neither an address nor a valid domain name" },
	{ "8080:web_!:80", false, "the guest \"web_!\" is neither" },
	{ "8080:-web:80", false, "the guest \"-web\" is neither" },
	{ "8080:.web:80", false, "the guest \".web\" is neither" },
	{ "8080:web$(id):80", false, "the guest \"web$(id)\" is neither" },
	{ "8080:web;rm:80", false, "the guest \"web;rm\" is neither" },
	{ "8080:" A65 ":80", false, "the guest \"" A65 "\" is neither" },
	/* families */
	{ "[::1]:8080:10.0.0.5:80", false, "mixes an IPv4 and an IPv6 address" },
	{ "127.0.0.1:8080:[fd00::5]:80", false, "mixes an IPv4 and an IPv6 address" },
	{ "0.0.0.0:8080:[fd00::5]:80", false, "mixes an IPv4 and an IPv6 address" },
	{ "[::]:8080:10.0.0.5:80", false, "mixes an IPv4 and an IPv6 address" },
	/* fields */
	{ "1.2.3.4:8080:web:80:90", false, "\"1.2.3.4:8080:web:80:90\" is not of the form" },
	{ "1:2:3:4:5", false, "\"1:2:3:4:5\" is not of the form" },
	/* characters and length */
	{ "8080 :80", false, "\"8080 :80\" contains a space or control character" },
	{ " 8080:80", false, "contains a space" },
	{ "8080:80/tcp ", false, "contains a space" },
	{ "8080:web name:80", false, "contains a space" },
	{ "8080:80\t", false, "\"8080:80\\t\" contains a space or control character" },
	{ "8080:80\n/udp", false, "\"8080:80\\n/udp\" contains" },
	{ "8080:80\x1b[2J", false, "\"8080:80\\033[2J\" contains" },	/* no escape reaches a terminal */
	{ "8080:80\x7f", false, "\"8080:80\\177\" contains" },
	{ "8080:8\xc3\xa9", false, "\"8080:8\\303\\251\" is too long or has characters other than ASCII" },
	{ "\xef\xbc\x98\xef\xbc\x90:80", false, "characters other than ASCII" },	/* fullwidth digits */
	{ "8080:80\xff", false, "\"8080:80\\377\"" },	/* not even UTF-8 */
	{ "8080:" A248 ":80", false, "the guest \"" A248 "\" is neither" },	/* 256: not too long */
	{ "8080:" A248 "a:80", false, "is too long" },				/* 257 */
};

/* ---- helpers ---- */

static vnet_forward *parse_ok(const char *spec)
{
	g_autoptr(GError) error = NULL;
	vnet_forward *f = vnet_forward_parse(spec, &error);

	if (!f)
		fail_msg("\"%s\": %s", spec, error->message);
	assert_null(error);
	return f;
}

/* Whether @a and @b are the same forward, field by field. */
static bool forward_equal(const vnet_forward *a, const vnet_forward *b)
{
	return a->family == b->family && a->has_host_addr == b->has_host_addr &&
	       (!a->has_host_addr || vnet_addr_equal(&a->host_addr, &b->host_addr)) &&
	       a->host_port == b->host_port && a->host_port_end == b->host_port_end &&
	       a->guest_kind == b->guest_kind &&
	       (a->guest_kind != VNET_GUEST_ADDR || vnet_addr_equal(&a->guest_addr, &b->guest_addr)) &&
	       g_strcmp0(a->guest_name, b->guest_name) == 0 &&
	       a->guest_port == b->guest_port && a->guest_port_end == b->guest_port_end &&
	       a->proto == b->proto;
}

/* ---- the table ---- */

static void test_table_size(void **state)
{
	size_t good = 0, bad = 0;

	(void)state;
	for (size_t i = 0; i < G_N_ELEMENTS(specs); i++)
		specs[i].ok ? good++ : bad++;
	assert_true(good >= 40);
	assert_true(bad >= 40);
	assert_int_equal(strlen("8080:" A248 ":80"), 256);
}

static void test_good(void **state)
{
	(void)state;
	for (size_t i = 0; i < G_N_ELEMENTS(specs); i++) {
		g_autoptr(vnet_forward) f = NULL;
		g_autofree char *s = NULL;

		if (!specs[i].ok)
			continue;
		f = parse_ok(specs[i].spec);
		s = vnet_forward_format(f);
		if (strcmp(s, specs[i].want))
			fail_msg("\"%s\" formats as \"%s\", want \"%s\"", specs[i].spec, s, specs[i].want);
	}
}

static void test_bad(void **state)
{
	(void)state;
	for (size_t i = 0; i < G_N_ELEMENTS(specs); i++) {
		g_autoptr(GError) error = NULL;
		g_autoptr(vnet_forward) f = NULL;

		if (specs[i].ok)
			continue;
		f = vnet_forward_parse(specs[i].spec, &error);
		if (f) {
			g_autofree char *s = vnet_forward_format(f);
			fail_msg("\"%s\" was accepted as \"%s\"", specs[i].spec, s);
		}
		assert_non_null(error);
		assert_true(error->domain == VNET_ERROR);
		assert_int_equal(error->code, VNET_ERROR_INVALID);
		if (!strstr(error->message, specs[i].want))
			fail_msg("\"%s\": error \"%s\" does not contain \"%s\"", specs[i].spec,
				 error->message, specs[i].want);
		/* Messages are printed: one line of valid UTF-8, no control characters. */
		assert_true(g_utf8_validate(error->message, -1, NULL));
		for (const char *p = error->message; *p; p++)
			assert_false(g_ascii_iscntrl(*p));
	}
}

/* parse(format(parse(x))) is the same forward and formats the same. */
static void test_fixed_point(void **state)
{
	(void)state;
	for (size_t i = 0; i < G_N_ELEMENTS(specs); i++) {
		g_autoptr(vnet_forward) f1 = NULL;
		g_autoptr(vnet_forward) f2 = NULL;
		g_autoptr(vnet_forward) copy = NULL;
		g_autofree char *s1 = NULL;
		g_autofree char *s2 = NULL;
		g_autofree char *s3 = NULL;

		if (!specs[i].ok)
			continue;
		f1 = parse_ok(specs[i].spec);
		s1 = vnet_forward_format(f1);
		f2 = parse_ok(s1);
		s2 = vnet_forward_format(f2);
		assert_string_equal(s1, s2);
		if (!forward_equal(f1, f2))
			fail_msg("\"%s\" and its canonical form \"%s\" differ", specs[i].spec, s1);

		copy = vnet_forward_copy(f1);
		assert_true(forward_equal(f1, copy));
		assert_true(copy->guest_name == NULL || copy->guest_name != f1->guest_name);
		s3 = vnet_forward_format(copy);
		assert_string_equal(s1, s3);
	}
}

static void test_fields(void **state)
{
	g_autoptr(vnet_forward) a = parse_ok("8000-8010:80-90/udp");
	g_autoptr(vnet_forward) b = parse_ok("[::1]:8080:web:80");
	g_autoptr(vnet_forward) c = parse_ok("0.0.0.0:8080:10.0.0.5:80/sctp");
	g_autoptr(vnet_forward) d = parse_ok("8080:[fd00::5]:80");

	(void)state;
	assert_int_equal(a->family, AF_INET);
	assert_false(a->has_host_addr);
	assert_int_equal(a->host_port, 8000);
	assert_int_equal(a->host_port_end, 8010);
	assert_int_equal(a->guest_port, 80);
	assert_int_equal(a->guest_port_end, 90);
	assert_int_equal(a->guest_kind, VNET_GUEST_DEFAULT);
	assert_null(a->guest_name);
	assert_int_equal(a->proto, VNET_PROTO_UDP);

	assert_int_equal(b->family, AF_INET6);
	assert_true(b->has_host_addr);
	assert_true(vnet_addr_is_loopback(&b->host_addr));
	assert_int_equal(b->guest_kind, VNET_GUEST_NAME);
	assert_string_equal(b->guest_name, "web");
	assert_int_equal(b->proto, VNET_PROTO_TCP);

	assert_int_equal(c->family, AF_INET);
	assert_false(c->has_host_addr);
	assert_int_equal(c->guest_kind, VNET_GUEST_ADDR);
	assert_int_equal(c->guest_addr.family, AF_INET);
	assert_int_equal(c->proto, VNET_PROTO_SCTP);

	assert_int_equal(d->family, AF_INET6);
	assert_false(d->has_host_addr);
	assert_int_equal(d->guest_addr.family, AF_INET6);
}

static void test_null_and_free(void **state)
{
	g_autoptr(GError) error = NULL;

	(void)state;
	assert_null(vnet_forward_parse(NULL, &error));
	assert_non_null(error);
	assert_int_equal(error->code, VNET_ERROR_INVALID);
	assert_null(vnet_forward_parse("nope", NULL));	/* error may be NULL */
	vnet_forward_free(NULL);
}

static void test_proto(void **state)
{
	vnet_proto p = VNET_PROTO_SCTP;

	(void)state;
	assert_string_equal(vnet_proto_to_string(VNET_PROTO_TCP), "tcp");
	assert_string_equal(vnet_proto_to_string(VNET_PROTO_UDP), "udp");
	assert_string_equal(vnet_proto_to_string(VNET_PROTO_SCTP), "sctp");
	assert_true(vnet_proto_from_string("udp", &p));
	assert_int_equal(p, VNET_PROTO_UDP);
	assert_false(vnet_proto_from_string("UDP", &p));
	assert_false(vnet_proto_from_string("", &p));
	assert_false(vnet_proto_from_string(NULL, &p));
	assert_int_equal(p, VNET_PROTO_UDP);	/* untouched on failure */
}

static void test_check_spec(void **state)
{
	g_autoptr(GError) error = NULL;

	(void)state;
	assert_true(vnet_intent_check_forward_spec("8080:80", NULL));
	assert_false(vnet_intent_check_forward_spec("8080:80/icmp", &error));
	assert_non_null(strstr(error->message, "icmp"));
}

/* ---- clashes ---- */

static const struct {
	const char *a, *b;
	bool clash;
} clashes[] = {
	{ "8080:80", "8080:80", true },
	{ "8080:80", "8080:81", true },				/* the guest side does not matter */
	{ "8080:web:80", "8080:other:90", true },
	{ "8080:80", "8081:80", false },
	{ "8080:80", "127.0.0.1:8080:80", true },		/* any vs specific */
	{ "0.0.0.0:8080:80", "127.0.0.1:8080:80", true },
	{ "8080:10.0.0.5:80", "0.0.0.0:8080:10.0.0.6:80", true },
	{ "127.0.0.1:8080:80", "127.0.0.1:8080:90", true },
	{ "127.0.0.1:8080:80", "127.0.0.2:8080:80", false },	/* two specific addresses */
	{ "8080:80/tcp", "8080:80/udp", false },		/* protocols */
	{ "8080:80/udp", "8080:80/udp", true },
	{ "8080:80/sctp", "8080:80/tcp", false },
	{ "8080:80/sctp", "8080:80/udp", false },
	{ "8000-8010:80-90", "8010:80", true },			/* ranges */
	{ "8000-8010:80-90", "8000:80", true },
	{ "8000-8010:80-90", "8005-8006:80-81", true },
	{ "8000-8010:80-90", "8011:80", false },
	{ "8000-8010:80-90", "7999:80", false },
	{ "8000-8010:80-90", "7990-8000:80-90", true },
	{ "8000-8010:80-90", "7990-7999:80-89", false },
	{ "8000-8010:80-90", "8011-8020:80-89", false },
	{ "1-65535:1-65535", "65535:1", true },
	{ "1-65535:1-65535/udp", "65535:1", false },
	{ "8080:80", "[::]:8080:80", false },			/* families */
	{ "8080:80", "[::1]:8080:80", false },
	{ "127.0.0.1:8080:80", "[::1]:8080:80", false },
	{ "8080:80", "8080:[fd00::5]:80", false },
	{ "[::]:8080:80", "[::1]:8080:80", true },
	{ "[::]:8080:[fd00::5]:80", "[::1]:8080:80", true },
	{ "[::1]:8080:80", "[::2]:8080:80", false },
	{ "[::1]:8080:80", "[0::1]:8080-8081:80-81", true },
};

/* The fast path for HOST_PORT:GUEST_PORT[/PROTOCOL] makes what the general parser makes, or leaves it to it. */
static void same_as_full(const char *spec)
{
	g_autoptr(GError) e1 = NULL, e2 = NULL;
	g_autoptr(vnet_forward) a = vnet_forward_parse(spec, &e1);
	g_autoptr(vnet_forward) b = vnet_forward_parse_full(spec, &e2);

	if (!a != !b)
		fail_msg("\"%s\": %s / %s", spec, e1 ? e1->message : "ok", e2 ? e2->message : "ok");
	if (a) {
		vnet_forward x = *a, y = *b;
		assert_string_equal(a->guest_name ? a->guest_name : "-", b->guest_name ? b->guest_name : "-");
		x.guest_name = y.guest_name = NULL;
		assert_memory_equal(&x, &y, sizeof(x));
	} else {
		assert_string_equal(e1->message, e2->message);
	}
}

static void test_plain_fast_path(void **state)
{
	static const char *const plain[] = {
		"8080:80", "1:1", "65535:65535/udp", "65536:80", "80:65536", "0:80", "80:0", "080:80", "8080:080",
		"8080:80/", "8080:80/tcpx", "8080:80/TCP", "8080:", ":80", "8080:80:", "123456:1", "99999:1",
		"8080-8081:80-81", "8080:80/sctp", "+80:80", "8080 :80", "8080:80/tcp/udp", "1:2/udp",
	};
	g_autoptr(GRand) rand = g_rand_new_with_seed(3);
	static const char alphabet[] = "0123456789:/-tcpudsx";

	for (size_t i = 0; i < G_N_ELEMENTS(plain); i++)
		same_as_full(plain[i]);
	for (guint t = 0; t < 20000; t++) {
		char spec[16];
		guint n = g_rand_int_range(rand, 1, sizeof(spec));
		for (guint i = 0; i < n; i++)
			spec[i] = alphabet[g_rand_int_range(rand, 0, sizeof(alphabet) - 1)];
		spec[n] = '\0';
		same_as_full(spec);
	}
	for (guint t = 0; t < 20000; t++) {
		g_autofree char *spec = g_strdup_printf("%u:%u%s", g_rand_int_range(rand, 0, 70000), g_rand_int_range(rand, 0, 70000),
							(const char *const[]){ "", "/tcp", "/udp", "/sctp", "/x" }[g_rand_int_range(rand, 0, 5)]);
		same_as_full(spec);
	}
}

static void test_clashes(void **state)
{
	(void)state;
	for (size_t i = 0; i < G_N_ELEMENTS(clashes); i++) {
		g_autoptr(vnet_forward) a = parse_ok(clashes[i].a);
		g_autoptr(vnet_forward) b = parse_ok(clashes[i].b);

		if (vnet_forward_clashes(a, b) != clashes[i].clash ||
		    vnet_forward_clashes(b, a) != clashes[i].clash)
			fail_msg("clashes(\"%s\", \"%s\") should be %d both ways", clashes[i].a,
				 clashes[i].b, clashes[i].clash);
	}
	/* Every forward clashes with itself. */
	for (size_t i = 0; i < G_N_ELEMENTS(specs); i++) {
		g_autoptr(vnet_forward) f = NULL;

		if (!specs[i].ok)
			continue;
		f = parse_ok(specs[i].spec);
		assert_true(vnet_forward_clashes(f, f));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_size),
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_fixed_point),
		cmocka_unit_test(test_fields),
		cmocka_unit_test(test_null_and_free),
		cmocka_unit_test(test_proto),
		cmocka_unit_test(test_check_spec),
		cmocka_unit_test(test_clashes),
		cmocka_unit_test(test_plain_fast_path),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
