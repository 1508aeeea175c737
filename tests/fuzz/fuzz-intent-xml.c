/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer target for the intent XML reader (vnet_intent_from_xml()).
 *
 * Any input may be refused, but never crash, hang or leak.  An accepted
 * intent must round-trip: its XML reads back, and writes out identically.
 *
 * With VNET_FUZZ_CHECK_MESSAGES=1, a refusal's message must also be valid
 * UTF-8 (it is printed, and put in JSON).  Off by default while src/lib/xml.c
 * copies libxml2's message, which quotes raw input bytes, into the error:
 * see corpus/intent-xml/regress-error-message-invalid-utf8.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <vnet/vnet.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool check_messages;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	check_messages = g_strcmp0(g_getenv("VNET_FUZZ_CHECK_MESSAGES"), "1") == 0;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(vnet_intent) in = NULL;
	g_autoptr(vnet_intent) again = NULL;
	g_autofree char *xml = NULL;
	g_autofree char *xml2 = NULL;

	if (size > G_MAXSSIZE)
		return 0;
	in = vnet_intent_from_xml((const char *)data, (gssize)size, &error);
	if (!in) {
		if (!error || error->domain != VNET_ERROR)
			abort();
		if (check_messages && !g_utf8_validate(error->message, -1, NULL))
			abort();
		return 0;
	}
	xml = vnet_intent_to_xml(in);
	again = vnet_intent_from_xml(xml, -1, NULL);
	if (!again)
		abort();	/* what we write, we must read */
	xml2 = vnet_intent_to_xml(again);
	if (strcmp(xml, xml2) != 0 || !vnet_intent_equal(in, again))
		abort();	/* the round trip changed the intent */
	return 0;
}
