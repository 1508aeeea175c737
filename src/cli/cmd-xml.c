/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* xml and plan: show what a create would do, touching nothing. */
#include "config.h"

#include <stdio.h>

#include "cli.h"

/* Parse, complete and validate the create arguments against @host. */
static int prepare(const char *cmd, int argc, char **argv, const vnet_host *host,
		   create_args *ret)
{
	g_autoptr(GError) error = NULL;
	int r = cli_parse_create_args(cmd, argc, argv, ret);

	if (r != EXIT_OK)
		return r;
	if (!vnet_intent_complete(ret->intent, host, &error) ||
	    !vnet_intent_validate(ret->intent, host, ret->force ? VNET_VALIDATE_FORCE : 0, &error))
		return cli_fail(error);
	return EXIT_OK;
}

static int print_networks(cli_out *o, const vnet_intent *in)
{
	g_autoptr(GError) error = NULL;

	out_list_begin(o, "networks");
	for (guint i = 0; i < vnet_intent_n_networks(in); i++) {
		g_autofree char *name = vnet_intent_network_name(in, i);
		g_autofree char *xml = vnet_intent_network_xml(in, i, &error);
		if (!xml)
			return cli_fail(error);
		out_item_begin(o);
		out_string(o, "name", _("network:"), cli.json ? name : NULL);
		out_block(o, "xml", xml);
		out_item_end(o);
	}
	out_list_end(o);
	return EXIT_OK;
}

int cmd_xml(int argc, char **argv)
{
	g_auto(create_args) args = { 0 };
	g_autoptr(vnet_host) host = vnet_host_new();
	cli_out *o;
	int r = prepare("xml", argc, argv, host, &args);

	if (r != EXIT_OK)
		return r;
	o = out_new();
	r = print_networks(o, args.intent);
	out_finish(o);
	return r;
}

int cmd_plan(int argc, char **argv)
{
	g_auto(create_args) args = { 0 };
	g_autoptr(vnet_host) host = vnet_host_new();
	cli_out *o;
	int r = prepare("plan", argc, argv, host, &args);

	if (r != EXIT_OK)
		return r;
	o = out_new();
	out_string(o, "intent", _("intent:"), vnet_intent_get_name(args.intent));
	r = print_networks(o, args.intent);
	out_finish(o);
	return r;
}
