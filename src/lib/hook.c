/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * hook: what libvirt's network and qemu hooks run (see hook.h).  Neither
 * calls libvirtd (it waits for the hook: a deadlock) nor takes the
 * host-wide lock (a vnetctl holding it may be waiting in libvirtd for this
 * very hook).  Each runs its steps through the transaction engine without
 * a journal: a hook that fails undoes what it did in that run before
 * libvirt hears of it.
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include <vnet/ctx.h>

#include "context.h"
#include "exec.h"
#include "guests.h"
#include "hook.h"
#include "netlink.h"
#include "netxml.h"
#include "nft.h"
#include "planner.h"
#include "txn.h"
#include "xml.h"
#include "util.h"

/* ---- approvals: what root's vnetctl made on this host ---- */

static char *approval_path(const char *name)
{
	const char *dir = g_getenv("VNET_STATE_DIR");

	return g_build_filename(dir ? dir : VNET_STATE_DEFAULT, "approved", name, NULL);
}

/*
 * The intent as approved: a digest of what it asks for, not of what vnetctl
 * did: its text in its first network's XML, less its <state>
 * (vnet_intent_xml_digest_region()).  @network_xml is that XML when the
 * caller has it (a define's), else it is written here.
 */
static char *intent_digest(const vnet_intent *in, const char *network_xml)
{
	g_autofree char *own = network_xml ? NULL : vnet_intent_network_xml(in, 0, NULL);
	const char *a, *b;
	gsize na, nb;
	vnet_sha256 *c;

	if (!vnet_intent_xml_digest_region(network_xml ? network_xml : own, &a, &na, &b, &nb)) {
		/* An intent that cannot be a network yet: the text it has alone. */
		g_autofree char *xml = vnet_intent_to_xml_without_state(in);
		return vnet_sha256_string(xml);
	}
	c = vnet_sha256_new();
	vnet_sha256_update(c, a, na);
	vnet_sha256_update(c, b, nb);
	return vnet_sha256_finish(c);
}

bool vnet_hook_approve(const vnet_intent *in, GError **error)
{
	return vnet_hook_approve_xml(in, NULL, error);
}

bool vnet_hook_approve_xml(const vnet_intent *in, const char *network_xml, GError **error)
{
	g_autofree char *path = NULL, *dir = NULL, *digest = NULL;
	g_autoptr(GError) local = NULL;

	/* Only root's word counts, and only root may write it. */
	if (geteuid() != 0)
		return true;
	path = approval_path(in->name);
	dir = g_path_get_dirname(path);
	digest = intent_digest(in, network_xml);
	if (g_mkdir_with_parents(dir, 0700) < 0 ||
	    !g_file_set_contents_full(path, digest, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0600, &local)) {
		vnet_set_error(error, VNET_ERROR_FAILED, _("Cannot record network \"%s\" in %s: %s."), in->name,
			       dir, local ? local->message : g_strerror(errno));
		return false;
	}
	return true;
}

void vnet_hook_forget(const char *name)
{
	g_autofree char *path = vnet_name_is_valid(name, VNET_NAME_MAX) ? approval_path(name) : NULL;

	if (path)
		g_unlink(path);
}

/* Root's record of @in, or NULL: one anyone but root could have written is no record. */
static char *read_record(const char *name)
{
	g_autofree char *path = approval_path(name);
	char *text = NULL;
	GStatBuf st;

	if (g_stat(path, &st) < 0 || st.st_uid != 0 || (st.st_mode & 022) ||
	    !g_file_get_contents(path, &text, NULL, NULL))
		return NULL;
	return g_strstrip(text);
}

bool vnet_hook_xml_approved(const vnet_intent *in, const char *network_xml)
{
	g_autofree char *text = vnet_name_is_valid(in->name, VNET_NAME_MAX) ? read_record(in->name) : NULL;
	g_autofree char *digest = NULL;
	const char *a, *b;
	gsize na, nb;

	if (!text || !network_xml || !vnet_intent_xml_digest_region(network_xml, &a, &na, &b, &nb))
		return false;
	digest = intent_digest(in, network_xml);
	return g_str_equal(text, digest);
}

