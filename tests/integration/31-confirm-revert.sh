#!/bin/bash
# 31-confirm-revert: an uplink takeover that carries the default route
# waits for `vnetctl confirm`.  Not confirmed: when the timer fires (in a
# detached process that outlives the vnetctl and the shell that ran it),
# the host is back exactly as before.  Confirmed: it stays after the
# deadline passes.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
sandbox_enter "$@"
. "$(dirname "$0")/vnet.sh"
require_cmd virsh libvirtd nft ip curl socat

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
for i in $(seq 40); do [ -e /sys/class/net/br-lan ] || break; sleep 0.5; done
check "after the timeout the bridge is gone" test ! -e /sys/class/net/br-lan
check "the network is gone" test -z "$(virsh -q net-list --all --name)"
expect_http - http://192.0.2.10/ "the LAN peer"
snapshot_host "$VNET_SCRATCH/after"
expect_same_snapshot "$VNET_SCRATCH/before" "$VNET_SCRATCH/after" || true

# Confirmed: it stays, past the deadline.
check "create again" vnetctl -q create lan --mode bridged --bridge br-lan --uplink out-lan --confirm-timeout 10
check "confirm" vnetctl -q confirm lan
sleep 12
check "confirmed: the bridge stays after the deadline" test -d /sys/class/net/br-lan/bridge
check "confirmed: out-lan is still its port" test "$(basename "$(readlink /sys/class/net/out-lan/master)")" = br-lan
check "confirmed: the deadline is gone from the metadata" sh -c "! virsh net-dumpxml --inactive lan | grep -q confirm-deadline"
expect_http - http://192.0.2.10/ "the LAN peer"
check "revert of a confirmed network does nothing" sh -c "'$VNETCTL' revert lan | grep -q 'nothing to revert'"
check "delete" vnetctl delete lan
