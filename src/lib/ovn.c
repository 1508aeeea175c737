/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <netdb.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "ovn.h"
#include "util.h"

/* The DHCP lease OVN gives, as libvirt's dnsmasq does by default. */
#define LEASE_TIME "3600"

/* ---- remotes ---- */

/* HOST and PORT of "tcp:HOST:PORT"; false if it is not one. */
static bool split_tcp(const char *rest, char **ret_host, char **ret_port)
{
	const char *colon;
	g_autofree char *host = NULL;

	if (rest[0] == '[') {
		const char *end = strchr(rest, ']');
		if (!end || end[1] != ':')
			return false;
		host = g_strndup(rest + 1, (gsize)(end - rest - 1));
		if (!strchr(host, ':'))
			return false;	/* brackets are for IPv6 */
		colon = end + 1;
	} else {
		colon = strrchr(rest, ':');
		if (!colon || strchr(rest, ':') != colon)
			return false;
		host = g_strndup(rest, (gsize)(colon - rest));
	}
	*ret_host = g_steal_pointer(&host);
	*ret_port = g_strdup(colon + 1);
	return true;
}

static bool host_ok(const char *h)
{
	vnet_addr a;

	if (!*h || strlen(h) > 253)
		return false;
	if (strchr(h, ':'))
		return vnet_addr_parse(h, &a, NULL) && a.family == AF_INET6;
	/* a host name or an IPv4 address: letters, digits, dots and hyphens */
	return strspn(h, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-") == strlen(h) &&
	       h[0] != '-' && h[0] != '.';
}

static bool port_ok(const char *p)
{
	guint64 v;

	return *p && strlen(p) <= 5 && strspn(p, "0123456789") == strlen(p) && p[0] != '0' &&
	       (v = g_ascii_strtoull(p, NULL, 10)) >= 1 && v <= 65535;
}

bool vnet_ovn_check_remote(const char *remote, GError **error)
{
	g_autofree char *host = NULL, *port = NULL;

	if (remote && g_str_has_prefix(remote, "unix:")) {
		const char *p = remote + 5;
		if (p[0] == '/' && strlen(p) < sizeof(((struct sockaddr_un *)0)->sun_path) &&
		    !strpbrk(p, " \t\n\r") && g_utf8_validate(p, -1, NULL))
			return true;
	} else if (remote && g_str_has_prefix(remote, "tcp:")) {
		if (split_tcp(remote + 4, &host, &port) && host_ok(host) && port_ok(port))
			return true;
	}
	vnet_set_error(error, VNET_ERROR_INVALID,
		       _("\"%s\" is not an OVN northbound database remote: use tcp:HOST:PORT (for example tcp:192.0.2.10:6641) or unix:/PATH/TO/SOCKET."),
		       remote ? remote : "");
	return false;
}

static int connect_unix(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	memcpy(sun.sun_path, path, strlen(path) + 1);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

static int connect_tcp(const char *host, const char *port)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_ADDRCONFIG };
	struct addrinfo *res = NULL;
	int fd = -1, e = EHOSTUNREACH;

	if (getaddrinfo(host, port, &hints, &res) != 0) {
		errno = EHOSTUNREACH;
		return -1;
	}
	for (struct addrinfo *a = res; a && fd < 0; a = a->ai_next) {
		fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
		if (fd >= 0 && connect(fd, a->ai_addr, a->ai_addrlen) < 0) {
			e = errno;
			close(fd);
			fd = -1;
		}
	}
	freeaddrinfo(res);
	errno = e;
	return fd;
}

vnet_ovsdb *vnet_ovn_connect(const char *remote, const char *db_name, GError **error)
{
	g_autofree char *host = NULL, *port = NULL;
	int fd;

	if (!vnet_ovn_check_remote(remote, error))
		return NULL;
	if (g_str_has_prefix(remote, "unix:"))
		fd = connect_unix(remote + 5);
	else {
		split_tcp(remote + 4, &host, &port);
		fd = connect_tcp(host, port);
	}
	if (fd < 0) {
		vnet_set_error(error, VNET_ERROR_FAILED,
			       _("Cannot connect to the OVN database %s at %s: %s. Is its ovsdb-server running and listening there?"),
			       db_name, remote, g_strerror(errno));
		return NULL;
	}
	return vnet_ovsdb_adopt(fd, remote, db_name);
}

char *vnet_ovn_sb_remote(const char *nb)
{
	const char *env = g_getenv(VNET_OVN_SB_ENV);
	g_autofree char *host = NULL, *port = NULL;

	if (env && *env)
		return g_strdup(env);
	if (!nb || !g_str_has_prefix(nb, "tcp:") || !split_tcp(nb + 4, &host, &port))
		return NULL;
	return strchr(host, ':') ? g_strdup_printf("tcp:[%s]:6642", host) : g_strdup_printf("tcp:%s:6642", host);
}

bool vnet_intent_set_ovn(vnet_intent *intent, const char *remote, GError **error)
{
	if (remote && !vnet_ovn_check_remote(remote, error))
		return false;
	g_free(intent->ovn);
	intent->ovn = g_strdup(remote);
	return true;
}

const char *vnet_intent_get_ovn(const vnet_intent *intent)
{
	return intent->ovn;
}

bool vnet_intent_set_ovn_external(vnet_intent *intent, const char *cidr, GError **error)
{
	vnet_cidr c;

	if (cidr && (!vnet_cidr_parse(cidr, VNET_CIDR_NEED_PREFIX, &c, NULL) || c.addr.family != AF_INET ||
		     c.prefix < 8 || c.prefix > 30 || vnet_cidr_is_reserved(&c, &c.addr))) {
		vnet_set_error(error, VNET_ERROR_INVALID,
			       _("\"%s\" is not an external address for an OVN router: give an IPv4 host address with its network's prefix (/8 to /30), for example 198.51.100.10/24."),
			       cidr);
		return false;
	}
	g_free(intent->ovn_external);
	intent->ovn_external = cidr ? vnet_cidr_format(&c) : NULL;
	return true;
}

const char *vnet_intent_get_ovn_external(const vnet_intent *intent)
{
	return intent->ovn_external;
}

bool vnet_intent_set_ovn_nexthop(vnet_intent *intent, const char *addr, GError **error)
{
	vnet_addr a;

	if (addr && (!vnet_addr_parse(addr, &a, NULL) || a.family != AF_INET)) {
		vnet_set_error(error, VNET_ERROR_INVALID,
			       _("\"%s\" is not an IPv4 address for the OVN router's next hop."), addr);
		return false;
	}
	g_free(intent->ovn_nexthop);
	intent->ovn_nexthop = addr ? vnet_addr_format(&a) : NULL;
	return true;
}

const char *vnet_intent_get_ovn_nexthop(const vnet_intent *intent)
{
	return intent->ovn_nexthop;
}

static bool check_chassis_name(const char *chassis, GError **error)
{
	if (vnet_name_is_valid(chassis, 64))
		return true;
	vnet_set_error(error, VNET_ERROR_INVALID,
		       _("\"%s\" is not an OVN chassis name: use at most 64 letters, digits, \"_\", \".\" or \"-\", starting with a letter or digit (the chassis' system-id)."),
		       chassis);
	return false;
}

bool vnet_intent_set_ovn_gateway(vnet_intent *intent, const char *chassis, GError **error)
{
	if (chassis && !check_chassis_name(chassis, error))
		return false;
	g_clear_pointer(&intent->ovn_gateways, g_strfreev);
	return !chassis || vnet_intent_add_ovn_gateway(intent, chassis, error);
}

bool vnet_intent_add_ovn_gateway(vnet_intent *intent, const char *chassis, GError **error)
{
	guint n = intent->ovn_gateways ? g_strv_length(intent->ovn_gateways) : 0;

	if (!check_chassis_name(chassis, error))
		return false;
	if (n && g_strv_contains((const char *const *)intent->ovn_gateways, chassis)) {
		vnet_set_error(error, VNET_ERROR_INVALID,
			       _("The gateway chassis \"%s\" is named twice; name each chassis once, in the order OVN should try them."),
			       chassis);
		return false;
	}
	if (n >= VNET_OVN_MAX_GATEWAYS) {
		vnet_set_error(error, VNET_ERROR_INVALID,
			       _("An overlay network has at most %u gateway chassis; \"%s\" is one too many."),
			       VNET_OVN_MAX_GATEWAYS, chassis);
		return false;
	}
	intent->ovn_gateways = g_renew(char *, intent->ovn_gateways, n + 2);
	intent->ovn_gateways[n] = g_strdup(chassis);
	intent->ovn_gateways[n + 1] = NULL;
	return true;
}

const char *vnet_intent_get_ovn_gateway(const vnet_intent *intent)
{
	return intent->ovn_gateways ? intent->ovn_gateways[0] : NULL;
}

const char *const *vnet_intent_get_ovn_gateways(const vnet_intent *intent)
{
	return (const char *const *)intent->ovn_gateways;
}

/* ---- NAT: checks without I/O ---- */

bool vnet_ovn_same_switch(const vnet_intent *a, const vnet_intent *b)
{
	return a->mode == VNET_MODE_OVERLAY && b->mode == VNET_MODE_OVERLAY && !g_strcmp0(a->ovn, b->ovn) &&
	       a->dhcp == b->dhcp && a->subnet4.prefix == b->subnet4.prefix &&
	       vnet_addr_equal(&a->subnet4.addr, &b->subnet4.addr) && !g_strcmp0(a->ovn_external, b->ovn_external) &&
	       !g_strcmp0(a->ovn_nexthop, b->ovn_nexthop);
}

static void external_of(const vnet_intent *in, vnet_cidr *ret_net, vnet_addr *ret_addr)
{
	vnet_cidr c = { 0 };

	vnet_cidr_parse(in->ovn_external, VNET_CIDR_NEED_PREFIX, &c, NULL);
	*ret_addr = c.addr;
	*ret_net = vnet_cidr_network(&c);
}

void vnet_ovn_complete_nexthop(vnet_intent *in)
{
	vnet_cidr net;
	vnet_addr addr, first;

	if (!in->ovn_external || in->ovn_nexthop)
		return;
	external_of(in, &net, &addr);
	if (vnet_cidr_nth(&net, 1, &first) && !vnet_addr_equal(&first, &addr))
		in->ovn_nexthop = vnet_addr_format(&first);
}

