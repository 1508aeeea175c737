/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * netlink (see netlink.h).  route_localnet goes through /proc/sys (the
 * kernel's own interface for it; there is no netlink attribute), hairpin
 * through rtnetlink: RTM_SETLINK, family AF_BRIDGE, IFLA_PROTINFO {
 * IFLA_BRPORT_MODE }, the message `bridge link set dev PORT hairpin on` sends.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <netlink/netlink.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <linux/inet_diag.h>
#include <linux/sock_diag.h>
#include <libnetfilter_conntrack/libnetfilter_conntrack.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/bridge.h>
#include <netlink/route/neighbour.h>
#include <netlink/route/route.h>

#include "libvnet-private.h"
#include "netlink.h"
#include "util.h"

/* g_autoptr() wants a type name, and libnl's types are struct tags. */
typedef struct nl_sock nl_sock;
typedef struct nl_cache nl_cache;
G_DEFINE_AUTOPTR_CLEANUP_FUNC(nl_sock, nl_socket_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(nl_cache, nl_cache_free)

static struct nl_sock *route_socket(GError **error)
{
	g_autoptr(nl_sock) sk = nl_socket_alloc();
	int err;

	if (!sk) {
		vnet_set_error(error, VNET_ERROR_FAILED, _("Out of memory opening a netlink socket."));
		return NULL;
	}
	err = nl_connect(sk, NETLINK_ROUTE);
	if (err < 0) {
		vnet_set_error(error, VNET_ERROR_FAILED,
			    _("Cannot open a netlink socket to read the host's interfaces: %s."), nl_geterror(err));
		return NULL;
	}
	return g_steal_pointer(&sk);
}

static bool cache_failed(int err, GError **error)
{
	vnet_set_error(error, VNET_ERROR_FAILED,
		    _("Cannot read the host's interfaces, addresses or routes over netlink: %s."), nl_geterror(err));
	return false;
}

/* "addr/prefix" of a libnl address, or NULL for a family we do not handle. */
static char *nl_cidr(struct nl_addr *a, guint prefix)
{
	char buf[INET6_ADDRSTRLEN];
	int family = nl_addr_get_family(a);

	if ((family != AF_INET && family != AF_INET6))
		return NULL;
	/* A default route's destination is an empty address of its family. */
	if (nl_addr_get_len(a) == 0 && prefix == 0)
		return g_strdup(family == AF_INET ? "0.0.0.0/0" : "::/0");
	if (nl_addr_get_len(a) != (family == AF_INET ? 4u : 16u) ||
	    !inet_ntop(family, nl_addr_get_binary_addr(a), buf, sizeof(buf)))
		return NULL;
	return g_strdup_printf("%s/%u", buf, prefix);
}

static bool read_links(struct nl_sock *sk, vnet_host *host, struct nl_cache **ret_cache, GError **error)
{
	g_autoptr(nl_cache) cache = NULL;
	int err = rtnl_link_alloc_cache(sk, AF_UNSPEC, &cache);

	if (err < 0)
		return cache_failed(err, error);
	for (struct nl_object *o = nl_cache_get_first(cache); o; o = nl_cache_get_next(o)) {
		struct rtnl_link *l = (struct rtnl_link *)o;
		char master[IFNAMSIZ] = "";
		int m = rtnl_link_get_master(l);

		if (m > 0)
			rtnl_link_i2name(cache, m, master, sizeof(master));
		if (!vnet_host_add_link(host, rtnl_link_get_name(l),
					g_strcmp0(rtnl_link_get_type(l), "bridge") == 0,
					m > 0 ? master : NULL, error))
			return false;
	}
	*ret_cache = g_steal_pointer(&cache);
	return true;
}

static bool read_addrs(struct nl_sock *sk, struct nl_cache *links, vnet_host *host, GError **error)
{
	g_autoptr(nl_cache) cache = NULL;
	int err = rtnl_addr_alloc_cache(sk, &cache);

	if (err < 0)
		return cache_failed(err, error);
	for (struct nl_object *o = nl_cache_get_first(cache); o; o = nl_cache_get_next(o)) {
		struct rtnl_addr *a = (struct rtnl_addr *)o;
		g_autofree char *cidr = nl_cidr(rtnl_addr_get_local(a), rtnl_addr_get_prefixlen(a));
		char ifname[IFNAMSIZ] = "";

		if (!cidr)
			continue;
		rtnl_link_i2name(links, rtnl_addr_get_ifindex(a), ifname, sizeof(ifname));
		if (!vnet_host_add_address(host, ifname, cidr, error))
			return false;
	}
	return true;
}

static bool read_routes(struct nl_sock *sk, struct nl_cache *links, vnet_host *host, GError **error)
{
	g_autoptr(nl_cache) cache = NULL;
	int err = rtnl_route_alloc_cache(sk, AF_UNSPEC, 0, &cache);

	if (err < 0)
		return cache_failed(err, error);
	for (struct nl_object *o = nl_cache_get_first(cache); o; o = nl_cache_get_next(o)) {
		struct rtnl_route *r = (struct rtnl_route *)o;
		struct nl_addr *dst = rtnl_route_get_dst(r);
		g_autofree char *cidr = NULL;
		char ifname[IFNAMSIZ] = "";

		/*
		 * Every table counts: a VPN's routes often live in one of their own
		 * (policy routing).  Local, broadcast and multicast routes describe
		 * addresses, not networks.
		 */
		if (rtnl_route_get_table(r) == RT_TABLE_LOCAL || rtnl_route_get_type(r) != RTN_UNICAST || !dst)
			continue;
		cidr = nl_cidr(dst, nl_addr_get_prefixlen(dst));
		if (!cidr)
			continue;
		if (rtnl_route_get_nnexthops(r) > 0)
			rtnl_link_i2name(links, rtnl_route_nh_get_ifindex(rtnl_route_nexthop_n(r, 0)),
					 ifname, sizeof(ifname));
		if (!vnet_host_add_route(host, ifname[0] ? ifname : NULL, cidr, error))
			return false;
	}
	return true;
}

bool vnet_link_read_host(vnet_host *host, GError **error)
{
	g_autoptr(nl_sock) sk = route_socket(error);
	g_autoptr(nl_cache) links = NULL;

	return sk && read_links(sk, host, &links, error) && read_addrs(sk, links, host, error) &&
	       read_routes(sk, links, host, error);
}

bool vnet_link_exists(const char *name)
{
	return if_nametoindex(name) != 0;
}

/* ---- sock_diag: the kernel's socket tables, as ss reads them ---- */

/* Called per socket of a dump; false stops it. */
typedef bool (*diag_fn)(const struct inet_diag_msg *d, void *data);

/*
 * Dump the sockets of @family and @protocol in @states (a bit per TCP_*
 * state, as sctp_diag and udp_diag use them too) through NETLINK_SOCK_DIAG.
 * Return: 0, or -errno when the kernel cannot dump them (no sctp_diag, say).
 */
static int diag_dump(int family, guint8 protocol, guint32 states, diag_fn fn, void *data)
{
	struct {
		struct nlmsghdr nh;
		struct inet_diag_req_v2 req;
	} msg = {
		.nh = { .nlmsg_len = sizeof(msg), .nlmsg_type = SOCK_DIAG_BY_FAMILY,
			.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP },
		.req = { .sdiag_family = family, .sdiag_protocol = protocol, .idiag_states = states },
	};
	int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	char buf[16384] __attribute__((aligned(4)));
	int ret = 0;
	bool done = false;

	if (fd < 0)
		return -errno;
	if (send(fd, &msg, sizeof(msg), 0) < 0) {
		ret = -errno;
		close(fd);
		return ret;
	}
	while (!done) {
		ssize_t len = recv(fd, buf, sizeof(buf), 0);
		if (len < 0 && errno == EINTR)
			continue;
		if (len <= 0) {
			ret = len < 0 ? -errno : -EIO;
			break;
		}
		for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)len); h = NLMSG_NEXT(h, len)) {
			if (h->nlmsg_type == NLMSG_DONE) {
				done = true;
				break;
			}
			if (h->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(h);
				ret = e->error ? e->error : -EIO;
				done = true;
				break;
			}
			if (!fn(NLMSG_DATA(h), data)) {
				done = true;
				break;
			}
		}
	}
	close(fd);
	return ret;
}

