/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include "netxml.h"
#include "xml.h"
#include "util.h"

#define X(s) ((const xmlChar *)(s))

G_DEFINE_AUTOPTR_CLEANUP_FUNC(xmlDoc, xmlFreeDoc)

static char *prop(const xmlNode *n, const char *name);

void vnet_netxml_free(vnet_netxml *n)
{
	if (!n)
		return;
	g_free(n->name);
	g_free(n->bridge);
	g_free(n->forward_mode);
	g_ptr_array_unref(n->subnets);
	g_ptr_array_unref(n->gateways);
	g_hash_table_unref(n->guests);
	g_free(n);
}


static xmlNode *find_elem(xmlNode *n, const char *name)
{
	for (; n; n = n->next) {
		xmlNode *f;
		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (!n->ns && xmlStrEqual(n->name, X(name)))
			return n;
		if ((f = find_elem(n->children, name)))
			return f;
	}
	return NULL;
}

static void read_ip(vnet_netxml *out, const xmlNode *ip)
{
	g_autofree char *addr = prop(ip, "address"), *prefix = prop(ip, "prefix");
	g_autofree char *netmask = prop(ip, "netmask");
	vnet_cidr c;

	if (addr && !prefix && netmask) {
		/* Old-style netmask: count its bits. */
		vnet_addr m;
		guint bits = 0;
		if (vnet_addr_parse(netmask, &m, NULL))
			for (guint i = 0; i < 32; i++)
				bits += (m.b[i / 8] >> (7 - i % 8)) & 1;
		prefix = g_strdup_printf("%u", bits);
	}
	if (addr) {
		g_autofree char *cidr = g_strdup_printf("%s/%s", addr, prefix ? prefix : "24");
		if (vnet_cidr_parse(cidr, 0, &c, NULL)) {
			g_ptr_array_add(out->gateways, vnet_addr_format(&c.addr));
			c = vnet_cidr_network(&c);
			g_ptr_array_add(out->subnets, vnet_cidr_format(&c));
		}
	}
	for (const xmlNode *d = ip->children; d; d = d->next) {
		if (d->type != XML_ELEMENT_NODE || !xmlStrEqual(d->name, X("dhcp")))
			continue;
		for (const xmlNode *h = d->children; h; h = h->next) {
			g_autofree char *hn = NULL, *hip = NULL;
			vnet_addr a;
			if (h->type != XML_ELEMENT_NODE || !xmlStrEqual(h->name, X("host")))
				continue;
			hn = prop(h, "name");
			hip = prop(h, "ip");
			if (hn && hip && vnet_name_is_valid(hn, VNET_NAME_MAX) && vnet_addr_parse(hip, &a, NULL))
				g_hash_table_insert(out->guests, g_steal_pointer(&hn), vnet_addr_format(&a));
		}
	}
}

