/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "planner.h"
#include "netxml.h"
#include "nft.h"
#include "xml.h"
#include "ovn.h"
#include "util.h"

const char *vnet_planner_lan_bridge(const vnet_intent *in)
{
	switch (in->mode) {
	case VNET_MODE_BRIDGED:
		return in->bridge;
	case VNET_MODE_HYBRID:
		return in->lan_bridge;
	case VNET_MODE_NAT:
	case VNET_MODE_ISOLATED:
	case VNET_MODE_OVERLAY:
		return NULL;
	}
	return NULL;
}

static bool same_lan(const vnet_intent *a, const vnet_intent *b)
{
	/* An overlay network's subnet and DHCP are the logical switch's: another switch replaces it. */
	if ((a->mode == VNET_MODE_OVERLAY || b->mode == VNET_MODE_OVERLAY) && !vnet_ovn_same_switch(a, b))
		return false;
	return g_strcmp0(vnet_planner_lan_bridge(a), vnet_planner_lan_bridge(b)) == 0 &&
	       g_strcmp0(a->uplink, b->uplink) == 0 && a->vswitch == b->vswitch;
}

/* @in with what libvirt can change live set to @ref's. */
static vnet_intent *without_live_fields(const vnet_intent *in, const vnet_intent *ref)
{
	vnet_intent *c = vnet_intent_copy_bare(in);

	c->autostart = ref->autostart;
	c->guard = ref->guard;	/* elements only */
	c->has_guest = ref->has_guest;
	c->guest = ref->guest;
	/* host ports are elements of our table only */
	g_array_unref(c->host_ports);
	c->host_ports = g_array_copy(ref->host_ports);
	/* libvirt changes a running network's portgroups (virNetworkUpdate); a guest keeps its port */
	if (c->vswitch == VNET_SWITCH_OVS && ref->vswitch == VNET_SWITCH_OVS)
		vnet_intent_copy_vlans(c, ref);
	/* an overlay network's gateway chassis are OVN's rows, changed in place (VNET_STEP_OVN_GATEWAY) */
	if (c->mode == VNET_MODE_OVERLAY && ref->mode == VNET_MODE_OVERLAY) {
		g_strfreev(c->ovn_gateways);
		c->ovn_gateways = g_strdupv(ref->ovn_gateways);
	}
	if (c->dhcp && ref->dhcp) {
		c->has_range = ref->has_range;
		c->dhcp_start = ref->dhcp_start;
		c->dhcp_end = ref->dhcp_end;
	}
	return c;
}

bool vnet_planner_needs_restart(const vnet_intent *old, const vnet_intent *want)
{
	g_autoptr(vnet_intent) a = NULL, b = NULL;

	if (!old || !want)
		return false;
	a = without_live_fields(old, want);
	b = without_live_fields(want, want);
	return !vnet_intent_equal(a, b);
}

static bool range_differs(const vnet_intent *a, const vnet_intent *b)
{
	return a->has_range != b->has_range ||
	       (a->has_range && (!vnet_addr_equal(&a->dhcp_start, &b->dhcp_start) ||
				 !vnet_addr_equal(&a->dhcp_end, &b->dhcp_end)));
}

bool vnet_planner_elements_differ(const vnet_intent *a, const vnet_intent *b)
{
	g_autoptr(vnet_intent) ca = vnet_intent_copy_bare(a);
	g_autoptr(vnet_intent) cb = vnet_intent_copy_bare(b);

	ca->autostart = b->autostart;
	ca->has_range = b->has_range;
	ca->dhcp_start = b->dhcp_start;
	ca->dhcp_end = b->dhcp_end;
	return !vnet_intent_equal(ca, cb) || !vnet_intent_forwards_equal(a, b);
}

/* ---- pieces ---- */

static vnet_step *add(GPtrArray *plan, vnet_step_kind kind, const char *name)
{
	return vnet_step_new(plan, kind, name);
}