bool vnet_ovn_check_nat(const vnet_intent *in, GError **error)
{
	vnet_cidr net;
	vnet_addr addr, hop;

	if (in->mode != VNET_MODE_OVERLAY && (in->ovn_external || in->ovn_nexthop || in->ovn_gateways)) {
		vnet_set_error(error, VNET_ERROR_INVALID,
			       _("Network \"%s\" names an OVN router (--ovn-external, --ovn-nexthop or --ovn-gateway), which only an overlay network (--mode overlay) has."),
			       in->name);
		return false;
	}
	if (!in->ovn_external && (in->ovn_nexthop || in->ovn_gateways)) {
		vnet_set_error(error, VNET_ERROR_INVALID,
			       _("Overlay network \"%s\" has a next hop or gateway chassis but no router to the outside; give the router its external address with --ovn-external."),
			       in->name);
		return false;
	}
	if (!in->ovn_external)
		return true;
	external_of(in, &net, &addr);
	if (in->has_subnet4 && vnet_cidr_overlaps(&net, &in->subnet4)) {
		g_autofree char *n = vnet_cidr_format(&net);
		vnet_set_error(error, VNET_ERROR_INVALID,
			       _("The external network %s of overlay network \"%s\" overlaps its subnet %s; the router needs two networks apart."),
			       n, in->name, vnet_intent_get_subnet(in, AF_INET));
		return false;
	}
	if (!in->ovn_nexthop || !vnet_addr_parse(in->ovn_nexthop, &hop, NULL) || !vnet_cidr_contains(&net, &hop) ||
	    vnet_cidr_is_reserved(&net, &hop) || vnet_addr_equal(&hop, &addr)) {
		g_autofree char *n = vnet_cidr_format(&net);
		vnet_set_error(error, VNET_ERROR_INVALID,
			       _("The next hop %s of overlay network \"%s\" is not another host address of its external network %s; give the router's next hop there with --ovn-nexthop."),
			       in->ovn_nexthop ? in->ovn_nexthop : "-", in->name, n);
		return false;
	}
	return true;
}

/* Each host port of a forward is a VIP of its own: OVN's load balancers take no ranges. */
#define MAX_FORWARD_PORTS 1024

bool vnet_ovn_check_forward(const vnet_intent *in, const vnet_forward *f, GError **error)
{
	g_autofree char *spec = vnet_forward_format(f);
	vnet_cidr net;
	vnet_addr addr;

	external_of(in, &net, &addr);
	if (f->has_host_addr && !vnet_addr_equal(&f->host_addr, &addr)) {
		g_autofree char *h = vnet_addr_format(&f->host_addr), *a = vnet_addr_format(&addr);
		vnet_set_error(error, VNET_ERROR_INVALID,
			       _("The forward \"%s\" is on %s, but overlay network \"%s\" forwards on its router's external address %s only; leave the address out or write %s."),
			       spec, h, in->name, a, a);
		return false;
	}
	if ((guint)f->host_port_end - f->host_port >= MAX_FORWARD_PORTS) {
		vnet_set_error(error, VNET_ERROR_INVALID,
			       _("The forward \"%s\" spans more than %u ports, each an OVN load balancer address of its own; split it or make it shorter."),
			       spec, MAX_FORWARD_PORTS);
		return false;
	}
	return true;
}

/* ---- values ---- */

void vnet_ovn_port_free(vnet_ovn_port *p)
{
	if (!p)
		return;
	g_free(p->name);
	g_free(p->mac);
	g_free(p->ip);
	g_free(p->domain);
	g_free(p->chassis);
	g_free(p);
}

void vnet_ovn_switch_free(vnet_ovn_switch *sw)
{
	if (!sw)
		return;
	g_free(sw->name);
	g_free(sw->uuid);
	g_free(sw->subnet);
	g_free(sw->dhcp_uuid);
	g_ptr_array_unref(sw->ports);
	g_free(sw);
}

static vnet_ovn_port *port_new(const char *name, const char *mac, const char *ip, const char *domain)
{
	vnet_ovn_port *p = g_new0(vnet_ovn_port, 1);

	p->name = g_strdup(name);
	p->mac = g_strdup(mac);
	p->ip = g_strdup(ip);
	p->domain = g_strdup(domain);
	p->up = -1;
	return p;
}

static GPtrArray *ports_new(void)
{
	return g_ptr_array_new_with_free_func((GDestroyNotify)vnet_ovn_port_free);
}

/* ["map", [[k, v], ...]] of the NULL-terminated key/value pairs. */
static json_t *map_of(const char *k, ...)
{
	json_t *pairs = json_array();
	va_list ap;

	va_start(ap, k);
	for (; k; k = va_arg(ap, const char *)) {
		const char *v = va_arg(ap, const char *);
		if (v)
			json_array_append_new(pairs, json_pack("[s, s]", k, v));
	}
	va_end(ap);
	return json_pack("[s, o]", "map", pairs);
}

static json_t *mark(const char *net)
{
	return map_of(VNET_OVN_MARK, net, NULL);
}

static json_t *where_ours(const char *net)
{
	return json_pack("[[s, s, o]]", "external_ids", "includes", mark(net));
}

static json_t *where_uuid(const char *uuid)
{
	return json_pack("[[s, s, [s, s]]]", "_uuid", "==", "uuid", uuid);
}

static json_t *comment(const char *what, const char *a)
{
	g_autofree char *c = g_strconcat("vnetctl: ", what, " ", a, NULL);

	return json_pack("{s:s, s:s}", "op", "comment", "comment", c);
}

/* The first address of @in's subnet that is not its network address: the logical router's and DHCP server's. */
static char *server_ip(const vnet_intent *in)
{
	return vnet_addr_format(&in->gateway4);
}

/* A MAC for the DHCP server, the same for a network on every host: from its name. */
static char *server_mac(const char *net)
{
	g_autofree char *h = g_compute_checksum_for_string(G_CHECKSUM_SHA256, net, -1);

	/* locally administered, unicast */
	return g_strdup_printf("0a:%c%c:%c%c:%c%c:%c%c:%c%c", h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7], h[8], h[9]);
}

static json_t *insert_port(const char *net, const vnet_ovn_port *p, json_t *dhcp_ref, const char *uuid_name)
{
	g_autofree char *addr = g_strdup_printf("%s %s", p->mac, p->ip);

	return json_pack("{s:s, s:s, s:{s:s, s:s, s:o, s:o}, s:s}", "op", "insert", "table", "Logical_Switch_Port",
			 "row", "name", p->name, "addresses", addr, "dhcpv4_options",
			 dhcp_ref ? dhcp_ref : json_pack("[s, []]", "set"), "external_ids",
			 map_of(VNET_OVN_MARK, net, VNET_OVN_DOMAIN, p->domain, NULL), "uuid-name", uuid_name);
}

/* ["named-uuid", @n] */
static json_t *named(const char *n)
{
	return json_pack("[s, s]", "named-uuid", n);
}

static json_t *wait_no_row(const char *table, const char *name)
{
	return json_pack("{s:s, s:i, s:s, s:[[s, s, s]], s:[s], s:s, s:[]}", "op", "wait", "timeout", 0, "table", table,
			 "where", "name", "==", name, "columns", "name", "until", "==", "rows");
}

/* A Logical_Switch_Port of type router that patches switch and router port @lrp. */
/*
 * On the external switch, nat-addresses=router makes the chassis that
 * takes the external port over announce its addresses (gratuitous ARP),
 * so the LAN's switches and neighbours follow a gateway failover at once.
 */
static json_t *router_lsp(const char *net, const char *name, const char *lrp, const char *uuid_name, bool external)
{
	return json_pack("{s:s, s:s, s:{s:s, s:s, s:s, s:o, s:o}, s:s}", "op", "insert", "table", "Logical_Switch_Port",
			 "row", "name", name, "type", "router", "addresses", "router", "options",
			 map_of("router-port", lrp, "nat-addresses", external ? "router" : NULL, NULL), "external_ids",
			 mark(net), "uuid-name", uuid_name);
}

char *vnet_ovn_name(const char *net, vnet_ovn_row row)
{
	switch (row) {
	case VNET_OVN_ROW_ROUTER:
		return g_strdup(net);
	case VNET_OVN_ROW_EXT_SWITCH:
		return g_strdup_printf("%s-ext", net);
	case VNET_OVN_ROW_LRP:
		return g_strdup_printf("lrp-%s", net);
	case VNET_OVN_ROW_EXT_LRP:
		return g_strdup_printf("lrp-%s-ext", net);
	}
	return NULL;
}

/* The guest address a forward goes to, or NULL: a domain's is its port's, and a domain with none has no forward yet. */
static char *forward_guest(const vnet_intent *in, const vnet_forward *f, const GPtrArray *ports)
{
	switch (f->guest_kind) {
	case VNET_GUEST_ADDR:
		return vnet_addr_format(&f->guest_addr);
	case VNET_GUEST_DEFAULT:
		return in->has_guest ? vnet_addr_format(&in->guest) : NULL;
	case VNET_GUEST_NAME:
		for (guint i = 0; ports && i < ports->len; i++) {
			const vnet_ovn_port *p = ports->pdata[i];
			if (g_strcmp0(p->domain, f->guest_name) == 0)
				return g_strdup(p->ip);
		}
		return NULL;
	}
	return NULL;
}

/*
 * The Load_Balancer rows of @forwards (vnet_forward *), one per protocol:
 * each host port a VIP on the router's external address, appended to @ops,
 * their named uuids to @refs.
 */
