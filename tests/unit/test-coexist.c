/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * coexist: the parser against the rulesets captured in the sandbox beside
 * the real Docker, firewalld and ufw (tests/data/coexist/CASE.json, made by
 * tests/integration/50-firewalls-detect.sh), each with its findings in
 * CASE.expected; text that is not a ruleset; rulesets with odd objects,
 * which are skipped, never crash; the fix commands' edge cases; the host
 * checks on files made here.  VNET_REGENERATE=1 rewrites CASE.expected.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <glib/gstdio.h>

#include "coexist.h"
#include "helpers.h"

#define DATA SRCDIR "/tests/data/coexist/"

static const char *const cases[] = {
	"none", "hardened", "hardened-fixed", "docker", "docker-fixed", "ufw", "ufw-fixed",
	"firewalld", "docker-firewalld",
};

static void test_case(void **state)
{
	const char *name = *state;
	g_autofree char *json_path = g_strdup_printf(DATA "%s.json", name);
	g_autofree char *exp_path = g_strdup_printf(DATA "%s.expected", name);
	g_autofree char *json = NULL, *expected = NULL, *got = NULL;
	g_autoptr(vnet_coexist_report) r = NULL;

	assert_true(g_file_get_contents(json_path, &json, NULL, NULL));
	assert_ok(r = vnet_coexist_parse(json, &err_));
	got = vnet_coexist_report_format(r, "vn-web");
	if (g_getenv("VNET_REGENERATE")) {
		assert_true(g_file_set_contents(exp_path, got, -1, NULL));
		return;
	}
	assert_true(g_file_get_contents(exp_path, &expected, NULL, NULL));
	assert_string_equal(got, expected);
}

static vnet_coexist_report *parse_ok(const char *json)
{
	GError *error = NULL;
	vnet_coexist_report *r = vnet_coexist_parse(json, &error);

	if (!r)
		fail_msg("%s: %s", json, error->message);
	return r;
}

/* ------------------------------------------------------------- bad input */

static void test_not_a_ruleset(void **state)
{
	static const struct {
		const char *json, *sub;
	} bad[] = {
		{ "", "not valid JSON" },
		{ "not json", "not valid JSON (line 1" },
		{ "{\"nftables\": [", "not valid JSON" },
		{ "{\"nftables\": [], \"nftables\": []}", "not valid JSON" },	/* duplicate key */
		{ "[]", "no \"nftables\" array" },
		{ "{}", "no \"nftables\" array" },
		{ "{\"nftables\": {}}", "no \"nftables\" array" },
		{ "{\"nftables\": 3}", "no \"nftables\" array" },
		{ "\"nftables\"", "not valid JSON" },	/* not an object */
	};

	for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autoptr(GError) error = NULL;
		vnet_coexist_report *r = vnet_coexist_parse(bad[i].json, &error);
		if (r)
			fail_msg("\"%s\" parsed", bad[i].json);
		assert_error(error, VNET_ERROR_INVALID, bad[i].sub, "other firewall");
	}
}

#define CHAIN(fam, tab, name, rest) \
	"{\"chain\": {\"family\": \"" fam "\", \"table\": \"" tab "\", \"name\": \"" name "\"" rest "}}"
#define BASE(fam, tab, name, hook, policy) \
	CHAIN(fam, tab, name, ", \"type\": \"filter\", \"hook\": \"" hook "\", \"prio\": 0, \"policy\": \"" policy "\"")
#define RULE(fam, tab, chain, handle, expr) \
	"{\"rule\": {\"family\": \"" fam "\", \"table\": \"" tab "\", \"chain\": \"" chain "\", \"handle\": " \
	#handle ", \"expr\": " expr "}}"
#define RULESET(objects) "{\"nftables\": [" objects "]}"
#define IIF(name) "{\"match\": {\"op\": \"==\", \"left\": {\"meta\": {\"key\": \"iifname\"}}, \"right\": \"" name "\"}}"