static void nft_step(GPtrArray *plan, GHashTable *guests, const vnet_intent *old,
		     const vnet_intent *new, bool exact)
{
	vnet_step *s = add(plan, VNET_STEP_NFT, NULL);

	s->old = old ? vnet_intent_copy(old) : NULL;
	s->new = new ? vnet_intent_copy(new) : NULL;
	s->old_guests = g_hash_table_ref(guests);
	s->new_guests = g_hash_table_ref(guests);
	s->exact = exact;
}


void vnet_planner_host_side(GPtrArray *plan, const vnet_intent *old, const vnet_intent *new,
			    GHashTable *guests, bool exact)
{
	vnet_step *s;

	nft_step(plan, guests, old, new, exact);
	if (!new)
		return;
	if (new->mode != VNET_MODE_ISOLATED) {
		s = add(plan, VNET_STEP_LOCALNET, NULL);
		s->bridge = g_strdup(new->bridge);
		s->on = true;
	}
	s = add(plan, VNET_STEP_HAIRPIN, NULL);
	s->bridge = g_strdup(new->bridge);
}

/* The host side of a running network: elements, localhost, hairpin. */
static void host_side_up(GPtrArray *plan, const vnet_plan_input *in, const vnet_intent *old,
			 const vnet_intent *new, bool exact)
{
	if (!in->local || !vnet_mode_has_own_bridge(new->mode))
		return;		/* remote: the hook there; bridged: the LAN's business */
	vnet_planner_host_side(plan, old, new, in->guests, exact);
}

static void lan_up(GPtrArray *plan, const vnet_intent *in)
{
	const char *br = vnet_planner_lan_bridge(in);
	bool ovs = in->vswitch == VNET_SWITCH_OVS;
	vnet_step *s;

	if (!br)
		return;
	if (in->bridge_created) {
		s = add(plan, ovs ? VNET_STEP_OVS_BRIDGE_CREATE : VNET_STEP_BRIDGE_CREATE, NULL);
		s->bridge = g_strdup(br);
		/* The uplink's MAC: the LAN's DHCP server and switches see the same host. */
		s->xml = g_strdup(in->uplink_saved ? in->uplink_saved->mac : NULL);
	}
	if (in->uplink && in->uplink_saved && ovs && !in->uplink_saved->ovs_port_kept) {
		/* The port first, so that the takeover only moves the addresses onto the bridge's own. */
		s = add(plan, VNET_STEP_OVS_PORT, NULL);
		s->bridge = g_strdup(br);
		s->domain = g_strdup(in->uplink);
		s->on = true;
	}
	if (in->uplink && in->uplink_saved) {
		s = add(plan, VNET_STEP_TAKEOVER, NULL);
		s->bridge = g_strdup(br);
		s->new = vnet_intent_copy(in);
	}
	/* After the takeover: the host's address on the bridge is one the guard protects. */
	if (ovs)
		vnet_planner_ovs_guard(plan, in, in);
}

void vnet_planner_ovs_guard(GPtrArray *plan, const vnet_intent *in, const vnet_intent *want)
{
	const char *br = vnet_planner_lan_bridge(in);
	vnet_step *s;

	if (!br || in->vswitch != VNET_SWITCH_OVS)
		return;
	if (want && vnet_intent_get_guard(want, true) == VNET_GUARD_OFF &&
	    vnet_intent_get_guard(in, true) == VNET_GUARD_OFF)
		return;
	s = add(plan, VNET_STEP_OVS_GUARD, in->name);
	s->bridge = g_strdup(br);
	s->new = want && vnet_intent_get_guard(want, true) != VNET_GUARD_OFF ? vnet_intent_copy(want) : NULL;
}

static void lan_down(GPtrArray *plan, const vnet_intent *in)
{
	const char *br = vnet_planner_lan_bridge(in);
	bool ovs = in->vswitch == VNET_SWITCH_OVS;
	vnet_step *s;

	if (!br)
		return;
	if (ovs)
		vnet_planner_ovs_guard(plan, in, NULL);
	if (in->uplink && in->uplink_saved) {
		s = add(plan, VNET_STEP_GIVEBACK, NULL);
		s->bridge = g_strdup(br);
		s->new = vnet_intent_copy(in);
	}
	if (in->uplink && in->uplink_saved && ovs && !in->uplink_saved->ovs_port_kept) {
		s = add(plan, VNET_STEP_OVS_PORT, NULL);
		s->bridge = g_strdup(br);
		s->domain = g_strdup(in->uplink);
	}
	if (in->bridge_created) {
		s = add(plan, ovs ? VNET_STEP_OVS_BRIDGE_DELETE : VNET_STEP_BRIDGE_DELETE, NULL);
		s->bridge = g_strdup(br);
		s->xml = g_strdup(in->uplink_saved ? in->uplink_saved->mac : NULL);
	}
}

