/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ovn: overlay networks (--mode overlay) in OVN's northbound database,
 * spoken to through ovsdb.h over the database's own remote (tcp:HOST:PORT
 * or unix:PATH): the network's Logical_Switch with its subnet and
 * DHCP_Options, one Logical_Switch_Port per guest NIC (named by the NIC's
 * interfaceid), their removal, and what show reads back (a port's up flag
 * from NB, the chassis it is bound to from SB, how far each chassis
 * follows NB by its nb_cfg, which doctor alone bumps).  Every change is one
 * transaction guarded by "wait" operations, and every row vnetctl makes
 * carries external_ids:vnetctl-network, the only rows it ever deletes.
 * The transaction steps of txn.h call the vnet_ovn_step_*() functions here.
 */
#ifndef VNET_OVN_H
#define VNET_OVN_H

#include <stdbool.h>
#include <glib.h>
#include <jansson.h>

#include <vnet/ctx.h>

#include "model.h"
#include "ovsdb.h"
#include "txn.h"

#define VNET_OVN_NB "OVN_Northbound"
#define VNET_OVN_SB "OVN_Southbound"
/* The integration bridge ovn-controller makes on every chassis: the libvirt network's bridge. */
#define VNET_OVN_BRIDGE "br-int"
/* external_ids of every row vnetctl makes: the network's name; and the guest's domain on a port. */
#define VNET_OVN_MARK "vnetctl-network"
#define VNET_OVN_DOMAIN "vnetctl-domain"
/* The SB database, unless $VNET_OVN_SB names it: the NB remote's host on port 6642. */
#define VNET_OVN_SB_ENV "VNET_OVN_SB"
/* The physical network a NAT network's localnet port is on: ovn-bridge-mappings=external:BRIDGE on its gateway chassis. */
#define VNET_OVN_PHYSNET "external"

/* The rows of a NAT overlay network besides its switch, by name. */
typedef enum vnet_ovn_row {
	VNET_OVN_ROW_ROUTER,		/* Logical_Router NET */
	VNET_OVN_ROW_EXT_SWITCH,	/* Logical_Switch NET-ext, with the localnet port */
	VNET_OVN_ROW_LRP,		/* Logical_Router_Port lrp-NET, the gateway address on the switch */
	VNET_OVN_ROW_EXT_LRP,		/* Logical_Router_Port lrp-NET-ext, the external address */
} vnet_ovn_row;
char *vnet_ovn_name(const char *net, vnet_ovn_row row);

/* ---- NAT (--ovn-external), without I/O ---- */

/*
 * Whether two overlay intents want the same rows in NB but for their
 * forwards and gateway chassis (else the switch is made anew); those two
 * change in place.
 */
bool vnet_ovn_same_switch(const vnet_intent *a, const vnet_intent *b);
/* OVN's HA chassis groups take any number; a handful is what a site runs. */
#define VNET_OVN_MAX_GATEWAYS 8
/* Fill in the default next hop: the external network's first host address. */
void vnet_ovn_complete_nexthop(vnet_intent *in);
/* Whether @in's router settings fit together (any mode: only an overlay network may have them). */
bool vnet_ovn_check_nat(const vnet_intent *in, GError **error);
/* Whether forward @f of NAT overlay network @in can be a load balancer of its router. */
bool vnet_ovn_check_forward(const vnet_intent *in, const vnet_forward *f, GError **error);
/*
 * Setting the load balancers of @in's router to those of @forwards
 * (vnet_forward *; a domain's address from @ports, vnet_ovn_port *): a
 * wait that the router is ours, then the old rows out and the new in.
 */
json_t *vnet_ovn_ops_set_lbs(const vnet_intent *in, const GPtrArray *forwards, const GPtrArray *ports);
/*
 * Setting the gateway chassis of @in's router's external port to @in's,
 * in priority order: a wait that the port is ours, then its rows out and
 * the new in.
 */
json_t *vnet_ovn_ops_set_gateways(const vnet_intent *in);

/*
 * Whether @remote is one vnetctl can use: "tcp:HOST:PORT" (HOST an IPv4
 * address, an IPv6 one in brackets, or a host name) or "unix:/ABSOLUTE/PATH".
 */
bool vnet_ovn_check_remote(const char *remote, GError **error);
/* Connect to database @db_name at @remote. */
vnet_ovsdb *vnet_ovn_connect(const char *remote, const char *db_name, GError **error);
/* The SB remote that goes with NB remote @nb ($VNET_OVN_SB, else port 6642 of a tcp remote), or NULL. */
char *vnet_ovn_sb_remote(const char *nb);

/* A guest's logical port. */
typedef struct vnet_ovn_port {
	char *name;		/* the NIC's interfaceid */
	char *mac, *ip;		/* its addresses "MAC IP" */
	char *domain;		/* external_ids:vnetctl-domain, or NULL */
	int up;			/* ovn-northd's "up": 1, 0, or -1 unknown */
	char *chassis;		/* the chassis it is bound to (SB), or NULL */
} vnet_ovn_port;

