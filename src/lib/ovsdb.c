/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "ovsdb.h"
#include "util.h"

#define DB_NAME "Open_vSwitch"
/* How long a reply, or ovs-vswitchd's applying a change, may take. */
#define REPLY_TIMEOUT_MS 10000
#define APPLY_TIMEOUT_US (10 * G_USEC_PER_SEC)

struct vnet_ovsdb {
	int fd;
	char *path;		/* where it is, for messages */
	char *db_name;		/* the database transactions go to */
	guint64 next_id;
	GByteArray *in;		/* what was read and not parsed yet */
};

/* ---- the protocol ---- */

/* The database's schema name, as ovsdb-client list-dbs says it: what messages call it. */
static const char *name_of(const char *db_name)
{
	return db_name ? db_name : DB_NAME;
}

char *vnet_ovsdb_request(const char *method, json_t *params, guint64 id)
{
	g_autoptr(json_t) m = json_pack("{s:s, s:o, s:I}", "method", method, "params",
					 params ? params : json_array(), "id", (json_int_t)id);

	return m ? json_dumps(m, JSON_COMPACT) : NULL;
}

/* The server's error value (a string, or {"error", "details"}) as one line. */
static char *error_text(const json_t *e)
{
	const char *err, *details;

	if (json_is_string(e))
		return g_strdup(json_string_value(e));
	err = json_string_value(json_object_get(e, "error"));
	details = json_string_value(json_object_get(e, "details"));
	if (err && details)
		return g_strdup_printf("%s (%s)", err, details);
	if (err)
		return g_strdup(err);
	return json_dumps(e, JSON_COMPACT | JSON_ENCODE_ANY);
}

vnet_ovsdb_frame vnet_ovsdb_parse(const char *db_name, const char *buf, size_t len, guint64 id, size_t *ret_used,
				  json_t **ret_msg, GError **error)
{
	g_autoptr(json_t) m = NULL;
	json_error_t je;
	const json_t *mid, *method, *err;

	*ret_used = 0;
	*ret_msg = NULL;
	if (!buf || !len)
		return VNET_OVSDB_MORE;	/* jansson takes no NULL buffer, even empty */
	m = json_loadb(buf, len, JSON_DISABLE_EOF_CHECK | JSON_REJECT_DUPLICATES, &je);
	if (!m)
		return json_error_code(&je) == json_error_premature_end_of_input ? VNET_OVSDB_MORE
										 : VNET_OVSDB_BAD;
	*ret_used = je.position;
	if (!json_is_object(m))
		return VNET_OVSDB_BAD;
	mid = json_object_get(m, "id");
	method = json_object_get(m, "method");
	if (method) {
		if (!json_is_string(method))
			return VNET_OVSDB_BAD;
		if (g_str_equal(json_string_value(method), "echo") && mid && !json_is_null(mid)) {
			json_t *params = json_object_get(m, "params");
			json_t *reply = json_pack("{s:O, s:n, s:O}", "result", params ? params : json_null(),
						  "error", "id", mid);
			if (!reply)
				return VNET_OVSDB_BAD;
			*ret_msg = reply;
			return VNET_OVSDB_ECHO;
		}
		if (g_str_equal(json_string_value(method), "update") && (!mid || json_is_null(mid))) {
			const json_t *params = json_object_get(m, "params");
			if (!json_is_array(params))
				return VNET_OVSDB_BAD;
			*ret_msg = json_incref((json_t *)params);
			return VNET_OVSDB_UPDATE;
		}
		return VNET_OVSDB_SKIP;	/* a notification of nothing vnetctl monitors */
	}
	if (!json_is_integer(mid) || json_integer_value(mid) < 0 || (guint64)json_integer_value(mid) != id)
		return mid ? VNET_OVSDB_SKIP : VNET_OVSDB_BAD;
	err = json_object_get(m, "error");
	if (err && !json_is_null(err)) {
		g_autofree char *t = error_text(err);
		vnet_set_error(error, VNET_ERROR_FAILED,
			       _("The OVSDB database %s answered with an error: %s."), name_of(db_name), t ? t : "?");
		return VNET_OVSDB_REPLY;
	}
	if (!json_object_get(m, "result"))
		return VNET_OVSDB_BAD;
	*ret_msg = json_incref(json_object_get(m, "result"));
	return VNET_OVSDB_REPLY;
}

bool vnet_ovsdb_check_result(const char *db_name, const json_t *result, size_t n_ops, GError **error)
{
	size_t i;
	const json_t *r;

	if (!json_is_array(result) || json_array_size(result) < n_ops) {
		vnet_set_error(error, VNET_ERROR_FAILED,
			       _("The OVSDB database %s gave a transaction reply of the wrong shape; nothing is known to have changed."),
			       name_of(db_name));
		return false;
	}
	json_array_foreach(result, i, r) {
		const json_t *e = json_object_get(r, "error");
		g_autofree char *t = NULL;
		if (!e || json_is_null(e))
			continue;
		t = error_text(r);
		vnet_set_error(error, VNET_ERROR_FAILED,
			       _("The OVSDB database %s refused the change, so nothing of it was made: %s."),
			       name_of(db_name), t ? t : "?");
		return false;
	}
	return true;
}

/* ---- the connection ---- */

const char *vnet_ovsdb_socket_path(const char *path)
{
	const char *env = g_getenv(VNET_OVSDB_ENV);

	if (path)
		return path;
	return env && *env ? env : VNET_OVSDB_DEFAULT;
}

