/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>
#include <libvirt/virterror.h>
#include <libxml/xmlreader.h>

#include "virt.h"
#include "netxml.h"
#include "xml.h"
#include "util.h"

/* A network's XML as last read, and what it gave: an intent, or why none. */
typedef struct parsed_net {
	char *xml;		/* a GRefString: the one copy the held reads share */
	vnet_intent *intent;
	char *bad;
	bool unread;		/* @intent was read without its forwards' block */
} parsed_net;

struct vnet_virt {
	virConnectPtr conn;
	char *uri;		/* as opened, to reconnect for a rollback */
	/*
	 * Network name -> parsed_net.  Every read still asks libvirt for the
	 * XML; only a text equal to the one parsed before is not parsed again
	 * (a command reads the networks more than once: show, list).
	 */
	GHashTable *parsed;
	/*
	 * While reads are held (vnet_virt_hold_reads()): "N NAME" -> the
	 * network's XML as read_network reads it, "L NAME" / "I NAME" -> its
	 * live / inactive XML; held_nics: network -> its NICs.  NULL otherwise:
	 * then every read asks libvirt.
	 */
	GHashTable *held, *held_nics;
	char *unread;		/* the network read without its forwards' block (vnet_virt_read_unread()) */
};

static void parsed_net_free(parsed_net *p)
{
	g_ref_string_release(p->xml);
	vnet_intent_free(p->intent);
	g_free(p->bad);
	g_free(p);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC(virNetwork, virNetworkFree)

/*
 * The library never prints, and libvirt's default handler writes to stderr;
 * but virSetErrorFunc() would take the handler of the whole program that
 * links libvnet.  Our own connection gets a silent one: every failure is read
 * back right after its call (vnet_virt_last_error()) into a GError.
 */
static void silent_error(void *opaque, virErrorPtr err)
{
}

/*
 * A failure of virConnectOpen() itself has no connection yet, so it goes to
 * the program's handler (vnetctl sets a silent one): that is its choice.
 */
static virConnectPtr open_conn(const char *uri)
{
	virConnectPtr conn = virConnectOpen(uri);

	if (conn)
		virConnSetErrorFunc(conn, NULL, silent_error);
	return conn;
}

char *vnet_virt_last_error(void)
{
	const char *m = virGetLastErrorMessage();

	return g_strdup(m ? m : "?");
}

vnet_virt *vnet_virt_open(const char *uri, GError **error)
{
	vnet_virt *v;
	virConnectPtr conn;

	conn = open_conn(uri);
	if (!conn) {
		g_autofree char *why = vnet_virt_last_error();

		vnet_set_error(error, VNET_ERROR_FAILED,
			    _("Cannot connect to libvirt at \"%s\": %s. Is libvirtd running?"),
			    uri ? uri : "default", why);
		return NULL;
	}
	v = g_new0(vnet_virt, 1);
	v->conn = conn;
	v->uri = g_strdup(uri);
	v->parsed = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify)parsed_net_free);
	return v;
}

void vnet_virt_close(vnet_virt *v)
{
	if (!v)
		return;
	if (v->conn)
		virConnectClose(v->conn);
	if (v->parsed)
		g_hash_table_unref(v->parsed);
	vnet_virt_hold_reads(v, false);
	g_free(v->unread);
	g_free(v->uri);
	g_free(v);
}

virConnectPtr vnet_virt_conn(vnet_virt *v)
{
	return v->conn;
}

bool vnet_virt_is_local(vnet_virt *v)
{
	g_autofree char *uri = virConnectGetURI(v->conn);
	const char *p = uri ? strstr(uri, "://") : NULL;

	/* "qemu:///system" has no host; "qemu+ssh://host/system" has one. */
	return p && p[3] == '/';
}

static virNetworkPtr lookup(vnet_virt *v, const char *name, GError **error)
{
	virNetworkPtr net = virNetworkLookupByName(v->conn, name);

	if (!net)
		vnet_set_error(error, VNET_ERROR_NOT_FOUND,
			    _("There is no libvirt network \"%s\"."), name);
	return net;
}

bool vnet_virt_network_exists(vnet_virt *v, const char *name)
{
	g_autoptr(virNetwork) net = virNetworkLookupByName(v->conn, name);

	return net != NULL;
}