static void add_lbs(json_t *ops, const vnet_intent *in, const GPtrArray *forwards, const GPtrArray *ports, json_t *refs)
{
	static const vnet_proto protos[] = { VNET_PROTO_TCP, VNET_PROTO_UDP, VNET_PROTO_SCTP };
	g_autofree char *ext = NULL;
	vnet_cidr net;
	vnet_addr addr;

	external_of(in, &net, &addr);
	ext = vnet_addr_format(&addr);
	for (gsize k = 0; k < G_N_ELEMENTS(protos); k++) {
		const char *proto = vnet_proto_to_string(protos[k]);
		g_autofree char *lb_name = g_strdup_printf("%s-%s", in->name, proto);
		g_autofree char *un = g_strdup_printf("lb_%s", proto);
		json_t *vips = json_array();
		for (guint i = 0; forwards && i < forwards->len; i++) {
			const vnet_forward *f = forwards->pdata[i];
			g_autofree char *guest = f->proto == protos[k] && f->family == AF_INET ? forward_guest(in, f, ports) : NULL;
			for (guint p = f->host_port; guest && p <= f->host_port_end; p++) {
				guint gp = f->guest_port_end > f->guest_port ? f->guest_port + (p - f->host_port) : f->guest_port;
				g_autofree char *vip = g_strdup_printf("%s:%u", ext, p);
				g_autofree char *backend = g_strdup_printf("%s:%u", guest, gp);
				json_array_append_new(vips, json_pack("[s, s]", vip, backend));
			}
		}
		if (!json_array_size(vips)) {
			json_decref(vips);
			continue;
		}
		json_array_append_new(ops, json_pack("{s:s, s:s, s:{s:s, s:s, s:[s, o], s:o}, s:s}", "op", "insert", "table",
						     "Load_Balancer", "row", "name", lb_name, "protocol", proto, "vips",
						     "map", vips, "external_ids", mark(in->name), "uuid-name", un));
		json_array_append_new(refs, named(un));
	}
}

/*
 * One Gateway_Chassis row per gateway chassis of @in, inserted by @ops,
 * the first with the highest priority; the set of their named uuids.
 */
static json_t *gateway_rows(json_t *ops, const vnet_intent *in)
{
	g_autofree char *ext_lrp = vnet_ovn_name(in->name, VNET_OVN_ROW_EXT_LRP);
	guint n = in->ovn_gateways ? g_strv_length(in->ovn_gateways) : 0;
	json_t *refs = json_array();

	for (guint i = 0; i < n; i++) {
		g_autofree char *row = g_strdup_printf("%s-%s", ext_lrp, in->ovn_gateways[i]);
		g_autofree char *un = g_strdup_printf("gc%u", i);
		json_array_append_new(ops, json_pack("{s:s, s:s, s:{s:s, s:s, s:i, s:o}, s:s}", "op", "insert", "table",
						     "Gateway_Chassis", "row", "name", row, "chassis_name",
						     in->ovn_gateways[i], "priority", (int)(n - i), "external_ids",
						     mark(in->name), "uuid-name", un));
		json_array_append_new(refs, named(un));
	}
	return json_pack("[s, o]", "set", refs);
}

/*
 * The router of NAT overlay network @in, appended to @ops: its port on the
 * switch (its router-type port's named uuid goes to @switch_refs), its
 * external port on a switch of its own with a localnet port, that port's
 * gateway chassis, the default route, the SNAT of the subnet and the
 * forwards' load balancers.
 */
static void add_router(json_t *ops, const vnet_intent *in, const GPtrArray *ports, json_t *switch_refs)
{
	g_autofree char *router = vnet_ovn_name(in->name, VNET_OVN_ROW_ROUTER);
	g_autofree char *ext_ls = vnet_ovn_name(in->name, VNET_OVN_ROW_EXT_SWITCH);
	g_autofree char *lrp = vnet_ovn_name(in->name, VNET_OVN_ROW_LRP);
	g_autofree char *ext_lrp = vnet_ovn_name(in->name, VNET_OVN_ROW_EXT_LRP);
	g_autofree char *lsp = g_strdup_printf("%s-lrp", in->name), *ext_lsp = g_strdup_printf("%s-lrp", ext_ls);
	g_autofree char *ln = g_strdup_printf("%s-ln", in->name);
	g_autofree char *ext_key = g_strdup_printf("%s/external", in->name);
	g_autofree char *gw = server_ip(in), *gw_net = g_strdup_printf("%s/%u", gw, in->subnet4.prefix);
	g_autofree char *mac = server_mac(in->name), *ext_mac = server_mac(ext_key);
	g_autofree char *subnet = vnet_cidr_format(&in->subnet4), *ext = NULL;
	json_t *lbs = json_array();
	vnet_cidr net;
	vnet_addr addr;

	external_of(in, &net, &addr);
	ext = vnet_addr_format(&addr);
	json_array_append_new(ops, wait_no_row("Logical_Router", router));
	json_array_append_new(ops, wait_no_row("Logical_Switch", ext_ls));
	json_array_append_new(ops, json_pack("{s:s, s:s, s:{s:s, s:s, s:s, s:o}, s:s}", "op", "insert", "table",
					     "Logical_Router_Port", "row", "name", lrp, "mac", mac, "networks", gw_net,
					     "external_ids", mark(in->name), "uuid-name", "lrp"));
	json_array_append_new(ops, json_pack("{s:s, s:s, s:{s:s, s:s, s:s, s:o, s:o}, s:s}", "op", "insert", "table",
					     "Logical_Router_Port", "row", "name", ext_lrp, "mac", ext_mac, "networks",
					     in->ovn_external, "gateway_chassis", gateway_rows(ops, in), "external_ids",
					     mark(in->name), "uuid-name", "ext_lrp"));
	json_array_append_new(ops, json_pack("{s:s, s:s, s:{s:s, s:s, s:o}, s:s}", "op", "insert", "table",
					     "Logical_Router_Static_Route", "row", "ip_prefix", "0.0.0.0/0", "nexthop",
					     in->ovn_nexthop, "external_ids", mark(in->name), "uuid-name", "route"));
	json_array_append_new(ops, json_pack("{s:s, s:s, s:{s:s, s:s, s:s, s:o}, s:s}", "op", "insert", "table",
					     "NAT", "row", "type", "snat", "external_ip", ext, "logical_ip", subnet,
					     "external_ids", mark(in->name), "uuid-name", "snat"));
	add_lbs(ops, in, in->forwards, ports, lbs);
	json_array_append_new(ops, json_pack("{s:s, s:s, s:{s:s, s:[s, [o, o]], s:o, s:o, s:[s, o], s:o}}", "op",
					     "insert", "table", "Logical_Router", "row", "name", router, "ports", "set",
					     named("lrp"), named("ext_lrp"), "static_routes", named("route"), "nat",
					     named("snat"), "load_balancer", "set", lbs, "external_ids", mark(in->name)));
	/* The external side: a localnet port onto the physical network the gateway chassis maps. */
	json_array_append_new(ops, router_lsp(in->name, lsp, lrp, "lsp_lrp", false));
	json_array_append_new(switch_refs, named("lsp_lrp"));
	json_array_append_new(ops, router_lsp(in->name, ext_lsp, ext_lrp, "ext_lsp", true));
	json_array_append_new(ops, json_pack("{s:s, s:s, s:{s:s, s:s, s:s, s:o, s:o}, s:s}", "op", "insert", "table",
					     "Logical_Switch_Port", "row", "name", ln, "type", "localnet", "addresses",
					     "unknown", "options", map_of("network_name", VNET_OVN_PHYSNET, NULL),
					     "external_ids", mark(in->name), "uuid-name", "ln"));
	json_array_append_new(ops, json_pack("{s:s, s:s, s:{s:s, s:[s, [o, o]], s:o}}", "op", "insert", "table",
					     "Logical_Switch", "row", "name", ext_ls, "ports", "set", named("ln"),
					     named("ext_lsp"), "external_ids", mark(in->name)));
}

json_t *vnet_ovn_ops_set_lbs(const vnet_intent *in, const GPtrArray *forwards, const GPtrArray *ports)
{
	g_autofree char *router = vnet_ovn_name(in->name, VNET_OVN_ROW_ROUTER);
	json_t *ops = json_array(), *refs = json_array();

	json_array_append_new(ops, comment("set the load balancers of logical router", router));
	/* The router is network @in's: a forward on a router vnetctl did not make would be lost. */
	json_array_append_new(ops, json_pack("{s:s, s:i, s:s, s:[[s, s, s], [s, s, o]], s:[s], s:s, s:[]}", "op", "wait",
					     "timeout", 0, "table", "Logical_Router", "where", "name", "==", router,
					     "external_ids", "includes", mark(in->name), "columns", "name", "until", "!=",
					     "rows"));
	json_array_append_new(ops, json_pack("{s:s, s:s, s:o}", "op", "delete", "table", "Load_Balancer", "where",
					     where_ours(in->name)));
	add_lbs(ops, in, forwards, ports, refs);
	json_array_append_new(ops, json_pack("{s:s, s:s, s:[[s, s, s], [s, s, o]], s:{s:[s, o]}}", "op", "update",
					     "table", "Logical_Router", "where", "name", "==", router, "external_ids",
					     "includes", mark(in->name), "row", "load_balancer", "set", refs));
	return ops;
}

json_t *vnet_ovn_ops_add_switch(const vnet_intent *in, const GPtrArray *ports)
{
	json_t *ops = json_array(), *refs = json_array();
	g_autofree char *subnet = vnet_cidr_format(&in->subnet4);
	g_autofree char *sip = server_ip(in), *smac = server_mac(in->name);
	bool dhcp = in->dhcp;

	json_array_append_new(ops, comment("create logical switch", in->name));
	json_array_append_new(ops, json_pack("{s:s, s:i, s:s, s:[[s, s, s]], s:[s], s:s, s:[]}", "op", "wait",
					     "timeout", 0, "table", "Logical_Switch", "where", "name", "==", in->name,
					     "columns", "name", "until", "==", "rows"));
	if (in->ovn_external)
		add_router(ops, in, ports, refs);
	if (dhcp)
		/* The router option only where there is a router: an isolated overlay has no gateway to give. */
		json_array_append_new(ops, json_pack("{s:s, s:s, s:{s:s, s:o, s:o}, s:s}", "op", "insert", "table",
						     "DHCP_Options", "row", "cidr", subnet, "options",
						     map_of("lease_time", LEASE_TIME, "server_id", sip, "server_mac", smac,
							    "router", in->ovn_external ? sip : NULL, NULL),
						     "external_ids", mark(in->name), "uuid-name", "dhcp"));
	for (guint i = 0; ports && i < ports->len; i++) {
		g_autofree char *un = g_strdup_printf("port%u", i);
		json_array_append_new(ops, insert_port(in->name, ports->pdata[i],
						       dhcp ? json_pack("[s, s]", "named-uuid", "dhcp") : NULL, un));
		json_array_append_new(refs, json_pack("[s, s]", "named-uuid", un));
	}
	/* The server's address is no guest's: northd hands out none dynamically, but a user might. */
	json_array_append_new(ops, json_pack("{s:s, s:s, s:{s:s, s:o, s:o, s:[s, o]}}", "op", "insert", "table",
					     "Logical_Switch", "row", "name", in->name, "other_config",
					     map_of("subnet", subnet, "exclude_ips", sip, NULL), "external_ids",
					     mark(in->name), "ports", "set", refs));
	return ops;
}

