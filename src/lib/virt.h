/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * virt: libvirt through its C API only: define, start, stop, undefine and
 * autostart networks, read them back (the persistent definition, which
 * carries the newest <metadata>), DHCP leases.  libvirt's own error printing
 * is silenced; its messages come back inside our GErrors.
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

/* Whether the connection's libvirtd runs on this host (so our kernel is its kernel). */
bool vnet_virt_is_local(vnet_virt *v);

/* Add every network: ours as intents, the others as plain networks. */
bool vnet_virt_read_networks(vnet_virt *v, vnet_host *host, GError **error);

/* The persistent XML of network @name, or NULL (NOT_FOUND if it does not exist). */
char *vnet_virt_network_xml(vnet_virt *v, const char *name, bool inactive, GError **error);
bool vnet_virt_network_exists(vnet_virt *v, const char *name);
bool vnet_virt_network_active(vnet_virt *v, const char *name);
bool vnet_virt_define(vnet_virt *v, const char *xml, GError **error);
bool vnet_virt_undefine(vnet_virt *v, const char *name, GError **error);
bool vnet_virt_start(vnet_virt *v, const char *name, GError **error);
bool vnet_virt_destroy(vnet_virt *v, const char *name, GError **error);
bool vnet_virt_set_autostart(vnet_virt *v, const char *name, bool on, GError **error);
/* "MAC ADDRESS HOSTNAME" lines. */
GPtrArray *vnet_virt_leases(vnet_virt *v, const char *name, GError **error);

#endif