/* The bridge libvirt makes for network @i of @in (NULL for a LAN bridge not ours). */
static const char *own_bridge(const vnet_intent *in, guint i)
{
	return i == 0 && vnet_mode_has_own_bridge(in->mode) ? in->bridge : NULL;
}

/* @given: the definition, made from @prev_xml by the caller (it keeps the reservations), or NULL. */
/* @given, if not NULL, is taken, and @taken_prev with it (see vnet_plan_input.define_xml). */
static void define_step(GPtrArray *plan, const vnet_intent *want, guint i, const char *prev_xml,
			char **given, char **taken_prev)
{
	g_autofree char *name = vnet_intent_network_name(want, i);
	g_autofree char *xml = given && *given ? g_steal_pointer(given) : vnet_intent_network_xml(want, i, NULL);
	g_autofree char *prev = taken_prev && xml ? g_steal_pointer(taken_prev) : NULL;
	/* A redefinition keeps the DHCP reservations that attach made. */
	g_autofree char *carried = prev_xml && !prev ? vnet_netxml_carry_hosts(xml, prev_xml) : NULL;
	vnet_step *s;

	if (prev_xml && g_strcmp0(carried ? carried : xml, prev_xml) == 0)
		return;
	s = add(plan, VNET_STEP_DEFINE, name);
	s->xml = carried ? g_steal_pointer(&carried) : g_steal_pointer(&xml);
	s->prev_xml = prev ? g_steal_pointer(&prev) : g_strdup(prev_xml);
}

static void start_step(GPtrArray *plan, const vnet_intent *want, guint i)
{
	g_autofree char *name = vnet_intent_network_name(want, i);
	vnet_step *s = add(plan, VNET_STEP_START, name);

	s->bridge = g_strdup(own_bridge(want, i));
}

/* OVN's NB database is reached from wherever vnetctl runs: local or not, the switch is ours to make. */
static void ovn_switch_step(GPtrArray *plan, const vnet_intent *in, bool on)
{
	vnet_step *s = add(plan, VNET_STEP_OVN_SWITCH, in->name);

	s->new = vnet_intent_copy(in);
	s->on = on;
}

static void plan_create(GPtrArray *plan, const vnet_plan_input *in, bool lan)
{
	const vnet_intent *want = in->want;

	/* The logical switch first: the libvirt network is only where guests plug into it. */
	if (want->mode == VNET_MODE_OVERLAY)
		ovn_switch_step(plan, want, true);
	/*
	 * The record first (the definition says what the uplink had), then the
	 * revert armed, and only then the bridge and the uplink: a kill at any
	 * point leaves what gives the uplink back.
	 */
	for (guint i = 0; i < vnet_intent_n_networks(want); i++)
		define_step(plan, want, i, NULL, NULL, NULL);
	if (in->revert && want->confirm_token) {
		vnet_step *s = add(plan, VNET_STEP_ARM, want->name);
		s->xml = g_strdup(want->confirm_token);
		s->prev_xml = g_strdup(in->revert);
	}
	if (in->local && lan)
		lan_up(plan, want);
	for (guint i = 0; i < vnet_intent_n_networks(want); i++) {
		g_autofree char *name = vnet_intent_network_name(want, i);
		vnet_step *s;
		if (want->autostart) {
			s = add(plan, VNET_STEP_AUTOSTART, name);
			s->on = true;
		}
		start_step(plan, want, i);
	}
	host_side_up(plan, in, NULL, want, true);
}

