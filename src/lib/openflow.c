/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "openflow.h"
#include "util.h"

/* OpenFlow 1.3 (ofp_header, ofp_flow_mod, ofp_match with OXM, ofp_flow_stats) */
#define OF_HEADER 8
#define OFPFC_ADD 0
#define OFPFC_DELETE 3
#define OFPTT_ALL 0xff
#define OFPP_ANY 0xffffffffu
#define OFPG_ANY 0xffffffffu
#define OFPP_NORMAL 0xfffffffau
#define OFP_NO_BUFFER 0xffffffffu
#define OFPMP_FLOW 1
#define OFPMPF_REPLY_MORE 1
#define OFPIT_APPLY_ACTIONS 4
#define OFPAT_OUTPUT 0
#define OFPXMC_OPENFLOW_BASIC 0x8000
#define OFPMT_OXM 1
#define OFPET_EXPERIMENTER 0xffff

enum { OXM_IN_PORT = 0, OXM_ETH_SRC = 4, OXM_ETH_TYPE = 5, OXM_IP_PROTO = 10, OXM_IPV4_SRC = 11,
       OXM_UDP_SRC = 15, OXM_UDP_DST = 16, OXM_ARP_SPA = 22, OXM_IPV6_SRC = 26, OXM_ICMPV6_TYPE = 29 };

#define ETH_IP 0x0800
#define ETH_ARP 0x0806
#define ETH_IP6 0x86dd

/* The guard's priorities, all above the NORMAL flow (0) a bridge starts with. */
#define PRIO_ROGUE 30000	/* DHCP server replies, router advertisements */
#define PRIO_OWNER 20100	/* a bound address from its owner */
#define PRIO_CLAIM 20000	/* a bound address from anyone else */
#define PRIO_UNSPEC 10100	/* strict: 0.0.0.0 (DHCP discovery, ARP probes) */
#define PRIO_STRICT 10000	/* strict: a bound MAC from any other address */

/* ---- encoding ---- */

static void put8(GByteArray *o, guint8 v) { g_byte_array_append(o, &v, 1); }
static void put16(GByteArray *o, guint16 v) { guint16 b = GUINT16_TO_BE(v); g_byte_array_append(o, (guint8 *)&b, 2); }
static void put32(GByteArray *o, guint32 v) { guint32 b = GUINT32_TO_BE(v); g_byte_array_append(o, (guint8 *)&b, 4); }
static void put64(GByteArray *o, guint64 v) { guint64 b = GUINT64_TO_BE(v); g_byte_array_append(o, (guint8 *)&b, 8); }
static void pad(GByteArray *o, size_t n) { static const guint8 z[8]; g_byte_array_append(o, z, (guint)n); }

static guint16 get16(const guint8 *p) { return (guint16)(p[0] << 8 | p[1]); }
static guint32 get32(const guint8 *p) { return (guint32)p[0] << 24 | (guint32)p[1] << 16 | (guint32)p[2] << 8 | p[3]; }
static guint64 get64(const guint8 *p) { return (guint64)get32(p) << 32 | get32(p + 4); }

/* Begin a message at the end of @o; end_msg() fills its length. */
static guint begin_msg(GByteArray *o, guint8 type, guint32 xid)
{
	guint at = o->len;

	put8(o, VNET_OF_VERSION);
	put8(o, type);
	put16(o, 0);
	put32(o, xid);
	return at;
}

static void end_msg(GByteArray *o, guint at)
{
	guint16 n = GUINT16_TO_BE((guint16)(o->len - at));

	memcpy(o->data + at + 2, &n, 2);
}

guint64 vnet_of_cookie(const char *network)
{
	guint32 h = 2166136261u;	/* FNV-1a: the same on every host and run */

	for (const char *p = network; *p; p++)
		h = (h ^ (guint8)*p) * 16777619u;
	return (guint64)0x766e6574u << 32 | h;
}

void vnet_of_encode_hello(GByteArray *out, guint32 xid)
{
	end_msg(out, begin_msg(out, VNET_OF_HELLO, xid));
}

void vnet_of_encode_barrier(GByteArray *out, guint32 xid)
{
	end_msg(out, begin_msg(out, VNET_OF_BARRIER_REQUEST, xid));
}

static void oxm(GByteArray *o, guint8 field, const void *v, guint8 len)
{
	put32(o, (guint32)OFPXMC_OPENFLOW_BASIC << 16 | (guint32)field << 9 | len);
	g_byte_array_append(o, v, len);
}

static void oxm16(GByteArray *o, guint8 field, guint16 v)
{
	guint16 b = GUINT16_TO_BE(v);

	oxm(o, field, &b, 2);
}

