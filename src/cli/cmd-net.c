/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* create, apply, delete, list, show, restore: networks as a whole. */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

vnet_ctx *cli_connect(void)
{
	g_autoptr(GError) error = NULL;
	vnet_ctx *ctx = vnet_ctx_new(cli.uri, &error);

	if (!ctx)
		cli_fail(error);
	return ctx;
}

static void say(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
static void say(const char *fmt, ...)
{
	va_list ap;

	if (cli.quiet || cli.json)
		return;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
}

/* SSH_CONNECTION is "CLIENT_IP CLIENT_PORT SERVER_IP SERVER_PORT". */
static char *session_address(void)
{
	g_auto(GStrv) f = g_strsplit(g_getenv("SSH_CONNECTION") ? g_getenv("SSH_CONNECTION") : "", " ", 5);

	return g_strv_length(f) == 4 ? g_strdup(f[2]) : NULL;
}

static int apply_intent(vnet_intent *in, unsigned flags, const create_args *args)
{
	g_autoptr(vnet_ctx) ctx = cli_connect();
	g_autoptr(GError) error = NULL;
	g_autofree char *session = session_address();
	g_autoptr(GPtrArray) notices = NULL;
	bool changed = false;
	gint64 deadline;
	cli_out *o;

	if (!ctx)
		return EXIT_REFUSED;
	if (args && args->confirm_timeout)
		vnet_ctx_set_confirm_timeout(ctx, args->confirm_timeout);
	if (args && args->no_confirm)
		vnet_ctx_set_confirm_timeout(ctx, 0);
	for (guint i = 0; args && args->session_ports && i < args->session_ports->len; i++)
		vnet_ctx_add_session_port(ctx, g_array_index(args->session_ports, guint16, i));
	vnet_ctx_set_session_address(ctx, session);
	/* The library arms the revert itself, before the uplink moves. */
	/* No plan asked for: describing it formats every element once more, for nothing. */
	if (!vnet_ctx_apply(ctx, in, flags, NULL, &changed, &error))
		return cli_fail(error);
	notices = vnet_ctx_take_notices(ctx);
	deadline = vnet_intent_get_confirm_deadline(in);
	o = out_new();
	out_string(o, "name", NULL, vnet_intent_get_name(in));
	out_bool(o, "changed", changed);
	if (deadline) {
		g_autofree char *d = g_strdup_printf("%" G_GINT64_FORMAT, deadline);
		out_string(o, "confirm_deadline", NULL, d);
	}
	if (cli.json)
		out_notices(o, notices);
	out_finish(o);
	if (changed)
		say((flags & VNET_APPLY_CREATE) ? _("Network %s created (bridge %s, subnet %s).\n")
						: _("Network %s converged to its intent (bridge %s, subnet %s).\n"),
		    vnet_intent_get_name(in), vnet_intent_get_bridge(in),
		    vnet_intent_get_subnet(in, AF_INET) ? vnet_intent_get_subnet(in, AF_INET) : "-");
	else
		say(_("Network %s is already as the intent says; nothing changed.\n"), vnet_intent_get_name(in));
	if (changed && deadline)
		say(_("The uplink now sits in the bridge. If you can still reach this host, keep it with \"vnetctl confirm %s\" within %d seconds; otherwise it is put back by itself.\n"),
		    vnet_intent_get_name(in), (int)(deadline - g_get_real_time() / G_USEC_PER_SEC));
	if (!cli.json)
		out_notices(NULL, notices);
	return EXIT_OK;
}

int cmd_create(int argc, char **argv)
{
	g_auto(create_args) args = { 0 };
	int r = cli_parse_create_args("create", argc, argv, &args);

	if (r != EXIT_OK)
		return r;
	return apply_intent(args.intent, VNET_APPLY_CREATE | (args.force ? VNET_APPLY_FORCE : 0), &args);
}

const cli_option cli_apply_options[] = {
	{ "file", 'f', 'f', "INTENT.xml", N_("the intent file; - reads standard input") },
	{ "force", 0, 'F', NULL, N_("allow a port that a local process listens on") },
	{ 0 },
};

int cmd_apply(int argc, char **argv)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(vnet_intent) in = NULL;
	g_autofree char *text = NULL;
	const char *file = NULL;
	unsigned flags = 0;
	gsize len;
	int opt;

	opterr = 0;
	while ((opt = cli_getopt(argc, argv, "", cli_apply_options)) != -1) {
		switch (opt) {
		case 'f':
			file = optarg;
			break;
		case 'F':
			flags |= VNET_APPLY_FORCE;
			break;
		default:
			return cli_usage("apply", _("\"%s\" is not an option of this command, or lacks its value."),
					 argv[optind - 1]);
		}
	}
	if (!file || optind != argc)
		return cli_usage("apply", _("Give exactly one intent file with -f FILE."));
	if (!g_file_get_contents(strcmp(file, "-") ? file : "/dev/stdin", &text, &len, &error))
		return cli_fail(error);
	if (!(in = vnet_intent_from_xml(text, len, &error)))
		return cli_fail(error);
	return apply_intent(in, flags, NULL);
}

