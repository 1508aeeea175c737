/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * coexist: the foreign firewalls that would block vnetctl's networks.
 *
 * vnetctl keeps every rule in `table inet vnetctl`, but in nftables a drop
 * in any base chain on a hook is final, whatever another table accepts: a
 * forward or input base chain of Docker, ufw, firewalld or a hand-written
 * table whose policy is drop, or whose last rule drops or rejects
 * everything, breaks vnetctl's guests unless it accepts their traffic first.
 *
 * vnet_coexist_parse() finds those chains in the JSON of `list ruleset`
 * (what libnftables prints with NFT_CTX_OUTPUT_JSON; get it with
 * vnet_coexist_read_ruleset()); it does no I/O.  For each finding it says
 * who owns the table, and vnet_coexist_lets_through() whether the chain
 * already accepts a bridge's traffic before its drop.  The checks that nft
 * cannot see take their paths as parameters: iptables-legacy tables, the
 * br_netfilter module, and an /etc/nftables.conf that flushes the ruleset
 * (and with it table inet vnetctl) when the nftables service starts.
 */
#ifndef VNET_COEXIST_H
#define VNET_COEXIST_H

#include <stdbool.h>
#include <glib.h>

/* The default paths of the host checks below. */
#define VNET_COEXIST_IP_TABLES_NAMES "/proc/net/ip_tables_names"
#define VNET_COEXIST_IP6_TABLES_NAMES "/proc/net/ip6_tables_names"
#define VNET_COEXIST_BR_NETFILTER_MODULE "/sys/module/br_netfilter"
#define VNET_COEXIST_BRIDGE_NF_CALL "/proc/sys/net/bridge/bridge-nf-call-iptables"
#define VNET_COEXIST_NFTABLES_CONF "/etc/nftables.conf"

/* Who made the table a finding is in. */
typedef enum vnet_coexist_owner {
	VNET_COEXIST_DOCKER,	/* ip/ip6 filter with a DOCKER-USER chain, or table docker-bridges */
	VNET_COEXIST_FIREWALLD,	/* table firewalld (inet, or ip/ip6 of older firewalld) */
	VNET_COEXIST_UFW,	/* a table with chains named ufw-* or ufw6-* */
	VNET_COEXIST_UNKNOWN,	/* anyone else: an admin's table, another tool */
} vnet_coexist_owner;

/* What makes the chain a finding: what a packet that nothing accepted meets. */
typedef enum vnet_coexist_verdict {
	VNET_COEXIST_POLICY_DROP,	/* the chain's policy is drop */
	VNET_COEXIST_FINAL_DROP,	/* its last rule drops everything */
	VNET_COEXIST_FINAL_REJECT,	/* its last rule rejects everything */
} vnet_coexist_verdict;

/*
 * The traffic of a network that a chain must let through, as the packet
 * that vnet_coexist_lets_through() follows through the chain.  "The other
 * side" is the uplink: an interface that is not the bridge and is not
 * named by any rule.
 */
typedef enum vnet_coexist_traffic {
	VNET_COEXIST_GUEST_OUT,		/* forward: a new connection from the bridge */
	VNET_COEXIST_GUEST_REPLY,	/* forward: a reply (ct state established) to the bridge */
	VNET_COEXIST_GUEST_FORWARDED,	/* forward: a new connection DNATed to the bridge (a port forward) */
	VNET_COEXIST_HOST_DHCP,		/* input: DHCP from the bridge (udp 67; udp 547 for ip6) */
	VNET_COEXIST_HOST_DNS,		/* input: DNS from the bridge (udp and tcp 53) */
} vnet_coexist_traffic;

typedef struct vnet_coexist_report vnet_coexist_report;
typedef struct vnet_coexist_finding vnet_coexist_finding;

/*
 * The findings of @nft_json, the JSON text of `list ruleset`: every base
 * chain on the forward or input hook of a table of family ip, ip6 or inet
 * other than table inet vnetctl whose policy is drop or whose last rule is
 * an unconditional drop or reject, in the order the ruleset lists them.
 * Objects it does not understand (other families and hooks, chains or rules
 * with missing or odd fields, expressions it does not know) are skipped:
 * a rule it cannot read neither accepts nor drops in its analysis.  Fails
 * (VNET_ERROR_INVALID) only when the text is not JSON or has no "nftables"
 * array.
 */
