/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * hook NAME OP SUBOP -: run by libvirt's network hook with the network XML
 * on stdin; qemu-hook DOMAIN OP SUBOP -: run by its qemu hook with the
 * domain XML on stdin.  Neither may call back into libvirtd (libvirtd waits
 * for them).
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "cli.h"
#include "libvnet-private.h"

int cmd_hook(int argc, char **argv)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *xml = NULL;

	if (argc < 4 || argc > 5)
		return cli_usage("hook", _("The hook is called as \"hook NAME OP SUBOP -\" with the XML on stdin."));
	if (!g_file_get_contents("/dev/stdin", &xml, NULL, &error))
		return cli_fail(error);
	if (!vnet_hook_run(argv[1], argv[2], argv[3], xml, &error))
		return cli_fail(error);
	return EXIT_OK;
}

int cmd_qemu_hook(int argc, char **argv)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *xml = NULL;

	if (argc < 4 || argc > 5)
		return cli_usage("qemu-hook", _("The qemu hook is called as \"qemu-hook DOMAIN OP SUBOP -\" with the XML on stdin."));
	/* Read it whatever the event: libvirt writes it all. */
	if (!g_file_get_contents("/dev/stdin", &xml, NULL, &error))
		return cli_fail(error);
	if (!vnet_qemu_hook_run(argv[1], argv[2], argv[3], xml, &error))
		return cli_fail(error);
	return EXIT_OK;
}

/*
 * watch [--once]: keep the forwards pointed at the guests' current leases,
 * and the guard's ports and bindings as the bridges are, on every change of
 * libvirt's lease files and every link that joins or leaves a bridge (what
 * vnetctl-watch.service runs), and the guard's flows of Open vSwitch
 * networks on every port that joins or leaves their bridge (which the
 * userspace datapath tells only OVSDB); or point them once, and exit.
 */
const cli_option cli_watch_options[] = {
	{ "once", 0, 'o', NULL, N_("point them once, and exit") },
	{ 0 },
};

/* Take a burst of events on @fd as one: a lease event writes a few times. */
static void drain(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	char buf[4096];

	do {
		if (read(fd, buf, sizeof(buf)) < 0 && errno != EAGAIN && errno != EINTR)
			break;
	} while (poll(&p, 1, 100) > 0);
}

/* How long an OVS that does not answer, or a rewrite that failed, waits at most before the next try. */
#define OVS_BACKOFF_MIN_MS 250
#define OVS_BACKOFF_MAX_MS 8000

/* @into plus @more, each bridge once. */
static void add_bridges(GPtrArray *into, char **more)
{
	for (guint i = 0; more && more[i]; i++)
		if (!g_ptr_array_find_with_equal_func(into, more[i], g_str_equal, NULL))
			g_ptr_array_add(into, g_strdup(more[i]));
}

static gint64 now_ms(void)
{
	return g_get_monotonic_time() / 1000;
}

/*
 * The Open vSwitch side of the watch: a monitor of the local database while
 * one answers (reconnected with a back-off when it goes or was not there),
 * and the bridges whose guard's flows are still to be written.
 */
typedef struct ovs_side {
	vnet_ovs_watch *w;
	gint64 connect_at, write_at;	/* ms, monotonic */
	int connect_backoff, write_backoff;
	GPtrArray *pending;		/* char *: bridges whose ports changed, flows not written yet */
} ovs_side;

static void ovs_read(ovs_side *o, bool connected_now)
{
	g_autoptr(GError) error = NULL;
	g_auto(GStrv) changed = NULL;

	if (!vnet_ovs_watch_changed(o->w, &changed, &error)) {
		/* A database that went away is said once; one that answered and failed at once, not at all. */
		if (!connected_now)
			g_printerr("vnetctl: %s\n", error->message);
		g_clear_pointer(&o->w, vnet_ovs_watch_free);
		o->connect_at = now_ms() + o->connect_backoff;
		return;
	}
	if (changed && *changed) {
		add_bridges(o->pending, changed);
		o->write_at = 0;
		o->write_backoff = OVS_BACKOFF_MIN_MS;
	}
}

