/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * foreign: the coexist mode at work (see foreign.h).  What blocks a
 * network is asked of coexist.c for each foreign base chain and each of
 * the network's paths; a notice holds the answer in words a script can
 * match and in a sentence an admin can act on.
 */
#include "config.h"

#include <string.h>

#include "docker.h"
#include "firewalld.h"
#include "foreign.h"
#include "txn.h"
#include "util.h"

struct vnet_notice {
	vnet_notice_kind kind;
	char *message;
	char *owner, *family, *table, *chain, *network;
	GStrv blocked;
	GStrv commands;
};

void vnet_notice_free(vnet_notice *n)
{
	if (!n)
		return;
	g_free(n->message);
	g_free(n->owner);
	g_free(n->family);
	g_free(n->table);
	g_free(n->chain);
	g_free(n->network);
	g_strfreev(n->blocked);
	g_strfreev(n->commands);
	g_free(n);
}

GPtrArray *vnet_notices_new(void)
{
	return g_ptr_array_new_with_free_func((GDestroyNotify)vnet_notice_free);
}

vnet_notice_kind vnet_notice_get_kind(const vnet_notice *n) { return n->kind; }
const char *vnet_notice_get_message(const vnet_notice *n) { return n->message; }
const char *vnet_notice_get_owner(const vnet_notice *n) { return n->owner; }
const char *vnet_notice_get_family(const vnet_notice *n) { return n->family; }
const char *vnet_notice_get_table(const vnet_notice *n) { return n->table; }
const char *vnet_notice_get_chain(const vnet_notice *n) { return n->chain; }
const char *vnet_notice_get_network(const vnet_notice *n) { return n->network; }
const char *const *vnet_notice_get_blocked(const vnet_notice *n) { return (const char *const *)n->blocked; }
const char *const *vnet_notice_get_commands(const vnet_notice *n) { return (const char *const *)n->commands; }

static const char *const families[2] = { "ip", "ip6" };

void vnet_foreign_clear(vnet_foreign *f)
{
	g_clear_pointer(&f->bound, g_hash_table_unref);
}

/* The bridge of @in that firewalld's zone is for: its own (nat, isolated, hybrid's NAT half). */
static const char *zone_bridge(const vnet_intent *in)
{
	return vnet_mode_has_own_bridge(in->mode) ? in->bridge : NULL;
}

bool vnet_foreign_read(vnet_foreign *f, GPtrArray *intents, bool removing, GError **error)
{
	g_autoptr(GError) local = NULL;

	f->bound = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	if (!vnet_coexist_read_mode(&f->mode, removing ? &local : error)) {
		if (!removing)
			return false;
		f->mode = VNET_COEXIST_MODE_WARN;
	}
	for (guint i = 0; i < G_N_ELEMENTS(families); i++)
		f->docker[i] = vnet_docker_rule_state(families[i]);
	if (!vnet_firewalld_running(&f->firewalld, error))
		return false;
	for (guint i = 0; f->firewalld && intents && i < intents->len; i++) {
		const char *br = zone_bridge(intents->pdata[i]);
		g_autofree char *rt = NULL, *perm = NULL;
		bool present = false;
		if (!br)
			continue;
		if (!vnet_firewalld_get_zones(br, &present, &rt, &perm, error))
			return false;
		if (present && (g_strcmp0(rt, VNET_FIREWALLD_ZONE) == 0 || g_strcmp0(perm, VNET_FIREWALLD_ZONE) == 0))
			g_hash_table_add(f->bound, g_strdup(br));
	}
	return true;
}

