/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "validate.h"
#include "netlink.h"
#include "openflow.h"
#include "ovn.h"
#include "util.h"

char *vnet_default_bridge_name(const char *prefix, const char *name)
{
	g_autofree char *br = g_strconcat(prefix, name, NULL);

	return strlen(br) <= VNET_IFNAME_MAX ? g_steal_pointer(&br) : NULL;
}

static bool is_self(const vnet_intent *intent, const vnet_intent *other)
{
	return intent->name && g_strcmp0(intent->name, other->name) == 0;
}

/* The bridge that carries an intent's own subnet (not a LAN bridge), or NULL. */
static const char *subnet_bridge(const vnet_intent *in)
{
	return in->mode == VNET_MODE_BRIDGED || in->mode == VNET_MODE_OVERLAY ? NULL : in->bridge;
}

/*
 * Whether @ifname is the bridge that carries @self's subnet: the one it names,
 * or that of the stored intent of the same name (a re-apply), whose addresses
 * and routes are the network's own.  A LAN bridge is not (its addresses are
 * the LAN's), nor is a NULL @ifname (a route without a device).
 */
static bool on_own_bridge(const vnet_intent *self, const vnet_host *host, const char *ifname)
{
	if (!ifname)
		return false;
	if (g_strcmp0(ifname, subnet_bridge(self)) == 0)
		return true;
	for (guint i = 0; i < host->intents->len; i++) {
		const vnet_intent *o = host->intents->pdata[i];
		if (is_self(self, o) && g_strcmp0(ifname, subnet_bridge(o)) == 0)
			return true;
	}
	return false;
}

/* Every subnet the host already uses, except those of @self's own intent. */
static GArray *taken_subnets(const vnet_host *host, const vnet_intent *self)
{
	GArray *t = g_array_new(FALSE, FALSE, sizeof(vnet_cidr));

	for (guint i = 0; i < host->addrs->len; i++) {
		const vnet_host_addr *a = &g_array_index(host->addrs, vnet_host_addr, i);
		vnet_cidr c = vnet_cidr_network(&a->cidr);
		if (!on_own_bridge(self, host, a->ifname))
			g_array_append_val(t, c);
	}
	for (guint i = 0; i < host->routes->len; i++) {
		const vnet_host_addr *r = &g_array_index(host->routes, vnet_host_addr, i);
		if (r->cidr.prefix > 0 && !on_own_bridge(self, host, r->ifname))
			g_array_append_val(t, r->cidr);
	}
	for (guint i = 0; i < host->networks->len; i++) {
		const vnet_host_net *n = host->networks->pdata[i];
		g_array_append_vals(t, n->subnets->data, n->subnets->len);
	}
	for (guint i = 0; i < host->intents->len; i++) {
		const vnet_intent *o = host->intents->pdata[i];
		if (is_self(self, o))
			continue;
		if (o->has_subnet4)
			g_array_append_val(t, o->subnet4);
		if (o->has_subnet6)
			g_array_append_val(t, o->subnet6);
	}
	return t;
}

static bool network_name_taken(const vnet_host *host, const char *name)
{
	for (guint i = 0; i < host->networks->len; i++)
		if (g_strcmp0(((vnet_host_net *)host->networks->pdata[i])->name, name) == 0)
			return true;
	for (guint i = 0; i < host->intents->len; i++) {
		const vnet_intent *o = host->intents->pdata[i];
		for (guint j = 0; j < vnet_intent_n_networks(o); j++) {
			g_autofree char *n = vnet_intent_network_name(o, j);
			if (g_strcmp0(o->name, name) == 0 || g_strcmp0(n, name) == 0)
				return true;
		}
	}
	return false;
}

/* Whether @name, or the name of one of the libvirt networks it would give @mode, is taken. */
static bool name_taken(const vnet_host *host, const char *name, vnet_mode mode)
{
	vnet_intent cand = { .name = (char *)name, .mode = mode };

	if (network_name_taken(host, name))
		return true;
	for (guint i = 0; i < vnet_intent_n_networks(&cand); i++) {
		g_autofree char *n = vnet_intent_network_name(&cand, i);
		if (network_name_taken(host, n))
			return true;
	}
	return false;
}

static bool complete_bridge(char **field, const char *prefix, const char *name, GError **error)
{
	if (*field)
		return true;
	*field = vnet_default_bridge_name(prefix, name);
	if (*field)
		return true;
	vnet_set_error(error, VNET_ERROR_INVALID,
		    _("The network name \"%s\" is too long to name its bridge after it; choose the bridge name with --bridge."),
		    name);
	return false;
}

static guint32 addr4_to_u32(const vnet_addr *a)
{
	return (guint32)a->b[0] << 24 | (guint32)a->b[1] << 16 | (guint32)a->b[2] << 8 | a->b[3];
}

static vnet_addr addr4_from_u32(guint32 v)
{
	vnet_addr a = { .family = AF_INET, .b = { v >> 24, v >> 16, v >> 8, v } };

	return a;
}

/*
 * The default DHCP range of @subnet (a /30 or larger): from the address after
 * the gateway to the last host; or, when the gateway is the last host, from
 * the first host to the address before the gateway.
 */
static bool default_range4(const vnet_cidr *subnet, const vnet_addr *gw,
			   vnet_addr *ret_start, vnet_addr *ret_end)
{
	vnet_cidr net = vnet_cidr_network(subnet);
	vnet_addr bcast = vnet_cidr_last(subnet);
	guint32 first = addr4_to_u32(&net.addr) + 1, last = addr4_to_u32(&bcast) - 1;
	guint32 g = addr4_to_u32(gw);

	if (g < first || g > last)
		g = first;	/* not a host of the subnet: validation says so */
	if (g < last) {
		*ret_start = addr4_from_u32(g + 1);
		*ret_end = addr4_from_u32(last);
	} else {
		*ret_start = addr4_from_u32(first);
		*ret_end = addr4_from_u32(g - 1);
	}
	return true;
}

