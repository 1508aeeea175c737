/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * docker: vnetctl's one rule in Docker's DOCKER-USER chain, the place
 * Docker documents for other tools' rules.  When Docker turns IP forwarding
 * on it sets the FORWARD policy of `ip filter` to drop, and a drop in any
 * base chain is final, whatever table inet vnetctl accepted.  The rule
 * accepts what carries VNET_NFT_MARK, which our forward filter sets on
 * what it accepts before Docker's chain runs: it serves every network of
 * ours and lets nothing through once our table is gone.
 *
 * `ip filter` is iptables-nft's table: the rule is written only in the
 * shape iptables-nft reads back (`-m mark --mark M/M -m comment --comment
 * vnetctl -j ACCEPT`, through libnftables in-process), found by its
 * comment, and nothing else there is read or touched.  Docker keeps it
 * across its restarts; after a reboot Docker makes the chain anew and
 * vnetctl-restore-docker.service puts the rule back.
 */
#ifndef VNET_DOCKER_H
#define VNET_DOCKER_H

#include <stdbool.h>
#include <glib.h>

/*
 * Whether family @family ("ip" or "ip6") has Docker's DOCKER-USER chain
 * (-1: it has none; 0: without our rule; 1: with it).  -1 also when
 * nftables cannot be read: then there is nothing we could add.
 */
int vnet_docker_rule_state(const char *family);

/* Insert our rule at the top of DOCKER-USER, unless it is there (idempotent). */
bool vnet_docker_rule_add(const char *family, GError **error);

/* Delete every rule of ours from DOCKER-USER (none, or no chain: fine). */
bool vnet_docker_rule_remove(const char *family, GError **error);

#endif