typedef struct vnet_ovn_switch {
	char *name;
	char *uuid;
	char *subnet;		/* other_config:subnet, or NULL */
	char *dhcp_uuid;	/* its DHCP_Options row, or NULL */
	bool ours;		/* it has external_ids:vnetctl-network */
	GPtrArray *ports;	/* vnet_ovn_port *, its ports vnetctl made */
} vnet_ovn_switch;

/* A chassis as SB has it. */
typedef struct vnet_ovn_chassis {
	char *name;
	char *encaps;		/* its tunnel endpoints, "geneve 192.0.2.11" (comma-separated), or NULL: none */
	gint64 nb_cfg;		/* its Chassis_Private.nb_cfg: the last change its ovn-controller applied; -1 not known */
	/*
	 * The tunnel from this host's Open vSwitch to it (when this host is
	 * another chassis): -1 not known, 0 none, 1 there, with its interface
	 * and its BFD state ("up", "down", ...; NULL: BFD not on for it, as
	 * ovn-controller turns it on only towards gateway chassis).
	 */
	int tunnel;
	char *tunnel_iface, *bfd;
} vnet_ovn_chassis;

/* What show and doctor read of an overlay network (<vnet/ctx.h>'s vnet_ovn_status). */
struct vnet_ovn_status {
	char *name;
	vnet_ovn_switch *sw;	/* NULL: NB has no switch of the network */
	bool sb;		/* SB answered: ports' chassis and the chassis list are known */
	char *sb_error;		/* else why not */
	char *sb_remote;	/* where SB was looked for, or NULL: nowhere known */
	GPtrArray *chassis;	/* vnet_ovn_chassis *, by name */
	/*
	 * How far OVN follows NB.  A killed ovn-controller leaves its chassis'
	 * bindings (and NB's "up") as they were, so they alone cannot tell a
	 * live chassis from a dead one; the nb_cfg each ovn-controller copies
	 * to its Chassis_Private row once it applied a change can (as
	 * ovn-nbctl --wait=hv waits for it).  @want is the nb_cfg every live
	 * chassis has: SB_Global's as it is (show), or the one doctor's bump
	 * set once ovn-northd passed it on; -1 not known (no SB, no
	 * Chassis_Private).  A chassis with a known nb_cfg below it is behind.
	 */
	gint64 want;
	int northd;		/* doctor's bump: 1 ovn-northd passed it to SB in time, 0 it did not, -1 no bump */
	char *follow_error;	/* why doctor's bump could not be made or read, or NULL */
	char *local;		/* this host's chassis, when its Open vSwitch is one SB lists; else NULL */
};

/*
 * The tunnels of this host's Open vSwitch (the result of one select of
 * Interface: name, type, options, bfd, bfd_status) to the other chassis of
 * @st, matched by remote_ip to their encapsulation addresses; @local is
 * this host's chassis name (external_ids:system-id).
 */
void vnet_ovn_parse_tunnels(vnet_ovn_status *st, const char *local, const json_t *result);

void vnet_ovn_port_free(vnet_ovn_port *p);
void vnet_ovn_switch_free(vnet_ovn_switch *sw);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(vnet_ovn_switch, vnet_ovn_switch_free)

/* ---- the operations, without I/O (unit-tested) ---- */

/*
 * Creating the switch of overlay network @in: a wait that no switch of
 * that name exists, its DHCP_Options (when @in has DHCP) and the
 * Logical_Switch with other_config:subnet, and the ports of @ports
 * (vnet_ovn_port *, or NULL) in it; for a NAT network also its router,
 * external switch, gateway chassis, route, SNAT and load balancers.
 */
json_t *vnet_ovn_ops_add_switch(const vnet_intent *in, const GPtrArray *ports);
/* Deleting network @name's switch (its ports go with it), DHCP_Options, router, external switch and load balancers: only rows with our mark. */
json_t *vnet_ovn_ops_del_switch(const char *name);
/* Port @p in the switch of row @ls_uuid of network @net, its DHCP from row @dhcp_uuid (or none). */
json_t *vnet_ovn_ops_add_port(const char *net, const char *ls_uuid, const char *dhcp_uuid, const vnet_ovn_port *p);
/* The port of row @port_uuid out of the switch of row @ls_uuid (the row goes with it). */
json_t *vnet_ovn_ops_del_port(const char *ls_uuid, const char *port_uuid);
/* The transaction that reads network @name's switch, ports and DHCP_Options, and every switch's subnet. */
json_t *vnet_ovn_ops_read(const char *name);

/*
 * Network @name's switch in @result (of vnet_ovn_ops_read()'s
 * transaction), or NULL; what does not fit is left out.  @ret_subnets, if
 * not NULL, gets "SWITCH SUBNET" of every other switch that has a subnet.
 */