vnet_ovsdb *vnet_ovsdb_connect(const char *path, GError **error)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	const char *p = vnet_ovsdb_socket_path(path);
	int fd, e;

	if (strlen(p) >= sizeof(sun.sun_path)) {
		vnet_set_error(error, VNET_ERROR_INVALID,
			       _("The Open vSwitch database socket path %s is too long."), p);
		return NULL;
	}
	memcpy(sun.sun_path, p, strlen(p) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		e = errno;
		if (fd >= 0)
			close(fd);
		vnet_set_error(error, VNET_ERROR_FAILED,
			       _("Cannot connect to the Open vSwitch database at %s: %s. Is ovsdb-server running (openvswitch-switch)?"),
			       p, g_strerror(e));
		return NULL;
	}
	return vnet_ovsdb_adopt(fd, p, DB_NAME);
}

vnet_ovsdb *vnet_ovsdb_adopt(int fd, const char *where, const char *db_name)
{
	vnet_ovsdb *db = g_new0(vnet_ovsdb, 1);

	db->fd = fd;
	db->path = g_strdup(where);
	db->db_name = g_strdup(db_name);
	db->next_id = 1;
	db->in = g_byte_array_new();
	return db;
}

void vnet_ovsdb_free(vnet_ovsdb *db)
{
	if (!db)
		return;
	close(db->fd);
	g_free(db->path);
	g_free(db->db_name);
	g_byte_array_unref(db->in);
	g_free(db);
}

bool vnet_ovsdb_available(const char *path)
{
	g_autoptr(vnet_ovsdb) db = vnet_ovsdb_connect(path, NULL);
	g_autoptr(json_t) dbs = db ? vnet_ovsdb_call(db, "list_dbs", NULL, NULL) : NULL;
	size_t i;
	json_t *d;

	json_array_foreach(dbs, i, d)
		if (g_strcmp0(json_string_value(d), DB_NAME) == 0)
			return true;
	return false;
}

static bool io_failed(vnet_ovsdb *db, int e, GError **error)
{
	vnet_set_error(error, VNET_ERROR_FAILED,
		       _("Lost the connection to the OVSDB database %s at %s: %s."), db->db_name, db->path, g_strerror(e));
	return false;
}

