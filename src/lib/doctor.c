/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * doctor (see doctor.h).  The app step's TCP connects run before the L2
 * reads: a connect makes the host resolve the guest's address, and the
 * guest's answer teaches the bridge its MAC again, so a guest that was
 * quiet for longer than the bridge's ageing time is not reported missing.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/if_bridge.h>
#include <linux/neighbour.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <jansson.h>

#include "context.h"
#include "doctor.h"
#include "firewalld.h"
#include "nft.h"
#include "ovn.h"
#include "openflow.h"
#include "ovsdb.h"
#include "planner.h"
#include "util.h"
#include "virt.h"

struct vnet_doctor_check {
	vnet_doctor_layer layer;
	const char *id;
	char *network, *guest, *forward;
	bool ok;
	char *what, *fix;
};

/* Our table's base chains, as nft.c makes them. */
static const char *const our_chains[] = { "guard", "pre", "out", "post", "forwarding", NULL };

/* How long the app step waits for a TCP connection. */
#define CONNECT_TIMEOUT_MS 1000

/* ---- checks ---- */

void vnet_doctor_check_free(vnet_doctor_check *c)
{
	if (!c)
		return;
	g_free(c->network);
	g_free(c->guest);
	g_free(c->forward);
	g_free(c->what);
	g_free(c->fix);
	g_free(c);
}

const char *vnet_doctor_layer_name(vnet_doctor_layer layer)
{
	switch (layer) {
	case VNET_DOCTOR_LINK:
		return "link";
	case VNET_DOCTOR_L2:
		return "L2";
	case VNET_DOCTOR_L3:
		return "L3";
	case VNET_DOCTOR_L4:
		return "L4";
	case VNET_DOCTOR_APP:
		return "app";
	}
	return "?";
}

vnet_doctor_layer vnet_doctor_check_get_layer(const vnet_doctor_check *c) { return c->layer; }
const char *vnet_doctor_check_get_id(const vnet_doctor_check *c) { return c->id; }
const char *vnet_doctor_check_get_network(const vnet_doctor_check *c) { return c->network; }
const char *vnet_doctor_check_get_guest(const vnet_doctor_check *c) { return c->guest; }
const char *vnet_doctor_check_get_forward(const vnet_doctor_check *c) { return c->forward; }
bool vnet_doctor_check_get_ok(const vnet_doctor_check *c) { return c->ok; }
const char *vnet_doctor_check_get_what(const vnet_doctor_check *c) { return c->what; }
const char *vnet_doctor_check_get_fix(const vnet_doctor_check *c) { return c->fix; }

/* ---- facts ---- */

static void dguest_free(vnet_doctor_guest *g)
{
	if (!g)
		return;
	g_free(g->tap);
	g_free(g);
}

static void dforward_free(vnet_doctor_forward *f)
{
	if (!f)
		return;
	g_ptr_array_unref(f->want);
	if (f->peers)
		g_ptr_array_unref(f->peers);
	g_free(f->peers_error);
	g_free(f->guest_endpoint);
	g_free(f->forward_endpoint);
	g_free(f);
}

vnet_doctor_guest *vnet_doctor_guest_new(const vnet_guest *g, bool running, const char *tap)
{
	vnet_doctor_guest *d = g_new0(vnet_doctor_guest, 1);

	d->g = g;
	d->running = running;
	d->tap = g_strdup(tap);
	return d;
}

vnet_doctor_forward *vnet_doctor_forward_new(const vnet_forward *fwd, const vnet_target *target)
{
	vnet_doctor_forward *d = g_new0(vnet_doctor_forward, 1);

	d->fwd = fwd;
	d->target = target;
	d->want = g_ptr_array_new_with_free_func(g_free);
	d->guest_err = d->forward_err = -1;
	return d;
}

static guint inode_hash(gconstpointer p)
{
	return g_int64_hash(p);
}

vnet_doctor_facts *vnet_doctor_facts_new(const vnet_intent *in)
{
	vnet_doctor_facts *f = g_new0(vnet_doctor_facts, 1);

	f->in = in;
	f->links = g_ptr_array_new_with_free_func((GDestroyNotify)vnet_link_info_free);
	f->fdb = g_ptr_array_new_with_free_func((GDestroyNotify)vnet_fdb_entry_free);
	f->neigh = g_ptr_array_new_with_free_func((GDestroyNotify)vnet_neigh_free);
	f->guests = g_ptr_array_new_with_free_func((GDestroyNotify)vnet_guest_free);
	f->dguests = g_ptr_array_new_with_free_func((GDestroyNotify)dguest_free);
	f->targets = g_ptr_array_new_with_free_func((GDestroyNotify)vnet_target_free);
	f->forwards = g_ptr_array_new_with_free_func((GDestroyNotify)dforward_free);
	f->ip_forward = f->ip6_forward = -1;
	f->rp_filter_all = f->rp_filter_br = -1;
	f->host = vnet_host_new();
	f->missing_chains = g_ptr_array_new_with_free_func(g_free);
	f->kernel_elems = g_ptr_array_new_with_free_func(g_free);
	f->base_want = g_ptr_array_new_with_free_func(g_free);
	f->ufw_forwards = g_ptr_array_new_with_free_func(g_free);
	f->sockets = g_array_new(FALSE, TRUE, sizeof(vnet_sock_info));
	f->sock_owner = g_hash_table_new_full(inode_hash, g_int64_equal, g_free, g_free);
	return f;
}

#define CLEAR_ARRAY(a) g_clear_pointer(&(a), g_ptr_array_unref)

void vnet_doctor_facts_free(vnet_doctor_facts *f)
{
	if (!f)
		return;
	vnet_ovn_status_free(f->ovn);
	g_free(f->ovn_error);
	g_free(f->ovs_error);
	g_free(f->of_error);
	CLEAR_ARRAY(f->ovs_unguarded);
	/* The forwards and guests borrow from the targets and guests: first. */
	CLEAR_ARRAY(f->forwards);
	CLEAR_ARRAY(f->dguests);
	CLEAR_ARRAY(f->targets);
	CLEAR_ARRAY(f->guests);
	CLEAR_ARRAY(f->links);
	CLEAR_ARRAY(f->fdb);
	CLEAR_ARRAY(f->neigh);
	CLEAR_ARRAY(f->missing_chains);
	CLEAR_ARRAY(f->kernel_elems);
	CLEAR_ARRAY(f->base_want);
	CLEAR_ARRAY(f->ufw_forwards);
	g_free(f->links_error);
	g_free(f->fdb_error);
	g_free(f->neigh_error);
	g_free(f->host_error);
	g_free(f->dnsmasq_pidfile);
	g_free(f->table_error);
	g_free(f->sockets_error);
	vnet_host_free(f->host);
	vnet_coexist_report_free(f->coexist);
	g_free(f->fw_zone);
	if (f->sockets)
		g_array_unref(f->sockets);
	if (f->sock_owner)
		g_hash_table_unref(f->sock_owner);
	g_free(f);
}

/* ---- judging: pure, over the facts ---- */

typedef struct judge {
	const vnet_doctor_facts *f;
	GPtrArray *out;
} judge;

/* Add a check; takes @what and @fix (NULL for an ok check). */
static void put(judge *j, vnet_doctor_layer layer, const char *id, const char *guest, const char *forward,
		bool ok, char *what, char *fix)
{
	vnet_doctor_check *c = g_new0(vnet_doctor_check, 1);

	c->layer = layer;
	c->id = id;
	c->network = g_strdup(j->f->in->name);
	c->guest = g_strdup(guest);
	c->forward = g_strdup(forward);
	c->ok = ok;
	c->what = what;
	c->fix = ok ? (g_free(fix), NULL) : fix;
	g_ptr_array_add(j->out, c);
}

/* A fact doctor could not read: a failed check, whose fix is to read it as root. */
static void unreadable(judge *j, vnet_doctor_layer layer, const char *id, const char *guest,
		       const char *forward, const char *why)
{
	put(j, layer, id, guest, forward, false,
	    g_strdup_printf(_("Doctor could not check this: %s"), why),
	    g_strdup(_("Run \"vnetctl doctor\" as root: it reads netlink, nftables and conntrack.")));
}

static const vnet_link_info *find_link(const vnet_doctor_facts *f, const char *name)
{
	for (guint i = 0; name && f->links && i < f->links->len; i++) {
		const vnet_link_info *l = f->links->pdata[i];
		if (g_strcmp0(l->name, name) == 0)
			return l;
	}
	return NULL;
}

static const char *guest_name(const vnet_doctor_guest *d)
{
	return d->g->domain ? d->g->domain : d->g->mac;
}

static char *forward_name(const vnet_doctor_forward *d)
{
	return vnet_forward_format(d->fwd);
}

/* The learned (not local) FDB entry of @mac, or NULL. */
static const vnet_fdb_entry *fdb_of(const vnet_doctor_facts *f, const char *mac)
{
	for (guint i = 0; mac && f->fdb && i < f->fdb->len; i++) {
		const vnet_fdb_entry *e = f->fdb->pdata[i];
		if (!e->local && g_ascii_strcasecmp(e->mac, mac) == 0)
			return e;
	}
	return NULL;
}

/* The port that carries guest @d: libvirt's tap, else where the bridge learned its MAC. */
static const char *guest_port(const vnet_doctor_facts *f, const vnet_doctor_guest *d)
{
	const vnet_fdb_entry *e;

	if (d->tap)
		return d->tap;
	e = fdb_of(f, d->g->mac);
	return e ? e->port : NULL;
}

static const char *stp_state_name(int state)
{
	switch (state) {
	case BR_STATE_DISABLED:
		return "disabled";
	case BR_STATE_LISTENING:
		return "listening";
	case BR_STATE_LEARNING:
		return "learning";
	case BR_STATE_FORWARDING:
		return "forwarding";
	case BR_STATE_BLOCKING:
		return "blocking";
	default:
		return "unknown";
	}
}

/* The STP state and MTU of bridge port @port (of @br); @guest NULL for a port no guest is known on. */
static void check_port(judge *j, const vnet_link_info *br, const vnet_link_info *port, const char *guest)
{
	int st = port->stp_state;

	if (st == BR_STATE_FORWARDING)
		put(j, VNET_DOCTOR_LINK, "port-forwarding", guest, NULL, true,
		    g_strdup_printf(_("Port %s of bridge %s is forwarding."), port->name, br->name), NULL);
	else if (st == BR_STATE_DISABLED || !port->up)
		put(j, VNET_DOCTOR_LINK, "port-forwarding", guest, NULL, false,
		    g_strdup_printf(_("Port %s of bridge %s is down (STP state disabled), so nothing passes it."),
				    port->name, br->name),
		    g_strdup_printf("ip link set %s up", port->name));
	else if (st == BR_STATE_LISTENING || st == BR_STATE_LEARNING)
		put(j, VNET_DOCTOR_LINK, "port-forwarding", guest, NULL, false,
		    g_strdup_printf(_("Port %s of bridge %s is in STP state %s and does not forward yet."),
				    port->name, br->name, stp_state_name(st)),
		    g_strdup(_("Wait a few seconds (the bridge's STP forward delay) and run doctor again.")));
	else
		put(j, VNET_DOCTOR_LINK, "port-forwarding", guest, NULL, false,
		    g_strdup_printf(_("Port %s of bridge %s is in STP state %s: STP stopped it to break a loop."),
				    port->name, br->name, stp_state_name(st)),
		    g_strdup_printf(_("Find the loop through %s (another port that reaches the same LAN) and remove it."),
				    port->name));
	if (port->mtu == br->mtu)
		put(j, VNET_DOCTOR_LINK, "port-mtu", guest, NULL, true,
		    g_strdup_printf(_("Port %s has the MTU of bridge %s (%u)."), port->name, br->name, br->mtu), NULL);
	else
		put(j, VNET_DOCTOR_LINK, "port-mtu", guest, NULL, false,
		    g_strdup_printf(_("Port %s has MTU %u but bridge %s has %u: larger packets are dropped."),
				    port->name, port->mtu, br->name, br->mtu),
		    g_strdup_printf("ip link set %s mtu %u", port->name, br->mtu));
}

