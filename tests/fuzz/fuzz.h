/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What the fuzz targets share. */
#ifndef VNET_FUZZ_H
#define VNET_FUZZ_H

#include <stdbool.h>
#include <glib.h>

/* A message is printed and put in JSON: valid UTF-8, no control character. */
static inline bool fuzz_printable(const char *msg)
{
	if (!g_utf8_validate(msg, -1, NULL))
		return false;
	for (const char *p = msg; *p; p = g_utf8_next_char(p))
		if (g_utf8_get_char(p) < 0x20)
			return false;
	return true;
}

#endif
