/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The nftables backend without a kernel: the elements an intent wants, the
 * commands of a change (old -> new touches only the difference), the table
 * commands, and the golden files.
 *
 * Golden files: for every case of tests/data/cases.list, tests/data/<case>.nft
 * holds the commands that add the elements of <case>.intent.xml
 * (vnet_nft_diff_commands(NULL, intent)), with domain names resolved through
 * golden_guests below.  VNET_REGENERATE=1 writes them instead of comparing;
 * review the diff like code.  tests/integration/10-nft-golden.sh checks each
 * with `nft -c` after the table commands.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "helpers.h"

#include "guests.h"
#include "nft.h"
#include "util.h"

#define DATADIR SRCDIR "/tests/data"
#define OUTDIR BUILDDIR "/tests/golden-out"

/* ---- helpers ---- */

static vnet_intent *make_intent(const char *name, vnet_mode mode, const char *bridge,
				const char *subnet4, const char *subnet6, const char *guest,
				const char *const *forwards)
{
	g_autoptr(GError) error = NULL;
	vnet_intent *in = vnet_intent_new(name, mode, &error);

	assert_non_null(in);
	if (bridge)
		assert_true(vnet_intent_set_bridge(in, bridge, &error));
	if (subnet4)
		assert_true(vnet_intent_set_subnet(in, subnet4, &error));
	if (subnet6)
		assert_true(vnet_intent_set_subnet(in, subnet6, &error));
	if (guest)
		assert_true(vnet_intent_set_default_guest(in, guest, &error));
	for (const char *const *f = forwards; f && *f; f++)
		if (!vnet_intent_add_forward(in, *f, &error))
			fail_msg("forward %s: %s", *f, error->message);
	return in;
}

static vnet_intent *nat_intent(const char *const *forwards)
{
	return make_intent("t1", VNET_MODE_NAT, "vn-t1", "10.77.0.0/24", "fd77::/64", "10.77.0.2",
			   forwards);
}

/* The lines, joined with "\n", for one readable comparison. */
static char *join_lines(GPtrArray *lines)
{
	GString *s = g_string_new(NULL);

	for (guint i = 0; i < lines->len; i++)
		g_string_append_printf(s, "%s\n", (char *)lines->pdata[i]);
	return g_string_free(s, FALSE);
}

static void assert_lines(GPtrArray *lines, const char *want)
{
	g_autofree char *got = join_lines(lines);

	if (strcmp(got, want) != 0)
		fail_msg("elements differ.\nwant:\n%sgot:\n%s", want, got);
}

static void assert_text(const char *got, const char *want)
{
	if (strcmp(got, want) != 0)
		fail_msg("commands differ.\nwant:\n%sgot:\n%s", want, got);
}

