/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * attach: a libvirt domain's NICs on a managed network.  attach adds an
 * <interface type='network'> per libvirt network of the intent (hybrid: one
 * on each half), to the persistent definition and, while the domain runs,
 * live; a DHCP host entry reserves the guest's address (--ip, or the
 * intent's default guest address for the first guest of a NAT network),
 * and on a network that serves DHCPv6 a second one on its IPv6 <ip>
 * reserves the default IPv6 guest address (or an IPv6 --ip) to the
 * domain's name, the host name its DHCPv6 client sends: libvirt takes no
 * MAC there.  detach removes them all.  Each is a plan of steps run by the transaction
 * engine (txn.h), journaled like every other change.
 */
#include "config.h"

#include <string.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include "attach.h"
#include "context.h"
#include "guests.h"
#include "hook.h"
#include "netxml.h"
#include "ovn.h"
#include "planner.h"
#include "probe.h"
#include "txn.h"
#include "virt.h"
#include "util.h"

G_DEFINE_AUTOPTR_CLEANUP_FUNC(virDomain, virDomainFree)

/* "52:54:00:xx:xx:xx" */
#define MAC_LEN 17

/* ---- checks that need no libvirt ---- */

/* @s as a lower-case unicast MAC address into @ret (MAC_LEN + 1 bytes). */
static bool mac_normalize(const char *s, char *ret, GError **error)
{
	guint8 b[6];
	guint i;

	if (!s || strlen(s) != MAC_LEN)
		goto bad;
	for (i = 0; i < 6; i++) {
		const char *p = s + 3 * i;
		if (!g_ascii_isxdigit(p[0]) || !g_ascii_isxdigit(p[1]) || (i < 5 && p[2] != ':'))
			goto bad;
		b[i] = (guint8)(g_ascii_xdigit_value(p[0]) << 4 | g_ascii_xdigit_value(p[1]));
	}
	if (b[0] & 1) {
		vnet_set_error(error, VNET_ERROR_INVALID,
			    _("The MAC address %s is a multicast address; a NIC needs a unicast one (the first byte even), such as 52:54:00:12:34:56."),
			    s);
		return false;
	}
	if (!(b[0] | b[1] | b[2] | b[3] | b[4] | b[5])) {
		vnet_set_error(error, VNET_ERROR_INVALID,
			    _("The MAC address %s is all zeros; a NIC needs a real one, such as 52:54:00:12:34:56."), s);
		return false;
	}
	if (ret)
		g_snprintf(ret, MAC_LEN + 1, "%02x:%02x:%02x:%02x:%02x:%02x", b[0], b[1], b[2], b[3], b[4], b[5]);
	return true;
bad:
	vnet_set_error(error, VNET_ERROR_INVALID,
		    _("\"%s\" is not a MAC address; write six pairs of hex digits separated by colons, such as 52:54:00:12:34:56."),
		    s ? s : "");
	return false;
}

static bool ip_parse(const char *s, vnet_addr *ret, GError **error)
{
	if (vnet_addr_parse(s, ret, NULL) && ret->family == AF_INET)
		return true;
	vnet_set_error(error, VNET_ERROR_INVALID,
		    _("\"%s\" is not an IPv4 address; a guest's reserved address is one IPv4 address without a prefix, such as 10.0.0.5."),
		    s ? s : "");
	return false;
}

/* A guest's address of either family: IPv4 is reserved or recorded, IPv6 recorded. */
static bool ip_parse_any(const char *s, vnet_addr *ret, GError **error)
{
	if (vnet_addr_parse(s, ret, NULL))
		return true;
	vnet_set_error(error, VNET_ERROR_INVALID,
		    _("\"%s\" is not an IP address; a guest's address is one IPv4 or IPv6 address without a prefix, such as 10.0.0.5."),
		    s ? s : "");
	return false;
}

bool vnet_attach_check_args(const char *domain, const char *mac, const char *ip, GError **error)
{
	vnet_addr a;

	return vnet_check_domain_name(domain, error) &&
	       (!mac || mac_normalize(mac, NULL, error)) &&
	       (!ip || ip_parse_any(ip, &a, error));
}

/* ---- what attach and detach share ---- */

/* Whether network 0 of @in runs its own DHCP server, where addresses can be reserved. */
static bool has_own_dhcp(const vnet_intent *in)
{
	switch (in->mode) {
	case VNET_MODE_NAT:
	case VNET_MODE_HYBRID:
	case VNET_MODE_ISOLATED:
		return in->dhcp && in->has_subnet4 && in->has_range;
	case VNET_MODE_BRIDGED:
	case VNET_MODE_OVERLAY:
		return false;
	}
	return false;
}

/* Whether the intent gives network 0 a DHCPv6 range (xml.c writes it so). */
static bool has_own_dhcp6(const vnet_intent *in)
{
	vnet_addr start, end;

	return vnet_mode_has_own_bridge(in->mode) && in->dhcp && vnet_intent_dhcp6_range(in, &start, &end);
}

static bool forwards_name(const vnet_intent *in, const char *domain)
{
	for (guint i = 0; i < in->forwards->len; i++) {
		const vnet_forward *f = in->forwards->pdata[i];
		if (f->guest_kind == VNET_GUEST_NAME && g_strcmp0(f->guest_name, domain) == 0)
			return true;
	}
	return false;
}

static virDomainPtr lookup_domain(virConnectPtr conn, const char *domain, GError **error)
{
	virDomainPtr dom = virDomainLookupByName(conn, domain);

	if (!dom)
		vnet_set_error(error, VNET_ERROR_NOT_FOUND,
			    _("There is no libvirt domain \"%s\"; see \"virsh list --all\"."), domain);
	return dom;
}

static char *domain_xml(virDomainPtr dom, bool inactive, GError **error)
{
	char *xml = virDomainGetXMLDesc(dom, inactive ? VIR_DOMAIN_XML_INACTIVE : 0);

	if (!xml) {
		g_autofree char *why = vnet_virt_last_error();

		vnet_set_error(error, VNET_ERROR_FAILED,
			    _("Cannot read the XML of domain \"%s\": %s."), virDomainGetName(dom), why);
	}
	return xml;
}

/*
 * The NICs of @dom in its persistent definition and, if it runs, live,
 * merged by MAC address: each says where it was found.
 */
static GPtrArray *read_nics(virDomainPtr dom, GError **error)
{
	g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func((GDestroyNotify)vnet_nic_free);
	bool persistent = virDomainIsPersistent(dom) == 1, active = virDomainIsActive(dom) == 1;

	for (int pass = 0; pass < 2; pass++) {
		bool live = pass == 1;
		g_autofree char *xml = NULL;
		g_autoptr(GPtrArray) nics = NULL;
		if (live ? !active : !persistent)
			continue;
		if (!(xml = domain_xml(dom, !live, error)))
			return NULL;
		if (!(nics = vnet_netxml_domain_nics(xml))) {
			vnet_set_error(error, VNET_ERROR_FAILED,
				    _("The XML libvirt gave for domain \"%s\" could not be read."), virDomainGetName(dom));
			return NULL;
		}
		for (guint i = 0; i < nics->len; i++) {
			vnet_nic *n = nics->pdata[i], *found = NULL;
			for (guint k = 0; n->mac && k < out->len && !found; k++)
				if (g_strcmp0(((vnet_nic *)out->pdata[k])->mac, n->mac) == 0)
					found = out->pdata[k];
			if (!found) {
				found = g_new0(vnet_nic, 1);
				found->mac = g_strdup(n->mac);
				found->network = g_strdup(n->network);
				found->model = g_strdup(n->model);
				g_ptr_array_add(out, found);
			}
			if (live) {
				found->live = true;
				g_free(found->bridge);
				found->bridge = g_strdup(n->bridge);
				g_free(found->target);
				found->target = g_strdup(n->target);
			} else {
				found->config = true;
			}
		}
	}
	return g_steal_pointer(&out);
}

