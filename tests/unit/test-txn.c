/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The transaction engine with a fake backend: the order of run and undo, a
 * failing step, a step that fails half-way, an undo that fails (the journal
 * keeps what is left and the message says so), and recovery of a journal
 * that a killed process left, including one made for another URI.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <glib/gstdio.h>

#include "txn.h"
#include "util.h"
#include "helpers.h"

typedef struct fake {
	GString *log;		/* "run:a undo:a ..." */
	const char *fail_run;	/* the step name whose run fails */
	const char *fail_undo;	/* the step name whose undo fails */
	const char *partial;	/* the step name that fails half-way */
	char *journal_seen;	/* the journal as it was when the failing step ran */
	const char *journal;
	const char *want_prev;	/* the old XML a define's undo must get back, if set */
} fake;

static bool fake_prepare(void *b, vnet_step *s, GError **error)
{
	g_free(s->undo);
	s->undo = g_strdup_printf("undo-%s", s->name);
	return true;
}

static bool fake_run(void *b, vnet_step *s, GError **error)
{
	fake *f = b;

	g_string_append_printf(f->log, "run:%s ", s->name);
	if (g_strcmp0(s->name, f->fail_run) == 0 || g_strcmp0(s->name, f->partial) == 0) {
		if (f->journal)
			g_file_get_contents(f->journal, &f->journal_seen, NULL, NULL);
		g_set_error(error, VNET_ERROR, VNET_ERROR_FAILED, "step %s broke.", s->name);
		return false;
	}
	return true;
}

static bool fake_undo(void *b, const vnet_step *s, GError **error)
{
	fake *f = b;
	g_autofree char *want = g_strdup_printf("undo-%s", s->name);

	g_string_append_printf(f->log, "undo:%s ", s->name);
	if (g_strcmp0(s->name, f->fail_undo) == 0) {
		g_set_error(error, VNET_ERROR, VNET_ERROR_FAILED, "undo of %s broke.", s->name);
		return false;
	}
	/* The record survives the journal: undo reads only what prepare wrote. */
	if (g_strcmp0(s->undo, want) != 0)
		fail_msg("undo of %s lost its record", s->name);
	if (f->want_prev && s->kind == VNET_STEP_DEFINE && g_strcmp0(s->prev_xml, f->want_prev) != 0)
		fail_msg("undo of %s lost its old XML", s->name);
	return true;
}

static bool fake_partial(const vnet_step *s)
{
	return s->kind == VNET_STEP_START;
}

static const vnet_txn_ops fake_ops = { fake_prepare, fake_run, fake_undo, fake_partial };

static GPtrArray *three_steps(void)
{
	GPtrArray *plan = vnet_plan_new();

	vnet_step_new(plan, VNET_STEP_DEFINE, "a")->xml = g_strdup("<network/>");
	vnet_step_new(plan, VNET_STEP_START, "b");
	vnet_step_new(plan, VNET_STEP_HAIRPIN, "c");
	return plan;
}

static char *tmp_journal(void)
{
	g_autofree char *dir = g_dir_make_tmp("vnet-txn-XXXXXX", NULL);

	assert_non_null(dir);
	return g_build_filename(dir, "journal", NULL);
}

static void cleanup_journal(const char *path)
{
	g_autofree char *dir = g_path_get_dirname(path);

	g_unlink(path);
	g_rmdir(dir);
}

static void test_all_run(void **state)
{
	g_autofree char *path = tmp_journal();
	fake f = { .log = g_string_new(NULL), .journal = path };
	vnet_txn t = { &fake_ops, &f, path, "test:///", "create x" };
	g_autoptr(GPtrArray) plan = three_steps();
	g_autoptr(GError) error = NULL;

	assert_true(vnet_txn_run(&t, plan, &error));
	assert_string_equal(f.log->str, "run:a run:b run:c ");
	assert_false(g_file_test(path, G_FILE_TEST_EXISTS));
	g_string_free(f.log, TRUE);
	cleanup_journal(path);
}