static guint count_substr(const char *s, const char *needle)
{
	guint n = 0;

	for (const char *p = s; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

/* ---- elements ---- */

static void test_nat_elements(void **state)
{
	static const char *const fw[] = {
		"8080:80",
		"127.0.0.1:9090:80",
		"192.0.2.1:53:10.77.0.53:53/udp",
		"6000:10.77.0.20:6001/sctp",
		"[::]:8443:[fd77::10]:443",
		"[2001:db8::1]:2222:[fd77::11]:22",
		"[::]:8444:443",		/* the default IPv6 guest, fd77::2 */
		"[2001:db8::1]:8445:443/udp",
		NULL,
	};
	g_autoptr(vnet_intent) in = nat_intent(fw);
	g_autoptr(GPtrArray) lines = vnet_nft_intent_elements(in, NULL);

	/* 8080:80, on every address to the default guest, is published on both families */
	assert_lines(lines,
		     "nat_if vn-t1\n"
		     "intra_if vn-t1 . vn-t1\n"
		     "nat4 10.77.0.0/24\n"
		     "nat6 fd77::/64\n"
		     "fwd4 tcp . 8080 : 10.77.0.2 . 80\n"
		     "fwd6 tcp . 8080 : fd77::2 . 80\n"
		     "fwd4_addr 127.0.0.1 . tcp . 9090 : 10.77.0.2 . 80\n"
		     "fwd4_addr 192.0.2.1 . udp . 53 : 10.77.0.53 . 53\n"
		     "fwd4 sctp . 6000 : 10.77.0.20 . 6001\n"
		     "fwd6 tcp . 8443 : fd77::10 . 443\n"
		     "fwd6_addr 2001:db8::1 . tcp . 2222 : fd77::11 . 22\n"
		     "fwd6 tcp . 8444 : fd77::2 . 443\n"
		     "fwd6_addr 2001:db8::1 . udp . 8445 : fd77::2 . 443\n");
}

/* 8000-8010:80-90 maps port by port: 11 elements, 8000->80 ... 8010->90; 9000-9001:9000-9001 is one. */
static void test_port_range(void **state)
{
	static const char *const fw[] = { "8000-8010:80-90/udp", "9000-9001:9000-9001", NULL };
	g_autoptr(vnet_intent) in = nat_intent(fw);
	g_autoptr(GPtrArray) lines = vnet_nft_intent_elements(in, NULL);
	g_autofree char *cmds = vnet_nft_diff_commands(NULL, in, NULL);
	guint n = 0;

	for (guint i = 0; i < lines->len; i++) {
		const char *l = lines->pdata[i];
		if (g_str_has_prefix(l, "fwd4 udp . "))
			n++;
	}
	assert_int_equal(n, 11);
	for (guint p = 8000; p <= 8010; p++) {
		g_autofree char *want = g_strdup_printf("fwd4 udp . %u : 10.77.0.2 . %u", p, p - 7920);
		bool found = false;
		for (guint i = 0; i < lines->len && !found; i++)
			found = strcmp(lines->pdata[i], want) == 0;
		if (!found)
			fail_msg("no element \"%s\"", want);
	}
	assert_non_null(strstr(cmds, "\tudp . 8000 comment \"t1\" : 10.77.0.2 . 80,\n"));
	assert_non_null(strstr(cmds, "\tudp . 8010 comment \"t1\" : 10.77.0.2 . 90\n}\n"));
	/* all forwards of a set in one command */
	assert_int_equal(count_substr(cmds, "add element inet vnetctl fwd4 {"), 1);
	/* onto the same ports: one interval element, DNAT to the address alone */
	assert_non_null(strstr(cmds, "add element inet vnetctl fwdr4 { tcp . 9000-9001 comment \"t1\" : 10.77.0.2 }\n"));
	{
		guint r = 0;
		for (guint i = 0; i < lines->len; i++)
			r += g_str_has_prefix(lines->pdata[i], "fwdr4 ") ||
			     (g_str_has_prefix(lines->pdata[i], "fwd4 tcp . 900"));
		assert_int_equal(r, 1);
		assert_true(g_ptr_array_find_with_equal_func(lines, "fwdr4 tcp . 9000-9001 : 10.77.0.2", g_str_equal, NULL));
	}
}

static void test_named_guests(void **state)
{
	static const char *const fw[] = {
		"7000:web:80",
		"7001:gone:80",
		"[::]:7002:web:80",
		"7003:far:80",
		NULL,
	};
	g_autoptr(vnet_intent) in = nat_intent(fw);
	g_autoptr(GHashTable) guests = g_hash_table_new(g_str_hash, g_str_equal);
	g_autoptr(GPtrArray) lines = NULL;
	g_autoptr(GPtrArray) none = NULL;

	g_hash_table_insert(guests, (char *)"web", (char *)"10.77.0.30, fd77::30");
	/* outside the subnet: a forward never aims anywhere but at its network */
	g_hash_table_insert(guests, (char *)"far", (char *)"192.0.2.99");
	lines = vnet_nft_intent_elements(in, guests);
	assert_lines(lines,
		     "nat_if vn-t1\n"
		     "intra_if vn-t1 . vn-t1\n"
		     "nat4 10.77.0.0/24\n"
		     "nat6 fd77::/64\n"
		     "fwd4 tcp . 7000 : 10.77.0.30 . 80\n"
		     "fwd6 tcp . 7002 : fd77::30 . 80\n");
	/* no guests at all: every named forward is skipped */
	none = vnet_nft_intent_elements(in, NULL);
	assert_int_equal(none->len, 4);
}

static void test_modes(void **state)
{
	static const char *const fw[] = { "8080:80", NULL };
	g_autoptr(vnet_intent) iso = make_intent("i1", VNET_MODE_ISOLATED, "vn-i1", "10.78.0.0/24",
						 NULL, NULL, NULL);
	g_autoptr(vnet_intent) br = make_intent("b1", VNET_MODE_BRIDGED, "br0", NULL, NULL, NULL, NULL);
	g_autoptr(vnet_intent) hy = make_intent("h1", VNET_MODE_HYBRID, "vn-h1", "10.79.0.0/24",
						NULL, "10.79.0.2", fw);
	g_autoptr(GPtrArray) l_iso = vnet_nft_intent_elements(iso, NULL);
	g_autoptr(GPtrArray) l_br = vnet_nft_intent_elements(br, NULL);
	g_autoptr(GPtrArray) l_hy = NULL;
	g_autofree char *c_br = vnet_nft_diff_commands(NULL, br, NULL);
	g_autoptr(GError) error = NULL;

	assert_true(vnet_intent_set_lan_bridge(hy, "br1", &error));
	l_hy = vnet_nft_intent_elements(hy, NULL);
	/* its guests reach the host for DHCP (no gateway here: no DNS) */
	assert_lines(l_iso, "iso_if vn-i1\nintra_if vn-i1 . vn-i1\niso_dhcp vn-i1 . udp . 67\n");
	assert_int_equal(l_br->len, 0);
	assert_string_equal(c_br, "");
	assert_lines(l_hy,
		     "nat_if vn-h1\n"
		     "intra_if vn-h1 . vn-h1\n"
		     "nat4 10.79.0.0/24\n"
		     "fwd4 tcp . 8080 : 10.79.0.2 . 80\n");
}

/* ---- commands ---- */

static void test_add_commands(void **state)
{
	static const char *const fw[] = { "8080:80", "127.0.0.1:9090:80", NULL };
	g_autoptr(vnet_intent) in = make_intent("t1", VNET_MODE_NAT, "vn-t1", "10.77.0.0/24", NULL,
						"10.77.0.2", fw);
	g_autofree char *cmds = vnet_nft_diff_commands(NULL, in, NULL);
	g_autofree char *plan = NULL;
	g_autoptr(GError) error = NULL;

	assert_text(cmds,
		    "add element inet vnetctl nat_if { \"vn-t1\" comment \"t1\" }\n"
		    "add element inet vnetctl intra_if { \"vn-t1\" . \"vn-t1\" comment \"t1\" }\n"
		    "add element inet vnetctl nat4 { 10.77.0.0/24 comment \"t1\" }\n"
		    "add element inet vnetctl fwd4 { tcp . 8080 comment \"t1\" : 10.77.0.2 . 80 }\n"
		    "add element inet vnetctl fwd4_addr { 127.0.0.1 . tcp . 9090 comment \"t1\" : 10.77.0.2 . 80 }\n");
	/* a dry run needs no kernel and no context, and returns the same */
	assert_true(vnet_nft_apply(NULL, NULL, in, NULL, true, &plan, &error));
	assert_string_equal(plan, cmds);
}

static void test_remove_commands(void **state)
{
	static const char *const fw[] = { "8080:80", NULL };
	g_autoptr(vnet_intent) in = make_intent("t1", VNET_MODE_NAT, "vn-t1", "10.77.0.0/24", NULL,
						"10.77.0.2", fw);
	g_autofree char *cmds = vnet_nft_diff_commands(in, NULL, NULL);

	/* each delete is preceded by an add of the same elements, so an absent one is no error */
	assert_text(cmds,
		    "add element inet vnetctl nat_if { \"vn-t1\" comment \"t1\" }\n"
		    "delete element inet vnetctl nat_if { \"vn-t1\" comment \"t1\" }\n"
		    "add element inet vnetctl intra_if { \"vn-t1\" . \"vn-t1\" comment \"t1\" }\n"
		    "delete element inet vnetctl intra_if { \"vn-t1\" . \"vn-t1\" comment \"t1\" }\n"
		    "add element inet vnetctl nat4 { 10.77.0.0/24 comment \"t1\" }\n"
		    "delete element inet vnetctl nat4 { 10.77.0.0/24 comment \"t1\" }\n"
		    "add element inet vnetctl fwd4 { tcp . 8080 comment \"t1\" : 10.77.0.2 . 80 }\n"
		    "delete element inet vnetctl fwd4 { tcp . 8080 comment \"t1\" : 10.77.0.2 . 80 }\n");
}

/* old -> new touches only the difference. */
static void test_converge_diff(void **state)
{
	static const char *const fw_old[] = { "8080:80", "8081:81", "5000-5001:5000-5001/udp", NULL };
	static const char *const fw_new[] = { "8081:81", "8082:82", "5000-5001:5000-5001/udp",
					      "8080:10.77.0.9:80", NULL };
	g_autoptr(vnet_intent) old = nat_intent(fw_old);
	g_autoptr(vnet_intent) new = nat_intent(fw_new);
	g_autofree char *cmds = vnet_nft_diff_commands(old, new, NULL);
	g_autofree char *same = vnet_nft_diff_commands(old, old, NULL);
	g_autofree char *nothing = vnet_nft_diff_commands(NULL, NULL, NULL);

	/* dual-stack: a forward to the default guest comes and goes on IPv6 too */
	assert_text(cmds,
		    "add element inet vnetctl fwd4 { tcp . 8080 comment \"t1\" : 10.77.0.2 . 80 }\n"
		    "delete element inet vnetctl fwd4 { tcp . 8080 comment \"t1\" : 10.77.0.2 . 80 }\n"
		    "add element inet vnetctl fwd6 { tcp . 8080 comment \"t1\" : fd77::2 . 80 }\n"
		    "delete element inet vnetctl fwd6 { tcp . 8080 comment \"t1\" : fd77::2 . 80 }\n"
		    "add element inet vnetctl fwd4 {\n"
		    "\ttcp . 8082 comment \"t1\" : 10.77.0.2 . 82,\n"
		    "\ttcp . 8080 comment \"t1\" : 10.77.0.9 . 80\n"
		    "}\n"
		    "add element inet vnetctl fwd6 { tcp . 8082 comment \"t1\" : fd77::2 . 82 }\n");
	assert_string_equal(same, "");
	assert_string_equal(nothing, "");
}

/* A network that changes subnet and bridge: the old ones go, the new ones come. */
static void test_converge_network(void **state)
{
	g_autoptr(vnet_intent) old = make_intent("t1", VNET_MODE_NAT, "vn-t1", "10.77.0.0/24", NULL,
						 NULL, NULL);
	g_autoptr(vnet_intent) new = make_intent("t1", VNET_MODE_ISOLATED, "vn-t2", "10.77.0.0/24",
						 NULL, NULL, NULL);
	g_autofree char *cmds = vnet_nft_diff_commands(old, new, NULL);

	assert_text(cmds,
		    "add element inet vnetctl nat_if { \"vn-t1\" comment \"t1\" }\n"
		    "delete element inet vnetctl nat_if { \"vn-t1\" comment \"t1\" }\n"
		    "add element inet vnetctl intra_if { \"vn-t1\" . \"vn-t1\" comment \"t1\" }\n"
		    "delete element inet vnetctl intra_if { \"vn-t1\" . \"vn-t1\" comment \"t1\" }\n"
		    "add element inet vnetctl nat4 { 10.77.0.0/24 comment \"t1\" }\n"
		    "delete element inet vnetctl nat4 { 10.77.0.0/24 comment \"t1\" }\n"
		    "add element inet vnetctl iso_if { \"vn-t2\" comment \"t1\" }\n"
		    "add element inet vnetctl intra_if { \"vn-t2\" . \"vn-t2\" comment \"t1\" }\n"
		    "add element inet vnetctl iso_dhcp { \"vn-t2\" . udp . 67 comment \"t1\" }\n");
}

/* A guest that got another address: same intent, other guests. */
static void test_converge_guests(void **state)
{
	static const char *const fw[] = { "7000:web:80", NULL };
	g_autoptr(vnet_intent) in = nat_intent(fw);
	g_autoptr(GHashTable) before = g_hash_table_new(g_str_hash, g_str_equal);
	g_autoptr(GHashTable) after = g_hash_table_new(g_str_hash, g_str_equal);
	g_autofree char *cmds = NULL;
	g_autoptr(GError) error = NULL;

	g_hash_table_insert(before, (char *)"web", (char *)"10.77.0.30");
	g_hash_table_insert(after, (char *)"web", (char *)"10.77.0.31");
	assert_true(vnet_nft_converge(NULL, in, before, in, after, true, &cmds, &error));
	assert_text(cmds,
		    "add element inet vnetctl fwd4 { tcp . 7000 comment \"t1\" : 10.77.0.30 . 80 }\n"
		    "delete element inet vnetctl fwd4 { tcp . 7000 comment \"t1\" : 10.77.0.30 . 80 }\n"
		    "add element inet vnetctl fwd4 { tcp . 7000 comment \"t1\" : 10.77.0.31 . 80 }\n");
}

/* ---- the table ---- */

static void test_table_commands(void **state)
{
	g_autofree char *t = vnet_nft_table_commands();
	g_auto(GStrv) lines = g_strsplit(t, "\n", -1);
	g_autoptr(GHashTable) flushed = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	guint rules = 0;

	assert_true(g_str_has_prefix(t, "add table inet vnetctl\n"));
	/* the marker comes last: its presence means the rest is there */
	assert_non_null(strstr(t, "add set inet vnetctl layout3 {"));
	/* layout 1's filter chain and marker go, each added first so that it may be absent */
	assert_non_null(strstr(t, "add chain inet vnetctl forward { type filter hook forward priority filter; policy accept; }\n"
				  "delete chain inet vnetctl forward\n"));
	assert_non_null(strstr(t, "add set inet vnetctl layout1 { type mark; }\ndelete set inet vnetctl layout1\n"));
	assert_non_null(strstr(t, "add set inet vnetctl layout2 { type mark; }\ndelete set inet vnetctl layout2\n"));
	/* every accept of the forward filter marks, so that DOCKER-USER can accept by the mark */
	for (char **l = lines; *l; l++)
		if (g_str_has_prefix(*l, "add rule inet vnetctl forwarding ") && g_str_has_suffix(*l, " accept"))
			assert_non_null(strstr(*l, " meta mark set meta mark or 0x00200000 accept"));
	assert_true(g_str_has_suffix(t, "is complete\"; }\n"));
	assert_null(strstr(t, "ruleset"));
	for (char **l = lines; *l && **l; l++) {
		g_auto(GStrv) w = g_strsplit(*l, " ", 6);
		bool bridge;

		/* never another table: every command names inet vnetctl or bridge vnetctl */
		assert_true(g_strv_length(w) >= 4);
		bridge = strcmp(w[2], "bridge") == 0;
		if (strcmp(w[0], "add") != 0 && strcmp(w[0], "flush") != 0 &&
		    !(strcmp(w[0], "delete") == 0 && (g_str_equal(*l, "delete chain inet vnetctl forward") ||
						      g_str_equal(*l, "delete set inet vnetctl layout1") ||
						      g_str_equal(*l, "delete set inet vnetctl layout2"))))
			fail_msg("unexpected command: %s", *l);
		if ((strcmp(w[2], "inet") != 0 && !bridge) || strcmp(w[3], "vnetctl") != 0)
			fail_msg("a command outside tables inet and bridge vnetctl: %s", *l);
		if (strcmp(w[0], "flush") == 0) {
			assert_string_equal(w[1], "chain");
			g_hash_table_add(flushed, g_strdup_printf("%s %s", w[2], w[4]));
		}
		/* idempotent: no rule is added to a chain not flushed before it */
		if (strcmp(w[0], "add") == 0 && strcmp(w[1], "rule") == 0) {
			g_autofree char *chain = g_strdup_printf("%s %s", w[2], w[4]);
			if (!g_hash_table_contains(flushed, chain))
				fail_msg("rule added to chain %s without flushing it first: %s", w[4], *l);
			rules++;
		}
	}
	assert_int_equal(g_hash_table_size(flushed), 8);
	/* the bridge table's marker last too, in the same transaction */
	assert_non_null(strstr(t, "add set bridge vnetctl guard1 {"));
	assert_true(strstr(t, "add set inet vnetctl layout3 {") < strstr(t, "add set bridge vnetctl guard1 {"));
	/* guest ports only: the first rule lets every other port's frames through */
	assert_non_null(strstr(t, "add rule bridge vnetctl guard iifname != @guard_port accept\n"
				  "add rule bridge vnetctl guard ether type ip udp sport 67 udp dport 68 goto dropped\n"));
	assert_non_null(strstr(t, "icmpv6 type nd-router-advert goto dropped"));
	assert_non_null(strstr(t, "update @drops { iifname . ether saddr } drop"));
	assert_true(rules > 0);
	/* the facts the design records */
	assert_non_null(strstr(t, "out { type nat hook output priority -100;"));
	assert_non_null(strstr(t, "ct status dnat ip saddr 127.0.0.0/8 masquerade"));
	assert_non_null(strstr(t, "ct status dnat ip saddr @nat4 ip daddr @nat4 masquerade"));
	assert_non_null(strstr(t, "iif != \"lo\" ip daddr 127.0.0.0/8 drop"));
	/* the same table text each time */
	{
		g_autofree char *again = vnet_nft_table_commands();
		assert_string_equal(t, again);
	}
}

/* ---- golden files ---- */

static bool regenerate(void)
{
	return g_strcmp0(g_getenv("VNET_REGENERATE"), "1") == 0;
}

static char *data_path(const char *name, const char *suffix)
{
	return g_strdup_printf("%s/%s%s", DATADIR, name, suffix);
}

/* The fixed addresses domain names resolve to in golden files. */
static GHashTable *golden_guests(void)
{
	GHashTable *g = g_hash_table_new(g_str_hash, g_str_equal);

	g_hash_table_insert(g, (char *)"db1", (char *)"10.0.0.30 fd00:50::30");
	/* the guard's facts (guests.h): a reservation, and ports of the guarded bridges */
	g_hash_table_insert(g, (char *)VNET_GUESTS_MAC_KEY "52:54:00:66:00:10", (char *)"10.66.0.10");
	g_hash_table_insert(g, (char *)VNET_GUESTS_PORT_KEY "vnet7", (char *)"vn-guard");
	g_hash_table_insert(g, (char *)VNET_GUESTS_PORT_KEY "vnet8", (char *)"vn-open");
	g_hash_table_insert(g, (char *)VNET_GUESTS_PORT_KEY "vnet9", (char *)"br-guard");
	return g;
}

static void test_golden(void **state)
{
	const char *name = *state;
	g_autofree char *ipath = data_path(name, ".intent.xml");
	g_autofree char *path = data_path(name, ".nft");
	g_autofree char *xml = NULL;
	g_autofree char *got = NULL;
	g_autofree char *want = NULL;
	g_autoptr(GHashTable) guests = golden_guests();
	g_autoptr(GError) error = NULL;
	g_autoptr(vnet_intent) in = NULL;

	if (!g_file_get_contents(ipath, &xml, NULL, &error))
		fail_msg("%s", error->message);
	if (!(in = vnet_intent_from_xml(xml, -1, &error)))
		fail_msg("%s: %s", ipath, error->message);
	got = vnet_nft_diff_commands(NULL, in, guests);
	if (regenerate()) {
		if (!g_file_set_contents(path, got, -1, &error))
			fail_msg("%s", error->message);
		print_message("wrote %s\n", path);
		return;
	}
	if (!g_file_get_contents(path, &want, NULL, &error))
		fail_msg("%s (write it with VNET_REGENERATE=1 %s)", error->message, "tests/unit/test-nft");
	if (strcmp(want, got) != 0) {
		g_autofree char *out = g_strdup_printf("%s/%s.nft", OUTDIR, name);
		if (g_mkdir_with_parents(OUTDIR, 0755) != 0 || !g_file_set_contents(out, got, -1, &error))
			fail_msg("%s differs, and writing the output failed", path);
		fail_msg("%s differs from what the code makes:\n  diff -u %s %s\n"
			 "If the change is meant, rerun with VNET_REGENERATE=1 and review the diff.",
			 path, path, out);
	}
}

/* NULL when there is no list yet. */
static GPtrArray *read_cases(void)
{
	g_autofree char *path = data_path("cases", ".list");
	g_autofree char *text = NULL;

	if (!g_file_get_contents(path, &text, NULL, NULL))
		return NULL;
	return golden_parse_cases(text);
}

static GPtrArray *cases;

static void test_no_golden_list(void **state)
{
	print_message("tests/data/cases.list does not exist: golden nft files skipped\n");
	skip();
}

/* Every .nft file in tests/data belongs to a listed case. */
static void test_no_orphans(void **state)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GDir) dir = g_dir_open(DATADIR, 0, &error);
	const char *f;

	if (!dir)
		fail_msg("%s", error->message);
	while ((f = g_dir_read_name(dir))) {
		g_autofree char *name = NULL;
		bool listed = false;

		if (!g_str_has_suffix(f, ".nft"))
			continue;
		name = g_strndup(f, strlen(f) - strlen(".nft"));
		for (guint c = 0; c < cases->len && !listed; c++)
			listed = strcmp(cases->pdata[c], name) == 0;
		if (!listed)
			fail_msg("%s/%s belongs to no case of cases.list", DATADIR, f);
	}
}

