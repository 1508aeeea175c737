/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * trace: see trace.h.  The listener subscribes before the chains exist, so
 * the first connection is never missed.  A packet is ours when its first
 * event comes from the rule in our trace chain; every later event with the
 * same trace id (the kernel's per-skb pseudo-id, the same on every hook) is
 * that packet's.  Rule handles are resolved from `nft -a -t list ruleset`,
 * read again when an event names a handle or chain not seen yet: the JSON
 * listing holds no rule text, and nft's own rendering is what users know.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <libmnl/libmnl.h>
#include <libnftnl/trace.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>

#include "context.h"
#include "trace.h"
#include "util.h"

#define DEFAULT_SECONDS 30
#define MAX_SECONDS 86400
/* A netlink read: many trace events at once. */
#define TRACE_BUF_SIZE 65536

/* ------------------------------------------------------------ arguments */

bool vnet_trace_check_args(const char *spec, const char *seconds, guint *ret_seconds, GError **error)
{
	g_autoptr(vnet_forward) f = NULL;
	guint64 n = DEFAULT_SECONDS;

	if (spec && !(f = vnet_forward_parse(spec, error)))
		return false;
	if (seconds && (!g_ascii_string_to_unsigned(seconds, 10, 1, MAX_SECONDS, &n, NULL))) {
		vnet_set_error(error, VNET_ERROR_INVALID,
			       _("\"%s\" is not a number of seconds from 1 to %u."), seconds, MAX_SECONDS);
		return false;
	}
	if (ret_seconds)
		*ret_seconds = (guint)n;
	return true;
}

const vnet_forward *vnet_trace_find_forward(const vnet_intent *in, const char *spec, GError **error)
{
	g_autoptr(vnet_forward) f = vnet_forward_parse(spec, error);
	g_autoptr(GString) list = g_string_new(NULL);

	if (!f)
		return NULL;
	for (guint i = 0; i < in->forwards->len; i++) {
		const vnet_forward *o = in->forwards->pdata[i];
		g_autofree char *s = vnet_forward_format(o);
		if (vnet_forward_same_host_side(o, f))
			return o;
		g_string_append_printf(list, "%s%s", list->len ? ", " : "", s);
	}
	if (list->len == 0)
		vnet_set_error(error, VNET_ERROR_NOT_FOUND,
			       _("Network \"%s\" has no forwards, so there is no forward \"%s\" to trace; add one with \"vnetctl forward add %s SPEC\"."),
			       in->name, spec, in->name);
	else
		vnet_set_error(error, VNET_ERROR_NOT_FOUND,
			       _("Network \"%s\" has no forward \"%s\"; its forwards are: %s."),
			       in->name, spec, list->str);
	return NULL;
}

/* --------------------------------------------------------------- chains */

/* Field 22 of /proc/PID/stat, the start time, after the command's ")". */
static bool start_time(const char *pid, guint64 *ret)
{
	g_autofree char *path = g_strdup_printf("/proc/%s/stat", pid);
	g_autofree char *text = NULL;
	g_auto(GStrv) f = NULL;
	const char *p;

	if (!g_file_get_contents(path, &text, NULL, NULL) || !(p = strrchr(text, ')')))
		return false;
	f = g_strsplit(p + 1, " ", 0);
	/* f[0] is "" (the space after ")"), f[1] the state (field 3): field 22 is f[20] */
	return g_strv_length(f) > 20 && g_ascii_string_to_unsigned(f[20], 10, 0, G_MAXUINT64, ret, NULL);
}

/*
 * "trace_PID_START" for this process, as /proc names it: in a PID namespace
 * of its own, getpid() and the /proc of the host could disagree.
 */
char *vnet_trace_chain_base(void)
{
	g_autofree char *pid = g_file_read_link("/proc/self", NULL);
	guint64 start;

	if (!pid || !start_time(pid, &start))
		return g_strdup_printf(VNET_NFT_TRACE_PREFIX "%d_0", (int)getpid());
	return g_strdup_printf(VNET_NFT_TRACE_PREFIX "%s_%" G_GUINT64_FORMAT, pid, start);
}

bool vnet_trace_chain_is_stale(const char *chain)
{
	g_auto(GStrv) f = NULL;
	guint64 pid, start, now;

	if (!g_str_has_prefix(chain, VNET_NFT_TRACE_PREFIX))
		return false;
	f = g_strsplit(chain + strlen(VNET_NFT_TRACE_PREFIX), "_", 0);
	/* Not one of the form we make: ours by its prefix, owned by nobody alive. */
	if (g_strv_length(f) != 3 || !g_ascii_string_to_unsigned(f[0], 10, 1, G_MAXINT, &pid, NULL) ||
	    !g_ascii_string_to_unsigned(f[1], 10, 0, G_MAXUINT64, &start, NULL))
		return true;
	return !start_time(f[0], &now) || now != start;
}

static void append_delete(GString *s, const char *chain)
{
	g_string_append_printf(s, "flush chain " VNET_NFT_FAMILY " " VNET_NFT_TABLE " %s\n"
			       "delete chain " VNET_NFT_FAMILY " " VNET_NFT_TABLE " %s\n", chain, chain);
}

/* Delete our table's trace chains that @pred accepts (the names it has are checked by nft). */
static bool remove_chains(vnet_nft *nft, bool (*pred)(const char *chain, gpointer data), gpointer data,
			  GError **error)
{
	g_autofree char *text = NULL;
	g_autoptr(vnet_trace_rules) r = NULL;
	g_autoptr(GPtrArray) chains = NULL;
	g_autoptr(GString) cmds = g_string_new(NULL);

	if (!vnet_nft_list_text(nft, true, &text, error))
		return false;
	r = vnet_trace_rules_parse(text);
	chains = vnet_trace_rules_chains(r, VNET_NFT_FAMILY, VNET_NFT_TABLE);
	for (guint i = 0; i < chains->len; i++) {
		const char *c = chains->pdata[i];
		if (g_str_has_prefix(c, VNET_NFT_TRACE_PREFIX) && vnet_name_is_valid(c, 256) && pred(c, data))
			append_delete(cmds, c);
	}
	return cmds->len == 0 || vnet_nft_run_chains(nft, cmds->str, NULL, error);
}

static bool stale_pred(const char *chain, gpointer data)
{
	return vnet_trace_chain_is_stale(chain);
}

bool vnet_trace_remove_stale(vnet_nft *nft, GError **error)
{
	return remove_chains(nft, stale_pred, NULL, error);
}

static bool own_pred(const char *chain, gpointer data)
{
	return g_str_has_prefix(chain, data) && chain[strlen(data)] == '_';
}

char *vnet_trace_chain_commands(const char *chain, const char *hook, const char *network,
				const vnet_forward *f)
{
	GString *s = g_string_new(NULL);
	g_autofree char *host = f->has_host_addr ? vnet_addr_format(&f->host_addr) : NULL;
	g_autofree char *ports = f->host_port_end != f->host_port
					 ? g_strdup_printf("%u-%u", f->host_port, f->host_port_end)
					 : g_strdup_printf("%u", f->host_port);
	const char *proto = vnet_proto_to_string(f->proto);
	bool v6 = f->family == AF_INET6;

	g_string_append_printf(s, "add chain " VNET_NFT_FAMILY " " VNET_NFT_TABLE
			       " %s { type filter hook %s priority %d; policy accept; comment \"vnetctl trace of network %s, removed when it ends\"; }\n",
			       chain, hook, VNET_TRACE_PRIORITY, network);
	g_string_append_printf(s, "add rule " VNET_NFT_FAMILY " " VNET_NFT_TABLE " %s meta nfproto %s ",
			       chain, v6 ? "ipv6" : "ipv4");
	if (host)
		g_string_append_printf(s, "%s daddr %s ", v6 ? "ip6" : "ip", host);
	else	/* as the DNAT rules: a forward is to the host's own addresses */
		g_string_append(s, "fib daddr type local ");
	g_string_append_printf(s, "%s dport %s ", proto, ports);
	/*
	 * Conntrack has not run yet at this priority (ct state would be
	 * invalid): a new TCP connection is its SYN.  UDP and SCTP are traced
	 * packet by packet.
	 */
	if (f->proto == VNET_PROTO_TCP)
		g_string_append(s, "tcp flags & (fin | syn | rst | ack) == syn ");
	g_string_append(s, "meta nftrace set 1\n");
	return g_string_free(s, FALSE);
}

/* ---------------------------------------------------------------- rules */

struct vnet_trace_rules {
	GHashTable *rules;	/* "FAMILY TABLE CHAIN HANDLE" -> text */
	GHashTable *hooks;	/* "FAMILY TABLE CHAIN" -> hook, "" for a regular chain */
	GPtrArray *chains;	/* "FAMILY TABLE CHAIN" in listing order */
};

void vnet_trace_rules_free(vnet_trace_rules *r)
{
	if (!r)
		return;
	g_hash_table_unref(r->rules);
	g_hash_table_unref(r->hooks);
	g_ptr_array_unref(r->chains);
	g_free(r);
}

/* A name as nft prints it, quoted when it has to be. */
static char *unquote(const char *s)
{
	size_t n = strlen(s);

	if (n >= 2 && s[0] == '"' && s[n - 1] == '"')
		return g_strndup(s + 1, n - 2);
	return g_strdup(s);
}

/* The braces of @line outside strings: opened minus closed. */
static int brace_balance(const char *line)
{
	bool quoted = false;
	int n = 0;

	for (const char *p = line; *p; p++) {
		if (*p == '"')
			quoted = !quoted;
		else if (!quoted && *p == '{')
			n++;
		else if (!quoted && *p == '}')
			n--;
	}
	return n;
}

/* @line split at blanks: nft separates a listing's words by one space. */
static char **words(const char *line)
{
	return g_strsplit_set(line, " \t", 0);
}

vnet_trace_rules *vnet_trace_rules_parse(const char *text)
{
	vnet_trace_rules *r = g_new0(vnet_trace_rules, 1);
	g_auto(GStrv) lines = g_strsplit(text ? text : "", "\n", 0);
	g_autofree char *family = NULL, *table = NULL, *chain = NULL;
	int depth = 0;

	r->rules = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	r->hooks = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	r->chains = g_ptr_array_new_with_free_func(g_free);
	for (guint i = 0; lines[i]; i++) {
		g_autofree char *line = g_strstrip(g_strdup(lines[i]));
		g_auto(GStrv) w = words(line);
		guint nw = g_strv_length(w);
		const char *h;

		if (depth == 0 && nw >= 3 && g_str_equal(w[0], "table")) {
			g_free(family);
			g_free(table);
			family = g_strdup(w[1]);
			table = unquote(w[2]);
		} else if (depth == 1 && table && nw >= 2 && g_str_equal(w[0], "chain")) {
			char *key;
			g_free(chain);
			chain = unquote(w[1]);
			key = g_strdup_printf("%s %s %s", family, table, chain);
			g_ptr_array_add(r->chains, g_strdup(key));
			g_hash_table_replace(r->hooks, key, g_strdup(""));
		} else if (depth == 2 && chain && g_str_has_prefix(line, "type ") && (h = strstr(line, " hook "))) {
			g_auto(GStrv) hw = words(h + strlen(" hook "));
			g_hash_table_replace(r->hooks, g_strdup_printf("%s %s %s", family, table, chain),
					     g_strdup(hw[0]));
		} else if (depth == 2 && chain && (h = g_strrstr(line, " # handle "))) {
			guint64 handle;
			if (g_ascii_string_to_unsigned(h + strlen(" # handle "), 10, 1, G_MAXUINT64, &handle, NULL))
				g_hash_table_replace(r->rules,
						     g_strdup_printf("%s %s %s %" G_GUINT64_FORMAT, family, table,
								     chain, handle),
						     g_strndup(line, h - line));
		}
		depth += brace_balance(line);
		if (depth < 2)
			g_clear_pointer(&chain, g_free);
		if (depth < 1)
			g_clear_pointer(&table, g_free);
		if (depth < 0)
			depth = 0;
	}
	return r;
}

const char *vnet_trace_rules_rule(const vnet_trace_rules *r, const char *family, const char *table,
				  const char *chain, guint64 handle)
{
	g_autofree char *key = g_strdup_printf("%s %s %s %" G_GUINT64_FORMAT, family, table, chain, handle);

	return g_hash_table_lookup(r->rules, key);
}

const char *vnet_trace_rules_hook(const vnet_trace_rules *r, const char *family, const char *table,
				  const char *chain)
{
	g_autofree char *key = g_strdup_printf("%s %s %s", family, table, chain);

	return g_hash_table_lookup(r->hooks, key);
}

GPtrArray *vnet_trace_rules_chains(const vnet_trace_rules *r, const char *family, const char *table)
{
	g_autofree char *prefix = g_strdup_printf("%s %s ", family, table);
	GPtrArray *out = g_ptr_array_new_with_free_func(g_free);

	for (guint i = 0; i < r->chains->len; i++)
		if (g_str_has_prefix(r->chains->pdata[i], prefix))
			g_ptr_array_add(out, g_strdup((const char *)r->chains->pdata[i] + strlen(prefix)));
	return out;
}

/* --------------------------------------------------------------- packets */

static const char *l4_name(guint8 proto)
{
	switch (proto) {
	case IPPROTO_TCP:
		return "tcp";
	case IPPROTO_UDP:
		return "udp";
	case IPPROTO_SCTP:
		return "sctp";
	case IPPROTO_ICMP:
		return "icmp";
	case IPPROTO_ICMPV6:
		return "icmpv6";
	default:
		return NULL;
	}
}

char *vnet_trace_packet_summary(const guint8 *nh, size_t nh_len, const guint8 *th, size_t th_len)
{
	char src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN];
	const char *name;
	guint8 proto;
	bool v6;

	if (!nh || nh_len < 20)
		return NULL;
	v6 = (nh[0] >> 4) == 6;
	if (v6 ? nh_len < 40 : (nh[0] >> 4) != 4)
		return NULL;
	proto = v6 ? nh[6] : nh[9];
	inet_ntop(v6 ? AF_INET6 : AF_INET, nh + (v6 ? 8 : 12), src, sizeof(src));
	inet_ntop(v6 ? AF_INET6 : AF_INET, nh + (v6 ? 24 : 16), dst, sizeof(dst));
	name = l4_name(proto);
	if ((proto == IPPROTO_TCP || proto == IPPROTO_UDP || proto == IPPROTO_SCTP) && th && th_len >= 4) {
		guint sport = (guint)th[0] << 8 | th[1], dport = (guint)th[2] << 8 | th[3];
		return v6 ? g_strdup_printf("%s [%s]:%u -> [%s]:%u", name, src, sport, dst, dport)
			  : g_strdup_printf("%s %s:%u -> %s:%u", name, src, sport, dst, dport);
	}
	if (name)
		return g_strdup_printf("%s %s -> %s", name, src, dst);
	return g_strdup_printf("%s %u %s -> %s", v6 ? "ip6 nexthdr" : "ip protocol", proto, src, dst);
}

