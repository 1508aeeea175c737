/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <glib/gstdio.h>
#include <libvirt/libvirt.h>

#include "docker.h"
#include "exec.h"
#include "hook.h"
#include "firewalld.h"
#include "netlink.h"
#include "netxml.h"
#include "nft.h"
#include "ovsdb.h"
#include "openflow.h"
#include "ovn.h"
#include "revert.h"
#include "virt.h"
#include "util.h"

/* ---- what undo reads back ---- */

/* The value of attribute @name='…' in a one-element XML we wrote ourselves. */
static char *attr_of(const char *xml, const char *name)
{
	g_autofree char *pat = g_strdup_printf(" %s='", name);
	const char *p = xml ? strstr(xml, pat) : NULL, *e;

	if (!p)
		return NULL;
	p += strlen(pat);
	e = strchr(p, '\'');
	return e ? g_ascii_strdown(p, e - p) : NULL;
}

/*
 * Whether network @name has a DHCP host entry of @mac, or (IPv6, where
 * libvirt takes no MAC) of @name6 (persistent, or with @live the running one).
 */
static bool host_present(vnet_virt *virt, const char *name, const char *mac, const char *name6, bool live)
{
	g_autofree char *xml = vnet_virt_network_xml(virt, name, !live, NULL);
	g_autoptr(GPtrArray) hosts = xml ? (mac ? vnet_netxml_hosts(xml) : vnet_netxml_hosts6(xml)) : NULL;

	for (guint i = 0; hosts && i < hosts->len; i++) {
		const vnet_dhcp_host *h = hosts->pdata[i];
		if (mac ? g_strcmp0(h->mac, mac) == 0 : g_strcmp0(h->name, name6) == 0)
			return true;
	}
	return false;
}

/*
 * The <ip> a DHCP host step's entry belongs to: an IPv6 one is on the
 * network's IPv6 <ip>, which libvirt's own pick (-1) never is while the
 * IPv4 <ip> has DHCP; its index is read from the definition the step
 * changes, so a journal replayed later finds it too.
 */
static int host_parent(vnet_virt *virt, const vnet_step *s)
{
	g_autofree char *ip = attr_of(s->xml, "ip");
	g_autofree char *xml = NULL;
	vnet_addr a;

	if (!ip || !vnet_addr_parse(ip, &a, NULL) || a.family != AF_INET6)
		return -1;
	xml = vnet_virt_network_xml(virt, s->name, (s->flags & VIR_NETWORK_UPDATE_AFFECT_CONFIG) != 0, NULL);
	return xml ? vnet_netxml_ip_index(xml, AF_INET6) : -1;
}

/* Whether domain @domain has a NIC of @mac (persistent, or with @live the running one). */
static bool nic_present(vnet_virt *virt, const char *domain, const char *mac, bool live)
{
	g_autofree char *xml = vnet_virt_domain_xml(virt, domain, !live, NULL);
	g_autoptr(GPtrArray) nics = xml ? vnet_netxml_domain_nics(xml) : NULL;

	for (guint i = 0; nics && i < nics->len; i++)
		if (g_strcmp0(((vnet_nic *)nics->pdata[i])->mac, mac) == 0)
			return true;
	return false;
}

/* ---- a start that failed ---- */

/* End the process in libvirt's pid file @path if it is @comm. */
static void end_pidfile(const char *path, const char *comm)
{
	g_autofree char *text = NULL, *cpath = NULL, *ctext = NULL;
	gint64 pid;

	if (!g_file_get_contents(path, &text, NULL, NULL))
		return;
	pid = g_ascii_strtoll(text, NULL, 10);
	if (pid <= 1)
		return;
	/* A pid file can outlive its process: kill only what still is dnsmasq. */
	cpath = g_strdup_printf("/proc/%" G_GINT64_FORMAT "/comm", pid);
	if (g_file_get_contents(cpath, &ctext, NULL, NULL) && g_str_has_prefix(ctext, comm))
		kill((pid_t)pid, SIGTERM);
	g_unlink(path);
}

