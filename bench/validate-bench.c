/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * validate-bench: vnet_intent_validate() on a network with N forwards,
 * beside the pairwise clash check it replaced (issue 14), in one run.
 * Links the library's internals (libvnet-internal.a); reads nothing from
 * the system and needs no root.
 *
 *   validate-bench [RUNS]          N = 10, 10,000 and 65,535: the median and
 *                                  min-max over RUNS runs (default 3) of
 *                                  each, with the ratio
 *   validate-bench profile N       vnet_intent_validate() alone on N forwards,
 *                                  over and over for 2 s (for perf record)
 *   validate-bench check TRIALS    random small intents and hosts: the
 *                                  library and the baseline must refuse the
 *                                  same ones with the same message
 *
 * The intent: network "bench" (10.77.0.0/24, fd00:77::/64) with N TCP
 * forwards on every IPv4 address, ports 1 to N in a shuffled order, to the
 * default guest.  The host beside it: network "other" with 500 UDP and 500
 * IPv6 TCP forwards, 100 UDP listeners on every address and 100 TCP
 * listeners on [::1] (with N = 65,535 every IPv4 TCP port is taken).
 *
 * The baseline is the library's clash checks as they were before the index
 * (the loops of check_forwards_self and check_forwards_against in
 * src/lib/validate.c at commit dd510bf), copied here, with the IPv6 side
 * that a dual-stack network publishes for a forward without a host address
 * (issue 15, as validate.c's published()): each side against every earlier
 * one, every side of the other networks and every listener.  It is timed alone, while the library's figure is the whole
 * vnet_intent_validate() (each forward's own checks, names, subnets,
 * bridges), so the ratio understates the gain.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "util.h"

static void die(const char *what, GError *error)
{
	fprintf(stderr, "validate-bench: %s: %s\n", what, error ? error->message : "failed");
	exit(1);
}

/* ---- the baseline: the pairwise checks, as they were ---- */

static bool is_self(const vnet_intent *intent, const vnet_intent *other)
{
	return intent->name && g_strcmp0(intent->name, other->name) == 0;
}

/* The pairwise part of the old check_forwards_self(); the checks of each forward alone are left out. */
/*
 * A forward as it is published (validate.c's published()): itself and, for
 * one without a host address to the default guest of a dual-stack network
 * (vnet_forward_is_dual()), its IPv6 side, which claims the same ports on
 * every IPv6 address.  Clashes are between sides, named by their forwards.
 */
static GPtrArray *old_sides(const vnet_intent *in, GPtrArray *origins, GPtrArray *clones)
{
	GPtrArray *a = g_ptr_array_new();

	for (guint i = 0; i < in->forwards->len; i++) {
		vnet_forward *f = in->forwards->pdata[i];

		g_ptr_array_add(a, f);
		g_ptr_array_add(origins, f);
		if (vnet_forward_is_dual(in, f)) {
			vnet_forward *v6 = vnet_forward_copy(f);
			v6->family = AF_INET6;
			g_ptr_array_add(clones, v6);
			g_ptr_array_add(a, v6);
			g_ptr_array_add(origins, f);
		}
	}
	return a;
}

/* The pairwise part of the old check_forwards_self(); the checks of each forward alone are left out. */
static bool old_check_forwards_self(const vnet_intent *in, GError **error)
{
	g_autoptr(GPtrArray) clones = g_ptr_array_new_with_free_func((GDestroyNotify)vnet_forward_free);
	g_autoptr(GPtrArray) origins = g_ptr_array_new();
	g_autoptr(GPtrArray) sides = old_sides(in, origins, clones);

	for (guint i = 0; i < sides->len; i++) {
		const vnet_forward *f = sides->pdata[i];
		g_autofree char *spec = vnet_forward_format(origins->pdata[i]);

		for (guint j = 0; j < i; j++) {
			const vnet_forward *o = sides->pdata[j];
			if (vnet_forward_clashes(f, o)) {
				g_autofree char *os = vnet_forward_format(origins->pdata[j]);
				vnet_set_error(error, VNET_ERROR_CONFLICT,
					    _("The forward \"%s\" uses the same host address, port and protocol as the forward \"%s\" of network \"%s\"; pick another host port."),
					    spec, os, in->name);
				return false;
			}
		}
	}
	return true;
}

static bool old_check_forwards_against(const vnet_intent *in, const vnet_host *host,
				       unsigned flags, GError **error)
{
	g_autoptr(GPtrArray) clones = g_ptr_array_new_with_free_func((GDestroyNotify)vnet_forward_free);
	g_autoptr(GPtrArray) origins = g_ptr_array_new();
	g_autoptr(GPtrArray) sides = old_sides(in, origins, clones);

	for (guint i = 0; i < sides->len; i++) {
		const vnet_forward *f = sides->pdata[i];
		g_autofree char *spec = vnet_forward_format(origins->pdata[i]);

		for (guint j = 0; j < host->intents->len; j++) {
			const vnet_intent *o = host->intents->pdata[j];
			if (is_self(in, o) || o->mode == VNET_MODE_OVERLAY)
				continue;
			g_autoptr(GPtrArray) oorigins = g_ptr_array_new();
			g_autoptr(GPtrArray) osides = old_sides(o, oorigins, clones);
			for (guint k = 0; k < osides->len; k++) {
				const vnet_forward *of = osides->pdata[k];
				if (vnet_forward_clashes(f, of)) {
					g_autofree char *os = vnet_forward_format(oorigins->pdata[k]);
					vnet_set_error(error, VNET_ERROR_CONFLICT,
						    _("The forward \"%s\" uses the same host address, port and protocol as the forward \"%s\" of network \"%s\"; pick another host port."),
						    spec, os, o->name);
					return false;
				}
			}
		}
		if (flags & VNET_VALIDATE_FORCE)
			continue;
		for (guint j = 0; j < host->listeners->len; j++) {
			const vnet_host_listener *l = &g_array_index(host->listeners, vnet_host_listener, j);
			bool addr_clash = !l->has_addr || !f->has_host_addr ||
					  vnet_addr_equal(&l->addr, &f->host_addr);
			if (l->proto == f->proto && l->port >= f->host_port && l->port <= f->host_port_end &&
			    addr_clash && (!l->has_addr || l->addr.family == f->family)) {
				vnet_set_error(error, VNET_ERROR_CONFLICT,
					    _("The forward \"%s\" would take port %u/%s from a local process that listens on it (sshd, say); pick another host port, or use --force if that is what you want."),
					    spec, l->port, vnet_proto_to_string(l->proto));
				return false;
			}
		}
	}
	return true;
}

static bool baseline(const vnet_intent *in, const vnet_host *host, unsigned flags, GError **error)
{
	return old_check_forwards_self(in, error) && old_check_forwards_against(in, host, flags, error);
}

/* ---- the scenario ---- */

/* Straight into the array: vnet_intent_add_forward checks clashes, O(N) each. */
static void push(vnet_intent *in, const char *spec)
{
	g_autoptr(GError) error = NULL;
	vnet_forward *f = vnet_forward_parse(spec, &error);

	if (!f)
		die(spec, error);
	g_ptr_array_add(in->forwards, f);
}

static vnet_intent *net(const char *name, const char *subnet4, const char *subnet6)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(vnet_host) empty = vnet_host_new();
	vnet_intent *in = vnet_intent_new(name, VNET_MODE_NAT, &error);

	if (!in || !vnet_intent_set_subnet(in, subnet4, &error) ||
	    !vnet_intent_set_subnet(in, subnet6, &error) || !vnet_intent_complete(in, empty, &error))
		die(name, error);
	return in;
}

