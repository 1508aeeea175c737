/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * vnet-bench: libvnet's nftables backend under load, for bench/run.sh.
 * Links the library's internals (libvnet-internal.a); run as root inside a
 * sandbox network namespace only (run.sh does that).
 *
 * The intents: network "bench" (bridge vnbr0, 10.77.0.0/24) with N
 * forwards: 8080 -> 10.77.0.2:80 (the one the traffic test uses), then
 * 10000, 10001, ... -> 10.77.0.(2 + i % 250):80.  Network "benchb" (vnbr1,
 * 10.78.0.0/24) has 10 forwards: a small network next to the big one.
 *
 *   vnet-bench apply FROM TO       converge "bench" from FROM to TO forwards
 *                                  (0: no intent; the table is created if missing)
 *   vnet-bench install N           time of apply(NULL, N forwards): one
 *                                  transaction (with the table commands in it
 *                                  when the table is missing)
 *   vnet-bench addone N REPS       with "bench" at N forwards, time adding one
 *                                  forward REPS times (each removed again):
 *                                  bare libnftables, vnet_nft_apply on "bench"
 *                                  (and its diff alone, dry), vnet_nft_apply on
 *                                  "benchb" (warm context, and a fresh one each
 *                                  time as a command has), the nft program
 *   vnet-bench add1 small|big N    one fresh process adds one forward to benchb
 *                                  (small) or bench (big, at N forwards), then
 *                                  removes it; prints its time and VmHWM
 *   vnet-bench list                time of listing our table: `nft -j list
 *                                  table inet vnetctl` and vnet_nft_read_elements
 *   vnet-bench time PROG ARGS...   run PROG (its output to /dev/null), print its wall time and peak RSS
 *   vnet-bench guard N BRIDGE MAC IP [PORT...]
 *                                  the guard of network "bguard" (BRIDGE,
 *                                  10.80.0.0/16) with N reservations: MAC IP
 *                                  first, then 02:00:00:..  -> 10.80.x.y, and
 *                                  PORTs guarded (bench/guard.sh)
 *
 * Output: one "NAME VALUE" line per figure (microseconds, kB or counts), for
 * run.sh to collect.  Exit status 0, or 1 on the first failure.
 */
#include "config.h"

#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <nftables/libnftables.h>

#include "guests.h"
#include "model.h"
#include "nft.h"

#define NFT_PROG "/usr/sbin/nft"
#define EXTRA_PORT 61000	/* the added forward: 61000 + rep */

extern char **environ;

static void die(const char *what, GError *error)
{
	fprintf(stderr, "vnet-bench: %s: %s\n", what, error ? error->message : "failed");
	exit(1);
}

static gint64 now_us(void)
{
	return g_get_monotonic_time();
}

static long vm_hwm_kb(void)
{
	g_autofree char *s = NULL;
	const char *p;

	if (!g_file_get_contents("/proc/self/status", &s, NULL, NULL) || !(p = strstr(s, "VmHWM:")))
		return -1;
	return strtol(p + 6, NULL, 10);
}

static void add_spec(vnet_intent *in, const char *spec)
{
	g_autoptr(GError) error = NULL;
	vnet_forward *f = vnet_forward_parse(spec, &error);

	if (!f)
		die(spec, error);
	/* straight into the array: vnet_intent_add_forward checks clashes, O(N) each */
	g_ptr_array_add(in->forwards, f);
}

/* "bench" with @n forwards (see the top), or NULL for 0. */
static vnet_intent *big_intent(guint n)
{
	g_autoptr(GError) error = NULL;
	vnet_intent *in;

	if (n == 0)
		return NULL;
	if (n > 1 + (EXTRA_PORT - 10000))
		die("too many forwards", NULL);
	in = vnet_intent_new("bench", VNET_MODE_NAT, &error);
	if (!in || !vnet_intent_set_bridge(in, "vnbr0", &error) ||
	    !vnet_intent_set_subnet(in, "10.77.0.0/24", &error))
		die("intent bench", error);
	add_spec(in, "8080:10.77.0.2:80");
	for (guint i = 0; i + 1 < n; i++) {
		char spec[64];
		g_snprintf(spec, sizeof(spec), "%u:10.77.0.%u:80", 10000 + i, 2 + i % 250);
		add_spec(in, spec);
	}
	return in;
}

