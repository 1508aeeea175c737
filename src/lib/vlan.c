/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The intent's switch and VLANs (model.h): an Open vSwitch bridge for a
 * bridged network, and the VLAN IDs that become its libvirt portgroups.
 */
#include "config.h"

#include <string.h>

#include "model.h"
#include "util.h"

static const char *const switch_names[] = {
	[VNET_SWITCH_LINUX] = "linux",
	[VNET_SWITCH_OVS] = "ovs",
};

bool vnet_switch_from_string(const char *s, vnet_switch *ret_switch, GError **error)
{
	for (size_t i = 0; i < G_N_ELEMENTS(switch_names); i++)
		if (g_strcmp0(s, switch_names[i]) == 0) {
			*ret_switch = i;
			return true;
		}
	vnet_set_error(error, VNET_ERROR_INVALID, _("\"%s\" is not a switch: use linux or ovs."), s ? s : "");
	return false;
}

const char *vnet_switch_to_string(vnet_switch sw)
{
	return (size_t)sw < G_N_ELEMENTS(switch_names) ? switch_names[sw] : "?";
}

void vnet_intent_set_switch(vnet_intent *intent, vnet_switch sw)
{
	if ((size_t)sw < G_N_ELEMENTS(switch_names))
		intent->vswitch = sw;
}

vnet_switch vnet_intent_get_switch(const vnet_intent *intent)
{
	return intent->vswitch;
}

char *vnet_vlan_portgroup(guint vlan)
{
	return g_strdup_printf("vlan%u", vlan);
}

bool vnet_intent_add_vlan(vnet_intent *intent, const char *id, GError **error)
{
	guint64 v = 0;
	guint16 v16;
	guint i;

	/* digits only: no sign, no space, no hex, no leading zero */
	if (!id || !*id || strspn(id, "0123456789") != strlen(id) || id[0] == '0' || strlen(id) > 4 ||
	    (v = g_ascii_strtoull(id, NULL, 10)) < 1 || v > VNET_VLAN_MAX) {
		vnet_set_error(error, VNET_ERROR_INVALID,
			       _("The VLAN \"%s\" is not a VLAN ID from 1 to 4094."), id ? id : "");
		return false;
	}
	v16 = (guint16)v;
	if (!intent->vlans)
		intent->vlans = g_array_new(FALSE, FALSE, sizeof(guint16));
	/* kept sorted, so that equal intents hold equal arrays */
	for (i = 0; i < intent->vlans->len && g_array_index(intent->vlans, guint16, i) < v16; i++)
		;
	if (i < intent->vlans->len && g_array_index(intent->vlans, guint16, i) == v16) {
		vnet_set_error(error, VNET_ERROR_INVALID, _("The VLAN %u is given twice."), (guint)v16);
		return false;
	}
	g_array_insert_val(intent->vlans, i, v16);
	return true;
}

guint vnet_intent_get_n_vlans(const vnet_intent *intent)
{
	return intent->vlans ? intent->vlans->len : 0;
}

guint vnet_intent_get_vlan(const vnet_intent *intent, guint i)
{
	return i < vnet_intent_get_n_vlans(intent) ? g_array_index(intent->vlans, guint16, i) : 0;
}

bool vnet_intent_has_vlan(const vnet_intent *in, guint vlan)
{
	for (guint i = 0; i < vnet_intent_get_n_vlans(in); i++)
		if (vnet_intent_get_vlan(in, i) == vlan)
			return true;
	return false;
}

void vnet_intent_set_vlan_trunk(vnet_intent *intent, bool trunk)
{
	intent->vlan_trunk = trunk;
}

bool vnet_intent_get_vlan_trunk(const vnet_intent *intent)
{
	return intent->vlan_trunk;
}

void vnet_intent_copy_vlans(vnet_intent *dst, const vnet_intent *src)
{
	if (dst->vlans)
		g_array_unref(dst->vlans);
	dst->vlans = src->vlans ? g_array_copy(src->vlans) : NULL;
	dst->vlan_trunk = src->vlan_trunk;
}

bool vnet_intent_vlans_equal(const vnet_intent *a, const vnet_intent *b)
{
	guint n = vnet_intent_get_n_vlans(a);

	if (a->vswitch != b->vswitch || a->vlan_trunk != b->vlan_trunk || n != vnet_intent_get_n_vlans(b))
		return false;
	return n == 0 || memcmp(a->vlans->data, b->vlans->data, n * sizeof(guint16)) == 0;
}