/*
 * The digests that approval records and the filled-elements record hold
 * were GLib's SHA-256 before nettle's: the same text, whatever the input's
 * length (empty, one block, block edges, MBs) and however it is fed.
 */
static void test_sha256(void **state)
{
	static const gsize lens[] = { 0, 1, 55, 56, 63, 64, 65, 127, 128, 1000, 3000000 };
	(void)state;

	for (guint i = 0; i < G_N_ELEMENTS(lens); i++) {
		g_autofree char *buf = g_malloc(lens[i] + 1), *want = NULL, *got = NULL, *pieces = NULL;
		vnet_sha256 *c = vnet_sha256_new();

		for (gsize k = 0; k < lens[i]; k++)
			buf[k] = "<vnet:forward>8080:80/tcp</vnet:forward>\n\xe4 "[k % 43];
		buf[lens[i]] = '\0';
		want = g_compute_checksum_for_data(G_CHECKSUM_SHA256, (const guchar *)buf, lens[i]);
		got = vnet_sha256_string(buf);
		assert_string_equal(got, want);
		/* fed in uneven pieces, as elems_digest() feeds lines */
		for (gsize k = 0; k < lens[i]; k += 7 + k % 13)
			vnet_sha256_update(c, buf + k, MIN(7 + k % 13, lens[i] - k));
		pieces = vnet_sha256_finish(c);
		assert_string_equal(pieces, want);
	}
}

