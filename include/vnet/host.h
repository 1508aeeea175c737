/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What already exists on a host: the other side of every conflict an intent
 * can have.  The control plane reads it live from libnl and libvirt; a
 * provisioning tool fills one by hand with what it knows of another host (its
 * addresses, its VPNs' routes, its networks and listeners) to complete and
 * validate intents for that host offline, before it connects, as vnetctl's
 * tests do with made-up facts.  vnet_intent_complete() picks
 * free defaults against it and vnet_intent_validate() refuses clashes with it.
 */
#ifndef VNET_HOST_H
#define VNET_HOST_H

#include <stdbool.h>
#include <glib.h>
#include <vnet/intent.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct vnet_host vnet_host;

/** vnet_host_new() - an empty host: no links, addresses, routes or networks */
vnet_host *vnet_host_new(void);
/** vnet_host_free() - free a host, NULL is fine */
void vnet_host_free(vnet_host *host);

/**
 * vnet_host_add_link() - a network interface that exists
 * @host: the host
 * @ifname: its name
 * @is_bridge: whether it is a bridge
 * @master: the bridge it is a port of, or NULL
 * @error: return location for a GError
 *
 * Return: true on success, false if @ifname is not a valid interface name.
 */
bool vnet_host_add_link(vnet_host *host, const char *ifname, bool is_bridge,
			const char *master, GError **error);

/**
 * vnet_host_add_address() - an address configured on an interface
 * @host: the host
 * @ifname: the interface
 * @cidr: address and prefix, "192.168.1.10/24" or "2001:db8::5/64"
 * @error: return location for a GError
 *
 * Return: true on success.
 */
bool vnet_host_add_address(vnet_host *host, const char *ifname, const char *cidr, GError **error);

/**
 * vnet_host_add_route() - a route of the host (a LAN, a VPN)
 * @host: the host
 * @dev: the interface it leaves by, or NULL
 * @cidr: its destination; "0.0.0.0/0" and "::/0" are default routes and never conflict
 * @error: return location for a GError
 *
 * Return: true on success.
 */
bool vnet_host_add_route(vnet_host *host, const char *dev, const char *cidr, GError **error);

/**
 * vnet_host_add_network() - a libvirt network that vnetctl does not manage
 * @host: the host
 * @name: its name
 * @bridge: its bridge, or NULL
 * @cidr: one of its subnets, or NULL; call again for a second subnet
 * @error: return location for a GError
 *
 * Return: true on success.
 */
bool vnet_host_add_network(vnet_host *host, const char *name, const char *bridge,
			   const char *cidr, GError **error);

/**
 * vnet_host_add_intent() - a network that vnetctl already manages
 * @host: the host
 * @intent: the intent; copied
 */
void vnet_host_add_intent(vnet_host *host, const vnet_intent *intent);

/**
 * vnet_host_add_listener() - a socket that a local process listens on
 * @host: the host
 * @proto: "tcp", "udp" or "sctp"
 * @addr: the local address, or NULL for any
 * @port: the port
 * @error: return location for a GError
 *
 * Return: true on success.
 */
bool vnet_host_add_listener(vnet_host *host, const char *proto, const char *addr,
			    guint port, GError **error);

/**
 * vnet_intent_complete() - fill in what the user left out, free on @host
 * @intent: the intent
 * @host: what exists
 * @error: return location for a GError
 *
 * Picks the first free network name "vnetN", the first /24 of the pools
 * (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16) that overlaps nothing on @host,
 * the bridge name, gateway, DHCP range and default guest address.
 *
 * Return: true on success; false, with @intent untouched, if no name or
 * subnet is free or a required field (bridged: a bridge or uplink) is missing.
 */
bool vnet_intent_complete(vnet_intent *intent, const vnet_host *host, GError **error);

/**
 * enum vnet_validate_flags - relaxations of vnet_intent_validate()
 * @VNET_VALIDATE_FORCE: allow a forward of a port a local process listens on
 */
typedef enum vnet_validate_flags {
	VNET_VALIDATE_FORCE = 1 << 0,
} vnet_validate_flags;

/**
 * vnet_intent_validate() - check an intent against itself and against @host
 * @intent: a complete intent
 * @host: what exists; a managed network of the same name is the one being
 *        changed and is not a conflict
 * @flags: vnet_validate_flags
 * @error: return location for a GError naming both sides of the first conflict
 *
 * Return: true if the intent can be applied without breaking anything.
 */
bool vnet_intent_validate(const vnet_intent *intent, const vnet_host *host,
			  unsigned flags, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(vnet_host, vnet_host_free)

#ifdef __cplusplus
}
#endif
#endif
