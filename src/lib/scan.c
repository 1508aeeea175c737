/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * scan: an ARP sweep of a managed network's segment (probe.h) read against
 * what vnetctl knows of it: the DHCP reservations, the static addresses
 * attach recorded and the NICs of the domains on it.  It reports addresses
 * answered by more than one MAC, guests answering for an address reserved
 * to another, and reservations answered from a foreign MAC.  It changes
 * nothing and takes no lock.
 */
#include "config.h"

#include <string.h>

#include "context.h"
#include "netxml.h"
#include "planner.h"
#include "probe.h"
#include "virt.h"
#include "util.h"

struct vnet_scan_conflict {
	const char *kind;	/* static: "duplicate", "guest", "foreign" */
	char *address;
	GPtrArray *macs;	/* NULL-terminated */
	char *owner_mac, *owner_domain;
	char *problem;
};

struct vnet_scan {
	char *bridge;
	char *range;
	guint64 probed;
	GPtrArray *answers;	/* vnet_sweep_hit * */
	GPtrArray *answer_strs;	/* their addresses, as strings */
	GPtrArray *answer_macs;	/* NULL-terminated copies of their MACs */
	GPtrArray *conflicts;	/* vnet_scan_conflict * */
};

static void conflict_free(vnet_scan_conflict *c)
{
	g_free(c->address);
	g_ptr_array_unref(c->macs);
	g_free(c->owner_mac);
	g_free(c->owner_domain);
	g_free(c->problem);
	g_free(c);
}

void vnet_scan_free(vnet_scan *s)
{
	if (!s)
		return;
	g_free(s->bridge);
	g_free(s->range);
	g_ptr_array_unref(s->answers);
	g_ptr_array_unref(s->answer_strs);
	g_ptr_array_unref(s->answer_macs);
	g_ptr_array_unref(s->conflicts);
	g_free(s);
}

bool vnet_scan_check_range(const char *range, GError **error)
{
	vnet_cidr r;

	return !range || vnet_sweep_range(range, NULL, "-", &r, error);
}

/* Whose an address is: a reservation's or a static address's MAC and domain. */
typedef struct owner {
	char *mac, *domain;
} owner;

static void owner_free(owner *o)
{
	g_free(o->mac);
	g_free(o->domain);
	g_free(o);
}

static void add_owner(GHashTable *owners, const char *addr, const char *mac, const char *domain)
{
	owner *o = g_new0(owner, 1);

	o->mac = g_ascii_strdown(mac, -1);
	o->domain = g_strdup(domain ? domain : "-");
	g_hash_table_replace(owners, g_strdup(addr), o);
}

static vnet_scan_conflict *conflict_new(const char *kind, const char *addr, const owner *o)
{
	vnet_scan_conflict *c = g_new0(vnet_scan_conflict, 1);

	c->kind = kind;
	c->address = g_strdup(addr);
	c->macs = g_ptr_array_new_with_free_func(g_free);
	c->owner_mac = o ? g_strdup(o->mac) : NULL;
	c->owner_domain = o ? g_strdup(o->domain) : NULL;
	return c;
}

static char *join_macs(GPtrArray *macs)
{
	GString *s = g_string_new(NULL);

	for (guint i = 0; i < macs->len && macs->pdata[i]; i++)
		g_string_append_printf(s, "%s%s", i ? ", " : "", (const char *)macs->pdata[i]);
	return g_string_free(s, FALSE);
}

/*
 * The conflicts of @hits: @owners maps an address to whose it is, @guests a
 * guest MAC to its domain.
 */
static GPtrArray *find_conflicts(const char *net, GPtrArray *hits, GHashTable *owners, GHashTable *guests)
{
	GPtrArray *out = g_ptr_array_new_with_free_func((GDestroyNotify)conflict_free);

	for (guint i = 0; i < hits->len; i++) {
		const vnet_sweep_hit *h = hits->pdata[i];
		g_autofree char *addr = vnet_addr_format(&h->addr);
		const owner *o = g_hash_table_lookup(owners, addr);
		if (h->macs->len > 1) {
			vnet_scan_conflict *c = conflict_new("duplicate", addr, NULL);
			g_autofree char *who = NULL;
			for (guint k = 0; k < h->macs->len; k++)
				g_ptr_array_add(c->macs, g_strdup(h->macs->pdata[k]));
			who = join_macs(c->macs);
			c->problem = g_strdup_printf(_("The address %s is answered by more than one MAC: %s."), addr, who);
			g_ptr_array_add(c->macs, NULL);
			g_ptr_array_add(out, c);
		}
		for (guint k = 0; o && k < h->macs->len; k++) {
			const char *mac = h->macs->pdata[k];
			const char *dom = g_hash_table_lookup(guests, mac);
			vnet_scan_conflict *c;
			if (g_str_equal(mac, o->mac))
				continue;
			c = conflict_new(dom ? "guest" : "foreign", addr, o);
			g_ptr_array_add(c->macs, g_strdup(mac));
			g_ptr_array_add(c->macs, NULL);
			if (dom)
				c->problem = g_strdup_printf(_("The address %s is reserved for MAC %s (domain \"%s\"), but the guest MAC %s (domain \"%s\") answers for it."),
							     addr, o->mac, o->domain, mac, dom);
			else
				c->problem = g_strdup_printf(_("The address %s is reserved for MAC %s (domain \"%s\"), but MAC %s, no guest of network \"%s\", answers for it."),
							     addr, o->mac, o->domain, mac, net);
			g_ptr_array_add(out, c);
		}
	}
	return out;
}

