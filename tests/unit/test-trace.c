/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * vnetctl trace without privileges: a table of bad arguments (seconds,
 * forward specs, a forward that is not there; through the public API on
 * libvirt's test driver, a network that is not there), the index that names an event's rule, the
 * packet summary read from raw headers, the commands of a trace chain, and
 * which trace chains are stale.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <glib/gstdio.h>

#include <vnet/vnet.h>
#include "trace.h"

static void expect_error(GError *error, int code, const char *needle)
{
	if (!error)
		fail_msg("accepted; expected an error naming \"%s\"", needle);
	if (error->code != code)
		fail_msg("error %d \"%s\", expected %d naming \"%s\"", error->code, error->message, code, needle);
	if (!strstr(error->message, needle))
		fail_msg("error \"%s\" does not name \"%s\"", error->message, needle);
}

static void test_check_args(void **state)
{
	static const struct {
		const char *spec, *seconds, *needle;
	} bad[] = {
		{ NULL, "0", "\"0\" is not a number of seconds" },
		{ NULL, "-5", "\"-5\"" },
		{ NULL, "ten", "\"ten\"" },
		{ NULL, "", "\"\"" },
		{ NULL, "1.5", "\"1.5\"" },
		{ NULL, " 5", "\" 5\"" },
		{ NULL, "86401", "from 1 to 86400" },
		{ NULL, "99999999999999999999", "\"99999999999999999999\"" },
		{ "8080", NULL, "8080" },
		{ "8080:", NULL, "8080:" },
		{ "abc:80", NULL, "abc" },
		{ "8080:80/icmp", NULL, "icmp" },
		{ "70000:80", NULL, "70000" },
		{ "8080:80", "0", "\"0\"" },
	};
	guint s = 0;

	(void)state;
	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autoptr(GError) error = NULL;
		s = 7;
		assert_false(vnet_trace_check_args(bad[i].spec, bad[i].seconds, &s, &error));
		expect_error(error, VNET_ERROR_INVALID, bad[i].needle);
		assert_int_equal(s, 7);	/* untouched on failure */
	}
	assert_true(vnet_trace_check_args("8080:80", NULL, &s, NULL));
	assert_int_equal(s, 30);
	assert_true(vnet_trace_check_args("192.0.2.1:8080-8090:80-90/udp", "86400", &s, NULL));
	assert_int_equal(s, 86400);
	assert_true(vnet_trace_check_args(NULL, "1", &s, NULL));
	assert_int_equal(s, 1);
}

static vnet_intent *web_intent(void)
{
	vnet_intent *in = vnet_intent_new("tweb", VNET_MODE_NAT, NULL);

	assert_non_null(in);
	assert_true(vnet_intent_set_subnet(in, "10.91.0.0/24", NULL));
	assert_true(vnet_intent_set_bridge(in, "vn-tweb", NULL));
	assert_true(vnet_intent_add_forward(in, "8080:80", NULL));
	assert_true(vnet_intent_add_forward(in, "192.0.2.1:8443:443", NULL));
	assert_true(vnet_intent_add_forward(in, "5300-5310:53-63/udp", NULL));
	return in;
}

