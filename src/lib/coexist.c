/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * coexist: foreign firewalls (see coexist.h).  The ruleset's JSON is read
 * once into tables and chains whose rules stay jansson arrays; a finding
 * points at its chain.  Whether a chain lets a bridge's traffic through is
 * a walk of one abstract packet through its rules, in order, following
 * jumps and gotos, where every condition is true, false or unknown for that
 * packet, and only a rule whose conditions are all true decides.
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include <jansson.h>
#include <nftables/libnftables.h>

#include "coexist.h"
#include "nft.h"
#include "util.h"

/* nftables allows 16 nested jumps; a deeper walk (a loop) decides nothing. */
#define MAX_DEPTH 16
/* NFT_NAME_MAXLEN less the NUL */
#define NFT_NAME_MAX 255

typedef struct chain {
	char *name;
	char *hook;	/* NULL for a regular chain */
	gint64 prio;
	bool policy_drop;
	GPtrArray *rules;	/* json_t * (a rule's "expr" array, or NULL if it had none), borrowed */
	GArray *handles;	/* gint64 per rule, -1 if none */
} chain;

typedef struct table {
	char *family;
	char *name;
	GHashTable *chains;	/* name -> chain * */
	GPtrArray *order;	/* chain *, as listed; owns them */
	bool docker_user, ufw;
} table;

struct vnet_coexist_finding {
	const table *t;
	const chain *c;
	vnet_coexist_verdict verdict;
	vnet_coexist_owner owner;
};

struct vnet_coexist_report {
	json_t *root;
	GHashTable *tables;	/* "family name" -> table * */
	GPtrArray *order;	/* table *, owns them */
	GPtrArray *findings;	/* vnet_coexist_finding * */
};

static void chain_free(gpointer p)
{
	chain *c = p;

	g_free(c->name);
	g_free(c->hook);
	g_ptr_array_unref(c->rules);
	g_array_unref(c->handles);
	g_free(c);
}

static void table_free(gpointer p)
{
	table *t = p;

	g_free(t->family);
	g_free(t->name);
	g_hash_table_unref(t->chains);
	g_ptr_array_unref(t->order);
	g_free(t);
}

void vnet_coexist_report_free(vnet_coexist_report *r)
{
	if (!r)
		return;
	g_ptr_array_unref(r->findings);
	g_hash_table_unref(r->tables);
	g_ptr_array_unref(r->order);
	json_decref(r->root);
	g_free(r);
}

/* ---------------------------------------------------------------- reading */