typedef struct listener_dump {
	vnet_host *host;
	const char *proto;
	int family;
	bool udp;
	guint lo, hi;		/* the ephemeral ports, ip_local_port_range */
	GError **error;
	bool failed;
} listener_dump;

static bool add_listener(const struct inet_diag_msg *d, void *data)
{
	listener_dump *ld = data;
	static const guint8 zero[16];
	size_t n = ld->family == AF_INET ? 4 : 16;
	guint port = ntohs(d->id.idiag_sport);
	char addr[INET6_ADDRSTRLEN];

	/*
	 * An unconnected UDP socket is a server's or a client's that sends with
	 * sendto(): the kernel keeps no difference but the port, which a
	 * client's autobind takes from the ephemeral range.
	 */
	if (ld->udp && (memcmp(d->id.idiag_dst, zero, n) != 0 || (port >= ld->lo && port <= ld->hi)))
		return true;
	if (!inet_ntop(ld->family, d->id.idiag_src, addr, sizeof(addr)))
		return true;
	if (!vnet_host_add_listener(ld->host, ld->proto, addr, port, ld->error)) {
		ld->failed = true;
		return false;
	}
	return true;
}

/* The ephemeral ports: a client's autobound UDP socket takes one of them. */
static void ephemeral_range(guint *lo, guint *hi)
{
	g_autofree char *text = NULL;

	*lo = 32768;
	*hi = 60999;
	if (g_file_get_contents("/proc/sys/net/ipv4/ip_local_port_range", &text, NULL, NULL) &&
	    sscanf(text, "%u %u", lo, hi) != 2) {
		*lo = 32768;
		*hi = 60999;
	}
}

bool vnet_link_read_listeners(vnet_host *host, GError **error)
{
	static const struct {
		const char *proto;
		guint8 protocol;
		guint32 states;
	} kinds[] = {
		{ "tcp", IPPROTO_TCP, 1u << TCP_LISTEN },
		/* unconnected: TCP_CLOSE; connected ones (TCP_ESTABLISHED) are clients */
		{ "udp", IPPROTO_UDP, 1u << TCP_CLOSE },
		{ "sctp", IPPROTO_SCTP, 1u << TCP_LISTEN },
	};
	static const int families[] = { AF_INET, AF_INET6 };
	guint lo, hi;

	ephemeral_range(&lo, &hi);
	for (size_t k = 0; k < G_N_ELEMENTS(kinds); k++) {
		for (size_t f = 0; f < G_N_ELEMENTS(families); f++) {
			listener_dump ld = { host, kinds[k].proto, families[f], kinds[k].protocol == IPPROTO_UDP,
					     lo, hi, error, false };
			int r = diag_dump(families[f], kinds[k].protocol, kinds[k].states, add_listener, &ld);

			if (ld.failed)
				return false;
			/*
			 * No IPv6, or no SCTP (its diag module comes with its
			 * sockets): nothing of it listens.
			 */
			if (r == -ENOENT || r == -EAFNOSUPPORT || r == -EPROTONOSUPPORT ||
			    (r < 0 && kinds[k].protocol == IPPROTO_SCTP))
				continue;
			if (r < 0) {
				vnet_set_error(error, VNET_ERROR_FAILED,
					       _("Cannot read the host's listening %s sockets through netlink: %s."),
					       kinds[k].proto, g_strerror(-r));
				return false;
			}
		}
	}
	return true;
}

/* ---- bridges and uplinks ---- */

typedef struct rtnl_link rtnl_link;
typedef struct rtnl_addr rtnl_addr;
typedef struct rtnl_route rtnl_route;
typedef struct nl_addr nl_addr;
G_DEFINE_AUTOPTR_CLEANUP_FUNC(rtnl_link, rtnl_link_put)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(rtnl_addr, rtnl_addr_put)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(rtnl_route, rtnl_route_put)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(nl_addr, nl_addr_put)

/* Every message names the interface, then netlink's reason. */
#define NL_FAILED(error, msg, ifname, err) \
	(vnet_set_error((error), VNET_ERROR_FAILED, (msg), (ifname), nl_geterror(err)), false)

static int ifindex_of(const char *name)
{
	return (int)if_nametoindex(name);
}

bool vnet_link_bridge_create(const char *name, const char *mac, GError **error)
{
	g_autoptr(nl_sock) sk = NULL;
	g_autoptr(rtnl_link) l = NULL;
	g_autoptr(nl_addr) a = NULL;
	int err;

	if (!vnet_check_ifname(name, error) || !(sk = route_socket(error)))
		return false;
	l = rtnl_link_bridge_alloc();
	rtnl_link_set_name(l, name);
	/*
	 * A fixed MAC, as libvirt gives its bridges: without one the bridge
	 * takes the lowest MAC of its ports, which changes as guests come and
	 * go, and the guests' ARP entries for the host go stale.
	 */
	if (!mac) {
		guint8 b[6] = { 0x52, 0x54, 0x00 };
		for (int i = 3; i < 6; i++)
			b[i] = g_random_int_range(0, 256);
		a = nl_addr_build(AF_LLC, b, sizeof(b));
	} else if (nl_addr_parse(mac, AF_LLC, &a) < 0) {
		a = NULL;
	}
	if (a)
		rtnl_link_set_addr(l, a);
	rtnl_link_set_flags(l, IFF_UP);
	err = rtnl_link_add(sk, l, NLM_F_CREATE | NLM_F_EXCL);
	if (err < 0)
		return NL_FAILED(error, _("Cannot create the bridge %s: %s."), name, err);
	return true;
}

bool vnet_link_delete(const char *name, GError **error)
{
	g_autoptr(nl_sock) sk = NULL;
	g_autoptr(rtnl_link) l = NULL;
	int err;

	if (!vnet_check_ifname(name, error))
		return false;
	if (!vnet_link_exists(name))
		return true;
	if (!(sk = route_socket(error)))
		return false;
	l = rtnl_link_alloc();
	rtnl_link_set_name(l, name);
	err = rtnl_link_delete(sk, l);
	if (err < 0 && err != -NLE_NODEV && err != -NLE_OBJ_NOTFOUND)
		return NL_FAILED(error, _("Cannot delete the interface %s: %s."), name, err);
	return true;
}

/* Set or clear @uplink's master, and its up flag. */
static bool set_master(struct nl_sock *sk, const char *ifname, int master, bool up, GError **error)
{
	g_autoptr(rtnl_link) orig = NULL, change = rtnl_link_alloc();
	int err = rtnl_link_get_kernel(sk, 0, ifname, &orig);

	if (err < 0)
		return NL_FAILED(error, _("Cannot read the interface %s: %s."), ifname, err);
	rtnl_link_set_master(change, master);
	if (up)
		rtnl_link_set_flags(change, IFF_UP);
	else
		rtnl_link_unset_flags(change, IFF_UP);
	err = rtnl_link_change(sk, orig, change, 0);
	if (err < 0)
		return (master ? NL_FAILED(error, _("Cannot make %s a port of the bridge: %s."), ifname, err)
			       : NL_FAILED(error, _("Cannot release %s from its bridge: %s."), ifname, err));
	return true;
}

