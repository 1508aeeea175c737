/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* forward add|remove NAME SPEC: one forward, elements only. */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

const cli_option cli_forward_options[] = {
	{ "force", 0, 'F', NULL, N_("allow a port that a local process listens on") },
	{ 0 },
};

int cmd_forward(int argc, char **argv)
{
	g_autoptr(vnet_ctx) ctx = NULL;
	g_autoptr(GError) error = NULL;
	unsigned flags = 0;
	bool add;
	int opt;

	opterr = 0;
	while ((opt = cli_getopt(argc, argv, "", cli_forward_options)) != -1) {
		if (opt != 'F')
			return cli_usage("forward", _("\"%s\" is not an option of this command."), argv[optind - 1]);
		flags |= VNET_APPLY_FORCE;
	}
	/* argv[1..] the positional arguments, as getopt_long ordered them */
	argc -= optind - 1;
	argv += optind - 1;
	if (argc != 4 || (strcmp(argv[1], "add") && strcmp(argv[1], "remove")))
		return cli_usage("forward", _("Write \"forward add NAME SPEC\" or \"forward remove NAME SPEC\"."));
	add = strcmp(argv[1], "add") == 0;
	if (!(ctx = cli_connect()))
		return EXIT_REFUSED;
	if (add ? !vnet_ctx_forward_add(ctx, argv[2], argv[3], flags, &error)
		: !vnet_ctx_forward_remove(ctx, argv[2], argv[3], &error))
		return cli_fail(error);
	if (!cli.quiet && !cli.json)
		printf(add ? _("Forward %s added to network %s.\n") : _("Forward %s removed from network %s.\n"),
		       argv[3], argv[2]);
	out_done(add ? "forward add" : "forward remove", argv[2], "forward", argv[3]);
	/* A forward that reaches nobody yet is accepted, and said so. */
	if (add && !cli.quiet && !cli.json) {
		g_autoptr(vnet_target) t = vnet_ctx_forward_target(ctx, argv[2], argv[3], NULL);
		if (t && vnet_target_get_problem(t)) {
			g_autofree char *msg = cli_printable(vnet_target_get_problem(t));
			g_printerr(_("vnetctl: warning: %s\n"), msg);
		}
	}
	return EXIT_OK;
}
