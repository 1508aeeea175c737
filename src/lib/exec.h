/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * exec: the real backend of the transaction engine: what each step kind
 * does to libvirt (virt), the kernel (netlink) and our table (nft),
 * how it reads the state its undo needs, and its undo.  Every undo is
 * written to work from the journal's record alone and to be safe to repeat:
 * after a crash it may run for a step that never ran, or ran half-way.
 */
#ifndef VNET_EXEC_H
#define VNET_EXEC_H

#include "txn.h"

typedef struct vnet_virt vnet_virt;
typedef struct vnet_nft vnet_nft;

typedef struct vnet_exec {
	vnet_virt *virt;	/* NULL in the network hook, which must not call libvirtd */
	vnet_nft *nft;
	bool local;		/* libvirtd shares our kernel: the host side is ours to do */
} vnet_exec;

extern const vnet_txn_ops vnet_exec_ops;

/*
 * After a network failed to start, or was stopped by a rollback: libvirt's
 * start-failure path leaves the bridge, its addresses and dnsmasq behind
 * when the network never became active.  Remove the bridge if
 * @bridge_was_new, and end the dnsmasq and radvd whose pid files libvirt
 * wrote for @network.
 */
bool vnet_exec_clean_failed_start(const char *network, const char *bridge, bool bridge_was_new,
				  GError **error);

#endif
