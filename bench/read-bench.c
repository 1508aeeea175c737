/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench/read-bench.c - vnet_intent_from_xml() of an intent with N forwards
 * (issue 14: reading an intent back from libvirt's <metadata> must cost
 * O(N), not the O(N^2) of adding its forwards one by one), user space
 * only.  Usage: read-bench [N...] (default 10 10000 65535); prints, per N,
 * the median and min-max of 5 reads and the XML's size.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "model.h"
#include "util.h"

static gint64 now_us(void)
{
	return g_get_monotonic_time();
}

static int cmp_i64(const void *a, const void *b)
{
	gint64 x = *(const gint64 *)a, y = *(const gint64 *)b;

	return x < y ? -1 : x > y;
}

/* The forwards of bench/control.sh: host ports 1024... tcp, then udp. */
static char *gen(guint n)
{
	GString *s = g_string_new("<vnet:intent xmlns:vnet=\"" VNET_XML_NS "\" name=\"big\" mode=\"nat\">\n"
				  "  <vnet:ipv4 subnet=\"10.80.0.0/16\"/>\n");

	for (guint i = 0; i < n; i++)
		g_string_append_printf(s, "  <vnet:forward>%u:80/%s</vnet:forward>\n",
				       i < 64512 ? 1024 + i : 1024 + i - 64512, i < 64512 ? "tcp" : "udp");
	g_string_append(s, "</vnet:intent>\n");
	return g_string_free(s, FALSE);
}

int main(int argc, char **argv)
{
	static const guint def[] = { 10, 10000, 65535 };
	guint nn = argc > 1 ? (guint)argc - 1 : G_N_ELEMENTS(def);

	for (guint k = 0; k < nn; k++) {
		guint n = argc > 1 ? (guint)strtoul(argv[k + 1], NULL, 10) : def[k];
		g_autofree char *xml = gen(n);
		gint64 t[5];

		for (guint r = 0; r < G_N_ELEMENTS(t); r++) {
			g_autoptr(GError) error = NULL;
			gint64 t0 = now_us();
			vnet_intent *in = vnet_intent_from_xml(xml, -1, &error);
			t[r] = now_us() - t0;
			if (!in) {
				fprintf(stderr, "read-bench: %u forwards: %s\n", n, error->message);
				return 1;
			}
			vnet_intent_free(in);
		}
		qsort(t, G_N_ELEMENTS(t), sizeof(t[0]), cmp_i64);
		printf("read %6u forwards (%zu kB of XML): %10.2f ms  (%.2f-%.2f)\n", n, strlen(xml) / 1024,
		       t[2] / 1000.0, t[0] / 1000.0, t[4] / 1000.0);
	}
	return 0;
}
