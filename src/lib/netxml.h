/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * netxml: facts read out of a libvirt network XML that is not ours to
 * write: its bridge, its subnets, and the DHCP host entries that name a
 * guest (a forward written with a domain name goes to that address).
 * Same untrusted-input parser settings as the intent reader.
 */
#ifndef VNET_NETXML_H
#define VNET_NETXML_H

#include "model.h"

typedef struct vnet_netxml {
	char *name;
	char *bridge;
	GPtrArray *subnets;	/* "10.0.0.0/24" strings */
	GHashTable *guests;	/* DHCP host name -> IPv4 address string */
} vnet_netxml;

vnet_netxml *vnet_netxml_parse(const char *xml, GError **error);
void vnet_netxml_free(vnet_netxml *n);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(vnet_netxml, vnet_netxml_free)

#endif
