/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "revert.h"
#include "sysbus.h"
#include "txn.h"
#include "util.h"

#define SD_NAME "org.freedesktop.systemd1"
#define SD_PATH "/org/freedesktop/systemd1"
#define SD_MANAGER SD_NAME ".Manager"

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

/* sd_booted(): this directory exists only when systemd is PID 1. */
static bool have_systemd(void)
{
	GStatBuf st;

	return g_lstat("/run/systemd/system", &st) == 0 && S_ISDIR(st.st_mode);
}

static char *unit_name(const vnet_revert_record *r, const char *type)
{
	/* A unit of its own per takeover: a second one soon after never collides. */
	return g_strdup_printf("vnetctl-revert-%s-%s.%s", r->name, r->token, type);
}

GVariant *vnet_revert_unit_args(const vnet_revert_record *r, gint64 delay, char *const *argv)
{
	g_autofree char *timer = unit_name(r, "timer"), *service = unit_name(r, "service");
	/* systemd's own state, read by whoever lists timers: not the caller's language */
	g_autofree char *what = g_strdup_printf("Revert the uplink takeover of network %s unless confirmed",
						 r->name);
	GVariantBuilder tp, sp, aux, exec;

	g_variant_builder_init(&tp, G_VARIANT_TYPE("a(sv)"));
	g_variant_builder_add(&tp, "(sv)", "Description", g_variant_new_string(what));
	g_variant_builder_add(&tp, "(sv)", "TimersMonotonic",
			      g_variant_new_parsed("[(%s, %t)]", "OnActiveSec",
						   (guint64)MAX(delay, 1) * G_USEC_PER_SEC));
	/* systemd's default of a minute would let the revert come that much late */
	g_variant_builder_add(&tp, "(sv)", "AccuracyUSec", g_variant_new_uint64(G_USEC_PER_SEC));
	/* elapsed once, the timer unloads: nothing of it stays for an admin to clean */
	g_variant_builder_add(&tp, "(sv)", "RemainAfterElapse", g_variant_new_boolean(FALSE));

	g_variant_builder_init(&exec, G_VARIANT_TYPE("a(sasb)"));
	g_variant_builder_add(&exec, "(s^asb)", argv[0], argv, FALSE);
	g_variant_builder_init(&sp, G_VARIANT_TYPE("a(sv)"));
	g_variant_builder_add(&sp, "(sv)", "Description", g_variant_new_string(what));
	g_variant_builder_add(&sp, "(sv)", "ExecStart", g_variant_builder_end(&exec));
	g_variant_builder_init(&aux, G_VARIANT_TYPE("a(sa(sv))"));
	g_variant_builder_add(&aux, "(sa(sv))", service, &sp);

	return g_variant_ref_sink(g_variant_new("(ssa(sv)a(sa(sv)))", timer, "fail", &tp, &aux));
}

typedef enum sd_arm {
	SD_ARMED,
	SD_NO_ANSWER,	/* no systemd on the bus, or no answer in time: the caller falls back */
	SD_FAILED,	/* systemd answered no: @error says why */
} sd_arm;

static void on_job_removed(GDBusConnection *bus, const char *sender, const char *path, const char *iface,
			   const char *signal, GVariant *params, gpointer data)
{
	const char *job, *result;

	if (!g_variant_is_of_type(params, G_VARIANT_TYPE("(uoss)")))
		return;
	g_variant_get(params, "(u&o&s&s)", NULL, &job, NULL, &result);
	g_hash_table_replace(data, g_strdup(job), g_strdup(result));
}

static gboolean on_deadline(gpointer data)
{
	*(bool *)data = true;
	return G_SOURCE_REMOVE;
}

/*
 * The job's result, as its JobRemoved signal says; NULL when none came
 * within @msec.  Signals seen before StartTransientUnit's reply named the
 * job are in @removed already.
 */
static const char *job_result(GMainContext *ctx, GHashTable *removed, const char *job, guint msec)
{
	g_autoptr(GSource) timer = g_timeout_source_new(msec);
	bool late = false;
	const char *result;

	g_source_set_callback(timer, on_deadline, &late, NULL);
	g_source_attach(timer, ctx);
	while (!(result = g_hash_table_lookup(removed, job)) && !late)
		g_main_context_iteration(ctx, TRUE);
	g_source_destroy(timer);
	return result;
}

/*
 * systemd-run's way, in-process: StartTransientUnit, then the job's
 * JobRemoved.  Only an answer of systemd's own is an error; a bus or a
 * systemd that does not answer falls back to the detached child, which
 * needs neither.  The unit may still come later then, and run the same
 * revert under the same token: the second of the two finds nothing to do.
 */
