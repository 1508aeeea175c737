/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * vnetctl's shared declarations: the global options, the command table's
 * handler type, the create-argument parser shared by create, xml and plan,
 * and the output helpers that print a field as text or JSON from one call.
 * Commands hold no logic the library should have.
 */
#ifndef VNET_CLI_H
#define VNET_CLI_H

#include <stdbool.h>
#include <stdio.h>
#include <glib.h>
#include <glib/gi18n.h>
#include <vnet/vnet.h>

enum {
	EXIT_OK = 0,
	EXIT_REFUSED = 1,	/* validation, conflict, or failed and rolled back */
	EXIT_USAGE = 2,
};

typedef struct cli_globals {
	const char *uri;
	bool json;
	bool quiet;
} cli_globals;

extern cli_globals cli;

/*
 * One option of a command, in the one table per command that drives its
 * getopt_long (cli_getopt()), "vnetctl help COMMAND" and the bash
 * completion ("vnetctl help --options COMMAND"); tests/cli/options.sh
 * fails when the man page's synopsis or the completion drift from it.
 */
typedef struct cli_option {
	const char *name;	/* the long name, without "--"; NULL ends a table */
	char letter;		/* the short option (-f), or 0 */
	int val;		/* what cli_getopt() returns for it */
	const char *arg;	/* its value's name in help ("CIDR"), or NULL: it takes none */
	const char *help;	/* one line, N_() */
} cli_option;

typedef struct cli_command {
	const char *name;
	int (*handler)(int argc, char **argv);
	/* positional arguments, the options and their values left out; -1: no limit */
	int min_args, max_args;
	const cli_option *options;	/* NULL: none */
	const char *usage;	/* after "vnetctl NAME " */
	const char *summary;
} cli_command;

/*
 * getopt_long over @opts, its short options after @lead (":" reports a
 * missing value as ':', "+" stops at the first argument): what a command's
 * option loop calls.
 */
int cli_getopt(int argc, char **argv, const char *lead, const cli_option *opts);
/*
 * How many positional arguments @argv[1..] holds for a command of @opts, the
 * first one past @max in *@ret_extra; -1 at an unknown option, whose value
 * cannot be told from an argument (the command refuses the option itself).
 */
int cli_count_args(const cli_option *opts, int argc, char **argv, int max, const char **ret_extra);
/* The options' help, one a line ("  --subnet CIDR   the IPv4 subnet"). */
void cli_print_options(FILE *f, const cli_option *opts);
/* For the completion: "--name[ ARG]" and "-l[ ARG]", one a line. */
void cli_print_option_names(FILE *f, const cli_option *opts);

extern const cli_option cli_global_options[];
extern const cli_option cli_create_options[];
extern const cli_option cli_apply_options[];
extern const cli_option cli_forward_options[];
extern const cli_option cli_attach_options[];
extern const cli_option cli_scan_options[];
extern const cli_option cli_trace_options[];
extern const cli_option cli_doctor_options[];
extern const cli_option cli_watch_options[];