static bool approved(const vnet_intent *in)
{
	g_autofree char *text = read_record(in->name), *digest = NULL;
	g_autofree char *alone = NULL, *legacy = NULL, *d2 = NULL, *d1 = NULL;

	if (!text)
		return false;
	digest = intent_digest(in, NULL);
	if (g_str_equal(text, digest))
		return true;
	/*
	 * Records made before still count, once read: of the intent written
	 * alone (until 2026-12), and before <forwards> of each forward as an
	 * element.  The next vnetctl command writes the record anew.
	 */
	alone = vnet_intent_to_xml_without_state(in);
	d2 = vnet_sha256_string(alone);
	if (g_str_equal(text, d2))
		return true;
	if (!in->forwards->len)
		return false;
	legacy = vnet_intent_to_xml_legacy(in);
	d1 = vnet_sha256_string(legacy);
	return g_str_equal(text, d1);
}

/* ---- the policy for networks root's vnetctl did not make ---- */

typedef struct policy {
	GArray *ports;		/* guint16 pairs: first, last */
	GPtrArray *addrs;	/* vnet_addr *; empty: any */
	char *path;
} policy;

static void policy_clear(policy *p)
{
	if (p->ports)
		g_array_unref(p->ports);
	if (p->addrs)
		g_ptr_array_unref(p->addrs);
	g_free(p->path);
}

static bool policy_bad(const policy *p, const char *key, const char *value, GError **error)
{
	vnet_set_error(error, VNET_ERROR_INVALID,
		       _("The policy %s has a bad %s \"%s\"; write ports as 1024-65535,8080 and addresses as 192.0.2.1,2001:db8::1. The hook refuses to give rules until it is fixed."),
		       p->path, key, value);
	return false;
}

static bool policy_load(policy *p, GError **error)
{
	const char *env = g_getenv("VNET_POLICY");
	g_autoptr(GKeyFile) kf = g_key_file_new();
	g_autoptr(GError) local = NULL;
	g_autofree char *ports = NULL, *addrs = NULL;
	g_auto(GStrv) pf = NULL, af = NULL;

	p->path = g_strdup(env ? env : SYSCONFDIR "/vnetctl/policy");
	p->ports = g_array_new(FALSE, FALSE, sizeof(guint16));
	p->addrs = g_ptr_array_new_with_free_func(g_free);
	if (g_key_file_load_from_file(kf, p->path, G_KEY_FILE_NONE, &local)) {
		ports = g_key_file_get_string(kf, "hook", "ports", NULL);
		addrs = g_key_file_get_string(kf, "hook", "addresses", NULL);
	} else if (!g_error_matches(local, G_FILE_ERROR, G_FILE_ERROR_NOENT)) {
		vnet_set_error(error, VNET_ERROR_INVALID,
			       _("The policy %s cannot be read: %s. The hook refuses to give rules until it is fixed."),
			       p->path, local->message);
		return false;
	}
	/* By default a network nobody vetted as root publishes no privileged port. */
	pf = g_strsplit(ports ? ports : "1024-65535", ",", -1);
	for (guint i = 0; pf[i]; i++) {
		g_auto(GStrv) r = g_strsplit(g_strstrip(pf[i]), "-", 2);
		guint64 a, b;
		if (!*pf[i])
			continue;
		if (!g_ascii_string_to_unsigned(r[0], 10, 1, 65535, &a, NULL) ||
		    !g_ascii_string_to_unsigned(r[1] ? r[1] : r[0], 10, a, 65535, &b, NULL))
			return policy_bad(p, "ports", pf[i], error);
		g_array_append_vals(p->ports, (guint16[]){ (guint16)a, (guint16)b }, 2);
	}
	af = g_strsplit(addrs ? addrs : "", ",", -1);
	for (guint i = 0; af[i]; i++) {
		vnet_addr a;
		if (!*g_strstrip(af[i]))
			continue;
		if (!vnet_addr_parse(af[i], &a, NULL))
			return policy_bad(p, "addresses", af[i], error);
		g_ptr_array_add(p->addrs, g_memdup2(&a, sizeof(a)));
	}
	return true;
}

