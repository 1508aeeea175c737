/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Golden files: the spec of what vnetctl makes of an intent.
 *
 * tests/data/cases.list names one case a line ("#" starts a comment).  A case
 * is three or four files, each link of the chain checked on its own:
 *
 *   <case>.args        the arguments of `vnetctl xml`, one shell-quoted line
 *        |  vnetctl's own parser (src/cli/args.c, compiled in below) and
 *        v  vnet_intent_complete() against an empty host
 *   <case>.intent.xml  the completed intent, as vnet_intent_to_xml() writes it
 *        |  vnet_intent_from_xml(), vnet_intent_complete(), vnet_intent_network_xml()
 *        v
 *   <case>.network.xml the libvirt network (hybrid: <case>.network.0.xml and
 *                      <case>.network.1.xml, the NAT and the LAN half)
 *
 * The second link reads the intent file as its input, so an intent file and
 * its network XML stand as a pair on their own (what `vnetctl apply -f` of that
 * file defines).  Reading and completing an intent file must also give back
 * the file byte for byte (it is complete and canonical), and it must pass
 * vnet_intent_validate() against the empty host.
 *
 * VNET_REGENERATE=1 (`make regen-golden`) writes the intent files from the
 * arguments and the network files from the intent files instead of comparing;
 * review the diff like code.  On a mismatch the output is written under
 * BUILDDIR/tests/golden-out/ and a `diff -u EXPECTED GOT` line names both.
 * Where libvirt's virt-xml-validate is on PATH, every network file must pass
 * it; without it that check is skipped with a message.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <cmocka.h>
#include "helpers.h"

/* vnetctl's create-argument parser itself, so the .args files mean what they mean to vnetctl. */
#include "../../src/cli/args.c"

#define DATADIR SRCDIR "/tests/data"
#define OUTDIR BUILDDIR "/tests/golden-out"

/* ---- what args.c needs from the rest of vnetctl ---- */

cli_globals cli;
static GString *cli_errors;

int cli_fail(GError *error)
{
	g_string_append_printf(cli_errors, "%s\n", error ? error->message : "?");
	return EXIT_REFUSED;
}

int cli_usage(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	g_string_append_vprintf(cli_errors, fmt, ap);
	va_end(ap);
	g_string_append_c(cli_errors, '\n');
	return EXIT_USAGE;
}

/* ---- helpers ---- */

static bool regenerate(void)
{
	return g_strcmp0(g_getenv("VNET_REGENERATE"), "1") == 0;
}

static char *data_path(const char *name, const char *suffix)
{
	return g_strdup_printf("%s/%s%s", DATADIR, name, suffix);
}

static char *read_data(const char *name, const char *suffix)
{
	g_autofree char *path = data_path(name, suffix);
	g_autoptr(GError) error = NULL;
	char *text = NULL;

	if (!g_file_get_contents(path, &text, NULL, &error))
		fail_msg("%s (write it with `make regen-golden`)", error->message);
	return text;
}

/* Compare @got with the golden file, or write it when regenerating. */
static void check_golden(const char *name, const char *suffix, const char *got)
{
	g_autofree char *path = data_path(name, suffix);
	g_autofree char *want = NULL;
	g_autoptr(GError) error = NULL;

	if (regenerate()) {
		if (!g_file_set_contents(path, got, -1, &error))
			fail_msg("%s", error->message);
		print_message("wrote %s\n", path);
		return;
	}
	want = read_data(name, suffix);
	if (strcmp(want, got) != 0) {
		g_autofree char *out = g_strdup_printf("%s/%s%s", OUTDIR, name, suffix);
		if (g_mkdir_with_parents(OUTDIR, 0755) != 0 || !g_file_set_contents(out, got, -1, &error))
			fail_msg("%s differs, and writing the output failed: %s", path,
				 error ? error->message : "mkdir");
		fail_msg("%s differs from what the code makes:\n  diff -u %s %s\n"
			 "If the change is meant, run `make regen-golden` and review the diff.",
			 path, path, out);
	}
}

/* The network file(s) of an intent: NAME.network.xml, or NAME.network.I.xml for hybrid. */
static char *network_suffix(const vnet_intent *in, guint i)
{
	return vnet_intent_n_networks(in) > 1 ? g_strdup_printf(".network.%u.xml", i)
					       : g_strdup(".network.xml");
}

/* ---- the chain ---- */

/* <case>.args -> <case>.intent.xml */
static void check_args(const char *name)
{
	g_autofree char *line = read_data(name, ".args");
	g_auto(GStrv) words = NULL, argv = NULL;
	g_auto(create_args) args = { 0 };
	g_autoptr(vnet_host) host = vnet_host_new();
	g_autoptr(GError) error = NULL;
	g_autofree char *xml = NULL;
	GStrvBuilder *b;
	int r;

	if (!g_shell_parse_argv(g_strstrip(line), NULL, &words, &error))
		fail_msg("%s.args: %s", name, error->message);
	b = g_strv_builder_new();
	g_strv_builder_add(b, "xml");
	g_strv_builder_addv(b, (const char **)words);
	argv = g_strv_builder_end(b);
	g_strv_builder_unref(b);

	g_string_truncate(cli_errors, 0);
	optind = 0;	/* as main() does before each command */
	r = cli_parse_create_args("xml", g_strv_length(argv), argv, &args);
	if (r != EXIT_OK)
		fail_msg("%s.args: vnetctl xml %s: exit %d: %s", name, line, r, cli_errors->str);
	if (!vnet_intent_complete(args.intent, host, &error) ||
	    !vnet_intent_validate(args.intent, host, args.force ? VNET_VALIDATE_FORCE : 0, &error))
		fail_msg("%s.args: vnetctl xml %s: %s", name, line, error->message);
	xml = vnet_intent_to_xml(args.intent);
	check_golden(name, ".intent.xml", xml);
}

