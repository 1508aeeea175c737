/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The control plane: a connection to libvirt (any URI) plus the local host's
 * kernel (libnl, libnftables).  Intents live in the libvirt networks'
 * <metadata>.  Every change is one transaction of steps, each undoing
 * exactly what it changed: a failed step rolls back the earlier ones and the
 * first error is the one reported.  A journal (/var/lib/vnetctl/journal)
 * lets the next change roll back one that was killed half-way.  Changes
 * take a host-wide lock, so two processes never interleave, and hold
 * SIGINT, SIGTERM and SIGHUP until their transaction is done.  A program
 * that links libvnet should ignore SIGPIPE, as for libvirt, so that a lost
 * libvirtd is an error and not the end of the program.
 */
#ifndef VNET_CTX_H
#define VNET_CTX_H

#include <stdbool.h>
#include <glib.h>
#include <vnet/host.h>
#include <vnet/intent.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct vnet_ctx vnet_ctx;

/**
 * vnet_ctx_new() - connect to libvirt
 * @uri: a libvirt URI such as "qemu:///system", or NULL for libvirt's default
 * @error: return location for a GError
 *
 * libvnet leaves the program's libvirt error handler (virSetErrorFunc())
 * alone: its own connection reports to nobody, every failure on it comes
 * back as the GError of the call.  Only a failure to connect at all, which
 * has no connection yet, also reaches the program's handler, or libvirt's
 * default one that prints it on stderr when the program set none.
 *
 * Return: the context, or NULL if libvirtd cannot be reached.
 */
vnet_ctx *vnet_ctx_new(const char *uri, GError **error);

/**
 * vnet_ctx_new_offline() - a context without libvirt, for planning only
 * @error: return location for a GError
 *
 * It reads this host's kernel (read-only) and knows no libvirt networks;
 * vnet_ctx_apply() works with VNET_APPLY_DRY_RUN only.
 *
 * Return: the context, or NULL on failure.
 */
vnet_ctx *vnet_ctx_new_offline(GError **error);

/** vnet_ctx_free() - disconnect and free, NULL is fine */
void vnet_ctx_free(vnet_ctx *ctx);

/**
 * vnet_ctx_set_confirm_timeout() - how long an uplink takeover waits for
 * vnet_ctx_confirm() before it is reverted (default 120 seconds)
 * @ctx: the context
 * @seconds: the timeout; 0: a takeover never waits (--no-confirm)
 *
 * The library arms the revert itself, before the uplink moves: a program
 * that links libvnet gets the same safety net as vnetctl.
 */
void vnet_ctx_set_confirm_timeout(vnet_ctx *ctx, guint seconds);

/**
 * vnet_ctx_set_session_address() - the local address a remote admin's
 * session comes in on (the third field of SSH_CONNECTION)
 * @ctx: the context
 * @addr: the address, or NULL
 *
 * A takeover of the uplink that carries this address could cut the session
 * off, so it waits for confirmation, as one of the default route does.
 */
void vnet_ctx_set_session_address(vnet_ctx *ctx, const char *addr);

/**
 * vnet_ctx_add_session_port() - a local listener port an admin's session may
 * come to (default: 22, sshd)
 * @ctx: the context
 * @port: the port
 *
 * An uplink takeover waits for confirmation when an established TCP
 * connection reaches one of these ports through the uplink's addresses
 * (read through netlink, whatever the environment says: sudo drops
 * SSH_CONNECTION), as when the uplink carries the default route.
 */
void vnet_ctx_add_session_port(vnet_ctx *ctx, guint16 port);

/**
 * vnet_ctx_read_host() - what exists: links, addresses and routes (libnl),
 * listening sockets, libvirt networks and the intents vnetctl manages
 * @ctx: the context
 * @error: return location for a GError
 *
 * Return: the facts, or NULL on failure.
 */
vnet_host *vnet_ctx_read_host(vnet_ctx *ctx, GError **error);

/**
 * enum vnet_apply_flags - how vnet_ctx_apply() works
 * @VNET_APPLY_FORCE: allow forwards of ports a local process listens on
 * @VNET_APPLY_DRY_RUN: plan only; change nothing
 * @VNET_APPLY_CREATE: refuse if a network of that name exists (create, not converge)
 */
typedef enum vnet_apply_flags {
	VNET_APPLY_FORCE = 1 << 0,
	VNET_APPLY_DRY_RUN = 1 << 1,
	VNET_APPLY_CREATE = 1 << 2,
} vnet_apply_flags;

/**
 * vnet_ctx_apply() - create a network or converge an existing one to @intent
 * @ctx: the context
 * @intent: the intent; completed in place (name, subnet, bridge chosen)
 * @flags: vnet_apply_flags
 * @ret_plan: if not NULL, the steps (and nftables commands), one per line
 * @ret_changed: if not NULL, whether anything had to change
 * @error: return location for a GError
 *
 * Return: true on success; on failure everything done is undone.
 */
bool vnet_ctx_apply(vnet_ctx *ctx, vnet_intent *intent, unsigned flags,
		    char **ret_plan, bool *ret_changed, GError **error);

/**
 * vnet_ctx_delete() - stop and remove a managed network and all its rules
 * @ctx: the context
 * @name: the intent's name
 * @error: return location for a GError
 *
 * Return: true on success.
 */
bool vnet_ctx_delete(vnet_ctx *ctx, const char *name, GError **error);

/**
 * vnet_ctx_list() - the intents vnetctl manages on this connection
 * @ctx: the context
 * @error: return location for a GError
 *
 * Return: an array of vnet_intent *, sorted by name, or NULL on failure.
 */
GPtrArray *vnet_ctx_list(vnet_ctx *ctx, GError **error);

