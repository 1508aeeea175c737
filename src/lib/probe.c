/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "netlink.h"
#include "probe.h"
#include "util.h"

#define ETH_HLEN_ 14
#define ARP_LEN 28
#define IP6_HLEN 40
#define NS_LEN 24		/* type, code, checksum, reserved, target */
#define ICMP6_NS 135
#define ICMP6_NA 136
#define OPT_TARGET_LLADDR 2
/* Ethernet's minimum frame without its checksum: ARP is padded to it. */
#define ETH_ZLEN_ 60
#define VLAN_HLEN 4

static const guint8 broadcast[VNET_ETH_ALEN] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

GArray *vnet_probe_bridge_addrs(const char *bridge, int family)
{
	g_autoptr(vnet_host) host = vnet_host_new();
	GArray *out = g_array_new(FALSE, FALSE, sizeof(vnet_cidr));

	if (!vnet_link_read_host(host, NULL))
		return out;
	for (guint i = 0; i < host->addrs->len; i++) {
		const vnet_host_addr *a = &g_array_index(host->addrs, vnet_host_addr, i);
		if (g_strcmp0(a->ifname, bridge) != 0 || a->cidr.addr.family != family ||
		    (family == AF_INET6 && a->cidr.addr.b[0] == 0xfe && (a->cidr.addr.b[1] & 0xc0) == 0x80))
			continue;
		g_array_append_val(out, a->cidr);
	}
	return out;
}

