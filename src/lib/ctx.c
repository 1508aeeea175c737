/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "context.h"
#include "docker.h"
#include "foreign.h"
#include "guests.h"
#include "hook.h"
#include "netlink.h"
#include "netxml.h"
#include "nft.h"
#include "openflow.h"
#include "ovsdb.h"
#include "ovn.h"
#include "planner.h"
#include "revert.h"
#include "trace.h"
#include "txn.h"
#include "validate.h"
#include "virt.h"
#include "util.h"
#include "xml.h"

struct vnet_ctx {
	vnet_virt *virt;
	bool local;		/* libvirtd shares our kernel: we do the host side */
	vnet_nft *nft;
	vnet_exec exec;		/* the steps' backend: virt, nft, local */
	char *journal;
	int lock_fd;
	guint confirm_timeout;	/* seconds an uplink takeover waits for confirm; 0: never waits */
	char *session_addr;	/* the address an admin's session reaches us on */
	GArray *session_ports;	/* guint16: the local listeners an admin's session comes to */
	GPtrArray *notices;	/* vnet_notice *: of the last operation (foreign.h) */
};

/* ---- lock ---- */

/* The host-wide lock every command (and `vnetctl watch`) holds while it changes anything: its fd, or -1. */
int vnet_lock_host(GError **error)
{
	const char *path = g_getenv("VNET_LOCK_PATH") ? g_getenv("VNET_LOCK_PATH") : VNET_LOCK_DEFAULT;
	/* Bounded: a peer that holds the lock longer than this is stuck. */
	const gint64 deadline = g_get_monotonic_time() + 120 * G_USEC_PER_SEC;
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);

	if (fd < 0) {
		vnet_set_error(error, VNET_ERROR_FAILED,
			    _("Cannot open the lock file %s: %s."), path, g_strerror(errno));
		return -1;
	}
	/* flock dies with its holder, so a killed vnetctl leaves no stale lock. */
	while (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		if (errno != EWOULDBLOCK || g_get_monotonic_time() > deadline) {
			vnet_set_error(error, VNET_ERROR_FAILED,
				    _("Another vnetctl has held the lock %s for two minutes; try again when it is done."),
				    path);
			close(fd);
			return -1;
		}
		g_usleep(50 * 1000);
	}
	return fd;
}

bool vnet_ctx_lock(vnet_ctx *ctx, GError **error)
{
	if (ctx->lock_fd < 0)
		ctx->lock_fd = vnet_lock_host(error);
	return ctx->lock_fd >= 0;
}

void vnet_ctx_unlock(vnet_ctx *ctx)
{
	if (ctx->lock_fd >= 0) {
		close(ctx->lock_fd);
		ctx->lock_fd = -1;
	}
}

/* ---- context ---- */

vnet_ctx *vnet_ctx_new(const char *uri, GError **error)
{
	g_autoptr(vnet_virt) virt = vnet_virt_open(uri, error);
	vnet_ctx *ctx;

	if (!virt)
		return NULL;
	ctx = g_new0(vnet_ctx, 1);
	ctx->local = vnet_virt_is_local(virt);
	ctx->virt = g_steal_pointer(&virt);
	ctx->lock_fd = -1;
	ctx->confirm_timeout = 120;
	ctx->notices = vnet_notices_new();
	if (!(ctx->nft = vnet_nft_new(error))) {
		vnet_ctx_free(ctx);
		return NULL;
	}
	ctx->exec = (vnet_exec){ .virt = ctx->virt, .nft = ctx->nft, .local = ctx->local };
	ctx->journal = vnet_txn_journal_path();
	return ctx;
}

void vnet_ctx_set_confirm_timeout(vnet_ctx *ctx, guint seconds)
{
	ctx->confirm_timeout = seconds;
}

void vnet_ctx_set_session_address(vnet_ctx *ctx, const char *addr)
{
	g_free(ctx->session_addr);
	ctx->session_addr = g_strdup(addr);
}

vnet_ctx *vnet_ctx_new_offline(GError **error)
{
	vnet_ctx *ctx = g_new0(vnet_ctx, 1);

	ctx->local = true;
	ctx->lock_fd = -1;
	ctx->confirm_timeout = 120;
	ctx->notices = vnet_notices_new();
	if (!(ctx->nft = vnet_nft_new(error))) {
		vnet_ctx_free(ctx);
		return NULL;
	}
	ctx->exec = (vnet_exec){ .nft = ctx->nft, .local = true };
	return ctx;
}

void vnet_ctx_free(vnet_ctx *ctx)
{
	if (!ctx)
		return;
	vnet_ctx_unlock(ctx);
	g_free(ctx->journal);
	g_free(ctx->session_addr);
	if (ctx->session_ports)
		g_array_unref(ctx->session_ports);
	if (ctx->notices)
		g_ptr_array_unref(ctx->notices);
	vnet_nft_free(ctx->nft);
	vnet_virt_close(ctx->virt);
	g_free(ctx);
}

GPtrArray *vnet_ctx_take_notices(vnet_ctx *ctx)
{
	GPtrArray *n = ctx->notices;

	ctx->notices = vnet_notices_new();
	return n;
}

void vnet_ctx_hold_reads(vnet_ctx *ctx, bool on)
{
	if (ctx->virt)
		vnet_virt_hold_reads(ctx->virt, on);
}

vnet_virt *vnet_ctx_virt(vnet_ctx *ctx)
{
	return ctx->virt;
}

vnet_nft *vnet_ctx_nft(vnet_ctx *ctx)
{
	return ctx->nft;
}

bool vnet_ctx_is_local(vnet_ctx *ctx)
{
	return ctx->local;
}

vnet_host *vnet_ctx_read_host(vnet_ctx *ctx, GError **error)
{
	g_autoptr(vnet_host) host = vnet_host_new();

	/* Over a remote URI our kernel is not the hypervisor's: only libvirt counts. */
	if (ctx->local && (!vnet_link_read_host(host, error) || !vnet_link_read_listeners(host, error)))
		return NULL;
	if (ctx->virt && !vnet_virt_read_networks(ctx->virt, host, error))
		return NULL;
	return g_steal_pointer(&host);
}

static const guint16 *ctx_session_ports(vnet_ctx *ctx)
{
	static const guint16 sshd[] = { 22 };

	return ctx->session_ports && ctx->session_ports->len ? (const guint16 *)ctx->session_ports->data : sshd;
}

static guint ctx_n_session_ports(vnet_ctx *ctx)
{
	return ctx->session_ports && ctx->session_ports->len ? ctx->session_ports->len : 1;
}

void vnet_ctx_add_session_port(vnet_ctx *ctx, guint16 port)
{
	if (!ctx->session_ports)
		ctx->session_ports = g_array_new(FALSE, FALSE, sizeof(guint16));
	g_array_append_val(ctx->session_ports, port);
}