vnet_coexist_report *vnet_coexist_parse(const char *nft_json, GError **error);
void vnet_coexist_report_free(vnet_coexist_report *report);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(vnet_coexist_report, vnet_coexist_report_free)

guint vnet_coexist_report_count(const vnet_coexist_report *report);
/* The @index'th finding (below vnet_coexist_report_count()); it lives as long as @report. */
const vnet_coexist_finding *vnet_coexist_report_get(const vnet_coexist_report *report, guint index);

const char *vnet_coexist_finding_family(const vnet_coexist_finding *f);	/* "ip", "ip6", "inet" */
const char *vnet_coexist_finding_table(const vnet_coexist_finding *f);
const char *vnet_coexist_finding_chain(const vnet_coexist_finding *f);
const char *vnet_coexist_finding_hook(const vnet_coexist_finding *f);	/* "forward", "input" */
gint64 vnet_coexist_finding_priority(const vnet_coexist_finding *f);
vnet_coexist_verdict vnet_coexist_finding_verdict(const vnet_coexist_finding *f);
vnet_coexist_owner vnet_coexist_finding_owner(const vnet_coexist_finding *f);

/* "docker", "firewalld", "ufw", "unknown": stable words for JSON and tests. */
const char *vnet_coexist_owner_name(vnet_coexist_owner owner);
/* "policy-drop", "final-drop", "final-reject": likewise. */
const char *vnet_coexist_verdict_name(vnet_coexist_verdict verdict);

/*
 * One line: "FAMILY TABLE CHAIN HOOK PRIORITY VERDICT OWNER", e.g.
 * "ip filter FORWARD forward 0 policy-drop docker".
 */
char *vnet_coexist_finding_format(const vnet_coexist_finding *f);

/*
 * The report as text, for tests and diagnostics: each finding's line, then,
 * with @bridge, whether the chain lets that bridge's traffic of its hook
 * through ("  vn-web: guest-out no, guest-reply yes, guest-forwarded yes"
 * or "  vn-web: host-dhcp no, host-dns no") and the fix commands, each
 * line as "  fix: COMMAND".  "" without findings.
 */
char *vnet_coexist_report_format(const vnet_coexist_report *report, const char *bridge);

/*
 * Whether chain @f accepts @traffic of bridge @bridge_ifname before its
 * drop: an accept rule (or a jump or goto to a chain, such as DOCKER-USER,
 * that accepts it) that surely matches the packet comes before any rule
 * that surely drops or rejects it.  Only what the rules say in nftables'
 * own terms counts: a rule with a condition it cannot decide for the packet
 * (an address, a named set, an iptables-nft "xt" match whose arguments the
 * JSON does not show) is passed over, whatever its verdict.  So through
 * iptables-nft's tables (Docker's, ufw's) replies and port forwards stay
 * false even when a `-m conntrack` rule accepts them.  For ufw, an accept in
 * ufw's user chain (ufw-user-input, ufw-user-forward: where `ufw allow` puts
 * it) is enough.  Forwarded traffic carries VNET_NFT_MARK (table inet
 * vnetctl, in place, accepted and marked it first): a rule that accepts
 * that mark (`meta mark & M == M`, iptables' `-m mark --mark M/M`) lets
 * it through.  Traffic of the other hook is not this chain's business:
 * true.  False for a name that is not a valid interface name.
 */
bool vnet_coexist_lets_through(const vnet_coexist_finding *f, const char *bridge_ifname,
			       vnet_coexist_traffic traffic);

/*
 * The exact commands an admin could run so that @f lets the traffic of
 * @bridge through, one per line, each starting with its program: ufw's
 * (`ufw route allow in on BRIDGE`, ...), Docker's DOCKER-USER rule (one
 * iptables command that accepts VNET_NFT_MARK, for every network of
 * vnetctl), or nft rules in the chain itself for an unknown table,
 * inserted before its first drop when it has one.  Only for the traffic
 * vnet_coexist_lets_through() does not see let through yet ("" when
 * none), and never anything broader than the bridge's own traffic: out of
 * it, replies to it and port forwards into it (forward hook), DHCP and DNS
 * from it (input hook).  ufw has no command for replies (its before-rules
 * accept them) nor for port forwards (one `ufw route allow` per forward).
 * For firewalld, "": vnetctl binds a zone of its own through firewalld's
 * D-Bus API instead.  NULL with VNET_ERROR_INVALID when @bridge is not a
 * valid interface name, or when the table or chain has a name that cannot
 * be written in a command safely.
 */
