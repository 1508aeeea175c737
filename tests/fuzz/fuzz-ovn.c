/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer target for what OVN's databases send back (ovn.h): a transact
 * result read as NB's answer to vnet_ovn_ops_read() (the network's switch,
 * its ports, the other switches' subnets) and as SB's to
 * vnet_ovn_ops_bindings() (bindings, chassis, tunnel endpoints), through
 * the status getters doctor and show use; the same reply as SB's answer
 * to vnet_ovn_ops_live() (SB_Global's and each Chassis_Private's nb_cfg)
 * and as NB's to the nb_cfg bump; and the same bytes as a step's record of
 * ports in the journal.  Never crash, hang or leak; what is kept is whole
 * (a port has a name, MAC and address; up is -1, 0 or 1; a sequence
 * number is -1 or more; a stale port's up is -1).
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "ovn.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_status(const vnet_ovn_status *st)
{
	for (guint i = 0; i < vnet_ovn_status_get_n_ports(st); i++) {
		const char *dom, *mac, *addr, *name = vnet_ovn_status_get_port(st, i, &dom, &mac, &addr);
		int up = vnet_ovn_status_get_port_up(st, i);
		if (!name || !mac || !addr || up < -1 || up > 1)
			abort();
		if (vnet_ovn_status_get_port_stale(st, i) && (up != -1 || !vnet_ovn_status_get_port_chassis(st, i)))
			abort();
	}
	for (guint i = 0; i < vnet_ovn_status_get_n_chassis(st); i++) {
		const char *encaps, *name = vnet_ovn_status_get_chassis(st, i, &encaps);
		if (!name || (encaps && !*encaps))
			abort();
		if (i && strcmp(vnet_ovn_status_get_chassis(st, i - 1, NULL), name) > 0)
			abort();	/* sorted by name */
		if (vnet_ovn_status_get_chassis_behind(st, i) < -1 || vnet_ovn_status_get_chassis_behind(st, i) > 1)
			abort();
	}
	if (vnet_ovn_status_get_port(st, vnet_ovn_status_get_n_ports(st), NULL, NULL, NULL) ||
	    vnet_ovn_status_get_chassis(st, vnet_ovn_status_get_n_chassis(st), NULL))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autofree char *text = g_strndup((const char *)data, size);
	g_autoptr(json_t) res = json_loadb((const char *)data, size, JSON_DECODE_ANY, NULL);
	g_autoptr(GPtrArray) subnets = NULL, ports = vnet_ovn_ports_parse(text);
	g_autoptr(GPtrArray) chassis = NULL;
	vnet_ovn_switch *sw;
	vnet_ovn_status *st;

	for (guint i = 0; i < ports->len; i++) {
		const vnet_ovn_port *p = ports->pdata[i];
		if (!p->name || !p->mac || !p->ip)
			abort();
	}
	if (!res)
		return 0;
	sw = vnet_ovn_parse_switch(res, "o1", &subnets);
	for (guint i = 0; i < subnets->len; i++)
		if (!strchr(subnets->pdata[i], ' '))
			abort();
	if (sw && (!sw->name || !sw->ports))
		abort();
	chassis = vnet_ovn_parse_chassis(res);
	/* The same reply as SB's: the switch's ports get their chassis from it. */
	st = vnet_ovn_status_new("o1", sw, res, NULL);
	check_status(st);
	/* ... and as SB's answer to the read of how far the chassis are */
	vnet_ovn_parse_live(st, res);
	check_status(st);
	if (vnet_ovn_parse_cfg(res, 1, "nb_cfg") < -1 || vnet_ovn_parse_cfg(res, 0, "sb_cfg") < -1)
		abort();
	/* ... and as this host's Interface rows: its tunnels to the chassis */
	for (guint i = 0; i < vnet_ovn_status_get_n_chassis(st); i++) {
		const char *iface, *bfd;
		vnet_ovn_parse_tunnels(st, vnet_ovn_status_get_chassis(st, i, NULL), res);
		for (guint k = 0; k < vnet_ovn_status_get_n_chassis(st); k++) {
			int t = vnet_ovn_status_get_chassis_tunnel(st, k, &iface, &bfd);
			if (t < -1 || t > 1 || (t == 1) != (iface != NULL) || (bfd && !iface) ||
			    (k == i && t != -1))
				abort();
		}
	}
	vnet_ovn_status_free(st);
	/* SB did not answer: nothing but the ports. */
	st = vnet_ovn_status_new("o1", vnet_ovn_parse_switch(res, "o1", NULL), NULL, "no SB");
	if (vnet_ovn_status_get_n_chassis(st) || !fuzz_printable(vnet_ovn_status_get_sb_error(st)))
		abort();
	check_status(st);
	vnet_ovn_status_free(st);
	return 0;
}