/* ---------------------------------------------------------------- events */

struct vnet_trace_event {
	guint connection, attempt;
	const char *family, *table, *chain, *hook;
	const char *rule;
	bool policy;
	const char *verdict, *target, *packet;
};

guint vnet_trace_event_get_connection(const vnet_trace_event *e) { return e->connection; }
guint vnet_trace_event_get_attempt(const vnet_trace_event *e) { return e->attempt; }
const char *vnet_trace_event_get_family(const vnet_trace_event *e) { return e->family; }
const char *vnet_trace_event_get_table(const vnet_trace_event *e) { return e->table; }
const char *vnet_trace_event_get_chain(const vnet_trace_event *e) { return e->chain; }
const char *vnet_trace_event_get_hook(const vnet_trace_event *e) { return e->hook; }
const char *vnet_trace_event_get_rule(const vnet_trace_event *e) { return e->rule; }
bool vnet_trace_event_is_policy(const vnet_trace_event *e) { return e->policy; }
const char *vnet_trace_event_get_verdict(const vnet_trace_event *e) { return e->verdict; }
const char *vnet_trace_event_get_target(const vnet_trace_event *e) { return e->target; }
const char *vnet_trace_event_get_packet(const vnet_trace_event *e) { return e->packet; }

static const char *family_name(guint32 f)
{
	switch (f) {
	case NFPROTO_INET:
		return "inet";
	case NFPROTO_IPV4:
		return "ip";
	case NFPROTO_IPV6:
		return "ip6";
	case NFPROTO_ARP:
		return "arp";
	case NFPROTO_BRIDGE:
		return "bridge";
	case NFPROTO_NETDEV:
		return "netdev";
	default:
		return "unknown";
	}
}

