/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * nft: the nftables backend (see nft.h).  The table is fixed text created
 * in one transaction together with an empty marker set, "layout3"; whether
 * the marker exists is the one cheap question asked before each change
 * (libnftables fetches only that set for it, whatever the size of the maps).
 * A change is a diff of two intents' elements sent as one transaction.  The
 * kernel is read back (JSON, parsed with jansson) only on request or when a
 * transaction failed because the kernel drifted from what we expected.
 *
 * An exact step that read the table and left a network's elements exactly
 * as its intent wants records that (a digest of those elements) with the
 * ruleset's generation after its commit, in the run directory.  The next
 * exact step for the same elements (create, after the network hook's
 * "started" filled them) finds the generation unchanged, so nothing was
 * committed since, and reads nothing.
 *
 * The table's own commands (chains flushed and filled again) go with every
 * change unless a record says the ruleset's generation is still the one
 * right after a commit that left the table as they make it (see table_*).
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <jansson.h>
#include <libmnl/libmnl.h>
#include <libnftnl/common.h>
#include <libnftnl/gen.h>
#include <linux/netfilter/nf_tables.h>
#include <nftables/libnftables.h>
#include <glib/gstdio.h>

#include "guests.h"
#include "nft.h"
#include "util.h"

#define T VNET_NFT_FAMILY " " VNET_NFT_TABLE

/*
 * Created last in the transaction that creates layout 3, so its presence
 * means every chain, rule and set of that layout is in place.  A later
 * layout gets a new marker and its table commands remove the old one.
 * Layout 1 filtered in chain "forward" at priority filter, where the order
 * against Docker's FORWARD chain (the same priority) is the kernel's
 * whim; layout 2 filters in "forwarding", before it, and marks what it
 * accepts; layout 3 adds the range maps (fwdr4, ...).
 */
#define LAYOUT_MARKER "layout3"
#define OLD_LAYOUT_MARKER "layout1"
#define OLD_LAYOUT2_MARKER "layout2"
/* The same for table bridge vnetctl, created in the same transaction. */
#define GUARD_MARKER "guard1"
/* The kernel's counters of what the guard dropped: never elements of ours. */
#define DROPS_SET "drops"

enum {
	SET_NAT_IF,
	SET_ISO_IF,
	SET_INTRA_IF,
	SET_NAT4,
	SET_NAT6,
	SET_FWD4,
	SET_FWD4_ADDR,
	SET_FWD6,
	SET_FWD6_ADDR,
	SET_FWDR4,
	SET_FWDR4_ADDR,
	SET_FWDR6,
	SET_FWDR6_ADDR,
	SET_ISO_DHCP,
	SET_ISO_OPEN4,
	SET_ISO_OPEN6,
	/* table bridge vnetctl: the guard */
	SET_GUARD_PORT,
	SET_STRICT_PORT,
	SET_RESERVED4,
	SET_BOUND4,
	SET_STRICT4,
	SET_RESERVED6,
	SET_BOUND6,
	SET_STRICT6,
	N_SETS
};

static const struct set_def {
	const char *name;
	guint ifnames;	/* how many leading parts of a key are interface names, quoted in commands */
	guint prefix;	/* interval set of addresses: the full prefix length, else 0 */
	int proto;	/* which part of a key is an inet_proto (read back as a number), else -1 */
	bool bridge;	/* a set of table bridge vnetctl, not of table inet vnetctl */
} sets[N_SETS] = {
	[SET_NAT_IF] = { "nat_if", 1, 0, -1, false },
	[SET_ISO_IF] = { "iso_if", 1, 0, -1, false },
	[SET_INTRA_IF] = { "intra_if", 2, 0, -1, false },
	[SET_NAT4] = { "nat4", 0, 32, -1, false },
	[SET_NAT6] = { "nat6", 0, 128, -1, false },
	[SET_FWD4] = { "fwd4", 0, 0, 0, false },
	[SET_FWD4_ADDR] = { "fwd4_addr", 0, 0, 1, false },
	[SET_FWD6] = { "fwd6", 0, 0, 0, false },
	[SET_FWD6_ADDR] = { "fwd6_addr", 0, 0, 1, false },
	[SET_FWDR4] = { "fwdr4", 0, 0, 0, false },
	[SET_FWDR4_ADDR] = { "fwdr4_addr", 0, 0, 1, false },
	[SET_FWDR6] = { "fwdr6", 0, 0, 0, false },
	[SET_FWDR6_ADDR] = { "fwdr6_addr", 0, 0, 1, false },
	[SET_ISO_DHCP] = { "iso_dhcp", 1, 0, 1, false },
	[SET_ISO_OPEN4] = { "iso_open4", 1, 0, 2, false },
	[SET_ISO_OPEN6] = { "iso_open6", 1, 0, 2, false },
	[SET_GUARD_PORT] = { "guard_port", 1, 0, -1, true },
	[SET_STRICT_PORT] = { "strict_port", 1, 0, -1, true },
	[SET_RESERVED4] = { "reserved4", 0, 0, -1, true },
	[SET_BOUND4] = { "bound4", 0, 0, -1, true },
	[SET_STRICT4] = { "strict4", 0, 0, -1, true },
	[SET_RESERVED6] = { "reserved6", 0, 0, -1, true },
	[SET_BOUND6] = { "bound6", 0, 0, -1, true },
	[SET_STRICT6] = { "strict6", 0, 0, -1, true },
};

#define B "bridge " VNET_NFT_TABLE

/* The table a set lives in, as commands name it. */
static const char *set_table(guint set)
{
	return sets[set].bridge ? B : T;
}

/*
 * The DNAT rules, the same in prerouting (pre) and output (out).  @V6 is
 * what else an IPv6 packet must match: in output, not to ::1, which cannot
 * leave the host (IPv6 has no route_localnet: the reply would be dropped),
 * so that `curl [::1]:PORT` is refused at once instead of hanging.
 */
#define DNAT_RULES(CHAIN, V6) \
	"add rule " T " " CHAIN " fib daddr type local dnat ip to ip daddr . meta l4proto . th dport map @fwd4_addr\n" \
	"add rule " T " " CHAIN " meta nfproto ipv4 fib daddr type local dnat ip to meta l4proto . th dport map @fwd4\n" \
	"add rule " T " " CHAIN " fib daddr type local" V6 " dnat ip6 to ip6 daddr . meta l4proto . th dport map @fwd6_addr\n" \
	"add rule " T " " CHAIN " meta nfproto ipv6 fib daddr type local" V6 " dnat ip6 to meta l4proto . th dport map @fwd6\n" \
	"add rule " T " " CHAIN " fib daddr type local dnat ip to ip daddr . meta l4proto . th dport map @fwdr4_addr\n" \
	"add rule " T " " CHAIN " meta nfproto ipv4 fib daddr type local dnat ip to meta l4proto . th dport map @fwdr4\n" \
	"add rule " T " " CHAIN " fib daddr type local" V6 " dnat ip6 to ip6 daddr . meta l4proto . th dport map @fwdr6_addr\n" \
	"add rule " T " " CHAIN " meta nfproto ipv6 fib daddr type local" V6 " dnat ip6 to meta l4proto . th dport map @fwdr6\n"

#define MARK_ACCEPT "meta mark set meta mark or " G_STRINGIFY(VNET_NFT_MARK) " accept"

