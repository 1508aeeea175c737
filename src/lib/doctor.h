/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * doctor: why a guest or a forward of a managed network is unreachable, in
 * the five steps of connectivity diagnosis: link, L2, L3, L4, app.  First
 * the facts of a network are gathered (vnet_doctor_gather(): libvirt,
 * netlink, nftables, conntrack, sock_diag, /proc, and one TCP connect per
 * forward), changing nothing and taking no lock; then a pure function
 * (vnet_doctor_judge()) turns them into checks, the lines of
 * <vnet/ctx.h>'s vnet_doctor_check: layer, subject, ok, what was checked
 * and, for a failure, its fix.  An overlay network's checks are OVN's:
 * the northbound database answers, the switch is there, every chassis has
 * a tunnel endpoint, the gateway chassis of a NAT network runs, and each
 * guest's logical port is bound and up.
 */
#ifndef VNET_DOCTOR_H
#define VNET_DOCTOR_H

#include <vnet/ctx.h>

#include "coexist.h"
#include "guests.h"
#include "model.h"
#include "netlink.h"

/* What doctor knows of one guest on the network's bridge. */
typedef struct vnet_doctor_guest {
	const vnet_guest *g;	/* borrowed from the facts' guests */
	bool running;		/* a running domain's NIC, or a current lease */
	char *tap;		/* libvirt's tap of its NIC, or NULL (not a domain, or not known) */
} vnet_doctor_guest;

/* What doctor knows of one forward. */
typedef struct vnet_doctor_forward {
	const vnet_forward *fwd;	/* borrowed from the intent */
	const vnet_target *target;	/* borrowed from the facts' targets */
	GPtrArray *want;		/* its element lines as they should be now (char *) */
	GPtrArray *peers;		/* "ADDRESS PORT" of the DNATed connections through it, or NULL */
	char *peers_error;
	/* The TCP connects of the app step; err 0 is success, -1 not tried. */
	char *guest_endpoint, *forward_endpoint;	/* "ADDRESS:PORT" */
	int guest_err, forward_err;
} vnet_doctor_forward;

/* Every fact one network's checks are judged from.  A NULL array: it could not be read (the _error says why). */
typedef struct vnet_doctor_facts {
	const vnet_intent *in;
	bool active;
	GPtrArray *links;		/* vnet_link_info * */
	char *links_error;
	GPtrArray *fdb;			/* vnet_fdb_entry * of the network's own bridge */
	char *fdb_error;
	GPtrArray *neigh;		/* vnet_neigh * (IPv4) on that bridge */
	char *neigh_error;
	GPtrArray *guests;		/* vnet_guest *, as guests.h reads them */
	GPtrArray *dguests;		/* vnet_doctor_guest *, one per guest */
	GPtrArray *targets;		/* vnet_target *, one per forward */
	GPtrArray *forwards;		/* vnet_doctor_forward *, one per forward */
	int ip_forward, ip6_forward;	/* 1, 0, or -1: unknown */
	int rp_filter_all, rp_filter_br;	/* 0, 1, 2, or -1: unknown */
	vnet_host *host;		/* addresses and routes, or NULL */
	char *host_error;
	bool dnsmasq_expected;		/* libvirt runs one for a network with addresses */
	gint64 dnsmasq_pid;		/* from its pid file; 0: no pid file */
	bool dnsmasq_alive;		/* that process exists and is dnsmasq */
	char *dnsmasq_pidfile;
	bool table_read;		/* whether the ruleset could be read */
	char *table_error;
	bool table_marker;		/* table inet vnetctl's layout marker */
	GPtrArray *missing_chains;	/* char *, our chains that are not there */
	GPtrArray *kernel_elems;	/* our table's element lines, or NULL */
	GPtrArray *base_want;		/* the network's own (not forwards') element lines */
	vnet_coexist_report *coexist;	/* or NULL (see table_error) */
	char *fw_zone;			/* the bridge's firewalld zone at runtime ("" none), NULL: no firewalld */
	/* ufw's per-forward rules: "ADDRESS PORT PROTO" accepted out on the bridge in ufw-user-forward */
	GPtrArray *ufw_forwards;
	GArray *sockets;		/* vnet_sock_info, or NULL */
	char *sockets_error;
	GHashTable *sock_owner;		/* inode (guint64 *) -> "COMMAND (pid N)" */
	/* An overlay network: what OVN has of it (its kernel side is ovn-controller's), or why NB did not answer. */
	vnet_ovn_status *ovn;
	char *ovn_error;
	/* An Open vSwitch bridge: why OVSDB did not answer (its ports are in links, see doctor.c), or NULL. */
	char *ovs_error;
	/*
	 * A guarded Open vSwitch network: the guest ports of its bridge with no
	 * flow of the guard's (char *; NULL: not read), or why ovs-vswitchd did
	 * not give the flows.
	 */
	GPtrArray *ovs_unguarded;
	char *of_error;
} vnet_doctor_facts;

/* Empty facts of @in (borrowed: it outlives them), every array allocated and empty. */
vnet_doctor_facts *vnet_doctor_facts_new(const vnet_intent *in);
void vnet_doctor_facts_free(vnet_doctor_facts *f);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(vnet_doctor_facts, vnet_doctor_facts_free)

/* A vnet_doctor_guest of @g for the facts' dguests (tap copied). */
vnet_doctor_guest *vnet_doctor_guest_new(const vnet_guest *g, bool running, const char *tap);
/* A vnet_doctor_forward, nothing tried yet. */
vnet_doctor_forward *vnet_doctor_forward_new(const vnet_forward *fwd, const vnet_target *target);

/*
 * Read the facts of @in (its networks running or not: @active) on this host.
 * Fails only when the connection is not to this host; a fact that cannot be
 * read is kept as its error, and judged as a failed check.
 */
vnet_doctor_facts *vnet_doctor_gather(vnet_ctx *ctx, const vnet_intent *in, bool active, GError **error);

/* The checks (vnet_doctor_check *) of @f, layer by layer: network, guests, forwards. */
GPtrArray *vnet_doctor_judge(const vnet_doctor_facts *f);

void vnet_doctor_check_free(vnet_doctor_check *c);

#endif
