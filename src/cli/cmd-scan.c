/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * scan NAME [--range CIDR] [--vlan ID] [--json]: who answers on a network's segment,
 * and the conflicts (vnet_ctx_scan()).  Exit 0 when nothing conflicts, 1
 * when something does or the scan failed, 2 when what to scan is wrong
 * (a malformed or too large range, one outside the subnet).
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <unistd.h>

#include "cli.h"

enum { OPT_RANGE = 256, OPT_JSON, OPT_VLAN };

const cli_option cli_scan_options[] = {
	{ "range", 0, OPT_RANGE, "CIDR", N_("the addresses to probe; default: the network's subnet") },
	{ "vlan", 0, OPT_VLAN, "ID", N_("probe on VLAN ID of an Open vSwitch network (needs --range)") },
	{ "json", 0, OPT_JSON, NULL, N_("print JSON") },
	{ 0 },
};

/* On a terminal only: a line that a /16's five minutes keep up to date. */
static void show_progress(guint64 done, guint64 total, void *user_data)
{
	(void)user_data;
	fputc('\r', stderr);
	fprintf(stderr, _("Probed %u of %u addresses..."), (guint)done, (guint)total);
	fflush(stderr);
}

static void list_answers(cli_out *o, const vnet_scan *s)
{
	g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func(g_free);

	if (cli.json) {
		out_list_begin(o, "answers");
		for (guint i = 0; i < vnet_scan_get_n_answers(s); i++) {
			const char *const *macs;
			const char *addr = vnet_scan_get_answer(s, i, &macs);
			g_autoptr(GPtrArray) m = g_ptr_array_new();
			for (; *macs; macs++)
				g_ptr_array_add(m, (char *)*macs);
			out_item_begin(o);
			out_string(o, "address", NULL, addr);
			out_strv(o, "macs", NULL, m);
			out_item_end(o);
		}
		out_list_end(o);
		return;
	}
	for (guint i = 0; i < vnet_scan_get_n_answers(s); i++) {
		const char *const *macs;
		const char *addr = vnet_scan_get_answer(s, i, &macs);
		g_autofree char *who = g_strjoinv(", ", (char **)macs);
		g_ptr_array_add(lines, g_strdup_printf("%s %s", addr, who));
	}
	out_strv(o, "answers", _("answered:"), lines);
}

static void list_conflicts(cli_out *o, const vnet_scan *s)
{
	g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func(g_free);

	if (cli.json) {
		out_list_begin(o, "conflicts");
		for (guint i = 0; i < vnet_scan_get_n_conflicts(s); i++) {
			const vnet_scan_conflict *c = vnet_scan_get_conflict(s, i);
			g_autoptr(GPtrArray) m = g_ptr_array_new();
			for (const char *const *p = vnet_scan_conflict_get_macs(c); *p; p++)
				g_ptr_array_add(m, (char *)*p);
			out_item_begin(o);
			out_string(o, "kind", NULL, vnet_scan_conflict_get_kind(c));
			out_string(o, "address", NULL, vnet_scan_conflict_get_address(c));
			out_strv(o, "macs", NULL, m);
			out_string(o, "owner_mac", NULL, vnet_scan_conflict_get_owner_mac(c));
			out_string(o, "owner_domain", NULL, vnet_scan_conflict_get_owner_domain(c));
			out_string(o, "problem", NULL, vnet_scan_conflict_get_problem(c));
			out_item_end(o);
		}
		out_list_end(o);
		return;
	}
	for (guint i = 0; i < vnet_scan_get_n_conflicts(s); i++)
		g_ptr_array_add(lines, g_strdup(vnet_scan_conflict_get_problem(vnet_scan_get_conflict(s, i))));
	out_strv(o, "conflicts", _("conflict:"), lines);
}

int cmd_scan(int argc, char **argv)
{
	g_autoptr(vnet_ctx) ctx = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(vnet_scan) s = NULL;
	g_autofree char *probed = NULL;
	const char *range = NULL;
	guint vlan = 0;
	bool tty;
	cli_out *o;
	int opt;

	opterr = 0;
	while ((opt = cli_getopt(argc, argv, ":", cli_scan_options)) != -1) {
		switch (opt) {
		case OPT_RANGE: range = optarg; break;
		case OPT_JSON: cli.json = true; break;
		case OPT_VLAN:
			if (!cli_parse_vlan(optarg, &vlan, &error))
				return cli_usage("scan", "%s", error->message);
			break;
		case ':':
			return cli_usage("scan", _("The option \"%s\" needs a value."), argv[optind - 1]);
		default:
			return cli_usage("scan", _("\"%s\" is not an option of this command."), argv[optind - 1]);
		}
	}
	if (argc - optind != 1)
		return cli_usage("scan", _("Write \"scan NAME\": the network whose segment to scan."));
	if (!vnet_scan_check_range(range, &error))
		return cli_usage("scan", "%s", error->message);
	if (!(ctx = cli_connect()))
		return EXIT_REFUSED;
	tty = !cli.quiet && isatty(STDERR_FILENO);
	s = vnet_ctx_scan_vlan(ctx, argv[optind], range, vlan, tty ? show_progress : NULL, NULL, &error);
	if (tty)
		fputs("\r\033[K", stderr);
	if (!s) {
		/* What to scan is wrong: a usage error, never mistaken for a conflict found. */
		bool usage = error && error->domain == VNET_ERROR && error->code == VNET_ERROR_INVALID;
		cli_fail(error);
		return usage ? EXIT_USAGE : EXIT_REFUSED;
	}
	probed = g_strdup_printf("%" G_GUINT64_FORMAT, vnet_scan_get_n_probed(s));
	o = out_new();
	out_string(o, "name", NULL, argv[optind]);
	out_string(o, "bridge", _("bridge:"), vnet_scan_get_bridge(s));
	out_string(o, "range", _("range:"), vnet_scan_get_range(s));
	if (vlan) {
		g_autofree char *v = g_strdup_printf("%u", vlan);
		out_string(o, "vlan", _("VLAN:"), v);
	}
	out_string(o, "probed", _("probed:"), probed);
	out_bool(o, "conflict", vnet_scan_get_n_conflicts(s) > 0);
	list_answers(o, s);
	list_conflicts(o, s);
	out_finish(o);
	if (!cli.json && !cli.quiet && !vnet_scan_get_n_conflicts(s))
		printf(_("No conflicts: no address answers from more than one MAC, and every reservation answers from its own.\n"));
	return vnet_scan_get_n_conflicts(s) ? EXIT_REFUSED : EXIT_OK;
}
