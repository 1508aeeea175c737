#!/bin/bash
# 50-firewalls-detect: libvnet finds the real foreign firewalls (issue 12).
# In the sandbox, one after the other: nothing, a hardened table inet filter,
# Docker, ufw, firewalld, and firewalld with Docker started after it (as a
# host boots them).  For each, libvnet reads the kernel's ruleset in-process
# (tests/tools/coexist-tool) and its findings for bridge vn-web must be
# tests/data/coexist/CASE.expected, the file the unit test checks the parser
# against with the ruleset captured here (CASE.json): so the fixtures stay
# what the real daemons make.  Where libvnet suggests commands, they are run
# and the chain must then let the bridge through (CASE-fixed).  After
# `nft flush ruleset` nothing is found.  A daemon that is not installed or
# does not start skips the test (77).
#
# VNET_COEXIST_CAPTURE=DIR: also write each live ruleset to DIR/CASE.json
# (pretty-printed by jq) and its findings to DIR/CASE.expected, to refresh
# the fixtures; review the diff like code.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
sandbox_enter "$@"
require_cmd nft jq
. "$(dirname "$0")/firewalls.sh"

DATA=$(cd "$(dirname "$0")/../data/coexist" && pwd)
TOOL=${COEXIST_TOOL:-$(cd "$(dirname "$0")/../.." && pwd)/tests/tools/coexist-tool}
[ -x "$TOOL" ] || TOOL=${top_builddir:-/tmp/b}/tests/tools/coexist-tool
[ -x "$TOOL" ] || skip "tests/tools/coexist-tool is not built (make tests/tools/coexist-tool)"
BR=vn-web
capture=${VNET_COEXIST_CAPTURE:-}

# Everything must be there before the first case: a partial run proves little.
for c in dockerd docker iptables firewalld firewall-cmd dbus-daemon ufw; do
	command -v "$c" >/dev/null 2>&1 ||
		skip "$c is not installed (docker.io, iptables, firewalld, dbus-daemon, ufw: tools/install-deps)"
done

# findings_are CASE: libvnet's findings in the kernel now are CASE.expected.
findings_are() {
	local case=$1 out=$VNET_SCRATCH/$1.found
	"$TOOL" -b "$BR" findings >"$out" 2>"$out.err" ||
		{ fail "$case: libvnet reads the ruleset" || true; diag "$(cat "$out.err")"; return 1; }
	if [ -n "$capture" ]; then
		mkdir -p "$capture"
		nft -j list ruleset 2>/dev/null | jq . >"$capture/$case.json"
		cp "$out" "$capture/$case.expected"
	fi
	if cmp -s "$DATA/$case.expected" "$out"; then
		pass "$case: the findings are tests/data/coexist/$case.expected"
	else
		fail "$case: the findings are tests/data/coexist/$case.expected" || true
		diag "$(diff -u "$DATA/$case.expected" "$out")"
	fi
}

# run_fixes CASE: run the commands libvnet suggested (its "fix:" lines).
run_fixes() {
	local cmd n=0
	# Firewall commands: only ever in the sandbox's network namespace.
	[ "${VNET_SANDBOX:-}" = 1 ] || bail "run_fixes outside the sandbox"
	while IFS= read -r cmd; do
		n=$((n + 1))
		# the commands are libvnet's, printed for an admin to paste into a shell
		check "$1: suggested command runs: $cmd" sh -c "$cmd" || true
	done < <(sed -n 's/^  fix: //p' "$VNET_SCRATCH/$1.found")
	[ "$n" -gt 0 ] || { fail "$1: libvnet suggested commands" || true; }
}

# nothing_after_flush CASE: `nft flush ruleset` leaves nothing to find.
# Then the next case starts from a fresh host: Docker sets FORWARD's policy
# to drop only when it has to turn IP forwarding on itself.
nothing_after_flush() {
	# Only ever the sandbox's ruleset (sandbox_enter re-ran this script in it).
	[ "${VNET_SANDBOX:-}" = 1 ] || bail "nothing_after_flush outside the sandbox"
	sandbox_assert	# the host's ruleset is never flushed, whatever the environment says
	nft flush ruleset
	check "$1: nothing is found after nft flush ruleset" \
		sh -c "out=\$('$TOOL' findings) && [ -z \"\$out\" ] || { echo \"\$out\"; false; }"
	sysctl -qw net.ipv4.ip_forward=0
	[ ! -e /proc/sys/net/ipv6/conf/all/forwarding ] || sysctl -qw net.ipv6.conf.all.forwarding=0
	ip link del docker0 2>/dev/null || true
}

# the tool reads the kernel: the same JSON nft prints
check "libvnet lists the ruleset in-process (an empty one)" \
	sh -c "'$TOOL' ruleset | jq -e '.nftables | length == 1 and .[0].metainfo'"
findings_are none
sysctl -qw net.ipv4.ip_forward=0

add_hardened_filter
findings_are hardened
run_fixes hardened
findings_are hardened-fixed
nothing_after_flush hardened

start_dockerd || skip "$VNET_FW_WHY"
findings_are docker
run_fixes docker
findings_are docker-fixed
stop_dockerd
nothing_after_flush docker

enable_ufw || skip "$VNET_FW_WHY"
findings_are ufw
run_fixes ufw
findings_are ufw-fixed
disable_ufw
nothing_after_flush ufw

start_firewalld || skip "$VNET_FW_WHY"
findings_are firewalld
stop_firewalld
nothing_after_flush firewalld

start_firewalld || skip "$VNET_FW_WHY"
start_dockerd || skip "$VNET_FW_WHY"
findings_are docker-firewalld
# firewalld's docker zone (which Docker asked for over D-Bus) accepts docker0's traffic
check "docker-firewalld: firewalld lets docker0's guests out" \
	sh -c "'$TOOL' -b docker0 findings | grep -A1 '^inet firewalld filter_FORWARD ' | grep -q 'guest-out yes'"
stop_dockerd
stop_firewalld
nothing_after_flush docker-firewalld

# what nft cannot see
check "libvnet reads the host facts nft cannot see" "$TOOL" host
