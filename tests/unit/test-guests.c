/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Where forwards point (guests.c), from made-up facts: a status file of
 * leases, DHCP host entries in a network XML, running NICs.  The default
 * guest is the reserved one, else the only one, else (nobody seen) the
 * default guest address, else nowhere; a name goes to its reservation, else
 * its lease; a stopped guest's lease does not count; an IPv6 reservation
 * (by name) belongs to the guest of its domain; bad input is skipped.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <glib/gstdio.h>

#include <vnet/vnet.h>
#include "guests.h"
#include "helpers.h"

typedef struct env {
	char *dir;
} env;

static int setup(void **state)
{
	env *e = g_new0(env, 1);

	e->dir = g_dir_make_tmp("vnet-guests-XXXXXX", NULL);
	g_setenv("VNET_DNSMASQ_DIR", e->dir, TRUE);
	g_setenv("VNET_RUN_DIR", e->dir, TRUE);
	*state = e;
	return 0;
}

static int teardown(void **state)
{
	env *e = *state;
	g_autofree char *nics = g_build_filename(e->dir, "nics", NULL);
	g_autoptr(GDir) d = g_dir_open(nics, 0, NULL);
	const char *n;

	while (d && (n = g_dir_read_name(d))) {
		g_autofree char *p = g_build_filename(nics, n, NULL);
		g_unlink(p);
	}
	g_rmdir(nics);
	{
		g_autofree char *status = g_build_filename(e->dir, "vn-web.status", NULL);
		g_unlink(status);
	}
	g_rmdir(e->dir);
	g_free(e->dir);
	g_free(e);
	return 0;
}

static void write_leases(env *e, const char *json)
{
	g_autofree char *p = g_build_filename(e->dir, "vn-web.status", NULL);

	assert_true(g_file_set_contents(p, json, -1, NULL));
}

static vnet_intent *web(void)
{
	g_autoptr(vnet_host) host = vnet_host_new();
	vnet_intent *in = vnet_intent_new("web", VNET_MODE_NAT, NULL);

	assert_ok(vnet_intent_set_subnet(in, "10.77.0.0/24", &err_));
	assert_ok(vnet_intent_add_forward(in, "8080:80", &err_));
	assert_ok(vnet_intent_add_forward(in, "8081:vm1:80", &err_));
	assert_ok(vnet_intent_complete(in, host, &err_));
	return in;
}

static const char net_plain[] = "<network><name>web</name><ip address='10.77.0.1' prefix='24'>"
	"<dhcp><range start='10.77.0.3' end='10.77.0.254'/></dhcp></ip></network>";
static const char net_reserved[] = "<hookData><network><name>web</name><ip address='10.77.0.1' prefix='24'>"
	"<dhcp><range start='10.77.0.3' end='10.77.0.254'/>"
	"<host mac='52:54:00:00:00:02' name='vm2' ip='10.77.0.2'/></dhcp></ip></network></hookData>";

static void expect_target(GHashTable *t, const char *key, const char *want)
{
	const char *got = g_hash_table_lookup(t, key);

	if (g_strcmp0(got, want) != 0)
		fail_msg("target of \"%s\": %s, expected %s", key, got ? got : "(none)", want ? want : "(none)");
}

static void test_nobody_yet(void **state)
{
	g_autoptr(vnet_intent) in = web();
	g_autoptr(GPtrArray) g = vnet_guests_read("vn-web", net_plain, NULL);
	g_autoptr(GHashTable) t = vnet_guests_targets(in, g);

	(void)state;
	assert_int_equal(g->len, 0);
	/* Nobody seen: the documented default guest address. */
	expect_target(t, "", "10.77.0.2");
	expect_target(t, "vm1", NULL);
}