/* The OXM fields of @f, prerequisites first, as OpenFlow 1.3 wants them. */
static void flow_oxms(GByteArray *o, const vnet_of_flow *f)
{
	if (f->in_port) {
		guint32 b = GUINT32_TO_BE(f->in_port);
		oxm(o, OXM_IN_PORT, &b, 4);
	}
	if (f->has_eth_src)
		oxm(o, OXM_ETH_SRC, f->eth_src, 6);
	if (f->eth_type)
		oxm16(o, OXM_ETH_TYPE, f->eth_type);
	if (f->eth_type == ETH_ARP && f->has_src4)
		oxm(o, OXM_ARP_SPA, f->src4, 4);
	if (f->eth_type != ETH_IP && f->eth_type != ETH_IP6)
		return;
	if (f->ip_proto)
		oxm(o, OXM_IP_PROTO, &f->ip_proto, 1);
	if (f->eth_type == ETH_IP && f->has_src4)
		oxm(o, OXM_IPV4_SRC, f->src4, 4);
	if (f->eth_type == ETH_IP6 && f->has_src6 && f->src6_plen > 0 && f->src6_plen < 128) {
		guint8 vm[32] = { 0 };
		for (guint i = 0; i < f->src6_plen; i++)
			vm[16 + i / 8] |= (guint8)(0x80 >> (i % 8));
		for (guint i = 0; i < 16; i++)
			vm[i] = f->src6[i] & vm[16 + i];
		/* OXM's has-mask bit: the value, then the mask */
		put32(o, (guint32)OFPXMC_OPENFLOW_BASIC << 16 | (guint32)OXM_IPV6_SRC << 9 | 1u << 8 | 32);
		g_byte_array_append(o, vm, 32);
	} else if (f->eth_type == ETH_IP6 && f->has_src6) {
		oxm(o, OXM_IPV6_SRC, f->src6, 16);
	}
	if (f->ip_proto == 17 && f->udp_src)
		oxm16(o, OXM_UDP_SRC, f->udp_src);
	if (f->ip_proto == 17 && f->udp_dst)
		oxm16(o, OXM_UDP_DST, f->udp_dst);
	if (f->ip_proto == 58 && f->eth_type == ETH_IP6 && f->icmp6_type >= 0) {
		guint8 t = (guint8)f->icmp6_type;
		oxm(o, OXM_ICMPV6_TYPE, &t, 1);
	}
}

/* An ofp_match of the OXM fields @fields (@len bytes), padded to 8. */
static void put_match(GByteArray *o, const guint8 *fields, size_t len)
{
	put16(o, OFPMT_OXM);
	put16(o, (guint16)(4 + len));
	if (len)
		g_byte_array_append(o, fields, (guint)len);
	pad(o, (8 - (4 + len) % 8) % 8);
}

static void flow_mod_head(GByteArray *o, guint64 cookie, guint64 mask, guint8 table, guint8 cmd, guint16 prio)
{
	put64(o, cookie);
	put64(o, mask);
	put8(o, table);
	put8(o, cmd);
	put16(o, 0);		/* idle timeout */
	put16(o, 0);		/* hard timeout */
	put16(o, prio);
	put32(o, OFP_NO_BUFFER);
	put32(o, OFPP_ANY);
	put32(o, OFPG_ANY);
	put16(o, 0);		/* flags */
	pad(o, 2);
}

void vnet_of_encode_add_raw(GByteArray *out, guint32 xid, guint64 cookie, guint16 priority,
			    const guint8 *match, size_t match_len, const guint8 *instr, size_t instr_len)
{
	guint at = begin_msg(out, VNET_OF_FLOW_MOD, xid);

	flow_mod_head(out, cookie, 0, 0, OFPFC_ADD, priority);
	put_match(out, match, match_len);
	if (instr_len)
		g_byte_array_append(out, instr, (guint)instr_len);
	end_msg(out, at);
}

void vnet_of_encode_add(GByteArray *out, guint32 xid, guint64 cookie, const vnet_of_flow *f)
{
	g_autoptr(GByteArray) m = g_byte_array_new();
	g_autoptr(GByteArray) ins = g_byte_array_new();

	flow_oxms(m, f);
	if (f->normal) {
		/* apply-actions: output:NORMAL, the bridge's own switching */
		put16(ins, OFPIT_APPLY_ACTIONS);
		put16(ins, 24);
		pad(ins, 4);
		put16(ins, OFPAT_OUTPUT);
		put16(ins, 16);
		put32(ins, OFPP_NORMAL);
		put16(ins, 0);
		pad(ins, 6);
	}
	vnet_of_encode_add_raw(out, xid, cookie, f->priority, m->data, m->len, ins->data, ins->len);
}

void vnet_of_encode_delete(GByteArray *out, guint32 xid, guint64 cookie)
{
	guint at = begin_msg(out, VNET_OF_FLOW_MOD, xid);

	flow_mod_head(out, cookie, G_MAXUINT64, OFPTT_ALL, OFPFC_DELETE, 0);
	put_match(out, NULL, 0);
	end_msg(out, at);
}

void vnet_of_encode_flow_stats(GByteArray *out, guint32 xid, guint64 cookie)
{
	guint at = begin_msg(out, VNET_OF_MULTIPART_REQUEST, xid);

	put16(out, OFPMP_FLOW);
	put16(out, 0);
	pad(out, 4);
	put8(out, OFPTT_ALL);
	pad(out, 3);
	put32(out, OFPP_ANY);
	put32(out, OFPG_ANY);
	pad(out, 4);
	put64(out, cookie);
	put64(out, G_MAXUINT64);
	put_match(out, NULL, 0);
	end_msg(out, at);
}

static guint bundle_head(GByteArray *o, guint32 xid, guint32 exp_type, guint32 bundle_id)
{
	guint at = begin_msg(o, VNET_OF_EXPERIMENTER, xid);

	put32(o, VNET_OF_ONF_EXPERIMENTER);
	put32(o, exp_type);
	put32(o, bundle_id);
	return at;
}

