/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * openflow: the guard on an Open vSwitch bridge, whose frames nftables
 * never sees, as OpenFlow 1.3 flows that vnetctl writes in-process over the
 * bridge's management socket (ovs-vswitchd's punix:<rundir>/<bridge>.mgmt),
 * never through ovs-ofctl.  It owns the few messages it needs (HELLO,
 * FLOW_MOD add and delete by cookie, BARRIER, the FLOW multipart request,
 * the ONF bundle extension that makes a replacement atomic) and their
 * replies' framing, the flows the guard makes of an intent and
 * the bridge's ports, and their drop counters.  Every flow of a network
 * carries that network's cookie, so replacing or removing them touches no
 * one else's.
 */
#ifndef VNET_OPENFLOW_H
#define VNET_OPENFLOW_H

#include <stdbool.h>
#include <glib.h>

#include "model.h"
#include "ovsdb.h"

#define VNET_OF_VERSION 0x04	/* OpenFlow 1.3 */

enum {
	VNET_OF_HELLO = 0,
	VNET_OF_ERROR = 1,
	VNET_OF_ECHO_REQUEST = 2,
	VNET_OF_ECHO_REPLY = 3,
	VNET_OF_EXPERIMENTER = 4,
	VNET_OF_FLOW_MOD = 14,
	VNET_OF_MULTIPART_REQUEST = 18,
	VNET_OF_MULTIPART_REPLY = 19,
	VNET_OF_BARRIER_REQUEST = 20,
	VNET_OF_BARRIER_REPLY = 21,
};

/*
 * Bundles, for a replacement that commits whole or not at all: OpenFlow
 * 1.4's OFPT_BUNDLE_CONTROL/ADD_MESSAGE as the ONF extension carries them
 * in OpenFlow 1.3 (EXPERIMENTER 0x4f4e4600, types 2300 and 2301), which
 * Open vSwitch implements with the same code.  1.3 stays the one version
 * vnetctl speaks, so a bridge that allows only OpenFlow13 still works.
 */
#define VNET_OF_ONF_EXPERIMENTER 0x4f4e4600u
#define VNET_OF_ONF_BUNDLE_CONTROL 2300
#define VNET_OF_ONF_BUNDLE_ADD 2301
enum {
	VNET_OF_BUNDLE_OPEN_REQUEST = 0,
	VNET_OF_BUNDLE_OPEN_REPLY = 1,
	VNET_OF_BUNDLE_CLOSE_REQUEST = 2,
	VNET_OF_BUNDLE_CLOSE_REPLY = 3,
	VNET_OF_BUNDLE_COMMIT_REQUEST = 4,
	VNET_OF_BUNDLE_COMMIT_REPLY = 5,
	VNET_OF_BUNDLE_DISCARD_REQUEST = 6,
	VNET_OF_BUNDLE_DISCARD_REPLY = 7,
};
#define VNET_OF_BUNDLE_ATOMIC 1
#define VNET_OF_BUNDLE_ORDERED 2

/* One flow of the guard: what it matches (0 / false: any) and whether it drops or lets through (NORMAL). */
typedef struct vnet_of_flow {
	guint16 priority;
	guint32 in_port;
	bool has_eth_src;
	guint8 eth_src[6];
	guint16 eth_type;
	guint8 ip_proto;	/* with eth_type ip or ipv6 */
	guint16 udp_src, udp_dst;
	int icmp6_type;		/* -1: any */
	bool has_src4;		/* ipv4_src, or arp_spa for ARP */
	guint8 src4[4];
	bool has_src6;
	guint8 src6[16];
	guint8 src6_plen;	/* with has_src6: a prefix of that many bits; 0: the whole address */
	bool normal;		/* else drop */
} vnet_of_flow;

/* ---- the messages, without I/O (unit-tested and fuzzed) ---- */

/* The network's cookie: "vnet" and a hash of its name. */
guint64 vnet_of_cookie(const char *network);

/* Each returns the whole message in @out (appended). */
void vnet_of_encode_hello(GByteArray *out, guint32 xid);
void vnet_of_encode_barrier(GByteArray *out, guint32 xid);
/* An add of @f with @cookie. */
void vnet_of_encode_add(GByteArray *out, guint32 xid, guint64 cookie, const vnet_of_flow *f);
/* An add of a flow as a stats reply gave it back: its OXM match and instructions, as they were. */
void vnet_of_encode_add_raw(GByteArray *out, guint32 xid, guint64 cookie, guint16 priority,
			    const guint8 *match, size_t match_len, const guint8 *instr, size_t instr_len);