bool vnet_exec_clean_failed_start(const char *network, const char *bridge, bool bridge_was_new,
				  GError **error)
{
	static const char *const dirs[] = { "/run/libvirt/network", "/var/run/libvirt/network" };

	if (!vnet_name_is_valid(network, VNET_NAME_MAX))
		return true;
	for (guint i = 0; i < G_N_ELEMENTS(dirs); i++) {
		g_autofree char *dns = g_strdup_printf("%s/%s.pid", dirs[i], network);
		g_autofree char *ra = g_strdup_printf("%s/%s-radvd.pid", dirs[i], network);
		end_pidfile(dns, "dnsmasq");
		end_pidfile(ra, "radvd");
	}
	if (bridge_was_new && bridge && vnet_link_exists(bridge))
		return vnet_link_delete(bridge, error);
	return true;
}

/* ---- firewalld's zone ---- */

/* The bridge's zones now, as its undo needs them ("RUNTIME\nPERMANENT"); prev -1: no firewalld. */
static bool prepare_zone(vnet_step *s, GError **error)
{
	g_autofree char *rt = NULL, *perm = NULL;
	bool present = false;

	g_clear_pointer(&s->prev_xml, g_free);
	if (!vnet_firewalld_get_zones(s->bridge, &present, &rt, &perm, error))
		return false;
	s->prev = present ? 1 : -1;
	if (present)
		s->prev_xml = g_strdup_printf("%s\n%s", rt, perm);
	return true;
}

static bool zone_was_ours(const vnet_step *s)
{
	g_auto(GStrv) z = g_strsplit(s->prev_xml ? s->prev_xml : "", "\n", 2);

	return (z[0] && g_str_equal(z[0], VNET_FIREWALLD_ZONE)) || (z[0] && z[1] && g_str_equal(z[1], VNET_FIREWALLD_ZONE));
}

/*
 * A reload of firewalld drops the chains Docker made through it, and
 * Docker makes them again when firewalld signals the reload: wait for that
 * (bounded), so that the DOCKER-USER step after this one finds the chain.
 */
static void wait_for_docker(const int before[2])
{
	static const char *const fam[2] = { "ip", "ip6" };
	const gint64 deadline = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;

	for (guint i = 0; i < 2; i++)
		while (before[i] >= 0 && vnet_docker_rule_state(fam[i]) < 0 && g_get_monotonic_time() < deadline)
			g_usleep(100 * 1000);
}

static bool run_zone(vnet_step *s, GError **error)
{
	int docker[2] = { vnet_docker_rule_state("ip"), vnet_docker_rule_state("ip6") };
	bool reloaded = false;

	if (s->prev < 0)
		return true;	/* no firewalld when it was prepared: nothing of its to change */
	if (!s->on)
		return vnet_firewalld_unbind(s->bridge, "", "", NULL, error);
	if (!vnet_firewalld_bind(s->bridge, NULL, &reloaded, NULL, NULL, error))
		return false;
	s->created = reloaded;
	if (reloaded)
		wait_for_docker(docker);
	return true;
}

static bool undo_zone(const vnet_step *s, GError **error)
{
	g_auto(GStrv) z = NULL;

	if (s->prev < 0 || !s->prev_xml)
		return true;
	if (!s->on)
		return !zone_was_ours(s) || vnet_firewalld_bind(s->bridge, NULL, NULL, NULL, NULL, error);
	z = g_strsplit(s->prev_xml, "\n", 2);
	return vnet_firewalld_unbind(s->bridge, z[0], z[0] ? z[1] : NULL, NULL, error);
}

/* ---- Open vSwitch ---- */

static bool ovs_bridge(const char *bridge, const char *mac, bool create, GError **error)
{
	g_autoptr(vnet_ovsdb) db = vnet_ovsdb_connect(NULL, error);

	if (!db)
		return false;
	if (!create)
		return vnet_ovs_del_bridge(db, bridge, error);
	if (!vnet_ovs_add_bridge(db, bridge, mac, error))
		return false;
	/* Up, as a Linux bridge is made: the host's addresses may move onto it. */
	return !vnet_link_exists(bridge) || vnet_link_set_up(bridge, true, error);
}