/*
 * The DHCP host entries of network @net in its persistent definition and,
 * if it runs, live, merged: each says where it was found.
 */
static GPtrArray *read_hosts_of(vnet_virt *virt, const char *net, int family, GError **error)
{
	g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func((GDestroyNotify)vnet_dhcp_host_free);
	bool active = vnet_virt_network_active(virt, net);

	for (int pass = 0; pass < 2; pass++) {
		bool live = pass == 1;
		g_autofree char *xml = NULL;
		g_autoptr(GPtrArray) hosts = NULL;
		if (live && !active)
			continue;
		if (!(xml = vnet_virt_network_xml(virt, net, !live, error)))
			return NULL;
		if (!(hosts = family == AF_INET6 ? vnet_netxml_hosts6(xml) : vnet_netxml_hosts(xml))) {
			vnet_set_error(error, VNET_ERROR_FAILED,
				    _("The XML libvirt gave for network \"%s\" could not be read."), net);
			return NULL;
		}
		for (guint i = 0; i < hosts->len; i++) {
			vnet_dhcp_host *h = hosts->pdata[i], *found = NULL;
			for (guint k = 0; k < out->len && !found; k++) {
				vnet_dhcp_host *o = out->pdata[k];
				if (!g_strcmp0(o->mac, h->mac) && !g_strcmp0(o->name, h->name) && !g_strcmp0(o->ip, h->ip))
					found = o;
			}
			if (!found) {
				g_ptr_array_add(out, g_steal_pointer(&hosts->pdata[i]));
				found = out->pdata[out->len - 1];
			}
			if (live)
				found->live = true;
			else
				found->config = true;
		}
	}
	return g_steal_pointer(&out);
}

static GPtrArray *read_hosts(vnet_virt *virt, const char *net, GError **error)
{
	return read_hosts_of(virt, net, AF_INET, error);
}

/*
 * The IPv6 entries, where the network's definition has a DHCPv6 range: one
 * defined before vnetctl wrote that range serves no DHCPv6 until it is
 * created again, and an entry there would reserve nothing.  An empty
 * array then.
 */
static GPtrArray *read_hosts6(vnet_virt *virt, const char *net, bool *ret_serves, GError **error)
{
	g_autofree char *xml = vnet_virt_network_xml(virt, net, true, error);
	g_autofree char *range = xml ? vnet_netxml_dhcp6_range(xml) : NULL;

	if (!xml)
		return NULL;
	*ret_serves = range != NULL;
	if (!range)
		return g_ptr_array_new_with_free_func((GDestroyNotify)vnet_dhcp_host_free);
	return read_hosts_of(virt, net, AF_INET6, error);
}

/* A host entry as virNetworkUpdate() takes it, every attribute escaped. */
static char *host_xml(const char *mac, const char *name, const char *ip)
{
	GString *s = g_string_new("<host");

	if (mac) {
		g_autofree char *e = g_markup_printf_escaped(" mac='%s'", mac);
		g_string_append(s, e);
	}
	if (name) {
		g_autofree char *e = g_markup_printf_escaped(" name='%s'", name);
		g_string_append(s, e);
	}
	if (ip) {
		g_autofree char *e = g_markup_printf_escaped(" ip='%s'", ip);
		g_string_append(s, e);
	}
	g_string_append(s, "/>");
	return g_string_free(s, FALSE);
}

/* @portgroup: the NIC in that portgroup of the network (Open vSwitch: a VLAN's, the trunk), or NULL. */
static char *nic_xml(const char *net, const char *mac, const char *model, const char *portgroup)
{
	g_autofree char *src = portgroup ? g_markup_printf_escaped("<source network='%s' portgroup='%s'/>", net, portgroup)
					 : g_markup_printf_escaped("<source network='%s'/>", net);
	g_autofree char *rest = g_markup_printf_escaped("<mac address='%s'/><model type='%s'/>", mac,
							model ? model : "virtio");

	return g_strconcat("<interface type='network'>", src, rest, "</interface>", NULL);
}

/* MAC address (lower case) -> the domain that has it, over every domain defined or running. */
static GHashTable *macs_in_use(virConnectPtr conn, GError **error)
{
	g_autoptr(GHashTable) used = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	virDomainPtr *doms = NULL;
	int n = virConnectListAllDomains(conn, &doms, 0);
	bool ok = true;

	if (n < 0) {
		g_autofree char *why = vnet_virt_last_error();

		vnet_set_error(error, VNET_ERROR_FAILED, _("Cannot list the libvirt domains: %s."), why);
		return NULL;
	}
	for (int i = 0; i < n; i++) {
		g_autoptr(GPtrArray) nics = ok ? read_nics(doms[i], error) : NULL;
		if (!nics)
			ok = false;
		for (guint k = 0; nics && k < nics->len; k++) {
			const vnet_nic *c = nics->pdata[k];
			if (c->mac)
				g_hash_table_replace(used, g_strdup(c->mac), g_strdup(virDomainGetName(doms[i])));
		}
		virDomainFree(doms[i]);
	}
	free(doms);
	return ok ? g_steal_pointer(&used) : NULL;
}

/* A random 52:54:00:xx:xx:xx (qemu's prefix) that nothing in @used has; added to @used. */
static char *mac_generate(GHashTable *used, const char *domain, GError **error)
{
	for (guint tries = 0; tries < 1000; tries++) {
		guint32 r = g_random_int();
		char *mac = g_strdup_printf("52:54:00:%02x:%02x:%02x", r & 0xff, (r >> 8) & 0xff, (r >> 16) & 0xff);
		if (!g_hash_table_contains(used, mac)) {
			g_hash_table_insert(used, g_strdup(mac), g_strdup(domain));
			return mac;
		}
		g_free(mac);
	}
	vnet_set_error(error, VNET_ERROR_FAILED,
		    _("No free MAC address was found for domain \"%s\" after 1000 tries; give one with --mac."), domain);
	return NULL;
}

static GHashTable *copy_guests(GHashTable *t)
{
	GHashTable *c = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	GHashTableIter it;
	gpointer k, v;

	g_hash_table_iter_init(&it, t);
	while (g_hash_table_iter_next(&it, &k, &v))
		g_hash_table_insert(c, g_strdup(k), g_strdup(v));
	return c;
}

/* The guests the running network @net names in its DHCP host entries now. */
static GHashTable *live_guests(vnet_virt *virt, const char *net)
{
	g_autofree char *xml = vnet_virt_network_xml(virt, net, false, NULL);
	g_autoptr(vnet_netxml) facts = xml ? vnet_netxml_parse(xml, NULL) : NULL;

	if (!facts)
		return g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	return copy_guests(facts->guests);
}


