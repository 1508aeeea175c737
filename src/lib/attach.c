/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include "attach.h"
#include "brport.h"
#include "netxml.h"
#include "nft.h"
#include "plan.h"
#include "virt.h"
#include "xml.h"
#include "util.h"

#define X(s) ((const xmlChar *)(s))

G_DEFINE_AUTOPTR_CLEANUP_FUNC(xmlDoc, xmlFreeDoc)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(virDomain, virDomainFree)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(virNetwork, virNetworkFree)

/* "52:54:00:xx:xx:xx" */
#define MAC_LEN 17

static const char *last_error(void)
{
	const char *m = virGetLastErrorMessage();

	return m ? m : "?";
}

/* ---- libvirt's XML, read ---- */

/* A NIC of a domain, as its XML says. */
typedef struct nic {
	char *mac;		/* lower case */
	char *network;		/* <source network>, or NULL */
	char *bridge;		/* <source bridge> (live XML), or NULL */
	char *target;		/* <target dev> (live XML), or NULL */
	char *model;		/* <model type>, or NULL */
	bool config, live;	/* in the persistent definition, in the running domain */
} nic;

static void nic_free(nic *n)
{
	g_free(n->mac);
	g_free(n->network);
	g_free(n->bridge);
	g_free(n->target);
	g_free(n->model);
	g_free(n);
}

/* A DHCP host entry of a network's IPv4 <ip>. */
typedef struct dhcp_host {
	char *mac, *name, *ip;	/* as libvirt wrote them; any may be NULL */
	bool config, live;
} dhcp_host;

static void dhcp_host_free(dhcp_host *h)
{
	if (!h)
		return;
	g_free(h->mac);
	g_free(h->name);
	g_free(h->ip);
	g_free(h);
}

