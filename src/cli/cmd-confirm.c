/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * confirm and revert: the confirm-or-revert timer of an uplink takeover
 * (as `netplan try`).  The library records the deadline in the network's
 * <metadata>; the CLI starts the timer, which runs `vnetctl revert NAME`.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"

static bool have_systemd(void)
{
	struct stat st;

	/* sd_booted(): this directory exists only when systemd is PID 1. */
	return lstat("/run/systemd/system", &st) == 0 && S_ISDIR(st.st_mode) &&
	       g_file_test("/usr/bin/systemd-run", G_FILE_TEST_IS_EXECUTABLE);
}

static GPtrArray *revert_argv(const char *self, const char *name)
{
	GPtrArray *a = g_ptr_array_new();

	g_ptr_array_add(a, (char *)self);
	if (cli.uri) {
		g_ptr_array_add(a, "-c");
		g_ptr_array_add(a, (char *)cli.uri);
	}
	g_ptr_array_add(a, "-q");
	g_ptr_array_add(a, "revert");
	g_ptr_array_add(a, (char *)name);
	g_ptr_array_add(a, NULL);
	return a;
}

static bool schedule_systemd(const char *self, const char *name, gint64 delay, GError **error)
{
	g_autofree char *unit = g_strdup_printf("--unit=vnetctl-revert-%s", name);
	g_autofree char *when = g_strdup_printf("--on-active=%" G_GINT64_FORMAT "s", delay);
	g_autoptr(GPtrArray) args = g_ptr_array_new();
	g_autoptr(GPtrArray) tail = revert_argv(self, name);
	int status = 0;

	g_ptr_array_add(args, "systemd-run");
	g_ptr_array_add(args, "--quiet");
	g_ptr_array_add(args, unit);
	g_ptr_array_add(args, when);
	g_ptr_array_add(args, "--timer-property=AccuracySec=1s");
	for (guint i = 0; i < tail->len; i++)
		g_ptr_array_add(args, tail->pdata[i]);
	if (!g_spawn_sync(NULL, (char **)args->pdata, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL,
			  &status, error))
		return false;
	return g_spawn_check_wait_status(status, error);
}

/* Double fork and setsid: no terminal, no parent shell to take us down. */
static bool schedule_detached(const char *self, const char *name, gint64 deadline, GError **error)
{
	g_autoptr(GPtrArray) args = revert_argv(self, name);
	pid_t pid = fork();

	if (pid < 0) {
		g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errno),
			    _("Cannot start the revert timer: %s."), g_strerror(errno));
		return false;
	}
	if (pid == 0) {
		int fd;
		if (setsid() < 0 || fork() != 0)
			_exit(0);
		fd = open("/dev/null", O_RDWR);
		if (fd >= 0) {
			dup2(fd, 0);
			dup2(fd, 1);
			dup2(fd, 2);
		}
		for (int i = 3; i < 1024; i++)
			close(i);
		while (g_get_real_time() / G_USEC_PER_SEC < deadline)
			sleep(1);
		execv(self, (char **)args->pdata);
		_exit(127);
	}
	waitpid(pid, NULL, 0);
	return true;
}

bool cli_schedule_revert(const char *name, gint64 deadline, GError **error)
{
	g_autofree char *self = g_file_read_link("/proc/self/exe", error);
	gint64 delay = deadline - g_get_real_time() / G_USEC_PER_SEC;

	if (!self)
		return false;
	if (delay < 1)
		delay = 1;
	if (have_systemd())
		return schedule_systemd(self, name, delay, error);
	return schedule_detached(self, name, deadline, error);
}

int cmd_confirm(int argc, char **argv)
{
	g_autoptr(vnet_ctx) ctx = NULL;
	g_autoptr(GError) error = NULL;

	if (argc != 2)
		return cli_usage("confirm", _("Give the name of the network to confirm."));
	if (!(ctx = cli_connect()))
		return EXIT_REFUSED;
	if (!vnet_ctx_confirm(ctx, argv[1], &error))
		return cli_fail(error);
	if (!cli.quiet)
		printf(_("Network %s is confirmed: its uplink stays in the bridge.\n"), argv[1]);
	return EXIT_OK;
}

int cmd_revert(int argc, char **argv)
{
	g_autoptr(vnet_ctx) ctx = NULL;
	g_autoptr(GError) error = NULL;
	bool reverted = false;

	if (argc != 2)
		return cli_usage("revert", _("Give the name of the network to revert."));
	if (!(ctx = cli_connect()))
		return EXIT_REFUSED;
	if (!vnet_ctx_revert(ctx, argv[1], &reverted, &error))
		return cli_fail(error);
	if (!cli.quiet)
		printf(reverted ? _("Network %s was not confirmed and is reverted: the uplink is back as it was.\n")
				: _("Network %s has nothing to revert.\n"), argv[1]);
	return EXIT_OK;
}
