/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "plan.h"
#include "attach.h"
#include "brport.h"
#include "link.h"
#include "netxml.h"
#include "nft.h"
#include "validate.h"
#include "virt.h"
#include "util.h"

struct vnet_ctx {
	vnet_virt *virt;
	bool local;		/* libvirtd shares our kernel: we do the host side */
	vnet_nft *nft;
	int lock_fd;
	guint confirm_timeout;	/* seconds an uplink takeover waits for confirm */
	char *session_addr;	/* the address an admin's session reaches us on */
};

/* ---- steps ---- */

typedef enum step_kind {
	STEP_DEFINE,		/* xml; undo: restore prev_xml or undefine */
	STEP_UNDEFINE,		/* net; undo: define prev_xml */
	STEP_START,		/* net; undo: destroy */
	STEP_STOP,		/* net; undo: start */
	STEP_AUTOSTART,		/* net; undo: nothing (undefine clears it) */
	STEP_NFT,		/* old -> new elements; undo: new -> old */
	STEP_LOCALNET,		/* bridge; undo: off */
	STEP_HAIRPIN,		/* bridge; undo: nothing (ports are the guests') */
	STEP_BRIDGE_CREATE,	/* bridge, xml = MAC or NULL; undo: delete */
	STEP_BRIDGE_DELETE,	/* bridge, xml = MAC; undo: create */
	STEP_TAKEOVER,		/* bridge, new = intent with uplink state; undo: give back */
	STEP_GIVEBACK,		/* bridge, old = intent with uplink state; undo: take over */
	STEP_NFT_DROP,		/* the last network is gone: drop our table; undo: recreate */
} step_kind;

typedef struct step {
	step_kind kind;
	char *net;
	char *xml;
	char *prev_xml;
	vnet_intent *old, *new;
	GHashTable *guests;
	int forwarding[2];	/* STEP_START: IPv4, IPv6 forwarding before; -1 unknown */
} step;

static void step_free(step *s)
{
	g_free(s->net);
	g_free(s->xml);
	g_free(s->prev_xml);
	vnet_intent_free(s->old);
	vnet_intent_free(s->new);
	if (s->guests)
		g_hash_table_unref(s->guests);
	g_free(s);
}

static step *step_new(GPtrArray *plan, step_kind kind, const char *net)
{
	step *s = g_new0(step, 1);

	s->kind = kind;
	s->net = g_strdup(net);
	g_ptr_array_add(plan, s);
	return s;
}

static char *step_describe(vnet_ctx *ctx, const step *s)
{
	switch (s->kind) {
	case STEP_DEFINE:
		return g_strdup_printf(s->prev_xml ? _("redefine libvirt network %s") : _("define libvirt network %s"), s->net);
	case STEP_UNDEFINE:
		return g_strdup_printf(_("undefine libvirt network %s"), s->net);
	case STEP_START:
		return g_strdup_printf(_("start libvirt network %s"), s->net);
	case STEP_STOP:
		return g_strdup_printf(_("stop libvirt network %s"), s->net);
	case STEP_AUTOSTART:
		return g_strdup_printf(_("mark libvirt network %s to start at boot"), s->net);
	case STEP_NFT: {
		g_autofree char *cmds = NULL;
		g_autoptr(GError) e = NULL;
		if (!vnet_nft_apply(ctx->nft, s->old, s->new, s->guests, true, &cmds, &e))
			return g_strdup_printf(_("nftables: %s"), e->message);
		return g_strdup_printf(_("nftables, one transaction:\n%s"), cmds && *cmds ? cmds : _("(nothing to change)\n"));
	}
	case STEP_LOCALNET:
		return g_strdup_printf(_("set route_localnet on bridge %s"), s->net);
	case STEP_HAIRPIN:
		return g_strdup_printf(_("set hairpin on the ports of bridge %s"), s->net);
	case STEP_BRIDGE_CREATE:
		return g_strdup_printf(_("create bridge %s"), s->net);
	case STEP_BRIDGE_DELETE:
		return g_strdup_printf(_("delete bridge %s"), s->net);
	case STEP_TAKEOVER:
		return g_strdup_printf(_("move uplink %s with its addresses and routes into bridge %s"),
				       s->new->uplink, s->net);
	case STEP_GIVEBACK:
		return g_strdup_printf(_("give uplink %s its addresses and routes back from bridge %s"),
				       s->old->uplink, s->net);
	case STEP_NFT_DROP:
		return g_strdup(_("remove the nftables table inet vnetctl: no network of vnetctl is left"));
	}
	return g_strdup("?");
}

