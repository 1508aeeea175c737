/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The create arguments, shared by create, xml and plan: one table drives
 * getopt_long, the help text and the completion.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>

#include "cli.h"

enum {
	OPT_MODE = 256, OPT_SUBNET, OPT_SUBNET6, OPT_FORWARD, OPT_UPLINK, OPT_BRIDGE,
	OPT_NO_DHCP, OPT_NO_AUTOSTART, OPT_FORCE, OPT_CONFIRM_TIMEOUT, OPT_NO_CONFIRM, OPT_SESSION_PORT,
	OPT_HOST_PORT, OPT_SWITCH, OPT_VLAN, OPT_TRUNK, OPT_GUARD, OPT_OVN, OPT_OVN_EXTERNAL, OPT_OVN_NEXTHOP, OPT_OVN_GATEWAY,
};

const cli_option cli_create_options[] = {
	{ "mode", 0, OPT_MODE, "MODE", N_("nat, isolated, bridged or hybrid") },
	{ "subnet", 0, OPT_SUBNET, "CIDR", N_("the IPv4 subnet; default: the first free /24") },
	{ "subnet6", 0, OPT_SUBNET6, "CIDR", N_("an IPv6 subnet as well") },
	{ "forward", 0, OPT_FORWARD, "SPEC", N_("a port forward; repeat it for more") },
	{ "uplink", 0, OPT_UPLINK, "IFACE", N_("the physical interface a bridged network takes") },
	{ "bridge", 0, OPT_BRIDGE, "BR", N_("the bridge's name (bridged, hybrid: the LAN's)") },
	{ "no-dhcp", 0, OPT_NO_DHCP, NULL, N_("no DHCP server on the network") },
	{ "no-autostart", 0, OPT_NO_AUTOSTART, NULL, N_("libvirt does not start it at boot") },
	{ "force", 0, OPT_FORCE, NULL, N_("allow a port that a local process listens on") },
	{ "confirm-timeout", 0, OPT_CONFIRM_TIMEOUT, "SECONDS", N_("revert an uplink takeover not confirmed in time") },
	{ "no-confirm", 0, OPT_NO_CONFIRM, NULL, N_("an uplink takeover waits for no confirm") },
	{ "session-port", 0, OPT_SESSION_PORT, "PORT", N_("a port an admin's session comes to (default 22)") },
	{ "host-port", 0, OPT_HOST_PORT, "PORT", N_("isolated: a port of the gateway its guests may reach") },
	{ "switch", 0, OPT_SWITCH, "SWITCH", N_("bridged: linux (default) or ovs, an Open vSwitch bridge") },
	{ "vlan", 0, OPT_VLAN, "ID", N_("ovs: a portgroup vlanID for guests on VLAN ID; repeat it for more") },
	{ "trunk", 0, OPT_TRUNK, NULL, N_("ovs: a portgroup trunk that carries every --vlan") },
	{ "ovn", 0, OPT_OVN, "REMOTE", N_("overlay: the OVN northbound database, tcp:HOST:PORT or unix:PATH") },
	{ "ovn-external", 0, OPT_OVN_EXTERNAL, "ADDR/PREFIX", N_("overlay: NAT through an OVN router with this external address") },
	{ "ovn-nexthop", 0, OPT_OVN_NEXTHOP, "ADDR", N_("overlay NAT: the router's next hop (default: the external network's first address)") },
	{ "ovn-gateway", 0, OPT_OVN_GATEWAY, "CHASSIS", N_("overlay NAT: a gateway chassis; repeat it for standbys, in priority order (default: this host's system-id)") },
	{ "guard", 0, OPT_GUARD, "on|off|strict", N_("guest port security; default: on for nat and isolated, off for a LAN") },
	{ 0 },
};