/* <case>.intent.xml -> itself, and -> <case>.network*.xml */
static void check_intent(const char *name)
{
	g_autofree char *text = read_data(name, ".intent.xml");
	g_autoptr(vnet_host) host = vnet_host_new();
	g_autoptr(GError) error = NULL;
	g_autoptr(vnet_intent) in = vnet_intent_from_xml(text, -1, &error);
	g_autofree char *again = NULL;

	if (!in)
		fail_msg("%s.intent.xml: %s", name, error->message);
	if (!vnet_intent_complete(in, host, &error) || !vnet_intent_validate(in, host, 0, &error))
		fail_msg("%s.intent.xml: %s", name, error->message);
	again = vnet_intent_to_xml(in);
	if (strcmp(again, text) != 0)
		fail_msg("%s.intent.xml is not complete and canonical; completing and writing it gives\n%s",
			 name, again);

	for (guint i = 0; i < vnet_intent_n_networks(in); i++) {
		g_autofree char *suffix = network_suffix(in, i);
		g_autofree char *net = vnet_intent_network_xml(in, i, &error);
		g_autoptr(vnet_intent) back = NULL;

		if (!net)
			fail_msg("%s: network %u: %s", name, i, error->message);
		check_golden(name, suffix, net);
		/* libvirt keeps the intent in <metadata>: it reads back the same. */
		back = vnet_intent_from_xml(net, -1, &error);
		if (!back)
			fail_msg("%s%s: %s", name, suffix, error->message);
		assert_true(vnet_intent_equal(in, back));
	}
}

static void test_case(void **state)
{
	const char *name = *state;

	check_args(name);
	check_intent(name);
}

/* ---- the list of cases ---- */

static GPtrArray *read_cases(void)
{
	g_autofree char *text = read_data("cases", ".list");

	return golden_parse_cases(text);
}

static GPtrArray *cases;

/* Every file in tests/data of the golden kinds belongs to a listed case. */
static void test_no_orphans(void **state)
{
	static const char *const suffixes[] = {
		".args", ".intent.xml", ".network.xml", ".network.0.xml", ".network.1.xml",
	};
	g_autoptr(GError) error = NULL;
	g_autoptr(GDir) dir = g_dir_open(DATADIR, 0, &error);
	const char *f;

	if (!dir)
		fail_msg("%s", error->message);
	while ((f = g_dir_read_name(dir))) {
		for (size_t i = 0; i < G_N_ELEMENTS(suffixes); i++) {
			g_autofree char *name = NULL;
			bool listed = false;

			if (!g_str_has_suffix(f, suffixes[i]))
				continue;
			name = g_strndup(f, strlen(f) - strlen(suffixes[i]));
			if (strchr(name, '.'))
				continue;	/* a longer suffix of the same kind */
			for (guint c = 0; c < cases->len && !listed; c++)
				listed = strcmp(cases->pdata[c], name) == 0;
			if (!listed)
				fail_msg("%s/%s belongs to no case of cases.list", DATADIR, f);
		}
	}
}

/* Every network file is valid libvirt network XML, if libvirt's validator is here. */
static void test_virt_xml_validate(void **state)
{
	g_autofree char *tool = g_find_program_in_path("virt-xml-validate");
	g_autoptr(GError) error = NULL;
	g_autoptr(GDir) dir = NULL;
	const char *f;
	guint n = 0;

	if (!tool) {
		print_message("virt-xml-validate is not on PATH: libvirt schema check skipped\n");
		skip();
	}
	dir = g_dir_open(DATADIR, 0, &error);
	if (!dir)
		fail_msg("%s", error->message);
	while ((f = g_dir_read_name(dir))) {
		g_autofree char *path = NULL, *out = NULL, *err = NULL;
		int status;

		if (!strstr(f, ".network.") || !g_str_has_suffix(f, ".xml"))
			continue;
		path = g_build_filename(DATADIR, f, NULL);
		{
			char *argv[] = { tool, path, (char *)"network", NULL };
			if (!g_spawn_sync(NULL, argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err,
					  &status, &error))
				fail_msg("running %s: %s", tool, error->message);
		}
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			fail_msg("%s is not valid libvirt network XML:\n%s%s", path, out, err);
		n++;
	}
	print_message("virt-xml-validate: %u network files valid\n", n);
	assert_true(n > 0);
}

int main(void)
{
	g_autofree struct CMUnitTest *tests = NULL;
	guint n = 0;
	int r;

	cli_errors = g_string_new(NULL);
	cases = read_cases();
	tests = g_new0(struct CMUnitTest, cases->len + 2);
	n = golden_add_cases(tests, cases, test_case);
	tests[n].name = "no_orphans";
	tests[n++].test_func = test_no_orphans;
	tests[n].name = "virt_xml_validate";
	tests[n++].test_func = test_virt_xml_validate;

	r = _cmocka_run_group_tests("golden", tests, n, NULL, NULL);
	g_ptr_array_unref(cases);
	g_string_free(cli_errors, TRUE);
	return r;
}