char *vnet_mac_format(const guint8 *m)
{
	return g_strdup_printf("%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

/* A MAC that can own an address: neither multicast (nor broadcast) nor zero. */
static bool mac_is_unicast(const guint8 *m)
{
	return !(m[0] & 1) && (m[0] | m[1] | m[2] | m[3] | m[4] | m[5]);
}

static guint16 get16(const guint8 *p)
{
	return (guint16)(p[0] << 8 | p[1]);
}

static void put16(guint8 *p, guint16 v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static void eth_header(guint8 *buf, const guint8 *dst, const guint8 *src, guint16 type)
{
	memcpy(buf, dst, VNET_ETH_ALEN);
	memcpy(buf + 6, src, VNET_ETH_ALEN);
	put16(buf + 12, type);
}

/* The ICMPv6 checksum of @msg (@len bytes) from @src to @dst (RFC 4443, 2.3). */
static guint16 icmp6_checksum(const guint8 *src, const guint8 *dst, const guint8 *msg, size_t len)
{
	guint32 sum = 0;

	for (size_t i = 0; i < 16; i += 2)
		sum += get16(src + i) + get16(dst + i);
	sum += (guint32)(len >> 16) + (guint32)(len & 0xffff) + 58;
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += get16(msg + i);
	if (len & 1)
		sum += (guint32)msg[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (guint16)~sum;
}

/* ff02::1:ffXX:XXXX, the solicited-node group of @a. */
static void solicited_node(const vnet_addr *a, guint8 *ret)
{
	static const guint8 prefix[13] = { 0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0xff };

	memcpy(ret, prefix, sizeof(prefix));
	memcpy(ret + 13, a->b + 13, 3);
}

size_t vnet_probe_build(guint8 *buf, size_t size, const guint8 *src_mac, const vnet_addr *target)
{
	if (target->family == AF_INET) {
		guint8 *arp = buf + ETH_HLEN_;
		if (size < ETH_ZLEN_)
			return 0;
		memset(buf, 0, ETH_ZLEN_);
		eth_header(buf, broadcast, src_mac, ETH_P_ARP);
		put16(arp, 1);			/* Ethernet */
		put16(arp + 2, ETH_P_IP);
		arp[4] = VNET_ETH_ALEN;
		arp[5] = 4;
		put16(arp + 6, 1);		/* request */
		memcpy(arp + 8, src_mac, VNET_ETH_ALEN);
		/* sender 0.0.0.0 and target MAC zero: memset */
		memcpy(arp + 24, target->b, 4);
		return ETH_ZLEN_;
	} else {
		guint8 *ip = buf + ETH_HLEN_, *icmp = ip + IP6_HLEN, dst[16];
		guint8 mcast_mac[VNET_ETH_ALEN] = { 0x33, 0x33 };
		guint16 sum;
		size_t len = ETH_HLEN_ + IP6_HLEN + NS_LEN;
		if (size < len)
			return 0;
		memset(buf, 0, len);
		solicited_node(target, dst);
		memcpy(mcast_mac + 2, dst + 12, 4);
		eth_header(buf, mcast_mac, src_mac, ETH_P_IPV6);
		ip[0] = 0x60;
		put16(ip + 4, NS_LEN);
		ip[6] = 58;			/* ICMPv6 */
		ip[7] = 255;
		/* source :: (memset): a DAD probe, no source link-layer option */
		memcpy(ip + 24, dst, 16);
		icmp[0] = ICMP6_NS;
		memcpy(icmp + 8, target->b, 16);
		sum = icmp6_checksum(ip + 8, ip + 24, icmp, NS_LEN);
		put16(icmp + 2, sum);
		return len;
	}
}

static bool parse_arp(const guint8 *arp, size_t len, vnet_claim *ret)
{
	static const guint8 zero[4] = { 0 };
	guint16 op;

	if (len < ARP_LEN || get16(arp) != 1 || get16(arp + 2) != ETH_P_IP || arp[4] != VNET_ETH_ALEN || arp[5] != 4)
		return false;
	op = get16(arp + 6);
	if ((op != 1 && op != 2) || !mac_is_unicast(arp + 8))
		return false;
	memset(ret, 0, sizeof(*ret));
	ret->addr.family = AF_INET;
	memcpy(ret->mac, arp + 8, VNET_ETH_ALEN);
	if (memcmp(arp + 14, zero, 4) != 0) {
		ret->kind = op == 2 ? VNET_CLAIM_ANSWER : VNET_CLAIM_USE;
		memcpy(ret->addr.b, arp + 14, 4);
		return true;
	}
	/* Sender 0.0.0.0: only a request, a probe for its target, means anything. */
	if (op != 1 || memcmp(arp + 24, zero, 4) == 0)
		return false;
	ret->kind = VNET_CLAIM_PROBE;
	memcpy(ret->addr.b, arp + 24, 4);
	return true;
}

static bool parse_nd(const guint8 *eth_src, const guint8 *ip, size_t len, vnet_claim *ret)
{
	static const guint8 any[16] = { 0 };
	const guint8 *icmp = ip + IP6_HLEN, *mac = eth_src;
	size_t plen;

	/* Neighbour discovery is never forwarded: hop limit 255 (RFC 4861, 7.1). */
	if (len < IP6_HLEN || ip[0] >> 4 != 6 || ip[6] != 58 || ip[7] != 255)
		return false;
	plen = get16(ip + 4);
	if (plen < NS_LEN || plen > len - IP6_HLEN || (icmp[0] != ICMP6_NS && icmp[0] != ICMP6_NA) ||
	    icmp[1] != 0 || icmp6_checksum(ip + 8, ip + 24, icmp, plen) != 0 || icmp[8] == 0xff)
		return false;
	if (icmp[0] == ICMP6_NS) {
		/* From ::, a duplicate address detection of its own. */
		if (memcmp(ip + 8, any, 16) != 0)
			return false;
	} else {
		/* The target's link-layer address, if given, is who holds it. */
		for (size_t o = NS_LEN; o + 2 <= plen;) {
			size_t olen = (size_t)icmp[o + 1] * 8;
			if (olen == 0 || o + olen > plen)
				return false;
			if (icmp[o] == OPT_TARGET_LLADDR && olen == 8)
				mac = icmp + o + 2;
			o += olen;
		}
	}
	if (!mac_is_unicast(mac) || memcmp(icmp + 8, any, 16) == 0)
		return false;
	memset(ret, 0, sizeof(*ret));
	ret->kind = icmp[0] == ICMP6_NA ? VNET_CLAIM_ANSWER : VNET_CLAIM_PROBE;
	ret->addr.family = AF_INET6;
	memcpy(ret->addr.b, icmp + 8, 16);
	memcpy(ret->mac, mac, VNET_ETH_ALEN);
	return true;
}

size_t vnet_probe_tag(guint8 *buf, size_t len, size_t size, guint16 vlan)
{
	if (len < ETH_HLEN_ || size < len + VLAN_HLEN || vlan < 1 || vlan > 4094)
		return 0;
	memmove(buf + 12 + VLAN_HLEN, buf + 12, len - 12);
	put16(buf + 12, ETH_P_8021Q);
	put16(buf + 14, vlan);		/* priority 0, DEI 0 */
	return len + VLAN_HLEN;
}

bool vnet_probe_parse(const guint8 *frame, size_t len, vnet_claim *ret)
{
	guint16 vlan = 0;
	vnet_claim c;

	if (!frame || len < ETH_HLEN_)
		return false;
	/* One 802.1Q tag: read past it, as if the frame came untagged on that VLAN. */
	if (get16(frame + 12) == ETH_P_8021Q) {
		g_autofree guint8 *inner = NULL;
		bool ok;
		if (len < ETH_HLEN_ + VLAN_HLEN || get16(frame + 16) == ETH_P_8021Q)
			return false;
		vlan = get16(frame + 14) & 0x0fff;
		inner = g_malloc(len - VLAN_HLEN);
		memcpy(inner, frame, 12);
		memcpy(inner + 12, frame + 12 + VLAN_HLEN, len - 12 - VLAN_HLEN);
		ok = vlan && vnet_probe_parse(inner, len - VLAN_HLEN, &c);
		if (ok) {
			c.vlan = vlan;
			*ret = c;
		}
		return ok;
	}
	switch (get16(frame + 12)) {
	case ETH_P_ARP:
		if (!parse_arp(frame + ETH_HLEN_, len - ETH_HLEN_, &c))
			return false;
		break;
	case ETH_P_IPV6:
		if (!parse_nd(frame + 6, frame + ETH_HLEN_, len - ETH_HLEN_, &c))
			return false;
		break;
	default:
		return false;
	}
	*ret = c;
	return true;
}

/* ---- sockets ---- */

typedef struct probe_sock {
	int fd;
	int ifindex;
	guint8 mac[VNET_ETH_ALEN];
	guint16 vlan;		/* the VLAN probed on, and the only one heard; 0: untagged */
} probe_sock;

static void probe_sock_close(probe_sock *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
}

/*
 * A packet socket on @bridge for @family's neighbour protocol.  False with
 * no error when there is no such bridge: nobody can answer on it.
 */
static bool probe_sock_open(probe_sock *s, const char *bridge, int family, guint16 vlan, GError **error)
{
	/* A tagged frame's protocol is 802.1Q's until the kernel takes the tag off: hear them all. */
	guint16 proto = vlan ? ETH_P_ALL : family == AF_INET ? ETH_P_ARP : ETH_P_IPV6;
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(proto) };
	socklen_t sl = sizeof(sll);
	int on = 1;

	s->fd = -1;
	s->vlan = vlan;
	if (!(s->ifindex = (int)if_nametoindex(bridge)))
		return false;
	sll.sll_ifindex = s->ifindex;
	s->fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, htons(proto));
	if (s->fd < 0) {
		int e = errno;
		if (e == EPERM || e == EACCES)
			vnet_set_error(error, VNET_ERROR_FAILED,
				    _("Probing who holds an address on bridge %s needs root (the capability CAP_NET_RAW)."),
				    bridge);
		else
			vnet_set_error(error, VNET_ERROR_FAILED,
				    _("Cannot open a packet socket to probe on bridge %s: %s."), bridge, g_strerror(e));
		return false;
	}
	/* The tag the kernel took off a frame comes as auxiliary data: which VLAN it was heard on. */
	if (setsockopt(s->fd, SOL_PACKET, PACKET_AUXDATA, &on, sizeof(on)) < 0 ||
	    bind(s->fd, (struct sockaddr *)&sll, sizeof(sll)) < 0 ||
	    getsockname(s->fd, (struct sockaddr *)&sll, &sl) < 0) {
		int e = errno;
		probe_sock_close(s);
		if (e == ENODEV || e == ENXIO)
			return false;	/* gone in between */
		vnet_set_error(error, VNET_ERROR_FAILED,
			    _("Cannot open a packet socket to probe on bridge %s: %s."), bridge, g_strerror(e));
		return false;
	}
	if (sll.sll_halen != VNET_ETH_ALEN) {
		probe_sock_close(s);
		vnet_set_error(error, VNET_ERROR_FAILED,
			    _("%s is not an Ethernet bridge; vnetctl probes addresses only on Ethernet."), bridge);
		return false;
	}
	memcpy(s->mac, sll.sll_addr, VNET_ETH_ALEN);
	return true;
}

/* Send a probe for @target; a link that is down sends nothing and is no error. */
static bool probe_sock_send(probe_sock *s, const char *bridge, const vnet_addr *target, GError **error)
{
	guint8 frame[VNET_PROBE_FRAME_MAX];
	size_t len = vnet_probe_build(frame, sizeof(frame), s->mac, target);
	struct sockaddr_ll to = { .sll_family = AF_PACKET, .sll_ifindex = s->ifindex, .sll_halen = VNET_ETH_ALEN };

	if (s->vlan)
		len = vnet_probe_tag(frame, len, sizeof(frame), s->vlan);
	to.sll_protocol = htons(s->vlan ? ETH_P_8021Q : target->family == AF_INET ? ETH_P_ARP : ETH_P_IPV6);
	memcpy(to.sll_addr, frame, VNET_ETH_ALEN);
	while (sendto(s->fd, frame, len, 0, (struct sockaddr *)&to, sizeof(to)) < 0) {
		int e = errno;
		if (e == EINTR)
			continue;
		/* Queue full: this one is lost, as on a busy wire; the next goes. */
		if (e == ENETDOWN || e == ENXIO || e == ENOBUFS || e == EAGAIN)
			return true;
		vnet_set_error(error, VNET_ERROR_FAILED,
			    _("Cannot send a probe on bridge %s: %s."), bridge, g_strerror(e));
		return false;
	}
	return true;
}

/*
 * One frame into @buf: its length (0 for one of our own, as the socket sees
 * it leave), or -1 when none is queued.  @ret_vlan: the VLAN of the tag the
 * kernel took off, 0 for none.
 */
static ssize_t probe_sock_recv(probe_sock *s, guint8 *buf, size_t size, guint16 *ret_vlan)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(struct tpacket_auxdata))];
	} ctl;
	struct sockaddr_ll from;
	struct iovec iov = { .iov_base = buf, .iov_len = size };
	struct msghdr m = { .msg_name = &from, .msg_namelen = sizeof(from), .msg_iov = &iov, .msg_iovlen = 1,
			    .msg_control = &ctl, .msg_controllen = sizeof(ctl) };
	ssize_t n = recvmsg(s->fd, &m, 0);

	*ret_vlan = 0;
	if (n < 0)
		return -1;
	if (from.sll_pkttype == PACKET_OUTGOING)
		return 0;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
		struct tpacket_auxdata aux;
		if (c->cmsg_level != SOL_PACKET || c->cmsg_type != PACKET_AUXDATA ||
		    c->cmsg_len < CMSG_LEN(sizeof(aux)))
			continue;
		memcpy(&aux, CMSG_DATA(c), sizeof(aux));
		if (aux.tp_status & TP_STATUS_VLAN_VALID)
			*ret_vlan = aux.tp_vlan_tci & 0x0fff;
	}
	return n;
}

