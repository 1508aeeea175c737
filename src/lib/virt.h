/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * virt: libvirt through its C API only: define, start, stop, undefine and
 * autostart networks, read them back (the persistent definition, which
 * carries the newest <metadata>).  Our connection's libvirt error printing
 * is silenced (the program's handler is left alone); its messages come back
 * inside our GErrors.
 */
#ifndef VNET_VIRT_H
#define VNET_VIRT_H

#include <libvirt/libvirt.h>

#include "model.h"

typedef struct vnet_virt vnet_virt;

vnet_virt *vnet_virt_open(const char *uri, GError **error);
void vnet_virt_close(vnet_virt *v);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(vnet_virt, vnet_virt_close)

/* The connection itself, for the domain calls of attach.c. */
virConnectPtr vnet_virt_conn(vnet_virt *v);
/*
 * A copy of the message of the libvirt call that just failed: take it before
 * any other libvirt call (even virNetworkGetName()) resets and frees it.
 */
char *vnet_virt_last_error(void);

/* Whether the connection's libvirtd runs on this host (so our kernel is its kernel). */
bool vnet_virt_is_local(vnet_virt *v);

/* Add every network: ours as intents, the others as plain networks. */
bool vnet_virt_read_networks(vnet_virt *v, vnet_host *host, GError **error);
/* Add the one network @name as vnet_virt_read_networks() would (NOT_FOUND if there is none). */
bool vnet_virt_read_network(vnet_virt *v, const char *name, vnet_host *host, GError **error);

/* The persistent XML of network @name, or NULL (NOT_FOUND if it does not exist). */
char *vnet_virt_network_xml(vnet_virt *v, const char *name, bool inactive, GError **error);
/*
 * While @on, each network's XML (as vnet_virt_network_xml() and
 * vnet_virt_read_network() read it) and its NICs are asked of libvirt once,
 * then given from memory; off forgets them.  For the reads of one command.
 */
void vnet_virt_hold_reads(vnet_virt *v, bool on);
/*
 * The intent of network @name (NULL: none) read without its forwards'
 * block from now on (vnet_intent_from_xml_unread()), for forward add and
 * remove; every other network's, and @name's once this is set back to
 * NULL, read whole.
 */
void vnet_virt_read_unread(vnet_virt *v, const char *name);
/* Whether reads are held (vnet_virt_hold_reads()). */
bool vnet_virt_reads_held(const vnet_virt *v);
bool vnet_virt_network_exists(vnet_virt *v, const char *name);
bool vnet_virt_network_active(vnet_virt *v, const char *name);
bool vnet_virt_define(vnet_virt *v, const char *xml, GError **error);
bool vnet_virt_undefine(vnet_virt *v, const char *name, GError **error);
bool vnet_virt_start(vnet_virt *v, const char *name, GError **error);
bool vnet_virt_destroy(vnet_virt *v, const char *name, GError **error);
bool vnet_virt_set_autostart(vnet_virt *v, const char *name, bool on, GError **error);
/* 1 on, 0 off, -1 unknown (no such network). */
int vnet_virt_get_autostart(vnet_virt *v, const char *name);
/*
 * virNetworkUpdate() of one @section entry (VIR_NETWORK_SECTION_*): add
 * last, or delete; @parent is the index of its <ip> (-1: libvirt's pick,
 * the IPv4 one, see vnet_netxml_ip_index()).
 */
bool vnet_virt_update(vnet_virt *v, const char *name, bool add, int section, int parent, const char *xml,
		      unsigned flags, GError **error);
/* Reconnect if libvirtd went away, so that a rollback can still be tried. */
bool vnet_virt_ensure_alive(vnet_virt *v, GError **error);
const char *vnet_virt_uri(vnet_virt *v);
char *vnet_virt_domain_xml(vnet_virt *v, const char *domain, bool inactive, GError **error);
bool vnet_virt_domain_device(vnet_virt *v, const char *domain, bool attach, const char *xml,
			     unsigned flags, GError **error);
/* MAC -> domain of the domains' NICs on @network ("!domain" when it is not running). */
GHashTable *vnet_virt_network_nics(vnet_virt *v, const char *network, GError **error);
/* The taps of running domains' NICs on @network, to plug back after a restart. */
GPtrArray *vnet_virt_network_taps(vnet_virt *v, const char *network, GError **error);
/* The domains (running or not) with a NIC in portgroup @portgroup of @network. */
GPtrArray *vnet_virt_portgroup_users(vnet_virt *v, const char *network, const char *portgroup, GError **error);

#endif
