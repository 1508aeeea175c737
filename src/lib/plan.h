/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * plan: a change as an ordered list of steps (define, start, autostart,
 * nftables elements, bridge knobs), each with its undo.  Running a plan
 * keeps an undo log; when a step fails the done steps are undone in reverse
 * and the first error is the one reported.  Also the host-wide lock, the
 * vnet_ctx operations of <vnet/ctx.h>, and the libvirt hook.
 */
#ifndef VNET_PLAN_H
#define VNET_PLAN_H

#include <vnet/ctx.h>

#include "model.h"

/*
 * Test-only: when VNET_TEST_FAIL_STEP=N is set in the environment, step N
 * (1-based) of every plan fails as if the system had refused it, so tests
 * can prove each step's rollback.
 */
#define VNET_TEST_FAIL_ENV "VNET_TEST_FAIL_STEP"

/* Where the lock lives; VNET_LOCK_PATH in the environment overrides it. */
#define VNET_LOCK_DEFAULT "/run/vnetctl.lock"

/* The host-wide lock: waits (bounded) for another vnetctl; dies with us. */
bool vnet_ctx_lock(vnet_ctx *ctx, GError **error);
void vnet_ctx_unlock(vnet_ctx *ctx);

/* For attach.c: the context's libvirt connection (NULL offline), its
 * nftables context, and whether libvirtd shares our kernel. */
typedef struct vnet_virt vnet_virt;
typedef struct vnet_nft vnet_nft;
vnet_virt *vnet_ctx_virt(vnet_ctx *ctx);
vnet_nft *vnet_ctx_nft(vnet_ctx *ctx);
bool vnet_ctx_is_local(vnet_ctx *ctx);

#endif