vnet_netxml *vnet_netxml_parse(const char *xml, GError **error)
{
	g_autoptr(vnet_netxml) out = g_new0(vnet_netxml, 1);
	g_autoptr(xmlDoc) doc = NULL;
	size_t len = xml ? strlen(xml) : 0;
	xmlNode *net, *n;

	out->subnets = g_ptr_array_new_with_free_func(g_free);
	out->gateways = g_ptr_array_new_with_free_func(g_free);
	out->guests = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	if (len > 0 && len <= VNET_XML_MAX)
		doc = xmlReadMemory(xml, len, "network.xml", NULL,
				    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	net = doc && !doc->intSubset ? find_elem(xmlDocGetRootElement(doc), "network") : NULL;
	if (!net) {
		vnet_set_error(error, VNET_ERROR_INVALID,
			    _("The libvirt network XML could not be read: it is not well-formed or has no <network> element."));
		return NULL;
	}
	for (n = net->children; n; n = n->next) {
		if (n->type != XML_ELEMENT_NODE || n->ns)
			continue;
		/* A second <name>, <bridge> or <forward> (libvirt writes one) does not count. */
		if (xmlStrEqual(n->name, X("name")) && !out->name) {
			xmlChar *c = xmlNodeGetContent(n);
			out->name = g_strdup((const char *)c);
			xmlFree(c);
		} else if (xmlStrEqual(n->name, X("bridge")) && !out->bridge) {
			out->bridge = prop(n, "name");
		} else if (xmlStrEqual(n->name, X("forward")) && !out->forward_mode) {
			out->forward_mode = prop(n, "mode");
			if (!out->forward_mode)
				out->forward_mode = g_strdup("nat");	/* libvirt's default */
		} else if (xmlStrEqual(n->name, X("ip"))) {
			read_ip(out, n);
		}
	}
	return g_steal_pointer(&out);
}

/* ---- domains' NICs and networks' DHCP host entries ---- */


void vnet_nic_free(vnet_nic *n)
{
	g_free(n->mac);
	g_free(n->network);
	g_free(n->bridge);
	g_free(n->target);
	g_free(n->model);
	g_free(n->portgroup);
	g_free(n);
}


void vnet_dhcp_host_free(vnet_dhcp_host *h)
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
GPtrArray *vnet_netxml_domain_nics(const char *xml)
{
	g_autoptr(xmlDoc) doc = read_doc(xml);
	xmlNode *root = doc ? xmlDocGetRootElement(doc) : NULL;
	GPtrArray *out;

	if (!root || !is_elem(root, "domain"))
		return NULL;
	out = g_ptr_array_new_with_free_func((GDestroyNotify)vnet_nic_free);
	for (xmlNode *n = child(root, "devices") ? child(root, "devices")->children : NULL; n; n = n->next) {
		vnet_nic *c;
		if (!is_elem(n, "interface"))
			continue;
		c = g_new0(vnet_nic, 1);
		c->mac = child_prop(n, "mac", "address");
		ascii_down(c->mac);
		c->network = child_prop(n, "source", "network");
		c->bridge = child_prop(n, "source", "bridge");
		c->target = child_prop(n, "target", "dev");
		c->model = child_prop(n, "model", "type");
		c->portgroup = child_prop(n, "source", "portgroup");
		g_ptr_array_add(out, c);
	}
	return out;
}

/*
 * The <network> of a network document, or of the <hookData> libvirt gives
 * its hooks (where it may come after <networkport>).
 */
static xmlNode *network_elem(xmlNode *root)
{
	if (root && is_elem(root, "network"))
		return root;
	if (root && is_elem(root, "hookData"))
		return child(root, "network");
	return NULL;
}

/*
 * The <ip> of @family (AF_INET, AF_INET6) of a network document, and its
 * index among all the <ip>s into @ret_index (virNetworkUpdate's parent
 * index; -1 picks the first <ip> that has DHCP, the IPv4 one).
 */
static xmlNode *ip_elem(xmlNode *net, int family, int *ret_index)
{
	int i = 0;

	for (xmlNode *n = net ? net->children : NULL; n; n = n->next) {
		g_autofree char *fam = NULL;
		if (!is_elem(n, "ip"))
			continue;
		fam = prop(n, "family");
		if (family == AF_INET6 ? g_strcmp0(fam, "ipv6") == 0 : !fam || g_str_equal(fam, "ipv4")) {
			if (ret_index)
				*ret_index = i;
			return n;
		}
		i++;
	}
	return NULL;
}

static GPtrArray *hosts_of(const char *xml, int family)
{
	g_autoptr(xmlDoc) doc = read_doc(xml);
	xmlNode *root = doc ? network_elem(xmlDocGetRootElement(doc)) : NULL;
	GPtrArray *out;

	if (!root)
		return NULL;
	out = g_ptr_array_new_with_free_func((GDestroyNotify)vnet_dhcp_host_free);
	for (xmlNode *h = child(child(ip_elem(root, family, NULL), "dhcp"), "host"); h; h = h->next) {
		vnet_dhcp_host *d;
		if (!is_elem(h, "host"))
			continue;
		d = g_new0(vnet_dhcp_host, 1);
		d->mac = prop(h, "mac");
		ascii_down(d->mac);
		d->name = prop(h, "name");
		d->ip = prop(h, "ip");
		g_ptr_array_add(out, d);
	}
	return out;
}

GPtrArray *vnet_netxml_hosts(const char *xml)
{
	return hosts_of(xml, AF_INET);
}

GPtrArray *vnet_netxml_hosts6(const char *xml)
{
	return hosts_of(xml, AF_INET6);
}

int vnet_netxml_ip_index(const char *xml, int family)
{
	g_autoptr(xmlDoc) doc = read_doc(xml);
	xmlNode *root = doc ? network_elem(xmlDocGetRootElement(doc)) : NULL;
	int i = -1;

	return ip_elem(root, family, &i) ? i : -1;
}

/* ---- reservations across a redefinition ---- */

/* Where @xml's <metadata> is, or false: see vnet_netxml_drop_metadata(). */
static bool find_metadata(const char *xml, const char **ret_start, const char **ret_end)
{
	const char *start = xml ? strstr(xml, "<metadata>") : NULL;
	const char *end = start ? g_strrstr(start, "</metadata>") : NULL;

	if (!end)
		return false;
	*ret_start = start;
	*ret_end = end + strlen("</metadata>");
	return true;
}

void vnet_netxml_drop_metadata(char *xml)
{
	const char *start, *end;

	if (find_metadata(xml, &start, &end))
		memmove((char *)start, end, strlen(end) + 1);
}

/*
 * The old definition is read without its <metadata>, and the new one with
 * an empty one, its text put back as it was: libxml2 writes what it read
 * from its own output unchanged, and the megabytes of forwards in either
 * need no parsing to carry a few <host> entries.
 */
/* Copy into @ip's <dhcp> the entries of @old_ip's that fall inside @ip's subnet; how many. */
static guint carry_family(xmlDoc *doc, xmlNode *ip, xmlNode *old_ip, int family)
{
	xmlNode *dhcp = child(ip, "dhcp"), *old_dhcp = child(old_ip, "dhcp");
	g_autofree char *addr = prop(ip, "address"), *prefix = prop(ip, "prefix"), *cidr = NULL;
	vnet_cidr subnet;
	guint carried = 0;

	if (!dhcp || !old_dhcp)
		return 0;
	cidr = g_strdup_printf("%s/%s", addr ? addr : "", prefix ? prefix : family == AF_INET6 ? "64" : "24");
	if (!vnet_cidr_parse(cidr, 0, &subnet, NULL) || subnet.addr.family != family)
		return 0;
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
	return carried;
}

char *vnet_netxml_carry_hosts(const char *xml, const char *old_xml)
{
	g_autofree char *old_bare = NULL, *bare = NULL, *out = NULL;
	g_autoptr(xmlDoc) doc = NULL;
	g_autoptr(xmlDoc) old = NULL;
	const char *meta = NULL, *meta_end = NULL, *om, *om_end;
	xmlNode *root, *old_root;
	xmlChar *mem = NULL;
	guint carried = 0;
	char *at;
	int len = 0;

	/* The rest around the metadata, not a copy of the whole cut after. */
	if (old_xml && find_metadata(old_xml, &om, &om_end))
		old_bare = vnet_concat_len(old_xml, (gsize)(om - old_xml), om_end, strlen(om_end), NULL);
	if (find_metadata(xml, &meta, &meta_end))
		bare = vnet_concat_len(xml, (gsize)(meta - xml), "<metadata/>", strlen("<metadata/>"), meta_end,
				       strlen(meta_end), NULL);
	doc = read_doc(bare ? bare : xml);
	old = read_doc(old_bare ? old_bare : old_xml);
	root = doc ? xmlDocGetRootElement(doc) : NULL;
	old_root = old ? xmlDocGetRootElement(old) : NULL;
	if (!root || !old_root || !is_elem(root, "network") || !is_elem(old_root, "network"))
		return NULL;
	carried += carry_family(doc, ip_elem(root, AF_INET, NULL), ip_elem(old_root, AF_INET, NULL), AF_INET);
	carried += carry_family(doc, ip_elem(root, AF_INET6, NULL), ip_elem(old_root, AF_INET6, NULL), AF_INET6);
	if (!carried)
		return NULL;
	xmlDocDumpFormatMemoryEnc(doc, &mem, &len, "UTF-8", 1);
	out = mem ? g_strndup((const char *)mem, len) : NULL;
	xmlFree(mem);
	if (!out || !bare)
		return g_steal_pointer(&out);
	at = strstr(out, "<metadata/>");
	if (!at)
		return NULL;
	return vnet_concat_len(out, (gsize)(at - out), meta, (gsize)(meta_end - meta), at + strlen("<metadata/>"),
			       strlen(at + strlen("<metadata/>")), NULL);
}

static char *range_of(const char *xml, int family)
{
	g_autoptr(xmlDoc) doc = read_doc(xml);
	xmlNode *root = doc ? network_elem(xmlDocGetRootElement(doc)) : NULL;
	xmlNode *range = root ? child(child(ip_elem(root, family, NULL), "dhcp"), "range") : NULL;
	g_autofree char *start = prop(range, "start"), *end = prop(range, "end");

	if (!start || !end)
		return NULL;
	return g_markup_printf_escaped("<range start='%s' end='%s'/>", start, end);
}

char *vnet_netxml_dhcp_range(const char *xml)
{
	return range_of(xml, AF_INET);
}

char *vnet_netxml_dhcp6_range(const char *xml)
{
	return range_of(xml, AF_INET6);
}

bool vnet_netxml_has_portgroup(const char *xml, const char *name)
{
	g_autoptr(xmlDoc) doc = read_doc(xml);
	xmlNode *net = doc ? network_elem(xmlDocGetRootElement(doc)) : NULL;

	for (xmlNode *n = net ? net->children : NULL; n; n = n->next) {
		g_autofree char *pg = is_elem(n, "portgroup") ? prop(n, "name") : NULL;
		if (g_strcmp0(pg, name) == 0)
			return true;
	}
	return false;
}

bool vnet_netxml_port(const char *xml, char **ret_mac, char **ret_domain)
{
	g_autoptr(xmlDoc) doc = read_doc(xml);
	xmlNode *root = doc ? xmlDocGetRootElement(doc) : NULL;
	xmlNode *port = root && is_elem(root, "hookData") ? child(root, "networkport") : NULL;
	xmlNode *owner = child(port, "owner"), *name = child(owner, "name");
	xmlChar *text = name ? xmlNodeGetContent(name) : NULL;
	g_autofree char *mac = child_prop(port, "mac", "address");

	*ret_mac = *ret_domain = NULL;
	if (mac && text) {
		ascii_down(mac);
		*ret_mac = g_steal_pointer(&mac);
		*ret_domain = g_strdup((const char *)text);
	}
	xmlFree(text);
	return *ret_mac != NULL;
}