vnet_uplink_state *vnet_link_save(const char *ifname, GError **error)
{
	g_autoptr(nl_sock) sk = route_socket(error);
	g_autoptr(rtnl_link) l = NULL;
	g_autoptr(nl_cache) addrs = NULL, routes = NULL;
	g_autoptr(vnet_uplink_state) st = vnet_uplink_state_new();
	char mac[32];
	int idx, err;

	if (!sk)
		return NULL;
	err = rtnl_link_get_kernel(sk, 0, ifname, &l);
	if (err < 0) {
		(void)NL_FAILED(error, _("Cannot read the interface %s: %s."), ifname, err);
		return NULL;
	}
	idx = rtnl_link_get_ifindex(l);
	st->mac = g_ascii_strdown(nl_addr2str(rtnl_link_get_addr(l), mac, sizeof(mac)), -1);
	st->up = rtnl_link_get_flags(l) & IFF_UP;
	if ((err = rtnl_addr_alloc_cache(sk, &addrs)) < 0 ||
	    (err = rtnl_route_alloc_cache(sk, AF_UNSPEC, 0, &routes)) < 0) {
		cache_failed(err, error);
		return NULL;
	}
	for (struct nl_object *o = nl_cache_get_first(addrs); o; o = nl_cache_get_next(o)) {
		struct rtnl_addr *a = (struct rtnl_addr *)o;
		vnet_saved_addr *sa;
		char *cidr;
		/* Link-local addresses belong to the link and come back by themselves. */
		if (rtnl_addr_get_ifindex(a) != idx || rtnl_addr_get_scope(a) >= RT_SCOPE_LINK)
			continue;
		if (!(cidr = nl_cidr(rtnl_addr_get_local(a), rtnl_addr_get_prefixlen(a))))
			continue;
		sa = g_new0(vnet_saved_addr, 1);
		sa->cidr = cidr;
		/* What was configured, not what the kernel found out since. */
		sa->flags = rtnl_addr_get_flags(a) & (IFA_F_NODAD | IFA_F_NOPREFIXROUTE | IFA_F_HOMEADDRESS);
		g_ptr_array_add(st->addrs, sa);
	}
	for (struct nl_object *o = nl_cache_get_first(routes); o; o = nl_cache_get_next(o)) {
		struct rtnl_route *r = (struct rtnl_route *)o;
		struct rtnl_nexthop *nh;
		vnet_saved_route *s;
		char *dst;
		/* The kernel's own prefix routes follow the addresses. */
		if (rtnl_route_get_table(r) == RT_TABLE_LOCAL || rtnl_route_get_type(r) != RTN_UNICAST ||
		    rtnl_route_get_protocol(r) == RTPROT_KERNEL || rtnl_route_get_nnexthops(r) != 1)
			continue;
		nh = rtnl_route_nexthop_n(r, 0);
		if (rtnl_route_nh_get_ifindex(nh) != idx)
			continue;
		dst = nl_cidr(rtnl_route_get_dst(r), nl_addr_get_prefixlen(rtnl_route_get_dst(r)));
		if (!dst)
			continue;
		s = g_new0(vnet_saved_route, 1);
		s->dst = dst;
		if (rtnl_route_nh_get_gateway(nh)) {
			g_autofree char *gw = nl_cidr(rtnl_route_nh_get_gateway(nh), 0);
			if (gw)
				s->gateway = g_strndup(gw, strchr(gw, '/') - gw);
		}
		s->metric = rtnl_route_get_priority(r);
		s->protocol = rtnl_route_get_protocol(r);
		s->scope = rtnl_route_get_scope(r);
		s->table = rtnl_route_get_table(r);
		g_ptr_array_add(st->routes, s);
	}
	return g_steal_pointer(&st);
}

static bool parse_nl_cidr(const char *cidr, nl_addr **ret)
{
	vnet_cidr c;

	if (!vnet_cidr_parse(cidr, 0, &c, NULL))
		return false;
	*ret = nl_addr_build(c.addr.family, c.addr.b, c.addr.family == AF_INET ? 4 : 16);
	if (!*ret)
		return false;
	nl_addr_set_prefixlen(*ret, c.prefix);
	return true;
}

/* Add (or with @del, delete) an address on @idx; existing or missing is fine. */
static bool change_addr(struct nl_sock *sk, int idx, const char *ifname, const vnet_saved_addr *sa,
			bool del, GError **error)
{
	g_autoptr(rtnl_addr) a = rtnl_addr_alloc();
	g_autoptr(nl_addr) local = NULL;
	int err;

	if (!parse_nl_cidr(sa->cidr, &local))
		return true;
	rtnl_addr_set_flags(a, sa->flags);
	rtnl_addr_set_ifindex(a, idx);
	rtnl_addr_set_local(a, local);
	rtnl_addr_set_prefixlen(a, nl_addr_get_prefixlen(local));
	err = del ? rtnl_addr_delete(sk, a, 0) : rtnl_addr_add(sk, a, NLM_F_REPLACE);
	if (err < 0 && err != -NLE_EXIST && err != -NLE_NOADDR && err != -NLE_OBJ_NOTFOUND &&
	    err != -NLE_NODEV)
		return (del ? NL_FAILED(error, _("Cannot remove an address from %s: %s."), ifname, err)
			    : NL_FAILED(error, _("Cannot add an address to %s: %s."), ifname, err));
	return true;
}

static bool change_route(struct nl_sock *sk, int idx, const char *ifname, const vnet_saved_route *s,
			 bool del, GError **error)
{
	g_autoptr(rtnl_route) r = rtnl_route_alloc();
	g_autoptr(nl_addr) dst = NULL, gw = NULL;
	struct rtnl_nexthop *nh = rtnl_route_nh_alloc();
	int err;

	if (!parse_nl_cidr(s->dst, &dst) || (s->gateway && !parse_nl_cidr(s->gateway, &gw))) {
		rtnl_route_nh_free(nh);
		return true;
	}
	if (gw)
		nl_addr_set_prefixlen(gw, nl_addr_get_len(gw) * 8);
	rtnl_route_set_family(r, nl_addr_get_family(dst));
	rtnl_route_set_table(r, s->table ? s->table : RT_TABLE_MAIN);
	rtnl_route_set_type(r, RTN_UNICAST);
	rtnl_route_set_dst(r, dst);
	rtnl_route_set_priority(r, s->metric);
	rtnl_route_set_protocol(r, s->protocol);
	rtnl_route_set_scope(r, s->scope);
	rtnl_route_nh_set_ifindex(nh, idx);
	if (gw)
		rtnl_route_nh_set_gateway(nh, gw);
	rtnl_route_add_nexthop(r, nh);
	err = del ? rtnl_route_delete(sk, r, 0) : rtnl_route_add(sk, r, NLM_F_CREATE | NLM_F_REPLACE);
	if (err < 0 && err != -NLE_OBJ_NOTFOUND && err != -NLE_NODEV && err != -NLE_EXIST)
		return (del ? NL_FAILED(error, _("Cannot remove a route from %s: %s."), ifname, err)
			    : NL_FAILED(error, _("Cannot add a route to %s: %s."), ifname, err));
	return true;
}

/* Move addresses and routes from @from to @to. */
static bool move_config(struct nl_sock *sk, const char *from, const char *to,
			const vnet_uplink_state *st, GError **error)
{
	int fi = ifindex_of(from), ti = ifindex_of(to);

	if (!ti)
		return NL_FAILED(error, _("The interface %s does not exist: %s."), to, -NLE_NODEV);
	for (guint i = 0; i < st->addrs->len; i++)
		if (!change_addr(sk, ti, to, st->addrs->pdata[i], false, error))
			return false;
	for (guint i = 0; fi && i < st->addrs->len; i++)
		if (!change_addr(sk, fi, from, st->addrs->pdata[i], true, error))
			return false;
	for (guint i = 0; i < st->routes->len; i++) {
		if (fi)
			change_route(sk, fi, from, st->routes->pdata[i], true, NULL);
		if (!change_route(sk, ti, to, st->routes->pdata[i], false, error))
			return false;
	}
	return true;
}