static bool need_virt(vnet_ctx *ctx, GError **error)
{
	if (ctx->virt)
		return true;
	vnet_set_error(error, VNET_ERROR_INVALID,
		    _("This context has no libvirt connection; it can only plan."));
	return false;
}

static const vnet_intent *host_intent(const vnet_host *host, const char *name)
{
	for (guint i = 0; i < host->intents->len; i++) {
		const vnet_intent *o = host->intents->pdata[i];
		if (g_strcmp0(o->name, name) == 0)
			return o;
	}
	return NULL;
}

/*
 * The guests on @in's NAT network, from libvirt and the lease file.  On this
 * host, a running network's reservations are read from the hostsfile
 * libvirt keeps for its dnsmasq, which is what the live XML's <host>s say,
 * rather than making libvirtd format the whole live definition again.
 */
static GPtrArray *read_guest_list(vnet_ctx *ctx, const vnet_intent *in)
{
	g_autofree char *name = vnet_intent_network_name(in, 0);
	g_autofree char *xml = NULL;
	g_autoptr(GHashTable) nics = ctx->virt ? vnet_virt_network_nics(ctx->virt, name, NULL) : NULL;
	g_autoptr(GPtrArray) hosts = NULL, hosts6 = NULL;

	if (ctx->virt && ctx->local && vnet_virt_network_active(ctx->virt, name) &&
	    vnet_guests_read_hostsfile(name, &hosts, &hosts6))
		return vnet_guests_read_hosts(in->bridge, hosts, hosts6, nics);
	xml = ctx->virt ? vnet_virt_network_xml(ctx->virt, name, false, NULL) : NULL;
	vnet_netxml_drop_metadata(xml);
	return vnet_guests_read(in->bridge, xml, nics);
}

/* Where @in's forwards point now (guests.h), for the elements. */
static GHashTable *read_guests(vnet_ctx *ctx, const vnet_intent *in)
{
	g_autoptr(GPtrArray) guests = read_guest_list(ctx, in);

	return vnet_guests_targets(in, guests);
}

GHashTable *vnet_ctx_read_targets(vnet_ctx *ctx, const vnet_intent *in)
{
	return read_guests(ctx, in);
}

static bool intent_active(vnet_ctx *ctx, const vnet_intent *in)
{
	g_autofree char *name = vnet_intent_network_name(in, 0);

	return ctx->virt && vnet_virt_network_active(ctx->virt, name);
}

static bool revert_due(vnet_ctx *ctx, GError **error);

/* The lock, and the rollback of a killed transaction. */
static bool vnet_ctx_begin_no_due(vnet_ctx *ctx, GError **error)
{
	vnet_txn t = { .ops = &vnet_exec_ops, .backend = &ctx->exec, .journal = ctx->journal };
	g_autofree char *what = NULL;

	if (!need_virt(ctx, error) || !vnet_ctx_lock(ctx, error))
		return false;
	t.uri = vnet_virt_uri(ctx->virt);
	/* A table named like ours that is someone else's: refuse before anything changes. */
	if (!vnet_txn_recover(&t, &what, error) || (ctx->local && !vnet_nft_check_ours(ctx->nft, error))) {
		vnet_ctx_unlock(ctx);
		return false;
	}
	return true;
}

bool vnet_ctx_begin(vnet_ctx *ctx, GError **error)
{
	if (!vnet_ctx_begin_no_due(ctx, error))
		return false;
	if (!revert_due(ctx, error)) {
		vnet_ctx_unlock(ctx);
		return false;
	}
	return true;
}

bool vnet_ctx_run(vnet_ctx *ctx, GPtrArray *plan, const char *what, GError **error)
{
	vnet_txn t = {
		.ops = &vnet_exec_ops,
		.backend = &ctx->exec,
		.journal = ctx->journal,
		.uri = ctx->virt ? vnet_virt_uri(ctx->virt) : "",
		.what = what,
	};

	return vnet_txn_run(&t, plan, error);
}

/* What the planner needs to know of @in's libvirt networks; taps only for a restart. */
static void read_state(vnet_ctx *ctx, const vnet_intent *in, vnet_plan_input *pi, bool taps)
{
	for (guint i = 0; i < vnet_intent_n_networks(in) && i < 2; i++) {
		g_autofree char *name = vnet_intent_network_name(in, i);
		vnet_net_state *st = &pi->net[i];
		st->exists = vnet_virt_network_exists(ctx->virt, name);
		st->active = st->exists && vnet_virt_network_active(ctx->virt, name);
		st->xml = st->exists ? vnet_virt_network_xml(ctx->virt, name, true, NULL) : NULL;
		st->taps = taps && st->active && ctx->local ? vnet_virt_network_taps(ctx->virt, name, NULL) : NULL;
	}
}

static void clear_state(vnet_plan_input *pi)
{
	for (guint i = 0; i < 2; i++) {
		g_free(pi->net[i].xml);
		if (pi->net[i].taps)
			g_ptr_array_unref(pi->net[i].taps);
	}
}

/*
 * Before a create: note what the LAN side will change (a bridge to make,
 * the uplink's state to move), into the intent, so that <metadata> records
 * it for delete; and whether the change could cut an admin off.
 */
static bool prepare_lan(vnet_ctx *ctx, vnet_intent *in, const vnet_host *host, GError **error)
{
	const char *br = vnet_planner_lan_bridge(in);

	if (!br || !ctx->local)
		return true;
	bool port_kept = false;

	in->bridge_created = !vnet_host_find_link(host, br);
	if (in->vswitch == VNET_SWITCH_OVS &&
	    !vnet_ovs_bridge_missing(br, !in->bridge_created, in->uplink, &in->bridge_created, &port_kept, error))
		return false;
	if (!in->uplink)
		return true;
	vnet_uplink_state_free(in->uplink_saved);
	if (!(in->uplink_saved = vnet_link_save(in->uplink, error)))
		return false;
	/* The admin's port of the admin's bridge: delete leaves it so. */
	in->uplink_saved->ovs_port_kept = port_kept;
	in->confirm_deadline = 0;
	for (guint i = 0; i < host->routes->len; i++) {
		const vnet_host_addr *r = &g_array_index(host->routes, vnet_host_addr, i);
		if (r->cidr.prefix == 0 && g_strcmp0(r->ifname, in->uplink) == 0)
			in->confirm_deadline = 1;
	}
	for (guint i = 0; ctx->session_addr && i < in->uplink_saved->addrs->len; i++) {
		g_autofree char *a = g_strdup(((vnet_saved_addr *)in->uplink_saved->addrs->pdata[i])->cidr);
		*strchr(a, '/') = '\0';
		if (g_strcmp0(a, ctx->session_addr) == 0)
			in->confirm_deadline = 1;
	}
	/* A session to sshd (or --session-port) through the uplink, however it logged in. */
	if (vnet_link_has_session(in->uplink_saved, ctx_session_ports(ctx), ctx_n_session_ports(ctx)))
		in->confirm_deadline = 1;
	if (!ctx->confirm_timeout)
		in->confirm_deadline = 0;	/* --no-confirm */
	g_clear_pointer(&in->confirm_token, g_free);
	if (in->confirm_deadline) {
		in->confirm_deadline = g_get_real_time() / G_USEC_PER_SEC + ctx->confirm_timeout;
		in->confirm_token = vnet_token_new();
	}
	return true;
}