/* Odd objects are skipped: how many findings each ruleset gives. */
static void test_odd_rulesets(void **state)
{
	static const struct {
		const char *json;
		guint findings;
	} odd[] = {
		{ RULESET(""), 0 },
		{ RULESET("1" "," "null" "," "\"x\"" "," "[]" "," "{}" "," "{\"chain\": 3}" "," "{\"rule\": []}"), 0 },
		/* a base chain without a policy accepts */
		{ RULESET(CHAIN("inet", "f", "fwd", ", \"type\": \"filter\", \"hook\": \"forward\", \"prio\": 0")), 0 },
		/* without a family, table or name it is no chain */
		{ RULESET("{\"chain\": {\"table\": \"f\", \"name\": \"c\", \"hook\": \"forward\", \"policy\": \"drop\"}}" ","
			  "{\"chain\": {\"family\": \"inet\", \"name\": \"c\", \"hook\": \"forward\", \"policy\": \"drop\"}}" ","
			  "{\"chain\": {\"family\": \"inet\", \"table\": \"f\", \"hook\": \"forward\", \"policy\": \"drop\"}}" ","
			  "{\"chain\": {\"family\": 4, \"table\": \"f\", \"name\": \"c\", \"hook\": \"forward\", \"policy\": \"drop\"}}"),
		  0 },
		/* ours, other families, other hooks */
		{ RULESET(BASE("inet", "vnetctl", "forward", "forward", "drop") "," BASE("bridge", "f", "c", "forward", "drop") ","
			  BASE("arp", "f", "c", "input", "drop") "," BASE("netdev", "f", "c", "ingress", "drop") ","
			  BASE("inet", "f", "out", "output", "drop") "," BASE("inet", "f", "pre", "prerouting", "drop")),
		  0 },
		{ RULESET(BASE("inet", "f", "c", "forward", "drop") "," BASE("inet", "f", "c", "input", "drop")), 1 },	/* listed twice */
		{ RULESET(BASE("ip", "f", "fwd", "forward", "accept") "," BASE("ip6", "f", "in", "input", "drop")), 1 },
		/* odd rules: they do not count as the final drop, nor crash */
		{ RULESET(BASE("inet", "f", "fwd", "forward", "accept") ","
			  RULE("inet", "f", "fwd", 1, "3") "," RULE("inet", "f", "fwd", 2, "[1, null, \"x\", {}]") ","
			  RULE("inet", "f", "fwd", 3, "[{\"drop\": null, \"accept\": null}]") ","
			  RULE("inet", "f", "fwd", 4, "[{\"match\": {}}, {\"drop\": null}]")),
		  0 },
		{ RULESET(BASE("inet", "f", "fwd", "forward", "accept") "," RULE("inet", "f", "fwd", 1, "[{\"counter\": {}}, {\"drop\": null}]")), 1 },
		{ RULESET(BASE("inet", "f", "fwd", "forward", "accept") "," RULE("inet", "f", "fwd", 1, "[{\"reject\": null}]")), 1 },
		{ RULESET(BASE("ip", "f", "fwd", "forward", "accept") ","
			  RULE("ip", "f", "fwd", 1, "[{\"xt\": {\"type\": \"target\", \"name\": \"REJECT\"}}]")), 1 },
		/* a rule of a chain nobody listed, a rule without expressions */
		{ RULESET(RULE("inet", "f", "nope", 1, "[{\"drop\": null}]") "," BASE("inet", "f", "fwd", "forward", "accept") ","
			  "{\"rule\": {\"family\": \"inet\", \"table\": \"f\", \"chain\": \"fwd\"}}"),
		  0 },
		/* a limit is a condition: not an unconditional drop */
		{ RULESET(BASE("inet", "f", "fwd", "forward", "accept") ","
			  RULE("inet", "f", "fwd", 1, "[{\"limit\": {\"rate\": 1}}, {\"drop\": null}]")),
		  0 },
	};

	for (guint i = 0; i < G_N_ELEMENTS(odd); i++) {
		g_autoptr(vnet_coexist_report) r = parse_ok(odd[i].json);
		if (vnet_coexist_report_count(r) != odd[i].findings)
			fail_msg("case %u: %u findings, not %u", i, vnet_coexist_report_count(r), odd[i].findings);
		for (guint j = 0; j < vnet_coexist_report_count(r); j++) {
			const vnet_coexist_finding *f = vnet_coexist_report_get(r, j);
			g_autofree char *fix = vnet_coexist_fix_commands(f, "vn-web", NULL);
			for (int t = VNET_COEXIST_GUEST_OUT; t <= VNET_COEXIST_HOST_DNS; t++)
				(void)vnet_coexist_lets_through(f, "vn-web", t);
			assert_non_null(fix);
		}
	}
}