void vnet_foreign_plan(const vnet_foreign *f, GPtrArray *plan, GPtrArray *intents, bool remove, bool last)
{
	for (guint i = 0; f->firewalld && intents && i < intents->len; i++) {
		const char *br = zone_bridge(intents->pdata[i]);
		vnet_step *s;
		/* A bridge of ours leaves the zone whatever the mode says now. */
		if (!br || (remove ? !g_hash_table_contains(f->bound, br)
				   : f->mode != VNET_COEXIST_MODE_AUTO || g_hash_table_contains(f->bound, br)))
			continue;
		s = vnet_step_new(plan, VNET_STEP_ZONE, NULL);
		s->bridge = g_strdup(br);
		s->on = !remove;
	}
	for (guint i = 0; i < G_N_ELEMENTS(families); i++) {
		vnet_step *s;
		/* Our rule goes with our last network, whatever the mode says now. */
		if (remove ? !last || f->docker[i] != 1 : f->mode != VNET_COEXIST_MODE_AUTO || f->docker[i] != 0)
			continue;
		s = vnet_step_new(plan, VNET_STEP_DOCKER, NULL);
		s->xml = g_strdup(families[i]);
		s->on = !remove;
	}
}

/* ---- what blocks ---- */

static const struct path {
	vnet_coexist_traffic traffic;
	const char *word;
	bool nat_only;		/* an isolated network forwards nothing */
} paths[] = {
	{ VNET_COEXIST_GUEST_OUT, "guest-out", true },
	{ VNET_COEXIST_GUEST_REPLY, "guest-reply", true },
	{ VNET_COEXIST_GUEST_FORWARDED, "guest-forwarded", true },
	{ VNET_COEXIST_HOST_DHCP, "host-dhcp", false },
	{ VNET_COEXIST_HOST_DNS, "host-dns", false },
};

/* What of @in's traffic finding @c blocks, as paths[] words (NULL-terminated, maybe empty). */
static GStrv blocked_paths(const vnet_coexist_finding *c, const vnet_intent *in)
{
	g_autoptr(GStrvBuilder) b = g_strv_builder_new();

	for (guint i = 0; i < G_N_ELEMENTS(paths); i++) {
		if (paths[i].nat_only && !vnet_mode_has_forwards(in->mode))
			continue;
		if ((paths[i].traffic == VNET_COEXIST_HOST_DHCP || paths[i].traffic == VNET_COEXIST_HOST_DNS) &&
		    !in->dhcp)
			continue;
		/* ufw's before-rules accept replies, in iptables matches coexist cannot read */
		if (paths[i].traffic == VNET_COEXIST_GUEST_REPLY && vnet_coexist_finding_owner(c) == VNET_COEXIST_UFW)
			continue;
		if (!vnet_coexist_lets_through(c, in->bridge, paths[i].traffic))
			g_strv_builder_add(b, paths[i].word);
	}
	return g_strv_builder_end(b);
}

/* firewalld: a zone of our own, bound through its D-Bus API, not a rule in its table. */
static char *firewalld_commands(const char *bridge)
{
	return g_strdup_printf("firewall-cmd --permanent --zone=vnetctl --add-interface=%s\n"
			       "firewall-cmd --zone=vnetctl --change-interface=%s\n", bridge, bridge);
}

/*
 * ufw's rule per port forward (vnet_coexist_ufw_forward_command()).  Forwards
 * to a domain name are left out: their address is the guest's of the moment.
 */
static char *ufw_forward_commands(const vnet_intent *in, bool v6)
{
	GString *s = g_string_new(NULL);

	for (guint i = 0; i < in->forwards->len; i++) {
		const vnet_forward *fw = in->forwards->pdata[i];
		g_autofree char *addr = NULL, *cmd = NULL;
		vnet_addr g6;
		if ((fw->family == AF_INET6) != v6 && !(v6 && vnet_forward_is_dual(in, fw)))
			continue;
		if (fw->guest_kind == VNET_GUEST_ADDR)
			addr = vnet_addr_format(&fw->guest_addr);
		else if (fw->guest_kind == VNET_GUEST_DEFAULT && in->has_guest && !v6)
			addr = vnet_addr_format(&in->guest);
		else if (fw->guest_kind == VNET_GUEST_DEFAULT && v6 && vnet_intent_default_guest6(in, &g6))
			addr = vnet_addr_format(&g6);
		if (!addr)
			continue;
		cmd = vnet_coexist_ufw_forward_command(in->bridge, addr, fw->guest_port, fw->guest_port_end,
						       vnet_proto_to_string(fw->proto));
		g_string_append_printf(s, "%s\n", cmd);
	}
	return g_string_free(s, FALSE);
}