static bool step_run(vnet_ctx *ctx, step *s, GError **error)
{
	switch (s->kind) {
	case STEP_DEFINE: {
		/* A redefinition keeps the DHCP reservations that attach made. */
		g_autofree char *carried = s->prev_xml ? vnet_attach_carry_hosts(s->xml, s->prev_xml) : NULL;
		return vnet_virt_define(ctx->virt, carried ? carried : s->xml, error);
	}
	case STEP_UNDEFINE:
		return vnet_virt_undefine(ctx->virt, s->net, error);
	case STEP_START:
		s->forwarding[0] = ctx->local ? vnet_link_get_forwarding(AF_INET) : -1;
		s->forwarding[1] = ctx->local ? vnet_link_get_forwarding(AF_INET6) : -1;
		return vnet_virt_start(ctx->virt, s->net, error);
	case STEP_STOP:
		return vnet_virt_destroy(ctx->virt, s->net, error);
	case STEP_AUTOSTART:
		return vnet_virt_set_autostart(ctx->virt, s->net, true, error);
	case STEP_NFT:
		return vnet_nft_apply(ctx->nft, s->old, s->new, s->guests, false, NULL, error);
	case STEP_NFT_DROP:
		return vnet_nft_delete_table(ctx->nft, error);
	case STEP_LOCALNET:
		return vnet_bridge_set_route_localnet(s->net, true, error);
	case STEP_HAIRPIN:
		return vnet_bridge_set_hairpin_all(s->net, error);
	case STEP_BRIDGE_CREATE:
		return vnet_link_bridge_create(s->net, s->xml, error);
	case STEP_BRIDGE_DELETE:
		return vnet_link_delete(s->net, error);
	case STEP_TAKEOVER:
		return vnet_link_takeover(s->new->uplink, s->net, s->new->uplink_saved, error);
	case STEP_GIVEBACK:
		return vnet_link_giveback(s->old->uplink, s->net, s->old->uplink_saved, error);
	}
	return false;
}

static bool step_undo(vnet_ctx *ctx, const step *s, GError **error)
{
	switch (s->kind) {
	case STEP_DEFINE:
		return s->prev_xml ? vnet_virt_define(ctx->virt, s->prev_xml, error)
				   : vnet_virt_undefine(ctx->virt, s->net, error);
	case STEP_UNDEFINE:
		return vnet_virt_define(ctx->virt, s->prev_xml, error);
	case STEP_START:
		if (!vnet_virt_destroy(ctx->virt, s->net, error))
			return false;
		/* Forwarding that libvirt turned on for this start goes off again. */
		if (s->forwarding[0] == 0 && vnet_link_get_forwarding(AF_INET) == 1 &&
		    !vnet_link_set_forwarding(AF_INET, false, error))
			return false;
		return s->forwarding[1] != 0 || vnet_link_get_forwarding(AF_INET6) != 1 ||
		       vnet_link_set_forwarding(AF_INET6, false, error);
	case STEP_STOP:
		return vnet_virt_start(ctx->virt, s->net, error);
	case STEP_AUTOSTART:
	case STEP_HAIRPIN:
		return true;
	case STEP_NFT:
		return vnet_nft_apply(ctx->nft, s->new, s->old, s->guests, false, NULL, error);
	case STEP_NFT_DROP:
		return vnet_nft_ensure_table(ctx->nft, error);
	case STEP_LOCALNET:
		/* The bridge may be gone with its network already. */
		return !vnet_link_exists(s->net) || vnet_bridge_set_route_localnet(s->net, false, error);
	case STEP_BRIDGE_CREATE:
		return vnet_link_delete(s->net, error);
	case STEP_BRIDGE_DELETE:
		return vnet_link_bridge_create(s->net, s->xml, error);
	case STEP_TAKEOVER:
		return vnet_link_giveback(s->new->uplink, s->net, s->new->uplink_saved, error);
	case STEP_GIVEBACK:
		return vnet_link_takeover(s->old->uplink, s->net, s->old->uplink_saved, error);
	}
	return false;
}

