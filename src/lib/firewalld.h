/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * firewalld: vnetctl's own firewalld zone and the bridges bound to it,
 * through firewalld's D-Bus API (GDBus, the system bus).
 *
 * firewalld's `table inet firewalld` rejects, on the forward and input
 * hooks, what the zone of the packet's interface does not accept, and in
 * nftables that is final whatever table inet vnetctl accepts.  So each
 * vnetctl bridge goes into zone "vnetctl" (VNET_FIREWALLD_ZONE; the same zone
 * ships as data/firewalld/vnetctl.xml): target ACCEPT for what guests
 * forward, DHCP, DHCPv6, DNS and ICMP to the host, anything else to the host
 * rejected, as libvirt's "libvirt" zone (less its ssh and tftp).  The
 * trusted zone would work too, but opens every host service to guests.
 *
 * A binding is made twice: at runtime (effective now, lost on a reload or
 * restart of firewalld) and in firewalld's permanent configuration (which
 * a reload or restart loads).  The zones an interface was in before are
 * returned, so an undo puts it back exactly.
 *
 * Every call opens a private connection to the system bus (GLib's shared
 * one would exit the process when the bus goes away), never starts firewalld
 * through D-Bus activation (a firewalld installed but stopped stays stopped),
 * and waits at most VNET_FIREWALLD_TIMEOUT_MS for each answer (a reload
 * VNET_FIREWALLD_RELOAD_TIMEOUT_MS), so a hung firewalld or bus is an error,
 * never a hang.
 *
 * "Absent": no system bus to connect to, or nobody owns firewalld's name
 * org.fedoraproject.FirewallD1.  That is no error: every function then
 * succeeds with *ret_present = false and changes nothing, since there is no
 * firewalld to get along with.
 *
 * Zone names: "" stands for "in no zone", where firewalld's default zone
 * takes the interface.  Interface names are checked (vnet_check_ifname())
 * and zone names given by the caller too (vnet_firewalld_zone_name_is_valid())
 * before anything reaches the bus: a bad one is VNET_ERROR_INVALID and no
 * connection is made.  Every other failure is VNET_ERROR_FAILED.  Out
 * parameters may be NULL and are left untouched on failure.
 */
#ifndef VNET_FIREWALLD_H
#define VNET_FIREWALLD_H

#include <stdbool.h>
#include <glib.h>

/* vnetctl's zone. */
#define VNET_FIREWALLD_ZONE "vnetctl"
/* How long an answer may take; a reload rebuilds the whole ruleset. */
#define VNET_FIREWALLD_TIMEOUT_MS 5000
#define VNET_FIREWALLD_RELOAD_TIMEOUT_MS 20000

/*
 * Whether firewalld runs: its D-Bus name has an owner.  False (and success)
 * without a system bus.  Fails only when the bus does not answer in time or
 * refuses the connection for another reason than being absent.
 */
bool vnet_firewalld_running(bool *ret_running, GError **error);

/*
 * The zone @ifname is in at runtime (*ret_runtime) and in the permanent
 * configuration (*ret_permanent), "" for none.  Both NULL when firewalld is
 * absent.  Fails when the permanent configuration puts @ifname in several
 * zones (the message names them and says how to fix it).
 */
bool vnet_firewalld_get_zones(const char *ifname, bool *ret_present, char **ret_runtime,
			      char **ret_permanent, GError **error);

/*
 * Make sure zone vnetctl exists at runtime.  When it does not, it is added
 * to the permanent configuration (config.addZone2 with
 * vnet_firewalld_zone_settings()) unless it is there already, and firewalld
 * is reloaded: *ret_reloaded says so, since a reload also drops every
 * runtime-only change anyone made (vnetctl's bindings survive it: they are
 * permanent too).  A zone vnetctl that exists is used as it is, even when
 * an admin changed it.  No undo: the zone stays, as libvirt's does.
 * Idempotent.
 */
bool vnet_firewalld_ensure_zone(bool *ret_present, bool *ret_reloaded, GError **error);

/*
 * Bind @ifname to zone vnetctl at runtime (zone.changeZoneOfInterface) and
 * permanently (config zone addInterface, after removing it from the
 * permanent zone it was in), first ensuring the zone exists
 * (vnet_firewalld_ensure_zone(), whose *ret_reloaded this passes on).
 * The interface need not exist yet.
 *
 * *ret_prev_runtime and *ret_prev_permanent are the zones it was in before
 * this call ("" for none): what vnet_firewalld_unbind() takes to undo it.
 * Idempotent: an interface already bound is left as it is, and then the
 * previous zones returned are "vnetctl", an undo of which changes nothing,
 * so a caller that binds again keeps the zones its first bind returned.
 * All or nothing: when the permanent binding fails, the runtime one is put
 * back (the error is the cause, not a failure of that undo).
 * NULLs when firewalld is absent.
 */
bool vnet_firewalld_bind(const char *ifname, bool *ret_present, bool *ret_reloaded,
			 char **ret_prev_runtime, char **ret_prev_permanent, GError **error);

/*
 * The undo of vnet_firewalld_bind(): where @ifname is in zone vnetctl,
 * at runtime and in the permanent configuration, move it back to
 * @prev_runtime and @prev_permanent ("" or NULL: to no zone).  A
 * previous zone that no longer exists leaves the interface in no zone
 * (firewalld's default zone), rather than in vnetctl's.  Where the
 * interface is in another zone than vnetctl (an admin moved it, or the undo
 * ran already) it is left there.  Idempotent.  All or nothing like bind.
 */
bool vnet_firewalld_unbind(const char *ifname, const char *prev_runtime, const char *prev_permanent,
			   bool *ret_present, GError **error);

/*
 * The settings of zone vnetctl, as config.addZone2 takes them (a{sv}: short,
 * description, target, services, protocols, forward, rules_str): the same
 * zone as data/firewalld/vnetctl.xml.  A full (not floating) reference: unref it.
 */
GVariant *vnet_firewalld_zone_settings(void);

/*
 * A name firewalld accepts for a zone: ASCII letters, digits, "_" and "-",
 * at most 17 of them (its chain names' limit), optionally followed by one
 * "/" and more of those.  "" is not a zone name.
 */
bool vnet_firewalld_zone_name_is_valid(const char *s);

/* For tests: the timeout of every call and connection; 0 restores the defaults. */
void vnet_firewalld_set_timeout_ms(guint msec);

#endif
