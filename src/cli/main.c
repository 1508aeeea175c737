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

static const cli_command commands[] = {
	{ "create", cmd_create, N_("[NAME] --mode MODE [OPTIONS]"), N_("create a network and start it") },
	{ "apply", cmd_apply, N_("-f INTENT.xml"), N_("create or converge to an intent file") },
	{ "delete", cmd_delete, N_("NAME"), N_("stop and remove a network and its rules") },
	{ "list", cmd_list, "", N_("the networks vnetctl manages") },
	{ "show", cmd_show, N_("NAME"), N_("intent, state, forwards and leases") },
	{ "forward", cmd_forward, N_("add|remove NAME SPEC"), N_("add or remove a port forward") },
	{ "attach", cmd_attach, N_("NAME DOMAIN [--mac MAC] [--ip ADDR] [--force]"), N_("give a libvirt domain a NIC on a network") },
	{ "detach", cmd_detach, N_("NAME DOMAIN"), N_("remove a domain's NICs on a network") },
	{ "confirm", cmd_confirm, N_("NAME"), N_("keep an uplink takeover made under --confirm-timeout") },
	{ "revert", cmd_revert, N_("NAME"), N_("undo an unconfirmed takeover now (the timer runs this)") },
	{ "scan", cmd_scan, N_("NAME [--range CIDR]"), N_("find addresses on a network's segment that more than one MAC answers") },
	{ "restore", cmd_restore, "", N_("re-apply the rules of every active network") },
	{ "trace", cmd_trace, N_("NAME FORWARD [--seconds N]"), N_("which table, chain and rule new connections to a forward meet") },
	{ "doctor", cmd_doctor, N_("[NAME] [--json]"), N_("check link, L2, L3, L4 and app for guests and forwards") },
	{ "hook", cmd_hook, N_("NAME OP SUBOP -"), N_("called by the libvirt network hook") },
	{ "qemu-hook", cmd_qemu_hook, N_("DOMAIN OP SUBOP -"), N_("called by the libvirt qemu hook") },
	{ "watch", cmd_watch, N_("[--once]"), N_("keep forwards pointed at the guests' DHCP leases") },
	{ "xml", cmd_xml, N_("<create arguments>"), N_("print the libvirt network XML, touching nothing") },
	{ "plan", cmd_plan, N_("<create arguments>"), N_("print the steps a create would take, touching nothing") },
	{ "help", cmd_help, N_("[COMMAND]"), N_("show this help or a command's") },
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
	fprintf(f, _("Commands:\n"));
	for (size_t i = 0; i < G_N_ELEMENTS(commands); i++) {
		fprintf(f, "  %-8s ", commands[i].name);
		cli_print_padded(f, cli_tr(commands[i].usage), 30);
		fprintf(f, " %s\n", cli_tr(commands[i].summary));
	}
	fprintf(f, _("\nCreate arguments: [NAME] --mode nat|isolated|bridged|hybrid [--subnet CIDR]\n"
		     "  [--subnet6 CIDR] [--forward SPEC]... [--uplink IFACE] [--bridge BR]\n"
		     "  [--no-dhcp] [--no-autostart] [--force] [--confirm-timeout SECONDS]\n"
		     "A forward SPEC is [HOST_IP:]HOST_PORT[-END]:[GUEST:]GUEST_PORT[-END][/tcp|/udp|/sctp].\n"));
}

static int cmd_help(int argc, char **argv)
{
	const cli_command *c;

	if (argc < 2) {
		print_usage(stdout);
		return EXIT_OK;
	}
	c = find_command(argv[1]);
	if (!c)
		return cli_usage("help", _("There is no command \"%s\"."), argv[1]);
	printf(_("Usage: vnetctl %s %s\n%s\n"), c->name, cli_tr(c->usage), cli_tr(c->summary));
	return EXIT_OK;
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
	static const struct option opts[] = {
		{ "connect", required_argument, NULL, 'c' },
		{ "json", no_argument, NULL, 'j' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ 0 },
	};
	const cli_command *c;
	int opt;

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
	while ((opt = getopt_long(argc, argv, "+c:qh", opts, NULL)) != -1) {
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
	/* 0, not 1: GNU getopt then forgets the previous scan's "+" mode. */
	optind = 0;
	return c->handler(argc, argv);
}