/**
 * vnet_ctx_list_unreadable() - libvirt networks whose vnetctl metadata
 * cannot be read (edited by hand, or written by something else)
 * @ctx: the context
 * @error: return location for a GError
 *
 * vnet_ctx_list() leaves them out and every other command goes on beside
 * them; vnet_ctx_delete() removes one by its name anyway.
 *
 * Return: network name -> why it cannot be read (both strings), or NULL on failure.
 */
GHashTable *vnet_ctx_list_unreadable(vnet_ctx *ctx, GError **error);

/**
 * vnet_ctx_get() - one managed intent, read back from libvirt
 * @ctx: the context
 * @name: its name
 * @ret_active: if not NULL, whether its libvirt network(s) run
 * @error: return location for a GError (VNET_ERROR_NOT_FOUND if unknown)
 *
 * Return: the intent or NULL.
 */
vnet_intent *vnet_ctx_get(vnet_ctx *ctx, const char *name, bool *ret_active, GError **error);

/**
 * vnet_ctx_is_active() - whether the libvirt network(s) of @intent run
 * @ctx: the context
 * @intent: an intent, as vnet_ctx_list() returns them
 *
 * Return: true if its (NAT or only) network is active.
 */
bool vnet_ctx_is_active(vnet_ctx *ctx, const vnet_intent *intent);

/**
 * vnet_ctx_guests() - the guests on a managed network's (NAT) bridge
 * @ctx: the context
 * @name: the intent's name
 * @error: return location for a GError
 *
 * A guest is a MAC on the network: a running domain's NIC, a DHCP
 * reservation, or a current lease (libvirt's dnsmasq status file).
 *
 * Return: an array of vnet_guest *, or NULL on failure.
 */
typedef struct vnet_guest vnet_guest;
GPtrArray *vnet_ctx_guests(vnet_ctx *ctx, const char *name, GError **error);
/** vnet_guest_get_mac() - the guest's MAC address, lower case */
const char *vnet_guest_get_mac(const vnet_guest *g);
/** vnet_guest_get_domain() - the libvirt domain it belongs to, or NULL if unknown */
const char *vnet_guest_get_domain(const vnet_guest *g);
/** vnet_guest_get_address() - its IPv4 address, or NULL if it has none yet */
const char *vnet_guest_get_address(const vnet_guest *g);
/** vnet_guest_get_source() - where the address comes from: "reservation", "lease" or "none" */
const char *vnet_guest_get_source(const vnet_guest *g);

/**
 * vnet_ctx_targets() - where each forward of a managed network points now
 * @ctx: the context
 * @name: the intent's name
 * @error: return location for a GError
 *
 * A forward's target is its explicit address; for a domain name, that
 * domain's reservation, else its lease; for a forward without a guest, the
 * guest that holds the default guest address by reservation, else the only
 * guest, else (no guest seen yet) the default guest address itself; with
 * several guests and none reserved it points nowhere, and says why.
 *
 * Return: an array of vnet_target *, one per forward in the intent's order, or NULL.
 */
typedef struct vnet_target vnet_target;
GPtrArray *vnet_ctx_targets(vnet_ctx *ctx, const char *name, GError **error);
/** vnet_target_get_forward() - the forward, in canonical spec form */
const char *vnet_target_get_forward(const vnet_target *t);
/** vnet_target_get_address() - the address it reaches, or NULL: nowhere */
const char *vnet_target_get_address(const vnet_target *t);
/** vnet_target_get_guest() - the domain at that address, or NULL if unknown */
const char *vnet_target_get_guest(const vnet_target *t);
/**
 * vnet_target_get_how() - how it was resolved: "address", "reservation",
 * "lease", "default guest", "only guest", "default address" or "nowhere"
 */
const char *vnet_target_get_how(const vnet_target *t);
/** vnet_target_get_problem() - why it points nowhere, a sentence; NULL otherwise */
const char *vnet_target_get_problem(const vnet_target *t);

/**
 * vnet_ctx_forward_target() - where one forward would point on a managed network now
 * @ctx: the context
 * @name: the intent's name
 * @spec: the forward, as vnet_ctx_forward_add() takes it
 * @error: return location for a GError
 *
 * The target vnet_ctx_targets() gives the forward @spec on network @name,
 * whether the network has that forward yet or not: after a forward add,
 * whether it reaches anyone, without resolving the other forwards (a
 * network may hold 65,535).
 *
 * Return: the target (free it with vnet_target_free()), or NULL.
 */
vnet_target *vnet_ctx_forward_target(vnet_ctx *ctx, const char *name, const char *spec, GError **error);
/** vnet_target_free() - free a target of vnet_ctx_forward_target() */
void vnet_target_free(vnet_target *t);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(vnet_target, vnet_target_free)

/**
 * vnet_ctx_forward_add() - add one forward to a managed network
 * @ctx: the context
 * @name: the intent's name
 * @spec: the forward spec, as vnet_intent_add_forward() takes it
 * @flags: VNET_APPLY_FORCE allows a port a local process listens on
 * @error: return location for a GError
 *
 * Only the forward's elements change; nothing else is rebuilt.
 *
 * Return: true on success.
 */
bool vnet_ctx_forward_add(vnet_ctx *ctx, const char *name, const char *spec, unsigned flags,
			  GError **error);

/**
 * vnet_ctx_forward_remove() - remove one forward of a managed network
 * @ctx: the context
 * @name: the intent's name
 * @spec: a spec of the same host address, ports and protocol
 * @error: return location for a GError (VNET_ERROR_NOT_FOUND if it has none)
 *
 * Only the forward's elements go, and the connections through them.
 *
 * Return: true on success.
 */
bool vnet_ctx_forward_remove(vnet_ctx *ctx, const char *name, const char *spec, GError **error);

