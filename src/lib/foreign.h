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
	bool firewalld;		/* firewalld runs */
	GHashTable *bound;	/* bridges in firewalld zone vnetctl (at runtime or permanently) */
} vnet_foreign;

void vnet_foreign_clear(vnet_foreign *f);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(vnet_foreign, vnet_foreign_clear)

/*
 * Read the mode (vnet_coexist_read_mode), Docker's chains, and whether
 * firewalld runs and which bridges of @intents (vnet_intent *) are in its
 * zone vnetctl.  With @removing the mode does not matter (what is ours goes
 * whatever it says): a config vnetctl cannot read is then no error.
 */
bool vnet_foreign_read(vnet_foreign *f, GPtrArray *intents, bool removing, GError **error);

/*
 * The steps that let the networks of @intents through the foreign
 * firewalls (auto only): our DOCKER-USER rule where Docker has the chain
 * and not our rule, each own bridge into firewalld's zone vnetctl.  With
 * @remove (@intents go), the steps that take theirs away again: their
 * bridges out of the zone, and with @last (no network of ours is left) our
 * DOCKER-USER rule.
 */
void vnet_foreign_plan(const vnet_foreign *f, GPtrArray *plan, GPtrArray *intents, bool remove, bool last);

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