/* Make @port a port of @bridge, up; with @st, move the saved addresses and routes over too. */
static bool enslave(const char *port, const char *bridge, const vnet_uplink_state *st, GError **error)
{
	g_autoptr(nl_sock) sk = route_socket(error);
	int br = ifindex_of(bridge);

	if (!sk)
		return false;
	if (!br)
		return NL_FAILED(error, _("The interface %s does not exist: %s."), bridge, -NLE_NODEV);
	return set_master(sk, port, br, true, error) && (!st || move_config(sk, port, bridge, st, error));
}

bool vnet_link_takeover(const char *uplink, const char *bridge, const vnet_uplink_state *st,
			GError **error)
{
	return enslave(uplink, bridge, st, error);
}

/* @uplink's addresses and routes back from @bridge, or from nowhere when it is gone. */
static bool give_config_back(struct nl_sock *sk, const char *uplink, const char *bridge,
			     const vnet_uplink_state *st, GError **error)
{
	if (!ifindex_of(bridge)) {
		/* The bridge is gone with its addresses: put them on the uplink. */
		for (guint i = 0; i < st->addrs->len; i++)
			if (!change_addr(sk, ifindex_of(uplink), uplink, st->addrs->pdata[i], false, error))
				return false;
		for (guint i = 0; i < st->routes->len; i++)
			if (!change_route(sk, ifindex_of(uplink), uplink, st->routes->pdata[i], false, error))
				return false;
		return true;
	}
	return move_config(sk, bridge, uplink, st, error);
}

bool vnet_link_giveback(const char *uplink, const char *bridge, const vnet_uplink_state *st,
			GError **error)
{
	g_autoptr(nl_sock) sk = route_socket(error);

	if (!sk)
		return false;
	if (!ifindex_of(uplink))
		return true;	/* unplugged meanwhile: nothing to give back to */
	return set_master(sk, uplink, 0, st->up, error) && give_config_back(sk, uplink, bridge, st, error);
}

static bool set_up(struct nl_sock *sk, const char *ifname, bool up, GError **error)
{
	g_autoptr(rtnl_link) orig = NULL, change = rtnl_link_alloc();
	int err = rtnl_link_get_kernel(sk, 0, ifname, &orig);

	if (err < 0)
		return NL_FAILED(error, _("Cannot read the interface %s: %s."), ifname, err);
	if (up)
		rtnl_link_set_flags(change, IFF_UP);
	else
		rtnl_link_unset_flags(change, IFF_UP);
	err = rtnl_link_change(sk, orig, change, 0);
	if (err < 0)
		return NL_FAILED(error, _("Cannot set the interface %s up or down: %s."), ifname, err);
	return true;
}

bool vnet_link_set_up(const char *ifname, bool up, GError **error)
{
	g_autoptr(nl_sock) sk = route_socket(error);

	return sk && set_up(sk, ifname, up, error);
}

bool vnet_link_move_onto(const char *uplink, const char *bridge, const vnet_uplink_state *st,
			 GError **error)
{
	g_autoptr(nl_sock) sk = route_socket(error);

	return sk && set_up(sk, uplink, true, error) && set_up(sk, bridge, true, error) &&
	       move_config(sk, uplink, bridge, st, error);
}

bool vnet_link_move_back(const char *uplink, const char *bridge, const vnet_uplink_state *st,
			 GError **error)
{
	g_autoptr(nl_sock) sk = route_socket(error);

	if (!sk)
		return false;
	if (!ifindex_of(uplink))
		return true;	/* unplugged meanwhile: nothing to give back to */
	return give_config_back(sk, uplink, bridge, st, error) && set_up(sk, uplink, st->up, error);
}

bool vnet_link_enslave(const char *port, const char *bridge, GError **error)
{
	return enslave(port, bridge, NULL, error);
}

static const char *forwarding_path(int family)
{
	return family == AF_INET6 ? "/proc/sys/net/ipv6/conf/all/forwarding" : "/proc/sys/net/ipv4/ip_forward";
}

int vnet_link_get_forwarding(int family)
{
	g_autofree char *text = NULL;

	if (!g_file_get_contents(forwarding_path(family), &text, NULL, NULL))
		return -1;
	return text[0] == '1';
}

bool vnet_link_set_forwarding(int family, bool on, GError **error)
{
	g_autoptr(GError) local = NULL;

	if (!g_file_set_contents_full(forwarding_path(family), on ? "1\n" : "0\n", -1,
				      G_FILE_SET_CONTENTS_NONE, 0644, &local)) {
		vnet_set_error(error, VNET_ERROR_FAILED, _("Cannot set IP forwarding: %s."), local->message);
		return false;
	}
	return true;
}

/* ---- bridge ports: hairpin, and route_localnet on a bridge ---- */

static bool is_bridge(struct rtnl_link *link)
{
	return g_strcmp0(rtnl_link_get_type(link), "bridge") == 0;
}

/* The bridge @name, which must exist and be a bridge. */
static struct rtnl_link *get_bridge(struct nl_sock *sk, const char *name, GError **error)
{
	struct rtnl_link *link = NULL;
	int err = rtnl_link_get_kernel(sk, 0, name, &link);

	/* An interrupted or lost reply is no missing bridge: asked once more, then told as it is. */
	if (err == -NLE_DUMP_INTR || err == -NLE_AGAIN || err == -NLE_INTR || err == -NLE_NOMEM)
		err = rtnl_link_get_kernel(sk, 0, name, &link);
	if (err == -NLE_OBJ_NOTFOUND || err == -NLE_NODEV) {
		vnet_set_error(error, VNET_ERROR_NOT_FOUND,
			    _("The bridge %s does not exist; start its network first."), name);
		return NULL;
	}
	if (err < 0) {
		vnet_set_error(error, VNET_ERROR_FAILED,
			    _("The kernel did not say what bridge %s is: %s. Run the command again."), name, nl_geterror(err));
		return NULL;
	}
	if (!is_bridge(link)) {
		vnet_set_error(error, VNET_ERROR_INVALID,
			    _("The interface %s is not a bridge; vnetctl changes only the bridges of its own networks."),
			    name);
		rtnl_link_put(link);
		return NULL;
	}
	return link;
}

bool vnet_bridge_set_route_localnet(const char *bridge, bool on, GError **error)
{
	g_autoptr(nl_sock) sk = NULL;
	g_autoptr(rtnl_link) link = NULL;
	g_autofree char *path = NULL;
	const char *value = on ? "1\n" : "0\n";
	ssize_t n;
	int fd;

	if (!vnet_check_ifname(bridge, error))
		return false;
	/* "all" and "default" are not interfaces but would name every one. */
	if (g_str_equal(bridge, "all") || g_str_equal(bridge, "default") || g_str_equal(bridge, "lo")) {
		vnet_set_error(error, VNET_ERROR_INVALID,
			    _("route_localnet is set only on the bridge of a network, never on \"%s\"."),
			    bridge);
		return false;
	}
	if (!(sk = route_socket(error)) || !(link = get_bridge(sk, bridge, error)))
		return false;
	path = g_strdup_printf("/proc/sys/net/ipv4/conf/%s/route_localnet", bridge);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;
		vnet_set_error(error, VNET_ERROR_FAILED,
			    _("Could not open %s to set route_localnet on bridge %s: %s."),
			    path, bridge, g_strerror(e));
		return false;
	}
	n = write(fd, value, strlen(value));
	if (n != (ssize_t)strlen(value)) {
		int e = n < 0 ? errno : EIO;
		close(fd);
		vnet_set_error(error, VNET_ERROR_FAILED,
			    _("Could not set route_localnet on bridge %s: %s."), bridge, g_strerror(e));
		return false;
	}
	close(fd);
	return true;
}