static char *plan_describe(vnet_ctx *ctx, GPtrArray *plan)
{
	GString *out = g_string_new(NULL);

	for (guint i = 0; i < plan->len; i++) {
		g_autofree char *d = step_describe(ctx, plan->pdata[i]);
		g_string_append_printf(out, "%u. %s%s", i + 1, d, g_str_has_suffix(d, "\n") ? "" : "\n");
	}
	return g_string_free(out, FALSE);
}

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
static bool plan_run(vnet_ctx *ctx, GPtrArray *plan, GError **error)
{
	/*
	 * Our table may appear during the plan from a step or from the network
	 * hook that libvirt runs on start: if it was not there before, a
	 * rolled-back plan removes it, so the ruleset is as it was.
	 */
	bool had_table = !ctx->local || !ctx->nft || vnet_nft_table_present(ctx->nft);
	guint i;

	for (i = 0; i < plan->len; i++)
		if (injected_failure(i, error) || !step_run(ctx, plan->pdata[i], error))
			break;
	if (i == plan->len)
		return true;
	while (i-- > 0) {
		g_autoptr(GError) undo_error = NULL;
		/* A failed undo is secondary: the user needs the cause. */
		step_undo(ctx, plan->pdata[i], &undo_error);
	}
	if (!had_table) {
		g_autoptr(GError) undo_error = NULL;
		vnet_nft_delete_table(ctx->nft, &undo_error);
	}
	return false;
}

/* ---- lock ---- */

bool vnet_ctx_lock(vnet_ctx *ctx, GError **error)
{
	const char *path = g_getenv("VNET_LOCK_PATH") ? g_getenv("VNET_LOCK_PATH") : VNET_LOCK_DEFAULT;
	/* Bounded: a peer that holds the lock longer than this is stuck. */
	const gint64 deadline = g_get_monotonic_time() + 120 * G_USEC_PER_SEC;
	int fd;

	if (ctx->lock_fd >= 0)
		return true;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		vnet_set_error(error, VNET_ERROR_FAILED,
			    _("Cannot open the lock file %s: %s."), path, g_strerror(errno));
		return false;
	}
	/* flock dies with its holder, so a killed vnetctl leaves no stale lock. */
	while (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		if (errno != EWOULDBLOCK || g_get_monotonic_time() > deadline) {
			vnet_set_error(error, VNET_ERROR_FAILED,
				    _("Another vnetctl has held the lock %s for two minutes; try again when it is done."),
				    path);
			close(fd);
			return false;
		}
		g_usleep(50 * 1000);
	}
	ctx->lock_fd = fd;
	return true;
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
	if (!(ctx->nft = vnet_nft_new(error))) {
		vnet_ctx_free(ctx);
		return NULL;
	}
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
	if (!(ctx->nft = vnet_nft_new(error))) {
		vnet_ctx_free(ctx);
		return NULL;
	}
	return ctx;
}

