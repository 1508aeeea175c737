/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fwzone: libvnet's firewalld zone calls (src/lib/firewalld.h), for the
 * integration tests (tests/integration/53-firewalld-zone.sh).
 *
 *   fwzone running                          firewalld=running|absent
 *   fwzone zone IFACE                       runtime=ZONE, permanent=ZONE
 *   fwzone ensure                           reloaded=yes|no
 *   fwzone bind IFACE                       reloaded=, prev-runtime=, prev-permanent=
 *   fwzone unbind IFACE PREV_RT PREV_PERM   (zones as bind printed them, "" for none)
 *
 * Every command prints "firewalld=running" or "firewalld=absent" first, then
 * its KEY=VALUE lines (only when running); "" is no zone.
 * Exit status: 0 done, 1 failed (the library's message on stderr), 2 usage.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "firewalld.h"
#include "util.h"

static int usage(void)
{
	fprintf(stderr, "usage: fwzone running|ensure\n"
			"       fwzone zone|bind IFACE\n"
			"       fwzone unbind IFACE PREV_RUNTIME PREV_PERMANENT\n");
	return 2;
}

static int done(bool ok, bool present, GError *error)
{
	if (!ok) {
		fprintf(stderr, "fwzone: %s\n", error ? error->message : "failed");
		return 1;
	}
	printf("firewalld=%s\n", present ? "running" : "absent");
	return 0;
}

int main(int argc, char **argv)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *rt = NULL, *perm = NULL;
	bool present = false, reloaded = false, ok;
	const char *cmd = argc > 1 ? argv[1] : "";
	int rc;

	vnet_i18n_init();
	/* the call before done(): its arguments are evaluated in no set order */
	if (strcmp(cmd, "running") == 0 && argc == 2) {
		ok = vnet_firewalld_running(&present, &error);
		return done(ok, present, error);
	}
	if (strcmp(cmd, "ensure") == 0 && argc == 2) {
		ok = vnet_firewalld_ensure_zone(&present, &reloaded, &error);
		if ((rc = done(ok, present, error)) == 0 && present)
			printf("reloaded=%s\n", reloaded ? "yes" : "no");
		return rc;
	}
	if (strcmp(cmd, "zone") == 0 && argc == 3) {
		ok = vnet_firewalld_get_zones(argv[2], &present, &rt, &perm, &error);
		if ((rc = done(ok, present, error)) == 0 && present)
			printf("runtime=%s\npermanent=%s\n", rt, perm);
		return rc;
	}
	if (strcmp(cmd, "bind") == 0 && argc == 3) {
		ok = vnet_firewalld_bind(argv[2], &present, &reloaded, &rt, &perm, &error);
		if ((rc = done(ok, present, error)) == 0 && present)
			printf("reloaded=%s\nprev-runtime=%s\nprev-permanent=%s\n",
			       reloaded ? "yes" : "no", rt, perm);
		return rc;
	}
	if (strcmp(cmd, "unbind") == 0 && argc == 5) {
		ok = vnet_firewalld_unbind(argv[2], argv[3], argv[4], &present, &error);
		return done(ok, present, error);
	}
	return usage();
}