/* An NFT step of @in on @net that changes only what its guests are, from @old_guests (taken). */
static vnet_step *targets_step(GPtrArray *steps, const vnet_intent *in, const char *net, GHashTable *old_guests)
{
	vnet_step *o = vnet_step_new(steps, VNET_STEP_NFT, net);

	o->old = vnet_intent_copy(in);
	o->new = vnet_intent_copy(in);
	o->old_guests = old_guests;
	o->new_guests = copy_guests(old_guests);
	return o;
}

/* Whether the guard binds the reservations of @in's own (NAT or isolated) bridge. */
static bool guarded(const vnet_intent *in)
{
	return vnet_mode_has_own_bridge(in->mode) && vnet_intent_get_guard(in, false) != VNET_GUARD_OFF;
}

/*
 * The NFT step of @plan for network @net, made exact from what the kernel
 * holds if there is none: one per network, since a second would undo what
 * the first changes of its guests.
 */
static vnet_step *guard_step(vnet_ctx *ctx, GPtrArray *steps, const vnet_intent *in, const char *net)
{
	vnet_step *o;

	for (guint i = 0; i < steps->len; i++) {
		o = steps->pdata[i];
		if (o->kind == VNET_STEP_NFT && g_strcmp0(o->name, net) == 0)
			return o;
	}
	o = targets_step(steps, in, net, vnet_ctx_read_targets(ctx, in));
	o->exact = true;
	return o;
}

/*
 * The guard binds a static address to its MAC, on a running network, in
 * the transaction that records it (and unbinds it in the one that drops
 * it): an NFT step from @old's elements to @new's.  @new is approved for
 * the hook, as every intent root's vnetctl defines.
 */
static bool statics_step(vnet_ctx *ctx, GPtrArray *steps, const vnet_intent *old, const vnet_intent *new,
			 bool active, GError **error)
{
	g_autofree char *net = vnet_intent_network_name(old, 0);
	vnet_step *o;

	if (!vnet_ctx_is_local(ctx))
		return true;
	/* What root's vnetctl changes is root's, as at create: the hook trusts it so. */
	if (!vnet_hook_approve(new, error))
		return false;
	/* On Open vSwitch the guard is the bridge's flows, not our table's elements. */
	if (active && old->vswitch == VNET_SWITCH_OVS) {
		vnet_planner_ovs_guard(steps, old, new);
		return true;
	}
	if (!active ||
	    (vnet_intent_get_guard(old, false) == VNET_GUARD_OFF && vnet_intent_get_guard(old, true) == VNET_GUARD_OFF))
		return true;
	o = guard_step(ctx, steps, old, net);
	vnet_intent_free(o->new);
	o->new = vnet_intent_copy(new);
	o->exact = true;
	return true;
}

/* ---- attach ---- */

/* Check a wanted reservation of @addr for @mac against the network and its entries. */
static bool check_reservation(const vnet_intent *in, const char *net, GPtrArray *hosts,
			      const char *addr_s, const char *mac, const char *domain, GError **error)
{
	g_autofree char *sub = vnet_cidr_format(&in->subnet4);
	vnet_addr a;

	if (!ip_parse(addr_s, &a, error))
		return false;
	if (!vnet_cidr_contains(&in->subnet4, &a) || vnet_cidr_is_reserved(&in->subnet4, &a)) {
		vnet_set_error(error, VNET_ERROR_INVALID,
			    _("The address %s is not a host address of the subnet %s of network \"%s\"; choose one inside it."),
			    addr_s, sub, in->name);
		return false;
	}
	if (in->has_gateway4 && vnet_addr_equal(&a, &in->gateway4)) {
		vnet_set_error(error, VNET_ERROR_CONFLICT,
			    _("The address %s is the gateway of network \"%s\"; choose another address for the guest."),
			    addr_s, in->name);
		return false;
	}
	for (guint i = 0; i < hosts->len; i++) {
		const vnet_dhcp_host *h = hosts->pdata[i];
		vnet_addr b;
		if (h->ip && vnet_addr_parse(h->ip, &b, NULL) && vnet_addr_equal(&a, &b)) {
			vnet_set_error(error, VNET_ERROR_CONFLICT,
				    _("The address %s of network \"%s\" is reserved already for MAC %s (domain \"%s\"); choose another address or detach that guest first."),
				    addr_s, net, h->mac ? h->mac : "-", h->name ? h->name : "-");
			return false;
		}
		if (h->mac && g_str_equal(h->mac, mac)) {
			vnet_set_error(error, VNET_ERROR_CONFLICT,
				    _("The MAC address %s has a DHCP host entry in network \"%s\" already (address %s); choose another MAC address or remove that entry."),
				    mac, net, h->ip ? h->ip : "-");
			return false;
		}
		if (h->name && g_str_equal(h->name, domain)) {
			vnet_set_error(error, VNET_ERROR_CONFLICT,
				    _("Network \"%s\" reserves %s for domain \"%s\" already (MAC %s); detach the domain first with \"vnetctl detach %s %s\"."),
				    net, h->ip ? h->ip : "-", domain, h->mac ? h->mac : "-", in->name, domain);
			return false;
		}
	}
	return true;
}

/* Whether an entry of @hosts is for @mac. */
static bool mac_reserved(GPtrArray *hosts, const char *mac)
{
	for (guint i = 0; i < hosts->len; i++)
		if (g_strcmp0(((vnet_dhcp_host *)hosts->pdata[i])->mac, mac) == 0)
			return true;
	return false;
}

/* Whether an entry of @hosts holds @addr. */
static bool address_reserved(GPtrArray *hosts, const vnet_addr *addr)
{
	for (guint i = 0; i < hosts->len; i++) {
		const vnet_dhcp_host *h = hosts->pdata[i];
		vnet_addr b;
		if (h->ip && vnet_addr_parse(h->ip, &b, NULL) && vnet_addr_equal(addr, &b))
			return true;
	}
	return false;
}

/* Whether an entry of @hosts is for host name @name. */
static bool name_reserved(GPtrArray *hosts, const char *name)
{
	for (guint i = 0; i < hosts->len; i++)
		if (g_strcmp0(((vnet_dhcp_host *)hosts->pdata[i])->name, name) == 0)
			return true;
	return false;
}

/* Whether @addr is a static address recorded for a guest already. */
static bool static_taken(const vnet_intent *in, const vnet_addr *addr)
{
	for (guint i = 0; i < in->statics->len; i++)
		if (vnet_addr_equal(&((const vnet_static_addr *)in->statics->pdata[i])->addr, addr))
			return true;
	return false;
}

/* libvirt takes an IPv6 host entry's name only if it begins with a letter or digit. */
static bool name6_usable(const char *domain)
{
	return g_ascii_isalnum(domain[0]);
}

/*
 * Check a wanted IPv6 reservation of @addr_s for @domain against the
 * entries of the network's IPv6 <ip> and its recorded static addresses;
 * inside subnet6 and not its gateway was checked before (check_own6).
 */