static vnet_intent *small_intent(void)
{
	g_autoptr(GError) error = NULL;
	vnet_intent *in = vnet_intent_new("benchb", VNET_MODE_NAT, &error);

	if (!in || !vnet_intent_set_bridge(in, "vnbr1", &error) ||
	    !vnet_intent_set_subnet(in, "10.78.0.0/24", &error))
		die("intent benchb", error);
	for (guint i = 0; i < 10; i++) {
		char spec[64];
		g_snprintf(spec, sizeof(spec), "%u:10.78.0.%u:80", 7000 + i, 2 + i);
		add_spec(in, spec);
	}
	return in;
}

static vnet_intent *plus_one(const vnet_intent *in, const char *net, guint rep)
{
	vnet_intent *c = vnet_intent_copy(in);
	char spec[64];

	g_snprintf(spec, sizeof(spec), "%u:%s.0.3:80", EXTRA_PORT + rep, net);
	add_spec(c, spec);
	return c;
}

static gint64 timed_apply(vnet_nft *nft, const vnet_intent *old, const vnet_intent *new)
{
	g_autoptr(GError) error = NULL;
	gint64 t0 = now_us();

	if (!vnet_nft_apply(nft, old, new, NULL, false, NULL, &error))
		die("vnet_nft_apply", error);
	return now_us() - t0;
}

static vnet_nft *nft_new(void)
{
	g_autoptr(GError) error = NULL;
	vnet_nft *nft = vnet_nft_new(&error);

	if (!nft)
		die("vnet_nft_new", error);
	return nft;
}

/* ---------------------------------------------------------------- stats */

static int cmp_i64(const void *a, const void *b)
{
	gint64 x = *(const gint64 *)a, y = *(const gint64 *)b;
	return x < y ? -1 : x > y;
}

/* NAME_med, NAME_p90 (the 90th percentile), NAME_first (the first rep) */
static void report(const char *name, gint64 *v, guint n)
{
	gint64 first = v[0];

	qsort(v, n, sizeof(*v), cmp_i64);
	printf("%s_med %" G_GINT64_FORMAT "\n", name, v[n / 2]);
	printf("%s_p90 %" G_GINT64_FORMAT "\n", name, v[(n * 9) / 10 < n ? (n * 9) / 10 : n - 1]);
	printf("%s_first %" G_GINT64_FORMAT "\n", name, first);
	fflush(stdout);
}

/* ------------------------------------------------ bare libnftables, nft */

static struct nft_ctx *bare_ctx(void)
{
	struct nft_ctx *ctx = nft_ctx_new(NFT_CTX_DEFAULT);

	if (!ctx || nft_ctx_buffer_output(ctx) || nft_ctx_buffer_error(ctx))
		die("nft_ctx_new", NULL);
	return ctx;
}

static void bare_run(struct nft_ctx *ctx, const char *cmd)
{
	if (nft_run_cmd_from_buffer(ctx, cmd) != 0) {
		fprintf(stderr, "vnet-bench: %s: %s", cmd, nft_ctx_get_error_buffer(ctx));
		exit(1);
	}
}

static char *elem_cmd(const char *verb, guint rep)
{
	return g_strdup_printf("%s element inet vnetctl fwd4 { tcp . %u : 10.77.0.3 . 80 }",
			       verb, EXTRA_PORT + rep);
}

/* Run a program, wait for it; its wall time in microseconds. */
static gint64 spawn_time(char **argv)
{
	gint64 t0 = now_us();
	pid_t pid;
	int st;

	if (posix_spawn(&pid, argv[0], NULL, NULL, argv, environ) != 0)
		die(argv[0], NULL);
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
		die(argv[0], NULL);
	return now_us() - t0;
}

/* ------------------------------------------------------------- commands */

static int cmd_apply(guint from, guint to)
{
	g_autoptr(vnet_nft) nft = nft_new();
	g_autoptr(vnet_intent) a = big_intent(from);
	g_autoptr(vnet_intent) b = big_intent(to);
	g_autoptr(GError) error = NULL;
	gint64 t;

	if (!vnet_nft_ensure_table(nft, &error))
		die("ensure table", error);
	t = timed_apply(nft, a, b);
	printf("apply_us %" G_GINT64_FORMAT "\nhwm_kb %ld\n", t, vm_hwm_kb());
	return 0;
}

static int cmd_install(guint n)
{
	g_autoptr(vnet_nft) nft = nft_new();
	g_autoptr(vnet_intent) b = big_intent(n);
	gint64 t = timed_apply(nft, NULL, b);

	printf("install_us %" G_GINT64_FORMAT "\nhwm_kb %ld\n", t, vm_hwm_kb());
	return 0;
}