void vnet_ctx_free(vnet_ctx *ctx)
{
	if (!ctx)
		return;
	vnet_ctx_unlock(ctx);
	g_free(ctx->session_addr);
	vnet_nft_free(ctx->nft);
	vnet_virt_close(ctx->virt);
	g_free(ctx);
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

/* The guests named in DHCP host entries of the intent's NAT network. */
static GHashTable *read_guests(vnet_ctx *ctx, const vnet_intent *in)
{
	g_autofree char *name = vnet_intent_network_name(in, 0);
	g_autofree char *xml = ctx->virt ? vnet_virt_network_xml(ctx->virt, name, false, NULL) : NULL;
	g_autoptr(vnet_netxml) facts = xml ? vnet_netxml_parse(xml, NULL) : NULL;

	if (!facts)
		return g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	return g_hash_table_ref(facts->guests);
}

static bool intent_active(vnet_ctx *ctx, const vnet_intent *in)
{
	g_autofree char *name = vnet_intent_network_name(in, 0);

	return ctx->virt && vnet_virt_network_active(ctx->virt, name);
}

/* The host side of a running network: elements, localhost, hairpin. */
static void plan_host_side(vnet_ctx *ctx, GPtrArray *plan, const vnet_intent *old,
			   const vnet_intent *new, GHashTable *guests)
{
	step *s;

	if (!ctx->local)
		return;		/* the hook on the hypervisor does it */
	if (!vnet_mode_has_own_bridge((new ? new : old)->mode))
		return;		/* a bridged network's traffic is the LAN's business */
	s = step_new(plan, STEP_NFT, NULL);
	s->old = old ? vnet_intent_copy(old) : NULL;
	s->new = new ? vnet_intent_copy(new) : NULL;
	s->guests = g_hash_table_ref(guests);
	if (new && !old && vnet_mode_has_own_bridge(new->mode)) {
		if (new->mode != VNET_MODE_ISOLATED)
			step_new(plan, STEP_LOCALNET, new->bridge);
		step_new(plan, STEP_HAIRPIN, new->bridge);
	}
}

/* The bridge guests share with the LAN, if the intent has one. */
static const char *lan_bridge(const vnet_intent *in)
{
	switch (in->mode) {
	case VNET_MODE_BRIDGED:
		return in->bridge;
	case VNET_MODE_HYBRID:
		return in->lan_bridge;
	case VNET_MODE_NAT:
	case VNET_MODE_ISOLATED:
		return NULL;
	}
	return NULL;
}

/*
 * Before a create: note what the LAN side will change (a bridge to make,
 * the uplink's state to move), into the intent, so that <metadata> records
 * it for delete; and whether the change could cut an admin off.
 */
static bool prepare_lan(vnet_ctx *ctx, vnet_intent *in, const vnet_host *host, GError **error)
{
	const char *br = lan_bridge(in);

	if (!br || !ctx->local)
		return true;
	in->bridge_created = !vnet_host_find_link(host, br);
	if (!in->uplink)
		return true;
	vnet_uplink_state_free(in->uplink_saved);
	if (!(in->uplink_saved = vnet_link_save(in->uplink, error)))
		return false;
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
	if (in->confirm_deadline)
		in->confirm_deadline = g_get_real_time() / G_USEC_PER_SEC + ctx->confirm_timeout;
	return true;
}

static void plan_lan_up(GPtrArray *plan, const vnet_intent *in)
{
	const char *br = lan_bridge(in);
	step *s;

	if (!br)
		return;
	if (in->bridge_created) {
		s = step_new(plan, STEP_BRIDGE_CREATE, br);
		/* The bridge takes the uplink's MAC: the LAN's DHCP server and switches see the same host. */
		s->xml = g_strdup(in->uplink_saved ? in->uplink_saved->mac : NULL);
	}
	if (in->uplink && in->uplink_saved) {
		s = step_new(plan, STEP_TAKEOVER, br);
		s->new = vnet_intent_copy(in);
	}
}

static void plan_lan_down(GPtrArray *plan, const vnet_intent *in)
{
	const char *br = lan_bridge(in);
	step *s;

	if (!br)
		return;
	if (in->uplink && in->uplink_saved) {
		s = step_new(plan, STEP_GIVEBACK, br);
		s->old = vnet_intent_copy(in);
	}
	if (in->bridge_created) {
		s = step_new(plan, STEP_BRIDGE_DELETE, br);
		s->xml = g_strdup(in->uplink_saved ? in->uplink_saved->mac : NULL);
	}
}

static void plan_create(vnet_ctx *ctx, GPtrArray *plan, const vnet_intent *in, GHashTable *guests,
			bool lan)
{
	if (ctx->local && lan)
		plan_lan_up(plan, in);
	for (guint i = 0; i < vnet_intent_n_networks(in); i++) {
		g_autofree char *name = vnet_intent_network_name(in, i);
		step *s = step_new(plan, STEP_DEFINE, name);
		s->xml = vnet_intent_network_xml(in, i, NULL);
		if (in->autostart)
			step_new(plan, STEP_AUTOSTART, name);
		step_new(plan, STEP_START, name);
	}
	plan_host_side(ctx, plan, NULL, in, guests);
}

static void plan_remove(vnet_ctx *ctx, GPtrArray *plan, const vnet_intent *in, GHashTable *guests,
			bool lan)
{
	if (intent_active(ctx, in))
		plan_host_side(ctx, plan, in, NULL, guests);
	for (guint i = 0; i < vnet_intent_n_networks(in); i++) {
		g_autofree char *name = vnet_intent_network_name(in, i);
		step *s;
		if (!vnet_virt_network_exists(ctx->virt, name))
			continue;
		if (vnet_virt_network_active(ctx->virt, name))
			step_new(plan, STEP_STOP, name);
		s = step_new(plan, STEP_UNDEFINE, name);
		s->prev_xml = vnet_virt_network_xml(ctx->virt, name, true, NULL);
	}
	if (ctx->local && lan)
		plan_lan_down(plan, in);
}

/* Redefine every network of @in with new metadata; elements follow if it runs. */
static void plan_update(vnet_ctx *ctx, GPtrArray *plan, const vnet_intent *old,
			const vnet_intent *new, GHashTable *guests)
{
	for (guint i = 0; i < vnet_intent_n_networks(new); i++) {
		g_autofree char *name = vnet_intent_network_name(new, i);
		step *s = step_new(plan, STEP_DEFINE, name);
		s->xml = vnet_intent_network_xml(new, i, NULL);
		s->prev_xml = vnet_virt_network_xml(ctx->virt, name, true, NULL);
	}
	if (intent_active(ctx, old))
		plan_host_side(ctx, plan, old, new, guests);
}

/* Whether @a and @b differ only in their forwards. */
static bool only_forwards_differ(const vnet_intent *a, const vnet_intent *b)
{
	g_autoptr(vnet_intent) ca = vnet_intent_copy(a);
	g_autoptr(vnet_intent) cb = vnet_intent_copy(b);

	g_ptr_array_set_size(ca->forwards, 0);
	g_ptr_array_set_size(cb->forwards, 0);
	return vnet_intent_equal(ca, cb);
}

/* What the user left out of an intent that already exists stays as it is. */
static bool same_lan(const vnet_intent *a, const vnet_intent *b)
{
	return g_strcmp0(lan_bridge(a), lan_bridge(b)) == 0 && g_strcmp0(a->uplink, b->uplink) == 0;
}

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
	vnet_intent_refresh_strings(in);
}