static sd_arm arm_systemd(char **argv, const vnet_revert_record *r, GError **error)
{
	gint64 delay = r->deadline - g_get_real_time() / G_USEC_PER_SEC;
	g_auto(vnet_sysbus) sb = { 0 };
	g_autoptr(GMainContext) ctx = g_main_context_new();
	g_autoptr(GHashTable) removed = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	g_autoptr(GVariant) args = vnet_revert_unit_args(r, delay, argv), reply = NULL;
	g_autoptr(GError) e = NULL;
	g_autofree char *timer = unit_name(r, "timer");
	const char *job, *result;
	guint sub;
	sd_arm out = SD_NO_ANSWER;

	if (vnet_sysbus_open(&sb, SD_NAME, VNET_REVERT_BUS_TIMEOUT_MS, &e) != VNET_SYSBUS_UP)
		return SD_NO_ANSWER;
	/* before the call: systemd may end the job before its reply is read */
	g_main_context_push_thread_default(ctx);
	sub = g_dbus_connection_signal_subscribe(sb.bus, SD_NAME, SD_MANAGER, "JobRemoved", SD_PATH, NULL,
						 G_DBUS_SIGNAL_FLAGS_NONE, on_job_removed, removed, NULL);
	reply = g_dbus_connection_call_sync(sb.bus, SD_NAME, SD_PATH, SD_MANAGER, "StartTransientUnit",
					    g_steal_pointer(&args), G_VARIANT_TYPE("(o)"),
					    G_DBUS_CALL_FLAGS_NO_AUTO_START, VNET_REVERT_CALL_TIMEOUT_MS, NULL, &e);
	if (reply) {
		g_variant_get(reply, "(&o)", &job);
		if (!(result = job_result(ctx, removed, job, VNET_REVERT_JOB_TIMEOUT_MS))) {
			out = SD_NO_ANSWER;
		} else if (g_str_equal(result, "done")) {
			out = SD_ARMED;
		} else {
			vnet_set_error(error, VNET_ERROR_FAILED,
				       _("systemd could not start the revert timer %s: its job ended as \"%s\". Check \"systemctl status %s\" and \"journalctl -b\", then run the command again."),
				       timer, result, timer);
			out = SD_FAILED;
		}
	} else if (!vnet_sysbus_error_is_timeout(e) && !vnet_sysbus_error_is_gone(e)) {
		if (g_dbus_error_is_remote_error(e))
			g_dbus_error_strip_remote_error(e);
		vnet_set_error(error, VNET_ERROR_FAILED,
			       _("systemd refused to arm the revert timer %s: %s. Check \"systemctl status\" and \"journalctl -b\", then run the command again."),
			       timer, e->message);
		out = SD_FAILED;
	}
	g_dbus_connection_signal_unsubscribe(sb.bus, sub);
	g_main_context_pop_thread_default(ctx);
	return out;
}

/*
 * Double fork and setsid: no terminal, no parent shell, no caller to take it down.
 * The child runs vnetctl itself again rather than the revert in place: it is
 * the fork of a process whose GDBus and libvirt threads may hold locks that
 * nobody in the child would ever release, so until exec it does only what is
 * async-signal-safe (sleep, clock reads, descriptors), and a fresh vnetctl
 * opens its own connections at the deadline.
 */
static bool arm_detached(char **argv, gint64 deadline, GError **error)
{
	pid_t pid = fork();

	if (pid < 0) {
		vnet_set_error(error, VNET_ERROR_FAILED, _("Cannot arm the revert timer: %s."), g_strerror(errno));
		return false;
	}
	if (pid == 0) {
		sigset_t none;
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
		/* a transaction's held signals (txn.h) are no business of the timer's */
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
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

	if (!path || g_mkdir_with_parents(dir, 0700) < 0 ||
	    !g_file_set_contents_full(path, data, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0600, &local)) {
		vnet_set_error(error, VNET_ERROR_FAILED, _("Cannot write the revert record of network \"%s\": %s."),
			       name, local ? local->message : g_strerror(errno));
		return false;
	}
	if (!(r = vnet_revert_load(name, error)))
		return false;
	argv = revert_argv(self, r);
	switch (have_systemd() ? arm_systemd(argv, r, error) : SD_NO_ANSWER) {
	case SD_ARMED:
		return true;
	case SD_FAILED:
		break;
	case SD_NO_ANSWER:
		if (arm_detached(argv, r->deadline, error))
			return true;
		break;
	}
	/* No timer: a record alone would revert a takeover that never happens at the next command. */
	g_unlink(path);
	return false;
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