typedef void (*claim_fn)(const vnet_claim *c, void *data);

/* Read what has arrived, up to @until (monotonic µs), handing on the claims of others. */
static void probe_sock_wait(probe_sock *s, gint64 until, claim_fn fn, void *data)
{
	for (;;) {
		gint64 now = g_get_monotonic_time();
		struct pollfd p = { .fd = s->fd, .events = POLLIN };
		int timeout = now >= until ? 0 : (int)MIN((until - now + 999) / 1000, G_MAXINT);
		if (poll(&p, 1, timeout) <= 0) {
			if (g_get_monotonic_time() >= until)
				return;
			continue;
		}
		for (;;) {
			guint8 frame[2048];
			ssize_t n;
			vnet_claim c;
			guint16 vlan;
			if ((n = probe_sock_recv(s, frame, sizeof(frame), &vlan)) < 0 ||
			    g_get_monotonic_time() >= until + G_USEC_PER_SEC / 10)
				break;
			if (!n || !vnet_probe_parse(frame, (size_t)n, &c) || memcmp(c.mac, s->mac, VNET_ETH_ALEN) == 0)
				continue;
			/* Only what was said on the VLAN probed: the same address may be another host's on the next. */
			if ((c.vlan ? c.vlan : vlan) != s->vlan)
				continue;
			fn(&c, data);
		}
		/* A busy segment keeps the socket readable: the deadline still holds. */
		if (g_get_monotonic_time() >= until)
			return;
	}
}

