#!/bin/bash
# 51-doctor: `vnetctl doctor` names the layer and the check that is broken
# (issue 12, items 5 and 7).  A NAT network with a forward to a guest
# namespace that got its address from the network's own dnsmasq (busybox
# udhcpc) and serves HTTP, reached from an outside client.  Doctor exits 0
# with every layer passing; then each layer is broken on purpose, one at a
# time, and doctor must exit 1 naming that layer and check (text and
# --json), and exit 0 again once it is repaired, with the HTTP path from
# outside working again where the break had cut it:
#   link: the bridge down; the guest's veth detached from the bridge
#   L3:   ip_forward off; libvirt's dnsmasq killed
#   L4:   the forward's element deleted; a host process listening on the
#         forwarded port (socat); a hardened table inet filter (forward
#         policy drop: doctor names "inet filter forward" and prints a fix
#         command, which is run); ufw enabled (skipped without ufw)
# Doctor changes nothing (snapshots around it), even beside a running
# create, and takes no lock; bad arguments exit 2 or 1, changing nothing.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
sandbox_enter "$@"
. "$(dirname "$0")/vnet.sh"
require_cmd virsh libvirtd dnsmasq nft ip curl socat busybox jq conntrack
. "$(dirname "$0")/firewalls.sh"

install_hook
sandbox_start_libvirtd
S=$VNET_SCRATCH
BR=vn-web
add_outside lan 192.0.2.1/24 192.0.2.2/24

vnetctl -q create web --mode nat --bridge "$BR" --subnet 10.79.0.0/24 --forward 8080:80

dhcp_guest g1 "$BR"
GIP=$VNET_GUEST_ADDR
PORT=$VNET_GUEST_PORT
check "the guest got a lease ($GIP)" grep -qE '^10\.79\.0\.[0-9]+$' <<<"$GIP"
start_http g1 80 "g1 here"
# `vnetctl watch` is not running: point the default forward at the lease now.
vnetctl -q restore
expect_http lan http://192.0.2.1:8080/ "g1 here" 15

# doctor_ok DESC: doctor exits 0, every layer has a passing check and none fails.
doctor_ok() {
	local out rc=0 l
	out=$(vnetctl doctor web 2>&1) || rc=$?
	if [ "$rc" -eq 0 ] && ! grep -q '^✗' <<<"$out"; then
		pass "$1: doctor exits 0"
	else
		fail "$1: doctor exits 0 (exit $rc)" || true
		diag "$out"
		return 0
	fi
	for l in link L2 L3 L4 app; do
		check "$1: doctor passes layer $l" grep -qE "^✓ $l " <<<"$out" || diag "$out"
	done
}

# doctor_fails DESC LAYER CHECK TEXT: doctor exits 1; a failing line of
# LAYER says TEXT; --json has a failed check LAYER/CHECK; the host is as before.
doctor_fails() {
	local desc=$1 layer=$2 id=$3 text=$4 out rc=0 json
	snapshot_host "$S/doctor.before"
	out=$(vnetctl doctor web 2>&1) || rc=$?
	json=$(vnetctl doctor --json web 2>/dev/null) || true
	snapshot_host "$S/doctor.after"
	check "$desc: doctor exits 1" test "$rc" -eq 1 || diag "$out"
	check "$desc: doctor names layer $layer: \"$text\"" \
		grep -qE "^✗ $layer .*$text" <<<"$out" || diag "$out"
	check "$desc: --json has the failed check $layer $id" \
		jq -e --arg l "$layer" --arg c "$id" '.ok == false and ([.checks[] | select(.ok == false and .layer == $l and .check == $c)] | length > 0)' <<<"$json" ||
		diag "$json"
	expect_same_snapshot "$S/doctor.before" "$S/doctor.after" || true
	LAST_DOCTOR=$out
}

doctor_ok "all well"
out=$(vnetctl --json doctor web)
check "--json: ok, no failed check, a guest and the forward named" \
	jq -e --arg g "$GIP" '.ok and .failed == 0 and ([.checks[] | select(.forward == "8080:80/tcp")] | length > 3) and ([.checks[] | select(.guest != null)] | length > 3)' <<<"$out"
