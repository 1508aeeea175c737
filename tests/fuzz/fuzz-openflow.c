/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer target for what ovs-vswitchd sends on its OpenFlow management
 * socket (openflow.h): the framing, message after message, the FLOW
 * multipart replies' flows, the bundle replies and an ERROR's text.  Never crash, hang or
 * leak; every frame takes bytes or asks for more; an error is a printable
 * sentence; a parsed flow's match and instructions lie inside its message.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>

#include "fuzz.h"
#include "openflow.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t off = 0;

	while (off < size) {
		g_autoptr(GError) e = NULL;
		g_autoptr(GPtrArray) stats = g_ptr_array_new_with_free_func((GDestroyNotify)vnet_of_stat_free);
		guint8 type = 0;
		guint32 xid = 0;
		size_t n = 0;
		bool more = false;

		if (!vnet_of_frame(data + off, size - off, &type, &xid, &n, &e))
			break;
		if (e) {
			if (!fuzz_printable(e->message))
				abort();
			break;
		}
		if (n == 0 || n > size - off)
			abort();	/* a frame that takes nothing would loop for ever */
		if (type == VNET_OF_ERROR) {
			g_autofree char *t = vnet_of_error_text(data + off, n);
			if (!fuzz_printable(t))
				abort();
		}
		{
			g_autoptr(GError) be = NULL;
			guint32 id = 0;
			guint16 bt = 0;
			if (!vnet_of_parse_bundle_reply(data + off, n, &id, &bt, &be) && (!be || !fuzz_printable(be->message)))
				abort();
		}
		if (!vnet_of_parse_flow_stats(data + off, n, stats, &more, &e)) {
			if (stats->len || !e || !fuzz_printable(e->message))
				abort();
		} else {
			for (guint i = 0; i < stats->len; i++) {
				const vnet_of_stat *s = stats->pdata[i];
				if (g_bytes_get_size(s->match) + g_bytes_get_size(s->instr) > n)
					abort();
				if (s->drops != (g_bytes_get_size(s->instr) == 0))
					abort();
			}
		}
		off += n;
	}
	return 0;
}
