/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>
#include <glib/gstdio.h>
#include <jansson.h>

#include "guests.h"
#include "netxml.h"
#include "util.h"

void vnet_guest_free(vnet_guest *g)
{
	if (!g)
		return;
	g_free(g->mac);
	g_free(g->domain);
	g_free(g->addr);
	g_free(g->addr6);
	g_free(g);
}

char *vnet_guests_status_path(const char *bridge)
{
	const char *dir = g_getenv("VNET_DNSMASQ_DIR");

	if (!vnet_name_is_valid(bridge, VNET_IFNAME_MAX))
		return NULL;
	return g_strdup_printf("%s/%s.status", dir ? dir : "/var/lib/libvirt/dnsmasq", bridge);
}

static char *records_dir(void)
{
	const char *dir = g_getenv("VNET_RUN_DIR");

	return g_build_filename(dir ? dir : "/run/vnetctl", "nics", NULL);
}


void vnet_guests_record(const char *mac, const char *domain, bool running)
{
	g_autofree char *dir = records_dir();
	g_autofree char *low = mac ? g_ascii_strdown(mac, -1) : NULL;
	g_autofree char *path = NULL;

	if (!vnet_mac_is_valid(low) || !vnet_name_is_valid(domain, VNET_NAME_MAX))
		return;
	path = g_build_filename(dir, low, NULL);
	/* The directory stays, empty: records are kept here, and none runs. */
	if (g_mkdir_with_parents(dir, 0700) < 0)
		return;
	/* A stopped guest stays known, so that its lease (dnsmasq keeps it) does not count. */
	if (running) {
		g_file_set_contents(path, domain, -1, NULL);
	} else {
		g_autofree char *stopped = g_strconcat("!", domain, NULL);
		g_file_set_contents(path, stopped, -1, NULL);
	}
}

GHashTable *vnet_guests_records(void)
{
	g_autofree char *dir = records_dir();
	g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
	GHashTable *out;
	const char *name;

	/* No directory: no qemu hook keeps records here, so they say nothing. */
	if (!d)
		return NULL;
	out = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	while (d && (name = g_dir_read_name(d))) {
		g_autofree char *path = g_build_filename(dir, name, NULL), *text = NULL;
		if (vnet_mac_is_valid(name) && g_file_get_contents(path, &text, NULL, NULL) &&
		    vnet_name_is_valid(g_strstrip(text) + (text[0] == '!'), VNET_NAME_MAX))
			g_hash_table_replace(out, g_strdup(name), g_steal_pointer(&text));
	}
	return out;
}

static vnet_guest *find(GPtrArray *guests, const char *mac)
{
	for (guint i = 0; i < guests->len; i++)
		if (g_strcmp0(((vnet_guest *)guests->pdata[i])->mac, mac) == 0)
			return guests->pdata[i];
	return NULL;
}

static vnet_guest *add(GPtrArray *guests, const char *mac)
{
	vnet_guest *g = find(guests, mac);

	if (g)
		return g;
	g = g_new0(vnet_guest, 1);
	g->mac = g_strdup(mac);
	g->how = VNET_GUEST_NO_ADDRESS;
	g_ptr_array_add(guests, g);
	return g;
}

/* Canonical IPv4, or NULL: the status file and the XML are input like any other. */
static char *ipv4(const char *s)
{
	vnet_addr a;

	return s && vnet_addr_parse(s, &a, NULL) && a.family == AF_INET ? vnet_addr_format(&a) : NULL;
}

static void add_leases(GPtrArray *guests, json_t *root);

/* The IPv6 <ip>'s entries name no MAC: each goes to the guest of its domain. */
static void add_reservations6(GPtrArray *guests, GPtrArray *hosts6)
{
	vnet_addr a;

	for (guint i = 0; hosts6 && i < hosts6->len; i++) {
		const vnet_dhcp_host *h = hosts6->pdata[i];
		if (!h->name || !h->ip || !vnet_addr_parse(h->ip, &a, NULL) || a.family != AF_INET6)
			continue;
		for (guint k = 0; k < guests->len; k++) {
			vnet_guest *g = guests->pdata[k];
			if (g_strcmp0(g->domain, h->name) == 0 && !g->addr6)
				g->addr6 = vnet_addr_format(&a);
		}
	}
}