json_t *vnet_ovn_ops_del_switch(const char *name)
{
	json_t *ops = json_array();

	json_array_append_new(ops, comment("delete logical switch", name));
	json_array_append_new(ops, json_pack("{s:s, s:s, s:[[s, s, s], [s, s, o]]}", "op", "delete", "table",
					     "Logical_Switch", "where", "name", "==", name, "external_ids",
					     "includes", mark(name)));
	json_array_append_new(ops, json_pack("{s:s, s:s, s:o}", "op", "delete", "table", "DHCP_Options",
					     "where", where_ours(name)));
	/* A NAT network's router and external switch (their ports, routes and NAT go with them), and forwards. */
	for (vnet_ovn_row r = VNET_OVN_ROW_ROUTER; r <= VNET_OVN_ROW_EXT_SWITCH; r++) {
		g_autofree char *n = vnet_ovn_name(name, r);
		json_array_append_new(ops, json_pack("{s:s, s:s, s:[[s, s, s], [s, s, o]]}", "op", "delete", "table",
						     r == VNET_OVN_ROW_ROUTER ? "Logical_Router" : "Logical_Switch",
						     "where", "name", "==", n, "external_ids", "includes", mark(name)));
	}
	json_array_append_new(ops, json_pack("{s:s, s:s, s:o}", "op", "delete", "table", "Load_Balancer",
					     "where", where_ours(name)));
	return ops;
}

json_t *vnet_ovn_ops_add_port(const char *net, const char *ls_uuid, const char *dhcp_uuid, const vnet_ovn_port *p)
{
	json_t *ops = json_array();

	json_array_append_new(ops, comment("add logical port", p->name));
	/* The switch read is still network @net's: else the port would be an orphan, dropped unseen. */
	json_array_append_new(ops, json_pack("{s:s, s:i, s:s, s:o, s:[s], s:s, s:[{s:s}]}", "op", "wait", "timeout", 0,
					     "table", "Logical_Switch", "where", where_uuid(ls_uuid), "columns",
					     "name", "until", "==", "rows", "name", net));
	json_array_append_new(ops, insert_port(net, p, dhcp_uuid ? json_pack("[s, s]", "uuid", dhcp_uuid) : NULL,
					       "port"));
	json_array_append_new(ops, json_pack("{s:s, s:s, s:o, s:[[s, s, [s, s]]]}", "op", "mutate", "table",
					     "Logical_Switch", "where", where_uuid(ls_uuid), "mutations", "ports",
					     "insert", "named-uuid", "port"));
	return ops;
}

json_t *vnet_ovn_ops_del_port(const char *ls_uuid, const char *port_uuid)
{
	json_t *ops = json_array();

	json_array_append_new(ops, json_pack("{s:s, s:s, s:o, s:[[s, s, [s, s]]]}", "op", "mutate", "table",
					     "Logical_Switch", "where", where_uuid(ls_uuid), "mutations", "ports",
					     "delete", "uuid", port_uuid));
	return ops;
}

json_t *vnet_ovn_ops_read(const char *name)
{
	json_t *ops = json_array();

	json_array_append_new(ops, vnet_ovsdb_select("Logical_Switch", NULL, "_uuid name other_config ports external_ids"));
	json_array_append_new(ops, vnet_ovsdb_select("Logical_Switch_Port", where_ours(name),
						     "_uuid name addresses up external_ids"));
	json_array_append_new(ops, vnet_ovsdb_select("DHCP_Options", where_ours(name), "_uuid cidr"));
	return ops;
}

json_t *vnet_ovn_ops_bindings(void)
{
	json_t *ops = json_array();

	json_array_append_new(ops, vnet_ovsdb_select("Port_Binding", NULL, "logical_port chassis"));
	json_array_append_new(ops, vnet_ovsdb_select("Chassis", NULL, "_uuid name encaps"));
	json_array_append_new(ops, vnet_ovsdb_select("Encap", NULL, "_uuid type ip"));
	return ops;
}

json_t *vnet_ovn_ops_live(void)
{
	json_t *ops = json_array();

	json_array_append_new(ops, vnet_ovsdb_select("SB_Global", NULL, "nb_cfg"));
	json_array_append_new(ops, vnet_ovsdb_select("Chassis_Private", NULL, "name nb_cfg"));
	return ops;
}

json_t *vnet_ovn_ops_bump(void)
{
	json_t *ops = json_array();

	/* A mutate, not a write of the value read: two doctors at once each get their own step. */
	json_array_append_new(ops, json_pack("{s:s, s:s, s:[], s:[[s, s, i]]}", "op", "mutate", "table", "NB_Global",
					     "where", "mutations", "nb_cfg", "+=", 1));
	json_array_append_new(ops, vnet_ovsdb_select("NB_Global", NULL, "nb_cfg"));
	json_array_append_new(ops, comment("doctor: does OVN follow", "nb_cfg"));
	return ops;
}

json_t *vnet_ovn_ops_sb_cfg(void)
{
	return json_pack("[o]", vnet_ovsdb_select("NB_Global", NULL, "sb_cfg"));
}

/* ---- reading ---- */

/* An integer column's value that is a sequence number (0 or more), else -1. */
static gint64 cfg_of(const json_t *row, const char *col)
{
	const json_t *v = json_object_get(row, col);

	return json_is_integer(v) && json_integer_value(v) >= 0 ? (gint64)json_integer_value(v) : -1;
}

gint64 vnet_ovn_parse_cfg(const json_t *result, size_t op, const char *column)
{
	const json_t *rows = vnet_ovsdb_rows(result, op);

	/* NB_Global has one row; with none, or more, there is no one value to follow */
	return json_array_size(rows) == 1 ? cfg_of(json_array_get(rows, 0), column) : -1;
}

static const char *str_of(const json_t *row, const char *col)
{
	return json_string_value(json_object_get(row, col));
}

static bool has_member(const json_t *set, const char *uuid)
{
	for (size_t i = 0; i < vnet_ovsdb_set_size(set); i++)
		if (g_strcmp0(vnet_ovsdb_uuid(vnet_ovsdb_set_get(set, i)), uuid) == 0)
			return true;
	return false;
}

/* A port row as vnetctl made it ("MAC IP" addresses), or NULL. */
static vnet_ovn_port *port_of_row(const json_t *row)
{
	const json_t *addrs = json_object_get(row, "addresses"), *up = json_object_get(row, "up");
	const json_t *ids = json_object_get(row, "external_ids");
	const char *a = vnet_ovsdb_set_size(addrs) ? json_string_value(vnet_ovsdb_set_get(addrs, 0)) : NULL;
	g_auto(GStrv) parts = a ? g_strsplit(a, " ", 3) : NULL;
	vnet_ovn_port *p;

	if (!str_of(row, "name") || !parts || !parts[0] || !parts[1])
		return NULL;
	p = port_new(str_of(row, "name"), parts[0], parts[1],
		     json_string_value(vnet_ovsdb_map_get(ids, VNET_OVN_DOMAIN)));
	if (vnet_ovsdb_set_size(up) == 1 && json_is_boolean(vnet_ovsdb_set_get(up, 0)))
		p->up = json_is_true(vnet_ovsdb_set_get(up, 0));
	return p;
}

vnet_ovn_switch *vnet_ovn_parse_switch(const json_t *result, const char *name, GPtrArray **ret_subnets)
{
	const json_t *switches = vnet_ovsdb_rows(result, 0), *lsps = vnet_ovsdb_rows(result, 1);
	const json_t *dhcps = vnet_ovsdb_rows(result, 2), *row;
	g_autoptr(GPtrArray) subnets = g_ptr_array_new_with_free_func(g_free);
	vnet_ovn_switch *sw = NULL;
	size_t i;

	json_array_foreach(switches, i, row) {
		const char *n = str_of(row, "name");
		const char *sub = json_string_value(vnet_ovsdb_map_get(json_object_get(row, "other_config"), "subnet"));
		if (g_strcmp0(n, name) != 0 || sw) {
			if (n && sub)
				g_ptr_array_add(subnets, g_strdup_printf("%s %s", n, sub));
			continue;
		}
		sw = g_new0(vnet_ovn_switch, 1);
		sw->name = g_strdup(n);
		sw->uuid = g_strdup(vnet_ovsdb_uuid(json_object_get(row, "_uuid")));
		sw->subnet = g_strdup(sub);
		sw->ours = g_strcmp0(json_string_value(vnet_ovsdb_map_get(json_object_get(row, "external_ids"),
									   VNET_OVN_MARK)), name) == 0;
		sw->ports = ports_new();
		for (size_t j = 0; j < json_array_size(lsps); j++) {
			const json_t *pr = json_array_get(lsps, j);
			vnet_ovn_port *p;
			if (!has_member(json_object_get(row, "ports"), vnet_ovsdb_uuid(json_object_get(pr, "_uuid"))))
				continue;
			if ((p = port_of_row(pr)))
				g_ptr_array_add(sw->ports, p);
		}
		sw->dhcp_uuid = g_strdup(vnet_ovsdb_uuid(json_object_get(json_array_get(dhcps, 0), "_uuid")));
	}
	if (ret_subnets)
		*ret_subnets = g_steal_pointer(&subnets);
	return sw;
}

