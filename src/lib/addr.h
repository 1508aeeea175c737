/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * addr: IPv4 and IPv6 address and CIDR arithmetic (parse, format, contains,
 * overlap, n-th host, last address) and the subnet pools that automatic
 * subnet choice draws from.  Pure functions on values; no I/O.
 */
#ifndef VNET_ADDR_H
#define VNET_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>
#include <glib.h>

typedef struct vnet_addr {
	int family;		/* AF_INET or AF_INET6 */
	guint8 b[16];		/* network byte order; IPv4 in b[0..3] */
} vnet_addr;

typedef struct vnet_cidr {
	vnet_addr addr;
	guint prefix;
} vnet_cidr;

/* Length of an address of @family in bits: 32 or 128. */
guint vnet_addr_bits(int family);

bool vnet_addr_parse(const char *s, vnet_addr *ret, GError **error);
char *vnet_addr_format(const vnet_addr *a);
int vnet_addr_cmp(const vnet_addr *a, const vnet_addr *b);
bool vnet_addr_equal(const vnet_addr *a, const vnet_addr *b);
bool vnet_addr_is_loopback(const vnet_addr *a);

/*
 * A CIDR as the user writes it.  VNET_CIDR_NETWORK asks for a network
 * ("10.0.0.0/24", not "10.0.0.5/24"); without it an interface address with
 * its prefix is accepted as it is.  Without a "/", the whole address is meant.
 */
typedef enum {
	VNET_CIDR_NETWORK = 1 << 0,
	VNET_CIDR_NEED_PREFIX = 1 << 1,
} vnet_cidr_flags;

bool vnet_cidr_parse(const char *s, unsigned flags, vnet_cidr *ret, GError **error);
char *vnet_cidr_format(const vnet_cidr *c);
/* The network of @c: host bits cleared. */
vnet_cidr vnet_cidr_network(const vnet_cidr *c);
bool vnet_cidr_contains(const vnet_cidr *c, const vnet_addr *a);
bool vnet_cidr_overlaps(const vnet_cidr *a, const vnet_cidr *b);
/* The address @n places after the network address; false past the end. */
bool vnet_cidr_nth(const vnet_cidr *c, guint64 n, vnet_addr *ret);
/* The last address (the IPv4 broadcast address). */
vnet_addr vnet_cidr_last(const vnet_cidr *c);
/* Whether @a is the network address or the IPv4 broadcast of @c. */
bool vnet_cidr_is_reserved(const vnet_cidr *c, const vnet_addr *a);

/*
 * The first /24 of the private ranges that overlaps none of @taken, in the
 * order of addr.c's pools4: 192.168.123-255, 172.16, 172.17-31,
 * 192.168.0-122, 10.0.0.0/8.  False if every one is taken.
 */
bool vnet_cidr_pick4(const vnet_cidr *taken, size_t n_taken, vnet_cidr *ret);

#endif