bool vnet_ctx_apply(vnet_ctx *ctx, vnet_intent *intent, unsigned flags,
		    char **ret_plan, bool *ret_changed, GError **error)
{
	g_autoptr(GPtrArray) plan = g_ptr_array_new_with_free_func((GDestroyNotify)step_free);
	g_autoptr(vnet_host) host = NULL;
	g_autoptr(GHashTable) guests = NULL;
	const vnet_intent *old = NULL;
	bool dry = flags & VNET_APPLY_DRY_RUN;
	bool ok;

	if (!dry && (!need_virt(ctx, error) || !vnet_ctx_lock(ctx, error)))
		return false;
	host = vnet_ctx_read_host(ctx, error);
	if (!host)
		goto out_fail;
	if (intent->name)
		old = host_intent(host, intent->name);
	if (old && (flags & VNET_APPLY_CREATE)) {
		vnet_set_error(error, VNET_ERROR_CONFLICT,
			    _("Network \"%s\" already exists; change it with \"vnetctl apply\" or remove it with \"vnetctl delete %s\"."),
			    intent->name, intent->name);
		goto out_fail;
	}
	if (old)
		inherit(intent, old);
	if (!vnet_intent_complete(intent, host, error) ||
	    !vnet_intent_validate(intent, host, (flags & VNET_APPLY_FORCE) ? VNET_VALIDATE_FORCE : 0, error))
		goto out_fail;

	guests = old ? read_guests(ctx, old) : g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	if (!old) {
		if (!prepare_lan(ctx, intent, host, error))
			goto out_fail;
		plan_create(ctx, plan, intent, guests, true);
	} else if (vnet_intent_equal(old, intent)) {
		/* Converged already: check the kernel still has the elements, cheaply. */
		if (intent_active(ctx, old))
			plan_host_side(ctx, plan, NULL, intent, guests);
	} else if (only_forwards_differ(old, intent)) {
		plan_update(ctx, plan, old, intent, guests);
	} else {
		/* Replace; a LAN side that stays the same is left as it is. */
		bool lan = !same_lan(old, intent);
		if (lan && !prepare_lan(ctx, intent, host, error))
			goto out_fail;
		plan_remove(ctx, plan, old, guests, lan);
		plan_create(ctx, plan, intent, guests, lan);
	}
	if (ret_changed)
		*ret_changed = !old || !vnet_intent_equal(old, intent);
	if (ret_plan)
		*ret_plan = plan_describe(ctx, plan);
	ok = dry || plan_run(ctx, plan, error);
	vnet_ctx_unlock(ctx);
	return ok;
out_fail:
	vnet_ctx_unlock(ctx);
	return false;
}