/* RTM_SETLINK, AF_BRIDGE, IFLA_PROTINFO { IFLA_BRPORT_MODE = on }. */
static bool set_port_hairpin(struct nl_sock *sk, int ifindex, const char *port, bool on,
			     GError **error)
{
	struct ifinfomsg ifi = { .ifi_family = AF_BRIDGE, .ifi_index = ifindex };
	struct nl_msg *msg = nlmsg_alloc_simple(RTM_SETLINK, NLM_F_REQUEST | NLM_F_ACK);
	struct nlattr *protinfo;
	int err = -NLE_NOMEM;

	if (!msg || nlmsg_append(msg, &ifi, sizeof(ifi), NLMSG_ALIGNTO) < 0 ||
	    !(protinfo = nla_nest_start(msg, IFLA_PROTINFO | NLA_F_NESTED)) ||
	    nla_put_u8(msg, IFLA_BRPORT_MODE, on ? 1 : 0) < 0 ||
	    nla_nest_end(msg, protinfo) < 0) {
		nlmsg_free(msg);
	} else {
		err = nl_send_sync(sk, msg);	/* frees msg */
	}
	if (err >= 0)
		return true;
	vnet_set_error(error, VNET_ERROR_FAILED,
		    _("Could not set hairpin mode on bridge port %s: %s."), port, nl_geterror(err));
	return false;
}

bool vnet_brport_set_hairpin(const char *port, bool on, GError **error)
{
	g_autoptr(nl_sock) sk = NULL;
	g_autoptr(rtnl_link) link = NULL;
	g_autoptr(rtnl_link) master = NULL;

	if (!vnet_check_ifname(port, error) || !(sk = route_socket(error)))
		return false;
	if (rtnl_link_get_kernel(sk, 0, port, &link) < 0) {
		vnet_set_error(error, VNET_ERROR_NOT_FOUND,
			    _("The interface %s does not exist; is the guest running?"), port);
		return false;
	}
	if (rtnl_link_get_master(link) <= 0 ||
	    rtnl_link_get_kernel(sk, rtnl_link_get_master(link), NULL, &master) < 0 ||
	    !is_bridge(master)) {
		vnet_set_error(error, VNET_ERROR_INVALID,
			    _("The interface %s is not a port of a bridge, so it has no hairpin mode."), port);
		return false;
	}
	return set_port_hairpin(sk, rtnl_link_get_ifindex(link), port, on, error);
}

bool vnet_bridge_set_hairpin_all(const char *bridge, GError **error)
{
	g_autoptr(nl_sock) sk = NULL;
	g_autoptr(rtnl_link) br = NULL;
	g_autoptr(nl_cache) cache = NULL;
	int brindex, err;

	if (!vnet_check_ifname(bridge, error) || !(sk = route_socket(error)) ||
	    !(br = get_bridge(sk, bridge, error)))
		return false;
	brindex = rtnl_link_get_ifindex(br);
	if ((err = rtnl_link_alloc_cache(sk, AF_UNSPEC, &cache)) < 0) {
		vnet_set_error(error, VNET_ERROR_FAILED,
			    _("Could not list the network interfaces: %s."), nl_geterror(err));
		return false;
	}
	for (struct nl_object *o = nl_cache_get_first(cache); o; o = nl_cache_get_next(o)) {
		struct rtnl_link *port = (struct rtnl_link *)o;
		if (rtnl_link_get_master(port) != brindex)
			continue;
		if (!set_port_hairpin(sk, rtnl_link_get_ifindex(port), rtnl_link_get_name(port), true, error))
			return false;
	}
	return true;
}

int vnet_bridge_get_route_localnet(const char *bridge)
{
	g_autofree char *path = NULL, *text = NULL;

	if (!vnet_name_is_valid(bridge, VNET_IFNAME_MAX))
		return -1;
	path = g_strdup_printf("/proc/sys/net/ipv4/conf/%s/route_localnet", bridge);
	if (!g_file_get_contents(path, &text, NULL, NULL))
		return -1;
	return text[0] == '1';
}

/* ---- conntrack: connections a forward's DNAT sent somewhere ---- */

typedef struct ct_match {
	int family;
	guint8 proto;
	guint16 port, tport;		/* network byte order */
	bool range;			/* fwdr*: host order @lo..@hi onto the same ports */
	guint16 lo, hi;
	bool has_addr;
	vnet_addr addr, target;
	GPtrArray *found;		/* struct nf_conntrack * */
} ct_match;

static bool ct_addr_is(const struct nf_conntrack *ct, int family, int attr4, int attr6, const vnet_addr *a)
{
	if (family == AF_INET)
		return nfct_attr_is_set(ct, attr4) > 0 && memcmp(nfct_get_attr(ct, attr4), a->b, 4) == 0;
	return nfct_attr_is_set(ct, attr6) > 0 && memcmp(nfct_get_attr(ct, attr6), a->b, 16) == 0;
}

/* "fwdr4 tcp . 9000-9010 : 10.0.0.2", "fwdr6_addr 2001:db8::1 . udp . 1-65535 : fd00::2" */
static bool ct_parse_range(char **t, guint n, ct_match *m)
{
	g_auto(GStrv) lh = NULL;
	guint k = 1;
	vnet_proto proto;
	guint64 lo, hi;

	m->family = g_str_has_prefix(t[0], "fwdr6") ? AF_INET6 : AF_INET;
	m->has_addr = g_str_has_suffix(t[0], "_addr");
	m->range = true;
	if (m->has_addr) {
		if (n != 8 || !vnet_addr_parse(t[1], &m->addr, NULL) || strcmp(t[2], "."))
			return false;
		k = 3;
	} else if (n != 6) {
		return false;
	}
	lh = g_strsplit(t[k + 2], "-", 3);
	if (!vnet_proto_from_string(t[k], &proto) || strcmp(t[k + 1], ".") || g_strv_length(lh) != 2 ||
	    !g_ascii_string_to_unsigned(lh[0], 10, 1, 65535, &lo, NULL) ||
	    !g_ascii_string_to_unsigned(lh[1], 10, lo, 65535, &hi, NULL) || strcmp(t[k + 3], ":") ||
	    !vnet_addr_parse(t[k + 4], &m->target, NULL))
		return false;
	m->proto = proto == VNET_PROTO_TCP ? IPPROTO_TCP : proto == VNET_PROTO_UDP ? IPPROTO_UDP : IPPROTO_SCTP;
	m->lo = (guint16)lo;
	m->hi = (guint16)hi;
	return m->target.family == m->family;
}

/* "fwd4 tcp . 8080 : 10.0.0.2 . 80", "fwd6_addr 2001:db8::1 . tcp . 22 : fd00::2 . 22" */
static bool ct_parse(const char *line, ct_match *m)
{
	g_auto(GStrv) t = g_strsplit(line, " ", -1);
	guint n = g_strv_length(t), k = 1;
	vnet_proto proto;
	guint64 port, tport;

	if (n && g_str_has_prefix(t[0], "fwdr"))
		return ct_parse_range(t, n, m);
	if (n < 8)
		return false;
	m->family = g_str_has_prefix(t[0], "fwd6") ? AF_INET6 : AF_INET;
	m->has_addr = g_str_has_suffix(t[0], "_addr");
	if (m->has_addr) {
		if (n != 10 || !vnet_addr_parse(t[1], &m->addr, NULL) || strcmp(t[2], "."))
			return false;
		k = 3;
	}
	if (!vnet_proto_from_string(t[k], &proto) || strcmp(t[k + 1], ".") ||
	    !g_ascii_string_to_unsigned(t[k + 2], 10, 1, 65535, &port, NULL) || strcmp(t[k + 3], ":") ||
	    !vnet_addr_parse(t[k + 4], &m->target, NULL) || strcmp(t[k + 5], ".") ||
	    !g_ascii_string_to_unsigned(t[k + 6], 10, 1, 65535, &tport, NULL))
		return false;
	m->proto = proto == VNET_PROTO_TCP ? IPPROTO_TCP : proto == VNET_PROTO_UDP ? IPPROTO_UDP : IPPROTO_SCTP;
	m->port = htons((guint16)port);
	m->tport = htons((guint16)tport);
	return m->target.family == m->family;
}

