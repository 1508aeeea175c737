/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * tcprate: new TCP connections per second, for bench/run.sh.
 *
 *   tcprate server PORT [THREADS]
 *       accept() and close() on 0.0.0.0:PORT, THREADS (default 1) threads.
 *   tcprate client ADDR PORT SECONDS [THREADS]
 *       each thread: socket, connect, close (SO_LINGER 0: an RST, so no
 *       TIME_WAIT anywhere and the port can be reused), over and over for
 *       SECONDS; prints "conns N errors E seconds S rate R".
 *
 * Every connection is a fresh 3-way handshake, so its first packet meets
 * the nat prerouting chain (later packets of a connection only meet
 * conntrack).  A connect() that gets no answer gives up after 1 s and
 * counts as an error; the client stops after SECONDS whatever happens.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static int listen_fd;
static struct sockaddr_in target;
static double seconds;
static atomic_ulong n_ok, n_err;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void *serve(void *arg)
{
	(void)arg;
	for (;;) {
		int fd = accept(listen_fd, NULL, NULL);
		if (fd >= 0)
			close(fd);
		else if (errno != EINTR && errno != ECONNABORTED)
			usleep(1000);
	}
	return NULL;
}

static void *hammer(void *arg)
{
	struct linger lg = { 1, 0 };
	struct timeval tv = { 1, 0 };
	double end = now() + seconds;
	unsigned long ok = 0, err = 0;

	(void)arg;
	/* the deadline is checked every connection: bounded */
	while (now() < end) {
		int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0) {
			err++;
			usleep(1000);
			continue;
		}
		setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));	/* bounds connect() */
		if (connect(fd, (struct sockaddr *)&target, sizeof(target)) == 0)
			ok++;
		else
			err++;
		close(fd);
	}
	atomic_fetch_add(&n_ok, ok);
	atomic_fetch_add(&n_err, err);
	return NULL;
}

static int usage(void)
{
	fprintf(stderr, "usage: tcprate server PORT [THREADS]\n"
			"       tcprate client ADDR PORT SECONDS [THREADS]\n");
	return 2;
}

int main(int argc, char **argv)
{
	pthread_t th[64];
	int nth = 1, one = 1;

	if (argc >= 3 && strcmp(argv[1], "server") == 0) {
		struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(atoi(argv[2])) };
		if (argc > 3)
			nth = atoi(argv[3]);
		if (nth < 1 || nth > 64)
			return usage();
		listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (listen_fd < 0 || setsockopt(listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
		    bind(listen_fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
		    listen(listen_fd, 65535) != 0) {
			perror("tcprate server");
			return 1;
		}
		for (int i = 1; i < nth; i++)
			pthread_create(&th[i], NULL, serve, NULL);
		serve(NULL);
		return 0;
	}
	if (argc >= 5 && strcmp(argv[1], "client") == 0) {
		double t0;
		target.sin_family = AF_INET;
		target.sin_port = htons(atoi(argv[3]));
		if (inet_pton(AF_INET, argv[2], &target.sin_addr) != 1)
			return usage();
		seconds = atof(argv[4]);
		if (argc > 5)
			nth = atoi(argv[5]);
		if (nth < 1 || nth > 64 || seconds <= 0 || seconds > 600)
			return usage();
		t0 = now();
		for (int i = 0; i < nth; i++)
			pthread_create(&th[i], NULL, hammer, NULL);
		for (int i = 0; i < nth; i++)
			pthread_join(th[i], NULL);
		t0 = now() - t0;
		printf("conns %lu errors %lu seconds %.3f rate %.0f\n", (unsigned long)n_ok,
		       (unsigned long)n_err, t0, n_ok / t0);
		return n_ok ? 0 : 1;
	}
	return usage();
}