void vnet_guests_parse_leases(GPtrArray *guests, const char *json, size_t len)
{
	json_t *root = json ? json_loadb(json, len, 0, NULL) : NULL;

	add_leases(guests, root);
}

static void read_leases(GPtrArray *guests, const char *bridge)
{
	g_autofree char *path = vnet_guests_status_path(bridge);

	add_leases(guests, path ? json_load_file(path, 0, NULL) : NULL);
}

/* Takes @root. */
static void add_leases(GPtrArray *guests, json_t *root)
{
	gint64 now = g_get_real_time() / G_USEC_PER_SEC;
	json_t *l;
	size_t i;

	if (!json_is_array(root)) {
		json_decref(root);
		return;
	}
	json_array_foreach(root, i, l) {
		const char *mac = json_string_value(json_object_get(l, "mac-address"));
		g_autofree char *low = mac ? g_ascii_strdown(mac, -1) : NULL;
		g_autofree char *addr = ipv4(json_string_value(json_object_get(l, "ip-address")));
		json_int_t expiry = json_integer_value(json_object_get(l, "expiry-time"));
		vnet_guest *g;
		if (!vnet_mac_is_valid(low) || !addr || (expiry && expiry < now))
			continue;
		g = add(guests, low);
		if (g->how == VNET_GUEST_RESERVED)
			continue;	/* the reservation is where it points */
		g_free(g->addr);
		g->addr = g_steal_pointer(&addr);
		g->how = VNET_GUEST_LEASED;
		g->expiry = expiry;
	}
	json_decref(root);
}

/* A host of a hostsfile line, as vnet_netxml_hosts() gives one. */
static vnet_dhcp_host *file_host(const char *mac, const char *name, const char *ip)
{
	vnet_dhcp_host *h = g_new0(vnet_dhcp_host, 1);

	h->mac = g_strdup(mac);
	h->name = g_strdup(name);
	h->ip = g_strdup(ip);
	h->live = true;
	return h;
}

/* One line of libvirt's hostsfile into @hosts or @hosts6; false for a form libvirt does not write. */
static bool hostsfile_line(const char *line, GPtrArray *hosts, GPtrArray *hosts6)
{
	g_auto(GStrv) f = g_strsplit(line, ",", 4);
	guint n = g_strv_length(f);
	vnet_addr a;

	if (n == 2 && f[1][0] == '[' && g_str_has_suffix(f[1], "]")) {
		g_autofree char *ip = g_strndup(f[1] + 1, strlen(f[1]) - 2);
		if (!vnet_addr_parse(ip, &a, NULL) || a.family != AF_INET6)
			return false;
		/* "NAME,[IP]"; "id:DUID,[IP]" names no domain, as the XML's id= does not */
		g_ptr_array_add(hosts6, file_host(NULL, g_str_has_prefix(f[0], "id:") ? NULL : f[0], ip));
		return true;
	}
	if (n < 2 || n > 3 || !vnet_addr_parse(f[1], &a, NULL) || a.family != AF_INET)
		return false;
	if (vnet_mac_is_valid(f[0]))
		g_ptr_array_add(hosts, file_host(f[0], n == 3 ? f[2] : NULL, f[1]));
	else if (n == 2)
		g_ptr_array_add(hosts, file_host(NULL, f[0], f[1]));
	else
		return false;
	return true;
}

