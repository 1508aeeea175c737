/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * model: the intent's inside (struct vnet_intent), port forwards and the
 * forward spec grammar, the host facts (struct vnet_host) that validation
 * and completion read.  Every field is checked when it is set, so the rest of
 * the library may trust a vnet_intent's strings as safe identifiers.
 */
#ifndef VNET_MODEL_H
#define VNET_MODEL_H

#include <vnet/host.h>
#include <vnet/intent.h>

#include "addr.h"

/*
 * What each mode has, in one place: its own routed bridge with a subnet
 * (nat, isolated, hybrid's NAT half), port forwards and NAT (nat, hybrid),
 * a bridge shared with the LAN (bridged, hybrid's LAN half).
 */
bool vnet_mode_has_own_bridge(vnet_mode mode);
bool vnet_mode_has_forwards(vnet_mode mode);
bool vnet_mode_has_lan(vnet_mode mode);
/* Whether the network has a subnet of its own (every mode but bridged: overlay's is in OVN). */
bool vnet_mode_has_subnet(vnet_mode mode);
/* Whether the network forwards ports: its mode's, or an overlay network's with a router out (ovn.h). */
bool vnet_intent_has_forwards(const vnet_intent *in);

typedef enum vnet_proto {
	VNET_PROTO_TCP,
	VNET_PROTO_UDP,
	VNET_PROTO_SCTP,
} vnet_proto;

const char *vnet_proto_to_string(vnet_proto p);
bool vnet_proto_from_string(const char *s, vnet_proto *ret);

typedef enum vnet_guest_kind {
	VNET_GUEST_DEFAULT,	/* the network's default guest address */
	VNET_GUEST_ADDR,
	VNET_GUEST_NAME,	/* a libvirt domain, resolved when applied */
} vnet_guest_kind;

/* Laid out small (72 bytes, not 96): an intent of 65,535 is parsed on every read. */
typedef struct vnet_forward {
	vnet_addr host_addr;
	vnet_addr guest_addr;
	guint16 host_port, host_port_end;
	guint16 guest_port, guest_port_end;
	int family : 8;		/* AF_INET or AF_INET6 */
	bool has_host_addr;	/* false: every local address of @family */
	vnet_guest_kind guest_kind : 8;
	vnet_proto proto : 8;
	gint refs;		/* holders besides the first: copies of an intent share a forward */
	char *guest_name;
	struct vnet_forward_chunk *chunk;	/* the pool's block it is in, or NULL: its own allocation */
} vnet_forward;
G_STATIC_ASSERT(sizeof(vnet_forward) <= 72);

/*
 * Forwards parsed in bulk (an intent's 65,535 on every read) are handed out
 * from blocks of a pool: one allocation per block, not per forward.  A
 * block is freed with the last of its forwards; the pool is only the
 * block being filled.
 */
typedef struct vnet_forward_pool {
	struct vnet_forward_chunk *chunk;
	guint used, size;
} vnet_forward_pool;
void vnet_forward_pool_clear(vnet_forward_pool *pool);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(vnet_forward_pool, vnet_forward_pool_clear)
/* vnet_forward_parse(), the forward from @pool's block when it can. */
vnet_forward *vnet_forward_parse_pooled(vnet_forward_pool *pool, const char *spec, GError **error);
/* The same of @spec, which is @n bytes long (and NUL-terminated there). */
vnet_forward *vnet_forward_parse_pooled_len(vnet_forward_pool *pool, const char *spec, gsize n, GError **error);

vnet_forward *vnet_forward_parse(const char *spec, GError **error);
/* The same without the fast path for HOST_PORT:GUEST_PORT[/PROTOCOL]: tests hold the two to one answer. */
vnet_forward *vnet_forward_parse_full(const char *spec, GError **error);
/* Drops a holder of @f (see vnet_forward_ref()); the last frees it. */
void vnet_forward_free(vnet_forward *f);
/* A copy of its own, for a caller that changes it. */
vnet_forward *vnet_forward_copy(const vnet_forward *f);
/*
 * @f again, for one more holder: an intent's forwards are never changed
 * once made, so copies of an intent share them (65,535 per copy).
 */