/* --------------------------------------------------------- lets through */

/* The one finding of @json lets vn-web's @traffic through (or not). */
static void expect_through(const char *json, vnet_coexist_traffic traffic, bool want)
{
	g_autoptr(vnet_coexist_report) r = parse_ok(json);

	assert_int_equal(vnet_coexist_report_count(r), 1);
	if (vnet_coexist_lets_through(vnet_coexist_report_get(r, 0), "vn-web", traffic) != want)
		fail_msg("traffic %d: expected %s in %s", traffic, want ? "yes" : "no", json);
}

static void test_lets_through(void **state)
{
	/* iifname, a wildcard, a set, !=, another bridge */
	expect_through(RULESET(BASE("inet", "f", "fwd", "forward", "drop") "," RULE("inet", "f", "fwd", 1, "[" IIF("vn-web") ", {\"accept\": null}]")),
		       VNET_COEXIST_GUEST_OUT, true);
	expect_through(RULESET(BASE("inet", "f", "fwd", "forward", "drop") "," RULE("inet", "f", "fwd", 1, "[" IIF("vn-*") ", {\"accept\": null}]")),
		       VNET_COEXIST_GUEST_OUT, true);
	expect_through(RULESET(BASE("inet", "f", "fwd", "forward", "drop") "," RULE("inet", "f", "fwd", 1, "[" IIF("vn-db") ", {\"accept\": null}]")),
		       VNET_COEXIST_GUEST_OUT, false);
	expect_through(RULESET(BASE("inet", "f", "fwd", "forward", "drop") ","
			       RULE("inet", "f", "fwd", 1, "[{\"match\": {\"op\": \"==\", \"left\": {\"meta\": {\"key\": \"iifname\"}}, \"right\": {\"set\": [\"lo\", \"vn-web\"]}}}, {\"accept\": null}]")),
		       VNET_COEXIST_GUEST_OUT, true);
	expect_through(RULESET(BASE("inet", "f", "fwd", "forward", "drop") ","
			       RULE("inet", "f", "fwd", 1, "[{\"match\": {\"op\": \"!=\", \"left\": {\"meta\": {\"key\": \"oifname\"}}, \"right\": \"eth0\"}}, {\"accept\": null}]")),
		       VNET_COEXIST_GUEST_REPLY, true);
	/* a named set and an address are unknown: passed over */
	expect_through(RULESET(BASE("inet", "f", "fwd", "forward", "drop") ","
			       RULE("inet", "f", "fwd", 1, "[{\"match\": {\"op\": \"==\", \"left\": {\"meta\": {\"key\": \"iifname\"}}, \"right\": \"@ours\"}}, {\"accept\": null}]")),
		       VNET_COEXIST_GUEST_OUT, false);
	/* a drop for the bridge before the accept wins */
	expect_through(RULESET(BASE("inet", "f", "fwd", "forward", "drop") "," RULE("inet", "f", "fwd", 1, "[" IIF("vn-web") ", {\"drop\": null}]") ","
			       RULE("inet", "f", "fwd", 2, "[" IIF("vn-web") ", {\"accept\": null}]")),
		       VNET_COEXIST_GUEST_OUT, false);
	/*
	 * a jump to a chain that accepts (as DOCKER-USER), a return, a goto from
	 * a base chain (whose end is the base chain's end), a loop
	 */
	expect_through(RULESET(BASE("inet", "f", "fwd", "forward", "drop") "," CHAIN("inet", "f", "user", "") ","
			       RULE("inet", "f", "fwd", 1, "[{\"jump\": {\"target\": \"user\"}}]") ","
			       RULE("inet", "f", "user", 2, "[" IIF("vn-web") ", {\"accept\": null}]")),
		       VNET_COEXIST_GUEST_OUT, true);
	expect_through(RULESET(BASE("inet", "f", "fwd", "forward", "drop") "," CHAIN("inet", "f", "user", "") ","
			       RULE("inet", "f", "fwd", 1, "[{\"jump\": {\"target\": \"user\"}}]") ","
			       RULE("inet", "f", "user", 2, "[{\"return\": null}]") ","
			       RULE("inet", "f", "user", 3, "[" IIF("vn-web") ", {\"accept\": null}]")),
		       VNET_COEXIST_GUEST_OUT, false);
	expect_through(RULESET(BASE("inet", "f", "fwd", "forward", "accept") "," CHAIN("inet", "f", "zone", "") ","
			       RULE("inet", "f", "fwd", 1, "[{\"goto\": {\"target\": \"zone\"}}]") ","
			       RULE("inet", "f", "fwd", 2, "[" IIF("vn-web") ", {\"accept\": null}]") ","
			       RULE("inet", "f", "fwd", 3, "[{\"reject\": null}]")),
		       VNET_COEXIST_GUEST_OUT, true);	/* a goto never comes back: the policy decides */
	expect_through(RULESET(BASE("inet", "f", "fwd", "forward", "drop") "," CHAIN("inet", "f", "a", "") "," CHAIN("inet", "f", "b", "") ","
			       RULE("inet", "f", "fwd", 1, "[{\"jump\": {\"target\": \"a\"}}]") ","
			       RULE("inet", "f", "a", 2, "[{\"jump\": {\"target\": \"b\"}}]") ","
			       RULE("inet", "f", "b", 3, "[{\"jump\": {\"target\": \"a\"}}]") ","
			       RULE("inet", "f", "fwd", 4, "[{\"jump\": {\"target\": \"missing\"}}, {\"jump\": null}]")),
		       VNET_COEXIST_GUEST_OUT, false);
	/* ct state and ct status, as firewalld writes them */
	expect_through(RULESET(BASE("inet", "f", "fwd", "forward", "drop") ","
			       RULE("inet", "f", "fwd", 1, "[{\"match\": {\"op\": \"in\", \"left\": {\"ct\": {\"key\": \"state\"}}, \"right\": [\"established\", \"related\"]}}, {\"accept\": null}]") ","
			       RULE("inet", "f", "fwd", 2, "[{\"match\": {\"op\": \"in\", \"left\": {\"ct\": {\"key\": \"status\"}}, \"right\": \"dnat\"}}, {\"accept\": null}]")),
		       VNET_COEXIST_GUEST_REPLY, true);
	expect_through(RULESET(BASE("inet", "f", "fwd", "forward", "drop") ","
			       RULE("inet", "f", "fwd", 2, "[{\"match\": {\"op\": \"in\", \"left\": {\"ct\": {\"key\": \"status\"}}, \"right\": \"dnat\"}}, {\"accept\": null}]")),
		       VNET_COEXIST_GUEST_FORWARDED, true);
	expect_through(RULESET(BASE("inet", "f", "fwd", "forward", "drop") ","
			       RULE("inet", "f", "fwd", 2, "[{\"match\": {\"op\": \"in\", \"left\": {\"ct\": {\"key\": \"status\"}}, \"right\": \"dnat\"}}, {\"accept\": null}]")),
		       VNET_COEXIST_GUEST_OUT, false);
	/* ports: udp 67, a range, the wrong protocol; DNS needs udp and tcp */
	expect_through(RULESET(BASE("ip", "f", "in", "input", "drop") ","
			       RULE("ip", "f", "in", 1, "[" IIF("vn-web") ", {\"match\": {\"op\": \"==\", \"left\": {\"payload\": {\"protocol\": \"udp\", \"field\": \"dport\"}}, \"right\": {\"range\": [60, 70]}}}, {\"accept\": null}]")),
		       VNET_COEXIST_HOST_DHCP, true);
	expect_through(RULESET(BASE("ip", "f", "in", "input", "drop") ","
			       RULE("ip", "f", "in", 1, "[{\"match\": {\"op\": \"==\", \"left\": {\"payload\": {\"protocol\": \"tcp\", \"field\": \"dport\"}}, \"right\": 67}}, {\"accept\": null}]")),
		       VNET_COEXIST_HOST_DHCP, false);
	expect_through(RULESET(BASE("ip", "f", "in", "input", "drop") ","
			       RULE("ip", "f", "in", 1, "[" IIF("vn-web") ", {\"match\": {\"op\": \"==\", \"left\": {\"payload\": {\"protocol\": \"udp\", \"field\": \"dport\"}}, \"right\": 53}}, {\"accept\": null}]")),
		       VNET_COEXIST_HOST_DNS, false);
	expect_through(RULESET(BASE("ip", "f", "in", "input", "drop") ","
			       RULE("ip", "f", "in", 1, "[" IIF("vn-web") ", {\"match\": {\"op\": \"==\", \"left\": {\"payload\": {\"protocol\": \"th\", \"field\": \"dport\"}}, \"right\": 53}}, {\"accept\": null}]")),
		       VNET_COEXIST_HOST_DNS, true);
	/* the other hook's traffic is not this chain's; a bad name is never let through */
	expect_through(RULESET(BASE("ip", "f", "in", "input", "drop")), VNET_COEXIST_GUEST_OUT, true);
	expect_through(RULESET(BASE("ip", "f", "fwd", "forward", "drop")), VNET_COEXIST_HOST_DNS, true);
	{
		g_autoptr(vnet_coexist_report) r = parse_ok(RULESET(BASE("ip", "f", "fwd", "forward", "drop")));
		assert_false(vnet_coexist_lets_through(vnet_coexist_report_get(r, 0), "bad name", VNET_COEXIST_HOST_DNS));
	}
}