int main(void)
{
	static const struct CMUnitTest unit[] = {
		cmocka_unit_test(test_nat_elements),
		cmocka_unit_test(test_port_range),
		cmocka_unit_test(test_named_guests),
		cmocka_unit_test(test_modes),
		cmocka_unit_test(test_add_commands),
		cmocka_unit_test(test_remove_commands),
		cmocka_unit_test(test_converge_diff),
		cmocka_unit_test(test_converge_network),
		cmocka_unit_test(test_converge_guests),
		cmocka_unit_test(test_table_commands),
		cmocka_unit_test(test_sha256),
	};
	g_autofree struct CMUnitTest *golden = NULL;
	guint n = 0;
	int r;

	r = cmocka_run_group_tests_name("nft", unit, NULL, NULL);
	cases = read_cases();
	golden = g_new0(struct CMUnitTest, (cases ? cases->len : 0) + 1);
	if (!cases) {
		golden[n].name = "golden";
		golden[n++].test_func = test_no_golden_list;
	} else {
		n = golden_add_cases(golden, cases, test_golden);
		golden[n].name = "no_orphans";
		golden[n++].test_func = test_no_orphans;
	}
	r |= _cmocka_run_group_tests("nft-golden", golden, n, NULL, NULL);
	if (cases)
		g_ptr_array_unref(cases);
	return r;
}