bool vnet_virt_network_active(vnet_virt *v, const char *name)
{
	g_autoptr(virNetwork) net = virNetworkLookupByName(v->conn, name);

	return net && virNetworkIsActive(net) == 1;
}

void vnet_virt_read_unread(vnet_virt *v, const char *name)
{
	g_free(v->unread);
	v->unread = g_strdup(name);
}

bool vnet_virt_reads_held(const vnet_virt *v)
{
	return v->held != NULL;
}

void vnet_virt_hold_reads(vnet_virt *v, bool on)
{
	g_clear_pointer(&v->held, g_hash_table_unref);
	g_clear_pointer(&v->held_nics, g_hash_table_unref);
	if (!on)
		return;
	v->held = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify)g_ref_string_release);
	v->held_nics = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify)g_hash_table_unref);
}

/*
 * What was read for @kind and @name while reads are held, or NULL: a
 * GRefString the caller releases.  A definition is megabytes at 65,535
 * forwards; the held reads and the parse kept share one copy of it.
 */
static char *held_ref(vnet_virt *v, char kind, const char *name)
{
	g_autofree char *key = v->held ? g_strdup_printf("%c %s", kind, name) : NULL;
	char *xml = key ? g_hash_table_lookup(v->held, key) : NULL;

	return xml ? g_ref_string_acquire(xml) : NULL;
}

/* libvirt's @xml (freed) as a GRefString, or NULL. */
static char *to_ref(char *xml)
{
	char *ref = xml ? g_ref_string_new(xml) : NULL;

	free(xml);
	return ref;
}

/* @ref: a GRefString, or NULL. */
static void hold_xml(vnet_virt *v, char kind, const char *name, char *ref)
{
	if (v->held && ref)
		g_hash_table_replace(v->held, g_strdup_printf("%c %s", kind, name), g_ref_string_acquire(ref));
}

char *vnet_virt_network_xml(vnet_virt *v, const char *name, bool inactive, GError **error)
{
	g_autoptr(virNetwork) net = NULL;
	char *held = held_ref(v, inactive ? 'I' : 'L', name), *xml;

	if (held) {
		xml = g_strdup(held);
		g_ref_string_release(held);
		return xml;
	}
	if (!(net = lookup(v, name, error)))
		return NULL;
	xml = virNetworkGetXMLDesc(net, inactive ? VIR_NETWORK_XML_INACTIVE : 0);
	if (!xml) {
		g_autofree char *why = vnet_virt_last_error();

		vnet_set_error(error, VNET_ERROR_FAILED,
			    _("Cannot read the XML of libvirt network \"%s\": %s."), name, why);
	}
	if (xml && v->held) {
		char *ref = g_ref_string_new(xml);
		hold_xml(v, inactive ? 'I' : 'L', name, ref);
		g_ref_string_release(ref);
	}
	return xml;
}

static bool add_plain_network(vnet_host *host, const char *xml, GError **error);

/* The intent in network @name's @xml, or NULL with *@ret_bad; parsed once per text. */
/* @xml: a GRefString. */
static const vnet_intent *parse_intent(vnet_virt *v, const char *name, char *xml, const char **ret_bad)
{
	parsed_net *p = g_hash_table_lookup(v->parsed, name);
	bool unread = v->unread && strcmp(v->unread, name) == 0;

	if (!p || p->unread != unread || (p->xml != xml && strcmp(p->xml, xml) != 0)) {
		g_autoptr(GError) bad = NULL;
		p = g_new0(parsed_net, 1);
		p->xml = g_ref_string_acquire(xml);
		p->unread = unread;
		p->intent = unread ? vnet_intent_from_xml_unread(xml, -1, &bad) : vnet_intent_from_xml(xml, -1, &bad);
		if (!p->intent)
			p->bad = g_strdup(bad->message);
		g_hash_table_replace(v->parsed, g_strdup(name), p);
	}
	*ret_bad = p->bad;
	return p->intent;
}

