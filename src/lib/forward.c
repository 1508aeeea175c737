/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The forward spec grammar, as people know it from `docker run -p`:
 *
 *   [HOST_IP:]HOST_PORT[-END]:[GUEST:]GUEST_PORT[-END][/tcp|/udp|/sctp]
 *
 * IPv6 addresses are bracketed ("[::1]:8080:80"); GUEST is an address or a
 * domain name.  Host address 0.0.0.0 or [::] means every local address.
 */
#include "config.h"

#include <arpa/inet.h>
#include <string.h>

#include "model.h"
#include "util.h"

#define SPEC_MAX 256

const char *vnet_proto_to_string(vnet_proto p)
{
	switch (p) {
	case VNET_PROTO_TCP:
		return "tcp";
	case VNET_PROTO_UDP:
		return "udp";
	case VNET_PROTO_SCTP:
		return "sctp";
	}
	return "?";
}

bool vnet_proto_from_string(const char *s, vnet_proto *ret)
{
	static const vnet_proto all[] = { VNET_PROTO_TCP, VNET_PROTO_UDP, VNET_PROTO_SCTP };

	for (size_t i = 0; i < G_N_ELEMENTS(all); i++)
		if (g_strcmp0(s, vnet_proto_to_string(all[i])) == 0) {
			*ret = all[i];
			return true;
		}
	return false;
}

struct vnet_forward_chunk {
	/*
	 * Its forwards not yet freed, counting every slot from the start (the
	 * pool hands them out without an atomic operation each), plus one
	 * while the pool fills it; the pool gives back what it did not use.
	 */
	gint live;
	vnet_forward f[];
};

/* Blocks grow to this many forwards: a small intent takes a small block. */
#define CHUNK_MAX 8192

static void chunk_drop(struct vnet_forward_chunk *c)
{
	if (g_atomic_int_dec_and_test(&c->live))
		g_free(c);
}

void vnet_forward_pool_clear(vnet_forward_pool *pool)
{
	gint back = (gint)(pool->size - pool->used) + 1;

	/* g_atomic_int_add() gives the count before. */
	if (pool->chunk && g_atomic_int_add(&pool->chunk->live, -back) == back)
		g_free(pool->chunk);
	*pool = (vnet_forward_pool){ 0 };
}

/* A slot of @pool's block for a forward, which the caller fills whole; its chunk is set. */
static vnet_forward *pool_new(vnet_forward_pool *pool)
{
	vnet_forward *f;

	if (!pool->chunk || pool->used == pool->size) {
		guint size = pool->size ? MIN(2 * pool->size, CHUNK_MAX) : 16;
		vnet_forward_pool_clear(pool);
		pool->chunk = g_malloc(sizeof(*pool->chunk) + size * sizeof(vnet_forward));
		pool->chunk->live = (gint)size + 1;
		pool->size = size;
	}
	f = &pool->chunk->f[pool->used++];
	f->chunk = pool->chunk;
	return f;
}

void vnet_forward_free(vnet_forward *f)
{
	if (!f)
		return;
	/*
	 * Another holder keeps it while the count before is above 0; at 0 it
	 * is ours alone (no one else can take it), and no atomic add is needed.
	 */
	if (g_atomic_int_get(&f->refs) > 0 && g_atomic_int_add(&f->refs, -1) > 0)
		return;
	g_free(f->guest_name);
	if (f->chunk)
		chunk_drop(f->chunk);
	else
		g_free(f);
}

vnet_forward *vnet_forward_copy(const vnet_forward *f)
{
	vnet_forward *c = g_memdup2(f, sizeof(*f));

	c->guest_name = g_strdup(f->guest_name);
	c->refs = 0;
	c->chunk = NULL;
	return c;
}

vnet_forward *vnet_forward_ref(vnet_forward *f)
{
	g_atomic_int_inc(&f->refs);
	return f;
}

/* @n characters at @s, all digits, 1 to 65535. */
static bool parse_port(const char *s, size_t n, guint16 *ret)
{
	guint v = 0;

	if (n < 1 || n > 5)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (!g_ascii_isdigit(s[i]))
			return false;
		v = v * 10 + (guint)(s[i] - '0');
	}
	if (v < 1 || v > 65535)
		return false;
	*ret = (guint16)v;
	return true;
}