/* The host's own addresses on @bridge (not link-local), which no guest may claim. */
static GArray *bridge_addrs(const char *bridge, GError **error)
{
	g_autoptr(vnet_host) h = vnet_host_new();
	GArray *out = g_array_new(FALSE, FALSE, sizeof(vnet_addr));

	if (!vnet_link_read_host(h, error)) {
		g_array_unref(out);
		return NULL;
	}
	for (guint i = 0; i < h->addrs->len; i++) {
		const vnet_host_addr *a = &g_array_index(h->addrs, vnet_host_addr, i);
		if (g_strcmp0(a->ifname, bridge) != 0 ||
		    (a->cidr.addr.family == AF_INET6 && a->cidr.addr.b[0] == 0xfe && (a->cidr.addr.b[1] & 0xc0) == 0x80))
			continue;
		g_array_append_val(out, a->cidr.addr);
	}
	return out;
}

/* The guard's flows of @s->new on its OVS bridge, from the ports and addresses there now. */
static bool ovs_guard(const vnet_step *s, GError **error)
{
	guint64 cookie = vnet_of_cookie(s->name);
	g_autoptr(vnet_ovsdb) db = NULL;
	g_autoptr(GPtrArray) bridges = NULL, flows = NULL;
	g_autoptr(GArray) addrs = NULL;

	if (!s->new)
		return !vnet_of_available(s->bridge) || vnet_of_replace(s->bridge, cookie, NULL, error);
	if (!(db = vnet_ovsdb_connect(NULL, error)) || !vnet_ovs_read(db, &bridges, error) ||
	    !(addrs = bridge_addrs(s->bridge, error)))
		return false;
	flows = vnet_of_guard_flows(s->new, vnet_ovs_find_bridge(bridges, s->bridge), addrs);
	return vnet_of_replace(s->bridge, cookie, flows, error);
}

/* Whether @port is a port of OVS bridge @bridge now; -1 when the database cannot tell. */
static int ovs_has_port(vnet_ovsdb *db, const char *bridge, const char *port)
{
	g_autoptr(GPtrArray) bridges = NULL;

	if (!vnet_ovs_read(db, &bridges, NULL))
		return -1;
	return vnet_ovs_find_port(vnet_ovs_find_bridge(bridges, bridge), port) != NULL;
}

/* Make @port a trunk port of @bridge (@add) or not; what already is so is fine (undo may repeat). */
static bool ovs_port(const char *bridge, const char *port, bool add, GError **error)
{
	g_autoptr(vnet_ovsdb) db = vnet_ovsdb_connect(NULL, error);
	int has;

	if (!db)
		return false;
	has = ovs_has_port(db, bridge, port);
	if (has == (int)add)
		return true;
	return add ? vnet_ovs_add_port(db, bridge, port, error) : vnet_ovs_del_port(db, bridge, port, error);
}

/* A deleted bridge made again, unless it is there. */
static bool ovs_bridge_back(const char *bridge, const char *mac, GError **error)
{
	g_autoptr(vnet_ovsdb) db = vnet_ovsdb_connect(NULL, error);
	g_autoptr(GPtrArray) bridges = NULL;

	if (!db || !vnet_ovs_read(db, &bridges, error))
		return false;
	return vnet_ovs_find_bridge(bridges, bridge) || ovs_bridge(bridge, mac, true, error);
}

static bool takeover(const vnet_step *s, bool on, GError **error)
{
	const vnet_intent *in = s->new;

	if (in->vswitch == VNET_SWITCH_OVS)
		return on ? vnet_link_move_onto(in->uplink, s->bridge, in->uplink_saved, error)
			  : vnet_link_move_back(in->uplink, s->bridge, in->uplink_saved, error);
	return on ? vnet_link_takeover(in->uplink, s->bridge, in->uplink_saved, error)
		  : vnet_link_giveback(in->uplink, s->bridge, in->uplink_saved, error);
}

/* ---- prepare ---- */