static bool policy_allows_ports(const policy *p, guint first, guint last)
{
	for (guint i = 0; i + 1 < p->ports->len; i += 2)
		if (first >= g_array_index(p->ports, guint16, i) && last <= g_array_index(p->ports, guint16, i + 1))
			return true;
	return false;
}

static bool policy_allows_addr(const policy *p, const vnet_forward *f)
{
	if (!p->addrs->len)
		return true;
	for (guint i = 0; f->has_host_addr && i < p->addrs->len; i++)
		if (vnet_addr_equal(p->addrs->pdata[i], &f->host_addr))
			return true;
	return false;
}

static bool check_policy(const vnet_intent *in, GError **error)
{
	policy p = { 0 };
	bool ok = policy_load(&p, error);

	for (guint i = 0; ok && i < in->forwards->len; i++) {
		const vnet_forward *f = in->forwards->pdata[i];
		g_autofree char *spec = vnet_forward_format(f);
		if (!policy_allows_ports(&p, f->host_port, f->host_port_end)) {
			vnet_set_error(error, VNET_ERROR_CONFLICT,
				       _("Network \"%s\" was not made by vnetctl as root on this host, and its forward %s publishes a host port that the policy %s does not allow; the hook gives it no rules. Create it with vnetctl as root on this host, or allow the port in the policy."),
				       in->name, spec, p.path);
			ok = false;
		} else if (!policy_allows_addr(&p, f)) {
			vnet_set_error(error, VNET_ERROR_CONFLICT,
				       _("Network \"%s\" was not made by vnetctl as root on this host, and its forward %s publishes a host address that the policy %s does not allow; the hook gives it no rules. Create it with vnetctl as root on this host, or allow the address in the policy."),
				       in->name, spec, p.path);
			ok = false;
		}
	}
	policy_clear(&p);
	return ok;
}

/* ---- the intent against its own libvirt definition ---- */

static bool has_string(GPtrArray *a, const char *s)
{
	for (guint i = 0; i < a->len; i++)
		if (g_strcmp0(a->pdata[i], s) == 0)
			return true;
	return false;
}

static bool disagree(const char *network, const char *what, const char *mine, const char *libvirts,
		     GError **error)
{
	vnet_set_error(error, VNET_ERROR_CONFLICT,
		       _("The vnetctl intent in the metadata of libvirt network \"%s\" disagrees with the network's own definition (%s: \"%s\" in the intent, \"%s\" in libvirt's definition); the hook gives it no rules. Make the network with \"vnetctl create\" or \"vnetctl apply\"."),
		       network, what, mine ? mine : "-", libvirts ? libvirts : "-");
	return false;
}

static bool check_definition(const char *network, const vnet_intent *in, const vnet_netxml *facts,
			     GError **error)
{
	guint n_subnets = (in->has_subnet4 ? 1 : 0) + (in->has_subnet6 ? 1 : 0);
	const char *subs[2] = { in->s_subnet4, in->s_subnet6 };
	const char *gws[2] = { in->s_gateway4, in->s_gateway6 };

	if (g_strcmp0(in->bridge, facts->bridge) != 0)
		return disagree(network, "bridge", in->bridge, facts->bridge, error);
	if (g_strcmp0(facts->forward_mode, "open") != 0)
		return disagree(network, "forward mode", "open", facts->forward_mode, error);
	for (guint i = 0; i < 2; i++) {
		if (subs[i] && !has_string(facts->subnets, subs[i]))
			return disagree(network, "subnet", subs[i],
					facts->subnets->len ? facts->subnets->pdata[0] : NULL, error);
		if (gws[i] && !has_string(facts->gateways, gws[i]))
			return disagree(network, "gateway", gws[i],
					facts->gateways->len ? facts->gateways->pdata[0] : NULL, error);
	}
	if (facts->subnets->len != n_subnets)
		return disagree(network, "subnets", subs[0],
				facts->subnets->len ? facts->subnets->pdata[0] : NULL, error);
	return true;
}