/* A delete of every flow of every table with @cookie. */
void vnet_of_encode_delete(GByteArray *out, guint32 xid, guint64 cookie);
/* A FLOW multipart request for the flows with @cookie. */
void vnet_of_encode_flow_stats(GByteArray *out, guint32 xid, guint64 cookie);
/* A BUNDLE_CONTROL request of @type for bundle @bundle_id with @flags. */
void vnet_of_encode_bundle_ctrl(GByteArray *out, guint32 xid, guint32 bundle_id, guint16 type, guint16 flags);
/*
 * The message @msg (whole, @len bytes: a FLOW_MOD) added to bundle
 * @bundle_id, with the bundle's @flags; the wrapper takes @msg's xid, as
 * Open vSwitch wants.
 */
void vnet_of_encode_bundle_add(GByteArray *out, guint32 bundle_id, guint16 flags, const guint8 *msg, size_t len);
/*
 * The OPEN request (xid @xid) of bundle @bundle_id, atomic and ordered,
 * and every message of @msgs (whole messages, one after another) added to
 * it; the COMMIT (vnet_of_encode_bundle_ctrl) goes once they are taken.
 */
void vnet_of_encode_bundle(GByteArray *out, guint32 xid, guint32 bundle_id, const GByteArray *msgs);

/*
 * The bundle id and control type of the BUNDLE_CONTROL reply @msg (whole,
 * @len bytes); a message that is none is false with @error.
 */
bool vnet_of_parse_bundle_reply(const guint8 *msg, size_t len, guint32 *ret_bundle_id, guint16 *ret_type,
				GError **error);

/*
 * The header of the first message of @buf (@len bytes): false when there
 * is not a whole one yet; its @ret_type, @ret_xid and @ret_len (whole
 * message) otherwise.  A header no OpenFlow 1.3 peer sends is @error and
 * true (the connection is unusable).
 */
bool vnet_of_frame(const guint8 *buf, size_t len, guint8 *ret_type, guint32 *ret_xid, size_t *ret_len,
		   GError **error);

/* A flow of a FLOW multipart reply. */
typedef struct vnet_of_stat {
	guint16 priority;
	guint64 cookie, packets, bytes;
	guint32 in_port;	/* from its match; 0 if none */
	bool drops;		/* no instructions */
	GBytes *match;		/* the OXM fields, unpadded */
	GBytes *instr;
} vnet_of_stat;

void vnet_of_stat_free(vnet_of_stat *s);

/*
 * The flows of the multipart reply @msg (a whole message of @len bytes)
 * appended to @stats (vnet_of_stat *); whether more replies follow in
 * @ret_more.  A malformed reply is false with @error, @stats as it was.
 */
bool vnet_of_parse_flow_stats(const guint8 *msg, size_t len, GPtrArray *stats, bool *ret_more, GError **error);

/*
 * The text of an ERROR message, as a whole sentence with Open vSwitch's
 * name of the error (OFPBMC_BAD_PREREQ, OFPBFC_MSG_FAILED, ...) when it
 * is one of those vnetctl knows.
 */
char *vnet_of_error_text(const guint8 *msg, size_t len);

/* ---- the guard's flows ---- */

/*
 * The guard's flows (vnet_of_flow *) for network @in on its OVS bridge @b,
 * on each guest port (every port but the uplink and the bridge's own):
 * rogue DHCP and RA dropped; an address that a static binds to a MAC on the
 * port's VLAN, or one of the host's on the bridge (@host_addrs, vnet_addr),
 * dropped as an ARP or IP sender unless the owner sends it; under strict, a
 * bound MAC sends only from its addresses (and 0.0.0.0).  Empty when the
 * guard is off.
 */
GPtrArray *vnet_of_guard_flows(const vnet_intent *in, const vnet_ovs_bridge *b, const GArray *host_addrs);

/* ---- calls on the bridge's management socket ---- */

/* <the directory of the OVSDB socket>/<bridge>.mgmt */
char *vnet_of_mgmt_path(const char *bridge);
/* Whether the socket is there (else the guard cannot be set on that bridge). */
bool vnet_of_available(const char *bridge);

/*
 * The network's flows on @bridge made exactly @flows (vnet_of_flow *;
 * NULL or empty: none) in one atomic bundle: the bridge has the old flows
 * or the new ones, never a mix or none in between.
 */
bool vnet_of_replace(const char *bridge, guint64 cookie, const GPtrArray *flows, GError **error);
/*
 * The flows with @cookie on @bridge, one a line ("PRIORITY MATCH-HEX
 * INSTR-HEX"), which vnet_of_restore() puts back (atomically, as
 * vnet_of_replace()): a step's undo record.
 */
bool vnet_of_save(const char *bridge, guint64 cookie, char **ret_text, GError **error);
bool vnet_of_restore(const char *bridge, guint64 cookie, const char *text, GError **error);
/* The network's flows (vnet_of_stat *). */
GPtrArray *vnet_of_read(const char *bridge, guint64 cookie, GError **error);

#endif