static bool check_reservation6(const vnet_intent *in, const char *net, GPtrArray *hosts6,
			       const vnet_addr *a, const char *addr_s, const char *domain, GError **error)
{
	if (!name6_usable(domain)) {
		vnet_set_error(error, VNET_ERROR_INVALID,
			    _("Domain \"%s\" cannot have an IPv6 address reserved: libvirt matches an IPv6 reservation by the guest's host name and takes only a name that begins with a letter or a digit. Leave the address out, or rename the domain."),
			    domain);
		return false;
	}
	for (guint i = 0; i < hosts6->len; i++) {
		const vnet_dhcp_host *h = hosts6->pdata[i];
		vnet_addr b;
		if (h->ip && vnet_addr_parse(h->ip, &b, NULL) && vnet_addr_equal(a, &b)) {
			vnet_set_error(error, VNET_ERROR_CONFLICT,
				    _("The IPv6 address %s of network \"%s\" is reserved already for host name \"%s\"; choose another address or detach that guest first."),
				    addr_s, net, h->name ? h->name : "-");
			return false;
		}
		if (g_strcmp0(h->name, domain) == 0) {
			vnet_set_error(error, VNET_ERROR_CONFLICT,
				    _("Network \"%s\" reserves the IPv6 address %s for domain \"%s\" already; detach the domain first with \"vnetctl detach %s %s\"."),
				    net, h->ip ? h->ip : "-", domain, in->name, domain);
			return false;
		}
	}
	return true;
}

/* ---- static addresses: a LAN's, and IPv6 ---- */

/* Whether @a is a host address of @c: not its network address, nor IPv4's broadcast. */
static bool host_of(const vnet_cidr *c, const vnet_addr *a)
{
	return vnet_cidr_contains(c, a) && (c->prefix >= vnet_addr_bits(a->family) - 1 || !vnet_cidr_is_reserved(c, a));
}

/* @a on a LAN, checked against what the host's own address on @bridge says of that LAN. */
static bool check_lan_addr(const char *bridge, const vnet_addr *a, const char *addr_s, GError **error)
{
	g_autoptr(GArray) held = vnet_probe_bridge_addrs(bridge, a->family);
	g_autofree char *first = NULL;

	for (guint i = 0; i < held->len; i++) {
		const vnet_cidr *h = &g_array_index(held, vnet_cidr, i);
		vnet_cidr net = vnet_cidr_network(h);
		if (vnet_addr_equal(&h->addr, a)) {
			vnet_set_error(error, VNET_ERROR_CONFLICT,
				    _("The address %s is the host's own address on bridge %s; choose another address for the guest."),
				    addr_s, bridge);
			return false;
		}
		if (vnet_cidr_contains(&net, a) && !host_of(&net, a)) {
			g_autofree char *sub = vnet_cidr_format(&net);
			vnet_set_error(error, VNET_ERROR_INVALID,
				    _("The address %s is the network or broadcast address of the LAN's subnet %s; choose a host address."),
				    addr_s, sub);
			return false;
		}
		if (vnet_cidr_contains(&net, a))
			return true;
		if (!first)
			first = vnet_cidr_format(&net);
	}
	/* A bridge without an address of the family: the LAN's subnet is not known here. */
	if (!first)
		return true;
	vnet_set_error(error, VNET_ERROR_INVALID,
		    _("The address %s is not in the LAN's subnet %s, as bridge %s holds it; choose an address of the LAN."),
		    addr_s, first, bridge);
	return false;
}

/* @a in the IPv6 subnet of @in's own bridge. */
static bool check_own6(const vnet_intent *in, const vnet_addr *a, const char *addr_s, GError **error)
{
	g_autofree char *sub = in->has_subnet6 ? vnet_cidr_format(&in->subnet6) : NULL;

	if (!in->has_subnet6) {
		vnet_set_error(error, VNET_ERROR_INVALID,
			    _("Network \"%s\" has no IPv6 subnet, so %s cannot be a guest's address there; create it with --subnet6, or leave the address out."),
			    in->name, addr_s);
		return false;
	}
	if (!host_of(&in->subnet6, a)) {
		vnet_set_error(error, VNET_ERROR_INVALID,
			    _("The address %s is not a host address of the IPv6 subnet %s of network \"%s\"; choose one inside it."),
			    addr_s, sub, in->name);
		return false;
	}
	if (in->has_gateway6 && vnet_addr_equal(a, &in->gateway6)) {
		vnet_set_error(error, VNET_ERROR_CONFLICT,
			    _("The address %s is the IPv6 gateway of network \"%s\"; choose another address for the guest."),
			    addr_s, in->name);
		return false;
	}
	return true;
}

/*
 * Where @addr_s goes: -1 for a DHCP reservation of ours (IPv4 in the subnet
 * of a network with its own bridge), otherwise the index of the intent's
 * network whose segment records it as the guest's static address: a
 * bridged LAN's (or a hybrid's LAN half), or IPv6.  -2 on error.
 */
static int static_network(const vnet_intent *in, const vnet_addr *a, const char *addr_s, guint vlan,
			  GError **error)
{
	bool own4 = in->has_subnet4 && vnet_cidr_contains(&in->subnet4, a);
	bool own6 = in->has_subnet6 && vnet_cidr_contains(&in->subnet6, a);
	int lan;

	switch (in->mode) {
	case VNET_MODE_NAT:
	case VNET_MODE_ISOLATED:
		if (a->family == AF_INET)
			return -1;
		return check_own6(in, a, addr_s, error) ? 0 : -2;
	case VNET_MODE_HYBRID:
		if (a->family == AF_INET ? own4 : own6)
			return a->family == AF_INET ? -1 : check_own6(in, a, addr_s, error) ? 0 : -2;
		lan = 1;
		break;
	case VNET_MODE_BRIDGED:
		lan = 0;
		break;
	default:
		return -2;
	}
	/* A VLAN's subnet is not the bridge's: the host holds no address there to tell. */
	if (vlan)
		return lan;
	return check_lan_addr(vnet_planner_lan_bridge(in), a, addr_s, error) ? lan : -2;
}

/* @addr for @mac against the static addresses recorded already. */
static bool check_static(const vnet_intent *in, const char *net, const vnet_addr *addr, const char *addr_s,
			 guint vlan, const char *mac, GError **error)
{
	for (guint i = 0; i < in->statics->len; i++) {
		const vnet_static_addr *st = in->statics->pdata[i];
		/* VLANs are separate segments: one address may be a guest's on each. */
		if (vnet_addr_equal(&st->addr, addr) && st->vlan == vlan) {
			vnet_set_error(error, VNET_ERROR_CONFLICT,
				    _("The address %s of network \"%s\" is recorded already as the static address of MAC %s (domain \"%s\"); choose another address or detach that guest first."),
				    addr_s, net, st->mac, st->domain);
			return false;
		}
		if (g_str_equal(st->mac, mac) && st->addr.family == addr->family) {
			vnet_set_error(error, VNET_ERROR_CONFLICT,
				    _("The MAC address %s has the static address %s recorded in network \"%s\" already; detach the domain first to give it another address."),
				    mac, st->s_addr, net);
			return false;
		}
	}
	return true;
}

bool vnet_attach_check_reservation6(const vnet_intent *in, GPtrArray *hosts6, const char *addr_s,
				    const char *mac, const char *domain, GError **error)
{
	vnet_addr a;

	if (!ip_parse_any(addr_s, &a, error))
		return false;
	if (a.family != AF_INET6) {
		vnet_set_error(error, VNET_ERROR_INVALID,
			    _("\"%s\" is not an IPv6 address; an IPv6 reservation is one IPv6 address without a prefix, such as fd00::5."),
			    addr_s);
		return false;
	}
	return check_own6(in, &a, addr_s, error) && check_static(in, in->name, &a, addr_s, 0, mac, error) &&
	       check_reservation6(in, in->name, hosts6, &a, addr_s, domain, error);
}

