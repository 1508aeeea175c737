/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * hook: what libvirt's network and qemu hooks run.  Neither calls libvirtd
 * (it waits for the hook: a deadlock) nor takes the host-wide lock (a
 * vnetctl holding it may be waiting in libvirtd for this very hook).  Each
 * runs its steps through the transaction engine without a journal: a hook
 * that fails undoes what it did in that run before libvirt hears of it.
 */
#include "config.h"

#include <string.h>

#include <vnet/ctx.h>

#include "netlink.h"
#include "exec.h"
#include "netxml.h"
#include "nft.h"
#include "planner.h"
#include "xml.h"
#include "util.h"

bool vnet_hook_run(const char *network, const char *op, const char *subop,
		   const char *xml, GError **error)
{
	g_autoptr(vnet_intent) in = NULL;
	g_autoptr(vnet_netxml) facts = NULL;
	g_autoptr(vnet_nft) nft = NULL;
	g_autoptr(GPtrArray) plan = vnet_plan_new();
	g_autofree char *nat_half = NULL;
	vnet_exec x = { .local = true };
	vnet_txn t = { .ops = &vnet_exec_ops, .backend = &x, .what = "hook" };

	if (!xml || !strstr(xml, VNET_XML_NS))
		return true;	/* not ours */
	in = vnet_intent_from_xml(xml, -1, error);
	if (!in)
		return false;
	nat_half = vnet_intent_network_name(in, 0);
	/* Only the network with our bridge and elements: not a hybrid's LAN half. */
	if (g_strcmp0(network, nat_half) != 0 || !vnet_mode_has_own_bridge(in->mode))
		return true;
	facts = vnet_netxml_parse(xml, error);
	if (!facts)
		return false;

	if (g_strcmp0(op, "started") == 0)
		vnet_planner_host_side(plan, NULL, in, facts->guests, true);
	else if (g_strcmp0(op, "stopped") == 0)
		vnet_planner_host_side(plan, in, NULL, facts->guests, true);
	else if ((g_strcmp0(op, "port-created") == 0 || g_strcmp0(op, "plugged") == 0 ||
		  g_strcmp0(op, "updated") == 0) && vnet_link_exists(in->bridge))
		vnet_step_new(plan, VNET_STEP_HAIRPIN, NULL)->bridge = g_strdup(in->bridge);
	if (!plan->len)
		return true;
	if (!(nft = vnet_nft_new(error)))
		return false;
	x.nft = nft;
	return vnet_txn_run(&t, plan, error);
}

/* ---- the qemu hook ---- */

/*
 * Which bridges are vnetctl's NAT bridges, from the kernel: the nat_if set
 * of our nftables table.  Neither libvirtd (the hook must not call it) nor
 * the bridge's name (a NAT bridge may be named anything with --bridge) can
 * tell; the set is exact and holds exactly the running NAT networks.
 */
static GHashTable *nat_bridges(GError **error)
{
	g_autoptr(vnet_nft) nft = vnet_nft_new(error);
	g_autoptr(GPtrArray) lines = NULL;
	GHashTable *out;

	if (!nft || !vnet_nft_read_elements(nft, &lines, error))
		return NULL;
	out = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	for (guint i = 0; i < lines->len; i++) {
		const char *l = lines->pdata[i];
		if (g_str_has_prefix(l, "nat_if "))
			g_hash_table_add(out, g_strdup(l + strlen("nat_if ")));
	}
	return out;
}

bool vnet_qemu_hook_run(const char *domain, const char *op, const char *subop,
			const char *xml, GError **error)
{
	g_autoptr(GPtrArray) nics = NULL;
	g_autoptr(GHashTable) nat = NULL;
	bool any = false;

	/* "started begin": qemu runs, its taps exist and are bridge ports. */
	if (g_strcmp0(op, "started") != 0)
		return true;
	if (!(nics = vnet_netxml_domain_nics(xml))) {
		vnet_set_error(error, VNET_ERROR_INVALID,
			    _("The domain XML that libvirt gave the qemu hook for \"%s\" could not be read."),
			    domain ? domain : "");
		return false;
	}
	for (guint i = 0; i < nics->len; i++)
		any = any || (((vnet_nic *)nics->pdata[i])->bridge && ((vnet_nic *)nics->pdata[i])->target);
	if (!any)
		return true;	/* no bridged NIC: not even our table is read */
	if (!(nat = nat_bridges(error)))
		return false;
	for (guint i = 0; i < nics->len; i++) {
		const vnet_nic *n = nics->pdata[i];
		if (n->bridge && n->target && g_hash_table_contains(nat, n->bridge) &&
		    !vnet_brport_set_hairpin(n->target, true, error))
			return false;
	}
	return true;
}