vnet_ovn_switch *vnet_ovn_parse_switch(const json_t *result, const char *name, GPtrArray **ret_subnets);
/* Fill in the ports' chassis from an SB reply to vnet_ovn_ops_bindings(). */
void vnet_ovn_parse_bindings(vnet_ovn_switch *sw, const json_t *result);
json_t *vnet_ovn_ops_bindings(void);
/* The chassis (vnet_ovn_chassis *, sorted by name) of an SB reply to vnet_ovn_ops_bindings(). */
GPtrArray *vnet_ovn_parse_chassis(const json_t *result);
/* @sb: the SB reply, or NULL when SB did not answer (@sb_error why). */
vnet_ovn_status *vnet_ovn_status_new(const char *name, vnet_ovn_switch *sw, const json_t *sb, const char *sb_error);

/*
 * The SB transaction that reads how far the chassis follow NB: SB_Global's
 * nb_cfg and each Chassis_Private's.  It is a transaction of its own, so
 * that an SB without Chassis_Private (before OVN 20.06) still answers the
 * bindings.
 */
json_t *vnet_ovn_ops_live(void);
/* Fill in @st's want and each chassis' nb_cfg from an SB reply to vnet_ovn_ops_live() (NULL: not known). */
void vnet_ovn_parse_live(vnet_ovn_status *st, const json_t *result);
/* The NB transaction of doctor's bump: NB_Global's nb_cfg += 1, then read back. */
json_t *vnet_ovn_ops_bump(void);
/* The nb_cfg (NB reply to vnet_ovn_ops_bump()) or sb_cfg (reply to vnet_ovn_ops_sb_cfg()) in @result, or -1. */
gint64 vnet_ovn_parse_cfg(const json_t *result, size_t op, const char *column);
json_t *vnet_ovn_ops_sb_cfg(void);
/* Whether chassis @name's ovn-controller is behind @st's want: 1 behind, 0 not, -1 not known. */
int vnet_ovn_chassis_behind(const vnet_ovn_status *st, const char *name);
/* How many seconds doctor waits for ovn-northd and the chassis to follow its bump. */
#define VNET_OVN_FOLLOW_SECONDS 3

/* A port's record in a step ("NAME MAC IP DOMAIN" a line) and back. */
char *vnet_ovn_ports_format(const GPtrArray *ports);
GPtrArray *vnet_ovn_ports_parse(const char *text);

/* ---- with I/O ---- */

/* Network @name of NB @remote with its ports' bindings and the chassis; SB is optional. */
vnet_ovn_status *vnet_ovn_read_status(const char *remote, const char *name, GError **error);

/*
 * Doctor's check that OVN follows NB (it changes NB, so only doctor does
 * it): bump NB_Global's nb_cfg in one transaction, then wait up to
 * VNET_OVN_FOLLOW_SECONDS for ovn-northd (NB_Global.sb_cfg) and for the
 * ovn-controllers of chassis @watch (NULL-terminated) to reach it, and
 * record in @st what they reached.  Never fails: what could not be done
 * is @st's follow_error.
 */
void vnet_ovn_follow(vnet_ovn_status *st, const char *remote, const char *const *watch);

/* Network @name's switch as NB has it (*@ret_sw NULL when there is none). */
bool vnet_ovn_read(const char *remote, const char *name, bool with_chassis, vnet_ovn_switch **ret_sw,
		   GPtrArray **ret_subnets, GError **error);

/* This host's chassis name: the local Open vSwitch's external_ids:system-id. */
bool vnet_ovn_local_chassis(char **ret_name, GError **error);
/* A NAT overlay network's gateway chassis when @in names none: @old's, else this host's. */
bool vnet_ovn_complete_gateway(vnet_intent *in, const vnet_intent *old, GError **error);

/*
 * Before a create: NB answers, has no switch of that name, and no other
 * switch's subnet overlaps @in's; for a NAT network no router or external
 * switch of its names that is not ours, and a gateway chassis that SB knows.
 */
bool vnet_ovn_check_create(const vnet_intent *in, GError **error);
/* Whether OVN's SB database, when it answers, knows every gateway chassis of @in (a move checks this alone). */
bool vnet_ovn_check_gateways(const vnet_intent *in, GError **error);

/*
 * The steps of attaching @domain to overlay network @in: an address
 * (@ip, or the first free one) and the port, whose name becomes the NIC's
 * interfaceid (in @ret_iface_id); the caller adds the NIC step after it.
 */
bool vnet_ovn_attach_step(GPtrArray *steps, const vnet_intent *in, const char *domain, const char *mac,
			  const char *ip, char **ret_iface_id, GError **error);
/* The step that removes the port of @domain's NIC of MAC @mac (detach), if OVN has it. */
bool vnet_ovn_detach_step(GPtrArray *steps, const vnet_intent *in, const char *domain, const char *mac,
			  GError **error);

/* VNET_STEP_OVN_SWITCH and VNET_STEP_OVN_PORT (txn.h): prepare, run and undo. */
bool vnet_ovn_step_prepare(vnet_step *s, GError **error);
bool vnet_ovn_step_run(const vnet_step *s, bool on, GError **error);

#endif