check "the forward's guest-connect went to the lease" \
	jq -e --arg g "$GIP" '[.checks[] | select(.check == "guest-connect" and (.what | contains($g)))] | length == 1' <<<"$out"
out=$(LC_ALL=C vnetctl doctor web)
check "without a UTF-8 locale: plain words" grep -q '^ok   link ' <<<"$out"
check_not "without a UTF-8 locale: no marks" grep -q '✓' <<<"$out"

# ---- link: the bridge down
ip link set "$BR" down
doctor_fails "bridge down" link bridge-up "bridge $BR is down"
check "the fix is printed" grep -q "fix: ip link set $BR up" <<<"$LAST_DOCTOR"
ip link set "$BR" up
expect_http lan http://192.0.2.1:8080/ "g1 here" 15
doctor_ok "bridge up again"

# ---- link: the guest's veth detached from the bridge
ip link set "$PORT" nomaster
# the bridge loses its carrier a moment later: let it settle before the snapshots
for i in $(seq 50); do ip link show "$BR" | grep -q NO-CARRIER && break; sleep 0.1; done
doctor_fails "veth detached" link guest-port "No port of bridge $BR carries guest"
ip link set "$PORT" master "$BR"
expect_http lan http://192.0.2.1:8080/ "g1 here" 15
doctor_ok "veth attached again"

# ---- L3: ip_forward off
sysctl -qw net.ipv4.ip_forward=0
expect_no_http lan http://192.0.2.1:8080/
doctor_fails "ip_forward off" L3 ip-forward "IP forwarding is off"
check "the fix is the sysctl" grep -q "fix: sysctl -w net.ipv4.ip_forward=1" <<<"$LAST_DOCTOR"
sysctl -qw net.ipv4.ip_forward=1
expect_http lan http://192.0.2.1:8080/ "g1 here"
doctor_ok "ip_forward on again"

# ---- L4: the forward's element deleted
elem="tcp . 8080 : $GIP . 80"
nft delete element inet vnetctl fwd4 "{ $elem }"
expect_no_http lan http://192.0.2.1:8080/
doctor_fails "element deleted" L4 element "missing from table inet vnetctl: \"fwd4 $elem\""
check "the fix is vnetctl restore" grep -q "fix: vnetctl restore" <<<"$LAST_DOCTOR"
check "the app step fails through the forward too" grep -qE "^✗ app .*through the forward" <<<"$LAST_DOCTOR"
vnetctl -q restore
expect_http lan http://192.0.2.1:8080/ "g1 here"
doctor_ok "element restored"

# ---- L3: libvirt's dnsmasq killed
pid=$(cat /run/libvirt/network/web.pid)
kill "$pid"
for i in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
doctor_fails "dnsmasq killed" L3 dnsmasq "dnsmasq for network web .* is not running"
virsh -q net-destroy web >/dev/null
virsh -q net-start web >/dev/null
# the network restarted: its bridge is new, the guest's veth goes back on it,
# and restore guards the port again (a real guest's tap comes back with the
# qemu hook's "started"; a namespace's veth has no hook)
ip link set "$PORT" master "$BR"
vnetctl -q restore
expect_http lan http://192.0.2.1:8080/ "g1 here" 15
doctor_ok "network restarted"

# ---- L4: a host process listens on the forwarded port
bg_ns - socat TCP4-LISTEN:8080,reuseaddr,fork SYSTEM:'echo host here'
lpid=$VNET_BG_PID
_vnet_wait_listen - t 8080 || bail "socat does not listen on 8080"
doctor_fails "a local listener on 8080" L4 listener "socat \\(pid [0-9]+\\) listens on 0.0.0.0 port 8080/tcp"
# the DNAT shadows it: from outside the guest still answers
expect_http lan http://192.0.2.1:8080/ "g1 here"
_vnet_kill_wait "$lpid"
doctor_ok "listener gone"