/* This host's facts without the network's own bridge, which libvirt made for it. */
static vnet_host *host_without(const char *bridge, GError **error)
{
	g_autoptr(vnet_host) host = vnet_host_new();

	if (!vnet_link_read_host(host, error) || !vnet_link_read_listeners(host, error))
		return NULL;
	for (guint i = host->links->len; i-- > 0;)
		if (g_strcmp0(((vnet_host_link *)host->links->pdata[i])->name, bridge) == 0)
			g_ptr_array_remove_index(host->links, i);
	for (guint i = host->addrs->len; i-- > 0;)
		if (g_strcmp0(g_array_index(host->addrs, vnet_host_addr, i).ifname, bridge) == 0)
			g_array_remove_index(host->addrs, i);
	for (guint i = host->routes->len; i-- > 0;)
		if (g_strcmp0(g_array_index(host->routes, vnet_host_addr, i).ifname, bridge) == 0)
			g_array_remove_index(host->routes, i);
	return g_steal_pointer(&host);
}

/*
 * Everything create checks, here from what the hook may read: the
 * definition libvirt hands it, the kernel, our table; and, for a network
 * root's vnetctl did not make on this host, the policy.
 */
static bool hook_validate(const char *network, const vnet_intent *in, const vnet_netxml *facts,
			  vnet_nft *nft, GError **error)
{
	g_autoptr(vnet_host) host = NULL;
	bool vetted = approved(in);

	if (!check_definition(network, in, facts, error))
		return false;
	if (!(host = host_without(in->bridge, error)))
		return false;
	/* What root's vnetctl checked at create (--force included) stands. */
	if (!vnet_intent_validate(in, host, vetted ? VNET_VALIDATE_FORCE : 0, error))
		return false;
	if (!vetted && !check_policy(in, error))
		return false;
	return vnet_nft_check_claims(nft, in, facts->guests, error);
}

/* ---- the running networks' definitions, for the qemu hook ---- */

/*
 * The network hook keeps a copy of each running network's definition, as
 * libvirt gave it, so that the qemu hook and `vnetctl watch`, which may not
 * or need not ask libvirtd, can re-point that network's forwards.
 */
static char *live_path(const char *network)
{
	const char *dir = g_getenv("VNET_RUN_DIR");

	return g_strdup_printf("%s/live/%s.xml", dir ? dir : "/run/vnetctl", network);
}

/*
 * Defining a running network changes only its persistent definition:
 * libvirt's live one, which the hooks get on stdin, keeps the metadata it
 * started with until the network restarts.  What vnetctl defined since
 * (a forward added, a static address recorded) is kept beside the live copy,
 * and the intent is read from it, else every later hook event and re-point
 * would take the table back to the intent of the start.
 */
static char *defined_path(const char *network)
{
	const char *dir = g_getenv("VNET_RUN_DIR");

	return g_strdup_printf("%s/live/%s.defined", dir ? dir : "/run/vnetctl", network);
}

void vnet_hook_redefined(const char *network, const char *xml)
{
	g_autofree char *live = vnet_name_is_valid(network, VNET_NAME_MAX) ? live_path(network) : NULL;
	g_autofree char *path = live ? defined_path(network) : NULL;

	/* A network that does not run starts with what was defined. */
	if (!live || !g_file_test(live, G_FILE_TEST_EXISTS))
		return;
	if (!xml || !g_file_set_contents_full(path, xml, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0600, NULL))
		g_unlink(path);
}

/* The intent of running network @network: what vnetctl defined since it started, else @xml's. */
static vnet_intent *live_intent(const char *network, const char *xml, GError **error)
{
	g_autofree char *path = defined_path(network), *defined = NULL;
	vnet_intent *in;

	if (g_file_get_contents(path, &defined, NULL, NULL) && (in = vnet_intent_from_xml(defined, -1, NULL)))
		return in;
	return vnet_intent_from_xml(xml, -1, error);
}