/* ---------------------------------------------------- owners and commands */

static void test_owners_and_fixes(void **state)
{
	static const struct {
		const char *json, *line, *fix;
	} t[] = {
		/* Docker's nftables mode: its own table, no command to add there */
		{ RULESET(BASE("ip", "docker-bridges", "filter-FORWARD", "forward", "drop")),
		  "ip docker-bridges filter-FORWARD forward 0 policy-drop docker", "" },
		{ RULESET(BASE("ip", "firewalld", "filter_FORWARD", "forward", "drop")),
		  "ip firewalld filter_FORWARD forward 0 policy-drop firewalld", "" },
		/* a final reject: ours go before the first drop, by handle */
		{ RULESET(BASE("inet", "filter", "forward", "forward", "accept") ","
			  RULE("inet", "filter", "forward", 7, "[{\"match\": {\"op\": \"in\", \"left\": {\"ct\": {\"key\": \"state\"}}, \"right\": \"invalid\"}}, {\"drop\": null}]") ","
			  RULE("inet", "filter", "forward", 9, "[{\"reject\": {\"type\": \"icmpx\", \"expr\": \"admin-prohibited\"}}]")),
		  "inet filter forward forward 0 final-reject unknown",
		  "nft insert rule inet filter forward position 7 iifname \"vn-web\" accept\n"
		  "nft insert rule inet filter forward position 7 oifname \"vn-web\" ct state established,related accept\n"
		  "nft insert rule inet filter forward position 7 oifname \"vn-web\" ct status dnat accept\n" },
		/* iptables' own table: iptables commands (nft rules there break iptables-nft) */
		{ RULESET(BASE("ip6", "filter", "INPUT", "input", "drop")), "ip6 filter INPUT input 0 policy-drop unknown",
		  "ip6tables -I INPUT -i vn-web -p udp --dport 547 -j ACCEPT\n"
		  "ip6tables -I INPUT -i vn-web -p udp --dport 53 -j ACCEPT\n"
		  "ip6tables -I INPUT -i vn-web -p tcp --dport 53 -j ACCEPT\n" },
		/* what it lets through already needs no command */
		{ RULESET(BASE("inet", "filter", "input", "input", "drop") ","
			  RULE("inet", "filter", "input", 1, "[" IIF("vn-web") ", {\"accept\": null}]")),
		  "inet filter input input 0 policy-drop unknown", "" },
	};

	for (guint i = 0; i < G_N_ELEMENTS(t); i++) {
		g_autoptr(vnet_coexist_report) r = parse_ok(t[i].json);
		const vnet_coexist_finding *f;
		g_autofree char *line = NULL, *fix = NULL;

		assert_int_equal(vnet_coexist_report_count(r), 1);
		f = vnet_coexist_report_get(r, 0);
		line = vnet_coexist_finding_format(f);
		assert_string_equal(line, t[i].line);
		assert_ok(fix = vnet_coexist_fix_commands(f, "vn-web", &err_));
		assert_string_equal(fix, t[i].fix);
	}
}

