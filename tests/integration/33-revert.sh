#!/bin/bash
# 33-revert: confirm-or-revert cannot lock an admin out (issue 11).
#  1. vnetctl killed (-9) after the uplink moved, before it returned: the
#     revert armed before the move gives the uplink back by the deadline,
#     with no command run meanwhile.
#  2. An old timer never reverts a newer takeover of the same name.
#  3. With systemd (a stand-in systemd-run), each takeover gets a timer of its
#     own name, so a second one soon after is no collision.
#  4. Under sudo, with no SSH_CONNECTION, an "sshd" connection from the LAN
#     through the uplink is seen (netlink sock_diag): the takeover waits.
#  5. An apply that adds an uplink to an existing network, reverted, gives
#     back that network as it was, not a deleted one.
#  6. A takeover whose timer died is reverted by the next vnetctl command.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
sandbox_enter "$@"
. "$(dirname "$0")/vnet.sh"
require_cmd virsh libvirtd nft ip curl socat gdb

install_hook
sandbox_start_libvirtd
S=$VNET_SCRATCH
add_outside lan 192.0.2.1/24 192.0.2.10/24
start_http lan 80 "the LAN peer"
expect_http - http://192.0.2.10/ "the LAN peer"
sleep 2
export SNAPSHOT_NO_IFINDEX=1
snapshot_host "$S/before"

taken() { [ -e /sys/class/net/out-lan/master ]; }
wait_given_back() { # SECONDS
	local i
	for i in $(seq $(($1 * 5))); do taken || return 0; sleep 0.2; done
	return 1
}

# The takeover waits: the uplink carries the default route.
ip route add default via 192.0.2.10 dev out-lan
snapshot_host "$S/before.default"

# --- 1. killed after the move
out=$(gdb_vnetctl -q -batch -nx -ex 'set breakpoint pending on' -ex 'break virNetworkCreate' -ex run -ex kill \
	--args "$VNETCTL" create lan --mode bridged --bridge br-lan --uplink out-lan --confirm-timeout 10 2>&1 </dev/null) || true
check "killed at the network's start" grep -q 'Breakpoint 1, ' <<<"$out"
check "after the uplink moved" taken
check "the revert is recorded" test -e /var/lib/vnetctl/revert/lan
check "by the deadline the uplink is back, with no command run" wait_given_back 25
# The revert goes on after the uplink is back: let it end (the network and the journal gone).
for i in $(seq 50); do
	virsh -q net-info lan >/dev/null 2>&1 || [ -e /var/lib/vnetctl/journal ] || break
	sleep 0.2
done
expect_http - http://192.0.2.10/ "the LAN peer"
snapshot_host "$S/after.1"
expect_same_snapshot "$S/before.default" "$S/after.1" || true

# --- 2. an old timer and a newer takeover
vnetctl -q create lan --mode bridged --bridge br-lan --uplink out-lan --confirm-timeout 10
check "taken over" taken
check "revert by hand" vnetctl -q revert lan
check "given back" sh -c "! test -e /sys/class/net/out-lan/master"
vnetctl -q create lan --mode bridged --bridge br-lan --uplink out-lan --confirm-timeout 60
sleep 14
check "the first timer, fired, left the second takeover alone" taken
check "confirm" vnetctl -q confirm lan
check "no revert record is left" test ! -e /var/lib/vnetctl/revert/lan
check "delete" vnetctl -q delete lan
check "given back" wait_given_back 5

# --- 3. systemd: a unit of its own per takeover
mkdir -p /run/systemd/system
cat >"$S/systemd-run" <<'SH'
#!/bin/sh
# A stand-in: log the call, and run the command after --on-active as a timer would.
echo "$*" >>/run/vnet-sandbox/systemd-run.log
delay=1
while [ $# -gt 0 ]; do
	case "$1" in
	--on-active=*) delay=${1#--on-active=}; delay=${delay%s} ;;
	--*) ;;
	*) break ;;
	esac
	shift
