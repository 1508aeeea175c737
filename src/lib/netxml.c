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

void vnet_netxml_free(vnet_netxml *n)
{
	if (!n)
		return;
	g_free(n->name);
	g_free(n->bridge);
	g_ptr_array_unref(n->subnets);
	g_hash_table_unref(n->guests);
	g_free(n);
}

static char *prop(const xmlNode *n, const char *name)
{
	xmlChar *v = xmlGetNoNsProp(n, X(name));
	char *r = g_strdup((const char *)v);

	xmlFree(v);
	return r;
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
		if (xmlStrEqual(n->name, X("name"))) {
			xmlChar *c = xmlNodeGetContent(n);
			out->name = g_strdup((const char *)c);
			xmlFree(c);
		} else if (xmlStrEqual(n->name, X("bridge"))) {
			out->bridge = prop(n, "name");
		} else if (xmlStrEqual(n->name, X("ip"))) {
			read_ip(out, n);
		}
	}
	return g_steal_pointer(&out);
}