static void test_fix_refuses(void **state)
{
	g_autoptr(vnet_coexist_report) r = parse_ok(RULESET(BASE("inet", "f", "fwd", "forward", "drop") ","
							    BASE("inet", "f", "bad name; rm -rf", "forward", "drop")));
	g_autoptr(GError) e1 = NULL, e2 = NULL;
	char *fix;

	fix = vnet_coexist_fix_commands(vnet_coexist_report_get(r, 0), "vn-web; reboot", &e1);
	assert_null(fix);
	assert_error(e1, VNET_ERROR_INVALID, "vn-web; reboot");
	fix = vnet_coexist_fix_commands(vnet_coexist_report_get(r, 1), "vn-web", &e2);
	assert_null(fix);
	assert_error(e2, VNET_ERROR_INVALID, "bad name; rm -rf", "vn-web");
}

/* ------------------------------------------------------------ host checks */

static char *tmp_file(const char *dir, const char *name, const char *text)
{
	char *path = g_build_filename(dir, name, NULL);

	assert_true(g_file_set_contents(path, text, -1, NULL));
	return path;
}

static void test_host_checks(void **state)
{
	g_autofree char *dir = g_dir_make_tmp("test-coexist.XXXXXX", NULL);
	g_autofree char *names = tmp_file(dir, "ip_tables_names", "filter\nnat\n\n");
	g_autofree char *missing = g_build_filename(dir, "missing", NULL);
	g_autofree char *call = tmp_file(dir, "bridge-nf-call-iptables", "1\n");
	g_autofree char *debian = tmp_file(dir, "debian.conf",
					   "#!/usr/sbin/nft -f\n\nflush ruleset\n\ntable inet filter {\n}\n");
	g_autofree char *semi = tmp_file(dir, "semi.conf", "  # hand-made\n\tflush   ruleset; table inet t {}\n");
	g_autofree char *family = tmp_file(dir, "family.conf", "flush ruleset ip\n");
	g_autofree char *later = tmp_file(dir, "later.conf", "table inet t {}\nflush ruleset\n");
	g_auto(GStrv) tables = NULL, none = NULL;

	assert_ok(vnet_coexist_legacy_tables(names, &tables, &err_));
	assert_int_equal(g_strv_length(tables), 2);
	assert_string_equal(tables[0], "filter");
	assert_string_equal(tables[1], "nat");
	assert_ok(vnet_coexist_legacy_tables(missing, &none, &err_));
	assert_int_equal(g_strv_length(none), 0);

	assert_true(vnet_coexist_br_netfilter_loaded(missing, call));
	assert_true(vnet_coexist_br_netfilter_loaded(dir, NULL));
	assert_false(vnet_coexist_br_netfilter_loaded(missing, missing));
	assert_false(vnet_coexist_br_netfilter_loaded(NULL, NULL));

	assert_true(vnet_coexist_conf_flushes_ruleset(debian));
	assert_true(vnet_coexist_conf_flushes_ruleset(semi));
	assert_false(vnet_coexist_conf_flushes_ruleset(family));
	assert_false(vnet_coexist_conf_flushes_ruleset(later));
	assert_false(vnet_coexist_conf_flushes_ruleset(missing));

	for (const char *const *f = (const char *const[]){ names, call, debian, semi, family, later, NULL }; *f; f++)
		g_unlink(*f);
	g_rmdir(dir);
}

