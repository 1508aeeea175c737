/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The planner with made-up states: what each kind of change costs (only
 * elements for forwards, libvirt's live update for a DHCP range, its flag
 * for autostart, a restart only for what libvirt cannot change live), that a
 * converged intent changes nothing but checks the kernel, that a stopped
 * network is started, that a redefinition carries DHCP reservations, and that
 * a remote connection plans no host side.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <vnet/vnet.h>
#include "planner.h"
#include "helpers.h"

static vnet_intent *nat(const char *fwd)
{
	g_autoptr(vnet_host) host = vnet_host_new();
	vnet_intent *in = vnet_intent_new("web", VNET_MODE_NAT, NULL);

	assert_ok(vnet_intent_set_subnet(in, "10.77.0.0/24", &err_));
	if (fwd)
		assert_ok(vnet_intent_add_forward(in, fwd, &err_));
	assert_ok(vnet_intent_complete(in, host, &err_));
	return in;
}

/* NAT overlay network o1 with its router, gateway chassis chA. */
static vnet_intent *overlay(void)
{
	g_autoptr(vnet_host) host = vnet_host_new();
	vnet_intent *in = vnet_intent_new("o1", VNET_MODE_OVERLAY, NULL);

	assert_ok(vnet_intent_set_ovn(in, "tcp:192.0.2.10:6641", &err_));
	assert_ok(vnet_intent_set_subnet(in, "10.77.0.0/24", &err_));
	assert_ok(vnet_intent_set_ovn_external(in, "198.51.100.10/24", &err_));
	assert_ok(vnet_intent_set_ovn_gateway(in, "chA", &err_));
	assert_ok(vnet_intent_complete(in, host, &err_));
	return in;
}

/* The kinds of @plan, space-separated, NFT marked exact ("nft!") or not. */
static char *kinds(GPtrArray *plan)
{
	GString *s = g_string_new(NULL);

	for (guint i = 0; i < plan->len; i++) {
		const vnet_step *st = plan->pdata[i];
		g_string_append_printf(s, "%s%s%s", i ? " " : "", vnet_step_kind_name(st->kind),
				       st->kind == VNET_STEP_NFT && st->exact ? "!" : "");
	}
	return g_string_free(s, FALSE);
}

typedef struct fixture {
	vnet_plan_input in;
	GHashTable *guests;
	vnet_intent *old, *want;
} fixture;

static void setup_running(fixture *f, vnet_intent *old, vnet_intent *want)
{
	memset(f, 0, sizeof(*f));
	f->guests = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	f->old = old;
	f->want = want;
	f->in.old = old;
	f->in.want = want;
	f->in.guests = f->guests;
	f->in.local = true;
	if (old) {
		f->in.net[0].exists = f->in.net[0].active = true;
		f->in.net[0].xml = vnet_intent_network_xml(old, 0, NULL);
	}
}

static void teardown(fixture *f)
{
	g_free(f->in.net[0].xml);
	if (f->in.net[0].taps)
		g_ptr_array_unref(f->in.net[0].taps);
	g_hash_table_unref(f->guests);
	vnet_intent_free(f->old);
	vnet_intent_free(f->want);
}

static void expect_plan(fixture *f, const char *want_kinds)
{
	g_autoptr(GPtrArray) plan = vnet_planner_plan(&f->in);
	g_autofree char *k = kinds(plan);

	if (g_strcmp0(k, want_kinds) != 0)
		fail_msg("plan \"%s\", expected \"%s\"", k, want_kinds);
}

static void test_create(void **state)
{
	fixture f;

	setup_running(&f, NULL, nat("8080:80"));
	expect_plan(&f, "define autostart start nft! localnet hairpin");
	f.in.local = false;	/* over a remote URI the hook there does the host side */
	expect_plan(&f, "define autostart start");
	teardown(&f);
}

static void test_converged_running_touches_only_the_kernel_check(void **state)
{
	fixture f;

	setup_running(&f, nat("8080:80"), nat("8080:80"));
	/* An exact "ensure": it changes, and so undoes, only what the kernel lacks. */
	expect_plan(&f, "nft! localnet hairpin");
	teardown(&f);
}

static void test_converged_stopped_is_started(void **state)
{
	fixture f;

	setup_running(&f, nat("8080:80"), nat("8080:80"));
	f.in.net[0].active = false;
	expect_plan(&f, "start nft! localnet hairpin");
	f.in.net[0].exists = false;	/* a definition lost half-way */
	expect_plan(&f, "define start nft! localnet hairpin");
	teardown(&f);
}

static void test_forward_change_is_elements_only(void **state)
{
	fixture f;

	setup_running(&f, nat("8080:80"), nat("8080:80"));
	assert_ok(vnet_intent_add_forward(f.want, "9000:90", &err_));
	expect_plan(&f, "define nft");
	teardown(&f);
}