/*
 * Nobody may answer for @addr_s on @bridge (RFC 5227 probes, or IPv6
 * duplicate address detection) but the guest's own NIC @mac.
 */
static bool probe_free(vnet_ctx *ctx, const vnet_intent *in, const char *bridge, const char *addr_s,
		       guint vlan, const char *mac, GError **error)
{
	vnet_probe_opts opts = { .vlan = (guint16)vlan };
	g_autoptr(GPtrArray) macs = NULL;
	g_autofree char *who = NULL;
	vnet_addr a;

	if (!vnet_ctx_is_local(ctx)) {
		vnet_set_error(error, VNET_ERROR_INVALID,
			    _("The address %s cannot be probed for conflicts from here: network \"%s\" runs on the host of libvirt URI \"%s\". Run the command on that host, or attach with --force to skip the probe."),
			    addr_s, in->name, vnet_virt_uri(vnet_ctx_virt(ctx)));
		return false;
	}
	if (!vnet_addr_parse(addr_s, &a, error) || !(macs = vnet_probe_address(bridge, &a, &opts, mac, error)))
		return false;
	if (!macs->len)
		return true;
	g_ptr_array_add(macs, NULL);
	who = g_strjoinv(", ", (char **)macs->pdata);
	if (vlan)
		vnet_set_error(error, VNET_ERROR_CONFLICT,
			    _("The address %s is in use on VLAN %u of bridge %s: MAC %s answered for it. Choose another address, or attach with --force to skip this check."),
			    addr_s, vlan, bridge, who);
	else
		vnet_set_error(error, VNET_ERROR_CONFLICT,
		    _("The address %s is in use on bridge %s: MAC %s answered for it. Choose another address, or attach with --force to skip this check."),
		    addr_s, bridge, who);
	return false;
}

/*
 * Redefine every network of @in from @new, its intent with the static
 * addresses changed, first in @steps: a DHCP host entry changed later in
 * the same plan is then not lost to the redefinition.
 */
static bool define_statics(vnet_virt *virt, GPtrArray *steps, guint at, const vnet_intent *new, GError **error)
{
	for (guint i = 0; i < vnet_intent_n_networks(new); i++) {
		g_autofree char *net = vnet_intent_network_name(new, i);
		g_autofree char *xml = vnet_intent_network_xml(new, i, error);
		vnet_step *s;
		if (!xml)
			return false;
		s = vnet_step_new(NULL, VNET_STEP_DEFINE, net);
		if (!(s->prev_xml = vnet_virt_network_xml(virt, net, true, error))) {
			vnet_step_free(s);
			return false;
		}
		/* The reservations that attach made stay. */
		s->xml = vnet_netxml_carry_hosts(xml, s->prev_xml);
		if (!s->xml)
			s->xml = g_steal_pointer(&xml);
		g_ptr_array_insert(steps, at + i, s);
	}
	return true;
}

/*
 * An overlay network: the logical port first (ovn.c), then the NIC that
 * names it as its interfaceid; addresses are OVN's, not libvirt's.
 */
static bool attach_overlay(vnet_ctx *ctx, const vnet_intent *in, virDomainPtr dom, const char *domain,
			   const char *mac_arg, const char *ip, const char *what, GError **error)
{
	g_autoptr(GPtrArray) steps = vnet_plan_new(), nics = read_nics(dom, error);
	g_autoptr(GHashTable) used = nics ? macs_in_use(vnet_virt_conn(vnet_ctx_virt(ctx)), error) : NULL;
	g_autofree char *net = vnet_intent_network_name(in, 0), *mac = NULL, *id = NULL, *pre = NULL;
	char m[MAC_LEN + 1];
	vnet_step *o;

	if (!used)
		return false;
	for (guint k = 0; k < nics->len; k++)
		if (g_strcmp0(((vnet_nic *)nics->pdata[k])->network, net) == 0) {
			vnet_set_error(error, VNET_ERROR_CONFLICT,
				    _("Domain \"%s\" has an interface on network \"%s\" already; detach it first with \"vnetctl detach %s %s\"."),
				    domain, net, in->name, domain);
			return false;
		}
	if (mac_arg && (!mac_normalize(mac_arg, m, error) || g_hash_table_contains(used, m))) {
		if (g_hash_table_contains(used, m))
			vnet_set_error(error, VNET_ERROR_CONFLICT,
				    _("The MAC address %s is in use already by domain \"%s\"; give another or leave it out to have one made."),
				    m, (const char *)g_hash_table_lookup(used, m));
		return false;
	}
	if (!(mac = mac_arg ? g_strdup(m) : mac_generate(used, domain, error)) ||
	    !vnet_ovn_attach_step(steps, in, domain, mac, ip, &id, error))
		return false;
	o = vnet_step_new(steps, VNET_STEP_NIC, net);
	o->domain = g_strdup(domain);
	pre = nic_xml(net, mac, "virtio", NULL);
	/* libvirt plugs the NIC into br-int with external_ids:iface-id = interfaceid: OVN's port. */
	o->xml = g_strdup_printf("%.*s<virtualport type='openvswitch'><parameters interfaceid='%s'/></virtualport></interface>",
				 (int)(strlen(pre) - strlen("</interface>")), pre, id);
	o->flags = (virDomainIsPersistent(dom) == 1 ? VIR_DOMAIN_AFFECT_CONFIG : 0) |
		   (virDomainIsActive(dom) == 1 ? VIR_DOMAIN_AFFECT_LIVE : 0);
	o->on = true;
	return vnet_ctx_run(ctx, steps, what, error);
}