bool vnet_intent_complete(vnet_intent *intent, const vnet_host *host, GError **error)
{
	g_autoptr(vnet_intent) c = vnet_intent_copy(intent);

	if (!c->name) {
		for (guint i = 0; i < 10000 && !c->name; i++) {
			g_autofree char *cand = g_strdup_printf("vnet%u", i);
			if (!name_taken(host, cand, c->mode))
				c->name = g_steal_pointer(&cand);
		}
		if (!c->name) {
			vnet_set_error(error, VNET_ERROR_CONFLICT,
				    _("No free network name vnet0 to vnet9999 is left; give the network a name."));
			return false;
		}
	}

	if (vnet_mode_has_subnet(c->mode) && !c->has_subnet4) {
		g_autoptr(GArray) taken = taken_subnets(host, c);
		if (!vnet_cidr_pick4((vnet_cidr *)taken->data, taken->len, &c->subnet4)) {
			vnet_set_error(error, VNET_ERROR_CONFLICT,
				    _("Every /24 subnet of 10.0.0.0/8, 172.16.0.0/12 and 192.168.0.0/16 overlaps an existing network; choose one with --subnet."));
			return false;
		}
		c->has_subnet4 = true;
	}
	if (c->has_subnet4) {
		if (!c->has_gateway4 && vnet_cidr_nth(&c->subnet4, 1, &c->gateway4))
			c->has_gateway4 = true;
		if (!c->has_guest && vnet_intent_has_forwards(c) && c->subnet4.prefix <= 30) {
			/* The first host address that is not the gateway. */
			vnet_cidr_nth(&c->subnet4, 2, &c->guest);
			if (vnet_addr_equal(&c->guest, &c->gateway4))
				vnet_cidr_nth(&c->subnet4, 1, &c->guest);
			c->has_guest = true;
		}
		/*
		 * The dynamic range starts after the default guest, so a guest that
		 * asks for a lease before `attach` reserves that address cannot
		 * take the address the forwards go to.
		 */
		if (!c->has_range && c->dhcp && c->subnet4.prefix <= 30) {
			vnet_addr last = vnet_cidr_last(&c->subnet4);
			bool after_guest = c->has_guest && vnet_addr_cmp(&c->guest, &c->gateway4) > 0;

			last.b[3]--;
			/* A /30 holds the gateway and the guest and nothing more. */
			if (!after_guest || !vnet_addr_equal(&c->guest, &last))
				c->has_range = default_range4(&c->subnet4, after_guest ? &c->guest : &c->gateway4,
							      &c->dhcp_start, &c->dhcp_end);
		}
	}
	if (c->has_subnet6 && !c->has_gateway6 && vnet_cidr_nth(&c->subnet6, 1, &c->gateway6))
		c->has_gateway6 = true;

	switch (c->mode) {
	case VNET_MODE_NAT:
	case VNET_MODE_ISOLATED:
		if (!complete_bridge(&c->bridge, "vn-", c->name, error))
			return false;
		break;
	case VNET_MODE_BRIDGED:
		if (!c->bridge && !c->uplink) {
			vnet_set_error(error, VNET_ERROR_INVALID,
				    _("Network \"%s\" in bridged mode needs an existing bridge to join (--bridge) or a physical interface to bridge (--uplink)."),
				    c->name);
			return false;
		}
		if (!complete_bridge(&c->bridge, "vb-", c->name, error))
			return false;
		break;
	case VNET_MODE_HYBRID:
		if (!complete_bridge(&c->bridge, "vn-", c->name, error) ||
		    !complete_bridge(&c->lan_bridge, "vb-", c->name, error))
			return false;
		break;
	case VNET_MODE_OVERLAY:
		if (!c->bridge)
			c->bridge = g_strdup(VNET_OVN_BRIDGE);
		vnet_ovn_complete_nexthop(c);
		break;
	}
	vnet_intent_refresh_strings(c);

	/* Swap the completed copy in: the caller's pointer stays valid. */
	vnet_intent tmp = *intent;
	*intent = *c;
	*c = tmp;
	/* The holders stay with the object: each keeps its own count. */
	intent->shares = c->shares;
	c->shares = 0;
	return true;
}

/* ---- the host ports that forwards and listeners hold ---- */

/*
 * An index of host sides that answers vnet_forward_clashes() against a whole
 * set at once.  A forward on every address of its family clashes with any
 * forward of that family and protocol whose ports overlap its own; one bound
 * to an address clashes with those on every address and with those bound to
 * the same address.  So the index keeps, per family and protocol, the ports
 * of every entry (HELD_ALL) and of the unbound ones (HELD_ANY), and per bound
 * address the ports bound to it (HELD_ADDR).  Each set of ports is a GTree of
 * disjoint, merged intervals: a range is one interval however wide, and an
 * insertion or a lookup costs O(log n).  The index only says whether there
 * is a clash; the caller then finds the pair to name by a scan, once, so the
 * message is the one a pairwise loop would give.  Few forwards are compared
 * pairwise (index_pays()).
 */
typedef enum held_kind {
	HELD_ALL,
	HELD_ANY,
	HELD_ADDR,
} held_kind;

typedef struct held_key {
	int family;		/* the forward's (or listener's) family */
	held_kind kind;
	vnet_proto proto;
	int addr_family;	/* HELD_ADDR: the bound address, else 0 */
	guint8 addr[16];
} held_key;

typedef struct port_span {
	guint lo, hi;
} port_span;

static guint held_key_hash(gconstpointer p)
{
	const held_key *k = p;
	guint32 w[4], h = (guint32)k->family * 31u + (guint32)k->kind * 7u + (guint32)k->proto;

	memcpy(w, k->addr, sizeof(w));
	for (size_t i = 0; i < G_N_ELEMENTS(w); i++)
		h = (h ^ w[i]) * 16777619u;	/* FNV-1a, a word at a time */
	return h;
}

static gboolean held_key_equal(gconstpointer a, gconstpointer b)
{
	return memcmp(a, b, sizeof(held_key)) == 0;
}

static GHashTable *held_new(void)
{
	return g_hash_table_new_full(held_key_hash, held_key_equal, g_free,
				     (GDestroyNotify)g_tree_unref);
}

static held_key held_key_of(int family, held_kind kind, vnet_proto proto, const vnet_addr *addr)
{
	held_key k;

	memset(&k, 0, sizeof(k));	/* the padding too: the key is hashed as bytes */
	k.family = family;
	k.kind = kind;
	k.proto = proto;
	if (kind == HELD_ADDR) {
		k.addr_family = addr->family;
		memcpy(k.addr, addr->b, vnet_addr_bits(addr->family) / 8);
	}
	return k;
}

static gint span_cmp(gconstpointer a, gconstpointer b, gpointer unused)
{
	const port_span *x = a, *y = b;

	return x->lo < y->lo ? -1 : x->lo > y->lo;
}

/* For g_tree_search_node(): 0 for a span that overlaps the span @q. */
static gint span_search(gconstpointer node, gconstpointer q)
{
	const port_span *n = node, *s = q;

	if (n->lo > s->hi)
		return -1;
	return n->hi < s->lo ? 1 : 0;
}

static bool spans_overlap(GTree *t, guint lo, guint hi)
{
	port_span q = { lo, hi };

	return t && g_tree_search_node(t, span_search, &q) != NULL;
}

/* Add @lo..@hi to a set, merged with the spans it overlaps or touches. */
static void spans_add(GHashTable *held, const held_key *key, guint lo, guint hi)
{
	GTree *t = g_hash_table_lookup(held, key);
	port_span *s;
	GTreeNode *n;

	if (!t) {
		t = g_tree_new_full(span_cmp, NULL, g_free, NULL);
		g_hash_table_insert(held, g_memdup2(key, sizeof(*key)), t);
	}
	/*
	 * Touching one span only (the next port of a run, as forwards mostly
	 * come): that span grows in place.  Its neighbours do not reach the
	 * grown span, so the order by lo is kept.
	 */
	n = g_tree_search_node(t, span_search, &(port_span){ lo > 0 ? lo - 1 : 0, hi + 1 });
	if (n) {
		port_span *o = g_tree_node_key(n);
		guint glo = MIN(lo, o->lo), ghi = MAX(hi, o->hi);
		GTreeNode *prev = g_tree_node_previous(n), *next = g_tree_node_next(n);
		const port_span *p = prev ? g_tree_node_key(prev) : NULL, *x = next ? g_tree_node_key(next) : NULL;

		if ((!p || p->hi + 1 < glo) && (!x || x->lo > ghi + 1)) {
			o->lo = glo;
			o->hi = ghi;
			return;
		}
	}
	for (;;) {
		port_span q = { lo > 0 ? lo - 1 : 0, hi + 1 };
		const port_span *o;

		n = g_tree_search_node(t, span_search, &q);
		if (!n)
			break;
		o = g_tree_node_key(n);
		lo = MIN(lo, o->lo);
		hi = MAX(hi, o->hi);
		g_tree_remove(t, o);
	}
	s = g_new(port_span, 1);
	*s = (port_span){ lo, hi };
	g_tree_insert(t, s, s);
}

