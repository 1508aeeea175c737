/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <linux/rtnetlink.h>

#include <string.h>
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/tree.h>

#include "xml.h"
#include "validate.h"
#include "util.h"

G_DEFINE_AUTOPTR_CLEANUP_FUNC(xmlDoc, xmlFreeDoc)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(xmlParserCtxt, xmlFreeParserCtxt)

#define X(s) ((const xmlChar *)(s))

static char *xml_take_string(xmlChar *s)
{
	char *r = g_strdup((const char *)s);

	xmlFree(s);
	return r;
}

/* ---- writing ---- */

/*
 * One writer, two ends.  The string end writes the text that
 * xmlDocDumpFormatMemoryEnc() writes for the tree, straight into a string,
 * as long as every value is printable ASCII that libxml2 escapes in no way;
 * otherwise the same calls build that tree and libxml2 writes it.  Building
 * and dumping a tree of 65,535 forwards cost three times the string, and a
 * command writes its intent three or four times (the network, the hook's
 * digest, the journal).  test-golden holds the two ends to the same bytes.
 */
typedef struct xw {
	GString *s;		/* the string end; NULL: the tree end */
	bool plain;		/* the string end: nothing written needs escaping */
	bool open;		/* the string end: the last start tag is not closed yet */
	guint depth;
	struct {
		const char *name;
		bool ours;
	} open_elems[8];	/* the string end */
	xmlNode *node;		/* the tree end: the open element */
	xmlNode *root;
	xmlNs *ns;
	GString *scratch;	/* a forward's spec */
} xw;

static bool xml_by_tree;

void vnet_xml_set_write_by_tree(bool on)
{
	xml_by_tree = on;
}

/* Bytes libxml2 writes as they are, in attribute values and in text. */
static bool plain_text(const char *v)
{
	for (const unsigned char *p = (const unsigned char *)v; *p; p++)
		if (*p < 0x20 || *p > 0x7e || *p == '<' || *p == '>' || *p == '&' || *p == '"')
			return false;
	return true;
}

static void xw_indent(xw *w)
{
	for (guint i = 0; i < w->depth; i++)
		g_string_append_len(w->s, "  ", 2);
}

static void xw_qname(xw *w, bool ours, const char *name)
{
	if (ours)
		g_string_append_len(w->s, "vnet:", 5);
	g_string_append(w->s, name);
}

/* Start element @name, in vnetctl's namespace if @ours. */
static void xw_begin(xw *w, bool ours, const char *name)
{
	if (!w->s) {
		xmlNode *n = xmlNewNode(ours ? w->ns : NULL, X(name));
		if (w->node)
			xmlAddChild(w->node, n);
		else
			w->root = n;
		w->node = n;
		w->depth++;	/* for the indentation inside <forwards> */
		return;
	}
	g_assert(w->depth < G_N_ELEMENTS(w->open_elems));
	if (w->open)
		g_string_append_c(w->s, '>');
	if (w->depth) {
		g_string_append_c(w->s, '\n');
		xw_indent(w);
	}
	g_string_append_c(w->s, '<');
	xw_qname(w, ours, name);
	w->open_elems[w->depth].name = name;
	w->open_elems[w->depth++].ours = ours;
	w->open = true;
}

/* The element just begun declares vnetctl's namespace (before its attributes) and is in it. */
static void xw_declare_ns(xw *w)
{
	if (!w->s) {
		w->ns = xmlNewNs(w->node, X(VNET_XML_NS), X("vnet"));
		xmlSetNs(w->node, w->ns);
		return;
	}
	g_string_append(w->s, " xmlns:vnet=\"" VNET_XML_NS "\"");
}

static void xw_attr(xw *w, const char *name, const char *value)
{
	if (!value)
		return;
	if (!w->s) {
		xmlSetProp(w->node, X(name), X(value));
		return;
	}
	w->plain = w->plain && plain_text(value);
	g_string_append_c(w->s, ' ');
	g_string_append(w->s, name);
	g_string_append_len(w->s, "=\"", 2);
	g_string_append(w->s, value);
	g_string_append_c(w->s, '"');
}

static void xw_end(xw *w)
{
	if (!w->s) {
		w->node = w->node->parent && w->node->parent->type == XML_ELEMENT_NODE ? w->node->parent : NULL;
		w->depth--;
		return;
	}
	w->depth--;
	if (w->open) {
		g_string_append_len(w->s, "/>", 2);
	} else {
		g_string_append_c(w->s, '\n');
		xw_indent(w);
		g_string_append_len(w->s, "</", 2);
		xw_qname(w, w->open_elems[w->depth].ours, w->open_elems[w->depth].name);
		g_string_append_c(w->s, '>');
	}
	w->open = false;
}

/* Text, and the end of the element just begun (that has no other children). */
static void xw_text_end(xw *w, const char *text)
{
	if (!w->s) {
		xmlAddChild(w->node, xmlNewText(X(text)));
		xw_end(w);
		return;
	}
	w->plain = w->plain && plain_text(text);
	g_string_append_c(w->s, '>');
	g_string_append(w->s, text);
	w->open = false;
	w->depth--;
	g_string_append_len(w->s, "</", 2);
	xw_qname(w, w->open_elems[w->depth].ours, w->open_elems[w->depth].name);
	g_string_append_c(w->s, '>');
}

/* <name>@text</name> */
static void xw_text(xw *w, bool ours, const char *name, const char *text)
{
	xw_begin(w, ours, name);
	xw_text_end(w, text);
}

/*
 * <vnet:forward>SPEC</vnet:forward>, as xw_text() writes it: the form
 * before <forwards>, written only for the digest an older approval record
 * holds (vnet_intent_to_xml_legacy()).
 */
static void xw_forward(xw *w, const vnet_forward *f)
{
	g_string_truncate(w->scratch, 0);
	vnet_forward_append(w->scratch, f);
	xw_text(w, true, "forward", w->scratch->str);
}

/* Text that libxml2 writes as it is in an element (not in an attribute): line ends too. */
static bool plain_lines(const char *v)
{
	for (const unsigned char *p = (const unsigned char *)v; *p; p++)
		if ((*p < 0x20 && *p != '\n') || *p > 0x7e || *p == '<' || *p == '>' || *p == '&')
			return false;
	return true;
}

/* The specs of @forwards, each on a line of its own indented @depth levels, then the end tag's indentation. */
static void append_forward_lines(GString *s, const GPtrArray *forwards, guint depth)
{
	char lead[1 + 2 * G_N_ELEMENTS(((xw *)NULL)->open_elems)], chunk[16384];
	gsize n = 0, ln = 1 + 2 * depth;

	g_assert(depth < G_N_ELEMENTS(((xw *)NULL)->open_elems));
	lead[0] = '\n';
	memset(lead + 1, ' ', 2 * depth);
	/* Through a buffer: two GString appends a forward cost as much as formatting it. */
	for (guint i = 0; i < forwards->len; i++) {
		if (n + ln + VNET_FORWARD_FORMAT_MAX > sizeof(chunk)) {
			g_string_append_len(s, chunk, n);
			n = 0;
		}
		memcpy(chunk + n, lead, ln);
		n += ln;
		n += vnet_forward_put(chunk + n, forwards->pdata[i]);
	}
	g_string_append_len(s, chunk, n);
	g_string_append_len(s, lead, depth ? 2 * depth - 1 : 1);
}

/*
 * The forwards: one <vnet:forwards> whose text is their specs, a line each.
 * One text node, not an element and its text per forward: libvirtd parses,
 * keeps and formats the metadata as a tree on every define and every read,
 * and so does every reader of the intent.  At 65,535 forwards, the
 * elements made libvirtd's dumpxml + define of the network three times
 * slower (bench/README, "Seventh pass").
 */
static void xw_forwards(xw *w, const GPtrArray *forwards)
{
	gsize at;

	if (!forwards->len)
		return;
	xw_begin(w, true, "forwards");
	if (!w->s) {
		g_string_truncate(w->scratch, 0);
		append_forward_lines(w->scratch, forwards, w->depth);
		xw_text_end(w, w->scratch->str);
		return;
	}
	g_string_append_c(w->s, '>');
	at = w->s->len;
	append_forward_lines(w->s, forwards, w->depth);
	w->plain = w->plain && plain_lines(w->s->str + at);
	w->open = false;
	w->depth--;
	g_string_append_len(w->s, "</vnet:forwards>", 16);
}

