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
 * network hook keeps of running networks, holding the host-wide lock as
 * every command does.  `vnetctl watch` (vnetctl-watch.service) runs it on
 * every lease event.
 *
 * Return: true on success.
 */
bool vnet_hook_guests_changed(GError **error);

/**
 * vnet_hook_ports_changed() - what vnetctl does when a link joins or leaves a bridge
 * @error: return location for a GError
 *
 * A NIC plugged into a running domain (virsh attach-device, or any libvirt
 * tool) becomes a bridge port with no hook of libvirt's after it: the
 * network hook's "port-created" comes before its tap exists, and the qemu
 * hook has no event for it.  This does for every running network of
 * vnetctl what the qemu hook's "started" and vnet_hook_guests_changed() do:
 * hairpin on the ports of NAT bridges, and the guard's elements (its ports
 * and bindings) as the bridges are now.
 *
 * Return: true on success.
 */
bool vnet_hook_ports_changed(GError **error);

/*
 * vnet_port_watch: tells when a link joins or leaves a bridge (rtnetlink's
 * link group), for `vnetctl watch` to poll beside the lease files.
 */
typedef struct vnet_port_watch vnet_port_watch;

/**
 * vnet_port_watch_new() - start listening to the kernel's link changes
 * @error: return location for a GError
 *
 * Return: the watch, or NULL on failure.
 */
vnet_port_watch *vnet_port_watch_new(GError **error);

/**
 * vnet_port_watch_fd() - the file descriptor to poll for input
 * @w: the watch
 *
 * Return: a non-blocking netlink socket's descriptor, owned by @w.
 */
int vnet_port_watch_fd(const vnet_port_watch *w);

/**
 * vnet_port_watch_changed() - read what the kernel sent
 * @w: the watch
 *
 * Reads every queued message without blocking.
 *
 * Return: true when some link joined or left a bridge since the last call
 * (or when messages were lost, which may have said so).
 */
bool vnet_port_watch_changed(vnet_port_watch *w);

/**
 * vnet_port_watch_free() - stop listening
 * @w: the watch, or NULL
 */
void vnet_port_watch_free(vnet_port_watch *w);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(vnet_port_watch, vnet_port_watch_free)

/**
 * vnet_hook_ovs_changed() - rewrite the guard's flows on Open vSwitch bridges whose ports changed
 * @bridges: the OVS bridges (NULL-terminated) whose ports joined, left or got an ofport
 * @error: return location for a GError
 *
 * A port libvirt adds to an OVS bridge (a domain started, a NIC plugged)
 * comes with no hook of libvirt's, and under OVS's userspace datapath with
 * no kernel bridge event either.  For every running network of vnetctl with
 * --switch ovs and a guard whose bridge is among @bridges, this writes the
 * guard's flows as the bridge is now, each network in one transaction of
 * the step restore uses, under the host-wide lock.
 *
 * Return: true on success (some network failing is false, the others done).
 */
bool vnet_hook_ovs_changed(const char *const *bridges, GError **error);

/*
 * vnet_ovs_watch: tells when a port joins or leaves an Open vSwitch bridge,
 * or gets its OpenFlow port number (an OVSDB "monitor" of the local
 * database's Bridge, Port and Interface tables), and when ovs-vswitchd made
 * a bridge's management socket anew (it restarted, and lost every flow,
 * while no row changed), for `vnetctl watch`.
 */
typedef struct vnet_ovs_watch vnet_ovs_watch;

/**
 * vnet_ovs_watch_new() - monitor the local Open vSwitch database
 * @error: return location for a GError
 *
 * Return: the watch, or NULL when no Open vSwitch database answers.
 */
vnet_ovs_watch *vnet_ovs_watch_new(GError **error);

/**
 * vnet_ovs_watch_fd() - the file descriptor to poll for input
 * @w: the watch
 *
 * Return: a descriptor that is readable when the database sent something
 * or a management socket was made, owned by @w.
 */
int vnet_ovs_watch_fd(const vnet_ovs_watch *w);

/**
 * vnet_ovs_watch_changed() - read what the database sent
 * @w: the watch
 * @ret_bridges: the bridges whose ports changed since the last call (every
 *   bridge at the first), NULL-terminated, for g_strfreev()
 * @error: return location for a GError
 *
 * Reads without blocking and answers the server's echoes.
 *
 * Return: false when the connection is lost or sent what cannot be read:
 * free the watch and make a new one.
 */
bool vnet_ovs_watch_changed(vnet_ovs_watch *w, char ***ret_bridges, GError **error);

/**
 * vnet_ovs_watch_free() - stop monitoring
 * @w: the watch, or NULL
 */
void vnet_ovs_watch_free(vnet_ovs_watch *w);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(vnet_ovs_watch, vnet_ovs_watch_free)

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