/* The managed intent @name of @host, or NULL with NOT_FOUND. */
static const vnet_intent *find_managed(const vnet_host *host, const char *name, GError **error)
{
	const vnet_intent *in = host_intent(host, name);

	if (!in)
		vnet_set_error(error, VNET_ERROR_NOT_FOUND,
			       _("vnetctl manages no network \"%s\"; see \"vnetctl list\"."), name);
	return in;
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
	g_autoptr(GPtrArray) plan = g_ptr_array_new_with_free_func((GDestroyNotify)step_free);
	g_autoptr(vnet_intent) in = NULL;
	g_autoptr(vnet_host) host = NULL;
	g_autoptr(GHashTable) guests = NULL;
	bool ok;

	if (!need_virt(ctx, error) || !vnet_ctx_lock(ctx, error))
		return false;
	in = get_locked(ctx, name, &host, error);
	if (!in) {
		vnet_ctx_unlock(ctx);
		return false;
	}
	guests = read_guests(ctx, in);
	plan_remove(ctx, plan, in, guests, true);
	if (ctx->local && host->intents->len == 1 && vnet_nft_table_present(ctx->nft))
		step_new(plan, STEP_NFT_DROP, NULL);
	ok = plan_run(ctx, plan, error);
	vnet_ctx_unlock(ctx);
	return ok;
}

static int intent_cmp(gconstpointer a, gconstpointer b)
{
	const vnet_intent *x = *(vnet_intent *const *)a, *y = *(vnet_intent *const *)b;

	return g_strcmp0(x->name, y->name);
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

vnet_intent *vnet_ctx_get(vnet_ctx *ctx, const char *name, bool *ret_active, GError **error)
{
	g_autoptr(vnet_host) host = vnet_host_new();
	const vnet_intent *in;

	if (!need_virt(ctx, error) || !vnet_virt_read_networks(ctx->virt, host, error) ||
	    !(in = find_managed(host, name, error)))
		return NULL;
	if (ret_active)
		*ret_active = intent_active(ctx, in);
	return vnet_intent_copy(in);
}

bool vnet_ctx_is_active(vnet_ctx *ctx, const vnet_intent *intent)
{
	return intent_active(ctx, intent);
}

GPtrArray *vnet_ctx_leases(vnet_ctx *ctx, const char *name, GError **error)
{
	g_autoptr(vnet_intent) in = vnet_ctx_get(ctx, name, NULL, error);
	g_autofree char *net = NULL;

	if (!in)
		return NULL;
	net = vnet_intent_network_name(in, 0);
	if (!intent_active(ctx, in))
		return g_ptr_array_new_with_free_func(g_free);
	return vnet_virt_leases(ctx->virt, net, error);
}

bool vnet_ctx_forward(vnet_ctx *ctx, const char *name, const char *spec, bool add,
		      unsigned flags, GError **error)
{
	g_autoptr(GPtrArray) plan = g_ptr_array_new_with_free_func((GDestroyNotify)step_free);
	g_autoptr(vnet_host) host = NULL;
	g_autoptr(vnet_intent) old = NULL, new = NULL;
	g_autoptr(GHashTable) guests = NULL;
	bool ok = false;

	if (!need_virt(ctx, error) || !vnet_ctx_lock(ctx, error))
		return false;
	old = get_locked(ctx, name, &host, error);
	if (!old)
		goto out;
	new = vnet_intent_copy(old);
	if (add ? !vnet_intent_add_forward(new, spec, error) : !vnet_intent_remove_forward(new, spec, error))
		goto out;
	if (add && !vnet_intent_validate(new, host, (flags & VNET_APPLY_FORCE) ? VNET_VALIDATE_FORCE : 0, error))
		goto out;
	guests = read_guests(ctx, old);
	plan_update(ctx, plan, old, new, guests);
	ok = plan_run(ctx, plan, error);
out:
	vnet_ctx_unlock(ctx);
	return ok;
}

bool vnet_ctx_restore(vnet_ctx *ctx, guint *ret_count, GError **error)
{
	g_autoptr(GPtrArray) plan = g_ptr_array_new_with_free_func((GDestroyNotify)step_free);
	g_autoptr(GPtrArray) intents = NULL;
	guint count = 0;
	bool ok;

	if (!need_virt(ctx, error))
		return false;
	if (!ctx->local) {
		vnet_set_error(error, VNET_ERROR_INVALID,
			    _("restore changes this host's firewall, but the connection is to another host; run it there."));
		return false;
	}
	if (!vnet_ctx_lock(ctx, error))
		return false;
	intents = vnet_ctx_list(ctx, error);
	if (!intents) {
		vnet_ctx_unlock(ctx);
		return false;
	}
	for (guint i = 0; i < intents->len; i++) {
		const vnet_intent *in = intents->pdata[i];
		g_autoptr(GHashTable) guests = NULL;
		if (!intent_active(ctx, in))
			continue;
		guests = read_guests(ctx, in);
		plan_host_side(ctx, plan, NULL, in, guests);
		count++;
	}
	ok = plan_run(ctx, plan, error);
	vnet_ctx_unlock(ctx);
	if (ok && ret_count)
		*ret_count = count;
	return ok;
}

bool vnet_ctx_confirm(vnet_ctx *ctx, const char *name, GError **error)
{
	g_autoptr(GPtrArray) plan = g_ptr_array_new_with_free_func((GDestroyNotify)step_free);
	g_autoptr(vnet_intent) old = NULL, new = NULL;
	bool ok = false;

	if (!need_virt(ctx, error) || !vnet_ctx_lock(ctx, error))
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
		step *s = step_new(plan, STEP_DEFINE, net);
		s->xml = vnet_intent_network_xml(new, i, NULL);
		s->prev_xml = vnet_virt_network_xml(ctx->virt, net, true, NULL);
	}
	ok = plan_run(ctx, plan, error);
out:
	vnet_ctx_unlock(ctx);
	return ok;
}

