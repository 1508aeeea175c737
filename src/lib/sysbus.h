/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * sysbus: the connection to the system D-Bus that the modules talking to a
 * system service (firewalld.c, revert.c's systemd) share.  Each open is a
 * private connection (GLib's shared one exits the process when the bus goes
 * away), made with a timeout (the synchronous constructor has none, so a
 * bus that accepts and never answers would hang it), and it tells "no such
 * service" (no bus, or nobody owns its name) from "the bus did not answer".
 * GDBus makes its threads for the life of the process while a connection
 * is open, so SIGINT, SIGTERM and SIGHUP stay blocked in the calling thread
 * from open to clear: those threads inherit that mask and never take a
 * signal that a transaction (txn.h) holds back.  The address is GDBus's
 * (DBUS_SYSTEM_BUS_ADDRESS, else /run/dbus/system_bus_socket).
 */
#ifndef VNET_SYSBUS_H
#define VNET_SYSBUS_H

#include <signal.h>
#include <stdbool.h>
#include <gio/gio.h>

typedef struct vnet_sysbus {
	GDBusConnection *bus;	/* NULL unless vnet_sysbus_open() said VNET_SYSBUS_UP */
	bool masked;		/* signals blocked by the open, as they were in mask */
	sigset_t mask;
} vnet_sysbus;

typedef enum vnet_sysbus_status {
	VNET_SYSBUS_UP,			/* connected, and the service's name has an owner */
	VNET_SYSBUS_ABSENT,		/* no system bus, or nobody owns the name */
	VNET_SYSBUS_CONNECT_TIMED_OUT,	/* the bus did not answer in time */
	VNET_SYSBUS_CONNECT_FAILED,	/* the bus refused us for another reason */
	VNET_SYSBUS_OWNER_FAILED,	/* the bus did not say who owns the name */
} vnet_sysbus_status;

/*
 * Connect @b (zeroed, or cleared) and ask whether @service has an owner,
 * each waiting at most @msec.  The last three statuses put GDBus's own
 * error in @ret_cause, for the caller's message; the others leave it alone.
 * Call vnet_sysbus_clear() whatever it returns.
 */
vnet_sysbus_status vnet_sysbus_open(vnet_sysbus *b, const char *service, guint msec, GError **ret_cause);
void vnet_sysbus_clear(vnet_sysbus *b);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(vnet_sysbus, vnet_sysbus_clear)

/* A call's error that means no answer came in time. */
bool vnet_sysbus_error_is_timeout(const GError *e);
/* A call's error that means the service or the bus went away meanwhile. */
bool vnet_sysbus_error_is_gone(const GError *e);

#endif