/* libvirt's own output, still read as carefully as any input: no DTD, no network. */
static xmlDoc *read_doc(const char *xml)
{
	size_t len = xml ? strlen(xml) : 0;
	xmlDoc *doc;

	if (len == 0 || len > VNET_XML_MAX)
		return NULL;
	doc = xmlReadMemory(xml, (int)len, "libvirt.xml", NULL,
			    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (doc && (doc->intSubset || doc->extSubset)) {
		xmlFreeDoc(doc);
		return NULL;
	}
	return doc;
}

static void ascii_down(char *s)
{
	for (; s && *s; s++)
		*s = g_ascii_tolower(*s);
}

static bool is_elem(const xmlNode *n, const char *name)
{
	return n->type == XML_ELEMENT_NODE && !n->ns && xmlStrEqual(n->name, X(name));
}

static xmlNode *child(const xmlNode *n, const char *name)
{
	for (xmlNode *c = n ? n->children : NULL; c; c = c->next)
		if (is_elem(c, name))
			return c;
	return NULL;
}

static char *prop(const xmlNode *n, const char *name)
{
	xmlChar *v = n ? xmlGetNoNsProp(n, X(name)) : NULL;
	char *r = g_strdup((const char *)v);

	xmlFree(v);
	return r;
}

static char *child_prop(const xmlNode *n, const char *name, const char *attr)
{
	return prop(child(n, name), attr);
}

/* The domain's NICs; NULL if @xml is not a domain. */
static GPtrArray *domain_nics(const char *xml)
{
	g_autoptr(xmlDoc) doc = read_doc(xml);
	xmlNode *root = doc ? xmlDocGetRootElement(doc) : NULL;
	GPtrArray *out;

	if (!root || !is_elem(root, "domain"))
		return NULL;
	out = g_ptr_array_new_with_free_func((GDestroyNotify)nic_free);
	for (xmlNode *n = child(root, "devices") ? child(root, "devices")->children : NULL; n; n = n->next) {
		nic *c;
		if (!is_elem(n, "interface"))
			continue;
		c = g_new0(nic, 1);
		c->mac = child_prop(n, "mac", "address");
		ascii_down(c->mac);
		c->network = child_prop(n, "source", "network");
		c->bridge = child_prop(n, "source", "bridge");
		c->target = child_prop(n, "target", "dev");
		c->model = child_prop(n, "model", "type");
		g_ptr_array_add(out, c);
	}
	return out;
}

/* The IPv4 <ip> of a network document (libvirt's -1 parent index picks it). */
static xmlNode *ipv4_elem(xmlNode *net)
{
	for (xmlNode *n = net ? net->children : NULL; n; n = n->next) {
		g_autofree char *family = NULL;
		if (!is_elem(n, "ip"))
			continue;
		family = prop(n, "family");
		if (!family || g_str_equal(family, "ipv4"))
			return n;
	}
	return NULL;
}

/* The DHCP host entries of the network's IPv4 <ip>; NULL if @xml is not a network. */
static GPtrArray *network_hosts(const char *xml)
{
	g_autoptr(xmlDoc) doc = read_doc(xml);
	xmlNode *root = doc ? xmlDocGetRootElement(doc) : NULL;
	GPtrArray *out;

	if (!root || !is_elem(root, "network"))
		return NULL;
	out = g_ptr_array_new_with_free_func((GDestroyNotify)dhcp_host_free);
	for (xmlNode *h = child(child(ipv4_elem(root), "dhcp"), "host") ; h; h = h->next) {
		dhcp_host *d;
		if (!is_elem(h, "host"))
			continue;
		d = g_new0(dhcp_host, 1);
		d->mac = prop(h, "mac");
		ascii_down(d->mac);
		d->name = prop(h, "name");
		d->ip = prop(h, "ip");
		g_ptr_array_add(out, d);
	}
	return out;
}

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

bool vnet_attach_check_args(const char *domain, const char *mac, const char *ip, GError **error)
{
	vnet_addr a;

	return vnet_check_domain_name(domain, error) &&
	       (!mac || mac_normalize(mac, NULL, error)) &&
	       (!ip || ip_parse(ip, &a, error));
}

/*
 * ---- steps with their undo ----
 * plan.c's way, in a list of our own: plan.c's steps are networks' and
 * bridges', and it was being reworked while this was written.
 */

typedef enum step_kind {
	STEP_HOST_ADD,		/* net, xml, flags; undo: delete it */
	STEP_HOST_DELETE,	/* net, xml, flags; undo: add it back */
	STEP_GUESTS,		/* intent, old -> new guests (forwards to a domain name); undo: back */
	STEP_NIC_ATTACH,	/* xml, flags; undo: detach it */
	STEP_NIC_DETACH,	/* xml, flags; undo: attach it back */
	STEP_HAIRPIN,		/* mac: hairpin on that NIC's tap; undo: nothing, the tap is the guest's */
} step_kind;

typedef struct step {
	step_kind kind;
	char *net;
	char *xml;
	char *mac;
	unsigned flags;
	vnet_intent *intent;
	GHashTable *old_guests, *new_guests;
} step;

static void step_free(step *o)
{
	g_free(o->net);
	g_free(o->xml);
	g_free(o->mac);
	vnet_intent_free(o->intent);
	if (o->old_guests)
		g_hash_table_unref(o->old_guests);
	if (o->new_guests)
		g_hash_table_unref(o->new_guests);
	g_free(o);
}

typedef struct job {
	vnet_ctx *ctx;
	virDomainPtr dom;
	const char *domain;
	GPtrArray *steps;
} job;

static step *step_add(job *j, step_kind kind, const char *net, char *xml, unsigned flags)
{
	step *o = g_new0(step, 1);

	o->kind = kind;
	o->net = g_strdup(net);
	o->xml = xml;
	o->flags = flags;
	g_ptr_array_add(j->steps, o);
	return o;
}

static bool host_update(job *j, const char *netname, unsigned command, const char *xml,
			unsigned flags, GError **error)
{
	virConnectPtr conn = vnet_virt_conn(vnet_ctx_virt(j->ctx));
	g_autoptr(virNetwork) net = virNetworkLookupByName(conn, netname);

	if (!net) {
		vnet_set_error(error, VNET_ERROR_NOT_FOUND, _("There is no libvirt network \"%s\"."), netname);
		return false;
	}
	if (virNetworkUpdate(net, command, VIR_NETWORK_SECTION_IP_DHCP_HOST, -1, xml, flags) < 0) {
		vnet_set_error(error, VNET_ERROR_FAILED,
			    command == VIR_NETWORK_UPDATE_COMMAND_DELETE
				    ? _("libvirt could not remove the DHCP host entry %s from network \"%s\": %s.")
				    : _("libvirt could not add the DHCP host entry %s to network \"%s\": %s."),
			    xml, netname, last_error());
		return false;
	}
	return true;
}

static bool nic_change(job *j, bool attach, const char *xml, unsigned flags, GError **error)
{
	int r = attach ? virDomainAttachDeviceFlags(j->dom, xml, flags)
		       : virDomainDetachDeviceFlags(j->dom, xml, flags);

	if (r < 0) {
		vnet_set_error(error, VNET_ERROR_FAILED,
			    attach ? _("libvirt could not add the interface %s to domain \"%s\": %s.")
				   : _("libvirt could not remove the interface %s from domain \"%s\": %s."),
			    xml, j->domain, last_error());
		return false;
	}
	return true;
}

/* Hairpin on the tap that the running domain's NIC @mac has now. */
static bool nic_hairpin(job *j, const char *mac, GError **error)
{
	g_autofree char *xml = virDomainGetXMLDesc(j->dom, 0);
	g_autoptr(GPtrArray) nics = domain_nics(xml);

	for (guint i = 0; nics && i < nics->len; i++) {
		const nic *n = nics->pdata[i];
		if (g_strcmp0(n->mac, mac) == 0 && n->target)
			return vnet_brport_set_hairpin(n->target, true, error);
	}
	vnet_set_error(error, VNET_ERROR_FAILED,
		    _("The running domain \"%s\" shows no tap device for its new interface %s, so hairpin cannot be set on it."),
		    j->domain, mac);
	return false;
}

static bool step_run(job *j, const step *o, GError **error)
{
	switch (o->kind) {
	case STEP_HOST_ADD:
		return host_update(j, o->net, VIR_NETWORK_UPDATE_COMMAND_ADD_LAST, o->xml, o->flags, error);
	case STEP_HOST_DELETE:
		return host_update(j, o->net, VIR_NETWORK_UPDATE_COMMAND_DELETE, o->xml, o->flags, error);
	case STEP_GUESTS:
		return vnet_nft_converge(vnet_ctx_nft(j->ctx), o->intent, o->old_guests, o->intent,
					 o->new_guests, false, NULL, error);
	case STEP_NIC_ATTACH:
		return nic_change(j, true, o->xml, o->flags, error);
	case STEP_NIC_DETACH:
		return nic_change(j, false, o->xml, o->flags, error);
	case STEP_HAIRPIN:
		return nic_hairpin(j, o->mac, error);
	}
	return false;
}

static bool step_undo(job *j, const step *o, GError **error)
{
	switch (o->kind) {
	case STEP_HOST_ADD:
		return host_update(j, o->net, VIR_NETWORK_UPDATE_COMMAND_DELETE, o->xml, o->flags, error);
	case STEP_HOST_DELETE:
		return host_update(j, o->net, VIR_NETWORK_UPDATE_COMMAND_ADD_LAST, o->xml, o->flags, error);
	case STEP_GUESTS:
		return vnet_nft_converge(vnet_ctx_nft(j->ctx), o->intent, o->new_guests, o->intent,
					 o->old_guests, false, NULL, error);
	case STEP_NIC_ATTACH:
		return nic_change(j, false, o->xml, o->flags, error);
	case STEP_NIC_DETACH:
		return nic_change(j, true, o->xml, o->flags, error);
	case STEP_HAIRPIN:
		return true;
	}
	return false;
}

/* The same test switch as plan.c's: VNET_TEST_FAIL_STEP=N fails step N. */
static bool injected_failure(guint i, GError **error)
{
	const char *env = g_getenv(VNET_TEST_FAIL_ENV);

	if (!env || g_ascii_strtoull(env, NULL, 10) != i + 1)
		return false;
	vnet_set_error(error, VNET_ERROR_FAILED,
		    _("Step %u failed because the test switch %s asked it to."), i + 1, VNET_TEST_FAIL_ENV);
	return true;
}

/* Run every step; on failure undo the done ones in reverse, keeping the first error. */
static bool job_run(job *j, GError **error)
{
	guint i;

	for (i = 0; i < j->steps->len; i++)
		if (injected_failure(i, error) || !step_run(j, j->steps->pdata[i], error))
			break;
	if (i == j->steps->len)
		return true;
	while (i-- > 0) {
		g_autoptr(GError) undo_error = NULL;
		/* A failed undo is secondary: the user needs the cause. */
		step_undo(j, j->steps->pdata[i], &undo_error);
	}
	return false;
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
		return false;
	}
	return false;
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

	if (!xml)
		vnet_set_error(error, VNET_ERROR_FAILED,
			    _("Cannot read the XML of domain \"%s\": %s."), virDomainGetName(dom), last_error());
	return xml;
}