static int cmd_addone(guint n, guint reps)
{
	g_autoptr(vnet_nft) nft = nft_new();
	g_autoptr(vnet_intent) big = big_intent(n);
	g_autoptr(vnet_intent) small = small_intent();
	g_autofree gint64 *v = g_new0(gint64, reps);
	struct nft_ctx *ctx = bare_ctx();

	/* (a) the bare libnftables call: one "add element" */
	for (guint r = 0; r < reps; r++) {
		g_autofree char *add = elem_cmd("add", r);
		g_autofree char *del = elem_cmd("delete", r);
		gint64 t0 = now_us();
		bare_run(ctx, add);
		v[r] = now_us() - t0;
		bare_run(ctx, del);
	}
	report("bare", v, reps);

	/* (b) vnet_nft_apply, intents differing by one forward: the network holding all N */
	for (guint r = 0; r < reps; r++) {
		g_autoptr(vnet_intent) more = plus_one(big, "10.77", r);
		v[r] = timed_apply(nft, big, more);
		timed_apply(nft, more, big);
	}
	report("apply_big", v, reps);

	/* ... of which the user-space part: the same diff, sent nowhere */
	for (guint r = 0; r < reps; r++) {
		g_autoptr(vnet_intent) more = plus_one(big, "10.77", r);
		gint64 t0 = now_us();
		g_free(vnet_nft_diff_commands(big, more, NULL));
		v[r] = now_us() - t0;
	}
	report("diff_big", v, reps);

	/* (b) the same on a 10-forward network while N exist in the table */
	timed_apply(nft, NULL, small);
	for (guint r = 0; r < reps; r++) {
		g_autoptr(vnet_intent) more = plus_one(small, "10.78", r);
		v[r] = timed_apply(nft, small, more);
		timed_apply(nft, more, small);
	}
	report("apply_small", v, reps);

	/* (b) as a vnetctl command does it: a fresh context each time */
	for (guint r = 0; r < reps; r++) {
		g_autoptr(vnet_intent) more = plus_one(small, "10.78", r);
		gint64 t0 = now_us();
		vnet_nft *fresh = nft_new();
		g_autoptr(GError) error = NULL;
		if (!vnet_nft_apply(fresh, small, more, NULL, false, NULL, &error))
			die("vnet_nft_apply", error);
		vnet_nft_free(fresh);
		v[r] = now_us() - t0;
		timed_apply(nft, more, small);
	}
	report("apply_fresh", v, reps);
	timed_apply(nft, small, NULL);

	/* (c) the nft program */
	for (guint r = 0; r < reps; r++) {
		g_autofree char *el = g_strdup_printf("{ tcp . %u : 10.77.0.3 . 80 }", EXTRA_PORT + r);
		g_autofree char *del = elem_cmd("delete", r);
		char *argv[] = { NFT_PROG, "add", "element", "inet", "vnetctl", "fwd4", el, NULL };
		v[r] = spawn_time(argv);
		bare_run(ctx, del);
	}
	report("nftprog", v, reps);
	nft_ctx_free(ctx);
	return 0;
}

static int cmd_add1(bool big, guint n)
{
	g_autoptr(vnet_nft) nft = nft_new();
	g_autoptr(vnet_intent) in = big ? big_intent(n) : small_intent();
	g_autoptr(vnet_intent) more = plus_one(in, big ? "10.77" : "10.78", 0);
	gint64 t;
	long hwm;

	if (!big)
		timed_apply(nft, NULL, in);
	t = timed_apply(nft, in, more);
	hwm = vm_hwm_kb();
	timed_apply(nft, more, big ? in : NULL);
	printf("add1_us %" G_GINT64_FORMAT "\nhwm_kb %ld\n", t, hwm);
	return 0;
}

static int cmd_time(char **argv)
{
	struct rusage ru;
	posix_spawn_file_actions_t fa;
	gint64 t0;
	pid_t pid;
	int st;

	/*
	 * The program's output to /dev/null, as "time CMD >/dev/null": through
	 * the caller's $(...), bash storing show's 6 MB at 65,535 forwards was
	 * timed with it.
	 */
	if (posix_spawn_file_actions_init(&fa) != 0 ||
	    posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0) != 0)
		die("posix_spawn_file_actions", NULL);
	t0 = now_us();
	if (posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ) != 0)
		die(argv[0], NULL);
	posix_spawn_file_actions_destroy(&fa);
	if (wait4(pid, &st, 0, &ru) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
		die(argv[0], NULL);
	printf("wall_us %" G_GINT64_FORMAT "\nmaxrss_kb %ld\n", now_us() - t0, ru.ru_maxrss);
	/* the program's own CPU time (not libvirtd's): user space, and the kernel's for it */
	printf("utime_us %ld\nstime_us %ld\n", (long)ru.ru_utime.tv_sec * 1000000L + ru.ru_utime.tv_usec,
	       (long)ru.ru_stime.tv_sec * 1000000L + ru.ru_stime.tv_usec);
	return 0;
}