/* vnetctl.conf: what is accepted, and a table of what is refused. */
static void test_config(void **state)
{
	static const struct {
		const char *text;
		vnet_coexist_mode mode;
	} good[] = {
		{ "", VNET_COEXIST_MODE_AUTO },
		{ "# nothing set\n\n", VNET_COEXIST_MODE_AUTO },
		{ "coexist = warn\n", VNET_COEXIST_MODE_WARN },
		{ "  coexist=strict   # refuse\n", VNET_COEXIST_MODE_STRICT },
		{ "coexist = auto", VNET_COEXIST_MODE_AUTO },
	};
	static const struct {
		const char *text, *says;
	} bad[] = {
		{ "coexist", "is not \"key = value\"" },
		{ "coexist = Warn", "must be auto, warn or strict" },
		{ "coexist = ", "must be auto, warn or strict" },
		{ "coexist = warn strict", "must be auto, warn or strict" },
		{ "coexist = warn\ncoexist = auto", "a second time" },
		{ "mode = warn", "does not know" },
		{ "= warn", "does not know" },
		{ "\n\ncoexist = \x1b[2J", "Line 3 of" },
	};
	(void)state;
	for (guint i = 0; i < G_N_ELEMENTS(good); i++) {
		g_autoptr(GError) error = NULL;
		vnet_coexist_mode mode = 99;
		if (!vnet_coexist_parse_config(good[i].text, "vnetctl.conf", &mode, &error))
			fail_msg("\"%s\" is refused: %s", good[i].text, error->message);
		assert_int_equal(mode, good[i].mode);
	}
	for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autoptr(GError) error = NULL;
		vnet_coexist_mode mode;
		if (vnet_coexist_parse_config(bad[i].text, "vnetctl.conf", &mode, &error))
			fail_msg("\"%s\" is accepted", bad[i].text);
		if (!strstr(error->message, bad[i].says) || !strstr(error->message, "vnetctl.conf") ||
		    strchr(error->message, '\x1b'))
			fail_msg("\"%s\": %s", bad[i].text, error->message);
	}
}