void vnet_ovn_parse_bindings(vnet_ovn_switch *sw, const json_t *result)
{
	const json_t *bindings = vnet_ovsdb_rows(result, 0), *chassis = vnet_ovsdb_rows(result, 1), *b, *c;
	size_t i, j;

	for (guint k = 0; sw && k < sw->ports->len; k++) {
		vnet_ovn_port *p = sw->ports->pdata[k];
		json_array_foreach(bindings, i, b) {
			const json_t *ch = json_object_get(b, "chassis");
			const char *cu = vnet_ovsdb_set_size(ch) == 1 ? vnet_ovsdb_uuid(vnet_ovsdb_set_get(ch, 0)) : NULL;
			if (g_strcmp0(str_of(b, "logical_port"), p->name) != 0 || !cu)
				continue;
			json_array_foreach(chassis, j, c)
				if (g_strcmp0(vnet_ovsdb_uuid(json_object_get(c, "_uuid")), cu) == 0) {
					g_free(p->chassis);
					p->chassis = g_strdup(str_of(c, "name"));
				}
		}
	}
}

static void chassis_free(vnet_ovn_chassis *c)
{
	g_free(c->name);
	g_free(c->encaps);
	g_free(c->tunnel_iface);
	g_free(c->bfd);
	g_free(c);
}

static int chassis_cmp(gconstpointer a, gconstpointer b)
{
	return g_strcmp0((*(vnet_ovn_chassis *const *)a)->name, (*(vnet_ovn_chassis *const *)b)->name);
}

GPtrArray *vnet_ovn_parse_chassis(const json_t *result)
{
	const json_t *chassis = vnet_ovsdb_rows(result, 1), *encaps = vnet_ovsdb_rows(result, 2), *c, *e;
	GPtrArray *out = g_ptr_array_new_with_free_func((GDestroyNotify)chassis_free);
	size_t i, j;

	json_array_foreach(chassis, i, c) {
		const json_t *set = json_object_get(c, "encaps");
		g_autoptr(GPtrArray) eps = g_ptr_array_new_with_free_func(g_free);
		vnet_ovn_chassis *ch;
		if (!str_of(c, "name"))
			continue;
		json_array_foreach(encaps, j, e) {
			const char *type = str_of(e, "type"), *ip = str_of(e, "ip");
			if (type && ip && has_member(set, vnet_ovsdb_uuid(json_object_get(e, "_uuid"))))
				g_ptr_array_add(eps, g_strdup_printf("%s %s", type, ip));
		}
		g_ptr_array_add(eps, NULL);
		ch = g_new0(vnet_ovn_chassis, 1);
		ch->name = g_strdup(str_of(c, "name"));
		ch->encaps = eps->len > 1 ? g_strjoinv(", ", (char **)eps->pdata) : NULL;
		ch->nb_cfg = -1;
		ch->tunnel = -1;
		g_ptr_array_add(out, ch);
	}
	g_ptr_array_sort(out, chassis_cmp);
	return out;
}

static vnet_ovn_chassis *find_chassis(const vnet_ovn_status *st, const char *name)
{
	for (guint i = 0; name && i < st->chassis->len; i++)
		if (g_strcmp0(((vnet_ovn_chassis *)st->chassis->pdata[i])->name, name) == 0)
			return st->chassis->pdata[i];
	return NULL;
}

void vnet_ovn_parse_live(vnet_ovn_status *st, const json_t *result)
{
	const json_t *privs = result ? vnet_ovsdb_rows(result, 1) : NULL, *r;
	size_t i;

	st->want = result ? vnet_ovn_parse_cfg(result, 0, "nb_cfg") : -1;
	for (guint k = 0; k < st->chassis->len; k++)
		((vnet_ovn_chassis *)st->chassis->pdata[k])->nb_cfg = -1;
	json_array_foreach(privs, i, r) {
		vnet_ovn_chassis *c = find_chassis(st, str_of(r, "name"));
		if (c)
			c->nb_cfg = cfg_of(r, "nb_cfg");
	}
}

/* Whether @ip is one of @c's encapsulation addresses ("geneve 192.0.2.11, vxlan 192.0.2.12"). */
static bool encap_has(const vnet_ovn_chassis *c, const char *ip)
{
	g_auto(GStrv) eps = c->encaps ? g_strsplit(c->encaps, ", ", -1) : NULL;

	for (guint i = 0; eps && eps[i]; i++) {
		const char *sp = strchr(eps[i], ' ');
		if (sp && g_strcmp0(sp + 1, ip) == 0)
			return true;
	}
	return false;
}

void vnet_ovn_parse_tunnels(vnet_ovn_status *st, const char *local, const json_t *result)
{
	const json_t *rows = vnet_ovsdb_rows(result, 0), *r;
	size_t i;

	/* What an earlier read said goes: an unreadable answer says nothing. */
	g_clear_pointer(&st->local, g_free);
	for (guint k = 0; k < st->chassis->len; k++) {
		vnet_ovn_chassis *c = st->chassis->pdata[k];
		c->tunnel = -1;
		g_clear_pointer(&c->tunnel_iface, g_free);
		g_clear_pointer(&c->bfd, g_free);
	}
	if (!local || !find_chassis(st, local) || !json_is_array(rows))
		return;
	st->local = g_strdup(local);
	for (guint k = 0; k < st->chassis->len; k++) {
		vnet_ovn_chassis *c = st->chassis->pdata[k];
		c->tunnel = g_strcmp0(c->name, local) == 0 ? -1 : 0;
	}
	json_array_foreach(rows, i, r) {
		const char *type = str_of(r, "type"), *name = str_of(r, "name");
		const char *ip = json_string_value(vnet_ovsdb_map_get(json_object_get(r, "options"), "remote_ip"));
		const char *on = json_string_value(vnet_ovsdb_map_get(json_object_get(r, "bfd"), "enable"));
		const char *state = json_string_value(vnet_ovsdb_map_get(json_object_get(r, "bfd_status"), "state"));
		if (!name || !ip || (g_strcmp0(type, "geneve") && g_strcmp0(type, "vxlan") && g_strcmp0(type, "stt")))
			continue;
		for (guint k = 0; k < st->chassis->len; k++) {
			vnet_ovn_chassis *c = st->chassis->pdata[k];
			if (c->tunnel != 0 || !encap_has(c, ip))
				continue;
			c->tunnel = 1;
			c->tunnel_iface = g_strdup(name);
			/* A state before BFD's first exchange is no verdict yet. */
			c->bfd = g_strcmp0(on, "true") == 0 && state ? g_strdup(state) : NULL;
		}
	}
}

int vnet_ovn_chassis_behind(const vnet_ovn_status *st, const char *name)
{
	const vnet_ovn_chassis *c = find_chassis(st, name);

	if (!c || c->nb_cfg < 0 || st->want < 0)
		return -1;
	return c->nb_cfg < st->want;
}

vnet_ovn_status *vnet_ovn_status_new(const char *name, vnet_ovn_switch *sw, const json_t *sb, const char *sb_error)
{
	vnet_ovn_status *st = g_new0(vnet_ovn_status, 1);

	st->want = -1;
	st->northd = -1;

	st->name = g_strdup(name);
	st->sw = sw;
	st->sb = sb != NULL;
	st->sb_error = sb ? NULL : g_strdup(sb_error);
	if (sb && sw)
		vnet_ovn_parse_bindings(sw, sb);
	st->chassis = sb ? vnet_ovn_parse_chassis(sb) : g_ptr_array_new_with_free_func((GDestroyNotify)chassis_free);
	return st;
}

void vnet_ovn_status_free(vnet_ovn_status *st)
{
	if (!st)
		return;
	g_free(st->name);
	vnet_ovn_switch_free(st->sw);
	g_free(st->sb_error);
	g_free(st->sb_remote);
	g_free(st->follow_error);
	g_free(st->local);
	g_ptr_array_unref(st->chassis);
	g_free(st);
}

static const vnet_ovn_port *status_port(const vnet_ovn_status *st, guint i)
{
	return st && st->sw && i < st->sw->ports->len ? st->sw->ports->pdata[i] : NULL;
}

static const vnet_ovn_chassis *status_chassis(const vnet_ovn_status *st, guint i)
{
	return st && i < st->chassis->len ? st->chassis->pdata[i] : NULL;
}

bool vnet_ovn_status_get_switch(const vnet_ovn_status *st) { return st->sw && st->sw->ours; }
bool vnet_ovn_status_get_sb(const vnet_ovn_status *st) { return st->sb; }
const char *vnet_ovn_status_get_sb_error(const vnet_ovn_status *st) { return st->sb_error; }
guint vnet_ovn_status_get_n_ports(const vnet_ovn_status *st) { return st->sw ? st->sw->ports->len : 0; }
guint vnet_ovn_status_get_n_chassis(const vnet_ovn_status *st) { return st->chassis->len; }

const char *vnet_ovn_status_get_port(const vnet_ovn_status *st, guint i, const char **ret_domain,
				     const char **ret_mac, const char **ret_address)
{
	const vnet_ovn_port *p = status_port(st, i);

	if (ret_domain)
		*ret_domain = p ? p->domain : NULL;
	if (ret_mac)
		*ret_mac = p ? p->mac : NULL;
	if (ret_address)
		*ret_address = p ? p->ip : NULL;
	return p ? p->name : NULL;
}

bool vnet_ovn_status_get_port_stale(const vnet_ovn_status *st, guint i)
{
	const vnet_ovn_port *p = status_port(st, i);

	return p && p->chassis && vnet_ovn_chassis_behind(st, p->chassis) == 1;
}

int vnet_ovn_status_get_port_up(const vnet_ovn_status *st, guint i)
{
	const vnet_ovn_port *p = status_port(st, i);

	/* "up" on a chassis that stopped following OVN is what it was when it stopped, not what it is */
	return p && !vnet_ovn_status_get_port_stale(st, i) ? p->up : -1;
}

int vnet_ovn_status_get_chassis_behind(const vnet_ovn_status *st, guint i)
{
	const vnet_ovn_chassis *c = status_chassis(st, i);

	return c ? vnet_ovn_chassis_behind(st, c->name) : -1;
}

const char *vnet_ovn_status_get_port_chassis(const vnet_ovn_status *st, guint i)
{
	const vnet_ovn_port *p = status_port(st, i);

	return p ? p->chassis : NULL;
}