static bool exec_prepare(void *backend, vnet_step *s, GError **error)
{
	vnet_exec *x = backend;

	switch (s->kind) {
	case VNET_STEP_START:
		if (x->local) {
			s->prev_fwd[0] = vnet_link_get_forwarding(AF_INET);
			s->prev_fwd[1] = vnet_link_get_forwarding(AF_INET6);
			s->created = s->bridge && !vnet_link_exists(s->bridge);
			/* The network hook may make our table during the start. */
			s->prev = vnet_nft_table_present(x->nft);
		}
		return true;
	case VNET_STEP_AUTOSTART:
	case VNET_STEP_UNDEFINE:
		/* Undefining drops the autostart flag; a redefinition must bring it back. */
		s->prev = vnet_virt_get_autostart(x->virt, s->name);
		return true;
	case VNET_STEP_LOCALNET:
		s->prev = vnet_bridge_get_route_localnet(s->bridge);
		return true;
	case VNET_STEP_TABLE:
		s->created = !vnet_nft_table_present(x->nft);
		return true;
	case VNET_STEP_TABLE_DROP:
		/* An admin's chain or set in it, or any element left, keeps the table. */
		s->on = vnet_nft_table_removable(x->nft);
		return true;
	case VNET_STEP_DOCKER:
		s->prev = vnet_docker_rule_state(s->xml);
		return true;
	case VNET_STEP_ZONE:
		return prepare_zone(s, error);
	case VNET_STEP_OVS_GUARD:
		g_clear_pointer(&s->undo, g_free);
		/* A bridge not there yet (made by an earlier step) has no flows to keep. */
		if (!vnet_of_available(s->bridge)) {
			s->undo = g_strdup("");
			return true;
		}
		return vnet_of_save(s->bridge, vnet_of_cookie(s->name), &s->undo, error);
	case VNET_STEP_OVN_SWITCH:
	case VNET_STEP_OVN_PORT:
	case VNET_STEP_OVN_LB:
	case VNET_STEP_OVN_GATEWAY:
		return vnet_ovn_step_prepare(s, error);
	case VNET_STEP_NFT:
		g_clear_pointer(&s->xml, g_free);
		g_clear_pointer(&s->undo, g_free);
		g_clear_pointer(&s->gone, g_free);
		return vnet_nft_prepare(x->nft, s->old, s->old_guests, s->new, s->new_guests, s->exact,
					&s->xml, &s->undo, &s->gone, &s->created, error);
	default:
		return true;
	}
}

/* ---- run ---- */

/*
 * The running network's portgroup @s->domain made @want (NULL: gone).  It
 * looks first, so that a step repeated after a crash, or undone half-way,
 * changes nothing twice; libvirt deletes a portgroup by its name alone.
 */
static bool portgroup_set(vnet_exec *x, const vnet_step *s, const char *want, GError **error)
{
	g_autofree char *live = NULL, *bare = NULL;

	if (!vnet_virt_network_active(x->virt, s->name))
		return true;	/* a network that stopped starts from its definition */
	if (!(live = vnet_virt_network_xml(x->virt, s->name, false, error)))
		return false;
	bare = g_markup_printf_escaped("<portgroup name='%s'/>", s->domain);
	if (vnet_netxml_has_portgroup(live, s->domain) &&
	    !vnet_virt_update(x->virt, s->name, false, VIR_NETWORK_SECTION_PORTGROUP, -1, bare,
			      VIR_NETWORK_UPDATE_AFFECT_LIVE, error))
		return false;
	return !want || vnet_virt_update(x->virt, s->name, true, VIR_NETWORK_SECTION_PORTGROUP, -1, want,
					 VIR_NETWORK_UPDATE_AFFECT_LIVE, error);
}

static bool port_hairpin(vnet_exec *x, const char *domain, const char *mac, GError **error)
{
	g_autofree char *xml = vnet_virt_domain_xml(x->virt, domain, false, error);
	g_autoptr(GPtrArray) nics = xml ? vnet_netxml_domain_nics(xml) : NULL;

	if (!xml)
		return false;
	for (guint i = 0; nics && i < nics->len; i++) {
		const vnet_nic *n = nics->pdata[i];
		if (g_strcmp0(n->mac, mac) == 0 && n->target)
			return vnet_brport_set_hairpin(n->target, true, error);
	}
	vnet_set_error(error, VNET_ERROR_FAILED,
		       _("The running domain \"%s\" shows no tap device for its new interface %s, so hairpin cannot be set on it."),
		       domain, mac);
	return false;
}

