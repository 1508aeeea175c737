/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer target for the frames vnetctl reads off a bridge while it
 * probes (probe.c): anyone on the segment writes them.  Never crash, hang
 * or read past the frame; a claim names an address of the frame's family
 * and a unicast MAC, and a frame that claims something claims the same
 * thing again.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "probe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* A copy of exactly @size bytes, so that ASan sees any read past the end. */
	guint8 *frame = g_memdup2(data, size ? size : 1);
	vnet_claim c, again;

	if (vnet_probe_parse(frame, size, &c)) {
		if ((c.addr.family != AF_INET && c.addr.family != AF_INET6) || (c.mac[0] & 1) ||
		    !(c.mac[0] | c.mac[1] | c.mac[2] | c.mac[3] | c.mac[4] | c.mac[5]) ||
		    c.kind > VNET_CLAIM_PROBE)
			abort();
		if (!vnet_probe_parse(frame, size, &again) || memcmp(&c, &again, sizeof(c)) != 0)
			abort();
	}
	g_free(frame);
	return 0;
}
