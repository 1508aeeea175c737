/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* sysbus: a private system D-Bus connection with timeouts (see sysbus.h). */
#include "config.h"

#include <pthread.h>

#include "sysbus.h"

void vnet_sysbus_clear(vnet_sysbus *b)
{
	if (b->bus) {
		g_dbus_connection_close_sync(b->bus, NULL, NULL);
		g_clear_object(&b->bus);
	}
	if (b->masked)
		pthread_sigmask(SIG_SETMASK, &b->mask, NULL);
	b->masked = false;
}

typedef struct pending {
	GAsyncResult *res;
	GCancellable *cancel;
	bool timed_out;
} pending;

static void on_ready(GObject *src, GAsyncResult *res, gpointer data)
{
	((pending *)data)->res = g_object_ref(res);
}

static gboolean on_timeout(gpointer data)
{
	pending *p = data;

	p->timed_out = true;
	g_cancellable_cancel(p->cancel);
	return G_SOURCE_REMOVE;
}

/* Asynchronously, in a context of our own, so that a hung dbus-daemon times out too. */
static GDBusConnection *connect_with_timeout(const char *address, guint msec, bool *ret_timed_out,
					     GError **error)
{
	g_autoptr(GMainContext) ctx = g_main_context_new();
	g_autoptr(GCancellable) cancel = g_cancellable_new();
	pending p = { .cancel = cancel };
	GDBusConnection *bus;
	GSource *timer;

	g_main_context_push_thread_default(ctx);
	g_dbus_connection_new_for_address(address,
					  G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
						  G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
					  NULL, cancel, on_ready, &p);
	timer = g_timeout_source_new(msec);
	g_source_set_callback(timer, on_timeout, &p, NULL);
	g_source_attach(timer, ctx);
	while (!p.res)
		g_main_context_iteration(ctx, TRUE);
	g_source_destroy(timer);
	g_source_unref(timer);
	bus = g_dbus_connection_new_for_address_finish(p.res, error);
	g_object_unref(p.res);
	g_main_context_pop_thread_default(ctx);
	*ret_timed_out = p.timed_out;
	return bus;
}

vnet_sysbus_status vnet_sysbus_open(vnet_sysbus *b, const char *service, guint msec, GError **ret_cause)
{
	g_autoptr(GError) e = NULL;
	g_autoptr(GVariant) owned = NULL;
	g_autofree char *address = NULL;
	g_autoptr(GDBusConnection) bus = NULL;
	bool timed_out = false;
	gboolean has_owner = FALSE;

	if (!b->masked) {
		sigset_t hold;
		sigemptyset(&hold);
		sigaddset(&hold, SIGINT);
		sigaddset(&hold, SIGTERM);
		sigaddset(&hold, SIGHUP);
		b->masked = pthread_sigmask(SIG_BLOCK, &hold, &b->mask) == 0;
	}
	/* with no address configured there is no bus, hence no service */
	if (!(address = g_dbus_address_get_for_bus_sync(G_BUS_TYPE_SYSTEM, NULL, NULL)))
		return VNET_SYSBUS_ABSENT;
	if (!(bus = connect_with_timeout(address, msec, &timed_out, &e))) {
		if (g_error_matches(e, G_IO_ERROR, G_IO_ERROR_NOT_FOUND) ||
		    g_error_matches(e, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED))
			return VNET_SYSBUS_ABSENT;
		g_propagate_error(ret_cause, g_steal_pointer(&e));
		return timed_out ? VNET_SYSBUS_CONNECT_TIMED_OUT : VNET_SYSBUS_CONNECT_FAILED;
	}
	owned = g_dbus_connection_call_sync(bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
					    "org.freedesktop.DBus", "NameHasOwner", g_variant_new("(s)", service),
					    G_VARIANT_TYPE("(b)"), G_DBUS_CALL_FLAGS_NONE, (int)msec, NULL, &e);
	if (!owned) {
		g_dbus_connection_close_sync(bus, NULL, NULL);
		g_propagate_error(ret_cause, g_steal_pointer(&e));
		return VNET_SYSBUS_OWNER_FAILED;
	}
	g_variant_get(owned, "(b)", &has_owner);
	if (!has_owner) {
		g_dbus_connection_close_sync(bus, NULL, NULL);
		return VNET_SYSBUS_ABSENT;
	}
	b->bus = g_steal_pointer(&bus);
	return VNET_SYSBUS_UP;
}

bool vnet_sysbus_error_is_timeout(const GError *e)
{
	return g_error_matches(e, G_IO_ERROR, G_IO_ERROR_TIMED_OUT) ||
	       g_error_matches(e, G_DBUS_ERROR, G_DBUS_ERROR_TIMEOUT) ||
	       g_error_matches(e, G_DBUS_ERROR, G_DBUS_ERROR_TIMED_OUT) ||
	       g_error_matches(e, G_DBUS_ERROR, G_DBUS_ERROR_NO_REPLY);
}

bool vnet_sysbus_error_is_gone(const GError *e)
{
	return g_error_matches(e, G_IO_ERROR, G_IO_ERROR_CLOSED) ||
	       g_error_matches(e, G_DBUS_ERROR, G_DBUS_ERROR_SERVICE_UNKNOWN) ||
	       g_error_matches(e, G_DBUS_ERROR, G_DBUS_ERROR_NAME_HAS_NO_OWNER) ||
	       g_error_matches(e, G_DBUS_ERROR, G_DBUS_ERROR_DISCONNECTED);
}