vnet_forward *vnet_forward_ref(vnet_forward *f);
/* The spec in canonical form: optional parts left out, protocol spelled out. */
char *vnet_forward_format(const vnet_forward *f);
/* Whether both are on the same host side: address (or any), port range, protocol. */
bool vnet_forward_same_host_side(const vnet_forward *a, const vnet_forward *b);
/* The same, appended to @s. */
void vnet_forward_append(GString *s, const vnet_forward *f);
/* The spec of @f into @buf (not terminated), at most VNET_FORWARD_FORMAT_MAX bytes; its length. */
#define VNET_FORWARD_FORMAT_MAX 256
gsize vnet_forward_put(char *buf, const vnet_forward *f);
/* Whether both forwards claim a common host address, port and protocol. */
bool vnet_forward_clashes(const vnet_forward *a, const vnet_forward *b);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(vnet_forward, vnet_forward_free)

/*
 * The forwards of a <forwards> block as it stands in a network's XML (@len
 * bytes of specs separated by white space, no markup, a part of a string:
 * no NUL), read one at a time
 * without keeping them: forward add and remove on a network of 65,535 read
 * only what they look for.  @fn gets each forward, valid only during the
 * call, until it returns true.  False if a spec is no forward: the caller
 * reads the intent as a whole then, and says what is wrong.
 */
typedef bool (*vnet_forward_fn)(const vnet_forward *f, void *data);
bool vnet_forwards_text_foreach(const char *text, gsize len, vnet_forward_fn fn, void *data);
/* The first of them on @f's host side, a copy, in *@ret (NULL if none); false as above. */
bool vnet_forwards_text_find(const char *text, gsize len, const vnet_forward *f, vnet_forward **ret);

/*
 * A route of the uplink, kept so that it can be moved onto the bridge and
 * back exactly.  Strings are canonical addresses/CIDRs from the kernel.
 */
typedef struct vnet_saved_route {
	char *dst;		/* "0.0.0.0/0", "192.0.2.0/24", "2001:db8::/64" */
	char *gateway;		/* or NULL */
	guint metric;
	guint8 protocol, scope;
	guint32 table;		/* routing table; 0 is read as main (254) */
} vnet_saved_route;

typedef struct vnet_saved_addr {
	char *cidr;		/* "192.0.2.5/24" */
	guint flags;		/* IFA_F_*, such as nodad */
} vnet_saved_addr;

/* What an uplink was before vnetctl enslaved it to a bridge. */
typedef struct vnet_uplink_state {
	char *mac;		/* "aa:bb:cc:dd:ee:ff" */
	bool up;
	GPtrArray *addrs;	/* vnet_saved_addr * */
	GPtrArray *routes;	/* vnet_saved_route * */
	bool ovs_port_kept;	/* it was a port of the Open vSwitch bridge already, and stays one */
} vnet_uplink_state;

vnet_uplink_state *vnet_uplink_state_new(void);
vnet_uplink_state *vnet_uplink_state_copy(const vnet_uplink_state *s);
void vnet_uplink_state_free(vnet_uplink_state *s);
void vnet_saved_route_free(vnet_saved_route *r);
void vnet_saved_addr_free(vnet_saved_addr *a);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(vnet_uplink_state, vnet_uplink_state_free)

/*
 * A guest's static address where no DHCP server of ours reserves it (a
 * bridged LAN, or IPv6): recorded by attach with the NIC's MAC, so that
 * scan and the guard know whose it is.
 */
typedef struct vnet_static_addr {
	char *mac;		/* lower case */
	char *domain;
	vnet_addr addr;
	char *s_addr;		/* canonical, behind the getter */
	guint16 vlan;		/* the VLAN (an Open vSwitch port group) it is used on; 0: untagged */
} vnet_static_addr;

vnet_static_addr *vnet_static_addr_new(const char *mac, const char *domain, const vnet_addr *addr);
vnet_static_addr *vnet_static_addr_copy(const vnet_static_addr *s);
void vnet_static_addr_free(vnet_static_addr *s);

