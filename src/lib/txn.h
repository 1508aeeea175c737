/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * txn: the one transaction engine every change runs through (create,
 * apply, delete, forward, attach/detach, restore, confirm/revert, both
 * hooks).  A transaction is a list of steps, plain data that the planner
 * makes; a backend (vnet_txn_ops) prepares each one (reads what it needs to
 * undo exactly what it will change, touching nothing), then runs it.
 *
 * Before a step runs, the undo records of every step begun so far are
 * written to a journal, so a command killed at any call leaves a record
 * that the next command rolls back before it plans its own (vnet_txn_recover).
 * A failing step and the done ones are undone in reverse; the first error
 * is the one reported, an undo that fails is added to it, and the journal
 * then keeps what is left so that the next command tries again.
 * SIGINT, SIGTERM and SIGHUP are held for the length of a transaction, so
 * that an interrupted command finishes or rolls back before it exits.
 */
#ifndef VNET_TXN_H
#define VNET_TXN_H

#include <stdbool.h>
#include <glib.h>

#include "model.h"

typedef enum vnet_step_kind {
	VNET_STEP_DEFINE,	/* name, xml, prev_xml (NULL: new network) */
	VNET_STEP_UNDEFINE,	/* name, prev_xml */
	VNET_STEP_START,	/* name, bridge */
	VNET_STEP_STOP,		/* name */
	VNET_STEP_AUTOSTART,	/* name, on */
	VNET_STEP_NFT,		/* old, new, old_guests, new_guests, exact */
	VNET_STEP_LOCALNET,	/* bridge, on */
	VNET_STEP_HAIRPIN,	/* bridge: every port */
	VNET_STEP_BRIDGE_CREATE, /* bridge, xml = MAC or NULL */
	VNET_STEP_BRIDGE_DELETE, /* bridge, xml = MAC or NULL */
	VNET_STEP_TAKEOVER,	/* bridge, intent (uplink and its saved state) */
	VNET_STEP_GIVEBACK,	/* bridge, intent */
	VNET_STEP_TABLE_DROP,	/* our table, when no network of ours is left */
	VNET_STEP_DHCP_HOST,	/* name, xml = <host/>, on = add, flags = libvirt's */
	VNET_STEP_DHCP_RANGE,	/* name, xml = new <range/>, prev_xml = old, live only */
	VNET_STEP_NIC,		/* domain, xml = <interface/>, on = attach, flags */
	VNET_STEP_PORT_HAIRPIN,	/* domain, xml = MAC: hairpin on that NIC's tap; no domain: on port bridge */
	VNET_STEP_REPLUG,	/* bridge, xml = taps, space-separated: back into the bridge */
	VNET_STEP_TABLE,	/* our table's chains, rules and sets as vnetctl makes them */
	VNET_STEP_ARM,		/* name, xml = token, prev_xml = the revert record: before a takeover */
	VNET_STEP_DOCKER,	/* xml = family ("ip", "ip6"), on = add: our DOCKER-USER rule (docker.h) */
	VNET_STEP_ZONE,		/* bridge, on = bind to firewalld zone vnetctl, off = unbind (firewalld.h);
				 * prev_xml = "RUNTIME\nPERMANENT", the zones before; created = firewalld reloaded */
	VNET_STEP_OVS_BRIDGE_CREATE, /* bridge, xml = MAC or NULL: an Open vSwitch bridge (ovsdb.h) */
	VNET_STEP_OVS_BRIDGE_DELETE, /* bridge, xml = MAC or NULL */
	VNET_STEP_OVS_PORT,	/* bridge, domain = the uplink, on = add as a trunk port, off = remove */
	VNET_STEP_OVS_GUARD,	/* name = the network (its cookie), bridge, new = the intent (NULL: no flows);
				 * undo = the network's flows before (openflow.h) */
	VNET_STEP_OVN_SWITCH,	/* name, new = the overlay intent, on = create; xml = its ports (ovn.h) */
	VNET_STEP_OVN_PORT,	/* name, new = the overlay intent, xml = the port, on = add, off = remove */
	VNET_STEP_OVN_LB,	/* name, new = the NAT overlay intent, prev_xml = the forwards before, one a line:
				 * its router's load balancers made those of new's forwards (undo: prev_xml's) */
	VNET_STEP_OVN_GATEWAY,	/* name, new = the NAT overlay intent, prev_xml = its gateway chassis before,
				 * space-separated: its router's external port's gateway chassis made new's
				 * (undo: prev_xml's) */
	VNET_STEP_PORTGROUP,	/* name, domain = the portgroup, xml = it as it becomes, prev_xml = as it was
				 * (either NULL: none); the running network's only, as the define has the rest */
	VNET_STEP_N_KINDS
} vnet_step_kind;