/* Hold @lo..@hi/@proto of @family on @addr, or on every address if @addr is NULL. */
static void held_add(GHashTable *held, int family, vnet_proto proto, const vnet_addr *addr,
		     guint lo, guint hi)
{
	held_key all = held_key_of(family, HELD_ALL, proto, NULL);
	held_key one = held_key_of(family, addr ? HELD_ADDR : HELD_ANY, proto, addr);

	spans_add(held, &all, lo, hi);
	spans_add(held, &one, lo, hi);
}

/* Whether something held clashes with @lo..@hi/@proto of @family on @addr (NULL: every address). */
static bool held_clashes(GHashTable *held, int family, vnet_proto proto, const vnet_addr *addr,
			 guint lo, guint hi)
{
	held_key k;

	if (!addr) {
		k = held_key_of(family, HELD_ALL, proto, NULL);
		return spans_overlap(g_hash_table_lookup(held, &k), lo, hi);
	}
	k = held_key_of(family, HELD_ANY, proto, NULL);
	if (spans_overlap(g_hash_table_lookup(held, &k), lo, hi))
		return true;
	k = held_key_of(family, HELD_ADDR, proto, addr);
	return spans_overlap(g_hash_table_lookup(held, &k), lo, hi);
}

static void held_add_forward(GHashTable *held, const vnet_forward *f)
{
	held_add(held, f->family, f->proto, f->has_host_addr ? &f->host_addr : NULL,
		 f->host_port, f->host_port_end);
}

/* Whether vnet_forward_clashes(@f, g) for some forward g held. */
static bool held_clashes_forward(GHashTable *held, const vnet_forward *f)
{
	return held_clashes(held, f->family, f->proto, f->has_host_addr ? &f->host_addr : NULL,
			    f->host_port, f->host_port_end);
}

/*
 * A listener without an address holds its port on every address of both
 * families; one with an address (of its own family) holds it there only.
 */
static void held_add_listener(GHashTable *held, const vnet_host_listener *l)
{
	if (l->port > G_MAXUINT16)
		return;		/* no forward's port */
	if (l->has_addr) {
		held_add(held, l->addr.family, l->proto, &l->addr, l->port, l->port);
	} else {
		held_add(held, AF_INET, l->proto, NULL, l->port, l->port);
		held_add(held, AF_INET6, l->proto, NULL, l->port, l->port);
	}
}

static bool listener_clashes(const vnet_host_listener *l, const vnet_forward *f)
{
	bool addr_clash = !l->has_addr || !f->has_host_addr || vnet_addr_equal(&l->addr, &f->host_addr);

	return l->proto == f->proto && l->port >= f->host_port && l->port <= f->host_port_end &&
	       addr_clash && (!l->has_addr || l->addr.family == f->family);
}

/*
 * Whether building an index of @entries pays off over comparing @pairs
 * pairs: an entry costs some 30 times a vnet_forward_clashes() call, so a
 * few forwards are compared pairwise as before.  Both ways find the same
 * first clash.
 */
static bool index_pays(guint64 pairs, guint64 entries)
{
	return pairs > 32 * entries;
}

/* Whether @f may clash with what @held holds; without an index, it may. */
static bool may_clash(GHashTable *held, const vnet_forward *f)
{
	return !held || held_clashes_forward(held, f);
}

GHashTable *vnet_forward_index_new(const GPtrArray *forwards)
{
	GHashTable *held = held_new();

	for (guint i = 0; i < forwards->len; i++)
		held_add_forward(held, forwards->pdata[i]);
	return held;
}

bool vnet_forward_index_clashes(GHashTable *index, const vnet_forward *f)
{
	return held_clashes_forward(index, f);
}

void vnet_forward_index_add(GHashTable *index, const vnet_forward *f)
{
	held_add_forward(index, f);
}

bool vnet_forward_index_pays(guint64 pairs, guint64 entries)
{
	return index_pays(pairs, entries);
}

/* Port bitmaps: 65,536 bits, a word per 64 ports. */
#define PORT_WORDS (65536 / 64)

static guint64 span_mask(guint lo, guint hi)	/* lo..hi within one word, 0..63 */
{
	return (hi == 63 ? ~G_GUINT64_CONSTANT(0) : (G_GUINT64_CONSTANT(1) << (hi + 1)) - 1) &
	       ~((G_GUINT64_CONSTANT(1) << lo) - 1);
}

/* Whether any port of @lo..@hi is set in @bits; then sets them all. */
static bool ports_test_and_set(guint64 *bits, guint lo, guint hi, bool set)
{
	bool hit = false;

	for (guint w = lo / 64; w <= hi / 64; w++) {
		guint64 m = span_mask(w == lo / 64 ? lo % 64 : 0, w == hi / 64 ? hi % 64 : 63);
		hit = hit || (bits[w] & m);
		if (set)
			bits[w] |= m;
	}
	return hit;
}

/*
 * Whether no two of @forwards can clash: per family and protocol, one bitmap
 * of the ports held on every address and one of those held on some address.
 * A forward that meets either may clash (two on some address clash only on
 * the same one), so false means "maybe", and the exact search below names the
 * pair.  A few word operations a forward: reading an intent of 65,535
 * forwards checks them in ~1 ms, where the index takes ~25.
 */
static bool surely_distinct(const GPtrArray *forwards)
{
	g_autofree guint64 *bits = g_new0(guint64, 2 * 3 * 2 * PORT_WORDS);

	for (guint i = 0; i < forwards->len; i++) {
		const vnet_forward *f = forwards->pdata[i];
		guint64 *all = bits + (((f->family == AF_INET6) * 3 + (guint)f->proto % 3) * 2) * PORT_WORDS;
		guint64 *some = all + PORT_WORDS;

		/* Both: each marks its ports in one of the two. */
		bool in_all = ports_test_and_set(all, f->host_port, f->host_port_end, !f->has_host_addr);
		bool in_some = ports_test_and_set(some, f->host_port, f->host_port_end, f->has_host_addr);

		if (in_all || in_some)
			return false;
	}
	return true;
}

/*
 * The first forward of @forwards (in order) that clashes with an earlier
 * one, and the earliest earlier one it clashes with, as a pairwise loop
 * (vnet_intent_add_forward() one at a time) would find them, in O(n log n).
 */