/* "80" or "8000-8010". */
static bool parse_range(const char *spec, const char *s, guint16 *ret_lo, guint16 *ret_hi,
			GError **error)
{
	const char *dash = strchr(s, '-');
	guint16 lo, hi;
	bool ok;

	if (!dash)
		ok = parse_port(s, strlen(s), &lo);
	else
		ok = !strchr(dash + 1, '-') && parse_port(s, (size_t)(dash - s), &lo) &&
		     parse_port(dash + 1, strlen(dash + 1), &hi);
	if (!ok) {
		vnet_set_error(error, VNET_ERROR_INVALID,
			    _("In the forward \"%s\", \"%s\" is not a port or port range: ports go from 1 to 65535, a range is written 8000-8010."),
			    spec, s);
		return false;
	}
	if (!dash)
		hi = lo;
	if (hi < lo) {
		vnet_set_error(error, VNET_ERROR_INVALID,
			    _("In the forward \"%s\", the port range \"%s\" ends before it starts."),
			    spec, s);
		return false;
	}
	*ret_lo = lo;
	*ret_hi = hi;
	return true;
}

/*
 * Split @s in place at ':' outside brackets into at most @max fields (one
 * more than a spec has, so that too many are seen); a bracketed field keeps
 * its brackets so the caller knows it was written as an IPv6 address.  The
 * number of fields, or 0 for a bracket out of place.  In place: every
 * forward of a 65,535-forward intent is parsed on every read.
 */
static guint split_fields(char *s, char **fields, guint max)
{
	char *start = s;
	guint n = 0;

	for (char *p = s;; p++) {
		if (*p == '[') {
			const char *close = strchr(p, ']');
			if (p != start || !close || (close[1] != ':' && close[1] != '\0'))
				return 0;
			p += close - p;
			continue;
		}
		if (*p == ':' || *p == '\0') {
			bool end = *p == '\0';
			if (n == max)
				return n + 1;
			*p = '\0';
			fields[n++] = start;
			if (end)
				break;
			start = p + 1;
		}
	}
	return n;
}

static bool is_bracketed(const char *s)
{
	return s[0] == '[';
}

static bool parse_field_addr(const char *spec, const char *field, vnet_addr *ret, GError **error)
{
	g_autofree char *inner = NULL;
	vnet_addr a;

	if (is_bracketed(field)) {
		inner = g_strndup(field + 1, strlen(field) - 2);
		if (vnet_addr_parse(inner, &a, NULL) && a.family == AF_INET6) {
			*ret = a;
			return true;
		}
	} else if (vnet_addr_parse(field, &a, NULL) && a.family == AF_INET) {
		*ret = a;
		return true;
	}
	vnet_set_error(error, VNET_ERROR_INVALID,
		    _("In the forward \"%s\", \"%s\" is not an IPv4 address or a bracketed IPv6 address such as [2001:db8::1]."),
		    spec, field);
	return false;
}

static bool looks_like_ipv4(const char *s)
{
	return s[0] && strspn(s, "0123456789.") == strlen(s) && strchr(s, '.');
}

/* A port as the plain form writes it, before @end: 1 to 65535, no sign, no leading zero. */
static bool plain_port(const char **p, const char *end, guint16 *ret)
{
	const char *c = *p;
	guint v = 0;

	if (c == end || *c < '1' || *c > '9')
		return false;
	for (guint i = 0; i < 5 && c < end && g_ascii_isdigit(*c); i++, c++)
		v = v * 10 + (guint)(*c - '0');
	if ((c < end && g_ascii_isdigit(*c)) || v > 65535)
		return false;
	*ret = (guint16)v;
	*p = c;
	return true;
}

/*
 * HOST_PORT:GUEST_PORT[/PROTOCOL] from @spec to @end, the form most
 * forwards have, without the general split (an intent's forwards are
 * parsed on every read): into @f as vnet_forward_parse_full() would make
 * it, or false for any other form.
 */
