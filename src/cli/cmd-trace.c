/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* trace NAME FORWARD [--seconds N] [--json]: what new connections to a forward meet in nftables. */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"

typedef struct trace_out {
	guint connection, attempt;	/* the block printed last */
	GHashTable *seen;	/* connection -> the packet as last printed */
	guint n;		/* connections seen */
} trace_out;

/* What the event did, as one sentence. */
static char *describe(const vnet_trace_event *e)
{
	const char *v = vnet_trace_event_get_verdict(e);
	const char *rule = vnet_trace_event_get_rule(e);
	const char *target = vnet_trace_event_get_target(e) ? vnet_trace_event_get_target(e) : "?";
	g_autofree char *r = rule ? cli_printable(rule) : NULL;
	g_autofree char *tg = cli_printable(target);
	g_autofree char *fam = cli_printable(vnet_trace_event_get_family(e));
	g_autofree char *tab = cli_printable(vnet_trace_event_get_table(e));
	g_autofree char *ch = cli_printable(vnet_trace_event_get_chain(e));

	if (vnet_trace_event_is_policy(e))
		return strcmp(v, "drop") == 0 ? g_strdup_printf(_("dropped by %s %s %s policy"), fam, tab, ch)
					      : g_strdup_printf(_("accepted by %s %s %s policy"), fam, tab, ch);
	if (!r)
		return g_strdup(_("reached the end of the chain and returned to the chain that jumped to it"));
	if (strcmp(v, "accept") == 0)
		return g_strdup_printf(_("accepted by rule: %s"), r);
	if (strcmp(v, "drop") == 0)
		return g_strdup_printf(_("dropped by rule: %s"), r);
	if (strcmp(v, "continue") == 0)
		return g_strdup_printf(_("matched rule, and went on: %s"), r);
	if (strcmp(v, "jump") == 0)
		return g_strdup_printf(_("jumped to chain %s by rule: %s"), tg, r);
	if (strcmp(v, "goto") == 0)
		return g_strdup_printf(_("went to chain %s by rule: %s"), tg, r);
	if (strcmp(v, "return") == 0)
		return g_strdup_printf(_("returned to the chain that jumped here by rule: %s"), r);
	return g_strdup_printf(_("verdict %s by rule: %s"), v, r);
}

static void print_json(const vnet_trace_event *e)
{
	json_t *o = json_pack("{s:I,s:I,s:s,s:s,s:s,s:s?,s:s?,s:b,s:s,s:s?,s:s?}",
			      "connection", (json_int_t)vnet_trace_event_get_connection(e),
			      "attempt", (json_int_t)vnet_trace_event_get_attempt(e),
			      "family", vnet_trace_event_get_family(e),
			      "table", vnet_trace_event_get_table(e),
			      "chain", vnet_trace_event_get_chain(e),
			      "hook", vnet_trace_event_get_hook(e),
			      "rule", vnet_trace_event_get_rule(e),
			      "policy", vnet_trace_event_is_policy(e),
			      "verdict", vnet_trace_event_get_verdict(e),
			      "target", vnet_trace_event_get_target(e),
			      "packet", vnet_trace_event_get_packet(e));
	char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;

	if (s)
		printf("%s\n", s);
	free(s);
	json_decref(o);
}