/* The sentence of a blocked notice: who blocks, where, and what vnetctl did not do. */
static char *blocked_message(const vnet_foreign *f, const vnet_coexist_finding *c, const vnet_intent *in)
{
	const char *fam = vnet_coexist_finding_family(c), *tab = vnet_coexist_finding_table(c);
	const char *ch = vnet_coexist_finding_chain(c), *v = vnet_coexist_verdict_name(vnet_coexist_finding_verdict(c));

	switch (vnet_coexist_finding_owner(c)) {
	case VNET_COEXIST_DOCKER:
		if (f->mode == VNET_COEXIST_MODE_AUTO)
			return g_strdup_printf(_("Docker's chain %s %s %s (%s) blocks network \"%s\", and vnetctl cannot add its accept there (Docker's nftables mode). Let bridge %s through Docker's rules by hand."),
					       fam, tab, ch, v, in->name, in->bridge);
		return g_strdup_printf(_("Docker's chain %s %s %s (%s) blocks network \"%s\"; under coexist = %s vnetctl adds nothing to DOCKER-USER. This command lets every network of vnetctl through:"),
				       fam, tab, ch, v, in->name, f->mode == VNET_COEXIST_MODE_WARN ? "warn" : "strict");
	case VNET_COEXIST_FIREWALLD:
		return g_strdup_printf(_("firewalld's chain %s %s %s (%s) blocks network \"%s\": bridge %s is not in firewalld zone vnetctl. These commands put it there:"),
				       fam, tab, ch, v, in->name, in->bridge);
	case VNET_COEXIST_UFW:
		return g_strdup_printf(_("ufw's chain %s %s %s (%s) blocks network \"%s\", and vnetctl leaves ufw's rules to you. These commands let the network's own traffic through:"),
				       fam, tab, ch, v, in->name);
	case VNET_COEXIST_UNKNOWN:
		break;
	}
	return g_strdup_printf(_("Chain %s %s %s (%s), which vnetctl did not make, blocks network \"%s\", and vnetctl never changes another table's rules. These commands let the network's own traffic through:"),
			       fam, tab, ch, v, in->name);
}

/*
 * The blocked notices of @in from @report.  @bound: bridges in firewalld's
 * zone vnetctl, whose traffic firewalld's zone accepts (coexist reads only
 * rules, not which zone an interface is in).
 */
static void blocked_notices(const vnet_foreign *f, const vnet_coexist_report *report, const vnet_intent *in,
			    GHashTable *bound, GPtrArray *notices)
{
	if (!vnet_mode_has_own_bridge(in->mode) || !in->bridge)
		return;
	for (guint i = 0; i < vnet_coexist_report_count(report); i++) {
		const vnet_coexist_finding *c = vnet_coexist_report_get(report, i);
		g_auto(GStrv) blocked = NULL;
		g_autofree char *cmds = NULL;
		vnet_notice *n;

		if (vnet_coexist_finding_owner(c) == VNET_COEXIST_FIREWALLD && bound &&
		    g_hash_table_contains(bound, in->bridge))
			continue;
		blocked = blocked_paths(c, in);
		if (!blocked[0])
			continue;
		if (vnet_coexist_finding_owner(c) == VNET_COEXIST_FIREWALLD)
			cmds = firewalld_commands(in->bridge);
		else
			cmds = vnet_coexist_fix_commands(c, in->bridge, NULL);
		if (!cmds)
			cmds = g_strdup("");
		if (vnet_coexist_finding_owner(c) == VNET_COEXIST_UFW && g_strv_contains((const char *const *)blocked, "guest-forwarded")) {
			g_autofree char *more = ufw_forward_commands(in, strcmp(vnet_coexist_finding_family(c), "ip6") == 0);
			char *all = g_strconcat(cmds, more, NULL);
			g_free(cmds);
			cmds = all;
		}
		n = g_new0(vnet_notice, 1);
		n->kind = VNET_NOTICE_BLOCKED;
		n->message = blocked_message(f, c, in);
		n->owner = g_strdup(vnet_coexist_owner_name(vnet_coexist_finding_owner(c)));
		n->family = g_strdup(vnet_coexist_finding_family(c));
		n->table = g_strdup(vnet_coexist_finding_table(c));
		n->chain = g_strdup(vnet_coexist_finding_chain(c));
		n->network = g_strdup(in->name);
		n->blocked = g_steal_pointer(&blocked);
		n->commands = *g_strchomp(cmds) ? g_strsplit(cmds, "\n", -1) : g_new0(char *, 1);
		g_ptr_array_add(notices, n);
	}
}