/*
 * The record of a takeover that waits for confirm (revert.h): what to give
 * back, read from libvirt before anything moves.
 */
static char *revert_record(vnet_ctx *ctx, const vnet_intent *old, const vnet_intent *want,
			   const vnet_plan_input *pi)
{
	vnet_revert_record r = {
		.name = want->name,
		.token = want->confirm_token,
		.deadline = want->confirm_deadline,
		/* offline (plan): no URI */
		.uri = ctx->virt ? (char *)vnet_virt_uri(ctx->virt) : (char *)"",
		.previous_active = old && pi->net[0].active,
		.previous_autostart = old && old->autostart,
	};

	if (!want->confirm_deadline || !want->confirm_token)
		return NULL;
	for (guint i = 0; old && i < 2; i++)
		r.previous[i] = pi->net[i].xml;
	return vnet_revert_record_to_data(&r);
}

static bool same_lan(const vnet_intent *a, const vnet_intent *b)
{
	return g_strcmp0(vnet_planner_lan_bridge(a), vnet_planner_lan_bridge(b)) == 0 &&
	       g_strcmp0(a->uplink, b->uplink) == 0 && a->vswitch == b->vswitch;
}

/* What the user left out of an intent that already exists stays as it is. */
static void inherit(vnet_intent *in, const vnet_intent *old)
{
	if (in->mode != old->mode)
		return;
	if (!in->bridge)
		in->bridge = g_strdup(old->bridge);
	if (!in->lan_bridge)
		in->lan_bridge = g_strdup(old->lan_bridge);
	if (!in->has_subnet4 && old->has_subnet4) {
		in->subnet4 = old->subnet4;
		in->has_subnet4 = true;
		in->gateway4 = old->gateway4;
		in->has_gateway4 = old->has_gateway4;
		in->dhcp_start = old->dhcp_start;
		in->dhcp_end = old->dhcp_end;
		in->has_range = old->has_range && in->dhcp;
		in->guest = old->guest;
		in->has_guest = old->has_guest;
	}
	/* The same LAN side: what vnetctl did to it stays recorded. */
	if (same_lan(in, old)) {
		in->bridge_created = old->bridge_created;
		vnet_uplink_state_free(in->uplink_saved);
		in->uplink_saved = old->uplink_saved ? vnet_uplink_state_copy(old->uplink_saved) : NULL;
		in->confirm_deadline = old->confirm_deadline;
	}
	/* The guests' static addresses are attach's record, not the intent file's. */
	if (!in->statics->len)
		for (guint i = 0; i < old->statics->len; i++)
			g_ptr_array_add(in->statics, vnet_static_addr_copy(old->statics->pdata[i]));
	vnet_intent_refresh_strings(in);
}

/*
 * Our table lost (a firewall reload, `nft flush ruleset`): a command that
 * writes elements puts back every running network's, in the same
 * transaction, and its own network's whole, not just what it changes.
 */
static void repair_lost_table(vnet_ctx *ctx, GPtrArray *plan, const char *changing)
{
	g_autoptr(GPtrArray) intents = NULL;
	g_autoptr(GPtrArray) repair = NULL;

	if (!ctx->local || !ctx->virt || vnet_nft_table_present(ctx->nft) ||
	    !(intents = vnet_ctx_list(ctx, NULL)))
		return;
	repair = vnet_plan_new();
	for (guint i = 0; i < intents->len; i++) {
		const vnet_intent *in = intents->pdata[i];
		g_autoptr(GHashTable) guests = NULL;
		if (g_strcmp0(in->name, changing) == 0 || !vnet_mode_has_own_bridge(in->mode) ||
		    !intent_active(ctx, in))
			continue;
		guests = read_guests(ctx, in);
		vnet_planner_host_side(repair, NULL, in, guests, true);
	}
	for (guint i = 0; i < plan->len; i++) {
		vnet_step *s = plan->pdata[i];
		if (s->kind != VNET_STEP_NFT || !changing)
			continue;
		g_clear_pointer(&s->old, vnet_intent_free);
		s->exact = true;
	}
	for (guint i = repair->len; i-- > 0;)
		g_ptr_array_insert(plan, 0, g_ptr_array_steal_index(repair, i));
}

/*
 * Over a remote URI the rules are the hook's on that host, and libvirt 9.0
 * runs it for a running network only when it starts: a changed forward
 * would wait, unseen, for the next restart.  Say so instead.
 */
/*
 * A portgroup goes with its VLAN (or the trunk): refused while a domain's
 * NIC is in it, as libvirt would start that domain no more.
 */
static bool check_portgroups_unused(vnet_ctx *ctx, const vnet_intent *old, const vnet_intent *want,
				    GError **error)
{
	guint i = old->mode == VNET_MODE_HYBRID ? 1 : 0;
	g_autofree char *net = vnet_intent_network_name(old, i);

	if (!ctx->virt || old->vswitch != VNET_SWITCH_OVS)
		return true;
	for (guint k = 0; k <= vnet_intent_get_n_vlans(old); k++) {
		bool trunk = k == vnet_intent_get_n_vlans(old);
		guint vlan = trunk ? 0 : vnet_intent_get_vlan(old, k);
		g_autofree char *pg = trunk ? g_strdup(VNET_TRUNK_PORTGROUP) : vnet_vlan_portgroup(vlan);
		g_autofree char *was = vnet_intent_portgroup_xml(old, pg), *is = vnet_intent_portgroup_xml(want, pg);
		g_autoptr(GPtrArray) users = NULL;
		g_autofree char *who = NULL;
		if (!was || is)
			continue;
		if (!(users = vnet_virt_portgroup_users(ctx->virt, net, pg, error)))
			return false;
		if (!users->len)
			continue;
		g_ptr_array_add(users, NULL);
		who = g_strjoinv(", ", (char **)users->pdata);
		if (trunk)
			vnet_set_error(error, VNET_ERROR_CONFLICT,
				       _("The trunk portgroup of network \"%s\" has interfaces of these domains: %s. Detach them first (vnetctl detach %s DOMAIN), then apply the change again."),
				       old->name, who, old->name);
		else
			vnet_set_error(error, VNET_ERROR_CONFLICT,
				       _("VLAN %u of network \"%s\" has interfaces of these domains: %s. Detach them first (vnetctl detach %s DOMAIN), then apply the change again."),
				       vlan, old->name, who, old->name);
		return false;
	}
	return true;
}