static bool attach_locked(vnet_ctx *ctx, const char *name, const char *domain, const char *mac_arg,
			  const char *ip_arg, unsigned attach_flags, guint vlan, GError **error)
{
	vnet_virt *virt = vnet_ctx_virt(ctx);
	virConnectPtr conn = vnet_virt_conn(virt);
	g_autoptr(GPtrArray) steps = vnet_plan_new();
	g_autoptr(vnet_intent) in = NULL;
	g_autoptr(virDomain) dom = NULL;
	g_autoptr(GPtrArray) nics = NULL, hosts = NULL, hosts6 = NULL;
	g_autoptr(GHashTable) used = NULL;
	g_autofree char *net0 = NULL, *reserve = NULL, *reserve6 = NULL, *mac0 = NULL, *mac1 = NULL;
	g_autofree char *what = g_strdup_printf("attach %s %s", name, domain);
	const char *ip6 = NULL;	/* an IPv6 address to reserve, given */
	bool serves6 = false;	/* the network's definition serves DHCPv6 */
	char **macs[2] = { &mac0, &mac1 };	/* one per network */
	bool adopted[2] = { false, false };	/* the domain has that NIC already */
	g_autofree char *lease = NULL;
	const char *ip = ip_arg;	/* the address to reserve, when it is no static one */
	vnet_step *o;
	guint n_nets;
	unsigned dom_flags = 0;
	bool dom_active, net_active;
	int static_net = -1;
	vnet_addr want;

	g_autofree char *portgroup = vlan ? vnet_vlan_portgroup(vlan) : NULL;
	bool trunk = attach_flags & VNET_ATTACH_TRUNK;

	if (!(in = vnet_ctx_get(ctx, name, NULL, error)) || !(dom = lookup_domain(conn, domain, error)))
		return false;
	if (trunk && vlan) {
		vnet_set_error(error, VNET_ERROR_INVALID,
			       _("A NIC is in one portgroup: give either the VLAN or the trunk, not both."));
		return false;
	}
	if (trunk && (in->vswitch != VNET_SWITCH_OVS || !in->vlan_trunk)) {
		vnet_set_error(error, VNET_ERROR_NOT_FOUND,
			       _("Network \"%s\" has no trunk portgroup; create it with --switch ovs --vlan ID --trunk."),
			       name);
		return false;
	}
	if (trunk && ip_arg) {
		vnet_set_error(error, VNET_ERROR_INVALID,
			       _("A NIC on the trunk carries several VLANs, so vnetctl records no address for it: attach it without an address."));
		return false;
	}
	if (trunk)
		portgroup = g_strdup(VNET_TRUNK_PORTGROUP);
	if (in->mode == VNET_MODE_OVERLAY && !vlan)
		return attach_overlay(ctx, in, dom, domain, mac_arg, ip_arg, what, error);
	if (vlan && !vnet_intent_has_vlan(in, vlan)) {
		vnet_set_error(error, VNET_ERROR_NOT_FOUND,
			       _("Network \"%s\" has no portgroup for VLAN %u; create it with --switch ovs --vlan %u."),
			       name, vlan, vlan);
		return false;
	}
	n_nets = vnet_intent_n_networks(in);
	net0 = vnet_intent_network_name(in, 0);
	if (has_own_dhcp6(in) && !(hosts6 = read_hosts6(virt, net0, &serves6, error)))
		return false;
	if (ip_arg) {
		if (!ip_parse_any(ip_arg, &want, error) || (static_net = static_network(in, &want, ip_arg, vlan, error)) == -2)
			return false;
		/* An IPv6 address of the network's own subnet6 is reserved where DHCPv6 serves it. */
		if (static_net == 0 && want.family == AF_INET6 && serves6 && vnet_mode_has_own_bridge(in->mode)) {
			static_net = -1;
			ip6 = ip_arg;
		}
		if (static_net >= 0 || ip6)
			ip = NULL;
	}
	net_active = vnet_virt_network_active(virt, net0);
	dom_active = virDomainIsActive(dom) == 1;
	if (virDomainIsPersistent(dom) == 1)
		dom_flags |= VIR_DOMAIN_AFFECT_CONFIG;
	if (dom_active)
		dom_flags |= VIR_DOMAIN_AFFECT_LIVE;

	/*
	 * One interface per network: a second would only confuse the guest's
	 * DHCP.  One the domain has already (virsh, virt-manager, virt-install)
	 * is adopted: its MAC stays, it gets the reservation.
	 */
	if (!(nics = read_nics(dom, error)))
		return false;
	for (guint i = 0; i < n_nets; i++) {
		g_autofree char *net = vnet_intent_network_name(in, i);
		for (guint k = 0; k < nics->len; k++) {
			const vnet_nic *c = nics->pdata[k];
			if (g_strcmp0(c->network, net) != 0 || !c->mac)
				continue;
			if (mac_arg && i == 0) {
				char m[MAC_LEN + 1];
				if (mac_normalize(mac_arg, m, NULL) && g_strcmp0(m, c->mac) != 0) {
					vnet_set_error(error, VNET_ERROR_CONFLICT,
						    _("Domain \"%s\" has an interface on network \"%s\" already, with MAC %s, not %s; leave --mac out to adopt it, or detach it first with \"vnetctl detach %s %s\"."),
						    domain, net, c->mac, m, name, domain);
					return false;
				}
			}
			adopted[i] = true;
			g_free(*macs[i]);
			*macs[i] = g_strdup(c->mac);
		}
	}

	/* The MAC addresses: the given one for the first NIC, new ones otherwise. */
	if (!(used = macs_in_use(conn, error)))
		return false;
	if (has_own_dhcp(in) && !(hosts = read_hosts(virt, net0, error)))
		return false;
	for (guint i = 0; hosts && i < hosts->len; i++) {
		const vnet_dhcp_host *h = hosts->pdata[i];
		if (h->mac && !g_hash_table_contains(used, h->mac))
			g_hash_table_insert(used, g_strdup(h->mac), g_strdup(h->name ? h->name : "-"));
	}
	if (mac_arg && !adopted[0]) {
		char m[MAC_LEN + 1];
		const char *owner;
		if (!mac_normalize(mac_arg, m, error))
			return false;
		owner = g_hash_table_lookup(used, m);
		if (owner) {
			vnet_set_error(error, VNET_ERROR_CONFLICT,
				    _("The MAC address %s is in use already by domain \"%s\"; give another or leave it out to have one made."),
				    m, owner);
			return false;
		}
		g_hash_table_insert(used, g_strdup(m), g_strdup(domain));
		mac0 = g_strdup(m);
	}
	for (guint i = 0; i < n_nets; i++)
		if (!*macs[i] && !(*macs[i] = mac_generate(used, domain, error)))
			return false;
	if (adopted[0] && hosts && mac_reserved(hosts, mac0)) {
		/* Adopted with its reservation: nothing to reserve; the NIC is all there is. */
		if (ip) {
			vnet_set_error(error, VNET_ERROR_CONFLICT,
				    _("The MAC address %s has a DHCP host entry in network \"%s\" already; detach the domain first to give it another address."),
				    mac0, net0);
			return false;
		}
	} else if (adopted[0] && !ip && has_own_dhcp(in)) {
		/* Its current lease becomes its reservation, so the guest keeps its address. */
		g_autofree char *live = vnet_virt_network_xml(virt, net0, false, NULL);
		g_autoptr(GPtrArray) guests = vnet_guests_read(in->bridge, live, NULL);
		for (guint i = 0; i < guests->len && !lease; i++) {
			const vnet_guest *g = guests->pdata[i];
			if (g_strcmp0(g->mac, mac0) == 0 && g->how == VNET_GUEST_LEASED && g->addr)
				lease = g_strdup(g->addr);
		}
	}

	/* The reservation: the address asked for, an adopted NIC's lease, else the default guest address while free. */
	if (adopted[0] && hosts && mac_reserved(hosts, mac0)) {
		;
	} else if (lease) {
		if (!check_reservation(in, net0, hosts, lease, mac0, domain, error))
			return false;
		reserve = g_steal_pointer(&lease);
	} else if (ip) {
		if (!has_own_dhcp(in)) {
			vnet_set_error(error, VNET_ERROR_INVALID,
				    _("Network \"%s\" runs no DHCP server with an IPv4 range, so no address can be reserved for the guest; leave the address out and set it inside the guest."),
				    name);
			return false;
		}
		if (!check_reservation(in, net0, hosts, ip, mac0, domain, error) ||
		    (!(attach_flags & VNET_ATTACH_FORCE) && !probe_free(ctx, in, in->bridge, ip, 0, mac0, error)))
			return false;
		reserve = g_strdup(ip);
	} else if (vnet_mode_has_forwards(in->mode) && has_own_dhcp(in) && in->has_guest &&
		   !address_reserved(hosts, &in->guest)) {
		g_autofree char *guest = vnet_addr_format(&in->guest);
		/* The first guest takes the address that forwards without a guest go to. */
		if (!check_reservation(in, net0, hosts, guest, mac0, domain, error))
			return false;
		reserve = g_steal_pointer(&guest);
	}

	/*
	 * The IPv6 reservation: the address asked for, else the default IPv6
	 * guest address for the guest that takes the IPv4 one, while free.
	 */
	if (ip6) {
		if (!vnet_attach_check_reservation6(in, hosts6, ip6, mac0, domain, error) ||
		    (!(attach_flags & VNET_ATTACH_FORCE) && !probe_free(ctx, in, in->bridge, ip6, 0, mac0, error)))
			return false;
		reserve6 = g_strdup(ip6);
	} else if (serves6 && reserve && in->has_guest && g_strcmp0(reserve, in->s_guest) == 0 &&
		   name6_usable(domain) && !name_reserved(hosts6, domain)) {
		vnet_addr g6;
		if (vnet_intent_default_guest6(in, &g6) && !address_reserved(hosts6, &g6) && !static_taken(in, &g6))
			reserve6 = vnet_addr_format(&g6);
	}

	/* A static address: recorded in the intent, probed first on its own segment. */
	if (static_net >= 0) {
		g_autofree char *net = vnet_intent_network_name(in, static_net);
		g_autoptr(vnet_intent) new = vnet_intent_copy(in);
		const char *mac = *macs[static_net];
		const char *bridge = static_net == 1 || in->mode == VNET_MODE_BRIDGED ? vnet_planner_lan_bridge(in)
										     : in->bridge;
		vnet_static_addr *st;
		if (!check_static(in, net, &want, ip_arg, vlan, mac, error) ||
		    (!(attach_flags & VNET_ATTACH_FORCE) && !probe_free(ctx, in, bridge, ip_arg, vlan, mac, error)))
			return false;
		st = vnet_static_addr_new(mac, domain, &want);
		st->vlan = (guint16)vlan;
		g_ptr_array_add(new->statics, st);
		if (!define_statics(virt, steps, 0, new, error) ||
		    !statics_step(ctx, steps, in, new, net_active, error))
			return false;
	}

	/* The reservation first, so a guest that asks for a lease at once gets it. */
	if (reserve) {
		unsigned flags = VIR_NETWORK_UPDATE_AFFECT_CONFIG | (net_active ? VIR_NETWORK_UPDATE_AFFECT_LIVE : 0);
		o = vnet_step_new(steps, VNET_STEP_DHCP_HOST, net0);
		o->xml = host_xml(mac0, domain, reserve);
		o->flags = flags;
		o->on = true;
		if (net_active && vnet_ctx_is_local(ctx) && guarded(in)) {
			/*
			 * The reservation binds its address to the MAC: read what the
			 * kernel holds, as for every change of the guard's bindings,
			 * which the hooks and other networks' commands also write.
			 */
			o = targets_step(steps, in, net0, vnet_ctx_read_targets(ctx, in));
			o->exact = true;
			g_hash_table_replace(o->new_guests, g_strconcat(VNET_GUESTS_MAC_KEY, mac0, NULL),
					     g_strdup(reserve));
			if (forwards_name(in, domain))
				g_hash_table_replace(o->new_guests, g_strdup(domain), g_strdup(reserve));
		} else if (net_active && vnet_ctx_is_local(ctx) && vnet_mode_has_forwards(in->mode) &&
			   forwards_name(in, domain)) {
			o = targets_step(steps, in, net0, live_guests(virt, net0));
			g_hash_table_replace(o->new_guests, g_strdup(domain), g_strdup(reserve));
		}
	}
	if (reserve6) {
		/* By the name the guest's DHCPv6 client sends: libvirt refuses a MAC in an IPv6 entry. */
		o = vnet_step_new(steps, VNET_STEP_DHCP_HOST, net0);
		o->xml = host_xml(NULL, domain, reserve6);
		o->flags = VIR_NETWORK_UPDATE_AFFECT_CONFIG | (net_active ? VIR_NETWORK_UPDATE_AFFECT_LIVE : 0);
		o->on = true;
		/* Bound to the NIC's MAC, as the IPv4 reservation is. */
		if (net_active && vnet_ctx_is_local(ctx) && guarded(in))
			g_hash_table_replace(guard_step(ctx, steps, in, net0)->new_guests,
					     g_strconcat(VNET_GUESTS_MAC6_KEY, mac0, NULL), g_strdup(reserve6));
	}
	for (guint i = 0; i < n_nets; i++) {
		g_autofree char *net = vnet_intent_network_name(in, i);
		if (adopted[i])
			continue;
		o = vnet_step_new(steps, VNET_STEP_NIC, net);
		o->domain = g_strdup(domain);
		o->xml = nic_xml(net, *macs[i], "virtio", i == 0 ? portgroup : NULL);
		o->flags = dom_flags;
		o->on = true;
	}
	/*
	 * The tap exists only now: the network hook's port-created event came
	 * before it.  Hairpin on every port of a NAT bridge, as at the network's
	 * start and in the qemu hook, so that a forward added later works too.
	 */
	if (dom_active && vnet_ctx_is_local(ctx) && vnet_mode_has_forwards(in->mode) && !adopted[0]) {
		o = vnet_step_new(steps, VNET_STEP_PORT_HAIRPIN, net0);
		o->domain = g_strdup(domain);
		o->xml = g_strdup(mac0);
	}
	return vnet_ctx_run(ctx, steps, what, error);
}