void vnet_of_encode_bundle_ctrl(GByteArray *out, guint32 xid, guint32 bundle_id, guint16 type, guint16 flags)
{
	guint at = bundle_head(out, xid, VNET_OF_ONF_BUNDLE_CONTROL, bundle_id);

	put16(out, type);
	put16(out, flags);
	end_msg(out, at);
}

void vnet_of_encode_bundle_add(GByteArray *out, guint32 bundle_id, guint16 flags, const guint8 *msg, size_t len)
{
	guint at = bundle_head(out, get32(msg + 4), VNET_OF_ONF_BUNDLE_ADD, bundle_id);

	put16(out, 0);
	put16(out, flags);
	g_byte_array_append(out, msg, (guint)len);
	end_msg(out, at);
}

void vnet_of_encode_bundle(GByteArray *out, guint32 xid, guint32 bundle_id, const GByteArray *msgs)
{
	const guint16 flags = VNET_OF_BUNDLE_ATOMIC | VNET_OF_BUNDLE_ORDERED;

	vnet_of_encode_bundle_ctrl(out, xid, bundle_id, VNET_OF_BUNDLE_OPEN_REQUEST, flags);
	for (guint off = 0; off + OF_HEADER <= msgs->len;) {
		guint n = get16(msgs->data + off + 2);
		if (n < OF_HEADER || n > msgs->len - off)
			break;
		vnet_of_encode_bundle_add(out, bundle_id, flags, msgs->data + off, n);
		off += n;
	}
}

/* ---- parsing ---- */

bool vnet_of_frame(const guint8 *buf, size_t len, guint8 *ret_type, guint32 *ret_xid, size_t *ret_len,
		   GError **error)
{
	size_t n;

	if (len < OF_HEADER)
		return false;
	n = get16(buf + 2);
	/* A HELLO carries the peer's highest version: the lower of both is the connection's. */
	if ((buf[0] != VNET_OF_VERSION && !(buf[1] == VNET_OF_HELLO && buf[0] > VNET_OF_VERSION)) || n < OF_HEADER) {
		vnet_set_error(error, VNET_ERROR_FAILED,
			       _("Open vSwitch answered with a message that is no OpenFlow 1.3 (version %u, length %zu); does the bridge allow OpenFlow13 in its protocols?"),
			       buf[0], n);
		return true;
	}
	if (len < n)
		return false;
	*ret_type = buf[1];
	*ret_xid = get32(buf + 4);
	*ret_len = n;
	return true;
}

void vnet_of_stat_free(vnet_of_stat *s)
{
	if (!s)
		return;
	g_bytes_unref(s->match);
	g_bytes_unref(s->instr);
	g_free(s);
}

/* The in_port of the OXM fields @p (@len bytes), or 0; false if they are malformed. */
static bool oxm_in_port(const guint8 *p, size_t len, guint32 *ret)
{
	*ret = 0;
	while (len) {
		guint32 h;
		size_t n;
		if (len < 4)
			return false;
		h = get32(p);
		n = h & 0xff;
		if (len - 4 < n)
			return false;
		if (h >> 16 == OFPXMC_OPENFLOW_BASIC && (h >> 9 & 0x7f) == OXM_IN_PORT && n == 4)
			*ret = get32(p + 4);
		p += 4 + n;
		len -= 4 + n;
	}
	return true;
}

static bool bad_reply(GError **error)
{
	vnet_set_error(error, VNET_ERROR_FAILED,
		       _("Open vSwitch answered the request for its flows with a malformed reply."));
	return false;
}

bool vnet_of_parse_flow_stats(const guint8 *msg, size_t len, GPtrArray *stats, bool *ret_more, GError **error)
{
	g_autoptr(GPtrArray) got = g_ptr_array_new_with_free_func((GDestroyNotify)vnet_of_stat_free);
	size_t off = OF_HEADER + 8;

	if (len < off || msg[1] != VNET_OF_MULTIPART_REPLY || get16(msg + 2) != len || get16(msg + 8) != OFPMP_FLOW)
		return bad_reply(error);
	while (off < len) {
		const guint8 *e = msg + off;
		size_t n, mlen, mpad;
		vnet_of_stat *s;
		if (len - off < 56)
			return bad_reply(error);
		n = get16(e);
		/* the fixed part (48), the match's own header (4) */
		if (n < 56 || n > len - off || n % 8 || get16(e + 48) != OFPMT_OXM)
			return bad_reply(error);
		mlen = get16(e + 50);
		mpad = (mlen + 7) / 8 * 8;
		if (mlen < 4 || 48 + mpad > n)
			return bad_reply(error);
		s = g_new0(vnet_of_stat, 1);
		g_ptr_array_add(got, s);
		s->priority = get16(e + 12);
		s->cookie = get64(e + 24);
		s->packets = get64(e + 32);
		s->bytes = get64(e + 40);
		if (!oxm_in_port(e + 52, mlen - 4, &s->in_port))
			return bad_reply(error);
		s->match = g_bytes_new(e + 52, mlen - 4);
		s->instr = g_bytes_new(e + 48 + mpad, n - 48 - mpad);
		s->drops = n - 48 - mpad == 0;
		off += n;
	}
	*ret_more = get16(msg + 10) & OFPMPF_REPLY_MORE;
	for (guint i = 0; i < got->len; i++)
		g_ptr_array_add(stats, g_steal_pointer(&got->pdata[i]));
	return true;
}