static const char table_commands[] =
	"add table " T "\n"
	/* NAT bridges, isolated bridges, and (BRIDGE . BRIDGE) for both */
	"add set " T " nat_if { type ifname; }\n"
	"add set " T " iso_if { type ifname; }\n"
	"add set " T " intra_if { type ifname . ifname; }\n"
	/* NAT subnets */
	"add set " T " nat4 { type ipv4_addr; flags interval; }\n"
	"add set " T " nat6 { type ipv6_addr; flags interval; }\n"
	/* forwards on any host address, and on one host address */
	"add map " T " fwd4 { type inet_proto . inet_service : ipv4_addr . inet_service; }\n"
	"add map " T " fwd4_addr { type ipv4_addr . inet_proto . inet_service : ipv4_addr . inet_service; }\n"
	"add map " T " fwd6 { type inet_proto . inet_service : ipv6_addr . inet_service; }\n"
	"add map " T " fwd6_addr { type ipv6_addr . inet_proto . inet_service : ipv6_addr . inet_service; }\n"
	/*
	 * A range forward that keeps its ports (1-65535:1-65535) is one
	 * interval element here, DNAT to the address alone: a concatenation
	 * with an interval is a pipapo set, whose commits clone it, so it
	 * holds these few elements and never a forward per port.
	 */
	"add map " T " fwdr4 { type inet_proto . inet_service : ipv4_addr; flags interval; }\n"
	"add map " T " fwdr4_addr { type ipv4_addr . inet_proto . inet_service : ipv4_addr; flags interval; }\n"
	"add map " T " fwdr6 { type inet_proto . inet_service : ipv6_addr; flags interval; }\n"
	"add map " T " fwdr6_addr { type ipv6_addr . inet_proto . inet_service : ipv6_addr; flags interval; }\n"
	/*
	 * What guests of an isolated bridge may reach on the host: DHCP (to
	 * any address: broadcast, multicast), DNS on their gateway, and the
	 * host ports the intent names.  Keyed by bridge, so O(1) per packet.
	 */
	"add set " T " iso_dhcp { type ifname . inet_proto . inet_service; }\n"
	"add set " T " iso_open4 { type ifname . ipv4_addr . inet_proto . inet_service; }\n"
	"add set " T " iso_open6 { type ifname . ipv6_addr . inet_proto . inet_service; }\n"
	"add chain " T " guard { type filter hook prerouting priority raw; policy accept; }\n"
	"add chain " T " pre { type nat hook prerouting priority dstnat; policy accept; }\n"
	/* nft 1.0.6 refuses the keyword dstnat in the output hook */
	"add chain " T " out { type nat hook output priority -100; policy accept; }\n"
	"add chain " T " post { type nat hook postrouting priority srcnat; policy accept; }\n"
	/*
	 * Before any other table's filter at the same hook, so that what we
	 * accept carries VNET_NFT_MARK when Docker's DOCKER-USER chain (or an
	 * admin's rule) looks for it: what a rule there accepts by our mark
	 * is exactly what this chain accepted, and nothing once we are gone.
	 */
	"add chain " T " forwarding { type filter hook forward priority filter - 10; policy accept; }\n"
	"add chain " T " input { type filter hook input priority filter - 10; policy accept; }\n"
	/* layout 1's filter chain and marker go (adding first: no error when absent) */
	"add chain " T " forward { type filter hook forward priority filter; policy accept; }\n"
	"delete chain " T " forward\n"
	"add set " T " " OLD_LAYOUT_MARKER " { type mark; }\n"
	"delete set " T " " OLD_LAYOUT_MARKER "\n"
	/* layout 2 lacked the range maps: its marker goes, the maps are added above */
	"add set " T " " OLD_LAYOUT2_MARKER " { type mark; }\n"
	"delete set " T " " OLD_LAYOUT2_MARKER "\n"
	/* so that running these commands again never duplicates a rule */
	"flush chain " T " guard\n"
	"flush chain " T " pre\n"
	"flush chain " T " out\n"
	"flush chain " T " post\n"
	"flush chain " T " forwarding\n"
	"flush chain " T " input\n"
	/*
	 * CVE-2020-8558: route_localnet on our bridges would let a guest (or
	 * anything not on loopback) reach a service bound to 127.0.0.1, or a
	 * forward bound to it.  Only loopback may carry loopback addresses.
	 */
	"add rule " T " guard iif != \"lo\" ip daddr 127.0.0.0/8 drop\n"
	"add rule " T " guard iif != \"lo\" ip saddr 127.0.0.0/8 drop\n"
	"add rule " T " guard iif != \"lo\" ip6 daddr ::1 drop\n"
	"add rule " T " guard iif != \"lo\" ip6 saddr ::1 drop\n"
	DNAT_RULES("pre", "")
	DNAT_RULES("out", " ip6 daddr != ::1")
	/*
	 * From the host's localhost: the guest could not answer 127.0.0.1.
	 * (IPv6 has no route_localnet: a reply to ::1 arriving on a bridge is
	 * dropped by the kernel's strict lookup of loopback addresses, so a
	 * forward is reached from the host through its IPv6 addresses, not ::1.)
	 */
	"add rule " T " post oifname @nat_if ct status dnat ip saddr 127.0.0.0/8 masquerade\n"
	/* hairpin: a guest reaching a forward through the host's address */
	"add rule " T " post ct status dnat ip saddr @nat4 ip daddr @nat4 masquerade\n"
	"add rule " T " post ct status dnat ip6 saddr @nat6 ip6 daddr @nat6 masquerade\n"
	"add rule " T " post ip saddr @nat4 ip daddr != @nat4 masquerade\n"
	"add rule " T " post ip6 saddr @nat6 ip6 daddr != @nat6 masquerade\n"
	/*
	 * Guests of one bridge (seen here only when br_netfilter is loaded),
	 * bridged networks' LAN traffic included.  Every accept is of our
	 * bridges' traffic only: the mark must never let anyone else's through.
	 */
	"add rule " T " forwarding iifname . oifname @intra_if " MARK_ACCEPT "\n"
	"add rule " T " forwarding iifname @iso_if drop\n"
	"add rule " T " forwarding oifname @iso_if drop\n"
	"add rule " T " forwarding oifname @nat_if ct state established,related " MARK_ACCEPT "\n"
	"add rule " T " forwarding oifname @nat_if ct status dnat " MARK_ACCEPT "\n"
	"add rule " T " forwarding oifname @nat_if drop\n"
	"add rule " T " forwarding iifname @nat_if " MARK_ACCEPT "\n"
	/*
	 * Isolated means guests talk only to each other: to the host only
	 * what iso_* lets through (and replies to what the host opened, and
	 * IPv6 neighbour discovery, without which nothing of IPv6 works).
	 */
	"add rule " T " input iifname != @iso_if accept\n"
	"add rule " T " input ct state established,related accept\n"
	"add rule " T " input iifname . meta l4proto . th dport @iso_dhcp accept\n"
	"add rule " T " input iifname . ip daddr . meta l4proto . th dport @iso_open4 accept\n"
	"add rule " T " input iifname . ip6 daddr . meta l4proto . th dport @iso_open6 accept\n"
	"add rule " T " input icmpv6 type { nd-router-solicit, nd-neighbor-solicit, nd-neighbor-advert } accept\n"
	"add rule " T " input reject with icmpx admin-prohibited\n"
	"add set " T " " LAYOUT_MARKER " { type mark; comment \"vnetctl table layout 3 is complete\"; }\n"
	/*
	 * Guest port security, in the bridge family: every frame a guest's
	 * port brings into a bridge.  Keyed by port (guard_port: the ports of
	 * guarded bridges, uplinks never), address and MAC, so O(1) per frame
	 * whatever the number of guests.  An address in reserved4/6 (a
	 * guest's reservation, the gateway) may be sent only by the MAC it is
	 * bound to; under strict (strict_port) a guest with a reservation
	 * (strict4/6) sends only from its own, besides 0.0.0.0 (DHCP), :: and
	 * link-local (DAD, neighbour discovery).  What is dropped is counted
	 * per port and source MAC in drops, which the kernel fills.
	 */
	"add table " B "\n"
	"add set " B " guard_port { type ifname; }\n"
	"add set " B " strict_port { type ifname; }\n"
	"add set " B " reserved4 { type ipv4_addr; }\n"
	"add set " B " bound4 { type ipv4_addr . ether_addr; }\n"
	"add set " B " strict4 { type ether_addr; }\n"
	"add set " B " reserved6 { type ipv6_addr; }\n"
	"add set " B " bound6 { type ipv6_addr . ether_addr; }\n"
	"add set " B " strict6 { type ether_addr; }\n"
	"add set " B " " DROPS_SET " { type ifname . ether_addr; size 65535; flags dynamic; counter; }\n"
	"add chain " B " guard { type filter hook prerouting priority filter; policy accept; }\n"
	"add chain " B " dropped\n"
	"flush chain " B " guard\n"
	"flush chain " B " dropped\n"
	"add rule " B " guard iifname != @guard_port accept\n"
	/* rogue DHCP and RA: the host-side DHCP snooping and RA guard */
	"add rule " B " guard ether type ip udp sport 67 udp dport 68 goto dropped\n"
	"add rule " B " guard ether type ip6 udp sport 547 udp dport 546 goto dropped\n"
	"add rule " B " guard icmpv6 type nd-router-advert goto dropped\n"
	/* what neighbour caches learn from an ARP packet is its sender's fields */
	"add rule " B " guard arp saddr ip @reserved4 arp saddr ip . arp saddr ether != @bound4 goto dropped\n"
	"add rule " B " guard ip saddr @reserved4 ip saddr . ether saddr != @bound4 goto dropped\n"
	"add rule " B " guard ip6 saddr @reserved6 ip6 saddr . ether saddr != @bound6 goto dropped\n"
	"add rule " B " guard iifname != @strict_port accept\n"
	"add rule " B " guard ether saddr @strict4 arp saddr ip != 0.0.0.0 arp saddr ip . arp saddr ether != @bound4 goto dropped\n"
	"add rule " B " guard ether saddr @strict4 ip saddr != 0.0.0.0 ip saddr . ether saddr != @bound4 goto dropped\n"
	"add rule " B " guard ether saddr @strict6 ip6 saddr != { ::, fe80::/10 } ip6 saddr . ether saddr != @bound6 goto dropped\n"
	"add rule " B " dropped update @" DROPS_SET " { iifname . ether saddr } drop\n"
	"add set " B " " GUARD_MARKER " { type mark; comment \"vnetctl bridge table layout 1 is complete\"; }\n";

struct vnet_nft {
	struct nft_ctx *ctx;
	/*
	 * What the last exact vnet_nft_prepare() read, for vnet_nft_run() to
	 * record once its commands are the one commit since (see filled_*).
	 */
	char *fill_owner, *fill_digest, *fill_cmds;
	guint32 fill_gen;
};

vnet_nft *vnet_nft_new(GError **error)
{
	g_autoptr(vnet_nft) nft = g_new0(vnet_nft, 1);

	nft->ctx = nft_ctx_new(NFT_CTX_DEFAULT);
	if (!nft->ctx || nft_ctx_buffer_output(nft->ctx) != 0 || nft_ctx_buffer_error(nft->ctx) != 0) {
		vnet_set_error(error, VNET_ERROR_FAILED,
			    _("Could not set up libnftables; check that the nftables library is installed and not damaged."));
		return NULL;
	}
	return g_steal_pointer(&nft);
}

void vnet_nft_free(vnet_nft *nft)
{
	if (!nft)
		return;
	if (nft->ctx)
		nft_ctx_free(nft->ctx);
	g_free(nft->fill_owner);
	g_free(nft->fill_digest);
	g_free(nft->fill_cmds);
	g_free(nft);
}

char *vnet_nft_table_commands(void)
{
	return g_strdup(table_commands);
}

/* ------------------------------------------------------------ elements */

typedef struct elem {
	guint set;
	char *key;	/* canonical: "tcp . 8080" */
	char *data;	/* canonical, maps only: "10.0.0.2 . 80" */
	char *line;	/* "fwd4 tcp . 8080 : 10.0.0.2 . 80" */
	char *keyline;	/* "fwd4 tcp . 8080" */
	char *owner;	/* the network the element is for (its nft comment), or NULL */
	char text[];	/* the strings above point here: one allocation an element */
} elem;

static void elem_free(gpointer p)
{
	g_free(p);
}

/* A list of elements without duplicates, in the order they were added. */
typedef struct elem_list {
	GPtrArray *items;	/* elem * */
	GHashTable *lines;	/* line -> elem *, not owned */
	GHashTable *keys;	/* keyline -> elem *, not owned */
	GString *key, *data;	/* add_family_elems()'s scratch */
	vnet_addr last;		/* the last target formatted, */
	char last_s[INET6_ADDRSTRLEN];	/* as text ("" before the first), */
	bool last_ok;		/* and whether target_in_subnet() */
} elem_list;

static elem_list *elem_list_new(void)
{
	elem_list *l = g_new0(elem_list, 1);

	l->items = g_ptr_array_new_with_free_func(elem_free);
	l->lines = g_hash_table_new(g_str_hash, g_str_equal);
	l->keys = g_hash_table_new(g_str_hash, g_str_equal);
	l->key = g_string_sized_new(64);
	l->data = g_string_sized_new(64);
	return l;
}

