/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * revert: the confirm-or-revert of an uplink takeover, as `netplan try`.
 * Before the uplink moves, a record (root-only, under /var/lib/vnetctl/revert,
 * kept across reboots) says what to give back: the previous definitions of
 * the network, or none (it did not exist), under a token that names this
 * takeover; then a timer is armed, by the library, that runs `vnetctl revert
 * NAME --token TOKEN` at the deadline: where systemd is PID 1, a transient
 * timer vnetctl-revert-NAME-TOKEN.timer (with its .service) through
 * systemd's D-Bus API (StartTransientUnit on the system bus, sysbus.h),
 * else, or when its bus or systemd does not answer in time, a detached
 * process of our own (named vnetctl-revert).  A
 * timer whose token no longer matches the record does nothing, so an old
 * timer never reverts a newer takeover, and no timer needs cancelling.  Any
 * later vnetctl command (and the restore unit at boot) reverts a record whose
 * deadline has passed, so a dead timer cannot strand the uplink.
 */
#ifndef VNET_REVERT_H
#define VNET_REVERT_H

#include <stdbool.h>
#include <glib.h>

typedef struct vnet_revert_record {
	char *name;
	char *token;
	gint64 deadline;
	char *uri;
	char *previous[2];	/* the persistent XML of each network before, or NULL: none existed */
	bool previous_active;
	bool previous_autostart;
} vnet_revert_record;

void vnet_revert_record_free(vnet_revert_record *r);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(vnet_revert_record, vnet_revert_record_free)

/* The record as text (what the ARM step writes), and back. */
char *vnet_revert_record_to_data(const vnet_revert_record *r);
vnet_revert_record *vnet_revert_load(const char *name, GError **error);

/*
 * Each wait on systemd's bus: the connection and the question whether
 * systemd is on it, the call, the job that starts the timer.  Past one,
 * the detached process is armed instead: a hung bus delays a takeover by
 * seconds and never leaves it without a timer.
 */
#define VNET_REVERT_BUS_TIMEOUT_MS 5000
#define VNET_REVERT_CALL_TIMEOUT_MS 10000
#define VNET_REVERT_JOB_TIMEOUT_MS 10000

/*
 * Write the record of a takeover and arm its timer.  Fails when the record
 * cannot be written, or systemd answers that it will not start the timer
 * (refused, or its job failed: something is wrong that an admin should see
 * before an uplink moves); the record is gone again then.
 */
bool vnet_revert_arm(const char *name, const char *data, GError **error);

/*
 * StartTransientUnit's arguments, (ssa(sv)a(sa(sv))), that arm @r's timer:
 * vnetctl-revert-NAME-TOKEN.timer, elapsing once @delay seconds (at least
 * 1) from its start, give or take a second, and its service of the same
 * name running @argv.  A full reference: unref it.
 */
GVariant *vnet_revert_unit_args(const vnet_revert_record *r, gint64 delay, char *const *argv);
/* Drop the record of @name if it is still @token's (confirm, or an undone takeover). */
void vnet_revert_disarm(const char *name, const char *token);
/* The names whose record's deadline has passed. */
GPtrArray *vnet_revert_due(void);

#endif