static void test_find_forward(void **state)
{
	static const struct {
		const char *spec, *needle;
	} bad[] = {
		{ "9090:80", "Network \"tweb\" has no forward \"9090:80\"; its forwards are: 8080:80/tcp, 192.0.2.1:8443:443/tcp, 5300-5310:53-63/udp." },
		{ "8080:80/udp", "no forward \"8080:80/udp\"" },
		{ "8443:443", "no forward \"8443:443\"" },		/* that one is on 192.0.2.1 only */
		{ "192.0.2.2:8443:443", "192.0.2.2" },
		{ "5300:53/udp", "no forward \"5300:53/udp\"" },	/* part of a range is not the forward */
		{ "[::1]:8080:80", "no forward" },
	};
	g_autoptr(vnet_intent) in = web_intent();
	g_autoptr(vnet_intent) empty = vnet_intent_new("bare", VNET_MODE_NAT, NULL);
	g_autoptr(GError) error = NULL;

	(void)state;
	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autoptr(GError) e = NULL;
		assert_null(vnet_trace_find_forward(in, bad[i].spec, &e));
		expect_error(e, VNET_ERROR_NOT_FOUND, bad[i].needle);
	}
	assert_non_null(vnet_trace_find_forward(in, "8080:80", NULL));
	assert_non_null(vnet_trace_find_forward(in, "8080:81/tcp", NULL));	/* the host side counts */
	assert_non_null(vnet_trace_find_forward(in, "192.0.2.1:8443:443", NULL));
	assert_non_null(vnet_trace_find_forward(in, "5300-5310:53-63/udp", NULL));
	assert_null(vnet_trace_find_forward(empty, "8080:80", &error));
	expect_error(error, VNET_ERROR_NOT_FOUND, "Network \"bare\" has no forwards");
}

/*
 * Through the public API, on libvirt's test driver with no network (it
 * cannot give a persistent network's inactive XML, which the library reads):
 * nothing is touched before these refusals.
 */
static void test_ctx_refusals(void **state)
{
	static const struct {
		const char *name, *spec;
		guint seconds;
		int code;
		const char *needle;
	} bad[] = {
		{ "nosuch", "8080:80", 5, VNET_ERROR_NOT_FOUND, "vnetctl manages no network \"nosuch\"" },
		{ "nosuch", "8080", 5, VNET_ERROR_INVALID, "8080" },
		{ "nosuch", NULL, 5, VNET_ERROR_INVALID, "Name the forward" },
		{ "nosuch", "8080:80", 0, VNET_ERROR_INVALID, "not 0" },
		{ "nosuch", "8080:80", 86401, VNET_ERROR_INVALID, "not 86401" },
	};
	g_autofree char *dir = g_dir_make_tmp("test-trace-XXXXXX", NULL);
	g_autofree char *node = g_build_filename(dir, "node.xml", NULL);
	g_autofree char *uri = g_strconcat("test://", node, NULL);
	g_autoptr(vnet_ctx) ctx = NULL;

	(void)state;
	assert_true(g_file_set_contents(node, "<node></node>\n", -1, NULL));
	ctx = vnet_ctx_new(uri, NULL);
	assert_non_null(ctx);
	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autoptr(GError) error = NULL;
		assert_false(vnet_ctx_trace(ctx, bad[i].name, bad[i].spec, bad[i].seconds, NULL, NULL, &error));
		expect_error(error, bad[i].code, bad[i].needle);
	}
	g_unlink(node);
	g_rmdir(dir);
}

static const char listing[] =
	"table inet filter { # handle 7\n"
	"\tset allowed { # handle 3\n"
	"\t\ttype ipv4_addr\n"
	"\t\telements = { 192.0.2.1, 192.0.2.2 }\n"
	"\t}\n"
	"\n"
	"\tchain forward { # handle 1\n"
	"\t\ttype filter hook forward priority filter; policy drop;\n"
	"\t\tct state established,related accept # handle 4\n"
	"\t\tip saddr { 10.0.0.1, 10.0.0.2 } comment \"a } # handle 99\" accept # handle 5\n"
	"\t\tjump \"my-chain\" # handle 6\n"
	"\t}\n"
	"\n"
	"\tchain \"my-chain\" { # handle 2\n"
	"\t\tcounter packets 0 bytes 0 # handle 8\n"
	"\t}\n"
	"}\n"
	"table ip nat { # handle 9\n"
	"\tchain POSTROUTING { # handle 1\n"
	"\t\ttype nat hook postrouting priority srcnat; policy accept;\n"
	"\t\toifname \"eth0\" masquerade # handle 4\n"
	"\t}\n"
	"}\n";