static bool plain_into(const char *spec, const char *end, vnet_forward *f)
{
	const char *c = spec;
	guint16 host, guest;
	vnet_proto proto = VNET_PROTO_TCP;

	if (!plain_port(&c, end, &host) || c == end || *c++ != ':' || !plain_port(&c, end, &guest))
		return false;
	/* The protocol as vnet_proto_from_string() reads it, without a strcmp per name. */
	if (c < end && *c == '/') {
		gsize n = (gsize)(end - c - 1);
		char name[8];
		if (n == 3 && c[1] == 't' && c[2] == 'c' && c[3] == 'p')
			proto = VNET_PROTO_TCP;
		else if (n == 3 && c[1] == 'u' && c[2] == 'd' && c[3] == 'p')
			proto = VNET_PROTO_UDP;
		else if (n >= sizeof(name))
			return false;
		else {
			memcpy(name, c + 1, n);
			name[n] = '\0';
			if (!vnet_proto_from_string(name, &proto))
				return false;
		}
	} else if (c != end) {
		return false;
	}
	f->family = AF_INET;
	f->host_port = f->host_port_end = host;
	f->guest_port = f->guest_port_end = guest;
	f->guest_kind = VNET_GUEST_DEFAULT;
	f->proto = proto;
	return true;
}

static vnet_forward *parse_plain(vnet_forward_pool *pool, const char *spec, gsize n)
{
	vnet_forward p = { 0 }, *f;

	if (!plain_into(spec, spec + n, &p))
		return NULL;
	f = pool ? pool_new(pool) : g_new0(vnet_forward, 1);
	p.chunk = f->chunk;
	*f = p;
	return f;
}

vnet_forward *vnet_forward_parse(const char *spec, GError **error)
{
	return vnet_forward_parse_pooled(NULL, spec, error);
}

vnet_forward *vnet_forward_parse_pooled(vnet_forward_pool *pool, const char *spec, GError **error)
{
	return vnet_forward_parse_pooled_len(pool, spec, spec ? strlen(spec) : 0, error);
}

vnet_forward *vnet_forward_parse_pooled_len(vnet_forward_pool *pool, const char *spec, gsize n, GError **error)
{
	vnet_forward *f = spec ? parse_plain(pool, spec, n) : NULL;

	return f ? f : vnet_forward_parse_full(spec, error);
}

vnet_forward *vnet_forward_parse_full(const char *spec, GError **error)
{
	g_autoptr(vnet_forward) f = g_new0(vnet_forward, 1);
	char body[SPEC_MAX + 1], *fv[4];
	const char *slash, *host_ip = NULL, *host_ports, *guest = NULL, *guest_ports;
	vnet_proto proto;
	guint n;

	if (!spec || !*spec) {
		vnet_set_error(error, VNET_ERROR_INVALID,
			    _("A forward is empty; write it as HOST_PORT:GUEST_PORT, for example 8080:80."));
		return NULL;
	}
	/*
	 * These two messages show the spec escaped (\t, \033, \303...): an
	 * error message is printed, so it must be valid UTF-8 and must not carry
	 * terminal control sequences.
	 */
	if (strlen(spec) > SPEC_MAX || !g_str_is_ascii(spec)) {
		g_autofree char *head = g_strndup(spec, 64);
		g_autofree char *shown = g_strescape(head, NULL);
		vnet_set_error(error, VNET_ERROR_INVALID,
			    _("The forward \"%s\" is too long or has characters other than ASCII."), shown);
		return NULL;
	}
	for (const char *p = spec; *p; p++)
		if (!g_ascii_isgraph(*p)) {
			g_autofree char *shown = g_strescape(spec, NULL);
			vnet_set_error(error, VNET_ERROR_INVALID,
				    _("The forward \"%s\" contains a space or control character."), shown);
			return NULL;
		}

	slash = strrchr(spec, '/');
	proto = VNET_PROTO_TCP;
	if (slash && !vnet_proto_from_string(slash + 1, &proto)) {
		vnet_set_error(error, VNET_ERROR_INVALID,
			    _("In the forward \"%s\", \"%s\" is not a protocol: use tcp, udp or sctp."),
			    spec, slash + 1);
		return NULL;
	}
	f->proto = proto;
	n = slash ? (guint)(slash - spec) : (guint)strlen(spec);
	memcpy(body, spec, n);
	body[n] = '\0';
	n = split_fields(body, fv, G_N_ELEMENTS(fv));
	if (n < 2 || n > 4) {
		vnet_set_error(error, VNET_ERROR_INVALID,
			    _("The forward \"%s\" is not of the form [HOST_IP:]HOST_PORT[-END]:[GUEST:]GUEST_PORT[-END][/PROTOCOL]; IPv6 addresses go in brackets."),
			    spec);
		return NULL;
	}
	if (n == 4) {
		host_ip = fv[0];
		host_ports = fv[1];
		guest = fv[2];
		guest_ports = fv[3];
	} else if (n == 3 && (is_bracketed(fv[0]) || looks_like_ipv4(fv[0]))) {
		host_ip = fv[0];
		host_ports = fv[1];
		guest_ports = fv[2];
	} else if (n == 3) {
		host_ports = fv[0];
		guest = fv[1];
		guest_ports = fv[2];
	} else {
		host_ports = fv[0];
		guest_ports = fv[1];
	}

	f->family = AF_INET;
	if (host_ip) {
		if (!parse_field_addr(spec, host_ip, &f->host_addr, error))
			return NULL;
		f->family = f->host_addr.family;
		/* 0.0.0.0 and [::] mean "every address", as with docker -p. */
		static const guint8 zero[16];
		f->has_host_addr = memcmp(f->host_addr.b, zero, sizeof(zero)) != 0;
		if (!f->has_host_addr)
			memset(&f->host_addr, 0, sizeof(f->host_addr));
	}
	if (!parse_range(spec, host_ports, &f->host_port, &f->host_port_end, error) ||
	    !parse_range(spec, guest_ports, &f->guest_port, &f->guest_port_end, error))
		return NULL;
	if (f->host_port_end - f->host_port != f->guest_port_end - f->guest_port) {
		vnet_set_error(error, VNET_ERROR_INVALID,
			    _("In the forward \"%s\", the host ports \"%s\" and the guest ports \"%s\" are not ranges of the same length."),
			    spec, host_ports, guest_ports);
		return NULL;
	}

	if (!guest) {
		f->guest_kind = VNET_GUEST_DEFAULT;
	} else if (is_bracketed(guest) || looks_like_ipv4(guest)) {
		if (!parse_field_addr(spec, guest, &f->guest_addr, error))
			return NULL;
		if (host_ip && f->guest_addr.family != f->family) {
			vnet_set_error(error, VNET_ERROR_INVALID,
				    _("The forward \"%s\" mixes an IPv4 and an IPv6 address; the host and guest addresses must be of one family."),
				    spec);
			return NULL;
		}
		f->family = f->guest_addr.family;
		f->guest_kind = VNET_GUEST_ADDR;
	} else if (vnet_name_is_valid(guest, VNET_NAME_MAX) && strspn(guest, "0123456789") != strlen(guest)) {
		f->guest_kind = VNET_GUEST_NAME;
		f->guest_name = g_strdup(guest);
	} else {
		vnet_set_error(error, VNET_ERROR_INVALID,
			    _("In the forward \"%s\", the guest \"%s\" is neither an address nor a valid domain name."),
			    spec, guest);
		return NULL;
	}
	return g_steal_pointer(&f);
}

