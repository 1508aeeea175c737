/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * firewalld: zone vnetctl through firewalld's D-Bus API (see firewalld.h).
 * The methods are those of firewalld 1.x (src/firewall/server/firewalld.py,
 * config.py, config_zone.py): zone.getZoneOfInterface and
 * zone.changeZoneOfInterface at runtime, config.getZoneOfInterface and a
 * config zone object's addInterface/removeInterface permanently.
 */
#include "config.h"

#include <string.h>

#include "firewalld.h"
#include "sysbus.h"
#include "util.h"

#define FW_NAME "org.fedoraproject.FirewallD1"
#define FW_PATH "/org/fedoraproject/FirewallD1"
#define FW_MAIN FW_NAME
#define FW_ZONE FW_NAME ".zone"
#define FW_CONFIG_PATH FW_PATH "/config"
#define FW_CONFIG FW_NAME ".config"
#define FW_CONFIG_ZONE FW_NAME ".config.zone"

/* firewalld's limit: its longest chain name, POST_<zone>_allow, has 28 characters */
#define ZONE_HEAD_MAX 17
#define ZONE_NAME_MAX 64

/* The zone's text, the same as data/firewalld/vnetctl.xml's (test-firewalld compares them). */
#define ZONE_SHORT "vnetctl"
#define ZONE_DESCRIPTION \
	"The bridges of vnetctl's virtual networks. What their guests forward is accepted " \
	"(vnetctl's own nftables table decides what passes); of the host they reach DHCP, " \
	"DHCPv6, DNS and ICMP only, anything else is rejected."
#define ZONE_REJECT_RULE "rule priority=\"32767\" reject"

static guint timeout_override;

void vnet_firewalld_set_timeout_ms(guint msec)
{
	timeout_override = msec;
}

static guint timeout_ms(guint dflt)
{
	return timeout_override ? timeout_override : dflt;
}

static guint seconds(guint msec)
{
	return (msec + 999) / 1000;
}

bool vnet_firewalld_zone_name_is_valid(const char *s)
{
	const char *slash;
	size_t head;

	if (!s || !*s || strlen(s) > ZONE_NAME_MAX)
		return false;
	for (const char *p = s; *p; p++)
		if (!g_ascii_isalnum(*p) && *p != '_' && *p != '-' && *p != '/')
			return false;
	slash = strchr(s, '/');
	head = slash ? (size_t)(slash - s) : strlen(s);
	if (head == 0 || head > ZONE_HEAD_MAX)
		return false;
	return !slash || (slash[1] && !strchr(slash + 1, '/'));
}

static bool check_zone_arg(const char *zone, GError **error)
{
	if (!*zone || vnet_firewalld_zone_name_is_valid(zone))
		return true;
	vnet_set_error(error, VNET_ERROR_INVALID,
		       _("\"%s\" is not a valid firewalld zone name: use at most 17 letters, digits, \"_\" or \"-\", optionally followed by one \"/\" and more of them."),
		       zone);
	return false;
}

GVariant *vnet_firewalld_zone_settings(void)
{
	static const char *const services[] = { "dhcp", "dhcpv6", "dns", NULL };
	static const char *const protocols[] = { "icmp", "ipv6-icmp", NULL };
	static const char *const rules[] = { ZONE_REJECT_RULE, NULL };
	GVariantBuilder b;

	g_variant_builder_init(&b, G_VARIANT_TYPE_VARDICT);
	g_variant_builder_add(&b, "{sv}", "short", g_variant_new_string(ZONE_SHORT));
	g_variant_builder_add(&b, "{sv}", "description", g_variant_new_string(ZONE_DESCRIPTION));
	/* what guests forward: vnetctl's own table is the filter */
	g_variant_builder_add(&b, "{sv}", "target", g_variant_new_string("ACCEPT"));
	g_variant_builder_add(&b, "{sv}", "services", g_variant_new_strv(services, -1));
	g_variant_builder_add(&b, "{sv}", "protocols", g_variant_new_strv(protocols, -1));
	/* guest to guest on one bridge, which br_netfilter sends through the forward hook */
	g_variant_builder_add(&b, "{sv}", "forward", g_variant_new_boolean(TRUE));
	/* last of all rules of the zone: the host's other services stay closed to guests */
	g_variant_builder_add(&b, "{sv}", "rules_str", g_variant_new_strv(rules, -1));
	return g_variant_ref_sink(g_variant_builder_end(&b));
}

/* ------------------------------------------------------------ the bus */

typedef struct fw {
	vnet_sysbus sb;		/* sb.bus NULL: firewalld is absent */
	const char *ifname;	/* what messages name; NULL: the zone */
} fw;

