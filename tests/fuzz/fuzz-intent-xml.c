/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer target for the intent XML reader (vnet_intent_from_xml()).
 *
 * Any input may be refused, but never crash, hang or leak.  An accepted
 * intent must round-trip: its XML reads back, and writes out identically.
 * Read as a NUL-terminated string (in place) and with a length (copied by
 * libxml2), it must give the same intent or the same refusal.
 *
 * Read without its <forwards> block (vnet_intent_from_xml_unread(), forward
 * add and remove), it must read whenever the whole read does, the same
 * but for the forwards; and the block of the network definition written
 * from it, scanned where it stands, gives the same forwards in order.
 *
 * A refusal's message must be valid UTF-8 with no control character (it is
 * printed, and put in JSON), whatever bytes libxml2 quotes from the input:
 * see corpus/intent-xml/regress-error-message-invalid-utf8.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <vnet/vnet.h>

#include "fuzz.h"
#include "model.h"
#include "xml.h"

static bool collect(const vnet_forward *f, void *data)
{
	g_ptr_array_add(data, vnet_forward_format(f));
	return false;
}

/* The unread read of @data against the whole one, @in (NULL: refused). */
static void check_unread(const uint8_t *data, size_t size, const vnet_intent *in)
{
	g_autoptr(vnet_intent) un = vnet_intent_from_xml_unread((const char *)data, (gssize)size, NULL);
	g_autoptr(vnet_intent) a = NULL, b = NULL;
	g_autoptr(GPtrArray) specs = NULL;
	g_autofree char *net = NULL, *xa = NULL, *xb = NULL;
	const char *text;
	gsize len;

	if (!in)
		return;	/* it may read what the whole read refuses for a forward: never the other way */
	if (!un)
		abort();
	a = vnet_intent_copy_bare(in);
	b = vnet_intent_copy_bare(un);
	b->forwards_unread = false;
	xa = vnet_intent_to_xml(a);
	xb = vnet_intent_to_xml(b);
	if (strcmp(xa, xb) != 0)
		abort();
	if (!in->name || !in->bridge || !(net = vnet_intent_network_xml(in, 0, NULL)) ||
	    !vnet_network_xml_forwards_text(net, &text, &len))
		return;
	specs = g_ptr_array_new_with_free_func(g_free);
	if (!vnet_forwards_text_foreach(text, len, collect, specs) || specs->len != in->forwards->len)
		abort();
	for (guint i = 0; i < specs->len; i++) {
		g_autofree char *w = vnet_forward_format(in->forwards->pdata[i]);
		if (strcmp(w, specs->pdata[i]) != 0)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

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
	/*
	 * A NUL-terminated document is read in place, not copied (xml.c
	 * parser_for()): the same answer, and the same refusal.
	 */
	if (!memchr(data, '\0', size)) {
		g_autofree char *z = g_strndup((const char *)data, size);
		g_autoptr(GError) zerr = NULL;
		g_autoptr(vnet_intent) zin = vnet_intent_from_xml(z, -1, &zerr);
		if (!in != !zin || (in && !vnet_intent_equal(in, zin)) ||
		    (!in && (zerr->code != error->code || strcmp(zerr->message, error->message) != 0)))
			abort();
	}
	check_unread(data, size, in);
	if (!in) {
		if (!error || error->domain != VNET_ERROR)
			abort();
		if (!fuzz_printable(error->message))
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
