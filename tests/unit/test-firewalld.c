/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * firewalld: what can be checked without firewalld.  The zone settings
 * vnetctl adds over D-Bus are the zone it ships (data/firewalld/vnetctl.xml);
 * zone names as firewalld takes them; bad interface and zone names are
 * refused before any D-Bus connection (the system bus address points at a
 * socket of the test that counts connections, and a valid name is the
 * control that it does see one); a bus that accepts but never answers is an
 * error within the timeout, not a hang; no bus at all is "absent".
 * The real firewalld is tests/integration/53-firewalld-zone.sh's.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include "firewalld.h"
#include "helpers.h"

/* ------------------------------------------------------------ the zone */

static GPtrArray *xml_values(xmlNode *zone, const char *element, const char *attr)
{
	GPtrArray *v = g_ptr_array_new_with_free_func(xmlFree);

	for (xmlNode *n = zone->children; n; n = n->next)
		if (n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, element) == 0)
			g_ptr_array_add(v, attr ? xmlGetProp(n, (const xmlChar *)attr)
						: xmlNodeGetContent(n));
	return v;
}

static void assert_strv_is(GVariant *settings, const char *key, GPtrArray *want)
{
	g_autoptr(GVariant) v = g_variant_lookup_value(settings, key, G_VARIANT_TYPE_STRING_ARRAY);
	g_autofree const char **got = NULL;
	gsize n = 0;

	if (!v)
		fail_msg("the settings have no string array \"%s\"", key);
	got = g_variant_get_strv(v, &n);
	assert_int_equal(n, want->len);
	for (guint i = 0; i < want->len; i++)
		assert_string_equal(got[i], want->pdata[i]);
}

static void assert_string_is(GVariant *settings, const char *key, const char *want)
{
	const char *got = NULL;

	if (!g_variant_lookup(settings, key, "&s", &got))
		fail_msg("the settings have no string \"%s\"", key);
	assert_string_equal(got, want);
}

/* config.addZone2's settings are the shipped file, element by element. */
static void test_settings_are_the_shipped_zone(void **state)
{
	g_autoptr(GVariant) s = vnet_firewalld_zone_settings();
	g_autoptr(GPtrArray) services = NULL, protocols = NULL, shorts = NULL, descs = NULL;
	g_autoptr(GPtrArray) forward = NULL;
	g_autoptr(GPtrArray) want_rules = g_ptr_array_new_with_free_func(g_free);
	xmlDoc *doc = xmlReadFile(SRCDIR "/data/firewalld/vnetctl.xml", NULL, XML_PARSE_NONET);
	xmlNode *zone, *rule;
	xmlChar *target, *prio;
	static const char *const checked[] = { "short", "description", "target", "services",
					       "protocols", "forward", "rules_str", NULL };
	gboolean fwd = FALSE;
	GVariantIter it;
	const char *key;
	GVariant *value;

	assert_non_null(doc);
	zone = xmlDocGetRootElement(doc);
	assert_string_equal((const char *)zone->name, "zone");
	target = xmlGetProp(zone, (const xmlChar *)"target");
	assert_string_is(s, "target", (const char *)target);
	xmlFree(target);
	shorts = xml_values(zone, "short", NULL);
	descs = xml_values(zone, "description", NULL);
	assert_int_equal(shorts->len, 1);
	assert_int_equal(descs->len, 1);
	assert_string_is(s, "short", shorts->pdata[0]);
	assert_string_is(s, "description", descs->pdata[0]);
	services = xml_values(zone, "service", "name");
	assert_strv_is(s, "services", services);
	protocols = xml_values(zone, "protocol", "value");
	assert_strv_is(s, "protocols", protocols);
	forward = xml_values(zone, "forward", NULL);
	assert_true(g_variant_lookup(s, "forward", "b", &fwd));
	assert_int_equal(fwd, forward->len == 1);

	/* each <rule priority="P"><reject/></rule> as firewalld writes it as a string */
	for (rule = zone->children; rule; rule = rule->next) {
		xmlNode *action;

		if (rule->type != XML_ELEMENT_NODE || strcmp((const char *)rule->name, "rule") != 0)
			continue;
		for (action = rule->children; action && action->type != XML_ELEMENT_NODE;)
			action = action->next;
		assert_non_null(action);
		assert_string_equal((const char *)action->name, "reject");
		prio = xmlGetProp(rule, (const xmlChar *)"priority");
		assert_non_null(prio);
		g_ptr_array_add(want_rules, g_strdup_printf("rule priority=\"%s\" reject", prio));
		xmlFree(prio);
	}
	assert_int_equal(want_rules->len, 1);
	assert_strv_is(s, "rules_str", want_rules);

	/* nothing in the dict that the file lacks */
	g_variant_iter_init(&it, s);
	while (g_variant_iter_next(&it, "{&sv}", &key, &value)) {
		g_variant_unref(value);
		if (!g_strv_contains(checked, key))
			fail_msg("setting \"%s\" is not compared with the shipped zone", key);
	}
	xmlFreeDoc(doc);
}