static bool send_all(vnet_ovsdb *db, const char *text, GError **error)
{
	size_t len = strlen(text), done = 0;

	while (done < len) {
		ssize_t n = send(db->fd, text + done, len - done, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return io_failed(db, errno, error);
		done += (size_t)n;
	}
	return true;
}

static bool read_some(vnet_ovsdb *db, GError **error)
{
	struct pollfd p = { .fd = db->fd, .events = POLLIN };
	char buf[16384];
	ssize_t n;
	int r;

	do
		r = poll(&p, 1, REPLY_TIMEOUT_MS);
	while (r < 0 && errno == EINTR);
	if (r == 0)
		return io_failed(db, ETIMEDOUT, error);
	if (r < 0)
		return io_failed(db, errno, error);
	do
		n = recv(db->fd, buf, sizeof(buf), 0);
	while (n < 0 && errno == EINTR);
	if (n <= 0)
		return io_failed(db, n == 0 ? ECONNRESET : errno, error);
	g_byte_array_append(db->in, (const guint8 *)buf, (guint)n);
	return true;
}

json_t *vnet_ovsdb_call(vnet_ovsdb *db, const char *method, json_t *params, GError **error)
{
	guint64 id = db->next_id++;
	g_autofree char *req = vnet_ovsdb_request(method, params, id);

	if (!req || !send_all(db, req, error))
		return NULL;
	for (;;) {
		g_autoptr(json_t) msg = NULL;
		g_autoptr(GError) e = NULL;
		size_t used = 0;
		vnet_ovsdb_frame f = vnet_ovsdb_parse(db->db_name, (const char *)db->in->data, db->in->len, id, &used, &msg, &e);

		if (used)
			g_byte_array_remove_range(db->in, 0, (guint)used);
		switch (f) {
		case VNET_OVSDB_MORE:
			if (!read_some(db, error))
				return NULL;
			break;
		case VNET_OVSDB_REPLY:
			if (e) {
				g_propagate_error(error, g_steal_pointer(&e));
				return NULL;
			}
			return g_steal_pointer(&msg);
		case VNET_OVSDB_ECHO: {
			g_autofree char *text = json_dumps(msg, JSON_COMPACT);
			if (!text || !send_all(db, text, error))
				return NULL;
			break;
		}
		case VNET_OVSDB_UPDATE:	/* a watch's connection makes no calls after its monitor */
		case VNET_OVSDB_SKIP:
			break;
		case VNET_OVSDB_BAD:
			vnet_set_error(error, VNET_ERROR_FAILED,
				       _("What the OVSDB database %s at %s sent is not JSON-RPC; is that really an ovsdb-server?"),
				       db->db_name, db->path);
			return NULL;
		}
	}
}

json_t *vnet_ovsdb_transact(vnet_ovsdb *db, json_t *ops, GError **error)
{
	size_t n = json_array_size(ops);
	g_autoptr(json_t) result = NULL;

	json_array_insert_new(ops, 0, json_string(db->db_name));
	result = vnet_ovsdb_call(db, "transact", ops, error);
	if (!result || !vnet_ovsdb_check_result(db->db_name, result, n, error))
		return NULL;
	return g_steal_pointer(&result);
}

/* ---- values of the database ---- */

const char *vnet_ovsdb_uuid(const json_t *v)
{
	if (json_is_array(v) && json_array_size(v) == 2 &&
	    g_strcmp0(json_string_value(json_array_get(v, 0)), "uuid") == 0)
		return json_string_value(json_array_get(v, 1));
	return NULL;
}

/* A set's members: ["set", [...]] or a single atom (RFC 7047, 5.1). */
size_t vnet_ovsdb_set_size(const json_t *v)
{
	if (json_is_array(v) && g_strcmp0(json_string_value(json_array_get(v, 0)), "set") == 0)
		return json_array_size(json_array_get(v, 1));
	return v ? 1 : 0;
}

const json_t *vnet_ovsdb_set_get(const json_t *v, size_t i)
{
	if (json_is_array(v) && g_strcmp0(json_string_value(json_array_get(v, 0)), "set") == 0)
		return json_array_get(json_array_get(v, 1), i);
	return i == 0 ? v : NULL;
}

/* The value of @key in a map ["map", [[k, v], ...]], or NULL. */
const json_t *vnet_ovsdb_map_get(const json_t *v, const char *key)
{
	const json_t *pairs = json_array_get(v, 1), *pair;
	size_t i;

	if (g_strcmp0(json_string_value(json_array_get(v, 0)), "map") != 0)
		return NULL;
	json_array_foreach(pairs, i, pair)
		if (g_strcmp0(json_string_value(json_array_get(pair, 0)), key) == 0)
			return json_array_get(pair, 1);
	return NULL;
}

static json_t *where_name(const char *name)
{
	return json_pack("[[s, s, s]]", "name", "==", name);
}

static json_t *where_uuid(const char *uuid)
{
	return json_pack("[[s, s, [s, s]]]", "_uuid", "==", "uuid", uuid);
}

/* Fail at once unless no row of @table is named @name (ovs-vsctl's verify, in the server). */
static json_t *wait_none(const char *table, const char *name)
{
	return json_pack("{s:s, s:i, s:s, s:o, s:[s], s:s, s:[]}", "op", "wait", "timeout", 0, "table", table,
			 "where", where_name(name), "columns", "name", "until", "==", "rows");
}

/* Bump next_cfg and read it back: ovs-vswitchd's cur_cfg reaches it once it applied the change. */
static void add_cfg_bump(json_t *ops)
{
	json_array_append_new(ops, json_pack("{s:s, s:s, s:[], s:[[s, s, i]]}", "op", "mutate", "table", DB_NAME,
					     "where", "mutations", "next_cfg", "+=", 1));
	json_array_append_new(ops, json_pack("{s:s, s:s, s:[], s:[s]}", "op", "select", "table", DB_NAME,
					     "where", "columns", "next_cfg"));
}

/* What ovsdb-server logs with the transaction. */
static json_t *comment(const char *what, const char *a)
{
	g_autofree char *c = g_strconcat("vnetctl: ", what, " ", a, NULL);

	return json_pack("{s:s, s:s}", "op", "comment", "comment", c);
}

/* The mark of a bridge vnetctl made: the only kind it ever deletes. */
static json_t *ours(void)
{
	return json_pack("[s, [[s, s]]]", "map", VNET_OVS_MARK_KEY, VNET_OVS_MARK_VALUE);
}

json_t *vnet_ovs_ops_add_bridge(const char *name, const char *datapath, const char *mac)
{
	json_t *ops = json_array();
	json_t *other = mac ? json_pack("[s, [[s, s]]]", "map", "hwaddr", mac) : json_pack("[s, []]", "map");

	json_array_append_new(ops, comment("create bridge", name));
	/* The one Open_vSwitch row must be there (ovs-vsctl init), else the bridge would dangle. */
	json_array_append_new(ops, json_pack("{s:s, s:i, s:s, s:[], s:[s], s:s, s:[]}", "op", "wait", "timeout", 0,
					     "table", DB_NAME, "where", "columns", "_uuid", "until", "!=", "rows"));
	json_array_append_new(ops, wait_none("Bridge", name));
	json_array_append_new(ops, wait_none("Port", name));
	json_array_append_new(ops, wait_none("Interface", name));
	json_array_append_new(ops, json_pack("{s:s, s:s, s:{s:s, s:s}, s:s}", "op", "insert", "table", "Interface",
					     "row", "name", name, "type", "internal", "uuid-name", "iface"));
	json_array_append_new(ops, json_pack("{s:s, s:s, s:{s:s, s:[s, s]}, s:s}", "op", "insert", "table", "Port",
					     "row", "name", name, "interfaces", "named-uuid", "iface",
					     "uuid-name", "port"));
	json_array_append_new(ops, json_pack("{s:s, s:s, s:{s:s, s:[s, s], s:s, s:o, s:o}, s:s}", "op", "insert",
					     "table", "Bridge", "row", "name", name, "ports", "named-uuid", "port",
					     "datapath_type", datapath, "other_config", other, "external_ids", ours(),
					     "uuid-name", "br"));
	json_array_append_new(ops, json_pack("{s:s, s:s, s:[], s:[[s, s, [s, s]]]}", "op", "mutate", "table", DB_NAME,
					     "where", "mutations", "bridges", "insert", "named-uuid", "br"));
	add_cfg_bump(ops);
	return ops;
}

json_t *vnet_ovs_ops_del_bridge(const char *uuid)
{
	json_t *ops = json_array();

	json_array_append_new(ops, json_pack("{s:s, s:s, s:[], s:[[s, s, [s, s]]]}", "op", "mutate", "table", DB_NAME,
					     "where", "mutations", "bridges", "delete", "uuid", uuid));
	add_cfg_bump(ops);
	return ops;
}

json_t *vnet_ovs_ops_add_port(const char *br_uuid, const char *bridge, const char *port)
{
	json_t *ops = json_array();

	json_array_append_new(ops, comment("add trunk port", port));
	/* The bridge read is still the bridge of that name. */
	json_array_append_new(ops, json_pack("{s:s, s:i, s:s, s:o, s:[s], s:s, s:[{s:s}]}", "op", "wait", "timeout", 0,
					     "table", "Bridge", "where", where_uuid(br_uuid), "columns", "name",
					     "until", "==", "rows", "name", bridge));
	json_array_append_new(ops, wait_none("Port", port));
	json_array_append_new(ops, wait_none("Interface", port));
	json_array_append_new(ops, json_pack("{s:s, s:s, s:{s:s}, s:s}", "op", "insert", "table", "Interface",
					     "row", "name", port, "uuid-name", "iface"));
	/* No tag and no trunks: a trunk of every VLAN, untagged frames in VLAN 0 (the host's). */
	json_array_append_new(ops, json_pack("{s:s, s:s, s:{s:s, s:[s, s]}, s:s}", "op", "insert", "table", "Port",
					     "row", "name", port, "interfaces", "named-uuid", "iface",
					     "uuid-name", "port"));
	json_array_append_new(ops, json_pack("{s:s, s:s, s:o, s:[[s, s, [s, s]]]}", "op", "mutate", "table", "Bridge",
					     "where", where_uuid(br_uuid), "mutations", "ports", "insert",
					     "named-uuid", "port"));
	add_cfg_bump(ops);
	return ops;
}

json_t *vnet_ovs_ops_del_port(const char *br_uuid, const char *port_uuid)
{
	json_t *ops = json_array();

	json_array_append_new(ops, json_pack("{s:s, s:s, s:o, s:[[s, s, [s, s]]]}", "op", "mutate", "table", "Bridge",
					     "where", where_uuid(br_uuid), "mutations", "ports", "delete",
					     "uuid", port_uuid));
	add_cfg_bump(ops);
	return ops;
}

/* ---- reading ---- */

void vnet_ovs_bridge_free(vnet_ovs_bridge *b)
{
	if (!b)
		return;
	g_free(b->name);
	g_free(b->datapath_type);
	g_ptr_array_unref(b->ports);
	g_free(b);
}

static void port_free(vnet_ovs_port *p)
{
	g_free(p->name);
	g_array_unref(p->trunks);
	g_free(p->iface_id);
	g_free(p);
}

json_t *vnet_ovsdb_select(const char *table, json_t *where, const char *columns)
{
	g_auto(GStrv) cols = g_strsplit(columns, " ", -1);
	json_t *c = json_array();

	for (guint i = 0; cols[i]; i++)
		json_array_append_new(c, json_string(cols[i]));
	return json_pack("{s:s, s:s, s:o, s:o}", "op", "select", "table", table, "where", where ? where : json_array(),
			 "columns", c);
}

/* The rows of the @i-th select of @result. */
const json_t *vnet_ovsdb_rows(const json_t *result, size_t i)
{
	return json_object_get(json_array_get(result, i), "rows");
}

/* The row of @rows whose _uuid is @uuid. */
static const json_t *row_by_uuid(const json_t *rows, const char *uuid)
{
	const json_t *r;
	size_t i;

	if (!uuid)
		return NULL;
	json_array_foreach(rows, i, r)
		if (g_strcmp0(vnet_ovsdb_uuid(json_object_get(r, "_uuid")), uuid) == 0)
			return r;
	return NULL;
}

/* A VLAN ID (0 to 4095) as the database has it, or -1. */
static int vlan_of(const json_t *v)
{
	json_int_t i = json_integer_value(v);

	return json_is_integer(v) && i >= 0 && i <= 4095 ? (int)i : -1;
}

static vnet_ovs_port *port_from_rows(const json_t *port, const json_t *ifaces)
{
	vnet_ovs_port *p = g_new0(vnet_ovs_port, 1);
	const json_t *tag = json_object_get(port, "tag"), *trunks = json_object_get(port, "trunks");
	const json_t *ifs = json_object_get(port, "interfaces");

	p->name = g_strdup(json_string_value(json_object_get(port, "name")));
	p->tag = vnet_ovsdb_set_size(tag) == 1 ? vlan_of(vnet_ovsdb_set_get(tag, 0)) : -1;
	p->trunks = g_array_new(FALSE, FALSE, sizeof(guint16));
	for (size_t i = 0; i < vnet_ovsdb_set_size(trunks); i++) {
		int v = vlan_of(vnet_ovsdb_set_get(trunks, i));
		guint16 v16 = (guint16)v;
		if (v >= 0)
			g_array_append_val(p->trunks, v16);
	}
	p->ofport = -1;
	for (size_t i = 0; i < vnet_ovsdb_set_size(ifs); i++) {
		const json_t *ir = row_by_uuid(ifaces, vnet_ovsdb_uuid(vnet_ovsdb_set_get(ifs, i)));
		const char *id = json_string_value(vnet_ovsdb_map_get(json_object_get(ir, "external_ids"), "iface-id"));
		const json_t *of = json_object_get(ir, "ofport");
		json_int_t n = vnet_ovsdb_set_size(of) == 1 ? json_integer_value(vnet_ovsdb_set_get(of, 0)) : -1;
		if (!p->iface_id)
			p->iface_id = g_strdup(id);
		/* OVS's -1 is a failed interface; one port, one interface for a guest's */
		if (p->ofport < 0 && n > 0 && n < 0xff00)
			p->ofport = (int)n;
	}
	return p;
}

GPtrArray *vnet_ovs_parse_bridges(const json_t *res)
{
	g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func((GDestroyNotify)vnet_ovs_bridge_free);
	const json_t *brs, *ports, *ifaces, *br;
	size_t i;

	brs = vnet_ovsdb_rows(res, 0);
	ports = vnet_ovsdb_rows(res, 1);
	ifaces = vnet_ovsdb_rows(res, 2);
	json_array_foreach(brs, i, br) {
		vnet_ovs_bridge *b = g_new0(vnet_ovs_bridge, 1);
		const json_t *pl = json_object_get(br, "ports");
		const char *name = json_string_value(json_object_get(br, "name"));
		const char *dp = json_string_value(json_object_get(br, "datapath_type"));
		b->name = g_strdup(name ? name : "");
		b->datapath_type = g_strdup(dp ? dp : "");
		b->ports = g_ptr_array_new_with_free_func((GDestroyNotify)port_free);
		for (size_t j = 0; j < vnet_ovsdb_set_size(pl); j++) {
			const json_t *pr = row_by_uuid(ports, vnet_ovsdb_uuid(vnet_ovsdb_set_get(pl, j)));
			if (pr)
				g_ptr_array_add(b->ports, port_from_rows(pr, ifaces));
		}
		g_ptr_array_add(out, b);
	}
	return g_steal_pointer(&out);
}

bool vnet_ovs_read(vnet_ovsdb *db, GPtrArray **ret_bridges, GError **error)
{
	json_t *ops = json_array();
	g_autoptr(json_t) res = NULL;

	json_array_append_new(ops, vnet_ovsdb_select("Bridge", NULL, "_uuid name ports datapath_type"));
	json_array_append_new(ops, vnet_ovsdb_select("Port", NULL, "_uuid name tag trunks interfaces"));
	json_array_append_new(ops, vnet_ovsdb_select("Interface", NULL, "_uuid name external_ids ofport"));
	if (!(res = vnet_ovsdb_transact(db, ops, error)))
		return false;
	*ret_bridges = vnet_ovs_parse_bridges(res);
	return true;
}

const vnet_ovs_bridge *vnet_ovs_find_bridge(const GPtrArray *bridges, const char *name)
{
	for (guint i = 0; bridges && i < bridges->len; i++)
		if (g_strcmp0(((vnet_ovs_bridge *)bridges->pdata[i])->name, name) == 0)
			return bridges->pdata[i];
	return NULL;
}

const vnet_ovs_port *vnet_ovs_find_port(const vnet_ovs_bridge *b, const char *name)
{
	for (guint i = 0; b && i < b->ports->len; i++)
		if (g_strcmp0(((vnet_ovs_port *)b->ports->pdata[i])->name, name) == 0)
			return b->ports->pdata[i];
	return NULL;
}

const char *vnet_ovs_pick_datapath(const GPtrArray *bridges, bool have_kmod)
{
	/* Bridges of one datapath can be patched together; keep to the one in use. */
	for (guint i = 0; bridges && i < bridges->len; i++) {
		const char *dp = ((vnet_ovs_bridge *)bridges->pdata[i])->datapath_type;
		if (dp && *dp)
			return dp;
	}
	return have_kmod ? "system" : "netdev";
}

/* ---- changes ---- */

/* The _uuid of the row of @table named @name, or NULL (@error set only on failure). */
static char *find_uuid_where(vnet_ovsdb *db, const char *table, json_t *where, GError **error)
{
	json_t *ops = json_pack("[o]", vnet_ovsdb_select(table, where, "_uuid"));
	g_autoptr(json_t) res = vnet_ovsdb_transact(db, ops, error);
	const char *u = res ? vnet_ovsdb_uuid(json_object_get(json_array_get(vnet_ovsdb_rows(res, 0), 0), "_uuid")) : NULL;

	return g_strdup(u);
}

static char *find_uuid(vnet_ovsdb *db, const char *table, const char *name, GError **error)
{
	return find_uuid_where(db, table, where_name(name), error);
}

/* Transact @ops, whose last result is next_cfg, and wait until ovs-vswitchd has applied it. */
static bool transact_applied(vnet_ovsdb *db, json_t *ops, const char *what, GError **error)
{
	size_t n = json_array_size(ops);
	g_autoptr(json_t) res = vnet_ovsdb_transact(db, ops, error);
	const json_t *row;
	json_int_t next;
	gint64 deadline = g_get_monotonic_time() + APPLY_TIMEOUT_US;

	if (!res)
		return false;
	row = json_array_get(vnet_ovsdb_rows(res, n - 1), 0);
	next = json_integer_value(json_object_get(row, "next_cfg"));
	for (;;) {
		json_t *q = json_pack("[o]", vnet_ovsdb_select(DB_NAME, NULL, "cur_cfg"));
		g_autoptr(json_t) r = vnet_ovsdb_transact(db, q, error);
		const json_t *cur;
		if (!r)
			return false;
		cur = json_object_get(json_array_get(vnet_ovsdb_rows(r, 0), 0), "cur_cfg");
		if (json_integer_value(cur) >= next)
			return true;
		if (g_get_monotonic_time() > deadline)
			break;
		g_usleep(10 * 1000);
	}
	vnet_set_error(error, VNET_ERROR_FAILED,
		       _("Open vSwitch recorded the change to %s but ovs-vswitchd did not apply it within 10 seconds; is ovs-vswitchd running?"),
		       what);
	return false;
}

bool vnet_ovs_bridge_missing(const char *name, bool link_exists, const char *port, bool *ret_missing,
			     bool *ret_has_port, GError **error)
{
	g_autoptr(vnet_ovsdb) db = vnet_ovsdb_connect(NULL, error);
	g_autoptr(GPtrArray) bridges = NULL;
	bool missing;

	if (!db || !vnet_ovs_read(db, &bridges, error))
		return false;
	missing = !vnet_ovs_find_bridge(bridges, name);
	if (missing && link_exists) {
		vnet_set_error(error, VNET_ERROR_CONFLICT,
			       _("The bridge name %s is used by an interface that is not an Open vSwitch bridge; choose another with --bridge."),
			       name);
		return false;
	}
	*ret_missing = missing;
	if (ret_has_port)
		*ret_has_port = port && vnet_ovs_find_port(vnet_ovs_find_bridge(bridges, name), port);
	return true;
}

bool vnet_ovs_add_bridge(vnet_ovsdb *db, const char *name, const char *mac, GError **error)
{
	g_autoptr(GPtrArray) bridges = NULL;
	g_autoptr(GError) e = NULL;
	const char *dp;

	if (!vnet_check_ifname(name, error) || !vnet_ovs_read(db, &bridges, error))
		return false;
	dp = vnet_ovs_pick_datapath(bridges, g_file_test(VNET_OVS_KMOD, G_FILE_TEST_IS_DIR));
	if (transact_applied(db, vnet_ovs_ops_add_bridge(name, dp, mac), name, &e))
		return true;
	if (g_strrstr(e->message, "timed out"))
		vnet_set_error(error, VNET_ERROR_CONFLICT,
			       _("Open vSwitch already has a bridge, port or interface named %s (or no Open_vSwitch row: run \"ovs-vsctl init\"); pick another bridge name."),
			       name);
	else
		g_propagate_error(error, g_steal_pointer(&e));
	return false;
}

bool vnet_ovs_del_bridge(vnet_ovsdb *db, const char *name, GError **error)
{
	g_autoptr(GError) e = NULL;
	json_t *where = json_pack("[[s, s, s], [s, s, o]]", "name", "==", name, "external_ids", "includes", ours());
	g_autofree char *uuid = find_uuid_where(db, "Bridge", where, &e);

	if (e) {
		g_propagate_error(error, g_steal_pointer(&e));
		return false;
	}
	return !uuid || transact_applied(db, vnet_ovs_ops_del_bridge(uuid), name, error);
}

bool vnet_ovs_add_port(vnet_ovsdb *db, const char *bridge, const char *port, GError **error)
{
	g_autoptr(GError) e = NULL;
	g_autofree char *uuid = NULL;

	if (!vnet_check_ifname(port, error))
		return false;
	uuid = find_uuid(db, "Bridge", bridge, &e);
	if (!uuid && !e)
		vnet_set_error(&e, VNET_ERROR_NOT_FOUND, _("Open vSwitch has no bridge %s."), bridge);
	if (uuid && transact_applied(db, vnet_ovs_ops_add_port(uuid, bridge, port), port, &e))
		return true;
	if (g_strrstr(e->message, "timed out"))
		vnet_set_error(error, VNET_ERROR_CONFLICT,
			       _("The interface %s is already a port in Open vSwitch, or the bridge %s changed meanwhile; nothing was changed."),
			       port, bridge);
	else
		g_propagate_error(error, g_steal_pointer(&e));
	return false;
}

bool vnet_ovs_del_port(vnet_ovsdb *db, const char *bridge, const char *port, GError **error)
{
	g_autoptr(GError) e = NULL;
	g_autofree char *br = find_uuid(db, "Bridge", bridge, &e);
	g_autofree char *pu = br ? find_uuid(db, "Port", port, &e) : NULL;

	if (e) {
		g_propagate_error(error, g_steal_pointer(&e));
		return false;
	}
	/* A port of another bridge is not in this one's set: the mutation leaves it alone. */
	return !br || !pu || transact_applied(db, vnet_ovs_ops_del_port(br, pu), port, error);
}

/* ---- the watch of bridge membership ---- */

/* The tables and columns it follows: enough to tell which port of which bridge has which ofport. */
static const char *const watch_tables[] = { "Bridge", "Port", "Interface" };
#define WATCH_MONITOR_ID "vnetctl-watch"

struct vnet_ovs_watch {
	vnet_ovsdb *db;			/* NULL when detached */
	GHashTable *rows[G_N_ELEMENTS(watch_tables)];	/* uuid -> json_t row (its monitored columns) */
	GHashTable *seen;		/* bridge -> its ports as of the last take_changed */
	GByteArray *pending;		/* detached: what was fed and not framed yet */
	/*
	 * ovs-vswitchd restarted alone loses every flow and changes no row it
	 * had: its management sockets made anew (BRIDGE.mgmt, beside the
	 * database's) are what tells.
	 */
	int ino, ep;			/* inotify on that directory; epoll of both (the fd polled) */
	GHashTable *remade;		/* bridges whose management socket was made since the last take */
	bool first;
};

static gint cmp_str_p(gconstpointer a, gconstpointer b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static vnet_ovs_watch *watch_alloc(void)
{
	vnet_ovs_watch *w = g_new0(vnet_ovs_watch, 1);

	for (guint i = 0; i < G_N_ELEMENTS(watch_tables); i++)
		w->rows[i] = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify)json_decref);
	w->seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	w->pending = g_byte_array_new();
	w->remade = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	w->ino = w->ep = -1;
	w->first = true;
	return w;
}

