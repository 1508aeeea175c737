/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * brport: route_localnet through /proc/sys (the kernel's own interface for
 * it; there is no netlink attribute), hairpin through rtnetlink with libnl:
 * RTM_SETLINK, family AF_BRIDGE, IFLA_PROTINFO { IFLA_BRPORT_MODE }, the
 * message `bridge link set dev PORT hairpin on` sends.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>

#include "brport.h"
#include "util.h"

/* libnl's types, for g_autoptr */
typedef struct nl_sock nl_sock_t;
typedef struct rtnl_link rtnl_link_t;
typedef struct nl_cache nl_cache_t;
G_DEFINE_AUTOPTR_CLEANUP_FUNC(nl_sock_t, nl_socket_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(rtnl_link_t, rtnl_link_put)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(nl_cache_t, nl_cache_free)

static struct nl_sock *route_socket(GError **error)
{
	struct nl_sock *sk = nl_socket_alloc();
	int err;

	if (!sk) {
		vnet_set_error(error, VNET_ERROR_FAILED,
			    _("Could not allocate a netlink socket: out of memory."));
		return NULL;
	}
	if ((err = nl_connect(sk, NETLINK_ROUTE)) < 0) {
		vnet_set_error(error, VNET_ERROR_FAILED,
			    _("Could not open a netlink socket to the kernel: %s."), nl_geterror(err));
		nl_socket_free(sk);
		return NULL;
	}
	return sk;
}

static bool is_bridge(struct rtnl_link *link)
{
	return g_strcmp0(rtnl_link_get_type(link), "bridge") == 0;
}

/* The bridge @name, which must exist and be a bridge. */
static struct rtnl_link *get_bridge(struct nl_sock *sk, const char *name, GError **error)
{
	struct rtnl_link *link = NULL;

	if (rtnl_link_get_kernel(sk, 0, name, &link) < 0) {
		vnet_set_error(error, VNET_ERROR_NOT_FOUND,
			    _("The bridge %s does not exist; start its network first."), name);
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
	g_autoptr(nl_sock_t) sk = NULL;
	g_autoptr(rtnl_link_t) link = NULL;
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
	g_autoptr(nl_sock_t) sk = NULL;
	g_autoptr(rtnl_link_t) link = NULL;
	g_autoptr(rtnl_link_t) master = NULL;

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
	g_autoptr(nl_sock_t) sk = NULL;
	g_autoptr(rtnl_link_t) br = NULL;
	g_autoptr(nl_cache_t) cache = NULL;
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
