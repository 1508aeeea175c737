/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include <vnet/ctx.h>

#include "model.h"
#include "xml.h"
#include "util.h"
#include "validate.h"

static const char *const mode_names[] = {
	[VNET_MODE_NAT] = "nat",
	[VNET_MODE_ISOLATED] = "isolated",
	[VNET_MODE_BRIDGED] = "bridged",
	[VNET_MODE_HYBRID] = "hybrid",
	[VNET_MODE_OVERLAY] = "overlay",
};

/* The index of @s among @names[@first..@n), or -1. */
static int name_index(const char *const *names, size_t first, size_t n, const char *s)
{
	for (size_t i = first; i < n; i++)
		if (g_strcmp0(s, names[i]) == 0)
			return (int)i;
	return -1;
}

bool vnet_mode_from_string(const char *s, vnet_mode *ret_mode, GError **error)
{
	int i = name_index(mode_names, 0, G_N_ELEMENTS(mode_names), s);

	if (i >= 0) {
		*ret_mode = i;
		return true;
	}
	vnet_set_error(error, VNET_ERROR_INVALID,
		    _("\"%s\" is not a mode: use nat, isolated, bridged, hybrid or overlay."), s ? s : "");
	return false;
}

const char *vnet_mode_to_string(vnet_mode mode)
{
	return (size_t)mode < G_N_ELEMENTS(mode_names) ? mode_names[mode] : "?";
}

static const char *const guard_names[] = {
	[VNET_GUARD_DEFAULT] = "default",
	[VNET_GUARD_OFF] = "off",
	[VNET_GUARD_ON] = "on",
	[VNET_GUARD_STRICT] = "strict",
};

bool vnet_guard_from_string(const char *s, vnet_guard *ret_guard, GError **error)
{
	/* "default" is what an unset guard reads as, never what one sets. */
	int i = name_index(guard_names, VNET_GUARD_OFF, G_N_ELEMENTS(guard_names), s);

	if (i >= 0) {
		*ret_guard = i;
		return true;
	}
	vnet_set_error(error, VNET_ERROR_INVALID,
		       _("\"%s\" is not a guard setting: use on, off or strict."), s ? s : "");
	return false;
}

const char *vnet_guard_to_string(vnet_guard guard)
{
	return (size_t)guard < G_N_ELEMENTS(guard_names) ? guard_names[guard] : "?";
}

bool vnet_mode_has_own_bridge(vnet_mode mode)
{
	switch (mode) {
	case VNET_MODE_NAT:
	case VNET_MODE_ISOLATED:
	case VNET_MODE_HYBRID:
		return true;
	case VNET_MODE_BRIDGED:
	case VNET_MODE_OVERLAY:
		return false;
	}
	return false;
}

bool vnet_mode_has_subnet(vnet_mode mode)
{
	return mode != VNET_MODE_BRIDGED;
}

bool vnet_mode_has_forwards(vnet_mode mode)
{
	switch (mode) {
	case VNET_MODE_NAT:
	case VNET_MODE_HYBRID:
		return true;
	case VNET_MODE_ISOLATED:
	case VNET_MODE_BRIDGED:
	case VNET_MODE_OVERLAY:
		return false;
	}
	return false;
}

bool vnet_intent_has_forwards(const vnet_intent *in)
{
	return vnet_mode_has_forwards(in->mode) || (in->mode == VNET_MODE_OVERLAY && in->ovn_external);
}

bool vnet_mode_has_lan(vnet_mode mode)
{
	switch (mode) {
	case VNET_MODE_BRIDGED:
	case VNET_MODE_HYBRID:
		return true;
	case VNET_MODE_NAT:
	case VNET_MODE_ISOLATED:
	case VNET_MODE_OVERLAY:
		return false;
	}
	return false;
}

vnet_intent *vnet_intent_new(const char *name, vnet_mode mode, GError **error)
{
	vnet_intent *intent;

	if (name && !vnet_check_network_name(name, error))
		return NULL;
	if ((size_t)mode >= G_N_ELEMENTS(mode_names)) {
		vnet_set_error(error, VNET_ERROR_INVALID, _("The network mode is not known."));
		return NULL;
	}
	intent = g_new0(vnet_intent, 1);
	intent->name = g_strdup(name);
	intent->mode = mode;
	intent->dhcp = true;
	intent->autostart = true;
	intent->forwards = g_ptr_array_new_with_free_func((GDestroyNotify)vnet_forward_free);
	intent->statics = g_ptr_array_new_with_free_func((GDestroyNotify)vnet_static_addr_free);
	intent->host_ports = g_array_new(FALSE, FALSE, sizeof(guint32));
	return intent;
}