static void elem_list_free(elem_list *l)
{
	if (!l)
		return;
	g_hash_table_unref(l->lines);
	g_hash_table_unref(l->keys);
	g_ptr_array_unref(l->items);
	g_string_free(l->key, TRUE);
	g_string_free(l->data, TRUE);
	g_free(l);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(elem_list, elem_list_free)

static void elem_list_add(elem_list *l, guint set, const char *key, const char *data,
			  const char *owner)
{
	/*
	 * One block: "SET KEY\0SET KEY : DATA\0OWNER\0", the key and the data
	 * inside the two lines.  A create of 65,535 forwards makes each element
	 * three or four times; five allocations each were a third of the work.
	 */
	size_t ns = strlen(sets[set].name), nk = strlen(key), nd = data ? strlen(data) : 0;
	size_t no = owner ? strlen(owner) : 0, nkl = ns + 1 + nk, nl = data ? nkl + 3 + nd : 0;
	elem *e = g_malloc(sizeof(elem) + nkl + 1 + (data ? nl + 1 : 0) + (owner ? no + 1 : 0));
	char *c = e->text;

	e->set = set;
	e->keyline = c;
	memcpy(c, sets[set].name, ns);
	c[ns] = ' ';
	memcpy(c + ns + 1, key, nk + 1);
	e->key = c + ns + 1;
	c += nkl + 1;
	e->line = e->keyline;
	e->data = NULL;
	if (data) {
		e->line = c;
		memcpy(c, e->keyline, nkl);
		memcpy(c + nkl, " : ", 3);
		memcpy(c + nkl + 3, data, nd + 1);
		e->data = c + nkl + 3;
		c += nl + 1;
	}
	e->owner = NULL;
	if (owner) {
		e->owner = c;
		memcpy(c, owner, no + 1);
	}
	if (g_hash_table_contains(l->lines, e->line)) {
		elem_free(e);
		return;
	}
	g_hash_table_insert(l->lines, e->line, e);
	g_hash_table_insert(l->keys, e->keyline, e);
	g_ptr_array_add(l->items, e);
}

/* The element as nft syntax: interface names quoted, its owner as its comment. */
static void append_elem_expr(GString *s, const elem *e)
{
	if (!sets[e->set].ifnames) {
		g_string_append(s, e->key);
	} else {
		g_auto(GStrv) parts = g_strsplit(e->key, " . ", -1);
		for (guint i = 0; parts[i]; i++)
			g_string_append_printf(s, i < sets[e->set].ifnames ? "%s\"%s\"" : "%s%s", i ? " . " : "",
					       parts[i]);
	}
	if (e->owner) {
		g_string_append_len(s, " comment \"", 10);
		g_string_append(s, e->owner);
		g_string_append_c(s, '"');
	}
	if (e->data) {
		g_string_append_len(s, " : ", 3);
		g_string_append(s, e->data);
	}
}

/* An element read from the kernel is turned into a command only if it is safe to. */
static bool elem_is_safe(const elem *e)
{
	g_auto(GStrv) names = NULL;

	if (e->owner && !vnet_name_is_valid(e->owner, VNET_NAME_MAX))
		return false;
	if (strpbrk(e->line, "\"{};#\n"))
		return false;
	names = g_strsplit(e->key, " . ", -1);
	for (guint i = 0; names[i] && i < sets[e->set].ifnames; i++)
		if (!vnet_name_is_valid(names[i], VNET_IFNAME_MAX))
			return false;
	return true;
}

/* "VERB element inet vnetctl SET { ... }" for the elements of @items in @set. */
static void append_set_command(GString *s, const char *verb, guint set, GPtrArray *items)
{
	const char *sep;
	guint n = 0;

	for (guint i = 0; i < items->len; i++)
		n += ((elem *)items->pdata[i])->set == set;
	if (n == 0)
		return;
	g_string_append_printf(s, "%s element %s %s {", verb, set_table(set), sets[set].name);
	/* one element on the line, more one per line */
	sep = n == 1 ? " " : "\n\t";
	n = 0;
	for (guint i = 0; i < items->len; i++) {
		const elem *e = items->pdata[i];
		if (e->set != set)
			continue;
		g_string_append(s, n++ ? ",\n\t" : sep);
		append_elem_expr(s, e);
	}
	g_string_append(s, strcmp(sep, " ") == 0 ? " }\n" : "\n}\n");
}

/*
 * The address of @family a forward goes to: the default guest (of IPv6: the
 * subnet6's, vnet_intent_default_guest6()), its own address, or the named
 * domain's address from @guests.  False (skip the forward) when there is
 * none; target_in_subnet() says whether it is a host address of the
 * network's subnet (else the forward is skipped too).
 */
static bool forward_target(const vnet_intent *in, const vnet_forward *f, int family,
			   GHashTable *guests, vnet_addr *ret)
{
	vnet_addr a = { 0 };
	bool found = false;

	switch (f->guest_kind) {
	case VNET_GUEST_DEFAULT: {
		if (family == AF_INET6) {
			found = vnet_intent_default_guest6(in, &a);
			break;
		}
		/* Resolved (guests.h): the reserved default guest, else the only guest, else none. */
		const char *v = guests ? g_hash_table_lookup(guests, "") : NULL;
		if (v)
			found = *v && vnet_addr_parse(v, &a, NULL);
		else {
			found = in->has_guest;
			a = in->guest;
		}
		break;
	}
	case VNET_GUEST_ADDR:
		found = true;
		a = f->guest_addr;
		break;
	case VNET_GUEST_NAME: {
		const char *v = guests ? g_hash_table_lookup(guests, f->guest_name) : NULL;
		g_auto(GStrv) tokens = v ? g_strsplit_set(v, " ,\t\n", -1) : NULL;
		for (guint i = 0; tokens && tokens[i] && !found; i++)
			found = tokens[i][0] && vnet_addr_parse(tokens[i], &a, NULL) && a.family == family;
		break;
	}
	}
	if (!found || a.family != family)
		return false;
	*ret = a;
	return true;
}

/* Whether @a, where a forward of @in goes, is a host address of @in's subnet of its family. */
static bool target_in_subnet(const vnet_intent *in, const vnet_addr *a)
{
	const vnet_cidr *sub = NULL;

	if (a->family == AF_INET && in->has_subnet4)
		sub = &in->subnet4;
	else if (a->family == AF_INET6 && in->has_subnet6)
		sub = &in->subnet6;
	return sub && vnet_cidr_contains(sub, a) && !vnet_cidr_is_reserved(sub, a);
}

/* One element per port of the forward's range: 8000-8010:80-90 is 11. */
static void append_uint(GString *s, guint n)
{
	char buf[16], *end = buf + sizeof(buf), *c = end;

	do
		*--c = (char)('0' + n % 10);
	while ((n /= 10));
	g_string_append_len(s, c, end - c);
}

static void add_family_elems(elem_list *l, const vnet_intent *in, const vnet_forward *f,
			     int family, GHashTable *guests)
{
	g_autofree char *host = NULL;
	GString *key = l->key, *data = l->data;
	const char *proto = vnet_proto_to_string(f->proto), *target;
	gsize key_head, data_head;
	vnet_addr a;
	guint set;

	if (!forward_target(in, f, family, guests, &a))
		return;
	/* Most forwards go to one guest: its address is formatted once. */
	if (!l->last_s[0] || !vnet_addr_equal(&a, &l->last)) {
		if (!inet_ntop(a.family, a.b, l->last_s, sizeof(l->last_s)))
			g_strlcpy(l->last_s, "?", sizeof(l->last_s));	/* as vnet_addr_format() */
		l->last = a;
		l->last_ok = target_in_subnet(in, &a);
	}
	if (!l->last_ok)
		return;
	target = l->last_s;
	if (f->has_host_addr)
		host = vnet_addr_format(&f->host_addr);
	if (family == AF_INET6)
		set = host ? SET_FWD6_ADDR : SET_FWD6;
	else
		set = host ? SET_FWD4_ADDR : SET_FWD4;
	/* A range onto the same ports: one interval element, its ports kept (the fwdr maps). */
	if (f->host_port_end > f->host_port && f->guest_port == f->host_port) {
		g_autofree char *k = host ? g_strdup_printf("%s . %s . %u-%u", host, proto, f->host_port, f->host_port_end)
					  : g_strdup_printf("%s . %u-%u", proto, f->host_port, f->host_port_end);
		elem_list_add(l, set + (SET_FWDR4 - SET_FWD4), k, target, in->name);
		return;
	}
	/* "HOST . PROTO . " / "PROTO . " and "TARGET . " once, then each port: no printf. */
	g_string_truncate(key, 0);
	g_string_truncate(data, 0);
	if (host) {
		g_string_append(key, host);
		g_string_append_len(key, " . ", 3);
	}
	g_string_append(key, proto);
	g_string_append_len(key, " . ", 3);
	g_string_append(data, target);
	g_string_append_len(data, " . ", 3);
	key_head = key->len;
	data_head = data->len;
	for (guint p = f->host_port, g = f->guest_port; p <= f->host_port_end; p++, g++) {
		g_string_truncate(key, key_head);
		append_uint(key, p);
		g_string_truncate(data, data_head);
		append_uint(data, g);
		elem_list_add(l, set, key->str, data->str, in->name);
	}
}

/* A forward's elements in its family, and in IPv6 too when it is published on both. */
static void add_forward_elems(elem_list *l, const vnet_intent *in, const vnet_forward *f,
			      GHashTable *guests)
{
	add_family_elems(l, in, f, f->family, guests);
	if (vnet_forward_is_dual(in, f))
		add_family_elems(l, in, f, AF_INET6, guests);
}

/* What an isolated network's guests may reach on the host (the input chain). */
static void add_isolated_elems(elem_list *l, const vnet_intent *in)
{
	static const char *const dns[] = { "tcp", "udp" };

	if (in->has_subnet4) {
		g_autofree char *k = g_strdup_printf("%s . udp . 67", in->bridge);
		elem_list_add(l, SET_ISO_DHCP, k, NULL, in->name);
	}
	if (in->has_subnet6) {
		g_autofree char *k = g_strdup_printf("%s . udp . 547", in->bridge);
		elem_list_add(l, SET_ISO_DHCP, k, NULL, in->name);
	}
	for (guint i = 0; i < in->host_ports->len; i++) {
		guint32 hp = g_array_index(in->host_ports, guint32, i);
		const char *proto = vnet_proto_to_string(VNET_HOST_PORT_PROTO(hp));
		if (in->has_gateway4) {
			g_autofree char *k = g_strdup_printf("%s . %s . %s . %u", in->bridge, in->s_gateway4, proto,
							     VNET_HOST_PORT_NUMBER(hp));
			elem_list_add(l, SET_ISO_OPEN4, k, NULL, in->name);
		}
		if (in->has_gateway6) {
			g_autofree char *k = g_strdup_printf("%s . %s . %s . %u", in->bridge, in->s_gateway6, proto,
							     VNET_HOST_PORT_NUMBER(hp));
			elem_list_add(l, SET_ISO_OPEN6, k, NULL, in->name);
		}
	}
	for (guint i = 0; i < G_N_ELEMENTS(dns); i++) {
		if (in->has_gateway4) {
			g_autofree char *k = g_strdup_printf("%s . %s . %s . 53", in->bridge, in->s_gateway4, dns[i]);
			elem_list_add(l, SET_ISO_OPEN4, k, NULL, in->name);
		}
		if (in->has_gateway6) {
			g_autofree char *k = g_strdup_printf("%s . %s . %s . 53", in->bridge, in->s_gateway6, dns[i]);
			elem_list_add(l, SET_ISO_OPEN6, k, NULL, in->name);
		}
	}
}

/* @addr bound to @mac: reserved to it, and under @strict the only address it sends from. */
static void add_binding(elem_list *l, const vnet_intent *in, const vnet_addr *addr, const char *mac,
			bool strict)
{
	g_autofree char *a = vnet_addr_format(addr);
	g_autofree char *bound = g_strdup_printf("%s . %s", a, mac);
	bool v6 = addr->family == AF_INET6;

	elem_list_add(l, v6 ? SET_RESERVED6 : SET_RESERVED4, a, NULL, in->name);
	elem_list_add(l, v6 ? SET_BOUND6 : SET_BOUND4, bound, NULL, in->name);
	if (strict)
		elem_list_add(l, v6 ? SET_STRICT6 : SET_STRICT4, mac, NULL, in->name);
}

static int compare_keys(gconstpointer a, gconstpointer b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/*
 * The guard's elements (see nft.h): the guarded bridges' ports, the
 * gateway's addresses (reserved to no guest), and each reservation or
 * lease of @guests and static address of the intent bound to its MAC.
 */
static void add_guard_elems(elem_list *l, const vnet_intent *in, GHashTable *guests)
{
	vnet_guard own = vnet_intent_get_guard(in, false), lan = vnet_intent_get_guard(in, true);
	const char *lan_br = in->mode == VNET_MODE_BRIDGED ? in->bridge
			     : in->mode == VNET_MODE_HYBRID ? in->lan_bridge : NULL;
	const char *own_br = vnet_mode_has_own_bridge(in->mode) ? in->bridge : NULL;
	g_autofree gpointer *keys = NULL;
	guint n = 0;

	if (own == VNET_GUARD_OFF && lan == VNET_GUARD_OFF)
		return;
	/* In key order, so that the commands are the same on every run. */
	if (guests) {
		keys = g_hash_table_get_keys_as_array(guests, &n);
		qsort(keys, n, sizeof(*keys), compare_keys);
	}
	for (guint i = 0; i < n; i++) {
		const char *k = keys[i], *v = g_hash_table_lookup(guests, k);
		vnet_guard g = VNET_GUARD_OFF;
		if (!g_str_has_prefix(k, VNET_GUESTS_PORT_KEY))
			continue;
		k += strlen(VNET_GUESTS_PORT_KEY);
		if (own_br && g_strcmp0(v, own_br) == 0)
			g = own;
		else if (lan_br && g_strcmp0(v, lan_br) == 0 && g_strcmp0(k, in->uplink) != 0)
			g = lan;
		if (g == VNET_GUARD_OFF || !vnet_name_is_valid(k, VNET_IFNAME_MAX))
			continue;
		elem_list_add(l, SET_GUARD_PORT, k, NULL, in->name);
		if (g == VNET_GUARD_STRICT)
			elem_list_add(l, SET_STRICT_PORT, k, NULL, in->name);
	}
	if (own != VNET_GUARD_OFF) {
		if (in->has_gateway4)
			elem_list_add(l, SET_RESERVED4, in->s_gateway4, NULL, in->name);
		if (in->has_gateway6)
			elem_list_add(l, SET_RESERVED6, in->s_gateway6, NULL, in->name);
		for (guint i = 0; i < n; i++) {
			const char *k = keys[i];
			const char *mac = g_str_has_prefix(k, VNET_GUESTS_MAC_KEY) ? k + strlen(VNET_GUESTS_MAC_KEY)
					  : g_str_has_prefix(k, VNET_GUESTS_MAC6_KEY) ? k + strlen(VNET_GUESTS_MAC6_KEY)
					  : NULL;
			vnet_addr a;
			if (mac && vnet_mac_is_valid(mac) && vnet_addr_parse(g_hash_table_lookup(guests, k), &a, NULL))
				add_binding(l, in, &a, mac, own == VNET_GUARD_STRICT);
		}
	}
	for (guint i = 0; i < in->statics->len; i++) {
		const vnet_static_addr *st = in->statics->pdata[i];
		/* A static address inside the network's own subnet is on its own bridge, else on the LAN. */
		bool on_own = own_br && ((in->has_subnet4 && vnet_cidr_contains(&in->subnet4, &st->addr)) ||
					 (in->has_subnet6 && vnet_cidr_contains(&in->subnet6, &st->addr)));
		vnet_guard g = on_own ? own : lan;
		if (g != VNET_GUARD_OFF && vnet_mac_is_valid(st->mac))
			add_binding(l, in, &st->addr, st->mac, g == VNET_GUARD_STRICT);
	}
}

static elem_list *intent_elems(const vnet_intent *in, GHashTable *guests)
{
	g_autoptr(elem_list) l = elem_list_new();
	bool nat = false;

	if (!in)
		return g_steal_pointer(&l);
	add_guard_elems(l, in, guests);
	switch (in->mode) {
	case VNET_MODE_NAT:
	case VNET_MODE_HYBRID:	/* in->bridge is the NAT half */
		nat = true;
		break;
	case VNET_MODE_ISOLATED:
		nat = false;
		break;
	case VNET_MODE_BRIDGED:
	case VNET_MODE_OVERLAY:	/* OVN's: nothing of it passes this host's kernel */
		return g_steal_pointer(&l);
	}
	if (in->bridge) {
		g_autofree char *pair = g_strdup_printf("%s . %s", in->bridge, in->bridge);
		elem_list_add(l, nat ? SET_NAT_IF : SET_ISO_IF, in->bridge, NULL, in->name);
		elem_list_add(l, SET_INTRA_IF, pair, NULL, in->name);
	}
	if (!nat) {
		if (in->bridge)
			add_isolated_elems(l, in);
		return g_steal_pointer(&l);
	}
	if (in->has_subnet4) {
		vnet_cidr net = vnet_cidr_network(&in->subnet4);
		g_autofree char *s = vnet_cidr_format(&net);
		elem_list_add(l, SET_NAT4, s, NULL, in->name);
	}
	if (in->has_subnet6) {
		vnet_cidr net = vnet_cidr_network(&in->subnet6);
		g_autofree char *s = vnet_cidr_format(&net);
		elem_list_add(l, SET_NAT6, s, NULL, in->name);
	}
	for (guint i = 0; i < in->forwards->len; i++)
		add_forward_elems(l, in, in->forwards->pdata[i], guests);
	return g_steal_pointer(&l);
}

GPtrArray *vnet_nft_intent_elements(const vnet_intent *intent, GHashTable *guests)
{
	g_autoptr(elem_list) l = intent_elems(intent, guests);
	GPtrArray *lines = g_ptr_array_new_with_free_func(g_free);

	for (guint i = 0; i < l->items->len; i++)
		g_ptr_array_add(lines, g_strdup(((elem *)l->items->pdata[i])->line));
	return lines;
}

/* ------------------------------------------------------------ commands */

static char *diff_commands(const elem_list *old, const elem_list *new)
{
	g_autoptr(GPtrArray) del = g_ptr_array_new();
	g_autoptr(GPtrArray) add = g_ptr_array_new();
	GString *s = g_string_new(NULL);

	for (guint i = 0; i < old->items->len; i++) {
		elem *e = old->items->pdata[i];
		if (!g_hash_table_contains(new->lines, e->line))
			g_ptr_array_add(del, e);
	}
	for (guint i = 0; i < new->items->len; i++) {
		elem *e = new->items->pdata[i];
		if (!g_hash_table_contains(old->lines, e->line))
			g_ptr_array_add(add, e);
	}
	/*
	 * libnftables 1.0.6 has no "destroy element" (delete if present).  An
	 * "add" of the same element first makes the "delete" succeed whether or
	 * not the element was there, in the same transaction.
	 */
	for (guint set = 0; set < N_SETS; set++) {
		append_set_command(s, "add", set, del);
		append_set_command(s, "delete", set, del);
	}
	for (guint set = 0; set < N_SETS; set++)
		append_set_command(s, "add", set, add);
	return g_string_free(s, FALSE);
}

char *vnet_nft_diff_commands(const vnet_intent *old, const vnet_intent *new, GHashTable *guests)
{
	g_autoptr(elem_list) o = intent_elems(old, guests);
	g_autoptr(elem_list) n = intent_elems(new, guests);

	return diff_commands(o, n);
}

/*
 * After drift: make the kernel's elements of every key that @old or @new
 * names equal to @new's, knowing exactly what the kernel holds.
 */
static char *converge_commands(const elem_list *old, const elem_list *new, const elem_list *kernel)
{
	g_autoptr(GPtrArray) del = g_ptr_array_new();
	g_autoptr(GPtrArray) add = g_ptr_array_new();
	GString *s = g_string_new(NULL);

	for (guint i = 0; i < kernel->items->len; i++) {
		elem *e = kernel->items->pdata[i];
		if ((g_hash_table_contains(old->keys, e->keyline) ||
		     g_hash_table_contains(new->keys, e->keyline)) &&
		    !g_hash_table_contains(new->lines, e->line) && elem_is_safe(e))
			g_ptr_array_add(del, e);
	}
	for (guint i = 0; i < new->items->len; i++) {
		elem *e = new->items->pdata[i];
		if (!g_hash_table_contains(kernel->lines, e->line))
			g_ptr_array_add(add, e);
	}
	for (guint set = 0; set < N_SETS; set++)
		append_set_command(s, "delete", set, del);
	for (guint set = 0; set < N_SETS; set++)
		append_set_command(s, "add", set, add);
	return g_string_free(s, FALSE);
}

/*
 * Deletes, then adds.  With @safe, each delete is preceded by an add of the
 * same element, so that it succeeds whether or not the element is there:
 * an undo may be replayed after a crash that came before its step ran.
 */
static char *change_commands(GPtrArray *del, GPtrArray *add, bool safe)
{
	GString *s = g_string_new(NULL);

	for (guint set = 0; set < N_SETS; set++) {
		if (safe)
			append_set_command(s, "add", set, del);
		append_set_command(s, "delete", set, del);
	}
	for (guint set = 0; set < N_SETS; set++)
		append_set_command(s, "add", set, add);
	return g_string_free(s, FALSE);
}

/* -------------------------------------------------------------- kernel */

/* Empty both buffers, keeping a copy of the error text. */
static char *take_buffers(vnet_nft *nft, char **ret_output)
{
	const char *out = nft_ctx_get_output_buffer(nft->ctx);
	const char *err = nft_ctx_get_error_buffer(nft->ctx);

	if (ret_output)
		*ret_output = g_strdup(out ? out : "");
	return g_strdup(err ? err : "");
}

/*
 * nft's own message: its first line without "FILE:LINE:COLUMNS: Error: ",
 * then the line of the commands it names.
 */
static void set_nft_error(GError **error, const char *what)
{
	g_auto(GStrv) lines = g_strsplit(what, "\n", 3);
	const char *msg = lines[0] ? g_strstrip(lines[0]) : "";
	const char *cmd = lines[0] && lines[1] ? g_strstrip(lines[1]) : "";
	const char *e = strstr(msg, "Error: ");

	if (e)
		msg = e + strlen("Error: ");
	if (!*msg)
		msg = "?";
	if (*cmd)
		vnet_set_error(error, VNET_ERROR_FAILED,
			    _("nftables refused the change to table inet vnetctl: %s (in \"%s\"); nothing was changed."),
			    msg, cmd);
	else
		vnet_set_error(error, VNET_ERROR_FAILED,
			    _("nftables refused the change to table inet vnetctl: %s; nothing was changed."),
			    msg);
}

/*
 * Run @cmds as one transaction.  They are handed over as a file (a memfd),
 * not a buffer: libnftables 1.0.6 quotes the first line of a buffer in its
 * error messages whatever line was wrong, but the right line of a file.
 */
static bool run_commands(vnet_nft *nft, const char *cmds, GError **error)
{
	int fd = memfd_create("vnetctl-nft", MFD_CLOEXEC);
	size_t len = strlen(cmds);
	g_autofree char *err = NULL;
	int rc;

	if (fd >= 0 && write(fd, cmds, len) == (ssize_t)len) {
		g_autofree char *path = g_strdup_printf("/proc/self/fd/%d", fd);
		rc = nft_run_cmd_from_filename(nft->ctx, path);
	} else {
		rc = nft_run_cmd_from_buffer(nft->ctx, cmds);
	}
	if (fd >= 0)
		close(fd);
	err = take_buffers(nft, NULL);

	if (rc == 0)
		return true;
	set_nft_error(error, err);
	return false;
}

bool vnet_nft_check_ours(vnet_nft *nft, GError **error);
static bool set_exists(vnet_nft *nft, const char *table, const char *set);

/* Whether both tables are complete: libnftables fetches just the (empty) marker sets. */
static bool layout_present(vnet_nft *nft)
{
	return set_exists(nft, T, LAYOUT_MARKER) && set_exists(nft, B, GUARD_MARKER);
}

bool vnet_nft_ensure_table(vnet_nft *nft, GError **error)
{
	return layout_present(nft) || (vnet_nft_check_ours(nft, error) && run_commands(nft, table_commands, error));
}

bool vnet_nft_table_present(vnet_nft *nft)
{
	return layout_present(nft);
}

bool vnet_nft_delete_table(vnet_nft *nft, GError **error)
{
	/* "add" first: deleting a table that is not there is no error then. */
	return run_commands(nft, "add table " T "\ndelete table " T "\nadd table " B "\ndelete table " B "\n", error);
}

static int set_index(const char *name)
{
	for (guint i = 0; i < N_SETS; i++)
		if (g_strcmp0(name, sets[i].name) == 0)
			return i;
	return -1;
}

static char *format_json_value(json_t *v, int proto);

static char *format_json_address(const char *s)
{
	vnet_addr a;

	return vnet_addr_parse(s, &a, NULL) ? vnet_addr_format(&a) : g_strdup(s);
}

/*
 * A protocol as /etc/protocols names it.  The table is listed with numeric
 * protocols: by name, libnftables asks getprotobynumber() per element, and
 * glibc opens /etc/protocols for each answer.
 */
static char *format_json_proto(json_int_t p)
{
	switch (p) {
	case IPPROTO_TCP:
		return g_strdup("tcp");
	case IPPROTO_UDP:
		return g_strdup("udp");
	case IPPROTO_SCTP:
		return g_strdup("sctp");
	default:
		return g_strdup_printf("%" JSON_INTEGER_FORMAT, p);
	}
}

/*
 * One value of libnftables' JSON as our canonical text, or NULL if unknown.
 * @proto: which part of a concatenation (0 for a plain value) is a protocol, or -1.
 */
static char *format_json_value(json_t *v, int proto)
{
	json_t *x;

	if (json_is_string(v))
		return format_json_address(json_string_value(v));
	if (json_is_integer(v))
		return proto == 0 ? format_json_proto(json_integer_value(v))
				  : g_strdup_printf("%" JSON_INTEGER_FORMAT, json_integer_value(v));
	if (!json_is_object(v))
		return NULL;
	if ((x = json_object_get(v, "elem")))	/* an element with counters, comments, ... */
		return format_json_value(json_object_get(x, "val"), proto);
	if ((x = json_object_get(v, "concat")) && json_is_array(x)) {
		GString *s = g_string_new(NULL);
		size_t i;
		json_t *part;
		json_array_foreach(x, i, part) {
			g_autofree char *p = format_json_value(part, (int)i == proto ? 0 : -1);
			if (!p) {
				g_string_free(s, TRUE);
				return NULL;
			}
			if (i)
				g_string_append(s, " . ");
			g_string_append(s, p);
		}
		return g_string_free(s, FALSE);
	}
	if ((x = json_object_get(v, "prefix"))) {
		json_t *addr = json_object_get(x, "addr"), *len = json_object_get(x, "len");
		g_autofree char *a = NULL;
		if (!json_is_string(addr) || !json_is_integer(len))
			return NULL;
		a = format_json_address(json_string_value(addr));
		return g_strdup_printf("%s/%" JSON_INTEGER_FORMAT, a, json_integer_value(len));
	}
	if ((x = json_object_get(v, "range")) && json_is_array(x) && json_array_size(x) == 2) {
		g_autofree char *lo = format_json_value(json_array_get(x, 0), -1);
		g_autofree char *hi = format_json_value(json_array_get(x, 1), -1);
		return lo && hi ? g_strdup_printf("%s-%s", lo, hi) : NULL;
	}
	return NULL;
}

static bool parse_set_elements(json_t *set_obj, elem_list *l, GError **error)
{
	int set = set_index(json_string_value(json_object_get(set_obj, "name")));
	json_t *elems = json_object_get(set_obj, "elem");
	bool bridge = g_strcmp0(json_string_value(json_object_get(set_obj, "family")), "bridge") == 0;
	json_t *el;
	size_t i;

	if (set >= 0 && sets[set].bridge != bridge)
		set = -1;	/* a set of that name in the other table is not one of ours */
	if (set < 0 || !json_is_array(elems))
		return true;	/* the marker, or an empty set */
	json_array_foreach(elems, i, el) {
		json_t *k = el, *v = NULL, *wrap;
		g_autofree char *key = NULL;
		g_autofree char *data = NULL;
		const char *owner = NULL;

		if (json_is_array(el)) {	/* a map element: [key, value] */
			k = json_array_get(el, 0);
			v = json_array_get(el, 1);
		}
		/* An element with a comment: {"elem": {"val": KEY, "comment": OWNER}} */
		if ((wrap = json_object_get(k, "elem"))) {
			owner = json_string_value(json_object_get(wrap, "comment"));
			k = json_object_get(wrap, "val");
		}
		key = format_json_value(k, sets[set].proto);
		data = v ? format_json_value(v, -1) : NULL;
		if (!key || (v && !data) || (json_is_array(el) && json_array_size(el) != 2)) {
			vnet_set_error(error, VNET_ERROR_FAILED,
				    _("Could not understand an element of set %s in the JSON output of libnftables; the nftables library may be newer than vnetctl knows."),
				    sets[set].name);
			return false;
		}
		/* a one-address interval is listed without its prefix length */
		if (sets[set].prefix && !strchr(key, '/') && !strchr(key, '-')) {
			char *full = g_strdup_printf("%s/%u", key, sets[set].prefix);
			g_free(key);
			key = full;
		}
		elem_list_add(l, set, key, data, owner);
	}
	return true;
}

static bool read_table_elems(vnet_nft *nft, const char *table, elem_list *l, GError **error);

static bool read_elems(vnet_nft *nft, elem_list **ret, GError **error)
{
	g_autoptr(elem_list) l = elem_list_new();

	if (!read_table_elems(nft, T, l, error) || !read_table_elems(nft, B, l, error))
		return false;
	*ret = g_steal_pointer(&l);
	return true;
}

/* The elements of our table @table ("inet vnetctl"), added to @l. */
static bool read_table_elems(vnet_nft *nft, const char *table, elem_list *l, GError **error)
{
	unsigned flags = nft_ctx_output_get_flags(nft->ctx);
	g_autofree char *cmd = g_strdup_printf("list table %s", table);
	g_autofree char *out = NULL;
	g_autofree char *err = NULL;
	json_error_t jerr;
	json_t *root, *arr, *item;
	size_t i;
	int rc;

	nft_ctx_output_set_flags(nft->ctx, flags | NFT_CTX_OUTPUT_JSON | NFT_CTX_OUTPUT_NUMERIC_PROTO);
	rc = nft_run_cmd_from_buffer(nft->ctx, cmd);
	nft_ctx_output_set_flags(nft->ctx, flags);
	err = take_buffers(nft, &out);
	if (rc != 0) {
		if (strstr(err, strerror(ENOENT)))	/* no table: no elements */
			return true;
		g_auto(GStrv) lines = g_strsplit(err, "\n", 2);
		vnet_set_error(error, VNET_ERROR_FAILED,
			    _("Could not list nftables table %s: %s."), table, g_strstrip(lines[0]));
		return false;
	}
	root = json_loads(out, 0, &jerr);
	arr = root ? json_object_get(root, "nftables") : NULL;
	if (!json_is_array(arr)) {
		vnet_set_error(error, VNET_ERROR_FAILED,
			    _("The JSON output of libnftables for table %s could not be read: %s."),
			    table, root ? "no \"nftables\" array" : jerr.text);
		json_decref(root);
		return false;
	}
	json_array_foreach(arr, i, item) {
		json_t *s = json_object_get(item, "set");
		if (!s)
			s = json_object_get(item, "map");
		if (s && !parse_set_elements(s, l, error)) {
			json_decref(root);
			return false;
		}
	}
	json_decref(root);
	return true;
}

static int compare_strings(gconstpointer a, gconstpointer b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

bool vnet_nft_read_elements(vnet_nft *nft, GPtrArray **ret_lines, GError **error)
{
	g_autoptr(elem_list) l = NULL;
	GPtrArray *lines;

	if (!read_elems(nft, &l, error))
		return false;
	lines = g_ptr_array_new_with_free_func(g_free);
	for (guint i = 0; i < l->items->len; i++)
		g_ptr_array_add(lines, g_strdup(((elem *)l->items->pdata[i])->line));
	g_ptr_array_sort(lines, compare_strings);
	*ret_lines = lines;
	return true;
}

bool vnet_nft_apply(vnet_nft *nft, const vnet_intent *old, const vnet_intent *new,
		    GHashTable *guests, bool dry_run, char **ret_commands, GError **error)
{
	return vnet_nft_converge(nft, old, guests, new, guests, dry_run, ret_commands, error);
}

static guint forward_hash(gconstpointer p)
{
	const vnet_forward *f = p;
	guint h = f->host_port * 31u + f->proto * 7u + f->family;

	for (guint i = 0; i < sizeof(f->host_addr.b); i++)
		h = h * 33u + f->host_addr.b[i];
	return h;
}

static gboolean forward_equal(gconstpointer a, gconstpointer b)
{
	const vnet_forward *x = a, *y = b;

	/* Copies of an intent share their forwards (vnet_forward_ref()). */
	if (x == y)
		return TRUE;
	return x->family == y->family && x->has_host_addr == y->has_host_addr &&
	       (!x->has_host_addr || vnet_addr_equal(&x->host_addr, &y->host_addr)) &&
	       x->host_port == y->host_port && x->host_port_end == y->host_port_end &&
	       x->guest_kind == y->guest_kind && x->guest_port == y->guest_port &&
	       x->guest_port_end == y->guest_port_end && x->proto == y->proto &&
	       (x->guest_kind != VNET_GUEST_ADDR || vnet_addr_equal(&x->guest_addr, &y->guest_addr)) &&
	       g_strcmp0(x->guest_name, y->guest_name) == 0;
}

/* The forwards of @a that @b does not have, by value. */
/* The forwards of @a[@a0..@a1) that are not among @b[@b0..@b1), in order. */
static GPtrArray *forwards_minus(const GPtrArray *a, guint a0, guint a1, const GPtrArray *b, guint b0, guint b1)
{
	g_autoptr(GHashTable) in_b = g_hash_table_new(forward_hash, forward_equal);
	GPtrArray *out = g_ptr_array_new();

	for (guint i = b0; i < b1; i++)
		g_hash_table_add(in_b, b->pdata[i]);
	for (guint i = a0; i < a1; i++)
		if (!g_hash_table_contains(in_b, a->pdata[i]))
			g_ptr_array_add(out, a->pdata[i]);
	return out;
}

/*
 * The forwards only @a has (*@ret_a) and only @b has (*@ret_b), in order.
 * A forward add or remove leaves the rest in place, so the run both begin
 * with and the run both end with are passed over first, compared in order:
 * only what lies between goes through the hash sets.  An intent never holds
 * two equal forwards (they would clash: refused on read and on add), so a
 * forward in the middle of one is never equal to one in a run of the other.
 */
static void forwards_differ(const vnet_intent *a, const vnet_intent *b, GPtrArray **ret_a, GPtrArray **ret_b)
{
	const GPtrArray *fa = a->forwards, *fb = b->forwards;
	guint na = fa->len, nb = fb->len, pre = 0, suf = 0;

	while (pre < na && pre < nb && forward_equal(fa->pdata[pre], fb->pdata[pre]))
		pre++;
	while (suf < na - pre && suf < nb - pre && forward_equal(fa->pdata[na - 1 - suf], fb->pdata[nb - 1 - suf]))
		suf++;
	*ret_a = forwards_minus(fa, pre, na - suf, fb, pre, nb - suf);
	*ret_b = forwards_minus(fb, pre, nb - suf, fa, pre, na - suf);
}

/* Whether every element but the forwards' is the same in @a and @b. */
static bool same_base(const vnet_intent *a, const vnet_intent *b)
{
	return a->mode == b->mode && g_strcmp0(a->bridge, b->bridge) == 0 &&
	       a->has_subnet4 == b->has_subnet4 && a->has_subnet6 == b->has_subnet6 &&
	       (!a->has_subnet4 || (a->subnet4.prefix == b->subnet4.prefix &&
				    vnet_addr_equal(&a->subnet4.addr, &b->subnet4.addr))) &&
	       (!a->has_subnet6 || (a->subnet6.prefix == b->subnet6.prefix &&
				    vnet_addr_equal(&a->subnet6.addr, &b->subnet6.addr))) &&
	       a->has_guest == b->has_guest && (!a->has_guest || vnet_addr_equal(&a->guest, &b->guest)) &&
	       /* an isolated network's elements name its gateways and host ports */
	       a->has_gateway4 == b->has_gateway4 && (!a->has_gateway4 || vnet_addr_equal(&a->gateway4, &b->gateway4)) &&
	       a->has_gateway6 == b->has_gateway6 && (!a->has_gateway6 || vnet_addr_equal(&a->gateway6, &b->gateway6)) &&
	       a->host_ports->len == b->host_ports->len &&
	       (!a->host_ports->len ||
		memcmp(a->host_ports->data, b->host_ports->data, a->host_ports->len * sizeof(guint32)) == 0);
}

bool vnet_nft_converge(vnet_nft *nft, const vnet_intent *old, GHashTable *old_guests,
		       const vnet_intent *new, GHashTable *new_guests, bool dry_run,
		       char **ret_commands, GError **error)
{
	/*
	 * Adding one forward to a network that has 10,000 must not expand and
	 * diff all 10,000: when only forwards differ, only the differing ones
	 * are expanded (the forwards both share would cancel out anyway).
	 */
	g_autoptr(GPtrArray) only_old = NULL, only_new = NULL;
	vnet_intent old_part, new_part;

	if (old && new && old_guests == new_guests && same_base(old, new)) {
		forwards_differ(old, new, &only_old, &only_new);
		old_part = *old;
		old_part.forwards = only_old;
		new_part = *new;
		new_part.forwards = only_new;
		old = &old_part;
		new = &new_part;
	}
	g_autoptr(elem_list) o = intent_elems(old, old_guests);
	g_autoptr(elem_list) n = intent_elems(new, new_guests);
	g_autoptr(elem_list) kernel = NULL;
	g_autofree char *cmds = diff_commands(o, n);
	g_autofree char *conv = NULL;
	g_autoptr(GError) first = NULL;
	g_autoptr(GString) run = g_string_new(NULL);
	bool present;

	if (dry_run) {
		if (ret_commands)
			*ret_commands = g_steal_pointer(&cmds);
		return true;
	}
	g_return_val_if_fail(nft != NULL, false);

	if (!vnet_nft_check_ours(nft, error))
		return false;
	present = layout_present(nft);
	if (!present)
		g_string_append(run, table_commands);
	g_string_append(run, cmds);
	if (run->len == 0 || run_commands(nft, run->str, &first))
		goto done;

	/*
	 * The kernel is not what @old says (an element of the same key holds
	 * other data): read what it has, once, and converge those keys.
	 */
	if (!read_elems(nft, &kernel, NULL)) {
		g_propagate_error(error, g_steal_pointer(&first));
		return false;
	}
	conv = converge_commands(o, n, kernel);
	g_string_truncate(run, 0);
	if (!present)
		g_string_append(run, table_commands);
	g_string_append(run, conv);
	/* nothing left to do: the kernel already holds what @new wants */
	if (run->len > 0 && !run_commands(nft, run->str, error))
		return false;
done:
	if (ret_commands)
		*ret_commands = g_strdup(run->str);
	return true;
}

/* ------------------------------------------------ filled elements */

static int generation_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nftnl_gen *gen = nftnl_gen_alloc();
	gint64 *ret = data;

	if (gen && nftnl_gen_nlmsg_parse(nlh, gen) == 0)
		*ret = nftnl_gen_get_u32(gen, NFTNL_GEN_ID);
	nftnl_gen_free(gen);
	return MNL_CB_OK;
}

/* The ruleset's generation (every commit, anyone's, counts one up), or -1. */
static gint64 ruleset_generation(void)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct mnl_socket *nl = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC);
	guint32 seq = (guint32)g_get_monotonic_time();
	struct nlmsghdr *nlh;
	gint64 gen = -1;
	ssize_t n;

	if (!nl)
		return -1;
	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETGEN, AF_UNSPEC, 0, seq);
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0 ||
	    mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0 ||
	    (n = mnl_socket_recvfrom(nl, buf, sizeof(buf))) <= 0 ||
	    mnl_cb_run(buf, n, seq, mnl_socket_get_portid(nl), generation_cb, &gen) < 0)
		gen = -1;
	mnl_socket_close(nl);
	return gen;
}

