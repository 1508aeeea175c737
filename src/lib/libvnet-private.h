/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What libvnet exports for vnetctl alone, in the version node VNET_PRIVATE_0.1
 * of libvnet.sym: the entry points of libvirt's hook scripts, which run
 * `vnetctl hook`, `vnetctl qemu-hook` and `vnetctl watch`.  A program that
 * links libvnet has no use for them (libvirt calls the hooks, and vnetctl
 * runs them), so they are not installed and promise no stable ABI: vnetctl
 * and libvnet come from one source package and change together.
 */
#ifndef VNET_LIBVNET_PRIVATE_H
#define VNET_LIBVNET_PRIVATE_H

#include <stdbool.h>
#include <glib.h>

/**
 * vnet_hook_run() - what the libvirt network hook does; never calls libvirtd
 * @network: the network's name as libvirt passes it
 * @op: "start", "started", "port-created", "stopped", ...
 * @subop: "begin", "end", ...
 * @xml: the <hookData> document libvirt writes on the hook's stdin
 * @error: return location for a GError
 *
 * A network without vnetctl's metadata costs nothing.
 *
 * Return: true on success.
 */
bool vnet_hook_run(const char *network, const char *op, const char *subop,
		   const char *xml, GError **error);

/**
 * vnet_hook_guests_changed() - point the forwards of every running network
 * of vnetctl at its guests as they are now
 * @error: return location for a GError
 *
 * A forward to a domain name, or to the default guest, follows that guest's
 * reservation, else its DHCP lease; this re-reads the leases (libvirt's
 * dnsmasq status files), the reservations and the running NICs and changes
 * the elements whose target moved, each network in one transaction.  Like
 * the hooks it never calls libvirtd: it works from the definitions the
 * network hook keeps of running networks.  The systemd path unit
 * vnetctl-leases.path runs it on every lease event.
 *
 * Return: true on success.
 */
bool vnet_hook_guests_changed(GError **error);

/**
 * vnet_qemu_hook_run() - what the libvirt qemu hook does; never calls libvirtd
 * @domain: the domain's name as libvirt passes it
 * @op: "prepare", "start", "started", "stopped", ...
 * @subop: "begin", "end", ...
 * @xml: the domain XML libvirt writes on the hook's stdin
 * @error: return location for a GError
 *
 * On "started" (qemu runs and its taps are bridge ports), sets hairpin on
 * every tap (<interface><target dev>) whose bridge (<source bridge>) is a
 * vnetctl NAT bridge, as the nat_if set of vnetctl's nftables table lists
 * them, so that a guest reaches its own forwards.  Other events do nothing.
 *
 * Return: true on success.
 */
bool vnet_qemu_hook_run(const char *domain, const char *op, const char *subop,
			const char *xml, GError **error);

#endif
