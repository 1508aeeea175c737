/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * netxml: the one reader of libvirt's own network and domain XML: a
 * network's bridge, subnets, DHCP host entries and range; a domain's NICs;
 * and the carrying of DHCP host entries into a redefinition.  Same
 * untrusted-input parser settings as the intent reader: no DTD, no network.
 */
#ifndef VNET_NETXML_H
#define VNET_NETXML_H

#include "model.h"

typedef struct vnet_netxml {
	char *name;
	char *bridge;
	char *forward_mode;	/* <forward mode>, or NULL without <forward> */
	GPtrArray *subnets;	/* "10.0.0.0/24" strings */
	GPtrArray *gateways;	/* the <ip address>es, canonical: "10.0.0.1" */
	GHashTable *guests;	/* DHCP host name -> IPv4 address string */
} vnet_netxml;

vnet_netxml *vnet_netxml_parse(const char *xml, GError **error);
void vnet_netxml_free(vnet_netxml *n);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(vnet_netxml, vnet_netxml_free)


/* A NIC of a domain, as its XML says. */
typedef struct vnet_nic {
	char *mac;		/* lower case */
	char *network;		/* <source network>, or NULL */
	char *bridge;		/* <source bridge> (live XML), or NULL */
	char *target;		/* <target dev> (live XML), or NULL */
	char *model;		/* <model type>, or NULL */
	char *portgroup;	/* <source portgroup>, or NULL */
	bool config, live;	/* in the persistent definition, in the running domain */
} vnet_nic;
/* A DHCP host entry of a network's IPv4 (or IPv6: no MAC) <ip>. */
typedef struct vnet_dhcp_host {
	char *mac, *name, *ip;	/* as libvirt wrote them; any may be NULL */
	bool config, live;
} vnet_dhcp_host;

void vnet_nic_free(vnet_nic *n);
void vnet_dhcp_host_free(vnet_dhcp_host *h);
/* The domain's NICs (vnet_nic *); NULL if @xml is not a domain. */
GPtrArray *vnet_netxml_domain_nics(const char *xml);
/* Whether the network document has a <portgroup name='@name'>. */
bool vnet_netxml_has_portgroup(const char *xml, const char *name);
/* The DHCP host entries (vnet_dhcp_host *) of the network's IPv4 <ip>; NULL if not a network. */
GPtrArray *vnet_netxml_hosts(const char *xml);
/* Those of its IPv6 <ip>: libvirt takes no MAC there, only name (or id) and ip. */
GPtrArray *vnet_netxml_hosts6(const char *xml);
/*
 * The index of the network's <ip> of @family among all its <ip>s, as
 * virNetworkUpdate() takes it (its -1 picks the IPv4 one); -1 if none.
 */
int vnet_netxml_ip_index(const char *xml, int family);
/*
 * @xml, a network definition about to replace @old_xml, with the DHCP host
 * entries of @old_xml's IPv4 and IPv6 <ip>s that fall inside @xml's subnet
 * of the same family: a
 * redefinition made from the intent (forward add, apply) must not drop the
 * reservations that attach made.  NULL when there is nothing to carry or
 * either document cannot be read (then define @xml as it is).
 */
char *vnet_netxml_carry_hosts(const char *xml, const char *old_xml);
/*
 * @xml without its <metadata> (libvirt keeps one, a child of <network>), in
 * place: what is read from <ip> or <bridge> needs no parsing of the
 * intent's forwards, megabytes of them.
 */
void vnet_netxml_drop_metadata(char *xml);
/*
 * The port of a network hook's port event: <networkport> in @xml, its MAC
 * and its owner domain.  False when there is none.
 */
bool vnet_netxml_port(const char *xml, char **ret_mac, char **ret_domain);
/* The IPv4 DHCP <range start='…' end='…'/> of a network, as XML, or NULL. */
char *vnet_netxml_dhcp_range(const char *xml);
/* The IPv6 one: where there is none, libvirt's dnsmasq serves no DHCPv6. */
char *vnet_netxml_dhcp6_range(const char *xml);

#endif