static void test_only_guest_by_lease(void **state)
{
	env *e = *state;
	g_autoptr(vnet_intent) in = web();
	g_autoptr(GHashTable) nics = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	g_autoptr(GPtrArray) g = NULL;
	g_autoptr(GHashTable) t = NULL;
	g_autoptr(GPtrArray) targets = NULL;

	write_leases(e, "[{\"ip-address\":\"10.77.0.90\",\"mac-address\":\"52:54:00:AA:00:01\","
			"\"hostname\":\"liar\",\"expiry-time\":4102444800}]");
	g_hash_table_insert(nics, g_strdup("52:54:00:aa:00:01"), g_strdup("vm1"));
	g = vnet_guests_read("vn-web", net_plain, nics);
	t = vnet_guests_targets(in, g);
	assert_int_equal(g->len, 1);
	assert_string_equal(vnet_guest_get_source(g->pdata[0]), "lease");
	/* The name comes from libvirt, never from the hostname the guest sent. */
	assert_string_equal(vnet_guest_get_domain(g->pdata[0]), "vm1");
	expect_target(t, "", "10.77.0.90");
	expect_target(t, "vm1", "10.77.0.90");
	expect_target(t, "liar", NULL);
	targets = vnet_guests_forward_targets(in, g);
	assert_string_equal(vnet_target_get_how(targets->pdata[0]), "only guest");
	assert_string_equal(vnet_target_get_how(targets->pdata[1]), "lease");
	assert_string_equal(vnet_target_get_guest(targets->pdata[1]), "vm1");
}

static void test_two_guests_no_reservation(void **state)
{
	env *e = *state;
	g_autoptr(vnet_intent) in = web();
	g_autoptr(GPtrArray) g = NULL, targets = NULL;
	g_autoptr(GHashTable) t = NULL;

	write_leases(e, "[{\"ip-address\":\"10.77.0.90\",\"mac-address\":\"52:54:00:aa:00:01\",\"expiry-time\":0},"
			"{\"ip-address\":\"10.77.0.91\",\"mac-address\":\"52:54:00:aa:00:02\",\"expiry-time\":0}]");
	g = vnet_guests_read("vn-web", net_plain, NULL);
	t = vnet_guests_targets(in, g);
	expect_target(t, "", "");
	targets = vnet_guests_forward_targets(in, g);
	assert_null(vnet_target_get_address(targets->pdata[0]));
	assert_string_equal(vnet_target_get_how(targets->pdata[0]), "nowhere");
	assert_non_null(strstr(vnet_target_get_problem(targets->pdata[0]), "2 guests"));
	assert_non_null(strstr(vnet_target_get_problem(targets->pdata[1]), "vm1"));
}

static void test_reservation_wins(void **state)
{
	env *e = *state;
	g_autoptr(vnet_intent) in = web();
	g_autoptr(GPtrArray) g = NULL;
	g_autoptr(GHashTable) t = NULL;

	/* vm2 reserved the default guest address; it also has a lease (renewal): the reservation counts. */
	write_leases(e, "[{\"ip-address\":\"10.77.0.90\",\"mac-address\":\"52:54:00:aa:00:01\",\"expiry-time\":0},"
			"{\"ip-address\":\"10.77.0.2\",\"mac-address\":\"52:54:00:00:00:02\",\"expiry-time\":0}]");
	g = vnet_guests_read("vn-web", net_reserved, NULL);
	t = vnet_guests_targets(in, g);
	expect_target(t, "", "10.77.0.2");
	expect_target(t, "vm2", "10.77.0.2");
}

