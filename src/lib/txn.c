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

static void set_opt(GKeyFile *kf, const char *group, const char *key, const char *value)
{
	if (value)
		vnet_key_file_set_string(kf, group, key, value);
}

/*
 * Only what undo reads goes in: a forward add on a network of 10,000
 * forwards writes its one undo element, never the intents.
 */
static void record_step(GKeyFile *kf, guint i, const vnet_step *s)
{
	g_autofree char *g = g_strdup_printf("step %u", i);

	g_key_file_set_string(kf, g, "kind", vnet_step_kind_name(s->kind));
	set_opt(kf, g, "name", s->name);
	set_opt(kf, g, "bridge", s->bridge);
	set_opt(kf, g, "domain", s->domain);
	set_opt(kf, g, "undo", s->undo);
	g_key_file_set_boolean(kf, g, "on", s->on);
	g_key_file_set_boolean(kf, g, "created", s->created);
	g_key_file_set_uint64(kf, g, "flags", s->flags);
	g_key_file_set_integer(kf, g, "prev", s->prev);
	g_key_file_set_integer(kf, g, "prev-fwd4", s->prev_fwd[0]);
	g_key_file_set_integer(kf, g, "prev-fwd6", s->prev_fwd[1]);
	switch (s->kind) {
	case VNET_STEP_DEFINE:
		/* Undone by defining the old XML again (or undefining): the new one is not needed. */
		set_opt(kf, g, "prev-xml", s->prev_xml);
		break;
	case VNET_STEP_UNDEFINE:
	case VNET_STEP_DHCP_RANGE:
	case VNET_STEP_ZONE:
	case VNET_STEP_PORTGROUP:
		set_opt(kf, g, "prev-xml", s->prev_xml);
		/* fall through */
	case VNET_STEP_BRIDGE_CREATE:
	case VNET_STEP_BRIDGE_DELETE:
	case VNET_STEP_OVS_BRIDGE_CREATE:
	case VNET_STEP_OVS_BRIDGE_DELETE:
	case VNET_STEP_DHCP_HOST:
	case VNET_STEP_NIC:
	case VNET_STEP_ARM:
	case VNET_STEP_DOCKER:
		set_opt(kf, g, "xml", s->xml);
		break;
	case VNET_STEP_OVN_LB:
	case VNET_STEP_OVN_GATEWAY:
		set_opt(kf, g, "prev-xml", s->prev_xml);
		/* fall through */
	case VNET_STEP_OVN_SWITCH:
	case VNET_STEP_OVN_PORT:
		set_opt(kf, g, "xml", s->xml);
		/* the intent says where OVN is */
		/* fall through */
	case VNET_STEP_TAKEOVER:
	case VNET_STEP_GIVEBACK:
		if (s->new) {
			g_autofree char *x = vnet_intent_to_xml(s->new);
			set_opt(kf, g, "intent", x);
		}
		break;
	default:
		break;
	}
}

/* Step @i's group of the journal, as text. */
static char *step_text(guint i, const vnet_step *s)
{
	g_autoptr(GKeyFile) kf = g_key_file_new();

	record_step(kf, i, s);
	return g_key_file_to_data(kf, NULL, NULL);
}

/*
 * The journal of the first @n steps of @plan.  Each group is its own text
 * and the file their concatenation; @done, if not NULL, holds the texts of
 * the steps that ran (they no longer change), so that a define's old XML
 * (2.8 MB at 65,535 forwards) is escaped once, not once per later step;
 * @ret_last, if not NULL, gets the text of step @n - 1.
 */
static bool write_journal_done(const vnet_txn *t, GPtrArray *plan, guint n, GPtrArray *done,
			       char **ret_last, GError **error)
{
	g_autoptr(GKeyFile) kf = g_key_file_new();
	g_autoptr(GError) local = NULL;
	g_autofree char *head = NULL, *dir = NULL;
	g_autoptr(GString) data = NULL;

	if (!t->journal)
		return true;
	g_key_file_set_string(kf, "transaction", "what", t->what ? t->what : "?");
	g_key_file_set_string(kf, "transaction", "uri", t->uri ? t->uri : "");
	g_key_file_set_int64(kf, "transaction", "pid", getpid());
	g_key_file_set_int64(kf, "transaction", "time", g_get_real_time() / G_USEC_PER_SEC);
	g_key_file_set_integer(kf, "transaction", "steps", (int)n);
	head = g_key_file_to_data(kf, NULL, NULL);
	data = g_string_new(head);
	for (guint i = 0; i < n; i++) {
		g_autofree char *own = done && i < done->len ? NULL : step_text(i, plan->pdata[i]);
		g_string_append_c(data, '\n');
		g_string_append(data, own ? own : done->pdata[i]);
		if (ret_last && i + 1 == n) {
			g_free(*ret_last);
			*ret_last = own ? g_steal_pointer(&own) : g_strdup(done->pdata[i]);
		}
	}
	dir = g_path_get_dirname(t->journal);
	if (g_mkdir_with_parents(dir, 0700) < 0 ||
	    !g_file_set_contents_full(t->journal, data->str, (gssize)data->len, G_FILE_SET_CONTENTS_CONSISTENT,
				      0600, &local)) {
		vnet_set_error(error, VNET_ERROR_FAILED,
			       _("Cannot write the transaction journal %s: %s; nothing was changed."),
			       t->journal, local ? local->message : g_strerror(errno));
		return false;
	}
	return true;
}

static bool write_journal(const vnet_txn *t, GPtrArray *plan, guint n, GError **error)
{
	return write_journal_done(t, plan, n, NULL, NULL, error);
}

static void remove_journal(const vnet_txn *t)
{
	if (t->journal)
		g_unlink(t->journal);
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

static vnet_step *load_step(GKeyFile *kf, guint i, GError **error)
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
	s->xml = g_key_file_get_string(kf, g, "xml", NULL);
	s->prev_xml = g_key_file_get_string(kf, g, "prev-xml", NULL);
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
	g_autoptr(GPtrArray) done = g_ptr_array_new_with_free_func(g_free);
	sigset_t old;
	guint i, left;
	bool partial = false;

	if (plan->len == 0)
		return true;
	hold_signals(&old);
	for (i = 0; i < plan->len; i++) {
		vnet_step *s = plan->pdata[i];
		g_autofree char *last = NULL;
		if (!t->ops->prepare(t->backend, s, error))
			break;
		if (!write_journal_done(t, plan, i + 1, done, &last, error))
			break;
		if (injected_failure(i, error) || !t->ops->run(t->backend, s, error)) {
			partial = t->ops->partial && t->ops->partial(s);
			break;
		}
		if (s->rejournal && !write_journal_done(t, plan, i + 1, done, &last, error)) {
			i++;
			break;
		}
		if (last)
			g_ptr_array_add(done, g_steal_pointer(&last));
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
	if (!t->journal || !g_file_test(t->journal, G_FILE_TEST_EXISTS))
		return true;
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
		vnet_step *s = load_step(kf, i, error);
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
