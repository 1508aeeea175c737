/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * xml and plan: show what a create would do, touching nothing.  Both read
 * what exists (libvirt when it answers, this host's kernel) so that the
 * name, subnet and conflicts are those a create would meet.
 */
#include "config.h"

#include <stdio.h>

#include "cli.h"

/* A context for reading: libvirt if it answers, else this host's kernel alone. */
static vnet_ctx *reading_ctx(void)
{
	g_autoptr(GError) error = NULL;
	vnet_ctx *ctx = vnet_ctx_new(cli.uri, NULL);

	if (ctx || cli.uri)
		return ctx ? ctx : cli_connect();
	ctx = vnet_ctx_new_offline(&error);
	if (!ctx)
		cli_fail(error);
	return ctx;
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
		out_string(o, "name", NULL, name);
		out_block(o, "xml", xml);
		out_item_end(o);
	}
	out_list_end(o);
	return EXIT_OK;
}

int cmd_xml(int argc, char **argv)
{
	g_auto(create_args) args = { 0 };
	g_autoptr(vnet_ctx) ctx = NULL;
	g_autoptr(vnet_host) host = NULL;
	g_autoptr(GError) error = NULL;
	cli_out *o;
	int r = cli_parse_create_args("xml", argc, argv, &args);

	if (r != EXIT_OK)
		return r;
	if (!(ctx = reading_ctx()))
		return EXIT_REFUSED;
	if (!(host = vnet_ctx_read_host(ctx, &error)) ||
	    !vnet_intent_complete(args.intent, host, &error) ||
	    !vnet_intent_validate(args.intent, host, args.force ? VNET_VALIDATE_FORCE : 0, &error))
		return cli_fail(error);
	o = out_new();
	r = print_networks(o, args.intent);
	out_finish(o);
	return r;
}

int cmd_plan(int argc, char **argv)
{
	g_auto(create_args) args = { 0 };
	g_autoptr(vnet_ctx) ctx = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree char *plan = NULL;
	cli_out *o;
	int r = cli_parse_create_args("plan", argc, argv, &args);

	if (r != EXIT_OK)
		return r;
	if (!(ctx = reading_ctx()))
		return EXIT_REFUSED;
	if (!vnet_ctx_apply(ctx, args.intent, VNET_APPLY_DRY_RUN | VNET_APPLY_CREATE |
			    (args.force ? VNET_APPLY_FORCE : 0), &plan, NULL, &error))
		return cli_fail(error);
	o = out_new();
	out_string(o, "name", NULL, vnet_intent_get_name(args.intent));
	out_block(o, "steps", plan);
	if (!cli.json)
		putchar('\n');
	r = print_networks(o, args.intent);
	out_finish(o);
	return r;
}
