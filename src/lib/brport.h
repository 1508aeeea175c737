/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * brport: the per-bridge and per-port kernel knobs that forwards need:
 * route_localnet on our own bridges (never on "all"), so the host's
 * localhost reaches a forward, and hairpin on a bridge port, so a guest
 * reaches its own forward.  Set through libnl and /proc/sys, never a program.
 */
#ifndef VNET_BRPORT_H
#define VNET_BRPORT_H

#include <stdbool.h>
#include <glib.h>

bool vnet_bridge_set_route_localnet(const char *bridge, bool on, GError **error);
/* 1 on, 0 off, -1 when it cannot be read (no such bridge). */
int vnet_bridge_get_route_localnet(const char *bridge);
/* Hairpin on every port of @bridge that exists now. */
bool vnet_bridge_set_hairpin_all(const char *bridge, GError **error);
bool vnet_brport_set_hairpin(const char *port, bool on, GError **error);

#endif