static vnet_coexist_report *read_report(void)
{
	g_autofree char *json = NULL;

	if (!vnet_coexist_read_ruleset(&json, NULL))
		return NULL;
	return vnet_coexist_parse(json, NULL);
}

bool vnet_foreign_check(const vnet_foreign *f, const vnet_intent *in, GError **error)
{
	g_autoptr(vnet_coexist_report) report = NULL;
	g_autoptr(GPtrArray) notices = vnet_notices_new();
	g_autoptr(GString) text = NULL;

	if (f->mode != VNET_COEXIST_MODE_STRICT || !(report = read_report()))
		return true;
	blocked_notices(f, report, in, f->bound, notices);
	if (!notices->len)
		return true;
	text = g_string_new(NULL);
	for (guint i = 0; i < notices->len; i++) {
		const vnet_notice *n = notices->pdata[i];
		g_string_append_printf(text, "%s%s", i ? "\n" : "", n->message);
		for (guint k = 0; n->commands[k]; k++)
			g_string_append_printf(text, "\n  %s", n->commands[k]);
	}
	vnet_set_error(error, VNET_ERROR_CONFLICT,
		       _("Under coexist = strict vnetctl does not make a network that another firewall blocks, and nothing was changed.\n%s"),
		       text->str);
	return false;
}

static vnet_notice *zone_notice(const vnet_step *s)
{
	vnet_notice *n = g_new0(vnet_notice, 1);

	n->kind = VNET_NOTICE_CHANGED;
	n->message = g_strdup_printf(s->created ? _("firewalld would block bridge %s: put it in firewalld zone vnetctl, at runtime and permanently (firewalld was reloaded to load the zone).")
						: _("firewalld would block bridge %s: put it in firewalld zone vnetctl, at runtime and permanently."),
				     s->bridge);
	n->owner = g_strdup("firewalld");
	n->blocked = g_new0(char *, 1);
	n->commands = g_new0(char *, 1);
	return n;
}

static vnet_notice *warning_notice(const char *owner, char *message)
{
	vnet_notice *n = g_new0(vnet_notice, 1);

	n->kind = VNET_NOTICE_WARNING;
	n->message = message;
	n->owner = g_strdup(owner);
	n->blocked = g_new0(char *, 1);
	n->commands = g_new0(char *, 1);
	return n;
}

/*
 * Whether the nftables service loads its configuration at boot: Debian
 * ships an nftables.conf that flushes the ruleset, but enables nothing.
 */
static bool nftables_enabled(void)
{
	g_autoptr(GDir) dir = g_dir_open("/etc/systemd/system", 0, NULL);
	const char *name;

	while (dir && (name = g_dir_read_name(dir))) {
		g_autofree char *link = g_build_filename("/etc/systemd/system", name, "nftables.service", NULL);
		if (g_str_has_suffix(name, ".wants") && g_file_test(link, G_FILE_TEST_EXISTS))
			return true;
	}
	return false;
}