/*
 * An Open vSwitch bridge's ports have no master in the kernel (under the
 * userspace datapath) and no STP: what OVSDB says of them is written into
 * the links as a Linux bridge's ports would have it, so every check of the
 * link layer reads them alike.
 */
static char *error_text(GError *e);

/* The guest ports of guarded OVS bridge @b that no flow of the guard's matches (what the watch missed). */
static void ovs_guard_read(vnet_doctor_facts *f, const vnet_ovs_bridge *b)
{
	g_autoptr(GError) e = NULL;
	g_autoptr(GPtrArray) stats = vnet_of_read(b->name, vnet_of_cookie(f->in->name), &e);

	if (!stats) {
		f->of_error = error_text(e);
		return;
	}
	f->ovs_unguarded = g_ptr_array_new_with_free_func(g_free);
	for (guint i = 0; i < b->ports->len; i++) {
		const vnet_ovs_port *p = b->ports->pdata[i];
		bool has = false;
		/* The ports vnet_of_guard_flows() writes flows for: not the bridge's own, not the uplink. */
		if (p->ofport <= 0 || g_strcmp0(p->name, b->name) == 0 || g_strcmp0(p->name, f->in->uplink) == 0)
			continue;
		for (guint k = 0; k < stats->len && !has; k++)
			has = ((const vnet_of_stat *)stats->pdata[k])->in_port == (guint32)p->ofport;
		if (!has)
			g_ptr_array_add(f->ovs_unguarded, g_strdup(p->name));
	}
}

static bool ovs_ports(vnet_doctor_facts *f, GError **error)
{
	g_autoptr(vnet_ovsdb) db = vnet_ovsdb_connect(NULL, error);
	g_autoptr(GPtrArray) bridges = NULL;
	const vnet_ovs_bridge *b;

	if (!db || !vnet_ovs_read(db, &bridges, error))
		return false;
	if (!(b = vnet_ovs_find_bridge(bridges, f->in->bridge)))
		return true;	/* the bridge-up check says so */
	for (guint i = 0; i < b->ports->len; i++) {
		const vnet_ovs_port *p = b->ports->pdata[i];
		for (guint k = 0; k < f->links->len; k++) {
			vnet_link_info *l = f->links->pdata[k];
			if (g_strcmp0(l->name, p->name) != 0 || g_strcmp0(l->name, b->name) == 0)
				continue;
			g_free(l->master);
			l->master = g_strdup(b->name);
			l->stp_state = l->up ? BR_STATE_FORWARDING : BR_STATE_DISABLED;
		}
	}
	if (vnet_intent_get_guard(f->in, true) != VNET_GUARD_OFF)
		ovs_guard_read(f, b);
	return true;
}

static void check_ovs_guard(judge *j, const char *br_name)
{
	const vnet_doctor_facts *f = j->f;
	g_autofree char *ports = NULL;

	if (f->of_error) {
		put(j, VNET_DOCTOR_LINK, "ovs-guard", NULL, NULL, false,
		    g_strdup_printf(_("The guard's flows on Open vSwitch bridge %s cannot be read: %s"), br_name, f->of_error),
		    g_strdup("systemctl restart openvswitch-switch"));
		return;
	}
	if (!f->ovs_unguarded)
		return;
	if (!f->ovs_unguarded->len) {
		put(j, VNET_DOCTOR_LINK, "ovs-guard", NULL, NULL, true,
		    g_strdup_printf(_("Every guest port of Open vSwitch bridge %s has the guard's flows."), br_name), NULL);
		return;
	}
	for (guint i = 0; i < f->ovs_unguarded->len; i++) {
		char *more = g_strjoin(", ", ports ? ports : f->ovs_unguarded->pdata[i],
				       ports ? f->ovs_unguarded->pdata[i] : NULL, NULL);
		g_free(ports);
		ports = more;
	}
	put(j, VNET_DOCTOR_LINK, "ovs-guard", NULL, NULL, false,
	    g_strdup_printf(_("The guest ports %s of Open vSwitch bridge %s have no guard flows: they joined after the last vnetctl command and no vnetctl watch wrote their flows, so they are unguarded."),
			    ports, br_name),
	    g_strdup(_("systemctl start vnetctl-watch (it guards ports as they join), or now: vnetctl restore")));
}

static bool bridge_up(judge *j, const char *br_name, const char *net)
{
	const vnet_link_info *br = find_link(j->f, br_name);

	if (j->f->ovs_error) {
		put(j, VNET_DOCTOR_LINK, "ovsdb", NULL, NULL, false,
		    g_strdup_printf(_("The Open vSwitch database does not answer, so the ports of bridge %s cannot be read: %s"),
				    br_name, j->f->ovs_error),
		    g_strdup("systemctl start openvswitch-switch"));
		return false;
	}
	if (!br) {
		put(j, VNET_DOCTOR_LINK, "bridge-up", NULL, NULL, false,
		    g_strdup_printf(_("The bridge %s does not exist."), br_name),
		    g_strdup_printf("virsh net-destroy %s\nvirsh net-start %s", net, net));
		return false;
	}
	if (!br->up) {
		put(j, VNET_DOCTOR_LINK, "bridge-up", NULL, NULL, false,
		    g_strdup_printf(_("The bridge %s is down."), br_name),
		    g_strdup_printf("ip link set %s up", br_name));
		return false;
	}
	put(j, VNET_DOCTOR_LINK, "bridge-up", NULL, NULL, true,
	    g_strdup_printf(_("The bridge %s is up."), br_name), NULL);
	return true;
}

static void check_uplink(judge *j, const char *lan)
{
	const char *up = j->f->in->uplink;
	const vnet_link_info *l = find_link(j->f, up);

	if (!up)
		return;
	if (!l)
		put(j, VNET_DOCTOR_LINK, "uplink", NULL, NULL, false,
		    g_strdup_printf(_("The uplink %s does not exist."), up),
		    g_strdup(_("Plug the network card back in, or give the network another uplink.")));
	else if (g_strcmp0(l->master, lan) != 0)
		put(j, VNET_DOCTOR_LINK, "uplink", NULL, NULL, false,
		    g_strdup_printf(_("The uplink %s is not a port of bridge %s, so the guests do not reach the LAN."), up, lan),
		    g_strdup_printf("ip link set %s master %s up", up, lan));
	else if (!l->carrier)
		put(j, VNET_DOCTOR_LINK, "uplink", NULL, NULL, false,
		    g_strdup_printf(_("The uplink %s has no carrier."), up),
		    g_strdup_printf(_("Check the cable or the switch port of %s."), up));
	else
		put(j, VNET_DOCTOR_LINK, "uplink", NULL, NULL, true,
		    g_strdup_printf(_("The uplink %s is a port of bridge %s and has carrier."), up, lan), NULL);
}

/* Whether port @name carries a guest of the facts (then its checks are the guest's). */
static bool port_of_guest(const vnet_doctor_facts *f, const char *name)
{
	for (guint i = 0; i < f->dguests->len; i++) {
		const vnet_doctor_guest *d = f->dguests->pdata[i];
		if (d->running && g_strcmp0(guest_port(f, d), name) == 0)
			return true;
	}
	return false;
}

static void link_network(judge *j, const char *br_name, bool own)
{
	const vnet_doctor_facts *f = j->f;
	const vnet_link_info *br;

	if (!bridge_up(j, br_name, f->in->name))
		return;
	br = find_link(f, br_name);
	if (!own)
		check_uplink(j, br_name);
	check_ovs_guard(j, br_name);
	/* The ports no guest is known on: an uplink, a guest doctor cannot name. */
	for (guint i = 0; i < f->links->len; i++) {
		const vnet_link_info *p = f->links->pdata[i];
		if (g_strcmp0(p->master, br_name) == 0 && (!own || !port_of_guest(f, p->name)))
			check_port(j, br, p, NULL);
	}
}

static void link_guest(judge *j, const vnet_doctor_guest *d)
{
	const vnet_doctor_facts *f = j->f;
	const char *br_name = f->in->bridge;
	const vnet_link_info *br = find_link(f, br_name);
	const char *port = guest_port(f, d);
	const vnet_link_info *p = find_link(f, port);

	if (!br)
		return;		/* said at the network */
	if (d->tap && !p) {
		put(j, VNET_DOCTOR_LINK, "guest-port", guest_name(d), NULL, false,
		    g_strdup_printf(_("The tap %s of guest %s does not exist."), d->tap, guest_name(d)),
		    g_strdup_printf(_("Restart the guest's NIC, or the guest (virsh destroy %s; virsh start %s)."),
				    guest_name(d), guest_name(d)));
		return;
	}
	if (d->tap && g_strcmp0(p->master, br_name) != 0) {
		put(j, VNET_DOCTOR_LINK, "guest-port", guest_name(d), NULL, false,
		    g_strdup_printf(_("The tap %s of guest %s is not a port of bridge %s."), d->tap, guest_name(d), br_name),
		    g_strdup_printf("ip link set %s master %s up", d->tap, br_name));
		return;
	}
	if (!p) {
		put(j, VNET_DOCTOR_LINK, "guest-port", guest_name(d), NULL, false,
		    g_strdup_printf(_("No port of bridge %s carries guest %s (MAC %s): its interface is detached from the bridge or down, or it has sent nothing."),
				    br_name, guest_name(d), d->g->mac),
		    g_strdup_printf(_("Attach the guest's interface to the bridge (ip link set DEVICE master %s up) and check that its link is up in the guest."),
				    br_name));
		return;
	}
	put(j, VNET_DOCTOR_LINK, "guest-port", guest_name(d), NULL, true,
	    g_strdup_printf(_("Guest %s is on port %s of bridge %s."), guest_name(d), port, br_name), NULL);
	check_port(j, br, p, guest_name(d));
}

/* The neighbour entry of @addr, or NULL. */
static const vnet_neigh *neigh_of(const vnet_doctor_facts *f, const char *addr)
{
	for (guint i = 0; addr && f->neigh && i < f->neigh->len; i++) {
		const vnet_neigh *n = f->neigh->pdata[i];
		if (g_strcmp0(n->addr, addr) == 0)
			return n;
	}
	return NULL;
}

/* Whether the host talked to @addr in the app step, so that a neighbour entry must exist. */
static bool contacted(const vnet_doctor_facts *f, const char *addr)
{
	for (guint i = 0; addr && i < f->forwards->len; i++) {
		const vnet_doctor_forward *d = f->forwards->pdata[i];
		if (d->guest_err >= 0 && g_strcmp0(vnet_target_get_address(d->target), addr) == 0)
			return true;
	}
	return false;
}

/* Another guest that claims @d's address with another MAC, or NULL. */
static const vnet_guest *address_twin(const vnet_doctor_facts *f, const vnet_doctor_guest *d)
{
	for (guint i = 0; d->g->addr && i < f->guests->len; i++) {
		const vnet_guest *o = f->guests->pdata[i];
		if (o != d->g && g_strcmp0(o->addr, d->g->addr) == 0 && g_ascii_strcasecmp(o->mac, d->g->mac) != 0 &&
		    o->how != VNET_GUEST_RESERVED)
			return o;
	}
	return NULL;
}

