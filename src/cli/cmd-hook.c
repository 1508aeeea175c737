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
 * vnetctl-watch.service runs); or point them once, and exit.
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

int cmd_watch(int argc, char **argv)
{
	const char *dir = g_getenv("VNET_DNSMASQ_DIR") ? g_getenv("VNET_DNSMASQ_DIR") : "/var/lib/libvirt/dnsmasq";
	g_autoptr(GError) error = NULL;
	g_autoptr(vnet_port_watch) ports = NULL;
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
	for (;;) {
		struct pollfd p[2] = {
			{ .fd = fd, .events = POLLIN },
			{ .fd = vnet_port_watch_fd(ports), .events = POLLIN },
		};
		bool moved;
		/* A lease that expires changes no file: look again now and then. */
		int r = poll(p, G_N_ELEMENTS(p), 30 * 1000);
		if (r < 0 && errno != EINTR)
			break;
		if (r > 0 && (p[0].revents & POLLIN))
			drain(fd);
		moved = vnet_port_watch_changed(ports);
		g_clear_error(&error);
		if (!(moved ? vnet_hook_ports_changed(&error) : vnet_hook_guests_changed(&error)))
			g_printerr("vnetctl: %s\n", error->message);
	}
	close(fd);
	return EXIT_REFUSED;
}