static void test_stopped_guest_does_not_count(void **state)
{
	env *e = *state;
	g_autoptr(vnet_intent) in = web();
	g_autoptr(GPtrArray) g = NULL, g2 = NULL;
	g_autoptr(GHashTable) t = NULL, t2 = NULL;

	write_leases(e, "[{\"ip-address\":\"10.77.0.90\",\"mac-address\":\"52:54:00:aa:00:01\",\"expiry-time\":0},"
			"{\"ip-address\":\"10.77.0.91\",\"mac-address\":\"52:54:00:aa:00:02\",\"expiry-time\":0}]");
	/* The qemu hook saw only vm1 start (and the other stop). */
	vnet_guests_record("52:54:00:AA:00:01", "vm1", true);
	vnet_guests_record("52:54:00:aa:00:02", "vm9", true);
	vnet_guests_record("52:54:00:aa:00:02", "vm9", false);
	g = vnet_guests_read("vn-web", net_plain, NULL);
	t = vnet_guests_targets(in, g);
	assert_int_equal(g->len, 1);
	expect_target(t, "", "10.77.0.90");
	expect_target(t, "vm1", "10.77.0.90");
	/* vm1 stops too: its lease stays in dnsmasq, but nobody runs. */
	vnet_guests_record("52:54:00:aa:00:01", "vm1", false);
	g2 = vnet_guests_read("vn-web", net_plain, NULL);
	t2 = vnet_guests_targets(in, g2);
	assert_int_equal(g2->len, 0);
	expect_target(t2, "vm1", NULL);
}

static vnet_intent *web6(void)
{
	g_autoptr(vnet_host) host = vnet_host_new();
	vnet_intent *in = vnet_intent_new("web", VNET_MODE_NAT, NULL);

	assert_ok(vnet_intent_set_subnet(in, "10.77.0.0/24", &err_));
	assert_ok(vnet_intent_set_subnet(in, "fd77::/64", &err_));
	assert_ok(vnet_intent_add_forward(in, "[::]:8443:443", &err_));
	assert_ok(vnet_intent_complete(in, host, &err_));
	return in;
}

/*
 * An entry of the IPv6 <ip> names no MAC: its address goes to the guest of
 * its domain, and the IPv6 forward without a guest names that guest.
 */
static void test_reservation6(void **state)
{
	static const char net6[] = "<network><name>web</name><ip address='10.77.0.1' prefix='24'>"
		"<dhcp><range start='10.77.0.3' end='10.77.0.254'/>"
		"<host mac='52:54:00:00:00:02' name='vm2' ip='10.77.0.2'/></dhcp></ip>"
		"<ip family='ipv6' address='fd77::1' prefix='64'><dhcp><range start='fd77::3' end='fd77::ffff'/>"
		"<host name='vm2' ip='fd77:0::2'/><host name='ghost' ip='fd77::9'/>"
		"<host name='vm2' ip='not-an-address'/><host ip='fd77::8'/></dhcp></ip></network>";
	g_autoptr(vnet_intent) in = web6();
	g_autoptr(GPtrArray) g = vnet_guests_read("vn-web", net6, NULL);
	g_autoptr(GPtrArray) targets = vnet_guests_forward_targets(in, g);
	g_autoptr(GPtrArray) plain = vnet_guests_read("vn-web", net_reserved, NULL);
	g_autoptr(GPtrArray) targets_plain = vnet_guests_forward_targets(in, plain);
	const vnet_guest *vm2;

	(void)state;
	/* the entry of "ghost" has no guest to belong to: no guest of its own */
	assert_int_equal(g->len, 1);
	vm2 = g->pdata[0];
	assert_string_equal(vnet_guest_get_domain(vm2), "vm2");
	assert_string_equal(vnet_guest_get_address(vm2), "10.77.0.2");
	/* canonical, whatever libvirt wrote */
	assert_string_equal(vnet_guest_get_address6(vm2), "fd77::2");
	assert_int_equal(targets->len, 1);
	assert_string_equal(vnet_target_get_address(targets->pdata[0]), "fd77::2");
	assert_string_equal(vnet_target_get_guest(targets->pdata[0]), "vm2");
	assert_string_equal(vnet_target_get_how(targets->pdata[0]), "default guest");
	/* without the IPv6 entry: the address alone, nobody holds it */
	assert_null(vnet_guest_get_address6(plain->pdata[0]));
	assert_string_equal(vnet_target_get_address(targets_plain->pdata[0]), "fd77::2");
	assert_null(vnet_target_get_guest(targets_plain->pdata[0]));
	assert_string_equal(vnet_target_get_how(targets_plain->pdata[0]), "default address");
}

