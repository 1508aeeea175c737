#!/bin/bash
# 52-trace: `vnetctl trace NAME FORWARD` names what a new connection to a
# forward meets in nftables (issue 12, item 6), with real traffic: a NAT
# network whose forward 8080:80 reaches an HTTP server in a guest namespace,
# fetched from an outside namespace.
#  1. Beside a hardened table inet filter (forward policy drop), the curl
#     fails and the trace shows the connection DNATed by our table and
#     dropped by inet filter forward's policy.
#  2. Without it, the trace shows the connection accepted and the curl works.
#  3. When a trace ends (--seconds, or SIGINT) our table has no trace chain
#     left and the ruleset is the one before.
#  4. A trace killed with SIGKILL leaves its chains; the next trace removes
#     them, and so does restore.
#  5. Bad arguments are refused and change nothing.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
sandbox_enter "$@"
. "$(dirname "$0")/vnet.sh"
require_cmd virsh libvirtd dnsmasq nft ip curl socat jq
. "$(dirname "$0")/firewalls.sh"

install_hook
sandbox_start_libvirtd
add_outside lan 192.0.2.1/24 192.0.2.10/24
check "create web" vnetctl -q create web --mode nat --subnet 10.77.0.0/24 --forward 8080:80 --forward 5353:53/udp
add_guest guest vn-web 10.77.0.2/24 10.77.0.1
start_http guest 80 "hello from the guest"
expect_http lan http://192.0.2.1:8080/ "hello from the guest"

trace_chains() { nft list table inet vnetctl 2>/dev/null | grep -c "chain trace_${1:-}" || :; }
ruleset() { nft list ruleset | sed -E 's/packets [0-9]+ bytes [0-9]+/packets N bytes N/g'; }

# start_trace OUT ARGS...: vnetctl trace in the background, its stdout in
# OUT; returns when its chains are in place (TRACE_PID is its pid).
start_trace() {
	local out=$1 i
	shift
	"$VNETCTL" trace "$@" >"$out" 2>"$out.err" &
	TRACE_PID=$!
	for i in $(seq 100); do
		# its own chains, named by its pid (libtool's wrapper execs vnetctl)
		[ "$(trace_chains "${TRACE_PID}_")" -eq 2 ] && return 0
		kill -0 "$TRACE_PID" 2>/dev/null || break
		sleep 0.1
	done
	diag "trace did not set up its chains:" "$(cat "$out.err")"
	return 1
}

# trace_bg DESC OUT ARGS...: start_trace as a check (it sets TRACE_PID: not in a subshell).
trace_bg() {
	local desc=$1
	shift
	if start_trace "$@"; then pass "$desc"; else fail "$desc"; fi
}

# ---- 1. a hardened inet filter drops the forward ---------------------------
add_hardened_filter
ruleset >"$VNET_SCRATCH/before1"
trace_bg "trace starts" "$VNET_SCRATCH/t1" web 8080:80 --seconds 8
check "its two chains are in our table" test "$(trace_chains)" -eq 2
# nft names -310 after raw (-300)
check "at priority -310 on prerouting and output" sh -c \
	"nft list table inet vnetctl | grep -A2 'chain trace_' | grep -Eq 'hook prerouting priority (-310|raw - 10);' &&
	 nft list table inet vnetctl | grep -A2 'chain trace_' | grep -Eq 'hook output priority (-310|raw - 10);'" ||
	diag "$(nft list table inet vnetctl | grep -A4 'chain trace_')"
expect_no_http lan http://192.0.2.1:8080/ 2
rc=0; wait "$TRACE_PID" || rc=$?
check "trace exits 0 after its seconds" test "$rc" -eq 0
diag "trace output:" "$(cat "$VNET_SCRATCH/t1")"
check "the block names the connection from outside" \
	grep -qE '^Connection 1: tcp 192\.0\.2\.10:[0-9]+ -> 192\.0\.2\.1:8080$' "$VNET_SCRATCH/t1"
check "our trace chain set nftrace" grep -qE '^  inet vnetctl trace_[0-9]+_[0-9]+_pre \(prerouting\): matched rule, and went on: .*meta nftrace set 1' "$VNET_SCRATCH/t1"
check "our DNAT rule in inet vnetctl pre accepted it" \
	grep -qE '^  inet vnetctl pre \(prerouting\): accepted by rule: .*dnat ip to' "$VNET_SCRATCH/t1"