done
setsid sh -c "sleep $delay; exec \"\$@\"" sh "$@" </dev/null >/dev/null 2>&1 &
SH
chmod +x "$S/systemd-run"
export VNET_SYSTEMD_RUN=$S/systemd-run
vnetctl -q create lan --mode bridged --bridge br-lan --uplink out-lan --confirm-timeout 10
check "revert by hand" vnetctl -q revert lan
vnetctl -q create lan --mode bridged --bridge br-lan --uplink out-lan --confirm-timeout 10
check "two takeovers, two timers" test "$(grep -c -- '--unit=vnetctl-revert-lan-' "$S/systemd-run.log")" -eq 2
check "of two names" test "$(grep -o -- '--unit=vnetctl-revert-lan-[0-9a-f]*' "$S/systemd-run.log" | sort -u | wc -l)" -eq 2
check "the second timer gives the uplink back" wait_given_back 25
unset VNET_SYSTEMD_RUN
rm -rf /run/systemd

# --- 4. sudo, no SSH_CONNECTION, an sshd session through the uplink
ip route del default via 192.0.2.10 dev out-lan
bg_ns - socat TCP-LISTEN:22,fork,reuseaddr SYSTEM:'sleep 300'
_vnet_wait_listen - t 22
bg_ns lan sh -c 'sleep 300 | socat - TCP:192.0.2.1:22'
for i in $(seq 50); do ss -tn state established '( sport = :22 )' | grep -q 192.0.2.1 && break; sleep 0.1; done
check "the admin's session is up" sh -c "ss -tn state established '( sport = :22 )' | grep -q 192.0.2.1"
out=$(env -u SSH_CONNECTION SUDO_USER=admin "$VNETCTL" create lan --mode bridged --bridge br-lan --uplink out-lan \
	--confirm-timeout 60)
check "with no default route, the session alone makes it wait" grep -q "vnetctl confirm lan" <<<"$out"
check "revert gives it back" vnetctl -q revert lan
out=$("$VNETCTL" create lan --mode bridged --bridge br-lan --uplink out-lan --no-confirm)
check_not "--no-confirm: no wait" grep -q 'vnetctl confirm' <<<"$out"
check "delete" vnetctl -q delete lan

# --- 5. an apply that adds an uplink to an existing network
ip link add br-lan address 52:54:00:33:00:01 type bridge
ip link set br-lan up
vnetctl -q create lan --mode bridged --bridge br-lan
virsh net-dumpxml --inactive lan | sed -n '/<vnet:intent/,/<\/vnet:intent>/p' >"$S/lan.xml"
sed 's#<vnet:bridge name="br-lan"/>#<vnet:bridge name="br-lan"/><vnet:uplink name="out-lan"/>#' "$S/lan.xml" >"$S/lan-up.xml"
check "the intent gains the uplink" grep -q out-lan "$S/lan-up.xml"
# What the revert must give back: the network's definition, the uplink's addresses and routes.
state5() { virsh net-dumpxml --inactive lan; ip -o addr show dev out-lan | sed 's/ tentative//'; ip route show dev out-lan; }
state5 >"$S/before.5"
out=$("$VNETCTL" apply -f "$S/lan-up.xml")
check "apply takes the uplink, and waits" grep -q "vnetctl confirm lan" <<<"$out"
check "taken over" taken
check "revert" vnetctl -q revert lan
check "the network is still there" virsh -q net-info lan
check "as it was: no uplink in its intent" sh -c "! virsh net-dumpxml --inactive lan | grep -q out-lan"
check "given back" sh -c "! test -e /sys/class/net/out-lan/master"
state5 >"$S/after.5"
expect_same_snapshot "$S/before.5" "$S/after.5" || true

# --- 6. a timer that died: the next command reverts
vnetctl -q delete lan
vnetctl -q create lan2 --mode bridged --bridge br-lan --uplink out-lan --confirm-timeout 10
# Every timer dies (the detached sleepers, named vnetctl-revert): nothing reverts by itself.
pkill -9 -x vnetctl-revert || :
sleep 12
check "the deadline passed with no timer: still taken" taken
check "any command reverts it first (list does not change things; restore does)" vnetctl -q restore
check "given back" sh -c "! test -e /sys/class/net/out-lan/master"
check "and the record is gone" test ! -e /var/lib/vnetctl/revert/lan2
