/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ovsdb: Open vSwitch's configuration database, spoken to in-process over
 * its JSON-RPC protocol (RFC 7047) on its unix socket, never through
 * ovs-vsctl: the requests, the framing of the replies, one transaction per
 * change, and the few changes vnetctl makes to it (an OVS bridge with its
 * own port, the uplink as a trunk port of it, their removal) and reads
 * (bridges, their ports' tags, trunks and iface-ids).  Each change guards
 * itself with "wait" operations, as ovs-vsctl's verify does, so that a
 * concurrent change of the same rows makes it fail instead of clobbering.
 */
#ifndef VNET_OVSDB_H
#define VNET_OVSDB_H

#include <stdbool.h>
#include <glib.h>
#include <jansson.h>

/* The socket, unless $VNET_OVSDB_SOCKET names another (the tests' sandbox). */
#define VNET_OVSDB_DEFAULT "/var/run/openvswitch/db.sock"
#define VNET_OVSDB_ENV "VNET_OVSDB_SOCKET"
/* Whether the kernel has the openvswitch module (else the userspace "netdev" datapath). */
#define VNET_OVS_KMOD "/sys/module/openvswitch"

typedef struct vnet_ovsdb vnet_ovsdb;

/* Connect to @path (NULL: $VNET_OVSDB_SOCKET or the default). */
vnet_ovsdb *vnet_ovsdb_connect(const char *path, GError **error);
/*
 * A connection on the connected socket @fd (taken) to a server at @where
 * (for messages) whose transactions go to database @db_name: how ovn.h
 * speaks to OVN's databases over their own remotes.
 */
vnet_ovsdb *vnet_ovsdb_adopt(int fd, const char *where, const char *db_name);
void vnet_ovsdb_free(vnet_ovsdb *db);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(vnet_ovsdb, vnet_ovsdb_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(json_t, json_decref)

/* The socket @path (NULL as above) names: ovs-vswitchd's management sockets are beside it. */
const char *vnet_ovsdb_socket_path(const char *path);

/* Whether an Open vSwitch database answers on @path (NULL as above). */
bool vnet_ovsdb_available(const char *path);

/* ---- the protocol, without I/O (unit-tested and fuzzed) ---- */

/* A request as it goes on the wire: {"method", "params", "id"}; takes @params. */
char *vnet_ovsdb_request(const char *method, json_t *params, guint64 id);

typedef enum vnet_ovsdb_frame {
	VNET_OVSDB_MORE,	/* no whole message yet: read more */
	VNET_OVSDB_REPLY,	/* the reply to the request of that id */
	VNET_OVSDB_ECHO,	/* the server's keepalive: *ret_msg is the reply to send */
	VNET_OVSDB_UPDATE,	/* a monitor's "update" notification: *ret_msg is its params */
	VNET_OVSDB_SKIP,	/* something else (another notification, another id): drop it */
	VNET_OVSDB_BAD,		/* not JSON-RPC: the connection is unusable */
} vnet_ovsdb_frame;

/*
 * Take the first message off @buf (@len bytes): what it is, how many bytes
 * it used (@ret_used), and for a reply its "result" (@ret_msg) or, when the
 * server answered with an error, the error in @error (and still REPLY).
 * @db_name (NULL: Open_vSwitch) is the database its messages name.
 */
vnet_ovsdb_frame vnet_ovsdb_parse(const char *db_name, const char *buf, size_t len, guint64 id, size_t *ret_used,
				  json_t **ret_msg, GError **error);

/*
 * Whether a transact's @result for @n_ops operations is all done: an
 * operation's error, or the commit's (the extra last element), becomes
 * @error, with the details the server gave.
 */
bool vnet_ovsdb_check_result(const char *db_name, const json_t *result, size_t n_ops, GError **error);

/* ---- calls ---- */

/* One request and its reply's "result" (owned by the caller). */
json_t *vnet_ovsdb_call(vnet_ovsdb *db, const char *method, json_t *params, GError **error);
/* A transaction on the connection's database (Open_vSwitch unless adopted): @ops (taken) all or nothing; the results on success. */
json_t *vnet_ovsdb_transact(vnet_ovsdb *db, json_t *ops, GError **error);

/* ---- values and operations (RFC 7047, 5.1 and 5.2), for ovn.h too ---- */

/* The uuid of ["uuid", "..."], or NULL. */
const char *vnet_ovsdb_uuid(const json_t *v);
/* A set's members: ["set", [...]] or a single atom. */
size_t vnet_ovsdb_set_size(const json_t *v);
const json_t *vnet_ovsdb_set_get(const json_t *v, size_t i);
/* The value of @key in a map ["map", [[k, v], ...]], or NULL. */
const json_t *vnet_ovsdb_map_get(const json_t *v, const char *key);
/* A select of the space-separated @columns of @table's rows that match @where (taken; NULL: all). */
json_t *vnet_ovsdb_select(const char *table, json_t *where, const char *columns);
/* The rows of the @i-th operation's result in a transact's @result. */
const json_t *vnet_ovsdb_rows(const json_t *result, size_t i);

/* ---- what vnetctl changes and reads ---- */

/* An OVS port as the database has it. */
typedef struct vnet_ovs_port {
	char *name;
	int tag;		/* the access VLAN, or -1 */
	int ofport;		/* its interface's OpenFlow port number, or -1 (none yet, or failed) */
	GArray *trunks;		/* guint16: the VLANs of a trunk port (empty: all) */
	char *iface_id;		/* external_ids:iface-id of its interface, or NULL */
} vnet_ovs_port;

typedef struct vnet_ovs_bridge {
	char *name;
	char *datapath_type;	/* "" for the default ("system") */
	GPtrArray *ports;	/* vnet_ovs_port * */
} vnet_ovs_bridge;

void vnet_ovs_bridge_free(vnet_ovs_bridge *b);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(vnet_ovs_bridge, vnet_ovs_bridge_free)

/*
 * The bridges in the result of vnet_ovs_read()'s transaction (the rows of
 * Bridge, Port and Interface), whatever shape the server gave it: what
 * does not fit is left out.
 */
GPtrArray *vnet_ovs_parse_bridges(const json_t *result);
/* Every bridge with its ports (vnet_ovs_bridge *). */
bool vnet_ovs_read(vnet_ovsdb *db, GPtrArray **ret_bridges, GError **error);
/* The bridge @name of @bridges, or NULL. */
const vnet_ovs_bridge *vnet_ovs_find_bridge(const GPtrArray *bridges, const char *name);
/* The port @name of @b, or NULL. */
const vnet_ovs_port *vnet_ovs_find_port(const vnet_ovs_bridge *b, const char *name);

/*
 * The datapath a new bridge gets: that of the bridges there are, else
 * "system" when the kernel has the openvswitch module (@have_kmod), else
 * the userspace "netdev".
 */
const char *vnet_ovs_pick_datapath(const GPtrArray *bridges, bool have_kmod);

/*
 * The operations that create bridge @name (with its internal port and
 * interface, hwaddr @mac or NULL, datapath @datapath) and reference it from
 * the Open_vSwitch row, guarded by a wait that no bridge, port or interface
 * of that name exists; next_cfg is bumped so that ovs-vswitchd's cur_cfg
 * tells when it is done.
 */
json_t *vnet_ovs_ops_add_bridge(const char *name, const char *datapath, const char *mac);
/* external_ids of the bridges vnetctl made; a bridge without it is never deleted. */
#define VNET_OVS_MARK_KEY "vnetctl"
#define VNET_OVS_MARK_VALUE "created"
/* Removing the bridge of row @uuid (its ports and interfaces go with it). */
json_t *vnet_ovs_ops_del_bridge(const char *uuid);
/* @port (an existing interface) as a trunk port of the bridge of row @br_uuid, named @bridge. */
json_t *vnet_ovs_ops_add_port(const char *br_uuid, const char *bridge, const char *port);
/* The port of row @port_uuid out of the bridge of row @br_uuid. */
json_t *vnet_ovs_ops_del_port(const char *br_uuid, const char *port_uuid);

/*
 * The changes themselves, each one transaction, returning once ovs-vswitchd
 * has applied it (a new bridge's own interface exists then).  Creating what
 * exists is an error; deleting what is missing is fine, and a bridge
 * without vnetctl's mark is left alone.
 */
bool vnet_ovs_add_bridge(vnet_ovsdb *db, const char *name, const char *mac, GError **error);
bool vnet_ovs_del_bridge(vnet_ovsdb *db, const char *name, GError **error);
bool vnet_ovs_add_port(vnet_ovsdb *db, const char *bridge, const char *port, GError **error);
bool vnet_ovs_del_port(vnet_ovsdb *db, const char *bridge, const char *port, GError **error);

/*
 * Whether Open vSwitch lacks a bridge @name (@ret_missing), for a create;
 * an interface of that name (@link_exists) that is no OVS bridge is refused.
 * @ret_has_port (if not NULL): whether @port is a port of that bridge already.
 */
bool vnet_ovs_bridge_missing(const char *name, bool link_exists, const char *port, bool *ret_missing,
			     bool *ret_has_port, GError **error);

/* ---- the monitor of bridge membership (libvnet-private.h's vnet_ovs_watch) ---- */

#include "libvnet-private.h"

/* A watch with no connection, fed by hand (the unit tests and the fuzzer). */
vnet_ovs_watch *vnet_ovs_watch_new_detached(void);
/*
 * Take @len bytes of what the server sent: every whole message is framed,
 * echoes are answered, and "update" notifications change the watch's copy
 * of the Bridge, Port and Interface rows.  Anything that is not a
 * well-formed notification of those tables is false with @error: the copy
 * can no longer be trusted, and the caller connects again.
 */
bool vnet_ovs_watch_feed(vnet_ovs_watch *w, const char *buf, size_t len, GError **error);
/*
 * The bridges (names, sorted) whose ports or their ofports differ from the
 * last call's: every bridge at the first call.  Owned by the caller.
 */
char **vnet_ovs_watch_take_changed(vnet_ovs_watch *w);

#endif