/*
 * The guest MACs of every network of @in (MAC -> domain), and whose each
 * address is on VLAN @vlan (0: untagged), where DHCP reserves none.
 */
static void read_guests(vnet_virt *virt, const vnet_intent *in, guint vlan, GHashTable *owners,
			GHashTable *guests)
{
	for (guint i = 0; i < vnet_intent_n_networks(in) && !vlan; i++) {
		g_autofree char *net = vnet_intent_network_name(in, i);
		bool active = vnet_virt_network_active(virt, net);
		g_autofree char *xml = vnet_virt_network_xml(virt, net, !active, NULL);
		g_autoptr(GPtrArray) hosts = xml ? vnet_netxml_hosts(xml) : NULL;
		g_autoptr(GHashTable) nics = vnet_virt_network_nics(virt, net, NULL);
		GHashTableIter it;
		gpointer k, v;
		for (guint h = 0; hosts && h < hosts->len; h++) {
			const vnet_dhcp_host *d = hosts->pdata[h];
			if (!d->mac)
				continue;
			g_hash_table_replace(guests, g_ascii_strdown(d->mac, -1), g_strdup(d->name ? d->name : "-"));
			if (d->ip)
				add_owner(owners, d->ip, d->mac, d->name);
		}
		if (!nics)
			continue;
		g_hash_table_iter_init(&it, nics);
		while (g_hash_table_iter_next(&it, &k, &v)) {
			const char *dom = v;
			g_hash_table_replace(guests, g_strdup(k), g_strdup(dom[0] == '!' ? dom + 1 : dom));
		}
	}
	for (guint i = 0; i < in->statics->len; i++) {
		const vnet_static_addr *st = in->statics->pdata[i];
		g_hash_table_replace(guests, g_strdup(st->mac), g_strdup(st->domain));
		if (st->vlan == vlan)
			add_owner(owners, st->s_addr, st->mac, st->domain);
	}
}

/*
 * The segment to sweep: the subnet of the network's own bridge, or a
 * bridged LAN's as the host's address on it says; for hybrid the NAT half,
 * or the LAN half for a range outside the NAT subnet.
 */
static bool pick_segment(const vnet_intent *in, const char *range_s, const char **ret_bridge,
			 vnet_cidr *ret_range, vnet_cidr *ret_subnet, bool *ret_has_subnet, GError **error)
{
	const char *lan = vnet_planner_lan_bridge(in);
	g_autoptr(GArray) held = NULL;
	vnet_cidr r;

	if (vnet_mode_has_own_bridge(in->mode) && in->has_subnet4) {
		bool nat_half = true;
		if (in->mode == VNET_MODE_HYBRID && range_s &&
		    vnet_cidr_parse(range_s, VNET_CIDR_NETWORK | VNET_CIDR_NEED_PREFIX, &r, NULL))
			nat_half = r.addr.family == AF_INET && r.prefix >= in->subnet4.prefix &&
				   vnet_cidr_contains(&in->subnet4, &r.addr);
		if (nat_half || !lan) {
			*ret_bridge = in->bridge;
			*ret_subnet = in->subnet4;
			*ret_has_subnet = true;
			return vnet_sweep_range(range_s, &in->subnet4, in->bridge, ret_range, error);
		}
	}
	if (!lan) {
		vnet_set_error(error, VNET_ERROR_INVALID,
			    _("Network \"%s\" has no IPv4 subnet to scan."), in->name);
		return false;
	}
	held = vnet_probe_bridge_addrs(lan, AF_INET);
	*ret_bridge = lan;
	*ret_has_subnet = held->len > 0;
	if (held->len)
		*ret_subnet = vnet_cidr_network(&g_array_index(held, vnet_cidr, 0));
	return vnet_sweep_range(range_s, held->len ? ret_subnet : NULL, lan, ret_range, error);
}

vnet_scan *vnet_ctx_scan(vnet_ctx *ctx, const char *name, const char *range, vnet_scan_progress progress,
			 void *user_data, GError **error)
{
	return vnet_ctx_scan_vlan(ctx, name, range, 0, progress, user_data, error);
}