check "the packet went on to the guest" grep -qF '(the packet is now tcp 192.0.2.10' "$VNET_SCRATCH/t1"
check "inet filter forward dropped it by its policy" \
	grep -qE '^  inet filter forward \(forward\): dropped by inet filter forward policy$' "$VNET_SCRATCH/t1"
# Our filter chain runs first (priority filter - 10) and accepts it; a drop
# in any base chain is final, whatever another table accepted.
check "our forwarding chain accepted it before inet filter forward dropped it" sh -c \
	"grep -nE '^  inet vnetctl forwarding \(forward\): accepted by rule: .*ct status dnat' '$VNET_SCRATCH/t1' | head -1 | cut -d: -f1 >'$VNET_SCRATCH/l1' &&
	 grep -nE '^  inet filter forward \(forward\): dropped' '$VNET_SCRATCH/t1' | head -1 | cut -d: -f1 >'$VNET_SCRATCH/l2' &&
	 [ -s '$VNET_SCRATCH/l1' ] && [ \$(cat '$VNET_SCRATCH/l1') -lt \$(cat '$VNET_SCRATCH/l2') ]"
check "a SYN sent again is another attempt of connection 1, not a connection 2" \
	sh -c "! grep -q '^Connection 2' '$VNET_SCRATCH/t1'"
check "no trace chain is left" test "$(trace_chains)" -eq 0
ruleset >"$VNET_SCRATCH/after1"
check "the ruleset is the one before" diff -u "$VNET_SCRATCH/before1" "$VNET_SCRATCH/after1"

# --json: one object per event, the policy drop among them.
trace_bg "trace --json starts" "$VNET_SCRATCH/j1" web 8080:80 --seconds 5 --json
expect_no_http lan http://192.0.2.1:8080/ 2
wait "$TRACE_PID" || :
check "every line is a JSON object" jq -e -s 'length > 0 and all(.[]; type == "object")' "$VNET_SCRATCH/j1"
check "the drop is inet filter forward's policy" jq -e -s \
	'any(.[]; .family == "inet" and .table == "filter" and .chain == "forward" and .hook == "forward" and .policy and .verdict == "drop" and .rule == null)' \
	"$VNET_SCRATCH/j1"
check "with the packet as the forward chain saw it" jq -e -s \
	'any(.[]; .chain == "forward" and (.packet | test("^tcp 192\\.0\\.2\\.10:[0-9]+ -> 10\\.77\\.0\\.2:80$")))' "$VNET_SCRATCH/j1"
nft delete table inet filter

# ---- 2. nothing in the way: the connection is accepted --------------------
ruleset >"$VNET_SCRATCH/before2"
trace_bg "trace starts" "$VNET_SCRATCH/t2" web 8080:80 --seconds 30
expect_http lan http://192.0.2.1:8080/ "hello from the guest"
# Ctrl-C ends it early, cleanly.
kill -INT "$TRACE_PID"
rc=0; wait "$TRACE_PID" || rc=$?
check "trace ends on SIGINT with exit 0" test "$rc" -eq 0
diag "trace output:" "$(cat "$VNET_SCRATCH/t2")"
check "the connection is traced" grep -qE '^Connection 1: tcp 192\.0\.2\.10:[0-9]+ -> 192\.0\.2\.1:8080$' "$VNET_SCRATCH/t2"
check "our forwarding chain accepted it (ct status dnat)" \
	grep -qE '^  inet vnetctl forwarding \(forward\): accepted by rule: .*ct status dnat .*accept$' "$VNET_SCRATCH/t2"
check "nothing dropped it" sh -c "! grep -q 'dropped' '$VNET_SCRATCH/t2'"
check "only the first packet is traced (one block)" sh -c "! grep -q '^Connection 2' '$VNET_SCRATCH/t2'"
check "no trace chain is left after SIGINT" test "$(trace_chains)" -eq 0
ruleset >"$VNET_SCRATCH/after2"
check "the ruleset is the one before" diff -u "$VNET_SCRATCH/before2" "$VNET_SCRATCH/after2"