vnet_static_addr *vnet_static_addr_new(const char *mac, const char *domain, const vnet_addr *addr)
{
	vnet_static_addr *s = g_new0(vnet_static_addr, 1);

	s->mac = g_ascii_strdown(mac, -1);
	s->domain = g_strdup(domain);
	s->addr = *addr;
	s->s_addr = vnet_addr_format(addr);
	return s;
}

vnet_static_addr *vnet_static_addr_copy(const vnet_static_addr *s)
{
	vnet_static_addr *c = vnet_static_addr_new(s->mac, s->domain, &s->addr);

	c->vlan = s->vlan;
	return c;
}

void vnet_static_addr_free(vnet_static_addr *s)
{
	if (!s)
		return;
	g_free(s->mac);
	g_free(s->domain);
	g_free(s->s_addr);
	g_free(s);
}

static void free_strings(vnet_intent *intent)
{
	g_clear_pointer(&intent->s_subnet4, g_free);
	g_clear_pointer(&intent->s_subnet6, g_free);
	g_clear_pointer(&intent->s_gateway4, g_free);
	g_clear_pointer(&intent->s_gateway6, g_free);
	g_clear_pointer(&intent->s_guest, g_free);
}

const vnet_intent *vnet_intent_share(const vnet_intent *intent)
{
	((vnet_intent *)intent)->shares++;
	return intent;
}

void vnet_intent_free(vnet_intent *intent)
{
	if (!intent)
		return;
	if (intent->shares) {
		intent->shares--;
		return;
	}
	g_free(intent->name);
	g_free(intent->bridge);
	g_free(intent->lan_bridge);
	g_free(intent->uplink);
	g_free(intent->ovn);
	g_free(intent->ovn_external);
	g_free(intent->ovn_nexthop);
	g_strfreev(intent->ovn_gateways);
	g_ptr_array_unref(intent->forwards);
	g_clear_pointer(&intent->fwd_index, g_hash_table_unref);
	vnet_uplink_state_free(intent->uplink_saved);
	g_free(intent->confirm_token);
	g_ptr_array_unref(intent->statics);
	g_array_unref(intent->host_ports);
	if (intent->vlans)
		g_array_unref(intent->vlans);
	free_strings(intent);
	g_free(intent);
}

void vnet_saved_route_free(vnet_saved_route *r)
{
	if (!r)
		return;
	g_free(r->dst);
	g_free(r->gateway);
	g_free(r);
}

void vnet_saved_addr_free(vnet_saved_addr *a)
{
	if (!a)
		return;
	g_free(a->cidr);
	g_free(a);
}

vnet_uplink_state *vnet_uplink_state_new(void)
{
	vnet_uplink_state *s = g_new0(vnet_uplink_state, 1);

	s->addrs = g_ptr_array_new_with_free_func((GDestroyNotify)vnet_saved_addr_free);
	s->routes = g_ptr_array_new_with_free_func((GDestroyNotify)vnet_saved_route_free);
	return s;
}

vnet_uplink_state *vnet_uplink_state_copy(const vnet_uplink_state *s)
{
	vnet_uplink_state *c = vnet_uplink_state_new();

	c->mac = g_strdup(s->mac);
	c->up = s->up;
	c->ovs_port_kept = s->ovs_port_kept;
	for (guint i = 0; i < s->addrs->len; i++) {
		const vnet_saved_addr *a = s->addrs->pdata[i];
		vnet_saved_addr *n = g_new0(vnet_saved_addr, 1);
		n->cidr = g_strdup(a->cidr);
		n->flags = a->flags;
		g_ptr_array_add(c->addrs, n);
	}
	for (guint i = 0; i < s->routes->len; i++) {
		const vnet_saved_route *r = s->routes->pdata[i];
		vnet_saved_route *n = g_memdup2(r, sizeof(*r));
		n->dst = g_strdup(r->dst);
		n->gateway = g_strdup(r->gateway);
		g_ptr_array_add(c->routes, n);
	}
	return c;
}

void vnet_uplink_state_free(vnet_uplink_state *s)
{
	if (!s)
		return;
	g_free(s->mac);
	g_ptr_array_unref(s->addrs);
	g_ptr_array_unref(s->routes);
	g_free(s);
}

void vnet_intent_refresh_strings(vnet_intent *intent)
{
	free_strings(intent);
	if (intent->has_subnet4)
		intent->s_subnet4 = vnet_cidr_format(&intent->subnet4);
	if (intent->has_subnet6)
		intent->s_subnet6 = vnet_cidr_format(&intent->subnet6);
	if (intent->has_gateway4)
		intent->s_gateway4 = vnet_addr_format(&intent->gateway4);
	if (intent->has_gateway6)
		intent->s_gateway6 = vnet_addr_format(&intent->gateway6);
	if (intent->has_guest)
		intent->s_guest = vnet_addr_format(&intent->guest);
}