static const char *verdict_name(guint32 code)
{
	gint32 v = (gint32)code;

	if (v >= 0)
		v &= NF_VERDICT_MASK;	/* a queue verdict carries its queue number above */
	switch (v) {
	case NF_DROP:
		return "drop";
	case NF_ACCEPT:
		return "accept";
	case NF_STOLEN:
		return "stolen";
	case NF_QUEUE:
		return "queue";
	case NF_REPEAT:
		return "repeat";
	case NFT_CONTINUE:
		return "continue";
	case NFT_BREAK:
		return "break";
	case NFT_JUMP:
		return "jump";
	case NFT_GOTO:
		return "goto";
	case NFT_RETURN:
		return "return";
	default:
		return "unknown";
	}
}

typedef struct packet {
	guint connection;
	guint attempt;	/* 1, then 2 for the same connection's first packet sent again, ... */
	char *summary;	/* as the last chain that sent headers saw it */
} packet;

static void packet_free(packet *p)
{
	g_free(p->summary);
	g_free(p);
}

typedef struct trace_run {
	vnet_nft *nft;
	const char *pre, *out;	/* our chains */
	GPtrArray *all;		/* packet *, owned */
	GHashTable *packets;	/* trace id -> packet */
	GHashTable *flows;	/* the first packet's summary -> its latest packet */
	packet *pending;	/* the packet our rule just traced, while it is in our chain */
	GHashTable *reread;	/* the keys the ruleset was read again for */
	vnet_trace_rules *rules;
	guint connections;
	vnet_trace_func func;
	void *user_data;
	bool stop;
	char *buf;	/* TRACE_BUF_SIZE */
} trace_run;