static void test_rules_index(void **state)
{
	g_autoptr(vnet_trace_rules) r = vnet_trace_rules_parse(listing);
	g_autoptr(GPtrArray) chains = vnet_trace_rules_chains(r, "inet", "filter");
	g_autoptr(vnet_trace_rules) none = vnet_trace_rules_parse("");

	(void)state;
	assert_string_equal(vnet_trace_rules_rule(r, "inet", "filter", "forward", 4), "ct state established,related accept");
	/* a brace and a handle inside a comment are the comment's */
	assert_string_equal(vnet_trace_rules_rule(r, "inet", "filter", "forward", 5),
			    "ip saddr { 10.0.0.1, 10.0.0.2 } comment \"a } # handle 99\" accept");
	assert_string_equal(vnet_trace_rules_rule(r, "inet", "filter", "forward", 6), "jump \"my-chain\"");
	assert_string_equal(vnet_trace_rules_rule(r, "inet", "filter", "my-chain", 8), "counter packets 0 bytes 0");
	/* the same handle in another table's chain is another rule */
	assert_string_equal(vnet_trace_rules_rule(r, "ip", "nat", "POSTROUTING", 4), "oifname \"eth0\" masquerade");
	assert_null(vnet_trace_rules_rule(r, "inet", "filter", "forward", 99));
	assert_null(vnet_trace_rules_rule(r, "ip", "filter", "forward", 4));
	assert_string_equal(vnet_trace_rules_hook(r, "inet", "filter", "forward"), "forward");
	assert_string_equal(vnet_trace_rules_hook(r, "inet", "filter", "my-chain"), "");
	assert_string_equal(vnet_trace_rules_hook(r, "ip", "nat", "POSTROUTING"), "postrouting");
	assert_null(vnet_trace_rules_hook(r, "inet", "filter", "allowed"));	/* a set is no chain */
	assert_int_equal(chains->len, 2);
	assert_string_equal(chains->pdata[0], "forward");
	assert_string_equal(chains->pdata[1], "my-chain");
	assert_null(vnet_trace_rules_hook(none, "inet", "filter", "forward"));
}

static void test_packet_summary(void **state)
{
	/* IPv4 192.0.2.10 -> 192.0.2.1, TCP 40000 -> 8080 */
	static const guint8 ip4[20] = { 0x45, 0, 0, 60, 0, 0, 0x40, 0, 64, 6, 0, 0,
					192, 0, 2, 10, 192, 0, 2, 1 };
	static const guint8 tcp[20] = { 0x9c, 0x40, 0x1f, 0x90 };
	/* IPv6 2001:db8::2 -> 2001:db8::1, UDP 5000 -> 53 */
	guint8 ip6[40] = { 0x60, 0, 0, 0, 0, 8, 17, 64 };
	static const guint8 udp[8] = { 0x13, 0x88, 0, 53 };
	static const guint8 icmp_ip4[20] = { 0x45, 0, 0, 84, 0, 0, 0x40, 0, 64, 1, 0, 0,
					     10, 0, 0, 2, 10, 0, 0, 1 };
	g_autofree char *a = vnet_trace_packet_summary(ip4, sizeof(ip4), tcp, sizeof(tcp));
	g_autofree char *b = NULL, *c = vnet_trace_packet_summary(icmp_ip4, sizeof(icmp_ip4), NULL, 0);
	g_autofree char *d = vnet_trace_packet_summary(ip4, sizeof(ip4), NULL, 0);

	(void)state;
	ip6[8] = 0x20, ip6[9] = 0x01, ip6[10] = 0x0d, ip6[11] = 0xb8, ip6[23] = 2;
	ip6[24] = 0x20, ip6[25] = 0x01, ip6[26] = 0x0d, ip6[27] = 0xb8, ip6[39] = 1;
	b = vnet_trace_packet_summary(ip6, sizeof(ip6), udp, sizeof(udp));
	assert_string_equal(a, "tcp 192.0.2.10:40000 -> 192.0.2.1:8080");
	assert_string_equal(b, "udp [2001:db8::2]:5000 -> [2001:db8::1]:53");
	assert_string_equal(c, "icmp 10.0.0.2 -> 10.0.0.1");
	assert_string_equal(d, "tcp 192.0.2.10 -> 192.0.2.1");	/* no transport header sent */
	assert_null(vnet_trace_packet_summary(ip4, 19, tcp, sizeof(tcp)));
	assert_null(vnet_trace_packet_summary(ip6, 39, udp, sizeof(udp)));
	assert_null(vnet_trace_packet_summary(NULL, 0, NULL, 0));
	assert_null(vnet_trace_packet_summary(tcp, sizeof(tcp), NULL, 0));	/* no IP version */
}

