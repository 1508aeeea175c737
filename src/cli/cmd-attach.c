/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * attach NAME DOMAIN [--mac MAC] [--ip ADDR] [--force] [--vlan ID | --trunk], detach NAME DOMAIN:
 * a libvirt domain's NICs on a managed network, with the DHCP reservation
 * (or the recorded static address) of its address, probed for a machine
 * that holds it already unless --force.  The arguments are checked before
 * connecting, so a typo is named even where libvirtd is not running.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

enum { OPT_MAC = 256, OPT_IP, OPT_FORCE, OPT_VLAN, OPT_TRUNK };

const cli_option cli_attach_options[] = {
	{ "mac", 0, OPT_MAC, "MAC", N_("the NIC's MAC address; default: a free random one") },
	{ "ip", 0, OPT_IP, "ADDR", N_("an IPv4 address to reserve for the guest") },
	{ "force", 0, OPT_FORCE, NULL, N_("skip the probe for the address") },
	{ "vlan", 0, OPT_VLAN, "ID", N_("the NIC in the portgroup of VLAN ID (--switch ovs)") },
	{ "trunk", 0, OPT_TRUNK, NULL, N_("the NIC in the trunk portgroup, every VLAN tagged (--switch ovs --trunk)") },
	{ 0 },
};

int cmd_attach(int argc, char **argv)
{
	g_autoptr(vnet_ctx) ctx = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(vnet_intent) in = NULL;
	const char *mac = NULL, *ip = NULL;
	unsigned flags = 0;
	guint vlan = 0;
	int opt;

	opterr = 0;
	/* The leading ":" makes a missing value ':' rather than an unknown option '?'. */
	while ((opt = cli_getopt(argc, argv, ":", cli_attach_options)) != -1) {
		switch (opt) {
		case OPT_MAC: mac = optarg; break;
		case OPT_IP: ip = optarg; break;
		case OPT_FORCE: flags |= VNET_ATTACH_FORCE; break;
		case OPT_TRUNK: flags |= VNET_ATTACH_TRUNK; break;
		case OPT_VLAN:
			if (!cli_parse_vlan(optarg, &vlan, &error))
				return cli_fail(error);
			break;
		case ':':
			return cli_usage("attach", _("The option \"%s\" needs a value."), argv[optind - 1]);
		default:
			return cli_usage("attach", _("\"%s\" is not an option of this command."), argv[optind - 1]);
		}
	}
	if (argc - optind != 2)
		return cli_usage("attach", _("Write \"attach NAME DOMAIN\": the network and the libvirt domain."));
	if (!vnet_attach_check_args(argv[optind + 1], mac, ip, &error))
		return cli_fail(error);
	if (!(ctx = cli_connect()))
		return EXIT_REFUSED;
	if (!vnet_ctx_attach_vlan(ctx, argv[optind], argv[optind + 1], mac, ip, flags, vlan, &error))
		return cli_fail(error);
	if (!cli.quiet && !cli.json) {
		g_autoptr(GPtrArray) guests = vnet_ctx_guests(ctx, argv[optind], NULL);
		printf(_("Domain %s attached to network %s.\n"), argv[optind + 1], argv[optind]);
		/* What it has now: an adopted NIC keeps its MAC, a lease became a reservation. */
		for (guint i = 0; guests && i < guests->len; i++) {
			const vnet_guest *g = guests->pdata[i];
			if (g_strcmp0(vnet_guest_get_domain(g), argv[optind + 1]) != 0)
				continue;
			if (g_strcmp0(vnet_guest_get_source(g), "reservation") == 0)
				printf(_("Its interface %s has the address %s reserved.\n"), vnet_guest_get_mac(g),
				       vnet_guest_get_address(g));
			else
				printf(_("Its interface %s has no reserved address; it gets one from DHCP.\n"),
				       vnet_guest_get_mac(g));
			if (vnet_guest_get_address6(g))
				printf(_("It has the IPv6 address %s reserved, given by DHCPv6 to the host name %s.\n"),
				       vnet_guest_get_address6(g), argv[optind + 1]);
		}
		in = vnet_ctx_get(ctx, argv[optind], NULL, NULL);
		for (guint i = 0; in && i < vnet_intent_get_n_static_addrs(in); i++) {
			const char *m, *d, *a = vnet_intent_get_static_addr(in, i, &m, &d);
			if (g_strcmp0(d, argv[optind + 1]) == 0)
				printf(_("Its interface %s has the static address %s recorded.\n"), m, a);
		}
	}
	out_done("attach", argv[optind], "domain", argv[optind + 1]);
	return EXIT_OK;
}

int cmd_detach(int argc, char **argv)
{
	g_autoptr(vnet_ctx) ctx = NULL;
	g_autoptr(GError) error = NULL;

	if (argc != 3)
		return cli_usage("detach", _("Write \"detach NAME DOMAIN\": the network and the libvirt domain."));
	if (!vnet_attach_check_args(argv[2], NULL, NULL, &error))
		return cli_fail(error);
	if (!(ctx = cli_connect()))
		return EXIT_REFUSED;
	if (!vnet_ctx_detach(ctx, argv[1], argv[2], &error))
		return cli_fail(error);
	if (!cli.quiet && !cli.json)
		printf(_("Domain %s detached from network %s.\n"), argv[2], argv[1]);
	out_done("detach", argv[1], "domain", argv[2]);
	return EXIT_OK;
}