static void fw_clear(fw *f)
{
	vnet_sysbus_clear(&f->sb);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(fw, fw_clear)

/* Connects when firewalld runs; f->sb.bus stays NULL when it is absent. */
static bool fw_open(fw *f, GError **error)
{
	g_autoptr(GError) e = NULL;
	guint msec = timeout_ms(VNET_FIREWALLD_TIMEOUT_MS);

	switch (vnet_sysbus_open(&f->sb, FW_NAME, msec, &e)) {
	case VNET_SYSBUS_UP:
	case VNET_SYSBUS_ABSENT:
		return true;
	case VNET_SYSBUS_CONNECT_TIMED_OUT:
		vnet_set_error(error, VNET_ERROR_FAILED,
			       _("The system D-Bus did not answer within %u seconds, so vnetctl cannot reach firewalld; check \"systemctl status dbus\" and run the command again."),
			       seconds(msec));
		return false;
	case VNET_SYSBUS_CONNECT_FAILED:
		vnet_set_error(error, VNET_ERROR_FAILED,
			       _("Could not connect to the system D-Bus to reach firewalld: %s. Check \"systemctl status dbus\" and run the command again."),
			       e->message);
		return false;
	case VNET_SYSBUS_OWNER_FAILED:
		vnet_set_error(error, VNET_ERROR_FAILED,
			       _("The system D-Bus did not say whether firewalld runs: %s. Check \"systemctl status dbus\" and run the command again."),
			       e->message);
		return false;
	}
	g_assert_not_reached();
}

/*
 * firewalld's @method.  A hung or vanished firewalld is @error, with a whole
 * message.  A refusal (firewalld's exception) is *ret_refusal, its text for
 * the caller's own message, with @error untouched; without @ret_refusal
 * it is @error too, a message naming the call.
 */
static GVariant *fw_call(fw *f, const char *path, const char *interface, const char *method,
			 GVariant *args, const char *reply_type, guint dflt_msec, char **ret_refusal,
			 GError **error)
{
	g_autoptr(GError) e = NULL;
	guint msec = timeout_ms(dflt_msec);
	const char *subject = f->ifname ? f->ifname : VNET_FIREWALLD_ZONE;
	GVariant *reply;

	reply = g_dbus_connection_call_sync(f->sb.bus, FW_NAME, path, interface, method, args,
					    G_VARIANT_TYPE(reply_type), G_DBUS_CALL_FLAGS_NO_AUTO_START,
					    (int)msec, NULL, &e);
	if (reply)
		return reply;
	/* the same sentence names the interface, or for zone-wide calls the zone */
	if (vnet_sysbus_error_is_timeout(e)) {
		vnet_set_error(error, VNET_ERROR_FAILED,
			       f->ifname ? _("firewalld did not answer its D-Bus call %s for interface %s within %u seconds; it may be hung: check it with \"systemctl status firewalld\", restart it if need be, and run the command again.")
					 : _("firewalld did not answer its D-Bus call %s for zone %s within %u seconds; it may be hung: check it with \"systemctl status firewalld\", restart it if need be, and run the command again."),
			       method, subject, seconds(msec));
		return NULL;
	}
	if (g_dbus_error_is_remote_error(e))
		g_dbus_error_strip_remote_error(e);
	if (vnet_sysbus_error_is_gone(e)) {
		vnet_set_error(error, VNET_ERROR_FAILED,
			       f->ifname ? _("firewalld left the system D-Bus during its call %s for interface %s (%s); check whether it stopped (\"systemctl status firewalld\") and run the command again.")
					 : _("firewalld left the system D-Bus during its call %s for zone %s (%s); check whether it stopped (\"systemctl status firewalld\") and run the command again."),
			       method, subject, e->message);
		return NULL;
	}
	if (ret_refusal) {
		*ret_refusal = g_strdup(e->message);
		return NULL;
	}
	vnet_set_error(error, VNET_ERROR_FAILED,
		       f->ifname ? _("firewalld refused its D-Bus call %s for interface %s: %s. Check firewalld (\"firewall-cmd --state\", journalctl -u firewalld) and run the command again.")
				 : _("firewalld refused its D-Bus call %s for zone %s: %s. Check firewalld (\"firewall-cmd --state\", journalctl -u firewalld) and run the command again."),
		       method, subject, e->message);
	return NULL;
}

/* A query: no refusal is expected, so any is an error naming the call. */
static char *fw_get_string(fw *f, const char *path, const char *interface, const char *method,
			   GVariant *args, GError **error)
{
	g_autoptr(GVariant) r = fw_call(f, path, interface, method, args, "(s)",
					VNET_FIREWALLD_TIMEOUT_MS, NULL, error);
	char *s = NULL;

	if (r)
		g_variant_get(r, "(s)", &s);
	return s;
}

static GStrv fw_get_strv(fw *f, const char *path, const char *interface, const char *method,
			 GError **error)
{
	g_autoptr(GVariant) r = fw_call(f, path, interface, method, NULL, "(as)",
					VNET_FIREWALLD_TIMEOUT_MS, NULL, error);
	GStrv v = NULL;

	if (r)
		g_variant_get(r, "(^as)", &v);
	return v;
}

/* Whether firewalld knows @zone at runtime, or in its permanent configuration. */
static bool zone_exists(fw *f, bool permanent, const char *zone, bool *ret_exists, GError **error)
{
	g_auto(GStrv) zones = permanent ? fw_get_strv(f, FW_CONFIG_PATH, FW_CONFIG, "getZoneNames", error)
					: fw_get_strv(f, FW_PATH, FW_ZONE, "getZones", error);

	if (!zones)
		return false;
	*ret_exists = g_strv_contains((const char *const *)zones, zone);
	return true;
}

/* A zone name firewalld gave us: "" or a name, never text for a message or a call to trust blindly. */
static char *checked_zone(fw *f, char *zone, bool permanent, GError **error)
{
	if (!zone || !*zone || vnet_firewalld_zone_name_is_valid(zone))
		return zone;
	/* its config.getZoneOfInterface answers "a b  (ERROR: ...)" for an interface in two zone files */
	if (permanent && strstr(zone, "ERROR")) {
		g_autofree char *zones = g_strndup(zone, strcspn(zone, "("));

		vnet_set_error(error, VNET_ERROR_FAILED,
			       _("firewalld's permanent configuration puts interface %s in several zones (%s). Keep it in one: remove it from the others with \"firewall-cmd --permanent --zone=ZONE --remove-interface=%s\", then run the command again."),
			       f->ifname, g_strstrip(zones), f->ifname);
	} else {
		vnet_set_error(error, VNET_ERROR_FAILED,
			       _("firewalld says interface %s is in zone \"%s\", which is not a valid zone name; check firewalld's configuration (firewall-cmd --check-config)."),
			       f->ifname, zone);
	}
	g_free(zone);
	return NULL;
}

static char *runtime_zone(fw *f, GError **error)
{
	return checked_zone(f, fw_get_string(f, FW_PATH, FW_ZONE, "getZoneOfInterface",
					     g_variant_new("(s)", f->ifname), error),
			    false, error);
}

static char *permanent_zone(fw *f, GError **error)
{
	return checked_zone(f, fw_get_string(f, FW_CONFIG_PATH, FW_CONFIG, "getZoneOfInterface",
					     g_variant_new("(s)", f->ifname), error),
			    true, error);
}

static char *config_zone_path(fw *f, const char *zone, GError **error)
{
	g_autoptr(GVariant) r = fw_call(f, FW_CONFIG_PATH, FW_CONFIG, "getZoneByName",
					g_variant_new("(s)", zone), "(o)",
					VNET_FIREWALLD_TIMEOUT_MS, NULL, error);
	char *path = NULL;

	if (r)
		g_variant_get(r, "(o)", &path);
	return path;
}

/* ------------------------------------------------------------ changes */

/*
 * At runtime, from zone @from (where it is now, "" none) to @to ("" none):
 * into a zone by changeZoneOfInterface, which leaves the old one itself;
 * into none by removeInterface from the old one.
 */
static bool runtime_move(fw *f, const char *from, const char *to, GError **error)
{
	g_autoptr(GVariant) r = NULL;
	g_autofree char *why = NULL;

	if (strcmp(from, to) == 0)
		return true;
	r = fw_call(f, FW_PATH, FW_ZONE, *to ? "changeZoneOfInterface" : "removeInterface",
		    g_variant_new("(ss)", *to ? to : from, f->ifname), "(s)",
		    VNET_FIREWALLD_TIMEOUT_MS, &why, error);
	if (!r && why)
		vnet_set_error(error, VNET_ERROR_FAILED,
			       *to ? _("firewalld refused to put interface %s into zone %s at runtime: %s. Check the zones with \"firewall-cmd --get-active-zones\" and firewalld's log (journalctl -u firewalld).")
				   : _("firewalld refused to take interface %s out of zone %s at runtime: %s. Check the zones with \"firewall-cmd --get-active-zones\" and firewalld's log (journalctl -u firewalld)."),
			       f->ifname, *to ? to : from, why);
	return r != NULL;
}

static bool config_zone_interface(fw *f, const char *path, const char *zone, bool add, GError **error)
{
	g_autoptr(GVariant) r = NULL;
	g_autofree char *why = NULL;

	r = fw_call(f, path, FW_CONFIG_ZONE, add ? "addInterface" : "removeInterface",
		    g_variant_new("(s)", f->ifname), "()", VNET_FIREWALLD_TIMEOUT_MS, &why, error);
	if (r || !why)
		return r != NULL;
	vnet_set_error(error, VNET_ERROR_FAILED,
		       add ? _("firewalld refused to add interface %s to zone %s in its permanent configuration: %s. Check it with \"firewall-cmd --permanent --info-zone=%s\" and firewalld's log (journalctl -u firewalld).")
			   : _("firewalld refused to remove interface %s from zone %s in its permanent configuration: %s. Check it with \"firewall-cmd --permanent --info-zone=%s\" and firewalld's log (journalctl -u firewalld)."),
		       f->ifname, zone, why, zone);
	return false;
}

/*
 * In the permanent configuration, from @from to @to.  Out of the old zone
 * first: firewalld refuses an interface in two zone files.  Should the new
 * zone refuse it, it goes back to the old one.
 */
static bool permanent_move(fw *f, const char *from, const char *to, GError **error)
{
	g_autofree char *from_path = NULL, *to_path = NULL;

	if (strcmp(from, to) == 0)
		return true;
	if ((*from && !(from_path = config_zone_path(f, from, error))) ||
	    (*to && !(to_path = config_zone_path(f, to, error))))
		return false;
	if (from_path && !config_zone_interface(f, from_path, from, false, error))
		return false;
	if (to_path && !config_zone_interface(f, to_path, to, true, error)) {
		if (from_path)
			config_zone_interface(f, from_path, from, true, NULL);
		return false;
	}
	return true;
}

static bool zone_ensure(fw *f, bool *ret_reloaded, GError **error)
{
	g_autoptr(GVariant) added = NULL, reloaded = NULL;
	g_autoptr(GVariant) settings = NULL;
	g_autofree char *why = NULL;
	bool exists = false;

	if (!zone_exists(f, false, VNET_FIREWALLD_ZONE, &exists, error))
		return false;
	if (exists) {
		*ret_reloaded = false;
		return true;
	}
	if (!zone_exists(f, true, VNET_FIREWALLD_ZONE, &exists, error))
		return false;
	if (!exists) {
		settings = vnet_firewalld_zone_settings();
		added = fw_call(f, FW_CONFIG_PATH, FW_CONFIG, "addZone2",
				g_variant_new("(s@a{sv})", VNET_FIREWALLD_ZONE, settings), "(o)",
				VNET_FIREWALLD_TIMEOUT_MS, &why, error);
		if (!added) {
			if (why)
				vnet_set_error(error, VNET_ERROR_FAILED,
					       _("firewalld refused to add zone %s to its permanent configuration: %s. Install vnetctl's zone file (shipped as /usr/lib/firewalld/zones/%s.xml) into /etc/firewalld/zones, run \"firewall-cmd --reload\" and run the command again."),
					       VNET_FIREWALLD_ZONE, why, VNET_FIREWALLD_ZONE);
			return false;
		}
	}
	/* only a reload makes a permanent zone a runtime one */
	reloaded = fw_call(f, FW_PATH, FW_MAIN, "reload", NULL, "()",
			   VNET_FIREWALLD_RELOAD_TIMEOUT_MS, &why, error);
	if (!reloaded) {
		if (why)
			vnet_set_error(error, VNET_ERROR_FAILED,
				       _("firewalld could not reload to load zone %s: %s. Check its configuration with \"firewall-cmd --check-config\" and its log (journalctl -u firewalld)."),
				       VNET_FIREWALLD_ZONE, why);
		return false;
	}
	if (!zone_exists(f, false, VNET_FIREWALLD_ZONE, &exists, error))
		return false;
	if (!exists) {
		vnet_set_error(error, VNET_ERROR_FAILED,
			       _("firewalld did not load zone %s even after a reload. Check it with \"firewall-cmd --permanent --info-zone=%s\" and firewalld's log (journalctl -u firewalld)."),
			       VNET_FIREWALLD_ZONE, VNET_FIREWALLD_ZONE);
		return false;
	}
	*ret_reloaded = true;
	return true;
}

/*
 * Where unbind moves an interface that is in @current: back to @prev when
 * it is still in zone vnetctl (else an admin moved it, or the undo ran:
 * it stays), to no zone when @prev is "" or went away meanwhile.
 */
static bool undo_target(fw *f, bool permanent, const char *current, const char *prev,
			const char **ret_to, GError **error)
{
	bool exists = false;

	if (strcmp(current, VNET_FIREWALLD_ZONE) != 0) {
		*ret_to = current;
		return true;
	}
	if (*prev && !zone_exists(f, permanent, prev, &exists, error))
		return false;
	*ret_to = exists ? prev : "";
	return true;
}

/* ------------------------------------------------------------ the API */

bool vnet_firewalld_running(bool *ret_running, GError **error)
{
	g_auto(fw) f = { 0 };

	if (!fw_open(&f, error))
		return false;
	if (ret_running)
		*ret_running = f.sb.bus != NULL;
	return true;
}

bool vnet_firewalld_get_zones(const char *ifname, bool *ret_present, char **ret_runtime,
			      char **ret_permanent, GError **error)
{
	g_auto(fw) f = { .ifname = ifname };
	g_autofree char *rt = NULL, *perm = NULL;

	if (!vnet_check_ifname(ifname, error) || !fw_open(&f, error))
		return false;
	if (f.sb.bus && (!(rt = runtime_zone(&f, error)) || !(perm = permanent_zone(&f, error))))
		return false;
	if (ret_present)
		*ret_present = f.sb.bus != NULL;
	if (ret_runtime)
		*ret_runtime = g_steal_pointer(&rt);
	if (ret_permanent)
		*ret_permanent = g_steal_pointer(&perm);
	return true;
}

bool vnet_firewalld_ensure_zone(bool *ret_present, bool *ret_reloaded, GError **error)
{
	g_auto(fw) f = { 0 };
	bool reloaded = false;

	if (!fw_open(&f, error))
		return false;
	if (f.sb.bus && !zone_ensure(&f, &reloaded, error))
		return false;
	if (ret_present)
		*ret_present = f.sb.bus != NULL;
	if (ret_reloaded)
		*ret_reloaded = reloaded;
	return true;
}

bool vnet_firewalld_bind(const char *ifname, bool *ret_present, bool *ret_reloaded,
			 char **ret_prev_runtime, char **ret_prev_permanent, GError **error)
{
	g_auto(fw) f = { .ifname = ifname };
	g_autofree char *rt = NULL, *perm = NULL;
	bool reloaded = false;

	if (!vnet_check_ifname(ifname, error) || !fw_open(&f, error))
		return false;
	if (f.sb.bus) {
		if (!zone_ensure(&f, &reloaded, error) || !(rt = runtime_zone(&f, error)) ||
		    !(perm = permanent_zone(&f, error)) ||
		    !runtime_move(&f, rt, VNET_FIREWALLD_ZONE, error))
			return false;
		if (!permanent_move(&f, perm, VNET_FIREWALLD_ZONE, error)) {
			runtime_move(&f, VNET_FIREWALLD_ZONE, rt, NULL);
			return false;
		}
	}
	if (ret_present)
		*ret_present = f.sb.bus != NULL;
	if (ret_reloaded)
		*ret_reloaded = reloaded;
	if (ret_prev_runtime)
		*ret_prev_runtime = g_steal_pointer(&rt);
	if (ret_prev_permanent)
		*ret_prev_permanent = g_steal_pointer(&perm);
	return true;
}

bool vnet_firewalld_unbind(const char *ifname, const char *prev_runtime, const char *prev_permanent,
			   bool *ret_present, GError **error)
{
	g_auto(fw) f = { .ifname = ifname };
	g_autofree char *rt = NULL, *perm = NULL;
	const char *rt_to, *perm_to;

	prev_runtime = prev_runtime ? prev_runtime : "";
	prev_permanent = prev_permanent ? prev_permanent : "";
	if (!vnet_check_ifname(ifname, error) || !check_zone_arg(prev_runtime, error) ||
	    !check_zone_arg(prev_permanent, error) || !fw_open(&f, error))
		return false;
	if (!f.sb.bus) {
		if (ret_present)
			*ret_present = false;
		return true;
	}
	if (!(rt = runtime_zone(&f, error)) || !(perm = permanent_zone(&f, error)))
		return false;
	if (!undo_target(&f, false, rt, prev_runtime, &rt_to, error) ||
	    !undo_target(&f, true, perm, prev_permanent, &perm_to, error))
		return false;
	if (!runtime_move(&f, rt, rt_to, error))
		return false;
	if (!permanent_move(&f, perm, perm_to, error)) {
		runtime_move(&f, rt_to, rt, NULL);
		return false;
	}
	if (ret_present)
		*ret_present = true;
	return true;
}
