/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * confirm and revert: the confirm-or-revert of an uplink takeover (as
 * `netplan try`).  The library records what to give back and arms the timer
 * (revert.h), which runs `vnetctl revert NAME --token TOKEN`.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"

int cmd_confirm(int argc, char **argv)
{
	g_autoptr(vnet_ctx) ctx = NULL;
	g_autoptr(GError) error = NULL;

	if (argc != 2)
		return cli_usage("confirm", _("Give the name of the network to confirm."));
	if (!(ctx = cli_connect()))
		return EXIT_REFUSED;
	if (!vnet_ctx_confirm(ctx, argv[1], &error))
		return cli_fail(error);
	if (!cli.quiet && !cli.json)
		printf(_("Network %s is confirmed: its uplink stays in the bridge.\n"), argv[1]);
	out_done("confirm", argv[1], NULL, NULL);
	return EXIT_OK;
}

int cmd_revert(int argc, char **argv)
{
	g_autoptr(vnet_ctx) ctx = NULL;
	g_autoptr(GError) error = NULL;
	const char *token = NULL;
	bool reverted = false;

	/* "revert NAME [--token TOKEN]": the timer names its own takeover. */
	if (argc == 4 && strcmp(argv[2], "--token") == 0)
		token = argv[3];
	else if (argc != 2)
		return cli_usage("revert", _("Give the name of the network to revert."));
	if (!(ctx = cli_connect()))
		return EXIT_REFUSED;
	if (!vnet_ctx_revert(ctx, argv[1], token, &reverted, &error))
		return cli_fail(error);
	if (!cli.quiet && !cli.json)
		printf(reverted ? _("Network %s was not confirmed and is reverted: the uplink is back as it was.\n")
				: _("Network %s has nothing to revert.\n"), argv[1]);
	if (cli.json) {
		cli_out *o = out_new();
		out_string(o, "command", NULL, "revert");
		out_string(o, "name", NULL, argv[1]);
		out_bool(o, "changed", reverted);
		out_finish(o);
	}
	return EXIT_OK;
}