static void plan_remove(GPtrArray *plan, const vnet_plan_input *in, bool lan)
{
	const vnet_intent *old = in->old;

	if (in->local && in->net[0].active && vnet_mode_has_own_bridge(old->mode))
		nft_step(plan, in->guests, old, NULL, true);
	for (guint i = 0; i < vnet_intent_n_networks(old) && i < 2; i++) {
		g_autofree char *name = vnet_intent_network_name(old, i);
		vnet_step *s;
		if (!in->net[i].exists)
			continue;
		if (in->net[i].active)
			add(plan, VNET_STEP_STOP, name);
		s = add(plan, VNET_STEP_UNDEFINE, name);
		s->prev_xml = g_strdup(in->net[i].xml);
	}
	if (in->local && lan)
		lan_down(plan, old);
	if (old->mode == VNET_MODE_OVERLAY)
		ovn_switch_step(plan, old, false);
	if (in->local && in->drop_table)
		add(plan, VNET_STEP_TABLE_DROP, NULL);
}

/* The new definitions of an update, and its autostart. */
static void update_defines(GPtrArray *plan, vnet_plan_input *in)
{
	const vnet_intent *old = in->old, *want = in->want;
	guint n = vnet_intent_n_networks(want);
	bool given = in->define_xml != NULL;

	for (guint i = 0; i < n && i < 2; i++)
		define_step(plan, want, i, in->net[i].xml, i == 0 ? &in->define_xml : NULL,
			    i == 0 && given ? &in->net[0].xml : NULL);
	if (old->autostart != want->autostart) {
		for (guint i = 0; i < n; i++) {
			g_autofree char *name = vnet_intent_network_name(want, i);
			add(plan, VNET_STEP_AUTOSTART, name)->on = want->autostart;
		}
	}
}

/*
 * The running networks stopped before their new definitions,
 * then started, their running guests' taps plugged back in, then the host
 * side.  Stopped first, so that the undo (in reverse) defines the old XML
 * back before it starts the network again: a failed restart runs the old
 * definition, not the new one.
 */
static void plan_restart(GPtrArray *plan, vnet_plan_input *in)
{
	const vnet_intent *old = in->old, *want = in->want;

	for (guint i = 0; i < vnet_intent_n_networks(want) && i < 2; i++) {
		g_autofree char *name = vnet_intent_network_name(want, i);
		if (in->net[i].active)
			add(plan, VNET_STEP_STOP, name);
	}
	update_defines(plan, in);
	for (guint i = 0; i < vnet_intent_n_networks(want) && i < 2; i++) {
		g_autofree char *name = vnet_intent_network_name(want, i);
		vnet_step *s;
		if (!in->net[i].active)
			continue;
		start_step(plan, want, i);
		if (in->local && in->net[i].taps && in->net[i].taps->len) {
			s = add(plan, VNET_STEP_REPLUG, name);
			s->bridge = g_strdup(i == 0 ? want->bridge : vnet_planner_lan_bridge(want));
			s->xml = g_strjoinv(" ", (char **)in->net[i].taps->pdata);
			s->on = i == 0 && vnet_mode_has_forwards(want->mode);
		}
	}
	if (in->net[0].active)
		host_side_up(plan, in, old, want, true);
}

/*
 * The portgroups of running libvirt network @i (the one on the Open vSwitch
 * bridge) from @old's to @want's, one step for each that differs.
 */
static void portgroup_steps(GPtrArray *plan, const vnet_intent *old, const vnet_intent *want, guint i)
{
	g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
	g_autofree char *name = vnet_intent_network_name(want, i);

	if (old->vswitch != VNET_SWITCH_OVS || want->vswitch != VNET_SWITCH_OVS || vnet_intent_vlans_equal(old, want))
		return;
	for (guint k = 0; k < vnet_intent_get_n_vlans(old); k++)
		if (!vnet_intent_has_vlan(want, vnet_intent_get_vlan(old, k)))
			g_ptr_array_add(names, vnet_vlan_portgroup(vnet_intent_get_vlan(old, k)));
	for (guint k = 0; k < vnet_intent_get_n_vlans(want); k++)
		if (!vnet_intent_has_vlan(old, vnet_intent_get_vlan(want, k)))
			g_ptr_array_add(names, vnet_vlan_portgroup(vnet_intent_get_vlan(want, k)));
	g_ptr_array_add(names, g_strdup(VNET_TRUNK_PORTGROUP));
	for (guint k = 0; k < names->len; k++) {
		g_autofree char *was = vnet_intent_portgroup_xml(old, names->pdata[k]);
		g_autofree char *is = vnet_intent_portgroup_xml(want, names->pdata[k]);
		vnet_step *s;
		if (g_strcmp0(was, is) == 0)
			continue;
		s = add(plan, VNET_STEP_PORTGROUP, name);
		s->domain = g_strdup(names->pdata[k]);
		s->xml = g_steal_pointer(&is);
		s->prev_xml = g_steal_pointer(&was);
	}
}