/* @vlan of @in, on its Open vSwitch bridge: the bridge, and the range asked for (a VLAN's subnet is not the host's). */
static bool pick_vlan(const vnet_intent *in, const char *range_s, guint vlan, const char **ret_bridge,
		      vnet_cidr *ret_range, GError **error)
{
	bool known = false;

	for (guint i = 0; i < vnet_intent_get_n_vlans(in); i++)
		known = known || vnet_intent_get_vlan(in, i) == vlan;
	if (in->vswitch != VNET_SWITCH_OVS || !known) {
		vnet_set_error(error, VNET_ERROR_INVALID,
			    _("Network \"%s\" has no VLAN %u to scan; scan one of its --vlan IDs, or leave --vlan out."),
			    in->name, vlan);
		return false;
	}
	if (!range_s) {
		vnet_set_error(error, VNET_ERROR_INVALID,
			    _("Scanning VLAN %u of network \"%s\" needs --range: the host holds no address on that VLAN that would tell its subnet."),
			    vlan, in->name);
		return false;
	}
	*ret_bridge = in->bridge;
	return vnet_sweep_range(range_s, NULL, in->bridge, ret_range, error);
}

vnet_scan *vnet_ctx_scan_vlan(vnet_ctx *ctx, const char *name, const char *range, guint vlan,
			      vnet_scan_progress progress, void *user_data, GError **error)
{
	g_autoptr(vnet_intent) in = NULL;
	g_autoptr(vnet_scan) s = NULL;
	g_autoptr(GHashTable) owners = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify)owner_free);
	g_autoptr(GHashTable) guests = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	const char *bridge = NULL;
	vnet_cidr r, subnet;
	bool has_subnet = false;

	if (!(in = vnet_ctx_get(ctx, name, NULL, error)))
		return NULL;
	if (!vnet_ctx_is_local(ctx)) {
		vnet_set_error(error, VNET_ERROR_INVALID,
			    _("A scan sends its probes from this host, but network \"%s\" runs on the host of libvirt URI \"%s\"; run the scan there."),
			    name, vnet_virt_uri(vnet_ctx_virt(ctx)));
		return NULL;
	}
	if (vlan ? !pick_vlan(in, range, vlan, &bridge, &r, error)
		 : !pick_segment(in, range, &bridge, &r, &subnet, &has_subnet, error))
		return NULL;
	s = g_new0(vnet_scan, 1);
	s->bridge = g_strdup(bridge);
	s->range = vnet_cidr_format(&r);
	s->probed = vnet_sweep_count(&r, has_subnet ? &subnet : NULL);
	if (!(s->answers = vnet_sweep(bridge, &r, has_subnet ? &subnet : NULL, (guint16)vlan, progress, user_data,
				      error)))
		return NULL;
	s->answer_strs = g_ptr_array_new_with_free_func(g_free);
	s->answer_macs = g_ptr_array_new_with_free_func((GDestroyNotify)g_ptr_array_unref);
	for (guint i = 0; i < s->answers->len; i++) {
		const vnet_sweep_hit *h = s->answers->pdata[i];
		GPtrArray *m = g_ptr_array_new_with_free_func(g_free);
		for (guint k = 0; k < h->macs->len; k++)
			g_ptr_array_add(m, g_strdup(h->macs->pdata[k]));
		g_ptr_array_add(m, NULL);
		g_ptr_array_add(s->answer_strs, vnet_addr_format(&h->addr));
		g_ptr_array_add(s->answer_macs, m);
	}
	read_guests(vnet_ctx_virt(ctx), in, vlan, owners, guests);
	s->conflicts = find_conflicts(name, s->answers, owners, guests);
	return g_steal_pointer(&s);
}

const char *vnet_scan_get_bridge(const vnet_scan *s) { return s->bridge; }
const char *vnet_scan_get_range(const vnet_scan *s) { return s->range; }
guint64 vnet_scan_get_n_probed(const vnet_scan *s) { return s->probed; }
guint vnet_scan_get_n_answers(const vnet_scan *s) { return s->answers->len; }

const char *vnet_scan_get_answer(const vnet_scan *s, guint i, const char *const **ret_macs)
{
	if (i >= s->answers->len)
		return NULL;
	if (ret_macs)
		*ret_macs = (const char *const *)((GPtrArray *)s->answer_macs->pdata[i])->pdata;
	return s->answer_strs->pdata[i];
}

guint vnet_scan_get_n_conflicts(const vnet_scan *s) { return s->conflicts->len; }

const vnet_scan_conflict *vnet_scan_get_conflict(const vnet_scan *s, guint i)
{
	return i < s->conflicts->len ? s->conflicts->pdata[i] : NULL;
}

const char *vnet_scan_conflict_get_kind(const vnet_scan_conflict *c) { return c->kind; }
const char *vnet_scan_conflict_get_address(const vnet_scan_conflict *c) { return c->address; }
const char *const *vnet_scan_conflict_get_macs(const vnet_scan_conflict *c)
{
	return (const char *const *)c->macs->pdata;
}
const char *vnet_scan_conflict_get_owner_mac(const vnet_scan_conflict *c) { return c->owner_mac; }
const char *vnet_scan_conflict_get_owner_domain(const vnet_scan_conflict *c) { return c->owner_domain; }
const char *vnet_scan_conflict_get_problem(const vnet_scan_conflict *c) { return c->problem; }