/*
 * Every forward element of @lines at once: one dump per family however many
 * there are (a range of 65,535 ports is 65,535 elements), each connection
 * looked up by (family, protocol, port) among them.
 */
typedef struct ct_batch {
	int family;
	GHashTable *by_port;		/* (proto << 16 | port) -> GPtrArray of ct_match */
	GPtrArray *ranges;		/* ct_match of ranges: few, each looked at */
	GPtrArray *found;		/* struct nf_conntrack * */
} ct_batch;

static int ct_collect_batch(enum nf_conntrack_msg_type type, struct nf_conntrack *ct, void *data)
{
	ct_batch *b = data;
	guint key = (guint)nfct_get_attr_u8(ct, ATTR_L4PROTO) << 16 | nfct_get_attr_u16(ct, ATTR_PORT_DST);
	GPtrArray *cands = g_hash_table_lookup(b->by_port, GUINT_TO_POINTER(key));

	for (guint i = 0; cands && i < cands->len; i++) {
		ct_match *m = cands->pdata[i];
		if (nfct_get_attr_u16(ct, ATTR_REPL_PORT_SRC) != m->tport ||
		    !ct_addr_is(ct, m->family, ATTR_REPL_IPV4_SRC, ATTR_REPL_IPV6_SRC, &m->target) ||
		    (m->has_addr && !ct_addr_is(ct, m->family, ATTR_IPV4_DST, ATTR_IPV6_DST, &m->addr)))
			continue;
		g_ptr_array_add(b->found, nfct_clone(ct));
		return NFCT_CB_CONTINUE;
	}
	for (guint i = 0; i < b->ranges->len; i++) {
		ct_match *m = b->ranges->pdata[i];
		guint16 port = ntohs(nfct_get_attr_u16(ct, ATTR_PORT_DST));
		/* the same port on both sides: what the range's DNAT did */
		if (nfct_get_attr_u8(ct, ATTR_L4PROTO) != m->proto || port < m->lo || port > m->hi ||
		    nfct_get_attr_u16(ct, ATTR_REPL_PORT_SRC) != nfct_get_attr_u16(ct, ATTR_PORT_DST) ||
		    !ct_addr_is(ct, m->family, ATTR_REPL_IPV4_SRC, ATTR_REPL_IPV6_SRC, &m->target) ||
		    (m->has_addr && !ct_addr_is(ct, m->family, ATTR_IPV4_DST, ATTR_IPV6_DST, &m->addr)))
			continue;
		g_ptr_array_add(b->found, nfct_clone(ct));
		break;
	}
	return NFCT_CB_CONTINUE;
}

bool vnet_conntrack_flush_forwards(const char *const *lines, GError **error)
{
	static const int families[] = { AF_INET, AF_INET6 };
	g_autoptr(GArray) ms = g_array_new(FALSE, TRUE, sizeof(ct_match));
	struct nfct_handle *h = NULL;
	bool ok = true;

	for (guint i = 0; lines && lines[i]; i++) {
		ct_match m = { 0 };
		if (*lines[i] && ct_parse(lines[i], &m))
			g_array_append_val(ms, m);	/* others are not forward elements */
	}
	if (!ms->len)
		return true;
	h = nfct_open(CONNTRACK, 0);
	if (!h) {
		vnet_set_error(error, VNET_ERROR_FAILED, _("Cannot open the conntrack netlink socket: %s."), g_strerror(errno));
		return false;
	}
	for (size_t f = 0; f < G_N_ELEMENTS(families); f++) {
		ct_batch b = { .family = families[f] };
		guint32 family = families[f];
		int rc;

		b.by_port = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, (GDestroyNotify)g_ptr_array_unref);
		b.ranges = g_ptr_array_new();
		for (guint i = 0; i < ms->len; i++) {
			ct_match *m = &g_array_index(ms, ct_match, i);
			guint key = (guint)m->proto << 16 | m->port;
			GPtrArray *c;
			if (m->family != b.family)
				continue;
			if (m->range) {
				g_ptr_array_add(b.ranges, m);
				continue;
			}
			if (!(c = g_hash_table_lookup(b.by_port, GUINT_TO_POINTER(key)))) {
				c = g_ptr_array_new();
				g_hash_table_insert(b.by_port, GUINT_TO_POINTER(key), c);
			}
			g_ptr_array_add(c, m);
		}
		if (!g_hash_table_size(b.by_port) && !b.ranges->len) {
			g_hash_table_unref(b.by_port);
			g_ptr_array_unref(b.ranges);
			continue;
		}
		b.found = g_ptr_array_new_with_free_func((GDestroyNotify)nfct_destroy);
		nfct_callback_register(h, NFCT_T_ALL, ct_collect_batch, &b);
		rc = nfct_query(h, NFCT_Q_DUMP, &family);
		nfct_callback_unregister(h);
		/* Deleted after the dump, not during it: the dump's socket is busy until it ends. */
		for (guint i = 0; rc == 0 && i < b.found->len; i++)
			nfct_query(h, NFCT_Q_DESTROY, b.found->pdata[i]);
		g_ptr_array_unref(b.found);
		g_hash_table_unref(b.by_port);
		g_ptr_array_unref(b.ranges);
		if (rc < 0 && ok) {
			vnet_set_error(error, VNET_ERROR_FAILED, _("Cannot read the conntrack table: %s."), g_strerror(errno));
			ok = false;
		}
	}
	nfct_close(h);
	return ok;
}

bool vnet_conntrack_flush_forward(const char *line, GError **error)
{
	const char *const lines[] = { line, NULL };

	return vnet_conntrack_flush_forwards(lines, error);
}

/* ---- sessions: an admin's connection that a takeover could cut ---- */

/* Whether @local (network order, @family) is one of the uplink's saved addresses. */
static bool on_uplink(const vnet_uplink_state *st, int family, const void *local)
{
	for (guint i = 0; i < st->addrs->len; i++) {
		vnet_cidr c;
		if (vnet_cidr_parse(((vnet_saved_addr *)st->addrs->pdata[i])->cidr, 0, &c, NULL) &&
		    c.addr.family == family && memcmp(c.addr.b, local, family == AF_INET ? 4 : 16) == 0)
			return true;
	}
	return false;
}

typedef struct session_find {
	const vnet_uplink_state *st;
	int family;
	const guint16 *ports;
	guint n_ports;
	bool found;
} session_find;

static bool find_session(const struct inet_diag_msg *d, void *data)
{
	session_find *sf = data;

	for (guint p = 0; p < sf->n_ports && !sf->found; p++)
		sf->found = ntohs(d->id.idiag_sport) == sf->ports[p] && on_uplink(sf->st, sf->family, d->id.idiag_src);
	return !sf->found;
}

static bool sessions_of(int family, const vnet_uplink_state *st, const guint16 *ports, guint n_ports)
{
	session_find sf = { st, family, ports, n_ports, false };

	diag_dump(family, IPPROTO_TCP, 1u << TCP_ESTABLISHED, find_session, &sf);
	return sf.found;
}

bool vnet_link_has_session(const vnet_uplink_state *st, const guint16 *ports, guint n_ports)
{
	return st && (sessions_of(AF_INET, st, ports, n_ports) || sessions_of(AF_INET6, st, ports, n_ports));
}

/* ---- what doctor reads ---- */

/* <linux/if.h> has it, but clashes with <net/if.h>. */
#ifndef IFF_LOWER_UP
#define IFF_LOWER_UP 0x10000
#endif

void vnet_link_info_free(vnet_link_info *l)
{
	if (!l)
		return;
	g_free(l->name);
	g_free(l->master);
	g_free(l->mac);
	g_free(l);
}