static void test_failure_undoes_in_reverse(void **state)
{
	g_autofree char *path = tmp_journal();
	fake f = { .log = g_string_new(NULL), .fail_run = "c", .journal = path };
	vnet_txn t = { &fake_ops, &f, path, "test:///", "create x" };
	g_autoptr(GPtrArray) plan = three_steps();
	g_autoptr(GError) error = NULL;

	assert_false(vnet_txn_run(&t, plan, &error));
	/* c failed whole (not partial): only a and b are undone, b first. */
	assert_string_equal(f.log->str, "run:a run:b run:c undo:b undo:a ");
	assert_string_equal(error->message, "step c broke.");
	/* While c ran, the journal listed all three steps. */
	assert_non_null(f.journal_seen);
	assert_non_null(strstr(f.journal_seen, "[step 2]"));
	assert_non_null(strstr(f.journal_seen, "undo=undo-c"));
	assert_false(g_file_test(path, G_FILE_TEST_EXISTS));
	g_free(f.journal_seen);
	g_string_free(f.log, TRUE);
	cleanup_journal(path);
}

static void test_partial_failure_is_undone(void **state)
{
	fake f = { .log = g_string_new(NULL), .partial = "b" };
	vnet_txn t = { &fake_ops, &f, NULL, "test:///", "create x" };
	g_autoptr(GPtrArray) plan = three_steps();
	g_autoptr(GError) error = NULL;

	assert_false(vnet_txn_run(&t, plan, &error));
	assert_string_equal(f.log->str, "run:a run:b undo:b undo:a ");
	g_string_free(f.log, TRUE);
}

static void test_undo_failure_is_reported_and_kept(void **state)
{
	g_autofree char *path = tmp_journal();
	fake f = { .log = g_string_new(NULL), .fail_run = "c", .fail_undo = "a", .journal = path };
	vnet_txn t = { &fake_ops, &f, path, "test:///", "create x" };
	g_autoptr(GPtrArray) plan = three_steps();
	g_autoptr(GError) error = NULL, rerr = NULL;
	g_autofree char *text = NULL, *what = NULL;

	assert_false(vnet_txn_run(&t, plan, &error));
	assert_error(error, VNET_ERROR_FAILED, "step c broke.", "undo of a broke.", "vnetctl restore");
	/* The journal keeps exactly step a, the one still to undo. */
	assert_true(g_file_get_contents(path, &text, NULL, NULL));
	assert_non_null(strstr(text, "[step 0]"));
	assert_null(strstr(text, "[step 1]"));

	/* The next command retries it; once the cause is gone, it is done. */
	g_string_truncate(f.log, 0);
	assert_false(vnet_txn_recover(&t, &what, &rerr));
	assert_error(rerr, VNET_ERROR_FAILED, "create x", "undo of a broke.");
	f.fail_undo = NULL;
	g_string_truncate(f.log, 0);
	assert_true(vnet_txn_recover(&t, &what, NULL));
	assert_string_equal(what, "create x");
	assert_string_equal(f.log->str, "undo:a ");
	assert_false(g_file_test(path, G_FILE_TEST_EXISTS));
	g_free(f.journal_seen);
	g_string_free(f.log, TRUE);
	cleanup_journal(path);
}

/* A process killed while step c ran: the next one undoes c, b, a from the journal alone. */
static void test_recover_after_kill(void **state)
{
	g_autofree char *path = tmp_journal();
	fake f = { .log = g_string_new(NULL), .fail_run = "c", .journal = path };
	vnet_txn t = { &fake_ops, &f, path, "test:///", "create x" };
	g_autoptr(GPtrArray) plan = three_steps();
	g_autofree char *what = NULL;
	g_autoptr(GError) error = NULL;

	assert_false(vnet_txn_run(&t, plan, &error));
	/* What the killed process left: the journal as it was during step c. */
	assert_true(g_file_set_contents(path, f.journal_seen, -1, NULL));
	g_string_truncate(f.log, 0);
	assert_true(vnet_txn_recover(&t, &what, NULL));
	assert_string_equal(f.log->str, "undo:c undo:b undo:a ");
	assert_string_equal(what, "create x");
	assert_false(g_file_test(path, G_FILE_TEST_EXISTS));

	/* Nothing left: recovery is a no-op. */
	g_clear_pointer(&what, g_free);
	g_string_truncate(f.log, 0);
	assert_true(vnet_txn_recover(&t, &what, NULL));
	assert_null(what);
	assert_string_equal(f.log->str, "");
	g_free(f.journal_seen);
	g_string_free(f.log, TRUE);
	cleanup_journal(path);
}

