/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * coexist-tool: libvnet's view of the foreign firewalls, for the
 * integration tests (tests/integration/50-firewalls-detect.sh).
 *
 *   coexist-tool [-b BRIDGE] findings [FILE.json]   the findings (vnet_coexist_report_format())
 *                                                    of FILE, or of the kernel's ruleset
 *   coexist-tool ruleset                             the kernel's ruleset as libvnet reads it (JSON)
 *   coexist-tool host                                iptables-legacy tables, br_netfilter,
 *                                                    whether /etc/nftables.conf flushes the ruleset
 *
 * Exit status: 0 done, 1 failed, 2 usage.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "coexist.h"
#include "util.h"

static int usage(void)
{
	fprintf(stderr, "usage: coexist-tool [-b BRIDGE] findings [FILE.json]\n"
			"       coexist-tool ruleset|host\n");
	return 2;
}

static int fail(GError *error)
{
	fprintf(stderr, "coexist-tool: %s\n", error ? error->message : "failed");
	return 1;
}

static int findings(const char *file, const char *bridge)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(vnet_coexist_report) r = NULL;
	g_autofree char *json = NULL;
	g_autofree char *text = NULL;

	if (file ? !g_file_get_contents(file, &json, NULL, &error) : !vnet_coexist_read_ruleset(&json, &error))
		return fail(error);
	if (!(r = vnet_coexist_parse(json, &error)))
		return fail(error);
	text = vnet_coexist_report_format(r, bridge);
	fputs(text, stdout);
	return 0;
}

static int host(void)
{
	g_autoptr(GError) error = NULL;
	g_auto(GStrv) v4 = NULL, v6 = NULL;
	g_autofree char *l4 = NULL, *l6 = NULL;

	if (!vnet_coexist_legacy_tables(VNET_COEXIST_IP_TABLES_NAMES, &v4, &error) ||
	    !vnet_coexist_legacy_tables(VNET_COEXIST_IP6_TABLES_NAMES, &v6, &error))
		return fail(error);
	l4 = g_strjoinv(" ", v4);
	l6 = g_strjoinv(" ", v6);
	printf("legacy-ip: %s\nlegacy-ip6: %s\nbr_netfilter: %s\nnftables.conf flushes: %s\n", l4, l6,
	       vnet_coexist_br_netfilter_loaded(VNET_COEXIST_BR_NETFILTER_MODULE, VNET_COEXIST_BRIDGE_NF_CALL) ? "yes" : "no",
	       vnet_coexist_conf_flushes_ruleset(VNET_COEXIST_NFTABLES_CONF) ? "yes" : "no");
	return 0;
}

int main(int argc, char **argv)
{
	const char *bridge = NULL;
	int opt;

	vnet_i18n_init();
	while ((opt = getopt(argc, argv, "+b:")) != -1) {
		if (opt != 'b')
			return usage();
		bridge = optarg;
	}
	argc -= optind;
	argv += optind;
	if (argc == 0)
		return usage();
	if (strcmp(argv[0], "findings") == 0 && argc <= 2)
		return findings(argc == 2 ? argv[1] : NULL, bridge);
	if (strcmp(argv[0], "ruleset") == 0 && argc == 1) {
		g_autoptr(GError) error = NULL;
		g_autofree char *json = NULL;
		if (!vnet_coexist_read_ruleset(&json, &error))
			return fail(error);
		puts(json);
		return 0;
	}
	if (strcmp(argv[0], "host") == 0 && argc == 1)
		return host();
	return usage();
}