/* @xml: a GRefString. */
static bool add_network(vnet_virt *v, vnet_host *host, const char *name, char *xml, GError **error)
{
	const vnet_intent *intent;
	const char *bad = NULL;

	if (strstr(xml, VNET_XML_NS)) {
		intent = parse_intent(v, name, xml, &bad);
		if (!intent) {
			/*
			 * A hand-edited value, or a network that only mentions our
			 * namespace: reported by name, not a reason to fail every
			 * other command; its bridge and subnets still count.
			 */
			g_hash_table_replace(host->unreadable, g_strdup(name), g_strdup(bad));
			(void)add_plain_network(host, xml, NULL);
			return true;
		}
		/* A hybrid intent sits in both of its networks; keep one copy. */
		for (guint i = 0; i < host->intents->len; i++)
			if (g_strcmp0(((vnet_intent *)host->intents->pdata[i])->name, intent->name) == 0)
				return true;
		/* Shared with the parse kept above: read only, by the host's users. */
		vnet_host_add_intent_shared(host, intent);
		return true;
	}
	return add_plain_network(host, xml, error);
}

static bool add_plain_network(vnet_host *host, const char *xml, GError **error)
{
	g_autoptr(vnet_netxml) facts = vnet_netxml_parse(xml, error);

	if (!facts)
		return false;
	if (!facts->subnets->len)
		return vnet_host_add_network(host, facts->name, facts->bridge, NULL, error);
	for (guint i = 0; i < facts->subnets->len; i++)
		if (!vnet_host_add_network(host, facts->name, facts->bridge, facts->subnets->pdata[i], error))
			return false;
	return true;
}

bool vnet_virt_read_networks(vnet_virt *v, vnet_host *host, GError **error)
{
	virNetworkPtr *nets = NULL;
	int n = virConnectListAllNetworks(v->conn, &nets, 0);
	bool ok = true;

	if (n < 0) {
		g_autofree char *why = vnet_virt_last_error();

		vnet_set_error(error, VNET_ERROR_FAILED,
			    _("Cannot list the libvirt networks: %s."), why);
		return false;
	}
	for (int i = 0; i < n; i++) {
		/* The persistent definition: the live one keeps old metadata until restart. */
		char *xml = NULL;
		if (ok) {
			bool persistent = virNetworkIsPersistent(nets[i]) == 1;
			xml = to_ref(virNetworkGetXMLDesc(nets[i], persistent ? VIR_NETWORK_XML_INACTIVE : 0));
			hold_xml(v, 'N', virNetworkGetName(nets[i]), xml);
			hold_xml(v, persistent ? 'I' : 'L', virNetworkGetName(nets[i]), xml);
			if (!xml) {
				g_autofree char *why = vnet_virt_last_error();

				vnet_set_error(error, VNET_ERROR_FAILED,
					    _("Cannot read the XML of libvirt network \"%s\": %s."),
					    virNetworkGetName(nets[i]), why);
				ok = false;
			} else {
				ok = add_network(v, host, virNetworkGetName(nets[i]), xml, error);
			}
		}
		if (xml)
			g_ref_string_release(xml);
		virNetworkFree(nets[i]);
	}
	free(nets);
	return ok;
}

bool vnet_virt_read_network(vnet_virt *v, const char *name, vnet_host *host, GError **error)
{
	g_autoptr(virNetwork) net = NULL;
	char *xml = held_ref(v, 'N', name);
	bool ok;

	if (xml)
		goto add;
	if (!(net = lookup(v, name, error)))
		return false;
	/* As vnet_virt_read_networks() reads it. */
	xml = to_ref(virNetworkGetXMLDesc(net, virNetworkIsPersistent(net) == 1 ? VIR_NETWORK_XML_INACTIVE : 0));
	if (!xml) {
		g_autofree char *why = vnet_virt_last_error();

		vnet_set_error(error, VNET_ERROR_FAILED, _("Cannot read the XML of libvirt network \"%s\": %s."),
			       name, why);
		return false;
	}
	hold_xml(v, 'N', name, xml);
add:
	ok = add_network(v, host, name, xml, error);
	g_ref_string_release(xml);
	return ok;
}

/*
 * Redefining a network needs its UUID, or libvirt takes the XML for a new
 * network of the same name and refuses it.
 */