bool vnet_guests_read_hostsfile(const char *network, GPtrArray **ret_hosts, GPtrArray **ret_hosts6)
{
	const char *dir = g_getenv("VNET_DNSMASQ_DIR");
	g_autofree char *path = NULL, *text = NULL;
	g_autoptr(GPtrArray) hosts = g_ptr_array_new_with_free_func((GDestroyNotify)vnet_dhcp_host_free);
	g_autoptr(GPtrArray) hosts6 = g_ptr_array_new_with_free_func((GDestroyNotify)vnet_dhcp_host_free);
	g_auto(GStrv) lines = NULL;

	g_autofree char *conf_path = NULL, *conf = NULL, *line = NULL;

	if (!vnet_name_is_valid(network, VNET_NAME_MAX))
		return false;
	path = g_strdup_printf("%s/%s.hostsfile", dir ? dir : "/var/lib/libvirt/dnsmasq", network);
	conf_path = g_strdup_printf("%s/%s.conf", dir ? dir : "/var/lib/libvirt/dnsmasq", network);
	/*
	 * Only a file the running dnsmasq reads: libvirt writes the conf at
	 * every start, and leaves a hostsfile behind when a network comes back
	 * without DHCP.
	 */
	line = g_strdup_printf("\ndhcp-hostsfile=%s\n", path);
	if (!g_file_get_contents(conf_path, &conf, NULL, NULL) || !strstr(conf, line) ||
	    !g_file_get_contents(path, &text, NULL, NULL) || !g_utf8_validate(text, -1, NULL))
		return false;
	lines = g_strsplit(text, "\n", -1);
	for (guint i = 0; lines[i]; i++)
		if (*lines[i] && !hostsfile_line(lines[i], hosts, hosts6))
			return false;
	*ret_hosts = g_steal_pointer(&hosts);
	*ret_hosts6 = g_steal_pointer(&hosts6);
	return true;
}

GPtrArray *vnet_guests_read(const char *bridge, const char *net_xml, GHashTable *nics)
{
	g_autoptr(GPtrArray) hosts = net_xml ? vnet_netxml_hosts(net_xml) : NULL;
	g_autoptr(GPtrArray) hosts6 = net_xml ? vnet_netxml_hosts6(net_xml) : NULL;

	return vnet_guests_read_hosts(bridge, hosts, hosts6, nics);
}

GPtrArray *vnet_guests_read_hosts(const char *bridge, GPtrArray *hosts, GPtrArray *hosts6, GHashTable *nics)
{
	g_autoptr(GPtrArray) guests = g_ptr_array_new_with_free_func((GDestroyNotify)vnet_guest_free);
	g_autoptr(GHashTable) records = nics ? NULL : vnet_guests_records();
	GHashTable *running = nics ? nics : records;
	GHashTableIter it;
	gpointer k, v;

	for (guint i = 0; hosts && i < hosts->len; i++) {
		const vnet_dhcp_host *h = hosts->pdata[i];
		g_autofree char *addr = ipv4(h->ip);
		vnet_guest *g;
		if (!vnet_mac_is_valid(h->mac) || !addr)
			continue;
		g = add(guests, h->mac);
		g->addr = g_steal_pointer(&addr);
		g->how = VNET_GUEST_RESERVED;
		if (vnet_name_is_valid(h->name, VNET_NAME_MAX))
			g->domain = g_strdup(h->name);
	}
	read_leases(guests, bridge);
	/*
	 * What libvirt (or the qemu hook's record) knows names the guests; the
	 * lease of a domain that is not running is a stopped guest's and does not
	 * count.  A lease no domain has is a guest all the same (a DHCP client
	 * on the bridge that is not a libvirt domain).
	 */
	if (running) {
		g_hash_table_iter_init(&it, running);
		while (g_hash_table_iter_next(&it, &k, &v)) {
			const char *dom = v;
			bool stopped = dom[0] == '!';
			vnet_guest *g = find(guests, k);
			if (stopped) {
				if (g && g->how == VNET_GUEST_LEASED)
					g_ptr_array_remove(guests, g);
				else if (g && !g->domain)
					g->domain = g_strdup(dom + 1);
				continue;
			}
			if (!g && nics)
				g = add(guests, k);	/* running on this network, no address yet */
			if (g) {
				g_free(g->domain);
				g->domain = g_strdup(dom);
			}
		}
	}
	if (hosts6)
		add_reservations6(guests, hosts6);
	return g_steal_pointer(&guests);
}