int cmd_delete(int argc, char **argv)
{
	g_autoptr(vnet_ctx) ctx = NULL;
	g_autoptr(GError) error = NULL;

	if (argc != 2)
		return cli_usage("delete", _("Give the name of the network to delete."));
	if (!(ctx = cli_connect()))
		return EXIT_REFUSED;
	if (!vnet_ctx_delete(ctx, argv[1], &error))
		return cli_fail(error);
	say(_("Network %s deleted.\n"), argv[1]);
	out_done("delete", argv[1], NULL, NULL);
	return EXIT_OK;
}

/* The guests' static addresses that attach recorded (a LAN's, IPv6). */
static void print_statics(cli_out *o, const vnet_intent *in)
{
	g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func(g_free);
	guint n = vnet_intent_get_n_static_addrs(in);

	if (cli.json) {
		out_list_begin(o, "static_addresses");
		for (guint i = 0; i < n; i++) {
			const char *mac, *dom, *addr = vnet_intent_get_static_addr(in, i, &mac, &dom);
			out_item_begin(o);
			out_string(o, "address", NULL, addr);
			out_string(o, "mac", NULL, mac);
			out_string(o, "domain", NULL, dom);
			if (vnet_intent_get_static_addr_vlan(in, i)) {
				g_autofree char *vlan = g_strdup_printf("%u", vnet_intent_get_static_addr_vlan(in, i));
				out_string(o, "vlan", NULL, vlan);
			}
			out_item_end(o);
		}
		out_list_end(o);
		return;
	}
	for (guint i = 0; i < n; i++) {
		const char *mac, *dom, *addr = vnet_intent_get_static_addr(in, i, &mac, &dom);
		guint vlan = vnet_intent_get_static_addr_vlan(in, i);
		if (vlan)
			g_ptr_array_add(lines, g_strdup_printf(_("%s %s (domain %s, VLAN %u)"), addr, mac, dom, vlan));
		else
			g_ptr_array_add(lines, g_strdup_printf(_("%s %s (domain %s)"), addr, mac, dom));
	}
	out_strv(o, "static_addresses", _("static address:"), lines);
}

