/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "util.h"

guint vnet_addr_bits(int family)
{
	return family == AF_INET ? 32 : 128;
}

static guint addr_len(int family)
{
	return vnet_addr_bits(family) / 8;
}

bool vnet_addr_parse(const char *s, vnet_addr *ret, GError **error)
{
	vnet_addr a = { 0 };

	if (s && inet_pton(AF_INET, s, a.b) == 1)
		a.family = AF_INET;
	else if (s && inet_pton(AF_INET6, s, a.b) == 1)
		a.family = AF_INET6;
	else {
		vnet_set_error(error, VNET_ERROR_INVALID,
			    _("\"%s\" is not an IPv4 or IPv6 address."), s ? s : "");
		return false;
	}
	*ret = a;
	return true;
}

char *vnet_addr_format(const vnet_addr *a)
{
	char buf[INET6_ADDRSTRLEN];

	if (!inet_ntop(a->family, a->b, buf, sizeof(buf)))
		return g_strdup("?");
	return g_strdup(buf);
}

int vnet_addr_cmp(const vnet_addr *a, const vnet_addr *b)
{
	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	return memcmp(a->b, b->b, addr_len(a->family));
}

bool vnet_addr_equal(const vnet_addr *a, const vnet_addr *b)
{
	return vnet_addr_cmp(a, b) == 0;
}

bool vnet_addr_is_loopback(const vnet_addr *a)
{
	static const guint8 v6_lo[16] = { [15] = 1 };

	if (a->family == AF_INET)
		return a->b[0] == 127;
	return memcmp(a->b, v6_lo, 16) == 0;
}

/* Clear (or set) every bit at position >= @prefix. */
static void fill_host_bits(vnet_addr *a, guint prefix, bool ones)
{
	guint bits = vnet_addr_bits(a->family);

	for (guint i = prefix; i < bits; i++) {
		guint8 m = 0x80 >> (i % 8);
		if (ones)
			a->b[i / 8] |= m;
		else
			a->b[i / 8] &= ~m;
	}
}

bool vnet_cidr_parse(const char *s, unsigned flags, vnet_cidr *ret, GError **error)
{
	g_autofree char *addr = NULL;
	const char *slash;
	vnet_cidr c = { 0 };
	guint64 prefix;
	char *end;

	if (!s || !*s || strlen(s) > INET6_ADDRSTRLEN + 4)
		goto bad;
	slash = strchr(s, '/');
	if (!slash && (flags & VNET_CIDR_NEED_PREFIX))
		goto bad;
	addr = slash ? g_strndup(s, slash - s) : g_strdup(s);
	if (!vnet_addr_parse(addr, &c.addr, NULL))
		goto bad;
	if (slash) {
		if (!g_ascii_isdigit(slash[1]))
			goto bad;
		errno = 0;
		prefix = g_ascii_strtoull(slash + 1, &end, 10);
		if (errno || *end || prefix > vnet_addr_bits(c.addr.family) ||
		    (slash[1] == '0' && slash[2]))
			goto bad;
		c.prefix = prefix;
	} else {
		c.prefix = vnet_addr_bits(c.addr.family);
	}
	if (flags & VNET_CIDR_NETWORK) {
		vnet_cidr net = vnet_cidr_network(&c);
		if (!vnet_addr_equal(&net.addr, &c.addr)) {
			g_autofree char *want = vnet_cidr_format(&net);
			vnet_set_error(error, VNET_ERROR_INVALID,
				    _("\"%s\" is not a network address: its host bits are set. Did you mean \"%s\"?"),
				    s, want);
			return false;
		}
	}
	*ret = c;
	return true;
bad:
	vnet_set_error(error, VNET_ERROR_INVALID,
		    _("\"%s\" is not a valid subnet; write an address and a prefix length such as 10.0.0.0/24 or fd00::/64."),
		    s ? s : "");
	return false;
}

char *vnet_cidr_format(const vnet_cidr *c)
{
	g_autofree char *a = vnet_addr_format(&c->addr);

	return g_strdup_printf("%s/%u", a, c->prefix);
}

vnet_cidr vnet_cidr_network(const vnet_cidr *c)
{
	vnet_cidr n = *c;

	fill_host_bits(&n.addr, n.prefix, false);
	return n;
}