static void xw_addr_attr(xw *w, const char *name, bool has, const vnet_addr *a)
{
	g_autofree char *s = has ? vnet_addr_format(a) : NULL;

	xw_attr(w, name, s);
}

static void xw_uint_attr(xw *w, const char *name, guint64 v)
{
	char buf[24];

	g_snprintf(buf, sizeof(buf), "%" G_GUINT64_FORMAT, v);
	xw_attr(w, name, buf);
}

static void xw_named(xw *w, const char *elem, const char *name)
{
	if (!name)
		return;
	xw_begin(w, true, elem);
	xw_attr(w, "name", name);
	xw_end(w);
}

static void write_state(xw *w, const vnet_intent *in)
{
	const vnet_uplink_state *u = in->uplink_saved;

	if (!in->bridge_created && !u && !in->confirm_deadline && !in->statics->len)
		return;
	xw_begin(w, true, "state");
	if (in->bridge_created)
		xw_attr(w, "bridge-created", "yes");
	if (in->confirm_deadline) {
		g_autofree char *d = g_strdup_printf("%" G_GINT64_FORMAT, in->confirm_deadline);
		xw_attr(w, "confirm-deadline", d);
	}
	xw_attr(w, "confirm-token", in->confirm_token);
	for (guint i = 0; i < in->statics->len; i++) {
		const vnet_static_addr *sa = in->statics->pdata[i];
		xw_begin(w, true, "static");
		xw_attr(w, "mac", sa->mac);
		xw_attr(w, "domain", sa->domain);
		xw_attr(w, "address", sa->s_addr);
		if (sa->vlan) {
			g_autofree char *v = g_strdup_printf("%u", sa->vlan);
			xw_attr(w, "vlan", v);
		}
		xw_end(w);
	}
	if (u) {
		xw_begin(w, true, "uplink");
		xw_attr(w, "mac", u->mac);
		xw_attr(w, "up", u->up ? "yes" : "no");
		if (u->ovs_port_kept)
			xw_attr(w, "ovs-port", "kept");
		for (guint i = 0; i < u->addrs->len; i++) {
			const vnet_saved_addr *a = u->addrs->pdata[i];
			xw_begin(w, true, "address");
			if (a->flags)
				xw_uint_attr(w, "flags", a->flags);
			xw_text_end(w, a->cidr);
		}
		for (guint i = 0; i < u->routes->len; i++) {
			const vnet_saved_route *r = u->routes->pdata[i];
			xw_begin(w, true, "route");
			xw_attr(w, "dst", r->dst);
			xw_attr(w, "gateway", r->gateway);
			xw_uint_attr(w, "metric", r->metric);
			xw_uint_attr(w, "protocol", r->protocol);
			xw_uint_attr(w, "scope", r->scope);
			if (r->table && r->table != RT_TABLE_MAIN)
				xw_uint_attr(w, "table", r->table);
			xw_end(w);
		}
		xw_end(w);
	}
	xw_end(w);
}

static void write_intent(xw *w, const vnet_intent *in, bool with_state, bool legacy)
{
	xw_begin(w, true, "intent");
	xw_declare_ns(w);
	xw_attr(w, "name", in->name);
	xw_attr(w, "mode", vnet_mode_to_string(in->mode));
	xw_attr(w, "dhcp", in->dhcp ? "yes" : "no");
	xw_attr(w, "autostart", in->autostart ? "yes" : "no");
	if (in->vswitch != VNET_SWITCH_LINUX)
		xw_attr(w, "switch", vnet_switch_to_string(in->vswitch));
	if (in->vlan_trunk)
		xw_attr(w, "vlan-trunk", "yes");
	if (in->ovn)
		xw_attr(w, "ovn", in->ovn);
	if (in->ovn_external)
		xw_attr(w, "ovn-external", in->ovn_external);
	if (in->ovn_nexthop)
		xw_attr(w, "ovn-nexthop", in->ovn_nexthop);
	if (in->ovn_gateways) {
		/* A list in priority order, as XML Schema's list types: chassis names have no spaces. */
		g_autofree char *gws = g_strjoinv(" ", in->ovn_gateways);
		xw_attr(w, "ovn-gateway", gws);
	}
	/* Unset is the mode's default, so an intent written before the guard reads the same. */
	if (in->guard != VNET_GUARD_DEFAULT)
		xw_attr(w, "guard", vnet_guard_to_string(in->guard));
	xw_named(w, "bridge", in->bridge);
	xw_named(w, "lan-bridge", in->lan_bridge);
	xw_named(w, "uplink", in->uplink);
	if (in->has_subnet4 || in->has_gateway4 || in->has_range || in->has_guest) {
		xw_begin(w, true, "ipv4");
		xw_attr(w, "subnet", in->s_subnet4);
		xw_addr_attr(w, "gateway", in->has_gateway4, &in->gateway4);
		xw_addr_attr(w, "dhcp-start", in->has_range, &in->dhcp_start);
		xw_addr_attr(w, "dhcp-end", in->has_range, &in->dhcp_end);
		xw_addr_attr(w, "guest", in->has_guest, &in->guest);
		xw_end(w);
	}
	if (in->has_subnet6 || in->has_gateway6) {
		xw_begin(w, true, "ipv6");
		xw_attr(w, "subnet", in->s_subnet6);
		xw_addr_attr(w, "gateway", in->has_gateway6, &in->gateway6);
		xw_end(w);
	}
	if (legacy)
		for (guint i = 0; i < in->forwards->len; i++)
			xw_forward(w, in->forwards->pdata[i]);
	else
		xw_forwards(w, in->forwards);
	for (guint i = 0; i < in->host_ports->len; i++) {
		g_autofree char *hp = vnet_host_port_format(g_array_index(in->host_ports, guint32, i));
		xw_text(w, true, "host-port", hp);
	}
	for (guint i = 0; i < vnet_intent_get_n_vlans(in); i++) {
		xw_begin(w, true, "vlan");
		xw_uint_attr(w, "id", vnet_intent_get_vlan(in, i));
		xw_end(w);
	}
	if (with_state)
		write_state(w, in);
	xw_end(w);
}

static char *doc_to_string(xmlDoc *doc)
{
	xmlChar *buf = NULL;
	int len = 0;

	xmlDocDumpFormatMemoryEnc(doc, &buf, &len, "UTF-8", 1);
	return xml_take_string(buf);
}

typedef struct doc_job {
	const vnet_intent *in;
	bool with_state;
	guint network;		/* the network's index, or G_MAXUINT: the intent alone */
	const char *portgroup;	/* or only this portgroup of its network */
	bool legacy;		/* the forwards as elements, as before <forwards> */
} doc_job;

static void write_network(xw *w, const vnet_intent *in, guint i);

static void write_portgroup(xw *w, const vnet_intent *in, guint vlan);

static void write_job(xw *w, const doc_job *job)
{
	if (job->portgroup)
		write_portgroup(w, job->in, g_str_equal(job->portgroup, VNET_TRUNK_PORTGROUP) ? 0
			: (guint)g_ascii_strtoull(job->portgroup + strlen("vlan"), NULL, 10));
	else if (job->network == G_MAXUINT)
		write_intent(w, job->in, job->with_state, job->legacy);
	else
		write_network(w, job->in, job->network);
}