bool vnet_of_parse_bundle_reply(const guint8 *msg, size_t len, guint32 *ret_bundle_id, guint16 *ret_type,
				GError **error)
{
	if (len < OF_HEADER + 16 || get16(msg + 2) != len || msg[1] != VNET_OF_EXPERIMENTER ||
	    get32(msg + 8) != VNET_OF_ONF_EXPERIMENTER || get32(msg + 12) != VNET_OF_ONF_BUNDLE_CONTROL) {
		vnet_set_error(error, VNET_ERROR_FAILED,
			       _("Open vSwitch answered a request for an atomic bundle of flows with a malformed reply."));
		return false;
	}
	*ret_bundle_id = get32(msg + 16);
	*ret_type = get16(msg + 20);
	return true;
}

/* Open vSwitch's names of the errors of OpenFlow 1.3 (by type, then code) and of the ONF bundle extension. */
static const char *const err_bad_request[] = {
	"OFPBRC_BAD_VERSION", "OFPBRC_BAD_TYPE", "OFPBRC_BAD_MULTIPART", "OFPBRC_BAD_EXPERIMENTER",
	"OFPBRC_BAD_EXP_TYPE", "OFPBRC_EPERM", "OFPBRC_BAD_LEN", "OFPBRC_BUFFER_EMPTY", "OFPBRC_BUFFER_UNKNOWN",
	"OFPBRC_BAD_TABLE_ID", "OFPBRC_IS_SLAVE", "OFPBRC_BAD_PORT", "OFPBRC_BAD_PACKET",
	"OFPBRC_MULTIPART_BUFFER_OVERFLOW",
};
static const char *const err_bad_action[] = {
	"OFPBAC_BAD_TYPE", "OFPBAC_BAD_LEN", "OFPBAC_BAD_EXPERIMENTER", "OFPBAC_BAD_EXP_TYPE",
	"OFPBAC_BAD_OUT_PORT", "OFPBAC_BAD_ARGUMENT", "OFPBAC_EPERM", "OFPBAC_TOO_MANY", "OFPBAC_BAD_QUEUE",
	"OFPBAC_BAD_OUT_GROUP", "OFPBAC_MATCH_INCONSISTENT", "OFPBAC_UNSUPPORTED_ORDER", "OFPBAC_BAD_TAG",
	"OFPBAC_BAD_SET_TYPE", "OFPBAC_BAD_SET_LEN", "OFPBAC_BAD_SET_ARGUMENT",
};
static const char *const err_bad_instruction[] = {
	"OFPBIC_UNKNOWN_INST", "OFPBIC_UNSUP_INST", "OFPBIC_BAD_TABLE_ID", "OFPBIC_UNSUP_METADATA",
	"OFPBIC_UNSUP_METADATA_MASK", "OFPBIC_BAD_EXPERIMENTER", "OFPBIC_BAD_EXP_TYPE", "OFPBIC_BAD_LEN",
	"OFPBIC_EPERM",
};
static const char *const err_bad_match[] = {
	"OFPBMC_BAD_TYPE", "OFPBMC_BAD_LEN", "OFPBMC_BAD_TAG", "OFPBMC_BAD_DL_ADDR_MASK",
	"OFPBMC_BAD_NW_ADDR_MASK", "OFPBMC_BAD_WILDCARDS", "OFPBMC_BAD_FIELD", "OFPBMC_BAD_VALUE",
	"OFPBMC_BAD_MASK", "OFPBMC_BAD_PREREQ", "OFPBMC_DUP_FIELD", "OFPBMC_EPERM",
};
static const char *const err_flow_mod[] = {
	"OFPFMFC_UNKNOWN", "OFPFMFC_TABLE_FULL", "OFPFMFC_BAD_TABLE_ID", "OFPFMFC_OVERLAP", "OFPFMFC_EPERM",
	"OFPFMFC_BAD_TIMEOUT", "OFPFMFC_BAD_COMMAND", "OFPFMFC_BAD_FLAGS",
};
/* ONF 1.3 experimenter codes 2300..., OpenFlow 1.4's OFPET_BUNDLE_FAILED codes 0... */
static const char *const err_bundle[] = {
	"OFPBFC_UNKNOWN", "OFPBFC_EPERM", "OFPBFC_BAD_ID", "OFPBFC_BUNDLE_EXIST", "OFPBFC_BUNDLE_CLOSED",
	"OFPBFC_OUT_OF_BUNDLES", "OFPBFC_BAD_TYPE", "OFPBFC_BAD_FLAGS", "OFPBFC_MSG_BAD_LEN",
	"OFPBFC_MSG_BAD_XID", "OFPBFC_MSG_UNSUP", "OFPBFC_MSG_CONFLICT", "OFPBFC_MSG_TOO_MANY",
	"OFPBFC_MSG_FAILED", "OFPBFC_TIMEOUT", "OFPBFC_BUNDLE_IN_PROGRESS",
};

#define NAME_OF(table, i) ((i) < G_N_ELEMENTS(table) ? (table)[i] : NULL)

static const char *error_name(guint type, guint code)
{
	switch (type) {
	case 1: return NAME_OF(err_bad_request, code);
	case 2: return NAME_OF(err_bad_action, code);
	case 3: return NAME_OF(err_bad_instruction, code);
	case 4: return NAME_OF(err_bad_match, code);
	case 5: return NAME_OF(err_flow_mod, code);
	}
	return NULL;
}

