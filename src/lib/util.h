/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * util: what every module of libvnet includes: gettext's _(), the error
 * domain, and the strict name rules that guard everything a user names
 * before it reaches XML, nftables, netlink or a path.
 */
#ifndef VNET_UTIL_H
#define VNET_UTIL_H

#include <stdbool.h>
#include <glib.h>
#include <glib/gi18n-lib.h>

#include <vnet/error.h>

/* The kernel's IFNAMSIZ less the NUL. */
#define VNET_IFNAME_MAX 15
/* Long enough for any sane network or domain name, short enough for paths. */
#define VNET_NAME_MAX 64

/* A takeover's token: 16 lower-case hex digits. */
bool vnet_token_is_valid(const char *s);
/* A new one, random. */
char *vnet_token_new(void);

/* Letters, digits, "_", "." and "-", starting with a letter or digit. */
bool vnet_name_is_valid(const char *s, size_t max);
bool vnet_check_network_name(const char *s, GError **error);
/* A MAC in canonical form: lower case hex digit pairs and colons, safe in a file name or an nft element. */
bool vnet_mac_is_valid(const char *mac);
/* Whether two NULL-terminated string vectors, either NULL, hold the same strings in the same order. */
bool vnet_strv_equal0(char **a, char **b);
bool vnet_check_ifname(const char *s, GError **error);
bool vnet_check_domain_name(const char *s, GError **error);

/*
 * g_set_error() in the VNET_ERROR domain, with the finished message made
 * safe to print: invalid UTF-8 and control characters that user input may
 * carry into it (a name, a spec, libxml2's quote of the input) are escaped,
 * so no message can move a terminal's cursor or break a UTF-8 reader.
 */
void vnet_set_error(GError **error, vnet_error_code code, const char *fmt, ...) G_GNUC_PRINTF(3, 4);

/*
 * SHA-256, as lower-case hex, the same as GLib's G_CHECKSUM_SHA256 but
 * through nettle, which uses the CPU's SHA instructions where it has them:
 * five times faster on the few MB of a network of 65,535 forwards, which
 * every command and hook event hashes (the approval digest, the record of
 * filled elements).
 */
typedef struct vnet_sha256 vnet_sha256;
vnet_sha256 *vnet_sha256_new(void);
void vnet_sha256_update(vnet_sha256 *c, const void *data, size_t len);
/* The digest, and @c freed. */
char *vnet_sha256_finish(vnet_sha256 *c);
char *vnet_sha256_string(const char *s);

/*
 * The line "KEY=VALUE\n" of a key file, appended to @out, VALUE escaped as
 * g_key_file_set_string() escapes it, to the byte, a run at a time: the
 * journal keeps a define's old XML (megabytes at 65,535 forwards), which
 * GLib escapes a byte at a time and then copies twice more.
 */
void vnet_key_file_append_string(GString *out, const char *key, const char *value);

/*
 * The concatenation of (const char *, gsize) pairs, a NULL pointer ending
 * them, in one allocation of the size it takes: printf's "%.*s" grows its
 * buffer by doubling, and the pieces here are network definitions of
 * megabytes.
 */
char *vnet_concat_len(const char *first, gsize first_len, ...) G_GNUC_NULL_TERMINATED;

/* Initialise gettext for the library's own domain, once. */
void vnet_i18n_init(void);

#endif