/*
 * Where the record of @owner's elements lives; NULL for a name that is no
 * file name.  Generations count per network namespace, so the record names
 * ours.
 */
static char *filled_path(const char *owner)
{
	const char *dir = g_getenv("VNET_RUN_DIR");

	if (!owner || !vnet_name_is_valid(owner, VNET_NAME_MAX))
		return NULL;
	return g_strdup_printf("%s/nft/%s", dir ? dir : "/run/vnetctl", owner);
}

static char *filled_record(guint32 gen, const char *digest)
{
	struct stat st;

	if (stat("/proc/self/ns/net", &st) != 0)
		return NULL;
	return g_strdup_printf("%ju %u %s\n", (uintmax_t)st.st_ino, gen, digest);
}

/* A digest of the elements (in order; another order only costs a read). */
static char *elems_digest(const elem_list *l)
{
	vnet_sha256 *c = vnet_sha256_new();

	for (guint i = 0; i < l->items->len; i++) {
		const char *line = ((elem *)l->items->pdata[i])->line;
		vnet_sha256_update(c, line, strlen(line));
		vnet_sha256_update(c, "\n", 1);
	}
	return vnet_sha256_finish(c);
}

/* Whether the kernel holds @owner's elements exactly as @digest says, with no commit since. */
static bool filled_unchanged(const char *owner, const char *digest)
{
	g_autofree char *path = filled_path(owner), *text = NULL, *want = NULL;
	gint64 gen;

	if (!path || !g_file_get_contents(path, &text, NULL, NULL) || (gen = ruleset_generation()) < 0)
		return false;
	want = filled_record((guint32)gen, digest);
	return want && g_str_equal(text, want);
}