vnet_intent *vnet_intent_copy(const vnet_intent *intent)
{
	vnet_intent *c = vnet_intent_copy_bare(intent);

	g_ptr_array_unref(c->forwards);
	c->forwards = g_ptr_array_ref(intent->forwards);
	/* Both are readers of it from now on; whichever changes it first takes its own. */
	c->forwards_shared = true;
	((vnet_intent *)intent)->forwards_shared = true;
	return c;
}

GPtrArray *vnet_intent_own_forwards(vnet_intent *intent)
{
	GPtrArray *own;

	if (!intent->forwards_shared)
		return intent->forwards;
	own = g_ptr_array_new_full(intent->forwards->len + 1, (GDestroyNotify)vnet_forward_free);
	for (guint i = 0; i < intent->forwards->len; i++)
		g_ptr_array_add(own, vnet_forward_ref(intent->forwards->pdata[i]));
	g_ptr_array_unref(intent->forwards);
	intent->forwards = own;
	intent->forwards_shared = false;
	return own;
}

vnet_intent *vnet_intent_copy_bare(const vnet_intent *intent)
{
	vnet_intent *c = g_memdup2(intent, sizeof(*intent));

	c->name = g_strdup(intent->name);
	c->bridge = g_strdup(intent->bridge);
	c->lan_bridge = g_strdup(intent->lan_bridge);
	c->uplink = g_strdup(intent->uplink);
	c->ovn = g_strdup(intent->ovn);
	c->ovn_external = g_strdup(intent->ovn_external);
	c->ovn_nexthop = g_strdup(intent->ovn_nexthop);
	c->ovn_gateways = g_strdupv(intent->ovn_gateways);
	c->forwards = g_ptr_array_new_full(intent->forwards->len, (GDestroyNotify)vnet_forward_free);
	c->forwards_shared = false;
	c->fwd_index = NULL;
	c->fwd_index_len = 0;
	c->fwd_index_last = NULL;
	c->fwd_pairs = 0;
	c->shares = 0;
	c->uplink_saved = intent->uplink_saved ? vnet_uplink_state_copy(intent->uplink_saved) : NULL;
	c->confirm_token = g_strdup(intent->confirm_token);
	c->host_ports = g_array_copy(intent->host_ports);
	c->vlans = intent->vlans ? g_array_copy(intent->vlans) : NULL;
	c->statics = g_ptr_array_new_with_free_func((GDestroyNotify)vnet_static_addr_free);
	for (guint i = 0; i < intent->statics->len; i++) {
		g_ptr_array_add(c->statics, vnet_static_addr_copy(intent->statics->pdata[i]));
	}
	c->s_subnet4 = c->s_subnet6 = c->s_gateway4 = c->s_gateway6 = c->s_guest = NULL;
	vnet_intent_refresh_strings(c);
	return c;
}

static bool opt_addr_equal(bool ha, const vnet_addr *a, bool hb, const vnet_addr *b)
{
	return ha == hb && (!ha || vnet_addr_equal(a, b));
}

static bool opt_cidr_equal(bool ha, const vnet_cidr *a, bool hb, const vnet_cidr *b)
{
	return ha == hb && (!ha || (a->prefix == b->prefix && vnet_addr_equal(&a->addr, &b->addr)));
}