/* The document @job says, through the string end when it can. */
static char *write_doc(const doc_job *job)
{
	g_autoptr(GString) scratch = g_string_sized_new(64);
	xw w = { .s = xml_by_tree ? NULL : g_string_sized_new(4096), .plain = true, .scratch = scratch };
	g_autoptr(xmlDoc) doc = NULL;

	/* Not all of its forwards are in it: written, the others would be gone. */
	g_return_val_if_fail(!job->in->forwards_unread, NULL);
	if (w.s) {
		g_string_append(w.s, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
		write_job(&w, job);
		if (w.plain) {
			g_string_append_c(w.s, '\n');
			return g_string_free(w.s, FALSE);
		}
		g_string_free(w.s, TRUE);
		w = (xw){ .scratch = scratch };
	}
	write_job(&w, job);
	doc = xmlNewDoc(X("1.0"));
	xmlDocSetRootElement(doc, w.root);
	return doc_to_string(doc);
}

char *vnet_intent_to_xml(const vnet_intent *intent)
{
	doc_job job = { intent, true, G_MAXUINT, NULL, false };

	return write_doc(&job);
}

char *vnet_intent_to_xml_without_state(const vnet_intent *intent)
{
	doc_job job = { intent, false, G_MAXUINT, NULL, false };

	return write_doc(&job);
}

char *vnet_intent_to_xml_legacy(const vnet_intent *intent)
{
	doc_job job = { intent, false, G_MAXUINT, NULL, true };

	return write_doc(&job);
}

static void write_ip(xw *w, const char *family, const vnet_addr *gw, guint prefix,
		     bool dhcp, const vnet_addr *start, const vnet_addr *end)
{
	xw_begin(w, false, "ip");
	xw_attr(w, "family", family);
	xw_addr_attr(w, "address", true, gw);
	xw_uint_attr(w, "prefix", prefix);
	if (dhcp) {
		xw_begin(w, false, "dhcp");
		xw_begin(w, false, "range");
		xw_addr_attr(w, "start", true, start);
		xw_addr_attr(w, "end", true, end);
		xw_end(w);
		xw_end(w);
	}
	xw_end(w);
}

/* The routed half: NAT or isolated, on the network's own bridge. */
static void own_bridge_network(xw *w, const vnet_intent *in)
{
	/*
	 * mode='open' for both: libvirt then installs no firewall rules of its
	 * own (its reject rules in the forward path would be final whatever our
	 * table accepts), and vnetctl's nftables table owns the network's firewall.
	 */
	xw_begin(w, false, "forward");
	xw_attr(w, "mode", "open");
	xw_end(w);
	xw_begin(w, false, "bridge");
	xw_attr(w, "name", in->bridge);
	/*
	 * No STP: the bridge has no second path to loop through, and with
	 * STP on every new guest port waits in listening/learning first.
	 */
	xw_attr(w, "stp", "off");
	xw_attr(w, "delay", "0");
	xw_end(w);
	if (in->has_subnet4)
		write_ip(w, NULL, &in->gateway4, in->subnet4.prefix, in->dhcp && in->has_range,
			 &in->dhcp_start, &in->dhcp_end);
	if (in->has_subnet6) {
		vnet_addr start6 = { 0 }, end6 = { 0 };
		/*
		 * A DHCPv6 range makes libvirt's dnsmasq serve DHCPv6 and send its
		 * router advertisements with the managed flag, so that a guest asks
		 * for the address attach reserves it (the default IPv6 guest's).
		 */
		bool dhcp6 = in->dhcp && vnet_intent_dhcp6_range(in, &start6, &end6);
		write_ip(w, "ipv6", &in->gateway6, in->subnet6.prefix, dhcp6, &start6, &end6);
	}
}

/* Portgroup vlanID of @vlan, or the trunk portgroup with every VLAN of @in (@vlan 0). */
static void write_portgroup(xw *w, const vnet_intent *in, guint vlan)
{
	g_autofree char *pg = vlan ? vnet_vlan_portgroup(vlan) : NULL;

	xw_begin(w, false, "portgroup");
	xw_attr(w, "name", vlan ? pg : VNET_TRUNK_PORTGROUP);
	xw_begin(w, false, "vlan");
	if (!vlan)
		xw_attr(w, "trunk", "yes");
	for (guint i = 0; i < vnet_intent_get_n_vlans(in); i++) {
		if (vlan && vnet_intent_get_vlan(in, i) != vlan)
			continue;
		xw_begin(w, false, "tag");
		xw_uint_attr(w, "id", vnet_intent_get_vlan(in, i));
		xw_end(w);
	}
	xw_end(w);
	xw_end(w);
}

/* An Open vSwitch bridge: libvirt makes each guest's port itself, tagged by its portgroup. */
static void ovs_portgroups(xw *w, const vnet_intent *in)
{
	xw_begin(w, false, "virtualport");
	xw_attr(w, "type", "openvswitch");
	xw_end(w);
	for (guint i = 0; i < vnet_intent_get_n_vlans(in); i++)
		write_portgroup(w, in, vnet_intent_get_vlan(in, i));
	if (in->vlan_trunk && vnet_intent_get_n_vlans(in))
		write_portgroup(w, in, 0);
}

static void lan_bridge_network(xw *w, const vnet_intent *in, const char *bridge)
{
	xw_begin(w, false, "forward");
	xw_attr(w, "mode", "bridge");
	xw_end(w);
	xw_begin(w, false, "bridge");
	xw_attr(w, "name", bridge);
	xw_end(w);
	if (in->vswitch == VNET_SWITCH_OVS)
		ovs_portgroups(w, in);
}

static void write_network(xw *w, const vnet_intent *in, guint i)
{
	g_autofree char *name = vnet_intent_network_name(in, i);

	xw_begin(w, false, "network");
	xw_text(w, false, "name", name);
	xw_begin(w, false, "metadata");
	write_intent(w, in, true, false);
	xw_end(w);
	switch (in->mode) {
	case VNET_MODE_NAT:
	case VNET_MODE_ISOLATED:
		own_bridge_network(w, in);
		break;
	case VNET_MODE_BRIDGED:
		lan_bridge_network(w, in, in->bridge);
		break;
	case VNET_MODE_HYBRID:
		if (i == 0)
			own_bridge_network(w, in);
		else
			lan_bridge_network(w, in, in->lan_bridge);
		break;
	case VNET_MODE_OVERLAY:
		/* br-int is ovn-controller's; each NIC's interfaceid names its logical port. */
		lan_bridge_network(w, in, in->bridge);
		xw_begin(w, false, "virtualport");
		xw_attr(w, "type", "openvswitch");
		xw_end(w);
		break;
	}
	xw_end(w);
}

char *vnet_intent_network_xml(const vnet_intent *in, guint i, GError **error)
{
	doc_job job = { in, true, i, NULL, false };

	if (!in->name || !in->bridge || i >= vnet_intent_n_networks(in) ||
	    (in->mode == VNET_MODE_HYBRID && !in->lan_bridge)) {
		vnet_set_error(error, VNET_ERROR_INVALID,
			    _("The intent is not complete: it needs a name and a bridge before it can become a libvirt network."));
		return NULL;
	}
	return write_doc(&job);
}

/*
 * The last @needle in [@begin, @end), searched from @end: g_strrstr_len()
 * first walks to the end a byte at a time, megabytes here.
 */
static const char *rfind(const char *begin, const char *end, const char *needle)
{
	size_t n = strlen(needle);

	if ((size_t)(end - begin) < n)
		return NULL;
	for (const char *p = end - n;; p--) {
		if (*p == *needle && memcmp(p, needle, n) == 0)
			return p;
		if (p == begin)
			return NULL;
	}
}

bool vnet_intent_xml_digest_region(const char *network_xml, const char **a, gsize *na, const char **b, gsize *nb)
{
	const char *start = network_xml ? strstr(network_xml, "<vnet:intent ") : NULL;
	const char *end, *state, *from;

	if (!start)
		return false;
	/*
	 * Specs hold no '<' and attribute values are escaped, so each tag is
	 * the element's; the end tag and <state> are at the intent's end,
	 * searched from there (the forwards before them are megabytes).
	 */
	if ((end = g_strrstr(start, "</vnet:intent>")))
		end += strlen("</vnet:intent>");
	else if ((end = strstr(start, "/>")))
		end += 2;
	else
		return false;
	/* <state> is written after the forwards: searched only after them. */
	if (!(from = rfind(start, end, "</vnet:forwards>")))
		from = start;
	state = rfind(from, end, "<vnet:state");
	*a = start;
	*b = end;
	*nb = 0;
	if (!state) {
		*na = (gsize)(end - start);
		return true;
	}
	/* From the line end before <vnet:state> to the line end before the end tag: out. */
	while (state > start && state[-1] != '\n')
		state--;
	if (state > start)
		state--;
	*na = (gsize)(state - start);
	*b = end - strlen("</vnet:intent>");
	while (*b > start && (*b)[-1] != '\n')
		(*b)--;
	if (*b > start)
		(*b)--;
	*nb = (gsize)(end - *b);
	return *b >= state;
}

/*
 * The <vnet:forwards> block of @network_xml's intent when it is in the
 * writer's form: one block, no <forward> element beside it, no markup or
 * reference in it, the writer's line breaks and indentation.  *@text: its
 * first "\n"; *@last: the "\n" before the end tag's indentation; *@indent:
 * the lines' indentation.
 */
static bool writer_block(const char *network_xml, const char **text, const char **last, gsize *indent)
{
	const char *start = network_xml ? strstr(network_xml, "<vnet:intent ") : NULL;
	const char *end, *open, *close;

	/* The end tags searched from the end, the start tag from the start: the megabytes are between them. */
	if (!start || !(end = rfind(start, start + strlen(start), "</vnet:intent>")) ||
	    !(close = rfind(start, end, "</vnet:forwards>")) ||
	    !(open = memmem(start, (size_t)(close - start), "<vnet:forwards>", 15)))
		return false;
	if (memmem(start, (size_t)(open - start), "<vnet:forward", 13) ||
	    memmem(close + 1, (size_t)(end - close - 1), "<vnet:forward", 13))
		return false;
	/* "\n" and the lines' indentation before each spec, "\n" and the end tag's (two less) before it. */
	*text = open + strlen("<vnet:forwards>");
	if (**text != '\n' || memchr(*text, '<', (size_t)(close - *text)) || memchr(*text, '&', (size_t)(close - *text)))
		return false;
	for (*indent = 0; (*text)[1 + *indent] == ' ';)
		(*indent)++;
	if (*indent < 2 || *indent > 2 * 32)
		return false;
	*last = close - (*indent - 2) - 1;
	return *last >= *text && **last == '\n' && strspn(*last + 1, " ") == *indent - 2;
}

bool vnet_network_xml_forwards_text(const char *network_xml, const char **ret_text, gsize *ret_len)
{
	const char *text, *last;
	gsize indent;

	if (!writer_block(network_xml, &text, &last, &indent))
		return false;
	*ret_text = text;
	*ret_len = (gsize)(last - text);
	return true;
}

char *vnet_network_xml_splice_forward(const char *network_xml, const vnet_forward *f, bool add)
{
	const char *text, *last, *at;
	char spec[VNET_FORWARD_FORMAT_MAX], line[2 + 2 * 32 + VNET_FORWARD_FORMAT_MAX];
	gsize ns = vnet_forward_put(spec, f), indent, nl;

	if (!writer_block(network_xml, &text, &last, &indent))
		return NULL;
	line[0] = '\n';
	memset(line + 1, ' ', indent);
	memcpy(line + 1 + indent, spec, ns);
	nl = 1 + indent + ns;
	if (add)
		return vnet_concat_len(network_xml, (gsize)(last - network_xml), line, nl, last, strlen(last), NULL);
	/* Its whole line: "\n", the indentation, the spec, then the next line's "\n". */
	line[nl] = '\n';
	for (at = text; (at = memmem(at, (size_t)(last + 1 - at), line, nl + 1)); at++)
		if (at + nl <= last)
			break;
	/* Not there, or the last: the writer leaves out an empty <forwards>. */
	if (!at || (at == text && at + nl == last))
		return NULL;
	return vnet_concat_len(network_xml, (gsize)(at - network_xml), at + nl, strlen(at + nl), NULL);
}

char *vnet_intent_portgroup_xml(const vnet_intent *in, const char *portgroup)
{
	doc_job job = { in, false, 0, portgroup, false };
	g_autofree char *doc = NULL;
	const char *body;

	if (in->vswitch != VNET_SWITCH_OVS)
		return NULL;
	if (g_str_equal(portgroup, VNET_TRUNK_PORTGROUP)) {
		if (!in->vlan_trunk || !vnet_intent_get_n_vlans(in))
			return NULL;
	} else if (!g_str_has_prefix(portgroup, "vlan") ||
		   !vnet_intent_has_vlan(in, (guint)g_ascii_strtoull(portgroup + strlen("vlan"), NULL, 10))) {
		return NULL;
	}
	doc = write_doc(&job);
	/* virNetworkUpdate() takes the element, not a document */
	body = strstr(doc, "?>");
	body = body ? body + 2 : doc;
	while (*body == '\n')
		body++;
	return g_strchomp(g_strdup(body));
}

/* ---- reading ---- */

static bool in_ns(const xmlNode *n)
{
	return n->type == XML_ELEMENT_NODE && n->ns && xmlStrEqual(n->ns->href, X(VNET_XML_NS));
}

static xmlNode *find_intent(xmlNode *n)
{
	for (; n; n = n->next) {
		xmlNode *found;
		if (in_ns(n) && xmlStrEqual(n->name, X("intent")))
			return n;
		if (n->type == XML_ELEMENT_NODE && (found = find_intent(n->children)))
			return found;
	}
	return NULL;
}

static char *get_prop(const xmlNode *n, const char *name)
{
	xmlChar *v = xmlGetNoNsProp(n, X(name));

	return v ? xml_take_string(v) : NULL;
}

static bool check_attrs(const xmlNode *n, const char *const *allowed, GError **error)
{
	for (const xmlAttr *a = n->properties; a; a = a->next) {
		bool ok = false;
		for (size_t i = 0; allowed[i] && !ok; i++)
			ok = xmlStrEqual(a->name, X(allowed[i]));
		if (!ok) {
			vnet_set_error(error, VNET_ERROR_INVALID,
				    _("The intent XML has an unknown attribute \"%s\" on <%s>."),
				    (const char *)a->name, (const char *)n->name);
			return false;
		}
	}
	return true;
}

static bool get_bool_prop(const xmlNode *n, const char *name, bool *ret, GError **error)
{
	g_autofree char *v = get_prop(n, name);

	if (!v)
		return true;
	if (strcmp(v, "yes") && strcmp(v, "no")) {
		vnet_set_error(error, VNET_ERROR_INVALID,
			    _("In the intent XML, %s=\"%s\" must be \"yes\" or \"no\"."), name, v);
		return false;
	}
	*ret = strcmp(v, "yes") == 0;
	return true;
}

/*
 * The subnet and gateway of <ipv4> or <ipv6>; both must be of @family, the
 * element's own, whatever setters would accept.
 */
static bool read_subnet_gateway(const xmlNode *n, int family, vnet_cidr *subnet, bool *has_subnet,
				vnet_addr *gateway, bool *has_gateway, GError **error)
{
	g_autofree char *sub = get_prop(n, "subnet"), *gw = get_prop(n, "gateway");
	vnet_cidr c;
	vnet_addr a;

	if (sub) {
		if (!vnet_cidr_parse(sub, VNET_CIDR_NETWORK | VNET_CIDR_NEED_PREFIX, &c, error))
			return false;
		if (c.addr.family != family)
			goto wrong_family;
		*subnet = c;
		*has_subnet = true;
	}
	if (gw) {
		if (!vnet_addr_parse(gw, &a, error))
			return false;
		if (a.family != family)
			goto wrong_family;
		*gateway = a;
		*has_gateway = true;
	}
	return true;
wrong_family:
	if (family == AF_INET)
		vnet_set_error(error, VNET_ERROR_INVALID,
			       _("The <ipv4> element of the intent XML holds an IPv6 address."));
	else
		vnet_set_error(error, VNET_ERROR_INVALID,
			       _("The <ipv6> element of the intent XML holds an IPv4 address."));
	return false;
}

static bool read_ipv4(vnet_intent *in, const xmlNode *n, GError **error)
{
	static const char *const attrs[] = { "subnet", "gateway", "dhcp-start", "dhcp-end", "guest", NULL };
	g_autofree char *s = get_prop(n, "dhcp-start"), *e = get_prop(n, "dhcp-end");
	g_autofree char *guest = get_prop(n, "guest");

	if (!check_attrs(n, attrs, error) ||
	    !read_subnet_gateway(n, AF_INET, &in->subnet4, &in->has_subnet4, &in->gateway4,
				 &in->has_gateway4, error))
		return false;
	if ((s || e) && !vnet_intent_set_dhcp_range(in, s, e, error))
		return false;
	return !guest || vnet_intent_set_default_guest(in, guest, error);
}

static bool read_ipv6(vnet_intent *in, const xmlNode *n, GError **error)
{
	static const char *const attrs[] = { "subnet", "gateway", NULL };

	return check_attrs(n, attrs, error) &&
	       read_subnet_gateway(n, AF_INET6, &in->subnet6, &in->has_subnet6, &in->gateway6,
				   &in->has_gateway6, error);
}

static bool read_named(const xmlNode *n, bool (*set)(vnet_intent *, const char *, GError **),
		       vnet_intent *in, GError **error)
{
	static const char *const attrs[] = { "name", NULL };
	g_autofree char *name = get_prop(n, "name");

	if (!check_attrs(n, attrs, error))
		return false;
	if (!name) {
		vnet_set_error(error, VNET_ERROR_INVALID,
			    _("The <%s> element of the intent XML has no name attribute."), (const char *)n->name);
		return false;
	}
	return set(in, name, error);
}

static bool read_vlan(vnet_intent *in, const xmlNode *n, GError **error)
{
	static const char *const attrs[] = { "id", NULL };
	g_autofree char *id = get_prop(n, "id");

	if (!check_attrs(n, attrs, error))
		return false;
	if (!id) {
		vnet_set_error(error, VNET_ERROR_INVALID, _("The <vlan> element of the intent XML has no id attribute."));
		return false;
	}
	return vnet_intent_add_vlan(in, id, error);
}

static bool bad_state(const char *what, const char *value, GError **error)
{
	vnet_set_error(error, VNET_ERROR_INVALID,
		       _("The <state> element of the intent XML has a bad %s \"%s\"; it is written by vnetctl and was changed by hand."),
		       what, value ? value : "");
	return false;
}

static bool get_uint_prop(const xmlNode *n, const char *name, guint64 max, guint64 *ret, GError **error)
{
	g_autofree char *v = get_prop(n, name);
	char *end;

	if (!v)
		return true;
	if (!g_ascii_isdigit(v[0]) || strlen(v) > 20 || (*ret = g_ascii_strtoull(v, &end, 10), *end) || *ret > max)
		return bad_state(name, v, error);
	return true;
}

static bool read_saved_route(vnet_uplink_state *u, const xmlNode *n, GError **error)
{
	static const char *const attrs[] = { "dst", "gateway", "metric", "protocol", "scope", "table", NULL };
	g_autofree char *dst = get_prop(n, "dst"), *gw = get_prop(n, "gateway");
	guint64 metric = 0, proto = 0, scope = 0, table = RT_TABLE_MAIN;
	vnet_saved_route *r;
	vnet_cidr c;
	vnet_addr a;

	if (!check_attrs(n, attrs, error))
		return false;
	if (!dst || !vnet_cidr_parse(dst, VNET_CIDR_NETWORK | VNET_CIDR_NEED_PREFIX, &c, NULL))
		return bad_state("dst", dst, error);
	if (gw && (!vnet_addr_parse(gw, &a, NULL) || a.family != c.addr.family))
		return bad_state("gateway", gw, error);
	if (!get_uint_prop(n, "metric", G_MAXUINT32, &metric, error) ||
	    !get_uint_prop(n, "protocol", 255, &proto, error) || !get_uint_prop(n, "scope", 255, &scope, error) ||
	    !get_uint_prop(n, "table", G_MAXUINT32, &table, error))
		return false;
	/* The local table is the kernel's own; table 0 is no table. */
	if (table == 0 || table == RT_TABLE_LOCAL) {
		g_autofree char *t = g_strdup_printf("%" G_GUINT64_FORMAT, table);
		return bad_state("table", t, error);
	}
	r = g_new0(vnet_saved_route, 1);
	r->dst = vnet_cidr_format(&c);
	r->gateway = gw ? vnet_addr_format(&a) : NULL;
	r->metric = metric;
	r->protocol = proto;
	r->scope = scope;
	r->table = table;
	g_ptr_array_add(u->routes, r);
	return true;
}

static bool valid_mac(const char *s)
{
	if (!s || strlen(s) != 17)
		return false;
	for (int i = 0; i < 17; i++)
		if (i % 3 == 2 ? s[i] != ':' : !g_ascii_isxdigit(s[i]))
			return false;
	return true;
}

static bool read_saved_uplink(vnet_intent *in, const xmlNode *n, GError **error)
{
	static const char *const attrs[] = { "mac", "up", "ovs-port", NULL };
	g_autoptr(vnet_uplink_state) u = vnet_uplink_state_new();
	g_autofree char *mac = get_prop(n, "mac"), *port = get_prop(n, "ovs-port");

	if (!check_attrs(n, attrs, error) || !get_bool_prop(n, "up", &u->up, error))
		return false;
	if (port && !g_str_equal(port, "kept"))
		return bad_state("ovs-port", port, error);
	u->ovs_port_kept = port != NULL;
	if (!valid_mac(mac))
		return bad_state("mac", mac, error);
	u->mac = g_ascii_strdown(mac, -1);
	for (const xmlNode *c = n->children; c; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (in_ns(c) && xmlStrEqual(c->name, X("address"))) {
			static const char *const addr_attrs[] = { "flags", NULL };
			g_autofree char *text = xml_take_string(xmlNodeGetContent(c));
			guint64 flags = 0;
			vnet_saved_addr *sa;
			vnet_cidr a;
			if (!check_attrs(c, addr_attrs, error) || !get_uint_prop(c, "flags", G_MAXUINT32, &flags, error))
				return false;
			if (!vnet_cidr_parse(g_strstrip(text), VNET_CIDR_NEED_PREFIX, &a, NULL))
				return bad_state("address", text, error);
			sa = g_new0(vnet_saved_addr, 1);
			sa->cidr = vnet_cidr_format(&a);
			sa->flags = flags;
			g_ptr_array_add(u->addrs, sa);
		} else if (in_ns(c) && xmlStrEqual(c->name, X("route"))) {
			if (!read_saved_route(u, c, error))
				return false;
		} else {
			return bad_state("element", (const char *)c->name, error);
		}
	}
	vnet_uplink_state_free(in->uplink_saved);
	in->uplink_saved = g_steal_pointer(&u);
	return true;
}

/* A guest's static address; anyone who may define networks can write it, so each part is checked. */
static bool read_static(vnet_intent *in, const xmlNode *n, GError **error)
{
	static const char *const attrs[] = { "mac", "domain", "address", "vlan", NULL };
	g_autofree char *mac = get_prop(n, "mac"), *domain = get_prop(n, "domain"), *addr = get_prop(n, "address");
	g_autofree char *vlan = get_prop(n, "vlan");
	vnet_static_addr *st;
	guint64 id = 0;
	vnet_addr a;

	if (!check_attrs(n, attrs, error))
		return false;
	if (!valid_mac(mac) || (g_ascii_xdigit_value(mac[1]) & 1))
		return bad_state("mac", mac, error);
	if (!domain || !vnet_name_is_valid(domain, VNET_NAME_MAX))
		return bad_state("domain", domain, error);
	if (!addr || !vnet_addr_parse(addr, &a, NULL))
		return bad_state("address", addr, error);
	if (vlan && (!g_ascii_string_to_unsigned(vlan, 10, 1, 4094, &id, NULL)))
		return bad_state("vlan", vlan, error);
	st = vnet_static_addr_new(mac, domain, &a);
	st->vlan = (guint16)id;
	g_ptr_array_add(in->statics, st);
	return true;
}

static bool read_state(vnet_intent *in, const xmlNode *n, GError **error)
{
	static const char *const attrs[] = { "bridge-created", "confirm-deadline", "confirm-token", NULL };
	g_autofree char *token = get_prop(n, "confirm-token");
	guint64 deadline = 0;

	if (!check_attrs(n, attrs, error) || !get_bool_prop(n, "bridge-created", &in->bridge_created, error) ||
	    !get_uint_prop(n, "confirm-deadline", G_MAXINT64, &deadline, error))
		return false;
	if (token && !vnet_token_is_valid(token))
		return bad_state("confirm-token", token, error);
	in->confirm_deadline = deadline;
	g_free(in->confirm_token);
	in->confirm_token = g_steal_pointer(&token);
	for (const xmlNode *c = n->children; c; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (in_ns(c) && xmlStrEqual(c->name, X("static"))) {
			if (!read_static(in, c, error))
				return false;
			continue;
		}
		if (!in_ns(c) || !xmlStrEqual(c->name, X("uplink")) || in->uplink_saved)
			return bad_state("element", (const char *)c->name, error);
		if (!read_saved_uplink(in, c, error))
			return false;
	}
	return true;
}

/*
 * The check vnet_intent_add_forward() makes, for every forward read at once:
 * the same refusal, of the same pair, in O(n log n) instead of O(n^2).
 * @specs are the forwards as written.
 */
static bool forwards_distinct(const vnet_intent *in, const GPtrArray *specs, GError **error)
{
	guint later, earlier;
	g_autofree char *os = NULL;

	if (!vnet_forwards_first_clash(in->forwards, &later, &earlier))
		return true;
	os = vnet_forward_format(in->forwards->pdata[earlier]);
	vnet_set_error(error, VNET_ERROR_CONFLICT,
		    _("The forward \"%s\" uses the same host address, port and protocol as the forward \"%s\" of network \"%s\"; pick another host port."),
		    (const char *)specs->pdata[later], os, in->name ? in->name : "");
	return false;
}

/*
 * The next of the forwards read aside (fast->pdata[*next], see fwd_sax), into
 * @in; its text stays in @specs for a refusal.
 */
static bool take_fast_forward(vnet_intent *in, vnet_forward_pool *pool, GPtrArray *fast, guint *next,
			      GPtrArray *specs, GPtrArray *owned, GError **error)
{
	char *spec = g_strstrip(fast->pdata[*next]);
	vnet_forward *f = vnet_forward_parse_pooled(pool, spec, error);

	if (!f)
		return false;
	g_ptr_array_add(in->forwards, f);
	g_ptr_array_add(specs, spec);
	g_ptr_array_add(owned, g_steal_pointer(&fast->pdata[(*next)++]));
	return true;
}

/*
 * <forwards>: the specs in its text, separated by white space (one a line
 * as written), into @in in order; @owned keeps the text @specs point into.
 * @text is that text as the SAX handlers read it aside (see fwd_sax), or
 * NULL to read it from the tree.
 */
static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bool read_forwards(vnet_intent *in, vnet_forward_pool *pool, const xmlNode *n, char *text,
			  GPtrArray *specs, GPtrArray *owned, GError **error)
{
	char *p;
	gsize lines = 0;

	/* Text as <forward>'s (comments and processing instructions are skipped), but no element. */
	for (const xmlNode *c = n->children; c; c = c->next)
		if (c->type != XML_TEXT_NODE && c->type != XML_CDATA_SECTION_NODE &&
		    c->type != XML_COMMENT_NODE && c->type != XML_PI_NODE) {
			g_free(text);
			vnet_set_error(error, VNET_ERROR_INVALID,
				       _("The intent XML's <forwards> element holds an element; write its forwards as text, one a line."));
			return false;
		}
	if (!text)
		text = xml_take_string(xmlNodeGetContent(n));
	g_ptr_array_add(owned, text);
	/*
	 * Room for the forwards at once (GLib has no reserve): a line of ours
	 * ("1024:80/tcp" and its indentation) is at least 12 bytes.
	 */
	lines = strlen(text) / 12;
	if (!in->forwards->len) {
		g_ptr_array_unref(in->forwards);
		in->forwards = g_ptr_array_new_full((guint)lines + 1, (GDestroyNotify)vnet_forward_free);
	} else {
		g_ptr_array_set_size(in->forwards, in->forwards->len + lines + 1);
		g_ptr_array_set_size(in->forwards, in->forwards->len - lines - 1);
	}
	if (!specs->len) {
		/* @specs is the caller's: its room grown the same way, once */
		g_ptr_array_set_size(specs, lines + 1);
		g_ptr_array_set_size(specs, 0);
	} else {
		g_ptr_array_set_size(specs, specs->len + lines + 1);
		g_ptr_array_set_size(specs, specs->len - lines - 1);
	}
	for (p = text; *p;) {
		char *spec;
		vnet_forward *f;
		gsize len;

		while (is_blank(*p))
			p++;
		if (!*p)
			break;
		spec = p;
		while (*p && !is_blank(*p))
			p++;
		len = (gsize)(p - spec);
		if (*p)
			*p++ = '\0';
		if (!(f = vnet_forward_parse_pooled_len(pool, spec, len, error)))
			return false;
		g_ptr_array_add(in->forwards, f);
		g_ptr_array_add(specs, spec);
	}
	return true;
}

/* ovn-gateway: chassis names in priority order, separated by white space. */
static bool read_gateways(vnet_intent *in, const char *value, GError **error)
{
	g_auto(GStrv) names = g_strsplit_set(value, " \t\r\n", -1);
	guint n = 0;

	for (guint i = 0; names[i]; i++) {
		if (!*names[i])
			continue;
		n++;
		if (!vnet_intent_add_ovn_gateway(in, names[i], error))
			return false;
	}
	/* Nothing but white space: refused as the name it is not. */
	return n || vnet_intent_add_ovn_gateway(in, value, error);
}

/*
 * The intent in @root.  @fast, if not NULL, holds the text of the forwards
 * that are @root's children, read aside while parsing (fwd_sax): each other
 * child's _private counts the forwards before it, plus one.
 */
/*
 * @fast and @blocks: the <forward>s and the <forwards>' texts the SAX
 * handlers read aside (see fwd_sax), or NULL when @root's tree holds them.
 */
static vnet_intent *intent_from_node(const xmlNode *root, GPtrArray *fast, GPtrArray *blocks, bool unread,
				     GError **error)
{
	static const char *const attrs[] = { "name", "mode", "dhcp", "autostart", "switch", "vlan-trunk", "guard", "ovn",
					       "ovn-external", "ovn-nexthop", "ovn-gateway", NULL };
	static const char *const singles[] = { "bridge", "lan-bridge", "uplink", "ipv4", "ipv6", "state", "forwards" };
	g_autofree char *name = get_prop(root, "name"), *mode_s = get_prop(root, "mode");
	g_autofree char *switch_s = get_prop(root, "switch"), *guard_s = get_prop(root, "guard");
	g_autofree char *ovn = get_prop(root, "ovn"), *ovn_ext = get_prop(root, "ovn-external");
	g_autofree char *ovn_hop = get_prop(root, "ovn-nexthop"), *ovn_gw = get_prop(root, "ovn-gateway");
	g_autoptr(vnet_intent) in = NULL;
	g_autoptr(GPtrArray) specs = g_ptr_array_new();	/* the forwards as written, for a refusal */
	g_autoptr(GPtrArray) owned = g_ptr_array_new_with_free_func(g_free);	/* the text @specs points into */
	g_auto(vnet_forward_pool) pool = { 0 };
	guint seen[G_N_ELEMENTS(singles)] = { 0 }, next = 0, next_block = 0;
	bool ok = true;
	vnet_mode mode;

	if (!check_attrs(root, attrs, error))
		return NULL;
	if (!mode_s) {
		vnet_set_error(error, VNET_ERROR_INVALID,
			    _("The intent XML has no mode attribute; set mode to nat, isolated, bridged or hybrid."));
		return NULL;
	}
	if (!vnet_mode_from_string(mode_s, &mode, error) || !(in = vnet_intent_new(name, mode, error)))
		return NULL;
	if (!get_bool_prop(root, "dhcp", &in->dhcp, error) ||
	    !get_bool_prop(root, "autostart", &in->autostart, error) ||
	    !get_bool_prop(root, "vlan-trunk", &in->vlan_trunk, error) ||
	    (switch_s && !vnet_switch_from_string(switch_s, &in->vswitch, error)) ||
	    (ovn && !vnet_intent_set_ovn(in, ovn, error)) ||
	    (ovn_ext && !vnet_intent_set_ovn_external(in, ovn_ext, error)) ||
	    (ovn_hop && !vnet_intent_set_ovn_nexthop(in, ovn_hop, error)) ||
	    (ovn_gw && !read_gateways(in, ovn_gw, error)))
		return NULL;
	if (guard_s && !vnet_guard_from_string(guard_s, &in->guard, error))
		return NULL;

	for (const xmlNode *n = root->children; n; n = n->next) {
		if (n->type != XML_ELEMENT_NODE)
			continue;
		/* The forwards read aside that came before this element, in order. */
		while (ok && fast && n->_private && next + 1 < GPOINTER_TO_UINT(n->_private))
			ok = take_fast_forward(in, &pool, fast, &next, specs, owned, error);
		if (!ok)
			break;
		if (!in_ns(n))
			goto unknown;
		for (size_t i = 0; i < G_N_ELEMENTS(singles); i++)
			if (xmlStrEqual(n->name, X(singles[i])) && seen[i]++) {
				if (!forwards_distinct(in, specs, error))
					return NULL;
				vnet_set_error(error, VNET_ERROR_INVALID,
					    _("The intent XML has more than one <%s> element."), singles[i]);
				return NULL;
			}
		if (xmlStrEqual(n->name, X("bridge")))
			ok = read_named(n, vnet_intent_set_bridge, in, error);
		else if (xmlStrEqual(n->name, X("lan-bridge")))
			ok = read_named(n, vnet_intent_set_lan_bridge, in, error);
		else if (xmlStrEqual(n->name, X("uplink")))
			ok = read_named(n, vnet_intent_set_uplink, in, error);
		else if (xmlStrEqual(n->name, X("ipv4")))
			ok = read_ipv4(in, n, error);
		else if (xmlStrEqual(n->name, X("ipv6")))
			ok = read_ipv6(in, n, error);
		else if (xmlStrEqual(n->name, X("state")))
			ok = read_state(in, n, error);
		else if (xmlStrEqual(n->name, X("host-port"))) {
			g_autofree char *spec = xml_take_string(xmlNodeGetContent(n));
			ok = vnet_intent_add_host_port(in, g_strstrip(spec), error);
		} else if (xmlStrEqual(n->name, X("vlan"))) {
			ok = read_vlan(in, n, error);
		} else if (xmlStrEqual(n->name, X("forward"))) {
			/* Parsed here, checked against the others all at once below. */
			char *spec = xml_take_string(xmlNodeGetContent(n));
			vnet_forward *f;
			g_ptr_array_add(owned, spec);
			f = vnet_forward_parse_pooled(&pool, g_strstrip(spec), error);
			ok = f != NULL;
			if (f) {
				g_ptr_array_add(in->forwards, f);
				g_ptr_array_add(specs, spec);
			}
		} else if (xmlStrEqual(n->name, X("forwards")) && unread) {
			in->forwards_unread = true;
		} else if (xmlStrEqual(n->name, X("forwards"))) {
			char *text = blocks && next_block < blocks->len ? g_steal_pointer(&blocks->pdata[next_block++]) : NULL;
			ok = read_forwards(in, &pool, n, text, specs, owned, error);
		} else
			goto unknown;
		if (!ok)
			break;
		continue;
unknown:
		if (!forwards_distinct(in, specs, error))
			return NULL;
		vnet_set_error(error, VNET_ERROR_INVALID,
			    _("The intent XML has an unknown element <%s>."), (const char *)n->name);
		return NULL;
	}
	while (ok && fast && next < fast->len)
		ok = take_fast_forward(in, &pool, fast, &next, specs, owned, error);
	if (!ok) {
		g_autoptr(GError) clash = NULL;
		if (!forwards_distinct(in, specs, &clash)) {
			g_clear_error(error);
			g_propagate_error(error, g_steal_pointer(&clash));
		}
		return NULL;
	}
	if (!forwards_distinct(in, specs, error))
		return NULL;
	vnet_intent_refresh_strings(in);
	return g_steal_pointer(&in);
}

/*
 * Reading the forwards aside.  An intent of 65,535 forwards is a tree of
 * 131,070 nodes (the element and its text) built to be read once: so the
 * SAX handlers keep the text of each <forward> that is a child of the
 * first <intent> in a list instead, and give every other child of it the
 * number of forwards before it (in its _private), for intent_from_node() to
 * read them in document order, with the same errors in the same order.  A
 * forward with anything but text in it (an element, a comment, an entity
 * left unexpanded) is read from the tree: then the document is parsed again
 * as a whole tree.  The text is what xmlNodeGetContent() gives: libxml2
 * hands over character references, predefined entities and CDATA (merged,
 * XML_PARSE_NOCDATA) as characters.  So is the text of a <forwards> (one
 * text of megabytes, which the tree would grow by doubling and
 * xmlNodeGetContent() copy again): the element is built, its text kept
 * aside in @blocks.
 */
typedef struct fwd_sax {
	xmlSAXHandler base;	/* libxml2's SAX2 handlers, called for the rest */
	bool doctype;		/* "<!DOCTYPE" seen: refused */
	bool fallback;		/* a forward the list cannot hold: parse as a tree */
	bool intent_seen;
	guint depth;		/* of the element open now, the root's is 1 */
	guint intent_depth;	/* of the first <intent> while it is open, else 0 */
	bool in_forward;
	guint forwards_depth;	/* of the <forwards> open now, else 0 */
	GString *text;
	GPtrArray *forwards;	/* char *: each forward's text */
	GPtrArray *blocks;	/* char *: each <forwards>' text (its element stays, empty, in the tree) */
	bool drop_blocks;	/* the <forwards>' texts are not read (vnet_intent_from_xml_unread()) */
} fwd_sax;

static fwd_sax *sax_state(void *ctx)
{
	return ((xmlParserCtxt *)ctx)->_private;
}

/*
 * The SAX event for "<!DOCTYPE": stop right there, before libxml2 parses
 * (or fetches) any of its entities, so no entity trick can cost anything.
 */
static void refuse_doctype(void *ctx, const xmlChar *name, const xmlChar *external_id,
			   const xmlChar *system_id)
{
	sax_state(ctx)->doctype = true;
	xmlStopParser(ctx);
}

static void sax_fallback(void *ctx)
{
	sax_state(ctx)->fallback = true;
	xmlStopParser(ctx);
}

static void sax_start(void *ctx, const xmlChar *localname, const xmlChar *prefix, const xmlChar *uri,
		      int nb_namespaces, const xmlChar **namespaces, int nb_attributes, int nb_defaulted,
		      const xmlChar **attributes)
{
	fwd_sax *st = sax_state(ctx);
	xmlParserCtxt *ctxt = ctx;
	bool ours = uri && xmlStrEqual(uri, X(VNET_XML_NS));

	if (st->in_forward || st->forwards_depth) {
		sax_fallback(ctx);
		return;
	}
	st->depth++;
	if (st->intent_depth && st->depth == st->intent_depth + 1 && ours && xmlStrEqual(localname, X("forward"))) {
		st->in_forward = true;
		g_string_truncate(st->text, 0);
		return;
	}
	st->base.startElementNs(ctx, localname, prefix, uri, nb_namespaces, namespaces, nb_attributes,
				nb_defaulted, attributes);
	if (!st->intent_seen && ours && xmlStrEqual(localname, X("intent"))) {
		st->intent_seen = true;
		st->intent_depth = st->depth;
	} else if (st->intent_depth && st->depth == st->intent_depth + 1 && ctxt->node) {
		ctxt->node->_private = GUINT_TO_POINTER(st->forwards->len + 1);
		if (ours && xmlStrEqual(localname, X("forwards"))) {
			st->forwards_depth = st->depth;
			g_string_truncate(st->text, 0);
		}
	}
}

static void sax_end(void *ctx, const xmlChar *localname, const xmlChar *prefix, const xmlChar *uri)
{
	fwd_sax *st = sax_state(ctx);

	if (st->in_forward) {
		st->in_forward = false;
		st->depth--;
		g_ptr_array_add(st->forwards, g_strndup(st->text->str, st->text->len));
		return;
	}
	if (st->forwards_depth && st->depth == st->forwards_depth) {
		st->forwards_depth = 0;
		g_ptr_array_add(st->blocks, g_string_free(st->text, FALSE));
		st->text = g_string_new(NULL);
	}
	if (st->depth == st->intent_depth)
		st->intent_depth = 0;
	st->depth--;
	st->base.endElementNs(ctx, localname, prefix, uri);
}

static void sax_characters(void *ctx, const xmlChar *ch, int len)
{
	fwd_sax *st = sax_state(ctx);

	if (st->forwards_depth && st->drop_blocks)
		return;
	if (st->in_forward || st->forwards_depth)
		g_string_append_len(st->text, (const char *)ch, len);
	else
		st->base.characters(ctx, ch, len);
}

static void sax_blanks(void *ctx, const xmlChar *ch, int len)
{
	fwd_sax *st = sax_state(ctx);

	if (st->in_forward || st->forwards_depth)
		g_string_append_len(st->text, (const char *)ch, len);
	else if (st->base.ignorableWhitespace)
		st->base.ignorableWhitespace(ctx, ch, len);
}

static void sax_comment(void *ctx, const xmlChar *value)
{
	if (sax_state(ctx)->forwards_depth)
		return;	/* what xmlNodeGetContent() would skip */
	if (sax_state(ctx)->in_forward)
		sax_fallback(ctx);
	else if (sax_state(ctx)->base.comment)
		sax_state(ctx)->base.comment(ctx, value);
}

static void sax_pi(void *ctx, const xmlChar *target, const xmlChar *data)
{
	if (sax_state(ctx)->forwards_depth)
		return;
	if (sax_state(ctx)->in_forward)
		sax_fallback(ctx);
	else if (sax_state(ctx)->base.processingInstruction)
		sax_state(ctx)->base.processingInstruction(ctx, target, data);
}

static void sax_reference(void *ctx, const xmlChar *name)
{
	if (sax_state(ctx)->in_forward || sax_state(ctx)->forwards_depth)
		sax_fallback(ctx);
	else if (sax_state(ctx)->base.reference)
		sax_state(ctx)->base.reference(ctx, name);
}

static void sax_cdata(void *ctx, const xmlChar *value, int len)
{
	if (sax_state(ctx)->forwards_depth)
		g_string_append_len(sax_state(ctx)->text, (const char *)value, len);
	else if (sax_state(ctx)->in_forward)
		sax_fallback(ctx);
	else if (sax_state(ctx)->base.cdataBlock)
		sax_state(ctx)->base.cdataBlock(ctx, value, len);
	else	/* XML_PARSE_NOCDATA took libxml2's handler away: it is text, as libxml2 itself hands it over */
		sax_state(ctx)->base.characters(ctx, value, len);
}

static void fwd_sax_clear(fwd_sax *st)
{
	if (st->text)
		g_string_free(st->text, TRUE);
	if (st->forwards)
		g_ptr_array_unref(st->forwards);
	if (st->blocks)
		g_ptr_array_unref(st->blocks);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(fwd_sax, fwd_sax_clear)

/*
 * Parse @xml (untrusted input: no XML_PARSE_NOENT, so entities stay
 * unexpanded; no DTD loading or attribute defaulting, no network, nothing
 * printed), with its forwards read aside unless @tree.
 */
/* Whether @xml is UTF-8 by its first bytes and its declaration, if it has one. */
static bool declared_utf8(const char *xml)
{
	const char *end, *enc;

	if ((guchar)xml[0] == 0xfe || (guchar)xml[0] == 0xff || xml[0] == '\0' || xml[1] == '\0')
		return false;	/* UTF-16 or UTF-32 */
	if (!g_str_has_prefix(xml, "<?xml"))
		return true;
	if (!(end = strstr(xml, "?>")))
		return false;
	enc = g_strstr_len(xml, end - xml, "encoding");
	if (!enc)
		return true;
	enc += strlen("encoding");
	while (enc < end && (*enc == ' ' || *enc == '=' || *enc == '"' || *enc == '\''))
		enc++;
	return (g_ascii_strncasecmp(enc, "UTF-8", 5) == 0 && (enc[5] == '"' || enc[5] == '\'')) ||
	       (g_ascii_strncasecmp(enc, "UTF8", 4) == 0 && (enc[4] == '"' || enc[4] == '\''));
}

/*
 * xmlCreateMemoryParserCtxt() copies @xml first (megabytes at 65,535
 * forwards); a whole NUL-terminated UTF-8 document (@len is its strlen())
 * is read where it is instead, as libxml2 reads an entity's text.  Any
 * other encoding needs libxml2's buffer to convert into: copied as before.
 */
static xmlParserCtxt *parser_for(const char *xml, int len, bool terminated)
{
	xmlParserCtxt *ctxt;
	xmlParserInput *input;

	if (!terminated || !declared_utf8(xml))
		return xmlCreateMemoryParserCtxt(xml, len);
	if (!(ctxt = xmlNewParserCtxt()))
		return NULL;
	if (!(input = xmlNewStringInputStream(ctxt, (const xmlChar *)xml))) {
		xmlFreeParserCtxt(ctxt);
		return NULL;
	}
	inputPush(ctxt, input);
	return ctxt;
}

static xmlDoc *parse_intent_doc(const char *xml, int len, bool terminated, bool tree, fwd_sax *st,
				GError **error)
{
	g_autoptr(xmlParserCtxt) ctxt = parser_for(xml, len, terminated);
	xmlDoc *doc;

	if (!ctxt) {
		vnet_set_error(error, VNET_ERROR_FAILED, _("Out of memory while reading XML."));
		return NULL;
	}
	xmlCtxtUseOptions(ctxt, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
				XML_PARSE_NOCDATA | XML_PARSE_COMPACT);
	st->base = *ctxt->sax;
	ctxt->_private = st;
	ctxt->sax->internalSubset = refuse_doctype;
	if (!tree) {
		ctxt->sax->startElementNs = sax_start;
		ctxt->sax->endElementNs = sax_end;
		ctxt->sax->characters = sax_characters;
		ctxt->sax->ignorableWhitespace = sax_blanks;
		ctxt->sax->comment = sax_comment;
		ctxt->sax->processingInstruction = sax_pi;
		ctxt->sax->reference = sax_reference;
		ctxt->sax->cdataBlock = sax_cdata;
	}
	xmlParseDocument(ctxt);
	doc = g_steal_pointer(&ctxt->myDoc);
	if (st->doctype || (doc && (doc->intSubset || doc->extSubset))) {
		xmlFreeDoc(doc);
		vnet_set_error(error, VNET_ERROR_INVALID,
			    _("The intent XML must not contain a DOCTYPE declaration."));
		return NULL;
	}
	if (st->fallback) {
		xmlFreeDoc(doc);
		return NULL;
	}
	if (!ctxt->wellFormed) {
		const xmlError *e = xmlCtxtGetLastError(ctxt);
		g_autofree char *msg = g_strdup(e && e->message ? e->message : "?");
		xmlFreeDoc(doc);
		vnet_set_error(error, VNET_ERROR_INVALID,
			    _("The intent XML is not well-formed (line %d): %s"),
			    e ? e->line : 0, g_strstrip(msg));
		return NULL;
	}
	return doc;
}

static vnet_intent *from_xml(const char *xml, gssize len, bool unread, GError **error)
{
	g_auto(fwd_sax) st = { .text = g_string_new(NULL), .forwards = g_ptr_array_new_with_free_func(g_free),
			       .blocks = g_ptr_array_new_with_free_func(g_free), .drop_blocks = unread };
	g_autoptr(xmlDoc) doc = NULL;
	bool tree = false, terminated = len < 0;
	xmlNode *root;

	if (len < 0)
		len = xml ? strlen(xml) : 0;
	if (!xml || len == 0 || len > VNET_XML_MAX) {
		vnet_set_error(error, VNET_ERROR_INVALID,
			    _("The intent XML is empty or larger than 4 MiB."));
		return NULL;
	}
	doc = parse_intent_doc(xml, (int)len, terminated, false, &st, error);
	if (!doc && st.fallback) {
		fwd_sax_clear(&st);
		st = (fwd_sax){ 0 };
		tree = true;
		doc = parse_intent_doc(xml, (int)len, terminated, true, &st, error);
	}
	if (!doc)
		return NULL;
	root = find_intent(xmlDocGetRootElement(doc));
	if (!root) {
		vnet_set_error(error, VNET_ERROR_INVALID,
			    _("The XML has no <intent> element in the namespace %s."), VNET_XML_NS);
		return NULL;
	}
	return intent_from_node(root, tree ? NULL : st.forwards, tree ? NULL : st.blocks, unread, error);
}

vnet_intent *vnet_intent_from_xml(const char *xml, gssize len, GError **error)
{
	return from_xml(xml, len, false, error);
}

vnet_intent *vnet_intent_from_xml_unread(const char *xml, gssize len, GError **error)
{
	return from_xml(xml, len, true, error);
}
