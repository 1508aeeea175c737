/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * trace: `vnetctl trace NAME FORWARD`, what each new connection to a
 * forward meets in nftables, by name.  It owns two temporary base chains in
 * our table (hooks prerouting and output, below raw, so the whole path is
 * seen) that set nftrace on a new connection's first packet, named
 * trace_PID_START_pre and _out (START: the process's start time, so that a
 * reused pid never passes for the trace that is gone); the NFNLGRP_NFTRACE
 * listener (libmnl + libnftnl); and the index that turns an event's
 * table/chain/rule handle into the rule's text.  A trace killed with SIGKILL
 * leaves its chains; the next trace and `restore` remove them.
 */
#ifndef VNET_TRACE_H
#define VNET_TRACE_H

#include <vnet/ctx.h>

#include "model.h"
#include "nft.h"

/* Below raw (-300): the chains of raw priority are traced too. */
#define VNET_TRACE_PRIORITY (-310)

/*
 * The forward of @in that @spec names, by what the host side of it is
 * (address, ports, protocol), as `forward remove` finds it; otherwise
 * NOT_FOUND naming the network and its forwards.
 */
const vnet_forward *vnet_trace_find_forward(const vnet_intent *in, const char *spec, GError **error);

/*
 * The commands that add the trace chain @chain on @hook ("prerouting" or
 * "output") for new connections to @f, tagged with @network.
 */
char *vnet_trace_chain_commands(const char *chain, const char *hook, const char *network,
				const vnet_forward *f);

/* "trace_PID_START" of this process: its chains are that and "_pre", "_out". */
char *vnet_trace_chain_base(void);

/*
 * Whether @chain is a trace chain whose process is gone: its pid runs no
 * more, or another process has that pid now (another start time).
 */
bool vnet_trace_chain_is_stale(const char *chain);

/* Remove the trace chains of traces that are gone (what `restore` calls). */
bool vnet_trace_remove_stale(vnet_nft *nft, GError **error);

/*
 * The rules of a ruleset as vnet_nft_list_text() prints it: the text of
 * each rule by family, table, chain and handle, and each chain's hook.
 */
typedef struct vnet_trace_rules vnet_trace_rules;
vnet_trace_rules *vnet_trace_rules_parse(const char *text);
void vnet_trace_rules_free(vnet_trace_rules *r);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(vnet_trace_rules, vnet_trace_rules_free)
/* The rule's text as nft prints it, without its handle, or NULL. */
const char *vnet_trace_rules_rule(const vnet_trace_rules *r, const char *family, const char *table,
				  const char *chain, guint64 handle);
/* The chain's hook ("forward"), "" for a regular chain, NULL for an unknown chain. */
const char *vnet_trace_rules_hook(const vnet_trace_rules *r, const char *family, const char *table,
				  const char *chain);
/* The names of @family @table's chains. */
GPtrArray *vnet_trace_rules_chains(const vnet_trace_rules *r, const char *family, const char *table);

/*
 * "tcp 192.0.2.2:40000 -> 192.0.2.1:8080" from the network and transport
 * headers a trace event carries; NULL when they cannot be read.
 */
char *vnet_trace_packet_summary(const guint8 *nh, size_t nh_len, const guint8 *th, size_t th_len);

#endif