/* A host port of an isolated network: its protocol and number in one value, ordered by both. */
#define VNET_HOST_PORT(proto, port) (((guint32)(proto) << 16) | (guint32)(port))
#define VNET_HOST_PORT_PROTO(hp) ((vnet_proto)((hp) >> 16))
#define VNET_HOST_PORT_NUMBER(hp) ((guint16)((hp) & 0xffff))
/* "22/tcp" */
char *vnet_host_port_format(guint32 hp);

/* The VLANs as portgroups (vlan.c): "vlan10"; "trunk" for every VLAN of the network. */
#define VNET_VLAN_MAX 4094
#define VNET_TRUNK_PORTGROUP "trunk"
char *vnet_vlan_portgroup(guint vlan);
/* Whether @in has a portgroup for @vlan. */
bool vnet_intent_has_vlan(const vnet_intent *in, guint vlan);
/* Whether both have the same switch, VLANs and trunk (vnet_intent_equal's part). */
bool vnet_intent_vlans_equal(const vnet_intent *a, const vnet_intent *b);
/* @dst's VLANs and trunk made @src's. */
void vnet_intent_copy_vlans(vnet_intent *dst, const vnet_intent *src);

struct vnet_intent {
	char *name;
	vnet_mode mode;
	char *bridge;		/* NAT/isolated/bridged bridge; hybrid: the NAT half */
	char *lan_bridge;	/* hybrid: the bridged half */
	char *uplink;
	bool has_subnet4, has_gateway4, has_range, has_guest;
	vnet_cidr subnet4;
	vnet_addr gateway4, dhcp_start, dhcp_end, guest;
	bool has_subnet6, has_gateway6;
	vnet_cidr subnet6;
	vnet_addr gateway6;
	bool dhcp, autostart;
	vnet_guard guard;	/* as set: VNET_GUARD_DEFAULT is the mode's (vnet_intent_get_guard()) */
	GPtrArray *forwards;	/* vnet_forward *; change it through vnet_intent_own_forwards() */
	bool forwards_shared;	/* @forwards may be another copy's too (see vnet_intent_copy()) */
	/*
	 * Read without the forwards of its <forwards> block (see
	 * vnet_intent_from_xml_unread()): @forwards holds only the others, so
	 * it is never written as a definition (the writer refuses it).
	 */
	bool forwards_unread;
	GArray *host_ports;	/* guint32, VNET_HOST_PORT(proto, port): what an isolated network's guests reach on their gateway */
	vnet_switch vswitch;	/* bridged: the kernel's bridge or an Open vSwitch bridge */
	GArray *vlans;		/* guint16, sorted: the OVS portgroups vlanID; NULL when none */
	bool vlan_trunk;	/* a portgroup "trunk" that carries every VLAN of @vlans */
	char *ovn;		/* overlay: the OVN northbound remote (ovn.h) */
	/*
	 * An overlay network with a router to the outside (NAT): the router's
	 * address with its prefix on the external network ("198.51.100.10/24"),
	 * the next hop there; both canonical, or NULL.  The gateway chassis in
	 * priority order, the first active and the others standing by (OVN
	 * moves the router's external port to the next when one fails), or
	 * NULL for none named yet.
	 */
	char *ovn_external, *ovn_nexthop;
	char **ovn_gateways;
	/*
	 * What vnetctl did to the host, kept in <metadata> next to the intent so
	 * that delete can undo it exactly; not part of the intent's identity
	 * (vnet_intent_equal ignores it).
	 */
	bool bridge_created;		/* the LAN bridge is ours to delete */
	vnet_uplink_state *uplink_saved;
	gint64 confirm_deadline;	/* unix time; 0: nothing to confirm */
	char *confirm_token;		/* the takeover's: a revert of another one does nothing */
	GPtrArray *statics;		/* vnet_static_addr *, in the order attach made them */
	/* Canonical strings behind the const getters, refreshed on every set. */
	char *s_subnet4, *s_subnet6, *s_gateway4, *s_gateway6, *s_guest;
	/*
	 * vnet_intent_add_forward()'s port index of @forwards, so that N calls
	 * cost O(N log N), not O(N^2): built once the pairwise comparisons of
	 * the calls so far would have paid for it, dropped by
	 * vnet_intent_remove_forward(), never copied.  It is trusted while
	 * @forwards has the length and the last forward it was built with; a
	 * forward changed in place behind it is still caught by validation.
	 */
	GHashTable *fwd_index;
	guint fwd_index_len;
	const vnet_forward *fwd_index_last;
	guint64 fwd_pairs;	/* pairs compared since the index was dropped */
	/*
	 * Holders besides the first (vnet_intent_share()); vnet_intent_free()
	 * of a shared intent drops one.  Never copied, never swapped.
	 */
	guint shares;
};