/*
 * The <name> of the first <network> in @xml, as vnet_netxml_parse() finds
 * it, read only as far as that element: the metadata of a network with
 * 65,535 forwards comes after it and is not parsed for this.
 */
static char *network_name(const char *xml)
{
	size_t len = strlen(xml);
	xmlTextReaderPtr r;
	char *name = NULL;
	int depth = -1;

	if (len == 0 || len > VNET_XML_MAX)
		return NULL;
	r = xmlReaderForMemory(xml, len, "network.xml", NULL,
			       XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (!r)
		return NULL;
	while (xmlTextReaderRead(r) == 1) {
		int type = xmlTextReaderNodeType(r), d = xmlTextReaderDepth(r);
		const xmlChar *ln = xmlTextReaderConstLocalName(r);
		bool plain = xmlTextReaderConstNamespaceUri(r) == NULL;

		if (type == XML_READER_TYPE_DOCUMENT_TYPE)
			break;	/* refused there too */
		if (depth < 0) {
			if (type == XML_READER_TYPE_ELEMENT && plain && xmlStrEqual(ln, BAD_CAST "network"))
				depth = d;
			continue;
		}
		if (d <= depth)
			break;	/* out of the <network> */
		if (type == XML_READER_TYPE_ELEMENT && d == depth + 1 && plain && xmlStrEqual(ln, BAD_CAST "name")) {
			xmlChar *c = xmlTextReaderReadString(r);
			name = g_strdup((const char *)c);
			xmlFree(c);
			break;
		}
	}
	xmlFreeTextReader(r);
	return name;
}

/* @xml with the UUID of the network of its name, or NULL when it needs none (or has one). */
static char *with_uuid(vnet_virt *v, const char *xml)
{
	g_autofree char *name = network_name(xml);
	g_autoptr(virNetwork) old = name ? virNetworkLookupByName(v->conn, name) : NULL;
	char uuid[VIR_UUID_STRING_BUFLEN];
	const char *end = strstr(xml, "</name>");
	/* libvirt writes <uuid> before <metadata>, which comes before our megabytes of forwards. */
	const char *meta = strstr(xml, "<metadata");
	bool has_uuid = meta ? memmem(xml, (size_t)(meta - xml), "<uuid>", 6) != NULL : strstr(xml, "<uuid>") != NULL;

	if (!old || !end || has_uuid || virNetworkGetUUIDString(old, uuid) < 0)
		return NULL;
	end += strlen("</name>");
	return vnet_concat_len(xml, (gsize)(end - xml), "<uuid>", strlen("<uuid>"), uuid, strlen(uuid), "</uuid>",
			       strlen("</uuid>"), end, strlen(end), NULL);
}

bool vnet_virt_define(vnet_virt *v, const char *xml, GError **error)
{
	g_autofree char *full = with_uuid(v, xml);
	g_autoptr(virNetwork) net = virNetworkDefineXML(v->conn, full ? full : xml);

	if (!net) {
		g_autofree char *why = vnet_virt_last_error();

		vnet_set_error(error, VNET_ERROR_FAILED,
			    _("libvirt refused to define the network: %s."), why);
	}
	return net != NULL;
}

bool vnet_virt_undefine(vnet_virt *v, const char *name, GError **error)
{
	g_autoptr(virNetwork) net = lookup(v, name, error);

	if (!net)
		return false;
	if (virNetworkUndefine(net) < 0) {
		g_autofree char *why = vnet_virt_last_error();

		vnet_set_error(error, VNET_ERROR_FAILED,
			    _("libvirt could not undefine network \"%s\": %s."), name, why);
		return false;
	}
	return true;
}

bool vnet_virt_start(vnet_virt *v, const char *name, GError **error)
{
	g_autoptr(virNetwork) net = lookup(v, name, error);

	if (!net)
		return false;
	if (virNetworkIsActive(net) == 1)
		return true;
	if (virNetworkCreate(net) < 0) {
		g_autofree char *why = vnet_virt_last_error();

		vnet_set_error(error, VNET_ERROR_FAILED,
			    _("libvirt could not start network \"%s\": %s."), name, why);
		return false;
	}
	return true;
}

bool vnet_virt_destroy(vnet_virt *v, const char *name, GError **error)
{
	g_autoptr(virNetwork) net = lookup(v, name, error);

	if (!net)
		return false;
	if (virNetworkIsActive(net) != 1)
		return true;
	if (virNetworkDestroy(net) < 0) {
		g_autofree char *why = vnet_virt_last_error();

		vnet_set_error(error, VNET_ERROR_FAILED,
			    _("libvirt could not stop network \"%s\": %s."), name, why);
		return false;
	}
	return true;
}

bool vnet_virt_set_autostart(vnet_virt *v, const char *name, bool on, GError **error)
{
	g_autoptr(virNetwork) net = lookup(v, name, error);

	if (!net)
		return false;
	if (virNetworkSetAutostart(net, on) < 0) {
		g_autofree char *why = vnet_virt_last_error();

		vnet_set_error(error, VNET_ERROR_FAILED,
			    _("libvirt could not set autostart of network \"%s\": %s."), name, why);
		return false;
	}
	return true;
}

bool vnet_virt_ensure_alive(vnet_virt *v, GError **error)
{
	virConnectPtr conn;

	if (v->conn && virConnectIsAlive(v->conn) == 1)
		return true;
	conn = open_conn(v->uri);
	if (!conn) {
		g_autofree char *why = vnet_virt_last_error();

		vnet_set_error(error, VNET_ERROR_FAILED,
			    _("The connection to libvirt at \"%s\" was lost and cannot be made again: %s."),
			    v->uri ? v->uri : "default", why);
		return false;
	}
	if (v->conn)
		virConnectClose(v->conn);
	v->conn = conn;
	return true;
}

const char *vnet_virt_uri(vnet_virt *v)
{
	return v->uri ? v->uri : "";
}

int vnet_virt_get_autostart(vnet_virt *v, const char *name)
{
	g_autoptr(virNetwork) net = virNetworkLookupByName(v->conn, name);
	int on = 0;

	if (!net || virNetworkGetAutostart(net, &on) < 0)
		return -1;
	return on != 0;
}

bool vnet_virt_update(vnet_virt *v, const char *name, bool add, int section, int parent, const char *xml,
		      unsigned flags, GError **error)
{
	g_autoptr(virNetwork) net = lookup(v, name, error);

	if (!net)
		return false;
	if (virNetworkUpdate(net, add ? VIR_NETWORK_UPDATE_COMMAND_ADD_LAST : VIR_NETWORK_UPDATE_COMMAND_DELETE,
			     section, parent, xml, flags) < 0) {
		g_autofree char *why = vnet_virt_last_error();

		vnet_set_error(error, VNET_ERROR_FAILED,
			    add ? _("libvirt could not add %s to network \"%s\": %s.")
				: _("libvirt could not remove %s from network \"%s\": %s."),
			    xml, name, why);
		return false;
	}
	return true;
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC(virDomain, virDomainFree)

static virDomainPtr lookup_domain(vnet_virt *v, const char *domain, GError **error)
{
	virDomainPtr dom = virDomainLookupByName(v->conn, domain);

	if (!dom)
		vnet_set_error(error, VNET_ERROR_NOT_FOUND,
			    _("There is no libvirt domain \"%s\"; see \"virsh list --all\"."), domain);
	return dom;
}

char *vnet_virt_domain_xml(vnet_virt *v, const char *domain, bool inactive, GError **error)
{
	g_autoptr(virDomain) dom = lookup_domain(v, domain, error);
	char *xml;

	if (!dom)
		return NULL;
	xml = virDomainGetXMLDesc(dom, inactive ? VIR_DOMAIN_XML_INACTIVE : 0);
	if (!xml) {
		g_autofree char *why = vnet_virt_last_error();

		vnet_set_error(error, VNET_ERROR_FAILED,
			    _("Cannot read the XML of domain \"%s\": %s."), domain, why);
	}
	return xml;
}

bool vnet_virt_domain_device(vnet_virt *v, const char *domain, bool attach, const char *xml,
			     unsigned flags, GError **error)
{
	g_autoptr(virDomain) dom = lookup_domain(v, domain, error);
	int r;

	if (!dom)
		return false;
	r = attach ? virDomainAttachDeviceFlags(dom, xml, flags) : virDomainDetachDeviceFlags(dom, xml, flags);
	if (r < 0) {
		g_autofree char *why = vnet_virt_last_error();

		vnet_set_error(error, VNET_ERROR_FAILED,
			    attach ? _("libvirt could not add the interface %s to domain \"%s\": %s.")
				   : _("libvirt could not remove the interface %s from domain \"%s\": %s."),
			    xml, domain, why);
		return false;
	}
	return true;
}

typedef void (*nic_fn)(const char *domain, bool active, const vnet_nic *nic, void *data);

/* @fn for each NIC on @network of the domains virConnectListAllDomains(@list_flags) gives. */
static bool each_nic(vnet_virt *v, unsigned list_flags, const char *network, nic_fn fn, void *data,
		     GError **error)
{
	virDomainPtr *doms = NULL;
	int n = virConnectListAllDomains(v->conn, &doms, list_flags);

	if (n < 0) {
		g_autofree char *why = vnet_virt_last_error();

		vnet_set_error(error, VNET_ERROR_FAILED, _("Cannot list the libvirt domains: %s."), why);
		return false;
	}
	for (int i = 0; i < n; i++) {
		bool active = virDomainIsActive(doms[i]) == 1;
		g_autofree char *xml = virDomainGetXMLDesc(doms[i], active ? 0 : VIR_DOMAIN_XML_INACTIVE);
		g_autoptr(GPtrArray) nics = xml ? vnet_netxml_domain_nics(xml) : NULL;
		for (guint k = 0; nics && k < nics->len; k++) {
			const vnet_nic *c = nics->pdata[k];
			if (g_strcmp0(c->network, network) == 0)
				fn(virDomainGetName(doms[i]), active, c, data);
		}
		virDomainFree(doms[i]);
	}
	free(doms);
	return true;
}

static void add_nic(const char *domain, bool active, const vnet_nic *c, void *data)
{
	GHashTable *out = data;

	/* A running domain's NIC wins over a stopped one's of the same MAC. */
	if (c->mac && (active || !g_hash_table_contains(out, c->mac)))
		g_hash_table_replace(out, g_strdup(c->mac),
				     active ? g_strdup(domain) : g_strconcat("!", domain, NULL));
}

GHashTable *vnet_virt_network_nics(vnet_virt *v, const char *network, GError **error)
{
	g_autoptr(GHashTable) out = NULL;
	GHashTable *held = v->held_nics ? g_hash_table_lookup(v->held_nics, network) : NULL;

	if (held)
		return g_hash_table_ref(held);
	out = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	if (!each_nic(v, 0, network, add_nic, out, error))
		return NULL;
	if (v->held_nics)
		g_hash_table_replace(v->held_nics, g_strdup(network), g_hash_table_ref(out));
	return g_steal_pointer(&out);
}

static void add_tap(const char *domain, bool active, const vnet_nic *c, void *data)
{
	(void)domain;
	(void)active;
	if (c->target && vnet_name_is_valid(c->target, VNET_IFNAME_MAX))
		g_ptr_array_add(data, g_strdup(c->target));
}

GPtrArray *vnet_virt_network_taps(vnet_virt *v, const char *network, GError **error)
{
	g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func(g_free);

	if (!each_nic(v, VIR_CONNECT_LIST_DOMAINS_ACTIVE, network, add_tap, out, error))
		return NULL;
	return g_steal_pointer(&out);
}

typedef struct pg_users {
	const char *portgroup;
	GPtrArray *out;
} pg_users;

static void add_pg_user(const char *domain, bool active, const vnet_nic *c, void *data)
{
	pg_users *u = data;

	(void)active;
	if (g_strcmp0(c->portgroup, u->portgroup) == 0 &&
	    !g_ptr_array_find_with_equal_func(u->out, domain, g_str_equal, NULL))
		g_ptr_array_add(u->out, g_strdup(domain));
}

GPtrArray *vnet_virt_portgroup_users(vnet_virt *v, const char *network, const char *portgroup, GError **error)
{
	g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func(g_free);
	pg_users u = { portgroup, out };

	if (!each_nic(v, 0, network, add_pg_user, &u, error))
		return NULL;
	return g_steal_pointer(&out);
}