bool vnet_forwards_first_clash(const GPtrArray *forwards, guint *ret_later, guint *ret_earlier)
{
	guint64 n = forwards->len;
	g_autoptr(GHashTable) held = NULL;

	if (!index_pays(n * (n - 1) / 2, n))
		;	/* a few: pairwise */
	else if (surely_distinct(forwards))
		return false;
	else
		held = held_new();

	for (guint i = 0; i < forwards->len; i++) {
		const vnet_forward *f = forwards->pdata[i];
		if (may_clash(held, f)) {
			for (guint j = 0; j < i; j++)
				if (vnet_forward_clashes(f, forwards->pdata[j])) {
					*ret_later = i;
					*ret_earlier = j;
					return true;
				}
		}
		if (held)
			held_add_forward(held, f);
	}
	return false;
}

/*
 * A forward as it is published: itself, and for one on every IPv4 address
 * to the default guest of a dual-stack network, its IPv6 side too
 * (vnet_forward_is_dual()), which claims the same ports on every IPv6
 * address.  Clashes are between sides; errors name the forwards they are of.
 */
typedef struct side {
	const vnet_forward *f;		/* the side, of its family */
	const vnet_forward *origin;	/* the intent's forward */
} side;

static GArray *published(const vnet_intent *in, GPtrArray *clones)
{
	GArray *a = g_array_sized_new(FALSE, FALSE, sizeof(side), in->forwards->len);

	for (guint i = 0; i < in->forwards->len; i++) {
		const vnet_forward *f = in->forwards->pdata[i];
		side s = { f, f };

		g_array_append_val(a, s);
		if (vnet_forward_is_dual(in, f)) {
			vnet_forward *v6 = vnet_forward_copy(f);
			v6->family = AF_INET6;
			g_ptr_array_add(clones, v6);
			s.f = v6;
			g_array_append_val(a, s);
		}
	}
	return a;
}

/* The first of the first @n sides of @sides that @f clashes with, or NULL. */
static const side *first_side_clash(const GArray *sides, guint n, const vnet_forward *f)
{
	for (guint j = 0; j < n; j++) {
		const side *s = &g_array_index(sides, side, j);
		if (vnet_forward_clashes(f, s->f))
			return s;
	}
	return NULL;
}

/* ---- validation ---- */

static bool check_subnet_self(const vnet_intent *in, GError **error)
{
	g_autofree char *sub = NULL, *gw = NULL, *s = NULL, *e = NULL, *guest = NULL;
	const vnet_cidr *c = &in->subnet4;

	if (!in->has_subnet4)
		return true;
	sub = vnet_cidr_format(c);
	if (c->prefix > 30) {
		vnet_set_error(error, VNET_ERROR_INVALID,
			    _("The subnet %s of network \"%s\" is too small for a gateway and a guest; use a prefix of /30 or shorter."),
			    sub, in->name);
		return false;
	}
	gw = vnet_addr_format(&in->gateway4);
	if (in->has_gateway4 && (!vnet_cidr_contains(c, &in->gateway4) || vnet_cidr_is_reserved(c, &in->gateway4))) {
		vnet_set_error(error, VNET_ERROR_INVALID,
			    _("The gateway %s is not a host address of the subnet %s of network \"%s\"."),
			    gw, sub, in->name);
		return false;
	}
	if (in->has_range) {
		s = vnet_addr_format(&in->dhcp_start);
		e = vnet_addr_format(&in->dhcp_end);
		if (!vnet_cidr_contains(c, &in->dhcp_start) || !vnet_cidr_contains(c, &in->dhcp_end) ||
		    vnet_cidr_is_reserved(c, &in->dhcp_start) || vnet_cidr_is_reserved(c, &in->dhcp_end)) {
			vnet_set_error(error, VNET_ERROR_INVALID,
				    _("The DHCP range %s to %s is not inside the host addresses of the subnet %s of network \"%s\"."),
				    s, e, sub, in->name);
			return false;
		}
		if (vnet_addr_cmp(&in->dhcp_start, &in->dhcp_end) > 0) {
			vnet_set_error(error, VNET_ERROR_INVALID,
				    _("The DHCP range %s to %s of network \"%s\" ends before it starts."),
				    s, e, in->name);
			return false;
		}
		if (in->has_gateway4 && vnet_addr_cmp(&in->dhcp_start, &in->gateway4) <= 0 &&
		    vnet_addr_cmp(&in->gateway4, &in->dhcp_end) <= 0) {
			vnet_set_error(error, VNET_ERROR_INVALID,
				    _("The DHCP range %s to %s of network \"%s\" covers its gateway %s; start the range after the gateway."),
				    s, e, in->name, gw);
			return false;
		}
	}
	if (in->has_guest) {
		guest = vnet_addr_format(&in->guest);
		if (!vnet_cidr_contains(c, &in->guest) || vnet_cidr_is_reserved(c, &in->guest) ||
		    (in->has_gateway4 && vnet_addr_equal(&in->guest, &in->gateway4))) {
			vnet_set_error(error, VNET_ERROR_INVALID,
				    _("The default guest address %s is not a free host address of the subnet %s of network \"%s\"."),
				    guest, sub, in->name);
			return false;
		}
	}
	return true;
}

static bool check_subnet6_self(const vnet_intent *in, GError **error)
{
	g_autofree char *sub = NULL, *gw = NULL;

	if (!in->has_subnet6)
		return true;
	sub = vnet_cidr_format(&in->subnet6);
	if (in->subnet6.prefix > 126) {
		vnet_set_error(error, VNET_ERROR_INVALID,
			    _("The subnet %s of network \"%s\" is too small for a gateway and a guest; use a prefix of /126 or shorter (/64 is usual)."),
			    sub, in->name);
		return false;
	}
	gw = vnet_addr_format(&in->gateway6);
	if (in->has_gateway6 && (!vnet_cidr_contains(&in->subnet6, &in->gateway6) ||
				 vnet_cidr_is_reserved(&in->subnet6, &in->gateway6))) {
		vnet_set_error(error, VNET_ERROR_INVALID,
			    _("The gateway %s is not a host address of the subnet %s of network \"%s\"."),
			    gw, sub, in->name);
		return false;
	}
	return true;
}

/* The forward @f clashes with @o of network @owner. */
static bool refuse_clash(const vnet_forward *f, const vnet_forward *o, const char *owner, GError **error)
{
	g_autofree char *spec = vnet_forward_format(f);
	g_autofree char *os = vnet_forward_format(o);

	vnet_set_error(error, VNET_ERROR_CONFLICT,
		    _("The forward \"%s\" uses the same host address, port and protocol as the forward \"%s\" of network \"%s\"; pick another host port."),
		    spec, os, owner);
	return false;
}

/* The spec of @f, formatted the first time a refusal needs it. */
static const char *spec_of(char **buf, const vnet_forward *f)
{
	if (!*buf)
		*buf = vnet_forward_format(f);
	return *buf;
}