static void plan_update(GPtrArray *plan, vnet_plan_input *in)
{
	const vnet_intent *old = in->old, *want = in->want;
	guint n = vnet_intent_n_networks(want);

	if (vnet_planner_needs_restart(old, want)) {
		plan_restart(plan, in);
		return;
	}
	update_defines(plan, in);
	for (guint i = 0; i < n && i < 2; i++)
		if (in->net[i].active && vnet_planner_lan_bridge(want) &&
		    (i == 1 || want->mode != VNET_MODE_HYBRID))
			portgroup_steps(plan, old, want, i);
	if (in->net[0].active && range_differs(old, want) && old->has_range && want->has_range) {
		g_autofree char *name = vnet_intent_network_name(want, 0);
		g_autofree char *s_old = vnet_addr_format(&old->dhcp_start), *e_old = vnet_addr_format(&old->dhcp_end);
		g_autofree char *s_new = vnet_addr_format(&want->dhcp_start), *e_new = vnet_addr_format(&want->dhcp_end);
		vnet_step *s = add(plan, VNET_STEP_DHCP_RANGE, name);
		s->prev_xml = g_strdup_printf("<range start='%s' end='%s'/>", s_old, e_old);
		s->xml = g_strdup_printf("<range start='%s' end='%s'/>", s_new, e_new);
	}
	/* Converging, a network that is down comes up; one that runs gets its elements changed. */
	for (guint i = 0; i < n && i < 2 && in->converge; i++)
		if (in->net[i].exists && !in->net[i].active)
			start_step(plan, want, i);
	if (!in->net[0].active) {
		if (in->converge)
			host_side_up(plan, in, NULL, want, true);
	} else if (in->local && vnet_mode_has_own_bridge(want->mode) && vnet_planner_elements_differ(old, want))
		nft_step(plan, in->guests, old, want, false);
	/* An overlay network's forwards are its OVN router's, wherever vnetctl runs and whatever runs. */
	if (want->mode == VNET_MODE_OVERLAY && !vnet_intent_forwards_equal(old, want)) {
		vnet_step *s = add(plan, VNET_STEP_OVN_LB, want->name);
		GString *prev = g_string_new(NULL);
		for (guint i = 0; i < old->forwards->len; i++) {
			vnet_forward_append(prev, old->forwards->pdata[i]);
			g_string_append_c(prev, '\n');
		}
		s->new = vnet_intent_copy(want);
		s->prev_xml = g_string_free(prev, FALSE);
		s->on = true;
	}
	/* A gateway moved or one more standing by: the router's external port changes in place. */
	if (want->mode == VNET_MODE_OVERLAY && want->ovn_external && !vnet_strv_equal0(old->ovn_gateways, want->ovn_gateways)) {
		vnet_step *s = add(plan, VNET_STEP_OVN_GATEWAY, want->name);
		s->new = vnet_intent_copy(want);
		s->prev_xml = old->ovn_gateways ? g_strjoinv(" ", old->ovn_gateways) : NULL;
		s->on = true;
	}
}

/* The same intent again: start what is down, put back what the kernel lost. */
static void plan_converged(GPtrArray *plan, const vnet_plan_input *in)
{
	const vnet_intent *want = in->want;
	guint n = vnet_intent_n_networks(want);

	for (guint i = 0; i < n && i < 2; i++) {
		if (!in->net[i].exists)
			define_step(plan, want, i, NULL, NULL, NULL);
		if (!in->net[i].active)
			start_step(plan, want, i);
	}
	host_side_up(plan, in, NULL, want, true);
}

