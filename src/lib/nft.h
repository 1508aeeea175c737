/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * nft: vnetctl's one nftables table, `table inet vnetctl`, through
 * libnftables in-process.  The table, its maps, sets and base chains are
 * created once; a network or a forward is only ever map and set *elements*,
 * so the rules a packet meets do not grow with the number of networks or
 * forwards.  Every change is one libnftables transaction (all or nothing).
 * No other table is ever listed, changed or flushed.
 */
#ifndef VNET_NFT_H
#define VNET_NFT_H

#include "model.h"

typedef struct vnet_nft vnet_nft;

vnet_nft *vnet_nft_new(GError **error);
void vnet_nft_free(vnet_nft *nft);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(vnet_nft, vnet_nft_free)

/*
 * Converge the kernel from the elements of @old to those of @new: delete
 * what only @old has, add what only @new has, in one transaction, creating
 * the table first if it is missing.  Either may be NULL (add a network:
 * old NULL; remove it: new NULL; restore after a flush: old NULL).  Adding
 * an element that exists and deleting one that does not are not errors, so
 * running the same change twice leaves exactly one copy of each element.
 *
 * @guests maps domain names (forwards written with a GUEST name) to their
 * address strings; a forward whose guest is not in it is skipped.  May be NULL.
 *
 * With @ret_commands the exact nft commands are returned (for `plan`); with
 * @dry_run nothing is sent to the kernel.
 */
bool vnet_nft_apply(vnet_nft *nft, const vnet_intent *old, const vnet_intent *new,
		    GHashTable *guests, bool dry_run, char **ret_commands, GError **error);

/* The commands that create the table, for `plan` and the golden files. */
char *vnet_nft_table_commands(void);

/*
 * The elements our table holds now, one canonical line each ("fwd4 tcp . 8080 :
 * 10.0.0.2 . 80"), parsed from libnftables' JSON output of our table only.
 * An absent table is an empty list.
 */
bool vnet_nft_read_elements(vnet_nft *nft, GPtrArray **ret_lines, GError **error);

/* The elements @intent wants, in the same canonical form, for diffing. */
GPtrArray *vnet_nft_intent_elements(const vnet_intent *intent, GHashTable *guests);

#endif
