/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * hook: the libvirt network and qemu hooks (vnet_hook_run() and
 * vnet_qemu_hook_run() in libvnet-private.h), and the trust they extend.
 *
 * Anyone who may define libvirt networks can write a network's <metadata>,
 * so the network hook gives rules only to an intent that agrees with its
 * own libvirt definition (bridge, subnets, gateways, forward mode) and
 * passes create's validation against this host; one that root's vnetctl
 * did not make on this host (an approval, below) must also keep to the
 * policy, /etc/vnetctl/policy: by default no host port below 1024, and no
 * port a local process listens on.  Every element it adds names its
 * network, so a stop removes exactly that network's.
 */
#ifndef VNET_HOOK_H
#define VNET_HOOK_H

#include "model.h"
#include "libvnet-private.h"

/*
 * Record, root-only, that root's vnetctl made or changed @in on this host
 * (a digest of what it asks for), so that the hook gives it what create
 * checked (a privileged port, a --force).  Nothing happens without root.
 */
bool vnet_hook_approve(const vnet_intent *in, GError **error);
/* The same, digesting @network_xml (what vnet_intent_network_xml() wrote for @in's first network) as it is. */
bool vnet_hook_approve_xml(const vnet_intent *in, const char *network_xml, GError **error);
/*
 * Whether root's record of @in is the digest of the intent in
 * @network_xml (a definition libvirt gave back): then that text is what
 * vnetctl wrote for an approved intent, to the byte.
 */
bool vnet_hook_xml_approved(const vnet_intent *in, const char *network_xml);
/* Drop the record of network @name (after its delete). */
void vnet_hook_forget(const char *name);

/*
 * Running network @network was defined anew as @xml (NULL: forget it):
 * libvirt keeps its live definition, metadata included, until it restarts,
 * so the hooks and re-points read the intent from this record instead.
 * Nothing happens for a network that does not run.
 */
void vnet_hook_redefined(const char *network, const char *xml);

#endif