/**
 * vnet_ctx_restore() - re-apply the rules of every active managed network
 * @ctx: the context
 * @ret_count: if not NULL, how many networks were restored
 * @error: return location for a GError
 *
 * Return: true on success.
 */
bool vnet_ctx_restore(vnet_ctx *ctx, guint *ret_count, GError **error);

/**
 * vnet_ctx_confirm() - keep an uplink takeover that waits for confirmation
 * @ctx: the context
 * @name: the intent's name
 * @error: return location for a GError (VNET_ERROR_INVALID if nothing waits)
 *
 * Return: true on success.
 */
bool vnet_ctx_confirm(vnet_ctx *ctx, const char *name, GError **error);

/**
 * vnet_ctx_revert() - undo an uplink takeover that was not confirmed in time
 * @ctx: the context
 * @name: the intent's name
 * @token: the takeover's token (what its timer passes), or NULL for whatever waits
 * @ret_reverted: if not NULL, whether anything was reverted
 * @error: return location for a GError
 *
 * A takeover that was confirmed, or another takeover than @token's, is left
 * alone.  One still waiting is undone as its record says: a network that did
 * not exist before is deleted (the uplink gets its addresses and routes
 * back); one that an apply changed gets its previous definition back.  A
 * network that cannot be read is an error, never "nothing to revert".
 *
 * Return: true on success.
 */
bool vnet_ctx_revert(vnet_ctx *ctx, const char *name, const char *token, bool *ret_reverted,
		     GError **error);

/**
 * vnet_attach_check_args() - check attach's arguments, needing no connection
 * @domain: the libvirt domain's name
 * @mac: a MAC address such as "52:54:00:12:34:56", or NULL
 * @ip: one IPv4 address to reserve, or NULL
 * @error: return location for a GError (VNET_ERROR_INVALID)
 *
 * vnet_ctx_attach() checks the same first; a tool may call this to refuse
 * bad input before it connects.
 *
 * Return: true if all are well-formed.
 */
bool vnet_attach_check_args(const char *domain, const char *mac, const char *ip, GError **error);

/**
 * vnet_ctx_attach() - give a libvirt domain a NIC on a managed network
 * @ctx: the context
 * @name: the intent's name
 * @domain: the libvirt domain (defined or running)
 * @mac: the NIC's MAC address, or NULL for a free random 52:54:00:xx:xx:xx
 * @ip: an IPv4 address of the subnet to reserve for the guest, or NULL
 * @error: return location for a GError
 *
 * Adds <interface type='network'> to the domain's persistent definition and,
 * while it runs, live; a hybrid intent gives one NIC on each of its two
 * networks (@mac is the NAT half's).  With @ip, or when no DHCP host entry
 * holds the network's default guest address yet (the first guest of a NAT
 * network), a DHCP host entry reserves the address for the NIC, so forwards
 * without a guest address reach it.  Bridged networks take no @ip: the
 * LAN's DHCP server decides.  On a running guest, hairpin is set on the new
 * tap of a NAT bridge.  Nothing changes when a check fails; a failing step
 * undoes the earlier ones.
 *
 * Return: true on success.
 */
bool vnet_ctx_attach(vnet_ctx *ctx, const char *name, const char *domain, const char *mac,
		     const char *ip, GError **error);

/**
 * vnet_ctx_detach() - remove a domain's NICs on a managed network
 * @ctx: the context
 * @name: the intent's name
 * @domain: the libvirt domain
 * @error: return location for a GError (VNET_ERROR_NOT_FOUND if it has none)
 *
 * Removes the domain's interfaces on the intent's network(s), from the
 * persistent definition and live, and the DHCP host entries of their MAC
 * addresses.  A running guest's PCI unplug needs its OS to let go of the
 * NIC; libvirt waits a few seconds for it and otherwise leaves the NIC to
 * go when the guest releases it or stops.
 *
 * Return: true on success.
 */
bool vnet_ctx_detach(vnet_ctx *ctx, const char *name, const char *domain, GError **error);

/**
 * enum vnet_notice_kind - what a notice of vnet_ctx_take_notices() says
 * @VNET_NOTICE_CHANGED: vnetctl changed one of the two places of another
 *	tool's firewall it manages (Docker's DOCKER-USER chain, a firewalld
 *	zone) so that its networks work
 * @VNET_NOTICE_BLOCKED: another tool's firewall blocks a network's traffic
 *	and vnetctl changed nothing there; the commands let it through
 * @VNET_NOTICE_WARNING: something vnetctl cannot see through or that will
 *	undo its rules (iptables-legacy tables, an nftables.conf that flushes
 *	the ruleset); nothing to run, but worth knowing
 */
typedef enum vnet_notice_kind {
	VNET_NOTICE_CHANGED,
	VNET_NOTICE_BLOCKED,
	VNET_NOTICE_WARNING,
} vnet_notice_kind;

typedef struct vnet_notice vnet_notice;

/**
 * vnet_ctx_take_notices() - what the last operation did about, or found in,
 * other tools' firewalls (Docker, firewalld, ufw, an admin's own table)
 * @ctx: the context
 *
 * vnet_ctx_apply(), vnet_ctx_restore() and vnet_ctx_delete() leave them;
 * a program shows them as it likes (vnetctl prints a changed notice's
 * message as a line, a blocked one as a warning block with its commands).
 *
 * Return: an array of vnet_notice * that the caller owns (it frees them),
 * possibly empty; the context keeps none.
 */
GPtrArray *vnet_ctx_take_notices(vnet_ctx *ctx);