static void filled_forget(vnet_nft *nft)
{
	if (!nft)
		return;
	g_clear_pointer(&nft->fill_owner, g_free);
	g_clear_pointer(&nft->fill_digest, g_free);
	g_clear_pointer(&nft->fill_cmds, g_free);
}

/* After @cmds ran (or had nothing to do): record what vnet_nft_prepare() read, if these were its commands. */
static void filled_keep(vnet_nft *nft, const char *cmds)
{
	g_autofree char *path = NULL, *dir = NULL, *record = NULL;
	gint64 gen;

	if (!nft || !nft->fill_owner || g_strcmp0(cmds ? cmds : "", nft->fill_cmds) != 0)
		goto out;
	/* One commit since the read, ours, or none at all when there was nothing to do. */
	gen = ruleset_generation();
	if (gen < 0 || (guint32)gen != nft->fill_gen + (*nft->fill_cmds ? 1 : 0))
		goto out;
	path = filled_path(nft->fill_owner);
	dir = g_path_get_dirname(path);
	record = filled_record((guint32)gen, nft->fill_digest);
	if (record && g_mkdir_with_parents(dir, 0700) == 0)
		g_file_set_contents_full(path, record, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0600, NULL);
out:
	filled_forget(nft);
}

/* ------------------------------------------------ the table's own commands */

