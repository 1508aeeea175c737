/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* forward add|remove NAME SPEC: one forward, elements only. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cli.h"

int cmd_forward(int argc, char **argv)
{
	g_autoptr(vnet_ctx) ctx = NULL;
	g_autoptr(GError) error = NULL;
	unsigned flags = 0;
	bool add;

	if (argc == 5 && strcmp(argv[4], "--force") == 0) {
		flags |= VNET_APPLY_FORCE;
		argc--;
	}
	if (argc != 4 || (strcmp(argv[1], "add") && strcmp(argv[1], "remove")))
		return cli_usage("forward", _("Write \"forward add NAME SPEC\" or \"forward remove NAME SPEC\"."));
	add = strcmp(argv[1], "add") == 0;
	if (!(ctx = cli_connect()))
		return EXIT_REFUSED;
	if (!vnet_ctx_forward(ctx, argv[2], argv[3], add, flags, &error))
		return cli_fail(error);
	if (!cli.quiet)
		printf(add ? _("Forward %s added to network %s.\n") : _("Forward %s removed from network %s.\n"),
		       argv[3], argv[2]);
	return EXIT_OK;
}