typedef struct vnet_step {
	vnet_step_kind kind;
	char *name;		/* libvirt network */
	char *bridge;
	char *domain;
	char *xml;
	char *prev_xml;
	bool on;
	unsigned flags;
	vnet_intent *old, *new;	/* NFT; TAKEOVER and GIVEBACK use new */
	GHashTable *old_guests, *new_guests;
	bool exact;		/* NFT: read the kernel first, undo exactly what differed */

	/*
	 * The undo record, filled by prepare (and by run where the change
	 * turned out other than planned); this is what the journal keeps.
	 */
	char *undo;		/* NFT: the nft commands that undo the step */
	char *gone;		/* NFT: forward elements that go, whose connections are flushed (not journaled) */
	bool created;		/* NFT: our table was made; START: the bridge was new */
	int prev;		/* AUTOSTART, LOCALNET: the value before; START: our table was there;
				 * UNDEFINE: autostart before; DOCKER: the rule's state before
				 * (vnet_docker_rule_state); -1 unknown */
	int prev_fwd[2];	/* START: IPv4, IPv6 forwarding before; -1 unknown */
	bool rejournal;		/* run changed the record: write it again */
} vnet_step;

vnet_step *vnet_step_new(GPtrArray *plan, vnet_step_kind kind, const char *name);
void vnet_step_free(vnet_step *s);
/* An array that owns its steps. */
GPtrArray *vnet_plan_new(void);
const char *vnet_step_kind_name(vnet_step_kind kind);

typedef struct vnet_txn_ops {
	/* Read what undo needs into the step's record; change nothing. */
	bool (*prepare)(void *backend, vnet_step *s, GError **error);
	bool (*run)(void *backend, vnet_step *s, GError **error);
	/* Undo from the record alone: it may run in another process after a crash. */
	bool (*undo)(void *backend, const vnet_step *s, GError **error);
	/* Whether a step that failed may have changed something (undo it too). */
	bool (*partial)(const vnet_step *s);
} vnet_txn_ops;

typedef struct vnet_txn {
	const vnet_txn_ops *ops;
	void *backend;
	const char *journal;	/* path, or NULL: roll back in memory only (the hooks) */
	const char *uri;	/* the libvirt URI the steps were made for */
	const char *what;	/* the command, for the journal and messages */
} vnet_txn;

/*
 * Run @plan; true when every step ran.  On failure the steps begun are
 * undone in reverse and @error holds the first error, with the undo
 * failures after it and what to run to repair them.
 */
bool vnet_txn_run(const vnet_txn *t, GPtrArray *plan, GError **error);

/*
 * Roll back a transaction that a killed vnetctl left in @t's journal, if
 * any.  @ret_what, if not NULL, gets the interrupted command (NULL if there
 * was none).  A journal made for another libvirt URI is refused.
 */
bool vnet_txn_recover(const vnet_txn *t, char **ret_what, GError **error);

/* Where the journal lives: $VNET_STATE_DIR/journal, by default /var/lib/vnetctl/journal. */
#define VNET_STATE_DEFAULT "/var/lib/vnetctl"
char *vnet_txn_journal_path(void);

/* Test builds only (--enable-test-faults): step N of every plan fails
 * when VNET_TEST_FAIL_STEP=N is set. */
#define VNET_TEST_FAIL_ENV "VNET_TEST_FAIL_STEP"

#endif
