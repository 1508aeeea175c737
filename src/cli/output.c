/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <jansson.h>

#include "cli.h"

struct cli_out {
	json_t *root;		/* JSON mode: the document being built */
	json_t *cur;		/* the object fields go into */
	json_t *list;		/* the open list, if any */
	guint items;
	/* A list opened inside an item (one level): the item and its list, back at its end. */
	json_t *outer_cur, *outer_list;
};

char *cli_printable(const char *s)
{
	g_autofree char *valid = g_utf8_make_valid(s, -1);
	GString *out = g_string_sized_new(strlen(valid));

	for (const char *p = valid; *p; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char(p);
		if (c < 0x20 || (c >= 0x7f && c < 0xa0))
			g_string_append_printf(out, "\\x%02x", c);
		else
			g_string_append_unichar(out, c);
	}
	return g_string_free(out, FALSE);
}

const char *cli_tr(const char *s)
{
	return s && *s ? _(s) : "";
}

/*
 * A format cut once into its pieces, literal runs and arguments: show
 * formats one sentence per forward, and g_string_append() per piece was a
 * sixth of its time at 65,535.
 */
typedef struct fmt_piece {
	const char *s;		/* a literal run of @len bytes, or NULL: argument @arg */
	guint len, arg;
} fmt_piece;

typedef struct fmt_cache {
	char *fmt;		/* the pieces point into it */
	guint n_args;
	bool ok;		/* only %s and %N$s, each naming one of the n_args */
	GArray *p;		/* fmt_piece */
} fmt_cache;

static void fmt_compile(fmt_cache *c, const char *fmt, guint n_args)
{
	guint next = 0;

	g_free(c->fmt);
	c->fmt = g_strdup(fmt);
	c->n_args = n_args;
	c->ok = false;
	if (!c->p)
		c->p = g_array_new(FALSE, FALSE, sizeof(fmt_piece));
	g_array_set_size(c->p, 0);
	for (const char *p = c->fmt; *p;) {
		const char *pct = strchr(p, '%');
		fmt_piece piece = { 0 };

		if (!pct) {
			piece = (fmt_piece){ .s = p, .len = (guint)strlen(p) };
			g_array_append_val(c->p, piece);
			break;
		}
		if (pct > p) {
			piece = (fmt_piece){ .s = p, .len = (guint)(pct - p) };
			g_array_append_val(c->p, piece);
		}
		p = pct + 1;
		if (*p == '%') {
			piece = (fmt_piece){ .s = p++, .len = 1 };
		} else if (*p == 's') {
			piece = (fmt_piece){ .arg = next++ };
			p++;
		} else if (*p >= '1' && *p <= '9' && p[1] == '$' && p[2] == 's') {
			piece = (fmt_piece){ .arg = (guint)(*p - '1') };
			p += 3;
		} else {
			return;
		}
		if (!piece.s && piece.arg >= n_args)
			return;
		g_array_append_val(c->p, piece);
	}
	c->ok = true;
}

static const char *arg_text(const char *const *args, guint i)
{
	return args[i] ? args[i] : "(null)";
}

bool cli_format_append(GString *out, const char *fmt, const char *const *args, guint n_args)
{
	/* show alternates two sentences */
	static fmt_cache cache[2];
	static guint victim;
	fmt_cache *c = NULL;
	gsize total = 0, at = out->len, lens[16];
	char *d;

	for (guint k = 0; k < G_N_ELEMENTS(cache) && !c; k++)
		if (cache[k].fmt && cache[k].n_args == n_args && strcmp(cache[k].fmt, fmt) == 0)
			c = &cache[k];
	if (!c) {
		c = &cache[victim++ % G_N_ELEMENTS(cache)];
		fmt_compile(c, fmt, n_args);
	}
	if (!c->ok)
		return false;
	/* The lengths measured once (a sentence has a few pieces; past 16, measured again). */
	for (guint k = 0; k < c->p->len; k++) {
		const fmt_piece *p = &g_array_index(c->p, fmt_piece, k);
		gsize n = p->s ? p->len : strlen(arg_text(args, p->arg));
		if (k < G_N_ELEMENTS(lens))
			lens[k] = n;
		total += n;
	}
	g_string_set_size(out, at + total);
	d = out->str + at;
	for (guint k = 0; k < c->p->len; k++) {
		const fmt_piece *p = &g_array_index(c->p, fmt_piece, k);
		const char *src = p->s ? p->s : arg_text(args, p->arg);
		gsize n = k < G_N_ELEMENTS(lens) ? lens[k] : p->s ? p->len : strlen(src);
		memcpy(d, src, n);
		d += n;
	}
	return true;
}