const char *vnet_guests_default(const vnet_intent *in, GPtrArray *guests, vnet_default_how *ret_how,
				guint *ret_candidates)
{
	const char *want = in->has_guest ? in->s_guest : NULL;
	const char *only = NULL;
	guint n = 0;

	*ret_candidates = 0;
	*ret_how = VNET_DEFAULT_NOWHERE;
	for (guint i = 0; i < guests->len; i++) {
		const vnet_guest *g = guests->pdata[i];
		if (g->how == VNET_GUEST_RESERVED && want && g_strcmp0(g->addr, want) == 0) {
			*ret_how = VNET_DEFAULT_RESERVED;	/* attach reserved it */
			return g->addr;
		}
	}
	for (guint i = 0; i < guests->len; i++) {
		const vnet_guest *g = guests->pdata[i];
		/* A reservation alone is not a guest that runs; a lease or a NIC is. */
		if (g->how == VNET_GUEST_RESERVED && !g->domain)
			continue;
		n++;
		only = g->addr;
	}
	*ret_candidates = n;
	if (n == 1 && only) {
		*ret_how = VNET_DEFAULT_ONLY;
		return only;
	}
	/*
	 * Nobody seen yet: the documented default guest address, where a guest
	 * configured by hand (or one still booting) is expected.
	 */
	if (n == 0 && in->has_guest) {
		*ret_how = VNET_DEFAULT_ADDRESS;
		return in->s_guest;
	}
	return NULL;
}

GHashTable *vnet_guests_targets(const vnet_intent *in, GPtrArray *guests)
{
	GHashTable *t = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	const char *def;
	guint n;

	/* A reservation wins over a lease of the same domain. */
	for (int pass = 0; pass < 2; pass++)
		for (guint i = 0; i < guests->len; i++) {
			const vnet_guest *g = guests->pdata[i];
			if (g->domain && g->addr && (g->how == VNET_GUEST_RESERVED) == (pass == 1))
				g_hash_table_replace(t, g_strdup(g->domain), g_strdup(g->addr));
		}
	vnet_default_how how;

	def = vnet_guests_default(in, guests, &how, &n);
	g_hash_table_replace(t, g_strdup(""), g_strdup(def ? def : ""));
	vnet_guests_add_guard(t, in, guests);
	return t;
}

/* The ports of @bridge now, from sysfs, into @t; the uplink is never a guest's. */
static void add_ports(GHashTable *t, const char *bridge, const char *uplink)
{
	g_autofree char *dir = vnet_name_is_valid(bridge, VNET_IFNAME_MAX)
				       ? g_strdup_printf("/sys/class/net/%s/brif", bridge) : NULL;
	g_autoptr(GDir) d = dir ? g_dir_open(dir, 0, NULL) : NULL;
	const char *port;

	while (d && (port = g_dir_read_name(d)))
		if (vnet_name_is_valid(port, VNET_IFNAME_MAX) && g_strcmp0(port, uplink) != 0)
			g_hash_table_replace(t, g_strconcat(VNET_GUESTS_PORT_KEY, port, NULL), g_strdup(bridge));
}

void vnet_guests_add_guard(GHashTable *targets, const vnet_intent *in, GPtrArray *guests)
{
	const char *lan = in->mode == VNET_MODE_BRIDGED ? in->bridge
			  : in->mode == VNET_MODE_HYBRID ? in->lan_bridge : NULL;

	if (vnet_intent_get_guard(in, false) != VNET_GUARD_OFF) {
		/*
		 * A lease binds as a reservation does (DHCP snooping): nobody else
		 * takes the address dnsmasq gave, and under strict its holder sends
		 * from it alone.  A guest has one or the other (vnet_guests_read()).
		 */
		for (guint i = 0; guests && i < guests->len; i++) {
			const vnet_guest *g = guests->pdata[i];
			if ((g->how == VNET_GUEST_RESERVED || g->how == VNET_GUEST_LEASED) && g->addr &&
			    vnet_mac_is_valid(g->mac))
				g_hash_table_replace(targets, g_strconcat(VNET_GUESTS_MAC_KEY, g->mac, NULL),
						     g_strdup(g->addr));
			if (g->addr6 && vnet_mac_is_valid(g->mac))
				g_hash_table_replace(targets, g_strconcat(VNET_GUESTS_MAC6_KEY, g->mac, NULL),
						     g_strdup(g->addr6));
		}
		add_ports(targets, in->bridge, NULL);
	}
	if (vnet_intent_get_guard(in, true) != VNET_GUARD_OFF)
		add_ports(targets, lan, in->uplink);
}