static void ovs_step(ovs_side *o, bool readable)
{
	gint64 now = now_ms();

	if (!o->w && now >= o->connect_at) {
		if ((o->w = vnet_ovs_watch_new(NULL))) {
			o->connect_backoff = OVS_BACKOFF_MIN_MS;
			ovs_read(o, true);
		} else {
			o->connect_at = now + o->connect_backoff;
			o->connect_backoff = MIN(o->connect_backoff * 2, OVS_BACKOFF_MAX_MS);
		}
	} else if (o->w && readable) {
		ovs_read(o, false);
	}
	if (o->pending->len && now >= o->write_at) {
		g_autoptr(GError) error = NULL;
		g_ptr_array_add(o->pending, NULL);
		/* ovs-vswitchd may not answer yet (it starts after its database): try again a little later. */
		if (vnet_hook_ovs_changed((const char *const *)o->pending->pdata, &error)) {
			g_ptr_array_set_size(o->pending, 0);
		} else {
			g_ptr_array_remove_index(o->pending, o->pending->len - 1);
			g_printerr("vnetctl: %s\n", error->message);
			/*
			 * Not for ever: an ovs-vswitchd that comes back later makes its
			 * management sockets anew, which brings the bridges back here.
			 */
			if (o->write_backoff >= OVS_BACKOFF_MAX_MS)
				g_ptr_array_set_size(o->pending, 0);
			o->write_at = now + o->write_backoff;
			o->write_backoff = MIN(o->write_backoff * 2, OVS_BACKOFF_MAX_MS);
		}
	}
}

/* How long poll may sleep before the OVS side has something to do: -1 for nothing. */
static int ovs_timeout(const ovs_side *o)
{
	gint64 now = now_ms(), at = -1;

	if (!o->w)
		at = o->connect_at;
	if (o->pending->len && (at < 0 || o->write_at < at))
		at = o->write_at;
	return at < 0 ? -1 : (int)CLAMP(at - now, 0, 30 * 1000);
}

int cmd_watch(int argc, char **argv)
{
	const char *dir = g_getenv("VNET_DNSMASQ_DIR") ? g_getenv("VNET_DNSMASQ_DIR") : "/var/lib/libvirt/dnsmasq";
	g_autoptr(GError) error = NULL;
	g_autoptr(vnet_port_watch) ports = NULL;
	g_autoptr(GPtrArray) pending = g_ptr_array_new_with_free_func(g_free);
	ovs_side ovs = { .connect_backoff = OVS_BACKOFF_MIN_MS, .write_backoff = OVS_BACKOFF_MIN_MS, .pending = pending };
	gint64 repoint_at;
	bool once = false;
	int fd, opt;

	opterr = 0;
	while ((opt = cli_getopt(argc, argv, "", cli_watch_options)) != -1) {
		if (opt != 'o')
			return cli_usage("watch", _("watch takes only --once."));
		once = true;
	}
	if (optind != argc)
		return cli_usage("watch", _("watch takes only --once."));
	/* Listening first, so that no port that joins meanwhile is missed. */
	if (!once && !(ports = vnet_port_watch_new(&error)))
		return cli_fail(error);
	if (!(once ? vnet_hook_guests_changed(&error) : vnet_hook_ports_changed(&error)))
		return cli_fail(error);
	if (once)
		return EXIT_OK;
	fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	if (fd < 0 || inotify_add_watch(fd, dir, IN_CLOSE_WRITE | IN_MOVED_TO | IN_DELETE | IN_CREATE) < 0) {
		g_set_error(&error, G_FILE_ERROR, g_file_error_from_errno(errno),
			    _("Cannot watch the lease files in %s: %s."), dir, g_strerror(errno));
		return cli_fail(error);
	}
	/* Without OVS the watch works as before; an OVS that starts later is found by the back-off. */
	ovs_step(&ovs, false);
	repoint_at = now_ms() + 30 * 1000;
	for (;;) {
		struct pollfd p[3] = {
			{ .fd = fd, .events = POLLIN },
			{ .fd = vnet_port_watch_fd(ports), .events = POLLIN },
			{ .fd = ovs.w ? vnet_ovs_watch_fd(ovs.w) : -1, .events = POLLIN },
		};
		bool moved;
		/* A lease that expires changes no file: look again now and then. */
		int t = ovs_timeout(&ovs), left = (int)CLAMP(repoint_at - now_ms(), 0, 30 * 1000);
		int r = poll(p, G_N_ELEMENTS(p), t >= 0 && t < left ? t : left);
		if (r < 0 && errno != EINTR)
			break;
		ovs_step(&ovs, r > 0 && p[2].revents);
		if (r > 0 && (p[0].revents & POLLIN))
			drain(fd);
		if (!(r > 0 && (p[0].revents || p[1].revents)) && now_ms() < repoint_at)
			continue;
		repoint_at = now_ms() + 30 * 1000;
		moved = vnet_port_watch_changed(ports);
		g_clear_error(&error);
		if (!(moved ? vnet_hook_ports_changed(&error) : vnet_hook_guests_changed(&error)))
			g_printerr("vnetctl: %s\n", error->message);
	}
	g_clear_pointer(&ovs.w, vnet_ovs_watch_free);
	close(fd);
	return EXIT_REFUSED;
}
