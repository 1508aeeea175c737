/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "txn.h"
#include "util.h"

static const char *const kind_names[VNET_STEP_N_KINDS] = {
	[VNET_STEP_DEFINE] = "define",
	[VNET_STEP_UNDEFINE] = "undefine",
	[VNET_STEP_START] = "start",
	[VNET_STEP_STOP] = "stop",
	[VNET_STEP_AUTOSTART] = "autostart",
	[VNET_STEP_NFT] = "nft",
	[VNET_STEP_LOCALNET] = "localnet",
	[VNET_STEP_HAIRPIN] = "hairpin",
	[VNET_STEP_BRIDGE_CREATE] = "bridge-create",
	[VNET_STEP_BRIDGE_DELETE] = "bridge-delete",
	[VNET_STEP_TAKEOVER] = "takeover",
	[VNET_STEP_GIVEBACK] = "giveback",
	[VNET_STEP_TABLE_DROP] = "table-drop",
	[VNET_STEP_DHCP_HOST] = "dhcp-host",
	[VNET_STEP_DHCP_RANGE] = "dhcp-range",
	[VNET_STEP_NIC] = "nic",
	[VNET_STEP_PORT_HAIRPIN] = "port-hairpin",
	[VNET_STEP_REPLUG] = "replug",
	[VNET_STEP_TABLE] = "table",
	[VNET_STEP_ARM] = "arm-revert",
	[VNET_STEP_DOCKER] = "docker-user",
	[VNET_STEP_ZONE] = "firewalld-zone",
	[VNET_STEP_OVS_BRIDGE_CREATE] = "ovs-bridge-create",
	[VNET_STEP_OVS_BRIDGE_DELETE] = "ovs-bridge-delete",
	[VNET_STEP_OVS_PORT] = "ovs-port",
	[VNET_STEP_OVS_GUARD] = "ovs-guard",
	[VNET_STEP_OVN_SWITCH] = "ovn-switch",
	[VNET_STEP_OVN_PORT] = "ovn-port",
	[VNET_STEP_OVN_LB] = "ovn-lb",
	[VNET_STEP_OVN_GATEWAY] = "ovn-gateway",
	[VNET_STEP_PORTGROUP] = "portgroup",
};

const char *vnet_step_kind_name(vnet_step_kind kind)
{
	return kind < VNET_STEP_N_KINDS ? kind_names[kind] : "?";
}

vnet_step *vnet_step_new(GPtrArray *plan, vnet_step_kind kind, const char *name)
{
	vnet_step *s = g_new0(vnet_step, 1);

	s->kind = kind;
	s->name = g_strdup(name);
	s->prev = -1;
	s->prev_fwd[0] = s->prev_fwd[1] = -1;
	if (plan)
		g_ptr_array_add(plan, s);
	return s;
}

void vnet_step_free(vnet_step *s)
{
	if (!s)
		return;
	g_free(s->name);
	g_free(s->bridge);
	g_free(s->domain);
	g_free(s->xml);
	g_free(s->prev_xml);
	g_free(s->undo);
	g_free(s->gone);
	vnet_intent_free(s->old);
	vnet_intent_free(s->new);
	if (s->old_guests)
		g_hash_table_unref(s->old_guests);
	if (s->new_guests)
		g_hash_table_unref(s->new_guests);
	g_free(s);
}

GPtrArray *vnet_plan_new(void)
{
	return g_ptr_array_new_with_free_func((GDestroyNotify)vnet_step_free);
}

char *vnet_txn_journal_path(void)
{
	const char *dir = g_getenv("VNET_STATE_DIR");

	/*
	 * Not /run: a network defined by a transaction that a crash or power
	 * cut interrupted is still defined after the reboot, and must still be
	 * rolled back then.  A fixed path, as the lock's: one per host.
	 */
	return g_build_filename(dir ? dir : VNET_STATE_DEFAULT, "journal", NULL);
}

/* ---- the journal: one group per step begun, in order ---- */

/*
 * The journal is written as text, not through a GKeyFile (which copies a
 * value twice more on its way to the file); GKeyFile reads it back.  The
 * steps' text is kept across the run (see vnet_txn_run()).
 */