char *cli_format_strings(const char *fmt, const char *const *args, guint n_args)
{
	g_autoptr(GString) s = g_string_sized_new(strlen(fmt) + 64);

	return cli_format_append(s, fmt, args, n_args) ? g_string_free(g_steal_pointer(&s), FALSE) : NULL;
}

/* The terminal columns @s takes: a wide (CJK) character takes two. */
static int display_cols(const char *s)
{
	int cols = 0;

	for (const char *p = s; *p; p = g_utf8_next_char(p))
		cols += g_unichar_iswide(g_utf8_get_char(p)) ? 2 : 1;
	return cols;
}

void cli_print_padded(FILE *f, const char *s, int width)
{
	int cols = display_cols(s);

	fputs(s, f);
	for (; cols < width; cols++)
		fputc(' ', f);
}

/* The width of a field's label in text output. */
#define LABEL_COLS 14

static void print_field(const char *label, const char *value)
{
	cli_print_padded(stdout, label, LABEL_COLS);
	printf(" %s\n", value);
}

cli_out *out_new(void)
{
	cli_out *o = g_new0(cli_out, 1);

	if (cli.json)
		o->root = o->cur = json_object();
	return o;
}

void out_string(cli_out *o, const char *key, const char *label, const char *value)
{
	if (o->root) {
		json_object_set_new(o->cur, key, value ? json_string(value) : json_null());
		return;
	}
	if (value && label)
		print_field(label, value);
}

void out_bool(cli_out *o, const char *key, bool value)
{
	if (o->root)
		json_object_set_new(o->cur, key, json_boolean(value));
}

/*
 * Text lines go out whenever this much is written: the same few pages
 * again for 65,535 lines, not megabytes touched once and grown by doubling.
 */
#define LINES_FLUSH (60 * 1024)

struct cli_lines {
	cli_out *o;
	const char *key;
	json_t *arr;		/* JSON: the values so far */
	GString *buf;		/* text: the lines so far; JSON: the value being written */
	char *head;		/* text: the label, padded */
	gsize nh;
	guint n;
};

cli_lines *out_lines_begin(cli_out *o, const char *key, const char *label)
{
	cli_lines *l = g_new0(cli_lines, 1);

	l->o = o;
	l->key = key;
	if (o->root) {
		l->arr = json_array();
		l->buf = g_string_new(NULL);
		return l;
	}
	/* The label padded once, the lines written a buffer at a time: show prints a line per forward, 65,535 of them. */
	{
		g_autoptr(GString) h = g_string_new(label);
		for (int cols = display_cols(label); cols < LABEL_COLS; cols++)
			g_string_append_c(h, ' ');
		g_string_append_c(h, ' ');
		l->nh = h->len;
		l->head = g_string_free(g_steal_pointer(&h), FALSE);
	}
	l->buf = g_string_sized_new(LINES_FLUSH + 4096);
	return l;
}

/* The value before, ended: a JSON string, or its line end. */
static void end_value(cli_lines *l)
{
	if (!l->n)
		return;
	if (l->arr) {
		json_array_append_new(l->arr, json_string(l->buf->str));
		g_string_truncate(l->buf, 0);
	} else {
		g_string_append_c(l->buf, '\n');
	}
}

GString *out_lines_next(cli_lines *l)
{
	end_value(l);
	if (!l->arr && l->buf->len >= LINES_FLUSH) {
		fwrite(l->buf->str, 1, l->buf->len, stdout);
		g_string_truncate(l->buf, 0);
	}
	l->n++;
	if (!l->arr)
		g_string_append_len(l->buf, l->head, (gssize)l->nh);
	return l->buf;
}

void out_lines_end(cli_lines *l)
{
	end_value(l);
	if (l->arr)
		json_object_set_new(l->o->cur, l->key, l->arr);
	else
		fwrite(l->buf->str, 1, l->buf->len, stdout);
	g_string_free(l->buf, TRUE);
	g_free(l->head);
	g_free(l);
}

void out_strv(cli_out *o, const char *key, const char *label, GPtrArray *values)
{
	cli_lines *l;

	if (!o->root && !values->len)
		return;
	l = out_lines_begin(o, key, label);
	for (guint i = 0; i < values->len; i++)
		g_string_append(out_lines_next(l), values->pdata[i]);
	out_lines_end(l);
}

void out_block(cli_out *o, const char *key, const char *text)
{
	if (o->root)
		json_object_set_new(o->cur, key, json_string(text));
	else
		fputs(text, stdout);
}