char *vnet_of_error_text(const guint8 *msg, size_t len)
{
	guint type, code;
	const char *name;

	if (len < OF_HEADER + 4)
		return g_strdup(_("Open vSwitch refused an OpenFlow request without saying why."));
	type = get16(msg + 8);
	code = get16(msg + 10);
	if (type == OFPET_EXPERIMENTER) {
		guint32 exp = len >= OF_HEADER + 8 ? get32(msg + 12) : 0;
		name = exp == VNET_OF_ONF_EXPERIMENTER && code >= 2300 ? NAME_OF(err_bundle, code - 2300u) : NULL;
		if (name)
			return g_strdup_printf(_("Open vSwitch refused an OpenFlow request: %s (experimenter 0x%08x, code %u)."),
					       name, exp, code);
		return g_strdup_printf(_("Open vSwitch refused an OpenFlow request (experimenter 0x%08x, code %u)."),
				       exp, code);
	}
	/* Bundles are the only experimenter messages vnetctl sends. */
	if (type == 1 && (code == 3 || code == 4))
		return g_strdup_printf(_("Open vSwitch refused an OpenFlow request: %s (error type %u, code %u); this ovs-vswitchd does not know the ONF bundle extension that the guard needs to change its flows atomically; upgrade Open vSwitch or give --guard off."),
				       error_name(type, code), type, code);
	if ((name = error_name(type, code)))
		return g_strdup_printf(_("Open vSwitch refused an OpenFlow request: %s (error type %u, code %u)."),
				       name, type, code);
	return g_strdup_printf(_("Open vSwitch refused an OpenFlow request (error type %u, code %u)."), type, code);
}

/* ---- the guard's flows ---- */

static vnet_of_flow *flow_new(GPtrArray *flows, guint16 prio, guint32 port, guint16 eth_type)
{
	vnet_of_flow *f = g_new0(vnet_of_flow, 1);

	f->priority = prio;
	f->in_port = port;
	f->eth_type = eth_type;
	f->icmp6_type = -1;
	g_ptr_array_add(flows, f);
	return f;
}

static bool set_mac(vnet_of_flow *f, const char *mac)
{
	unsigned b[6];

	if (!mac || sscanf(mac, "%2x:%2x:%2x:%2x:%2x:%2x", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5]) != 6)
		return false;
	for (int i = 0; i < 6; i++)
		f->eth_src[i] = (guint8)b[i];
	f->has_eth_src = true;
	return true;
}

static void set_src(vnet_of_flow *f, const vnet_addr *a)
{
	if (a->family == AF_INET) {
		memcpy(f->src4, a->b, 4);
		f->has_src4 = true;
	} else {
		memcpy(f->src6, a->b, 16);
		f->has_src6 = true;
	}
}

/* @a from @mac (NULL: nobody) on port @port: ARP and IP. */
static void claim_flows(GPtrArray *flows, guint32 port, const vnet_addr *a, const char *mac)
{
	bool v4 = a->family == AF_INET;

	if (mac) {
		vnet_of_flow *f = flow_new(flows, PRIO_OWNER, port, v4 ? ETH_IP : ETH_IP6);
		f->normal = true;
		set_src(f, a);
		if (!set_mac(f, mac))
			g_ptr_array_remove(flows, f);
		if (v4) {
			f = flow_new(flows, PRIO_OWNER, port, ETH_ARP);
			f->normal = true;
			set_src(f, a);
			if (!set_mac(f, mac))
				g_ptr_array_remove(flows, f);
		}
	}
	set_src(flow_new(flows, PRIO_CLAIM, port, v4 ? ETH_IP : ETH_IP6), a);
	if (v4)
		set_src(flow_new(flows, PRIO_CLAIM, port, ETH_ARP), a);
}

static void strict_flows(GPtrArray *flows, guint32 port, const char *mac)
{
	static const guint16 types[] = { ETH_IP, ETH_ARP };

	for (guint i = 0; i < G_N_ELEMENTS(types); i++) {
		vnet_of_flow *f = flow_new(flows, PRIO_UNSPEC, port, types[i]);
		f->normal = true;
		f->has_src4 = true;	/* 0.0.0.0 */
		set_mac(f, mac);
		set_mac(flow_new(flows, PRIO_STRICT, port, types[i]), mac);
	}
}

/*
 * Strict for a MAC with an IPv6 address bound: besides its own (the owner
 * flows), only :: (duplicate address detection) and link-local fe80::/10
 * (neighbour and router discovery), as the Linux guard's strict6.
 */
static void strict_flows6(GPtrArray *flows, guint32 port, const char *mac)
{
	vnet_of_flow *f = flow_new(flows, PRIO_UNSPEC, port, ETH_IP6);

	f->normal = true;
	f->has_src6 = true;	/* :: */
	set_mac(f, mac);
	f = flow_new(flows, PRIO_UNSPEC, port, ETH_IP6);
	f->normal = true;
	f->has_src6 = true;
	f->src6[0] = 0xfe;
	f->src6[1] = 0x80;
	f->src6_plen = 10;
	set_mac(f, mac);
	set_mac(flow_new(flows, PRIO_STRICT, port, ETH_IP6), mac);
}