static void reread_rules(trace_run *t, const char *key)
{
	g_autofree char *text = NULL;

	/* Once per key: a rule deleted meanwhile must not cost a listing per packet. */
	if (!g_hash_table_add(t->reread, g_strdup(key)) || !vnet_nft_list_text(t->nft, false, &text, NULL))
		return;
	vnet_trace_rules_free(t->rules);
	t->rules = vnet_trace_rules_parse(text);
}

/* The packet as the event's headers show it, or NULL if it carries none. */
static char *packet_summary(const struct nftnl_trace *nlt)
{
	uint32_t nh_len = 0, th_len = 0;
	const void *nh = nftnl_trace_get_data(nlt, NFTNL_TRACE_NETWORK_HEADER, &nh_len);
	const void *th = nftnl_trace_get_data(nlt, NFTNL_TRACE_TRANSPORT_HEADER, &th_len);

	return nh ? vnet_trace_packet_summary(nh, nh_len, th, th ? th_len : 0) : NULL;
}

static void on_trace(trace_run *t, const struct nftnl_trace *nlt)
{
	vnet_trace_event e = { 0 };
	guint32 id = nftnl_trace_get_u32(nlt, NFTNL_TRACE_ID);
	guint32 type = nftnl_trace_get_u32(nlt, NFTNL_TRACE_TYPE);
	g_autofree char *handle_text = NULL;
	char *summary;
	bool ours;
	packet *p;

	e.family = family_name(nftnl_trace_get_u32(nlt, NFTNL_TRACE_FAMILY));
	e.table = nftnl_trace_get_str(nlt, NFTNL_TRACE_TABLE);
	e.chain = nftnl_trace_get_str(nlt, NFTNL_TRACE_CHAIN);
	if (!e.table || !e.chain)
		return;
	ours = g_str_equal(e.family, VNET_NFT_FAMILY) && g_str_equal(e.table, VNET_NFT_TABLE) &&
	       (g_str_equal(e.chain, t->pre) || g_str_equal(e.chain, t->out));
	p = g_hash_table_lookup(t->packets, GUINT_TO_POINTER(id));
	if (ours && type == NFT_TRACETYPE_RULE && nftnl_trace_is_set(nlt, NFTNL_TRACE_RULE_HANDLE)) {
		/*
		 * Our rule set nftrace: a new packet, whatever this id meant
		 * before; of a connection seen before if it has its addresses and
		 * ports (a SYN sent again because nothing answered).
		 */
		g_autofree char *s = packet_summary(nlt);
		packet *prev = s ? g_hash_table_lookup(t->flows, s) : NULL;
		p = g_new0(packet, 1);
		p->connection = prev ? prev->connection : ++t->connections;
		p->attempt = prev ? prev->attempt + 1 : 1;
		g_ptr_array_add(t->all, p);
		if (s)
			g_hash_table_replace(t->flows, g_strdup(s), p);
		g_hash_table_replace(t->packets, GUINT_TO_POINTER(id), p);
		t->pending = p;
	} else if (!p && ours && t->pending) {
		/*
		 * The event of the rule that set nftrace may carry another id than
		 * the packet's later events (kernel 6.18 computes it before the
		 * packet is traced): the first unknown id in our chain after it is
		 * that packet's.
		 */
		p = t->pending;
		g_hash_table_replace(t->packets, GUINT_TO_POINTER(id), p);
		t->pending = NULL;
	} else if (!p) {
		return;	/* another's packet: someone else set nftrace */
	}
	if (!ours && p == t->pending)
		t->pending = NULL;	/* it has left our chain: nothing more to pair */
	if ((summary = packet_summary(nlt))) {
		g_free(p->summary);
		p->summary = summary;
	}
	e.connection = p->connection;
	e.attempt = p->attempt;
	e.packet = p->summary;
	/* A rule event without a rule only carries the packet (nft monitor shows no rule either). */
	if (type == NFT_TRACETYPE_RULE && !nftnl_trace_is_set(nlt, NFTNL_TRACE_RULE_HANDLE))
		return;

	if (!vnet_trace_rules_hook(t->rules, e.family, e.table, e.chain)) {
		g_autofree char *key = g_strdup_printf("%s %s %s", e.family, e.table, e.chain);
		reread_rules(t, key);
	}
	if (type == NFT_TRACETYPE_RULE &&
	    !vnet_trace_rules_rule(t->rules, e.family, e.table, e.chain,
				   nftnl_trace_get_u64(nlt, NFTNL_TRACE_RULE_HANDLE))) {
		g_autofree char *key = g_strdup_printf("%s %s %s %" G_GUINT64_FORMAT, e.family, e.table, e.chain,
						       nftnl_trace_get_u64(nlt, NFTNL_TRACE_RULE_HANDLE));
		reread_rules(t, key);
	}
	/* Looked up only now: a read of the ruleset again frees what was read before. */
	e.hook = vnet_trace_rules_hook(t->rules, e.family, e.table, e.chain);
	if (e.hook && !*e.hook)
		e.hook = NULL;
	switch (type) {
	case NFT_TRACETYPE_RULE: {
		guint64 h = nftnl_trace_get_u64(nlt, NFTNL_TRACE_RULE_HANDLE);
		e.rule = vnet_trace_rules_rule(t->rules, e.family, e.table, e.chain, h);
		if (!e.rule)
			e.rule = handle_text = g_strdup_printf("handle %" G_GUINT64_FORMAT, h);
		e.verdict = verdict_name(nftnl_trace_get_u32(nlt, NFTNL_TRACE_VERDICT));
		if (nftnl_trace_is_set(nlt, NFTNL_TRACE_JUMP_TARGET))
			e.target = nftnl_trace_get_str(nlt, NFTNL_TRACE_JUMP_TARGET);
		break;
	}
	case NFT_TRACETYPE_POLICY:
		e.policy = true;
		e.verdict = verdict_name(nftnl_trace_get_u32(nlt, NFTNL_TRACE_POLICY));
		break;
	case NFT_TRACETYPE_RETURN:
		e.verdict = "return";
		break;
	default:
		return;
	}
	if (!t->func(&e, t->user_data))
		t->stop = true;
}