static bool replug(const vnet_step *s, GError **error)
{
	g_auto(GStrv) taps = g_strsplit(s->xml ? s->xml : "", " ", -1);

	for (guint i = 0; taps[i]; i++) {
		if (!*taps[i] || !vnet_link_exists(taps[i]))
			continue;	/* the guest stopped meanwhile */
		if (!vnet_link_enslave(taps[i], s->bridge, error) ||
		    (s->on && !vnet_brport_set_hairpin(taps[i], true, error)))
			return false;
	}
	return true;
}

/*
 * Connections a DNAT sent to where a forward no longer goes would keep
 * reaching the old target (conntrack remembers the translation): end them.
 * A failure here is no reason to undo the change.
 */
static void flush_gone(const vnet_step *s)
{
	g_auto(GStrv) lines = g_strsplit(s->gone ? s->gone : "", "\n", -1);

	vnet_conntrack_flush_forwards((const char *const *)lines, NULL);
}

static bool run_nft(vnet_exec *x, vnet_step *s, GError **error)
{
	g_autoptr(GError) first = NULL;

	if (vnet_nft_run(x->nft, s->xml, &first)) {
		flush_gone(s);
		return true;
	}
	if (s->exact) {
		g_propagate_error(error, g_steal_pointer(&first));
		return false;
	}
	/*
	 * The kernel is not what the old intent says (drift): read what it has
	 * and converge exactly, with an undo that matches, journaled again.
	 */
	s->exact = true;
	s->rejournal = true;
	if (!exec_prepare(x, s, NULL) || !vnet_nft_run(x->nft, s->xml, NULL)) {
		g_propagate_error(error, g_steal_pointer(&first));
		return false;
	}
	flush_gone(s);
	return true;
}

static bool exec_run(void *backend, vnet_step *s, GError **error)
{
	vnet_exec *x = backend;

	switch (s->kind) {
	case VNET_STEP_DEFINE:
		if (!vnet_virt_define(x->virt, s->xml, error))
			return false;
		if (x->local)
			vnet_hook_redefined(s->name, s->xml);
		return true;
	case VNET_STEP_UNDEFINE:
		return vnet_virt_undefine(x->virt, s->name, error);
	case VNET_STEP_START:
		return vnet_virt_start(x->virt, s->name, error);
	case VNET_STEP_STOP:
		return vnet_virt_destroy(x->virt, s->name, error);
	case VNET_STEP_AUTOSTART:
		return vnet_virt_set_autostart(x->virt, s->name, s->on, error);
	case VNET_STEP_NFT:
		return run_nft(x, s, error);
	case VNET_STEP_LOCALNET:
		/* Already so: nothing to write, nothing to undo (a read-only sysctl is fine). */
		return s->prev == (int)s->on || vnet_bridge_set_route_localnet(s->bridge, s->on, error);
	case VNET_STEP_HAIRPIN:
		return !vnet_link_exists(s->bridge) || vnet_bridge_set_hairpin_all(s->bridge, error);
	case VNET_STEP_BRIDGE_CREATE:
		return vnet_link_bridge_create(s->bridge, s->xml, error);
	case VNET_STEP_BRIDGE_DELETE:
		return vnet_link_delete(s->bridge, error);
	case VNET_STEP_TAKEOVER:
		return takeover(s, true, error);
	case VNET_STEP_GIVEBACK:
		return takeover(s, false, error);
	case VNET_STEP_OVS_BRIDGE_CREATE:
		return ovs_bridge(s->bridge, s->xml, true, error);
	case VNET_STEP_OVS_BRIDGE_DELETE:
		return ovs_bridge(s->bridge, s->xml, false, error);
	case VNET_STEP_OVS_PORT:
		return ovs_port(s->bridge, s->domain, s->on, error);
	case VNET_STEP_OVS_GUARD:
		return ovs_guard(s, error);
	case VNET_STEP_OVN_SWITCH:
	case VNET_STEP_OVN_PORT:
	case VNET_STEP_OVN_LB:
	case VNET_STEP_OVN_GATEWAY:
		return vnet_ovn_step_run(s, s->on, error);
	case VNET_STEP_TABLE_DROP:
		return !s->on || vnet_nft_delete_table(x->nft, error);
	case VNET_STEP_DHCP_HOST:
		return vnet_virt_update(x->virt, s->name, s->on, VIR_NETWORK_SECTION_IP_DHCP_HOST,
					host_parent(x->virt, s), s->xml, s->flags, error);
	case VNET_STEP_DHCP_RANGE:
		return vnet_virt_update(x->virt, s->name, false, VIR_NETWORK_SECTION_IP_DHCP_RANGE, -1, s->prev_xml,
					VIR_NETWORK_UPDATE_AFFECT_LIVE, error) &&
		       vnet_virt_update(x->virt, s->name, true, VIR_NETWORK_SECTION_IP_DHCP_RANGE, -1, s->xml,
					VIR_NETWORK_UPDATE_AFFECT_LIVE, error);
	case VNET_STEP_NIC:
		return vnet_virt_domain_device(x->virt, s->domain, s->on, s->xml, s->flags, error);
	case VNET_STEP_PORTGROUP:
		return portgroup_set(x, s, s->xml, error);
	case VNET_STEP_PORT_HAIRPIN:
		/* The qemu hook names the tap itself: it may not ask libvirtd. */
		if (!s->domain)
			return vnet_brport_set_hairpin(s->bridge, true, error);
		return port_hairpin(x, s->domain, s->xml, error);
	case VNET_STEP_REPLUG:
		return replug(s, error);
	case VNET_STEP_TABLE:
		return vnet_nft_repair_table(x->nft, error);
	case VNET_STEP_ARM:
		return vnet_revert_arm(s->name, s->prev_xml, error);
	case VNET_STEP_DOCKER:
		return s->on ? vnet_docker_rule_add(s->xml, error) : vnet_docker_rule_remove(s->xml, error);
	case VNET_STEP_ZONE:
		return run_zone(s, error);
	case VNET_STEP_N_KINDS:
		break;
	}
	return false;
}