static void keep_live(const char *network, const char *xml)
{
	g_autofree char *path = vnet_name_is_valid(network, VNET_NAME_MAX) ? live_path(network) : NULL;
	g_autofree char *dir = path ? g_path_get_dirname(path) : NULL;

	if (!path)
		return;
	if (!xml) {
		g_autofree char *defined = defined_path(network);
		g_unlink(defined);
		g_unlink(path);
		return;
	}
	if (g_mkdir_with_parents(dir, 0700) == 0)
		g_file_set_contents_full(path, xml, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0600, NULL);
}

/* The elements of running network @network pointed at its guests as they are now. */
static bool repoint(const char *network, vnet_nft *nft, bool ports, GError **error)
{
	g_autoptr(GError) hairpin = NULL;
	g_autofree char *path = live_path(network), *xml = NULL;
	g_autoptr(vnet_intent) in = NULL;
	g_autoptr(vnet_netxml) facts = NULL;
	g_autoptr(GPtrArray) guests = NULL, plan = vnet_plan_new();
	g_autoptr(GHashTable) targets = NULL;
	vnet_exec x = { .nft = nft, .local = true };
	vnet_txn t = { .ops = &vnet_exec_ops, .backend = &x, .what = "re-point forwards" };

	if (!g_file_get_contents(path, &xml, NULL, NULL))
		return true;	/* not running, or not ours */
	if (!(in = live_intent(network, xml, error)))
		return false;
	vnet_netxml_drop_metadata(xml);	/* the rest reads no intent: parse no forwards */
	if (!(facts = vnet_netxml_parse(xml, error)))
		return false;
	/*
	 * A port that came without a hook reaches its own forwards too; a
	 * failure there (a link that changes meanwhile) is said, but holds up
	 * neither the guard nor the forwards.
	 */
	if (ports && vnet_mode_has_forwards(in->mode) && vnet_link_exists(in->bridge))
		vnet_bridge_set_hairpin_all(in->bridge, &hairpin);
	guests = vnet_guests_read(in->bridge, xml, NULL);
	targets = vnet_guests_targets(in, guests);
	/* Exact: only the elements whose target moved change, in one transaction. */
	vnet_step_new(plan, VNET_STEP_NFT, NULL);
	((vnet_step *)plan->pdata[0])->new = g_steal_pointer(&in);
	((vnet_step *)plan->pdata[0])->old_guests = g_hash_table_ref(targets);
	((vnet_step *)plan->pdata[0])->new_guests = g_hash_table_ref(targets);
	((vnet_step *)plan->pdata[0])->exact = true;
	if (!vnet_txn_run(&t, plan, error))
		return false;
	if (hairpin) {
		g_propagate_error(error, g_steal_pointer(&hairpin));
		return false;
	}
	return true;
}

/*
 * @fn on every running network of ours (each has a live copy), with @data;
 * one network that fails does not hold up the others: the first error is
 * the one said.
 */
static bool each_live(bool (*fn)(const char *network, gpointer data, GError **error), gpointer data,
		      GError **error)
{
	g_autofree char *probe = live_path("x"), *dir = g_path_get_dirname(probe);
	g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
	const char *name;
	bool ok = true;

	while (d && (name = g_dir_read_name(d))) {
		g_autofree char *net = g_str_has_suffix(name, ".xml") ? g_strndup(name, strlen(name) - 4) : NULL;
		g_autoptr(GError) e = NULL;
		if (!net || !vnet_name_is_valid(net, VNET_NAME_MAX))
			continue;
		if (!fn(net, data, &e) && ok) {
			g_propagate_error(error, g_steal_pointer(&e));
			ok = false;
		}
	}
	return ok;
}

typedef struct repoint_job {
	vnet_nft *nft;
	bool ports;
} repoint_job;

static bool repoint_one(const char *network, gpointer data, GError **error)
{
	const repoint_job *j = data;

	return repoint(network, j->nft, j->ports, error);
}