static int on_message(const struct nlmsghdr *nlh, void *data)
{
	trace_run *t = data;
	struct nftnl_trace *nlt;

	if (NFNL_SUBSYS_ID(nlh->nlmsg_type) != NFNL_SUBSYS_NFTABLES ||
	    NFNL_MSG_TYPE(nlh->nlmsg_type) != NFT_MSG_TRACE || t->stop)
		return MNL_CB_OK;
	if (!(nlt = nftnl_trace_alloc()))
		return MNL_CB_OK;
	if (nftnl_trace_nlmsg_parse(nlh, nlt) == 0)
		on_trace(t, nlt);
	nftnl_trace_free(nlt);
	return MNL_CB_OK;
}

/* ----------------------------------------------------------------- run */

static struct mnl_socket *listen_traces(GError **error)
{
	struct mnl_socket *nl = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC | SOCK_NONBLOCK);
	int group = NFNLGRP_NFTRACE, size = 4 << 20;

	if (nl && mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) == 0 &&
	    mnl_socket_setsockopt(nl, NETLINK_ADD_MEMBERSHIP, &group, sizeof(group)) == 0) {
		/* A burst of events must not overflow the default buffer; best effort. */
		if (setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) != 0)
			setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
		return nl;
	}
	vnet_set_error(error, VNET_ERROR_FAILED,
		       _("Cannot listen for the kernel's nftables trace events: %s. Run vnetctl trace as root."),
		       g_strerror(errno));
	if (nl)
		mnl_socket_close(nl);
	return NULL;
}