static void test_zone_names(void **state)
{
	static const char *const good[] = {
		"public", "vnetctl", "libvirt", "FedoraServer", "a", "a_b-c", "x-1/sub",
		"abcdefghijklmnopq",	/* 17 */
		NULL,
	};
	static const char *const bad[] = {
		"", "a b", "abcdefghijklmnopqr" /* 18 */, "/x", "x/", "a/b/c", "zone;rm", "zone\n",
		"z\xc3\xbcrich", "a.b", "a*", "$(x)", "\"q\"", "a\tb",
		"abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijklmn/b" /* head too long */,
		"a/bcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijklmnop" /* > 64 */,
		NULL,
	};

	for (const char *const *g = good; *g; g++)
		if (!vnet_firewalld_zone_name_is_valid(*g))
			fail_msg("\"%s\" is a zone name firewalld takes", *g);
	for (const char *const *b = bad; *b; b++)
		if (vnet_firewalld_zone_name_is_valid(*b))
			fail_msg("\"%s\" is not a zone name", *b);
	assert_false(vnet_firewalld_zone_name_is_valid(NULL));
}

/* ------------------------------------------------------------ a silent bus */

typedef struct bus_spy {
	char *dir;
	GSocket *sock;
} bus_spy;

/* DBUS_SYSTEM_BUS_ADDRESS is a socket that accepts connections and never answers. */
static int spy_setup(void **state)
{
	g_autoptr(GError) e = NULL;
	g_autoptr(GSocketAddress) addr = NULL;
	g_autofree char *path = NULL, *address = NULL;
	bus_spy *spy = g_new0(bus_spy, 1);

	spy->dir = g_dir_make_tmp("test-firewalld.XXXXXX", &e);
	assert_non_null(spy->dir);
	path = g_build_filename(spy->dir, "bus", NULL);
	addr = g_unix_socket_address_new(path);
	spy->sock = g_socket_new(G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_DEFAULT, &e);
	assert_non_null(spy->sock);
	assert_true(g_socket_bind(spy->sock, addr, TRUE, &e));
	assert_true(g_socket_listen(spy->sock, &e));
	address = g_strdup_printf("unix:path=%s", path);
	g_setenv("DBUS_SYSTEM_BUS_ADDRESS", address, TRUE);
	vnet_firewalld_set_timeout_ms(300);
	*state = spy;
	return 0;
}

static int spy_teardown(void **state)
{
	bus_spy *spy = *state;
	g_autofree char *path = g_build_filename(spy->dir, "bus", NULL);

	vnet_firewalld_set_timeout_ms(0);
	g_unsetenv("DBUS_SYSTEM_BUS_ADDRESS");
	g_object_unref(spy->sock);
	g_unlink(path);
	g_rmdir(spy->dir);
	g_free(spy->dir);
	g_free(spy);
	return 0;
}

static bool spy_was_called(bus_spy *spy)
{
	g_autoptr(GSocket) conn = NULL;

	if (!(g_socket_condition_check(spy->sock, G_IO_IN) & G_IO_IN))
		return false;
	/* take it, so the next check starts from none */
	conn = g_socket_accept(spy->sock, NULL, NULL);
	return true;
}

static const char *const bad_ifnames[] = {
	"", "a b", "eth0;reboot", "abcdefghijklmnop" /* 16 */, "-x", ".x", "../x", "x/y", "+",
	"br*", "$(id)", "eth\n0", "\xc3\xa9th0", "vn-web\"", NULL,
};

static void test_bad_ifnames_refused_before_dbus(void **state)
{
	bus_spy *spy = *state;

	for (const char *const *n = bad_ifnames; *n; n++) {
		GError *e = NULL;
		char *rt = NULL, *perm = NULL;
		bool present = true, reloaded = true;

		assert_false(vnet_firewalld_bind(*n, &present, &reloaded, &rt, &perm, &e));
		assert_error(e, VNET_ERROR_INVALID, "is not a valid interface name");
		g_clear_error(&e);
		/* untouched on failure */
		assert_true(present && reloaded);
		assert_null(rt);
		assert_null(perm);
		assert_false(vnet_firewalld_unbind(*n, "public", "", &present, &e));
		assert_error(e, VNET_ERROR_INVALID, "is not a valid interface name");
		g_clear_error(&e);
		assert_false(vnet_firewalld_get_zones(*n, &present, &rt, &perm, &e));
		assert_error(e, VNET_ERROR_INVALID, "is not a valid interface name");
		g_clear_error(&e);
		if (spy_was_called(spy))
			fail_msg("interface name \"%s\" reached the bus", *n);
	}
	assert_false(vnet_firewalld_bind(NULL, NULL, NULL, NULL, NULL, NULL));
	assert_false(spy_was_called(spy));
}