static bool check_remote_change(vnet_ctx *ctx, const vnet_intent *old, const vnet_intent *new,
				bool active, GError **error)
{
	if (ctx->local || !active || !vnet_planner_elements_differ(old, new))
		return true;
	vnet_set_error(error, VNET_ERROR_INVALID,
		       _("Network \"%s\" runs on the host of libvirt URI \"%s\", where only its network hook changes its rules, and libvirt runs the hook for a running network only when it starts. Run the command on that host, or stop the network there, make the change, and start it again."),
		       old->name, vnet_virt_uri(ctx->virt));
	return false;
}

static bool any_down(const vnet_plan_input *pi, const vnet_intent *in)
{
	for (guint i = 0; i < vnet_intent_n_networks(in) && i < 2; i++)
		if (!pi->net[i].active)
			return true;
	return false;
}

/* Whether @plan gives a network of ours its elements (so our DOCKER-USER rule has something to accept). */
static bool plan_brings_up(GPtrArray *plan)
{
	for (guint i = 0; i < plan->len; i++) {
		const vnet_step *s = plan->pdata[i];
		if (s->kind == VNET_STEP_NFT && s->new)
			return true;
	}
	return false;
}

/* What the run did to other tools' firewalls, and what of them still blocks @in (if it runs). */
static void foreign_notices(vnet_ctx *ctx, const vnet_foreign *fw, GPtrArray *plan, const vnet_intent *in)
{
	g_autoptr(GPtrArray) one = g_ptr_array_new();

	if (intent_active(ctx, in))
		g_ptr_array_add(one, (gpointer)in);
	vnet_foreign_notices(fw, plan, one, ctx->notices);
}

/* The XML @plan defines @in's first network with, if it does: the approval digests that as it is. */
static const char *plan_network_xml(GPtrArray *plan, const vnet_intent *in)
{
	g_autofree char *name = vnet_intent_network_name(in, 0);

	for (guint i = 0; plan && i < plan->len; i++) {
		const vnet_step *s = plan->pdata[i];
		if (s->kind == VNET_STEP_DEFINE && g_strcmp0(s->name, name) == 0)
			return s->xml;
	}
	return NULL;
}

static GHashTable *no_guests(void)
{
	return g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
}

bool vnet_ctx_apply(vnet_ctx *ctx, vnet_intent *intent, unsigned flags,
		    char **ret_plan, bool *ret_changed, GError **error)
{
	g_autoptr(GPtrArray) plan = NULL;
	g_autoptr(vnet_host) host = NULL;
	g_autoptr(GHashTable) guests = NULL;
	g_autoptr(vnet_intent) want = vnet_intent_copy(intent);
	g_autofree char *what = NULL, *record = NULL;
	vnet_plan_input pi = { .local = ctx->local };
	g_auto(vnet_foreign) fw = { .mode = VNET_COEXIST_MODE_WARN };
	g_autoptr(GPtrArray) wants = g_ptr_array_new();
	const vnet_intent *old = NULL;
	bool dry = flags & VNET_APPLY_DRY_RUN;
	bool ok = false, changed;

	if (!dry && !vnet_ctx_begin(ctx, error))
		return false;
	if (!(host = vnet_ctx_read_host(ctx, error)))
		goto out;
	if (want->name)
		old = host_intent(host, want->name);
	if (old && (flags & VNET_APPLY_CREATE)) {
		vnet_set_error(error, VNET_ERROR_CONFLICT,
			    _("Network \"%s\" already exists; change it with \"vnetctl apply\" or remove it with \"vnetctl delete %s\"."),
			    want->name, want->name);
		goto out;
	}
	if (old)
		inherit(want, old);
	if (!vnet_intent_complete(want, host, error) ||
	    !vnet_intent_validate(want, host, (flags & VNET_APPLY_FORCE) ? VNET_VALIDATE_FORCE : 0, error))
		goto out;
	if ((!old || !same_lan(old, want)) && !prepare_lan(ctx, want, host, error))
		goto out;
	/* An overlay network's subnet meets the other hypervisors' guests in OVN: checked there too. */
	if (!vnet_ovn_complete_gateway(want, old, error))
		goto out;
	if (want->mode == VNET_MODE_OVERLAY && (!old || !vnet_ovn_same_switch(old, want)) &&
	    !vnet_ovn_check_create(want, error))
		goto out;
	if (want->mode == VNET_MODE_OVERLAY && old && vnet_ovn_same_switch(old, want) &&
	    !vnet_strv_equal0(old->ovn_gateways, want->ovn_gateways) && !vnet_ovn_check_gateways(want, error))
		goto out;
	g_ptr_array_add(wants, want);
	if (ctx->local && (!vnet_foreign_read(&fw, wants, false, error) || !vnet_foreign_check(&fw, want, error)))
		goto out;

	guests = old ? read_guests(ctx, old) : no_guests();
	if (ctx->virt)
		read_state(ctx, old ? old : want, &pi, old && vnet_planner_needs_restart(old, want));
	if (old && !dry && !check_remote_change(ctx, old, want, pi.net[0].active, error))
		goto out;
	if (old && !check_portgroups_unused(ctx, old, want, error))
		goto out;
	pi.old = old;
	pi.want = want;
	pi.guests = guests;
	pi.converge = true;
	if (!old || !same_lan(old, want))
		pi.revert = record = revert_record(ctx, old, want, &pi);
	plan = vnet_planner_plan(&pi);
	if (ctx->local && plan_brings_up(plan))
		vnet_foreign_plan(&fw, plan, wants, false, false);
	if (!dry)
		repair_lost_table(ctx, plan, want->name);
	changed = !old || !vnet_intent_equal(old, want) || any_down(&pi, want);
	if (ret_plan)
		*ret_plan = vnet_planner_describe(plan);
	what = g_strdup_printf(old ? "apply %s" : "create %s", want->name);
	/* Before the start: the hook gives root's intent what create checked. */
	ok = dry || ((!ctx->local || vnet_hook_approve_xml(want, plan_network_xml(plan, want), error)) &&
		     vnet_ctx_run(ctx, plan, what, error));
	if (ok) {
		/* The caller's intent changes only when the change was made (or planned). */
		vnet_intent *done = g_steal_pointer(&want);
		if (ctx->local && !dry)
			foreign_notices(ctx, &fw, plan, done);
		vnet_intent_swap_contents(intent, done);
		vnet_intent_free(done);
		if (ret_changed)
			*ret_changed = changed;
	}
out:
	clear_state(&pi);
	vnet_ctx_unlock(ctx);
	return ok;
}

/* The managed intent @name of @host, or NULL with NOT_FOUND. */
/* Levenshtein distance, for a typo's suggestion; names are short. */
static guint edit_distance(const char *a, const char *b)
{
	guint la = strlen(a), lb = strlen(b);
	g_autofree guint *row = g_new(guint, lb + 1);

	for (guint j = 0; j <= lb; j++)
		row[j] = j;
	for (guint i = 1; i <= la; i++) {
		guint diag = row[0];
		row[0] = i;
		for (guint j = 1; j <= lb; j++) {
			guint up = row[j];
			row[j] = MIN(MIN(row[j] + 1, row[j - 1] + 1), diag + (a[i - 1] != b[j - 1]));
			diag = up;
		}
	}
	return row[lb];
}

