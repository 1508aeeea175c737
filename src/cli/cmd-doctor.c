/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * doctor: the library's checks, one line each (or one JSON object each),
 * printed by one code path: every field goes through put_field(), which
 * knows both forms.
 */
#include "config.h"

#include <getopt.h>

#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"

typedef struct doctor_out {
	FILE *f;
	json_t *obj;		/* JSON: the object of the check being printed */
	bool utf8;
	int subject_width;
} doctor_out;

/* One field: a JSON member, or in text @value padded to @width columns and a space. */
static void put_field(doctor_out *o, const char *key, const char *value, int width)
{
	if (o->obj) {
		json_object_set_new(o->obj, key, value ? json_string(value) : json_null());
		return;
	}
	if (width < 0)
		return;		/* a JSON-only field */
	cli_print_padded(o->f, value ? value : "", width);
	fputc(' ', o->f);
}

static void put_bool(doctor_out *o, const char *key, bool value)
{
	if (o->obj) {
		json_object_set_new(o->obj, key, json_boolean(value));
		return;
	}
	if (o->utf8)
		fputs(value ? "✓" : "✗", o->f);
	else
		cli_print_padded(o->f, value ? "ok" : "FAIL", 4);
	fputc(' ', o->f);
}

/* "web", "web/g1", "web/8080:80/tcp": who the check is about, in text. */
static char *subject(const vnet_doctor_check *c)
{
	const char *what = vnet_doctor_check_get_guest(c) ? vnet_doctor_check_get_guest(c) : vnet_doctor_check_get_forward(c);
	g_autofree char *s = what ? g_strdup_printf("%s/%s", vnet_doctor_check_get_network(c), what)
				  : g_strdup(vnet_doctor_check_get_network(c));

	return cli_printable(s);
}

/* The fix's lines, each under the text of the check, after "fix:". */
static void put_fix(doctor_out *o, const char *fix, int indent)
{
	g_auto(GStrv) lines = NULL;
	const char *label;
	int width = 0;

	if (o->obj) {
		put_field(o, "fix", fix, 0);
		return;
	}
	if (!fix)
		return;
	label = _("fix:");
	for (const char *p = label; *p; p = g_utf8_next_char(p))
		width += g_unichar_iswide(g_utf8_get_char(p)) ? 2 : 1;
	lines = g_strsplit(fix, "\n", -1);
	for (guint i = 0; lines[i]; i++) {
		g_autofree char *line = cli_printable(lines[i]);
		fprintf(o->f, "%*s", indent, "");
		cli_print_padded(o->f, i ? "" : label, width);
		fprintf(o->f, " %s\n", line);
	}
}

static void put_check(doctor_out *o, const vnet_doctor_check *c)
{
	g_autofree char *subj = subject(c);
	g_autofree char *what = cli_printable(vnet_doctor_check_get_what(c));
	int indent = (o->utf8 ? 2 : 5) + 5 + o->subject_width + 1;

	put_bool(o, "ok", vnet_doctor_check_get_ok(c));
	put_field(o, "layer", vnet_doctor_layer_name(vnet_doctor_check_get_layer(c)), 4);
	put_field(o, "check", vnet_doctor_check_get_id(c), -1);
	put_field(o, "network", vnet_doctor_check_get_network(c), -1);
	put_field(o, "guest", vnet_doctor_check_get_guest(c), -1);
	put_field(o, "forward", vnet_doctor_check_get_forward(c), -1);
	put_field(o, "subject", subj, o->subject_width);
	if (o->obj)
		put_field(o, "what", vnet_doctor_check_get_what(c), 0);
	else
		fprintf(o->f, "%s\n", what);
	put_fix(o, vnet_doctor_check_get_fix(c), indent);
}

int doctor_print(FILE *f, GPtrArray *checks, bool json, bool utf8)
{
	doctor_out o = { .f = f, .utf8 = utf8 };
	json_t *root = json ? json_object() : NULL, *arr = json ? json_array() : NULL;
	guint failed = 0;

	for (guint i = 0; i < checks->len; i++) {
		g_autofree char *s = subject(checks->pdata[i]);
		int w = 0;
		for (const char *p = s; *p; p = g_utf8_next_char(p))
			w += g_unichar_iswide(g_utf8_get_char(p)) ? 2 : 1;
		o.subject_width = MAX(o.subject_width, w);
		failed += !vnet_doctor_check_get_ok(checks->pdata[i]);
	}
	for (guint i = 0; i < checks->len; i++) {
		if (arr) {
			o.obj = json_object();
			json_array_append_new(arr, o.obj);
		}
		put_check(&o, checks->pdata[i]);
	}
	if (root) {
		char *s;
		json_object_set_new(root, "ok", json_boolean(failed == 0));
		json_object_set_new(root, "failed", json_integer(failed));
		json_object_set_new(root, "checks", arr);
		s = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		fprintf(f, "%s\n", s);
		free(s);
		json_decref(root);
	} else if (failed) {
		fprintf(f, g_dngettext(GETTEXT_PACKAGE, "%u of %u checks failed.\n", "%u of %u checks failed.\n", failed),
			failed, checks->len);
	} else {
		fprintf(f, g_dngettext(GETTEXT_PACKAGE, "The %u check passed.\n", "All %u checks passed.\n", checks->len),
			checks->len);
	}
	fflush(f);
	return failed ? EXIT_REFUSED : EXIT_OK;
}

const cli_option cli_doctor_options[] = {
	{ "json", 0, 'j', NULL, N_("print JSON") },
	{ 0 },
};

int cmd_doctor(int argc, char **argv)
{
	g_autoptr(vnet_ctx) ctx = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) checks = NULL;
	const char *name = NULL;
	int opt;

	opterr = 0;
	while ((opt = cli_getopt(argc, argv, "", cli_doctor_options)) != -1) {
		if (opt != 'j')
			return cli_usage("doctor", _("\"%s\" is not an option of this command."), argv[optind - 1]);
		cli.json = true;
	}
	if (argc - optind > 1)
		return cli_usage("doctor", _("Give at most one network name."));
	if (optind < argc)
		name = argv[optind];
	if (!(ctx = cli_connect()))
		return EXIT_REFUSED;
	if (!(checks = vnet_ctx_doctor(ctx, name, &error)))
		return cli_fail(error);
	if (!checks->len && !cli.json) {
		printf(_("vnetctl manages no network; there is nothing to check.\n"));
		return EXIT_OK;
	}
	/* Marks in a UTF-8 locale, plain words in any other. */
	return doctor_print(stdout, checks, cli.json, g_get_charset(NULL));
}
