/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * nft-tool: drive libvnet's nftables backend and bridge port knobs directly,
 * for the integration tests, before the control plane exists.
 *
 *   nft-tool [-g NAME=ADDR]... [-t] add INTENT.xml
 *   nft-tool [-g NAME=ADDR]... [-t] remove INTENT.xml
 *   nft-tool [-g NAME=ADDR]... [-t] update OLD.xml NEW.xml
 *   nft-tool [-g NAME=ADDR]... plan INTENT.xml     the commands that add it
 *   nft-tool table                                 the table commands
 *   nft-tool ensure                                create the table if missing
 *   nft-tool elements                              the elements, read back
 *   nft-tool intent-elements INTENT.xml            the elements it wants
 *   nft-tool hairpin BRIDGE                        hairpin on every port
 *   nft-tool hairpin-port PORT on|off
 *   nft-tool localnet BRIDGE [on|off]              route_localnet
 *
 * -g gives a domain's address for forwards that name a guest; -t prints
 * the time the library call took (microseconds) on stderr.
 * Exit status: 0 done, 1 failed, 2 usage.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "netlink.h"
#include "nft.h"
#include "util.h"

static GHashTable *guests;
static bool timing;

static int usage(void)
{
	fprintf(stderr, "usage: nft-tool [-g NAME=ADDR]... [-t] add|remove|plan|intent-elements INTENT.xml\n"
			"       nft-tool [-g NAME=ADDR]... [-t] update OLD.xml NEW.xml\n"
			"       nft-tool table|ensure|elements\n"
			"       nft-tool hairpin BRIDGE | hairpin-port PORT on|off | localnet BRIDGE [on|off]\n");
	return 2;
}

static int fail(GError *error)
{
	fprintf(stderr, "nft-tool: %s\n", error ? error->message : "failed");
	return 1;
}

/* An intent file: intent XML or `vnetctl xml` output (the first network of it). */
static vnet_intent *load_intent(const char *path, GError **error)
{
	g_autofree char *text = NULL;
	gsize len;
	char *second;

	if (!g_file_get_contents(path, &text, &len, error))
		return NULL;
	second = strstr(text + 1, "<?xml");
	if (second)
		*second = '\0';
	return vnet_intent_from_xml(text, -1, error);
}

static int apply(vnet_intent *old, vnet_intent *new, bool dry_run)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(vnet_nft) nft = NULL;
	g_autofree char *cmds = NULL;
	gint64 t0;

	if (!dry_run && !(nft = vnet_nft_new(&error)))
		return fail(error);
	t0 = g_get_monotonic_time();
	if (!vnet_nft_apply(nft, old, new, guests, dry_run, &cmds, &error))
		return fail(error);
	if (timing)
		fprintf(stderr, "apply: %" G_GINT64_FORMAT " us\n", g_get_monotonic_time() - t0);
	if (dry_run)
		fputs(cmds, stdout);
	return 0;
}

static int print_lines(GPtrArray *lines)
{
	for (guint i = 0; i < lines->len; i++)
		printf("%s\n", (char *)lines->pdata[i]);
	return 0;
}

static bool parse_on_off(const char *s, bool *ret)
{
	if (!s || g_str_equal(s, "on")) {
		*ret = true;
		return true;
	}
	if (g_str_equal(s, "off")) {
		*ret = false;
		return true;
	}
	return false;
}

int main(int argc, char **argv)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(vnet_intent) a = NULL;
	g_autoptr(vnet_intent) b = NULL;
	const char *cmd;
	bool on = true;
	int i = 1;

	guests = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (g_str_equal(argv[i], "-t")) {
			timing = true;
		} else if (g_str_equal(argv[i], "-g") && i + 1 < argc && strchr(argv[i + 1], '=')) {
			char *eq = strchr(argv[++i], '=');
			g_hash_table_insert(guests, g_strndup(argv[i], eq - argv[i]), g_strdup(eq + 1));
		} else {
			return usage();
		}
	}
	if (i >= argc)
		return usage();
	cmd = argv[i++];
	argc -= i;
	argv += i;

	if (g_str_equal(cmd, "add") || g_str_equal(cmd, "remove") || g_str_equal(cmd, "plan")) {
		if (argc != 1)
			return usage();
		if (!(a = load_intent(argv[0], &error)))
			return fail(error);
		if (g_str_equal(cmd, "remove"))
			return apply(a, NULL, false);
		return apply(NULL, a, g_str_equal(cmd, "plan"));
	}
	if (g_str_equal(cmd, "update")) {
		if (argc != 2)
			return usage();
		if (!(a = load_intent(argv[0], &error)) || !(b = load_intent(argv[1], &error)))
			return fail(error);
		return apply(a, b, false);
	}
	if (g_str_equal(cmd, "intent-elements")) {
		g_autoptr(GPtrArray) lines = NULL;
		if (argc != 1)
			return usage();
		if (!(a = load_intent(argv[0], &error)))
			return fail(error);
		lines = vnet_nft_intent_elements(a, guests);
		return print_lines(lines);
	}
	if (g_str_equal(cmd, "table")) {
		g_autofree char *t = vnet_nft_table_commands();
		if (argc != 0)
			return usage();
		fputs(t, stdout);
		return 0;
	}
	if (g_str_equal(cmd, "ensure") || g_str_equal(cmd, "elements")) {
		g_autoptr(vnet_nft) nft = NULL;
		g_autoptr(GPtrArray) lines = NULL;
		if (argc != 0)
			return usage();
		if (!(nft = vnet_nft_new(&error)))
			return fail(error);
		if (g_str_equal(cmd, "ensure"))
			return vnet_nft_ensure_table(nft, &error) ? 0 : fail(error);
		if (!vnet_nft_read_elements(nft, &lines, &error))
			return fail(error);
		return print_lines(lines);
	}
	if (g_str_equal(cmd, "hairpin")) {
		if (argc != 1)
			return usage();
		return vnet_bridge_set_hairpin_all(argv[0], &error) ? 0 : fail(error);
	}
	if (g_str_equal(cmd, "hairpin-port")) {
		if (argc != 2 || !parse_on_off(argv[1], &on))
			return usage();
		return vnet_brport_set_hairpin(argv[0], on, &error) ? 0 : fail(error);
	}
	if (g_str_equal(cmd, "localnet")) {
		if (argc < 1 || argc > 2 || !parse_on_off(argc == 2 ? argv[1] : NULL, &on))
			return usage();
		return vnet_bridge_set_route_localnet(argv[0], on, &error) ? 0 : fail(error);
	}
	return usage();
}