vnet_ovs_watch *vnet_ovs_watch_new_detached(void)
{
	return watch_alloc();
}

void vnet_ovs_watch_free(vnet_ovs_watch *w)
{
	if (!w)
		return;
	vnet_ovsdb_free(w->db);
	for (guint i = 0; i < G_N_ELEMENTS(watch_tables); i++)
		g_hash_table_unref(w->rows[i]);
	g_hash_table_unref(w->seen);
	g_byte_array_unref(w->pending);
	g_hash_table_unref(w->remade);
	if (w->ino >= 0)
		close(w->ino);
	if (w->ep >= 0)
		close(w->ep);
	g_free(w);
}

static bool bad_update(GError **error, const char *what)
{
	vnet_set_error(error, VNET_ERROR_FAILED,
		       _("The Open vSwitch database sent a monitor update vnetctl cannot read (%s); the watch connects again."),
		       what);
	return false;
}

/* RFC 7047 4.1.6: {table: {uuid: {"old": row, "new": row}}}; a row without "new" is gone. */
static bool apply_updates(vnet_ovs_watch *w, const json_t *updates, GError **error)
{
	const char *table, *uuid;
	const json_t *rows, *ru;

	if (!json_is_object(updates))
		return bad_update(error, "table-updates is no object");
	json_object_foreach((json_t *)updates, table, rows) {
		GHashTable *copy = NULL;
		for (guint i = 0; i < G_N_ELEMENTS(watch_tables); i++)
			if (g_str_equal(table, watch_tables[i]))
				copy = w->rows[i];
		if (!json_is_object(rows))
			return bad_update(error, "a table's updates are no object");
		if (!copy)
			continue;	/* a table it did not ask for */
		json_object_foreach((json_t *)rows, uuid, ru) {
			const json_t *nw = json_object_get(ru, "new"), *old = json_object_get(ru, "old");
			if (!json_is_object(ru) || (nw && !json_is_object(nw)) || (old && !json_is_object(old)))
				return bad_update(error, "a row update is no object");
			if (!*uuid)
				return bad_update(error, "a row without uuid");
			if (nw)
				g_hash_table_replace(copy, g_strdup(uuid), json_incref((json_t *)nw));
			else
				g_hash_table_remove(copy, uuid);
		}
	}
	return true;
}