/** vnet_notice_get_kind() - changed or blocked */
vnet_notice_kind vnet_notice_get_kind(const vnet_notice *n);
/** vnet_notice_get_message() - one or two whole translated sentences */
const char *vnet_notice_get_message(const vnet_notice *n);
/** vnet_notice_get_owner() - "docker", "firewalld", "ufw" or "unknown" */
const char *vnet_notice_get_owner(const vnet_notice *n);
/** vnet_notice_get_family() - the chain's table family ("ip", "ip6", "inet"), or NULL */
const char *vnet_notice_get_family(const vnet_notice *n);
/** vnet_notice_get_table() - the chain's table, or NULL (a firewalld zone) */
const char *vnet_notice_get_table(const vnet_notice *n);
/** vnet_notice_get_chain() - the chain, or NULL */
const char *vnet_notice_get_chain(const vnet_notice *n);
/** vnet_notice_get_network() - the network it concerns, or NULL for all of vnetctl's */
const char *vnet_notice_get_network(const vnet_notice *n);
/**
 * vnet_notice_get_blocked() - what is blocked, as stable words: "guest-out"
 * (new connections from the guests), "guest-reply" (replies to them),
 * "guest-forwarded" (port forwards into the network), "host-dhcp",
 * "host-dns" (the guests' DHCP and DNS to the host); empty for a change
 */
const char *const *vnet_notice_get_blocked(const vnet_notice *n);
/** vnet_notice_get_commands() - the commands that fix it, each starting with its program; may be empty */
const char *const *vnet_notice_get_commands(const vnet_notice *n);
/** vnet_notice_free() - free a notice, NULL is fine */
void vnet_notice_free(vnet_notice *n);

/**
 * vnet_trace_check_args() - check trace's arguments, needing no connection
 * @spec: the forward, as `forward add` takes it ("8080:80", "8080:80/udp"),
 *        or NULL to check @seconds alone
 * @seconds: how long to trace, as typed ("30"), or NULL for the default (30)
 * @ret_seconds: if not NULL, the seconds, 1 to 86400
 * @error: return location for a GError (VNET_ERROR_INVALID)
 *
 * A tool may refuse bad input with it before it connects (vnetctl's usage
 * errors, exit status 2, come from it).
 *
 * Return: true if both are well-formed.
 */
bool vnet_trace_check_args(const char *spec, const char *seconds, guint *ret_seconds, GError **error);

/** One thing a traced packet met: a rule that matched, a policy, or a return. */
typedef struct vnet_trace_event vnet_trace_event;
/**
 * vnet_trace_event_get_connection() - which connection of this trace the
 * packet opens, counted from 1: events of one connection share it
 */
guint vnet_trace_event_get_connection(const vnet_trace_event *e);
/**
 * vnet_trace_event_get_attempt() - 1 for the connection's first packet; 2,
 * 3, ... when it is sent again (a TCP SYN nothing answered, from the same
 * address and port)
 */
guint vnet_trace_event_get_attempt(const vnet_trace_event *e);
/** vnet_trace_event_get_family() - the table's family: "ip", "ip6", "inet", "bridge", "netdev", "arp" */
const char *vnet_trace_event_get_family(const vnet_trace_event *e);
/** vnet_trace_event_get_table() - the table's name */
const char *vnet_trace_event_get_table(const vnet_trace_event *e);
/** vnet_trace_event_get_chain() - the chain's name */
const char *vnet_trace_event_get_chain(const vnet_trace_event *e);
/** vnet_trace_event_get_hook() - the base chain's hook ("forward"), or NULL for a regular chain */
const char *vnet_trace_event_get_hook(const vnet_trace_event *e);
/**
 * vnet_trace_event_get_rule() - the rule that matched, as nft prints it
 * ("handle N" if it is gone from the ruleset), or NULL for a chain's policy
 * and for the end of a regular chain
 */
const char *vnet_trace_event_get_rule(const vnet_trace_event *e);
/** vnet_trace_event_is_policy() - whether the chain's policy decided (rule is NULL) */
bool vnet_trace_event_is_policy(const vnet_trace_event *e);
/**
 * vnet_trace_event_get_verdict() - "accept", "drop", "continue" (a rule
 * that matched without deciding), "jump", "goto", "return", "queue",
 * "stolen" or "repeat"
 */
const char *vnet_trace_event_get_verdict(const vnet_trace_event *e);
/** vnet_trace_event_get_target() - the chain of a "jump" or "goto", else NULL */
const char *vnet_trace_event_get_target(const vnet_trace_event *e);
/**
 * vnet_trace_event_get_packet() - the packet as that chain saw it ("tcp
 * 192.0.2.2:40000 -> 192.0.2.1:8080"; after a DNAT, its new destination),
 * or NULL if the kernel sent no headers
 */
const char *vnet_trace_event_get_packet(const vnet_trace_event *e);

/**
 * vnet_trace_func - called for each event, in the order the kernel sends them
 * @event: the event, valid during the call
 * @user_data: what vnet_ctx_trace() was given
 *
 * Return: true to go on, false to end the trace now.
 */
typedef bool (*vnet_trace_func)(const vnet_trace_event *event, void *user_data);

/**
 * vnet_ctx_trace() - which table, chain and rule each new connection to a
 * forward meets (nftrace), for @seconds
 * @ctx: the context, local
 * @name: the intent's name
 * @spec: one of its forwards (its host address, ports and protocol count)
 * @seconds: how long; 0 is invalid
 * @func: called for each event of a traced packet
 * @user_data: passed to @func
 * @error: return location for a GError
 *
 * Adds two base chains to table inet vnetctl (hooks prerouting and output,
 * priority -310) that set nftrace on the first packet of each new
 * connection to the forward (a TCP SYN; for UDP and SCTP every packet to its
 * port), listens for the kernel's trace events and reports those of these
 * packets, with each rule's text read back from the ruleset.  The chains go
 * when the trace ends: after @seconds, when @func returns false, or on
 * SIGINT, SIGTERM or SIGHUP, which are held for its length and consumed (the
 * trace then ends normally).  A trace killed otherwise leaves its chains;
 * the next trace or vnet_ctx_restore() removes them.  Nothing else changes.
 *
 * Return: true when it ran, false on a refusal (unknown network or forward,
 * a remote connection) or a failure.
 */