/* ---- undo ---- */

static bool undo_start(vnet_exec *x, const vnet_step *s, GError **error)
{
	if (vnet_virt_network_exists(x->virt, s->name) && !vnet_virt_destroy(x->virt, s->name, error))
		return false;
	if (!x->local)
		return true;
	if (!vnet_exec_clean_failed_start(s->name, s->bridge, s->created, error))
		return false;
	if (s->prev == 0 && vnet_nft_table_removable(x->nft) && !vnet_nft_delete_table(x->nft, error))
		return false;
	/* Forwarding that libvirt turned on for this start goes off again. */
	if (s->prev_fwd[0] == 0 && vnet_link_get_forwarding(AF_INET) == 1 &&
	    !vnet_link_set_forwarding(AF_INET, false, error))
		return false;
	return s->prev_fwd[1] != 0 || vnet_link_get_forwarding(AF_INET6) != 1 ||
	       vnet_link_set_forwarding(AF_INET6, false, error);
}

static bool undo_nft(vnet_exec *x, const vnet_step *s, GError **error)
{
	bool present = vnet_nft_table_present(x->nft);

	/* Our table went with a flush meanwhile: there is nothing of this step left. */
	if (!present && s->created)
		return true;
	if (!vnet_nft_run(x->nft, s->undo, error))
		return false;
	return !s->created || !vnet_nft_table_removable(x->nft) || vnet_nft_delete_table(x->nft, error);
}

static bool undo_dhcp_host(vnet_exec *x, const vnet_step *s, GError **error)
{
	g_autoptr(GError) e = NULL;
	g_autofree char *mac = attr_of(s->xml, "mac"), *name6 = mac ? NULL : attr_of(s->xml, "name");
	bool live = !(s->flags & VIR_NETWORK_UPDATE_AFFECT_CONFIG);

	if (vnet_virt_update(x->virt, s->name, !s->on, VIR_NETWORK_SECTION_IP_DHCP_HOST, host_parent(x->virt, s),
			     s->xml, s->flags, &e))
		return true;
	/* The step never ran (a crash before it), or ran only in part: fine. */
	if ((mac || name6) && host_present(x->virt, s->name, mac, name6, live) == !s->on)
		return true;
	g_propagate_error(error, g_steal_pointer(&e));
	return false;
}