/* Print "vnetctl: MESSAGE" on stderr; return the exit status for @error. */
int cli_fail(GError *error);
/* Print a usage error for @cmd on stderr and return EXIT_USAGE. */
int cli_usage(const char *cmd, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

/* What create, xml and plan accept, parsed into an intent. */
typedef struct create_args {
	vnet_intent *intent;
	bool force;
	guint confirm_timeout;	/* 0: the library's default */
	bool no_confirm;	/* a takeover never waits for confirm */
	GArray *session_ports;	/* guint16, --session-port; NULL: sshd's */
} create_args;

/*
 * Parse "[NAME] --mode M ..." into @ret.  Return EXIT_OK, or the exit
 * status after printing the error.
 */
int cli_parse_create_args(const char *cmd, int argc, char **argv, create_args *ret);
/* A --vlan ID of attach or scan, checked as create checks it: false with @error set. */
bool cli_parse_vlan(const char *arg, guint *ret, GError **error);
void create_args_clear(create_args *a);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(create_args, create_args_clear)

/*
 * @s with invalid UTF-8 and control characters escaped: what the user typed
 * may reach a message, and no message may move a terminal's cursor.
 */
char *cli_printable(const char *s);

/* @s translated through gettext; "" stays "" (gettext would give the PO header). */
const char *cli_tr(const char *s);

/*
 * @fmt, a whole (translated) sentence whose conversions are all %s or
 * %N$s, with @args in them; NULL if it has another conversion.  printf's
 * cost per line of show, which prints one per forward, without its
 * generality.
 */
char *cli_format_strings(const char *fmt, const char *const *args, guint n_args);
/* The same appended to @out; false, and @out as it was, for another conversion. */
bool cli_format_append(GString *out, const char *fmt, const char *const *args, guint n_args);
/* Print @s and pad it with spaces to @width terminal columns (CJK counts double). */
void cli_print_padded(FILE *f, const char *s, int width);

/* Output: one call per field, text or JSON from the same code path. */
typedef struct cli_out cli_out;
cli_out *out_new(void);
/* A NULL label prints nothing in text mode (a JSON-only field). */
void out_string(cli_out *o, const char *key, const char *label, const char *value);
void out_bool(cli_out *o, const char *key, bool value);
/* A list of strings: one "label value" line each in text. */
void out_strv(cli_out *o, const char *key, const char *label, GPtrArray *values);
/*
 * The same a line at a time, for lists of a line per forward (65,535 of
 * them): out_lines_next() gives the buffer to append the next value to,
 * the label already in it in text; out_lines_end() writes them.  A value
 * need not be a string of its own.
 */
typedef struct cli_lines cli_lines;
cli_lines *out_lines_begin(cli_out *o, const char *key, const char *label);
GString *out_lines_next(cli_lines *l);
void out_lines_end(cli_lines *l);
/* Start and end a list of objects under @key; in text, a blank line between items. */
void out_list_begin(cli_out *o, const char *key);
void out_item_begin(cli_out *o);
void out_item_end(cli_out *o);
void out_list_end(cli_out *o);
/* A raw text block: printed as it is in text mode, a string field in JSON. */
void out_block(cli_out *o, const char *key, const char *text);
void out_finish(cli_out *o);
/*
 * What an operation did about other tools' firewalls (vnet_ctx_take_notices):
 * in JSON a "notices" list of @o; in text a changed notice's line on stdout
 * (not with -q) and a blocked one as a warning block on stderr, its
 * commands one per line.
 */
void out_notices(cli_out *o, GPtrArray *notices);
/*
 * For --json: one object saying what a command changed ({"command", "name",
 * "changed": true, and @key: @value when @key}); nothing in text mode.
 */
void out_done(const char *command, const char *name, const char *key, const char *value);


/* Connect to libvirt at cli.uri; print the error and return NULL on failure. */
vnet_ctx *cli_connect(void);

int cmd_xml(int argc, char **argv);
int cmd_plan(int argc, char **argv);
int cmd_create(int argc, char **argv);
int cmd_apply(int argc, char **argv);
int cmd_delete(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_show(int argc, char **argv);
int cmd_restore(int argc, char **argv);
int cmd_forward(int argc, char **argv);
int cmd_hook(int argc, char **argv);
int cmd_qemu_hook(int argc, char **argv);
int cmd_watch(int argc, char **argv);
int cmd_attach(int argc, char **argv);
int cmd_detach(int argc, char **argv);
int cmd_confirm(int argc, char **argv);
int cmd_revert(int argc, char **argv);
int cmd_trace(int argc, char **argv);
int cmd_scan(int argc, char **argv);
int cmd_doctor(int argc, char **argv);
/*
 * Print doctor's @checks (vnet_doctor_check *) to @f as text (marks with
 * @utf8, else plain words) or as JSON; return EXIT_REFUSED if one failed.
 */
int doctor_print(FILE *f, GPtrArray *checks, bool json, bool utf8);

#endif
