/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libvnet: turn a virtual network intent into libvirt networks, Linux bridges
 * and one nftables table.  Include this header; link with `pkg-config vnet`.
 */
#ifndef VNET_VNET_H
#define VNET_VNET_H

#include <vnet/error.h>
#include <vnet/intent.h>
#include <vnet/host.h>
#include <vnet/ctx.h>

#endif