static const vnet_intent *find_managed(const vnet_host *host, const char *name, GError **error)
{
	const vnet_intent *in = host_intent(host, name);
	const char *best = NULL;
	guint best_d = G_MAXUINT;

	if (in)
		return in;
	for (guint i = 0; i < host->intents->len; i++) {
		const char *n = ((const vnet_intent *)host->intents->pdata[i])->name;
		guint d = edit_distance(name, n);
		if (d < best_d) {
			best_d = d;
			best = n;
		}
	}
	/* A typo is a few letters off; a name that far off is no suggestion. */
	if (best && best_d <= MAX(2u, (guint)strlen(name) / 3))
		vnet_set_error(error, VNET_ERROR_NOT_FOUND,
			       _("vnetctl manages no network \"%s\"; did you mean \"%s\"? See \"vnetctl list\"."),
			       name, best);
	else
		vnet_set_error(error, VNET_ERROR_NOT_FOUND,
			       _("vnetctl manages no network \"%s\"; see \"vnetctl list\"."), name);
	return NULL;
}

static vnet_intent *get_locked(vnet_ctx *ctx, const char *name, vnet_host **ret_host, GError **error)
{
	g_autoptr(vnet_host) host = vnet_ctx_read_host(ctx, error);
	const vnet_intent *in;

	if (!host || !(in = find_managed(host, name, error)))
		return NULL;
	if (ret_host)
		*ret_host = g_steal_pointer(&host);
	return vnet_intent_copy(in);
}

bool vnet_ctx_delete(vnet_ctx *ctx, const char *name, GError **error)
{
	g_autoptr(GPtrArray) plan = NULL;
	g_autoptr(vnet_intent) in = NULL;
	g_autoptr(vnet_host) host = NULL;
	g_autoptr(GHashTable) guests = NULL;
	g_autofree char *what = g_strdup_printf("delete %s", name);
	vnet_plan_input pi = { .local = ctx->local };
	bool ok = false;

	if (!vnet_ctx_begin(ctx, error))
		return false;
	if (!(host = vnet_ctx_read_host(ctx, error)))
		goto out;
	if (host_intent(host, name))
		in = vnet_intent_copy(host_intent(host, name));
	else if (g_hash_table_contains(host->unreadable, name))
		/* Its metadata cannot be read: remove the network and what it owns in our table. */
		in = vnet_intent_new(name, VNET_MODE_NAT, NULL);
	if (!in) {
		find_managed(host, name, error);
		goto out;
	}
	guests = read_guests(ctx, in);
	read_state(ctx, in, &pi, false);
	pi.old = in;
	pi.guests = guests;
	pi.drop_table = ctx->local && host->intents->len == 1 && vnet_nft_table_present(ctx->nft);
	plan = vnet_planner_plan(&pi);
	/* Its bridge leaves firewalld's zone; our DOCKER-USER rule goes with our last network. */
	if (ctx->local) {
		g_auto(vnet_foreign) fw = { .mode = VNET_COEXIST_MODE_WARN };
		g_autoptr(GPtrArray) gone = g_ptr_array_new();
		g_ptr_array_add(gone, in);
		if (!vnet_foreign_read(&fw, gone, true, error))
			goto out;
		vnet_foreign_plan(&fw, plan, gone, true, pi.drop_table);
	}
	ok = vnet_ctx_run(ctx, plan, what, error);
	if (ok && ctx->local)
		vnet_hook_forget(name);
out:
	clear_state(&pi);
	vnet_ctx_unlock(ctx);
	return ok;
}

static int intent_cmp(gconstpointer a, gconstpointer b)
{
	const vnet_intent *x = *(vnet_intent *const *)a, *y = *(vnet_intent *const *)b;

	return g_strcmp0(x->name, y->name);
}

GHashTable *vnet_ctx_list_unreadable(vnet_ctx *ctx, GError **error)
{
	g_autoptr(vnet_host) host = vnet_host_new();

	if (!need_virt(ctx, error) || !vnet_virt_read_networks(ctx->virt, host, error))
		return NULL;
	return g_hash_table_ref(host->unreadable);
}

GPtrArray *vnet_ctx_list(vnet_ctx *ctx, GError **error)
{
	g_autoptr(vnet_host) host = vnet_host_new();
	GPtrArray *out;

	if (!need_virt(ctx, error) || !vnet_virt_read_networks(ctx->virt, host, error))
		return NULL;
	out = g_ptr_array_new_with_free_func((GDestroyNotify)vnet_intent_free);
	for (guint i = 0; i < host->intents->len; i++)
		g_ptr_array_add(out, vnet_intent_copy(host->intents->pdata[i]));
	g_ptr_array_sort(out, intent_cmp);
	return out;
}

/*
 * The intent @name from the network vnetctl keeps it in ("NAME", or
 * "NAME-nat" for hybrid), read alone; NULL if it is not there as such.
 */
static const vnet_intent *get_direct(vnet_ctx *ctx, vnet_host *host, const char *name)
{
	static const char *const suffixes[] = { "", "-nat" };

	if (!vnet_name_is_valid(name, VNET_NAME_MAX))
		return NULL;
	for (size_t i = 0; i < G_N_ELEMENTS(suffixes); i++) {
		g_autofree char *net = g_strconcat(name, suffixes[i], NULL);
		const vnet_intent *in;
		g_autofree char *own = NULL;
		if (!vnet_virt_network_exists(ctx->virt, net) || !vnet_virt_read_network(ctx->virt, net, host, NULL))
			continue;
		in = host_intent(host, name);
		own = in ? vnet_intent_network_name(in, 0) : NULL;
		if (in && g_strcmp0(own, net) == 0)
			return in;
	}
	return NULL;
}

/*
 * The intent @name as vnet_ctx_get() finds it, shared with what was read
 * (vnet_intent_share()): for reading only.  show asks four times.
 */
static vnet_intent *get_shared(vnet_ctx *ctx, const char *name, bool *ret_active, GError **error)
{
	g_autoptr(vnet_host) host = vnet_host_new();
	const vnet_intent *in;

	if (!need_virt(ctx, error))
		return NULL;
	/* One network's XML, not every network's; anything else: all of them, as before. */
	if (!(in = get_direct(ctx, host, name))) {
		g_clear_pointer(&host, vnet_host_free);
		host = vnet_host_new();
		if (!vnet_virt_read_networks(ctx->virt, host, error) || !(in = find_managed(host, name, error)))
			return NULL;
	}
	if (ret_active)
		*ret_active = intent_active(ctx, in);
	return (vnet_intent *)vnet_intent_share(in);
}

vnet_intent *vnet_ctx_get(vnet_ctx *ctx, const char *name, bool *ret_active, GError **error)
{
	g_autoptr(vnet_intent) in = get_shared(ctx, name, ret_active, error);

	return in ? vnet_intent_copy(in) : NULL;
}