/* Whether the forward @f may be a forward of @in: its mode, its family's subnet, its guest. */
static bool check_forward_fits(const vnet_intent *in, const vnet_forward *f, GError **error)
{
	g_autofree char *spec = NULL;
	const vnet_cidr *sub = f->family == AF_INET ? &in->subnet4 : &in->subnet6;
	bool has_sub = f->family == AF_INET ? in->has_subnet4 : in->has_subnet6;

	if (in->mode == VNET_MODE_OVERLAY && !in->ovn_external) {
		vnet_set_error(error, VNET_ERROR_INVALID,
			       _("Overlay network \"%s\" has no router to the outside, so the forward \"%s\" has no address to be on; give the router its external address with --ovn-external."),
			       in->name, spec_of(&spec, f));
		return false;
	}
	if (in->mode == VNET_MODE_OVERLAY && !vnet_ovn_check_forward(in, f, error))
		return false;
	if (!vnet_intent_has_forwards(in)) {
		vnet_set_error(error, VNET_ERROR_INVALID,
			    _("Network \"%s\" is in %s mode, which forwards no ports; the forward \"%s\" needs a nat or hybrid network."),
			    in->name, vnet_mode_to_string(in->mode), spec_of(&spec, f));
		return false;
	}
	if (!has_sub) {
		vnet_set_error(error, VNET_ERROR_INVALID,
			    _("The forward \"%s\" is IPv6 but network \"%s\" has no IPv6 subnet; add one with --subnet6."),
			    spec_of(&spec, f), in->name);
		return false;
	}
	if (f->guest_kind == VNET_GUEST_ADDR &&
	    (!vnet_cidr_contains(sub, &f->guest_addr) || vnet_cidr_is_reserved(sub, &f->guest_addr))) {
		g_autofree char *g = vnet_addr_format(&f->guest_addr);
		g_autofree char *s = vnet_cidr_format(sub);
		vnet_set_error(error, VNET_ERROR_INVALID,
			    _("The forward \"%s\" goes to %s, which is not a host address of the subnet %s of network \"%s\"."),
			    spec_of(&spec, f), g, s, in->name);
		return false;
	}
	if (f->has_host_addr && f->family == AF_INET6 && vnet_addr_is_loopback(&f->host_addr)) {
		vnet_set_error(error, VNET_ERROR_INVALID,
			       _("The forward \"%s\" is bound to [::1], which the kernel cannot forward (IPv6 has no route_localnet); bind it to 127.0.0.1 for a host-only forward."),
			       spec_of(&spec, f));
		return false;
	}
	if (f->guest_kind == VNET_GUEST_DEFAULT && f->family == AF_INET && !in->has_guest) {
		vnet_set_error(error, VNET_ERROR_INVALID,
			    _("The forward \"%s\" names no guest and network \"%s\" has no default guest address; write the guest address in the forward."),
			    spec_of(&spec, f), in->name);
		return false;
	}
	return true;
}

static bool check_forwards_self(const vnet_intent *in, GError **error)
{
	g_autoptr(GPtrArray) clones = g_ptr_array_new_with_free_func((GDestroyNotify)vnet_forward_free);
	g_autoptr(GArray) sides = NULL;
	g_autoptr(GHashTable) held = NULL;	/* the sides before the i-th */
	guint64 n;

	for (guint i = 0; i < in->forwards->len; i++)
		if (!check_forward_fits(in, in->forwards->pdata[i], error))
			return false;

	sides = published(in, clones);
	n = sides->len;
	if (index_pays(n * (n - 1) / 2, n))
		held = held_new();
	for (guint i = 0; i < sides->len; i++) {
		const side *s = &g_array_index(sides, side, i);
		/* The earliest side before it that it clashes with, as a pairwise loop would name. */
		const side *o = may_clash(held, s->f) ? first_side_clash(sides, i, s->f) : NULL;
		if (o)
			return refuse_clash(s->origin, o->origin, in->name, error);
		if (held)
			held_add_forward(held, s->f);
	}
	return true;
}

static bool check_switch_self(const vnet_intent *in, GError **error)
{
	if (in->vswitch == VNET_SWITCH_OVS && in->mode != VNET_MODE_BRIDGED) {
		vnet_set_error(error, VNET_ERROR_INVALID,
			    _("Network \"%s\" is in %s mode; an Open vSwitch bridge (--switch ovs) is for --mode bridged."),
			    in->name, vnet_mode_to_string(in->mode));
		return false;
	}
	if (vnet_intent_get_n_vlans(in) && in->vswitch != VNET_SWITCH_OVS) {
		vnet_set_error(error, VNET_ERROR_INVALID,
			    _("Network \"%s\" has VLAN portgroups, which need an Open vSwitch bridge; add --switch ovs."),
			    in->name);
		return false;
	}
	/*
	 * Open vSwitch forwards frames outside the Linux bridge's netfilter
	 * hooks: there the guard is OpenFlow flows, written on the bridge's
	 * management socket (one of ours gets it when ovs-vswitchd makes it).
	 */
	if (in->vswitch == VNET_SWITCH_OVS && vnet_intent_get_guard(in, true) != VNET_GUARD_OFF &&
	    in->bridge && !in->bridge_created && vnet_link_exists(in->bridge) && !vnet_of_available(in->bridge)) {
		g_autofree char *sock = vnet_of_mgmt_path(in->bridge);
		vnet_set_error(error, VNET_ERROR_INVALID,
			    _("Network \"%s\" guards Open vSwitch bridge %s through OpenFlow, but the bridge has no management socket %s; leave --guard out, give --guard off, or let ovs-vswitchd listen there."),
			    in->name, in->bridge, sock);
		return false;
	}
	if (in->vlan_trunk && !vnet_intent_get_n_vlans(in)) {
		vnet_set_error(error, VNET_ERROR_INVALID,
			    _("Network \"%s\" has a trunk portgroup but no VLAN for it to carry; name the VLANs with --vlan."),
			    in->name);
		return false;
	}
	return true;
}

static bool check_self(const vnet_intent *in, GError **error)
{
	if (!in->name || !in->bridge || (in->mode == VNET_MODE_HYBRID && !in->lan_bridge)) {
		vnet_set_error(error, VNET_ERROR_INVALID,
			    _("The intent is not complete: it needs a name and a bridge."));
		return false;
	}
	if (vnet_mode_has_subnet(in->mode) && !in->has_subnet4) {
		vnet_set_error(error, VNET_ERROR_INVALID,
			    _("Network \"%s\" in %s mode needs an IPv4 subnet; give one with --subnet."),
			    in->name, vnet_mode_to_string(in->mode));
		return false;
	}
	if ((in->mode == VNET_MODE_OVERLAY) != (in->ovn != NULL)) {
		vnet_set_error(error, VNET_ERROR_INVALID,
			    in->ovn ? _("Network \"%s\" names an OVN database (--ovn), which only an overlay network (--mode overlay) uses.")
				    : _("Network \"%s\" is an overlay network; name its OVN northbound database with --ovn tcp:HOST:PORT."),
			    in->name);
		return false;
	}
	if (!vnet_ovn_check_nat(in, error))
		return false;
	if (in->mode == VNET_MODE_OVERLAY && in->has_subnet6) {
		vnet_set_error(error, VNET_ERROR_INVALID,
			    _("Network \"%s\" is an overlay network, which vnetctl gives an IPv4 subnet only; leave out --subnet6."),
			    in->name);
		return false;
	}
	if (!vnet_mode_has_subnet(in->mode) && (in->has_subnet4 || in->has_subnet6)) {
		vnet_set_error(error, VNET_ERROR_INVALID,
			    _("Network \"%s\" is bridged onto the LAN, whose addresses come from the LAN itself; leave out --subnet and --subnet6."),
			    in->name);
		return false;
	}
	if (in->host_ports->len && in->mode != VNET_MODE_ISOLATED) {
		vnet_set_error(error, VNET_ERROR_INVALID,
			    _("Network \"%s\" is in %s mode, whose guests reach the host already; --host-port names what an isolated network's guests may reach, for --mode isolated."),
			    in->name, vnet_mode_to_string(in->mode));
		return false;
	}
	if (in->uplink && !vnet_mode_has_lan(in->mode)) {
		vnet_set_error(error, VNET_ERROR_INVALID,
			    _("Network \"%s\" is in %s mode, which has no uplink; --uplink needs a bridged or hybrid network."),
			    in->name, vnet_mode_to_string(in->mode));
		return false;
	}
	if (in->mode == VNET_MODE_HYBRID && g_strcmp0(in->bridge, in->lan_bridge) == 0) {
		vnet_set_error(error, VNET_ERROR_INVALID,
			    _("The NAT and LAN halves of network \"%s\" cannot share the bridge %s."),
			    in->name, in->bridge);
		return false;
	}
	if (in->uplink && (g_strcmp0(in->uplink, in->bridge) == 0 || g_strcmp0(in->uplink, in->lan_bridge) == 0)) {
		vnet_set_error(error, VNET_ERROR_INVALID,
			    _("The uplink %s of network \"%s\" cannot be its own bridge; name the physical interface with --uplink."),
			    in->uplink, in->name);
		return false;
	}
	return check_subnet_self(in, error) && check_subnet6_self(in, error) &&
	       check_forwards_self(in, error) && check_switch_self(in, error);
}