void out_list_begin(cli_out *o, const char *key)
{
	if (o->root) {
		if (o->list && o->cur != o->root) {
			o->outer_cur = o->cur;
			o->outer_list = o->list;
		}
		o->list = json_array();
		json_object_set_new(o->outer_cur ? o->outer_cur : o->root, key, o->list);
	}
	o->items = 0;
}

void out_item_begin(cli_out *o)
{
	if (o->root) {
		o->cur = json_object();
		json_array_append_new(o->list, o->cur);
	} else if (o->items) {
		putchar('\n');
	}
	o->items++;
}

void out_item_end(cli_out *o)
{
	if (o->root)
		o->cur = o->outer_cur ? o->outer_cur : o->root;
}

void out_list_end(cli_out *o)
{
	o->list = o->outer_list;
	o->outer_list = o->outer_cur = NULL;
}

void out_finish(cli_out *o)
{
	if (o->root) {
		char *s = json_dumps(o->root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		puts(s);
		free(s);
		json_decref(o->root);
	}
	fflush(stdout);
	g_free(o);
}

void out_done(const char *command, const char *name, const char *key, const char *value)
{
	cli_out *o;

	/* Text mode said it in a sentence already; JSON says it as data. */
	if (!cli.json)
		return;
	o = out_new();
	out_string(o, "command", NULL, command);
	out_string(o, "name", NULL, name);
	out_bool(o, "changed", true);
	if (key)
		out_string(o, key, NULL, value);
	out_finish(o);
}

/* The words of vnet_notice_get_blocked(), as an admin reads them. */
static const char *blocked_phrase(const char *word)
{
	static const struct {
		const char *word, *phrase;
	} phrases[] = {
		{ "guest-out", N_("new connections from the guests") },
		{ "guest-reply", N_("replies to the guests") },
		{ "guest-forwarded", N_("port forwards into the network") },
		{ "host-dhcp", N_("the guests' DHCP to the host") },
		{ "host-dns", N_("the guests' DNS to the host") },
	};

	for (guint i = 0; i < G_N_ELEMENTS(phrases); i++)
		if (strcmp(phrases[i].word, word) == 0)
			return _(phrases[i].phrase);
	return word;
}

static void notice_strv(cli_out *o, const char *key, const char *const *v)
{
	json_t *arr = json_array();

	for (guint i = 0; v && v[i]; i++)
		json_array_append_new(arr, json_string(v[i]));
	json_object_set_new(o->cur, key, arr);
}

void out_notices(cli_out *o, GPtrArray *notices)
{
	static const char *const kinds[] = { [VNET_NOTICE_CHANGED] = "changed", [VNET_NOTICE_BLOCKED] = "blocked",
					     [VNET_NOTICE_WARNING] = "warning" };

	if (o && o->root) {
		out_list_begin(o, "notices");
		for (guint i = 0; i < notices->len; i++) {
			const vnet_notice *n = notices->pdata[i];
			out_item_begin(o);
			out_string(o, "kind", NULL, kinds[vnet_notice_get_kind(n)]);
			out_string(o, "owner", NULL, vnet_notice_get_owner(n));
			out_string(o, "family", NULL, vnet_notice_get_family(n));
			out_string(o, "table", NULL, vnet_notice_get_table(n));
			out_string(o, "chain", NULL, vnet_notice_get_chain(n));
			out_string(o, "network", NULL, vnet_notice_get_network(n));
			out_string(o, "message", NULL, vnet_notice_get_message(n));
			notice_strv(o, "blocked", vnet_notice_get_blocked(n));
			notice_strv(o, "commands", vnet_notice_get_commands(n));
			out_item_end(o);
		}
		out_list_end(o);
		return;
	}
	for (guint i = 0; i < notices->len; i++) {
		const vnet_notice *n = notices->pdata[i];
		const char *const *blocked = vnet_notice_get_blocked(n);
		const char *const *cmds = vnet_notice_get_commands(n);
		g_autofree char *msg = cli_printable(vnet_notice_get_message(n));

		if (vnet_notice_get_kind(n) == VNET_NOTICE_CHANGED) {
			if (!cli.quiet)
				printf("%s\n", msg);
			continue;
		}
		fprintf(stderr, _("vnetctl: warning: %s\n"), msg);
		for (guint k = 0; blocked && blocked[k]; k++)
			fprintf(stderr, _("  blocked: %s\n"), blocked_phrase(blocked[k]));
		for (guint k = 0; cmds && cmds[k]; k++)
			fprintf(stderr, "    %s\n", cmds[k]);
	}
	fflush(stdout);
}
