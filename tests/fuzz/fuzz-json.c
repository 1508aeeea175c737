/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer target for the JSON vnetctl reads from outside: libvirt's
 * dnsmasq lease status file (guests.c), which a guest influences through
 * its DHCP requests, and an nftables ruleset as libnftables lists it
 * (coexist.c), which other tools write.  Never crash, hang or leak; a guest
 * out of a lease file has a canonical MAC and an IPv4 address, or is not one.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <vnet/vnet.h>

#include "coexist.h"
#include "fuzz.h"
#include "guests.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autoptr(GPtrArray) guests = g_ptr_array_new_with_free_func((GDestroyNotify)vnet_guest_free);
	g_autoptr(GError) error = NULL;
	vnet_coexist_report *r;

	vnet_guests_parse_leases(guests, (const char *)data, size);
	for (guint i = 0; i < guests->len; i++) {
		const vnet_guest *g = guests->pdata[i];
		vnet_addr a;
		if (!g->mac || strlen(g->mac) != 17 || !g->addr || !vnet_addr_parse(g->addr, &a, NULL) ||
		    a.family != AF_INET)
			abort();
	}
	{
		g_autofree char *text = g_strndup((const char *)data, size);
		r = vnet_coexist_parse(text, &error);
		if (!r && (!error || !fuzz_printable(error->message)))
			abort();
		vnet_coexist_report_free(r);
	}
	return 0;
}