static bool overlaps_network(const vnet_intent *in, const vnet_cidr *sub, const char *s,
			 const vnet_host *host, GError **error)
{
	for (guint i = 0; i < host->networks->len; i++) {
		const vnet_host_net *n = host->networks->pdata[i];
		for (guint j = 0; j < n->subnets->len; j++) {
			const vnet_cidr *o = &g_array_index(n->subnets, vnet_cidr, j);
			if (vnet_cidr_overlaps(sub, o)) {
				g_autofree char *os = vnet_cidr_format(o);
				vnet_set_error(error, VNET_ERROR_CONFLICT,
					    _("The subnet %s of network \"%s\" overlaps the subnet %s of libvirt network \"%s\"; choose another subnet with --subnet."),
					    s, in->name, os, n->name);
				return false;
			}
		}
	}
	return true;
}

static bool overlaps_intent(const vnet_intent *in, const vnet_cidr *sub, const char *s,
			 const vnet_host *host, GError **error)
{
	for (guint i = 0; i < host->intents->len; i++) {
		const vnet_intent *o = host->intents->pdata[i];
		const vnet_cidr *os[] = { o->has_subnet4 ? &o->subnet4 : NULL, o->has_subnet6 ? &o->subnet6 : NULL };
		if (is_self(in, o))
			continue;
		for (size_t j = 0; j < G_N_ELEMENTS(os); j++)
			if (os[j] && vnet_cidr_overlaps(sub, os[j])) {
				g_autofree char *ostr = vnet_cidr_format(os[j]);
				vnet_set_error(error, VNET_ERROR_CONFLICT,
					    _("The subnet %s of network \"%s\" overlaps the subnet %s of vnetctl network \"%s\"; choose another subnet with --subnet."),
					    s, in->name, ostr, o->name);
				return false;
			}
	}
	return true;
}

static bool overlaps_address(const vnet_intent *in, const vnet_cidr *sub, const char *s,
			 const vnet_host *host, GError **error)
{
	for (guint i = 0; i < host->addrs->len; i++) {
		const vnet_host_addr *a = &g_array_index(host->addrs, vnet_host_addr, i);
		if (on_own_bridge(in, host, a->ifname))
			continue;
		if (vnet_cidr_overlaps(sub, &a->cidr)) {
			g_autofree char *o = vnet_cidr_format(&a->cidr);
			vnet_set_error(error, VNET_ERROR_CONFLICT,
				    _("The subnet %s of network \"%s\" overlaps the address %s of interface %s; choose another subnet with --subnet."),
				    s, in->name, o, a->ifname);
			return false;
		}
	}
	return true;
}

static bool overlaps_route(const vnet_intent *in, const vnet_cidr *sub, const char *s,
			 const vnet_host *host, GError **error)
{
	for (guint i = 0; i < host->routes->len; i++) {
		const vnet_host_addr *r = &g_array_index(host->routes, vnet_host_addr, i);
		if (r->cidr.prefix == 0 || on_own_bridge(in, host, r->ifname))
			continue;
		if (vnet_cidr_overlaps(sub, &r->cidr)) {
			g_autofree char *o = vnet_cidr_format(&r->cidr);
			if (r->ifname)
				vnet_set_error(error, VNET_ERROR_CONFLICT,
					    _("The subnet %s of network \"%s\" overlaps the route to %s via %s (a LAN or VPN); choose another subnet with --subnet."),
					    s, in->name, o, r->ifname);
			else
				vnet_set_error(error, VNET_ERROR_CONFLICT,
					    _("The subnet %s of network \"%s\" overlaps the route to %s (a LAN or VPN); choose another subnet with --subnet."),
					    s, in->name, o);
			return false;
		}
	}
	return true;
}

static bool check_subnet_against(const vnet_intent *in, const vnet_cidr *sub,
				 const vnet_host *host, GError **error)
{
	g_autofree char *s = vnet_cidr_format(sub);

	/* Networks first: their bridges' addresses would clash too, less helpfully. */
	return overlaps_network(in, sub, s, host, error) && overlaps_intent(in, sub, s, host, error) &&
	       overlaps_address(in, sub, s, host, error) && overlaps_route(in, sub, s, host, error);
}

/* Whether @br belongs to another network than @in. */
static const char *bridge_owner(const vnet_intent *in, const char *br, const vnet_host *host)
{
	for (guint i = 0; i < host->networks->len; i++) {
		const vnet_host_net *n = host->networks->pdata[i];
		if (g_strcmp0(n->bridge, br) == 0)
			return n->name;
	}
	for (guint i = 0; i < host->intents->len; i++) {
		const vnet_intent *o = host->intents->pdata[i];
		if (!is_self(in, o) && (g_strcmp0(o->bridge, br) == 0 || g_strcmp0(o->lan_bridge, br) == 0))
			return o->name;
	}
	return NULL;
}

static bool own_bridge_was(const vnet_intent *in, const char *br, const vnet_host *host)
{
	for (guint i = 0; i < host->intents->len; i++) {
		const vnet_intent *o = host->intents->pdata[i];
		if (is_self(in, o) && (g_strcmp0(o->bridge, br) == 0 || g_strcmp0(o->lan_bridge, br) == 0))
			return true;
	}
	return false;
}