GPtrArray *vnet_planner_plan(vnet_plan_input *in)
{
	GPtrArray *plan = vnet_plan_new();

	if (!in->old && in->want)
		plan_create(plan, in, true);
	else if (in->old && !in->want)
		plan_remove(plan, in, true);
	else if (in->old && in->want && vnet_intent_equal(in->old, in->want))
		plan_converged(plan, in);
	else if (in->old && in->want && !same_lan(in->old, in->want)) {
		/* Another uplink or LAN bridge: the LAN side is replaced, the rest with it. */
		plan_remove(plan, in, true);
		plan_create(plan, in, true);
	} else if (in->old && in->want)
		plan_update(plan, in);
	return plan;
}

/* ---- describing ---- */

static char *describe(const vnet_step *s)
{
	switch (s->kind) {
	case VNET_STEP_DEFINE:
		return g_strdup_printf(s->prev_xml ? _("redefine libvirt network %s") : _("define libvirt network %s"), s->name);
	case VNET_STEP_UNDEFINE:
		return g_strdup_printf(_("undefine libvirt network %s"), s->name);
	case VNET_STEP_START:
		return g_strdup_printf(_("start libvirt network %s"), s->name);
	case VNET_STEP_STOP:
		return g_strdup_printf(_("stop libvirt network %s"), s->name);
	case VNET_STEP_AUTOSTART:
		return g_strdup_printf(s->on ? _("mark libvirt network %s to start at boot")
					     : _("mark libvirt network %s not to start at boot"), s->name);
	case VNET_STEP_NFT: {
		g_autofree char *cmds = NULL, *undo = NULL;
		vnet_nft_prepare(NULL, s->old, s->old_guests, s->new, s->new_guests, false, &cmds, &undo, NULL, NULL, NULL);
		return g_strdup_printf(_("nftables, one transaction:\n%s"), cmds && *cmds ? cmds : _("(nothing to change)\n"));
	}
	case VNET_STEP_LOCALNET:
		return g_strdup_printf(_("set route_localnet on bridge %s"), s->bridge);
	case VNET_STEP_HAIRPIN:
		return g_strdup_printf(_("set hairpin on the ports of bridge %s"), s->bridge);
	case VNET_STEP_BRIDGE_CREATE:
		return g_strdup_printf(_("create bridge %s"), s->bridge);
	case VNET_STEP_BRIDGE_DELETE:
		return g_strdup_printf(_("delete bridge %s"), s->bridge);
	case VNET_STEP_TAKEOVER:
		return g_strdup_printf(_("move uplink %s with its addresses and routes into bridge %s"),
				       s->new->uplink, s->bridge);
	case VNET_STEP_GIVEBACK:
		return g_strdup_printf(_("give uplink %s its addresses and routes back from bridge %s"),
				       s->new->uplink, s->bridge);
	case VNET_STEP_TABLE_DROP:
		return g_strdup(_("remove the nftables table inet vnetctl: no network of vnetctl is left"));
	case VNET_STEP_DHCP_HOST:
		return g_strdup_printf(s->on ? _("add the DHCP host entry %s to libvirt network %s")
					     : _("remove the DHCP host entry %s from libvirt network %s"), s->xml, s->name);
	case VNET_STEP_DHCP_RANGE:
		return g_strdup_printf(_("change the DHCP range of running libvirt network %s to %s"), s->name, s->xml);
	case VNET_STEP_NIC:
		return g_strdup_printf(s->on ? _("add an interface to domain %s") : _("remove an interface from domain %s"),
				       s->domain);
	case VNET_STEP_PORT_HAIRPIN:
		if (!s->domain)
			return g_strdup_printf(_("set hairpin on bridge port %s"), s->bridge);
		return g_strdup_printf(_("set hairpin on the tap of domain %s"), s->domain);
	case VNET_STEP_REPLUG:
		return g_strdup_printf(_("plug the running guests' taps (%s) back into bridge %s"), s->xml, s->bridge);
	case VNET_STEP_TABLE:
		return g_strdup(_("put back the chains, rules and sets of the nftables table inet vnetctl"));
	case VNET_STEP_ARM:
		return g_strdup_printf(_("arm the timer that gives the uplink back unless \"vnetctl confirm %s\" comes first"),
				       s->name);
	case VNET_STEP_ZONE:
		return g_strdup_printf(s->on ? _("put bridge %s in firewalld zone vnetctl, at runtime and permanently")
					     : _("take bridge %s out of firewalld zone vnetctl"), s->bridge);
	case VNET_STEP_DOCKER:
		return g_strdup_printf(s->on ? _("add vnetctl's accept of its mark to Docker's chain %s filter DOCKER-USER")
					     : _("remove vnetctl's accept from Docker's chain %s filter DOCKER-USER"), s->xml);
	case VNET_STEP_OVS_BRIDGE_CREATE:
		return g_strdup_printf(_("create Open vSwitch bridge %s"), s->bridge);
	case VNET_STEP_OVS_BRIDGE_DELETE:
		return g_strdup_printf(_("delete Open vSwitch bridge %s"), s->bridge);
	case VNET_STEP_OVS_GUARD:
		return g_strdup_printf(s->new ? _("write the guard's OpenFlow flows of network \"%s\" on Open vSwitch bridge %s")
					      : _("remove the guard's OpenFlow flows of network \"%s\" from Open vSwitch bridge %s"),
				       s->name, s->bridge);
	case VNET_STEP_OVS_PORT:
		return g_strdup_printf(s->on ? _("add uplink %s as a trunk port of Open vSwitch bridge %s")
					     : _("remove uplink %s from Open vSwitch bridge %s"), s->domain, s->bridge);
	case VNET_STEP_OVN_SWITCH:
		return g_strdup_printf(s->on ? _("create OVN logical switch %s with its subnet and DHCP options, one transaction")
					     : _("delete OVN logical switch %s with its ports and DHCP options, one transaction"),
				       s->name);
	case VNET_STEP_OVN_PORT:
		return g_strdup_printf(s->on ? _("add a logical port for domain %s to OVN logical switch %s")
					     : _("remove the logical port of domain %s from OVN logical switch %s"),
				       s->domain, s->name);
	case VNET_STEP_OVN_LB:
		return g_strdup_printf(_("set the load balancers (forwards) of OVN logical router %s, one transaction"),
				       s->name);
	case VNET_STEP_OVN_GATEWAY: {
		g_autofree char *list = s->new && s->new->ovn_gateways ? g_strjoinv(", ", s->new->ovn_gateways)
								       : g_strdup("-");
		return g_strdup_printf(_("make %s the gateway chassis of OVN logical router %s, in that order, one transaction"),
				       list, s->name);
	}
	case VNET_STEP_PORTGROUP:
		if (!s->prev_xml)
			return g_strdup_printf(_("add portgroup %s to running libvirt network %s"), s->domain, s->name);
		if (!s->xml)
			return g_strdup_printf(_("remove portgroup %s from running libvirt network %s"), s->domain, s->name);
		return g_strdup_printf(_("change the VLANs of portgroup %s of running libvirt network %s"), s->domain, s->name);
	case VNET_STEP_N_KINDS:
		break;
	}
	return g_strdup("?");
}

char *vnet_planner_describe(GPtrArray *plan)
{
	GString *out = g_string_new(NULL);
	bool stops = false, starts = false;

	for (guint i = 0; i < plan->len; i++) {
		const vnet_step *s = plan->pdata[i];
		g_autofree char *d = describe(s);
		g_string_append_printf(out, "%u. %s%s", i + 1, d, g_str_has_suffix(d, "\n") ? "" : "\n");
		stops |= s->kind == VNET_STEP_STOP;
		starts |= s->kind == VNET_STEP_START;
	}
	if (stops && starts)
		g_string_append(out, _("This restarts the network: its guests lose connectivity for a moment.\n"));
	return g_string_free(out, FALSE);
}
