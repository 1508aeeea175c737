/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer target for what users type on the command line: vnetctl's
 * create arguments (src/cli/args.c: names, modes, subnets, forwards, bridge
 * and uplink names, --confirm-timeout) and attach's --mac/--ip/domain
 * (vnet_attach_check_args()).  The input is argv, split at NUL bytes; read
 * whole, it is also an /etc/vnetctl/vnetctl.conf (vnet_coexist_parse_config()).
 *
 * Any input may be refused, but never crash, hang or leak; an accepted intent
 * must write XML that reads back identically; every message must be
 * printable (valid UTF-8, no control character).
 */
#include "config.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <vnet/vnet.h>

#include "coexist.h"
#include "fuzz.h"

/* The parser itself, as vnetctl runs it. */
#include "../../src/cli/args.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

cli_globals cli;
static bool message_ok = true;

int cli_fail(GError *error)
{
	message_ok = error && fuzz_printable(error->message);
	return EXIT_REFUSED;
}

int cli_usage(const char *cmd, const char *fmt, ...)
{
	return EXIT_USAGE;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autofree char *buf = g_malloc(size + 1);
	g_autoptr(GPtrArray) argv = g_ptr_array_new();
	g_auto(create_args) args = { 0 };
	g_autoptr(GError) error = NULL;
	int rc;

	if (size > 4096)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	g_ptr_array_add(argv, "create");
	for (size_t i = 0; i < size; i += strlen(buf + i) + 1)
		g_ptr_array_add(argv, buf + i);
	g_ptr_array_add(argv, NULL);

	{
		g_autoptr(GError) cerr = NULL;
		g_autofree char *conf = g_strndup((const char *)data, size);
		vnet_coexist_mode mode;
		if (vnet_coexist_parse_config(conf, "vnetctl.conf", &mode, &cerr)
			    ? mode > VNET_COEXIST_MODE_STRICT
			    : !fuzz_printable(cerr->message))
			abort();
	}

	/* The first three words double as attach's domain, --mac and --ip. */
	if (argv->len >= 4 &&
	    !vnet_attach_check_args(argv->pdata[1], argv->pdata[2], argv->pdata[3], &error) &&
	    !fuzz_printable(error->message))
		abort();

	message_ok = true;
	optind = 0;
	rc = cli_parse_create_args("create", (int)argv->len - 1, (char **)argv->pdata, &args);
	if (!message_ok)
		abort();
	if (rc == EXIT_OK) {
		g_autofree char *xml = vnet_intent_to_xml(args.intent);
		g_autoptr(vnet_intent) again = vnet_intent_from_xml(xml, -1, NULL);
		g_autofree char *xml2 = again ? vnet_intent_to_xml(again) : NULL;
		if (!again || strcmp(xml, xml2) != 0)
			abort();
	}
	return 0;
}