/*
 * Sending table_commands with every change puts back a chain, rule or set
 * that someone deleted, but it is not free: the kernel walks every element
 * of a map when a rule that refers to it is added (nf_tables_bind_set), so
 * the eight DNAT rules walk the forward maps eight times per command, and
 * libnftables parses some fifty rules.  The table can only differ from what
 * the commands make after a commit, anyone's, and every commit moves the
 * ruleset's generation.  So after a commit that left the table as the
 * commands make it (they were in it, or it was the only commit since such a
 * generation), the generation is recorded, with the network namespace and a
 * digest of the commands (another vnetctl's commands are other commands);
 * the next change that finds the same generation leaves them out.  A rule
 * deleted by hand moves the generation, and the commands go again.
 */
static char *table_record_path(void)
{
	const char *dir = g_getenv("VNET_RUN_DIR");

	/* '@' is in no network name: filled_path() never names this file */
	return g_strdup_printf("%s/nft/@table", dir ? dir : "/run/vnetctl");
}

/*
 * The network namespace: its inode, and its cookie where the kernel has
 * one (never reused, where an inode may be by a namespace made later).
 */
static char *netns_id(void)
{
	struct stat st;
	guint64 cookie = 0;

	if (stat("/proc/self/ns/net", &st) != 0)
		return NULL;
#ifdef SO_NETNS_COOKIE
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	socklen_t len = sizeof(cookie);
	if (fd >= 0) {
		if (getsockopt(fd, SOL_SOCKET, SO_NETNS_COOKIE, &cookie, &len) != 0)
			cookie = 0;
		close(fd);
	}
#endif
	return g_strdup_printf("%ju.%" G_GUINT64_FORMAT, (uintmax_t)st.st_ino, cookie);
}

