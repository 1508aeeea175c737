/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The per-command option tables (cli.h's cli_option) turned into what
 * getopt_long wants, and the positional arguments counted for the command
 * table's min/max; help and the completion's list print them (main.c).
 * Built into the unit tests and fuzzers that compile args.c too.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

typedef struct getopt_tables {
	struct option *longs;
	char *shorts;
} getopt_tables;

/* @opts as getopt_long's tables, made once per table and process. */
static const getopt_tables *tables_of(const char *lead, const cli_option *opts)
{
	static GHashTable *made;	/* "lead" + table address -> getopt_tables */
	g_autofree char *key = g_strdup_printf("%s/%p", lead, (const void *)opts);
	getopt_tables *t;
	GString *shorts;
	guint n = 0;

	if (!made)
		made = g_hash_table_new(g_str_hash, g_str_equal);
	if ((t = g_hash_table_lookup(made, key)))
		return t;
	while (opts && opts[n].name)
		n++;
	t = g_new0(getopt_tables, 1);
	t->longs = g_new0(struct option, n + 1);
	shorts = g_string_new(lead);
	for (guint i = 0; i < n; i++) {
		t->longs[i] = (struct option){ opts[i].name, opts[i].arg ? required_argument : no_argument,
					       NULL, opts[i].val };
		if (opts[i].letter) {
			g_string_append_c(shorts, opts[i].letter);
			if (opts[i].arg)
				g_string_append_c(shorts, ':');
		}
	}
	t->shorts = g_string_free(shorts, FALSE);
	g_hash_table_insert(made, g_steal_pointer(&key), t);
	return t;
}

int cli_getopt(int argc, char **argv, const char *lead, const cli_option *opts)
{
	const getopt_tables *t = tables_of(lead, opts);

	return getopt_long(argc, argv, t->shorts, t->longs, NULL);
}

static const cli_option *find_long(const cli_option *opts, const char *name, size_t len)
{
	for (; opts && opts->name; opts++)
		if (strlen(opts->name) == len && strncmp(opts->name, name, len) == 0)
			return opts;
	return NULL;
}

static const cli_option *find_letter(const cli_option *opts, char c)
{
	for (; opts && opts->name; opts++)
		if (opts->letter && opts->letter == c)
			return opts;
	return NULL;
}

int cli_count_args(const cli_option *opts, int argc, char **argv, int max, const char **ret_extra)
{
	bool options = true;
	int n = 0;

	*ret_extra = NULL;
	for (int i = 1; i < argc; i++) {
		const char *w = argv[i];
		const cli_option *o = NULL;

		if (options && strcmp(w, "--") == 0) {
			options = false;
			continue;
		}
		if (options && w[0] == '-' && w[1] == '-') {
			const char *eq = strchr(w + 2, '=');
			o = find_long(opts, w + 2, eq ? (size_t)(eq - w - 2) : strlen(w + 2));
			/* its value is the next word, unless written --name=VALUE */
			if (o && o->arg && !eq)
				i++;
			if (!o)
				return -1;
			continue;
		}
		if (options && w[0] == '-' && w[1]) {
			o = find_letter(opts, w[1]);
			if (o && o->arg && !w[2])
				i++;
			if (!o)
				return -1;
			continue;
		}
		if (++n > max && max >= 0 && !*ret_extra)
			*ret_extra = w;
	}
	return n;
}
