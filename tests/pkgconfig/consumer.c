/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A program outside the tree, built only with `pkg-config --cflags --libs
 * vnet` against an installed libvnet: proves the public API is usable alone.
 */
#include <stdio.h>
#include <vnet/vnet.h>

int main(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(vnet_intent) in = vnet_intent_new("web", VNET_MODE_NAT, &error);
	g_autoptr(vnet_host) host = vnet_host_new();
	g_autofree char *xml = NULL;

	if (!in || !vnet_intent_add_forward(in, "8080:80", &error) ||
	    !vnet_host_add_address(host, "eth0", "192.168.123.5/24", &error) ||
	    !vnet_intent_complete(in, host, &error) ||
	    !vnet_intent_validate(in, host, 0, &error) ||
	    !(xml = vnet_intent_network_xml(in, 0, &error))) {
		fprintf(stderr, "consumer: %s\n", error ? error->message : "?");
		return 1;
	}
	/* 192.168.123.0/24, the pool's first, is the host's: completion must have picked the next /24. */
	if (g_strcmp0(vnet_intent_get_subnet(in, AF_INET), "192.168.124.0/24") != 0) {
		fprintf(stderr, "consumer: unexpected subnet %s\n", vnet_intent_get_subnet(in, AF_INET));
		return 1;
	}
	printf("ok - consumer built with pkg-config vnet, subnet %s\n", vnet_intent_get_subnet(in, AF_INET));
	return 0;
}