/*
 * The default IPv6 guest: the first host of subnet6 that is not its gateway
 * (fd00::2 beside the gateway fd00::1), as the IPv4 default guest is in
 * subnet4.  It is not stored: a network's subnet6 and gateway give it.
 */
bool vnet_intent_default_guest6(const vnet_intent *in, vnet_addr *ret);

/*
 * The DHCPv6 range of the network's own bridge, derived as the default
 * IPv6 guest is: subnet6 from ::3 (past the gateway and the default guest,
 * which attach reserves) to ::ffff or the subnet's end, whichever comes
 * first, since libvirt refuses a range of more than 65,535 addresses.  A
 * gateway inside it ends it just before.  False when the subnet has no room.
 */
bool vnet_intent_dhcp6_range(const vnet_intent *in, vnet_addr *ret_start, vnet_addr *ret_end);

/*
 * Whether @f, on every IPv4 address to the default guest, is published on
 * IPv6 too, to the default IPv6 guest (as `docker run -p` publishes on both
 * families): it is, on a network of forwards with an IPv6 subnet.
 */
bool vnet_forward_is_dual(const vnet_intent *in, const vnet_forward *f);

/* Exchange what two intents hold, so a caller's intent changes only on success. */
void vnet_intent_swap_contents(vnet_intent *a, vnet_intent *b);

/* Recompute the getters' strings after a field changed. */
void vnet_intent_refresh_strings(vnet_intent *intent);
/* A copy without the forwards: for comparing the rest (65,535 forwards are not copied to be dropped). */
vnet_intent *vnet_intent_copy_bare(const vnet_intent *intent);
/*
 * @intent with one more holder, for holders that only read it (a host's
 * facts, the reads of one command): 65,535 forwards are not copied to be
 * read.  Whoever may change an intent takes a vnet_intent_copy().
 */
const vnet_intent *vnet_intent_share(const vnet_intent *intent);
/*
 * @intent's forwards, for a change: copies of an intent share one array
 * (65,535 forwards are not copied for a copy that only reads them), so a
 * shared one is copied first.
 */
GPtrArray *vnet_intent_own_forwards(vnet_intent *intent);
/* vnet_host_add_intent() without the copy: @host shares @intent. */
void vnet_host_add_intent_shared(vnet_host *host, const vnet_intent *intent);
/* Whether both have the same forwards, in whatever order (vnet_intent_equal's half). */
bool vnet_intent_forwards_equal(const vnet_intent *a, const vnet_intent *b);

typedef struct vnet_host_link {
	char *name;
	bool is_bridge;
	char *master;
} vnet_host_link;

typedef struct vnet_host_addr {
	char *ifname;		/* interface or route device; may be NULL for routes */
	vnet_cidr cidr;
} vnet_host_addr;

typedef struct vnet_host_net {
	char *name;
	char *bridge;
	GArray *subnets;	/* vnet_cidr */
} vnet_host_net;

typedef struct vnet_host_listener {
	vnet_proto proto;
	bool has_addr;
	vnet_addr addr;
	guint port;
} vnet_host_listener;

struct vnet_host {
	GPtrArray *links;	/* vnet_host_link * */
	GArray *addrs;		/* vnet_host_addr */
	GArray *routes;		/* vnet_host_addr */
	GPtrArray *networks;	/* vnet_host_net * */
	GPtrArray *intents;	/* vnet_intent * */
	GArray *listeners;	/* vnet_host_listener */
	/* libvirt networks with vnetctl metadata that cannot be read: name -> why */
	GHashTable *unreadable;
};

const vnet_host_link *vnet_host_find_link(const vnet_host *host, const char *name);

#endif
