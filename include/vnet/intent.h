/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A network intent: what the user wants (mode, subnets, forwards), before
 * anything exists.  Intents are opaque; build them with the setters, read
 * them from or write them to vnetctl's intent XML (the same XML that libvirt
 * keeps in the network's <metadata>), and turn them into libvirt network XML.
 */
#ifndef VNET_INTENT_H
#define VNET_INTENT_H

#include <stdbool.h>
#include <sys/socket.h>	/* AF_INET, AF_INET6 */
#include <glib.h>

#ifdef __cplusplus
extern "C" {
#endif

/** XML namespace of the intent, as stored in libvirt's <metadata>. */
#define VNET_XML_NS "http://vnetctl.org/xmlns/intent/1"

/**
 * enum vnet_mode - the layout of a network
 * @VNET_MODE_NAT: own bridge behind the host's address, with port forwards
 * @VNET_MODE_ISOLATED: own bridge, nothing forwarded in or out
 * @VNET_MODE_BRIDGED: guests sit on a Linux bridge, optionally with a physical uplink
 * @VNET_MODE_HYBRID: one NAT and one bridged network that belong together
 * @VNET_MODE_OVERLAY: an OVN logical switch spanning hypervisors; guests plug into br-int
 */
typedef enum vnet_mode {
	VNET_MODE_NAT,
	VNET_MODE_ISOLATED,
	VNET_MODE_BRIDGED,
	VNET_MODE_HYBRID,
	VNET_MODE_OVERLAY,
} vnet_mode;

typedef struct vnet_intent vnet_intent;

/**
 * enum vnet_switch - what a bridged network's bridge is
 * @VNET_SWITCH_LINUX: a Linux bridge (the default)
 * @VNET_SWITCH_OVS: an Open vSwitch bridge, with VLAN portgroups
 */
typedef enum vnet_switch {
	VNET_SWITCH_LINUX,
	VNET_SWITCH_OVS,
} vnet_switch;

/**
 * vnet_switch_from_string() - parse "linux" or "ovs"
 * @s: the string
 * @ret_switch: where to store the switch; untouched on failure
 * @error: return location for a GError
 *
 * Return: true on success.
 */
bool vnet_switch_from_string(const char *s, vnet_switch *ret_switch, GError **error);

/**
 * vnet_switch_to_string() - the name of a switch
 * @sw: the switch
 *
 * Return: a static string, "linux" or "ovs".
 */
const char *vnet_switch_to_string(vnet_switch sw);

/**
 * enum vnet_guard - guest port security (table bridge vnetctl)
 * @VNET_GUARD_DEFAULT: the mode's default: on for a bridge of vnetctl's own
 *	(nat, isolated, hybrid's NAT half), off for a LAN bridge
 * @VNET_GUARD_OFF: guests' ports are not filtered
 * @VNET_GUARD_ON: guests send no DHCP server replies or router advertisements,
 *	and no ARP or IP from an address reserved to another guest or the gateway's
 * @VNET_GUARD_STRICT: on, and a guest with a reservation sends only from it
 */
typedef enum vnet_guard {
	VNET_GUARD_DEFAULT,
	VNET_GUARD_OFF,
	VNET_GUARD_ON,
	VNET_GUARD_STRICT,
} vnet_guard;

/**
 * vnet_guard_from_string() - parse "on", "off" or "strict"
 * @s: the string
 * @ret_guard: where to store the setting; untouched on failure
 * @error: return location for a GError
 *
 * Return: true on success.
 */
bool vnet_guard_from_string(const char *s, vnet_guard *ret_guard, GError **error);
/**
 * vnet_guard_to_string() - "default", "off", "on" or "strict"
 * @guard: the setting
 *
 * Return: a static string.
 */
const char *vnet_guard_to_string(vnet_guard guard);

/**
 * vnet_mode_from_string() - parse "nat", "isolated", "bridged" or "hybrid"
 * @s: the string
 * @ret_mode: where to store the mode; untouched on failure
 * @error: return location for a GError
 *
 * Return: true on success.
 */
bool vnet_mode_from_string(const char *s, vnet_mode *ret_mode, GError **error);

/**
 * vnet_mode_to_string() - the name of a mode
 * @mode: the mode
 *
 * Return: a static string such as "nat".
 */
const char *vnet_mode_to_string(vnet_mode mode);

/**
 * vnet_intent_new() - a new intent with defaults for everything but name and mode
 * @name: the network name, or NULL to leave it unset (vnet_intent_complete() picks one)
 * @mode: the layout
 * @error: return location for a GError
 *
 * Return: the intent, or NULL if @name is not a valid network name.
 */
vnet_intent *vnet_intent_new(const char *name, vnet_mode mode, GError **error);

/**
 * vnet_intent_free() - free an intent
 * @intent: the intent, or NULL
 */
void vnet_intent_free(vnet_intent *intent);

/**
 * vnet_intent_copy() - a deep copy of an intent
 * @intent: the intent
 *
 * Return: the copy.
 */
vnet_intent *vnet_intent_copy(const vnet_intent *intent);

/**
 * vnet_intent_equal() - whether two intents describe the same network
 * @a: an intent
 * @b: another intent
 *
 * Return: true when writing both as XML would give the same text.
 */
bool vnet_intent_equal(const vnet_intent *a, const vnet_intent *b);

/** vnet_intent_get_name() - the network name, or NULL before completion */
const char *vnet_intent_get_name(const vnet_intent *intent);
/** vnet_intent_get_mode() - the layout */
vnet_mode vnet_intent_get_mode(const vnet_intent *intent);
/** vnet_intent_get_bridge() - the bridge of the NAT/isolated/bridged network, or NULL before completion */
const char *vnet_intent_get_bridge(const vnet_intent *intent);
/** vnet_intent_get_lan_bridge() - for hybrid, the bridge of the bridged half */
const char *vnet_intent_get_lan_bridge(const vnet_intent *intent);
/** vnet_intent_get_uplink() - the physical interface a bridged network takes over, or NULL */
const char *vnet_intent_get_uplink(const vnet_intent *intent);
/**
 * vnet_intent_get_subnet() - the subnet of an address family
 * @intent: the intent
 * @family: AF_INET or AF_INET6 (anything else: NULL, never the IPv4 one)
 *
 * Return: "10.0.0.0/24", "fd00::/64", or NULL when it has none.
 */
const char *vnet_intent_get_subnet(const vnet_intent *intent, int family);
/**
 * vnet_intent_get_gateway() - the host's address in the subnet of @family
 * @intent: the intent
 * @family: AF_INET or AF_INET6 (anything else: NULL)
 *
 * Return: the address, or NULL.
 */
const char *vnet_intent_get_gateway(const vnet_intent *intent, int family);
/** vnet_intent_get_default_guest() - where forwards without a guest go, or NULL */
const char *vnet_intent_get_default_guest(const vnet_intent *intent);
/** vnet_intent_get_dhcp() - whether libvirt's dnsmasq serves DHCP on the network (default true) */
bool vnet_intent_get_dhcp(const vnet_intent *intent);
/** vnet_intent_get_autostart() - whether libvirt starts the network at boot (default true) */
bool vnet_intent_get_autostart(const vnet_intent *intent);
/**
 * vnet_intent_get_guard() - the guest port security setting as it was set
 * @intent: the intent
 * @lan: false for the network's own bridge, true for its LAN bridge (bridged, hybrid)
 *
 * Return: VNET_GUARD_OFF, VNET_GUARD_ON or VNET_GUARD_STRICT in effect on
 * that bridge (the mode's default resolved), or VNET_GUARD_OFF when the
 * network has no such bridge.
 */
vnet_guard vnet_intent_get_guard(const vnet_intent *intent, bool lan);
/**
 * vnet_intent_get_confirm_deadline() - when an unconfirmed uplink takeover
 * is reverted, in seconds since the epoch, or 0 if nothing waits
 * @intent: the intent
 *
 * Return: the deadline.
 */
gint64 vnet_intent_get_confirm_deadline(const vnet_intent *intent);
/** vnet_intent_get_n_forwards() - how many forwards the intent has */
guint vnet_intent_get_n_forwards(const vnet_intent *intent);
/**
 * vnet_intent_get_forward() - a forward in its canonical spec form
 * @intent: the intent
 * @i: index below vnet_intent_get_n_forwards()
 *
 * Return: a newly allocated string in canonical form: parts left at their
 * default are left out, the protocol is always written ("8080:80/tcp",
 * "127.0.0.1:2222:10.0.0.5:22/tcp"); NULL if @i is out of range.
 */
char *vnet_intent_get_forward(const vnet_intent *intent, guint i);

/*
 * Setters validate what they are given and leave the intent untouched on
 * failure.  Addresses and CIDRs are strings; NULL clears an optional field
 * (the bridges, the uplink, the gateway, the DHCP range, the default guest).
 * vnet_intent_set_subnet() needs a CIDR, whose family it sets; a subnet is
 * dropped with vnet_intent_clear_subnet().
 */
/** vnet_intent_set_name() - the network name, a valid libvirt and interface-safe name */
bool vnet_intent_set_name(vnet_intent *intent, const char *name, GError **error);
/** vnet_intent_set_bridge() - the bridge of the NAT/isolated/bridged network; NULL: chosen by completion */
bool vnet_intent_set_bridge(vnet_intent *intent, const char *bridge, GError **error);
/** vnet_intent_set_lan_bridge() - for hybrid, the bridge of the bridged half; NULL: chosen */
bool vnet_intent_set_lan_bridge(vnet_intent *intent, const char *bridge, GError **error);
/** vnet_intent_set_uplink() - the physical interface a bridged network enslaves, or NULL */
bool vnet_intent_set_uplink(vnet_intent *intent, const char *ifname, GError **error);
/** vnet_intent_set_subnet() - the subnet of the CIDR's family ("10.0.0.0/24", "fd00::/64") */
bool vnet_intent_set_subnet(vnet_intent *intent, const char *cidr, GError **error);
/**
 * vnet_intent_clear_subnet() - drop the subnet of @family, with its gateway
 * (and for AF_INET its DHCP range and default guest)
 * @intent: the intent
 * @family: AF_INET or AF_INET6
 *
 * Return: false (nothing changed) for another @family.
 */
bool vnet_intent_clear_subnet(vnet_intent *intent, int family);
/**
 * vnet_intent_get_dhcp_range() - the IPv4 DHCP range
 * @intent: the intent
 * @ret_start: the first address ("10.0.0.3"), newly allocated, or NULL
 * @ret_end: the last address, newly allocated, or NULL
 *
 * Return: true with both set, false (both NULL) when it has none.
 */
bool vnet_intent_get_dhcp_range(const vnet_intent *intent, char **ret_start, char **ret_end);
/** vnet_intent_set_gateway() - the host's address; default: the subnet's first host */
bool vnet_intent_set_gateway(vnet_intent *intent, const char *addr, GError **error);
/** vnet_intent_set_dhcp_range() - IPv4 DHCP range; default: gateway + 1 to the last host */
bool vnet_intent_set_dhcp_range(vnet_intent *intent, const char *start, const char *end, GError **error);
/** vnet_intent_set_default_guest() - where forwards without a guest go; default: the first host that is not the gateway */
bool vnet_intent_set_default_guest(vnet_intent *intent, const char *addr, GError **error);
/** vnet_intent_set_dhcp() - whether libvirt's dnsmasq serves DHCP on the network */
void vnet_intent_set_dhcp(vnet_intent *intent, bool dhcp);
/** vnet_intent_set_autostart() - whether libvirt starts the network at boot */
void vnet_intent_set_autostart(vnet_intent *intent, bool autostart);
/** vnet_intent_set_guard() - guest port security on every bridge of the network; VNET_GUARD_DEFAULT: the mode's */
void vnet_intent_set_guard(vnet_intent *intent, vnet_guard guard);

/**
 * vnet_intent_add_forward() - add a port forward
 * @intent: the intent
 * @spec: "[HOST_IP:]HOST_PORT[-END]:[GUEST:]GUEST_PORT[-END][/tcp|/udp|/sctp]",
 *        IPv6 addresses in brackets as in "[::1]:8080:80"
 * @error: return location for a GError
 *
 * Return: true on success; false if @spec is malformed or the intent already
 * has a forward on the same host address, port and protocol.
 */
bool vnet_intent_add_forward(vnet_intent *intent, const char *spec, GError **error);

/**
 * vnet_intent_add_host_port() - a host port an isolated network's guests may reach
 * @intent: the intent (mode isolated; validation refuses it on other modes)
 * @spec: "PORT", "PORT/tcp", "PORT/udp" or "PORT/sctp" (tcp when none), PORT 1-65535
 * @error: return location for a GError
 *
 * An isolated network's guests reach the host only for DHCP, DNS on their
 * gateway, and these ports on their gateway address.
 *
 * Return: true on success; false if @spec is malformed or given already.
 */
bool vnet_intent_add_host_port(vnet_intent *intent, const char *spec, GError **error);
/**
 * vnet_intent_set_switch() - whether a bridged network's bridge is Linux's or Open vSwitch's
 * @intent: the intent
 * @sw: the switch
 *
 * An Open vSwitch bridge that does not exist is created through the OVSDB
 * protocol, with the uplink as a trunk port.
 */
void vnet_intent_set_switch(vnet_intent *intent, vnet_switch sw);
/** vnet_intent_get_switch() - the switch of a bridged network (VNET_SWITCH_LINUX by default) */
vnet_switch vnet_intent_get_switch(const vnet_intent *intent);
/**
 * vnet_intent_add_vlan() - a VLAN guests of an Open vSwitch network can be put in
 * @intent: the intent
 * @id: the VLAN ID, "1" to "4094"
 * @error: return location for a GError
 *
 * The libvirt network gets a portgroup "vlanID" that tags its ports with ID.
 *
 * Return: true on success; false for a malformed ID or one given twice.
 */
bool vnet_intent_add_vlan(vnet_intent *intent, const char *id, GError **error);
/** vnet_intent_get_n_vlans() - how many VLANs the intent names */
guint vnet_intent_get_n_vlans(const vnet_intent *intent);
/**
 * vnet_intent_get_vlan() - a VLAN ID of the intent, in ascending order
 * @intent: the intent
 * @i: index below vnet_intent_get_n_vlans()
 *
 * Return: the ID, or 0 if @i is out of range.
 */
guint vnet_intent_get_vlan(const vnet_intent *intent, guint i);
/** vnet_intent_set_vlan_trunk() - whether a portgroup "trunk" carries every VLAN of the intent */
void vnet_intent_set_vlan_trunk(vnet_intent *intent, bool trunk);
/** vnet_intent_get_vlan_trunk() - whether the intent has the trunk portgroup */
bool vnet_intent_get_vlan_trunk(const vnet_intent *intent);
/**
 * vnet_intent_set_ovn() - the OVN northbound database of an overlay network
 * @intent: the intent
 * @remote: "tcp:HOST:PORT" or "unix:/PATH", or NULL
 * @error: return location for a GError
 *
 * An overlay network (VNET_MODE_OVERLAY) is a logical switch in that
 * database, with its subnet and DHCP; every hypervisor that defines the
 * network plugs its guests into OVN's integration bridge br-int.
 *
 * Return: true on success; false for a malformed remote.
 */
bool vnet_intent_set_ovn(vnet_intent *intent, const char *remote, GError **error);
/** vnet_intent_get_ovn() - the OVN northbound remote of an overlay network, or NULL */
const char *vnet_intent_get_ovn(const vnet_intent *intent);
/**
 * vnet_intent_set_ovn_external() - give an overlay network a router to the outside (NAT)
 * @intent: the intent
 * @cidr: the router's IPv4 address on the external network with that
 *	network's prefix ("198.51.100.10/24"), or NULL for an isolated overlay
 * @error: return location for a GError
 *
 * The network gets an OVN logical router: a port on its switch (the
 * gateway address), a port on an external logical switch whose localnet
 * port reaches the physical network "external" (the gateway chassis maps it
 * with ovn-bridge-mappings=external:BRIDGE), an SNAT of the subnet to this
 * address, and the network's forwards as load balancers on it.
 *
 * Return: true on success; false for anything but an IPv4 host address
 * with a prefix of /30 or shorter.
 */
bool vnet_intent_set_ovn_external(vnet_intent *intent, const char *cidr, GError **error);
/** vnet_intent_get_ovn_external() - the router's external address with its prefix, or NULL */
const char *vnet_intent_get_ovn_external(const vnet_intent *intent);
/**
 * vnet_intent_set_ovn_nexthop() - the router's next hop on the external network
 * @intent: the intent
 * @addr: an IPv4 address in the external network, or NULL for its first host address
 * @error: return location for a GError
 *
 * Return: true on success; false for a malformed address.
 */
bool vnet_intent_set_ovn_nexthop(vnet_intent *intent, const char *addr, GError **error);
/** vnet_intent_get_ovn_nexthop() - the router's next hop, or NULL (before completion: the default) */
const char *vnet_intent_get_ovn_nexthop(const vnet_intent *intent);
/**
 * vnet_intent_set_ovn_gateway() - the chassis that carries an overlay network's NAT
 * @intent: the intent
 * @chassis: an OVN chassis name (its system-id), or NULL for this host's
 *	(the local Open vSwitch's external_ids:system-id, read when applied)
 * @error: return location for a GError
 *
 * It replaces every gateway chassis named before.
 *
 * Return: true on success; false for a name OVN could not have.
 */
bool vnet_intent_set_ovn_gateway(vnet_intent *intent, const char *chassis, GError **error);
/**
 * vnet_intent_add_ovn_gateway() - one more gateway chassis, standing by
 * @intent: the intent
 * @chassis: an OVN chassis name (its system-id)
 * @error: return location for a GError
 *
 * The chassis are in priority order: the first carries the router's
 * external port, and OVN moves it to the next that runs when it fails
 * (a high-availability gateway, with BFD between the chassis).
 *
 * Return: true on success; false for a malformed name, one named already,
 * or more than eight.
 */
bool vnet_intent_add_ovn_gateway(vnet_intent *intent, const char *chassis, GError **error);
/** vnet_intent_get_ovn_gateway() - the first (active) gateway chassis, or NULL */
const char *vnet_intent_get_ovn_gateway(const vnet_intent *intent);
/** vnet_intent_get_ovn_gateways() - every gateway chassis in priority order, NULL-terminated; NULL for none */
const char *const *vnet_intent_get_ovn_gateways(const vnet_intent *intent);
/** vnet_intent_get_n_host_ports() - how many host ports the intent names */
guint vnet_intent_get_n_host_ports(const vnet_intent *intent);
/**
 * vnet_intent_get_host_port() - a host port as "PORT/PROTO"
 * @intent: the intent
 * @i: index below vnet_intent_get_n_host_ports()
 *
 * Return: a new string to g_free(), or NULL when @i is out of range.
 */
char *vnet_intent_get_host_port(const vnet_intent *intent, guint i);

/**
 * vnet_intent_remove_forward() - remove the forward that @spec names
 * @intent: the intent
 * @spec: a spec that parses to the same host address, ports and protocol
 * @error: return location for a GError
 *
 * Return: true on success; false with VNET_ERROR_NOT_FOUND if there is none.
 */
bool vnet_intent_remove_forward(vnet_intent *intent, const char *spec, GError **error);

/**
 * vnet_intent_check_forward_spec() - parse a forward spec without keeping it
 * @spec: the spec
 * @error: return location for a GError
 *
 * A tool checks what its user typed with it before it has an intent to add
 * the forward to (vnetctl's forward remove and trace do).
 *
 * Return: true if @spec is well formed.
 */
bool vnet_intent_check_forward_spec(const char *spec, GError **error);

/**
 * vnet_intent_to_xml() - the intent as vnetctl intent XML
 * @intent: the intent
 *
 * Return: a newly allocated NUL-terminated XML document.
 */
char *vnet_intent_to_xml(const vnet_intent *intent);

/**
 * vnet_intent_from_xml() - read an intent from vnetctl intent XML
 * @xml: the document; untrusted: no entities, no DTD, no network, size-limited
 * @len: its length in bytes, or -1 if NUL-terminated
 * @error: return location for a GError
 *
 * The intent element may be the root or anywhere below it (so a whole libvirt
 * network XML with our <metadata> is accepted too).
 *
 * Return: the intent, or NULL on failure.
 */
vnet_intent *vnet_intent_from_xml(const char *xml, gssize len, GError **error);

/**
 * vnet_intent_n_networks() - how many libvirt networks the intent needs
 * @intent: the intent
 *
 * Return: 2 for hybrid, 1 otherwise.
 */
guint vnet_intent_n_networks(const vnet_intent *intent);

/**
 * vnet_intent_network_name() - the name of the libvirt network number @i
 * @intent: the intent
 * @i: below vnet_intent_n_networks()
 *
 * Return: a newly allocated name ("NAME", or "NAME-nat"/"NAME-lan" for hybrid).
 */
char *vnet_intent_network_name(const vnet_intent *intent, guint i);

/**
 * vnet_intent_network_xml() - libvirt network XML for network number @i
 * @intent: a complete intent (see vnet_intent_complete())
 * @i: below vnet_intent_n_networks()
 * @error: return location for a GError
 *
 * Return: a newly allocated XML document with the intent in <metadata>, or NULL.
 */
char *vnet_intent_network_xml(const vnet_intent *intent, guint i, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(vnet_intent, vnet_intent_free)

#ifdef __cplusplus
}
#endif
#endif