static void l2_guest(judge *j, const vnet_doctor_guest *d)
{
	const vnet_doctor_facts *f = j->f;
	const char *br = f->in->bridge, *name = guest_name(d), *addr = d->g->addr;
	const vnet_fdb_entry *e = fdb_of(f, d->g->mac);
	const vnet_neigh *n = neigh_of(f, addr);
	const vnet_guest *twin = address_twin(f, d);
	bool answered = n && n->mac && (n->state & (NUD_REACHABLE | NUD_STALE | NUD_DELAY | NUD_PROBE | NUD_PERMANENT | NUD_NOARP));

	if (!f->fdb_error && !find_link(f, br))
		return;
	if (f->fdb_error)
		unreadable(j, VNET_DOCTOR_L2, "fdb", name, NULL, f->fdb_error);
	else if (e)
		put(j, VNET_DOCTOR_L2, "fdb", name, NULL, true,
		    g_strdup_printf(_("Bridge %s has learned MAC %s on port %s."), br, d->g->mac, e->port), NULL);
	else
		put(j, VNET_DOCTOR_L2, "fdb", name, NULL, false,
		    g_strdup_printf(_("Bridge %s has not learned MAC %s on any port: no frame from the guest reached it."), br, d->g->mac),
		    g_strdup(_("Check that the guest runs, that its interface is up and attached to the bridge, and that its MAC is the one libvirt gave it.")));
	if (!addr)
		return;		/* L3 says it has no address */
	/*
	 * PROBE: when src/lib/probe.c (the active ARP probe) is there, send its
	 * requests for @addr before these two checks and judge from every
	 * answer it collects: then a guest the host never talked to is checked
	 * too, and two MACs answering one address are seen even when the
	 * neighbour table holds only the last one.
	 */
	if (f->neigh_error)
		unreadable(j, VNET_DOCTOR_L2, "neighbour", name, NULL, f->neigh_error);
	else if (answered && g_ascii_strcasecmp(n->mac, d->g->mac) == 0)
		put(j, VNET_DOCTOR_L2, "neighbour", name, NULL, true,
		    g_strdup_printf(_("The host's neighbour entry for %s on %s is MAC %s, the guest's."), addr, br, n->mac), NULL);
	else if (answered)
		put(j, VNET_DOCTOR_L2, "neighbour", name, NULL, false,
		    g_strdup_printf(_("The host's neighbour entry for %s on %s is MAC %s, not the guest's %s: another machine answers for the address."),
				    addr, br, n->mac, d->g->mac),
		    g_strdup_printf(_("Find the machine with MAC %s and give it another address, or give the guest another one."), n->mac));
	else if (n || contacted(f, addr))
		put(j, VNET_DOCTOR_L2, "neighbour", name, NULL, false,
		    g_strdup_printf(_("%s does not answer ARP on %s: the host has no working neighbour entry for it."), addr, br),
		    g_strdup_printf(_("Check that the guest has the address %s on its interface and is attached to bridge %s."), addr, br));
	else
		put(j, VNET_DOCTOR_L2, "neighbour", name, NULL, true,
		    g_strdup_printf(_("The host has no neighbour entry for %s yet (it has not talked to the guest), so none contradicts its MAC."), addr),
		    NULL);
	if (f->neigh_error)
		return;
	if (answered && g_ascii_strcasecmp(n->mac, d->g->mac) != 0 && e && fdb_of(f, n->mac))
		put(j, VNET_DOCTOR_L2, "one-mac", name, NULL, false,
		    g_strdup_printf(_("Two MACs answer %s on bridge %s: the guest's %s (port %s) and %s (port %s)."),
				    addr, br, d->g->mac, e->port, n->mac, fdb_of(f, n->mac)->port),
		    g_strdup_printf(_("Give the machine with MAC %s another address, or the guest another one."), n->mac));
	else if (twin)
		put(j, VNET_DOCTOR_L2, "one-mac", name, NULL, false,
		    g_strdup_printf(_("Two MACs claim %s on network \"%s\": the guest's %s and %s (by %s)."),
				    addr, f->in->name, d->g->mac, twin->mac, vnet_guest_get_source(twin)),
		    g_strdup_printf(_("Give one of the two machines another address, or reserve %s for one MAC with \"vnetctl attach\"."), addr));
	else
		put(j, VNET_DOCTOR_L2, "one-mac", name, NULL, true,
		    g_strdup_printf(_("Only MAC %s answers for %s, as far as the neighbour table and the bridge's forwarding database show."),
				    d->g->mac, addr), NULL);
}

static bool has_addr_on(const vnet_doctor_facts *f, const char *ifname, const vnet_addr *a, guint prefix)
{
	for (guint i = 0; i < f->host->addrs->len; i++) {
		const vnet_host_addr *h = &g_array_index(f->host->addrs, vnet_host_addr, i);
		if (g_strcmp0(h->ifname, ifname) == 0 && vnet_addr_equal(&h->cidr.addr, a) && h->cidr.prefix == prefix)
			return true;
	}
	return false;
}

static void forwarding(judge *j, int family, int value)
{
	const char *key = family == AF_INET ? "net.ipv4.ip_forward" : "net.ipv6.conf.all.forwarding";
	const char *id = family == AF_INET ? "ip-forward" : "ip6-forward";

	if (value < 0)
		put(j, VNET_DOCTOR_L3, id, NULL, NULL, false,
		    g_strdup_printf(_("Cannot read %s."), key), g_strdup(_("Check that /proc/sys is mounted.")));
	else if (value)
		put(j, VNET_DOCTOR_L3, id, NULL, NULL, true, g_strdup_printf(_("IP forwarding is on (%s = 1)."), key), NULL);
	else
		put(j, VNET_DOCTOR_L3, id, NULL, NULL, false,
		    g_strdup_printf(_("IP forwarding is off (%s = 0): nothing is routed between the guests and the outside."), key),
		    g_strdup_printf("sysctl -w %s=1", key));
}

static void gateway(judge *j, const vnet_cidr *subnet, const vnet_addr *gw)
{
	const vnet_doctor_facts *f = j->f;
	g_autofree char *a = vnet_addr_format(gw);
	g_autofree char *cidr = g_strdup_printf("%s/%u", a, subnet->prefix);

	if (has_addr_on(f, f->in->bridge, gw, subnet->prefix))
		put(j, VNET_DOCTOR_L3, "gateway", NULL, NULL, true,
		    g_strdup_printf(_("The bridge %s has the gateway address %s."), f->in->bridge, cidr), NULL);
	else
		put(j, VNET_DOCTOR_L3, "gateway", NULL, NULL, false,
		    g_strdup_printf(_("The bridge %s lacks the gateway address %s: the guests have no router."), f->in->bridge, cidr),
		    g_strdup_printf("ip address add %s dev %s", cidr, f->in->bridge));
}

static void dnsmasq(judge *j)
{
	const vnet_doctor_facts *f = j->f;
	g_autofree char *net = vnet_intent_network_name(f->in, 0);
	g_autofree char *restart = g_strdup_printf("virsh net-destroy %s\nvirsh net-start %s", net, net);

	if (!f->dnsmasq_expected)
		return;
	if (!f->dnsmasq_pid)
		put(j, VNET_DOCTOR_L3, "dnsmasq", NULL, NULL, false,
		    g_strdup_printf(_("libvirt's dnsmasq for network %s is not running (no pid file %s): no DHCP, no DNS."),
				    net, f->dnsmasq_pidfile),
		    g_steal_pointer(&restart));
	else if (!f->dnsmasq_alive)
		put(j, VNET_DOCTOR_L3, "dnsmasq", NULL, NULL, false,
		    g_strdup_printf(_("libvirt's dnsmasq for network %s (pid %lld in %s) is not running: no DHCP, no DNS."),
				    net, (long long)f->dnsmasq_pid, f->dnsmasq_pidfile),
		    g_steal_pointer(&restart));
	else
		put(j, VNET_DOCTOR_L3, "dnsmasq", NULL, NULL, true,
		    g_strdup_printf(_("libvirt's dnsmasq for network %s runs (pid %lld)."), net, (long long)f->dnsmasq_pid), NULL);
}

/* Routes of any table over @subnet that are not the bridge's own (a VPN, a LAN). */
static void routes(judge *j, const vnet_cidr *subnet)
{
	const vnet_doctor_facts *f = j->f;
	g_autofree char *s = vnet_cidr_format(subnet);
	bool found = false;

	for (guint i = 0; i < f->host->routes->len; i++) {
		const vnet_host_addr *r = &g_array_index(f->host->routes, vnet_host_addr, i);
		g_autofree char *o = NULL;
		if (r->cidr.prefix == 0 || g_strcmp0(r->ifname, f->in->bridge) == 0 || !vnet_cidr_overlaps(subnet, &r->cidr))
			continue;
		found = true;
		o = vnet_cidr_format(&r->cidr);
		put(j, VNET_DOCTOR_L3, "routes", NULL, NULL, false,
		    r->ifname ? g_strdup_printf(_("The route to %s via %s (a VPN or a LAN) overlaps the subnet %s: traffic to the guests may go there."), o, r->ifname, s)
			      : g_strdup_printf(_("The route to %s (a VPN or a LAN) overlaps the subnet %s: traffic to the guests may go there."), o, s),
		    g_strdup_printf(_("Remove the route to %s, or move the network to a subnet nothing else uses (vnetctl apply with another subnet)."), o));
	}
	if (!found)
		put(j, VNET_DOCTOR_L3, "routes", NULL, NULL, true,
		    g_strdup_printf(_("No route of any routing table but the bridge's own overlaps the subnet %s."), s), NULL);
}

/* A guest whose address the subnet does not hold: strict rp_filter drops its packets. */
static const vnet_guest *outside_subnet(const vnet_doctor_facts *f)
{
	for (guint i = 0; i < f->guests->len; i++) {
		const vnet_guest *g = f->guests->pdata[i];
		vnet_addr a;
		if (g->addr && vnet_addr_parse(g->addr, &a, NULL) && a.family == AF_INET &&
		    !vnet_cidr_contains(&f->in->subnet4, &a))
			return g;
	}
	return NULL;
}

static void rp_filter(judge *j)
{
	const vnet_doctor_facts *f = j->f;
	const char *br = f->in->bridge;
	/* The kernel applies the larger of conf/all and conf/BRIDGE. */
	int eff = MAX(f->rp_filter_all, f->rp_filter_br);
	const vnet_guest *g = eff == 1 ? outside_subnet(f) : NULL;

	if (f->rp_filter_br < 0)
		return;
	if (g)
		put(j, VNET_DOCTOR_L3, "rp-filter", NULL, NULL, false,
		    g_strdup_printf(_("Reverse-path filtering is strict on %s, and guest %s has the address %s outside the subnet: the kernel drops its packets."),
				    br, g->domain ? g->domain : g->mac, g->addr),
		    g_strdup_printf("sysctl -w net.ipv4.conf.%s.rp_filter=2%s", br,
				    f->rp_filter_all == 1 ? "\nsysctl -w net.ipv4.conf.all.rp_filter=2" : ""));
	else
		put(j, VNET_DOCTOR_L3, "rp-filter", NULL, NULL, true,
		    eff == 1 ? g_strdup_printf(_("Reverse-path filtering is strict on %s, and every guest's address routes back through it."), br)
		    : eff == 2 ? g_strdup_printf(_("Reverse-path filtering on %s is loose (2)."), br)
			       : g_strdup_printf(_("Reverse-path filtering on %s is off (0)."), br),
		    NULL);
}

