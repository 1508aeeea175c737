/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * foreign: what an operation does about the other tools' firewalls that
 * would block its networks (coexist.h finds them).  Under `coexist = auto`
 * it plans the two changes vnetctl makes to other tools' rules, Docker's
 * DOCKER-USER rule (docker.h) and firewalld's zone; under `warn` none;
 * under `strict` it refuses, before anything changes, a network that a
 * foreign firewall would block.  After a change it says what it did and
 * what still blocks, with the commands that fix it, as vnet_notice values
 * (<vnet/ctx.h>) that the caller prints: the library never prints.
 */
#ifndef VNET_FOREIGN_H
#define VNET_FOREIGN_H

#include <vnet/ctx.h>

#include "coexist.h"
#include "model.h"

/* The host's foreign firewalls as an operation plans against them. */
typedef struct vnet_foreign {
	vnet_coexist_mode mode;
	int docker[2];		/* vnet_docker_rule_state() of ip and ip6 */
} vnet_foreign;

/* Read the mode (vnet_coexist_read_mode) and Docker's chains. */
bool vnet_foreign_read(vnet_foreign *f, GError **error);

/*
 * The steps that let our networks through the foreign firewalls (auto
 * only): our DOCKER-USER rule where Docker has the chain and not our rule.
 * With @remove (the last network of ours goes), the steps that take ours
 * away again.
 */
void vnet_foreign_plan(const vnet_foreign *f, GPtrArray *plan, bool remove);

/*
 * Under strict: fail (VNET_ERROR_CONFLICT) when a foreign chain on this
 * host would block @in's traffic, naming it and the commands that let the
 * network through; true under auto and warn.
 */
bool vnet_foreign_check(const vnet_foreign *f, const vnet_intent *in, GError **error);

/*
 * After @plan ran: a notice for each change it made to another tool's
 * rules, then one for each foreign chain that still blocks the traffic of
 * a network in @intents (vnet_intent *), appended to @notices.
 */
void vnet_foreign_notices(const vnet_foreign *f, GPtrArray *plan, GPtrArray *intents, GPtrArray *notices);

/* A notice array that owns its notices. */
GPtrArray *vnet_notices_new(void);

#endif
