/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * validate: completion of an intent (free name, subnet, bridge, gateway,
 * DHCP range, default guest) and its validation against itself and against
 * a vnet_host.  The public entry points are in <vnet/host.h>; nothing here
 * reads the system, so every rule is unit-testable with hand-made facts.
 */
#ifndef VNET_VALIDATE_H
#define VNET_VALIDATE_H

#include "model.h"

/* The bridge name vnetctl gives a network's own bridge, or NULL if @name is too long. */
char *vnet_default_bridge_name(const char *prefix, const char *name);

/*
 * Whether a forward of @forwards clashes with an earlier one: the first such
 * (@ret_later) and the earliest it clashes with (@ret_earlier), the pair that
 * adding them one by one with vnet_intent_add_forward() would refuse first.
 * O(n log n), for reading an intent of many forwards.
 */
bool vnet_forwards_first_clash(const GPtrArray *forwards, guint *ret_later, guint *ret_earlier);

/*
 * An index of the host ports @forwards hold (a GHashTable to unref), to
 * check many forwards added one at a time in O(log n) each:
 * vnet_forward_index_clashes() is whether vnet_forward_clashes() holds for
 * @f and some forward added, exactly; vnet_forward_index_pays() whether
 * building one for @entries pays off over comparing @pairs pairs.
 */
GHashTable *vnet_forward_index_new(const GPtrArray *forwards);
bool vnet_forward_index_clashes(GHashTable *index, const vnet_forward *f);
void vnet_forward_index_add(GHashTable *index, const vnet_forward *f);
bool vnet_forward_index_pays(guint64 pairs, guint64 entries);

/*
 * What vnet_intent_validate() checks of the forward just added to @in (its
 * last): that it fits @in, and that none of its sides clashes with a side of
 * @in's other forwards, of the other intents of @host or (unless
 * VNET_VALIDATE_FORCE) with a listener, with the same message.  The rest of
 * @in is as it was when it was checked: a forward add costs what the one
 * forward costs, O(forwards on the host), and is not refused for what it
 * does not change (doctor says what the host changed under a network).
 */
bool vnet_intent_validate_added_forward(const vnet_intent *in, const vnet_host *host, unsigned flags,
					GError **error);
/*
 * The same checks, and vnet_intent_add_forward()'s, of forward @f (the
 * user's @spec) added to @in, whose forwards are the text @text (@len
 * bytes, a <forwards> block: see vnet_forwards_text_foreach()) and not in
 * @in->forwards, read in one pass without keeping them.  *@ret_readable
 * false (and no error): the text holds what is no forward, and the caller
 * reads the intent whole instead.
 */
bool vnet_intent_validate_forward_text(const vnet_intent *in, const char *text, gsize len, const char *spec,
				       const vnet_forward *f, const vnet_host *host, unsigned flags,
				       bool *ret_readable, GError **error);

#endif
