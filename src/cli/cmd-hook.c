/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * hook NAME OP SUBOP -: run by libvirt's network hook with the network XML
 * on stdin; qemu-hook DOMAIN OP SUBOP -: run by its qemu hook with the
 * domain XML on stdin.  Neither may call back into libvirtd (libvirtd waits
 * for them).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cli.h"

int cmd_hook(int argc, char **argv)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *xml = NULL;

	if (argc < 4 || argc > 5)
		return cli_usage("hook", _("The hook is called as \"hook NAME OP SUBOP -\" with the XML on stdin."));
	if (!g_file_get_contents("/dev/stdin", &xml, NULL, &error))
		return cli_fail(error);
	if (!vnet_hook_run(argv[1], argv[2], argv[3], xml, &error))
		return cli_fail(error);
	return EXIT_OK;
}

int cmd_qemu_hook(int argc, char **argv)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *xml = NULL;

	if (argc < 4 || argc > 5)
		return cli_usage("qemu-hook", _("The qemu hook is called as \"qemu-hook DOMAIN OP SUBOP -\" with the XML on stdin."));
	/* Read it whatever the event: libvirt writes it all. */
	if (!g_file_get_contents("/dev/stdin", &xml, NULL, &error))
		return cli_fail(error);
	if (!vnet_qemu_hook_run(argv[1], argv[2], argv[3], xml, &error))
		return cli_fail(error);
	return EXIT_OK;
}
