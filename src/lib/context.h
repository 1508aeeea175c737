/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * context: the vnet_ctx of <vnet/ctx.h> as the library's modules see it:
 * its libvirt connection, nftables context and step backend, the host-wide
 * lock, and how an operation begins (the lock, then the rollback of a
 * transaction that a killed vnetctl left) and runs its plan.
 */
#ifndef VNET_CONTEXT_H
#define VNET_CONTEXT_H

#include <vnet/ctx.h>

#include "exec.h"

/* Where the lock lives; VNET_LOCK_PATH in the environment overrides it. */
#define VNET_LOCK_DEFAULT "/run/vnetctl.lock"

/* The host-wide lock: waits (bounded) for another vnetctl; dies with us. */
bool vnet_ctx_lock(vnet_ctx *ctx, GError **error);
/* The same lock without a context (`vnetctl watch`): its fd to close, or -1 with @error set. */
int vnet_lock_host(GError **error);
void vnet_ctx_unlock(vnet_ctx *ctx);

/*
 * Take the lock and roll back what an interrupted vnetctl left in the
 * journal; every operation that changes something starts so.  Fails
 * without a libvirt connection.
 */
bool vnet_ctx_begin(vnet_ctx *ctx, GError **error);
/* Run @plan as one transaction of the command @what, journaled. */
bool vnet_ctx_run(vnet_ctx *ctx, GPtrArray *plan, const char *what, GError **error);

/* What @in's NFT step is handed now: its forwards' targets and its guard's bindings and ports (guests.h). */
GHashTable *vnet_ctx_read_targets(vnet_ctx *ctx, const vnet_intent *in);

vnet_virt *vnet_ctx_virt(vnet_ctx *ctx);
vnet_nft *vnet_ctx_nft(vnet_ctx *ctx);
bool vnet_ctx_is_local(vnet_ctx *ctx);

#endif
