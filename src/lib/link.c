/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <arpa/inet.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/route.h>

#include "link.h"
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

	if ((family != AF_INET && family != AF_INET6) ||
	    nl_addr_get_len(a) != (family == AF_INET ? 4u : 16u) ||
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

		/* Local, broadcast and multicast routes describe addresses, not networks. */
		if (rtnl_route_get_table(r) != RT_TABLE_MAIN || rtnl_route_get_type(r) != RTN_UNICAST || !dst)
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

/* /proc/net/{tcp,udp}{,6}: "sl local_address rem_address st ...", addresses in hex. */
static bool read_proc_sockets(vnet_host *host, const char *path, const char *proto,
			      int family, const char *state, GError **error)
{
	g_autofree char *text = NULL;
	g_auto(GStrv) lines = NULL;

	if (!g_file_get_contents(path, &text, NULL, NULL))
		return true;	/* no IPv6, say */
	lines = g_strsplit(text, "\n", -1);
	for (guint i = 1; lines[i]; i++) {
		char local[64], st[8];
		guint8 b[16];
		guint port;
		char addr[INET6_ADDRSTRLEN];
		size_t n = family == AF_INET ? 4 : 16;

		if (sscanf(lines[i], " %*s %63[0-9A-Fa-f:] %*s %7s", local, st) != 2 || strcmp(st, state) != 0)
			continue;
		if (strlen(local) != n * 2 + 5 || sscanf(local + n * 2, ":%x", &port) != 1)
			continue;
		/* The kernel prints each 32-bit word in host byte order. */
		for (size_t w = 0; w < n / 4; w++) {
			guint32 v;
			char word[9];
			memcpy(word, local + w * 8, 8);
			word[8] = 0;
			v = (guint32)strtoul(word, NULL, 16);
			memcpy(b + w * 4, &v, 4);
		}
		if (!inet_ntop(family, b, addr, sizeof(addr)))
			continue;
		{
			static const guint8 zero[16];
			bool any = memcmp(b, zero, n) == 0;
			if (!vnet_host_add_listener(host, proto, any ? NULL : addr, port, error))
				return false;
		}
	}
	return true;
}

bool vnet_link_read_listeners(vnet_host *host, GError **error)
{
	/* TCP_LISTEN is 0A; an unconnected UDP socket is TCP_CLOSE, 07. */
	return read_proc_sockets(host, "/proc/net/tcp", "tcp", AF_INET, "0A", error) &&
	       read_proc_sockets(host, "/proc/net/tcp6", "tcp", AF_INET6, "0A", error) &&
	       read_proc_sockets(host, "/proc/net/udp", "udp", AF_INET, "07", error) &&
	       read_proc_sockets(host, "/proc/net/udp6", "udp", AF_INET6, "07", error);
}