/* "port=ofport ..." of bridge row @br, the ports sorted: what a change of membership changes. */
static char *bridge_ports(vnet_ovs_watch *w, const json_t *br)
{
	const json_t *ports = json_object_get(br, "ports");
	g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func(g_free);
	GString *s = g_string_new(NULL);

	for (size_t i = 0; i < vnet_ovsdb_set_size(ports); i++) {
		const char *pu = vnet_ovsdb_uuid(vnet_ovsdb_set_get(ports, i));
		const json_t *port = pu ? g_hash_table_lookup(w->rows[1], pu) : NULL;
		const json_t *ifaces = json_object_get(port, "interfaces");
		const char *pname = json_string_value(json_object_get(port, "name"));
		if (!pname)
			continue;
		for (size_t k = 0; k < vnet_ovsdb_set_size(ifaces); k++) {
			const char *iu = vnet_ovsdb_uuid(vnet_ovsdb_set_get(ifaces, k));
			const json_t *iface = iu ? g_hash_table_lookup(w->rows[2], iu) : NULL;
			const json_t *of = vnet_ovsdb_set_get(json_object_get(iface, "ofport"), 0);
			g_ptr_array_add(items, g_strdup_printf("%s/%s=%" JSON_INTEGER_FORMAT, pname,
							       json_string_value(json_object_get(iface, "name")) ?: "?",
							       json_is_integer(of) ? json_integer_value(of) : -1));
		}
		if (!vnet_ovsdb_set_size(ifaces))
			g_ptr_array_add(items, g_strdup_printf("%s=-", pname));
	}
	g_ptr_array_sort(items, cmp_str_p);
	for (guint i = 0; i < items->len; i++)
		g_string_append_printf(s, "%s ", (const char *)items->pdata[i]);
	return g_string_free(s, FALSE);
}