/* An overlay network's logical ports and chassis as OVN has them now (the network itself comes from libvirt). */
static void print_ovn(cli_out *o, vnet_ctx *ctx, const vnet_intent *in)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(vnet_ovn_status) st = NULL;
	g_autoptr(GPtrArray) plines = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GPtrArray) clines = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GPtrArray) tlines = g_ptr_array_new_with_free_func(g_free);

	if (vnet_intent_get_mode(in) != VNET_MODE_OVERLAY)
		return;
	if (!(st = vnet_ctx_ovn_status(ctx, vnet_intent_get_name(in), &error))) {
		out_string(o, "ovn_error", _("OVN:"), error->message);
		return;
	}
	out_string(o, "ovn_southbound_error", _("OVN southbound:"), vnet_ovn_status_get_sb_error(st));
	if (cli.json)
		out_list_begin(o, "ovn_ports");
	for (guint i = 0; i < vnet_ovn_status_get_n_ports(st); i++) {
		const char *dom, *mac, *addr, *name = vnet_ovn_status_get_port(st, i, &dom, &mac, &addr);
		const char *chassis = vnet_ovn_status_get_port_chassis(st, i);
		int up = vnet_ovn_status_get_port_up(st, i);
		bool stale = vnet_ovn_status_get_port_stale(st, i);
		const char *state = up > 0 ? "up" : up == 0 ? "down" : "unknown";
		if (cli.json) {
			out_item_begin(o);
			out_string(o, "name", NULL, name);
			out_string(o, "domain", NULL, dom);
			out_string(o, "mac", NULL, mac);
			out_string(o, "address", NULL, addr);
			out_string(o, "state", NULL, state);
			out_string(o, "chassis", NULL, chassis);
			out_item_end(o);
			continue;
		}
		if (stale) {
			g_ptr_array_add(plines, g_strdup_printf(_("%s %s (domain %s, logical port %s): unknown, chassis %s has not applied OVN's latest change (is its ovn-controller running?)"),
								mac, addr, dom ? dom : "-", name, chassis));
			continue;
		}
		g_ptr_array_add(plines, g_strdup_printf(_("%s %s (domain %s, logical port %s): %s, chassis %s"), mac, addr,
							dom ? dom : "-", name,
							up > 0 ? _("up") : up == 0 ? _("down") : _("state not known"),
							chassis ? chassis : "-"));
	}
	if (cli.json) {
		out_list_end(o);
		out_list_begin(o, "ovn_chassis");
	}
	for (guint i = 0; i < vnet_ovn_status_get_n_chassis(st); i++) {
		const char *encaps, *name = vnet_ovn_status_get_chassis(st, i, &encaps), *iface, *bfd;
		int behind = vnet_ovn_status_get_chassis_behind(st, i);
		int tunnel = vnet_ovn_status_get_chassis_tunnel(st, i, &iface, &bfd);
		/* From this host: "up"/"down" by BFD, "present" without BFD, "none"; unknown: left out. */
		const char *here = tunnel < 0 ? NULL : tunnel == 0 ? "none" : bfd ? bfd : "present";
		if (cli.json) {
			out_item_begin(o);
			out_string(o, "name", NULL, name);
			out_string(o, "tunnels", NULL, encaps);
			out_string(o, "state", NULL, behind > 0 ? "behind" : behind == 0 ? "current" : "unknown");
			out_string(o, "tunnel_from_here", NULL, here);
			out_string(o, "tunnel_interface", NULL, iface);
			out_item_end(o);
			continue;
		}
		if (tunnel == 0)
			g_ptr_array_add(tlines, g_strdup_printf(_("to %s: none"), name));
		else if (tunnel > 0 && bfd)
			g_ptr_array_add(tlines, g_strdup_printf(_("to %s: %s, BFD %s"), name, iface, bfd));
		else if (tunnel > 0)
			g_ptr_array_add(tlines, g_strdup_printf(_("to %s: %s"), name, iface));
		if (behind > 0)
			g_ptr_array_add(clines, g_strdup_printf(_("%s, tunnel endpoint %s, behind: its ovn-controller has not applied OVN's latest change"),
								name, encaps ? encaps : "-"));
		else
			g_ptr_array_add(clines, encaps ? g_strdup_printf(_("%s, tunnel endpoint %s"), name, encaps)
						       : g_strdup_printf(_("%s, no tunnel endpoint"), name));
	}
	if (cli.json) {
		out_list_end(o);
		return;
	}
	out_strv(o, "ovn_ports", _("logical port:"), plines);
	out_strv(o, "ovn_chassis", _("chassis:"), clines);
	out_strv(o, "ovn_tunnels", _("tunnel from this host:"), tlines);
}

/*
 * @targets, if not NULL, are show's of the same read of @in, a target per
 * forward in its order: their specs are the forward lines, not formatted
 * a second time (65,535 of them).
 */
