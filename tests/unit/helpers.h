/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the cmocka unit tests share: error assertions that name the whole
 * message, and the list of golden cases (tests/data/cases.list).
 * Include after <cmocka.h>.
 */
#ifndef VNET_TEST_HELPERS_H
#define VNET_TEST_HELPERS_H

#include <string.h>
#include <glib.h>
#include <vnet/error.h>

/* Fail with the whole message unless @error is @code and names every string of @subs. */
static inline void check_error(const GError *error, int code, const char *const *subs)
{
	if (!error)
		fail_msg("expected an error, got success");
	if (error->domain != VNET_ERROR || error->code != code)
		fail_msg("expected code %d, got %d: %s", code, error->code, error->message);
	for (; subs && *subs; subs++)
		if (!strstr(error->message, *subs))
			fail_msg("error \"%s\" does not contain \"%s\"", error->message, *subs);
}

#define assert_error(error, code, ...) \
	check_error((error), (code), (const char *const[]){ __VA_ARGS__, NULL })

/* @call takes `&err_` as its GError **; it must succeed. */
#define assert_ok(call)                                                          \
	do {                                                                     \
		GError *err_ = NULL;                                             \
		if (!(call))                                                     \
			fail_msg("%s failed: %s", #call, err_ ? err_->message : "?"); \
		g_clear_error(&err_);                                            \
	} while (0)

/* The case names of a cases.list text: one per line, "#" starts a comment. */
static inline GPtrArray *golden_parse_cases(const char *text)
{
	g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
	GPtrArray *cases = g_ptr_array_new_with_free_func(g_free);

	for (char **l = lines; *l; l++) {
		char *hash = strchr(*l, '#');
		if (hash)
			*hash = '\0';
		g_strstrip(*l);
		if (**l)
			g_ptr_array_add(cases, g_strdup(*l));
	}
	return cases;
}

/* One cmocka test per golden case, @fn run with the case name as its state. */
static inline guint golden_add_cases(struct CMUnitTest *tests, const GPtrArray *cases,
				     CMUnitTestFunction fn)
{
	for (guint i = 0; i < cases->len; i++) {
		tests[i] = (struct CMUnitTest){ .name = cases->pdata[i], .test_func = fn,
						.initial_state = cases->pdata[i] };
	}
	return cases->len;
}

#endif