const char *vnet_ovn_status_get_local_chassis(const vnet_ovn_status *st)
{
	return st->local;
}

int vnet_ovn_status_get_chassis_tunnel(const vnet_ovn_status *st, guint i, const char **ret_iface,
				       const char **ret_bfd)
{
	const vnet_ovn_chassis *c = status_chassis(st, i);

	if (ret_iface)
		*ret_iface = c ? c->tunnel_iface : NULL;
	if (ret_bfd)
		*ret_bfd = c ? c->bfd : NULL;
	return c ? c->tunnel : -1;
}

const char *vnet_ovn_status_get_chassis(const vnet_ovn_status *st, guint i, const char **ret_encaps)
{
	const vnet_ovn_chassis *c = status_chassis(st, i);

	if (ret_encaps)
		*ret_encaps = c ? c->encaps : NULL;
	return c ? c->name : NULL;
}

char *vnet_ovn_ports_format(const GPtrArray *ports)
{
	GString *s = g_string_new(NULL);

	for (guint i = 0; ports && i < ports->len; i++) {
		const vnet_ovn_port *p = ports->pdata[i];
		g_string_append_printf(s, "%s %s %s %s\n", p->name, p->mac, p->ip, p->domain ? p->domain : "-");
	}
	return g_string_free(s, FALSE);
}

GPtrArray *vnet_ovn_ports_parse(const char *text)
{
	g_auto(GStrv) lines = g_strsplit(text ? text : "", "\n", -1);
	GPtrArray *ports = ports_new();

	for (guint i = 0; lines[i]; i++) {
		g_auto(GStrv) f = g_strsplit(lines[i], " ", -1);
		vnet_addr a;
		/* the journal is ours, but a port name reaches OVSDB: check what comes back */
		if (g_strv_length(f) != 4 || !vnet_check_domain_name(f[0], NULL) || !vnet_addr_parse(f[2], &a, NULL))
			continue;
		g_ptr_array_add(ports, port_new(f[0], f[1], f[2], g_strcmp0(f[3], "-") ? f[3] : NULL));
	}
	return ports;
}

/* ---- with I/O ---- */

bool vnet_ovn_read(const char *remote, const char *name, bool with_chassis, vnet_ovn_switch **ret_sw,
		   GPtrArray **ret_subnets, GError **error)
{
	g_autoptr(vnet_ovsdb) db = vnet_ovn_connect(remote, VNET_OVN_NB, error);
	g_autoptr(json_t) res = db ? vnet_ovsdb_transact(db, vnet_ovn_ops_read(name), error) : NULL;
	g_autoptr(vnet_ovn_switch) sw = NULL;

	if (!res)
		return false;
	sw = vnet_ovn_parse_switch(res, name, ret_subnets);
	if (sw && with_chassis) {
		/* The SB database is optional: without it show says less. */
		g_autofree char *sb = vnet_ovn_sb_remote(remote);
		g_autoptr(vnet_ovsdb) sdb = sb ? vnet_ovn_connect(sb, VNET_OVN_SB, NULL) : NULL;
		g_autoptr(json_t) b = sdb ? vnet_ovsdb_transact(sdb, vnet_ovn_ops_bindings(), NULL) : NULL;
		if (b)
			vnet_ovn_parse_bindings(sw, b);
	}
	*ret_sw = g_steal_pointer(&sw);
	return true;
}

bool vnet_ovn_local_chassis(char **ret_name, GError **error)
{
	g_autoptr(vnet_ovsdb) db = vnet_ovsdb_connect(NULL, error);
	json_t *q = json_pack("[o]", vnet_ovsdb_select("Open_vSwitch", NULL, "external_ids"));
	g_autoptr(json_t) r = db ? vnet_ovsdb_transact(db, q, error) : (json_decref(q), NULL);
	const char *id;

	if (!r)
		return false;
	id = json_string_value(vnet_ovsdb_map_get(json_object_get(json_array_get(vnet_ovsdb_rows(r, 0), 0),
								  "external_ids"), "system-id"));
	if (!id || !vnet_name_is_valid(id, 64)) {
		vnet_set_error(error, VNET_ERROR_INVALID,
			       _("This host's Open vSwitch has no usable external_ids:system-id, so it is no OVN chassis to be the gateway; name the gateway chassis with --ovn-gateway."));
		return false;
	}
	*ret_name = g_strdup(id);
	return true;
}

bool vnet_ovn_complete_gateway(vnet_intent *in, const vnet_intent *old, GError **error)
{
	g_autofree char *local = NULL;

	if (in->mode != VNET_MODE_OVERLAY || !in->ovn_external || in->ovn_gateways)
		return true;
	/* An apply of the same intent keeps the chassis the create chose, wherever it runs. */
	if (old && old->ovn_gateways) {
		in->ovn_gateways = g_strdupv(old->ovn_gateways);
		return true;
	}
	return vnet_ovn_local_chassis(&local, error) && vnet_intent_add_ovn_gateway(in, local, error);
}

/* Whether OVN has rows named as @in's router and external switch that vnetctl did not make. */
static bool check_router_free(vnet_ovsdb *db, const vnet_intent *in, GError **error)
{
	g_autofree char *router = vnet_ovn_name(in->name, VNET_OVN_ROW_ROUTER);
	g_autofree char *ext = vnet_ovn_name(in->name, VNET_OVN_ROW_EXT_SWITCH);
	json_t *q = json_array();
	g_autoptr(json_t) r = NULL;

	json_array_append_new(q, vnet_ovsdb_select("Logical_Router", json_pack("[[s, s, s]]", "name", "==", router),
						   "external_ids"));
	json_array_append_new(q, vnet_ovsdb_select("Logical_Switch", json_pack("[[s, s, s]]", "name", "==", ext),
						   "external_ids"));
	if (!(r = vnet_ovsdb_transact(db, q, error)))
		return false;
	for (size_t i = 0; i < 2; i++) {
		const json_t *row = json_array_get(vnet_ovsdb_rows(r, i), 0);
		if (row && g_strcmp0(json_string_value(vnet_ovsdb_map_get(json_object_get(row, "external_ids"),
									   VNET_OVN_MARK)), in->name) != 0) {
			vnet_set_error(error, VNET_ERROR_CONFLICT,
				       _("OVN already has a logical router or switch named \"%s\" that vnetctl did not make; choose another network name."),
				       i ? ext : router);
			return false;
		}
	}
	return true;
}

/* Whether the SB database, if it answers, knows each gateway chassis of @in. */
bool vnet_ovn_check_gateways(const vnet_intent *in, GError **error)
{
	g_autofree char *sb = vnet_ovn_sb_remote(in->ovn);
	g_autoptr(vnet_ovsdb) db = sb ? vnet_ovn_connect(sb, VNET_OVN_SB, NULL) : NULL;
	json_t *q = json_pack("[o]", vnet_ovsdb_select("Chassis", NULL, "name"));
	g_autoptr(json_t) r = db ? vnet_ovsdb_transact(db, q, NULL) : (json_decref(q), NULL);
	g_autoptr(GHashTable) known = g_hash_table_new(g_str_hash, g_str_equal);
	const json_t *rows = r ? vnet_ovsdb_rows(r, 0) : NULL;
	size_t i;
	json_t *row;

	/* Without SB the chassis cannot be checked; NB alone is enough to make the router. */
	if (!rows || !in->ovn_gateways)
		return true;
	json_array_foreach(rows, i, row)
		if (json_string_value(json_object_get(row, "name")))
			g_hash_table_add(known, (gpointer)json_string_value(json_object_get(row, "name")));
	for (guint k = 0; in->ovn_gateways[k]; k++) {
		if (g_hash_table_contains(known, in->ovn_gateways[k]))
			continue;
		vnet_set_error(error, VNET_ERROR_NOT_FOUND,
			       _("OVN's southbound database has no chassis \"%s\" to be the gateway of the network; name a chassis that runs ovn-controller (ovn-sbctl show lists them) with --ovn-gateway."),
			       in->ovn_gateways[k]);
		return false;
	}
	return true;
}

/* This host's tunnels, when its Open vSwitch answers and is a chassis; nothing otherwise. */
static void read_local_tunnels(vnet_ovn_status *st)
{
	g_autoptr(vnet_ovsdb) db = vnet_ovsdb_connect(NULL, NULL);
	json_t *q = json_pack("[o, o]", vnet_ovsdb_select("Interface", NULL, "name type options bfd bfd_status"),
			      vnet_ovsdb_select("Open_vSwitch", NULL, "external_ids"));
	g_autoptr(json_t) r = db ? vnet_ovsdb_transact(db, q, NULL) : (json_decref(q), NULL);
	const char *id = r ? json_string_value(vnet_ovsdb_map_get(
				     json_object_get(json_array_get(vnet_ovsdb_rows(r, 1), 0), "external_ids"),
				     "system-id"))
			   : NULL;

	if (id)
		vnet_ovn_parse_tunnels(st, id, r);
}

vnet_ovn_status *vnet_ovn_read_status(const char *remote, const char *name, GError **error)
{
	g_autoptr(vnet_ovn_switch) sw = NULL;
	g_autofree char *sb = NULL;
	g_autoptr(vnet_ovsdb) sdb = NULL;
	g_autoptr(json_t) b = NULL, live = NULL;
	g_autoptr(GError) e = NULL;
	vnet_ovn_status *st;

	if (!vnet_ovn_read(remote, name, false, &sw, NULL, error))
		return NULL;
	if ((sb = vnet_ovn_sb_remote(remote)) && (sdb = vnet_ovn_connect(sb, VNET_OVN_SB, &e)))
		b = vnet_ovsdb_transact(sdb, vnet_ovn_ops_bindings(), &e);
	/* Read-only, as show must be: how far each chassis follows, without a change to follow. */
	if (b)
		live = vnet_ovsdb_transact(sdb, vnet_ovn_ops_live(), NULL);
	if (!sb)
		g_set_error_literal(&e, VNET_ERROR, VNET_ERROR_NOT_FOUND,
				    _("The OVN southbound database is not known: the northbound remote is no tcp: remote, and $VNET_OVN_SB names none."));
	st = vnet_ovn_status_new(name, g_steal_pointer(&sw), b, e ? e->message : NULL);
	vnet_ovn_parse_live(st, live);
	st->sb_remote = g_steal_pointer(&sb);
	if (b)
		read_local_tunnels(st);
	return st;
}

