/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer target for libvirt's XML as vnetctl reads it: what the network
 * hook gets on its stdin (a <hookData> with <network> and <networkport>),
 * a network's definition, a domain's: the facts (vnet_netxml_parse), DHCP
 * host entries and range, a domain's NICs, a port's owner, the carrying of
 * reservations into a redefinition, and the intent in the metadata.  Anyone
 * who may define libvirt networks writes these, so any input may be refused
 * but never crash, hang or leak, and what comes out is safe: names that
 * reach nftables or paths are valid identifiers, messages printable.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <vnet/vnet.h>

#include "fuzz.h"
#include "guests.h"
#include "netxml.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autofree char *xml = g_strndup((const char *)data, size);
	g_autoptr(GError) error = NULL;
	g_autoptr(vnet_netxml) facts = vnet_netxml_parse(xml, &error);
	g_autoptr(GPtrArray) hosts = vnet_netxml_hosts(xml);
	g_autoptr(GPtrArray) nics = vnet_netxml_domain_nics(xml);
	g_autoptr(GPtrArray) hosts6 = vnet_netxml_hosts6(xml);
	g_autofree char *range = vnet_netxml_dhcp_range(xml), *range6 = vnet_netxml_dhcp6_range(xml);
	g_autofree char *carried = vnet_netxml_carry_hosts(xml, xml);
	g_autofree char *mac = NULL, *owner = NULL;
	g_autoptr(vnet_intent) in = vnet_intent_from_xml(xml, -1, NULL);

	if (!facts && (!error || !fuzz_printable(error->message)))
		abort();
	if (vnet_netxml_port(xml, &mac, &owner) && (!mac || !owner))
		abort();
	/* An index is of an <ip> there is: none without a network. */
	if (!hosts && vnet_netxml_ip_index(xml, AF_INET6) != -1)
		abort();
	/* What the network hook would resolve from it, without the hook's side effects. */
	if (facts && in) {
		/* No lease file, no records of the host's: only what the input says. */
		g_autoptr(GHashTable) none = g_hash_table_new(g_str_hash, g_str_equal);
		g_autoptr(GPtrArray) guests = vnet_guests_read(NULL, xml, none);
		g_autoptr(GHashTable) targets = vnet_guests_targets(in, guests);
		GHashTableIter it;
		gpointer k;
		g_hash_table_iter_init(&it, targets);
		while (g_hash_table_iter_next(&it, &k, NULL)) {
			const char *key = k;
			/* the guard's bindings ride under keys no domain name can have */
			if (g_str_has_prefix(key, VNET_GUESTS_MAC_KEY)) {
				if (!vnet_mac_is_valid(key + strlen(VNET_GUESTS_MAC_KEY)))
					abort();
			} else if (g_str_has_prefix(key, VNET_GUESTS_PORT_KEY)) {
				if (!vnet_name_is_valid(key + strlen(VNET_GUESTS_PORT_KEY), VNET_IFNAME_MAX))
					abort();
			} else if (*key && !vnet_name_is_valid(key, VNET_NAME_MAX)) {
				abort();
			}
		}
	}
	/* Forwards to a domain name resolve through these: only names that are names. */
	(void)hosts;
	(void)nics;
	(void)range;
	(void)carried;
	return 0;
}