static char *table_record(guint32 gen)
{
	static char *digest;
	g_autofree char *ns = netns_id();

	if (!digest)
		digest = vnet_sha256_string(table_commands);
	return ns ? g_strdup_printf("%s %u %s\n", ns, gen, digest) : NULL;
}

/* Whether the table is as table_commands make it at generation @gen (-1: unknown, so no). */
static bool table_as_made(gint64 gen)
{
	g_autofree char *path = table_record_path(), *text = NULL, *want = NULL;

	if (gen < 0 || !g_file_get_contents(path, &text, NULL, NULL))
		return false;
	want = table_record((guint32)gen);
	return want && g_str_equal(text, want);
}

/*
 * After one successful commit that left the table as table_commands make it,
 * begun at generation @before: record the generation after it, if nobody
 * else committed since @before.
 */
static void table_keep(gint64 before)
{
	g_autofree char *path = table_record_path(), *dir = NULL, *record = NULL;
	gint64 gen = ruleset_generation();

	if (before < 0 || gen < 0 || (guint32)gen != (guint32)before + 1) {
		g_unlink(path);
		return;
	}
	dir = g_path_get_dirname(path);
	record = table_record((guint32)gen);
	if (record && g_mkdir_with_parents(dir, 0700) == 0)
		g_file_set_contents_full(path, record, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0600, NULL);
}

/* @old and @new narrowed to the forwards that differ, when nothing else does. */
typedef struct narrowed {
	GPtrArray *only_old, *only_new;
	vnet_intent old_part, new_part;
} narrowed;

static void narrow(narrowed *n, const vnet_intent **old, GHashTable *old_guests,
		   const vnet_intent **new, GHashTable *new_guests)
{
	n->only_old = n->only_new = NULL;
	if (!*old || !*new || old_guests != new_guests || !same_base(*old, *new))
		return;
	forwards_differ(*old, *new, &n->only_old, &n->only_new);
	n->old_part = **old;
	n->old_part.forwards = n->only_old;
	n->new_part = **new;
	n->new_part.forwards = n->only_new;
	*old = &n->old_part;
	*new = &n->new_part;
}

bool vnet_nft_prepare(vnet_nft *nft, const vnet_intent *old, GHashTable *old_guests,
		      const vnet_intent *new, GHashTable *new_guests, bool exact,
		      char **ret_do, char **ret_undo, char **ret_gone, bool *ret_table_missing,
		      GError **error)
{
	narrowed nw;
	g_autoptr(elem_list) o = NULL, n = NULL, kernel = NULL;
	g_autoptr(GPtrArray) del = g_ptr_array_new(), add = g_ptr_array_new();
	bool missing = nft ? !layout_present(nft) : false;

	if (nft)
		filled_forget(nft);

	/* Exact asks about the whole network: a narrowed @new would disown its forwards. */
	nw.only_old = nw.only_new = NULL;
	if (!exact)
		narrow(&nw, &old, old_guests, &new, new_guests);
	o = intent_elems(old, old_guests);
	n = intent_elems(new, new_guests);
	if (nw.only_old)
		g_ptr_array_unref(nw.only_old);
	if (nw.only_new)
		g_ptr_array_unref(nw.only_new);

	if (!exact) {
		*ret_do = diff_commands(o, n);
		*ret_undo = diff_commands(n, o);
		for (guint i = 0; i < o->items->len; i++)
			if (!g_hash_table_contains(n->lines, ((elem *)o->items->pdata[i])->line))
				g_ptr_array_add(del, o->items->pdata[i]);
	} else {
		/*
		 * What the kernel holds decides what changes, so undo is exact.  An
		 * element is this network's when its comment names the network
		 * (whatever the old intent says: a forward whose intent was edited
		 * since), or, written before elements had owners, when it has a key
		 * of ours; another network's element is never touched.
		 */
		const char *me = new ? new->name : old ? old->name : NULL;
		/* The record's claim is about a network's elements alone, as a step without @old sees them. */
		g_autofree char *digest = nft && !missing && new && !old ? elems_digest(n) : NULL;
		gint64 gen = -1;
		if (digest && filled_unchanged(me, digest))
			kernel = NULL;	/* exactly @new's, as recorded: nothing to read, nothing to change */
		else if (missing || !nft)
			kernel = elem_list_new();
		else {
			gen = digest ? ruleset_generation() : -1;
			if (!read_elems(nft, &kernel, error))
				return false;
		}
		for (guint i = 0; kernel && i < kernel->items->len; i++) {
			elem *e = kernel->items->pdata[i];
			bool mine = e->owner ? g_strcmp0(e->owner, me) == 0
					     : (g_hash_table_contains(o->keys, e->keyline) ||
						g_hash_table_contains(n->keys, e->keyline));
			if (mine && !g_hash_table_contains(n->lines, e->line) && elem_is_safe(e))
				g_ptr_array_add(del, e);
		}
		for (guint i = 0; kernel && i < n->items->len; i++) {
			elem *e = n->items->pdata[i];
			if (!g_hash_table_contains(kernel->lines, e->line))
				g_ptr_array_add(add, e);
		}
		*ret_do = change_commands(del, add, false);
		*ret_undo = change_commands(add, del, true);
		if (gen >= 0) {
			nft->fill_owner = g_strdup(me);
			nft->fill_digest = g_steal_pointer(&digest);
			nft->fill_cmds = g_strdup(*ret_do);
			nft->fill_gen = (guint32)gen;
		}
	}
	if (ret_gone) {
		/* Forwards that stop going where they went: their connections there go too. */
		GString *g = g_string_new(NULL);
		for (guint i = 0; i < del->len; i++) {
			const elem *e = del->pdata[i];
			if (e->set >= SET_FWD4 && e->set <= SET_FWDR6_ADDR)
				g_string_append_printf(g, "%s\n", e->line);
		}
		*ret_gone = g_string_free(g, FALSE);
	}
	if (ret_table_missing)
		*ret_table_missing = missing;
	return true;
}

/* Whether a table vnetctl of @family exists at all (ours or not): the cheapest listing of it. */
static bool table_exists(vnet_nft *nft, const char *family)
{
	g_autofree char *chains = g_strdup_printf("list chains %s", family);
	g_autofree char *setcmd = g_strdup_printf("list sets %s", family);
	g_autofree char *head = g_strdup_printf("table %s " VNET_NFT_TABLE " {", family);
	int rc = nft_run_cmd_from_buffer(nft->ctx, chains);
	g_autofree char *out = NULL;

	g_free(take_buffers(nft, &out));
	if (rc == 0 && strstr(out, head))
		return true;
	rc = nft_run_cmd_from_buffer(nft->ctx, setcmd);
	g_clear_pointer(&out, g_free);
	g_free(take_buffers(nft, &out));
	return rc == 0 && strstr(out, head);
}

/* Whether @set of our @table exists: libnftables fetches just that set. */
static bool set_exists(vnet_nft *nft, const char *table, const char *set)
{
	g_autofree char *cmd = g_strdup_printf("list set %s %s", table, set);
	int rc = nft_run_cmd_from_buffer(nft->ctx, cmd);

	g_free(take_buffers(nft, NULL));
	return rc == 0;
}

bool vnet_nft_check_ours(vnet_nft *nft, GError **error)
{
	/* A table of layout 1 or 2 is ours too: the table commands bring it to layout 3. */
	if (!set_exists(nft, T, LAYOUT_MARKER) && table_exists(nft, VNET_NFT_FAMILY) &&
	    !set_exists(nft, T, OLD_LAYOUT_MARKER) && !set_exists(nft, T, OLD_LAYOUT2_MARKER)) {
		vnet_set_error(error, VNET_ERROR_CONFLICT,
			       _("A table inet vnetctl exists that vnetctl did not make (it lacks vnetctl's marker set \"%s\"), and vnetctl never changes a table it did not make. Save it and move it aside (nft list table inet vnetctl > vnetctl-table.nft; nft delete table inet vnetctl), then run the command again."),
			       LAYOUT_MARKER);
		return false;
	}
	if (!set_exists(nft, B, GUARD_MARKER) && table_exists(nft, "bridge")) {
		vnet_set_error(error, VNET_ERROR_CONFLICT,
			       _("A table bridge vnetctl exists that vnetctl did not make (it lacks vnetctl's marker set \"%s\"), and vnetctl never changes a table it did not make. Save it and move it aside (nft list table bridge vnetctl > vnetctl-bridge.nft; nft delete table bridge vnetctl), then run the command again."),
			       GUARD_MARKER);
		return false;
	}
	return true;
}

bool vnet_nft_run(vnet_nft *nft, const char *cmds, GError **error)
{
	g_autoptr(GString) run = g_string_new(NULL);
	g_autofree char *path = NULL;
	gint64 gen;
	bool made;

	if (!cmds || !*cmds) {
		filled_keep(nft, cmds);
		return true;
	}
	if (!vnet_nft_check_ours(nft, error)) {
		filled_forget(nft);
		return false;
	}
	/*
	 * The table's commands are idempotent (chains flushed, then filled):
	 * sent with a change, they put back a chain, rule or set that someone
	 * deleted, in the same transaction.  They are left out while nothing
	 * has been committed since the table was last as they make it.
	 */
	gen = ruleset_generation();
	made = table_as_made(gen);
	if (!made)
		g_string_append(run, table_commands);
	g_string_append(run, cmds);
	if (!run_commands(nft, run->str, made ? NULL : error)) {
		/* a commit came between the generation and ours: with them, then */
		if (!made || !run_commands(nft, (g_string_prepend(run, table_commands))->str, error)) {
			g_unlink(path = table_record_path());
			filled_forget(nft);
			return false;
		}
	}
	table_keep(gen);
	filled_keep(nft, cmds);
	return true;
}

/* Whether kernel subnet element @key ("10.0.0.0/24") overlaps @c. */
static bool key_overlaps(const char *key, const vnet_cidr *c)
{
	vnet_cidr k;

	return vnet_cidr_parse(key, 0, &k, NULL) && vnet_cidr_overlaps(&k, c);
}

bool vnet_nft_check_claims(vnet_nft *nft, const vnet_intent *in, GHashTable *guests, GError **error)
{
	g_autoptr(elem_list) want = intent_elems(in, guests), kernel = NULL;

	if (!read_elems(nft, &kernel, error))
		return false;
	for (guint i = 0; i < kernel->items->len; i++) {
		const elem *e = kernel->items->pdata[i];
		const elem *w = g_hash_table_lookup(want->keys, e->keyline);
		bool clash = w != NULL;
		if (!e->owner || g_strcmp0(e->owner, in->name) == 0)
			continue;
		if (e->set == SET_NAT4 && in->has_subnet4)
			clash = clash || key_overlaps(e->key, &in->subnet4);
		if (e->set == SET_NAT6 && in->has_subnet6)
			clash = clash || key_overlaps(e->key, &in->subnet6);
		if (!clash)
			continue;
		vnet_set_error(error, VNET_ERROR_CONFLICT,
			       _("Network \"%s\" wants \"%s\" in table inet vnetctl, which network \"%s\" holds (\"%s\"); it gets no rules until one of them changes."),
			       in->name, w ? w->line : e->line, e->owner, e->line);
		return false;
	}
	return true;
}

