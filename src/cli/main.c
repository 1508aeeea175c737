/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <getopt.h>
#include <signal.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>
#include <libvirt/virterror.h>

#include "cli.h"

cli_globals cli;

/* libvirt's default handler prints; libvnet's GError already says it once. */
static void libvirt_silent(void *opaque, virErrorPtr err)
{
}

static int cmd_help(int argc, char **argv);

static const cli_option help_options[] = {
	{ "options", 0, 'o', NULL, N_("list the options, one a line, as the completion reads them") },
	{ "commands", 0, 'C', NULL, N_("list the commands, one a line, as the completion reads them") },
	{ 0 },
};

const cli_option cli_global_options[] = {
	{ "connect", 'c', 'c', "URI", N_("the libvirt URI; default: libvirt's") },
	{ "json", 0, 'j', NULL, N_("print JSON") },
	{ "quiet", 'q', 'q', NULL, N_("print nothing but errors") },
	{ "help", 'h', 'h', NULL, N_("show this help") },
	{ "version", 0, 'V', NULL, N_("print the version") },
	{ 0 },
};

/* name, handler, min and max positional arguments, options, usage, summary */
static const cli_command commands[] = {
	{ "create", cmd_create, 0, 1, cli_create_options, N_("[NAME] --mode MODE [OPTIONS]"), N_("create a network and start it") },
	{ "apply", cmd_apply, 0, 0, cli_apply_options, N_("-f INTENT.xml"), N_("create or converge to an intent file") },
	{ "delete", cmd_delete, 1, 1, NULL, N_("NAME"), N_("stop and remove a network and its rules") },
	{ "list", cmd_list, 0, 0, NULL, "", N_("the networks vnetctl manages") },
	{ "show", cmd_show, 1, 1, NULL, N_("NAME"), N_("intent, state, forwards and leases") },
	{ "forward", cmd_forward, 3, 3, cli_forward_options, N_("add|remove NAME SPEC"), N_("add or remove a port forward") },
	{ "attach", cmd_attach, 2, 2, cli_attach_options, N_("NAME DOMAIN [--mac MAC] [--ip ADDR] [--force]"), N_("give a libvirt domain a NIC on a network") },
	{ "detach", cmd_detach, 2, 2, NULL, N_("NAME DOMAIN"), N_("remove a domain's NICs on a network") },
	{ "confirm", cmd_confirm, 1, 1, NULL, N_("NAME"), N_("keep an uplink takeover made under --confirm-timeout") },
	{ "revert", cmd_revert, 1, 1, NULL, N_("NAME"), N_("undo an unconfirmed takeover now (the timer runs this)") },
	{ "scan", cmd_scan, 1, 1, cli_scan_options, N_("NAME [--range CIDR]"), N_("find addresses on a network's segment that more than one MAC answers") },
	{ "restore", cmd_restore, 0, 0, NULL, "", N_("re-apply the rules of every active network") },
	{ "trace", cmd_trace, 2, 2, cli_trace_options, N_("NAME FORWARD [--seconds N]"), N_("which table, chain and rule new connections to a forward meet") },
	{ "doctor", cmd_doctor, 0, 1, cli_doctor_options, N_("[NAME] [--json]"), N_("check link, L2, L3, L4 and app for guests and forwards") },
	{ "hook", cmd_hook, 3, 4, NULL, N_("NAME OP SUBOP -"), N_("called by the libvirt network hook") },
	{ "qemu-hook", cmd_qemu_hook, 3, 4, NULL, N_("DOMAIN OP SUBOP -"), N_("called by the libvirt qemu hook") },
	{ "watch", cmd_watch, 0, 0, cli_watch_options, N_("[--once]"), N_("keep forwards and the guard in step with the guests' leases and ports") },
	{ "xml", cmd_xml, 0, 1, cli_create_options, N_("<create arguments>"), N_("print the libvirt network XML, touching nothing") },
	{ "plan", cmd_plan, 0, 1, cli_create_options, N_("<create arguments>"), N_("print the steps a create would take, touching nothing") },
	{ "help", cmd_help, 0, 1, help_options, N_("[COMMAND]"), N_("show this help or a command's") },
};