# ---- L4: a hardened table inet filter (forward policy drop)
add_hardened_filter
expect_no_http lan http://192.0.2.1:8080/
doctor_fails "hardened inet filter" L4 foreign-drops "inet filter forward: policy drop"
check "the text names the fix" grep -qE "fix: +nft .*inet filter forward" <<<"$LAST_DOCTOR" || diag "$LAST_DOCTOR"
json=$(vnetctl --json doctor web) || true
fixes=$(jq -r '.checks[] | select(.check == "foreign-drops" and .ok == false and (.what | startswith("inet filter forward:"))) | .fix' <<<"$json")
check "doctor prints nft commands for inet filter forward" grep -q '^nft .*inet filter forward' <<<"$fixes" || diag "$fixes"
while IFS= read -r cmd; do
	[ -n "$cmd" ] || continue
	# only in the sandbox's network namespace (sandbox_enter re-ran us there)
	[ "${VNET_SANDBOX:-}" = 1 ] || bail "running a fix outside the sandbox"
	check "the printed fix runs: $cmd" sh -c "$cmd"
done <<<"$fixes"
expect_http lan http://192.0.2.1:8080/ "g1 here"
out=$(vnetctl doctor web 2>&1) || true
check_not "after the printed fix, inet filter forward is no longer named" grep -q 'inet filter forward' <<<"$out"
nft delete table inet filter
doctor_ok "hardened table gone"

# ---- L4: ufw enabled
if enable_ufw; then
	doctor_fails "ufw enabled" L4 foreign-drops "ip filter (ufw-|FORWARD|INPUT).*owner: ufw"
	check "doctor prints ufw's commands, one for the forward" \
		grep -qE "^ +ufw route allow out on $BR to $GIP port 80 proto tcp$" <<<"$LAST_DOCTOR"
	expect_no_http lan http://192.0.2.1:8080/
	json=$(vnetctl --json doctor web) || true
	while IFS= read -r cmd; do
		[ "${VNET_SANDBOX:-}" = 1 ] || bail "running a fix outside the sandbox"
		check "the printed fix runs: $cmd" sh -c "$cmd"
	done < <(jq -r '.checks[] | select(.check == "foreign-drops" and .ok == false) | .fix' <<<"$json")
	expect_http lan http://192.0.2.1:8080/ "g1 here"
	doctor_ok "ufw with the printed rules"
	disable_ufw
	# ufw (iptables-nft) wrote its chains into table ip filter, vnet.sh's foreign table: as it was
	nft delete table ip filter
	nft delete table ip6 filter 2>/dev/null || true
	add_foreign_table
	doctor_ok "ufw disabled"
else
	diag "ufw case skipped: $VNET_FW_WHY"
fi

# ---- doctor beside a create that holds the lock
bg_ns - "$VNETCTL" create slow --mode nat --subnet 10.79.9.0/24
cpid=$VNET_BG_PID
out=$(timeout 20 "$VNETCTL" doctor web 2>&1) && rc=0 || rc=$?
check "doctor runs beside a create (exit 0, no lock wait)" test "$rc" -eq 0 || diag "$out"
wait "$cpid" 2>/dev/null || true
out=$(flock /run/vnetctl.lock timeout 20 "$VNETCTL" doctor web 2>&1) && rc=0 || rc=$?
check "doctor does not wait for the host-wide lock held by another" test "$rc" -eq 0 || diag "$out"
vnetctl -q delete slow || true

# ---- bad arguments: exit 2 or 1, a clear message, nothing changed
snapshot_host "$S/bad.before"
out=$("$VNETCTL" doctor web extra 2>&1) && rc=0 || rc=$?
check "extra argument: exit 2" test "$rc" -eq 2
check "extra argument: says so, naming it" grep -q "Unexpected argument \"extra\"" <<<"$out"
out=$("$VNETCTL" doctor --frobnicate 2>&1) && rc=0 || rc=$?
check "unknown option: exit 2" test "$rc" -eq 2
out=$("$VNETCTL" doctor webb 2>&1) && rc=0 || rc=$?
check "unknown network: exit 1" test "$rc" -eq 1
check "unknown network: named, with a suggestion" grep -q 'no network "webb"; did you mean "web"' <<<"$out"
snapshot_host "$S/bad.after"
expect_same_snapshot "$S/bad.before" "$S/bad.after"

# ---- every network: no NAME
out=$(vnetctl doctor 2>&1) && rc=0 || rc=$?
check "doctor without a name checks every network (exit 0)" test "$rc" -eq 0 || diag "$out"
check "and names network web" grep -q " web " <<<"$out"