static bool undo_nic(vnet_exec *x, const vnet_step *s, GError **error)
{
	g_autoptr(GError) e = NULL;
	g_autofree char *mac = attr_of(s->xml, "address");
	bool live = !(s->flags & VIR_DOMAIN_AFFECT_CONFIG);

	if (vnet_virt_domain_device(x->virt, s->domain, !s->on, s->xml, s->flags, &e))
		return true;
	if (mac && nic_present(x->virt, s->domain, mac, live) == !s->on)
		return true;
	g_propagate_error(error, g_steal_pointer(&e));
	return false;
}

static bool undo_dhcp_range(vnet_exec *x, const vnet_step *s, GError **error)
{
	g_autofree char *live = vnet_virt_network_xml(x->virt, s->name, false, NULL);
	g_autofree char *now = live ? vnet_netxml_dhcp_range(live) : NULL;

	/* Both ranges exist when this step is planned; a half-done run lacks one. */
	if (!live || !s->prev_xml || g_strcmp0(now, s->prev_xml) == 0)
		return true;
	return (!now || vnet_virt_update(x->virt, s->name, false, VIR_NETWORK_SECTION_IP_DHCP_RANGE, -1, now,
					 VIR_NETWORK_UPDATE_AFFECT_LIVE, error)) &&
	       vnet_virt_update(x->virt, s->name, true, VIR_NETWORK_SECTION_IP_DHCP_RANGE, -1, s->prev_xml,
				VIR_NETWORK_UPDATE_AFFECT_LIVE, error);
}

static bool needs_virt(vnet_step_kind kind)
{
	switch (kind) {
	case VNET_STEP_DEFINE:
	case VNET_STEP_UNDEFINE:
	case VNET_STEP_START:
	case VNET_STEP_STOP:
	case VNET_STEP_AUTOSTART:
	case VNET_STEP_DHCP_HOST:
	case VNET_STEP_DHCP_RANGE:
	case VNET_STEP_NIC:
	case VNET_STEP_PORTGROUP:
		return true;
	default:
		return false;
	}
}

