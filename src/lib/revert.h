/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * revert: the confirm-or-revert of an uplink takeover, as `netplan try`.
 * Before the uplink moves, a record (root-only, under /var/lib/vnetctl/revert,
 * kept across reboots) says what to give back: the previous definitions of
 * the network, or none (it did not exist), under a token that names this
 * takeover; then a timer is armed, by the library (a transient systemd timer
 * with a unique name where systemd runs, else a detached process of our
 * own), that runs `vnetctl revert NAME --token TOKEN` at the deadline.  A
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

/* Write the record of a takeover and arm its timer. */
bool vnet_revert_arm(const char *name, const char *data, GError **error);
/* Drop the record of @name if it is still @token's (confirm, or an undone takeover). */
void vnet_revert_disarm(const char *name, const char *token);
/* The names whose record's deadline has passed. */
GPtrArray *vnet_revert_due(void);

#endif
