/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The revert timer as systemd's StartTransientUnit takes it: every property
 * with the signature systemd's manager reads it with (src/core/dbus-timer.c,
 * dbus-execute.c: a wrong one is refused there, and the takeover with it),
 * the delay, the unit names, the argv.  systemd itself, or a stand-in that
 * runs the argv, is tests/integration/31-confirm-revert.sh's and 33-revert.sh's.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "revert.h"
#include "util.h"

#define TOKEN "0123456789abcdef"

static char *argv_lan[] = { "/usr/sbin/vnetctl", "-c", "qemu:///system", "-q", "revert", "lan",
			    "--token", TOKEN, NULL };

/* What systemd's manager takes, as bus-unit-util.c sends it; nothing else may be sent. */
static const struct {
	const char *name, *type;
} timer_props[] = {
	{ "Description", "s" },
	{ "TimersMonotonic", "a(st)" },
	{ "AccuracyUSec", "t" },
	{ "RemainAfterElapse", "b" },
}, service_props[] = {
	{ "Description", "s" },
	{ "ExecStart", "a(sasb)" },
};

/* @props (a(sv)) as a table name -> value, each name once and of its type in @spec. */
static GHashTable *check_props(GVariant *props, const void *spec, size_t n)
{
	const typeof(timer_props[0]) *s = spec;
	GHashTable *seen = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, (GDestroyNotify)g_variant_unref);
	GVariantIter it;
	const char *name;
	GVariant *v;

	g_variant_iter_init(&it, props);
	while (g_variant_iter_next(&it, "(&sv)", &name, &v)) {
		size_t i;
		for (i = 0; i < n && strcmp(s[i].name, name) != 0; i++)
			;
		if (i == n)
			fail_msg("property %s is not one systemd takes here", name);
		if (!g_variant_is_of_type(v, G_VARIANT_TYPE(s[i].type)))
			fail_msg("property %s is %s, systemd reads %s", name, g_variant_get_type_string(v),
				 s[i].type);
		if (g_hash_table_contains(seen, name))
			fail_msg("property %s twice", name);
		g_hash_table_insert(seen, (char *)name, v);
	}
	return seen;
}

static vnet_revert_record record(const char *name, const char *token)
{
	return (vnet_revert_record){ .name = (char *)name, .token = (char *)token };
}

static void test_timer_and_service(void **state)
{
	vnet_revert_record r = record("lan", TOKEN);
	g_autoptr(GVariant) args = vnet_revert_unit_args(&r, 10, argv_lan);
	g_autoptr(GVariant) tp = NULL, aux = NULL, sp = NULL, exec = NULL;
	g_autoptr(GHashTable) timer = NULL, service = NULL;
	g_autofree const char **got_argv = NULL;
	const char *unit, *mode, *svc_name, *path, *base;
	guint64 usec;
	gboolean ignore;

	assert_true(g_variant_is_of_type(args, G_VARIANT_TYPE("(ssa(sv)a(sa(sv)))")));
	g_variant_get(args, "(&s&s@a(sv)@a(sa(sv)))", &unit, &mode, &tp, &aux);
	assert_string_equal(unit, "vnetctl-revert-lan-" TOKEN ".timer");
	/* a unit of that name already there is an error, never a replaced job */
	assert_string_equal(mode, "fail");

	timer = check_props(tp, timer_props, G_N_ELEMENTS(timer_props));
	assert_int_equal(g_hash_table_size(timer), G_N_ELEMENTS(timer_props));
	assert_int_equal(g_variant_n_children(g_hash_table_lookup(timer, "TimersMonotonic")), 1);
	g_variant_get_child(g_hash_table_lookup(timer, "TimersMonotonic"), 0, "(&st)", &base, &usec);
	assert_string_equal(base, "OnActiveSec");
	assert_int_equal(usec, 10 * G_USEC_PER_SEC);
	assert_int_equal(g_variant_get_uint64(g_hash_table_lookup(timer, "AccuracyUSec")), G_USEC_PER_SEC);
	assert_false(g_variant_get_boolean(g_hash_table_lookup(timer, "RemainAfterElapse")));
	assert_non_null(strstr(g_variant_get_string(g_hash_table_lookup(timer, "Description"), NULL), "lan"));

	/* one service, the one a timer triggers by default: its own name */
	assert_int_equal(g_variant_n_children(aux), 1);
	g_variant_get_child(aux, 0, "(&s@a(sv))", &svc_name, &sp);
	assert_string_equal(svc_name, "vnetctl-revert-lan-" TOKEN ".service");
	service = check_props(sp, service_props, G_N_ELEMENTS(service_props));
	assert_int_equal(g_hash_table_size(service), G_N_ELEMENTS(service_props));
	exec = g_variant_ref(g_hash_table_lookup(service, "ExecStart"));
	assert_int_equal(g_variant_n_children(exec), 1);
	g_variant_get_child(exec, 0, "(&s^a&sb)", &path, &got_argv, &ignore);
	assert_string_equal(path, argv_lan[0]);
	assert_int_equal(g_strv_length((char **)got_argv), g_strv_length(argv_lan));
	for (guint i = 0; argv_lan[i]; i++)
		assert_string_equal(got_argv[i], argv_lan[i]);
	/* a failed revert shows as a failed unit */
	assert_false(ignore);
}

