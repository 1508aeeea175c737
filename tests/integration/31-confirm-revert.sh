#!/bin/bash
# 31-confirm-revert: an uplink takeover that carries the default route
# waits for `vnetctl confirm`.  Not confirmed: when the timer fires the host
# is back exactly as before, both where systemd is not PID 1 (a detached
# process that outlives the vnetctl and the shell that ran it) and where it
# is (a transient timer through systemd's D-Bus API; a stand-in manager on
# the sandbox's system bus records the call and runs the service).
# Confirmed: it stays after the deadline passes, though systemd's timer fires.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
sandbox_enter "$@"
. "$(dirname "$0")/vnet.sh"
. "$(dirname "$0")/firewalls.sh"
. "$(dirname "$0")/systemd.sh"
require_cmd virsh libvirtd nft ip curl socat jq dbus-daemon
require_fake_systemd

install_hook
sandbox_start_libvirtd
add_outside lan 192.0.2.1/24 192.0.2.10/24
ip route add default via 192.0.2.10 dev out-lan
start_http lan 80 "the LAN peer"
# Let the fresh veth settle (carrier, link-local address) before the snapshot.
expect_http - http://192.0.2.10/ "the LAN peer"
sleep 2
snapshot_host "$VNET_SCRATCH/before"

# Not confirmed: started from a shell that is gone by the time it fires.
bash -c "'$VNETCTL' -q create lan --mode bridged --bridge br-lan --uplink out-lan --confirm-timeout 10; exit 0"
check "the takeover happened" test -e /sys/class/net/out-lan/master
check "the network says when it reverts" sh -c "virsh net-dumpxml --inactive lan | grep -q confirm-deadline"
check "no systemd: the detached timer waits" pgrep -x vnetctl-revert
for i in $(seq 40); do [ -e /sys/class/net/br-lan ] || break; sleep 0.5; done
check "after the timeout the bridge is gone" test ! -e /sys/class/net/br-lan
check "the network is gone" test -z "$(virsh -q net-list --all --name)"
expect_http - http://192.0.2.10/ "the LAN peer"
snapshot_host "$VNET_SCRATCH/after"
expect_same_snapshot "$VNET_SCRATCH/before" "$VNET_SCRATCH/after" || true

# Not confirmed, with systemd: its timer's service gives the host back.
start_fake_systemd || bail "$VNET_FW_WHY"
bash -c "'$VNETCTL' -q create lan --mode bridged --bridge br-lan --uplink out-lan --confirm-timeout 10; exit 0"
check "the takeover happened" test -e /sys/class/net/out-lan/master
token=$(sed -n 's/^token=//p' /var/lib/vnetctl/revert/lan)
uri=$(sed -n 's/^uri=//p' /var/lib/vnetctl/revert/lan)
unit=vnetctl-revert-lan-$token
check "one StartTransientUnit call" test "$(sd_calls | wc -l)" -eq 1
call=$(sd_calls)
check "for the takeover's own timer" test "$(jq -r .unit <<<"$call")" = "$unit.timer"
# The delay is what is left of the 10 s when the timer is armed.
check "that elapses once, about 10 s on" jq -e '.timer.TimersMonotonic as $t | ($t | length) == 1 and
	$t[0][0] == "OnActiveSec" and $t[0][1] >= 8000000 and $t[0][1] <= 10000000' <<<"$call"
check "to the second" jq -e '.timer.AccuracyUSec == 1000000 and .timer.RemainAfterElapse == false' <<<"$call"
expect_argv=$(jq -cn --arg self "$VNETCTL" --arg uri "$uri" --arg token "$token" 	'[$self] + (if $uri == "" then [] else ["-c", $uri] end) + ["-q", "revert", "lan", "--token", $token]')
check "its service runs vnetctl revert with the token" 	jq -e --arg s "$unit.service" --argjson argv "$expect_argv" 	'(.aux | keys) == [$s] and .aux[$s].ExecStart == [[$argv[0], $argv, false]]' <<<"$call"
check "no detached timer besides" sh -c '! pgrep -x vnetctl-revert'
for i in $(seq 40); do [ -e /sys/class/net/br-lan ] || break; sleep 0.5; done
check "after the timeout the bridge is gone" test ! -e /sys/class/net/br-lan
for i in $(seq 50); do jq -e --arg s "$unit.service" 'select(.ran == $s)' "$VNET_SD_LOG" >/dev/null && break; sleep 0.2; done
check "systemd's service did it, and ended well" 	jq -e --arg s "$unit.service" 'select(.ran == $s) | .status == 0' "$VNET_SD_LOG"
check "the network is gone" test -z "$(virsh -q net-list --all --name)"
expect_http - http://192.0.2.10/ "the LAN peer"
snapshot_host "$VNET_SCRATCH/after.systemd"
expect_same_snapshot "$VNET_SCRATCH/before" "$VNET_SCRATCH/after.systemd" || true

# Confirmed: it stays, past the deadline, when systemd's timer has fired.
check "create again" vnetctl -q create lan --mode bridged --bridge br-lan --uplink out-lan --confirm-timeout 10
unit=vnetctl-revert-lan-$(sed -n 's/^token=//p' /var/lib/vnetctl/revert/lan)
check "confirm" vnetctl -q confirm lan
sleep 12
for i in $(seq 50); do jq -e --arg s "$unit.service" 'select(.ran == $s)' "$VNET_SD_LOG" >/dev/null && break; sleep 0.2; done
check "confirmed: the timer fired" jq -e --arg s "$unit.service" 'select(.ran == $s) | .status == 0' "$VNET_SD_LOG"
check "confirmed: the bridge stays after the deadline" test -d /sys/class/net/br-lan/bridge
check "confirmed: out-lan is still its port" test "$(basename "$(readlink /sys/class/net/out-lan/master)")" = br-lan
check "confirmed: the deadline is gone from the metadata" sh -c "! virsh net-dumpxml --inactive lan | grep -q confirm-deadline"
expect_http - http://192.0.2.10/ "the LAN peer"
check "revert of a confirmed network does nothing" sh -c "'$VNETCTL' revert lan | grep -q 'nothing to revert'"
check "delete" vnetctl delete lan
stop_fake_systemd
