#!/bin/bash
# 33-revert: confirm-or-revert cannot lock an admin out (issue 11).
#  1. vnetctl killed (-9) after the uplink moved, before it returned: the
#     revert armed before the move gives the uplink back by the deadline,
#     with no command run meanwhile.
#  2. An old timer never reverts a newer takeover of the same name.
#  3. With systemd (a stand-in manager on the sandbox's system bus, called
#     through D-Bus), each takeover gets a timer of its own name, so a second
#     one soon after is no collision, and the timer's service gives the uplink
#     back.  systemd refusing the unit, or its job failing, refuses the
#     takeover before anything moves; a systemd that does not answer gets the
#     detached timer instead, after a bounded wait; a bus that does not answer
#     refuses the command (firewalld's question comes first), bounded too.
#  4. Under sudo, with no SSH_CONNECTION, an "sshd" connection from the LAN
#     through the uplink is seen (netlink sock_diag): the takeover waits.
#  5. An apply that adds an uplink to an existing network, reverted, gives
#     back that network as it was, not a deleted one.
#  6. A takeover whose timer died is reverted by the next vnetctl command.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
sandbox_enter "$@"
. "$(dirname "$0")/vnet.sh"
. "$(dirname "$0")/firewalls.sh"
. "$(dirname "$0")/systemd.sh"
require_cmd virsh libvirtd nft ip curl socat gdb jq dbus-daemon
require_fake_systemd

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

# --- 3. systemd: a unit of its own per takeover, through its D-Bus API
# The detached timers of 1 and 2 are stale (their tokens are gone): out of the way of the counts.
pkill -9 -x vnetctl-revert || :
start_fake_systemd || bail "$VNET_FW_WHY"
vnetctl -q create lan --mode bridged --bridge br-lan --uplink out-lan --confirm-timeout 10
check "revert by hand" vnetctl -q revert lan
vnetctl -q create lan --mode bridged --bridge br-lan --uplink out-lan --confirm-timeout 10
token=$(sed -n 's/^token=//p' /var/lib/vnetctl/revert/lan)
check "two takeovers, two StartTransientUnit calls" test "$(sd_calls | grep -c '"unit": *"vnetctl-revert-lan-')" -eq 2
check "of two names" test "$(sd_calls | jq -r .unit | sort -u | wc -l)" -eq 2
check "the second is this takeover's" test "$(sd_calls | tail -n 1 | jq -r .unit)" = "vnetctl-revert-lan-$token.timer"
check "systemd armed it: no detached timer" sh -c '! pgrep -x vnetctl-revert'
check "the second timer gives the uplink back" wait_given_back 25
for i in $(seq 50); do grep -q "\"ran\": *\"vnetctl-revert-lan-$token.service\"" "$VNET_SD_LOG" && break; sleep 0.2; done
check "through systemd's service, which ended well" \
	sh -c "jq -e 'select(.ran == \"vnetctl-revert-lan-$token.service\") | .status == 0' '$VNET_SD_LOG'"
for i in $(seq 50); do virsh -q net-info lan >/dev/null 2>&1 || break; sleep 0.2; done

# systemd answers no (refuses, or its job fails): the takeover is refused
# before anything moves, with systemd's reason, and the host is as before.
snapshot_host "$S/before.3"
for how in refuse fail-job; do
	echo "$how" >"$VNET_SD_MODE"
	rc=0
	out=$("$VNETCTL" create lan --mode bridged --bridge br-lan --uplink out-lan --confirm-timeout 10 2>&1) || rc=$?
	check "$how: refused (exit 1)" test "$rc" -eq 1
	case $how in
	refuse) check "$how: the message gives systemd's answer" \
		grep -q 'systemd refused to arm the revert timer vnetctl-revert-lan-[0-9a-f]*\.timer: Unit .* already loaded' <<<"$out" ;;
	fail-job) check "$how: the message gives the job's result" \
		grep -q 'systemd could not start the revert timer vnetctl-revert-lan-[0-9a-f]*\.timer: its job ended as "failed"' <<<"$out" ;;
	esac
	check "$how: the uplink never moved" sh -c "! test -e /sys/class/net/out-lan/master"
	check "$how: no revert record is left" test ! -e /var/lib/vnetctl/revert/lan
	check "$how: and no detached timer" sh -c '! pgrep -x vnetctl-revert'
	snapshot_host "$S/after.3.$how"
	expect_same_snapshot "$S/before.3" "$S/after.3.$how" || true
done

# systemd does not answer: the wait is bounded (VNET_REVERT_CALL_TIMEOUT_MS)
# and the detached timer is armed instead, so the takeover goes on with a
# revert (should systemd answer later, its timer finds the token used up).
echo hang >"$VNET_SD_MODE"
t0=$SECONDS
vnetctl -q create lan --mode bridged --bridge br-lan --uplink out-lan --confirm-timeout 30
check "a hung systemd: the create ends within its 10 s wait and a few more" test $((SECONDS - t0)) -le 20
check "the call reached systemd" test "$(sd_calls | tail -n 1 | jq -r .unit)" = \
	"vnetctl-revert-lan-$(sed -n 's/^token=//p' /var/lib/vnetctl/revert/lan).timer"
check "taken over" taken
check "with the detached timer armed instead" pgrep -x vnetctl-revert
check "revert by hand" vnetctl -q revert lan
check "given back" sh -c "! test -e /sys/class/net/out-lan/master"
pkill -9 -x vnetctl-revert || :
for i in $(seq 50); do virsh -q net-info lan >/dev/null 2>&1 || break; sleep 0.2; done

# The bus itself does not answer: every command asks firewalld over it
# before it changes anything, so the takeover is refused there, within that
# 5 s wait, and nothing moves (the revert would fall back as above: a bus
# that hangs only after that question is the rare case).
echo ok >"$VNET_SD_MODE"
start_hung_bus "$S/hung-bus"
snapshot_host "$S/before.3.hung"
calls=$(sd_calls | wc -l)
t0=$SECONDS
rc=0
out=$(DBUS_SYSTEM_BUS_ADDRESS=unix:path=$S/hung-bus "$VNETCTL" create lan --mode bridged --bridge br-lan \
	--uplink out-lan --confirm-timeout 10 2>&1) || rc=$?
check "a hung bus: refused (exit 1)" test "$rc" -eq 1
check "within its 5 s wait and a few more" test $((SECONDS - t0)) -le 15
check "saying the bus did not answer" grep -q 'The system D-Bus did not answer within 5 seconds' <<<"$out"
check "systemd was never called" test "$(sd_calls | wc -l)" -eq "$calls"
check "the uplink never moved" sh -c "! test -e /sys/class/net/out-lan/master"
check "no revert record is left" test ! -e /var/lib/vnetctl/revert/lan
snapshot_host "$S/after.3.hung"
expect_same_snapshot "$S/before.3.hung" "$S/after.3.hung" || true
stop_fake_systemd

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