/*
 * The NICs of @dom in its persistent definition and, if it runs, live,
 * merged by MAC address: each says where it was found.
 */
static GPtrArray *read_nics(virDomainPtr dom, GError **error)
{
	g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func((GDestroyNotify)nic_free);
	bool persistent = virDomainIsPersistent(dom) == 1, active = virDomainIsActive(dom) == 1;

	for (int pass = 0; pass < 2; pass++) {
		bool live = pass == 1;
		g_autofree char *xml = NULL;
		g_autoptr(GPtrArray) nics = NULL;
		if (live ? !active : !persistent)
			continue;
		if (!(xml = domain_xml(dom, !live, error)))
			return NULL;
		if (!(nics = domain_nics(xml))) {
			vnet_set_error(error, VNET_ERROR_FAILED,
				    _("The XML libvirt gave for domain \"%s\" could not be read."), virDomainGetName(dom));
			return NULL;
		}
		for (guint i = 0; i < nics->len; i++) {
			nic *n = nics->pdata[i], *found = NULL;
			for (guint k = 0; n->mac && k < out->len && !found; k++)
				if (g_strcmp0(((nic *)out->pdata[k])->mac, n->mac) == 0)
					found = out->pdata[k];
			if (!found) {
				found = g_new0(nic, 1);
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
static GPtrArray *read_hosts(vnet_virt *virt, const char *net, GError **error)
{
	g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func((GDestroyNotify)dhcp_host_free);
	bool active = vnet_virt_network_active(virt, net);

	for (int pass = 0; pass < 2; pass++) {
		bool live = pass == 1;
		g_autofree char *xml = NULL;
		g_autoptr(GPtrArray) hosts = NULL;
		if (live && !active)
			continue;
		if (!(xml = vnet_virt_network_xml(virt, net, !live, error)))
			return NULL;
		if (!(hosts = network_hosts(xml))) {
			vnet_set_error(error, VNET_ERROR_FAILED,
				    _("The XML libvirt gave for network \"%s\" could not be read."), net);
			return NULL;
		}
		for (guint i = 0; i < hosts->len; i++) {
			dhcp_host *h = hosts->pdata[i], *found = NULL;
			for (guint k = 0; k < out->len && !found; k++) {
				dhcp_host *o = out->pdata[k];
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

static char *nic_xml(const char *net, const char *mac, const char *model)
{
	return g_markup_printf_escaped("<interface type='network'><source network='%s'/>"
				       "<mac address='%s'/><model type='%s'/></interface>",
				       net, mac, model ? model : "virtio");
}

/* MAC address (lower case) -> the domain that has it, over every domain defined or running. */
static GHashTable *macs_in_use(virConnectPtr conn, GError **error)
{
	g_autoptr(GHashTable) used = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	virDomainPtr *doms = NULL;
	int n = virConnectListAllDomains(conn, &doms, 0);
	bool ok = true;

	if (n < 0) {
		vnet_set_error(error, VNET_ERROR_FAILED, _("Cannot list the libvirt domains: %s."), last_error());
		return NULL;
	}
	for (int i = 0; i < n; i++) {
		g_autoptr(GPtrArray) nics = ok ? read_nics(doms[i], error) : NULL;
		if (!nics)
			ok = false;
		for (guint k = 0; nics && k < nics->len; k++) {
			const nic *c = nics->pdata[k];
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

static bool have_virt(vnet_ctx *ctx, GError **error)
{
	if (vnet_ctx_virt(ctx))
		return true;
	vnet_set_error(error, VNET_ERROR_INVALID,
		    _("This context has no libvirt connection; it can only plan."));
	return false;
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
		const dhcp_host *h = hosts->pdata[i];
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

/* Whether an entry of @hosts holds @addr. */
static bool address_reserved(GPtrArray *hosts, const vnet_addr *addr)
{
	for (guint i = 0; i < hosts->len; i++) {
		const dhcp_host *h = hosts->pdata[i];
		vnet_addr b;
		if (h->ip && vnet_addr_parse(h->ip, &b, NULL) && vnet_addr_equal(addr, &b))
			return true;
	}
	return false;
}

static bool attach_locked(vnet_ctx *ctx, const char *name, const char *domain, const char *mac_arg,
			  const char *ip, GError **error)
{
	vnet_virt *virt = vnet_ctx_virt(ctx);
	virConnectPtr conn = vnet_virt_conn(virt);
	g_autoptr(GPtrArray) steps = g_ptr_array_new_with_free_func((GDestroyNotify)step_free);
	g_autoptr(vnet_intent) in = NULL;
	g_autoptr(virDomain) dom = NULL;
	g_autoptr(GPtrArray) nics = NULL, hosts = NULL;
	g_autoptr(GHashTable) used = NULL;
	g_autofree char *net0 = NULL, *reserve = NULL, *mac0 = NULL, *mac1 = NULL;
	char **macs[2] = { &mac0, &mac1 };	/* one per network */
	job j = { .ctx = ctx, .domain = domain, .steps = steps };
	guint n_nets;
	unsigned dom_flags = 0;
	bool dom_active, net_active;

	if (!(in = vnet_ctx_get(ctx, name, NULL, error)) || !(dom = lookup_domain(conn, domain, error)))
		return false;
	j.dom = dom;
	n_nets = vnet_intent_n_networks(in);
	net0 = vnet_intent_network_name(in, 0);
	net_active = vnet_virt_network_active(virt, net0);
	dom_active = virDomainIsActive(dom) == 1;
	if (virDomainIsPersistent(dom) == 1)
		dom_flags |= VIR_DOMAIN_AFFECT_CONFIG;
	if (dom_active)
		dom_flags |= VIR_DOMAIN_AFFECT_LIVE;

	/* One interface per network: a second would only confuse the guest's DHCP. */
	if (!(nics = read_nics(dom, error)))
		return false;
	for (guint i = 0; i < n_nets; i++) {
		g_autofree char *net = vnet_intent_network_name(in, i);
		for (guint k = 0; k < nics->len; k++) {
			const nic *c = nics->pdata[k];
			if (g_strcmp0(c->network, net) == 0) {
				vnet_set_error(error, VNET_ERROR_CONFLICT,
					    _("Domain \"%s\" has an interface on network \"%s\" already (MAC %s); detach it first with \"vnetctl detach %s %s\"."),
					    domain, net, c->mac ? c->mac : "-", name, domain);
				return false;
			}
		}
	}

	/* The MAC addresses: the given one for the first NIC, new ones otherwise. */
	if (!(used = macs_in_use(conn, error)))
		return false;
	if (has_own_dhcp(in) && !(hosts = read_hosts(virt, net0, error)))
		return false;
	for (guint i = 0; hosts && i < hosts->len; i++) {
		const dhcp_host *h = hosts->pdata[i];
		if (h->mac && !g_hash_table_contains(used, h->mac))
			g_hash_table_insert(used, g_strdup(h->mac), g_strdup(h->name ? h->name : "-"));
	}
	if (mac_arg) {
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

	/* The reservation: the address asked for, else the default guest address while free. */
	if (ip) {
		if (in->mode == VNET_MODE_BRIDGED) {
			vnet_set_error(error, VNET_ERROR_INVALID,
				    _("Network \"%s\" is bridged: its guests get their addresses from the LAN's own DHCP server, so vnetctl cannot reserve %s; leave the address out."),
				    name, ip);
			return false;
		}
		if (!has_own_dhcp(in)) {
			vnet_set_error(error, VNET_ERROR_INVALID,
				    _("Network \"%s\" runs no DHCP server with an IPv4 range, so no address can be reserved for the guest; leave the address out and set it inside the guest."),
				    name);
			return false;
		}
		if (!check_reservation(in, net0, hosts, ip, mac0, domain, error))
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

	/* The reservation first, so a guest that asks for a lease at once gets it. */
	if (reserve) {
		unsigned flags = VIR_NETWORK_UPDATE_AFFECT_CONFIG | (net_active ? VIR_NETWORK_UPDATE_AFFECT_LIVE : 0);
		step_add(&j, STEP_HOST_ADD, net0, host_xml(mac0, domain, reserve), flags);
		if (net_active && vnet_ctx_is_local(ctx) && vnet_mode_has_forwards(in->mode) && forwards_name(in, domain)) {
			step *o = step_add(&j, STEP_GUESTS, net0, NULL, 0);
			o->intent = vnet_intent_copy(in);
			o->old_guests = live_guests(virt, net0);
			o->new_guests = copy_guests(o->old_guests);
			g_hash_table_replace(o->new_guests, g_strdup(domain), g_strdup(reserve));
		}
	}
	for (guint i = 0; i < n_nets; i++) {
		g_autofree char *net = vnet_intent_network_name(in, i);
		step_add(&j, STEP_NIC_ATTACH, net, nic_xml(net, *macs[i], "virtio"), dom_flags);
	}
	/*
	 * The tap exists only now: the network hook's port-created event came
	 * before it.  Hairpin on every port of a NAT bridge, as at the network's
	 * start and in the qemu hook, so that a forward added later works too.
	 */
	if (dom_active && vnet_ctx_is_local(ctx) && vnet_mode_has_forwards(in->mode)) {
		step *o = step_add(&j, STEP_HAIRPIN, net0, NULL, 0);
		o->mac = g_strdup(mac0);
	}
	return job_run(&j, error);
}

bool vnet_ctx_attach(vnet_ctx *ctx, const char *name, const char *domain, const char *mac,
		     const char *ip, GError **error)
{
	bool ok;

	if (!vnet_attach_check_args(domain, mac, ip, error) || !have_virt(ctx, error) ||
	    !vnet_ctx_lock(ctx, error))
		return false;
	ok = attach_locked(ctx, name, domain, mac, ip, error);
	vnet_ctx_unlock(ctx);
	return ok;
}

/* ---- detach ---- */

static bool detach_locked(vnet_ctx *ctx, const char *name, const char *domain, GError **error)
{
	vnet_virt *virt = vnet_ctx_virt(ctx);
	virConnectPtr conn = vnet_virt_conn(virt);
	g_autoptr(GPtrArray) steps = g_ptr_array_new_with_free_func((GDestroyNotify)step_free);
	g_autoptr(vnet_intent) in = NULL;
	g_autoptr(virDomain) dom = NULL;
	g_autoptr(GPtrArray) nics = NULL, hosts = NULL, mine = g_ptr_array_new();
	g_autoptr(GHashTable) gone = g_hash_table_new(g_str_hash, g_str_equal);
	g_autofree char *net0 = NULL;
	job j = { .ctx = ctx, .domain = domain, .steps = steps };
	guint n_nets;
	bool net_active;
	step *guests = NULL;

	if (!(in = vnet_ctx_get(ctx, name, NULL, error)) || !(dom = lookup_domain(conn, domain, error)))
		return false;
	j.dom = dom;
	n_nets = vnet_intent_n_networks(in);
	net0 = vnet_intent_network_name(in, 0);
	net_active = vnet_virt_network_active(virt, net0);
	if (!(nics = read_nics(dom, error)))
		return false;
	for (guint i = 0; i < n_nets; i++) {
		g_autofree char *net = vnet_intent_network_name(in, i);
		for (guint k = 0; k < nics->len; k++) {
			nic *c = nics->pdata[k];
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
		const dhcp_host *h = hosts->pdata[i];
		unsigned flags = 0;
		bool ours = false;
		for (guint k = 0; k < mine->len && !ours; k++)
			ours = g_strcmp0(((nic *)mine->pdata[k])->mac, h->mac) == 0;
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
		step_add(&j, STEP_HOST_DELETE, net0, host_xml(h->mac, h->name, h->ip), flags);
	}
	if (g_hash_table_size(gone) && net_active && vnet_ctx_is_local(ctx) && vnet_mode_has_forwards(in->mode)) {
		GHashTableIter it;
		gpointer k;
		bool named = false;
		g_hash_table_iter_init(&it, gone);
		while (g_hash_table_iter_next(&it, &k, NULL))
			named = named || forwards_name(in, k);
		if (named) {
			guests = g_new0(step, 1);
			guests->kind = STEP_GUESTS;
			guests->intent = vnet_intent_copy(in);
			guests->old_guests = live_guests(virt, net0);
			guests->new_guests = copy_guests(guests->old_guests);
			g_hash_table_iter_init(&it, gone);
			while (g_hash_table_iter_next(&it, &k, NULL))
				g_hash_table_remove(guests->new_guests, k);
			g_ptr_array_insert(steps, 0, guests);
		}
	}
	for (guint k = 0; k < mine->len; k++) {
		const nic *c = mine->pdata[k];
		unsigned flags = (c->config ? VIR_DOMAIN_AFFECT_CONFIG : 0) | (c->live ? VIR_DOMAIN_AFFECT_LIVE : 0);
		/*
		 * On a running guest the PCI unplug needs the guest's consent: libvirt
		 * waits for it a few seconds and, if the guest's OS is slow or absent,
		 * returns and lets the NIC go when the guest releases it.
		 */
		step_add(&j, STEP_NIC_DETACH, c->network, nic_xml(c->network, c->mac, c->model), flags);
	}
	return job_run(&j, error);
}

bool vnet_ctx_detach(vnet_ctx *ctx, const char *name, const char *domain, GError **error)
{
	bool ok;

	if (!vnet_check_domain_name(domain, error) || !have_virt(ctx, error) || !vnet_ctx_lock(ctx, error))
		return false;
	ok = detach_locked(ctx, name, domain, error);
	vnet_ctx_unlock(ctx);
	return ok;
}

/* ---- the qemu hook ---- */

/*
 * Which bridges are vnetctl's NAT bridges, from the kernel: the nat_if set
 * of our nftables table.  Neither libvirtd (the hook must not call it) nor
 * the bridge's name (a NAT bridge may be named anything with --bridge) can
 * tell; the set is exact and holds exactly the running NAT networks.
 */
static GHashTable *nat_bridges(GError **error)
{
	g_autoptr(vnet_nft) nft = vnet_nft_new(error);
	g_autoptr(GPtrArray) lines = NULL;
	GHashTable *out;

	if (!nft || !vnet_nft_read_elements(nft, &lines, error))
		return NULL;
	out = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	for (guint i = 0; i < lines->len; i++) {
		const char *l = lines->pdata[i];
		if (g_str_has_prefix(l, "nat_if "))
			g_hash_table_add(out, g_strdup(l + strlen("nat_if ")));
	}
	return out;
}

bool vnet_qemu_hook_run(const char *domain, const char *op, const char *subop,
			const char *xml, GError **error)
{
	g_autoptr(GPtrArray) nics = NULL;
	g_autoptr(GHashTable) nat = NULL;
	bool any = false;

	/* "started begin": qemu runs, its taps exist and are bridge ports. */
	if (g_strcmp0(op, "started") != 0)
		return true;
	if (!(nics = domain_nics(xml))) {
		vnet_set_error(error, VNET_ERROR_INVALID,
			    _("The domain XML that libvirt gave the qemu hook for \"%s\" could not be read."),
			    domain ? domain : "");
		return false;
	}
	for (guint i = 0; i < nics->len; i++)
		any = any || (((nic *)nics->pdata[i])->bridge && ((nic *)nics->pdata[i])->target);
	if (!any)
		return true;	/* no bridged NIC: not even our table is read */
	if (!(nat = nat_bridges(error)))
		return false;
	for (guint i = 0; i < nics->len; i++) {
		const nic *n = nics->pdata[i];
		if (n->bridge && n->target && g_hash_table_contains(nat, n->bridge) &&
		    !vnet_brport_set_hairpin(n->target, true, error))
			return false;
	}
	return true;
}

/* ---- reservations across a redefinition ---- */

char *vnet_attach_carry_hosts(const char *xml, const char *old_xml)
{
	g_autoptr(xmlDoc) doc = read_doc(xml);
	g_autoptr(xmlDoc) old = read_doc(old_xml);
	xmlNode *root = doc ? xmlDocGetRootElement(doc) : NULL;
	xmlNode *old_root = old ? xmlDocGetRootElement(old) : NULL;
	xmlNode *ip, *dhcp, *old_dhcp;
	g_autofree char *addr = NULL, *prefix = NULL, *cidr = NULL;
	xmlChar *mem = NULL;
	vnet_cidr subnet;
	guint carried = 0;
	char *out;
	int len = 0;

	if (!root || !old_root || !is_elem(root, "network") || !is_elem(old_root, "network"))
		return NULL;
	ip = ipv4_elem(root);
	dhcp = child(ip, "dhcp");
	old_dhcp = child(ipv4_elem(old_root), "dhcp");
	if (!dhcp || !old_dhcp)
		return NULL;
	addr = prop(ip, "address");
	prefix = prop(ip, "prefix");
	cidr = g_strdup_printf("%s/%s", addr ? addr : "", prefix ? prefix : "24");
	if (!vnet_cidr_parse(cidr, 0, &subnet, NULL))
		return NULL;
	for (xmlNode *h = old_dhcp->children; h; h = h->next) {
		g_autofree char *hip = NULL;
		vnet_addr a;
		if (!is_elem(h, "host"))
			continue;
		hip = prop(h, "ip");
		if (!hip || !vnet_addr_parse(hip, &a, NULL) || !vnet_cidr_contains(&subnet, &a))
			continue;
		xmlAddChild(dhcp, xmlDocCopyNode(h, doc, 1));
		carried++;
	}
	if (!carried)
		return NULL;
	xmlDocDumpFormatMemoryEnc(doc, &mem, &len, "UTF-8", 1);
	out = mem ? g_strndup((const char *)mem, len) : NULL;
	xmlFree(mem);
	return out;
}