/*
 * Formatting into a buffer: an intent of 65,535 forwards formats them on
 * every write (the network XML, the approval digest), and a GString append
 * per field cost more than the formatting.  A spec is at most two bracketed
 * IPv6 addresses, a domain name and four ports long.
 */
#define FORMAT_MAX (2 * (INET6_ADDRSTRLEN + 3) + VNET_NAME_MAX + 2 + 4 * 6 + 6)

static char *put(char *c, const char *s)
{
	size_t n = strlen(s);

	memcpy(c, s, n);
	return c + n;
}

static char *put_addr_field(char *c, const vnet_addr *a)
{
	char buf[INET6_ADDRSTRLEN];

	if (!inet_ntop(a->family, a->b, buf, sizeof(buf)))
		g_strlcpy(buf, "?", sizeof(buf));	/* as vnet_addr_format() */
	if (a->family == AF_INET6)
		*c++ = '[';
	c = put(c, buf);
	if (a->family == AF_INET6)
		*c++ = ']';
	*c++ = ':';
	return c;
}

static char *put_port(char *c, guint16 p)
{
	guint n = p >= 10000 ? 5 : p >= 1000 ? 4 : p >= 100 ? 3 : p >= 10 ? 2 : 1;

	/* Right to left into its place: no scratch buffer, no copy. */
	for (guint i = n; i > 0; i--) {
		c[i - 1] = (char)('0' + p % 10);
		p /= 10;
	}
	return c + n;
}

static char *put_range(char *c, guint16 lo, guint16 hi)
{
	c = put_port(c, lo);
	if (lo != hi) {
		*c++ = '-';
		c = put_port(c, hi);
	}
	return c;
}