static int cmd_list(void)
{
	g_autoptr(vnet_nft) nft = nft_new();
	g_autoptr(GPtrArray) lines = NULL;
	g_autoptr(GError) error = NULL;
	char *argv[] = { NFT_PROG, "-j", "list", "table", "inet", "vnetctl", NULL };
	gint64 t0;
	int devnull = dup(STDOUT_FILENO);

	/* the program's output to /dev/null, ours kept */
	fflush(stdout);
	if (!freopen("/dev/null", "w", stdout))
		die("/dev/null", NULL);
	t0 = spawn_time(argv);
	fflush(stdout);
	dup2(devnull, STDOUT_FILENO);
	close(devnull);
	printf("list_nft_us %" G_GINT64_FORMAT "\n", t0);

	t0 = now_us();
	if (!vnet_nft_read_elements(nft, &lines, &error))
		die("vnet_nft_read_elements", error);
	printf("list_lib_us %" G_GINT64_FORMAT "\nlist_lib_n %u\n", now_us() - t0, lines->len);
	return 0;
}

static int cmd_guard(guint n, const char *bridge, const char *mac, const char *ip, char **ports)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(vnet_intent) in = vnet_intent_new("bguard", VNET_MODE_NAT, &error);
	g_autoptr(GHashTable) guests = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	vnet_nft *nft = nft_new();
	gint64 t;

	if (!in || !vnet_intent_set_bridge(in, bridge, &error) ||
	    !vnet_intent_set_subnet(in, "10.80.0.0/16", &error))
		die("intent bguard", error);
	if (n > 250 * 250)
		die("too many reservations", NULL);
	if (n > 0)
		g_hash_table_insert(guests, g_strconcat(VNET_GUESTS_MAC_KEY, mac, NULL), g_strdup(ip));
	for (guint i = 1; i < n; i++)
		g_hash_table_insert(guests, g_strdup_printf(VNET_GUESTS_MAC_KEY "02:00:00:%02x:%02x:%02x",
							    i >> 16, (i >> 8) & 0xff, i & 0xff),
				    g_strdup_printf("10.80.%u.%u", 1 + i / 250, 2 + i % 250));
	for (guint i = 0; ports[i]; i++)
		g_hash_table_insert(guests, g_strconcat(VNET_GUESTS_PORT_KEY, ports[i], NULL), g_strdup(bridge));
	t = now_us();
	if (!vnet_nft_apply(nft, NULL, in, guests, false, NULL, &error))
		die("vnet_nft_apply", error);
	printf("guard_install_us %" G_GINT64_FORMAT "\n", now_us() - t);
	vnet_nft_free(nft);
	return 0;
}

static guint num(const char *s)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);

	if (*end || v > 1000000)
		die(s, NULL);
	return v;
}

int main(int argc, char **argv)
{
	if (argc == 4 && strcmp(argv[1], "apply") == 0)
		return cmd_apply(num(argv[2]), num(argv[3]));
	if (argc == 3 && strcmp(argv[1], "install") == 0)
		return cmd_install(num(argv[2]));
	if (argc == 4 && strcmp(argv[1], "addone") == 0 && num(argv[3]) > 0)
		return cmd_addone(num(argv[2]), num(argv[3]));
	if (argc == 4 && strcmp(argv[1], "add1") == 0)
		return cmd_add1(strcmp(argv[2], "big") == 0, num(argv[3]));
	if (argc >= 3 && strcmp(argv[1], "time") == 0)
		return cmd_time(argv + 2);
	if (argc == 2 && strcmp(argv[1], "list") == 0)
		return cmd_list();
	if (argc >= 6 && strcmp(argv[1], "guard") == 0)
		return cmd_guard(num(argv[2]), argv[3], argv[4], argv[5], argv + 6);
	fprintf(stderr, "usage: vnet-bench apply FROM TO | install N | addone N REPS |"
			" add1 small|big N | list | time PROG ARGS... | guard N BRIDGE MAC IP [PORT...]\n");
	return 2;
}
