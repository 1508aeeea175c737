/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A program that links libvnet keeps its own libvirt error handler: libvnet
 * silences only its own connection.  Runs against libvirt's in-process test
 * driver (test:///default), no libvirtd; links the public libvnet.so only.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include <vnet/vnet.h>
#include "helpers.h"

static int program_errors;

static void program_handler(void *opaque, virErrorPtr err)
{
	(void)opaque;
	(void)err;
	program_errors++;
}

/* A failing call of the program's own on a connection of its own. */
static void program_fails_a_call(void)
{
	virConnectPtr conn = virConnectOpen("test:///default");
	virNetworkPtr net;

	assert_non_null(conn);
	net = virNetworkLookupByName(conn, "no-such-network");
	assert_null(net);
	virConnectClose(conn);
}

static void test_program_handler_survives(void **state)
{
	g_autoptr(GError) error = NULL;
	virConnectPtr keep;
	virNetworkPtr def;
	vnet_ctx *ctx;
	vnet_intent *in;

	(void)state;
	/*
	 * The test driver's state lives while a connection is open; its one
	 * network goes, as its driver cannot give an inactive XML.
	 */
	keep = virConnectOpen("test:///default");
	assert_non_null(keep);
	def = virNetworkLookupByName(keep, "default");
	assert_non_null(def);
	assert_int_equal(virNetworkDestroy(def), 0);
	assert_int_equal(virNetworkUndefine(def), 0);
	virNetworkFree(def);

	virSetErrorFunc(NULL, program_handler);
	program_errors = 0;

	ctx = vnet_ctx_new("test:///default", &error);
	if (!ctx)
		fail_msg("vnet_ctx_new: %s", error->message);
	/* libvnet's own failure is a GError, not a call of the program's handler */
	in = vnet_ctx_get(ctx, "no-such-network", NULL, &error);
	assert_null(in);
	assert_error(error, VNET_ERROR_NOT_FOUND, "no-such-network");
	assert_int_equal(program_errors, 0);

	/* ...and the program's handler still sees the program's own failures */
	program_fails_a_call();
	assert_int_equal(program_errors, 1);
	vnet_ctx_free(ctx);
	program_fails_a_call();
	assert_int_equal(program_errors, 2);
	virSetErrorFunc(NULL, NULL);
	virConnectClose(keep);
}

static void test_connect_failure_is_a_gerror(void **state)
{
	g_autoptr(GError) error = NULL;

	(void)state;
	virSetErrorFunc(NULL, program_handler);
	program_errors = 0;
	assert_null(vnet_ctx_new("nosuchdriver:///x", &error));
	assert_error(error, VNET_ERROR_FAILED, "nosuchdriver:///x");
	/* no connection yet: libvirt reports to the program's handler, its choice */
	assert_int_equal(program_errors, 1);
	virSetErrorFunc(NULL, NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_program_handler_survives),
		cmocka_unit_test(test_connect_failure_is_a_gerror),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