bool cli_parse_vlan(const char *arg, guint *ret, GError **error)
{
	/* The library's own check, so the message is the one create gives. */
	g_autoptr(vnet_intent) probe = vnet_intent_new(NULL, VNET_MODE_BRIDGED, NULL);

	if (!vnet_intent_add_vlan(probe, arg, error))
		return false;
	*ret = vnet_intent_get_vlan(probe, 0);
	return true;
}

void create_args_clear(create_args *a)
{
	g_clear_pointer(&a->intent, vnet_intent_free);
	g_clear_pointer(&a->session_ports, g_array_unref);
}

static bool apply_subnet(vnet_intent *in, const char *cidr, int want_family, GError **error)
{
	/* The library says what is wrong with a malformed one, printably. */
	g_autoptr(vnet_intent) probe = vnet_intent_new(NULL, VNET_MODE_NAT, NULL);
	bool v6 = cidr && strchr(cidr, ':');

	if (!vnet_intent_set_subnet(probe, cidr, error))
		return false;
	if ((want_family == 6) != v6) {
		g_set_error(error, VNET_ERROR, VNET_ERROR_INVALID,
			    want_family == 6 ? _("--subnet6 \"%s\" is not an IPv6 subnet; use --subnet for IPv4.")
					     : _("--subnet \"%s\" is not an IPv4 subnet; use --subnet6 for IPv6."),
			    cidr);
		return false;
	}
	return vnet_intent_set_subnet(in, cidr, error);
}

