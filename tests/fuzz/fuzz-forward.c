/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer target for the forward spec parser (src/lib/forward.c).
 *
 * Any input may fail to parse, but never crash or leak.  When it parses,
 * its canonical form must be a fixed point: it parses again, to a forward
 * that formats the same and clashes with the first.  Error messages are
 * printed to users, so they must be valid UTF-8 without control characters.
 * Scanned as a <forwards> block's text, each forward it gives reads back,
 * formatted, as the same host side.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_message(const GError *error)
{
	if (!error || error->domain != VNET_ERROR || !g_utf8_validate(error->message, -1, NULL))
		abort();
	for (const char *p = error->message; *p; p++)
		if (g_ascii_iscntrl(*p))
			abort();
}

/* A forward the block scan gives: what it formats to reads back as the same host side. */
static bool rereads(const vnet_forward *f, void *data)
{
	g_autofree char *canon = vnet_forward_format(f);
	g_autoptr(vnet_forward) again = vnet_forward_parse(canon, NULL);

	(void)data;
	if (!again || !vnet_forward_same_host_side(f, again))
		abort();
	return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autofree char *spec = g_strndup((const char *)data, size);	/* NUL-terminated */
	g_autoptr(GError) error = NULL;
	g_autoptr(vnet_forward) f = NULL;
	g_autoptr(vnet_forward) again = NULL;
	g_autofree char *canon = NULL;
	g_autofree char *canon2 = NULL;

	/* The input as a <forwards> block's text too (vnet_forwards_text_foreach(): no NUL in it). */
	(void)vnet_forwards_text_foreach(spec, strlen(spec), rereads, NULL);
	f = vnet_forward_parse(spec, &error);
	if (!f) {
		check_message(error);
		return 0;
	}
	canon = vnet_forward_format(f);
	again = vnet_forward_parse(canon, NULL);
	if (!again)
		abort();	/* the canonical form does not parse */
	canon2 = vnet_forward_format(again);
	if (strcmp(canon, canon2) != 0)
		abort();	/* not a fixed point */
	if (!vnet_forward_clashes(f, again) || f->family != again->family ||
	    f->guest_kind != again->guest_kind || f->proto != again->proto)
		abort();	/* the canonical form means another forward */
	return 0;
}