static void print_intent(cli_out *o, const vnet_intent *in, bool active, const GPtrArray *targets)
{
	cli_lines *fwd;
	guint n = vnet_intent_get_n_forwards(in);
	g_autoptr(GPtrArray) hports = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GPtrArray) vlans = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GPtrArray) gateways = g_ptr_array_new_with_free_func(g_free);

	for (guint i = 0; i < vnet_intent_get_n_host_ports(in); i++)
		g_ptr_array_add(hports, vnet_intent_get_host_port(in, i));
	for (guint i = 0; i < vnet_intent_get_n_vlans(in); i++)
		g_ptr_array_add(vlans, g_strdup_printf("%u", vnet_intent_get_vlan(in, i)));
	out_string(o, "name", _("name:"), vnet_intent_get_name(in));
	out_string(o, "mode", _("mode:"), vnet_mode_to_string(vnet_intent_get_mode(in)));
	out_string(o, "state", _("state:"), active ? "active" : "inactive");
	out_string(o, "bridge", _("bridge:"), vnet_intent_get_bridge(in));
	out_string(o, "lan_bridge", _("LAN bridge:"), vnet_intent_get_lan_bridge(in));
	out_string(o, "uplink", _("uplink:"), vnet_intent_get_uplink(in));
	out_string(o, "ovn", _("OVN northbound:"), vnet_intent_get_ovn(in));
	out_string(o, "ovn_external", _("OVN router external address:"), vnet_intent_get_ovn_external(in));
	out_string(o, "ovn_nexthop", _("OVN router next hop:"), vnet_intent_get_ovn_nexthop(in));
	for (const char *const *gw = vnet_intent_get_ovn_gateways(in); gw && *gw; gw++)
		g_ptr_array_add(gateways, g_strdup(*gw));
	if (gateways->len)
		out_strv(o, "ovn_gateways", _("OVN gateway chassis:"), gateways);
	if (vnet_intent_get_switch(in) != VNET_SWITCH_LINUX) {
		out_string(o, "switch", _("switch:"), vnet_switch_to_string(vnet_intent_get_switch(in)));
		out_strv(o, "vlans", _("VLAN:"), vlans);
		out_bool(o, "vlan_trunk", vnet_intent_get_vlan_trunk(in));
	}
	out_string(o, "subnet", _("subnet:"), vnet_intent_get_subnet(in, AF_INET));
	out_string(o, "gateway", _("gateway:"), vnet_intent_get_gateway(in, AF_INET));
	out_string(o, "subnet6", _("subnet6:"), vnet_intent_get_subnet(in, AF_INET6));
	out_string(o, "gateway6", _("gateway6:"), vnet_intent_get_gateway(in, AF_INET6));
	out_string(o, "default_guest", _("default guest:"), vnet_intent_get_default_guest(in));
	out_bool(o, "dhcp", vnet_intent_get_dhcp(in));
	out_bool(o, "autostart", vnet_intent_get_autostart(in));
	fwd = out_lines_begin(o, "forwards", _("forward:"));
	if (targets && targets->len == n) {
		for (guint i = 0; i < n; i++)
			g_string_append(out_lines_next(fwd), vnet_target_get_forward(targets->pdata[i]));
	} else {
		for (guint i = 0; i < n; i++) {
			g_autofree char *f = vnet_intent_get_forward(in, i);
			g_string_append(out_lines_next(fwd), f);
		}
	}
	out_lines_end(fwd);
	out_strv(o, "host_ports", _("host port:"), hports);
}

int cmd_list(int argc, char **argv)
{
	g_autoptr(vnet_ctx) ctx = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) intents = NULL;
	g_autoptr(GHashTable) bad = NULL;
	g_autoptr(GList) names = NULL;
	cli_out *o;

	if (argc != 1)
		return cli_usage("list", _("list takes no arguments."));
	if (!(ctx = cli_connect()))
		return EXIT_REFUSED;
	if (!(intents = vnet_ctx_list(ctx, &error)) || !(bad = vnet_ctx_list_unreadable(ctx, &error)))
		return cli_fail(error);
	o = out_new();
	out_list_begin(o, "networks");
	for (guint i = 0; i < intents->len; i++) {
		const vnet_intent *in = intents->pdata[i];
		out_item_begin(o);
		print_intent(o, in, vnet_ctx_is_active(ctx, in), NULL);
		print_ovn(o, ctx, in);
		out_item_end(o);
	}
	out_list_end(o);
	/* Reported by name, and the rest still listed. */
	names = g_list_sort(g_hash_table_get_keys(bad), (GCompareFunc)g_strcmp0);
	if (cli.json) {
		out_list_begin(o, "unreadable");
		for (GList *l = names; l; l = l->next) {
			out_item_begin(o);
			out_string(o, "name", NULL, l->data);
			out_string(o, "error", NULL, g_hash_table_lookup(bad, l->data));
			out_item_end(o);
		}
		out_list_end(o);
	}
	out_finish(o);
	for (GList *l = names; !cli.json && l; l = l->next) {
		g_autofree char *name = cli_printable(l->data);
		g_autofree char *why = cli_printable(g_hash_table_lookup(bad, l->data));
		g_printerr(_("vnetctl: network %s has vnetctl metadata that cannot be read (%s); remove it with \"vnetctl delete %s\", or fix its <metadata> with \"virsh net-edit %s\".\n"),
			   name, why, name, name);
	}
	return EXIT_OK;
}

/* gettext() of @msgid, asked of gettext once per @cache: a line per forward repeats a few. */
static const char *G_GNUC_FORMAT(2) translated_once(const char **cache, const char *msgid)
{
	if (!*cache)
		*cache = _(msgid);
	return *cache;
}