static void print_text(trace_out *t, const vnet_trace_event *e)
{
	guint c = vnet_trace_event_get_connection(e), a = vnet_trace_event_get_attempt(e);
	const char *pkt = vnet_trace_event_get_packet(e);
	const char *last = g_hash_table_lookup(t->seen, GUINT_TO_POINTER(c));
	g_autofree char *p = pkt ? cli_printable(pkt) : NULL;
	g_autofree char *where = NULL, *what = describe(e);
	g_autofree char *fam = cli_printable(vnet_trace_event_get_family(e));
	g_autofree char *tab = cli_printable(vnet_trace_event_get_table(e));
	g_autofree char *ch = cli_printable(vnet_trace_event_get_chain(e));

	if (c != t->connection || a != t->attempt) {
		/* one block per connection; a block goes on under its header when they interleave */
		if (t->connection)
			printf("\n");
		if (a > 1)
			printf(_("Connection %u, its first packet sent again (attempt %u):\n"), c, a);
		else if (p)
			printf(_("Connection %u: %s\n"), c, p);
		else
			printf(_("Connection %u:\n"), c);
		/* an attempt's block starts from the packet as it was sent */
		if (p && (a > 1 || !last))
			g_hash_table_replace(t->seen, GUINT_TO_POINTER(c), g_strdup(p));
		last = g_hash_table_lookup(t->seen, GUINT_TO_POINTER(c));
		t->connection = c;
		t->attempt = a;
	}
	if (p && (!last || strcmp(p, last) != 0)) {
		if (last)
			printf(_("  (the packet is now %s)\n"), p);
		g_hash_table_replace(t->seen, GUINT_TO_POINTER(c), g_strdup(p));
	}
	if (vnet_trace_event_get_hook(e)) {
		g_autofree char *hook = cli_printable(vnet_trace_event_get_hook(e));
		where = g_strdup_printf("%s %s %s (%s)", fam, tab, ch, hook);
	} else {
		where = g_strdup_printf("%s %s %s", fam, tab, ch);
	}
	printf("  %s: %s\n", where, what);
}

static bool on_event(const vnet_trace_event *e, void *data)
{
	trace_out *t = data;

	t->n = MAX(t->n, vnet_trace_event_get_connection(e));
	if (cli.json)
		print_json(e);
	else
		print_text(t, e);
	/* a reader at the other end of a pipe sees each event as it happens */
	fflush(stdout);
	return true;
}

const cli_option cli_trace_options[] = {
	{ "seconds", 0, 's', "N", N_("how long to trace") },
	{ "json", 0, 'j', NULL, N_("print JSON") },
	{ 0 },
};

int cmd_trace(int argc, char **argv)
{
	g_autoptr(vnet_ctx) ctx = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(GHashTable) seen = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, g_free);
	trace_out t = { .seen = seen };
	const char *seconds = NULL;
	guint secs = 0;
	int opt;

	opterr = 0;
	/* "": options may come before or after NAME FORWARD */
	while ((opt = cli_getopt(argc, argv, "", cli_trace_options)) != -1) {
		switch (opt) {
		case 's':
			seconds = optarg;
			break;
		case 'j':
			cli.json = true;
			break;
		default:
			return cli_usage("trace", _("\"%s\" is not an option of this command, or lacks its value."),
					 argv[optind - 1]);
		}
	}
	if (argc - optind != 2)
		return cli_usage("trace", _("Write \"trace NAME FORWARD [--seconds N]\"."));
	if (!vnet_trace_check_args(NULL, seconds, &secs, &error))
		return cli_usage("trace", "%s", error->message);
	if (!vnet_trace_check_args(argv[optind + 1], seconds, &secs, &error))
		return cli_fail(error);
	if (!(ctx = cli_connect()))
		return EXIT_REFUSED;
	if (!cli.json && !cli.quiet) {
		g_autofree char *n = cli_printable(argv[optind]), *f = cli_printable(argv[optind + 1]);
		g_printerr(_("Tracing new connections to forward %s of network %s for %u seconds; Ctrl-C ends it.\n"),
			   f, n, secs);
	}
	if (!vnet_ctx_trace(ctx, argv[optind], argv[optind + 1], secs, on_event, &t, &error))
		return cli_fail(error);
	if (!cli.json && !cli.quiet) {
		if (t.n == 0)
			g_printerr(_("No new connection to the forward was seen.\n"));
		else
			g_printerr(_("Connections traced: %u.\n"), t.n);
	}
	return EXIT_OK;
}