static const char *str_field(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static bool family_wanted(const char *family)
{
	return g_strcmp0(family, "ip") == 0 || g_strcmp0(family, "ip6") == 0 ||
	       g_strcmp0(family, "inet") == 0;
}

static table *get_table(vnet_coexist_report *r, const char *family, const char *name, bool create)
{
	g_autofree char *key = NULL;
	table *t;

	if (!family_wanted(family) || !name)
		return NULL;
	/* ours: vnetctl's rules never block vnetctl */
	if (g_str_equal(family, "inet") && g_str_equal(name, "vnetctl"))
		return NULL;
	key = g_strdup_printf("%s %s", family, name);
	t = g_hash_table_lookup(r->tables, key);
	if (t || !create)
		return t;
	t = g_new0(table, 1);
	t->family = g_strdup(family);
	t->name = g_strdup(name);
	t->chains = g_hash_table_new(g_str_hash, g_str_equal);
	t->order = g_ptr_array_new_with_free_func(chain_free);
	g_hash_table_insert(r->tables, g_steal_pointer(&key), t);
	g_ptr_array_add(r->order, t);
	return t;
}

static bool is_ufw_chain(const char *name)
{
	return g_str_has_prefix(name, "ufw-") || g_str_has_prefix(name, "ufw6-");
}

static void add_chain(vnet_coexist_report *r, json_t *o)
{
	table *t = get_table(r, str_field(o, "family"), str_field(o, "table"), true);
	const char *name = str_field(o, "name");
	json_t *prio = json_object_get(o, "prio");
	chain *c;

	if (!t || !name || g_hash_table_contains(t->chains, name))
		return;
	c = g_new0(chain, 1);
	c->name = g_strdup(name);
	c->hook = g_strdup(str_field(o, "hook"));
	c->prio = json_is_integer(prio) ? json_integer_value(prio) : 0;
	/* a base chain without a policy accepts, as the kernel's default */
	c->policy_drop = g_strcmp0(str_field(o, "policy"), "drop") == 0;
	c->rules = g_ptr_array_new();
	c->handles = g_array_new(FALSE, FALSE, sizeof(gint64));
	g_hash_table_insert(t->chains, c->name, c);
	g_ptr_array_add(t->order, c);
	if (g_str_equal(name, "DOCKER-USER"))
		t->docker_user = true;
	if (is_ufw_chain(name))
		t->ufw = true;
}

static void add_rule(vnet_coexist_report *r, json_t *o)
{
	table *t = get_table(r, str_field(o, "family"), str_field(o, "table"), false);
	const char *cname = str_field(o, "chain");
	chain *c = t && cname ? g_hash_table_lookup(t->chains, cname) : NULL;
	json_t *expr = json_object_get(o, "expr");
	json_t *handle = json_object_get(o, "handle");
	gint64 h = json_is_integer(handle) ? json_integer_value(handle) : -1;

	if (!c)
		return;	/* a rule of a chain not listed before it: nft never prints that */
	/* a rule without an expression array is kept, as one that decides nothing */
	g_ptr_array_add(c->rules, json_is_array(expr) ? expr : NULL);
	g_array_append_val(c->handles, h);
}

/* ------------------------------------------------------ the abstract packet */

typedef enum { NO, YES, UNKNOWN } tri;

typedef struct packet {
	const char *iif, *oif;	/* the bridge, or NULL: the other side */
	const char *l4proto;	/* "udp", "tcp", or NULL: any */
	gint64 dport;		/* 0: any */
	const char *ct_state;	/* "new" or "established" */
	bool dnat;		/* ct status dnat */
	bool marked;		/* carries VNET_NFT_MARK: table inet vnetctl accepted it first */
} packet;

typedef enum {
	V_NONE,		/* no verdict: the next rule */
	V_ACCEPT,
	V_DROP,
	V_REJECT,
	V_JUMP,
	V_GOTO,
	V_RETURN,
	V_OTHER,	/* queue, a foreign xt target, ...: decides nothing we know */
} verdict_kind;

typedef struct rule_info {
	tri applies;		/* whether every condition holds for the packet */
	verdict_kind verdict;
	const char *target;	/* for V_JUMP and V_GOTO */
} rule_info;

/* An nft interface name pattern ("vn-*" is a prefix) against a name. */
static bool ifname_matches(const char *pattern, const char *name)
{
	size_t n = strlen(pattern);

	if (n > 0 && pattern[n - 1] == '*' && (n < 2 || pattern[n - 2] != '\\'))
		return strncmp(pattern, name, n - 1) == 0;
	return strcmp(pattern, name) == 0;
}

/* Whether the other side's interface (named by no rule) matches @pattern. */
static bool other_matches(const char *pattern)
{
	return strcmp(pattern, "*") == 0;
}

/* Whether one value of a match's right side equals the packet's. */
typedef tri (*value_test)(json_t *v, const void *what);

static tri test_ifname(json_t *v, const void *what)
{
	const char *s = json_string_value(v);

	if (!s)
		return UNKNOWN;
	return (what ? ifname_matches(s, what) : other_matches(s)) ? YES : NO;
}

static tri test_string(json_t *v, const void *what)
{
	const char *s = json_string_value(v);

	if (!s || !what)
		return UNKNOWN;
	return strcmp(s, what) == 0 ? YES : NO;
}

static tri test_port(json_t *v, const void *what)
{
	gint64 port = *(const gint64 *)what;
	json_t *range = json_object_get(v, "range");

	if (port == 0)
		return UNKNOWN;
	if (json_is_integer(v))
		return json_integer_value(v) == port ? YES : NO;
	if (json_is_array(range) && json_array_size(range) == 2 &&
	    json_is_integer(json_array_get(range, 0)) && json_is_integer(json_array_get(range, 1)))
		return json_integer_value(json_array_get(range, 0)) <= port &&
		       port <= json_integer_value(json_array_get(range, 1)) ? YES : NO;
	return UNKNOWN;	/* a service name, a named set, ... */
}

/*
 * Whether the packet's value is among those of @right: one value, a list
 * of flags (["established", "related"]) or an anonymous set; a named set
 * ("@name") or anything else is unknown.
 */
static tri test_values(json_t *right, value_test test, const void *what)
{
	json_t *list = json_is_array(right) ? right : json_object_get(right, "set");
	tri result = NO;
	size_t i;
	json_t *v;

	if (json_is_string(right) && json_string_value(right)[0] == '@')
		return UNKNOWN;
	if (!json_is_array(list))
		return test(right, what);
	json_array_foreach(list, i, v) {
		tri t = test(v, what);
		if (t == YES)
			return YES;
		if (t == UNKNOWN)
			result = UNKNOWN;
	}
	return result;
}

/* Apply the match's operator to whether the value is among @right's. */
static tri apply_op(const char *op, tri member)
{
	if (member == UNKNOWN || !op)
		return UNKNOWN;
	if (strcmp(op, "==") == 0 || strcmp(op, "in") == 0)
		return member;
	if (strcmp(op, "!=") == 0)
		return member == YES ? NO : YES;
	return UNKNOWN;	/* <, >, ... */
}

/* A layer 4 protocol match: "udp" against the packet's. */
static tri test_proto(const char *op, json_t *right, const packet *p)
{
	return apply_op(op, test_values(right, test_string, p->l4proto));
}

/*
 * "meta mark & MASK == VALUE": only our bit of the packet's mark is known
 * (the rest is anyone's), so a mask of other bits decides nothing.
 */
static tri test_mark(const char *op, json_t *and, json_t *right, const packet *p)
{
	json_t *meta = json_object_get(json_array_get(and, 0), "meta");
	json_t *mask = json_array_get(and, 1);
	gint64 m, v, ours = p->marked ? VNET_NFT_MARK : 0;

	if (json_array_size(and) != 2 || g_strcmp0(str_field(meta, "key"), "mark") != 0 ||
	    !json_is_integer(mask) || !json_is_integer(right))
		return UNKNOWN;
	m = json_integer_value(mask);
	v = json_integer_value(right);
	if ((m & ~(gint64)VNET_NFT_MARK) != 0)
		return UNKNOWN;
	return apply_op(op, (ours & m) == v ? YES : NO);
}

static tri eval_match(json_t *m, const packet *p)
{
	const char *op = str_field(m, "op");
	json_t *left = json_object_get(m, "left");
	json_t *right = json_object_get(m, "right");
	json_t *x;

	if ((x = json_object_get(left, "&")))
		return test_mark(op, x, right, p);
	if ((x = json_object_get(left, "meta"))) {
		const char *key = str_field(x, "key");
		if (g_strcmp0(key, "iifname") == 0 || g_strcmp0(key, "iif") == 0)
			return apply_op(op, test_values(right, test_ifname, p->iif));
		if (g_strcmp0(key, "oifname") == 0 || g_strcmp0(key, "oif") == 0)
			return apply_op(op, test_values(right, test_ifname, p->oif));
		if (g_strcmp0(key, "l4proto") == 0)
			return test_proto(op, right, p);
		return UNKNOWN;
	}
	if ((x = json_object_get(left, "payload"))) {
		const char *proto = str_field(x, "protocol"), *field = str_field(x, "field");
		tri same_proto;
		if (!proto || !field)
			return UNKNOWN;
		if ((strcmp(proto, "ip") == 0 && strcmp(field, "protocol") == 0) ||
		    (strcmp(proto, "ip6") == 0 && strcmp(field, "nexthdr") == 0))
			return test_proto(op, right, p);
		if (strcmp(field, "dport") != 0)
			return UNKNOWN;
		/* "udp dport 53" is also "meta l4proto udp"; "th dport" is any */
		if (strcmp(proto, "th") == 0)
			same_proto = p->dport ? YES : UNKNOWN;
		else if (!p->l4proto)
			same_proto = UNKNOWN;
		else
			same_proto = strcmp(proto, p->l4proto) == 0 ? YES : NO;
		if (same_proto == NO)
			return NO;	/* whatever the operator: no such header */
		if (same_proto == UNKNOWN)
			return UNKNOWN;
		return apply_op(op, test_values(right, test_port, &p->dport));
	}
	if ((x = json_object_get(left, "ct"))) {
		const char *key = str_field(x, "key");
		if (json_object_get(x, "dir") || json_object_get(x, "family"))
			return UNKNOWN;
		if (g_strcmp0(key, "state") == 0)
			return apply_op(op, test_values(right, test_string, p->ct_state));
		if (g_strcmp0(key, "status") == 0) {
			/* only the dnat bit is known: the packet's snat etc. are not */
			tri dnat = test_values(right, test_string, "dnat");
			if (dnat != YES || !json_is_string(right))
				return UNKNOWN;
			return apply_op(op, p->dnat ? YES : NO);
		}
		return UNKNOWN;
	}
	return UNKNOWN;	/* addresses, fib, other marks, ... */
}

/* Statements that neither match nor decide. */
static bool is_noop_statement(const char *key)
{
	static const char *const noops[] = { "counter", "log", "mangle", "notrack", "flow", NULL };

	return g_strv_contains(noops, key);
}

/*
 * What rule @expr does to @p; with @p NULL, whether it is unconditional
 * (applies YES only when it has no condition at all).
 */
static rule_info eval_rule(json_t *expr, const packet *p)
{
	rule_info ri = { YES, V_NONE, NULL };
	size_t i;
	json_t *e;

	if (!json_is_array(expr))
		return (rule_info){ UNKNOWN, V_OTHER, NULL };
	json_array_foreach(expr, i, e) {
		const char *key;
		json_t *val;

		if (ri.verdict != V_NONE)
			break;	/* nothing after a verdict runs */
		if (!json_is_object(e) || json_object_size(e) != 1) {
			ri.applies = UNKNOWN;
			continue;
		}
		key = json_object_iter_key(json_object_iter(e));
		val = json_object_iter_value(json_object_iter(e));
		if (strcmp(key, "match") == 0) {
			tri t = p ? eval_match(val, p) : UNKNOWN;
			if (t == NO)
				ri.applies = NO;
			else if (t == UNKNOWN && ri.applies == YES)
				ri.applies = UNKNOWN;
		} else if (strcmp(key, "accept") == 0) {
			ri.verdict = V_ACCEPT;
		} else if (strcmp(key, "drop") == 0) {
			ri.verdict = V_DROP;
		} else if (strcmp(key, "reject") == 0) {
			ri.verdict = V_REJECT;
		} else if (strcmp(key, "return") == 0) {
			ri.verdict = V_RETURN;
		} else if (strcmp(key, "continue") == 0) {
			ri.verdict = V_NONE;
			break;
		} else if (strcmp(key, "jump") == 0 || strcmp(key, "goto") == 0) {
			ri.target = str_field(val, "target");
			ri.verdict = !ri.target ? V_OTHER : key[0] == 'j' ? V_JUMP : V_GOTO;
		} else if (strcmp(key, "xt") == 0) {
			/* iptables-nft: a match whose arguments the JSON does not show */
			const char *type = str_field(val, "type"), *name = str_field(val, "name");
			if (g_strcmp0(type, "target") == 0 && g_strcmp0(name, "REJECT") == 0)
				ri.verdict = V_REJECT;
			else if (g_strcmp0(type, "target") == 0 && g_strcmp0(name, "LOG") == 0)
				continue;
			else if (g_strcmp0(type, "match") == 0 && g_strcmp0(name, "comment") == 0)
				continue;	/* -m comment matches every packet */
			else if (g_strcmp0(type, "target") == 0)
				ri.verdict = V_OTHER;
			else if (ri.applies == YES)
				ri.applies = UNKNOWN;
		} else if (!is_noop_statement(key) && ri.applies == YES) {
			/* limit, quota, vmap, a set update, something newer: undecided */
			ri.applies = UNKNOWN;
		}
	}
	return ri;
}

/* What a walk through a chain ends in. */
typedef enum { W_CONTINUE, W_ACCEPT, W_DROP } walk;

static walk walk_chain(const table *t, const chain *c, const packet *p, int depth)
{
	if (depth > MAX_DEPTH)
		return W_CONTINUE;
	for (guint i = 0; i < c->rules->len; i++) {
		rule_info ri = eval_rule(c->rules->pdata[i], p);
		const chain *to;
		walk w;

		if (ri.applies != YES)
			continue;
		switch (ri.verdict) {
		case V_NONE:
		case V_OTHER:
			break;
		case V_ACCEPT:
			return W_ACCEPT;
		case V_DROP:
		case V_REJECT:
			return W_DROP;
		case V_RETURN:
			return W_CONTINUE;
		case V_JUMP:
		case V_GOTO:
			to = g_hash_table_lookup(t->chains, ri.target);
			if (!to)
				break;
			w = walk_chain(t, to, p, depth + 1);
			if (w != W_CONTINUE)
				return w;
			if (ri.verdict == V_GOTO)
				return W_CONTINUE;	/* a goto does not come back here */
			break;
		}
	}
	return W_CONTINUE;
}

/* --------------------------------------------------------------- findings */

static bool chain_jumps_to(const chain *c, bool (*pred)(const char *))
{
	for (guint i = 0; i < c->rules->len; i++) {
		rule_info ri = eval_rule(c->rules->pdata[i], NULL);
		if ((ri.verdict == V_JUMP || ri.verdict == V_GOTO) && pred(ri.target))
			return true;
	}
	return false;
}

static bool is_docker_user(const char *name)
{
	return strcmp(name, "DOCKER-USER") == 0;
}

/*
 * Docker and ufw share iptables-nft's table ip filter when both run: the
 * chain that jumps to DOCKER-USER is Docker's, one that jumps to ufw's
 * chains ufw's, and otherwise the table tells.
 */
static vnet_coexist_owner chain_owner(const table *t, const chain *c)
{
	if (t->docker_user && chain_jumps_to(c, is_docker_user))
		return VNET_COEXIST_DOCKER;
	if (t->ufw)
		return VNET_COEXIST_UFW;
	if (strcmp(t->name, "firewalld") == 0)
		return VNET_COEXIST_FIREWALLD;
	if (t->docker_user || strcmp(t->name, "docker-bridges") == 0)
		return VNET_COEXIST_DOCKER;
	return VNET_COEXIST_UNKNOWN;
}

static void find(vnet_coexist_report *r)
{
	for (guint i = 0; i < r->order->len; i++) {
		const table *t = r->order->pdata[i];
		for (guint j = 0; j < t->order->len; j++) {
			const chain *c = t->order->pdata[j];
			vnet_coexist_finding *f;
			rule_info last = { NO, V_NONE, NULL };

			if (g_strcmp0(c->hook, "forward") != 0 && g_strcmp0(c->hook, "input") != 0)
				continue;
			if (c->rules->len > 0)
				last = eval_rule(c->rules->pdata[c->rules->len - 1], NULL);
			if (last.applies != YES || (last.verdict != V_DROP && last.verdict != V_REJECT)) {
				if (!c->policy_drop)
					continue;
				last.verdict = V_NONE;
			}
			f = g_new0(vnet_coexist_finding, 1);
			f->t = t;
			f->c = c;
			f->verdict = last.verdict == V_DROP     ? VNET_COEXIST_FINAL_DROP
				     : last.verdict == V_REJECT ? VNET_COEXIST_FINAL_REJECT
								: VNET_COEXIST_POLICY_DROP;
			f->owner = chain_owner(t, c);
			g_ptr_array_add(r->findings, f);
		}
	}
}

vnet_coexist_report *vnet_coexist_parse(const char *nft_json, GError **error)
{
	g_autoptr(vnet_coexist_report) r = NULL;
	json_error_t jerr;
	json_t *arr, *item;
	size_t i;

	g_return_val_if_fail(nft_json != NULL, NULL);
	r = g_new0(vnet_coexist_report, 1);
	r->tables = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	r->order = g_ptr_array_new_with_free_func(table_free);
	r->findings = g_ptr_array_new_with_free_func(g_free);
	r->root = json_loads(nft_json, JSON_REJECT_DUPLICATES, &jerr);
	if (!r->root) {
		vnet_set_error(error, VNET_ERROR_INVALID,
			       _("The ruleset libnftables listed is not valid JSON (line %d: %s), so vnetctl cannot tell which other firewall would block its networks."),
			       jerr.line, jerr.text);
		return NULL;
	}
	arr = json_object_get(r->root, "nftables");
	if (!json_is_array(arr)) {
		vnet_set_error(error, VNET_ERROR_INVALID,
			       _("The ruleset libnftables listed has no \"nftables\" array, so vnetctl cannot tell which other firewall would block its networks; the nftables library may be newer than vnetctl knows."));
		return NULL;
	}
	/* nft lists a table's chains before their rules, and tables in order */
	json_array_foreach(arr, i, item) {
		json_t *o;
		if ((o = json_object_get(item, "chain")) && json_is_object(o))
			add_chain(r, o);
		else if ((o = json_object_get(item, "rule")) && json_is_object(o))
			add_rule(r, o);
	}
	find(r);
	return g_steal_pointer(&r);
}

guint vnet_coexist_report_count(const vnet_coexist_report *r)
{
	return r->findings->len;
}

const vnet_coexist_finding *vnet_coexist_report_get(const vnet_coexist_report *r, guint index)
{
	g_return_val_if_fail(index < r->findings->len, NULL);
	return r->findings->pdata[index];
}

const char *vnet_coexist_finding_family(const vnet_coexist_finding *f) { return f->t->family; }
const char *vnet_coexist_finding_table(const vnet_coexist_finding *f) { return f->t->name; }
const char *vnet_coexist_finding_chain(const vnet_coexist_finding *f) { return f->c->name; }
const char *vnet_coexist_finding_hook(const vnet_coexist_finding *f) { return f->c->hook; }
gint64 vnet_coexist_finding_priority(const vnet_coexist_finding *f) { return f->c->prio; }
vnet_coexist_verdict vnet_coexist_finding_verdict(const vnet_coexist_finding *f) { return f->verdict; }
vnet_coexist_owner vnet_coexist_finding_owner(const vnet_coexist_finding *f) { return f->owner; }

const char *vnet_coexist_owner_name(vnet_coexist_owner owner)
{
	switch (owner) {
	case VNET_COEXIST_DOCKER:
		return "docker";
	case VNET_COEXIST_FIREWALLD:
		return "firewalld";
	case VNET_COEXIST_UFW:
		return "ufw";
	case VNET_COEXIST_UNKNOWN:
		return "unknown";
	}
	return "unknown";
}

const char *vnet_coexist_verdict_name(vnet_coexist_verdict verdict)
{
	switch (verdict) {
	case VNET_COEXIST_POLICY_DROP:
		return "policy-drop";
	case VNET_COEXIST_FINAL_DROP:
		return "final-drop";
	case VNET_COEXIST_FINAL_REJECT:
		return "final-reject";
	}
	return "policy-drop";
}

char *vnet_coexist_finding_format(const vnet_coexist_finding *f)
{
	return g_strdup_printf("%s %s %s %s %" G_GINT64_FORMAT " %s %s", f->t->family, f->t->name,
			       f->c->name, f->c->hook, f->c->prio, vnet_coexist_verdict_name(f->verdict),
			       vnet_coexist_owner_name(f->owner));
}

/* ----------------------------------------------------------- lets through */

static bool lets_packet_through(const vnet_coexist_finding *f, const packet *p)
{
	/*
	 * ufw: what `ufw allow` and `ufw route allow` add is in its user chain,
	 * reached after ufw's before-rules, some of which the JSON cannot show
	 * (ufw-not-local returns local traffic through an "xt" addrtype match,
	 * and would otherwise seem to drop it).
	 */
	if (f->owner == VNET_COEXIST_UFW) {
		g_autofree char *name = g_strdup_printf("%s-user-%s", strcmp(f->t->family, "ip6") == 0 ? "ufw6" : "ufw",
							f->c->hook);
		const chain *user = g_hash_table_lookup(f->t->chains, name);
		if (user && walk_chain(f->t, user, p, 1) == W_ACCEPT)
			return true;
	}
	switch (walk_chain(f->t, f->c, p, 0)) {
	case W_ACCEPT:
		return true;
	case W_DROP:
		return false;
	case W_CONTINUE:
		break;
	}
	return !f->c->policy_drop;	/* a final drop or reject always decides */
}

bool vnet_coexist_lets_through(const vnet_coexist_finding *f, const char *bridge, vnet_coexist_traffic traffic)
{
	bool forward = strcmp(f->c->hook, "forward") == 0;
	bool v6 = strcmp(f->t->family, "ip6") == 0;
	/* what the bridge forwards our table accepted, and marked, first */
	packet p = { .ct_state = "new", .marked = forward };

	if (!vnet_name_is_valid(bridge, VNET_IFNAME_MAX))
		return false;
	switch (traffic) {
	case VNET_COEXIST_GUEST_OUT:
		if (!forward)
			return true;
		p.iif = bridge;
		return lets_packet_through(f, &p);
	case VNET_COEXIST_GUEST_REPLY:
		if (!forward)
			return true;
		p.oif = bridge;
		p.ct_state = "established";
		return lets_packet_through(f, &p);
	case VNET_COEXIST_GUEST_FORWARDED:
		if (!forward)
			return true;
		p.oif = bridge;
		p.dnat = true;
		return lets_packet_through(f, &p);
	case VNET_COEXIST_HOST_DHCP:
		if (forward)
			return true;
		p.iif = bridge;
		p.l4proto = "udp";
		p.dport = v6 ? 547 : 67;
		return lets_packet_through(f, &p);
	case VNET_COEXIST_HOST_DNS:
		if (forward)
			return true;
		p.iif = bridge;
		p.dport = 53;
		p.l4proto = "udp";
		if (!lets_packet_through(f, &p))
			return false;
		p.l4proto = "tcp";
		return lets_packet_through(f, &p);
	}
	return false;
}

/* ------------------------------------------------------------ fix commands */

/* The handle of the first rule that can drop or reject (before which ours go), or -1. */
static gint64 first_drop_handle(const chain *c)
{
	for (guint i = 0; i < c->rules->len; i++) {
		rule_info ri = eval_rule(c->rules->pdata[i], NULL);
		if (ri.verdict == V_DROP || ri.verdict == V_REJECT)
			return g_array_index(c->handles, gint64, i);
	}
	return -1;
}

/* iptables' own tables (iptables-nft): their rules are changed with iptables. */
static bool iptables_style(const table *t, const chain *c)
{
	return strcmp(t->family, "inet") != 0 && strcmp(t->name, "filter") == 0 &&
	       (strcmp(c->name, "FORWARD") == 0 || strcmp(c->name, "INPUT") == 0);
}

/* Which of the hook's traffic @f does not let through yet: what the commands are for. */
typedef struct needs {
	bool out, reply, forwarded, dhcp, dns;
} needs;

static void fix_iptables(GString *s, const char *chain_name, const char *br, const needs *n, bool v6)
{
	const char *prog = v6 ? "ip6tables" : "iptables";

	if (n->out)
		g_string_append_printf(s, "%s -I %s -i %s -j ACCEPT\n", prog, chain_name, br);
	if (n->reply)
		g_string_append_printf(s, "%s -I %s -o %s -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\n",
				       prog, chain_name, br);
	if (n->forwarded)
		g_string_append_printf(s, "%s -I %s -o %s -m conntrack --ctstate DNAT -j ACCEPT\n",
				       prog, chain_name, br);
	if (n->dhcp)
		g_string_append_printf(s, "%s -I %s -i %s -p udp --dport %d -j ACCEPT\n", prog, chain_name,
				       br, v6 ? 547 : 67);
	if (n->dns) {
		g_string_append_printf(s, "%s -I %s -i %s -p udp --dport 53 -j ACCEPT\n", prog, chain_name, br);
		g_string_append_printf(s, "%s -I %s -i %s -p tcp --dport 53 -j ACCEPT\n", prog, chain_name, br);
	}
}

static void fix_nft(GString *s, const vnet_coexist_finding *f, const char *br, const needs *n, bool v6)
{
	gint64 h = first_drop_handle(f->c);
	g_autofree char *where = h >= 0 ? g_strdup_printf("nft insert rule %s %s %s position %" G_GINT64_FORMAT,
							  f->t->family, f->t->name, f->c->name, h)
					: g_strdup_printf("nft add rule %s %s %s", f->t->family, f->t->name, f->c->name);

	if (n->out)
		g_string_append_printf(s, "%s iifname \"%s\" accept\n", where, br);
	if (n->reply)
		g_string_append_printf(s, "%s oifname \"%s\" ct state established,related accept\n", where, br);
	if (n->forwarded)
		g_string_append_printf(s, "%s oifname \"%s\" ct status dnat accept\n", where, br);
	if (n->dhcp)
		g_string_append_printf(s, "%s iifname \"%s\" udp dport %d accept\n", where, br, v6 ? 547 : 67);
	if (n->dns) {
		g_string_append_printf(s, "%s iifname \"%s\" udp dport 53 accept\n", where, br);
		g_string_append_printf(s, "%s iifname \"%s\" tcp dport 53 accept\n", where, br);
	}
}

/* ----------------------------------------------------------------- config */

bool vnet_coexist_parse_config(const char *text, const char *path, vnet_coexist_mode *ret_mode,
			       GError **error)
{
	static const char *const modes[] = { "auto", "warn", "strict", NULL };
	g_auto(GStrv) lines = g_strsplit(text ? text : "", "\n", -1);
	bool seen = false;

	*ret_mode = VNET_COEXIST_MODE_AUTO;
	for (guint n = 0; lines[n]; n++) {
		g_autofree char *line = g_strstrip(g_strdup(lines[n]));
		g_auto(GStrv) kv = NULL;
		const char *key, *value;
		char *hash = strchr(line, '#');

		if (hash)
			*hash = '\0';
		g_strstrip(line);
		if (!*line)
			continue;
		kv = g_strsplit(line, "=", 2);
		key = kv[0] ? g_strstrip(kv[0]) : "";
		value = kv[0] && kv[1] ? g_strstrip(kv[1]) : NULL;
		if (!value) {
			vnet_set_error(error, VNET_ERROR_INVALID,
				       _("Line %u of %s is not \"key = value\"; write \"coexist = auto\", \"coexist = warn\" or \"coexist = strict\"."),
				       n + 1, path);
			return false;
		}
		if (strcmp(key, "coexist") != 0) {
			vnet_set_error(error, VNET_ERROR_INVALID,
				       _("Line %u of %s sets \"%s\", which vnetctl does not know; the one setting there is \"coexist\"."),
				       n + 1, path, key);
			return false;
		}
		if (seen) {
			vnet_set_error(error, VNET_ERROR_INVALID,
				       _("Line %u of %s sets \"coexist\" a second time; keep one of the two lines."),
				       n + 1, path);
			return false;
		}
		seen = true;
		for (guint m = 0;; m++) {
			if (!modes[m]) {
				vnet_set_error(error, VNET_ERROR_INVALID,
					       _("Line %u of %s sets coexist to \"%s\"; it must be auto, warn or strict."),
					       n + 1, path, value);
				return false;
			}
			if (strcmp(value, modes[m]) == 0) {
				*ret_mode = (vnet_coexist_mode)m;
				break;
			}
		}
	}
	return true;
}

bool vnet_coexist_read_mode(vnet_coexist_mode *ret_mode, GError **error)
{
	const char *env = g_getenv("VNET_CONFIG");
	const char *path = env && *env ? env : SYSCONFDIR "/vnetctl/vnetctl.conf";
	g_autofree char *text = NULL;
	g_autoptr(GError) local = NULL;

	*ret_mode = VNET_COEXIST_MODE_AUTO;
	if (!g_file_get_contents(path, &text, NULL, &local)) {
		if (g_error_matches(local, G_FILE_ERROR, G_FILE_ERROR_NOENT))
			return true;
		vnet_set_error(error, VNET_ERROR_FAILED, _("Cannot read %s: %s."), path, local->message);
		return false;
	}
	return vnet_coexist_parse_config(text, path, ret_mode, error);
}

char *vnet_coexist_ufw_forward_command(const char *bridge, const char *addr, guint16 port, guint16 port_end,
				       const char *proto)
{
	if (port_end > port)
		return g_strdup_printf("ufw route allow out on %s to %s port %u:%u proto %s", bridge, addr, port, port_end,
				       proto);
	return g_strdup_printf("ufw route allow out on %s to %s port %u proto %s", bridge, addr, port, proto);
}

const char *vnet_coexist_docker_command(bool v6)
{
#define DOCKER_RULE " -I DOCKER-USER -m mark --mark " G_STRINGIFY(VNET_NFT_MARK) "/" G_STRINGIFY(VNET_NFT_MARK) \
	" -m comment --comment " VNET_COEXIST_DOCKER_COMMENT " -j ACCEPT"
	return v6 ? "ip6tables" DOCKER_RULE : "iptables" DOCKER_RULE;
#undef DOCKER_RULE
}

char *vnet_coexist_fix_commands(const vnet_coexist_finding *f, const char *bridge, GError **error)
{
	bool v6 = strcmp(f->t->family, "ip6") == 0;
	needs n;
	GString *s;

	if (!vnet_check_ifname(bridge, error))
		return NULL;
	if (!vnet_name_is_valid(f->t->name, NFT_NAME_MAX) || !vnet_name_is_valid(f->c->name, NFT_NAME_MAX)) {
		vnet_set_error(error, VNET_ERROR_INVALID,
			       _("vnetctl cannot write a safe command for chain \"%s\" of table %s \"%s\": its name has characters a shell or nft would read otherwise. Let bridge %s through it by hand."),
			       f->c->name, f->t->family, f->t->name, bridge);
		return NULL;
	}
	/* lets_through() is true for the other hook's traffic: no command for it */
	n.out = !vnet_coexist_lets_through(f, bridge, VNET_COEXIST_GUEST_OUT);
	n.reply = !vnet_coexist_lets_through(f, bridge, VNET_COEXIST_GUEST_REPLY);
	n.forwarded = !vnet_coexist_lets_through(f, bridge, VNET_COEXIST_GUEST_FORWARDED);
	n.dhcp = !vnet_coexist_lets_through(f, bridge, VNET_COEXIST_HOST_DHCP);
	n.dns = !vnet_coexist_lets_through(f, bridge, VNET_COEXIST_HOST_DNS);
	s = g_string_new(NULL);
	switch (f->owner) {
	case VNET_COEXIST_FIREWALLD:
		break;	/* vnetctl's own zone, through firewalld's D-Bus API */
	case VNET_COEXIST_UFW:
		/* ufw's own rules let replies through (ct state established) */
		if (n.out)
			g_string_append_printf(s, "ufw route allow in on %s\n", bridge);
		if (n.dhcp)
			g_string_append_printf(s, "ufw allow in on %s to any port %d proto udp\n", bridge,
					       v6 ? 547 : 67);
		if (n.dns)
			g_string_append_printf(s, "ufw allow in on %s to any port 53\n", bridge);
		break;
	case VNET_COEXIST_DOCKER:
		if (strcmp(f->t->name, "docker-bridges") == 0)
			break;	/* Docker's nftables mode rewrites its table: nothing to add there */
		/*
		 * Docker's table is iptables-nft's: a native nft rule there breaks
		 * iptables.  In DOCKER-USER, one rule of our mark serves every
		 * network and fails closed without our table.
		 */
		if (strcmp(f->c->hook, "forward") == 0 && f->t->docker_user) {
			if (n.out || n.reply || n.forwarded)
				g_string_append_printf(s, "%s\n", vnet_coexist_docker_command(v6));
			break;
		}
		fix_iptables(s, f->c->name, bridge, &n, v6);
		break;
	case VNET_COEXIST_UNKNOWN:
		if (iptables_style(f->t, f->c))
			fix_iptables(s, f->c->name, bridge, &n, v6);
		else
			fix_nft(s, f, bridge, &n, v6);
		break;
	}
	return g_string_free(s, FALSE);
}

static const char *yes_no(bool b)
{
	return b ? "yes" : "no";
}

char *vnet_coexist_report_format(const vnet_coexist_report *r, const char *bridge)
{
	GString *s = g_string_new(NULL);

	for (guint i = 0; i < r->findings->len; i++) {
		const vnet_coexist_finding *f = r->findings->pdata[i];
		g_autofree char *line = vnet_coexist_finding_format(f);
		g_autofree char *fix = NULL;
		g_auto(GStrv) cmds = NULL;

		g_string_append_printf(s, "%s\n", line);
		if (!bridge)
			continue;
		if (strcmp(f->c->hook, "forward") == 0)
			g_string_append_printf(s, "  %s: guest-out %s, guest-reply %s, guest-forwarded %s\n", bridge,
					       yes_no(vnet_coexist_lets_through(f, bridge, VNET_COEXIST_GUEST_OUT)),
					       yes_no(vnet_coexist_lets_through(f, bridge, VNET_COEXIST_GUEST_REPLY)),
					       yes_no(vnet_coexist_lets_through(f, bridge, VNET_COEXIST_GUEST_FORWARDED)));
		else
			g_string_append_printf(s, "  %s: host-dhcp %s, host-dns %s\n", bridge,
					       yes_no(vnet_coexist_lets_through(f, bridge, VNET_COEXIST_HOST_DHCP)),
					       yes_no(vnet_coexist_lets_through(f, bridge, VNET_COEXIST_HOST_DNS)));
		fix = vnet_coexist_fix_commands(f, bridge, NULL);
		cmds = g_strsplit(fix ? fix : "", "\n", -1);
		for (char **c = cmds; *c; c++)
			if (**c)
				g_string_append_printf(s, "  fix: %s\n", *c);
	}
	return g_string_free(s, FALSE);
}

/* ------------------------------------------------------------ host checks */

bool vnet_coexist_legacy_tables(const char *path, GStrv *ret_tables, GError **error)
{
	g_autoptr(GError) err = NULL;
	g_autofree char *text = NULL;
	g_autoptr(GStrvBuilder) b = g_strv_builder_new();
	g_auto(GStrv) lines = NULL;

	if (!g_file_get_contents(path, &text, NULL, &err)) {
		if (!g_error_matches(err, G_FILE_ERROR, G_FILE_ERROR_NOENT)) {
			vnet_set_error(error, VNET_ERROR_FAILED,
				       _("Could not read %s to find iptables-legacy tables: %s."), path, err->message);
			return false;
		}
	} else {
		lines = g_strsplit(text, "\n", -1);
		for (char **l = lines; *l; l++) {
			g_strstrip(*l);
			if (**l)
				g_strv_builder_add(b, *l);
		}
	}
	*ret_tables = g_strv_builder_end(b);
	return true;
}

bool vnet_coexist_br_netfilter_loaded(const char *module_dir, const char *bridge_nf_call)
{
	return (module_dir && g_file_test(module_dir, G_FILE_TEST_IS_DIR)) ||
	       (bridge_nf_call && g_file_test(bridge_nf_call, G_FILE_TEST_EXISTS));
}

bool vnet_coexist_conf_flushes_ruleset(const char *path)
{
	g_autofree char *text = NULL;
	g_auto(GStrv) lines = NULL;

	if (!g_file_get_contents(path, &text, NULL, NULL))
		return false;
	lines = g_strsplit(text, "\n", -1);
	for (char **l = lines; *l; l++) {
		g_auto(GStrv) words = NULL;
		char *cut = strpbrk(*l, "#;");

		/* the first command: up to a comment (or the #! line), a ";" or the end of the line */
		if (cut)
			*cut = '\0';
		g_strdelimit(*l, "\t\r", ' ');
		if (!*g_strstrip(*l))
			continue;
		words = g_strsplit(*l, " ", -1);
		/* "flush ruleset", not "flush ruleset ip" (one family only) */
		return g_strv_length(words) >= 2 && strcmp(words[0], "flush") == 0 &&
		       strcmp(words[g_strv_length(words) - 1], "ruleset") == 0 &&
		       strspn(*l + 5, " ") + 5 + strlen("ruleset") == strlen(*l);
	}
	return false;
}

/* --------------------------------------------------------------- kernel */

bool vnet_coexist_read_ruleset(char **ret_json, GError **error)
{
	struct nft_ctx *ctx = nft_ctx_new(NFT_CTX_DEFAULT);
	const char *out, *err;
	bool ok = false;

	if (!ctx || nft_ctx_buffer_output(ctx) != 0 || nft_ctx_buffer_error(ctx) != 0) {
		vnet_set_error(error, VNET_ERROR_FAILED,
			       _("Could not set up libnftables; check that the nftables library is installed and not damaged."));
		goto out;
	}
	/*
	 * Terse: no elements of named sets, which nothing here reads (a rule's
	 * "@set" is unknown); vnetctl's own maps hold one per forward.
	 */
	nft_ctx_output_set_flags(ctx, NFT_CTX_OUTPUT_JSON | NFT_CTX_OUTPUT_TERSE);
	if (nft_run_cmd_from_buffer(ctx, "list ruleset") != 0) {
		g_auto(GStrv) lines = NULL;
		err = nft_ctx_get_error_buffer(ctx);
		lines = g_strsplit(err && *err ? err : strerror(EPERM), "\n", 2);
		vnet_set_error(error, VNET_ERROR_FAILED,
			       _("Could not list the nftables ruleset to look for other firewalls: %s."),
			       g_strstrip(lines[0]));
		goto out;
	}
	out = nft_ctx_get_output_buffer(ctx);
	/* an empty ruleset lists as the metainfo alone; never as nothing, but be sure */
	*ret_json = g_strdup(out && *out ? out : "{\"nftables\": []}");
	ok = true;
out:
	if (ctx)
		nft_ctx_free(ctx);
	return ok;
}