/*
 * vnet_ovn_follow() with errors.  The wait polls rather than holding an
 * OVSDB "wait" on the server: each select is answered at once, well inside
 * ovsdb.c's 10 s reply timeout, and the 3 s bound is ours.
 */
static bool follow(vnet_ovn_status *st, const char *remote, const char *sb, const char *const *watch, GError **error)
{
	g_autoptr(vnet_ovsdb) ndb = vnet_ovn_connect(remote, VNET_OVN_NB, error);
	g_autoptr(vnet_ovsdb) sdb = ndb ? vnet_ovn_connect(sb, VNET_OVN_SB, error) : NULL;
	g_autoptr(json_t) r = sdb ? vnet_ovsdb_transact(ndb, vnet_ovn_ops_bump(), error) : NULL;
	gint64 target, deadline = g_get_monotonic_time() + VNET_OVN_FOLLOW_SECONDS * G_USEC_PER_SEC;
	bool northd = false;

	if (!r)
		return false;
	if ((target = vnet_ovn_parse_cfg(r, 1, "nb_cfg")) < 0) {
		vnet_set_error(error, VNET_ERROR_NOT_FOUND,
			       _("OVN's northbound database has no NB_Global row, so no change of it reaches ovn-northd or the chassis; run \"ovn-nbctl init\" on the central host."));
		return false;
	}
	for (;;) {
		g_autoptr(json_t) live = NULL;
		bool done;
		if (!northd) {
			g_autoptr(json_t) c = vnet_ovsdb_transact(ndb, vnet_ovn_ops_sb_cfg(), error);
			if (!c)
				return false;
			northd = vnet_ovn_parse_cfg(c, 0, "sb_cfg") >= target;
		}
		if (!(live = vnet_ovsdb_transact(sdb, vnet_ovn_ops_live(), error)))
			return false;
		vnet_ovn_parse_live(st, live);
		done = northd;
		for (guint i = 0; done && watch && watch[i]; i++) {
			const vnet_ovn_chassis *c = find_chassis(st, watch[i]);
			/* a chassis whose nb_cfg is not known cannot be waited for */
			done = !c || c->nb_cfg < 0 || c->nb_cfg >= target;
		}
		if (done || g_get_monotonic_time() >= deadline)
			break;
		g_usleep(50 * 1000);
	}
	st->northd = northd;
	/*
	 * Once ovn-northd passed the bump on, a live chassis has it; SB_Global
	 * may be further on already (another bump), which a chassis may not
	 * have reached yet without being dead.  Else SB is as it was, and the
	 * chassis are judged by what it had.
	 */
	if (northd)
		st->want = target;
	return true;
}

void vnet_ovn_follow(vnet_ovn_status *st, const char *remote, const char *const *watch)
{
	g_autoptr(GError) e = NULL;

	/* Without SB there is nothing to follow with: doctor says SB is missing already. */
	if (!st->sb || !st->sb_remote)
		return;
	if (!follow(st, remote, st->sb_remote, watch, &e)) {
		g_free(st->follow_error);
		st->follow_error = g_strdup(e->message);
	}
}

vnet_ovn_status *vnet_ctx_ovn_status(vnet_ctx *ctx, const char *name, GError **error)
{
	g_autoptr(vnet_intent) in = vnet_ctx_get(ctx, name, NULL, error);

	if (!in)
		return NULL;
	if (in->mode != VNET_MODE_OVERLAY) {
		vnet_set_error(error, VNET_ERROR_INVALID,
			       _("Network \"%s\" is in %s mode; only an overlay network is in OVN."), name,
			       vnet_mode_to_string(in->mode));
		return NULL;
	}
	return vnet_ovn_read_status(in->ovn, in->name, error);
}

bool vnet_ovn_check_create(const vnet_intent *in, GError **error)
{
	g_autoptr(vnet_ovn_switch) sw = NULL;
	g_autoptr(GPtrArray) subnets = NULL;

	if (!vnet_ovn_read(in->ovn, in->name, false, &sw, &subnets, error))
		return false;
	if (in->ovn_external) {
		g_autoptr(vnet_ovsdb) db = vnet_ovn_connect(in->ovn, VNET_OVN_NB, error);
		if (!db || !check_router_free(db, in, error) || !vnet_ovn_check_gateways(in, error))
			return false;
	}
	if (sw && !sw->ours) {
		vnet_set_error(error, VNET_ERROR_CONFLICT,
			       _("OVN already has a logical switch named \"%s\" that vnetctl did not make; choose another network name."),
			       in->name);
		return false;
	}
	for (guint i = 0; i < subnets->len; i++) {
		g_auto(GStrv) f = g_strsplit(subnets->pdata[i], " ", 2);
		vnet_cidr c;
		if (!f[1] || !vnet_cidr_parse(f[1], 0, &c, NULL) || !vnet_cidr_overlaps(&c, &in->subnet4))
			continue;
		vnet_set_error(error, VNET_ERROR_CONFLICT,
			       _("The subnet %s of network \"%s\" overlaps the subnet %s of OVN logical switch \"%s\"; choose another with --subnet."),
			       vnet_intent_get_subnet(in, AF_INET), in->name, f[1], f[0]);
		return false;
	}
	return true;
}

/* The switch of @in, which must be there. */
static vnet_ovn_switch *need_switch(const vnet_intent *in, GError **error)
{
	vnet_ovn_switch *sw = NULL;

	if (!vnet_ovn_read(in->ovn, in->name, false, &sw, NULL, error))
		return NULL;
	if (!sw || !sw->ours) {
		vnet_set_error(error, VNET_ERROR_NOT_FOUND,
			       _("OVN has no logical switch of network \"%s\"; run \"vnetctl apply\" with its intent to make it again."),
			       in->name);
		vnet_ovn_switch_free(sw);
		return NULL;
	}
	return sw;
}

static const vnet_ovn_port *find_port(const vnet_ovn_switch *sw, const char *name)
{
	for (guint i = 0; sw && i < sw->ports->len; i++)
		if (g_strcmp0(((vnet_ovn_port *)sw->ports->pdata[i])->name, name) == 0)
			return sw->ports->pdata[i];
	return NULL;
}

bool vnet_ovn_attach_step(GPtrArray *steps, const vnet_intent *in, const char *domain, const char *mac,
			  const char *ip, char **ret_iface_id, GError **error)
{
	g_autoptr(vnet_ovn_switch) sw = need_switch(in, error);
	g_autoptr(GPtrArray) one = ports_new();
	g_autofree char *chosen = NULL, *id = NULL;
	vnet_addr want;
	vnet_step *s;

	if (!sw)
		return false;
	for (guint i = 0; i < sw->ports->len; i++) {
		const vnet_ovn_port *p = sw->ports->pdata[i];
		if (g_strcmp0(p->domain, domain) == 0) {
			vnet_set_error(error, VNET_ERROR_CONFLICT,
				       _("Domain \"%s\" has a logical port on overlay network \"%s\" already; detach it first."),
				       domain, in->name);
			return false;
		}
	}
	if (ip) {
		bool taken = false;
		if (!vnet_addr_parse(ip, &want, error))
			return false;
		for (guint i = 0; i < sw->ports->len; i++) {
			vnet_addr a;
			taken = taken || (vnet_addr_parse(((vnet_ovn_port *)sw->ports->pdata[i])->ip, &a, NULL) &&
					  vnet_addr_equal(&a, &want));
		}
		if (want.family != AF_INET || !vnet_cidr_contains(&in->subnet4, &want) ||
		    vnet_addr_equal(&want, &in->gateway4) || taken) {
			vnet_set_error(error, VNET_ERROR_CONFLICT,
				       _("The address %s is not a free guest address of overlay network \"%s\" (subnet %s, its server %s, and the addresses of its other ports); give another or leave it out."),
				       ip, in->name, vnet_intent_get_subnet(in, AF_INET), vnet_intent_get_gateway(in, AF_INET));
			return false;
		}
		chosen = vnet_addr_format(&want);
	}
	/* The first host address that no port has and that is not the server's. */
	for (guint64 n = 1; !chosen && vnet_cidr_nth(&in->subnet4, n, &want); n++) {
		g_autofree char *cand = vnet_addr_format(&want);
		vnet_addr last = vnet_cidr_last(&in->subnet4);
		bool taken = vnet_addr_equal(&want, &in->gateway4) || vnet_addr_equal(&want, &last);
		for (guint i = 0; i < sw->ports->len && !taken; i++)
			taken = g_strcmp0(((vnet_ovn_port *)sw->ports->pdata[i])->ip, cand) == 0;
		if (!taken)
			chosen = g_steal_pointer(&cand);
		if (vnet_addr_equal(&want, &last))
			break;
	}
	if (!chosen) {
		vnet_set_error(error, VNET_ERROR_CONFLICT,
			       _("Overlay network \"%s\" has no free address left in %s."), in->name,
			       vnet_intent_get_subnet(in, AF_INET));
		return false;
	}
	/* libvirt's interfaceid is a UUID; OVN's logical port is named by it. */
	id = g_uuid_string_random();
	g_ptr_array_add(one, port_new(id, mac, chosen, domain));
	s = vnet_step_new(steps, VNET_STEP_OVN_PORT, in->name);
	s->new = vnet_intent_copy(in);
	s->domain = g_strdup(domain);
	s->xml = vnet_ovn_ports_format(one);
	s->on = true;
	*ret_iface_id = g_steal_pointer(&id);
	return true;
}

bool vnet_ovn_detach_step(GPtrArray *steps, const vnet_intent *in, const char *domain, const char *mac,
			  GError **error)
{
	g_autoptr(vnet_ovn_switch) sw = NULL;
	g_autoptr(GPtrArray) one = ports_new();
	const vnet_ovn_port *p = NULL;
	vnet_step *s;

	if (!vnet_ovn_read(in->ovn, in->name, false, &sw, NULL, error))
		return false;
	for (guint i = 0; sw && sw->ours && i < sw->ports->len && !p; i++)
		if (g_ascii_strcasecmp(((vnet_ovn_port *)sw->ports->pdata[i])->mac, mac) == 0)
			p = sw->ports->pdata[i];
	if (!p)
		return true;	/* gone already: only the NIC is left to remove */
	g_ptr_array_add(one, port_new(p->name, p->mac, p->ip, p->domain));
	s = vnet_step_new(steps, VNET_STEP_OVN_PORT, in->name);
	s->new = vnet_intent_copy(in);
	s->domain = g_strdup(domain);
	s->xml = vnet_ovn_ports_format(one);
	s->on = false;
	return true;
}

