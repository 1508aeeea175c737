/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * link: the host's kernel networking read and changed through libnl (and
 * /proc/net for listening sockets): the links, addresses and routes that
 * validation checks an intent against.  Nothing here runs a program.
 */
#ifndef VNET_LINK_H
#define VNET_LINK_H

#include "model.h"

/* Add every link, address and main-table unicast route of this netns. */
bool vnet_link_read_host(vnet_host *host, GError **error);
/* Add every listening TCP socket and bound UDP socket (IPv4 and IPv6). */
bool vnet_link_read_listeners(vnet_host *host, GError **error);
/* Whether a link of that name exists now. */
bool vnet_link_exists(const char *name);

#endif