/* Read what the socket holds; false on an error other than a lost burst. */
static bool read_traces(struct mnl_socket *nl, trace_run *t, GError **error)
{
	while (!t->stop) {
		ssize_t n = mnl_socket_recvfrom(nl, t->buf, TRACE_BUF_SIZE);
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return true;
		if (n < 0 && (errno == ENOBUFS || errno == EINTR))
			continue;	/* events lost in a burst: the trace goes on */
		if (n < 0) {
			vnet_set_error(error, VNET_ERROR_FAILED,
				       _("Reading the kernel's nftables trace events failed: %s."), g_strerror(errno));
			return false;
		}
		mnl_cb_run(t->buf, n, 0, 0, on_message, t);
	}
	return true;
}

/* Wait for events until @deadline (monotonic µs), a held signal, or the callback says stop. */
static bool listen_loop(struct mnl_socket *nl, int sfd, gint64 deadline, trace_run *t, GError **error)
{
	while (!t->stop) {
		gint64 left = deadline - g_get_monotonic_time();
		struct pollfd fds[2] = {
			{ .fd = mnl_socket_get_fd(nl), .events = POLLIN },
			{ .fd = sfd, .events = POLLIN },
		};
		int rc;

		if (left <= 0)
			break;
		rc = poll(fds, 2, (int)MIN(left / 1000 + 1, G_MAXINT));
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc < 0) {
			vnet_set_error(error, VNET_ERROR_FAILED,
				       _("Waiting for the kernel's nftables trace events failed: %s."), g_strerror(errno));
			return false;
		}
		if (fds[0].revents && !read_traces(nl, t, error))
			return false;
		if (fds[1].revents) {
			struct signalfd_siginfo si;
			if (read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si))
				break;	/* Ctrl-C or kill: the trace ends, and cleans up */
		}
	}
	return true;
}