static bool check_bridge(const vnet_intent *in, const char *br, bool may_reuse,
			 const vnet_host *host, GError **error)
{
	const char *owner = bridge_owner(in, br, host);
	const vnet_host_link *l;

	if (owner) {
		vnet_set_error(error, VNET_ERROR_CONFLICT,
			    _("The bridge %s of network \"%s\" is already the bridge of network \"%s\"; choose another with --bridge."),
			    br, in->name, owner);
		return false;
	}
	l = vnet_host_find_link(host, br);
	if (!l || own_bridge_was(in, br, host) || (may_reuse && l->is_bridge == (in->vswitch == VNET_SWITCH_LINUX)))
		return true;	/* an OVS bridge's own interface is no Linux bridge: OVSDB tells at apply */
	if (l->is_bridge && in->vswitch == VNET_SWITCH_OVS) {
		vnet_set_error(error, VNET_ERROR_CONFLICT,
			    _("The bridge %s of network \"%s\" is a Linux bridge, not an Open vSwitch one; choose another name with --bridge, or leave out --switch ovs."),
			    br, in->name);
		return false;
	}
	vnet_set_error(error, VNET_ERROR_CONFLICT,
		    l->is_bridge ? _("The bridge name %s of network \"%s\" is already used by an existing bridge; choose another with --bridge.")
				 : _("The bridge name %s of network \"%s\" is already used by another interface; choose another with --bridge."),
		    br, in->name);
	return false;
}

static bool check_uplink(const vnet_intent *in, const vnet_host *host, GError **error)
{
	const char *lan = in->mode == VNET_MODE_HYBRID ? in->lan_bridge : in->bridge;
	const vnet_host_link *l;

	if (!in->uplink)
		return true;
	l = vnet_host_find_link(host, in->uplink);
	if (!l) {
		vnet_set_error(error, VNET_ERROR_NOT_FOUND,
			    _("The uplink %s of network \"%s\" does not exist; name an existing physical interface with --uplink."),
			    in->uplink, in->name);
		return false;
	}
	if (g_strcmp0(l->name, "lo") == 0 || l->is_bridge) {
		vnet_set_error(error, VNET_ERROR_INVALID,
			    _("The uplink %s of network \"%s\" is the loopback or a bridge; name a physical interface with --uplink."),
			    in->uplink, in->name);
		return false;
	}
	if (l->master && g_strcmp0(l->master, lan) != 0) {
		vnet_set_error(error, VNET_ERROR_CONFLICT,
			    _("The uplink %s of network \"%s\" is already a port of the bridge %s; release it from that bridge first."),
			    in->uplink, in->name, l->master);
		return false;
	}
	return true;
}

/* The first side of another intent than @in that @f clashes with, and its intent. */
static const side *first_clash_other(const vnet_intent *in, const vnet_host *host,
				     GPtrArray *other_sides, const vnet_forward *f,
				     const vnet_intent **ret_owner)
{
	for (guint j = 0; j < host->intents->len; j++) {
		const vnet_intent *o = host->intents->pdata[j];
		const GArray *os = other_sides->pdata[j];
		const side *of = is_self(in, o) ? NULL : first_side_clash(os, os->len, f);
		if (of) {
			*ret_owner = o;
			return of;
		}
	}
	return NULL;
}

/*
 * Each forward's sides against the other intents' sides, then (unless
 * forced) against the host's listeners; the first forward that clashes is
 * named with the first thing it clashes with, in the host's order.
 */
static bool check_forwards_against(const vnet_intent *in, const vnet_host *host,
				   unsigned flags, GError **error)
{
	g_autoptr(GPtrArray) clones = g_ptr_array_new_with_free_func((GDestroyNotify)vnet_forward_free);
	g_autoptr(GArray) sides = published(in, clones);
	/* Per host intent, its sides (none for @in itself). */
	g_autoptr(GPtrArray) other_sides = g_ptr_array_new_with_free_func((GDestroyNotify)g_array_unref);
	guint64 n = sides->len, m = 0, nl = host->listeners->len;
	g_autoptr(GHashTable) others = NULL;
	g_autoptr(GHashTable) listeners = NULL;

	for (guint j = 0; j < host->intents->len; j++) {
		const vnet_intent *o = host->intents->pdata[j];
		/* An overlay network's forwards are on its OVN router's address, not this host's. */
		GArray *os = is_self(in, o) || o->mode == VNET_MODE_OVERLAY ? g_array_new(FALSE, FALSE, sizeof(side))
									      : published(o, clones);
		g_ptr_array_add(other_sides, os);
		m += os->len;
	}
	if (index_pays(n * m, n + m)) {
		others = held_new();
		for (guint j = 0; j < other_sides->len; j++) {
			const GArray *os = other_sides->pdata[j];
			for (guint k = 0; k < os->len; k++)
				held_add_forward(others, g_array_index(os, side, k).f);
		}
	}
	if (!(flags & VNET_VALIDATE_FORCE) && index_pays(n * nl, n + nl)) {
		listeners = held_new();
		for (guint j = 0; j < nl; j++)
			held_add_listener(listeners, &g_array_index(host->listeners, vnet_host_listener, j));
	}

	for (guint i = 0; i < sides->len; i++) {
		const side *s = &g_array_index(sides, side, i);
		const vnet_forward *f = s->f;
		const vnet_intent *owner = NULL;
		const side *of = may_clash(others, f) ? first_clash_other(in, host, other_sides, f, &owner) : NULL;

		if (of)
			return refuse_clash(s->origin, of->origin, owner->name, error);
		if ((flags & VNET_VALIDATE_FORCE) || !may_clash(listeners, f))
			continue;
		for (guint j = 0; j < host->listeners->len; j++) {
			const vnet_host_listener *l = &g_array_index(host->listeners, vnet_host_listener, j);
			if (listener_clashes(l, f)) {
				g_autofree char *spec = vnet_forward_format(s->origin);
				vnet_set_error(error, VNET_ERROR_CONFLICT,
					    _("The forward \"%s\" would take port %u/%s from a local process that listens on it (sshd, say); pick another host port, or use --force if that is what you want."),
					    spec, l->port, vnet_proto_to_string(l->proto));
				return false;
			}
		}
	}
	return true;
}

/*
 * The sides of @f (see published()) in @out, without copying: its IPv6 side
 * is @v6, a shallow copy.  @dual: whether @f's intent publishes a forward
 * to its default guest on IPv6 too (vnet_forward_is_dual() less the forward).
 */
static guint sides_of(bool dual, const vnet_forward *f, vnet_forward *v6, const vnet_forward *out[2])
{
	out[0] = f;
	if (!dual || f->family != AF_INET || f->has_host_addr || f->guest_kind != VNET_GUEST_DEFAULT)
		return 1;
	*v6 = *f;
	v6->family = AF_INET6;
	out[1] = v6;
	return 2;
}

static bool publishes_dual(const vnet_intent *in)
{
	vnet_addr a;

	return vnet_mode_has_forwards(in->mode) && vnet_intent_default_guest6(in, &a);
}

/* The first forward of @in before its @n-th with a side that clashes with @f, or NULL. */
static const vnet_forward *first_clash_in(const vnet_intent *in, guint n, const vnet_forward *f)
{
	bool dual = publishes_dual(in);

	for (guint i = 0; i < n; i++) {
		const vnet_forward *o = in->forwards->pdata[i], *os[2];
		vnet_forward o6;
		guint no = sides_of(dual, o, &o6, os);
		for (guint m = 0; m < no; m++)
			if (vnet_forward_clashes(f, os[m]))
				return o;
	}
	return NULL;
}