bool vnet_cidr_contains(const vnet_cidr *c, const vnet_addr *a)
{
	vnet_cidr in = { .addr = *a, .prefix = c->prefix };
	vnet_cidr net = vnet_cidr_network(c);

	if (a->family != c->addr.family)
		return false;
	in = vnet_cidr_network(&in);
	return vnet_addr_equal(&in.addr, &net.addr);
}

bool vnet_cidr_overlaps(const vnet_cidr *a, const vnet_cidr *b)
{
	/* Two prefixes overlap iff the shorter one contains the other's network. */
	const vnet_cidr *wide = a->prefix <= b->prefix ? a : b;
	const vnet_cidr *narrow = wide == a ? b : a;

	if (a->addr.family != b->addr.family)
		return false;
	return vnet_cidr_contains(wide, &narrow->addr);
}

bool vnet_cidr_nth(const vnet_cidr *c, guint64 n, vnet_addr *ret)
{
	guint bits = vnet_addr_bits(c->addr.family);
	guint host_bits = bits - c->prefix;
	vnet_cidr net = vnet_cidr_network(c);
	vnet_addr a = net.addr;
	guint carry = 0;

	if (host_bits < 64 && n >> host_bits)
		return false;
	for (int i = (int)addr_len(a.family) - 1; i >= 0; i--) {
		guint v = a.b[i] + (guint)(n & 0xff) + carry;
		a.b[i] = v & 0xff;
		carry = v >> 8;
		n >>= 8;
	}
	*ret = a;
	return true;
}

vnet_addr vnet_cidr_last(const vnet_cidr *c)
{
	vnet_addr a = c->addr;

	fill_host_bits(&a, c->prefix, true);
	return a;
}

bool vnet_cidr_is_reserved(const vnet_cidr *c, const vnet_addr *a)
{
	vnet_cidr net = vnet_cidr_network(c);
	vnet_addr last = vnet_cidr_last(c);

	if (c->addr.family == AF_INET && c->prefix >= 31)
		return false;	/* RFC 3021 point-to-point: both addresses are hosts */
	if (vnet_addr_equal(a, &net.addr))
		return true;
	return c->addr.family == AF_INET && vnet_addr_equal(a, &last);
}

/* The first free /24 of @pool, from its @first-th to its @last-th. */
static bool pool_pick(const char *pool, guint first, guint last, const vnet_cidr *taken,
		      size_t n_taken, vnet_cidr *ret)
{
	vnet_cidr p;

	if (!vnet_cidr_parse(pool, VNET_CIDR_NETWORK, &p, NULL))
		return false;
	for (guint64 i = first; i <= last; i++) {
		vnet_cidr cand = { .prefix = 24 };
		bool clash = false;

		if (!vnet_cidr_nth(&p, i << 8, &cand.addr))
			return false;
		for (size_t j = 0; j < n_taken && !clash; j++)
			clash = vnet_cidr_overlaps(&cand, &taken[j]);
		if (!clash) {
			*ret = cand;
			return true;
		}
	}
	return false;
}

/*
 * The private ranges, least often routed behind a default gateway first (a
 * network there is invisible in the host's routes): above libvirt's default
 * 192.168.122.0/24 (home routers keep to the low 192.168s), then 172.16.x,
 * below Docker's default 172.17.0.0/16 and its pools 172.17-31 (taken ones
 * are the host's routes), then those, then the low 192.168s, and last
 * 10.0.0.0/8, where corporate LANs and VPNs live.  vnetctl(8) and README
 * say the same.
 */
static const struct {
	const char *pool;
	guint first, last;	/* /24s of the pool, counted from 0 */
} pools4[] = {
	{ "192.168.0.0/16", 123, 255 },
	{ "172.16.0.0/12", 0, 255 },
	{ "172.16.0.0/12", 256, 4095 },
	{ "192.168.0.0/16", 0, 122 },
	{ "10.0.0.0/8", 0, 65535 },
};

bool vnet_cidr_pick4(const vnet_cidr *taken, size_t n_taken, vnet_cidr *ret)
{
	for (size_t i = 0; i < G_N_ELEMENTS(pools4); i++)
		if (pool_pick(pools4[i].pool, pools4[i].first, pools4[i].last, taken, n_taken, ret))
			return true;
	return false;
}