static void test_recover_refuses_other_uri(void **state)
{
	g_autofree char *path = tmp_journal();
	fake f = { .log = g_string_new(NULL), .fail_run = "c", .journal = path };
	vnet_txn t = { &fake_ops, &f, path, "qemu+ssh://other/system", "create x" };
	vnet_txn mine = { &fake_ops, &f, path, "qemu:///system", "list" };
	g_autoptr(GPtrArray) plan = three_steps();
	g_autoptr(GError) error = NULL, rerr = NULL;

	assert_false(vnet_txn_run(&t, plan, &error));
	assert_true(g_file_set_contents(path, f.journal_seen, -1, NULL));
	assert_false(vnet_txn_recover(&mine, NULL, &rerr));
	assert_error(rerr, VNET_ERROR_FAILED, "qemu+ssh://other/system", "--connect");
	assert_true(g_file_test(path, G_FILE_TEST_EXISTS));
	g_free(f.journal_seen);
	g_string_free(f.log, TRUE);
	cleanup_journal(path);
}

/*
 * A define's old XML is kept beside the journal as it is, read back by a
 * recovery, and removed with the journal; a file whose journal was never
 * written (killed in between) is removed too, and a journal whose file is
 * gone is refused, not half replayed.
 */
static void test_xml_put_aside(void **state)
{
	g_autofree char *path = tmp_journal();
	g_autofree char *aside = g_strdup_printf("%s.0.prev-xml", path);
	g_autoptr(GString) old = g_string_new("  <network>\n");
	fake f = { .log = g_string_new(NULL), .fail_run = "c", .journal = path };
	vnet_txn t = { &fake_ops, &f, path, "test:///", "forward add x" };
	g_autoptr(GPtrArray) plan = three_steps();
	g_autoptr(GError) error = NULL, rerr = NULL;

	for (guint i = 0; i < 20000; i++)
		g_string_append_printf(old, "\t%u:80/tcp \\ [step 9]\r\nprev-xml=x\n", 1024 + i);
	f.want_prev = old->str;
	((vnet_step *)plan->pdata[0])->prev_xml = g_strdup(old->str);
	assert_false(vnet_txn_run(&t, plan, &error));
	assert_non_null(strstr(f.journal_seen, "prev-xml-aside=true\n"));
	assert_null(strstr(f.journal_seen, "1024:80"));
	assert_false(g_file_test(path, G_FILE_TEST_EXISTS));
	assert_false(g_file_test(aside, G_FILE_TEST_EXISTS));

	/* killed during step c: the journal and the file it names */
	assert_true(g_file_set_contents(path, f.journal_seen, -1, NULL));
	assert_true(g_file_set_contents(aside, old->str, -1, NULL));
	g_string_truncate(f.log, 0);
	assert_true(vnet_txn_recover(&t, NULL, NULL));
	assert_string_equal(f.log->str, "undo:c undo:b undo:a ");
	assert_false(g_file_test(aside, G_FILE_TEST_EXISTS));

	/* the file gone: refused, the journal kept for a person to look at */
	assert_true(g_file_set_contents(path, f.journal_seen, -1, NULL));
	g_string_truncate(f.log, 0);
	assert_false(vnet_txn_recover(&t, NULL, &rerr));
	assert_error(rerr, VNET_ERROR_FAILED, "bad step 0");
	assert_string_equal(f.log->str, "");
	assert_true(g_file_test(path, G_FILE_TEST_EXISTS));
	g_unlink(path);

	/* killed after the file, before the journal: nothing to undo, and the file goes */
	assert_true(g_file_set_contents(aside, old->str, -1, NULL));
	assert_true(vnet_txn_recover(&t, NULL, NULL));
	assert_string_equal(f.log->str, "");
	assert_false(g_file_test(aside, G_FILE_TEST_EXISTS));
	g_free(f.journal_seen);
	g_string_free(f.log, TRUE);
	cleanup_journal(path);
}