static void test_chain_commands(void **state)
{
	g_autoptr(vnet_intent) in = web_intent();
	const vnet_forward *tcp = vnet_trace_find_forward(in, "8080:80", NULL);
	const vnet_forward *host = vnet_trace_find_forward(in, "192.0.2.1:8443:443", NULL);
	const vnet_forward *udp = vnet_trace_find_forward(in, "5300-5310:53-63/udp", NULL);
	g_autofree char *a = vnet_trace_chain_commands("trace_1_2_pre", "prerouting", "tweb", tcp);
	g_autofree char *b = vnet_trace_chain_commands("trace_1_2_out", "output", "tweb", host);
	g_autofree char *c = vnet_trace_chain_commands("trace_1_2_pre", "prerouting", "tweb", udp);

	(void)state;
	assert_non_null(strstr(a, "add chain inet vnetctl trace_1_2_pre { type filter hook prerouting priority -310; policy accept;"));
	assert_non_null(strstr(a, "add rule inet vnetctl trace_1_2_pre meta nfproto ipv4 fib daddr type local tcp dport 8080 tcp flags & (fin | syn | rst | ack) == syn meta nftrace set 1\n"));
	assert_non_null(strstr(b, "hook output priority -310"));
	assert_non_null(strstr(b, "ip daddr 192.0.2.1 tcp dport 8443 tcp flags"));
	assert_null(strstr(b, "fib daddr"));	/* one host address, not all of them */
	assert_non_null(strstr(c, "fib daddr type local udp dport 5300-5310 meta nftrace set 1\n"));
	assert_null(strstr(c, "flags"));
}

static void test_stale(void **state)
{
	g_autofree char *base = vnet_trace_chain_base();
	g_autofree char *mine = g_strconcat(base, "_pre", NULL);
	g_autofree char *prefix = g_strdup_printf("trace_%d_", (int)getpid());
	g_autofree char *reused = g_strdup_printf("trace_%d_1_pre", (int)getpid());

	(void)state;
	/* this process, as /proc names it */
	assert_true(g_str_has_prefix(base, prefix));
	assert_false(vnet_trace_chain_is_stale(mine));
	/* its pid with another start time: a process that has gone, the pid reused */
	assert_true(vnet_trace_chain_is_stale(reused));
	assert_true(vnet_trace_chain_is_stale("trace_2147483646_5_pre"));
	assert_true(vnet_trace_chain_is_stale("trace_junk"));
	assert_true(vnet_trace_chain_is_stale("trace_0_5_pre"));
	/* not a trace chain at all: never taken for a stale one */
	assert_false(vnet_trace_chain_is_stale("forward"));
	assert_false(vnet_trace_chain_is_stale("pre"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_check_args),
		cmocka_unit_test(test_find_forward),
		cmocka_unit_test(test_ctx_refusals),
		cmocka_unit_test(test_rules_index),
		cmocka_unit_test(test_packet_summary),
		cmocka_unit_test(test_chain_commands),
		cmocka_unit_test(test_stale),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