static bool exec_undo(void *backend, const vnet_step *s, GError **error)
{
	vnet_exec *x = backend;

	/* libvirtd restarted under us: a new connection may still roll back. */
	if (needs_virt(s->kind) && (!x->virt || !vnet_virt_ensure_alive(x->virt, error)))
		return false;
	switch (s->kind) {
	case VNET_STEP_DEFINE:
		if (s->prev_xml) {
			if (!vnet_virt_define(x->virt, s->prev_xml, error))
				return false;
			if (x->local)
				vnet_hook_redefined(s->name, s->prev_xml);
			return true;
		}
		return !vnet_virt_network_exists(x->virt, s->name) || vnet_virt_undefine(x->virt, s->name, error);
	case VNET_STEP_UNDEFINE:
		if (!vnet_virt_network_exists(x->virt, s->name) && !vnet_virt_define(x->virt, s->prev_xml, error))
			return false;
		return s->prev != 1 || vnet_virt_get_autostart(x->virt, s->name) == 1 ||
		       vnet_virt_set_autostart(x->virt, s->name, true, error);
	case VNET_STEP_START:
		return undo_start(x, s, error);
	case VNET_STEP_STOP:
		return !vnet_virt_network_exists(x->virt, s->name) || vnet_virt_start(x->virt, s->name, error);
	case VNET_STEP_AUTOSTART:
		return s->prev < 0 || !vnet_virt_network_exists(x->virt, s->name) ||
		       vnet_virt_set_autostart(x->virt, s->name, s->prev == 1, error);
	case VNET_STEP_NFT:
		return undo_nft(x, s, error);
	case VNET_STEP_LOCALNET:
		return s->prev < 0 || !vnet_link_exists(s->bridge) ||
		       vnet_bridge_get_route_localnet(s->bridge) == s->prev ||
		       vnet_bridge_set_route_localnet(s->bridge, s->prev == 1, error);
	case VNET_STEP_BRIDGE_CREATE:
		return vnet_link_delete(s->bridge, error);
	case VNET_STEP_BRIDGE_DELETE:
		return vnet_link_exists(s->bridge) || vnet_link_bridge_create(s->bridge, s->xml, error);
	case VNET_STEP_TAKEOVER:
		return takeover(s, false, error);
	case VNET_STEP_GIVEBACK:
		return takeover(s, true, error);
	case VNET_STEP_OVS_BRIDGE_CREATE:
		/* Only a bridge with vnetctl's mark goes: never one the step found there. */
		return ovs_bridge(s->bridge, s->xml, false, error);
	case VNET_STEP_OVS_BRIDGE_DELETE:
		return ovs_bridge_back(s->bridge, s->xml, error);
	case VNET_STEP_OVS_PORT:
		return ovs_port(s->bridge, s->domain, !s->on, error);
	case VNET_STEP_OVS_GUARD:
		/* A bridge gone takes its flows with it. */
		return !vnet_of_available(s->bridge) ||
		       vnet_of_restore(s->bridge, vnet_of_cookie(s->name), s->undo, error);
	case VNET_STEP_OVN_SWITCH:
	case VNET_STEP_OVN_PORT:
	case VNET_STEP_OVN_LB:
	case VNET_STEP_OVN_GATEWAY:
		/* Both ways check what NB has first: an undo repeated after a crash changes nothing twice. */
		return vnet_ovn_step_run(s, !s->on, error);
	case VNET_STEP_TABLE_DROP:
		return !s->on || vnet_nft_ensure_table(x->nft, error);
	case VNET_STEP_DHCP_HOST:
		return undo_dhcp_host(x, s, error);
	case VNET_STEP_DHCP_RANGE:
		return undo_dhcp_range(x, s, error);
	case VNET_STEP_PORTGROUP:
		return portgroup_set(x, s, s->prev_xml, error);
	case VNET_STEP_NIC:
		return undo_nic(x, s, error);
	case VNET_STEP_HAIRPIN:
	case VNET_STEP_PORT_HAIRPIN:
	case VNET_STEP_REPLUG:
		return true;	/* the ports are the guests' */
	case VNET_STEP_ARM:
		/* The timer stays armed: without its record it does nothing. */
		vnet_revert_disarm(s->name, s->xml);
		return true;
	case VNET_STEP_DOCKER:
		/* Only what the step changed: a rule that was there stays, one that was not goes. */
		if (s->on)
			return s->prev != 0 || vnet_docker_rule_remove(s->xml, error);
		return s->prev != 1 || vnet_docker_rule_add(s->xml, error);
	case VNET_STEP_ZONE:
		return undo_zone(s, error);
	case VNET_STEP_TABLE:
		/* Chains put back stay; a table made for nothing goes. */
		return !s->created || !vnet_nft_table_removable(x->nft) || vnet_nft_delete_table(x->nft, error);
	case VNET_STEP_N_KINDS:
		break;
	}
	return false;
}

static bool exec_partial(const vnet_step *s)
{
	/* An OVS change may be committed and then not applied by ovs-vswitchd in time. */
	return s->kind == VNET_STEP_START || s->kind == VNET_STEP_TAKEOVER ||
	       s->kind == VNET_STEP_GIVEBACK || s->kind == VNET_STEP_DHCP_RANGE ||
	       s->kind == VNET_STEP_PORTGROUP ||
	       s->kind == VNET_STEP_OVS_BRIDGE_CREATE || s->kind == VNET_STEP_OVS_PORT ||
	       s->kind == VNET_STEP_OVS_GUARD ||
	       s->kind == VNET_STEP_OVN_SWITCH || s->kind == VNET_STEP_OVN_PORT ||
	       s->kind == VNET_STEP_OVN_LB || s->kind == VNET_STEP_OVN_GATEWAY;	/* a reply lost after the commit */
}

const vnet_txn_ops vnet_exec_ops = {
	.prepare = exec_prepare,
	.run = exec_run,
	.undo = exec_undo,
	.partial = exec_partial,
};