/* Take our chains out again, and the table if the trace made it and nothing else is in it. */
static bool remove_own(vnet_ctx *ctx, const char *base, bool created, GError **error)
{
	vnet_nft *nft = vnet_ctx_nft(ctx);
	g_autoptr(GError) lock_error = NULL;

	if (!remove_chains(nft, own_pred, (gpointer)base, error))
		return false;
	if (!created)
		return true;
	/* A create that ran meanwhile may have filled it: only under the lock. */
	if (!vnet_ctx_lock(ctx, &lock_error))
		return true;
	if (vnet_nft_table_removable(nft) && !vnet_nft_delete_table(nft, error)) {
		vnet_ctx_unlock(ctx);
		return false;
	}
	vnet_ctx_unlock(ctx);
	return true;
}

static bool add_own(vnet_ctx *ctx, const char *network, const vnet_forward *f, const char *pre,
		    const char *out, bool *ret_created, GError **error)
{
	g_autofree char *a = vnet_trace_chain_commands(pre, "prerouting", network, f);
	g_autofree char *b = vnet_trace_chain_commands(out, "output", network, f);
	g_autofree char *cmds = g_strconcat(a, b, NULL);
	bool ok;

	if (!vnet_ctx_begin(ctx, error))
		return false;
	ok = vnet_trace_remove_stale(vnet_ctx_nft(ctx), error) &&
	     vnet_nft_run_chains(vnet_ctx_nft(ctx), cmds, ret_created, error);
	vnet_ctx_unlock(ctx);
	return ok;
}