/* What nft cannot show: iptables-legacy's tables, an nftables.conf that flushes everything. */
static void host_warnings(GPtrArray *notices)
{
	static const char *const names[2] = { VNET_COEXIST_IP_TABLES_NAMES, VNET_COEXIST_IP6_TABLES_NAMES };
	const char *conf = g_getenv("VNET_NFTABLES_CONF");
	g_autoptr(GStrvBuilder) b = g_strv_builder_new();
	g_auto(GStrv) all = NULL;

	for (guint i = 0; i < G_N_ELEMENTS(names); i++) {
		g_auto(GStrv) t = NULL;
		if (vnet_coexist_legacy_tables(names[i], &t, NULL))
			for (guint k = 0; t && t[k]; k++)
				g_strv_builder_add(b, t[k]);
	}
	all = g_strv_builder_end(b);
	if (all[0]) {
		g_autofree char *list = g_strjoinv(", ", all);
		g_ptr_array_add(notices, warning_notice("unknown", g_strdup_printf(
			_("The kernel holds iptables-legacy tables (%s), whose rules nftables cannot show: vnetctl cannot tell whether they block its networks. Look at them with \"iptables-legacy -S\" and \"ip6tables-legacy -S\"."),
			list)));
	}
	/* $VNET_NFTABLES_CONF: a test's file, of a service taken as enabled */
	if ((conf && *conf) || nftables_enabled() ?
		    vnet_coexist_conf_flushes_ruleset(conf && *conf ? conf : VNET_COEXIST_NFTABLES_CONF) : false)
		g_ptr_array_add(notices, warning_notice("unknown", g_strdup_printf(
			_("%s starts with \"flush ruleset\": every start or reload of nftables.service removes table inet vnetctl, and vnetctl-restore-nftables.service puts it back; reloading the file by hand (nft -f) needs \"vnetctl restore\" after it."),
			conf && *conf ? conf : VNET_COEXIST_NFTABLES_CONF)));
}

void vnet_foreign_notices(const vnet_foreign *f, GPtrArray *plan, GPtrArray *intents, GPtrArray *notices)
{
	g_autoptr(vnet_coexist_report) report = NULL;
	g_autoptr(GHashTable) bound = g_hash_table_new(g_str_hash, g_str_equal);
	GHashTableIter it;
	gpointer key;

	if (f->bound) {
		g_hash_table_iter_init(&it, f->bound);
		while (g_hash_table_iter_next(&it, &key, NULL))
			g_hash_table_add(bound, key);
	}
	for (guint i = 0; plan && i < plan->len; i++) {
		const vnet_step *s = plan->pdata[i];
		vnet_notice *n;
		if (s->kind == VNET_STEP_ZONE && s->on && s->prev > 0) {
			g_hash_table_add(bound, s->bridge);
			g_ptr_array_add(notices, zone_notice(s));
			continue;
		}
		if (s->kind != VNET_STEP_DOCKER || !s->on || s->prev != 0)
			continue;
		n = g_new0(vnet_notice, 1);
		n->kind = VNET_NOTICE_CHANGED;
		n->message = g_strdup_printf(_("Docker's FORWARD policy drops forwarded traffic: added vnetctl's accept to %s filter DOCKER-USER."),
					     s->xml);
		n->owner = g_strdup("docker");
		n->family = g_strdup(s->xml);
		n->table = g_strdup("filter");
		n->chain = g_strdup("DOCKER-USER");
		n->blocked = g_new0(char *, 1);
		n->commands = g_new0(char *, 1);
		g_ptr_array_add(notices, n);
	}
	if (!intents || !intents->len)
		return;
	host_warnings(notices);
	if (!(report = read_report()))
		return;
	for (guint i = 0; i < intents->len; i++)
		blocked_notices(f, report, intents->pdata[i], bound, notices);
}