static void test_bad_journal(void **state)
{
	g_autofree char *path = tmp_journal();
	fake f = { .log = g_string_new(NULL) };
	vnet_txn t = { &fake_ops, &f, path, "", "x" };
	g_autoptr(GError) e1 = NULL, e2 = NULL;

	assert_true(g_file_set_contents(path, "\x01 not a key file", -1, NULL));
	assert_false(vnet_txn_recover(&t, NULL, &e1));
	assert_error(e1, VNET_ERROR_FAILED, path);
	assert_true(g_file_set_contents(path, "[transaction]\nsteps=1\nuri=\n[step 0]\nkind=bogus\n", -1, NULL));
	assert_false(vnet_txn_recover(&t, NULL, &e2));
	assert_error(e2, VNET_ERROR_FAILED, "bad step 0");
	assert_string_equal(f.log->str, "");
	g_string_free(f.log, TRUE);
	cleanup_journal(path);
}

/* The journal's escaping writes what GLib's writes, byte for byte, and reads back as written. */
static void test_key_file_escaping(void **state)
{
	static const char *const fixed[] = {
		"", " ", "  a", "\t\tb", "\n \n x", " \\ x", "a\\b\\", "\r\n\r\n", "x\n  y", "\\s", "\\n",
		"<network>\n  <name>web</name>\n</network>\n", "\t \r \n\\", "é\n\t",
	};
	static const char *const alphabet[] = { " ", "\t", "\n", "\r", "\\", "a", "b", "<", ">", "=", ";", "#", "[", "]", "s", "\xc3\xa9" };
	g_autoptr(GRand) rand = g_rand_new_with_seed(5);

	for (guint t = 0; t < G_N_ELEMENTS(fixed) + 5000; t++) {
		g_autoptr(GKeyFile) a = g_key_file_new();
		g_autoptr(GKeyFile) b = g_key_file_new();
		g_autoptr(GString) db = g_string_new("[g]\n");
		g_autofree char *r = NULL, *da = NULL, *back = NULL;
		const char *v;

		if (t < G_N_ELEMENTS(fixed)) {
			v = fixed[t];
		} else {
			g_autoptr(GString) g = g_string_new(NULL);
			for (guint i = g_rand_int_range(rand, 0, 24); i > 0; i--)
				g_string_append(g, alphabet[g_rand_int_range(rand, 0, G_N_ELEMENTS(alphabet))]);
			v = r = g_string_free(g_steal_pointer(&g), FALSE);
		}
		g_key_file_set_string(a, "g", "k", v);
		vnet_key_file_append_string(db, "k", v);
		da = g_key_file_to_data(a, NULL, NULL);
		assert_string_equal(da, db->str);
		assert_true(g_key_file_load_from_data(b, db->str, db->len, G_KEY_FILE_NONE, NULL));
		back = g_key_file_get_string(b, "g", "k", NULL);
		assert_string_equal(back, v);
	}
}

/* The pieces joined in one allocation, empty ones and a piece's prefix too. */
static void test_concat_len(void **state)
{
	g_autofree char *a = vnet_concat_len("<network>", 9, NULL);
	g_autofree char *b = vnet_concat_len("<name>web</name>tail", 16, "<uuid>", (gsize)6, "", (gsize)0,
					     "</uuid>", (gsize)7, "rest", (gsize)4, NULL);
	g_autofree char *c = vnet_concat_len("", 0, NULL);

	(void)state;
	assert_string_equal(a, "<network>");
	assert_string_equal(b, "<name>web</name><uuid></uuid>rest");
	assert_string_equal(c, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_all_run),
		cmocka_unit_test(test_failure_undoes_in_reverse),
		cmocka_unit_test(test_partial_failure_is_undone),
		cmocka_unit_test(test_undo_failure_is_reported_and_kept),
		cmocka_unit_test(test_recover_after_kill),
		cmocka_unit_test(test_recover_refuses_other_uri),
		cmocka_unit_test(test_bad_journal),
		cmocka_unit_test(test_xml_put_aside),
		cmocka_unit_test(test_concat_len),
		cmocka_unit_test(test_key_file_escaping),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