static void l3_network(judge *j)
{
	const vnet_doctor_facts *f = j->f;
	const vnet_intent *in = f->in;

	if (vnet_mode_has_forwards(in->mode)) {
		forwarding(j, AF_INET, f->ip_forward);
		if (in->has_subnet6)
			forwarding(j, AF_INET6, f->ip6_forward);
	}
	if (f->host_error) {
		unreadable(j, VNET_DOCTOR_L3, "gateway", NULL, NULL, f->host_error);
	} else {
		if (in->has_subnet4 && in->has_gateway4)
			gateway(j, &in->subnet4, &in->gateway4);
		if (in->has_subnet6 && in->has_gateway6)
			gateway(j, &in->subnet6, &in->gateway6);
	}
	dnsmasq(j);
	if (!f->host_error) {
		if (in->has_subnet4)
			routes(j, &in->subnet4);
		if (in->has_subnet6)
			routes(j, &in->subnet6);
	}
	if (in->has_subnet4)
		rp_filter(j);
}

static void l3_guest(judge *j, const vnet_doctor_guest *d)
{
	const vnet_doctor_facts *f = j->f;
	const char *name = guest_name(d);

	switch (d->g->how) {
	case VNET_GUEST_RESERVED:
		put(j, VNET_DOCTOR_L3, "dhcp", name, NULL, true,
		    g_strdup_printf(_("A DHCP reservation gives MAC %s the address %s."), d->g->mac, d->g->addr), NULL);
		return;
	case VNET_GUEST_LEASED:
		put(j, VNET_DOCTOR_L3, "dhcp", name, NULL, true,
		    g_strdup_printf(_("MAC %s holds a DHCP lease of %s."), d->g->mac, d->g->addr), NULL);
		return;
	case VNET_GUEST_NO_ADDRESS:
		break;
	}
	put(j, VNET_DOCTOR_L3, "dhcp", name, NULL, false,
	    g_strdup_printf(_("MAC %s has no DHCP lease and no reservation on network \"%s\": the guest has no address yet."),
			    d->g->mac, f->in->name),
	    d->g->domain ? g_strdup_printf(_("Check the guest's DHCP client, or reserve an address for it: vnetctl attach %s %s --ip ADDRESS"),
					   f->in->name, d->g->domain)
			 : g_strdup(_("Check the guest's DHCP client and that libvirt's dnsmasq runs.")));
}

/* The guest at @addr, running or not, or NULL. */
static const vnet_doctor_guest *dguest_at(const vnet_doctor_facts *f, const char *addr)
{
	for (guint i = 0; addr && i < f->dguests->len; i++) {
		const vnet_doctor_guest *d = f->dguests->pdata[i];
		if (g_strcmp0(d->g->addr, addr) == 0)
			return d;
	}
	return NULL;
}

static void l3_forward(judge *j, const vnet_doctor_forward *d)
{
	const vnet_doctor_facts *f = j->f;
	g_autofree char *fw = forward_name(d);
	const char *addr = vnet_target_get_address(d->target), *how = vnet_target_get_how(d->target);
	const vnet_doctor_guest *g = dguest_at(f, addr);

	if (!addr)
		put(j, VNET_DOCTOR_L3, "target", NULL, fw, false, g_strdup(vnet_target_get_problem(d->target)),
		    g_strdup_printf(_("Name the guest in the forward, or reserve the default guest address for one: vnetctl attach %s DOMAIN"),
				    f->in->name));
	else if (g_strcmp0(how, "default address") == 0)
		put(j, VNET_DOCTOR_L3, "target", NULL, fw, false,
		    g_strdup_printf(_("The forward goes to the default guest address %s, which no guest holds: no lease, no reservation."), addr),
		    g_strdup_printf(_("Reserve it for a guest: vnetctl attach %s DOMAIN"), f->in->name));
	else if (g && !g->running)
		put(j, VNET_DOCTOR_L3, "target", NULL, fw, false,
		    g_strdup_printf(_("The forward goes to %s, the address of guest %s, which is not running."), addr, guest_name(g)),
		    g->g->domain ? g_strdup_printf("virsh start %s", g->g->domain) : g_strdup(_("Start the guest.")));
	else
		put(j, VNET_DOCTOR_L3, "target", NULL, fw, true,
		    g_strdup_printf(_("The forward goes to %s (by %s)."), addr, how), NULL);
}

static void table(judge *j)
{
	const vnet_doctor_facts *f = j->f;

	if (!f->table_read) {
		unreadable(j, VNET_DOCTOR_L4, "table", NULL, NULL, f->table_error);
	} else if (!f->table_marker && f->missing_chains->len == G_N_ELEMENTS(our_chains) - 1) {
		put(j, VNET_DOCTOR_L4, "table", NULL, NULL, false,
		    g_strdup(_("Table inet vnetctl is missing (a firewall reload or \"nft flush ruleset\" removed it): no NAT, no forwards.")),
		    g_strdup("vnetctl restore"));
	} else if (!f->table_marker || f->missing_chains->len) {
		g_autoptr(GString) chains = g_string_new(NULL);
		for (guint i = 0; i < f->missing_chains->len; i++)
			g_string_append_printf(chains, "%s%s", i ? ", " : "", (const char *)f->missing_chains->pdata[i]);
		put(j, VNET_DOCTOR_L4, "table", NULL, NULL, false,
		    f->missing_chains->len ? g_strdup_printf(_("Table inet vnetctl lacks its chains %s."), chains->str)
					   : g_strdup(_("Table inet vnetctl lacks its layout marker: it is not complete.")),
		    g_strdup("vnetctl restore"));
	} else {
		put(j, VNET_DOCTOR_L4, "table", NULL, NULL, true,
		    g_strdup(_("Table inet vnetctl is complete: its layout marker and its chains guard, pre, out, post and forwarding.")), NULL);
	}
}

static bool has_line(GPtrArray *lines, const char *line)
{
	for (guint i = 0; lines && i < lines->len; i++)
		if (g_strcmp0(lines->pdata[i], line) == 0)
			return true;
	return false;
}

/* The kernel's element with the key of @line ("fwd4 tcp . 8080" before " : "), or NULL. */
static const char *same_key(GPtrArray *kernel, const char *line)
{
	const char *colon = strstr(line, " : ");
	size_t n = colon ? (size_t)(colon - line) + 3 : 0;

	for (guint i = 0; n && i < kernel->len; i++)
		if (strncmp(kernel->pdata[i], line, n) == 0)
			return kernel->pdata[i];
	return NULL;
}

/* How many of @want the kernel lacks, and the first of them. */
static guint missing(const vnet_doctor_facts *f, GPtrArray *want, const char **ret_first)
{
	guint n = 0;

	*ret_first = NULL;
	for (guint i = 0; i < want->len; i++) {
		if (has_line(f->kernel_elems, want->pdata[i]))
			continue;
		if (!n++)
			*ret_first = want->pdata[i];
	}
	return n;
}

static void elements(judge *j)
{
	const vnet_doctor_facts *f = j->f;
	const char *first;
	guint n;

	if (!f->table_read || !f->table_marker)
		return;		/* the table check said it */
	n = missing(f, f->base_want, &first);
	if (n)
		put(j, VNET_DOCTOR_L4, "elements", NULL, NULL, false,
		    g_strdup_printf(g_dngettext(GETTEXT_PACKAGE,
						"%u element of the network is missing from table inet vnetctl: \"%s\".",
						"%u elements of the network are missing from table inet vnetctl, such as \"%s\".", n),
				    n, first),
		    g_strdup("vnetctl restore"));
	else
		put(j, VNET_DOCTOR_L4, "elements", NULL, NULL, true,
		    g_strdup_printf(g_dngettext(GETTEXT_PACKAGE, "Table inet vnetctl holds the network's %u element (its bridge and subnets).",
						"Table inet vnetctl holds the network's %u elements (its bridge and subnets).", f->base_want->len),
				    f->base_want->len),
		    NULL);
}

static const char *traffic_name(vnet_coexist_traffic t)
{
	switch (t) {
	case VNET_COEXIST_GUEST_OUT:
		return "guest-out";
	case VNET_COEXIST_GUEST_REPLY:
		return "guest-reply";
	case VNET_COEXIST_GUEST_FORWARDED:
		return "guest-forwarded";
	case VNET_COEXIST_HOST_DHCP:
		return "host-dhcp";
	case VNET_COEXIST_HOST_DNS:
		return "host-dns";
	}
	return "?";
}

/* Whether finding @fd concerns the network: its family is one the network has. */
static bool finding_relevant(const vnet_intent *in, const vnet_coexist_finding *fd)
{
	const char *fam = vnet_coexist_finding_family(fd);

	if (g_str_equal(fam, "ip"))
		return in->has_subnet4;
	if (g_str_equal(fam, "ip6"))
		return in->has_subnet6;
	return in->has_subnet4 || in->has_subnet6;
}

static char *blocked_what(const vnet_coexist_finding *fd, const char *br, const char *traffic)
{
	const char *fam = vnet_coexist_finding_family(fd), *t = vnet_coexist_finding_table(fd);
	const char *c = vnet_coexist_finding_chain(fd), *owner = vnet_coexist_owner_name(vnet_coexist_finding_owner(fd));

	switch (vnet_coexist_finding_verdict(fd)) {
	case VNET_COEXIST_POLICY_DROP:
		return g_strdup_printf(_("%s %s %s: policy drop, and the chain does not accept this traffic of bridge %s before it: %s (owner: %s)."),
				       fam, t, c, br, traffic, owner);
	case VNET_COEXIST_FINAL_DROP:
		return g_strdup_printf(_("%s %s %s: its last rule drops everything, and the chain does not accept this traffic of bridge %s before it: %s (owner: %s)."),
				       fam, t, c, br, traffic, owner);
	case VNET_COEXIST_FINAL_REJECT:
		return g_strdup_printf(_("%s %s %s: its last rule rejects everything, and the chain does not accept this traffic of bridge %s before it: %s (owner: %s)."),
				       fam, t, c, br, traffic, owner);
	}
	return NULL;
}

static char *ufw_key(const char *addr, guint port, vnet_proto proto)
{
	return g_strdup_printf("%s %u %s", addr, port, vnet_proto_to_string(proto));
}

/*
 * The `ufw route allow out on BRIDGE to GUEST port P proto PROTO` of each
 * forward that ufw-user-forward lacks, added to @fix (taken); with @ret_all,
 * whether it lacks none.
 */
static char *ufw_forward_commands(const vnet_doctor_facts *f, char *fix, bool *ret_all)
{
	GString *s = g_string_new(fix);

	g_free(fix);
	*ret_all = true;
	for (guint i = 0; i < f->forwards->len; i++) {
		const vnet_doctor_forward *d = f->forwards->pdata[i];
		const char *addr = vnet_target_get_address(d->target);
		const vnet_forward *x = d->fwd;
		g_autofree char *key = addr ? ufw_key(addr, x->guest_port, x->proto) : NULL;
		if (!addr || has_line(f->ufw_forwards, key))
			continue;
		g_autofree char *cmd = vnet_coexist_ufw_forward_command(f->in->bridge, addr, x->guest_port, x->guest_port_end,
									 vnet_proto_to_string(x->proto));
		*ret_all = false;
		g_string_append_printf(s, "%s%s", s->len ? "\n" : "", cmd);
	}
	return g_string_free(s, FALSE);
}