char *vnet_coexist_fix_commands(const vnet_coexist_finding *f, const char *bridge, GError **error);

/*
 * The comment of vnetctl's rule in Docker's DOCKER-USER chain, by which it
 * is found and removed: one word, so that the shell, iptables and nft all
 * read it the same.
 */
#define VNET_COEXIST_DOCKER_COMMENT "vnetctl"

/*
 * ufw routes a port forward only by a rule of its own per target: the
 * command `ufw route allow out on BRIDGE to ADDR port P[:END] proto PROTO`.
 */
char *vnet_coexist_ufw_forward_command(const char *bridge, const char *addr, guint16 port, guint16 port_end,
				       const char *proto);

/* The iptables (@v6: ip6tables) command that adds vnetctl's DOCKER-USER rule. */
const char *vnet_coexist_docker_command(bool v6);

/*
 * The iptables-legacy tables the kernel holds (one name a line in @path,
 * VNET_COEXIST_IP_TABLES_NAMES or ..._IP6_...): their rules are invisible
 * to nft, and a drop there is as final.  A missing file (the module is not
 * loaded) is an empty list; an unreadable one is an error.
 */
bool vnet_coexist_legacy_tables(const char *path, GStrv *ret_tables, GError **error);

/*
 * Whether br_netfilter is loaded (@module_dir, VNET_COEXIST_BR_NETFILTER_MODULE,
 * or @bridge_nf_call, VNET_COEXIST_BRIDGE_NF_CALL, exists; either may be
 * NULL): then bridged traffic between two guests of one bridge meets the
 * forward hook too, and a foreign drop there cuts them off each other.
 */
bool vnet_coexist_br_netfilter_loaded(const char *module_dir, const char *bridge_nf_call);

/*
 * Whether the nftables configuration @path (VNET_COEXIST_NFTABLES_CONF)
 * starts with `flush ruleset`: comments and blank lines aside, its first
 * command.  Then every start or reload of the nftables service removes
 * table inet vnetctl (vnetctl-restore.service puts it back).  False when the
 * file is missing or unreadable.
 */
bool vnet_coexist_conf_flushes_ruleset(const char *path);

/*
 * What vnetctl does about the foreign firewalls that would block its
 * networks: `coexist = auto | warn | strict` in /etc/vnetctl/vnetctl.conf.
 */
typedef enum vnet_coexist_mode {
	VNET_COEXIST_MODE_AUTO,		/* Docker's DOCKER-USER rule and firewalld's zone; warn of the rest */
	VNET_COEXIST_MODE_WARN,		/* change nothing of theirs; warn, with the commands that fix it */
	VNET_COEXIST_MODE_STRICT,	/* refuse, before changing anything, what a foreign firewall blocks */
} vnet_coexist_mode;

/*
 * The mode in the text of a vnetctl.conf: lines "key = value", blank lines
 * and "#" comments; only the key "coexist" is known, and any other key, a
 * second "coexist", a line that is not "key = value" or a value not among
 * auto, warn and strict is an error (VNET_ERROR_INVALID) naming its line.
 * No "coexist" line: auto.  @path names the file in messages.
 */
bool vnet_coexist_parse_config(const char *text, const char *path, vnet_coexist_mode *ret_mode,
			       GError **error);

/*
 * The mode of this host: $VNET_CONFIG, else SYSCONFDIR/vnetctl/vnetctl.conf;
 * a missing file is auto, an unreadable or bad one an error.
 */
bool vnet_coexist_read_mode(vnet_coexist_mode *ret_mode, GError **error);

/*
 * The whole ruleset as libnftables' JSON, through libnftables in-process
 * (never the nft program), for vnet_coexist_parse().
 */
bool vnet_coexist_read_ruleset(char **ret_json, GError **error);

#endif