# A UDP forward: the datagram's path, traced by its port.
start_udp_echo guest 53
trace_bg "trace of the UDP forward starts" "$VNET_SCRATCH/u" web 5353:53/udp --seconds 4
expect_udp lan 192.0.2.1 5353 "guest:"
wait "$TRACE_PID" || :
check "the datagram is traced to the guest" grep -qF '(the packet is now udp 192.0.2.10' "$VNET_SCRATCH/u"

# ---- 4. SIGKILL leaves the chains; the next trace and restore remove them --
trace_bg "trace starts" "$VNET_SCRATCH/t4" web 8080:80 --seconds 60
kill -KILL "$TRACE_PID"
wait "$TRACE_PID" 2>/dev/null || :
check "a trace killed with SIGKILL leaves its two chains" test "$(trace_chains)" -eq 2
stale=$(nft list table inet vnetctl | awk '/chain trace_/ {print $2}' | sort | paste -sd' ')
trace_bg "the next trace starts" "$VNET_SCRATCH/t5" web 8080:80 --seconds 2
check "and removed the stale chains ($stale)" sh -c \
	"for c in $stale; do nft list table inet vnetctl | grep -q \"chain \$c \" && exit 1; done; exit 0"
wait "$TRACE_PID" || :
check "no trace chain is left" test "$(trace_chains)" -eq 0

trace_bg "trace starts" "$VNET_SCRATCH/t6" web 8080:80 --seconds 60
kill -KILL "$TRACE_PID"
wait "$TRACE_PID" 2>/dev/null || :
check "killed again: two chains left" test "$(trace_chains)" -eq 2
check "restore" vnetctl -q restore
check "restore removed them" test "$(trace_chains)" -eq 0
expect_http lan http://192.0.2.1:8080/ "hello from the guest"

# A live trace's chains are not stale to another trace or to restore.
trace_bg "trace starts" "$VNET_SCRATCH/t7" web 8080:80 --seconds 60
check "restore beside a running trace" vnetctl -q restore
check "leaves the running trace's chains" test "$(trace_chains)" -eq 2
kill -TERM "$TRACE_PID"
rc=0; wait "$TRACE_PID" || rc=$?
check "trace ends on SIGTERM with exit 0" test "$rc" -eq 0
check "and takes its chains out" test "$(trace_chains)" -eq 0

# ---- 5. bad arguments change nothing ---------------------------------------
snapshot_host "$VNET_SCRATCH/snap-before"
expect_trace_refused() { # STATUS NEEDLE ARGS...
	local want=$1 needle=$2 rc=0 err
	shift 2
	err=$("$VNETCTL" trace "$@" 2>&1 >/dev/null) || rc=$?
	check "trace $* exits $want" test "$rc" -eq "$want"
	check "trace $* says '$needle'" grep -qF -- "$needle" <<<"$err"
}
expect_trace_refused 1 'vnetctl manages no network "nosuch"' nosuch 8080:80
expect_trace_refused 1 'did you mean "web"' wbe 8080:80
expect_trace_refused 1 'Network "web" has no forward "9090:80"; its forwards are: 8080:80/tcp, 5353:53/udp' web 9090:80
expect_trace_refused 1 'no forward "8080:80/udp"' web 8080:80/udp
expect_trace_refused 1 '8080:' web 8080:
expect_trace_refused 2 '"0" is not a number of seconds' web 8080:80 --seconds 0
expect_trace_refused 2 '"ten" is not a number of seconds' web 8080:80 --seconds ten
expect_trace_refused 2 'trace NAME FORWARD' web
expect_trace_refused 2 '--colour' web 8080:80 --colour
snapshot_host "$VNET_SCRATCH/snap-after"
expect_same_snapshot "$VNET_SCRATCH/snap-before" "$VNET_SCRATCH/snap-after"

# A trace's chains never keep our table alive: with a killed trace's
# chains in it, delete of the last network still takes the table away.
trace_bg "trace starts" "$VNET_SCRATCH/t8" web 8080:80 --seconds 60
kill -KILL "$TRACE_PID"
wait "$TRACE_PID" 2>/dev/null || :
check "killed: two chains left" test "$(trace_chains)" -eq 2
ip link del vg-guest-0 2>/dev/null || :
check "delete web" vnetctl -q delete web
check "our table is gone with them" sh -c "! nft list table inet vnetctl 2>/dev/null"