static void put_str(GString *out, const char *key, const char *value)
{
	if (value)
		vnet_key_file_append_string(out, key, value);
}

static void put_int(GString *out, const char *key, gint64 value)
{
	g_string_append_printf(out, "%s=%" G_GINT64_FORMAT "\n", key, value);
}

static void put_bool(GString *out, const char *key, bool value)
{
	g_string_append_printf(out, "%s=%s\n", key, value ? "true" : "false");
}

/*
 * A step's XML (a define's old definition: megabytes at 65,535 forwards)
 * is kept beside the journal, in a file of its own named after the step
 * and the key, as it is: not escaped into the key file, and not written
 * again with each later step.  The group says "KEY-aside=true"; the name
 * is always made here, never read from the journal.
 */
static char *aside_path(const vnet_txn *t, guint i, const char *key)
{
	return g_strdup_printf("%s.%u.%s", t->journal, i, key);
}

static bool put_aside(GString *out, const vnet_txn *t, guint i, const char *key, const char *value,
		      GError **error)
{
	g_autofree char *path = NULL, *flag = NULL;
	g_autoptr(GError) local = NULL;

	if (!value)
		return true;
	path = aside_path(t, i, key);
	if (!g_file_set_contents_full(path, value, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0600, &local)) {
		vnet_set_error(error, VNET_ERROR_FAILED,
			       _("Cannot write the transaction journal %s: %s; nothing was changed."), path,
			       local->message);
		return false;
	}
	flag = g_strconcat(key, "-aside", NULL);
	put_bool(out, flag, true);
	return true;
}

/* Step @i's @key as put_str() or put_aside() wrote it; false if its file is gone. */
static bool read_value(const vnet_txn *t, GKeyFile *kf, const char *g, guint i, const char *key, char **ret)
{
	g_autofree char *flag = g_strconcat(key, "-aside", NULL);
	g_autofree char *path = NULL;

	*ret = g_key_file_get_string(kf, g, key, NULL);
	if (*ret || !g_key_file_get_boolean(kf, g, flag, NULL))
		return true;
	path = aside_path(t, i, key);
	return g_file_get_contents(path, ret, NULL, NULL);
}

/* The files put_aside() wrote for @t's journal, all of them (none is left that nobody owns). */
static void remove_aside(const vnet_txn *t)
{
	g_autofree char *dir = g_path_get_dirname(t->journal), *base = g_path_get_basename(t->journal);
	g_autofree char *prefix = g_strconcat(base, ".", NULL);
	g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
	const char *name;

	while (d && (name = g_dir_read_name(d))) {
		const char *rest = g_str_has_prefix(name, prefix) ? name + strlen(prefix) : NULL;
		char *end = NULL;
		if (!rest || !g_ascii_isdigit(*rest))
			continue;
		g_ascii_strtoull(rest, &end, 10);
		if (g_str_equal(end, ".xml") || g_str_equal(end, ".prev-xml")) {
			g_autofree char *path = g_build_filename(dir, name, NULL);
			g_unlink(path);
		}
	}
}

/*
 * Step @i's group, appended to @out.  Only what undo reads goes in: a
 * forward add on a network of 10,000 forwards writes its one undo element,
 * never the intents.
 */
