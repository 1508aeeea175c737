/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "revert.h"
#include "txn.h"
#include "util.h"

static char *record_dir(void)
{
	const char *dir = g_getenv("VNET_STATE_DIR");

	return g_build_filename(dir ? dir : VNET_STATE_DEFAULT, "revert", NULL);
}

static char *record_path(const char *name)
{
	g_autofree char *dir = record_dir();

	return vnet_name_is_valid(name, VNET_NAME_MAX) ? g_build_filename(dir, name, NULL) : NULL;
}

void vnet_revert_record_free(vnet_revert_record *r)
{
	if (!r)
		return;
	g_free(r->name);
	g_free(r->token);
	g_free(r->uri);
	g_free(r->previous[0]);
	g_free(r->previous[1]);
	g_free(r);
}

char *vnet_revert_record_to_data(const vnet_revert_record *r)
{
	g_autoptr(GKeyFile) kf = g_key_file_new();

	g_key_file_set_string(kf, "revert", "name", r->name);
	g_key_file_set_string(kf, "revert", "token", r->token);
	g_key_file_set_int64(kf, "revert", "deadline", r->deadline);
	g_key_file_set_string(kf, "revert", "uri", r->uri ? r->uri : "");
	g_key_file_set_boolean(kf, "revert", "previous-active", r->previous_active);
	g_key_file_set_boolean(kf, "revert", "previous-autostart", r->previous_autostart);
	for (guint i = 0; i < 2; i++) {
		g_autofree char *key = g_strdup_printf("previous-%u", i);
		if (r->previous[i])
			g_key_file_set_string(kf, "revert", key, r->previous[i]);
	}
	return g_key_file_to_data(kf, NULL, NULL);
}

vnet_revert_record *vnet_revert_load(const char *name, GError **error)
{
	g_autofree char *path = record_path(name);
	g_autoptr(GKeyFile) kf = g_key_file_new();
	g_autoptr(GError) local = NULL;
	g_autoptr(vnet_revert_record) r = g_new0(vnet_revert_record, 1);
	GStatBuf st;

	if (!path || g_stat(path, &st) < 0)
		return NULL;	/* no record: nothing waits */
	/* Root's record only: it says what to do to the host's uplink. */
	if (st.st_uid != 0 || (st.st_mode & 022)) {
		vnet_set_error(error, VNET_ERROR_FAILED,
			       _("The revert record %s is not root's alone, so it is not trusted; remove it after checking the uplink by hand."),
			       path);
		return NULL;
	}
	if (!g_key_file_load_from_file(kf, path, G_KEY_FILE_NONE, &local)) {
		vnet_set_error(error, VNET_ERROR_FAILED,
			       _("The revert record %s cannot be read: %s; remove it after checking the uplink by hand."),
			       path, local->message);
		return NULL;
	}
	r->name = g_key_file_get_string(kf, "revert", "name", NULL);
	r->token = g_key_file_get_string(kf, "revert", "token", NULL);
	r->deadline = g_key_file_get_int64(kf, "revert", "deadline", NULL);
	r->uri = g_key_file_get_string(kf, "revert", "uri", NULL);
	r->previous_active = g_key_file_get_boolean(kf, "revert", "previous-active", NULL);
	r->previous_autostart = g_key_file_get_boolean(kf, "revert", "previous-autostart", NULL);
	r->previous[0] = g_key_file_get_string(kf, "revert", "previous-0", NULL);
	r->previous[1] = g_key_file_get_string(kf, "revert", "previous-1", NULL);
	if (g_strcmp0(r->name, name) != 0 || !vnet_token_is_valid(r->token) || r->deadline <= 0) {
		vnet_set_error(error, VNET_ERROR_FAILED,
			       _("The revert record %s is damaged; remove it after checking the uplink by hand."), path);
		return NULL;
	}
	return g_steal_pointer(&r);
}

/* The vnetctl that the timer runs: this one when we are it, else the installed one. */
static char *vnetctl_path(void)
{
	g_autofree char *self = g_file_read_link("/proc/self/exe", NULL);
	g_autofree char *base = self ? g_path_get_basename(self) : NULL;
	const char *env = g_getenv("VNET_VNETCTL");

	if (env)
		return g_strdup(env);
	if (base && (g_str_equal(base, "vnetctl") || g_str_equal(base, "lt-vnetctl")))
		return g_steal_pointer(&self);
	return g_build_filename(SBINDIR, "vnetctl", NULL);
}

static bool have_systemd(const char **ret_run)
{
	const char *run = g_getenv("VNET_SYSTEMD_RUN") ? g_getenv("VNET_SYSTEMD_RUN") : "/usr/bin/systemd-run";
	GStatBuf st;

	/* sd_booted(): this directory exists only when systemd is PID 1. */
	*ret_run = run;
	return g_lstat("/run/systemd/system", &st) == 0 && S_ISDIR(st.st_mode) &&
	       g_file_test(run, G_FILE_TEST_IS_EXECUTABLE);
}