bool vnet_ctx_attach_vlan(vnet_ctx *ctx, const char *name, const char *domain, const char *mac,
			  const char *ip, unsigned flags, guint vlan, GError **error)
{
	bool ok;

	if (!vnet_attach_check_args(domain, mac, ip, error) || !vnet_ctx_begin(ctx, error))
		return false;
	ok = attach_locked(ctx, name, domain, mac, ip, flags, vlan, error);
	vnet_ctx_unlock(ctx);
	return ok;
}

bool vnet_ctx_attach_full(vnet_ctx *ctx, const char *name, const char *domain, const char *mac,
			  const char *ip, unsigned flags, GError **error)
{
	return vnet_ctx_attach_vlan(ctx, name, domain, mac, ip, flags, 0, error);
}

bool vnet_ctx_attach(vnet_ctx *ctx, const char *name, const char *domain, const char *mac,
		     const char *ip, GError **error)
{
	return vnet_ctx_attach_full(ctx, name, domain, mac, ip, 0, error);
}

/* ---- detach ---- */

static bool detach_locked(vnet_ctx *ctx, const char *name, const char *domain, GError **error)
{
	vnet_virt *virt = vnet_ctx_virt(ctx);
	virConnectPtr conn = vnet_virt_conn(virt);
	g_autoptr(GPtrArray) steps = vnet_plan_new();
	g_autoptr(vnet_intent) in = NULL;
	g_autoptr(virDomain) dom = NULL;
	g_autoptr(GPtrArray) nics = NULL, hosts = NULL, hosts6 = NULL, mine = g_ptr_array_new();
	g_autoptr(GHashTable) gone = g_hash_table_new(g_str_hash, g_str_equal);
	g_autofree char *net0 = NULL;
	g_autofree char *what = g_strdup_printf("detach %s %s", name, domain);
	guint n_nets;
	bool net_active, bound = false;
	vnet_step *o;

	if (!(in = vnet_ctx_get(ctx, name, NULL, error)) || !(dom = lookup_domain(conn, domain, error)))
		return false;
	n_nets = vnet_intent_n_networks(in);
	net0 = vnet_intent_network_name(in, 0);
	net_active = vnet_virt_network_active(virt, net0);
	if (!(nics = read_nics(dom, error)))
		return false;
	for (guint i = 0; i < n_nets; i++) {
		g_autofree char *net = vnet_intent_network_name(in, i);
		for (guint k = 0; k < nics->len; k++) {
			vnet_nic *c = nics->pdata[k];
			if (c->mac && g_strcmp0(c->network, net) == 0)
				g_ptr_array_add(mine, c);
		}
	}
	if (!mine->len) {
		vnet_set_error(error, VNET_ERROR_NOT_FOUND,
			    _("Domain \"%s\" has no interface on network \"%s\"; there is nothing to detach."),
			    domain, name);
		return false;
	}

	/* Forwards to the domain's name stop first, then its reservations go, then its NICs. */
	if (has_own_dhcp(in) && !(hosts = read_hosts(virt, net0, error)))
		return false;
	for (guint i = 0; hosts && i < hosts->len; i++) {
		const vnet_dhcp_host *h = hosts->pdata[i];
		unsigned flags = 0;
		bool ours = false;
		for (guint k = 0; k < mine->len && !ours; k++)
			ours = g_strcmp0(((vnet_nic *)mine->pdata[k])->mac, h->mac) == 0;
		if (!ours)
			continue;
		if (h->config)
			flags |= VIR_NETWORK_UPDATE_AFFECT_CONFIG;
		if (h->live && net_active)
			flags |= VIR_NETWORK_UPDATE_AFFECT_LIVE;
		if (!flags)
			continue;
		if (h->name)
			g_hash_table_add(gone, h->name);
		bound = bound || (flags & VIR_NETWORK_UPDATE_AFFECT_LIVE);
		o = vnet_step_new(steps, VNET_STEP_DHCP_HOST, net0);
		o->xml = host_xml(h->mac, h->name, h->ip);
		o->flags = flags;
	}
	/* The IPv6 entries are the domain's by name. */
	if (has_own_dhcp6(in) && !(hosts6 = read_hosts_of(virt, net0, AF_INET6, error)))
		return false;
	for (guint i = 0; hosts6 && i < hosts6->len; i++) {
		const vnet_dhcp_host *h = hosts6->pdata[i];
		unsigned flags = (h->config ? VIR_NETWORK_UPDATE_AFFECT_CONFIG : 0) |
				 (h->live && net_active ? VIR_NETWORK_UPDATE_AFFECT_LIVE : 0);
		if (g_strcmp0(h->name, domain) != 0 || !flags)
			continue;
		o = vnet_step_new(steps, VNET_STEP_DHCP_HOST, net0);
		o->xml = host_xml(NULL, h->name, h->ip);
		o->flags = flags;
		bound = bound || (flags & VIR_NETWORK_UPDATE_AFFECT_LIVE);
	}
	if (bound && net_active && vnet_ctx_is_local(ctx) && guarded(in)) {
		/* Its addresses stop being bound to its MACs before its reservations go. */
		GHashTableIter it;
		gpointer k;
		o = targets_step(NULL, in, net0, vnet_ctx_read_targets(ctx, in));
		o->exact = true;
		for (guint j = 0; j < mine->len; j++) {
			g_autofree char *key = g_strconcat(VNET_GUESTS_MAC_KEY, ((vnet_nic *)mine->pdata[j])->mac, NULL);
			g_autofree char *key6 = g_strconcat(VNET_GUESTS_MAC6_KEY, ((vnet_nic *)mine->pdata[j])->mac, NULL);
			g_hash_table_remove(o->new_guests, key);
			g_hash_table_remove(o->new_guests, key6);
		}
		g_hash_table_iter_init(&it, gone);
		while (g_hash_table_iter_next(&it, &k, NULL))
			g_hash_table_remove(o->new_guests, k);
		g_ptr_array_insert(steps, 0, o);
	} else if (g_hash_table_size(gone) && net_active && vnet_ctx_is_local(ctx) &&
		   vnet_mode_has_forwards(in->mode)) {
		GHashTableIter it;
		gpointer k;
		bool named = false;
		g_hash_table_iter_init(&it, gone);
		while (g_hash_table_iter_next(&it, &k, NULL))
			named = named || forwards_name(in, k);
		if (named) {
			o = targets_step(NULL, in, net0, live_guests(virt, net0));
			g_hash_table_iter_init(&it, gone);
			while (g_hash_table_iter_next(&it, &k, NULL))
				g_hash_table_remove(o->new_guests, k);
			g_ptr_array_insert(steps, 0, o);
		}
	}
	/* Its static addresses go with it, redefined before the entries change. */
	{
		g_autoptr(vnet_intent) new = vnet_intent_copy(in);
		guint before = new->statics->len;
		for (guint i = new->statics->len; i-- > 0;) {
			const vnet_static_addr *st = new->statics->pdata[i];
			for (guint k = 0; k < mine->len; k++)
				if (g_strcmp0(((vnet_nic *)mine->pdata[k])->mac, st->mac) == 0) {
					g_ptr_array_remove_index(new->statics, i);
					break;
				}
		}
		if (new->statics->len != before) {
			if (!define_statics(virt, steps, steps->len && ((vnet_step *)steps->pdata[0])->kind == VNET_STEP_NFT,
					    new, error))
				return false;
			if (!statics_step(ctx, steps, in, new, net_active, error))
				return false;
		}
	}
	for (guint k = 0; k < mine->len; k++) {
		const vnet_nic *c = mine->pdata[k];
		unsigned flags = (c->config ? VIR_DOMAIN_AFFECT_CONFIG : 0) | (c->live ? VIR_DOMAIN_AFFECT_LIVE : 0);
		/*
		 * On a running guest the PCI unplug needs the guest's consent: libvirt
		 * waits for it a few seconds and, if the guest's OS is slow or absent,
		 * returns and lets the NIC go when the guest releases it.
		 */
		o = vnet_step_new(steps, VNET_STEP_NIC, c->network);
		o->domain = g_strdup(domain);
		o->xml = nic_xml(c->network, c->mac, c->model, c->portgroup);
		o->flags = flags;
	}
	/* An overlay NIC's logical port goes after the NIC: the guest is unplugged first. */
	for (guint k = 0; in->mode == VNET_MODE_OVERLAY && k < mine->len; k++)
		if (!vnet_ovn_detach_step(steps, in, domain, ((vnet_nic *)mine->pdata[k])->mac, error))
			return false;
	return vnet_ctx_run(ctx, steps, what, error);
}

bool vnet_ctx_detach(vnet_ctx *ctx, const char *name, const char *domain, GError **error)
{
	bool ok;

	if (!vnet_check_domain_name(domain, error) || !vnet_ctx_begin(ctx, error))
		return false;
	ok = detach_locked(ctx, name, domain, error);
	vnet_ctx_unlock(ctx);
	return ok;
}