char **vnet_ovs_watch_take_changed(vnet_ovs_watch *w)
{
	g_autoptr(GHashTable) now = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	g_autoptr(GPtrArray) changed = g_ptr_array_new();
	GHashTableIter it;
	gpointer k, v;

	g_hash_table_iter_init(&it, w->rows[0]);
	while (g_hash_table_iter_next(&it, &k, &v)) {
		const char *name = json_string_value(json_object_get(v, "name"));
		if (name && !g_hash_table_contains(now, name))
			g_hash_table_insert(now, g_strdup(name), bridge_ports(w, v));
	}
	g_hash_table_iter_init(&it, now);
	while (g_hash_table_iter_next(&it, &k, &v))
		if (w->first || g_strcmp0(g_hash_table_lookup(w->seen, k), v) != 0)
			g_ptr_array_add(changed, g_strdup(k));
	g_hash_table_iter_init(&it, w->seen);
	while (g_hash_table_iter_next(&it, &k, &v))
		if (!g_hash_table_contains(now, k))
			g_ptr_array_add(changed, g_strdup(k));
	g_hash_table_iter_init(&it, w->remade);
	while (g_hash_table_iter_next(&it, &k, &v))
		if (g_hash_table_contains(now, k) && !g_ptr_array_find_with_equal_func(changed, k, g_str_equal, NULL))
			g_ptr_array_add(changed, g_strdup(k));
	g_hash_table_remove_all(w->remade);
	g_hash_table_unref(w->seen);
	w->seen = g_steal_pointer(&now);
	w->first = false;
	g_ptr_array_sort(changed, cmp_str_p);
	g_ptr_array_add(changed, NULL);
	return (char **)g_ptr_array_free(g_steal_pointer(&changed), FALSE);
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* Without inotify or epoll the watch still hears OVSDB: only a restart of ovs-vswitchd alone goes unseen. */
static void watch_sockets(vnet_ovs_watch *w)
{
	g_autofree char *dir = g_path_get_dirname(vnet_ovsdb_socket_path(NULL));
	struct epoll_event ev = { .events = EPOLLIN };

	w->ino = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (w->ino >= 0 && inotify_add_watch(w->ino, dir, IN_CREATE | IN_MOVED_TO) < 0)
		close_fd(&w->ino);
	if (w->ino < 0 || (w->ep = epoll_create1(EPOLL_CLOEXEC)) < 0)
		return;
	ev.data.fd = w->db->fd;
	if (epoll_ctl(w->ep, EPOLL_CTL_ADD, w->db->fd, &ev) < 0)
		close_fd(&w->ep);
	ev.data.fd = w->ino;
	if (w->ep >= 0 && epoll_ctl(w->ep, EPOLL_CTL_ADD, w->ino, &ev) < 0)
		close_fd(&w->ep);
}

/* Every whole message in @w->db->in (or @in, detached). */
static bool watch_process(vnet_ovs_watch *w, GByteArray *in, GError **error)
{
	for (;;) {
		g_autoptr(json_t) msg = NULL;
		g_autoptr(GError) e = NULL;
		size_t used = 0;
		vnet_ovsdb_frame f = vnet_ovsdb_parse(NULL, (const char *)in->data, in->len, 0, &used, &msg, &e);

		if (used)
			g_byte_array_remove_range(in, 0, (guint)used);
		switch (f) {
		case VNET_OVSDB_MORE:
			return true;
		case VNET_OVSDB_ECHO:
			if (w->db) {
				g_autofree char *text = json_dumps(msg, JSON_COMPACT);
				if (!text || !send_all(w->db, text, error))
					return false;
			}
			break;
		case VNET_OVSDB_UPDATE:
			if (json_array_size(msg) != 2)
				return bad_update(error, "params are not [monitor, updates]");
			if (!apply_updates(w, json_array_get(msg, 1), error))
				return false;
			break;
		case VNET_OVSDB_REPLY:
		case VNET_OVSDB_SKIP:
			break;
		case VNET_OVSDB_BAD:
			return bad_update(error, "not JSON-RPC");
		}
	}
}

bool vnet_ovs_watch_feed(vnet_ovs_watch *w, const char *buf, size_t len, GError **error)
{
	GByteArray *in = w->db ? w->db->in : w->pending;

	g_byte_array_append(in, (const guint8 *)buf, (guint)len);
	return watch_process(w, in, error);
}

vnet_ovs_watch *vnet_ovs_watch_new(GError **error)
{
	g_autoptr(vnet_ovs_watch) w = watch_alloc();
	g_autoptr(json_t) initial = NULL;
	json_t *params;

	if (!(w->db = vnet_ovsdb_connect(NULL, error)))
		return NULL;
	params = json_pack("[s, s, {s:{s:[s, s]}, s:{s:[s, s]}, s:{s:[s, s]}}]", DB_NAME, WATCH_MONITOR_ID,
			   "Bridge", "columns", "name", "ports", "Port", "columns", "name", "interfaces",
			   "Interface", "columns", "name", "ofport");
	/* The reply is every row as it is now: the start of the copy the updates change. */
	if (!(initial = vnet_ovsdb_call(w->db, "monitor", params, error)) || !apply_updates(w, initial, error))
		return NULL;
	watch_sockets(w);
	return g_steal_pointer(&w);
}

int vnet_ovs_watch_fd(const vnet_ovs_watch *w)
{
	return w->ep >= 0 ? w->ep : w->db ? w->db->fd : -1;
}

/* The names of the management sockets made in the directory since the last read. */
static void read_sockets(vnet_ovs_watch *w)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	ssize_t n;

	while (w->ino >= 0 && (n = read(w->ino, buf, sizeof(buf))) > 0) {
		for (char *p = buf; p < buf + n;) {
			const struct inotify_event *ev = (const struct inotify_event *)p;
			if (ev->len && g_str_has_suffix(ev->name, ".mgmt"))
				g_hash_table_add(w->remade, g_strndup(ev->name, strlen(ev->name) - 5));
			p += sizeof(*ev) + ev->len;
		}
	}
}

bool vnet_ovs_watch_changed(vnet_ovs_watch *w, char ***ret_bridges, GError **error)
{
	for (;;) {
		char buf[16384];
		ssize_t n = recv(w->db->fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n <= 0)
			return io_failed(w->db, n == 0 ? ECONNRESET : errno, error);
		g_byte_array_append(w->db->in, (const guint8 *)buf, (guint)n);
	}
	if (!watch_process(w, w->db->in, error))
		return false;
	read_sockets(w);
	*ret_bridges = vnet_ovs_watch_take_changed(w);
	return true;
}