/* A deadline already passed (a slow transaction) fires at once, not never. */
static void test_delay_at_least_a_second(void **state)
{
	static const gint64 delays[] = { 0, -5, 1 };
	vnet_revert_record r = record("lan", TOKEN);

	for (size_t i = 0; i < G_N_ELEMENTS(delays); i++) {
		g_autoptr(GVariant) args = vnet_revert_unit_args(&r, delays[i], argv_lan);
		g_autoptr(GVariant) tp = NULL;
		g_autoptr(GHashTable) timer = NULL;
		guint64 usec = 0;

		g_variant_get_child(args, 2, "@a(sv)", &tp);
		timer = check_props(tp, timer_props, G_N_ELEMENTS(timer_props));
		g_variant_get_child(g_hash_table_lookup(timer, "TimersMonotonic"), 0, "(&st)", NULL, &usec);
		assert_int_equal(usec, G_USEC_PER_SEC);
	}
}

/*
 * Every network name vnetctl takes makes a unit name systemd takes
 * (unit_name_is_valid(): at most 255 of [A-Za-z0-9:_.\\-]), and two
 * takeovers of one name two units.
 */
static void test_unit_names(void **state)
{
	g_autofree char *longest = g_strnfill(VNET_NAME_MAX, 'n');
	const char *names[] = { "lan", "a.b_c-1", longest };
	g_autofree char *first = NULL;

	for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
		vnet_revert_record r = record(names[i], TOKEN);
		g_autoptr(GVariant) args = vnet_revert_unit_args(&r, 10, argv_lan);
		const char *unit;

		assert_true(vnet_name_is_valid(names[i], VNET_NAME_MAX));
		g_variant_get_child(args, 0, "&s", &unit);
		assert_true(strlen(unit) <= 255);
		for (const char *p = unit; *p; p++)
			if (!g_ascii_isalnum(*p) && !strchr(":_.-\\", *p))
				fail_msg("unit name %s has '%c', which systemd refuses", unit, *p);
	}
	for (int i = 0; i < 2; i++) {
		g_autofree char *token = vnet_token_new();
		vnet_revert_record r = record("lan", token);
		g_autoptr(GVariant) args = vnet_revert_unit_args(&r, 10, argv_lan);
		const char *unit;

		g_variant_get_child(args, 0, "&s", &unit);
		if (first)
			assert_string_not_equal(first, unit);
		else
			first = g_strdup(unit);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_timer_and_service),
		cmocka_unit_test(test_delay_at_least_a_second),
		cmocka_unit_test(test_unit_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