static char *lladdr_string(struct nl_addr *a)
{
	char buf[64];

	if (!a || nl_addr_get_len(a) != 6)
		return NULL;
	return g_ascii_strdown(nl_addr2str(a, buf, sizeof(buf)), -1);
}

bool vnet_link_read_infos(GPtrArray **ret_links, GError **error)
{
	g_autoptr(nl_sock) sk = route_socket(error);
	g_autoptr(nl_cache) cache = NULL, ports = NULL;
	g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func((GDestroyNotify)vnet_link_info_free);
	int err;

	if (!sk)
		return false;
	if ((err = rtnl_link_alloc_cache(sk, AF_UNSPEC, &cache)) < 0)
		return cache_failed(err, error);
	/* The AF_BRIDGE dump lists bridge ports with their IFLA_PROTINFO: the STP state. */
	if ((err = rtnl_link_alloc_cache(sk, AF_BRIDGE, &ports)) < 0)
		return cache_failed(err, error);
	for (struct nl_object *o = nl_cache_get_first(cache); o; o = nl_cache_get_next(o)) {
		struct rtnl_link *l = (struct rtnl_link *)o;
		vnet_link_info *li = g_new0(vnet_link_info, 1);
		char master[IFNAMSIZ] = "";
		struct rtnl_link *bp;
		int m = rtnl_link_get_master(l);

		li->name = g_strdup(rtnl_link_get_name(l));
		li->ifindex = rtnl_link_get_ifindex(l);
		li->up = rtnl_link_get_flags(l) & IFF_UP;
		li->carrier = rtnl_link_get_flags(l) & IFF_LOWER_UP;
		li->mtu = rtnl_link_get_mtu(l);
		li->mac = lladdr_string(rtnl_link_get_addr(l));
		li->is_bridge = is_bridge(l);
		li->stp_state = -1;
		if (m > 0 && rtnl_link_i2name(cache, m, master, sizeof(master)))
			li->master = g_strdup(master);
		bp = m > 0 ? rtnl_link_get(ports, li->ifindex) : NULL;
		if (bp) {
			li->stp_state = rtnl_link_bridge_get_port_state(bp);
			rtnl_link_put(bp);
		}
		g_ptr_array_add(out, li);
	}
	*ret_links = g_steal_pointer(&out);
	return true;
}

void vnet_fdb_entry_free(vnet_fdb_entry *e)
{
	if (!e)
		return;
	g_free(e->mac);
	g_free(e->port);
	g_free(e);
}

void vnet_neigh_free(vnet_neigh *n)
{
	if (!n)
		return;
	g_free(n->ifname);
	g_free(n->addr);
	g_free(n->mac);
	g_free(n);
}

/* The neighbour cache of every family: ARP, NDP and the bridges' FDBs (AF_BRIDGE). */
static bool neigh_cache(struct nl_sock *sk, struct nl_cache **links, struct nl_cache **ret, GError **error)
{
	int err;

	if ((err = rtnl_link_alloc_cache(sk, AF_UNSPEC, links)) < 0 ||
	    (err = rtnl_neigh_alloc_cache_flags(sk, ret, NL_CACHE_AF_ITER)) < 0)
		return cache_failed(err, error);
	return true;
}

bool vnet_fdb_read(const char *bridge, GPtrArray **ret_entries, GError **error)
{
	g_autoptr(nl_sock) sk = NULL;
	g_autoptr(nl_cache) links = NULL, cache = NULL;
	g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func((GDestroyNotify)vnet_fdb_entry_free);
	int br;

	if (!vnet_check_ifname(bridge, error) || !(sk = route_socket(error)) ||
	    !neigh_cache(sk, &links, &cache, error))
		return false;
	br = ifindex_of(bridge);
	for (struct nl_object *o = nl_cache_get_first(cache); br && o; o = nl_cache_get_next(o)) {
		struct rtnl_neigh *n = (struct rtnl_neigh *)o;
		char port[IFNAMSIZ] = "";
		vnet_fdb_entry *e;
		char *mac;

		if (rtnl_neigh_get_family(n) != AF_BRIDGE || rtnl_neigh_get_master(n) != br ||
		    !(mac = lladdr_string(rtnl_neigh_get_lladdr(n))))
			continue;
		rtnl_link_i2name(links, rtnl_neigh_get_ifindex(n), port, sizeof(port));
		e = g_new0(vnet_fdb_entry, 1);
		e->mac = mac;
		e->port = g_strdup(port);
		/* NUD_PERMANENT: the bridge's own and its ports' addresses, never learned. */
		e->local = rtnl_neigh_get_state(n) & NUD_PERMANENT;
		g_ptr_array_add(out, e);
	}
	*ret_entries = g_steal_pointer(&out);
	return true;
}

bool vnet_neigh_read(const char *ifname, int family, GPtrArray **ret_neighs, GError **error)
{
	g_autoptr(nl_sock) sk = NULL;
	g_autoptr(nl_cache) links = NULL, cache = NULL;
	g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func((GDestroyNotify)vnet_neigh_free);
	int idx;

	if (!vnet_check_ifname(ifname, error) || !(sk = route_socket(error)) ||
	    !neigh_cache(sk, &links, &cache, error))
		return false;
	idx = ifindex_of(ifname);
	for (struct nl_object *o = nl_cache_get_first(cache); idx && o; o = nl_cache_get_next(o)) {
		struct rtnl_neigh *n = (struct rtnl_neigh *)o;
		g_autofree char *cidr = NULL;
		vnet_neigh *e;

		if (rtnl_neigh_get_family(n) != family || rtnl_neigh_get_ifindex(n) != idx ||
		    !rtnl_neigh_get_dst(n) || !(cidr = nl_cidr(rtnl_neigh_get_dst(n), 0)))
			continue;
		e = g_new0(vnet_neigh, 1);
		e->ifname = g_strdup(ifname);
		e->addr = g_strndup(cidr, strchr(cidr, '/') - cidr);
		e->mac = lladdr_string(rtnl_neigh_get_lladdr(n));
		e->state = rtnl_neigh_get_state(n);
		g_ptr_array_add(out, e);
	}
	*ret_neighs = g_steal_pointer(&out);
	return true;
}

typedef struct sock_dump {
	int family, protocol;
	GArray *out;
} sock_dump;

static bool add_sock(const struct inet_diag_msg *d, void *data)
{
	const sock_dump *sd = data;
	static const guint8 zero[16];
	size_t n = sd->family == AF_INET ? 4 : 16;
	vnet_sock_info si = { 0 };

	/* A connected UDP socket is a client's, not a service. */
	if (sd->protocol == IPPROTO_UDP && d->id.idiag_dport)
		return true;
	si.proto = sd->protocol == IPPROTO_TCP ? VNET_PROTO_TCP : VNET_PROTO_UDP;
	si.family = sd->family;
	si.port = ntohs(d->id.idiag_sport);
	si.inode = d->idiag_inode;
	si.has_addr = memcmp(d->id.idiag_src, zero, n) != 0;
	si.addr.family = sd->family;
	memcpy(si.addr.b, d->id.idiag_src, n);
	g_array_append_val(sd->out, si);
	return true;
}

/* One sock_diag dump of @family/@protocol sockets in @states into @out. */
static bool diag_sockets(int family, int protocol, guint32 states, GArray *out, GError **error)
{
	sock_dump sd = { family, protocol, out };
	int r = diag_dump(family, protocol, states, add_sock, &sd);

	/* no IPv6 in this kernel: no such sockets */
	if (r < 0 && r != -ENOENT && r != -EAFNOSUPPORT && r != -EPROTONOSUPPORT) {
		vnet_set_error(error, VNET_ERROR_FAILED,
			       _("Cannot read the host's sockets through sock_diag: %s."), g_strerror(-r));
		return false;
	}
	return true;
}