bool vnet_nft_owns_any(vnet_nft *nft, const char *owner)
{
	g_autoptr(elem_list) l = NULL;

	if (!layout_present(nft) || !read_elems(nft, &l, NULL))
		return false;
	for (guint i = 0; i < l->items->len; i++)
		if (g_strcmp0(((elem *)l->items->pdata[i])->owner, owner) == 0)
			return true;
	return false;
}

bool vnet_nft_repair_table(vnet_nft *nft, GError **error)
{
	return vnet_nft_check_ours(nft, error) && run_commands(nft, table_commands, error);
}

bool vnet_nft_table_empty(vnet_nft *nft)
{
	g_autoptr(elem_list) l = NULL;

	return read_elems(nft, &l, NULL) && l->items->len == 0;
}

/* The chains and sets table_commands makes, in table inet vnetctl or (@bridge) table bridge vnetctl. */
static bool is_our_object(const char *kind, const char *name, bool bridge)
{
	static const char *const chains[] = { "guard", "pre", "out", "post", "forwarding", "input", NULL };
	static const char *const bridge_chains[] = { "guard", "dropped", NULL };
	int set;

	/* Rules live in chains; a rule in our chains is ours (they are flushed and refilled). */
	if (g_str_equal(kind, "rule") || g_str_equal(kind, "table") || g_str_equal(kind, "metainfo"))
		return true;
	if (!name)
		return false;
	if (bridge && g_str_equal(kind, "chain"))
		return g_strv_contains(bridge_chains, name);
	/* A trace's chain goes when the trace ends, or with the next one if it was killed. */
	if (g_str_equal(kind, "chain"))
		return g_strv_contains(chains, name) || g_str_has_prefix(name, VNET_NFT_TRACE_PREFIX);
	if (!g_str_equal(kind, "set") && !g_str_equal(kind, "map"))
		return false;
	if (bridge && (g_str_equal(name, GUARD_MARKER) || g_str_equal(name, DROPS_SET)))
		return true;
	set = set_index(name);
	return (!bridge && g_str_equal(name, LAYOUT_MARKER)) || (set >= 0 && sets[set].bridge == bridge);
}

/* Whether our @table holds only what vnetctl made, and no element of ours. */
static bool only_ours_and_empty(vnet_nft *nft, const char *table, bool bridge)
{
	unsigned flags = nft_ctx_output_get_flags(nft->ctx);
	g_autofree char *cmd = g_strdup_printf("list table %s", table);
	g_autofree char *out = NULL;
	json_t *root, *arr, *item;
	bool ok = true;
	size_t i;
	int rc;

	nft_ctx_output_set_flags(nft->ctx, flags | NFT_CTX_OUTPUT_JSON | NFT_CTX_OUTPUT_NUMERIC_PROTO);
	rc = nft_run_cmd_from_buffer(nft->ctx, cmd);
	nft_ctx_output_set_flags(nft->ctx, flags);
	g_free(take_buffers(nft, &out));
	root = rc == 0 ? json_loads(out, 0, NULL) : NULL;
	arr = root ? json_object_get(root, "nftables") : NULL;
	if (!json_is_array(arr)) {
		json_decref(root);
		return false;
	}
	/* Only ours, and empty: an admin's chain or set in it keeps the table. */
	json_array_foreach(arr, i, item) {
		const char *kind;
		json_t *obj;
		json_object_foreach(item, kind, obj) {
			const char *name = json_string_value(json_object_get(obj, "name"));
			json_t *elems = json_object_get(obj, "elem");
			/* the kernel's drop counters go with the table */
			bool counters = bridge && g_strcmp0(name, DROPS_SET) == 0;
			if (!is_our_object(kind, name, bridge) || (!counters && elems && json_array_size(elems) > 0))
				ok = false;
		}
	}
	json_decref(root);
	return ok;
}

bool vnet_nft_table_removable(vnet_nft *nft)
{
	return layout_present(nft) && only_ours_and_empty(nft, T, false) && only_ours_and_empty(nft, B, true);
}

bool vnet_nft_run_chains(vnet_nft *nft, const char *cmds, bool *ret_created, GError **error)
{
	g_autoptr(GString) run = g_string_new(NULL);
	bool missing;

	if (!vnet_nft_check_ours(nft, error))
		return false;
	/* A bare "add table" would make a table without our marker: someone else's to us. */
	missing = !layout_present(nft);
	if (missing)
		g_string_append(run, table_commands);
	g_string_append(run, cmds);
	if (!run_commands(nft, run->str, error))
		return false;
	if (ret_created)
		*ret_created = missing;
	return true;
}

bool vnet_nft_list_text(vnet_nft *nft, bool ours_only, char **ret_text, GError **error)
{
	unsigned flags = nft_ctx_output_get_flags(nft->ctx);
	g_autofree char *out = NULL;
	g_autofree char *err = NULL;
	int rc;

	nft_ctx_output_set_flags(nft->ctx, flags | NFT_CTX_OUTPUT_HANDLE | NFT_CTX_OUTPUT_TERSE);
	rc = nft_run_cmd_from_buffer(nft->ctx, ours_only ? "list table " T : "list ruleset");
	nft_ctx_output_set_flags(nft->ctx, flags);
	err = take_buffers(nft, &out);
	if (rc != 0 && ours_only && strstr(err, strerror(ENOENT))) {
		*ret_text = g_strdup("");
		return true;
	}
	if (rc != 0) {
		g_auto(GStrv) lines = g_strsplit(err, "\n", 2);
		vnet_set_error(error, VNET_ERROR_FAILED,
			    _("Could not list the nftables ruleset: %s."), g_strstrip(lines[0]));
		return false;
	}
	*ret_text = g_steal_pointer(&out);
	return true;
}

/* ------------------------------------------------ the guard's counters */

struct vnet_drops {
	char *port, *mac;
	guint64 packets, bytes;
};

static void drops_free(vnet_drops *d)
{
	g_free(d->port);
	g_free(d->mac);
	g_free(d);
}

GPtrArray *vnet_drops_array_new(void)
{
	return g_ptr_array_new_with_free_func((GDestroyNotify)drops_free);
}

void vnet_drops_add(GPtrArray *drops, const char *port, const char *mac, guint64 packets, guint64 bytes)
{
	vnet_drops *d = g_new0(vnet_drops, 1);

	d->port = g_strdup(port);
	d->mac = g_strdup(mac);
	d->packets = packets;
	d->bytes = bytes;
	g_ptr_array_add(drops, d);
}

const char *vnet_drops_get_port(const vnet_drops *d) { return d->port; }
const char *vnet_drops_get_mac(const vnet_drops *d) { return d->mac; }
guint64 vnet_drops_get_packets(const vnet_drops *d) { return d->packets; }
guint64 vnet_drops_get_bytes(const vnet_drops *d) { return d->bytes; }

static gint compare_drops(gconstpointer a, gconstpointer b)
{
	const vnet_drops *x = *(vnet_drops *const *)a, *y = *(vnet_drops *const *)b;
	int c = strcmp(x->mac, y->mac);

	return c ? c : strcmp(x->port, y->port);
}

/* The element of the kernel's dynamic set @el: its two-part key and counter, or false. */
static bool parse_drop(json_t *el, const char **port, const char **mac, json_t **counter)
{
	json_t *wrap = json_object_get(el, "elem");
	json_t *key = json_object_get(wrap ? wrap : el, "val");
	json_t *concat = json_object_get(key, "concat");

	*counter = json_object_get(wrap ? wrap : el, "counter");
	if (!json_is_array(concat) || json_array_size(concat) != 2)
		return false;
	*port = json_string_value(json_array_get(concat, 0));
	*mac = json_string_value(json_array_get(concat, 1));
	return *port && *mac;
}

/* The JSON of listing @cmd (one set), or NULL if it failed; json_decref() it. */
static json_t *list_set_json(vnet_nft *nft, const char *cmd)
{
	unsigned flags = nft_ctx_output_get_flags(nft->ctx);
	g_autofree char *out = NULL;
	int rc;

	nft_ctx_output_set_flags(nft->ctx, flags | NFT_CTX_OUTPUT_JSON);
	rc = nft_run_cmd_from_buffer(nft->ctx, cmd);
	nft_ctx_output_set_flags(nft->ctx, flags);
	g_free(take_buffers(nft, &out));
	return rc == 0 ? json_loads(out, 0, NULL) : NULL;
}

GPtrArray *vnet_nft_guard_drops(vnet_nft *nft, const char *owner, GError **error)
{
	g_autoptr(GPtrArray) ret = g_ptr_array_new_with_free_func((GDestroyNotify)drops_free);
	g_autoptr(GHashTable) ports = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	g_autoptr(elem_list) l = elem_list_new();
	json_t *root, *item;
	size_t i;

	/*
	 * The ports are @owner's as its guard_port elements say (that set
	 * alone: the bindings may be thousands); the counters are the kernel's.
	 */
	if (!set_exists(nft, B, GUARD_MARKER))
		return g_steal_pointer(&ret);
	root = list_set_json(nft, "list set " B " guard_port");
	json_array_foreach(json_object_get(root, "nftables"), i, item) {
		json_t *set = json_object_get(item, "set");
		if (set && !parse_set_elements(set, l, error)) {
			json_decref(root);
			return NULL;
		}
	}
	json_decref(root);
	for (guint k = 0; k < l->items->len; k++) {
		const elem *e = l->items->pdata[k];
		if (e->set == SET_GUARD_PORT && g_strcmp0(e->owner, owner) == 0)
			g_hash_table_add(ports, g_strdup(e->key));
	}
	if (g_hash_table_size(ports) == 0)
		return g_steal_pointer(&ret);
	root = list_set_json(nft, "list set " B " " DROPS_SET);
	json_array_foreach(json_object_get(root, "nftables"), i, item) {
		json_t *elems = json_object_get(json_object_get(item, "set"), "elem"), *el;
		size_t j;
		json_array_foreach(elems, j, el) {
			const char *port, *mac;
			json_t *counter;
			vnet_drops *d;
			if (!parse_drop(el, &port, &mac, &counter) || !g_hash_table_contains(ports, port))
				continue;
			d = g_new0(vnet_drops, 1);
			d->port = g_strdup(port);
			d->mac = g_ascii_strdown(mac, -1);
			d->packets = (guint64)json_integer_value(json_object_get(counter, "packets"));
			d->bytes = (guint64)json_integer_value(json_object_get(counter, "bytes"));
			g_ptr_array_add(ret, d);
		}
	}
	json_decref(root);
	g_ptr_array_sort(ret, compare_drops);
	return g_steal_pointer(&ret);
}
