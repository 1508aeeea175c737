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
/*
 * Add every listening TCP and SCTP socket and every unconnected UDP socket
 * outside the ephemeral ports (IPv4 and IPv6), through sock_diag.  An
 * unconnected UDP socket is a server's or a client's that uses sendto():
 * only the port tells them apart, which a client's autobind takes from
 * ip_local_port_range; a server on such a port is missed.
 */
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

/* Set @ifname up or down. */
bool vnet_link_set_up(const char *ifname, bool up, GError **error);
/*
 * For a bridge that is not the kernel's (Open vSwitch), of which @uplink is
 * a port already: @uplink and @bridge's own interface up, the saved
 * addresses and routes moved from @uplink onto @bridge, as takeover does.
 */
bool vnet_link_move_onto(const char *uplink, const char *bridge, const vnet_uplink_state *st,
			 GError **error);
/* The reverse, @uplink staying a port: its addresses and routes back, its up state as saved. */
bool vnet_link_move_back(const char *uplink, const char *bridge, const vnet_uplink_state *st,
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

/* ---- what doctor reads (nothing here changes anything) ---- */

/* A link as the kernel has it now. */
typedef struct vnet_link_info {
	char *name;
	int ifindex;
	bool up;		/* IFF_UP: set up by an admin or a tool */
	bool carrier;		/* IFF_LOWER_UP: the link below has carrier */
	guint mtu;
	char *master;		/* the bridge it is a port of, or NULL */
	char *mac;		/* lower case, or NULL */
	bool is_bridge;
	int stp_state;		/* a bridge port's BR_STATE_* (3: forwarding); -1: no bridge port */
} vnet_link_info;
void vnet_link_info_free(vnet_link_info *l);
/* Every link of this netns (vnet_link_info *), bridge ports with their STP state. */
bool vnet_link_read_infos(GPtrArray **ret_links, GError **error);

/* An entry of a bridge's forwarding database: where the bridge saw a MAC. */
typedef struct vnet_fdb_entry {
	char *mac;		/* lower case */
	char *port;		/* the port's name */
	bool local;		/* the bridge's or a port's own address, not learned */
} vnet_fdb_entry;
void vnet_fdb_entry_free(vnet_fdb_entry *e);
/* The FDB of @bridge (vnet_fdb_entry *). */
bool vnet_fdb_read(const char *bridge, GPtrArray **ret_entries, GError **error);

/* A neighbour (ARP or NDP) entry. */
typedef struct vnet_neigh {
	char *ifname;
	char *addr;		/* canonical */
	char *mac;		/* lower case, or NULL (incomplete, failed) */
	guint16 state;		/* NUD_* */
} vnet_neigh;
void vnet_neigh_free(vnet_neigh *n);
/* The neighbour table of @family on @ifname (vnet_neigh *). */
bool vnet_neigh_read(const char *ifname, int family, GPtrArray **ret_neighs, GError **error);

/* A socket that listens (TCP) or is bound and unconnected (UDP), as sock_diag has it. */
typedef struct vnet_sock_info {
	vnet_proto proto;
	int family;
	bool has_addr;		/* false: every address */
	vnet_addr addr;
	guint port;
	guint64 inode;		/* to find its process in /proc/PID/fd */
} vnet_sock_info;
/* Every listening TCP and bound UDP socket of this netns (vnet_sock_info), through sock_diag. */
bool vnet_link_read_sockets(GArray **ret_socks, GError **error);

/*
 * Where the tracked connections that were DNATed and match forward element
 * @line (as vnet_conntrack_flush_forward() takes it) by family, protocol,
 * host port (and host address) went: "ADDRESS PORT" of each one's reply
 * source, whatever target @line names.
 */
bool vnet_conntrack_forward_peers(const char *line, GPtrArray **ret_peers, GError **error);

#endif
