/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * nft: vnetctl's one nftables table, `table inet vnetctl`, through
 * libnftables in-process.  The table, its maps, sets and base chains are
 * created once; a network or a forward is only ever map and set *elements*,
 * so the rules a packet meets do not grow with the number of networks or
 * forwards.  Every change is one libnftables transaction (all or nothing).
 * No other table is ever listed, changed or flushed here (Docker's
 * DOCKER-USER chain, the one other place vnetctl writes a rule, is docker.h's).
 *
 * The elements of an intent (see vnet_nft_intent_elements()):
 *   nat/hybrid:  nat_if BRIDGE, intra_if BRIDGE . BRIDGE, nat4 SUBNET4,
 *                nat6 SUBNET6, and per forward and per port of its range
 *                fwd4  PROTO . PORT : GUEST . GPORT          (any host address)
 *                fwd4_addr HOSTADDR . PROTO . PORT : GUEST . GPORT
 *                fwd6, fwd6_addr likewise for IPv6;
 *   isolated:    iso_if BRIDGE, intra_if BRIDGE . BRIDGE;
 *   bridged:     nothing;
 * and, in table bridge vnetctl (the guard: guest port security, created in
 * the same transaction), for a guarded bridge its ports in guard_port (and
 * strict_port), the gateway in reserved4/6, each reservation, lease and
 * static address in reserved4/6
 * and bound4/6 ADDR . MAC (and, under strict, strict4/6 MAC).
 * A port range onto other ports maps port by port (8000-8010:80-90 is 11
 * elements): the maps are hashes, whose updates cost O(1); interval maps
 * would clone on every commit.  A range onto the same ports is one interval
 * element of fwdr4 PROTO . LO-HI : GUEST (fwdr4_addr, fwdr6, fwdr6_addr
 * likewise), whose DNAT keeps the port: those maps hold ranges only.
 *
 * What the kernel needs besides the table (see brport.h): route_localnet on
 * each NAT bridge (so `curl localhost:PORT` reaches a forward) and hairpin
 * on the bridge port of a guest that serves a forward (so it reaches its own
 * forward through the host's address when br_netfilter is loaded).
 */
#ifndef VNET_NFT_H
#define VNET_NFT_H

#include "model.h"

/* The one table vnetctl owns, and the family it lives in. */
#define VNET_NFT_FAMILY "inet"
#define VNET_NFT_TABLE "vnetctl"

/*
 * The packet mark bit our forward filter sets on what it accepts, before
 * any other table's filter sees it (priority filter - 10).  A rule of
 * another tool that accepts this bit (Docker's DOCKER-USER chain: see
 * docker.h) accepts exactly our networks' traffic, and nothing once our
 * table is gone.  One bit no common tool uses (kube-proxy takes 0x4000 and
 * 0x8000, Calico and Cilium the upper and lower bytes of their own masks).
 */
#define VNET_NFT_MARK 0x00200000

typedef struct vnet_nft vnet_nft;

/* A libnftables context whose output and errors are buffered, never printed. */
vnet_nft *vnet_nft_new(GError **error);
void vnet_nft_free(vnet_nft *nft);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(vnet_nft, vnet_nft_free)

/*
 * Converge the kernel from the elements of @old to those of @new: delete
 * what only @old has, add what only @new has, in one transaction, creating
 * the table first if it is missing.  Either may be NULL (add a network:
 * old NULL; remove it: new NULL; restore after a flush: old NULL).  Adding
 * an element that exists and deleting one that does not are not errors, so
 * running the same change twice leaves exactly one copy of each element.
 *
 * The common path costs two small libnftables calls (a probe of the layout
 * marker set and the element transaction) and never reads the elements
 * back.  Only when that transaction fails (the kernel holds an element of the
 * same key with other data: drift) are our table's elements read once (O(N))
 * and the keys of @old and @new converged to @new in a second transaction.
 *
 * @guests maps domain names (forwards written with a GUEST name) to their
 * address strings; a value may hold several addresses separated by spaces
 * or commas ("10.0.0.5 fd00::5"), the first of the forward's family is used.
 * A forward whose guest is not in it, or whose target address is not inside
 * the network's subnet, is skipped.  May be NULL.
 *
 * With @ret_commands the nft commands are returned: with @dry_run the
 * element commands of the change (vnet_nft_diff_commands(); @nft may then be
 * NULL and nothing is sent to the kernel), otherwise the commands that were
 * run (table commands first when the table had to be created).
 */
bool vnet_nft_apply(vnet_nft *nft, const vnet_intent *old, const vnet_intent *new,
		    GHashTable *guests, bool dry_run, char **ret_commands, GError **error);

/*
 * vnet_nft_apply() with the guests' addresses before and after: for a
 * domain that got another address, started or went away (@old == @new,
 * @old_guests and @new_guests differ).  vnet_nft_apply(old, new, guests) is
 * vnet_nft_converge(old, guests, new, guests).
 */
bool vnet_nft_converge(vnet_nft *nft, const vnet_intent *old, GHashTable *old_guests,
		       const vnet_intent *new, GHashTable *new_guests, bool dry_run,
		       char **ret_commands, GError **error);

/*
 * The element commands that turn @old's elements into @new's, touching
 * nothing: deletes first (each as "add element" + "delete element" of the
 * same elements, so that deleting an absent element is not an error), then
 * adds; one command per set, sets in a fixed order, elements in intent
 * order.  "" when there is nothing to do.
 */
char *vnet_nft_diff_commands(const vnet_intent *old, const vnet_intent *new, GHashTable *guests);

/*
 * The commands that create the table, for `plan` and the golden files.
 * Idempotent: every chain is flushed before its rules are added, so running
 * them on an existing table leaves one copy of each rule and every element.
 */
char *vnet_nft_table_commands(void);

/*
 * Create the table unless its layout marker exists (one O(1) probe).
 * vnet_nft_apply() does this itself; `restore` may call it alone.
 */
bool vnet_nft_ensure_table(vnet_nft *nft, GError **error);

/*
 * The elements our table holds now, one canonical line each ("fwd4 tcp . 8080 :
 * 10.0.0.2 . 80"), parsed from libnftables' JSON output of our table only,
 * sorted.  An absent table is an empty list.  Costs O(N): never on the path
 * that adds one forward.
 */
bool vnet_nft_read_elements(vnet_nft *nft, GPtrArray **ret_lines, GError **error);

/*
 * The elements @intent wants, in the same canonical form, for diffing, in
 * generation order (compare as sets).
 */
GPtrArray *vnet_nft_intent_elements(const vnet_intent *intent, GHashTable *guests);

/*
 * The commands that turn @old's elements into @new's, and those that undo
 * exactly that, touching nothing.  Without @exact, @old is taken for what
 * the kernel holds (the cheap path of a forward add: only the forwards that
 * differ are expanded).  With @exact our table's elements are read (O(N))
 * and only what the kernel lacks is added, only what it holds is deleted,
 * so an "ensure" that finds everything in place changes and undoes nothing.
 * @ret_gone, if not NULL, gets the forward elements that go (one canonical
 * line each): connections through them are to be flushed.
 * @ret_table_missing, if not NULL, says whether our table is absent now.
 * @nft may be NULL without @exact (planning offline).
 */
bool vnet_nft_prepare(vnet_nft *nft, const vnet_intent *old, GHashTable *old_guests,
		      const vnet_intent *new, GHashTable *new_guests, bool exact,
		      char **ret_do, char **ret_undo, char **ret_gone, bool *ret_table_missing,
		      GError **error);
/*
 * Run commands vnet_nft_prepare() made (element changes only), as one
 * transaction, with the table's own commands first unless nothing was
 * committed since the table was last as they make it (nft.c, table_*):
 * a chain, rule or set someone deleted comes back with the next change.
 */
bool vnet_nft_run(vnet_nft *nft, const char *cmds, GError **error);
/* Whether our table holds no element at all (false if it cannot be read). */
bool vnet_nft_table_empty(vnet_nft *nft);
/*
 * Fail (CONFLICT) when a table inet vnetctl exists that lacks our marker:
 * someone else's, which vnetctl never modifies or deletes.
 */
bool vnet_nft_check_ours(vnet_nft *nft, GError **error);
/*
 * Fail (CONFLICT) when an element @in wants, or a NAT subnet overlapping
 * its subnets, is held by another network (its comment names another).
 * What the hook checks instead of other intents, which it cannot ask
 * libvirtd for.  O(N): the table is read.
 */
bool vnet_nft_check_claims(vnet_nft *nft, const vnet_intent *in, GHashTable *guests, GError **error);
/* Whether any element of our table names @owner. */
bool vnet_nft_owns_any(vnet_nft *nft, const char *owner);
/* Put back our table's chains, rules and sets as vnetctl makes them (idempotent). */
bool vnet_nft_repair_table(vnet_nft *nft, GError **error);
/* Whether our table holds nothing but what vnetctl made, and no element: safe to drop. */
bool vnet_nft_table_removable(vnet_nft *nft);

/*
 * `vnetctl trace` (trace.h) adds temporary base chains to our table, named
 * with this prefix.  They are ours: they never keep the table alive and are
 * never taken for an admin's chain.
 */
#define VNET_NFT_TRACE_PREFIX "trace_"
/*
 * Run @cmds, which add or delete chains of ours outside the layout (trace
 * chains), as one transaction; the table is created first in the same
 * transaction when it is missing (@ret_created, if not NULL, says so).
 */
bool vnet_nft_run_chains(vnet_nft *nft, const char *cmds, bool *ret_created, GError **error);
/*
 * What nft prints for `nft -a -t list ruleset`, or with @ours_only for
 * `nft -a -t list table inet vnetctl`: rules with their handles, sets without their
 * elements, so that a map of 65,535 forwards costs nothing.  An absent
 * table of ours is "".
 */
bool vnet_nft_list_text(vnet_nft *nft, bool ours_only, char **ret_text, GError **error);

/* Whether our table exists, complete; cheap: it reads one empty set. */
bool vnet_nft_table_present(vnet_nft *nft);
/* Remove our table whole, when no network of ours is left to need it. */
bool vnet_nft_delete_table(vnet_nft *nft, GError **error);

/*
 * What the guard dropped on @owner's guarded ports (its guard_port
 * elements), per port and source MAC, as the kernel counted it in table
 * bridge vnetctl's dynamic set: an array of vnet_drops *, sorted by MAC,
 * empty when nothing was dropped or no port is guarded.
 */
GPtrArray *vnet_nft_guard_drops(vnet_nft *nft, const char *owner, GError **error);
/* An empty array of vnet_drops *, and one more in it (@mac NULL: from any source, as OVS's flows count them). */
GPtrArray *vnet_drops_array_new(void);
void vnet_drops_add(GPtrArray *drops, const char *port, const char *mac, guint64 packets, guint64 bytes);

#endif