bool vnet_ctx_trace(vnet_ctx *ctx, const char *name, const char *spec, guint seconds,
		    vnet_trace_func func, void *user_data, GError **error);

/**
 * enum vnet_attach_flags - how vnet_ctx_attach_full() works
 * @VNET_ATTACH_FORCE: skip the probe for a machine that holds the address already
 * @VNET_ATTACH_TRUNK: vnet_ctx_attach_vlan() with @vlan 0: the NIC in the
 *	network's trunk portgroup, whose OVS port carries every VLAN of it
 */
typedef enum vnet_attach_flags {
	VNET_ATTACH_FORCE = 1 << 0,
	VNET_ATTACH_TRUNK = 1 << 1,
} vnet_attach_flags;

/**
 * vnet_ctx_attach_full() - vnet_ctx_attach(), probing the address first
 * @ctx: the context
 * @name: the intent's name
 * @domain: the libvirt domain (defined or running)
 * @mac: the NIC's MAC address, or NULL for a free random one
 * @ip: the guest's IPv4 or IPv6 address, or NULL
 * @flags: vnet_attach_flags
 * @error: return location for a GError
 *
 * An IPv4 @ip in the subnet of a network of vnetctl's own DHCP is reserved
 * as vnet_ctx_attach() does.  On a bridged network, or a hybrid's LAN half
 * (an @ip outside its NAT subnet), and for IPv6 (no DHCPv6 here), @ip is
 * recorded as the guest's static address instead, with the NIC's MAC, in
 * the intent's <metadata> (see vnet_intent_get_static_addr()); detach
 * drops it.  Unless @flags has VNET_ATTACH_FORCE, @ip is first probed on
 * the bridge of its segment from this host (RFC 5227 ARP probes, IPv6
 * duplicate address detection; about two seconds): if any MAC but the NIC's
 * own answers, the attach is refused (VNET_ERROR_CONFLICT) naming the
 * address and that MAC, with nothing changed.  Over a remote URI nothing
 * can be probed from here: refused unless forced.
 *
 * Return: true on success.
 */
bool vnet_ctx_attach_full(vnet_ctx *ctx, const char *name, const char *domain, const char *mac,
			  const char *ip, unsigned flags, GError **error);

/** vnet_intent_get_n_static_addrs() - how many static guest addresses attach recorded */
guint vnet_intent_get_n_static_addrs(const vnet_intent *intent);

/**
 * vnet_intent_get_static_addr() - a guest's static address, recorded by attach
 * @intent: the intent
 * @i: below vnet_intent_get_n_static_addrs()
 * @ret_mac: if not NULL, the NIC's MAC address (lower case)
 * @ret_domain: if not NULL, the libvirt domain
 *
 * Return: the address (IPv4 or IPv6, canonical), or NULL if @i is out of range.
 */
const char *vnet_intent_get_static_addr(const vnet_intent *intent, guint i, const char **ret_mac,
					const char **ret_domain);

/**
 * vnet_intent_get_static_addr_vlan() - the VLAN a guest's static address is used on
 * @intent: the intent
 * @i: below vnet_intent_get_n_static_addrs()
 *
 * On an Open vSwitch network, a NIC attached with a VLAN (vnet_ctx_attach_vlan())
 * has its static address on that VLAN: the same address may be another
 * guest's on another VLAN.
 *
 * Return: the VLAN ID (1-4094), or 0 for untagged (or @i out of range).
 */
guint vnet_intent_get_static_addr_vlan(const vnet_intent *intent, guint i);

/*
 * scan: who answers on a managed network's segment.
 */
typedef struct vnet_scan vnet_scan;
typedef struct vnet_scan_conflict vnet_scan_conflict;

/**
 * typedef vnet_scan_progress - how far a scan is, a few times a second
 * @done: probes sent
 * @total: probes to send
 * @user_data: the caller's
 */
typedef void (*vnet_scan_progress)(guint64 done, guint64 total, void *user_data);

/**
 * vnet_scan_check_range() - check a scan's range, needing no connection
 * @range: an IPv4 network with its prefix, such as "192.0.2.0/24", or NULL
 * @error: return location for a GError (VNET_ERROR_INVALID)
 *
 * A tool may refuse bad input with it before it connects, as vnetctl does.
 *
 * Return: true if @range is an IPv4 network no larger than a /16.
 */
bool vnet_scan_check_range(const char *range, GError **error);

/**
 * vnet_ctx_scan() - ARP-sweep a managed network's IPv4 segment from this host
 * @ctx: the context (local: the probes leave from this host)
 * @name: the intent's name
 * @range: the part of the subnet to sweep, or NULL for all of it
 * @progress: called as the sweep goes, or NULL
 * @user_data: for @progress
 * @error: return location for a GError
 *
 * The segment is the network's own bridge and IPv4 subnet; for a bridged
 * network the bridge and the LAN's subnet, as the host's address on the
 * bridge says (without one, @range is needed); for hybrid the NAT half, or
 * the LAN half when @range lies outside the NAT subnet.  Every address but
 * the subnet's network and broadcast addresses gets one RFC 5227 probe (no
 * neighbour cache learns from it), at most 256 a second: a /16 takes about
 * four and a half minutes.  A larger subnet is refused (VNET_ERROR_INVALID)
 * unless @range narrows it, as is a @range outside the subnet.
 *
 * Return: the result, or NULL on failure.
 */
vnet_scan *vnet_ctx_scan(vnet_ctx *ctx, const char *name, const char *range, vnet_scan_progress progress,
			 void *user_data, GError **error);