static void foreign_drops(judge *j)
{
	const vnet_doctor_facts *f = j->f;
	const vnet_intent *in = f->in;
	const char *br = in->bridge;
	vnet_coexist_traffic need[5];
	guint n_need = 0, bad = 0;

	if (!f->coexist) {
		unreadable(j, VNET_DOCTOR_L4, "foreign-drops", NULL, NULL, f->table_error);
		return;
	}
	if (vnet_mode_has_forwards(in->mode)) {
		need[n_need++] = VNET_COEXIST_GUEST_OUT;
		need[n_need++] = VNET_COEXIST_GUEST_REPLY;
		if (in->forwards->len)
			need[n_need++] = VNET_COEXIST_GUEST_FORWARDED;
	}
	if (in->dhcp)
		need[n_need++] = VNET_COEXIST_HOST_DHCP;
	need[n_need++] = VNET_COEXIST_HOST_DNS;
	for (guint i = 0; i < vnet_coexist_report_count(f->coexist); i++) {
		const vnet_coexist_finding *fd = vnet_coexist_report_get(f->coexist, i);
		g_autoptr(GString) traffic = g_string_new(NULL);
		g_autoptr(GError) local = NULL;
		g_autofree char *fix = NULL;
		bool ufw = vnet_coexist_finding_owner(fd) == VNET_COEXIST_UFW, forwarded = false, all = false;
		g_autofree char *ufw_fix = NULL;
		if (!finding_relevant(in, fd))
			continue;
		/* firewalld's chains accept what the zone of the bridge accepts: vnetctl's zone, or trusted */
		if (vnet_coexist_finding_owner(fd) == VNET_COEXIST_FIREWALLD && f->fw_zone &&
		    (g_str_equal(f->fw_zone, VNET_FIREWALLD_ZONE) || g_str_equal(f->fw_zone, "trusted")))
			continue;
		/* ufw has one rule per port forward, which only doctor, knowing the targets, can check. */
		if (ufw)
			ufw_fix = ufw_forward_commands(f, g_strdup(""), &all);
		for (guint k = 0; k < n_need; k++) {
			/* ufw's before-rules accept replies, in iptables matches the analysis cannot read. */
			if ((ufw && need[k] == VNET_COEXIST_GUEST_REPLY) || vnet_coexist_lets_through(fd, br, need[k]) ||
			    (ufw && all && need[k] == VNET_COEXIST_GUEST_FORWARDED))
				continue;
			g_string_append_printf(traffic, "%s%s", traffic->len ? ", " : "", traffic_name(need[k]));
			forwarded = forwarded || need[k] == VNET_COEXIST_GUEST_FORWARDED;
		}
		if (!traffic->len)
			continue;
		bad++;
		fix = vnet_coexist_fix_commands(fd, br, &local);
		if (ufw && forwarded) {
			g_autofree char *base = g_strchomp(fix ? fix : g_strdup(""));
			fix = *base && *ufw_fix ? g_strconcat(base, "\n", ufw_fix, NULL) : g_strconcat(base, ufw_fix, NULL);
		}
		if (!fix || !*fix) {
			g_free(fix);
			fix = local ? g_strdup(local->message)
				    : g_strdup_printf(_("Let the traffic of bridge %s through this chain before its drop (for firewalld: bind %s to a zone whose target is ACCEPT)."),
						      br, br);
		}
		g_strchomp(fix);
		put(j, VNET_DOCTOR_L4, "foreign-drops", NULL, NULL, false, blocked_what(fd, br, traffic->str),
		    g_steal_pointer(&fix));
	}
	if (!bad)
		put(j, VNET_DOCTOR_L4, "foreign-drops", NULL, NULL, true,
		    g_strdup_printf(_("No base chain of another table drops the traffic of bridge %s."), br), NULL);
}

static void element(judge *j, const vnet_doctor_forward *d)
{
	const vnet_doctor_facts *f = j->f;
	g_autofree char *fw = forward_name(d);
	const char *first, *other;
	guint n;

	if (!f->table_read || !f->table_marker || !d->want->len)
		return;		/* the table or target check said it */
	n = missing(f, d->want, &first);
	other = n ? same_key(f->kernel_elems, first) : NULL;
	if (!n)
		put(j, VNET_DOCTOR_L4, "element", NULL, fw, true,
		    g_strdup_printf(g_dngettext(GETTEXT_PACKAGE, "Table inet vnetctl holds the forward's %u element: \"%s\".",
						"Table inet vnetctl holds the forward's %u elements, such as \"%s\".", d->want->len),
				    d->want->len, (const char *)d->want->pdata[0]),
		    NULL);
	else if (other)
		put(j, VNET_DOCTOR_L4, "element", NULL, fw, false,
		    g_strdup_printf(_("Table inet vnetctl has \"%s\" where the forward needs \"%s\": it goes to an old target."), other, first),
		    g_strdup("vnetctl restore"));
	else
		put(j, VNET_DOCTOR_L4, "element", NULL, fw, false,
		    g_strdup_printf(g_dngettext(GETTEXT_PACKAGE, "%u element of the forward is missing from table inet vnetctl: \"%s\".",
						"%u elements of the forward are missing from table inet vnetctl, such as \"%s\".", n),
				    n, first),
		    g_strdup("vnetctl restore"));
}

/* Whether socket @s takes connections the forward @fw would get. */
static bool shadows(const vnet_sock_info *s, const vnet_forward *fw)
{
	if (s->proto != fw->proto || s->port < fw->host_port || s->port > MAX(fw->host_port, fw->host_port_end))
		return false;
	/* An IPv6 socket on every address takes IPv4 too (unless v6only, which sock_diag does not show). */
	if (s->family != fw->family && !(s->family == AF_INET6 && !s->has_addr))
		return false;
	return !s->has_addr || !fw->has_host_addr || vnet_addr_is_loopback(&s->addr) ||
	       (s->family == fw->family && vnet_addr_equal(&s->addr, &fw->host_addr));
}

static void listener(judge *j, const vnet_doctor_forward *d)
{
	const vnet_doctor_facts *f = j->f;
	g_autofree char *fw = forward_name(d);
	bool found = false;

	if (f->sockets_error) {
		unreadable(j, VNET_DOCTOR_L4, "listener", NULL, fw, f->sockets_error);
		return;
	}
	for (guint i = 0; i < f->sockets->len; i++) {
		const vnet_sock_info *s = &g_array_index(f->sockets, vnet_sock_info, i);
		const char *who = g_hash_table_lookup(f->sock_owner, &s->inode);
		g_autofree char *a = s->has_addr ? vnet_addr_format(&s->addr) : g_strdup(s->family == AF_INET ? "0.0.0.0" : "::");
		if (found || !shadows(s, d->fwd))
			continue;
		found = true;
		put(j, VNET_DOCTOR_L4, "listener", NULL, fw, false,
		    who ? g_strdup_printf(_("%s listens on %s port %u/%s on this host, but the forward's DNAT takes every connection to that port first: the process never gets one."),
					  who, a, s->port, vnet_proto_to_string(s->proto))
			: g_strdup_printf(_("A local process listens on %s port %u/%s on this host, but the forward's DNAT takes every connection to that port first: the process never gets one."),
					  a, s->port, vnet_proto_to_string(s->proto)),
		    g_strdup(_("Stop the local process or move it to another port, or give the forward another host port.")));
	}
	if (!found)
		put(j, VNET_DOCTOR_L4, "listener", NULL, fw, true,
		    g_strdup(_("No local process listens on the forward's host port.")), NULL);
}

static void conntrack(judge *j, const vnet_doctor_forward *d)
{
	g_autofree char *fw = forward_name(d);
	const char *addr = vnet_target_get_address(d->target);
	const vnet_forward *x = d->fwd;
	guint stale = 0;
	const char *first = NULL;

	if (d->peers_error) {
		unreadable(j, VNET_DOCTOR_L4, "conntrack", NULL, fw, d->peers_error);
		return;
	}
	if (!d->peers || !addr)
		return;
	for (guint i = 0; i < d->peers->len; i++) {
		g_auto(GStrv) p = g_strsplit(d->peers->pdata[i], " ", 2);
		guint64 port = 0;
		bool same = g_strv_length(p) == 2 && g_strcmp0(p[0], addr) == 0 &&
			    g_ascii_string_to_unsigned(p[1], 10, 0, 65535, &port, NULL) && port >= x->guest_port &&
			    port <= MAX(x->guest_port, x->guest_port_end);
		if (!same && !stale++)
			first = d->peers->pdata[i];
	}
	if (stale) {
		g_auto(GStrv) p = g_strsplit(first, " ", 2);
		put(j, VNET_DOCTOR_L4, "conntrack", NULL, fw, false,
		    g_strdup_printf(g_dngettext(GETTEXT_PACKAGE,
						"%u tracked connection through the forward goes to %s, not to its target %s.",
						"%u tracked connections through the forward go to %s or elsewhere, not to its target %s.", stale),
				    stale, p[0], addr),
		    g_strdup_printf("conntrack -D -p %s --orig-port-dst %u --reply-src %s", vnet_proto_to_string(x->proto),
				    x->host_port, p[0]));
	} else {
		put(j, VNET_DOCTOR_L4, "conntrack", NULL, fw, true,
		    g_strdup_printf(g_dngettext(GETTEXT_PACKAGE, "%u tracked connection through the forward, to its target %s.",
						"%u tracked connections through the forward, all to its target %s.", d->peers->len),
				    d->peers->len, addr),
		    NULL);
	}
}

static void app(judge *j, const vnet_doctor_forward *d)
{
	g_autofree char *fw = forward_name(d);

	if (d->guest_err == 0)
		put(j, VNET_DOCTOR_APP, "guest-connect", NULL, fw, true,
		    g_strdup_printf(_("A TCP connection from the host to the guest at %s succeeded."), d->guest_endpoint), NULL);
	else if (d->guest_err > 0)
		put(j, VNET_DOCTOR_APP, "guest-connect", NULL, fw, false,
		    g_strdup_printf(_("A TCP connection from the host to the guest at %s failed: %s."), d->guest_endpoint,
				    g_strerror(d->guest_err)),
		    g_strdup(d->guest_err == ECONNREFUSED
				     ? _("The guest answers, but nothing listens on that port: start the service in the guest, or check the guest's own firewall.")
				     : _("The guest does not answer: see the link, L2 and L3 checks above, and the guest's own firewall.")));
	if (d->forward_err == 0)
		put(j, VNET_DOCTOR_APP, "forward-connect", NULL, fw, true,
		    g_strdup_printf(_("A TCP connection from the host through the forward (%s) succeeded."), d->forward_endpoint), NULL);
	else if (d->forward_err > 0)
		put(j, VNET_DOCTOR_APP, "forward-connect", NULL, fw, false,
		    g_strdup_printf(_("A TCP connection from the host through the forward (%s) failed: %s."), d->forward_endpoint,
				    g_strerror(d->forward_err)),
		    g_strdup(d->guest_err == 0
				     ? _("The guest answers directly but not through the forward: see the L4 checks above (table, element, foreign drops).")
				     : _("The guest itself does not answer: see the guest-connect check.")));
}

/* Whether chassis @name runs ovn-controller: OVN's SB database has it. */
static bool chassis_known(const vnet_ovn_status *st, const char *name)
{
	for (guint i = 0; i < vnet_ovn_status_get_n_chassis(st); i++)
		if (g_strcmp0(vnet_ovn_status_get_chassis(st, i, NULL), name) == 0)
			return true;
	return false;
}

/*
 * Whether ovn-northd and the ovn-controllers of the chassis that matter
 * (those of the network's ports and its gateway) followed doctor's bump
 * of NB's nb_cfg: a dead one leaves SB as it was, ports "up" included.
 */
