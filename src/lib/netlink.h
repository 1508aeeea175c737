/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * netlink: the host's kernel networking, read and changed through libnl
 * (and /proc for listening sockets and sysctls): links, addresses, routes
 * of every routing table, bridges, an uplink moved into a bridge and back,
 * and the bridge-port knobs forwards need: route_localnet on our own
 * bridges (never on "all"), so the host's localhost reaches a forward, and
 * hairpin on a port, so a guest reaches its own forward.  Nothing here runs
 * a program.
 */
#ifndef VNET_NETLINK_H
#define VNET_NETLINK_H

#include "model.h"

/* Add every link, address and unicast route (of every routing table but local) of this netns. */
bool vnet_link_read_host(vnet_host *host, GError **error);
/* Add every listening TCP socket and bound UDP socket (IPv4 and IPv6). */
bool vnet_link_read_listeners(vnet_host *host, GError **error);
/* Whether a link of that name exists now. */
bool vnet_link_exists(const char *name);


/* ---- bridges and uplinks (bridged and hybrid modes) ---- */

/* Create bridge @name, up, without STP; with @mac (or NULL for the kernel's). */
bool vnet_link_bridge_create(const char *name, const char *mac, GError **error);
/* Delete a link; a missing one is not an error. */
bool vnet_link_delete(const char *name, GError **error);
/* What @ifname is now: MAC, up, global addresses, its routes in every table but local. */
vnet_uplink_state *vnet_link_save(const char *ifname, GError **error);
/*
 * Enslave @uplink to @bridge and move its addresses and routes (saved in
 * @st) onto the bridge: addresses first, so the host keeps them but for a
 * moment, then the routes that needed them.
 */
bool vnet_link_takeover(const char *uplink, const char *bridge, const vnet_uplink_state *st,
			GError **error);
/* The reverse: release @uplink and give it back its addresses, routes and state. */
bool vnet_link_giveback(const char *uplink, const char *bridge, const vnet_uplink_state *st,
			GError **error);

/* Make @port (a guest's tap, after its network restarted) a port of @bridge, up. */
bool vnet_link_enslave(const char *port, const char *bridge, GError **error);

/*
 * IP forwarding of this network namespace (/proc/sys): libvirt turns it on
 * to start a routed network and never off; a rolled-back create puts back
 * what it found.  -1 if it cannot be read.
 */
int vnet_link_get_forwarding(int family);
bool vnet_link_set_forwarding(int family, bool on, GError **error);

/*
 * End the connections that forward element @line ("fwd4 tcp . 8080 :
 * 10.0.0.2 . 80", as nft.h writes them) sent to its target, through
 * conntrack netlink: when a forward moves to another guest, the old one
 * must stop getting its traffic.  A line that is no forward is fine.
 */
bool vnet_conntrack_flush_forward(const char *line, GError **error);
/* The same for every line of the NULL-terminated @lines, in one dump of each family. */
bool vnet_conntrack_flush_forwards(const char *const *lines, GError **error);

/*
 * Whether an established TCP connection reaches a local listener on one of
 * @ports (sshd's 22 by default) through an address of the uplink @st
 * describes: an admin's session that moving the uplink could cut.  Read
 * through netlink sock_diag, whatever the environment says (sudo drops
 * SSH_CONNECTION).
 */
bool vnet_link_has_session(const vnet_uplink_state *st, const guint16 *ports, guint n_ports);

/* ---- bridge ports ---- */

bool vnet_bridge_set_route_localnet(const char *bridge, bool on, GError **error);
/* 1 on, 0 off, -1 when it cannot be read (no such bridge). */
int vnet_bridge_get_route_localnet(const char *bridge);
/* Hairpin on every port of @bridge that exists now. */
bool vnet_bridge_set_hairpin_all(const char *bridge, GError **error);
bool vnet_brport_set_hairpin(const char *port, bool on, GError **error);

#endif