/**
 * vnet_ctx_scan_vlan() - vnet_ctx_scan() on one VLAN of an Open vSwitch network
 * @ctx: the context
 * @name: the network
 * @range: the IPv4 range to probe, needed when @vlan is not 0 (the host holds
 *	no address on a VLAN that would tell its subnet)
 * @vlan: a VLAN of the intent (vnet_intent_add_vlan()); 0 is vnet_ctx_scan()
 * @progress: as for vnet_ctx_scan(), or NULL
 * @user_data: passed to @progress
 * @error: return location for a GError
 *
 * The probes are 802.1Q-tagged frames from the bridge's own port, and only
 * answers on @vlan count; the static addresses recorded on @vlan are the
 * reservations that answers are checked against.
 *
 * Return: the scan, or NULL on failure (VNET_ERROR_INVALID: a VLAN the
 * network lacks, no @range, a bad @range).
 */
vnet_scan *vnet_ctx_scan_vlan(vnet_ctx *ctx, const char *name, const char *range, guint vlan,
			      vnet_scan_progress progress, void *user_data, GError **error);

/** vnet_scan_free() - free a scan's result, NULL is fine */
void vnet_scan_free(vnet_scan *s);
/** vnet_scan_get_bridge() - the bridge the probes went out on */
const char *vnet_scan_get_bridge(const vnet_scan *s);
/** vnet_scan_get_range() - the range swept, "192.0.2.0/24" */
const char *vnet_scan_get_range(const vnet_scan *s);
/** vnet_scan_get_n_probed() - how many addresses were probed */
guint64 vnet_scan_get_n_probed(const vnet_scan *s);
/** vnet_scan_get_n_answers() - how many addresses someone answered (or used) */
guint vnet_scan_get_n_answers(const vnet_scan *s);
/**
 * vnet_scan_get_answer() - an address that was answered, in address order
 * @s: the result
 * @i: below vnet_scan_get_n_answers()
 * @ret_macs: if not NULL, the MACs that claimed it, sorted, NULL-terminated
 *
 * Return: the address, or NULL if @i is out of range.
 */
const char *vnet_scan_get_answer(const vnet_scan *s, guint i, const char *const **ret_macs);
/** vnet_scan_get_n_conflicts() - how many conflicts the scan found; 0: the segment is clean */
guint vnet_scan_get_n_conflicts(const vnet_scan *s);
/** vnet_scan_get_conflict() - conflict number @i, or NULL */
const vnet_scan_conflict *vnet_scan_get_conflict(const vnet_scan *s, guint i);
/**
 * vnet_scan_conflict_get_kind() - "duplicate" (more than one MAC answers the
 * address), "guest" (a guest's MAC answers for an address reserved to
 * another) or "foreign" (a MAC that is no guest's answers for a reserved address)
 */
const char *vnet_scan_conflict_get_kind(const vnet_scan_conflict *c);
/** vnet_scan_conflict_get_address() - the address */
const char *vnet_scan_conflict_get_address(const vnet_scan_conflict *c);
/** vnet_scan_conflict_get_macs() - the MACs that answered wrongly, NULL-terminated */
const char *const *vnet_scan_conflict_get_macs(const vnet_scan_conflict *c);
/** vnet_scan_conflict_get_owner_mac() - whose the address is (its reservation's MAC), or NULL */
const char *vnet_scan_conflict_get_owner_mac(const vnet_scan_conflict *c);
/** vnet_scan_conflict_get_owner_domain() - the owner's domain, or NULL */
const char *vnet_scan_conflict_get_owner_domain(const vnet_scan_conflict *c);
/** vnet_scan_conflict_get_problem() - the conflict as a sentence */
const char *vnet_scan_conflict_get_problem(const vnet_scan_conflict *c);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(vnet_scan, vnet_scan_free)

/**
 * enum vnet_doctor_layer - the five steps of connectivity diagnosis, bottom up
 * @VNET_DOCTOR_LINK: bridge, uplink, the guests' ports (STP state, MTU)
 * @VNET_DOCTOR_L2: the guests' MACs on the bridge, neighbour entries, two MACs for one address
 * @VNET_DOCTOR_L3: forwarding, gateway address, DHCP, dnsmasq, overlapping routes, rp_filter
 * @VNET_DOCTOR_L4: table inet vnetctl, the forwards' elements, foreign drops, listeners, conntrack
 * @VNET_DOCTOR_APP: TCP connections from the host to the guests and through the forwards
 */
typedef enum vnet_doctor_layer {
	VNET_DOCTOR_LINK,
	VNET_DOCTOR_L2,
	VNET_DOCTOR_L3,
	VNET_DOCTOR_L4,
	VNET_DOCTOR_APP,
} vnet_doctor_layer;

/**
 * vnet_doctor_layer_name() - "link", "L2", "L3", "L4" or "app": stable words
 * @layer: the layer
 *
 * Return: the layer's name.
 */
const char *vnet_doctor_layer_name(vnet_doctor_layer layer);

typedef struct vnet_doctor_check vnet_doctor_check;

/**
 * vnet_ctx_doctor() - check, step by step, what a managed network's guests
 * and forwards need, and say what is wrong and how to fix it
 * @ctx: the context (of this host: doctor reads its kernel)
 * @name: the intent's name, or NULL for every managed network
 * @error: return location for a GError (VNET_ERROR_NOT_FOUND for an unknown name)
 *
 * Changes nothing on the host and takes no lock, so it runs beside a
 * change in progress.  Per network, guest and forward, each check is one
 * vnet_doctor_check, layer by layer.  The app step opens a TCP connection
 * (one second at most) to each TCP forward's guest and through the forward.
 * A fact that cannot be read (doctor not run as root) is a failed check
 * that says so, not an error.
 *
 * Return: an array of vnet_doctor_check *, or NULL on failure.
 */