/* ---- probing one address ---- */

typedef struct probe_state {
	const vnet_addr *addr;
	const char *except;
	GPtrArray *macs;
} probe_state;

static gint str_cmp(gconstpointer a, gconstpointer b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Add @mac (taken) to @macs unless it is there. */
static void add_mac(GPtrArray *macs, char *mac)
{
	for (guint i = 0; i < macs->len; i++)
		if (strcmp(macs->pdata[i], mac) == 0) {
			g_free(mac);
			return;
		}
	g_ptr_array_add(macs, mac);
}

static void probe_seen(const vnet_claim *c, void *data)
{
	probe_state *st = data;
	g_autofree char *mac = NULL;

	if (!vnet_addr_equal(&c->addr, st->addr))
		return;
	mac = vnet_mac_format(c->mac);
	if (g_strcmp0(mac, st->except) != 0)
		add_mac(st->macs, g_steal_pointer(&mac));
}

static guint clamp_opt(guint v, guint def, guint max)
{
	return v ? MIN(v, max) : def;
}

GPtrArray *vnet_probe_address(const char *bridge, const vnet_addr *addr, const vnet_probe_opts *opts,
			      const char *except, GError **error)
{
	g_autoptr(GPtrArray) macs = g_ptr_array_new_with_free_func(g_free);
	probe_state st = { .addr = addr, .except = except, .macs = macs };
	const vnet_probe_opts none = { 0 };
	guint count, min_ms, max_ms, wait_ms;
	GError *local = NULL;
	probe_sock s;

	if (!opts)
		opts = &none;
	count = clamp_opt(opts->count, 3, 10);
	max_ms = clamp_opt(opts->max_interval_ms, 400, 2000);
	min_ms = MIN(clamp_opt(opts->min_interval_ms, 200, 2000), max_ms);
	wait_ms = clamp_opt(opts->wait_ms, 600, 3000);
	if (!probe_sock_open(&s, bridge, addr->family, opts->vlan, &local)) {
		if (local) {
			g_propagate_error(error, local);
			return NULL;
		}
		return g_steal_pointer(&macs);
	}
	for (guint i = 0; i < count; i++) {
		/* Jittered, so that two hosts probing at once do not stay in step (RFC 5227, 2.1.1). */
		gint64 gap = i + 1 < count ? (gint64)g_random_int_range((gint32)min_ms, (gint32)max_ms + 1) : (gint64)wait_ms;
		if (!probe_sock_send(&s, bridge, addr, error)) {
			probe_sock_close(&s);
			return NULL;
		}
		probe_sock_wait(&s, g_get_monotonic_time() + gap * 1000, probe_seen, &st);
	}
	probe_sock_close(&s);
	g_ptr_array_sort(macs, str_cmp);
	return g_steal_pointer(&macs);
}

/* ---- sweeping a range ---- */

static guint32 addr_u32(const vnet_addr *a)
{
	return (guint32)a->b[0] << 24 | (guint32)a->b[1] << 16 | (guint32)a->b[2] << 8 | a->b[3];
}

static vnet_addr u32_addr(guint32 v)
{
	vnet_addr a = { .family = AF_INET };

	a.b[0] = v >> 24;
	a.b[1] = (v >> 16) & 0xff;
	a.b[2] = (v >> 8) & 0xff;
	a.b[3] = v & 0xff;
	return a;
}

/* Whether the sweep leaves @v out: the network or broadcast address of @subnet. */
static bool sweep_skips(guint32 v, const vnet_cidr *subnet)
{
	vnet_addr a = u32_addr(v);

	return subnet && subnet->prefix <= 30 && vnet_cidr_is_reserved(subnet, &a);
}

guint64 vnet_sweep_count(const vnet_cidr *range, const vnet_cidr *subnet)
{
	guint32 first = addr_u32(&range->addr);
	guint64 size = (guint64)1 << (32 - range->prefix), n = 0;

	for (guint64 k = 0; k < size; k++)
		n += !sweep_skips(first + (guint32)k, subnet);
	return n;
}

void vnet_sweep_hit_free(vnet_sweep_hit *h)
{
	if (!h)
		return;
	g_ptr_array_unref(h->macs);
	g_free(h);
}

bool vnet_sweep_range(const char *range_s, const vnet_cidr *subnet, const char *what, vnet_cidr *ret,
		      GError **error)
{
	g_autofree char *sub = subnet ? vnet_cidr_format(subnet) : NULL;
	vnet_cidr r;

	if (!range_s) {
		if (!subnet) {
			vnet_set_error(error, VNET_ERROR_INVALID,
				    _("Bridge %s has no IPv4 address, so the subnet of its LAN is not known; give the range to scan with --range CIDR."),
				    what);
			return false;
		}
		if (subnet->prefix < VNET_SWEEP_MIN_PREFIX) {
			vnet_set_error(error, VNET_ERROR_INVALID,
				    _("The subnet %s of bridge %s is larger than a /16, which a scan takes in about five minutes; narrow it with --range CIDR, a /16 or smaller inside it."),
				    sub, what);
			return false;
		}
		*ret = vnet_cidr_network(subnet);
		return true;
	}
	if (!vnet_cidr_parse(range_s, VNET_CIDR_NETWORK | VNET_CIDR_NEED_PREFIX, &r, error))
		return false;
	if (r.addr.family != AF_INET) {
		vnet_set_error(error, VNET_ERROR_INVALID,
			    _("The range %s is not IPv4; a scan sends ARP probes, so give an IPv4 range such as 192.0.2.0/24."),
			    range_s);
		return false;
	}
	if (r.prefix < VNET_SWEEP_MIN_PREFIX) {
		vnet_set_error(error, VNET_ERROR_INVALID,
			    _("The range %s is larger than a /16, which a scan takes in about five minutes; give a /16 or smaller."),
			    range_s);
		return false;
	}
	if (subnet && (r.prefix < subnet->prefix || !vnet_cidr_contains(subnet, &r.addr))) {
		vnet_set_error(error, VNET_ERROR_INVALID,
			    _("The range %s is not inside the subnet %s of bridge %s; give a range inside it."),
			    range_s, sub, what);
		return false;
	}
	*ret = r;
	return true;
}

typedef struct sweep_state {
	const vnet_cidr *range;
	GHashTable *hits;	/* guint32 address -> vnet_sweep_hit * */
} sweep_state;

static void sweep_seen(const vnet_claim *c, void *data)
{
	sweep_state *st = data;
	vnet_sweep_hit *h;
	guint32 key;

	/* Someone probing holds nothing yet. */
	if (c->kind == VNET_CLAIM_PROBE || c->addr.family != AF_INET || !vnet_cidr_contains(st->range, &c->addr))
		return;
	key = addr_u32(&c->addr);
	if (!(h = g_hash_table_lookup(st->hits, GUINT_TO_POINTER(key)))) {
		h = g_new0(vnet_sweep_hit, 1);
		h->addr = c->addr;
		h->macs = g_ptr_array_new_with_free_func(g_free);
		g_hash_table_insert(st->hits, GUINT_TO_POINTER(key), h);
	}
	add_mac(h->macs, vnet_mac_format(c->mac));
}

static gint hit_cmp(gconstpointer a, gconstpointer b)
{
	const vnet_sweep_hit *x = *(vnet_sweep_hit *const *)a, *y = *(vnet_sweep_hit *const *)b;

	return vnet_addr_cmp(&x->addr, &y->addr);
}

GPtrArray *vnet_sweep(const char *bridge, const vnet_cidr *range, const vnet_cidr *subnet, guint16 vlan,
		      vnet_sweep_progress progress, void *user_data, GError **error)
{
	g_autoptr(GHashTable) hits = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL,
							   (GDestroyNotify)vnet_sweep_hit_free);
	sweep_state st = { .range = range, .hits = hits };
	const gint64 gap = G_USEC_PER_SEC / VNET_SWEEP_RATE;
	guint32 first = addr_u32(&range->addr);
	guint64 size = (guint64)1 << (32 - range->prefix), total = vnet_sweep_count(range, subnet), done = 0;
	GPtrArray *out;
	GHashTableIter it;
	gpointer v;
	GError *local = NULL;
	gint64 start, last_report = 0;
	probe_sock s;

	if (range->addr.family != AF_INET || range->prefix < VNET_SWEEP_MIN_PREFIX) {
		vnet_set_error(error, VNET_ERROR_INVALID, _("A scan takes an IPv4 range of a /16 or smaller."));
		return NULL;
	}
	if (!probe_sock_open(&s, bridge, AF_INET, vlan, &local)) {
		if (!local)
			vnet_set_error(error, VNET_ERROR_NOT_FOUND,
				    _("The bridge %s does not exist; start its network first."), bridge);
		else
			g_propagate_error(error, local);
		return NULL;
	}
	start = g_get_monotonic_time();
	for (guint64 k = 0; k < size; k++) {
		vnet_addr a = u32_addr(first + (guint32)k);
		if (sweep_skips(first + (guint32)k, subnet))
			continue;
		/* On a schedule, not after each wait: the rate holds whatever arrives. */
		probe_sock_wait(&s, start + (gint64)done * gap, sweep_seen, &st);
		if (!probe_sock_send(&s, bridge, &a, error)) {
			probe_sock_close(&s);
			return NULL;
		}
		done++;
		if (progress && (g_get_monotonic_time() - last_report > G_USEC_PER_SEC / 4 || done == total)) {
			last_report = g_get_monotonic_time();
			progress(done, total, user_data);
		}
	}
	probe_sock_wait(&s, g_get_monotonic_time() + G_USEC_PER_SEC, sweep_seen, &st);
	probe_sock_close(&s);
	out = g_ptr_array_new_with_free_func((GDestroyNotify)vnet_sweep_hit_free);
	g_hash_table_iter_init(&it, hits);
	while (g_hash_table_iter_next(&it, NULL, &v)) {
		vnet_sweep_hit *h = v;
		g_ptr_array_sort(h->macs, str_cmp);
		g_ptr_array_add(out, h);
		g_hash_table_iter_steal(&it);
	}
	g_ptr_array_sort(out, hit_cmp);
	return out;
}