bool vnet_ctx_is_active(vnet_ctx *ctx, const vnet_intent *intent)
{
	return intent_active(ctx, intent);
}

GPtrArray *vnet_ctx_guests(vnet_ctx *ctx, const char *name, GError **error)
{
	g_autoptr(vnet_intent) in = get_shared(ctx, name, NULL, error);

	return in ? read_guest_list(ctx, in) : NULL;
}

GPtrArray *vnet_ctx_targets(vnet_ctx *ctx, const char *name, GError **error)
{
	g_autoptr(vnet_intent) in = get_shared(ctx, name, NULL, error);
	g_autoptr(GPtrArray) guests = in ? read_guest_list(ctx, in) : NULL;

	return guests ? vnet_guests_forward_targets(in, guests) : NULL;
}

vnet_target *vnet_ctx_forward_target(vnet_ctx *ctx, const char *name, const char *spec, GError **error)
{
	g_autoptr(vnet_forward) f = vnet_forward_parse(spec, error);
	g_autoptr(vnet_intent) in = NULL;
	g_autoptr(GPtrArray) guests = NULL;

	if (!f || !need_virt(ctx, error))
		return NULL;
	/* The network's other forwards do not count: not parsed (65,535 of them). */
	vnet_virt_read_unread(ctx->virt, name);
	in = get_shared(ctx, name, NULL, error);
	vnet_virt_read_unread(ctx->virt, NULL);
	if (!in || !(guests = read_guest_list(ctx, in)))
		return NULL;
	return vnet_guests_forward_target(in, guests, f);
}

static gint compare_port(gconstpointer a, gconstpointer b)
{
	return g_strcmp0(vnet_drops_get_port(*(vnet_drops *const *)a), vnet_drops_get_port(*(vnet_drops *const *)b));
}

/*
 * The packets the guard's drop flows (those without instructions) on OVS
 * bridge @in's LAN bridge counted, a vnet_drops per guest port that
 * dropped any, in @ret.  Flows match the port, not always a MAC: no MAC.
 */
static bool ovs_guard_drops(const vnet_intent *in, GPtrArray *ret, GError **error)
{
	const char *br = vnet_planner_lan_bridge(in);
	g_autoptr(vnet_ovsdb) db = NULL;
	g_autoptr(GPtrArray) bridges = NULL, stats = NULL, mine = vnet_drops_array_new();
	const vnet_ovs_bridge *b;

	if (in->vswitch != VNET_SWITCH_OVS || !br || vnet_intent_get_guard(in, true) == VNET_GUARD_OFF ||
	    !vnet_of_available(br))
		return true;
	if (!(db = vnet_ovsdb_connect(NULL, error)) || !vnet_ovs_read(db, &bridges, error) ||
	    !(stats = vnet_of_read(br, vnet_of_cookie(in->name), error)))
		return false;
	b = vnet_ovs_find_bridge(bridges, br);
	for (guint i = 0; b && i < b->ports->len; i++) {
		const vnet_ovs_port *p = b->ports->pdata[i];
		guint64 packets = 0, bytes = 0;
		for (guint j = 0; p->ofport > 0 && j < stats->len; j++) {
			const vnet_of_stat *st = stats->pdata[j];
			if (st->drops && st->in_port == (guint32)p->ofport) {
				packets += st->packets;
				bytes += st->bytes;
			}
		}
		if (packets)
			vnet_drops_add(mine, p->name, NULL, packets, bytes);
	}
	g_ptr_array_sort(mine, compare_port);
	g_ptr_array_set_free_func(mine, NULL);
	for (guint i = 0; i < mine->len; i++)
		g_ptr_array_add(ret, g_steal_pointer(&mine->pdata[i]));
	return true;
}

GPtrArray *vnet_ctx_guard_drops(vnet_ctx *ctx, const char *name, GError **error)
{
	g_autoptr(vnet_intent) in = get_shared(ctx, name, NULL, error);
	g_autoptr(GPtrArray) drops = NULL;

	if (!in)
		return NULL;
	if (!ctx->local)
		return vnet_drops_array_new();
	if (!(drops = vnet_nft_guard_drops(ctx->nft, vnet_intent_get_name(in), error)) ||
	    !ovs_guard_drops(in, drops, error))
		return NULL;
	return g_steal_pointer(&drops);
}

/* The forward that @new has more than @old (the last), or that @old has more (its host side is @spec's). */
static const vnet_forward *changed_forward(const vnet_intent *old, const vnet_intent *new, const char *spec,
					   bool add)
{
	g_autoptr(vnet_forward) f = add ? NULL : vnet_forward_parse(spec, NULL);

	if (add)
		return new->forwards->len ? new->forwards->pdata[new->forwards->len - 1] : NULL;
	for (guint i = 0; f && i < old->forwards->len; i++)
		if (vnet_forward_same_host_side(old->forwards->pdata[i], f))
			return old->forwards->pdata[i];
	return NULL;
}

/*
 * change_forward() on a network read without its forwards' block
 * (@old->forwards_unread): the block's text is read where it stands in the
 * definition, for the one forward that changes, and that line spliced in
 * or out; the plan sees only that forward (the others' elements stay as
 * they are).  For a definition vnetctl wrote to the byte for an intent
 * root approved: 1 done, 0 refused or failed (@error), -1 not so (nothing
 * done: the caller reads the intent whole and goes the general way).
 */