static const cli_command *find_command(const char *name)
{
	for (size_t i = 0; i < G_N_ELEMENTS(commands); i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

static void print_usage(FILE *f)
{
	fprintf(f, _("Usage: vnetctl [-c|--connect URI] [--json] [-q] COMMAND ...\n\n"));
	fprintf(f, _("Options:\n"));
	cli_print_options(f, cli_global_options);
	fputc('\n', f);
	fprintf(f, _("Commands:\n"));
	for (size_t i = 0; i < G_N_ELEMENTS(commands); i++) {
		fprintf(f, "  %-8s ", commands[i].name);
		cli_print_padded(f, cli_tr(commands[i].usage), 30);
		fprintf(f, " %s\n", cli_tr(commands[i].summary));
	}
	fprintf(f, _("\nCreate arguments: [NAME] --mode nat|isolated|bridged|hybrid [--subnet CIDR]\n"
		     "  [--subnet6 CIDR] [--forward SPEC]... [--uplink IFACE] [--bridge BR]\n"
		     "  [--no-dhcp] [--no-autostart] [--guard on|off|strict] [--force] [--confirm-timeout SECONDS]\n"
		     "  [--host-port PORT[/tcp|/udp|/sctp]]...\n"
		     "A forward SPEC is [HOST_IP:]HOST_PORT[-END]:[GUEST:]GUEST_PORT[-END][/tcp|/udp|/sctp].\n"));
}

static int cmd_help(int argc, char **argv)
{
	const cli_command *c;
	bool names = false;
	int opt;

	opterr = 0;
	while ((opt = cli_getopt(argc, argv, "", help_options)) != -1) {
		switch (opt) {
		case 'o':
			names = true;
			break;
		case 'C':
			for (size_t i = 0; i < G_N_ELEMENTS(commands); i++)
				printf("%s\n", commands[i].name);
			return EXIT_OK;
		default:
			return cli_usage("help", _("\"%s\" is not an option of this command."), argv[optind - 1]);
		}
	}
	if (optind >= argc) {
		if (names)
			cli_print_option_names(stdout, cli_global_options);
		else
			print_usage(stdout);
		return EXIT_OK;
	}
	c = find_command(argv[optind]);
	if (!c)
		return cli_usage("help", _("There is no command \"%s\"."), argv[optind]);
	if (names) {
		cli_print_option_names(stdout, c->options);
		return EXIT_OK;
	}
	printf(_("Usage: vnetctl %s %s\n%s\n"), c->name, cli_tr(c->usage), cli_tr(c->summary));
	if (c->options) {
		printf(_("\nOptions:\n"));
		cli_print_options(stdout, c->options);
	}
	return EXIT_OK;
}

void cli_print_options(FILE *f, const cli_option *opts)
{
	for (; opts && opts->name; opts++) {
		g_autofree char *head = opts->letter
			? g_strdup_printf("-%c, --%s%s%s", opts->letter, opts->name, opts->arg ? " " : "",
					  opts->arg ? opts->arg : "")
			: g_strdup_printf("    --%s%s%s", opts->name, opts->arg ? " " : "", opts->arg ? opts->arg : "");
		fputs("  ", f);
		cli_print_padded(f, head, 28);
		fprintf(f, " %s\n", cli_tr(opts->help));
	}
}

void cli_print_option_names(FILE *f, const cli_option *opts)
{
	for (; opts && opts->name; opts++) {
		if (opts->letter)
			fprintf(f, "-%c%s%s\n", opts->letter, opts->arg ? " " : "", opts->arg ? opts->arg : "");
		fprintf(f, "--%s%s%s\n", opts->name, opts->arg ? " " : "", opts->arg ? opts->arg : "");
	}
}

/* The command table's min/max: a wrong count is a usage error before the handler runs. */
static bool args_fit(const cli_command *c, int argc, char **argv, int *ret_status)
{
	const char *extra;
	int n = cli_count_args(c->options, argc, argv, c->max_args, &extra);

	if (n < 0)
		return true;
	if (extra)
		*ret_status = cli_usage(c->name, _("Unexpected argument \"%s\": write \"vnetctl %s %s\"."), extra,
					c->name, cli_tr(c->usage));
	else if (n < c->min_args)
		*ret_status = cli_usage(c->name, _("Arguments are missing: write \"vnetctl %s %s\"."), c->name,
					cli_tr(c->usage));
	return !extra && n >= c->min_args;
}

int cli_fail(GError *error)
{
	g_autofree char *msg = cli_printable(error ? error->message : _("Unknown error."));

	if (cli.json) {
		/* The same failure as data, on stderr, with the same exit status. */
		json_t *e = json_pack("{s:{s:s,s:s,s:i}}", "error", "message", error ? error->message : msg,
				      "domain", error ? g_quark_to_string(error->domain) : "vnet-error-quark",
				      "code", error ? error->code : 0);
		char *s = e ? json_dumps(e, JSON_INDENT(2)) : NULL;
		fprintf(stderr, "%s\n", s ? s : msg);
		free(s);
		json_decref(e);
		return EXIT_REFUSED;
	}
	fprintf(stderr, "vnetctl: %s\n", msg);
	return EXIT_REFUSED;
}

int cli_usage(const char *cmd, const char *fmt, ...)
{
	g_autofree char *msg = NULL, *shown = NULL;
	va_list ap;

	va_start(ap, fmt);
	msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	shown = cli_printable(msg);
	fprintf(stderr, "vnetctl %s: %s\n", cmd, shown);
	fprintf(stderr, _("Run \"vnetctl help %s\" for its usage.\n"), cmd);
	return EXIT_USAGE;
}

int main(int argc, char **argv)
{
	const cli_command *c;
	int opt, status;

	/*
	 * libvirtd going away mid-call must be an error we can roll back from,
	 * not a silent death by SIGPIPE on its socket.
	 */
	signal(SIGPIPE, SIG_IGN);
	virSetErrorFunc(NULL, libvirt_silent);
	setlocale(LC_ALL, "");
	bindtextdomain(GETTEXT_PACKAGE, LOCALEDIR);
	bind_textdomain_codeset(GETTEXT_PACKAGE, "UTF-8");
	textdomain(GETTEXT_PACKAGE);

	/* "+": stop at the command, whose own options follow it. */
	while ((opt = cli_getopt(argc, argv, "+", cli_global_options)) != -1) {
		switch (opt) {
		case 'c':
			cli.uri = optarg;
			break;
		case 'j':
			cli.json = true;
			break;
		case 'q':
			cli.quiet = true;
			break;
		case 'h':
			print_usage(stdout);
			return EXIT_OK;
		case 'V':
			printf("vnetctl %s\n", PACKAGE_VERSION);
			return EXIT_OK;
		default:
			print_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		print_usage(stderr);
		return EXIT_USAGE;
	}
	c = find_command(argv[optind]);
	if (!c) {
		fprintf(stderr, _("vnetctl: \"%s\" is not a command.\n"), argv[optind]);
		print_usage(stderr);
		return EXIT_USAGE;
	}
	argc -= optind;
	argv += optind;
	if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		char *help_argv[] = { "help", (char *)c->name, NULL };
		return cmd_help(2, help_argv);
	}
	if (!args_fit(c, argc, argv, &status))
		return status;
	/* 0, not 1: GNU getopt then forgets the previous scan's "+" mode. */
	optind = 0;
	return c->handler(argc, argv);
}