GPtrArray *vnet_ctx_doctor(vnet_ctx *ctx, const char *name, GError **error);
/** vnet_doctor_check_get_layer() - the step the check belongs to */
vnet_doctor_layer vnet_doctor_check_get_layer(const vnet_doctor_check *c);
/** vnet_doctor_check_get_id() - what is checked, a stable word such as "bridge-up" or "element" */
const char *vnet_doctor_check_get_id(const vnet_doctor_check *c);
/** vnet_doctor_check_get_network() - the network's (intent's) name */
const char *vnet_doctor_check_get_network(const vnet_doctor_check *c);
/** vnet_doctor_check_get_guest() - the guest checked (its domain, else its MAC), or NULL */
const char *vnet_doctor_check_get_guest(const vnet_doctor_check *c);
/** vnet_doctor_check_get_forward() - the forward checked (canonical spec), or NULL */
const char *vnet_doctor_check_get_forward(const vnet_doctor_check *c);
/** vnet_doctor_check_get_ok() - whether what was checked is as it should be */
bool vnet_doctor_check_get_ok(const vnet_doctor_check *c);
/** vnet_doctor_check_get_what() - what was checked and found, a sentence */
const char *vnet_doctor_check_get_what(const vnet_doctor_check *c);
/**
 * vnet_doctor_check_get_fix() - for a failed check, what to do: a sentence
 * or commands, one per line, each starting with its program; NULL when ok
 */
const char *vnet_doctor_check_get_fix(const vnet_doctor_check *c);

/**
 * vnet_ctx_hold_reads() - read each network's definitions from libvirt once
 * @ctx: the context
 * @on: true to start holding what is read, false to forget it
 *
 * While on, vnet_ctx_get(), vnet_ctx_guests() and vnet_ctx_targets() ask
 * libvirt for a network's definitions and its guests' NICs once and answer
 * later calls from that read.  Turn it on around the reads of one command
 * (what `vnetctl show` prints) and off after them: what is held goes stale
 * as soon as anything changes.  Off by default.
 */
void vnet_ctx_hold_reads(vnet_ctx *ctx, bool on);

/**
 * vnet_ctx_guard_drops() - what the guard dropped on a network's guest ports
 * @ctx: the context
 * @name: the intent's name
 * @error: return location for a GError
 *
 * The kernel counts each frame the guard (see vnet_guard) drops by the
 * guest port it came in on and its source MAC; the counters go when the
 * last network is deleted.  On an Open vSwitch bridge (--switch ovs) the
 * counts are the packets of the guard's drop flows, by guest port alone,
 * read over OpenFlow.  Read from this host's kernel: empty when @ctx
 * talks to a remote libvirt, when the network is not guarded, or when
 * nothing was dropped.
 *
 * Return: an array of vnet_drops *, sorted by MAC, or NULL on failure.
 */
typedef struct vnet_drops vnet_drops;
GPtrArray *vnet_ctx_guard_drops(vnet_ctx *ctx, const char *name, GError **error);
/**
 * vnet_drops_get_mac() - the source MAC of the dropped frames, lower case;
 * NULL on an Open vSwitch bridge, whose guard flows count by port
 */