static bool append_step(GString *out, const vnet_txn *t, guint i, const vnet_step *s, GError **error)
{
	g_string_append_printf(out, "\n[step %u]\n", i);
	put_str(out, "kind", vnet_step_kind_name(s->kind));
	put_str(out, "name", s->name);
	put_str(out, "bridge", s->bridge);
	put_str(out, "domain", s->domain);
	put_str(out, "undo", s->undo);
	put_bool(out, "on", s->on);
	put_bool(out, "created", s->created);
	g_string_append_printf(out, "flags=%" G_GUINT64_FORMAT "\n", (guint64)s->flags);
	put_int(out, "prev", s->prev);
	put_int(out, "prev-fwd4", s->prev_fwd[0]);
	put_int(out, "prev-fwd6", s->prev_fwd[1]);
	switch (s->kind) {
	case VNET_STEP_DEFINE:
		/* Undone by defining the old XML again (or undefining): the new one is not needed. */
		if (!put_aside(out, t, i, "prev-xml", s->prev_xml, error))
			return false;
		break;
	case VNET_STEP_UNDEFINE:
	case VNET_STEP_DHCP_RANGE:
	case VNET_STEP_ZONE:
	case VNET_STEP_PORTGROUP:
		if (!put_aside(out, t, i, "prev-xml", s->prev_xml, error))
			return false;
		/* fall through */
	case VNET_STEP_BRIDGE_CREATE:
	case VNET_STEP_BRIDGE_DELETE:
	case VNET_STEP_OVS_BRIDGE_CREATE:
	case VNET_STEP_OVS_BRIDGE_DELETE:
	case VNET_STEP_DHCP_HOST:
	case VNET_STEP_NIC:
	case VNET_STEP_ARM:
	case VNET_STEP_DOCKER:
		if (!put_aside(out, t, i, "xml", s->xml, error))
			return false;
		break;
	case VNET_STEP_OVN_LB:
	case VNET_STEP_OVN_GATEWAY:
		if (!put_aside(out, t, i, "prev-xml", s->prev_xml, error))
			return false;
		/* fall through */
	case VNET_STEP_OVN_SWITCH:
	case VNET_STEP_OVN_PORT:
		if (!put_aside(out, t, i, "xml", s->xml, error))
			return false;
		/* the intent says where OVN is */
		/* fall through */
	case VNET_STEP_TAKEOVER:
	case VNET_STEP_GIVEBACK:
		if (s->new) {
			g_autofree char *x = vnet_intent_to_xml(s->new);
			put_str(out, "intent", x);
		}
		break;
	default:
		break;
	}
	return true;
}

/*
 * The journal: @steps, the groups of the first @n steps of the plan, then
 * the transaction's own group (the order of groups means nothing to a key
 * file), so that every write after the first appends only the steps begun
 * since.  @steps comes back as it was.
 */
static bool write_journal_text(const vnet_txn *t, GString *steps, guint n, GError **error)
{
	g_autoptr(GError) local = NULL;
	g_autofree char *dir = NULL;
	gsize len = steps->len;
	bool ok;

	g_string_append(steps, "\n[transaction]\n");
	put_str(steps, "what", t->what ? t->what : "?");
	put_str(steps, "uri", t->uri ? t->uri : "");
	put_int(steps, "pid", getpid());
	put_int(steps, "time", g_get_real_time() / G_USEC_PER_SEC);
	put_int(steps, "steps", n);
	dir = g_path_get_dirname(t->journal);
	ok = g_mkdir_with_parents(dir, 0700) == 0 &&
	     g_file_set_contents_full(t->journal, steps->str, (gssize)steps->len, G_FILE_SET_CONTENTS_CONSISTENT,
				      0600, &local);
	g_string_truncate(steps, len);
	if (!ok)
		vnet_set_error(error, VNET_ERROR_FAILED,
			       _("Cannot write the transaction journal %s: %s; nothing was changed."),
			       t->journal, local ? local->message : g_strerror(errno));
	return ok;
}

/* The journal of the first @n steps of @plan. */
static bool write_journal(const vnet_txn *t, GPtrArray *plan, guint n, GError **error)
{
	g_autoptr(GString) steps = g_string_new(NULL);

	if (!t->journal)
		return true;
	for (guint i = 0; i < n; i++)
		if (!append_step(steps, t, i, plan->pdata[i], error))
			return false;
	return write_journal_text(t, steps, n, error);
}

/* Step @i begun: its group after the others in @steps, and the journal written. */
static bool journal_step(const vnet_txn *t, GString *steps, guint i, const vnet_step *s, GError **error)
{
	if (!t->journal)
		return true;
	return append_step(steps, t, i, s, error) && write_journal_text(t, steps, i + 1, error);
}

static void remove_journal(const vnet_txn *t)
{
	if (!t->journal)
		return;
	g_unlink(t->journal);
	remove_aside(t);
}

static bool read_kind(const char *name, vnet_step_kind *ret)
{
	for (guint k = 0; k < VNET_STEP_N_KINDS; k++)
		if (g_strcmp0(kind_names[k], name) == 0) {
			*ret = k;
			return true;
		}
	return false;
}