/* Our mark: only the bit of VNET_NFT_MARK of a forwarded packet is known. */
static void test_mark(void **state)
{
#define MARKRULE(MASK, OP, VALUE) \
	RULE("ip", "f", "fwd", 1, "[{\"match\": {\"op\": \"" OP "\", \"left\": {\"&\": [{\"meta\": {\"key\": \"mark\"}}, " MASK "]}, \"right\": " VALUE "}}, {\"accept\": null}]")
	static const struct {
		const char *ruleset;
		bool out;
	} marks[] = {
		{ RULESET(BASE("ip", "f", "fwd", "forward", "drop") "," MARKRULE("2097152", "==", "2097152")), true },
		{ RULESET(BASE("ip", "f", "fwd", "forward", "drop") "," MARKRULE("2097152", "!=", "0")), true },
		{ RULESET(BASE("ip", "f", "fwd", "forward", "drop") "," MARKRULE("2097152", "==", "0")), false },
		/* another bit of the mask is anyone's: undecided, so not let through */
		{ RULESET(BASE("ip", "f", "fwd", "forward", "drop") "," MARKRULE("2097153", "==", "2097152")), false },
		{ RULESET(BASE("ip", "f", "fwd", "forward", "drop") "," MARKRULE("1", "==", "1")), false },
	};
#undef MARKRULE
	(void)state;
	for (guint i = 0; i < G_N_ELEMENTS(marks); i++) {
		g_autoptr(GError) error = NULL;
		g_autoptr(vnet_coexist_report) r = vnet_coexist_parse(marks[i].ruleset, &error);
		assert_non_null(r);
		assert_int_equal(vnet_coexist_report_count(r), 1);
		if (vnet_coexist_lets_through(vnet_coexist_report_get(r, 0), "vn-web", VNET_COEXIST_GUEST_OUT) != marks[i].out)
			fail_msg("case %u: %s", i, marks[i].ruleset);
	}
}

int main(void)
{
	struct CMUnitTest tests[G_N_ELEMENTS(cases) + 8];
	guint n = 0;

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++)
		tests[n++] = (struct CMUnitTest){ .name = cases[i], .test_func = test_case,
						  .initial_state = (void *)cases[i] };
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_not_a_ruleset);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_odd_rulesets);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_lets_through);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_owners_and_fixes);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_fix_refuses);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_host_checks);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_config);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_mark);
	return _cmocka_run_group_tests("coexist", tests, n, NULL, NULL);
}