static void judge_ovn_follow(judge *j)
{
	const vnet_doctor_facts *f = j->f;
	const vnet_intent *in = f->in;
	const vnet_ovn_status *st = f->ovn;
	const char *const *gws = vnet_intent_get_ovn_gateways(in);

	if (st->follow_error) {
		put(j, VNET_DOCTOR_LINK, "ovn-northd", NULL, NULL, false,
		    g_strdup_printf(_("Doctor could not check whether ovn-northd and the chassis follow OVN's northbound database: %s"),
				    st->follow_error),
		    g_strdup(_("Doctor changes NB_Global's nb_cfg as \"ovn-nbctl --wait=hv sync\" does: let this host write the northbound database, and use OVN 20.06 or later (its southbound database has Chassis_Private).")));
		return;
	}
	if (st->northd >= 0)
		put(j, VNET_DOCTOR_LINK, "ovn-northd", NULL, NULL, st->northd == 1,
		    st->northd == 1
			    ? g_strdup(_("ovn-northd passes the northbound database's changes on to the southbound one."))
			    : g_strdup_printf(_("ovn-northd did not pass a change of the northbound database on to the southbound one within %d seconds: it is not running or hangs, so no change of network %s reaches the chassis."),
					      VNET_OVN_FOLLOW_SECONDS, in->name),
		    g_strdup(_("On the central host: systemctl start ovn-northd")));
	for (guint i = 0; i < vnet_ovn_status_get_n_chassis(st); i++) {
		const char *name = vnet_ovn_status_get_chassis(st, i, NULL);
		const vnet_ovn_chassis *c = st->chassis->pdata[i];
		g_autoptr(GPtrArray) on = g_ptr_array_new_with_free_func(g_free);
		g_autofree char *guests = NULL;
		int behind = vnet_ovn_chassis_behind(st, name);
		for (guint k = 0; k < vnet_ovn_status_get_n_ports(st); k++) {
			const char *dom, *port = vnet_ovn_status_get_port(st, k, &dom, NULL, NULL);
			if (g_strcmp0(vnet_ovn_status_get_port_chassis(st, k), name) == 0)
				g_ptr_array_add(on, g_strdup(dom ? dom : port));
		}
		/* only the chassis of this network matter, and only when SB says how far they are */
		if ((!on->len && !(gws && g_strv_contains(gws, name))) || behind < 0)
			continue;
		g_ptr_array_add(on, NULL);
		guests = g_strjoinv(", ", (char **)on->pdata);
		put(j, VNET_DOCTOR_LINK, "ovn-controller", name, NULL, !behind,
		    !behind ? g_strdup_printf(_("The ovn-controller of chassis %s follows OVN's changes."), name)
		    : on->len > 1
			    ? g_strdup_printf(_("The ovn-controller of chassis %s has not applied OVN's latest change (it is at nb_cfg %lld, OVN at %lld): it is not running or hangs, so what OVN changes no longer reaches the guests on it (%s), though OVN still shows their ports as they were."),
					      name, (long long)c->nb_cfg, (long long)st->want, guests)
			    : g_strdup_printf(_("The ovn-controller of chassis %s has not applied OVN's latest change (it is at nb_cfg %lld, OVN at %lld): it is not running or hangs, so what OVN changes no longer reaches it."),
					      name, (long long)c->nb_cfg, (long long)st->want),
		    g_strdup_printf(_("On chassis %s: systemctl restart ovn-controller"), name));
	}
}

/* The tunnels of this host's Open vSwitch to the other chassis, when this host is one. */
static void judge_tunnels_here(judge *j)
{
	const vnet_ovn_status *st = j->f->ovn;
	const char *local = vnet_ovn_status_get_local_chassis(st);

	for (guint i = 0; local && i < vnet_ovn_status_get_n_chassis(st); i++) {
		const char *iface, *bfd, *name = vnet_ovn_status_get_chassis(st, i, NULL);
		int t = vnet_ovn_status_get_chassis_tunnel(st, i, &iface, &bfd);
		if (t < 0)
			continue;
		if (t == 0)
			put(j, VNET_DOCTOR_LINK, "ovn-tunnel-here", name, NULL, false,
			    g_strdup_printf(_("This host (chassis %s) has no tunnel to chassis %s, so guests here and there cannot reach each other."),
					    local, name),
			    g_strdup_printf(_("On this host: systemctl restart ovn-controller; and check that the ovn-encap-ip of chassis %s is reachable from here."),
					    name));
		else if (bfd && g_strcmp0(bfd, "up") != 0)
			put(j, VNET_DOCTOR_LINK, "ovn-tunnel-here", name, NULL, false,
			    g_strdup_printf(_("The tunnel %s from this host to chassis %s is %s by BFD: chassis %s does not answer on the underlay (its Open vSwitch is down, or the path between the hosts is)."),
					    iface, name, bfd, name),
			    g_strdup_printf(_("Check Open vSwitch on chassis %s (systemctl status openvswitch-switch) and the path to its ovn-encap-ip from here."),
					    name));
		else
			put(j, VNET_DOCTOR_LINK, "ovn-tunnel-here", name, NULL, true,
			    bfd ? g_strdup_printf(_("This host has the tunnel %s to chassis %s, BFD up."), iface, name)
				: g_strdup_printf(_("This host has the tunnel %s to chassis %s."), iface, name),
			    NULL);
	}
}

/* An overlay network, from what OVN has of it. */
static void judge_ovn(judge *j)
{
	const vnet_doctor_facts *f = j->f;
	const vnet_intent *in = f->in;
	const vnet_ovn_status *st = f->ovn;
	const char *const *gws = vnet_intent_get_ovn_gateways(in);
	const char *running = NULL;

	if (!st) {
		put(j, VNET_DOCTOR_LINK, "ovn-nb", NULL, NULL, false,
		    g_strdup_printf(_("The OVN northbound database %s does not answer: %s"), in->ovn, f->ovn_error),
		    g_strdup(_("Start OVN's databases on the central host (systemctl start ovn-central), or give the network the right database with --ovn.")));
		return;
	}
	put(j, VNET_DOCTOR_LINK, "ovn-nb", NULL, NULL, true,
	    g_strdup_printf(_("The OVN northbound database %s answers."), in->ovn), NULL);
	if (!vnet_ovn_status_get_switch(st)) {
		put(j, VNET_DOCTOR_LINK, "ovn-switch", NULL, NULL, false,
		    g_strdup_printf(_("OVN has no logical switch of network %s."), in->name),
		    g_strdup_printf(_("Make it again: \"vnetctl apply\" with the network's intent (vnetctl xml, or its libvirt <metadata>), or \"vnetctl delete %s\" and create it anew."),
				    in->name));
		return;
	}
	put(j, VNET_DOCTOR_LINK, "ovn-switch", NULL, NULL, true,
	    g_strdup_printf(_("OVN has the logical switch of network %s."), in->name), NULL);
	if (!vnet_ovn_status_get_sb(st)) {
		put(j, VNET_DOCTOR_LINK, "ovn-sb", NULL, NULL, false,
		    g_strdup_printf(_("The OVN southbound database does not answer, so the ports' bindings and the chassis are not known: %s"),
				    vnet_ovn_status_get_sb_error(st)),
		    g_strdup_printf(_("Start it on the central host (systemctl start ovn-central), or name it with %s=tcp:HOST:6642."),
				    VNET_OVN_SB_ENV));
		return;
	}
	if (!vnet_ovn_status_get_n_chassis(st))
		put(j, VNET_DOCTOR_LINK, "ovn-chassis", NULL, NULL, false,
		    g_strdup_printf(_("No chassis runs ovn-controller, so no guest of network %s can be plugged in."), in->name),
		    g_strdup(_("systemctl start ovn-controller")));
	for (guint i = 0; i < vnet_ovn_status_get_n_chassis(st); i++) {
		const char *encaps, *name = vnet_ovn_status_get_chassis(st, i, &encaps);
		put(j, VNET_DOCTOR_LINK, "ovn-tunnel", name, NULL, encaps != NULL,
		    encaps ? g_strdup_printf(_("Chassis %s has the tunnel endpoint %s."), name, encaps)
			   : g_strdup_printf(_("Chassis %s has no tunnel endpoint: the other chassis cannot reach its guests."), name),
		    g_strdup(_("On that chassis: ovs-vsctl set Open_vSwitch . external_ids:ovn-encap-type=geneve external_ids:ovn-encap-ip=ITS_ADDRESS")));
	}
	judge_tunnels_here(j);
	judge_ovn_follow(j);
	for (guint k = 0; gws && gws[k]; k++)
		if (!running && chassis_known(st, gws[k]) && vnet_ovn_chassis_behind(st, gws[k]) != 1)
			running = gws[k];
	for (guint k = 0; gws && gws[k]; k++) {
		bool seen = chassis_known(st, gws[k]);
		char *what;
		if (seen && vnet_ovn_chassis_behind(st, gws[k]) == 1) {
			put(j, VNET_DOCTOR_L3, "ovn-gateway", gws[k], NULL, false,
			    g_strdup_printf(_("The gateway chassis %s of network %s does not follow OVN: its ovn-controller is not running or hangs, so the network's NAT and forwards may be down."),
					    gws[k], in->name),
			    g_strdup_printf(_("On chassis %s: systemctl restart ovn-controller"), gws[k]));
			continue;
		}
		if (seen)
			what = g_strdup_printf(_("The gateway chassis %s of network %s runs ovn-controller."), gws[k], in->name);
		else if (running)
			what = g_strdup_printf(_("The gateway chassis %s of network %s is not in OVN's southbound database: its ovn-controller is not running, so the network's NAT has one standby less and runs on chassis %s."),
					       gws[k], in->name, running);
		else
			what = g_strdup_printf(_("The gateway chassis %s of network %s is not in OVN's southbound database: its ovn-controller is not running, so the network's NAT and forwards are down."),
					       gws[k], in->name);
		put(j, VNET_DOCTOR_L3, "ovn-gateway", gws[k], NULL, seen, what,
		    g_strdup_printf(_("On chassis %s: systemctl start ovn-controller; or move the gateway with \"vnetctl apply\" and another --ovn-gateway."),
				    gws[k]));
	}
	for (guint i = 0; i < vnet_ovn_status_get_n_ports(st); i++) {
		const char *dom, *port = vnet_ovn_status_get_port(st, i, &dom, NULL, NULL);
		const char *chassis = vnet_ovn_status_get_port_chassis(st, i);
		const char *who = dom ? dom : port;
		bool up = vnet_ovn_status_get_port_up(st, i) > 0;
		char *what;
		if (vnet_ovn_status_get_port_stale(st, i)) {
			put(j, VNET_DOCTOR_L2, "ovn-port", who, NULL, false,
			    g_strdup_printf(_("The logical port %s of %s is bound to chassis %s, whose ovn-controller does not follow OVN: OVN still says the port is as it was, but whether its guest is connected is not known."),
					    port, who, chassis),
			    g_strdup_printf(_("On chassis %s: systemctl restart ovn-controller"), chassis));
			continue;
		}
		if (chassis && up)
			what = g_strdup_printf(_("The logical port %s of %s is up on chassis %s."), port, who, chassis);
		else if (chassis)
			what = g_strdup_printf(_("The logical port %s of %s is bound to chassis %s but not up: ovn-controller there has not installed its flows yet."),
					       port, who, chassis);
		else
			what = g_strdup_printf(_("The logical port %s of %s is down: no chassis has bound it, so its guest is not running or the ovn-controller of its hypervisor is not."),
					       port, who);
		put(j, VNET_DOCTOR_L2, "ovn-port", who, NULL, chassis && up, what,
		    g_strdup_printf(_("Start the guest (virsh start %s) on a hypervisor whose ovn-controller runs (systemctl start ovn-controller); its NIC's interfaceid must be %s."),
				    who, port));
	}
}

