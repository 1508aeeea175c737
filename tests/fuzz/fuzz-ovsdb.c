/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer target for what an OVSDB server sends (ovsdb.h): the framing of
 * the JSON-RPC stream, message after message, a transact result checked
 * for errors, and the bridges, ports, tags and iface-ids read out of it;
 * and the same stream as `vnetctl watch`'s monitor updates.
 * Never crash, hang or leak; every frame takes bytes or asks for more; an
 * error is a printable sentence.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "ovsdb.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	size_t off = 0;

	while (off < size) {
		g_autoptr(json_t) msg = NULL;
		g_autoptr(GError) e = NULL;
		size_t used = 0;
		vnet_ovsdb_frame f = vnet_ovsdb_parse("OVN_Northbound", buf + off, size - off, 1, &used, &msg, &e);

		if (f == VNET_OVSDB_MORE || f == VNET_OVSDB_BAD)
			break;
		if (used == 0 || used > size - off)
			abort();	/* a frame that takes nothing would loop for ever */
		off += used;
		if (e && !fuzz_printable(e->message))
			abort();
		if (f == VNET_OVSDB_ECHO && !msg)
			abort();
		if (f == VNET_OVSDB_REPLY && msg) {
			g_autoptr(GError) re = NULL;
			g_autoptr(GPtrArray) bridges = NULL;
			if (!vnet_ovsdb_check_result(NULL, msg, 3, &re) && (!re || !fuzz_printable(re->message)))
				abort();
			bridges = vnet_ovs_parse_bridges(msg);
			for (guint i = 0; i < bridges->len; i++) {
				const vnet_ovs_bridge *b = bridges->pdata[i];
				if (!b->name || !b->datapath_type)
					abort();
				for (guint j = 0; j < b->ports->len; j++) {
					const vnet_ovs_port *p = b->ports->pdata[j];
					if (p->tag < -1 || p->tag > 4095)
						abort();
				}
			}
		}
	}
	/* The same bytes as the watch's monitor stream: its copy of the tables and what changed. */
	{
		g_autoptr(vnet_ovs_watch) w = vnet_ovs_watch_new_detached();
		g_autoptr(GError) e = NULL;
		g_auto(GStrv) changed = NULL;
		size_t half = size / 2;

		if (vnet_ovs_watch_feed(w, buf, half, &e) && vnet_ovs_watch_feed(w, buf + half, size - half, &e)) {
			changed = vnet_ovs_watch_take_changed(w);
			if (!changed)
				abort();
		} else if (!e || !fuzz_printable(e->message)) {
			abort();
		}
	}
	return 0;
}
