/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * attach: the checks of a guest's reservations that need no libvirt, so
 * that unit tests can table their bad cases.  The operations themselves
 * (vnet_ctx_attach*, vnet_ctx_detach) are public, in <vnet/ctx.h>.
 */
#ifndef VNET_ATTACH_H
#define VNET_ATTACH_H

#include "model.h"

/*
 * Whether attach may reserve the IPv6 address @addr_s to @domain, whose NIC
 * is @mac, on @in's own bridge: an IPv6 host address of subnet6 that is not
 * its gateway, that no entry of @hosts6 (vnet_dhcp_host * of the network's
 * IPv6 <ip>) holds, with no entry naming @domain already, and not recorded
 * as a static address; @domain must be a name libvirt takes there (it
 * begins with a letter or a digit).  False with the reason otherwise.
 */
bool vnet_attach_check_reservation6(const vnet_intent *in, GPtrArray *hosts6, const char *addr_s,
				    const char *mac, const char *domain, GError **error);

#endif