gsize vnet_forward_put(char *buf, const vnet_forward *f)
{
	char *c = buf;

	G_STATIC_ASSERT(FORMAT_MAX <= VNET_FORWARD_FORMAT_MAX);
	if (f->has_host_addr)
		c = put_addr_field(c, &f->host_addr);
	else if (f->family == AF_INET6 && f->guest_kind != VNET_GUEST_ADDR)
		c = put(c, "[::]:");
	c = put_range(c, f->host_port, f->host_port_end);
	*c++ = ':';
	if (f->guest_kind == VNET_GUEST_ADDR)
		c = put_addr_field(c, &f->guest_addr);
	else if (f->guest_kind == VNET_GUEST_NAME) {
		g_assert(strlen(f->guest_name) <= VNET_NAME_MAX);	/* vnet_forward_parse() made it */
		c = put(c, f->guest_name);
		*c++ = ':';
	}
	c = put_range(c, f->guest_port, f->guest_port_end);
	*c++ = '/';
	switch (f->proto) {	/* vnet_proto_to_string(), without the strlen */
	case VNET_PROTO_TCP:
		memcpy(c, "tcp", 3);
		c += 3;
		break;
	case VNET_PROTO_UDP:
		memcpy(c, "udp", 3);
		c += 3;
		break;
	default:
		c = put(c, vnet_proto_to_string(f->proto));
	}
	return (gsize)(c - buf);
}

void vnet_forward_append(GString *s, const vnet_forward *f)
{
	char buf[VNET_FORWARD_FORMAT_MAX];

	g_string_append_len(s, buf, vnet_forward_put(buf, f));
}

char *vnet_forward_format(const vnet_forward *f)
{
	char buf[VNET_FORWARD_FORMAT_MAX];

	return g_strndup(buf, vnet_forward_put(buf, f));
}

bool vnet_forward_same_host_side(const vnet_forward *a, const vnet_forward *b)
{
	return a->proto == b->proto && a->family == b->family && a->host_port == b->host_port &&
	       a->host_port_end == b->host_port_end && a->has_host_addr == b->has_host_addr &&
	       (!a->has_host_addr || vnet_addr_equal(&a->host_addr, &b->host_addr));
}

bool vnet_forward_clashes(const vnet_forward *a, const vnet_forward *b)
{
	if (a->proto != b->proto || a->family != b->family)
		return false;
	if (a->host_port_end < b->host_port || b->host_port_end < a->host_port)
		return false;
	if (a->has_host_addr && b->has_host_addr)
		return vnet_addr_equal(&a->host_addr, &b->host_addr);
	return true;
}

bool vnet_intent_check_forward_spec(const char *spec, GError **error)
{
	g_autoptr(vnet_forward) f = vnet_forward_parse(spec, error);

	return f != NULL;
}

/* The white space between specs, as read_forwards() (xml.c) splits them. */
static const bool blank[256] = { [' '] = true, ['\t'] = true, ['\r'] = true, ['\n'] = true };

bool vnet_forwards_text_foreach(const char *text, gsize len, vnet_forward_fn fn, void *data)
{
	const char *p = text, *end = text + len;
	char spec[SPEC_MAX + 1];

	while (p < end) {
		const char *s;
		vnet_forward plain = { 0 };
		g_autoptr(vnet_forward) full = NULL;
		bool stop;

		while (p < end && blank[(guchar)*p])
			p++;
		if (p == end)
			break;
		for (s = p; p < end && !blank[(guchar)*p]; p++)
			;
		if (plain_into(s, p, &plain)) {
			stop = fn(&plain, data);
		} else {
			/* Longer than any spec: not read here (the caller reads the intent as a whole). */
			if ((gsize)(p - s) > SPEC_MAX)
				return false;
			memcpy(spec, s, (gsize)(p - s));
			spec[p - s] = '\0';
			if (!(full = vnet_forward_parse_full(spec, NULL)))
				return false;
			stop = fn(full, data);
		}
		if (stop)
			break;
	}
	return true;
}

typedef struct host_side_job {
	const vnet_forward *f;
	vnet_forward *found;
} host_side_job;

static bool is_host_side(const vnet_forward *o, void *data)
{
	host_side_job *j = data;

	if (!vnet_forward_same_host_side(o, j->f))
		return false;
	j->found = vnet_forward_copy(o);
	return true;
}

bool vnet_forwards_text_find(const char *text, gsize len, const vnet_forward *f, vnet_forward **ret)
{
	host_side_job j = { f, NULL };

	if (!vnet_forwards_text_foreach(text, len, is_host_side, &j))
		return false;
	*ret = j.found;
	return true;
}
