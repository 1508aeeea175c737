/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <stdarg.h>

#include <libintl.h>
#include <string.h>

#include <nettle/sha2.h>

#include "util.h"

struct vnet_sha256 {
	struct sha256_ctx ctx;
};

vnet_sha256 *vnet_sha256_new(void)
{
	vnet_sha256 *c = g_new(vnet_sha256, 1);

	sha256_init(&c->ctx);
	return c;
}

void vnet_sha256_update(vnet_sha256 *c, const void *data, size_t len)
{
	sha256_update(&c->ctx, len, data);
}

char *vnet_sha256_finish(vnet_sha256 *c)
{
	static const char hex[] = "0123456789abcdef";
	guint8 d[SHA256_DIGEST_SIZE];
	char *out = g_malloc(2 * SHA256_DIGEST_SIZE + 1);

	sha256_digest(&c->ctx, sizeof(d), d);
	g_free(c);
	for (guint i = 0; i < SHA256_DIGEST_SIZE; i++) {
		out[2 * i] = hex[d[i] >> 4];
		out[2 * i + 1] = hex[d[i] & 15];
	}
	out[2 * SHA256_DIGEST_SIZE] = '\0';
	return out;
}

char *vnet_sha256_string(const char *s)
{
	vnet_sha256 *c = vnet_sha256_new();

	vnet_sha256_update(c, s, strlen(s));
	return vnet_sha256_finish(c);
}

GQuark vnet_error_quark(void)
{
	return g_quark_from_static_string("vnet-error-quark");
}

/*
 * The library's messages live in its own gettext domain, bound when the
 * library is loaded, so a program that links libvnet gets them translated
 * without knowing our domain.
 */
__attribute__((constructor)) static void i18n_constructor(void)
{
	vnet_i18n_init();
}

void vnet_i18n_init(void)
{
	static gsize done;

	if (g_once_init_enter(&done)) {
		bindtextdomain(GETTEXT_PACKAGE, LOCALEDIR);
		bind_textdomain_codeset(GETTEXT_PACKAGE, "UTF-8");
		g_once_init_leave(&done, 1);
	}
}

void vnet_set_error(GError **error, vnet_error_code code, const char *fmt, ...)
{
	g_autofree char *raw = NULL, *valid = NULL;
	GString *out;
	va_list ap;

	if (!error)
		return;
	va_start(ap, fmt);
	raw = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	valid = g_utf8_make_valid(raw, -1);
	out = g_string_sized_new(strlen(valid));
	for (const char *p = valid; *p; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char(p);
		if (c < 0x20 || (c >= 0x7f && c < 0xa0))
			g_string_append_printf(out, "\\x%02x", c);
		else
			g_string_append_unichar(out, c);
	}
	g_set_error_literal(error, VNET_ERROR, code, out->str);
	g_string_free(out, TRUE);
}

bool vnet_name_is_valid(const char *s, size_t max)
{
	size_t len;

	if (!s || !g_ascii_isalnum(s[0]))
		return false;
	len = strlen(s);
	if (len > max)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!g_ascii_isalnum(s[i]) && s[i] != '_' && s[i] != '.' && s[i] != '-')
			return false;
	return true;
}

bool vnet_strv_equal0(char **a, char **b)
{
	if (!a || !b)
		return a == b;
	return g_strv_equal((const char *const *)a, (const char *const *)b);
}

bool vnet_mac_is_valid(const char *mac)
{
	if (!mac || strlen(mac) != 17)
		return false;
	for (guint i = 0; i < 17; i++)
		if (i % 3 == 2 ? mac[i] != ':' : !g_ascii_isxdigit(mac[i]) || g_ascii_isupper(mac[i]))
			return false;
	return true;
}

bool vnet_check_network_name(const char *s, GError **error)
{
	if (vnet_name_is_valid(s, VNET_NAME_MAX))
		return true;
	vnet_set_error(error, VNET_ERROR_INVALID,
		    _("\"%s\" is not a valid network name: use at most 64 letters, digits, \"_\", \".\" or \"-\", starting with a letter or digit."),
		    s ? s : "");
	return false;
}

bool vnet_check_ifname(const char *s, GError **error)
{
	if (vnet_name_is_valid(s, VNET_IFNAME_MAX))
		return true;
	vnet_set_error(error, VNET_ERROR_INVALID,
		    _("\"%s\" is not a valid interface name: use at most 15 letters, digits, \"_\", \".\" or \"-\", starting with a letter or digit."),
		    s ? s : "");
	return false;
}

bool vnet_check_domain_name(const char *s, GError **error)
{
	if (vnet_name_is_valid(s, VNET_NAME_MAX))
		return true;
	vnet_set_error(error, VNET_ERROR_INVALID,
		    _("\"%s\" is not a valid domain name: use at most 64 letters, digits, \"_\", \".\" or \"-\", starting with a letter or digit."),
		    s ? s : "");
	return false;
}

bool vnet_token_is_valid(const char *s)
{
	if (!s || strlen(s) != 16)
		return false;
	for (; *s; s++)
		if (!g_ascii_isxdigit(*s) || g_ascii_isupper(*s))
			return false;
	return true;
}

char *vnet_token_new(void)
{
	return g_strdup_printf("%08x%08x", g_random_int(), g_random_int());
}

char *vnet_concat_len(const char *first, gsize first_len, ...)
{
	gsize total = 0;
	const char *p;
	char *out, *d;
	va_list ap;

	va_start(ap, first_len);
	for (p = first, total = first_len; (p = va_arg(ap, const char *));)
		total += va_arg(ap, gsize);
	va_end(ap);
	d = out = g_malloc(total + 1);
	memcpy(d, first, first_len);
	d += first_len;
	va_start(ap, first_len);
	while ((p = va_arg(ap, const char *))) {
		gsize n = va_arg(ap, gsize);
		memcpy(d, p, n);
		d += n;
	}
	va_end(ap);
	*d = '\0';
	return out;
}

void vnet_key_file_append_string(GString *out, const char *key, const char *value)
{
	const char *p = value;
	size_t n = strlen(value), at;
	char *d;

	g_string_append(out, key);
	g_string_append_c(out, '=');
	/* Room for the worst case, written in place, a byte at a time: the runs between line ends are short. */
	at = out->len;
	g_string_set_size(out, at + 2 * n + 1);
	d = out->str + at;
	/* As GLib: blanks are \s and \t until the first other byte; line ends never end that. */
	for (; *p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'; p++) {
		*d++ = '\\';
		*d++ = *p == ' ' ? 's' : *p == '\t' ? 't' : *p == '\n' ? 'n' : 'r';
	}
	for (; *p; p++) {
		switch (*p) {
		case '\n':
			*d++ = '\\';
			*d++ = 'n';
			break;
		case '\r':
			*d++ = '\\';
			*d++ = 'r';
			break;
		case '\\':
			*d++ = '\\';
			*d++ = '\\';
			break;
		default:
			*d++ = *p;
		}
	}
	*d++ = '\n';
	g_string_truncate(out, (gsize)(d - out->str));
}