bool vnet_link_read_sockets(GArray **ret_socks, GError **error)
{
	g_autoptr(GArray) out = g_array_new(FALSE, TRUE, sizeof(vnet_sock_info));
	/* TCP_CLOSE is how an unconnected, bound UDP socket is listed. */
	const guint32 udp = 1u << TCP_CLOSE | 1u << TCP_ESTABLISHED;

	if (!diag_sockets(AF_INET, IPPROTO_TCP, 1u << TCP_LISTEN, out, error) ||
	    !diag_sockets(AF_INET6, IPPROTO_TCP, 1u << TCP_LISTEN, out, error) ||
	    !diag_sockets(AF_INET, IPPROTO_UDP, udp, out, error) ||
	    !diag_sockets(AF_INET6, IPPROTO_UDP, udp, out, error))
		return false;
	*ret_socks = g_steal_pointer(&out);
	return true;
}

typedef struct ct_peers {
	ct_match m;
	GPtrArray *peers;
} ct_peers;

static int ct_collect_peers(enum nf_conntrack_msg_type type, struct nf_conntrack *ct, void *data)
{
	ct_peers *p = data;
	const ct_match *m = &p->m;
	char buf[INET6_ADDRSTRLEN];
	const void *src;

	if (nfct_get_attr_u8(ct, ATTR_L4PROTO) != m->proto || nfct_get_attr_u16(ct, ATTR_PORT_DST) != m->port ||
	    !(nfct_get_attr_u32(ct, ATTR_STATUS) & IPS_DST_NAT) ||
	    (m->has_addr && !ct_addr_is(ct, m->family, ATTR_IPV4_DST, ATTR_IPV6_DST, &m->addr)))
		return NFCT_CB_CONTINUE;
	src = nfct_get_attr(ct, m->family == AF_INET ? ATTR_REPL_IPV4_SRC : ATTR_REPL_IPV6_SRC);
	if (src && inet_ntop(m->family, src, buf, sizeof(buf)))
		g_ptr_array_add(p->peers, g_strdup_printf("%s %u", buf, ntohs(nfct_get_attr_u16(ct, ATTR_REPL_PORT_SRC))));
	return NFCT_CB_CONTINUE;
}

bool vnet_conntrack_forward_peers(const char *line, GPtrArray **ret_peers, GError **error)
{
	g_autoptr(GPtrArray) peers = g_ptr_array_new_with_free_func(g_free);
	ct_peers p = { .peers = peers };
	struct nfct_handle *h;
	guint32 family;
	int rc;

	if (!line || !ct_parse(line, &p.m)) {
		*ret_peers = g_steal_pointer(&peers);
		return true;
	}
	if (!(h = nfct_open(CONNTRACK, 0))) {
		vnet_set_error(error, VNET_ERROR_FAILED, _("Cannot open the conntrack netlink socket: %s."), g_strerror(errno));
		return false;
	}
	family = p.m.family;
	nfct_callback_register(h, NFCT_T_ALL, ct_collect_peers, &p);
	rc = nfct_query(h, NFCT_Q_DUMP, &family);
	nfct_close(h);
	if (rc < 0) {
		vnet_set_error(error, VNET_ERROR_FAILED, _("Cannot read the conntrack table: %s."), g_strerror(errno));
		return false;
	}
	*ret_peers = g_steal_pointer(&peers);
	return true;
}

/* ---- bridge ports joining and leaving (vnetctl watch) ---- */

struct vnet_port_watch {
	struct nl_sock *sk;
	GHashTable *master;	/* ifindex -> the ifindex of its bridge, for every link with a master */
	bool changed;
};

/* Whether @idx's master is now @master (0: none), and remember it. */
static void port_seen(vnet_port_watch *w, int idx, int master)
{
	gpointer was = g_hash_table_lookup(w->master, GINT_TO_POINTER(idx));

	if (GPOINTER_TO_INT(was) == master)
		return;
	w->changed = true;
	if (master)
		g_hash_table_replace(w->master, GINT_TO_POINTER(idx), GINT_TO_POINTER(master));
	else
		g_hash_table_remove(w->master, GINT_TO_POINTER(idx));
}

static int port_event(struct nl_msg *msg, void *data)
{
	vnet_port_watch *w = data;
	struct nlmsghdr *h = nlmsg_hdr(msg);
	struct nlattr *tb[IFLA_MAX + 1];
	const struct ifinfomsg *ifi;

	if ((h->nlmsg_type != RTM_NEWLINK && h->nlmsg_type != RTM_DELLINK) ||
	    nlmsg_parse(h, sizeof(*ifi), tb, IFLA_MAX, NULL) < 0)
		return NL_SKIP;
	ifi = nlmsg_data(h);
	/* AF_BRIDGE copies of a port's messages say nothing new about its master. */
	if (ifi->ifi_family == AF_BRIDGE)
		return NL_SKIP;
	port_seen(w, ifi->ifi_index,
		  h->nlmsg_type == RTM_NEWLINK && tb[IFLA_MASTER] ? (int)nla_get_u32(tb[IFLA_MASTER]) : 0);
	return NL_OK;
}

vnet_port_watch *vnet_port_watch_new(GError **error)
{
	g_autoptr(vnet_port_watch) w = g_new0(vnet_port_watch, 1);
	g_autoptr(nl_cache) cache = NULL;
	int err;

	w->master = g_hash_table_new(g_direct_hash, g_direct_equal);
	if (!(w->sk = nl_socket_alloc())) {
		vnet_set_error(error, VNET_ERROR_FAILED, _("Out of memory opening a netlink socket."));
		return NULL;
	}
	nl_socket_disable_seq_check(w->sk);
	nl_socket_modify_cb(w->sk, NL_CB_VALID, NL_CB_CUSTOM, port_event, w);
	/* Subscribed before the first read, so that no change falls between the two. */
	if ((err = nl_connect(w->sk, NETLINK_ROUTE)) < 0 ||
	    (err = nl_socket_add_membership(w->sk, RTNLGRP_LINK)) < 0 ||
	    (err = nl_socket_set_nonblocking(w->sk)) < 0) {
		vnet_set_error(error, VNET_ERROR_FAILED,
			    _("Cannot listen to the kernel's interface changes: %s."), nl_geterror(err));
		return NULL;
	}
	{
		g_autoptr(nl_sock) sk = route_socket(error);
		if (!sk)
			return NULL;
		if ((err = rtnl_link_alloc_cache(sk, AF_UNSPEC, &cache)) < 0) {
			vnet_set_error(error, VNET_ERROR_FAILED,
				    _("Could not list the network interfaces: %s."), nl_geterror(err));
			return NULL;
		}
	}
	for (struct nl_object *o = nl_cache_get_first(cache); o; o = nl_cache_get_next(o)) {
		struct rtnl_link *l = (struct rtnl_link *)o;
		port_seen(w, rtnl_link_get_ifindex(l), rtnl_link_get_master(l));
	}
	w->changed = false;
	return g_steal_pointer(&w);
}

int vnet_port_watch_fd(const vnet_port_watch *w)
{
	return nl_socket_get_fd(w->sk);
}

bool vnet_port_watch_changed(vnet_port_watch *w)
{
	int err;

	/* Everything queued, so that a burst of changes is one answer. */
	while ((err = nl_recvmsgs_default(w->sk)) >= 0)
		;
	/* The socket's buffer overflowed: some change was lost, so assume one. */
	if (err == -NLE_NOMEM || err == -NLE_MSG_OVERFLOW)
		w->changed = true;
	if (!w->changed)
		return false;
	w->changed = false;
	return true;
}

void vnet_port_watch_free(vnet_port_watch *w)
{
	if (!w)
		return;
	if (w->sk)
		nl_socket_free(w->sk);
	if (w->master)
		g_hash_table_unref(w->master);
	g_free(w);
}