/* ---- what show prints ---- */

/*
 * One piece of memory: the forward, address and guest strings follow the
 * struct, and the targets of one call come from a few blocks (show makes
 * 65,535 of them: not a malloc() and a free() each); only a problem is
 * its own.
 */
typedef struct target_block {
	gint live;	/* its targets not yet freed, plus one while it is filled */
	gsize used, size;
	char mem[];
} target_block;

struct vnet_target {
	const char *forward, *address, *guest;
	char *problem;
	const char *how;
	target_block *block;	/* or NULL: its own allocation */
	char text[];
};

static void block_drop(target_block *b)
{
	if (g_atomic_int_dec_and_test(&b->live))
		g_free(b);
}

void vnet_target_free(vnet_target *t)
{
	if (!t)
		return;
	g_free(t->problem);
	if (t->block)
		block_drop(t->block);
	else
		g_free(t);
}

/* Blocks of this many bytes, and a target bigger than a tenth of one is its own. */
#define TARGET_BLOCK (256 * 1024)

/* @size bytes for a target, from the block being filled (*@b, replaced when full) if there is one. */
static vnet_target *target_alloc(target_block **b, gsize size)
{
	vnet_target *t;

	size = (size + 7) & ~(gsize)7;
	if (!b || size > TARGET_BLOCK / 10) {
		t = g_malloc(size);
		t->block = NULL;
		return t;
	}
	if (!*b || (*b)->used + size > (*b)->size) {
		if (*b)
			block_drop(*b);
		*b = g_malloc(sizeof(**b) + TARGET_BLOCK);
		(*b)->live = 1;
		(*b)->used = 0;
		(*b)->size = TARGET_BLOCK;
	}
	t = (vnet_target *)((*b)->mem + (*b)->used);
	(*b)->used += size;
	g_atomic_int_inc(&(*b)->live);
	t->block = *b;
	return t;
}

/* A target of forward @spec (@n bytes) to @address, of @guest (either may be NULL), from @b (see target_alloc()). */
static vnet_target *target_new(target_block **b, const char *spec, gsize n, const char *address, const char *guest)
{
	gsize na = address ? strlen(address) + 1 : 0, ng = guest ? strlen(guest) + 1 : 0;
	vnet_target *t = target_alloc(b, sizeof(*t) + n + 1 + na + ng);
	char *p = t->text;

	t->problem = NULL;
	t->how = NULL;
	t->forward = p;
	memcpy(p, spec, n);
	p[n] = '\0';
	p += n + 1;
	t->address = address ? memcpy(p, address, na) : NULL;
	p += na;
	t->guest = guest ? memcpy(p, guest, ng) : NULL;
	return t;
}

const char *vnet_target_get_forward(const vnet_target *t) { return t->forward; }
const char *vnet_target_get_address(const vnet_target *t) { return t->address; }
const char *vnet_target_get_guest(const vnet_target *t) { return t->guest; }
const char *vnet_target_get_how(const vnet_target *t) { return t->how; }
const char *vnet_target_get_problem(const vnet_target *t) { return t->problem; }

const char *vnet_guest_get_mac(const vnet_guest *g) { return g->mac; }
const char *vnet_guest_get_domain(const vnet_guest *g) { return g->domain; }
const char *vnet_guest_get_address(const vnet_guest *g) { return g->addr; }
const char *vnet_guest_get_address6(const vnet_guest *g) { return g->addr6; }

const char *vnet_guest_get_source(const vnet_guest *g)
{
	switch (g->how) {
	case VNET_GUEST_RESERVED:
		return "reservation";
	case VNET_GUEST_LEASED:
		return "lease";
	case VNET_GUEST_NO_ADDRESS:
		break;
	}
	return "none";
}

static const vnet_guest *guest_of(GPtrArray *guests, const char *domain, const char *addr)
{
	for (guint i = 0; i < guests->len; i++) {
		const vnet_guest *g = guests->pdata[i];
		if ((domain && g_strcmp0(g->domain, domain) == 0 && g->addr) ||
		    (!domain && addr && (g_strcmp0(g->addr, addr) == 0 || g_strcmp0(g->addr6, addr) == 0)))
			return g;
	}
	return NULL;
}