static void test_change_of_a_stopped_network(void **state)
{
	fixture f;

	setup_running(&f, nat("8080:80"), nat("8080:80"));
	assert_ok(vnet_intent_add_forward(f.want, "9000:90", &err_));
	f.in.net[0].active = false;
	/* A forward added to a stopped network waits for its start (the hook gives it). */
	expect_plan(&f, "define");
	/* apply converges: the network comes up with it. */
	f.in.converge = true;
	expect_plan(&f, "define start nft! localnet hairpin");
	teardown(&f);
}

static void test_autostart_change(void **state)
{
	fixture f;

	setup_running(&f, nat(NULL), nat(NULL));
	vnet_intent_set_autostart(f.want, false);
	expect_plan(&f, "define autostart");
	teardown(&f);
}

static void test_dhcp_range_is_live(void **state)
{
	fixture f;
	g_autoptr(GPtrArray) plan = NULL;
	const vnet_step *s;

	setup_running(&f, nat(NULL), nat(NULL));
	assert_ok(vnet_intent_set_dhcp_range(f.want, "10.77.0.100", "10.77.0.150", &err_));
	expect_plan(&f, "define dhcp-range");
	plan = vnet_planner_plan(&f.in);
	s = plan->pdata[1];
	assert_string_equal(s->xml, "<range start='10.77.0.100' end='10.77.0.150'/>");
	assert_non_null(s->prev_xml);
	assert_string_not_equal(s->prev_xml, s->xml);
	teardown(&f);
}

static void test_subnet_change_restarts_and_replugs(void **state)
{
	fixture f;
	g_autoptr(GPtrArray) plan = NULL;
	g_autofree char *text = NULL;

	setup_running(&f, nat("8080:80"), NULL);
	f.want = f.old ? vnet_intent_copy(f.old) : NULL;
	assert_ok(vnet_intent_set_subnet(f.want, "10.78.0.0/24", &err_));
	assert_ok(vnet_intent_set_gateway(f.want, "10.78.0.1", &err_));
	assert_ok(vnet_intent_set_dhcp_range(f.want, "10.78.0.3", "10.78.0.254", &err_));
	assert_ok(vnet_intent_set_default_guest(f.want, "10.78.0.2", &err_));
	f.in.want = f.want;
	f.in.net[0].taps = g_ptr_array_new_with_free_func(g_free);
	g_ptr_array_add(f.in.net[0].taps, g_strdup("vnet0"));
	g_ptr_array_add(f.in.net[0].taps, g_strdup("vnet1"));
	g_ptr_array_add(f.in.net[0].taps, NULL);
	g_ptr_array_set_size(f.in.net[0].taps, 2);
	assert_true(vnet_planner_needs_restart(f.old, f.want));
	plan = vnet_planner_plan(&f.in);
	text = vnet_planner_describe(plan);
	/* stopped before the define: undone in reverse, the old XML is back before the start */
	expect_plan(&f, "stop define start replug nft! localnet hairpin");
	assert_non_null(strstr(text, "restarts the network"));
	assert_non_null(strstr(text, "vnet0 vnet1"));
	teardown(&f);
}

static void test_no_restart_for_live_fields(void **state)
{
	g_autoptr(vnet_intent) a = nat("8080:80"), b = nat("9090:90");

	vnet_intent_set_autostart(b, false);
	assert_ok(vnet_intent_set_dhcp_range(b, "10.77.0.10", "10.77.0.20", &err_));
	assert_false(vnet_planner_needs_restart(a, b));
	vnet_intent_set_dhcp(b, false);
	assert_true(vnet_planner_needs_restart(a, b));
}

static vnet_intent *ovs(const char *const *vlans, bool trunk)
{
	vnet_intent *in = vnet_intent_new("v", VNET_MODE_BRIDGED, NULL);

	assert_ok(vnet_intent_set_bridge(in, "ovsbr0", &err_));
	vnet_intent_set_switch(in, VNET_SWITCH_OVS);
	for (; *vlans; vlans++)
		assert_ok(vnet_intent_add_vlan(in, *vlans, &err_));
	vnet_intent_set_vlan_trunk(in, trunk);
	return in;
}

/* The step of portgroup @pg in @plan, or NULL. */
static const vnet_step *portgroup_step(GPtrArray *plan, const char *pg)
{
	for (guint i = 0; i < plan->len; i++) {
		const vnet_step *s = plan->pdata[i];
		if (s->kind == VNET_STEP_PORTGROUP && g_strcmp0(s->domain, pg) == 0)
			return s;
	}
	return NULL;
}