static void test_bad_input_is_skipped(void **state)
{
	env *e = *state;
	static const char *const bad[] = {
		"not json",
		"{\"ip-address\":\"10.77.0.90\"}",
		"[{\"ip-address\":\"10.77.0.300\",\"mac-address\":\"52:54:00:aa:00:01\"}]",
		"[{\"ip-address\":\"fd00::5\",\"mac-address\":\"52:54:00:aa:00:01\"}]",
		"[{\"ip-address\":\"10.77.0.9\",\"mac-address\":\"../../etc/passwd\"}]",
		"[{\"ip-address\":\"10.77.0.9\",\"mac-address\":\"52:54:00:aa:00:01\",\"expiry-time\":1}]",
		"[1, null, \"x\", {}]",
	};
	g_autoptr(vnet_intent) in = web();

	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autoptr(GPtrArray) g = NULL;
		write_leases(e, bad[i]);
		g = vnet_guests_read("vn-web", net_plain, NULL);
		if (g->len != 0)
			fail_msg("lease file %zu gave a guest", i);
	}
	/* A bridge name that is no interface name reads no file at all. */
	assert_null(vnet_guests_status_path("../x"));
	{
		/* Records with a bad MAC or name are not written. */
		g_autoptr(GHashTable) r = NULL;
		vnet_guests_record("../../x", "vm1", true);
		vnet_guests_record("52:54:00:aa:00:05", "bad name", true);
		r = vnet_guests_records();
		assert_true(!r || g_hash_table_size(r) == 0);
	}
	(void)in;
}

/* Write libvirt's dnsmasq files of network "web": its conf (naming the hostsfile, or not) and its hostsfile. */
static void write_hostsfile(env *e, bool named, const char *text)
{
	g_autofree char *hf = g_build_filename(e->dir, "web.hostsfile", NULL);
	g_autofree char *cf = g_build_filename(e->dir, "web.conf", NULL);
	g_autofree char *conf = g_strdup_printf("strict-order\ninterface=vn-web\n%s%s\naddn-hosts=x\n",
						named ? "dhcp-hostsfile=" : "# ", hf);

	assert_true(g_file_set_contents(cf, conf, -1, NULL));
	if (text)
		assert_true(g_file_set_contents(hf, text, -1, NULL));
	else
		g_unlink(hf);
}

static void clear_hostsfile(env *e)
{
	g_autofree char *hf = g_build_filename(e->dir, "web.hostsfile", NULL);
	g_autofree char *cf = g_build_filename(e->dir, "web.conf", NULL);

	g_unlink(hf);
	g_unlink(cf);
}

/* What each guest is, one line a guest, to compare two readings. */
static char *describe(GPtrArray *g)
{
	GString *s = g_string_new(NULL);

	for (guint i = 0; i < g->len; i++)
		g_string_append_printf(s, "%s %s %s %s %s\n", vnet_guest_get_mac(g->pdata[i]),
				       vnet_guest_get_address(g->pdata[i]) ? vnet_guest_get_address(g->pdata[i]) : "-",
				       vnet_guest_get_address6(g->pdata[i]) ? vnet_guest_get_address6(g->pdata[i]) : "-",
				       vnet_guest_get_domain(g->pdata[i]) ? vnet_guest_get_domain(g->pdata[i]) : "-",
				       vnet_guest_get_source(g->pdata[i]));
	return g_string_free(s, FALSE);
}

/*
 * The hostsfile libvirt 9.0 wrote for this network (tests/integration saw
 * it) says what its live XML says: the same guests, read either way.
 */