static void test_bad_prev_zones_refused_before_dbus(void **state)
{
	static const char *const bad[] = { "a b", "/x", "zone;rm", "abcdefghijklmnopqr", "a/b/c", NULL };
	bus_spy *spy = *state;

	for (const char *const *z = bad; *z; z++) {
		GError *e = NULL;

		assert_false(vnet_firewalld_unbind("vn-web", *z, "", NULL, &e));
		assert_error(e, VNET_ERROR_INVALID, "is not a valid firewalld zone name", *z);
		g_clear_error(&e);
		assert_false(vnet_firewalld_unbind("vn-web", "", *z, NULL, &e));
		assert_error(e, VNET_ERROR_INVALID, "is not a valid firewalld zone name", *z);
		g_clear_error(&e);
		if (spy_was_called(spy))
			fail_msg("zone name \"%s\" reached the bus", *z);
	}
}

/* The control: a good name does reach the bus, and its silence is an error in time. */
static void test_silent_bus_times_out(void **state)
{
	bus_spy *spy = *state;
	GError *e = NULL;
	gint64 start = g_get_monotonic_time();
	char *rt = NULL;

	assert_false(vnet_firewalld_bind("vn-web", NULL, NULL, &rt, NULL, &e));
	assert_error(e, VNET_ERROR_FAILED, "did not answer", "systemctl status dbus");
	g_clear_error(&e);
	assert_null(rt);
	assert_true(g_get_monotonic_time() - start < 3 * G_USEC_PER_SEC);
	assert_true(spy_was_called(spy));

	assert_false(vnet_firewalld_unbind("vn-web", "", "public", NULL, &e));
	assert_error(e, VNET_ERROR_FAILED, "did not answer");
	g_clear_error(&e);
	assert_true(spy_was_called(spy));
	assert_false(vnet_firewalld_running(NULL, &e));
	assert_error(e, VNET_ERROR_FAILED, "did not answer");
	g_clear_error(&e);
	assert_true(spy_was_called(spy));
}

/* ------------------------------------------------------------ no bus */

static void test_no_bus_is_absent(void **state)
{
	g_autofree char *dir = g_dir_make_tmp("test-firewalld.XXXXXX", NULL);
	g_autofree char *address = g_strdup_printf("unix:path=%s/none", dir);
	bool present = true, reloaded = true, running = true;
	char *rt = (char *)"x", *perm = (char *)"x";

	g_setenv("DBUS_SYSTEM_BUS_ADDRESS", address, TRUE);
	assert_ok(vnet_firewalld_running(&running, &err_));
	assert_false(running);
	assert_ok(vnet_firewalld_ensure_zone(&present, &reloaded, &err_));
	assert_false(present);
	assert_false(reloaded);
	present = true;
	assert_ok(vnet_firewalld_bind("vn-web", &present, &reloaded, &rt, &perm, &err_));
	assert_false(present);
	assert_null(rt);
	assert_null(perm);
	present = true;
	rt = perm = (char *)"x";
	assert_ok(vnet_firewalld_get_zones("vn-web", &present, &rt, &perm, &err_));
	assert_false(present);
	assert_null(rt);
	assert_null(perm);
	present = true;
	assert_ok(vnet_firewalld_unbind("vn-web", "public", NULL, &present, &err_));
	assert_false(present);
	/* still checked when absent */
	assert_false(vnet_firewalld_bind("a b", NULL, NULL, NULL, NULL, NULL));
	g_unsetenv("DBUS_SYSTEM_BUS_ADDRESS");
	g_rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_settings_are_the_shipped_zone),
		cmocka_unit_test(test_zone_names),
		cmocka_unit_test_setup_teardown(test_bad_ifnames_refused_before_dbus, spy_setup, spy_teardown),
		cmocka_unit_test_setup_teardown(test_bad_prev_zones_refused_before_dbus, spy_setup, spy_teardown),
		cmocka_unit_test_setup_teardown(test_silent_bus_times_out, spy_setup, spy_teardown),
		cmocka_unit_test(test_no_bus_is_absent),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