static void test_vlans_change_live(void **state)
{
	static const char *const v1020[] = { "10", "20", NULL }, *const v1030[] = { "10", "30", NULL };
	fixture f;
	g_autoptr(GPtrArray) plan = NULL;
	g_autofree char *text = NULL;
	const vnet_step *s;

	setup_running(&f, ovs(v1020, true), ovs(v1030, true));
	assert_false(vnet_planner_needs_restart(f.old, f.want));
	/* VLAN 20's portgroup goes, 30's comes, the trunk's tags change; 10's stays as it is */
	expect_plan(&f, "define portgroup portgroup portgroup");
	plan = vnet_planner_plan(&f.in);
	assert_null(portgroup_step(plan, "vlan10"));
	s = portgroup_step(plan, "vlan20");
	assert_non_null(s);
	assert_null(s->xml);
	assert_non_null(strstr(s->prev_xml, "<tag id=\"20\"/>"));
	s = portgroup_step(plan, "vlan30");
	assert_non_null(s);
	assert_null(s->prev_xml);
	assert_non_null(strstr(s->xml, "<portgroup name=\"vlan30\">"));
	assert_null(strstr(s->xml, "<?xml"));
	s = portgroup_step(plan, "trunk");
	assert_non_null(s);
	assert_non_null(strstr(s->prev_xml, "<tag id=\"20\"/>"));
	assert_non_null(strstr(s->xml, "<tag id=\"30\"/>"));
	assert_null(strstr(s->xml, "<tag id=\"20\"/>"));
	text = vnet_planner_describe(plan);
	assert_null(strstr(text, "restarts the network"));
	/* a stopped network gets them from its definition */
	f.in.net[0].active = false;
	expect_plan(&f, "define");
	/* the trunk dropped: its portgroup alone goes */
	vnet_intent_free(f.want);
	f.in.want = f.want = ovs(v1020, false);
	f.in.net[0].active = true;
	expect_plan(&f, "define portgroup");
	teardown(&f);
}

/* Another gateway chassis, or one more standing by: the router's port in place, the switch kept. */
static void test_gateway_moves_in_place(void **state)
{
	fixture f;
	g_autoptr(GPtrArray) plan = NULL;
	g_autofree char *text = NULL;
	const vnet_step *s;

	setup_running(&f, overlay(), overlay());
	assert_ok(vnet_intent_add_ovn_gateway(f.want, "chB", &err_));
	expect_plan(&f, "define ovn-gateway");
	plan = vnet_planner_plan(&f.in);
	s = plan->pdata[1];
	assert_string_equal(s->prev_xml, "chA");
	assert_true(s->on);
	text = vnet_planner_describe(plan);
	assert_non_null(strstr(text, "make chA, chB the gateway chassis of OVN logical router o1"));
	assert_null(strstr(text, "restart"));
	/* the same gateways: nothing for OVN */
	assert_ok(vnet_intent_set_ovn_gateway(f.want, "chA", &err_));
	expect_plan(&f, "");
	teardown(&f);
}

static void test_remove(void **state)
{
	fixture f;

	setup_running(&f, nat("8080:80"), NULL);
	expect_plan(&f, "nft! stop undefine");
	f.in.drop_table = true;
	expect_plan(&f, "nft! stop undefine table-drop");
	f.in.net[0].active = false;	/* a stopped network has no elements to take away */
	expect_plan(&f, "undefine table-drop");
	teardown(&f);
}

static void test_redefine_carries_reservations(void **state)
{
	fixture f;
	g_autoptr(GPtrArray) plan = NULL;
	const vnet_step *s;
	char *at;

	setup_running(&f, nat("8080:80"), nat("8080:80"));
	assert_ok(vnet_intent_add_forward(f.want, "9000:90", &err_));
	at = strstr(f.in.net[0].xml, "</dhcp>");
	assert_non_null(at);
	{
		g_autofree char *with = g_strdup_printf("%.*s<host mac='52:54:00:00:00:01' name='vm1' ip='10.77.0.2'/>%s",
						       (int)(at - f.in.net[0].xml), f.in.net[0].xml, at);
		g_free(f.in.net[0].xml);
		f.in.net[0].xml = g_steal_pointer(&with);
	}
	plan = vnet_planner_plan(&f.in);
	s = plan->pdata[0];
	assert_int_equal(s->kind, VNET_STEP_DEFINE);
	assert_non_null(strstr(s->xml, "52:54:00:00:00:01"));
	assert_string_equal(s->prev_xml, f.in.net[0].xml);
	teardown(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create),
		cmocka_unit_test(test_converged_running_touches_only_the_kernel_check),
		cmocka_unit_test(test_converged_stopped_is_started),
		cmocka_unit_test(test_forward_change_is_elements_only),
		cmocka_unit_test(test_change_of_a_stopped_network),
		cmocka_unit_test(test_autostart_change),
		cmocka_unit_test(test_dhcp_range_is_live),
		cmocka_unit_test(test_subnet_change_restarts_and_replugs),
		cmocka_unit_test(test_no_restart_for_live_fields),
		cmocka_unit_test(test_vlans_change_live),
		cmocka_unit_test(test_gateway_moves_in_place),
		cmocka_unit_test(test_remove),
		cmocka_unit_test(test_redefine_carries_reservations),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
