/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * planner: a pure function from what is (the intent libvirt holds, the
 * state of its libvirt networks) and what is wanted (an intent, or none) to
 * the steps of a transaction (txn.h).  No I/O: the caller reads the state,
 * so every rule is unit-tested with made-up states.
 *
 * What changes decides how: forwards and the default guest are elements
 * only; autostart is libvirt's flag; a DHCP range goes through libvirt's
 * live update; the definition is rewritten with the DHCP reservations
 * carried; a stopped network is started; a restart (stop, start, the
 * guests' taps plugged back) happens only for what libvirt cannot change
 * live (subnet, gateway, DHCP on or off, bridge), and the plan says so.
 * An isolated network's host ports are elements only, as forwards are.
 */
#ifndef VNET_PLANNER_H
#define VNET_PLANNER_H

#include "txn.h"

/* One libvirt network of an intent, as it is now. */
typedef struct vnet_net_state {
	bool exists, active;
	char *xml;		/* the persistent definition, or NULL */
	GPtrArray *taps;	/* running guests' taps on it (only needed for a restart), or NULL */
} vnet_net_state;

typedef struct vnet_plan_input {
	const vnet_intent *old;	/* what libvirt's metadata holds, or NULL */
	vnet_net_state net[2];	/* per libvirt network of @old (hybrid: 2) */
	const vnet_intent *want; /* NULL: remove @old */
	GHashTable *guests;	/* domain name -> address, for forwards to a name */
	bool local;		/* the host side is ours to do (not over a remote URI) */
	bool drop_table;	/* removing the last network of ours: our table goes too */
	bool converge;		/* apply: a stopped network is started too (not so for a forward change) */
	const char *revert;	/* a takeover that waits for confirm: its revert record (revert.h) */
	/*
	 * @want's first network's definition as the caller made it (a forward
	 * add or remove spliced it, xml.h), or NULL: written here.  Given,
	 * the define step takes it and net[0].xml (megabytes each at 65,535
	 * forwards, not copied): both are NULL once planned.
	 */
	char *define_xml;
} vnet_plan_input;

GPtrArray *vnet_planner_plan(vnet_plan_input *in);

/*
 * The steps that give a running network its host side (@new: elements,
 * route_localnet, hairpin) or take it away (@new NULL: @old's elements),
 * for the hooks, which plan nothing else.
 */
void vnet_planner_host_side(GPtrArray *plan, const vnet_intent *old, const vnet_intent *new,
			    GHashTable *guests, bool exact);

/* Whether going from @old to @want needs the network stopped and started again. */
bool vnet_planner_needs_restart(const vnet_intent *old, const vnet_intent *want);

/* Whether @a and @b want other elements in our table: forwards, the default guest. */
bool vnet_planner_elements_differ(const vnet_intent *a, const vnet_intent *b);

/* The bridge guests share with the LAN (bridged, hybrid), or NULL. */
const char *vnet_planner_lan_bridge(const vnet_intent *in);
/*
 * The guard's flows on @in's Open vSwitch bridge made @want's (NULL: none),
 * when either guards it: after every change of its statics or ports.
 */
void vnet_planner_ovs_guard(GPtrArray *plan, const vnet_intent *in, const vnet_intent *want);

/* One numbered line (or block, for nftables) per step, for `plan`. */
char *vnet_planner_describe(GPtrArray *plan);

#endif
