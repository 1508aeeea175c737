/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * attach: a libvirt domain's NICs on a managed network.  attach adds an
 * <interface type='network'> per libvirt network of the intent (hybrid: one
 * on each half), to the persistent definition and, while the domain runs,
 * live; a DHCP host entry reserves the guest's address (--ip, or the
 * intent's default guest address for the first guest of a NAT network).
 * detach removes both.  Each change is a short list of steps with
 * their undo, run like plan.c's steps: a failure undoes the done ones in
 * reverse and the first error is the one reported.  Also the qemu hook,
 * which sets hairpin on a starting guest's taps on our NAT bridges, and the
 * carrying of reservations across a redefinition of the network.
 */
#ifndef VNET_ATTACH_H
#define VNET_ATTACH_H

#include <vnet/ctx.h>

/*
 * @xml, a network definition about to replace @old_xml, with the DHCP host
 * entries of @old_xml's IPv4 <ip> that fall inside @xml's IPv4 subnet: a
 * redefinition made from the intent (forward add, apply) must not drop the
 * reservations that attach made.  NULL when there is nothing to carry or
 * either document cannot be read (then define @xml as it is).
 */
char *vnet_attach_carry_hosts(const char *xml, const char *old_xml);

#endif