static int strcmp_p(gconstpointer a, gconstpointer b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The forwards in canonical form, sorted: their order is not the intent's identity. */
static GPtrArray *sorted_forwards(const vnet_intent *in)
{
	GPtrArray *out = g_ptr_array_new_full(in->forwards->len, g_free);

	for (guint i = 0; i < in->forwards->len; i++)
		g_ptr_array_add(out, vnet_forward_format(in->forwards->pdata[i]));
	g_ptr_array_sort(out, strcmp_p);
	return out;
}

/* Every field vnet_forward_format() writes is the same: so are the specs. */
static bool forward_same(const vnet_forward *a, const vnet_forward *b)
{
	return a->family == b->family && a->has_host_addr == b->has_host_addr &&
	       (!a->has_host_addr || vnet_addr_equal(&a->host_addr, &b->host_addr)) &&
	       a->host_port == b->host_port && a->host_port_end == b->host_port_end &&
	       a->guest_kind == b->guest_kind &&
	       (a->guest_kind != VNET_GUEST_ADDR || vnet_addr_equal(&a->guest_addr, &b->guest_addr)) &&
	       (a->guest_kind != VNET_GUEST_NAME || g_strcmp0(a->guest_name, b->guest_name) == 0) &&
	       a->guest_port == b->guest_port && a->guest_port_end == b->guest_port_end && a->proto == b->proto;
}

bool vnet_intent_forwards_equal(const vnet_intent *a, const vnet_intent *b)
{
	g_autoptr(GPtrArray) fa = NULL, fb = NULL;
	guint same = 0;

	if (a->forwards->len != b->forwards->len)
		return false;
	/* Most often in the same order: then formatting and sorting them is not needed. */
	while (same < a->forwards->len && forward_same(a->forwards->pdata[same], b->forwards->pdata[same]))
		same++;
	if (same == a->forwards->len)
		return true;
	fa = sorted_forwards(a);
	fb = sorted_forwards(b);
	for (guint i = 0; i < fa->len; i++)
		if (strcmp(fa->pdata[i], fb->pdata[i]) != 0)
			return false;
	return true;
}

bool vnet_intent_equal(const vnet_intent *a, const vnet_intent *b)
{
	if (g_strcmp0(a->name, b->name) || a->mode != b->mode || g_strcmp0(a->bridge, b->bridge) ||
	    g_strcmp0(a->lan_bridge, b->lan_bridge) || g_strcmp0(a->uplink, b->uplink) || g_strcmp0(a->ovn, b->ovn) ||
	    g_strcmp0(a->ovn_external, b->ovn_external) || g_strcmp0(a->ovn_nexthop, b->ovn_nexthop) ||
	    !vnet_strv_equal0(a->ovn_gateways, b->ovn_gateways) ||
	    a->dhcp != b->dhcp || a->autostart != b->autostart || a->guard != b->guard ||
	    !opt_cidr_equal(a->has_subnet4, &a->subnet4, b->has_subnet4, &b->subnet4) ||
	    !opt_cidr_equal(a->has_subnet6, &a->subnet6, b->has_subnet6, &b->subnet6) ||
	    !opt_addr_equal(a->has_gateway4, &a->gateway4, b->has_gateway4, &b->gateway4) ||
	    !opt_addr_equal(a->has_gateway6, &a->gateway6, b->has_gateway6, &b->gateway6) ||
	    !opt_addr_equal(a->has_guest, &a->guest, b->has_guest, &b->guest) ||
	    !opt_addr_equal(a->has_range, &a->dhcp_start, b->has_range, &b->dhcp_start) ||
	    !opt_addr_equal(a->has_range, &a->dhcp_end, b->has_range, &b->dhcp_end) ||
	    a->forwards->len != b->forwards->len || a->host_ports->len != b->host_ports->len ||
	    (a->host_ports->len &&
	     memcmp(a->host_ports->data, b->host_ports->data, a->host_ports->len * sizeof(guint32)) != 0) ||
	    !vnet_intent_vlans_equal(a, b))
		return false;
	return vnet_intent_forwards_equal(a, b);
}

char *vnet_host_port_format(guint32 hp)
{
	return g_strdup_printf("%u/%s", VNET_HOST_PORT_NUMBER(hp), vnet_proto_to_string(VNET_HOST_PORT_PROTO(hp)));
}

guint vnet_intent_get_n_host_ports(const vnet_intent *intent) { return intent->host_ports->len; }

char *vnet_intent_get_host_port(const vnet_intent *intent, guint i)
{
	return i < intent->host_ports->len ? vnet_host_port_format(g_array_index(intent->host_ports, guint32, i)) : NULL;
}

bool vnet_intent_add_host_port(vnet_intent *intent, const char *spec, GError **error)
{
	const char *slash = spec ? strchr(spec, '/') : NULL;
	g_autofree char *num = spec ? g_strndup(spec, slash ? (gsize)(slash - spec) : strlen(spec)) : NULL;
	vnet_proto proto = VNET_PROTO_TCP;
	guint64 port = 0;
	guint32 hp;
	guint i;

	/* digits only: no sign, no space, no hex, no leading zero */
	if (!num || !*num || strspn(num, "0123456789") != strlen(num) || (num[0] == '0') ||
	    strlen(num) > 5 || (port = g_ascii_strtoull(num, NULL, 10)) < 1 || port > 65535 ||
	    (slash && !vnet_proto_from_string(slash + 1, &proto))) {
		vnet_set_error(error, VNET_ERROR_INVALID,
			       _("The host port \"%s\" is not PORT or PORT/tcp, PORT/udp or PORT/sctp with PORT from 1 to 65535."),
			       spec ? spec : "");
		return false;
	}
	hp = VNET_HOST_PORT(proto, port);
	/* kept sorted, so that equal intents hold equal arrays */
	for (i = 0; i < intent->host_ports->len && g_array_index(intent->host_ports, guint32, i) < hp; i++)
		;
	if (i < intent->host_ports->len && g_array_index(intent->host_ports, guint32, i) == hp) {
		g_autofree char *s = vnet_host_port_format(hp);
		vnet_set_error(error, VNET_ERROR_INVALID, _("The host port %s is given twice."), s);
		return false;
	}
	g_array_insert_val(intent->host_ports, i, hp);
	return true;
}

const char *vnet_intent_get_name(const vnet_intent *intent) { return intent->name; }
vnet_mode vnet_intent_get_mode(const vnet_intent *intent) { return intent->mode; }
const char *vnet_intent_get_bridge(const vnet_intent *intent) { return intent->bridge; }
const char *vnet_intent_get_lan_bridge(const vnet_intent *intent) { return intent->lan_bridge; }
const char *vnet_intent_get_uplink(const vnet_intent *intent) { return intent->uplink; }
bool vnet_intent_get_dhcp(const vnet_intent *intent) { return intent->dhcp; }
bool vnet_intent_get_autostart(const vnet_intent *intent) { return intent->autostart; }

vnet_guard vnet_intent_get_guard(const vnet_intent *intent, bool lan)
{
	/* Where vnetctl hands out every address, on; where the LAN does, only when asked. */
	if (lan ? !vnet_mode_has_lan(intent->mode) : !vnet_mode_has_own_bridge(intent->mode))
		return VNET_GUARD_OFF;
	if (intent->guard == VNET_GUARD_DEFAULT)
		return lan ? VNET_GUARD_OFF : VNET_GUARD_ON;
	return intent->guard;
}
const char *vnet_intent_get_default_guest(const vnet_intent *intent) { return intent->s_guest; }
gint64 vnet_intent_get_confirm_deadline(const vnet_intent *intent) { return intent->confirm_deadline; }
guint vnet_intent_get_n_forwards(const vnet_intent *intent) { return intent->forwards->len; }
guint vnet_intent_get_n_static_addrs(const vnet_intent *intent) { return intent->statics->len; }

guint vnet_intent_get_static_addr_vlan(const vnet_intent *intent, guint i)
{
	return i < intent->statics->len ? ((const vnet_static_addr *)intent->statics->pdata[i])->vlan : 0;
}

const char *vnet_intent_get_static_addr(const vnet_intent *intent, guint i, const char **ret_mac,
					const char **ret_domain)
{
	const vnet_static_addr *s;

	if (i >= intent->statics->len)
		return NULL;
	s = intent->statics->pdata[i];
	if (ret_mac)
		*ret_mac = s->mac;
	if (ret_domain)
		*ret_domain = s->domain;
	return s->s_addr;
}

const char *vnet_intent_get_subnet(const vnet_intent *intent, int family)
{
	return family == AF_INET6 ? intent->s_subnet6 : family == AF_INET ? intent->s_subnet4 : NULL;
}

const char *vnet_intent_get_gateway(const vnet_intent *intent, int family)
{
	return family == AF_INET6 ? intent->s_gateway6 : family == AF_INET ? intent->s_gateway4 : NULL;
}

char *vnet_intent_get_forward(const vnet_intent *intent, guint i)
{
	if (i >= intent->forwards->len)
		return NULL;
	return vnet_forward_format(intent->forwards->pdata[i]);
}

bool vnet_intent_set_name(vnet_intent *intent, const char *name, GError **error)
{
	if (!vnet_check_network_name(name, error))
		return false;
	g_free(intent->name);
	intent->name = g_strdup(name);
	return true;
}

static bool set_ifname(char **field, const char *ifname, GError **error)
{
	if (ifname && !vnet_check_ifname(ifname, error))
		return false;
	g_free(*field);
	*field = g_strdup(ifname);
	return true;
}

bool vnet_intent_set_bridge(vnet_intent *intent, const char *bridge, GError **error)
{
	return set_ifname(&intent->bridge, bridge, error);
}

bool vnet_intent_set_lan_bridge(vnet_intent *intent, const char *bridge, GError **error)
{
	return set_ifname(&intent->lan_bridge, bridge, error);
}

bool vnet_intent_set_uplink(vnet_intent *intent, const char *ifname, GError **error)
{
	return set_ifname(&intent->uplink, ifname, error);
}

bool vnet_intent_clear_subnet(vnet_intent *intent, int family)
{
	if (family == AF_INET) {
		intent->has_subnet4 = intent->has_gateway4 = intent->has_range = intent->has_guest = false;
	} else if (family == AF_INET6) {
		intent->has_subnet6 = intent->has_gateway6 = false;
	} else {
		return false;
	}
	vnet_intent_refresh_strings(intent);
	return true;
}

bool vnet_intent_get_dhcp_range(const vnet_intent *intent, char **ret_start, char **ret_end)
{
	*ret_start = intent->has_range ? vnet_addr_format(&intent->dhcp_start) : NULL;
	*ret_end = intent->has_range ? vnet_addr_format(&intent->dhcp_end) : NULL;
	return intent->has_range;
}

bool vnet_intent_set_subnet(vnet_intent *intent, const char *cidr, GError **error)
{
	vnet_cidr c;

	if (!vnet_cidr_parse(cidr, VNET_CIDR_NETWORK | VNET_CIDR_NEED_PREFIX, &c, error))
		return false;
	if (c.addr.family == AF_INET) {
		intent->subnet4 = c;
		intent->has_subnet4 = true;
	} else {
		intent->subnet6 = c;
		intent->has_subnet6 = true;
	}
	vnet_intent_refresh_strings(intent);
	return true;
}

static bool parse_opt_addr(const char *s, vnet_addr *ret, bool *ret_has, GError **error)
{
	if (!s) {
		*ret_has = false;
		return true;
	}
	if (!vnet_addr_parse(s, ret, error))
		return false;
	*ret_has = true;
	return true;
}

bool vnet_intent_set_gateway(vnet_intent *intent, const char *addr, GError **error)
{
	vnet_addr a;
	bool has;

	if (!parse_opt_addr(addr, &a, &has, error))
		return false;
	if (!has) {
		intent->has_gateway4 = intent->has_gateway6 = false;
	} else if (a.family == AF_INET) {
		intent->gateway4 = a;
		intent->has_gateway4 = true;
	} else {
		intent->gateway6 = a;
		intent->has_gateway6 = true;
	}
	vnet_intent_refresh_strings(intent);
	return true;
}

bool vnet_intent_set_dhcp_range(vnet_intent *intent, const char *start, const char *end, GError **error)
{
	vnet_addr s, e;
	bool has_s, has_e;

	if (!parse_opt_addr(start, &s, &has_s, error) || !parse_opt_addr(end, &e, &has_e, error))
		return false;
	if (has_s != has_e || (has_s && (s.family != AF_INET || e.family != AF_INET))) {
		vnet_set_error(error, VNET_ERROR_INVALID,
			    _("A DHCP range needs both a first and a last IPv4 address."));
		return false;
	}
	intent->has_range = has_s;
	intent->dhcp_start = s;
	intent->dhcp_end = e;
	return true;
}

bool vnet_intent_set_default_guest(vnet_intent *intent, const char *addr, GError **error)
{
	vnet_addr a;
	bool has;

	if (!parse_opt_addr(addr, &a, &has, error))
		return false;
	if (has && a.family != AF_INET) {
		vnet_set_error(error, VNET_ERROR_INVALID,
			    _("The default guest address \"%s\" must be an IPv4 address."), addr);
		return false;
	}
	intent->guest = a;
	intent->has_guest = has;
	vnet_intent_refresh_strings(intent);
	return true;
}

void vnet_intent_set_dhcp(vnet_intent *intent, bool dhcp) { intent->dhcp = dhcp; }
void vnet_intent_set_autostart(vnet_intent *intent, bool autostart) { intent->autostart = autostart; }

bool vnet_intent_default_guest6(const vnet_intent *in, vnet_addr *ret)
{
	vnet_addr a;

	if (!in->has_subnet6 || in->subnet6.prefix > 126 || !vnet_cidr_nth(&in->subnet6, 2, &a))
		return false;
	if (in->has_gateway6 && vnet_addr_equal(&a, &in->gateway6) && !vnet_cidr_nth(&in->subnet6, 1, &a))
		return false;
	*ret = a;
	return true;
}

/* The low 16 bits of @a's offset from @net, where both differ in those alone. */
static guint low16_offset(const vnet_addr *net, const vnet_addr *a)
{
	return (guint)((a->b[14] << 8 | a->b[15]) - (net->b[14] << 8 | net->b[15]));
}

bool vnet_intent_dhcp6_range(const vnet_intent *in, vnet_addr *ret_start, vnet_addr *ret_end)
{
	vnet_cidr net;
	vnet_addr start, end, guest;
	guint host_bits;
	guint64 last;

	if (!in->has_subnet6 || !vnet_intent_default_guest6(in, &guest))
		return false;
	net = vnet_cidr_network(&in->subnet6);
	host_bits = 128 - in->subnet6.prefix;
	last = host_bits >= 16 ? 0xffff : (G_GUINT64_CONSTANT(1) << host_bits) - 1;
	if (!vnet_cidr_nth(&net, 3, &start) || !vnet_cidr_nth(&net, last, &end))
		return false;
	if (in->has_gateway6 && vnet_addr_cmp(&in->gateway6, &start) >= 0 && vnet_addr_cmp(&in->gateway6, &end) <= 0) {
		guint at = low16_offset(&net.addr, &in->gateway6);
		if (at == 3 && (last < 4 || !vnet_cidr_nth(&net, 4, &start)))
			return false;
		if (at > 3 && !vnet_cidr_nth(&net, at - 1, &end))
			return false;
	}
	*ret_start = start;
	*ret_end = end;
	return true;
}

bool vnet_forward_is_dual(const vnet_intent *in, const vnet_forward *f)
{
	vnet_addr a;

	return vnet_mode_has_forwards(in->mode) && f->family == AF_INET && !f->has_host_addr &&
	       f->guest_kind == VNET_GUEST_DEFAULT && vnet_intent_default_guest6(in, &a);
}

void vnet_intent_set_guard(vnet_intent *intent, vnet_guard guard)
{
	if ((size_t)guard < G_N_ELEMENTS(guard_names))
		intent->guard = guard;
}

static void drop_forward_index(vnet_intent *intent)
{
	g_clear_pointer(&intent->fwd_index, g_hash_table_unref);
	intent->fwd_index_len = 0;
	intent->fwd_index_last = NULL;
	intent->fwd_pairs = 0;
}

/* The index of the intent's forwards, if it is current or now pays off; else NULL. */
static GHashTable *forward_index(vnet_intent *intent)
{
	const GPtrArray *fw = intent->forwards;
	const vnet_forward *last = fw->len ? fw->pdata[fw->len - 1] : NULL;

	if (intent->fwd_index && (intent->fwd_index_len != fw->len || intent->fwd_index_last != last))
		drop_forward_index(intent);
	if (!intent->fwd_index && vnet_forward_index_pays(intent->fwd_pairs, fw->len)) {
		intent->fwd_index = vnet_forward_index_new(fw);
		intent->fwd_index_len = fw->len;
		intent->fwd_index_last = last;
	}
	return intent->fwd_index;
}

bool vnet_intent_add_forward(vnet_intent *intent, const char *spec, GError **error)
{
	g_autoptr(vnet_forward) f = vnet_forward_parse(spec, error);
	GHashTable *index;

	if (!f)
		return false;
	index = forward_index(intent);
	if (!index || vnet_forward_index_clashes(index, f)) {
		intent->fwd_pairs += intent->forwards->len;
		for (guint i = 0; i < intent->forwards->len; i++) {
			const vnet_forward *o = intent->forwards->pdata[i];
			if (vnet_forward_clashes(f, o)) {
				g_autofree char *os = vnet_forward_format(o);
				vnet_set_error(error, VNET_ERROR_CONFLICT,
					    _("The forward \"%s\" uses the same host address, port and protocol as the forward \"%s\" of network \"%s\"; pick another host port."),
					    spec, os, intent->name ? intent->name : "");
				return false;
			}
		}
	}
	if (index) {
		vnet_forward_index_add(index, f);
		intent->fwd_index_len++;
		intent->fwd_index_last = f;
	}
	g_ptr_array_add(vnet_intent_own_forwards(intent), g_steal_pointer(&f));
	return true;
}

bool vnet_intent_remove_forward(vnet_intent *intent, const char *spec, GError **error)
{
	g_autoptr(vnet_forward) f = vnet_forward_parse(spec, error);

	if (!f)
		return false;
	for (guint i = 0; i < intent->forwards->len; i++) {
		if (vnet_forward_same_host_side(intent->forwards->pdata[i], f)) {
			drop_forward_index(intent);
			g_ptr_array_remove_index(vnet_intent_own_forwards(intent), i);
			return true;
		}
	}
	vnet_set_error(error, VNET_ERROR_NOT_FOUND,
		    _("Network \"%s\" has no forward \"%s\"; see its forwards with \"vnetctl show %s\"."),
		    intent->name ? intent->name : "", spec, intent->name ? intent->name : "");
	return false;
}

guint vnet_intent_n_networks(const vnet_intent *intent)
{
	return intent->mode == VNET_MODE_HYBRID ? 2 : 1;
}

char *vnet_intent_network_name(const vnet_intent *intent, guint i)
{
	if (intent->mode != VNET_MODE_HYBRID)
		return g_strdup(intent->name);
	return g_strdup_printf(i == 0 ? "%s-nat" : "%s-lan", intent->name);
}

/* ---- host facts ---- */

static void host_link_free(vnet_host_link *l)
{
	g_free(l->name);
	g_free(l->master);
	g_free(l);
}

static void host_net_free(vnet_host_net *n)
{
	g_free(n->name);
	g_free(n->bridge);
	g_array_unref(n->subnets);
	g_free(n);
}

static void host_addr_clear(vnet_host_addr *a)
{
	g_free(a->ifname);
}

vnet_host *vnet_host_new(void)
{
	vnet_host *h = g_new0(vnet_host, 1);

	h->links = g_ptr_array_new_with_free_func((GDestroyNotify)host_link_free);
	h->addrs = g_array_new(FALSE, TRUE, sizeof(vnet_host_addr));
	g_array_set_clear_func(h->addrs, (GDestroyNotify)host_addr_clear);
	h->routes = g_array_new(FALSE, TRUE, sizeof(vnet_host_addr));
	g_array_set_clear_func(h->routes, (GDestroyNotify)host_addr_clear);
	h->networks = g_ptr_array_new_with_free_func((GDestroyNotify)host_net_free);
	h->intents = g_ptr_array_new_with_free_func((GDestroyNotify)vnet_intent_free);
	h->listeners = g_array_new(FALSE, TRUE, sizeof(vnet_host_listener));
	h->unreadable = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	return h;
}

void vnet_host_free(vnet_host *host)
{
	if (!host)
		return;
	g_ptr_array_unref(host->links);
	g_array_unref(host->addrs);
	g_array_unref(host->routes);
	g_ptr_array_unref(host->networks);
	g_ptr_array_unref(host->intents);
	g_array_unref(host->listeners);
	g_hash_table_unref(host->unreadable);
	g_free(host);
}

const vnet_host_link *vnet_host_find_link(const vnet_host *host, const char *name)
{
	for (guint i = 0; i < host->links->len; i++) {
		const vnet_host_link *l = host->links->pdata[i];
		if (g_strcmp0(l->name, name) == 0)
			return l;
	}
	return NULL;
}

bool vnet_host_add_link(vnet_host *host, const char *ifname, bool is_bridge,
			const char *master, GError **error)
{
	vnet_host_link *l;

	/* Names read from the kernel may be anything the kernel allows. */
	if (!ifname || !*ifname || strlen(ifname) > VNET_IFNAME_MAX) {
		vnet_set_error(error, VNET_ERROR_INVALID,
			    _("\"%s\" is not a valid interface name."), ifname ? ifname : "");
		return false;
	}
	l = g_new0(vnet_host_link, 1);
	l->name = g_strdup(ifname);
	l->is_bridge = is_bridge;
	l->master = g_strdup(master);
	g_ptr_array_add(host->links, l);
	return true;
}

static bool add_host_addr(GArray *to, const char *ifname, const char *cidr, GError **error)
{
	vnet_host_addr a = { 0 };

	if (!vnet_cidr_parse(cidr, 0, &a.cidr, error))
		return false;
	a.ifname = g_strdup(ifname);
	g_array_append_val(to, a);
	return true;
}

bool vnet_host_add_address(vnet_host *host, const char *ifname, const char *cidr, GError **error)
{
	return add_host_addr(host->addrs, ifname, cidr, error);
}

bool vnet_host_add_route(vnet_host *host, const char *dev, const char *cidr, GError **error)
{
	return add_host_addr(host->routes, dev, cidr, error);
}

bool vnet_host_add_network(vnet_host *host, const char *name, const char *bridge,
			   const char *cidr, GError **error)
{
	vnet_host_net *n = NULL;
	vnet_cidr c;

	if (cidr && !vnet_cidr_parse(cidr, 0, &c, error))
		return false;
	for (guint i = 0; i < host->networks->len && !n; i++) {
		vnet_host_net *o = host->networks->pdata[i];
		if (g_strcmp0(o->name, name) == 0)
			n = o;
	}
	if (!n) {
		n = g_new0(vnet_host_net, 1);
		n->name = g_strdup(name);
		n->bridge = g_strdup(bridge);
		n->subnets = g_array_new(FALSE, FALSE, sizeof(vnet_cidr));
		g_ptr_array_add(host->networks, n);
	}
	if (cidr) {
		c = vnet_cidr_network(&c);
		g_array_append_val(n->subnets, c);
	}
	return true;
}

void vnet_host_add_intent(vnet_host *host, const vnet_intent *intent)
{
	g_ptr_array_add(host->intents, vnet_intent_copy(intent));
}

void vnet_host_add_intent_shared(vnet_host *host, const vnet_intent *intent)
{
	g_ptr_array_add(host->intents, (gpointer)vnet_intent_share(intent));
}

bool vnet_host_add_listener(vnet_host *host, const char *proto, const char *addr,
			    guint port, GError **error)
{
	vnet_host_listener l = { .port = port };

	if (!vnet_proto_from_string(proto, &l.proto)) {
		vnet_set_error(error, VNET_ERROR_INVALID,
			    _("\"%s\" is not a protocol: use tcp, udp or sctp."), proto ? proto : "");
		return false;
	}
	if (addr && !vnet_addr_parse(addr, &l.addr, error))
		return false;
	/* 0.0.0.0 and :: (as ss and sock_diag report them) mean every address. */
	l.has_addr = addr != NULL;
	if (l.has_addr) {
		static const guint8 zero[16];
		l.has_addr = memcmp(l.addr.b, zero, sizeof(zero)) != 0;
	}
	g_array_append_val(host->listeners, l);
	return true;
}

void vnet_intent_swap_contents(vnet_intent *a, vnet_intent *b)
{
	vnet_intent t = *a;

	*a = *b;
	*b = t;
}