static vnet_intent *bench_intent(guint n)
{
	vnet_intent *in = net("bench", "10.77.0.0/24", "fd00:77::/64");
	g_autoptr(GRand) rand = g_rand_new_with_seed(14);
	g_autofree guint *ports = g_new(guint, n);

	for (guint i = 0; i < n; i++)
		ports[i] = i + 1;
	for (guint i = n - 1; i > 0; i--) {
		guint j = g_rand_int_range(rand, 0, i + 1), t = ports[i];
		ports[i] = ports[j];
		ports[j] = t;
	}
	for (guint i = 0; i < n; i++) {
		char spec[64];
		g_snprintf(spec, sizeof(spec), "%u:80", ports[i]);
		push(in, spec);
	}
	return in;
}

static vnet_host *bench_host(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(vnet_intent) other = net("other", "10.78.0.0/24", "fd00:78::/64");
	vnet_host *host = vnet_host_new();

	for (guint p = 1; p <= 500; p++) {
		char spec[64];
		g_snprintf(spec, sizeof(spec), "%u:80/udp", p);
		push(other, spec);
		g_snprintf(spec, sizeof(spec), "[::]:%u:[fd00:78::2]:80", p);
		push(other, spec);
	}
	vnet_host_add_intent(host, other);
	for (guint p = 0; p < 100; p++)
		if (!vnet_host_add_listener(host, "udp", NULL, 60000 + p, &error) ||
		    !vnet_host_add_listener(host, "tcp", "::1", 1000 + p, &error))
			die("listener", error);
	return host;
}

/* ---- timing ---- */

typedef bool (*validate_fn)(const vnet_intent *in, const vnet_host *host, unsigned flags,
			    GError **error);