/* The words of vnet_target_get_how() and vnet_guest_get_source(), for people. */
static const char *how_label(const char *how)
{
	static const struct { const char *key, *label; } labels[] = {
		{ "address", N_("its address") },
		{ "reservation", N_("reservation") },
		{ "lease", N_("lease") },
		{ "default guest", N_("default guest") },
		{ "only guest", N_("only guest") },
		{ "default address", N_("default guest address, no guest seen yet") },
		{ "none", N_("no address yet") },
	};

	/* Asked once a line: each translated once (gettext walks its domains per call). */
	static const char *translated[G_N_ELEMENTS(labels)];
	/* and the lines of one show mostly ask for the same word */
	static const char *last_key, *last_label;

	if (how && last_key && strcmp(how, last_key) == 0)
		return last_label;
	for (size_t i = 0; i < G_N_ELEMENTS(labels); i++)
		if (g_strcmp0(how, labels[i].key) == 0) {
			if (!translated[i])
				translated[i] = _(labels[i].label);
			last_key = labels[i].key;
			return last_label = translated[i];
		}
	return how;
}

int cmd_show(int argc, char **argv)
{
	g_autoptr(vnet_ctx) ctx = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(vnet_intent) in = NULL;
	g_autoptr(GPtrArray) guests = NULL, targets = NULL, drops = NULL;
	bool active = false;
	cli_out *o;

	if (argc != 2)
		return cli_usage("show", _("Give the name of the network to show."));
	if (!(ctx = cli_connect()))
		return EXIT_REFUSED;
	/* One read of the network for the three questions. */
	vnet_ctx_hold_reads(ctx, true);
	if (!(in = vnet_ctx_get(ctx, argv[1], &active, &error)) ||
	    !(guests = vnet_ctx_guests(ctx, argv[1], &error)) ||
	    !(targets = vnet_ctx_targets(ctx, argv[1], &error)) ||
	    !(drops = vnet_ctx_guard_drops(ctx, argv[1], &error)))
		return cli_fail(error);
	vnet_ctx_hold_reads(ctx, false);
	o = out_new();
	print_intent(o, in, active, targets);
	print_ovn(o, ctx, in);
	print_statics(o, in);
	/* Where each forward points now, and why nowhere when it does. */
	if (cli.json) {
		out_list_begin(o, "targets");
		for (guint i = 0; i < targets->len; i++) {
			const vnet_target *t = targets->pdata[i];
			out_item_begin(o);
			out_string(o, "forward", NULL, vnet_target_get_forward(t));
			out_string(o, "address", NULL, vnet_target_get_address(t));
			out_string(o, "guest", NULL, vnet_target_get_guest(t));
			out_string(o, "how", NULL, vnet_target_get_how(t));
			out_string(o, "problem", NULL, vnet_target_get_problem(t));
			out_item_end(o);
		}
		out_list_end(o);
		out_list_begin(o, "guests");
		for (guint i = 0; i < guests->len; i++) {
			const vnet_guest *g = guests->pdata[i];
			out_item_begin(o);
			out_string(o, "mac", NULL, vnet_guest_get_mac(g));
			out_string(o, "address", NULL, vnet_guest_get_address(g));
			out_string(o, "address6", NULL, vnet_guest_get_address6(g));
			out_string(o, "domain", NULL, vnet_guest_get_domain(g));
			out_string(o, "source", NULL, vnet_guest_get_source(g));
			out_item_end(o);
		}
		out_list_end(o);
		out_list_begin(o, "dropped");
		for (guint i = 0; i < drops->len; i++) {
			const vnet_drops *d = drops->pdata[i];
			g_autofree char *packets = g_strdup_printf("%" G_GUINT64_FORMAT, vnet_drops_get_packets(d));
			g_autofree char *bytes = g_strdup_printf("%" G_GUINT64_FORMAT, vnet_drops_get_bytes(d));
			out_item_begin(o);
			out_string(o, "mac", NULL, vnet_drops_get_mac(d));
			out_string(o, "port", NULL, vnet_drops_get_port(d));
			out_string(o, "packets", NULL, packets);
			out_string(o, "bytes", NULL, bytes);
			out_item_end(o);
		}
		out_list_end(o);
	} else {
		g_autoptr(GPtrArray) glines = g_ptr_array_new_with_free_func(g_free);
		g_autoptr(GPtrArray) dlines = g_ptr_array_new_with_free_func(g_free);
		static const char *goes_to, *nowhere;
		cli_lines *lines = targets->len ? out_lines_begin(o, "targets", _("target:")) : NULL;
		for (guint i = 0; i < targets->len; i++) {
			const vnet_target *t = targets->pdata[i];
			const char *to[] = { vnet_target_get_forward(t), vnet_target_get_address(t),
					     vnet_target_get_guest(t) ? vnet_target_get_guest(t) : "-",
					     how_label(vnet_target_get_how(t)) };
			const char *no[] = { vnet_target_get_forward(t), vnet_target_get_problem(t) };
			const char *fmt = to[1] ? translated_once(&goes_to, N_("%s goes to %s (guest %s, by %s)"))
						: translated_once(&nowhere, N_("%s goes nowhere: %s"));
			GString *line = out_lines_next(lines);
			/* A translation with another conversion than %s: printf says what it makes of it. */
			if (to[1] ? !cli_format_append(line, fmt, to, G_N_ELEMENTS(to))
				  : !cli_format_append(line, fmt, no, G_N_ELEMENTS(no))) {
				if (to[1])
					g_string_append_printf(line, translated_once(&goes_to, N_("%s goes to %s (guest %s, by %s)")),
							       to[0], to[1], to[2], to[3]);
				else
					g_string_append_printf(line, translated_once(&nowhere, N_("%s goes nowhere: %s")),
							       no[0], no[1]);
			}
		}
		if (lines)
			out_lines_end(lines);
		for (guint i = 0; i < guests->len; i++) {
			const vnet_guest *g = guests->pdata[i];
			g_ptr_array_add(glines, g_strdup_printf(_("%s %s (domain %s, by %s)"), vnet_guest_get_mac(g),
				vnet_guest_get_address(g) ? vnet_guest_get_address(g) : "-",
				vnet_guest_get_domain(g) ? vnet_guest_get_domain(g) : "-",
				how_label(vnet_guest_get_source(g))));
			if (vnet_guest_get_address6(g))
				g_ptr_array_add(glines, g_strdup_printf(_("%s %s (domain %s, by IPv6 reservation to its host name)"),
					vnet_guest_get_mac(g), vnet_guest_get_address6(g), vnet_guest_get_domain(g)));
		}
		for (guint i = 0; i < drops->len; i++) {
			const vnet_drops *d = drops->pdata[i];
			guint64 n = vnet_drops_get_packets(d);
			g_autofree char *packets = g_strdup_printf("%" G_GUINT64_FORMAT, n);
			g_autofree char *bytes = g_strdup_printf("%" G_GUINT64_FORMAT, vnet_drops_get_bytes(d));
			if (!vnet_drops_get_mac(d))	/* Open vSwitch's flows count by port */
				g_ptr_array_add(dlines, g_strdup_printf(
					g_dngettext(GETTEXT_PACKAGE, "port %s: %s frame dropped (%s bytes)",
						    "port %s: %s frames dropped (%s bytes)", n == 1 ? 1 : 2),
					vnet_drops_get_port(d), packets, bytes));
			else
				g_ptr_array_add(dlines, g_strdup_printf(
					g_dngettext(GETTEXT_PACKAGE, "%s on port %s: %s frame dropped (%s bytes)",
						    "%s on port %s: %s frames dropped (%s bytes)", n == 1 ? 1 : 2),
					vnet_drops_get_mac(d), vnet_drops_get_port(d), packets, bytes));
		}
		out_strv(o, "guests", _("guest:"), glines);
		out_strv(o, "dropped", _("guard dropped:"), dlines);
	}
	out_finish(o);
	return EXIT_OK;
}

int cmd_restore(int argc, char **argv)
{
	g_autoptr(vnet_ctx) ctx = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) notices = NULL;
	guint n = 0;

	if (argc != 1)
		return cli_usage("restore", _("restore takes no arguments."));
	if (!(ctx = cli_connect()))
		return EXIT_REFUSED;
	if (!vnet_ctx_restore(ctx, &n, &error))
		return cli_fail(error);
	notices = vnet_ctx_take_notices(ctx);
	say(g_dngettext(GETTEXT_PACKAGE, "Restored the rules of %u active network.\n",
			"Restored the rules of %u active networks.\n", n), n);
	if (cli.json) {
		cli_out *o = out_new();
		g_autofree char *count = g_strdup_printf("%u", n);
		out_string(o, "command", NULL, "restore");
		out_string(o, "networks", NULL, count);
		out_notices(o, notices);
		out_finish(o);
	} else {
		out_notices(NULL, notices);
	}
	return EXIT_OK;
}
