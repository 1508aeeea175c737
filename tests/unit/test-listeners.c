/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The host's listeners through netlink sock_diag: sockets this test opens
 * on the loopback (read-only to the rest of the host) are found, or not,
 * as what they are: TCP and SCTP listening, a UDP server bound to its
 * port; never a TCP client, a connected UDP socket, or an unconnected UDP
 * client that sendto() bound to an ephemeral port.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "model.h"
#include "netlink.h"

/* Whether @h holds a listener @proto on @addr (NULL: every address) and @port. */
static bool holds(const vnet_host *h, vnet_proto proto, const char *addr, guint port)
{
	vnet_addr a = { 0 };

	if (addr)
		assert_true(vnet_addr_parse(addr, &a, NULL));
	for (guint i = 0; i < h->listeners->len; i++) {
		const vnet_host_listener *l = &g_array_index(h->listeners, vnet_host_listener, i);
		if (l->proto == proto && l->port == port && l->has_addr == (addr != NULL) &&
		    (!addr || vnet_addr_equal(&l->addr, &a)))
			return true;
	}
	return false;
}

static vnet_host *read_now(void)
{
	vnet_host *h = vnet_host_new();
	GError *error = NULL;

	if (!vnet_link_read_listeners(h, &error))
		fail_msg("vnet_link_read_listeners: %s", error->message);
	return h;
}

/* A socket of @type/@proto bound to 127.0.0.1:@port (0: the kernel picks); its port. */
static int bound4(int type, int proto, guint16 port, guint16 *ret_port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, type | SOCK_CLOEXEC, proto);

	if (fd < 0)
		return -1;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &len) < 0) {
		close(fd);
		return -1;
	}
	*ret_port = ntohs(sa.sin_port);
	return fd;
}

static guint16 port_of(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	assert_int_equal(getsockname(fd, (struct sockaddr *)&ss, &len), 0);
	return ntohs(ss.ss_family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
					     : ((struct sockaddr_in6 *)&ss)->sin6_port);
}

static void test_tcp(void **state)
{
	guint16 lport, cport;
	int l = bound4(SOCK_STREAM, 0, 0, &lport), c;
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = 0 };
	g_autoptr(vnet_host) h = NULL;

	(void)state;
	assert_true(l >= 0);
	assert_int_equal(listen(l, 4), 0);
	c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	to.sin_port = htons(lport);
	assert_int_equal(connect(c, (struct sockaddr *)&to, sizeof(to)), 0);
	cport = port_of(c);

	h = read_now();
	assert_true(holds(h, VNET_PROTO_TCP, "127.0.0.1", lport));
	assert_false(holds(h, VNET_PROTO_TCP, "127.0.0.1", cport));	/* the client */
	close(c);
	close(l);
	g_clear_pointer(&h, vnet_host_free);
	h = read_now();
	assert_false(holds(h, VNET_PROTO_TCP, "127.0.0.1", lport));	/* closed: gone */
}

static void test_tcp6_any(void **state)
{
	struct sockaddr_in6 sa = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_ANY_INIT };
	int fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
	g_autoptr(vnet_host) h = NULL;

	(void)state;
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 4) < 0) {
		if (fd >= 0)
			close(fd);
		skip();
	}
	h = read_now();
	/* [::] is every address (of both families, unless IPV6_V6ONLY) */
	assert_true(holds(h, VNET_PROTO_TCP, NULL, port_of(fd)));
	close(fd);
}

static void test_udp(void **state)
{
	guint16 server = 0, client, connected;
	int s = -1, c, k;
	struct sockaddr_in to = { .sin_family = AF_INET };
	g_autoptr(vnet_host) h = NULL;

	(void)state;
	/* a server's explicit port, below the ephemeral range */
	for (guint16 p = 20000 + getpid() % 5000; s < 0 && p < 32000; p += 7)
		s = bound4(SOCK_DGRAM, 0, p, &server);
	assert_true(s >= 0);
	/* a client: sendto() without bind() or connect() autobinds an ephemeral port */
	c = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	to.sin_port = htons(server);
	assert_true(sendto(c, "x", 1, 0, (struct sockaddr *)&to, sizeof(to)) == 1);
	client = port_of(c);
	/* a connected one */
	k = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_int_equal(connect(k, (struct sockaddr *)&to, sizeof(to)), 0);
	connected = port_of(k);

	h = read_now();
	assert_true(holds(h, VNET_PROTO_UDP, "127.0.0.1", server));
	assert_false(holds(h, VNET_PROTO_UDP, NULL, client));
	assert_false(holds(h, VNET_PROTO_UDP, NULL, connected));
	assert_false(holds(h, VNET_PROTO_UDP, "127.0.0.1", connected));
	close(k);
	close(c);
	close(s);
}

static void test_sctp(void **state)
{
	guint16 port;
	int fd = bound4(SOCK_STREAM, IPPROTO_SCTP, 0, &port);
	g_autoptr(vnet_host) h = NULL;

	(void)state;
	if (fd < 0)
		skip();		/* no SCTP in this kernel */
	assert_int_equal(listen(fd, 4), 0);
	h = read_now();
	/* the kernel loads sctp_diag on the first dump, as it loaded sctp */
	assert_true(holds(h, VNET_PROTO_SCTP, "127.0.0.1", port));
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tcp),
		cmocka_unit_test(test_tcp6_any),
		cmocka_unit_test(test_udp),
		cmocka_unit_test(test_sctp),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