/* Microseconds per call of @fn, over enough calls to take 50 ms or more. */
static double time_one(validate_fn fn, const vnet_intent *in, const vnet_host *host)
{
	guint calls = 0;
	gint64 t0 = g_get_monotonic_time(), t;

	do {
		g_autoptr(GError) error = NULL;
		if (!fn(in, host, 0, &error))
			die("the scenario is refused", error);
		calls++;
		t = g_get_monotonic_time();
	} while (t - t0 < 50000);
	return (double)(t - t0) / calls;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* "31.4 us", "12.4 ms", "15.2 s" */
static char *fmt_us(double us)
{
	if (us < 1000)
		return g_strdup_printf("%.1f us", us);
	if (us < 1000000)
		return g_strdup_printf("%.1f ms", us / 1000);
	return g_strdup_printf("%.1f s", us / 1000000);
}

static char *fmt_spread(const double *v, guint n)
{
	g_autofree char *med = fmt_us(v[n / 2]);
	g_autofree char *lo = fmt_us(v[0]);
	g_autofree char *hi = fmt_us(v[n - 1]);

	return g_strdup_printf("%s (%s - %s)", med, lo, hi);
}

static int cmd_time(guint runs)
{
	static const guint sizes[] = { 10, 10000, 65535 };
	g_autoptr(vnet_host) host = bench_host();

	printf("vnet_intent_validate() on one network with N forwards, beside the pairwise baseline\n");
	printf("median (min - max) of %u runs, each of as many calls as take 50 ms\n", runs);
	printf("   %6s   %-30s %-30s %9s\n", "N", "vnet_intent_validate", "baseline: pairwise checks",
	       "baseline/new");
	for (size_t s = 0; s < G_N_ELEMENTS(sizes); s++) {
		g_autoptr(vnet_intent) in = bench_intent(sizes[s]);
		g_autofree double *now = g_new(double, runs);
		g_autofree double *old = g_new(double, runs);

		/* Interleaved, so that drift in the machine's load falls on both alike. */
		for (guint r = 0; r < runs; r++) {
			now[r] = time_one(vnet_intent_validate, in, host);
			old[r] = time_one(baseline, in, host);
		}
		qsort(now, runs, sizeof(double), cmp_double);
		qsort(old, runs, sizeof(double), cmp_double);
		g_autofree char *a = fmt_spread(now, runs);
		g_autofree char *b = fmt_spread(old, runs);
		printf("   %6u   %-30s %-30s %9.1f\n", sizes[s], a, b, old[runs / 2] / now[runs / 2]);
		fflush(stdout);
	}
	return 0;
}

static int cmd_profile(guint n)
{
	g_autoptr(vnet_host) host = bench_host();
	g_autoptr(vnet_intent) in = bench_intent(n);
	gint64 t0 = g_get_monotonic_time();
	guint calls = 0;

	while (g_get_monotonic_time() - t0 < 2000000) {
		g_autoptr(GError) error = NULL;
		if (!vnet_intent_validate(in, host, 0, &error))
			die("the scenario is refused", error);
		calls++;
	}
	printf("%u calls in 2 s\n", calls);
	return 0;
}

/* ---- the library against the baseline, on random cases ---- */

static const char *pick(GRand *rand, const char *const *v, guint n)
{
	return v[g_rand_int_range(rand, 0, n)];
}

/* A random forward of few addresses and ports, so that clashes are common. */
static void push_random(vnet_intent *in, GRand *rand, const char *guest6)
{
	static const char *const v4[] = { "", "0.0.0.0:", "127.0.0.1:", "192.168.1.5:" };
	static const char *const v6[] = { "[::]:", "[2001:db8::1]:", "[2001:db8::5]:" };
	static const char *const protos[] = { "tcp", "udp", "sctp" };
	guint lo = g_rand_int_range(rand, 1, 40);
	guint hi = g_rand_boolean(rand) ? lo : lo + g_rand_int_range(rand, 0, 10);
	bool six = g_rand_int_range(rand, 0, 4) == 0;
	char spec[128];

	if (six)
		g_snprintf(spec, sizeof(spec), "%s%u-%u:[%s]:%u-%u/%s", pick(rand, v6, G_N_ELEMENTS(v6)),
			   lo, hi, guest6, lo, hi, pick(rand, protos, G_N_ELEMENTS(protos)));
	else
		g_snprintf(spec, sizeof(spec), "%s%u-%u:%u-%u/%s", pick(rand, v4, G_N_ELEMENTS(v4)),
			   lo, hi, lo, hi, pick(rand, protos, G_N_ELEMENTS(protos)));
	push(in, spec);
}

static void shuffle(GPtrArray *a, GRand *rand)
{
	for (guint i = a->len; i > 1; i--) {
		guint j = g_rand_int_range(rand, 0, i);
		gpointer t = a->pdata[i - 1];
		a->pdata[i - 1] = a->pdata[j];
		a->pdata[j] = t;
	}
}

/* 100 forwards that clash with nothing push_random() makes, on ports from @base. */
static void push_filler(vnet_intent *in, guint base)
{
	for (guint p = base; p < base + 100; p++) {
		char spec[64];
		g_snprintf(spec, sizeof(spec), "%u:80/%s", p, p % 2 ? "tcp" : "udp");
		push(in, spec);
	}
}

/*
 * Half the cases have 100 more forwards on each side and 100 more
 * listeners, on ports of their own: enough that the library checks through
 * its index, where without them it compares pairwise.
 */
static int cmd_check(guint trials)
{
	static const char *const laddrs[] = { NULL, "0.0.0.0", "::", "127.0.0.1", "192.168.1.5",
					      "::1", "2001:db8::1" };
	static const char *const protos[] = { "tcp", "udp", "sctp" };
	g_autoptr(GRand) rand = g_rand_new_with_seed(1414);
	guint refused = 0;

	for (guint t = 0; t < trials; t++) {
		g_autoptr(vnet_intent) in = net("bench", "10.77.0.0/24", "fd00:77::/64");
		g_autoptr(vnet_host) host = vnet_host_new();
		g_autoptr(GError) e_new = NULL, e_old = NULL;
		guint nothers = g_rand_int_range(rand, 0, 3);
		unsigned flags = g_rand_int_range(rand, 0, 4) == 0 ? VNET_VALIDATE_FORCE : 0;
		bool big = g_rand_boolean(rand);

		for (guint o = 0; o < nothers; o++) {
			g_autofree char *name = g_strdup_printf("other%u", o);
			g_autofree char *s4 = g_strdup_printf("10.%u.0.0/24", 80 + o);
			g_autofree char *s6 = g_strdup_printf("fd00:%u::/64", 80 + o);
			g_autoptr(vnet_intent) other = net(name, s4, s6);
			g_autofree char *guest6 = g_strdup_printf("fd00:%u::2", 80 + o);
			guint n = g_rand_int_range(rand, 0, 6);

			for (guint k = 0; k < n; k++)
				push_random(other, rand, guest6);
			if (big)
				push_filler(other, 40000 + 100 * o);
			shuffle(other->forwards, rand);
			vnet_host_add_intent(host, other);
		}
		for (guint l = g_rand_int_range(rand, 0, 4); l > 0; l--) {
			g_autoptr(GError) error = NULL;
			if (!vnet_host_add_listener(host, pick(rand, protos, G_N_ELEMENTS(protos)),
						    pick(rand, laddrs, G_N_ELEMENTS(laddrs)),
						    g_rand_int_range(rand, 1, 50), &error))
				die("listener", error);
		}
		for (guint p = 0; big && p < 100; p++) {
			g_autoptr(GError) error = NULL;
			if (!vnet_host_add_listener(host, "tcp", NULL, 45000 + p, &error))
				die("listener", error);
		}
		for (guint k = g_rand_int_range(rand, 0, 8); k > 0; k--)
			push_random(in, rand, "fd00:77::2");
		if (big)
			push_filler(in, 30000);
		shuffle(in->forwards, rand);

		bool ok_new = vnet_intent_validate(in, host, flags, &e_new);
		bool ok_old = baseline(in, host, flags, &e_old);
		if (ok_new != ok_old || (!ok_new && strcmp(e_new->message, e_old->message) != 0)) {
			fprintf(stderr, "validate-bench: case %u differs:\n  library:  %s\n  baseline: %s\n", t,
				ok_new ? "valid" : e_new->message, ok_old ? "valid" : e_old->message);
			return 1;
		}
		refused += !ok_new;
	}
	printf("%u cases, %u refused: the library and the baseline agree on all\n", trials, refused);
	return 0;
}

static guint num(const char *s)
{
	guint64 v;

	if (!g_ascii_string_to_unsigned(s, 10, 1, G_MAXUINT, &v, NULL))
		die(s, NULL);
	return v;
}

int main(int argc, char **argv)
{
	if (argc == 1)
		return cmd_time(3);
	if (argc == 2 && g_ascii_isdigit(argv[1][0]))
		return cmd_time(num(argv[1]));
	if (argc == 3 && strcmp(argv[1], "profile") == 0)
		return cmd_profile(num(argv[2]));
	if (argc == 3 && strcmp(argv[1], "check") == 0)
		return cmd_check(num(argv[2]));
	fprintf(stderr, "usage: validate-bench [RUNS] | profile N | check TRIALS\n");
	return 2;
}