GPtrArray *vnet_of_guard_flows(const vnet_intent *in, const vnet_ovs_bridge *b, const GArray *host_addrs)
{
	GPtrArray *flows = g_ptr_array_new_with_free_func(g_free);
	vnet_guard g = vnet_intent_get_guard(in, true);

	if (g == VNET_GUARD_OFF || !b)
		return flows;
	for (guint i = 0; i < b->ports->len; i++) {
		const vnet_ovs_port *p = b->ports->pdata[i];
		guint32 port = p->ofport > 0 ? (guint32)p->ofport : 0;
		guint16 vlan = p->tag > 0 ? (guint16)p->tag : 0;
		g_autoptr(GHashTable) strict = g_hash_table_new(g_str_hash, g_str_equal);
		g_autoptr(GHashTable) strict6 = g_hash_table_new(g_str_hash, g_str_equal);
		vnet_of_flow *f;
		if (!port || g_strcmp0(p->name, b->name) == 0 || g_strcmp0(p->name, in->uplink) == 0)
			continue;
		f = flow_new(flows, PRIO_ROGUE, port, ETH_IP);
		f->ip_proto = 17;
		f->udp_src = 67;
		f->udp_dst = 68;
		f = flow_new(flows, PRIO_ROGUE, port, ETH_IP6);
		f->ip_proto = 17;
		f->udp_src = 547;
		f->udp_dst = 546;
		f = flow_new(flows, PRIO_ROGUE, port, ETH_IP6);
		f->ip_proto = 58;
		f->icmp6_type = 134;
		for (guint j = 0; host_addrs && j < host_addrs->len; j++)
			claim_flows(flows, port, &g_array_index(host_addrs, vnet_addr, j), NULL);
		for (guint j = 0; j < in->statics->len; j++) {
			const vnet_static_addr *st = in->statics->pdata[j];
			if (st->vlan != vlan || !vnet_mac_is_valid(st->mac))
				continue;
			claim_flows(flows, port, &st->addr, st->mac);
			if (g == VNET_GUARD_STRICT && st->addr.family == AF_INET &&
			    !g_hash_table_contains(strict, st->mac)) {
				g_hash_table_add(strict, st->mac);
				strict_flows(flows, port, st->mac);
			}
			if (g == VNET_GUARD_STRICT && st->addr.family == AF_INET6 &&
			    !g_hash_table_contains(strict6, st->mac)) {
				g_hash_table_add(strict6, st->mac);
				strict_flows6(flows, port, st->mac);
			}
		}
	}
	return flows;
}

/* ---- the connection ---- */

char *vnet_of_mgmt_path(const char *bridge)
{
	g_autofree char *dir = g_path_get_dirname(vnet_ovsdb_socket_path(NULL));

	return g_strdup_printf("%s/%s.mgmt", dir, bridge);
}

bool vnet_of_available(const char *bridge)
{
	g_autofree char *p = vnet_of_mgmt_path(bridge);

	return g_file_test(p, G_FILE_TEST_EXISTS) && !g_file_test(p, G_FILE_TEST_IS_REGULAR);
}

typedef struct of_conn {
	int fd;
	char *path;
	guint32 xid;
	GByteArray *in;
} of_conn;