bool vnet_ctx_revert(vnet_ctx *ctx, const char *name, bool *ret_reverted, GError **error)
{
	g_autoptr(vnet_intent) in = NULL;
	g_autoptr(GError) local = NULL;

	if (ret_reverted)
		*ret_reverted = false;
	/* Under the lock, so that a confirm cannot slip in between. */
	if (!need_virt(ctx, error) || !vnet_ctx_lock(ctx, error))
		return false;
	in = vnet_ctx_get(ctx, name, NULL, &local);
	if (!in || !in->confirm_deadline) {
		vnet_ctx_unlock(ctx);
		return true;	/* gone, or confirmed: nothing to revert */
	}
	if (!vnet_ctx_delete(ctx, name, error))	/* releases the lock */
		return false;
	if (ret_reverted)
		*ret_reverted = true;
	return true;
}

/* ---- the libvirt network hook ---- */

bool vnet_hook_run(const char *network, const char *op, const char *subop,
		   const char *xml, GError **error)
{
	g_autoptr(vnet_intent) in = NULL;
	g_autoptr(vnet_netxml) facts = NULL;
	g_autoptr(vnet_nft) nft = NULL;
	g_autofree char *nat_half = NULL;

	if (!xml || !strstr(xml, VNET_XML_NS))
		return true;	/* not ours */
	in = vnet_intent_from_xml(xml, -1, error);
	if (!in)
		return false;
	nat_half = vnet_intent_network_name(in, 0);
	/* Only the network with our bridge and elements: not a hybrid's LAN half. */
	if (g_strcmp0(network, nat_half) != 0 || !vnet_mode_has_own_bridge(in->mode))
		return true;
	facts = vnet_netxml_parse(xml, error);
	if (!facts)
		return false;

	/*
	 * No lock here: a vnetctl that holds it may be waiting in libvirtd for
	 * this very hook.  Each nftables change is one atomic transaction, and
	 * adding or deleting elements twice is harmless, so none is needed.
	 */
	if (g_strcmp0(op, "started") == 0) {
		if (!(nft = vnet_nft_new(error)) ||
		    !vnet_nft_apply(nft, NULL, in, facts->guests, false, NULL, error))
			return false;
		if (in->mode != VNET_MODE_ISOLATED && !vnet_bridge_set_route_localnet(in->bridge, true, error))
			return false;
		return vnet_bridge_set_hairpin_all(in->bridge, error);
	}
	if (g_strcmp0(op, "stopped") == 0) {
		return (nft = vnet_nft_new(error)) &&
		       vnet_nft_apply(nft, in, NULL, facts->guests, false, NULL, error);
	}
	if (g_strcmp0(op, "port-created") == 0 || g_strcmp0(op, "plugged") == 0 ||
	    g_strcmp0(op, "updated") == 0)
		return !vnet_link_exists(in->bridge) || vnet_bridge_set_hairpin_all(in->bridge, error);
	return true;
}
