/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * probe: who answers for an address on a bridge, asked from the host.  RFC
 * 5227 ARP probes (sender 0.0.0.0, so no neighbour cache learns from them)
 * and IPv6 duplicate address detection (a neighbour solicitation from :: to
 * the target's solicited-node group), a few of each with jittered intervals,
 * bounded in count and time; and an ARP sweep of a range at a bounded rate.
 * Frames go through an AF_PACKET socket bound to the bridge, in-process.
 * Building and parsing frames are pure functions: the parser reads what
 * anyone on the segment sends, so it trusts nothing (tests/fuzz).
 */
#ifndef VNET_PROBE_H
#define VNET_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <glib.h>

#include "addr.h"

#define VNET_ETH_ALEN 6
/* Large enough for every frame built here (an NS is 86 bytes). */
#define VNET_PROBE_FRAME_MAX 128
/* The sweep's bound, in probes per second. */
#define VNET_SWEEP_RATE 256
/* The largest range a sweep takes: a /16 is about five minutes at that rate. */
#define VNET_SWEEP_MIN_PREFIX 16

/*
 * The addresses (vnet_cidr: the host's address with its prefix) of @family
 * that @bridge holds now, link-local ones left out: a bridged LAN's subnet
 * as the host sees it.  Empty when it holds none or does not exist.
 */
GArray *vnet_probe_bridge_addrs(const char *bridge, int family);

/* "aa:bb:cc:dd:ee:ff" of 6 bytes. */
char *vnet_mac_format(const guint8 *mac);

/*
 * The frame that asks who holds @target: an ARP probe for IPv4, a DAD
 * neighbour solicitation for IPv6, from @src_mac.  Return its length, or 0
 * if @buf (of @size bytes) is too small.
 */
size_t vnet_probe_build(guint8 *buf, size_t size, const guint8 *src_mac, const vnet_addr *target);

typedef enum vnet_claim_kind {
	VNET_CLAIM_ANSWER,	/* an ARP reply or a neighbour advertisement: it holds the address */
	VNET_CLAIM_USE,		/* an ARP request sent from the address: it holds it */
	VNET_CLAIM_PROBE,	/* another host probing for the address: about to take it */
} vnet_claim_kind;

/* What a frame says about an address: who holds it or wants it. */
typedef struct vnet_claim {
	vnet_claim_kind kind;
	vnet_addr addr;
	guint8 mac[VNET_ETH_ALEN];
	guint16 vlan;		/* the 802.1Q VLAN ID of a tagged frame; 0 untagged */
} vnet_claim;

/*
 * Tag the frame of @len bytes in @buf (of @size) with 802.1Q VLAN @vlan
 * (1-4094): the length it has then, or 0 if @buf is too small.
 */
size_t vnet_probe_tag(guint8 *buf, size_t len, size_t size, guint16 vlan);

/*
 * Whether the Ethernet frame @frame claims an address; fills @ret if so.
 * Anything else (other protocols, malformed or truncated frames, a bad
 * ICMPv6 checksum, a hop limit below 255, a multicast or zero MAC) is
 * false.
 */
bool vnet_probe_parse(const guint8 *frame, size_t len, vnet_claim *ret);

/* How many probes and how long: defaults when a field is 0; capped. */
typedef struct vnet_probe_opts {
	guint count;		/* probes (3; at most 10) */
	guint min_interval_ms;	/* between probes, jittered (200) */
	guint max_interval_ms;	/* (400; at most 2000) */
	guint wait_ms;		/* after the last probe (600; at most 3000) */
	guint16 vlan;		/* probe on this 802.1Q VLAN (an Open vSwitch bridge's port group); 0: untagged */
} vnet_probe_opts;

/*
 * Probe @addr on @bridge as @opts say: the MACs (strings, lower case) that
 * answered for it, or that probed for it themselves, other than the
 * bridge's own and @except (a MAC string, or NULL), on the VLAN of @opts
 * only (tagged frames when it is not 0: a bridge's own port is a trunk of
 * an Open vSwitch bridge).  A bridge that does not exist or is down has
 * nobody to answer: an empty array.
 */
GPtrArray *vnet_probe_address(const char *bridge, const vnet_addr *addr, const vnet_probe_opts *opts,
			      const char *except, GError **error);

/*
 * The addresses a sweep of @range probes: every one of it but the network
 * and broadcast addresses of @subnet (NULL: unknown, none left out).
 * @range must be IPv4 and no larger than VNET_SWEEP_MIN_PREFIX allows.
 */
guint64 vnet_sweep_count(const vnet_cidr *range, const vnet_cidr *subnet);

/*
 * What to sweep: @range_s ("192.0.2.64/26", NULL for all of @subnet) as a
 * CIDR inside @subnet (NULL: a LAN whose subnet is unknown, so the range is
 * needed), no larger than a /16.  @what names the segment in messages (a
 * bridge).  VNET_ERROR_INVALID says what is wrong.
 */
bool vnet_sweep_range(const char *range_s, const vnet_cidr *subnet, const char *what, vnet_cidr *ret,
		      GError **error);

/* Called as the sweep goes, at most a few times a second. */
typedef void (*vnet_sweep_progress)(guint64 done, guint64 total, void *user_data);

/* An address of a sweep and the MACs (strings, sorted) that claimed it. */
typedef struct vnet_sweep_hit {
	vnet_addr addr;
	GPtrArray *macs;
} vnet_sweep_hit;

void vnet_sweep_hit_free(vnet_sweep_hit *h);

/*
 * ARP-probe every address vnet_sweep_count() counts on @bridge (on 802.1Q
 * VLAN @vlan when it is not 0, as vnet_probe_address() does), at most
 * VNET_SWEEP_RATE a second, then wait a second for late answers.  Return
 * the addresses that were answered or used (vnet_sweep_hit *, sorted by
 * address), each with every MAC that claimed it.
 */
GPtrArray *vnet_sweep(const char *bridge, const vnet_cidr *range, const vnet_cidr *subnet, guint16 vlan,
		      vnet_sweep_progress progress, void *user_data, GError **error);

#endif
