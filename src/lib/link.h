/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * link: the host's kernel networking read and changed through libnl (and
 * /proc/net for listening sockets): the links, addresses and routes that
 * validation checks an intent against.  Nothing here runs a program.
 */
#ifndef VNET_LINK_H
#define VNET_LINK_H

#include "model.h"

/* Add every link, address and main-table unicast route of this netns. */
bool vnet_link_read_host(vnet_host *host, GError **error);
/* Add every listening TCP socket and bound UDP socket (IPv4 and IPv6). */
bool vnet_link_read_listeners(vnet_host *host, GError **error);
/* Whether a link of that name exists now. */
bool vnet_link_exists(const char *name);

#endif

/* ---- bridges and uplinks (bridged and hybrid modes) ---- */

/* Create bridge @name, up, without STP; with @mac (or NULL for the kernel's). */
bool vnet_link_bridge_create(const char *name, const char *mac, GError **error);
/* Delete a link; a missing one is not an error. */
bool vnet_link_delete(const char *name, GError **error);
/* What @ifname is now: MAC, up, global addresses, main-table routes. */
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