GPtrArray *vnet_doctor_judge(const vnet_doctor_facts *f)
{
	judge j = { .f = f, .out = g_ptr_array_new_with_free_func((GDestroyNotify)vnet_doctor_check_free) };
	const vnet_intent *in = f->in;
	g_autofree char *net = vnet_intent_network_name(in, 0);
	bool own = vnet_mode_has_own_bridge(in->mode);
	const char *lan = vnet_planner_lan_bridge(in);

	/* The libvirt network only plugs this host's guests into br-int: OVN says the rest, running or not. */
	if (in->mode == VNET_MODE_OVERLAY) {
		put(&j, VNET_DOCTOR_LINK, "network-active", NULL, NULL, f->active,
		    g_strdup_printf(f->active ? _("The libvirt network %s is running.") : _("The libvirt network %s is not running."), net),
		    g_strdup_printf("virsh net-start %s", net));
		judge_ovn(&j);
		return j.out;
	}
	if (!f->active) {
		put(&j, VNET_DOCTOR_LINK, "network-active", NULL, NULL, false,
		    g_strdup_printf(_("The libvirt network %s is not running."), net),
		    g_strdup_printf("virsh net-start %s", net));
		return j.out;
	}
	put(&j, VNET_DOCTOR_LINK, "network-active", NULL, NULL, true,
	    g_strdup_printf(_("The libvirt network %s is running."), net), NULL);
	/* ---- link ---- */
	if (f->links_error) {
		unreadable(&j, VNET_DOCTOR_LINK, "bridge-up", NULL, NULL, f->links_error);
	} else {
		if (own)
			link_network(&j, in->bridge, true);
		if (lan)
			link_network(&j, lan, false);
		for (guint i = 0; own && i < f->dguests->len; i++)
			if (((vnet_doctor_guest *)f->dguests->pdata[i])->running)
				link_guest(&j, f->dguests->pdata[i]);
	}
	if (!own)
		return j.out;	/* the rest is the LAN's: its router, its DHCP server */
	/* ---- L2 ---- */
	for (guint i = 0; !f->links_error && i < f->dguests->len; i++)
		if (((vnet_doctor_guest *)f->dguests->pdata[i])->running)
			l2_guest(&j, f->dguests->pdata[i]);
	/* ---- L3 ---- */
	l3_network(&j);
	for (guint i = 0; i < f->dguests->len; i++)
		if (((vnet_doctor_guest *)f->dguests->pdata[i])->running)
			l3_guest(&j, f->dguests->pdata[i]);
	for (guint i = 0; i < f->forwards->len; i++)
		l3_forward(&j, f->forwards->pdata[i]);
	/* ---- L4 ---- */
	table(&j);
	elements(&j);
	foreign_drops(&j);
	for (guint i = 0; i < f->forwards->len; i++) {
		element(&j, f->forwards->pdata[i]);
		listener(&j, f->forwards->pdata[i]);
		conntrack(&j, f->forwards->pdata[i]);
	}
	/* ---- app ---- */
	for (guint i = 0; i < f->forwards->len; i++)
		app(&j, f->forwards->pdata[i]);
	return j.out;
}

/* ---- gathering: reads only ---- */

static int read_int(const char *path)
{
	g_autofree char *text = NULL;
	gint64 v;

	if (!g_file_get_contents(path, &text, NULL, NULL))
		return -1;
	v = g_ascii_strtoll(text, NULL, 10);
	return v < 0 || v > 2 ? -1 : (int)v;
}

static char *error_text(GError *e)
{
	return g_strdup(e ? e->message : _("Unknown error."));
}

/* A non-blocking TCP connect to @a:@port, waiting CONNECT_TIMEOUT_MS: 0, or the errno. */
static int tcp_connect(const vnet_addr *a, guint16 port)
{
	struct sockaddr_storage ss = { 0 };
	socklen_t len;
	int fd, err = 0;
	socklen_t elen = sizeof(err);
	struct pollfd p;

	if (a->family == AF_INET) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		memcpy(&s4->sin_addr, a->b, 4);
		len = sizeof(*s4);
	} else {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		memcpy(&s6->sin6_addr, a->b, 16);
		len = sizeof(*s6);
	}
	fd = socket(a->family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return errno;
	if (connect(fd, (struct sockaddr *)&ss, len) == 0) {
		close(fd);
		return 0;
	}
	if (errno != EINPROGRESS) {
		err = errno;
		close(fd);
		return err;
	}
	p = (struct pollfd){ .fd = fd, .events = POLLOUT };
	if (poll(&p, 1, CONNECT_TIMEOUT_MS) <= 0)
		err = ETIMEDOUT;
	else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) < 0)
		err = errno;
	close(fd);
	return err;
}

static char *endpoint(const vnet_addr *a, guint port)
{
	g_autofree char *s = vnet_addr_format(a);

	return a->family == AF_INET6 ? g_strdup_printf("[%s]:%u", s, port) : g_strdup_printf("%s:%u", s, port);
}

/* Whether @ifname is the bridge of a network vnetctl manages. */
static bool on_our_bridge(const vnet_host *host, const char *ifname)
{
	for (guint i = 0; ifname && i < host->intents->len; i++) {
		const vnet_intent *o = host->intents->pdata[i];
		if (g_strcmp0(o->bridge, ifname) == 0)
			return true;
	}
	return false;
}

/*
 * The host address the forward-connect goes to: the forward's own, else a
 * global one not on one of our bridges (as from the LAN), else the gateway.
 */
static bool host_address(const vnet_doctor_facts *f, const vnet_forward *fw, vnet_addr *ret)
{
	if (fw->has_host_addr) {
		*ret = fw->host_addr;
		return true;
	}
	for (guint i = 0; i < f->host->addrs->len; i++) {
		const vnet_host_addr *h = &g_array_index(f->host->addrs, vnet_host_addr, i);
		const guint8 *b = h->cidr.addr.b;
		if (h->cidr.addr.family != fw->family || vnet_addr_is_loopback(&h->cidr.addr) ||
		    on_our_bridge(f->host, h->ifname) || (fw->family == AF_INET6 && b[0] == 0xfe && (b[1] & 0xc0) == 0x80))
			continue;
		*ret = h->cidr.addr;
		return true;
	}
	if (fw->family == AF_INET && f->in->has_gateway4) {
		*ret = f->in->gateway4;
		return true;
	}
	if (fw->family == AF_INET6 && f->in->has_gateway6) {
		*ret = f->in->gateway6;
		return true;
	}
	return false;
}

static void app_connects(vnet_doctor_facts *f)
{
	for (guint i = 0; i < f->forwards->len; i++) {
		vnet_doctor_forward *d = f->forwards->pdata[i];
		const char *t = vnet_target_get_address(d->target);
		vnet_addr ga, ha;
		if (d->fwd->proto != VNET_PROTO_TCP)
			continue;	/* UDP has no handshake to tell an answer from silence */
		if (t && vnet_addr_parse(t, &ga, NULL)) {
			d->guest_endpoint = endpoint(&ga, d->fwd->guest_port);
			d->guest_err = tcp_connect(&ga, d->fwd->guest_port);
		}
		if (t && host_address(f, d->fwd, &ha)) {
			d->forward_endpoint = endpoint(&ha, d->fwd->host_port);
			d->forward_err = tcp_connect(&ha, d->fwd->host_port);
		}
	}
}

/* libvirt's taps carry the guest's MAC with fe as the first byte. */
static const char *tap_of(const vnet_doctor_facts *f, GPtrArray *taps, const char *mac)
{
	for (guint i = 0; taps && i < taps->len; i++) {
		const vnet_link_info *l = find_link(f, taps->pdata[i]);
		if (l && l->mac && mac && strlen(mac) == 17 && g_ascii_strcasecmp(l->mac + 2, mac + 2) == 0)
			return taps->pdata[i];
	}
	return NULL;
}

static void read_guests(vnet_doctor_facts *f, vnet_ctx *ctx, const char *net)
{
	g_autoptr(GError) local = NULL;
	g_autoptr(GPtrArray) guests = vnet_ctx_guests(ctx, f->in->name, &local);
	g_autoptr(GPtrArray) targets = guests ? vnet_ctx_targets(ctx, f->in->name, NULL) : NULL;
	g_autoptr(GHashTable) nics = vnet_virt_network_nics(vnet_ctx_virt(ctx), net, NULL);
	g_autoptr(GPtrArray) taps = vnet_virt_network_taps(vnet_ctx_virt(ctx), net, NULL);

	if (guests) {
		g_ptr_array_extend_and_steal(f->guests, g_steal_pointer(&guests));
	}
	if (targets)
		g_ptr_array_extend_and_steal(f->targets, g_steal_pointer(&targets));
	for (guint i = 0; i < f->guests->len; i++) {
		const vnet_guest *g = f->guests->pdata[i];
		const char *dom = nics ? g_hash_table_lookup(nics, g->mac) : NULL;
		bool running = (dom && dom[0] != '!') || g->how == VNET_GUEST_LEASED;
		g_ptr_array_add(f->dguests, vnet_doctor_guest_new(g, running, dom && dom[0] != '!' ? tap_of(f, taps, g->mac) : NULL));
	}
}

/* The element lines of @in with only forward @fw (NULL: none), minus @base. */
static GPtrArray *elements_of(const vnet_intent *in, const vnet_forward *fw, GHashTable *targets, GPtrArray *base)
{
	g_autoptr(vnet_intent) one = vnet_intent_copy_bare(in);
	g_autoptr(GPtrArray) all = NULL;
	GPtrArray *out = g_ptr_array_new_with_free_func(g_free);

	if (fw)
		g_ptr_array_add(one->forwards, vnet_forward_copy(fw));
	all = vnet_nft_intent_elements(one, targets);
	for (guint i = 0; i < all->len; i++)
		if (!base || !has_line(base, all->pdata[i]))
			g_ptr_array_add(out, g_strdup(all->pdata[i]));
	return out;
}

static void read_ufw_forwards(vnet_doctor_facts *f, json_t *arr);

/* Our chains the ruleset @json lacks, and ufw's forward rules. */
static void read_chains(vnet_doctor_facts *f, const char *json)
{
	json_t *root = json_loads(json, 0, NULL);
	json_t *arr = json_object_get(root, "nftables"), *item;
	size_t i;

	read_ufw_forwards(f, arr);
	for (guint k = 0; our_chains[k]; k++) {
		bool found = false;
		json_array_foreach(arr, i, item) {
			json_t *c = json_object_get(item, "chain");
			if (c && g_strcmp0(json_string_value(json_object_get(c, "family")), VNET_NFT_FAMILY) == 0 &&
			    g_strcmp0(json_string_value(json_object_get(c, "table")), VNET_NFT_TABLE) == 0 &&
			    g_strcmp0(json_string_value(json_object_get(c, "name")), our_chains[k]) == 0)
				found = true;
		}
		if (!found)
			g_ptr_array_add(f->missing_chains, g_strdup(our_chains[k]));
	}
	json_decref(root);
}

/*
 * The rules `ufw route allow out on BRIDGE to ADDRESS port P proto PROTO`
 * wrote into ufw-user-forward (iptables-nft, so plain nft matches): out on
 * @f's bridge, to one address, one port, accept, and nothing else.
 */