static bool repoint_all(bool ports, GError **error)
{
	g_autoptr(vnet_nft) nft = vnet_nft_new(error);
	repoint_job j = { .nft = nft, .ports = ports };

	return nft && each_live(repoint_one, &j, error);
}

/*
 * `vnetctl watch` is no hook: no libvirtd waits on it, so it takes the lock
 * every command holds, and cannot re-point a network from its copy while a
 * delete is half-way through removing it.
 */
static bool repoint_locked(bool ports, GError **error)
{
	int fd = vnet_lock_host(error);
	bool ok;

	if (fd < 0)
		return false;
	ok = repoint_all(ports, error);
	close(fd);
	return ok;
}

bool vnet_hook_guests_changed(GError **error)
{
	return repoint_locked(false, error);
}

bool vnet_hook_ports_changed(GError **error)
{
	return repoint_locked(true, error);
}

/* The guard's flows of running network @network, when it is a guarded OVS network on one of @bridges. */
static bool reguard(const char *network, gpointer data, GError **error)
{
	const char *const *bridges = data;
	g_autofree char *path = live_path(network), *xml = NULL;
	g_autoptr(vnet_intent) in = NULL;
	g_autoptr(GPtrArray) plan = vnet_plan_new();
	const char *br;
	vnet_exec x = { .local = true };
	vnet_txn t = { .ops = &vnet_exec_ops, .backend = &x, .what = "watch" };

	if (!g_file_get_contents(path, &xml, NULL, NULL))
		return true;	/* not running, or not ours */
	if (!(in = live_intent(network, xml, error)))
		return false;
	br = vnet_planner_lan_bridge(in);
	if (in->vswitch != VNET_SWITCH_OVS || vnet_intent_get_guard(in, true) == VNET_GUARD_OFF || !br ||
	    !g_strv_contains(bridges, br))
		return true;
	/* The step restore and attach plan: the flows as the bridge's ports are now, undone as a whole. */
	vnet_planner_ovs_guard(plan, in, in);
	return vnet_txn_run(&t, plan, error);
}

bool vnet_hook_ovs_changed(const char *const *bridges, GError **error)
{
	int fd;
	bool ok;

	if (!bridges || !*bridges)
		return true;
	if ((fd = vnet_lock_host(error)) < 0)
		return false;
	ok = each_live(reguard, (gpointer)bridges, error);
	close(fd);
	return ok;
}

/* ---- the network hook ---- */

/* A network we know without reading its definition: a record, or elements in our table. */
static bool known_network(const char *network, vnet_nft *nft)
{
	g_autofree char *path = vnet_name_is_valid(network, VNET_NAME_MAX) ? approval_path(network) : NULL;
	g_autofree char *base = g_str_has_suffix(network, "-nat") ? g_strndup(network, strlen(network) - 4) : NULL;

	return (path && g_file_test(path, G_FILE_TEST_EXISTS)) ||
	       (vnet_name_is_valid(network, VNET_NAME_MAX) && vnet_nft_owns_any(nft, network)) ||
	       (base && vnet_nft_owns_any(nft, base));
}

/* Take away every element of @owner, whatever any metadata says. */
static bool remove_owned(const char *owner, vnet_nft *nft, GError **error)
{
	g_autoptr(GPtrArray) plan = vnet_plan_new();
	g_autoptr(GHashTable) none = g_hash_table_new(g_str_hash, g_str_equal);
	g_autoptr(vnet_intent) ghost = vnet_intent_new(owner, VNET_MODE_NAT, error);
	vnet_exec x = { .nft = nft, .local = true };
	vnet_txn t = { .ops = &vnet_exec_ops, .backend = &x, .what = "hook" };

	if (!ghost)
		return false;
	vnet_planner_host_side(plan, ghost, NULL, none, true);
	return vnet_txn_run(&t, plan, error);
}

