/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The CLI's %s-only formatter, held to printf on what both take. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "../../src/cli/cli.h"

cli_globals cli;

static void test_format_strings(void **state)
{
	static const char *const args[] = { "8080:80/tcp", "10.0.0.2", "-", "reservation" };
	static const struct {
		const char *fmt, *want;
	} cases[] = {
		{ "%s goes to %s (guest %s, by %s)", "8080:80/tcp goes to 10.0.0.2 (guest -, by reservation)" },
		{ "%2$s <- %1$s", "10.0.0.2 <- 8080:80/tcp" },
		{ "%4$s%3$s%2$s%1$s", "reservation-10.0.0.28080:80/tcp" },
		{ "100%% %s", "100% 8080:80/tcp" },
		{ "no conversion", "no conversion" },
		{ "", "" },
		{ "%s 指向 %s（客户机 %s，依据%s）", "8080:80/tcp 指向 10.0.0.2（客户机 -，依据reservation）" },
		/* not %s: left to printf */
		{ "%d", NULL }, { "%5s", NULL }, { "%-s", NULL }, { "%s %s %s %s %s", NULL }, { "%9$s", NULL },
		{ "trailing %", NULL }, { "%0$s", NULL },
	};

	(void)state;
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree char *got = cli_format_strings(cases[i].fmt, args, G_N_ELEMENTS(args));

		print_message("%s\n", cases[i].fmt);
		if (!cases[i].want)
			assert_null(got);
		else
			assert_string_equal(got, cases[i].want);
	}
}

/* The formats are cut once and kept: alternating them, and one too long to keep, give what printf gives. */
static void test_format_cache(void **state)
{
	static const char *const args[] = { "a", "bb", "ccc", "dddd" };
	g_autoptr(GString) many = g_string_new(NULL);

	(void)state;
	for (guint i = 0; i < 40; i++)
		g_string_append(many, i % 2 ? "%1$s" : "-");
	for (guint round = 0; round < 3; round++) {
		g_autoptr(GString) out = g_string_new("x");
		assert_true(cli_format_append(out, "%s goes to %s (guest %s, by %s)", args, 4));
		assert_true(cli_format_append(out, "|%s goes nowhere: %s", args, 2));
		assert_true(cli_format_append(out, "|%2$s%%%1$s", args, 2));
		assert_false(cli_format_append(out, "|%d", args, 2));
		assert_true(cli_format_append(out, many->str, args, 1));
		assert_string_equal(out->str,
				    "xa goes to bb (guest ccc, by dddd)|a goes nowhere: bb|bb%a"
				    "-a-a-a-a-a-a-a-a-a-a-a-a-a-a-a-a-a-a-a-a");
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format_strings),
		cmocka_unit_test(test_format_cache),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