static int change_forward_text(vnet_ctx *ctx, const vnet_intent *old, const vnet_host *host, const char *spec,
			       bool add, unsigned flags, const char *what, bool *held, GError **error)
{
	g_autoptr(vnet_intent) old_part = NULL, new_part = NULL;
	g_autoptr(vnet_forward) f = NULL, changed = NULL;
	g_autoptr(GPtrArray) plan = NULL;
	g_autoptr(GHashTable) guests = NULL;
	vnet_plan_input pi = { .local = ctx->local };
	const char *text;
	gsize len;
	bool readable = true;
	int r = -1;

	read_state(ctx, old, &pi, false);
	/* A table to change, not to put back whole (repair_lost_table()). */
	if (vnet_intent_n_networks(old) != 1 || old->mode == VNET_MODE_OVERLAY || !pi.net[0].xml ||
	    !vnet_network_xml_forwards_text(pi.net[0].xml, &text, &len) ||
	    !vnet_hook_xml_approved(old, pi.net[0].xml) || !vnet_nft_table_present(ctx->nft))
		goto out;
	r = 0;
	if (!(f = vnet_forward_parse(spec, error)))
		goto out;
	if (add) {
		if (!vnet_intent_validate_forward_text(old, text, len, spec, f, host,
						       (flags & VNET_APPLY_FORCE) ? VNET_VALIDATE_FORCE : 0,
						       &readable, error))
			goto out;
		changed = vnet_forward_ref(f);
	} else if (!(readable = vnet_forwards_text_find(text, len, f, &changed)) || !changed) {
		if (readable)
			vnet_set_error(error, VNET_ERROR_NOT_FOUND,
				       _("Network \"%s\" has no forward \"%s\"; see its forwards with \"vnetctl show %s\"."),
				       old->name, spec, old->name);
		goto out;
	}
	if (!(pi.define_xml = vnet_network_xml_splice_forward(pi.net[0].xml, changed, add)))
		goto out;
	old_part = vnet_intent_copy_bare(old);
	new_part = vnet_intent_copy_bare(old);
	g_ptr_array_add((add ? new_part : old_part)->forwards, vnet_forward_ref(changed));
	guests = read_guests(ctx, old_part);
	/* What the run reads, it asks libvirt. */
	if (*held)
		vnet_virt_hold_reads(ctx->virt, false);
	*held = false;
	pi.old = old_part;
	pi.want = new_part;
	pi.guests = guests;
	plan = vnet_planner_plan(&pi);
	/* The splice changes the text (never no define step): the approval digests that text, never a part's. */
	if (!plan_network_xml(plan, new_part)) {
		r = -1;
		goto out;
	}
	r = vnet_hook_approve_xml(new_part, plan_network_xml(plan, new_part), error) &&
	    vnet_ctx_run(ctx, plan, what, error);
out:
	if (r == 0 && !readable) {
		g_clear_error(error);
		r = -1;
	}
	g_free(pi.define_xml);
	clear_state(&pi);
	return r;
}

static bool change_forward(vnet_ctx *ctx, const char *name, const char *spec, bool add,
			   unsigned flags, GError **error)
{
	g_autoptr(GPtrArray) plan = NULL;
	g_autoptr(vnet_host) host = NULL;
	g_autoptr(vnet_intent) new = NULL;
	const vnet_intent *old = NULL;	/* the host's */
	g_autoptr(GHashTable) guests = NULL;
	g_autofree char *what = g_strdup_printf("forward %s %s", add ? "add" : "remove", name);
	const vnet_forward *changed;
	vnet_plan_input pi = { .local = ctx->local };
	/*
	 * read_state() reads the definition read_host() has just read, under
	 * the lock: one read of it (2.8 MB at 65,535 forwards) per command.
	 */
	bool hold = ctx->virt && !vnet_virt_reads_held(ctx->virt);
	bool ok = false;
	int r;

	if (!vnet_ctx_begin(ctx, error))
		return false;
	if (hold)
		vnet_virt_hold_reads(ctx->virt, true);
	/* Over a remote URI the hook on that host does the elements: no forward is read aside there. */
	vnet_virt_read_unread(ctx->virt, ctx->local ? name : NULL);
	host = vnet_ctx_read_host(ctx, error);
	vnet_virt_read_unread(ctx->virt, NULL);
	if (!host || !(old = find_managed(host, name, error)))
		goto out;
	if (old->forwards_unread) {
		if ((r = change_forward_text(ctx, old, host, spec, add, flags, what, &hold, error)) >= 0) {
			ok = r == 1;
			goto out;
		}
		/* Read whole (the held reads are not asked of libvirt again). */
		g_clear_pointer(&host, vnet_host_free);
		if (!(host = vnet_ctx_read_host(ctx, error)) || !(old = find_managed(host, name, error)))
			goto out;
	}
	new = vnet_intent_copy(old);
	if (add ? !vnet_intent_add_forward(new, spec, error) : !vnet_intent_remove_forward(new, spec, error))
		goto out;
	if (add && !vnet_intent_validate_added_forward(new, host, (flags & VNET_APPLY_FORCE) ? VNET_VALIDATE_FORCE : 0, error))
		goto out;
	guests = read_guests(ctx, old);
	read_state(ctx, old, &pi, false);
	if (hold)
		vnet_virt_hold_reads(ctx->virt, false);
	hold = false;
	if (!check_remote_change(ctx, old, new, pi.net[0].active, error))
		goto out;
	/*
	 * One line of the definition changes: spliced into the one libvirt
	 * keeps, when that is to the byte what vnetctl wrote for an intent
	 * root approved (else written anew, as apply does).
	 */
	if (ctx->local && vnet_intent_n_networks(new) == 1 && pi.net[0].xml &&
	    (changed = changed_forward(old, new, spec, add)) && vnet_hook_xml_approved(old, pi.net[0].xml))
		pi.define_xml = vnet_network_xml_splice_forward(pi.net[0].xml, changed, add);
	pi.old = old;
	pi.want = new;
	pi.guests = guests;
	plan = vnet_planner_plan(&pi);
	repair_lost_table(ctx, plan, name);
	ok = (!ctx->local || vnet_hook_approve_xml(new, plan_network_xml(plan, new), error)) &&
	     vnet_ctx_run(ctx, plan, what, error);
out:
	if (hold)
		vnet_virt_hold_reads(ctx->virt, false);
	g_free(pi.define_xml);
	clear_state(&pi);
	vnet_ctx_unlock(ctx);
	return ok;
}

bool vnet_ctx_forward_add(vnet_ctx *ctx, const char *name, const char *spec, unsigned flags,
			  GError **error)
{
	return change_forward(ctx, name, spec, true, flags, error);
}

bool vnet_ctx_forward_remove(vnet_ctx *ctx, const char *name, const char *spec, GError **error)
{
	return change_forward(ctx, name, spec, false, 0, error);
}

bool vnet_ctx_restore(vnet_ctx *ctx, guint *ret_count, GError **error)
{
	g_autoptr(GPtrArray) plan = vnet_plan_new();
	g_autoptr(GPtrArray) intents = NULL, up = g_ptr_array_new();
	g_auto(vnet_foreign) fw = { .mode = VNET_COEXIST_MODE_WARN };
	guint count = 0;
	bool ok;

	if (!need_virt(ctx, error))
		return false;
	if (!ctx->local) {
		vnet_set_error(error, VNET_ERROR_INVALID,
			    _("restore changes this host's firewall, but the connection is to another host; run it there."));
		return false;
	}
	if (!vnet_ctx_begin(ctx, error))
		return false;
	/* A trace killed before it could take its chains out leaves them behind. */
	if (!vnet_trace_remove_stale(ctx->nft, error) || !(intents = vnet_ctx_list(ctx, error))) {
		vnet_ctx_unlock(ctx);
		return false;
	}
	/* The table whole: a chain flushed or deleted by hand comes back. */
	if (intents->len)
		vnet_step_new(plan, VNET_STEP_TABLE, NULL);
	for (guint i = 0; i < intents->len; i++) {
		const vnet_intent *in = intents->pdata[i];
		g_autoptr(GHashTable) guests = NULL;
		if (!intent_active(ctx, in))
			continue;
		guests = read_guests(ctx, in);
		if (vnet_mode_has_own_bridge(in->mode))
			vnet_planner_host_side(plan, NULL, in, guests, true);
		/* The guard's flows whole: one deleted by hand, or a bridge reset, comes back. */
		vnet_planner_ovs_guard(plan, in, in);
		g_ptr_array_add(up, (gpointer)in);
		count++;
	}
	if (!vnet_foreign_read(&fw, up, false, error)) {
		vnet_ctx_unlock(ctx);
		return false;
	}
	if (plan_brings_up(plan))
		vnet_foreign_plan(&fw, plan, up, false, false);
	ok = vnet_ctx_run(ctx, plan, "restore", error);
	if (ok)
		vnet_foreign_notices(&fw, plan, up, ctx->notices);
	vnet_ctx_unlock(ctx);
	if (ok && ret_count)
		*ret_count = count;
	return ok;
}