/* The default guest of @in, asked once for all its forwards. */
typedef struct default_guest {
	const char *addr;
	vnet_default_how how;
	guint n;
} default_guest;

static vnet_target *target_of(const vnet_intent *in, const vnet_forward *f, GPtrArray *guests,
			      GHashTable *targets, const default_guest *def, target_block **b)
{
	char spec[VNET_FORWARD_FORMAT_MAX];
	gsize n = vnet_forward_put(spec, f);
	g_autofree char *own = NULL;
	const char *address = NULL, *how = "nowhere";
	const vnet_guest *g = NULL;
	char *problem = NULL;
	vnet_target *t;

	switch (f->guest_kind) {
	case VNET_GUEST_ADDR:
		address = own = vnet_addr_format(&f->guest_addr);
		how = "address";
		g = guest_of(guests, NULL, address);
		break;
	case VNET_GUEST_NAME: {
		const char *a = g_hash_table_lookup(targets, f->guest_name);
		g = guest_of(guests, f->guest_name, NULL);
		if (a && *a && f->family == AF_INET) {
			address = a;
			how = g && g->how == VNET_GUEST_RESERVED ? "reservation" : "lease";
		} else {
			problem = g_strdup_printf(_("Domain \"%s\" has no reservation and no lease on network \"%s\"; the forward points nowhere until it has one."),
						  f->guest_name, in->name);
		}
		break;
	}
	case VNET_GUEST_DEFAULT: {
		const char *a = f->family == AF_INET ? def->addr : NULL;
		vnet_addr g6;
		/* IPv6 has no leases to follow: the subnet6's default guest address. */
		if (f->family == AF_INET6 && vnet_intent_default_guest6(in, &g6)) {
			address = own = vnet_addr_format(&g6);
			g = guest_of(guests, NULL, address);
			how = g && g->addr6 && g_str_equal(g->addr6, address) ? "default guest" : "default address";
		} else if (a) {
			address = a;
			how = def->how == VNET_DEFAULT_RESERVED ? "default guest" :
			      def->how == VNET_DEFAULT_ONLY ? "only guest" : "default address";
			g = guest_of(guests, NULL, a);
		} else if (f->family != AF_INET) {
			g_autofree char *fs = g_strndup(spec, n);
			problem = g_strdup_printf(_("The forward %s has no guest address, and network \"%s\" has no IPv6 default guest; give the guest's address in the forward."),
						  fs, in->name);
		} else {
			problem = g_strdup_printf(_("Network \"%s\" has %u guests and none holds its default guest address, so this forward points nowhere; choose one with \"vnetctl attach %s DOMAIN\", or name the guest in the forward."),
						  in->name, def->n, in->name);
		}
		break;
	}
	}
	t = target_new(b, spec, n, address, g ? g->domain : NULL);
	t->how = how;
	t->problem = problem;
	return t;
}

GPtrArray *vnet_guests_forward_targets(const vnet_intent *in, GPtrArray *guests)
{
	g_autoptr(GHashTable) targets = vnet_guests_targets(in, guests);
	GPtrArray *out = g_ptr_array_new_full(in->forwards->len, (GDestroyNotify)vnet_target_free);
	default_guest def = { 0 };
	target_block *b = NULL;

	def.addr = vnet_guests_default(in, guests, &def.how, &def.n);
	for (guint i = 0; i < in->forwards->len; i++)
		g_ptr_array_add(out, target_of(in, in->forwards->pdata[i], guests, targets, &def, &b));
	if (b)
		block_drop(b);
	return out;
}

vnet_target *vnet_guests_forward_target(const vnet_intent *in, GPtrArray *guests, const vnet_forward *f)
{
	g_autoptr(GHashTable) targets = vnet_guests_targets(in, guests);
	default_guest def = { 0 };

	def.addr = vnet_guests_default(in, guests, &def.how, &def.n);
	return target_of(in, f, guests, targets, &def, NULL);
}
