/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * xml: vnetctl's intent XML (read and write, round-trip exact) and the
 * libvirt network XML made from an intent.  Reading treats the document as
 * untrusted: no entity substitution, no DTD, no network, a size limit, and
 * every name re-checked by the model's setters.  The public entry points are
 * vnet_intent_to_xml(), vnet_intent_from_xml() and vnet_intent_network_xml().
 */
#ifndef VNET_XML_H
#define VNET_XML_H

#include "model.h"

/* Largest XML document vnetctl reads: ample for 10,000 forwards. */
#define VNET_XML_MAX (4 * 1024 * 1024)

/* The intent without what vnetctl did to the host: its identity, for comparing. */
char *vnet_intent_to_xml_without_state(const vnet_intent *intent);

/*
 * The same with each forward as a <forward> element of its own, as intents
 * were written before <forwards>: what an approval record made then hashed.
 */
char *vnet_intent_to_xml_legacy(const vnet_intent *intent);

/*
 * The approval digest's text in @network_xml, a network document
 * vnet_intent_network_xml() wrote: the intent element less its <state>,
 * as the two pieces @a (@na bytes) and @b (@nb bytes).  Formatting the
 * intent again for the digest cost as much as the define's XML itself
 * (65,535 specs).  False if @network_xml holds no intent.
 */
bool vnet_intent_xml_digest_region(const char *network_xml, const char **a, gsize *na, const char **b, gsize *nb);
/*
 * @network_xml, a definition whose intent vnet_intent_network_xml() wrote
 * (as libvirt gives it back), with forward @f's line appended to its
 * <vnet:forwards> (@add) or taken out: the definition the writer would
 * make of the intent with that forward more or less, without formatting
 * the others again (65,535 of them).  NULL when the text is not in the
 * writer's form, or the change leaves no forward.
 */
char *vnet_network_xml_splice_forward(const char *network_xml, const vnet_forward *f, bool add);
/*
 * The text of that <vnet:forwards> block in @network_xml (the specs, one a
 * line, @ret_len bytes from *@ret_text, in the document itself), for
 * vnet_forwards_text_foreach(); false when the text is not in the
 * writer's form.
 */
bool vnet_network_xml_forwards_text(const char *network_xml, const char **ret_text, gsize *ret_len);
/*
 * vnet_intent_from_xml() without the forwards of a <forwards> block: the
 * intent says so (forwards_unread) and is for forward add and remove,
 * which read that block's text where it stands instead of parsing 65,535
 * forwards.  An intent without such a block is read whole.
 */
vnet_intent *vnet_intent_from_xml_unread(const char *xml, gssize len, GError **error);

/*
 * The <portgroup> element @portgroup ("vlan10", "trunk") of @in's network,
 * as vnet_intent_network_xml() writes it, for virNetworkUpdate(); NULL when
 * @in has no such portgroup.
 */
char *vnet_intent_portgroup_xml(const vnet_intent *in, const char *portgroup);

/*
 * For tests: write every document through libxml2's tree, the way the
 * string end must match byte for byte.
 */
void vnet_xml_set_write_by_tree(bool on);

#endif
