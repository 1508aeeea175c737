/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * util: what every module of libvnet includes: gettext's _(), the error
 * domain, and the strict name rules that guard everything a user names
 * before it reaches XML, nftables, netlink or a path.
 */
#ifndef VNET_UTIL_H
#define VNET_UTIL_H

#include <stdbool.h>
#include <glib.h>
#include <glib/gi18n-lib.h>

#include <vnet/error.h>

/* The kernel's IFNAMSIZ less the NUL. */
#define VNET_IFNAME_MAX 15
/* Long enough for any sane network or domain name, short enough for paths. */
#define VNET_NAME_MAX 64

/* Letters, digits, "_", "." and "-", starting with a letter or digit. */
bool vnet_name_is_valid(const char *s, size_t max);
bool vnet_check_network_name(const char *s, GError **error);
bool vnet_check_ifname(const char *s, GError **error);
bool vnet_check_domain_name(const char *s, GError **error);

/* Initialise gettext for the library's own domain, once. */
void vnet_i18n_init(void);

#endif