const char *vnet_drops_get_mac(const vnet_drops *d);
/** vnet_drops_get_port() - the guest port (bridge port) they came in on */
const char *vnet_drops_get_port(const vnet_drops *d);
/** vnet_drops_get_packets() - how many frames were dropped */
guint64 vnet_drops_get_packets(const vnet_drops *d);
/** vnet_drops_get_bytes() - their bytes */
guint64 vnet_drops_get_bytes(const vnet_drops *d);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(vnet_ctx, vnet_ctx_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(vnet_notice, vnet_notice_free)

/**
 * vnet_ctx_attach_vlan() - vnet_ctx_attach_full(), the NIC in a VLAN's portgroup
 * @ctx: the context
 * @name: the intent's name: a bridged network on Open vSwitch (--switch ovs)
 * @domain: the libvirt domain (defined or running)
 * @mac: the NIC's MAC address, or NULL for a free random one
 * @ip: the guest's address, or NULL, as for vnet_ctx_attach_full()
 * @flags: vnet_attach_flags
 * @vlan: a VLAN of the intent (vnet_intent_add_vlan()): the NIC goes in its
 *	portgroup "vlanID", whose OVS port libvirt tags with it; 0 for none
 * @error: return location for a GError
 *
 * Return: true on success; a @vlan the network has no portgroup for is
 * refused (VNET_ERROR_NOT_FOUND) with nothing changed.
 */
bool vnet_ctx_attach_vlan(vnet_ctx *ctx, const char *name, const char *domain, const char *mac,
			  const char *ip, unsigned flags, guint vlan, GError **error);

/**
 * vnet_guest_get_address6() - the IPv6 address reserved to its domain
 * @g: the guest
 *
 * On a network that serves DHCPv6, attach reserves the default IPv6 guest
 * address (or the IPv6 address given) to the domain's name, which its
 * DHCPv6 client sends as its host name; libvirt matches IPv6 reservations
 * by that name, never by MAC.
 *
 * Return: the address, canonical, or NULL if none is reserved.
 */
const char *vnet_guest_get_address6(const vnet_guest *g);

/**
 * vnet_ctx_ovn_status() - what OVN has of an overlay network: its guests'
 * logical ports, where they are bound, and the chassis with their tunnels
 * @ctx: the context
 * @name: the intent's name: an overlay network (--mode overlay)
 * @error: return location for a GError
 *
 * Reads the network's OVN northbound database (the logical switch and the
 * ports vnetctl made, each with ovn-northd's "up") and, when it answers,
 * the southbound one (the chassis each port is bound to, every chassis and
 * its tunnel endpoints, and how far each chassis' ovn-controller has
 * followed: its Chassis_Private nb_cfg against SB_Global's); changes
 * nothing, so a chassis that died since OVN's last change still looks
 * current (vnetctl doctor makes a change to find it).
 *
 * Return: the status to free with vnet_ovn_status_free(), or NULL when the
 * network is unknown, not an overlay network (VNET_ERROR_INVALID), or its
 * northbound database does not answer.
 */
typedef struct vnet_ovn_status vnet_ovn_status;
vnet_ovn_status *vnet_ctx_ovn_status(vnet_ctx *ctx, const char *name, GError **error);
/** vnet_ovn_status_free() - free what vnet_ctx_ovn_status() returned */
void vnet_ovn_status_free(vnet_ovn_status *st);
/** vnet_ovn_status_get_switch() - whether NB has the network's logical switch */
bool vnet_ovn_status_get_switch(const vnet_ovn_status *st);
/** vnet_ovn_status_get_sb() - whether the southbound database answered (else no bindings, no chassis) */
bool vnet_ovn_status_get_sb(const vnet_ovn_status *st);
/** vnet_ovn_status_get_sb_error() - why the southbound database did not answer, a sentence, or NULL */
const char *vnet_ovn_status_get_sb_error(const vnet_ovn_status *st);
/** vnet_ovn_status_get_n_ports() - how many logical ports of guests the switch has */
guint vnet_ovn_status_get_n_ports(const vnet_ovn_status *st);
/**
 * vnet_ovn_status_get_port() - a guest's logical port
 * @st: the status
 * @i: index below vnet_ovn_status_get_n_ports()
 * @ret_domain: if not NULL, the guest's domain (or NULL)
 * @ret_mac: if not NULL, its MAC
 * @ret_address: if not NULL, its IPv4 address
 *
 * Return: the port's name (the NIC's interfaceid), or NULL when @i is out of range.
 */
const char *vnet_ovn_status_get_port(const vnet_ovn_status *st, guint i, const char **ret_domain,
				     const char **ret_mac, const char **ret_address);
/**
 * vnet_ovn_status_get_port_up() - 1 when OVN has the port up, 0 down, -1 not known
 * @st: the status
 * @i: index below vnet_ovn_status_get_n_ports()
 *
 * Not known also when the port's chassis is behind (see
 * vnet_ovn_status_get_port_stale()): a killed ovn-controller leaves the port
 * "up" in OVN's databases.
 *
 * Return: 1, 0 or -1.
 */
int vnet_ovn_status_get_port_up(const vnet_ovn_status *st, guint i);
/**
 * vnet_ovn_status_get_port_stale() - whether the port's chassis stopped following OVN
 * @st: the status
 * @i: index below vnet_ovn_status_get_n_ports()
 *
 * Return: true when the chassis the port is bound to has applied less of
 * OVN's changes than the southbound database has (its Chassis_Private
 * nb_cfg is below SB_Global's): its ovn-controller is not running or
 * hangs, so the port's state is not known.
 */
bool vnet_ovn_status_get_port_stale(const vnet_ovn_status *st, guint i);
/** vnet_ovn_status_get_port_chassis() - the chassis the port is bound to, or NULL: none (or SB not read) */
const char *vnet_ovn_status_get_port_chassis(const vnet_ovn_status *st, guint i);
/** vnet_ovn_status_get_n_chassis() - how many chassis SB has */
guint vnet_ovn_status_get_n_chassis(const vnet_ovn_status *st);
/**
 * vnet_ovn_status_get_chassis() - a chassis, in the order of their names
 * @st: the status
 * @i: index below vnet_ovn_status_get_n_chassis()
 * @ret_encaps: if not NULL, its tunnel endpoints ("geneve 192.0.2.11",
 *	comma-separated), or NULL when it has none
 *
 * Return: its name (system-id), or NULL when @i is out of range.
 */
const char *vnet_ovn_status_get_chassis(const vnet_ovn_status *st, guint i, const char **ret_encaps);
/**
 * vnet_ovn_status_get_local_chassis() - this host's chassis
 *
 * Return: the chassis name of this host's Open vSwitch when the southbound
 * database lists it, else NULL (no local Open vSwitch, or not a chassis).
 */
const char *vnet_ovn_status_get_local_chassis(const vnet_ovn_status *st);
/**
 * vnet_ovn_status_get_chassis_tunnel() - the tunnel from this host to a chassis
 * @st: the status
 * @i: index below vnet_ovn_status_get_n_chassis()
 * @ret_iface: if not NULL, the tunnel's interface on this host, or NULL
 * @ret_bfd: if not NULL, its BFD state ("up", "down", ...), or NULL when
 *	BFD is not on for it (ovn-controller runs BFD towards gateway chassis)
 *
 * Return: 1 when this host's Open vSwitch has a tunnel to the chassis'
 * encapsulation address, 0 when it has none, -1 when not known (this host
 * is no chassis, or @i is this host's own).
 */
int vnet_ovn_status_get_chassis_tunnel(const vnet_ovn_status *st, guint i, const char **ret_iface,
				       const char **ret_bfd);
/**
 * vnet_ovn_status_get_chassis_behind() - whether a chassis follows OVN
 * @st: the status
 * @i: index below vnet_ovn_status_get_n_chassis()
 *
 * Return: 1 when its ovn-controller has applied less of OVN's changes
 * than the southbound database has (not running, or hanging), 0 when it
 * has them all, -1 when that is not known (no Chassis_Private row, or
 * @i out of range).
 */
int vnet_ovn_status_get_chassis_behind(const vnet_ovn_status *st, guint i);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(vnet_ovn_status, vnet_ovn_status_free)

#ifdef __cplusplus
}
#endif
#endif