int cli_parse_create_args(const char *cmd, int argc, char **argv, create_args *ret)
{
	g_autoptr(GPtrArray) forwards = g_ptr_array_new();
	g_autoptr(GPtrArray) host_ports = g_ptr_array_new();
	g_autoptr(GPtrArray) vlans = g_ptr_array_new();
	g_autoptr(GPtrArray) gateways = g_ptr_array_new();
	g_autoptr(GError) error = NULL;
	g_autoptr(vnet_intent) in = NULL;
	const char *mode_s = NULL, *subnet = NULL, *subnet6 = NULL, *uplink = NULL, *bridge = NULL;
	const char *name = NULL, *switch_s = NULL, *ovn = NULL, *ovn_ext = NULL, *ovn_hop = NULL;
	bool no_dhcp = false, no_autostart = false, force = false, trunk = false;
	vnet_switch sw = VNET_SWITCH_LINUX;
	vnet_guard guard = VNET_GUARD_DEFAULT;
	vnet_mode mode;
	int opt;

	opterr = 0;
	/* The leading ":" makes a missing value ':' rather than an unknown option '?'. */
	while ((opt = cli_getopt(argc, argv, ":", cli_create_options)) != -1) {
		switch (opt) {
		case OPT_MODE: mode_s = optarg; break;
		case OPT_SUBNET: subnet = optarg; break;
		case OPT_SUBNET6: subnet6 = optarg; break;
		case OPT_FORWARD: g_ptr_array_add(forwards, optarg); break;
		case OPT_HOST_PORT: g_ptr_array_add(host_ports, optarg); break;
		case OPT_UPLINK: uplink = optarg; break;
		case OPT_SWITCH: switch_s = optarg; break;
		case OPT_VLAN: g_ptr_array_add(vlans, optarg); break;
		case OPT_TRUNK: trunk = true; break;
		case OPT_OVN: ovn = optarg; break;
		case OPT_OVN_EXTERNAL: ovn_ext = optarg; break;
		case OPT_OVN_NEXTHOP: ovn_hop = optarg; break;
		case OPT_OVN_GATEWAY: g_ptr_array_add(gateways, optarg); break;
		case OPT_BRIDGE: bridge = optarg; break;
		case OPT_NO_DHCP: no_dhcp = true; break;
		case OPT_NO_AUTOSTART: no_autostart = true; break;
		case OPT_FORCE: force = true; break;
		case OPT_GUARD:
			if (!vnet_guard_from_string(optarg, &guard, NULL))
				return cli_usage(cmd, _("--guard \"%s\" is not a guard setting: use on, off or strict."), optarg);
			break;
		case OPT_CONFIRM_TIMEOUT: {
			char *end;
			guint64 t = g_ascii_strtoull(optarg, &end, 10);
			if (!g_ascii_isdigit(optarg[0]) || *end || t < 10 || t > 86400)
				return cli_usage(cmd, _("--confirm-timeout \"%s\" is not a number of seconds from 10 to 86400."),
						 optarg);
			ret->confirm_timeout = t;
			break;
		}
		case OPT_NO_CONFIRM: ret->no_confirm = true; break;
		case OPT_SESSION_PORT: {
			guint64 p;
			guint16 port;
			if (!g_ascii_string_to_unsigned(optarg, 10, 1, 65535, &p, NULL))
				return cli_usage(cmd, _("--session-port \"%s\" is not a port from 1 to 65535."), optarg);
			port = (guint16)p;
			if (!ret->session_ports)
				ret->session_ports = g_array_new(FALSE, FALSE, sizeof(guint16));
			g_array_append_val(ret->session_ports, port);
			break;
		}
		case ':':
			return cli_usage(cmd, _("The option \"%s\" needs a value."), argv[optind - 1]);
		default:
			return cli_usage(cmd, _("\"%s\" is not an option of this command."), argv[optind - 1]);
		}
	}
	if (optind < argc)
		name = argv[optind++];
	if (optind < argc)
		return cli_usage(cmd, _("Unexpected argument \"%s\"; a network has one name."), argv[optind]);
	if (!mode_s)
		return cli_usage(cmd, _("--mode is required: nat, isolated, bridged, hybrid or overlay."));

	if (!vnet_mode_from_string(mode_s, &mode, &error) ||
	    !(in = vnet_intent_new(name, mode, &error)) ||
	    (subnet && !apply_subnet(in, subnet, 4, &error)) ||
	    (subnet6 && !apply_subnet(in, subnet6, 6, &error)) ||
	    (uplink && !vnet_intent_set_uplink(in, uplink, &error)) ||
	    (switch_s && !vnet_switch_from_string(switch_s, &sw, &error)) ||
	    (ovn && !vnet_intent_set_ovn(in, ovn, &error)) ||
	    (ovn_ext && !vnet_intent_set_ovn_external(in, ovn_ext, &error)) ||
	    (ovn_hop && !vnet_intent_set_ovn_nexthop(in, ovn_hop, &error)))
		return cli_fail(error);
	for (guint i = 0; i < gateways->len; i++)
		if (!vnet_intent_add_ovn_gateway(in, gateways->pdata[i], &error))
			return cli_fail(error);
	vnet_intent_set_switch(in, sw);
	vnet_intent_set_vlan_trunk(in, trunk);
	for (guint i = 0; i < vlans->len; i++)
		if (!vnet_intent_add_vlan(in, vlans->pdata[i], &error))
			return cli_fail(error);
	if (bridge) {
		/* In hybrid mode --bridge names the LAN half, as in bridged mode. */
		bool ok = mode == VNET_MODE_HYBRID ? vnet_intent_set_lan_bridge(in, bridge, &error)
						   : vnet_intent_set_bridge(in, bridge, &error);
		if (!ok)
			return cli_fail(error);
	}
	for (guint i = 0; i < forwards->len; i++)
		if (!vnet_intent_add_forward(in, forwards->pdata[i], &error))
			return cli_fail(error);
	for (guint i = 0; i < host_ports->len; i++)
		if (!vnet_intent_add_host_port(in, host_ports->pdata[i], &error))
			return cli_fail(error);
	vnet_intent_set_dhcp(in, !no_dhcp);
	vnet_intent_set_autostart(in, !no_autostart);
	vnet_intent_set_guard(in, guard);
	ret->intent = g_steal_pointer(&in);
	ret->force = force;
	return EXIT_OK;
}