static void of_conn_free(of_conn *c)
{
	if (!c)
		return;
	if (c->fd >= 0)
		close(c->fd);
	g_free(c->path);
	g_byte_array_unref(c->in);
	g_free(c);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(of_conn, of_conn_free)

/* How long ovs-vswitchd gets for one answer. */
#define OF_TIMEOUT_MS 10000

static bool io_failed(const of_conn *c, int e, GError **error)
{
	vnet_set_error(error, VNET_ERROR_FAILED,
		       _("The OpenFlow connection to Open vSwitch at %s failed: %s."), c->path, g_strerror(e));
	return false;
}

static bool send_bytes(of_conn *c, const GByteArray *m, GError **error)
{
	for (size_t off = 0; off < m->len;) {
		ssize_t n = send(c->fd, m->data + off, m->len - off, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return io_failed(c, errno, error);
		off += (size_t)n;
	}
	return true;
}

/*
 * The next message but echoes (answered) into @ret (whole); an ERROR that
 * answers anything is @error.
 */
static bool recv_msg(of_conn *c, GByteArray **ret, GError **error)
{
	for (;;) {
		guint8 type;
		guint32 xid;
		size_t n;
		struct pollfd p = { .fd = c->fd, .events = POLLIN };
		guint8 buf[16384];
		ssize_t got;
		GError *e = NULL;

		if (vnet_of_frame(c->in->data, c->in->len, &type, &xid, &n, &e)) {
			g_autoptr(GByteArray) m = NULL;
			if (e) {
				g_propagate_error(error, e);
				return false;
			}
			m = g_byte_array_sized_new((guint)n);
			g_byte_array_append(m, c->in->data, (guint)n);
			g_byte_array_remove_range(c->in, 0, (guint)n);
			if (type == VNET_OF_ECHO_REQUEST) {
				m->data[1] = VNET_OF_ECHO_REPLY;
				if (!send_bytes(c, m, error))
					return false;
				continue;
			}
			if (type == VNET_OF_ERROR) {
				g_autofree char *text = vnet_of_error_text(m->data, m->len);
				vnet_set_error(error, VNET_ERROR_FAILED, "%s", text);
				return false;
			}
			*ret = g_steal_pointer(&m);
			return true;
		}
		got = poll(&p, 1, OF_TIMEOUT_MS);
		if (got == 0)
			return io_failed(c, ETIMEDOUT, error);
		if (got > 0)
			got = recv(c->fd, buf, sizeof(buf), 0);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			return io_failed(c, errno, error);
		if (got == 0)
			return io_failed(c, ECONNRESET, error);
		g_byte_array_append(c->in, buf, (guint)got);
	}
}

static of_conn *of_connect(const char *bridge, GError **error)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	g_autoptr(of_conn) c = g_new0(of_conn, 1);
	g_autoptr(GByteArray) hello = g_byte_array_new();
	g_autoptr(GByteArray) m = NULL;

	c->fd = -1;
	c->path = vnet_of_mgmt_path(bridge);
	c->in = g_byte_array_new();
	if (strlen(c->path) >= sizeof(sun.sun_path)) {
		vnet_set_error(error, VNET_ERROR_INVALID,
			       _("The OpenFlow management socket path %s is too long."), c->path);
		return NULL;
	}
	memcpy(sun.sun_path, c->path, strlen(c->path) + 1);
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c->fd < 0 || connect(c->fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		vnet_set_error(error, VNET_ERROR_FAILED,
			       _("Cannot connect to the OpenFlow management socket %s of Open vSwitch bridge %s: %s. Is ovs-vswitchd running?"),
			       c->path, bridge, g_strerror(errno));
		return NULL;
	}
	vnet_of_encode_hello(hello, ++c->xid);
	if (!send_bytes(c, hello, error) || !recv_msg(c, &m, error))
		return NULL;
	if (m->data[1] != VNET_OF_HELLO) {
		vnet_set_error(error, VNET_ERROR_FAILED,
			       _("Open vSwitch bridge %s did not greet with an OpenFlow 1.3 HELLO; does it allow OpenFlow13 in its protocols?"),
			       bridge);
		return NULL;
	}
	return g_steal_pointer(&c);
}

/*
 * Read up to the reply of barrier @barrier_xid; the first ERROR is @error.
 * With @commit_xid, the reply that commits bundle @bundle_id must come
 * before it.
 */
static bool read_to_barrier(of_conn *c, guint32 barrier_xid, guint32 bundle_id, guint32 commit_xid, GError **error)
{
	bool committed = false;

	for (;;) {
		g_autoptr(GByteArray) r = NULL;
		guint32 id;
		guint16 type;
		if (!recv_msg(c, &r, error))
			return false;
		if (r->data[1] == VNET_OF_BARRIER_REPLY && get32(r->data + 4) == barrier_xid)
			break;
		if (!commit_xid || r->data[1] != VNET_OF_EXPERIMENTER || get32(r->data + 4) != commit_xid)
			continue;
		if (!vnet_of_parse_bundle_reply(r->data, r->len, &id, &type, error))
			return false;
		committed = id == bundle_id && type == VNET_OF_BUNDLE_COMMIT_REPLY;
	}
	if (commit_xid && !committed) {
		vnet_set_error(error, VNET_ERROR_FAILED,
			       _("Open vSwitch at %s did not confirm the commit of an atomic bundle of flows; does ovs-vswitchd support OpenFlow bundles?"),
			       c->path);
		return false;
	}
	return true;
}

/*
 * The FLOW_MODs @mods as one atomic bundle: Open vSwitch applies them all
 * or none, and between the delete and the adds no packet meets the port
 * unguarded.  Open vSwitch answers a message it refuses at once but keeps
 * the rest of the bundle, which a commit would then apply: so the commit
 * goes only after a barrier has shown every message taken.  A refusal, or
 * a connection lost before the commit, discards the bundle (closing the
 * connection does).  An error is the refused flow's.
 */
static bool send_bundle(of_conn *c, const GByteArray *mods, GError **error)
{
	g_autoptr(GByteArray) m = g_byte_array_new();
	guint32 bundle_id = ++c->xid, barrier_xid, commit_xid;

	vnet_of_encode_bundle(m, bundle_id, bundle_id, mods);
	barrier_xid = ++c->xid;
	vnet_of_encode_barrier(m, barrier_xid);
	if (!send_bytes(c, m, error) || !read_to_barrier(c, barrier_xid, bundle_id, 0, error))
		return false;
	g_byte_array_set_size(m, 0);
	commit_xid = ++c->xid;
	vnet_of_encode_bundle_ctrl(m, commit_xid, bundle_id, VNET_OF_BUNDLE_COMMIT_REQUEST,
				   VNET_OF_BUNDLE_ATOMIC | VNET_OF_BUNDLE_ORDERED);
	barrier_xid = ++c->xid;
	vnet_of_encode_barrier(m, barrier_xid);
	return send_bytes(c, m, error) && read_to_barrier(c, barrier_xid, bundle_id, commit_xid, error);
}

#ifdef VNET_TEST_FAULTS
/*
 * VNET_TEST_OF_BAD_FLOW set: a last flow that Open vSwitch refuses, to
 * show that the replacement is all or nothing.  "commit": refused only when
 * the bundle commits (it overlaps the bridge's NORMAL flow and asks
 * OFPFF_CHECK_OVERLAP); anything else: refused as it is added (an IPv4
 * source without its prerequisite eth_type).
 */
static void injected_bad_flow(GByteArray *mods, guint32 xid, guint64 cookie)
{
	static const guint8 src4[] = { 0x80, 0x00, OXM_IPV4_SRC << 1, 4, 10, 0, 0, 1 };
	static const guint8 ip[] = { 0x80, 0x00, OXM_ETH_TYPE << 1, 2, 0x08, 0x00 };
	const char *env = g_getenv("VNET_TEST_OF_BAD_FLOW");
	guint at = mods->len;

	if (!env)
		return;
	if (strcmp(env, "commit") != 0) {
		vnet_of_encode_add_raw(mods, xid, cookie, 1, src4, sizeof(src4), NULL, 0);
		return;
	}
	vnet_of_encode_add_raw(mods, xid, cookie, 0, ip, sizeof(ip), NULL, 0);
	mods->data[at + 45] |= 2;	/* flags: OFPFF_CHECK_OVERLAP */
}
#endif

bool vnet_of_replace(const char *bridge, guint64 cookie, const GPtrArray *flows, GError **error)
{
	g_autoptr(of_conn) c = of_connect(bridge, error);
	g_autoptr(GByteArray) m = g_byte_array_new();

	if (!c)
		return false;
	vnet_of_encode_delete(m, ++c->xid, cookie);
	for (guint i = 0; flows && i < flows->len; i++)
		vnet_of_encode_add(m, ++c->xid, cookie, flows->pdata[i]);
#ifdef VNET_TEST_FAULTS
	injected_bad_flow(m, ++c->xid, cookie);
#endif
	return send_bundle(c, m, error);
}

static GPtrArray *read_stats(of_conn *c, guint64 cookie, GError **error)
{
	g_autoptr(GPtrArray) stats = g_ptr_array_new_with_free_func((GDestroyNotify)vnet_of_stat_free);
	g_autoptr(GByteArray) m = g_byte_array_new();
	guint32 xid = ++c->xid;
	bool more = true;

	vnet_of_encode_flow_stats(m, xid, cookie);
	if (!send_bytes(c, m, error))
		return NULL;
	while (more) {
		g_autoptr(GByteArray) r = NULL;
		if (!recv_msg(c, &r, error))
			return NULL;
		if (r->data[1] != VNET_OF_MULTIPART_REPLY || get32(r->data + 4) != xid)
			continue;
		if (!vnet_of_parse_flow_stats(r->data, r->len, stats, &more, error))
			return NULL;
	}
	return g_steal_pointer(&stats);
}

GPtrArray *vnet_of_read(const char *bridge, guint64 cookie, GError **error)
{
	g_autoptr(of_conn) c = of_connect(bridge, error);

	return c ? read_stats(c, cookie, error) : NULL;
}

static char *hex(GBytes *b)
{
	gsize n;
	const guint8 *p = g_bytes_get_data(b, &n);
	GString *s = g_string_sized_new(n * 2 + 1);

	for (gsize i = 0; i < n; i++)
		g_string_append_printf(s, "%02x", p[i]);
	if (!n)
		g_string_append_c(s, '-');
	return g_string_free(s, FALSE);
}

bool vnet_of_save(const char *bridge, guint64 cookie, char **ret_text, GError **error)
{
	g_autoptr(GPtrArray) stats = vnet_of_read(bridge, cookie, error);
	GString *s;

	if (!stats)
		return false;
	s = g_string_new(NULL);
	for (guint i = 0; i < stats->len; i++) {
		const vnet_of_stat *st = stats->pdata[i];
		g_autofree char *m = hex(st->match), *ins = hex(st->instr);
		g_string_append_printf(s, "%u %s %s\n", st->priority, m, ins);
	}
	*ret_text = g_string_free(s, FALSE);
	return true;
}

static GByteArray *unhex(const char *s)
{
	GByteArray *b = g_byte_array_new();

	if (strcmp(s, "-") == 0)
		return b;
	for (; g_ascii_isxdigit(s[0]) && g_ascii_isxdigit(s[1]); s += 2) {
		guint8 v = (guint8)(g_ascii_xdigit_value(s[0]) << 4 | g_ascii_xdigit_value(s[1]));
		g_byte_array_append(b, &v, 1);
	}
	return b;
}

bool vnet_of_restore(const char *bridge, guint64 cookie, const char *text, GError **error)
{
	g_autoptr(of_conn) c = of_connect(bridge, error);
	g_autoptr(GByteArray) m = g_byte_array_new();
	g_auto(GStrv) lines = g_strsplit(text ? text : "", "\n", -1);

	if (!c)
		return false;
	vnet_of_encode_delete(m, ++c->xid, cookie);
	for (guint i = 0; lines[i]; i++) {
		g_auto(GStrv) f = g_strsplit(lines[i], " ", 3);
		g_autoptr(GByteArray) match = NULL, ins = NULL;
		guint64 prio;
		if (g_strv_length(f) != 3 || !g_ascii_string_to_unsigned(f[0], 10, 0, G_MAXUINT16, &prio, NULL))
			continue;
		match = unhex(f[1]);
		ins = unhex(f[2]);
		vnet_of_encode_add_raw(m, ++c->xid, cookie, (guint16)prio, match->data, match->len, ins->data, ins->len);
	}
	return send_bundle(c, m, error);
}