static char **revert_argv(const char *self, const vnet_revert_record *r)
{
	GPtrArray *a = g_ptr_array_new();

	g_ptr_array_add(a, g_strdup(self));
	if (r->uri && *r->uri) {
		g_ptr_array_add(a, g_strdup("-c"));
		g_ptr_array_add(a, g_strdup(r->uri));
	}
	g_ptr_array_add(a, g_strdup("-q"));
	g_ptr_array_add(a, g_strdup("revert"));
	g_ptr_array_add(a, g_strdup(r->name));
	g_ptr_array_add(a, g_strdup("--token"));
	g_ptr_array_add(a, g_strdup(r->token));
	g_ptr_array_add(a, NULL);
	return (char **)g_ptr_array_free(a, FALSE);
}

static bool arm_systemd(const char *run, char **tail, const vnet_revert_record *r, GError **error)
{
	gint64 delay = MAX(r->deadline - g_get_real_time() / G_USEC_PER_SEC, 1);
	/* A unit of its own per takeover: a second one soon after never collides. */
	g_autofree char *unit = g_strdup_printf("--unit=vnetctl-revert-%s-%s", r->name, r->token);
	g_autofree char *when = g_strdup_printf("--on-active=%" G_GINT64_FORMAT "s", delay);
	g_autoptr(GPtrArray) args = g_ptr_array_new();
	g_autoptr(GError) local = NULL;
	int status = 0;

	g_ptr_array_add(args, (char *)run);
	g_ptr_array_add(args, "--quiet");
	g_ptr_array_add(args, unit);
	g_ptr_array_add(args, when);
	g_ptr_array_add(args, "--timer-property=AccuracySec=1s");
	for (char **t = tail; *t; t++)
		g_ptr_array_add(args, *t);
	g_ptr_array_add(args, NULL);
	if (!g_spawn_sync(NULL, (char **)args->pdata, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, NULL, NULL,
			  &status, &local) ||
	    !g_spawn_check_wait_status(status, &local)) {
		vnet_set_error(error, VNET_ERROR_FAILED, _("Cannot arm the revert timer with systemd-run: %s."),
			       local->message);
		return false;
	}
	return true;
}

/* Double fork and setsid: no terminal, no parent shell, no caller to take it down. */
static bool arm_detached(char **argv, gint64 deadline, GError **error)
{
	pid_t pid = fork();

	if (pid < 0) {
		vnet_set_error(error, VNET_ERROR_FAILED, _("Cannot arm the revert timer: %s."), g_strerror(errno));
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
		/* Named, so that `ps` shows what it is and what it waits for. */
		prctl(PR_SET_NAME, "vnetctl-revert", 0, 0, 0);
		while (g_get_real_time() / G_USEC_PER_SEC < deadline)
			sleep(1);
		execv(argv[0], argv);
		_exit(127);
	}
	waitpid(pid, NULL, 0);
	return true;
}

bool vnet_revert_arm(const char *name, const char *data, GError **error)
{
	g_autofree char *path = record_path(name), *dir = record_dir(), *self = vnetctl_path();
	g_autoptr(vnet_revert_record) r = NULL;
	g_autoptr(GError) local = NULL;
	g_auto(GStrv) argv = NULL;
	const char *run;

	if (!path || g_mkdir_with_parents(dir, 0700) < 0 ||
	    !g_file_set_contents_full(path, data, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0600, &local)) {
		vnet_set_error(error, VNET_ERROR_FAILED, _("Cannot write the revert record of network \"%s\": %s."),
			       name, local ? local->message : g_strerror(errno));
		return false;
	}
	if (!(r = vnet_revert_load(name, error)))
		return false;
	argv = revert_argv(self, r);
	return have_systemd(&run) ? arm_systemd(run, argv, r, error) : arm_detached(argv, r->deadline, error);
}

void vnet_revert_disarm(const char *name, const char *token)
{
	g_autoptr(vnet_revert_record) r = vnet_revert_load(name, NULL);
	g_autofree char *path = record_path(name);

	/* The timer stays; with the record gone (or another token in it) it does nothing. */
	if (r && (!token || g_strcmp0(r->token, token) == 0))
		g_unlink(path);
}

GPtrArray *vnet_revert_due(void)
{
	g_autofree char *dir = record_dir();
	g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
	GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
	gint64 now = g_get_real_time() / G_USEC_PER_SEC;
	const char *n;

	while (d && (n = g_dir_read_name(d))) {
		g_autoptr(vnet_revert_record) r = vnet_revert_load(n, NULL);
		if (r && r->deadline <= now)
			g_ptr_array_add(out, g_strdup(n));
	}
	return out;
}