static vnet_step *load_step(const vnet_txn *t, GKeyFile *kf, guint i, GError **error)
{
	g_autofree char *g = g_strdup_printf("step %u", i);
	g_autofree char *kind = g_key_file_get_string(kf, g, "kind", NULL);
	g_autofree char *intent = g_key_file_get_string(kf, g, "intent", NULL);
	vnet_step_kind k;
	vnet_step *s;

	if (!kind || !read_kind(kind, &k)) {
		vnet_set_error(error, VNET_ERROR_FAILED,
			       _("The transaction journal has a bad step %u; it was not written by this vnetctl."), i);
		return NULL;
	}
	s = vnet_step_new(NULL, k, NULL);
	s->name = g_key_file_get_string(kf, g, "name", NULL);
	s->bridge = g_key_file_get_string(kf, g, "bridge", NULL);
	s->domain = g_key_file_get_string(kf, g, "domain", NULL);
	if (!read_value(t, kf, g, i, "xml", &s->xml) || !read_value(t, kf, g, i, "prev-xml", &s->prev_xml)) {
		vnet_step_free(s);
		vnet_set_error(error, VNET_ERROR_FAILED,
			       _("The transaction journal has a bad step %u; it was not written by this vnetctl."), i);
		return NULL;
	}
	s->undo = g_key_file_get_string(kf, g, "undo", NULL);
	s->on = g_key_file_get_boolean(kf, g, "on", NULL);
	s->created = g_key_file_get_boolean(kf, g, "created", NULL);
	s->flags = (unsigned)g_key_file_get_uint64(kf, g, "flags", NULL);
	s->prev = g_key_file_get_integer(kf, g, "prev", NULL);
	s->prev_fwd[0] = g_key_file_get_integer(kf, g, "prev-fwd4", NULL);
	s->prev_fwd[1] = g_key_file_get_integer(kf, g, "prev-fwd6", NULL);
	if (intent && !(s->new = vnet_intent_from_xml(intent, -1, error))) {
		vnet_step_free(s);
		return NULL;
	}
	return s;
}

/* ---- running ---- */

static bool injected_failure(guint i, GError **error)
{
#ifdef VNET_TEST_FAULTS
	const char *env = g_getenv(VNET_TEST_FAIL_ENV);

	if (env && g_ascii_strtoull(env, NULL, 10) == i + 1) {
		vnet_set_error(error, VNET_ERROR_FAILED,
			       _("Step %u failed because the test switch %s asked it to."), i + 1, VNET_TEST_FAIL_ENV);
		return true;
	}
#endif
	return false;
}

/* Held, not ignored: a signal that came during the transaction acts after it. */
static void hold_signals(sigset_t *old)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, old);
}

static void release_signals(const sigset_t *old)
{
	pthread_sigmask(SIG_SETMASK, old, NULL);
}

/*
 * Undo steps @n-1 .. 0 of @plan.  Returns the number of steps left undone
 * at the first undo that failed (0 when all are undone), with its error.
 */
static guint undo_steps(const vnet_txn *t, GPtrArray *plan, guint n, GError **undo_error)
{
	while (n-- > 0) {
		g_autoptr(GError) e = NULL;
		if (!t->ops->undo(t->backend, plan->pdata[n], &e)) {
			g_propagate_error(undo_error, g_steal_pointer(&e));
			return n + 1;
		}
	}
	return 0;
}

/* @error gets the undo failure added, and what to do about it. */
static void add_undo_failure(GError **error, const GError *undo, bool journaled)
{
	g_autofree char *first = g_strdup(*error ? (*error)->message : "");

	g_clear_error(error);
	if (journaled)
		vnet_set_error(error, VNET_ERROR_FAILED,
			       _("%s Undoing the change failed too: %s What is left is recorded in the journal; run \"vnetctl restore\" (or any vnetctl command that changes something) to undo it once the cause is fixed."),
			       first, undo->message);
	else
		vnet_set_error(error, VNET_ERROR_FAILED,
			       _("%s Undoing the change failed too: %s Run \"vnetctl restore\" to put the rules back."),
			       first, undo->message);
}