static void test_hostsfile_as_xml(void **state)
{
	static const char xml[] = "<network><name>web</name><ip address='10.77.0.1' prefix='24'>"
		"<dhcp><range start='10.77.0.10' end='10.77.0.100'/>"
		"<host mac='52:54:00:00:00:01' name='vm1' ip='10.77.0.5'/>"
		"<host mac='52:54:00:00:00:02' ip='10.77.0.6'/><host name='vm3' ip='10.77.0.7'/></dhcp></ip>"
		"<ip family='ipv6' address='fd77::1' prefix='64'><dhcp><range start='fd77::10' end='fd77::100'/>"
		"<host name='vm1' ip='fd77::5'/><host id='0:1:0:1:2b:2c:3d:4e:52:54:0:0:0:1' ip='fd77::6'/>"
		"</dhcp></ip></network>";
	static const char file[] = "52:54:00:00:00:01,10.77.0.5,vm1\n52:54:00:00:00:02,10.77.0.6\nvm3,10.77.0.7\n"
		"vm1,[fd77::5]\nid:0:1:0:1:2b:2c:3d:4e:52:54:0:0:0:1,[fd77::6]\n";
	env *e = *state;
	g_autoptr(GPtrArray) hosts = NULL, hosts6 = NULL, a = NULL, b = NULL;
	g_autofree char *da = NULL, *db = NULL;

	write_hostsfile(e, true, file);
	assert_true(vnet_guests_read_hostsfile("web", &hosts, &hosts6));
	assert_int_equal(hosts->len, 3);
	assert_int_equal(hosts6->len, 2);
	a = vnet_guests_read_hosts("vn-web", hosts, hosts6, NULL);
	b = vnet_guests_read("vn-web", xml, NULL);
	da = describe(a);
	db = describe(b);
	assert_string_equal(da, db);
	assert_non_null(strstr(da, "52:54:00:00:00:01 10.77.0.5 fd77::5 vm1 reservation"));
	clear_hostsfile(e);
}

/* Anything but the forms libvirt writes, or a file its dnsmasq does not read: the live XML is read instead. */
static void test_hostsfile_refused(void **state)
{
	static const char *const bad[] = {
		"52:54:00:00:00:01,10.77.0.5,vm1,extra\n",
		"52:54:00:00:00:01,not-an-address\n",
		"52:54:00:00:00:01\n",
		"[fd77::5]\n",
		"vm1,[not-an-address]\n",
		"vm1,[10.77.0.5]\n",
		"vm1,10.77.0.5,vm1\n",		/* three fields without a MAC */
		"52:54:00:00:00:01,fd77::5\n",	/* IPv6 unbracketed */
		"vm1,10.77.0.5\n\xff\xfe\n",	/* not UTF-8 */
	};
	env *e = *state;

	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autoptr(GPtrArray) hosts = NULL, hosts6 = NULL;
		print_message("hostsfile: %s", bad[i]);
		write_hostsfile(e, true, bad[i]);
		assert_false(vnet_guests_read_hostsfile("web", &hosts, &hosts6));
		assert_null(hosts);
	}
	{
		g_autoptr(GPtrArray) hosts = NULL, hosts6 = NULL;
		write_hostsfile(e, false, "vm1,10.77.0.5\n");	/* the conf does not name it: left behind */
		assert_false(vnet_guests_read_hostsfile("web", &hosts, &hosts6));
		write_hostsfile(e, true, NULL);			/* named, missing */
		assert_false(vnet_guests_read_hostsfile("web", &hosts, &hosts6));
		clear_hostsfile(e);				/* no conf at all */
		assert_false(vnet_guests_read_hostsfile("web", &hosts, &hosts6));
		assert_false(vnet_guests_read_hostsfile("../web", &hosts, &hosts6));
		write_hostsfile(e, true, "");			/* an empty one: no hosts */
		assert_true(vnet_guests_read_hostsfile("web", &hosts, &hosts6));
		assert_int_equal(hosts->len + hosts6->len, 0);
		clear_hostsfile(e);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_nobody_yet, setup, teardown),
		cmocka_unit_test_setup_teardown(test_only_guest_by_lease, setup, teardown),
		cmocka_unit_test_setup_teardown(test_two_guests_no_reservation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reservation_wins, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stopped_guest_does_not_count, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reservation6, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_input_is_skipped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hostsfile_as_xml, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hostsfile_refused, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