/* @f (its sides @fs) against the other networks' forwards and, unless forced, the local listeners. */
static bool check_added_on_host(const vnet_intent *in, const vnet_forward *f, const vnet_forward *const *fs,
				guint nf, const vnet_host *host, unsigned flags, GError **error)
{
	const vnet_forward *o;

	if (in->mode == VNET_MODE_OVERLAY)
		return true;
	for (guint k = 0; k < nf; k++) {
		for (guint j = 0; j < host->intents->len; j++) {
			const vnet_intent *other = host->intents->pdata[j];
			if (is_self(in, other) || other->mode == VNET_MODE_OVERLAY)
				continue;
			if ((o = first_clash_in(other, other->forwards->len, fs[k])))
				return refuse_clash(f, o, other->name, error);
		}
		if (flags & VNET_VALIDATE_FORCE)
			continue;
		for (guint j = 0; j < host->listeners->len; j++) {
			const vnet_host_listener *l = &g_array_index(host->listeners, vnet_host_listener, j);
			if (listener_clashes(l, fs[k])) {
				g_autofree char *spec = vnet_forward_format(f);
				vnet_set_error(error, VNET_ERROR_CONFLICT,
					    _("The forward \"%s\" would take port %u/%s from a local process that listens on it (sshd, say); pick another host port, or use --force if that is what you want."),
					    spec, l->port, vnet_proto_to_string(l->proto));
				return false;
			}
		}
	}
	return true;
}

bool vnet_intent_validate_added_forward(const vnet_intent *in, const vnet_host *host, unsigned flags,
					GError **error)
{
	const vnet_forward *f, *fs[2], *o;
	vnet_forward f6;
	guint n = in->forwards->len, nf;

	g_return_val_if_fail(n > 0, false);
	f = in->forwards->pdata[n - 1];
	if (!check_forward_fits(in, f, error))
		return false;
	nf = sides_of(publishes_dual(in), f, &f6, fs);
	/* As check_forwards_self() and check_forwards_against() name a clash: side by side, in the host's order. */
	for (guint k = 0; k < nf; k++)
		if ((o = first_clash_in(in, n - 1, fs[k])))
			return refuse_clash(f, o, in->name, error);
	return check_added_on_host(in, f, fs, nf, host, flags, error);
}

/* What one pass over the forwards' text finds for an added forward. */
typedef struct text_clash {
	const vnet_forward *fs[2];
	guint nf;
	bool dual;
	vnet_forward *same;	/* the first that vnet_intent_add_forward() refuses it for */
	vnet_forward *side[2];	/* the first that clashes with each side of it */
} text_clash;

static bool note_clash(const vnet_forward *o, void *data)
{
	text_clash *c = data;
	const vnet_forward *os[2];
	vnet_forward o6;
	guint no;

	if (!c->same && vnet_forward_clashes(c->fs[0], o))
		c->same = vnet_forward_copy(o);
	no = sides_of(c->dual, o, &o6, os);
	for (guint k = 0; k < c->nf; k++)
		for (guint m = 0; m < no && !c->side[k]; m++)
			if (vnet_forward_clashes(c->fs[k], os[m]))
				c->side[k] = vnet_forward_copy(o);
	/* Done once each question has its first answer. */
	return c->same && c->side[0] && (c->nf < 2 || c->side[1]);
}

bool vnet_intent_validate_forward_text(const vnet_intent *in, const char *text, gsize len, const char *spec,
				       const vnet_forward *f, const vnet_host *host, unsigned flags,
				       bool *ret_readable, GError **error)
{
	text_clash c = { .dual = publishes_dual(in) };
	vnet_forward f6;
	bool ok = false;

	c.nf = sides_of(c.dual, f, &f6, c.fs);
	*ret_readable = vnet_forwards_text_foreach(text, len, note_clash, &c);
	if (!*ret_readable)
		goto out;
	/* In the order vnet_intent_add_forward() and vnet_intent_validate_added_forward() refuse. */
	if (c.same) {
		g_autofree char *os = vnet_forward_format(c.same);
		vnet_set_error(error, VNET_ERROR_CONFLICT,
			    _("The forward \"%s\" uses the same host address, port and protocol as the forward \"%s\" of network \"%s\"; pick another host port."),
			    spec, os, in->name ? in->name : "");
		goto out;
	}
	if (!check_forward_fits(in, f, error))
		goto out;
	for (guint k = 0; k < c.nf; k++)
		if (c.side[k]) {
			refuse_clash(f, c.side[k], in->name, error);
			goto out;
		}
	ok = check_added_on_host(in, f, c.fs, c.nf, host, flags, error);
out:
	vnet_forward_free(c.same);
	vnet_forward_free(c.side[0]);
	vnet_forward_free(c.side[1]);
	return ok;
}

static bool check_names(const vnet_intent *in, const vnet_host *host, GError **error)
{
	for (guint i = 0; i < vnet_intent_n_networks(in); i++) {
		g_autofree char *name = vnet_intent_network_name(in, i);
		for (guint j = 0; j < host->networks->len; j++) {
			const vnet_host_net *n = host->networks->pdata[j];
			if (g_strcmp0(n->name, name) == 0) {
				vnet_set_error(error, VNET_ERROR_CONFLICT,
					    _("A libvirt network named \"%s\" already exists and vnetctl does not manage it; choose another name."),
					    name);
				return false;
			}
		}
		for (guint j = 0; j < host->intents->len; j++) {
			const vnet_intent *o = host->intents->pdata[j];
			if (is_self(in, o))
				continue;
			for (guint k = 0; k < vnet_intent_n_networks(o); k++) {
				g_autofree char *on = vnet_intent_network_name(o, k);
				if (g_strcmp0(on, name) == 0) {
					vnet_set_error(error, VNET_ERROR_CONFLICT,
						    _("The libvirt network \"%s\" already belongs to vnetctl network \"%s\"; choose another name."),
						    name, o->name);
					return false;
				}
			}
		}
	}
	return true;
}

bool vnet_intent_validate(const vnet_intent *in, const vnet_host *host,
			  unsigned flags, GError **error)
{
	if (!check_self(in, error) || !check_names(in, host, error))
		return false;
	if (in->has_subnet4 && !check_subnet_against(in, &in->subnet4, host, error))
		return false;
	if (in->has_subnet6 && !check_subnet_against(in, &in->subnet6, host, error))
		return false;
	switch (in->mode) {
	case VNET_MODE_NAT:
	case VNET_MODE_ISOLATED:
		if (!check_bridge(in, in->bridge, false, host, error))
			return false;
		break;
	case VNET_MODE_BRIDGED:
		if (!check_bridge(in, in->bridge, true, host, error))
			return false;
		break;
	case VNET_MODE_HYBRID:
		if (!check_bridge(in, in->bridge, false, host, error) ||
		    !check_bridge(in, in->lan_bridge, true, host, error))
			return false;
		break;
	case VNET_MODE_OVERLAY:
		break;	/* br-int is ovn-controller's, shared by every overlay network */
	}
	return check_uplink(in, host, error) &&
	       (in->mode == VNET_MODE_OVERLAY || check_forwards_against(in, host, flags, error));
}