static void read_ufw_forwards(vnet_doctor_facts *f, json_t *arr)
{
	json_t *item;
	size_t i;

	json_array_foreach(arr, i, item) {
		json_t *r = json_object_get(item, "rule"), *e, *expr = json_object_get(r, "expr");
		const char *oif = NULL, *daddr = NULL, *proto = NULL;
		json_int_t port = 0;
		bool accept = false, other = false;
		size_t k;
		if (!r || g_strcmp0(json_string_value(json_object_get(r, "chain")), "ufw-user-forward") != 0)
			continue;
		json_array_foreach(expr, k, e) {
			json_t *m = json_object_get(e, "match"), *left = json_object_get(m, "left");
			json_t *right = json_object_get(m, "right");
			json_t *meta = json_object_get(left, "meta"), *pl = json_object_get(left, "payload");
			const char *field = json_string_value(json_object_get(pl, "field"));
			if (json_object_get(e, "counter"))
				continue;
			if (json_object_get(e, "accept")) {
				accept = true;
			} else if (m && g_strcmp0(json_string_value(json_object_get(m, "op")), "==") == 0 && meta &&
				   g_strcmp0(json_string_value(json_object_get(meta, "key")), "oifname") == 0) {
				oif = json_string_value(right);
			} else if (m && pl && g_strcmp0(field, "daddr") == 0) {
				daddr = json_string_value(right);
			} else if (m && pl && g_strcmp0(field, "dport") == 0 && json_is_integer(right)) {
				proto = json_string_value(json_object_get(pl, "protocol"));
				port = json_integer_value(right);
			} else if (!(m && meta && g_strcmp0(json_string_value(json_object_get(meta, "key")), "l4proto") == 0)) {
				other = true;
			}
		}
		if (accept && !other && oif && daddr && proto && port > 0 && port < 65536 && f->in->bridge &&
		    g_str_equal(oif, f->in->bridge)) {
			vnet_proto p;
			if (vnet_proto_from_string(proto, &p))
				g_ptr_array_add(f->ufw_forwards, ufw_key(daddr, (guint)port, p));
		}
	}
}

static void read_nft(vnet_doctor_facts *f, vnet_ctx *ctx, GHashTable *targets)
{
	g_autoptr(GError) local = NULL;
	g_autofree char *json = NULL;
	g_autoptr(GPtrArray) kernel = NULL;

	if (!vnet_coexist_read_ruleset(&json, &local) || !(f->coexist = vnet_coexist_parse(json, &local)) ||
	    !vnet_nft_read_elements(vnet_ctx_nft(ctx), &kernel, &local)) {
		f->table_error = error_text(local);
		return;
	}
	f->table_read = true;
	f->table_marker = vnet_nft_table_present(vnet_ctx_nft(ctx));
	read_chains(f, json);
	g_ptr_array_extend_and_steal(f->kernel_elems, g_steal_pointer(&kernel));
	g_ptr_array_unref(f->base_want);
	f->base_want = elements_of(f->in, NULL, targets, NULL);
	for (guint i = 0; i < f->forwards->len; i++) {
		vnet_doctor_forward *d = f->forwards->pdata[i];
		g_ptr_array_unref(d->want);
		d->want = elements_of(f->in, d->fwd, targets, f->base_want);
	}
}

/* "COMMAND (pid N)" of the process holding socket @inode, or NULL. */
static char *socket_owner(guint64 inode)
{
	g_autofree char *want = g_strdup_printf("socket:[%" G_GUINT64_FORMAT "]", inode);
	g_autoptr(GDir) proc = g_dir_open("/proc", 0, NULL);
	const char *pid;

	while (proc && (pid = g_dir_read_name(proc))) {
		g_autofree char *fds = NULL;
		g_autoptr(GDir) d = NULL;
		const char *fd;
		if (!g_ascii_isdigit(pid[0]))
			continue;
		fds = g_build_filename("/proc", pid, "fd", NULL);
		d = g_dir_open(fds, 0, NULL);
		while (d && (fd = g_dir_read_name(d))) {
			g_autofree char *path = g_build_filename(fds, fd, NULL);
			g_autofree char *link = g_file_read_link(path, NULL);
			g_autofree char *comm_path = NULL, *comm = NULL;
			if (g_strcmp0(link, want) != 0)
				continue;
			comm_path = g_build_filename("/proc", pid, "comm", NULL);
			if (g_file_get_contents(comm_path, &comm, NULL, NULL))
				g_strstrip(comm);
			return g_strdup_printf("%s (pid %s)", comm ? comm : "?", pid);
		}
	}
	return NULL;
}

static void read_sockets(vnet_doctor_facts *f)
{
	g_autoptr(GError) local = NULL;
	g_autoptr(GArray) socks = NULL;

	if (!vnet_link_read_sockets(&socks, &local)) {
		f->sockets_error = error_text(local);
		return;
	}
	g_array_unref(f->sockets);
	f->sockets = g_steal_pointer(&socks);
	/* Only the processes that matter are looked for: /proc/PID/fd is long. */
	for (guint i = 0; i < f->sockets->len; i++) {
		const vnet_sock_info *s = &g_array_index(f->sockets, vnet_sock_info, i);
		for (guint k = 0; k < f->forwards->len; k++) {
			const vnet_doctor_forward *d = f->forwards->pdata[k];
			char *who;
			if (!shadows(s, d->fwd) || g_hash_table_contains(f->sock_owner, &s->inode))
				continue;
			if ((who = socket_owner(s->inode)))
				g_hash_table_insert(f->sock_owner, g_memdup2(&s->inode, sizeof(s->inode)), who);
		}
	}
}

static void read_dnsmasq(vnet_doctor_facts *f, const char *net)
{
	g_autofree char *text = NULL, *comm_path = NULL, *comm = NULL;

	f->dnsmasq_expected = f->in->has_subnet4 || f->in->has_subnet6;
	f->dnsmasq_pidfile = g_strdup_printf("/run/libvirt/network/%s.pid", net);
	if (!g_file_get_contents(f->dnsmasq_pidfile, &text, NULL, NULL))
		return;
	f->dnsmasq_pid = g_ascii_strtoll(text, NULL, 10);
	if (f->dnsmasq_pid <= 1)
		return;
	comm_path = g_strdup_printf("/proc/%" G_GINT64_FORMAT "/comm", f->dnsmasq_pid);
	f->dnsmasq_alive = g_file_get_contents(comm_path, &comm, NULL, NULL) && g_str_equal(g_strstrip(comm), "dnsmasq");
}

/* Whether OVN follows NB, on the chassis that matter to @in: those of its ports and its gateway. */
static void ovn_follow(vnet_ovn_status *st, const vnet_intent *in)
{
	g_autoptr(GPtrArray) watch = g_ptr_array_new();

	for (guint i = 0; i < vnet_ovn_status_get_n_ports(st); i++)
		if (vnet_ovn_status_get_port_chassis(st, i))
			g_ptr_array_add(watch, (gpointer)vnet_ovn_status_get_port_chassis(st, i));
	if (vnet_intent_get_ovn_gateway(in))
		g_ptr_array_add(watch, (gpointer)vnet_intent_get_ovn_gateway(in));
	g_ptr_array_add(watch, NULL);
	vnet_ovn_follow(st, in->ovn, (const char *const *)watch->pdata);
}

vnet_doctor_facts *vnet_doctor_gather(vnet_ctx *ctx, const vnet_intent *in, bool active, GError **error)
{
	g_autoptr(vnet_doctor_facts) f = vnet_doctor_facts_new(in);
	g_autofree char *net = vnet_intent_network_name(in, 0);
	g_autofree char *rp = NULL;
	g_autoptr(GHashTable) targets = NULL;
	g_autoptr(GPtrArray) links = NULL, fdb = NULL, neigh = NULL;
	g_autoptr(GError) local = NULL;

	if (!vnet_ctx_is_local(ctx)) {
		vnet_set_error(error, VNET_ERROR_INVALID,
			       _("doctor reads this host's kernel, but the connection is to another host; run it there."));
		return NULL;
	}
	f->active = active;
	if (in->mode == VNET_MODE_OVERLAY) {
		if (!(f->ovn = vnet_ovn_read_status(in->ovn, in->name, &local)))
			f->ovn_error = error_text(local);
		else
			ovn_follow(f->ovn, in);
		return g_steal_pointer(&f);
	}
	if (!active)
		return g_steal_pointer(&f);
	if (vnet_link_read_infos(&links, &local)) {
		g_ptr_array_unref(f->links);
		f->links = g_steal_pointer(&links);
	} else {
		f->links_error = error_text(local);
		g_clear_error(&local);
	}
	if (in->vswitch == VNET_SWITCH_OVS && !ovs_ports(f, &local)) {
		f->ovs_error = error_text(local);
		g_clear_error(&local);
	}
	if (!vnet_link_read_host(f->host, &local)) {
		f->host_error = error_text(local);
		g_clear_error(&local);
	}
	read_guests(f, ctx, net);
	for (guint i = 0; i < in->forwards->len && i < f->targets->len; i++)
		g_ptr_array_add(f->forwards, vnet_doctor_forward_new(in->forwards->pdata[i], f->targets->pdata[i]));
	f->ip_forward = vnet_link_get_forwarding(AF_INET);
	f->ip6_forward = vnet_link_get_forwarding(AF_INET6);
	f->rp_filter_all = read_int("/proc/sys/net/ipv4/conf/all/rp_filter");
	rp = g_strdup_printf("/proc/sys/net/ipv4/conf/%s/rp_filter", in->bridge);
	f->rp_filter_br = in->bridge ? read_int(rp) : -1;
	read_dnsmasq(f, net);
	targets = vnet_guests_targets(in, f->guests);
	read_nft(f, ctx, targets);
	if (in->bridge) {
		g_autofree char *perm = NULL;
		bool present = false;
		if (!vnet_firewalld_get_zones(in->bridge, &present, &f->fw_zone, &perm, NULL) || !present)
			g_clear_pointer(&f->fw_zone, g_free);
	}
	read_sockets(f);
	/* Before the L2 reads: the connects make the host and the bridge learn the guests anew. */
	app_connects(f);
	if (in->bridge && vnet_mode_has_own_bridge(in->mode)) {
		if (vnet_fdb_read(in->bridge, &fdb, &local)) {
			g_ptr_array_unref(f->fdb);
			f->fdb = g_steal_pointer(&fdb);
		} else {
			f->fdb_error = error_text(local);
			g_clear_error(&local);
		}
		if (vnet_neigh_read(in->bridge, AF_INET, &neigh, &local)) {
			g_ptr_array_unref(f->neigh);
			f->neigh = g_steal_pointer(&neigh);
		} else {
			f->neigh_error = error_text(local);
			g_clear_error(&local);
		}
	}
	for (guint i = 0; i < f->forwards->len; i++) {
		vnet_doctor_forward *d = f->forwards->pdata[i];
		if (!d->want->len)
			continue;
		if (!vnet_conntrack_forward_peers(d->want->pdata[0], &d->peers, &local)) {
			d->peers_error = error_text(local);
			g_clear_error(&local);
		}
	}
	return g_steal_pointer(&f);
}

GPtrArray *vnet_ctx_doctor(vnet_ctx *ctx, const char *name, GError **error)
{
	g_autoptr(GPtrArray) intents = NULL;
	GPtrArray *out = g_ptr_array_new_with_free_func((GDestroyNotify)vnet_doctor_check_free);

	if (name) {
		vnet_intent *in = vnet_ctx_get(ctx, name, NULL, error);
		if (!in) {
			g_ptr_array_unref(out);
			return NULL;
		}
		intents = g_ptr_array_new_with_free_func((GDestroyNotify)vnet_intent_free);
		g_ptr_array_add(intents, in);
	} else if (!(intents = vnet_ctx_list(ctx, error))) {
		g_ptr_array_unref(out);
		return NULL;
	}
	for (guint i = 0; i < intents->len; i++) {
		const vnet_intent *in = intents->pdata[i];
		g_autoptr(vnet_doctor_facts) f = vnet_doctor_gather(ctx, in, vnet_ctx_is_active(ctx, in), error);
		g_autoptr(GPtrArray) checks = NULL;
		if (!f) {
			g_ptr_array_unref(out);
			return NULL;
		}
		checks = vnet_doctor_judge(f);
		g_ptr_array_extend_and_steal(out, g_steal_pointer(&checks));
	}
	return out;
}