static bool unreadable(const char *network, const char *op, vnet_nft *nft, const GError *why,
		       GError **error)
{
	g_autoptr(GError) e = NULL;

	if (g_strcmp0(op, "stopped") == 0 && vnet_name_is_valid(network, VNET_NAME_MAX))
		remove_owned(network, nft, &e);
	if (why)
		vnet_set_error(error, VNET_ERROR_INVALID,
			       _("The hook cannot read the definition libvirt gave for network \"%s\", a network of vnetctl (%s); it gets no rules, and it is not started without them."),
			       network, why->message);
	else
		vnet_set_error(error, VNET_ERROR_INVALID,
			       _("The hook cannot read the definition libvirt gave for network \"%s\", a network of vnetctl: it holds no vnetctl intent. It gets no rules, and it is not started without them."),
			       network);
	return false;
}

bool vnet_hook_run(const char *network, const char *op, const char *subop,
		   const char *xml, GError **error)
{
	g_autoptr(vnet_intent) in = NULL;
	g_autoptr(vnet_netxml) facts = NULL;
	g_autoptr(vnet_nft) nft = NULL;
	g_autoptr(GPtrArray) plan = vnet_plan_new();
	g_autoptr(GError) why = NULL;
	g_autoptr(GPtrArray) guests = NULL;
	g_autoptr(GHashTable) targets = NULL;
	g_autofree char *nat_half = NULL, *bare = NULL;
	vnet_exec x = { .local = true };
	vnet_txn t = { .ops = &vnet_exec_ops, .backend = &x, .what = "hook" };
	bool start = g_strcmp0(op, "start") == 0, started = g_strcmp0(op, "started") == 0;
	bool stopped = g_strcmp0(op, "stopped") == 0;
	bool ours = xml && strstr(xml, VNET_XML_NS);

	if (!start && !started && !stopped && g_strcmp0(op, "port-created") != 0 &&
	    g_strcmp0(op, "plugged") != 0 && g_strcmp0(op, "updated") != 0 &&
	    g_strcmp0(op, "port-deleted") != 0 && g_strcmp0(op, "unplugged") != 0)
		return true;	/* an event we do nothing on */
	if (!(nft = vnet_nft_new(error)))
		return false;
	x.nft = nft;
	if (!ours)
		return !known_network(network, nft) || unreadable(network, op, nft, NULL, error);
	/* The definition without the intent, for what reads only libvirt's part: no forwards parsed twice more. */
	bare = g_strdup(xml);
	vnet_netxml_drop_metadata(bare);
	if (!(in = vnet_intent_from_xml(xml, -1, &why)) || !(facts = vnet_netxml_parse(bare, &why)))
		return unreadable(network, op, nft, why, error);
	nat_half = vnet_intent_network_name(in, 0);
	if (in->mode == VNET_MODE_BRIDGED) {
		/*
		 * No rules of ours but the guard's, which create and restore write;
		 * the copy lets `vnetctl watch` guard the ports that join later.
		 * Only for what root's vnetctl made, on the bridge libvirt uses.
		 */
		if (stopped) {
			g_autoptr(GHashTable) none = g_hash_table_new(g_str_hash, g_str_equal);
			/* The guard's elements go with the network, as a NAT network's rules do. */
			keep_live(network, NULL);
			vnet_planner_host_side(plan, in, NULL, none, true);
			return vnet_txn_run(&t, plan, error);
		} else if (start)
			vnet_hook_redefined(network, NULL);
		else if (started && g_strcmp0(in->bridge, facts->bridge) == 0 && approved(in))
			keep_live(network, xml);
		return true;
	}
	if (!vnet_mode_has_own_bridge(in->mode) || (in->mode == VNET_MODE_HYBRID &&
						       g_strcmp0(network, nat_half) != 0 &&
						       g_str_has_suffix(network, "-lan")))
		return true;	/* a hybrid's LAN half: no rules of ours */
	/* The elements are the intent's by its name: it must be this network's. */
	if (g_strcmp0(network, nat_half) != 0) {
		if (stopped)
			return true;
		return disagree(network, "name", nat_half, network, error);
	}

	if (start) {
		/* It starts with its persistent definition: what vnetctl defined is in it. */
		vnet_hook_redefined(network, NULL);
		return hook_validate(network, in, facts, nft, error);
	}
	if (!started && !stopped) {
		vnet_intent *defined = live_intent(network, xml, NULL);
		if (defined) {
			vnet_intent_free(in);
			in = defined;
		}
	}
	/*
	 * A NIC plugged or unplugged, however (virsh attach-interface too): its
	 * port names the domain, which the forwards to that name then follow.
	 */
	if (g_strcmp0(op, "port-created") == 0 || g_strcmp0(op, "plugged") == 0 ||
	    g_strcmp0(op, "port-deleted") == 0 || g_strcmp0(op, "unplugged") == 0) {
		g_autofree char *mac = NULL, *owner = NULL;
		if (vnet_netxml_port(xml, &mac, &owner))
			vnet_guests_record(mac, owner, g_str_has_prefix(op, "port-c") || g_str_equal(op, "plugged"));
	}
	guests = vnet_guests_read(in->bridge, bare, NULL);
	targets = vnet_guests_targets(in, guests);
	if (started) {
		if (!hook_validate(network, in, facts, nft, error))
			return false;
		vnet_planner_host_side(plan, NULL, in, targets, true);
	} else if (stopped) {
		/* Exactly what is this network's in the table, whatever its metadata says now. */
		vnet_planner_host_side(plan, in, NULL, targets, true);
	} else {
		/* "updated": a reservation added or removed by hand takes effect now. */
		vnet_planner_host_side(plan, NULL, in, targets, true);
		if (!vnet_link_exists(in->bridge))
			g_ptr_array_set_size(plan, 1);	/* the elements only */
	}
	/*
	 * The copy first: a re-point (`vnetctl watch`, the qemu hook) that runs
	 * meanwhile then resolves from this definition, not the one before, and
	 * cannot undo what this run does.
	 */
	keep_live(network, stopped ? NULL : xml);
	if (!vnet_txn_run(&t, plan, error)) {
		if (started)
			keep_live(network, NULL);	/* it will not run */
		return false;
	}
	return true;
}

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
	g_autoptr(GPtrArray) plan = vnet_plan_new();
	vnet_exec x = { .local = true };
	vnet_txn t = { .ops = &vnet_exec_ops, .backend = &x, .what = "qemu-hook" };
	bool any = false;

	bool started = g_strcmp0(op, "started") == 0, stopped = g_strcmp0(op, "stopped") == 0;

	/* "started begin": qemu runs, its taps exist and are bridge ports. */
	if (!started && !stopped)
		return true;
	if (!(nics = vnet_netxml_domain_nics(xml))) {
		vnet_set_error(error, VNET_ERROR_INVALID,
			    _("The domain XML that libvirt gave the qemu hook for \"%s\" could not be read."),
			    domain ? domain : "");
		return false;
	}
	/*
	 * Who runs on which network, for the network hook and `vnetctl watch`;
	 * then the forwards to a guest that came or went follow it.
	 */
	for (guint i = 0; i < nics->len; i++) {
		const vnet_nic *n = nics->pdata[i];
		if (n->mac && n->network)
			vnet_guests_record(n->mac, domain, started);
	}
	if (!repoint_all(false, error))
		return false;
	if (stopped)
		return true;
	for (guint i = 0; i < nics->len; i++)
		any = any || (((vnet_nic *)nics->pdata[i])->bridge && ((vnet_nic *)nics->pdata[i])->target);
	if (!any)
		return true;	/* no bridged NIC: not even our table is read */
	if (!(nat = nat_bridges(error)))
		return false;
	for (guint i = 0; i < nics->len; i++) {
		const vnet_nic *n = nics->pdata[i];
		if (n->bridge && n->target && g_hash_table_contains(nat, n->bridge) &&
		    vnet_name_is_valid(n->target, VNET_IFNAME_MAX))
			vnet_step_new(plan, VNET_STEP_PORT_HAIRPIN, NULL)->bridge = g_strdup(n->target);
	}
	return vnet_txn_run(&t, plan, error);
}