bool vnet_ctx_trace(vnet_ctx *ctx, const char *name, const char *spec, guint seconds,
		    vnet_trace_func func, void *user_data, GError **error)
{
	g_autoptr(vnet_intent) in = NULL;
	g_autofree char *base = vnet_trace_chain_base();
	g_autofree char *pre = g_strconcat(base, "_pre", NULL);
	g_autofree char *out = g_strconcat(base, "_out", NULL);
	g_autoptr(GError) first = NULL;
	const vnet_forward *f;
	struct mnl_socket *nl;
	sigset_t held, old;
	bool created = false, ok;
	int sfd;
	trace_run t = { .pre = pre, .out = out, .func = func, .user_data = user_data };

	if (!spec) {
		vnet_set_error(error, VNET_ERROR_INVALID, _("Name the forward to trace, as \"vnetctl show\" lists it."));
		return false;
	}
	if (!vnet_trace_check_args(spec, NULL, NULL, error))
		return false;
	if (seconds == 0 || seconds > MAX_SECONDS) {
		vnet_set_error(error, VNET_ERROR_INVALID,
			       _("A trace lasts from 1 to %u seconds, not %u."), MAX_SECONDS, seconds);
		return false;
	}
	if (!(in = vnet_ctx_get(ctx, name, NULL, error)) || !(f = vnet_trace_find_forward(in, spec, error)))
		return false;
	if (!vnet_ctx_is_local(ctx)) {
		vnet_set_error(error, VNET_ERROR_INVALID,
			       _("trace watches this host's firewall, but the connection is to another host; run it there."));
		return false;
	}

	sigemptyset(&held);
	sigaddset(&held, SIGINT);
	sigaddset(&held, SIGTERM);
	sigaddset(&held, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &held, &old);
	sfd = signalfd(-1, &held, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sfd < 0) {
		vnet_set_error(error, VNET_ERROR_FAILED, _("Cannot watch for signals: %s."), g_strerror(errno));
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		return false;
	}
	/* Listening first: the first connection after the chains exist is seen. */
	if (!(nl = listen_traces(error))) {
		close(sfd);
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		return false;
	}
	t.nft = vnet_ctx_nft(ctx);
	t.all = g_ptr_array_new_with_free_func((GDestroyNotify)packet_free);
	t.packets = g_hash_table_new(g_direct_hash, g_direct_equal);
	t.flows = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	t.reread = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	t.buf = g_malloc(TRACE_BUF_SIZE);
	ok = add_own(ctx, in->name, f, pre, out, &created, &first);
	if (ok) {
		g_autofree char *text = NULL;
		t.rules = vnet_trace_rules_parse(vnet_nft_list_text(t.nft, false, &text, NULL) ? text : "");
		ok = listen_loop(nl, sfd, g_get_monotonic_time() + (gint64)seconds * G_USEC_PER_SEC, &t, &first);
		/* The chains go whatever happened; the first error is the one reported. */
		if (!remove_own(ctx, base, created, first ? NULL : &first))
			ok = false;
	}
	mnl_socket_close(nl);
	close(sfd);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	g_hash_table_unref(t.packets);
	g_hash_table_unref(t.flows);
	g_ptr_array_unref(t.all);
	g_hash_table_unref(t.reread);
	vnet_trace_rules_free(t.rules);
	g_free(t.buf);
	if (!ok)
		g_propagate_error(error, g_steal_pointer(&first));
	return ok;
}