bool vnet_txn_run(const vnet_txn *t, GPtrArray *plan, GError **error)
{
	g_autoptr(GError) undo_error = NULL;
	g_autoptr(GString) steps = g_string_new(NULL);
	sigset_t old;
	guint i, left;
	bool partial = false;

	if (plan->len == 0)
		return true;
	hold_signals(&old);
	for (i = 0; i < plan->len; i++) {
		vnet_step *s = plan->pdata[i];
		gsize at = steps->len;
		if (!t->ops->prepare(t->backend, s, error))
			break;
		if (!journal_step(t, steps, i, s, error))
			break;
		if (injected_failure(i, error) || !t->ops->run(t->backend, s, error)) {
			partial = t->ops->partial && t->ops->partial(s);
			break;
		}
		/* What it did is part of its undo: its group again. */
		if (s->rejournal) {
			g_string_truncate(steps, at);
			if (!journal_step(t, steps, i, s, error)) {
				i++;
				break;
			}
		}
	}
	if (i == plan->len) {
		remove_journal(t);
		release_signals(&old);
		return true;
	}
	/* A step that failed half-way is undone with the rest. */
	left = undo_steps(t, plan, i + (partial ? 1 : 0), &undo_error);
	if (left == 0) {
		remove_journal(t);
	} else {
		g_autoptr(GError) jerr = NULL;
		/* The journal keeps exactly the steps still to undo. */
		if (!write_journal(t, plan, left, &jerr))
			remove_journal(t);
		add_undo_failure(error, undo_error, t->journal != NULL);
	}
	release_signals(&old);
	return false;
}

bool vnet_txn_recover(const vnet_txn *t, char **ret_what, GError **error)
{
	g_autoptr(GKeyFile) kf = g_key_file_new();
	g_autoptr(GPtrArray) plan = vnet_plan_new();
	g_autoptr(GError) local = NULL, undo_error = NULL;
	g_autofree char *what = NULL, *uri = NULL;
	vnet_txn replay = *t;
	sigset_t old;
	guint n, left;

	if (ret_what)
		*ret_what = NULL;
	if (!t->journal)
		return true;
	if (!g_file_test(t->journal, G_FILE_TEST_EXISTS)) {
		/* Killed after a step's XML was put aside, before the journal named it: nothing was done. */
		remove_aside(t);
		return true;
	}
	if (!g_key_file_load_from_file(kf, t->journal, G_KEY_FILE_NONE, &local)) {
		vnet_set_error(error, VNET_ERROR_FAILED,
			       _("The transaction journal %s of an interrupted vnetctl cannot be read: %s. Look at it, undo what it lists by hand, and remove it."),
			       t->journal, local->message);
		return false;
	}
	what = g_key_file_get_string(kf, "transaction", "what", NULL);
	uri = g_key_file_get_string(kf, "transaction", "uri", NULL);
	if (g_strcmp0(uri ? uri : "", t->uri ? t->uri : "") != 0) {
		vnet_set_error(error, VNET_ERROR_FAILED,
			       _("An interrupted vnetctl command (\"%s\") on libvirt URI \"%s\" must be rolled back first; run \"vnetctl --connect '%s' restore\"."),
			       what ? what : "?", uri ? uri : "", uri ? uri : "");
		return false;
	}
	n = (guint)MAX(g_key_file_get_integer(kf, "transaction", "steps", NULL), 0);
	for (guint i = 0; i < n; i++) {
		vnet_step *s = load_step(t, kf, i, error);
		if (!s)
			return false;
		g_ptr_array_add(plan, s);
	}
	replay.what = what;
	hold_signals(&old);
	left = undo_steps(&replay, plan, plan->len, &undo_error);
	if (left == 0) {
		remove_journal(t);
	} else {
		g_autoptr(GError) jerr = NULL;
		write_journal(&replay, plan, left, &jerr);
		vnet_set_error(error, VNET_ERROR_FAILED,
			       _("An interrupted vnetctl command (\"%s\") could not be rolled back: %s Fix the cause and run any vnetctl command again; nothing else was changed."),
			       what ? what : "?", undo_error->message);
	}
	release_signals(&old);
	if (left)
		return false;
	if (ret_what)
		*ret_what = g_steal_pointer(&what);
	return true;
}