bool vnet_ctx_confirm(vnet_ctx *ctx, const char *name, GError **error)
{
	g_autoptr(GPtrArray) plan = vnet_plan_new();
	g_autoptr(vnet_intent) old = NULL, new = NULL;
	g_autofree char *what = g_strdup_printf("confirm %s", name);
	bool ok = false;

	if (!vnet_ctx_begin(ctx, error))
		return false;
	if (!(old = get_locked(ctx, name, NULL, error)))
		goto out;
	if (!old->confirm_deadline) {
		vnet_set_error(error, VNET_ERROR_INVALID,
			       _("Network \"%s\" has no change waiting for confirmation."), name);
		goto out;
	}
	new = vnet_intent_copy(old);
	new->confirm_deadline = 0;
	for (guint i = 0; i < vnet_intent_n_networks(new); i++) {
		g_autofree char *net = vnet_intent_network_name(new, i);
		vnet_step *s = vnet_step_new(plan, VNET_STEP_DEFINE, net);
		g_autofree char *xml = vnet_intent_network_xml(new, i, NULL);
		s->prev_xml = vnet_virt_network_xml(ctx->virt, net, true, NULL);
		/* The reservations that attach made stay. */
		s->xml = s->prev_xml ? vnet_netxml_carry_hosts(xml, s->prev_xml) : NULL;
		if (!s->xml)
			s->xml = g_steal_pointer(&xml);
	}
	ok = vnet_ctx_run(ctx, plan, what, error);
	if (ok)
		vnet_revert_disarm(name, old->confirm_token);
out:
	vnet_ctx_unlock(ctx);
	return ok;
}

/*
 * Undo the takeover @r records (the lock held): remove what it made, the
 * uplink given back, and put back the previous definitions if there were
 * any, running as they ran.
 */
static bool revert_locked(vnet_ctx *ctx, const vnet_revert_record *r, GError **error)
{
	g_autoptr(vnet_host) host = NULL;
	g_autoptr(vnet_intent) prev = NULL;
	g_autoptr(GPtrArray) plan = NULL;
	g_autoptr(GHashTable) guests = NULL;
	g_autofree char *what = g_strdup_printf("revert %s", r->name);
	vnet_plan_input pi = { .local = ctx->local };
	const vnet_intent *cur;
	bool ok = false;

	if (!(host = vnet_ctx_read_host(ctx, error)))
		return false;
	cur = host_intent(host, r->name);
	if (r->previous[0] && !(prev = vnet_intent_from_xml(r->previous[0], -1, error)))
		return false;
	if (!cur) {
		/* Gone already (deleted, or rolled back): nothing moved is left. */
		vnet_revert_disarm(r->name, r->token);
		return true;
	}
	guests = read_guests(ctx, cur);
	read_state(ctx, cur, &pi, false);
	pi.old = cur;
	pi.guests = guests;
	pi.drop_table = !prev && ctx->local && host->intents->len == 1 && vnet_nft_table_present(ctx->nft);
	/*
	 * A network that did not exist: removed.  One that an apply changed: the
	 * current one removed (the uplink back) and the previous one defined
	 * again, as its own recorded state says (not read anew: the bridge is
	 * still there now).
	 */
	plan = vnet_planner_plan(&pi);
	if (prev) {
		vnet_plan_input back = { .local = ctx->local, .want = prev, .guests = guests };
		g_autoptr(GPtrArray) create = vnet_planner_plan(&back);
		for (guint i = 0; i < create->len; i++) {
			vnet_step *s = create->pdata[i];
			/* The definition exactly as it was: its reservations, its UUID. */
			if (s->kind == VNET_STEP_DEFINE) {
				guint k = g_str_has_suffix(s->name, "-lan") && r->previous[1] ? 1 : 0;
				if (r->previous[k]) {
					g_free(s->xml);
					s->xml = g_strdup(r->previous[k]);
				}
			}
			if ((s->kind == VNET_STEP_START || s->kind == VNET_STEP_NFT || s->kind == VNET_STEP_LOCALNET ||
			     s->kind == VNET_STEP_HAIRPIN) && !r->previous_active)
				continue;
			if (s->kind == VNET_STEP_AUTOSTART && !r->previous_autostart)
				continue;
			g_ptr_array_add(plan, g_steal_pointer(&create->pdata[i]));
		}
	}
	ok = vnet_ctx_run(ctx, plan, what, error);
	clear_state(&pi);
	if (ok)
		vnet_revert_disarm(r->name, r->token);
	return ok;
}

/* Takeovers whose deadline passed while no timer ran (it died; a reboot): reverted now. */
static bool revert_due(vnet_ctx *ctx, GError **error)
{
	g_autoptr(GPtrArray) due = ctx->local ? vnet_revert_due() : NULL;

	for (guint i = 0; due && i < due->len; i++) {
		g_autoptr(vnet_revert_record) r = vnet_revert_load(due->pdata[i], error);
		if (!r || !revert_locked(ctx, r, error))
			return false;
	}
	return true;
}

bool vnet_ctx_revert(vnet_ctx *ctx, const char *name, const char *token, bool *ret_reverted,
		     GError **error)
{
	g_autoptr(vnet_revert_record) r = NULL;
	g_autoptr(GError) local = NULL;
	bool ok = true, reverted = false;

	if (!vnet_check_network_name(name, error) || (token && !vnet_token_is_valid(token))) {
		if (token && !vnet_token_is_valid(token))
			vnet_set_error(error, VNET_ERROR_INVALID,
				       _("\"%s\" is not a takeover's token: that is 16 lower-case hex digits."), token);
		return false;
	}
	/* Under the lock, so that a confirm cannot slip in between. */
	if (!vnet_ctx_begin_no_due(ctx, error))
		return false;
	r = vnet_revert_load(name, &local);
	if (local) {
		g_propagate_error(error, g_steal_pointer(&local));
		ok = false;
	} else if (r && (!token || g_strcmp0(r->token, token) == 0)) {
		ok = reverted = revert_locked(ctx, r, error);
	}
	/* No record, or another takeover's timer: confirmed, or not this one. */
	vnet_ctx_unlock(ctx);
	if (ok && ret_reverted)
		*ret_reverted = reverted;
	return ok;
}