/* ---- the steps ---- */

bool vnet_ovn_step_prepare(vnet_step *s, GError **error)
{
	g_autoptr(vnet_ovn_switch) sw = NULL;

	/* A switch that goes takes its ports: record them, so that its undo brings them back. */
	if (s->kind != VNET_STEP_OVN_SWITCH || s->on)
		return true;
	if (!vnet_ovn_read(s->new->ovn, s->new->name, false, &sw, NULL, error))
		return false;
	g_free(s->xml);
	s->xml = sw && sw->ours ? vnet_ovn_ports_format(sw->ports) : NULL;
	return true;
}

static bool transact(vnet_ovsdb *db, json_t *ops, GError **error)
{
	g_autoptr(json_t) res = vnet_ovsdb_transact(db, ops, error);

	return res != NULL;
}

static bool switch_change(const vnet_intent *in, const char *ports_text, bool on, GError **error)
{
	g_autoptr(vnet_ovsdb) db = vnet_ovn_connect(in->ovn, VNET_OVN_NB, error);
	g_autoptr(vnet_ovn_switch) sw = NULL;
	g_autoptr(GPtrArray) ports = NULL;

	if (!db)
		return false;
	if (!on)
		return transact(db, vnet_ovn_ops_del_switch(in->name), error);
	/* Made again by an undo or a second run: what is there is fine. */
	if (!vnet_ovn_read(in->ovn, in->name, false, &sw, NULL, error))
		return false;
	if (sw && sw->ours)
		return true;
	ports = vnet_ovn_ports_parse(ports_text);
	return transact(db, vnet_ovn_ops_add_switch(in, ports), error);
}

/* @more's operations after @ops' (@more taken). */
static void append_all(json_t *ops, json_t *more)
{
	json_array_extend(ops, more);
	json_decref(more);
}

/* Whether NAT network @in has a forward to domain @domain. */
static bool forwards_to(const vnet_intent *in, const char *domain)
{
	for (guint i = 0; in->ovn_external && domain && i < in->forwards->len; i++) {
		const vnet_forward *f = in->forwards->pdata[i];
		if (f->guest_kind == VNET_GUEST_NAME && g_strcmp0(f->guest_name, domain) == 0)
			return true;
	}
	return false;
}

static bool port_change(const vnet_intent *in, const char *ports_text, bool on, GError **error)
{
	g_autoptr(vnet_ovn_switch) sw = NULL;
	g_autoptr(GPtrArray) ports = vnet_ovn_ports_parse(ports_text);
	g_autoptr(vnet_ovsdb) db = NULL;
	const vnet_ovn_port *p = ports->len ? ports->pdata[0] : NULL;

	if (!p || !vnet_ovn_read(in->ovn, in->name, false, &sw, NULL, error))
		return !p;
	if (!sw || !sw->ours) {
		if (!on)
			return true;	/* the switch went, and its ports with it */
		vnet_set_error(error, VNET_ERROR_NOT_FOUND,
			       _("OVN has no logical switch of network \"%s\"; run \"vnetctl apply\" with its intent to make it again."),
			       in->name);
		return false;
	}
	if ((find_port(sw, p->name) != NULL) == on)
		return true;
	if (!(db = vnet_ovn_connect(in->ovn, VNET_OVN_NB, error)))
		return false;
	if (on) {
		json_t *ops = vnet_ovn_ops_add_port(in->name, sw->uuid, sw->dhcp_uuid, p);
		/* A forward to this domain starts with its port, in the same transaction. */
		if (forwards_to(in, p->domain)) {
			g_ptr_array_add(sw->ports, port_new(p->name, p->mac, p->ip, p->domain));
			append_all(ops, vnet_ovn_ops_set_lbs(in, in->forwards, sw->ports));
		}
		return transact(db, ops, error);
	}
	{
		/* The port's row: the read gave names only. */
		json_t *q = json_pack("[o]", vnet_ovsdb_select("Logical_Switch_Port",
							      json_pack("[[s, s, s]]", "name", "==", p->name), "_uuid"));
		g_autoptr(json_t) r = vnet_ovsdb_transact(db, q, error);
		const char *pu = r ? vnet_ovsdb_uuid(json_object_get(json_array_get(vnet_ovsdb_rows(r, 0), 0), "_uuid"))
				   : NULL;
		json_t *ops;
		if (!r)
			return false;
		if (!pu)
			return true;
		ops = vnet_ovn_ops_del_port(sw->uuid, pu);
		if (forwards_to(in, p->domain)) {
			for (guint i = 0; i < sw->ports->len; i++)
				if (g_strcmp0(((vnet_ovn_port *)sw->ports->pdata[i])->name, p->name) == 0)
					g_ptr_array_remove_index(sw->ports, i--);
			append_all(ops, vnet_ovn_ops_set_lbs(in, in->forwards, sw->ports));
		}
		return transact(db, ops, error);
	}
}

/*
 * NB for a change of NAT network @in's router, and its switch's ports if
 * @ret_sw: 1 with @ret_db; 0 when the switch went (and the router with
 * it) on an undo (!@on), nothing left to do; -1 with @error.
 */
static int router_nb(const vnet_intent *in, bool on, vnet_ovsdb **ret_db, vnet_ovn_switch **ret_sw, GError **error)
{
	g_autoptr(vnet_ovn_switch) sw = NULL;

	if (!vnet_ovn_read(in->ovn, in->name, false, &sw, NULL, error))
		return -1;
	if (!sw || !sw->ours) {
		if (!on)
			return 0;
		vnet_set_error(error, VNET_ERROR_NOT_FOUND,
			       _("OVN has no logical switch of network \"%s\"; run \"vnetctl apply\" with its intent to make it again."),
			       in->name);
		return -1;
	}
	if (!(*ret_db = vnet_ovn_connect(in->ovn, VNET_OVN_NB, error)))
		return -1;
	if (ret_sw)
		*ret_sw = g_steal_pointer(&sw);
	return 1;
}

/* The forwards of the step: @in's, or on undo those before it (@prev, one spec a line). */
static bool lb_change(const vnet_intent *in, const char *prev, bool on, GError **error)
{
	g_autoptr(GPtrArray) before = g_ptr_array_new_with_free_func((GDestroyNotify)vnet_forward_free);
	g_auto(GStrv) lines = g_strsplit(prev ? prev : "", "\n", -1);
	g_autoptr(vnet_ovn_switch) sw = NULL;
	g_autoptr(vnet_ovsdb) db = NULL;
	int r;

	for (guint i = 0; !on && lines[i]; i++) {
		vnet_forward *f = *lines[i] ? vnet_forward_parse(lines[i], NULL) : NULL;
		if (f)
			g_ptr_array_add(before, f);
	}
	if ((r = router_nb(in, on, &db, &sw, error)) <= 0)
		return r == 0;
	return transact(db, vnet_ovn_ops_set_lbs(in, on ? in->forwards : before, sw->ports), error);
}

json_t *vnet_ovn_ops_set_gateways(const vnet_intent *in)
{
	g_autofree char *ext_lrp = vnet_ovn_name(in->name, VNET_OVN_ROW_EXT_LRP);
	json_t *ops = json_array(), *where = json_pack("[[s, s, s], [s, s, o]]", "name", "==", ext_lrp, "external_ids",
						      "includes", mark(in->name));

	json_array_append_new(ops, comment("set the gateway chassis of logical router port", ext_lrp));
	/* The port is network @in's: another's gateway must not move. */
	json_array_append_new(ops, json_pack("{s:s, s:i, s:s, s:O, s:[s], s:s, s:[]}", "op", "wait", "timeout", 0,
					     "table", "Logical_Router_Port", "where", where, "columns", "name",
					     "until", "!=", "rows"));
	json_array_append_new(ops, json_pack("{s:s, s:s, s:o}", "op", "delete", "table", "Gateway_Chassis", "where",
					     where_ours(in->name)));
	json_array_append_new(ops, json_pack("{s:s, s:s, s:o, s:{s:o}}", "op", "update", "table",
					     "Logical_Router_Port", "where", where, "row", "gateway_chassis",
					     gateway_rows(ops, in)));
	return ops;
}

/* The gateway chassis of the step: @in's, or on undo those before it (@prev, space-separated). */
static bool gateway_change(const vnet_intent *in, const char *prev, bool on, GError **error)
{
	g_autoptr(vnet_intent) before = vnet_intent_copy(in);
	g_auto(GStrv) names = g_strsplit(prev ? prev : "", " ", -1);
	g_autoptr(vnet_ovsdb) db = NULL;
	int r;

	g_clear_pointer(&before->ovn_gateways, g_strfreev);
	for (guint i = 0; !on && names[i]; i++)
		if (*names[i] && !vnet_intent_add_ovn_gateway(before, names[i], error))
			return false;
	if ((r = router_nb(in, on, &db, NULL, error)) <= 0)
		return r == 0;
	return transact(db, vnet_ovn_ops_set_gateways(on ? in : before), error);
}

bool vnet_ovn_step_run(const vnet_step *s, bool on, GError **error)
{
	if (!s->new || !s->new->ovn) {
		vnet_set_error(error, VNET_ERROR_FAILED, _("An OVN step has no intent to say where OVN is."));
		return false;
	}
	if (s->kind == VNET_STEP_OVN_SWITCH)
		return switch_change(s->new, s->xml, on, error);
	if (s->kind == VNET_STEP_OVN_LB)
		return lb_change(s->new, s->prev_xml, on, error);
	if (s->kind == VNET_STEP_OVN_GATEWAY)
		return gateway_change(s->new, s->prev_xml, on, error);
	return port_change(s->new, s->xml, on, error);
}
