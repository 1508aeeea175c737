#!/bin/bash
# 24-hook-lock: the hook run twice for the same event leaves one copy of
# each element; a network stopped while its bridge is already gone ends
# clean; a network without vnetctl's metadata costs the hook nothing; a
# lock left by a killed vnetctl does not block the next one; two creates
# of overlapping subnets started at the same moment: exactly one succeeds.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
sandbox_enter "$@"
. "$(dirname "$0")/vnet.sh"
require_cmd virsh libvirtd dnsmasq nft ip jq flock

install_hook
sandbox_start_libvirtd
vnetctl create web --mode nat --subnet 10.77.0.0/24 --forward 8080:80 --forward 5353:53/udp >/dev/null
count=$(nft_count_elements)
hookdata() { printf '<hookData>%s</hookData>' "$(virsh net-dumpxml web)"; }

check "hook started, again" sh -c "$(declare -f hookdata); hookdata | '$VNETCTL' hook web started begin -"
check "hook started, a third time" sh -c "$(declare -f hookdata); hookdata | '$VNETCTL' hook web started begin -"
check "still one copy of each element" test "$(nft_count_elements)" -eq "$count"

hookdata >"$VNET_SCRATCH/web.hook.xml"
check "hook stopped" sh -c "'$VNETCTL' hook web stopped end - <'$VNET_SCRATCH/web.hook.xml'"
check "hook stopped, again" sh -c "'$VNETCTL' hook web stopped end - <'$VNET_SCRATCH/web.hook.xml'"
check "no element left" test "$(nft_count_elements)" -eq 0
check "hook started puts them back" sh -c "'$VNETCTL' hook web started begin - <'$VNET_SCRATCH/web.hook.xml'"
check "one copy of each element" test "$(nft_count_elements)" -eq "$count"

check "a network that is not ours costs nothing" sh -c "echo '<hookData><network><name>x</name></network></hookData>' | '$VNETCTL' hook x started begin -"

# Stopped while the bridge is already gone.
ip link del vn-web
check "hook stopped with the bridge gone" sh -c "'$VNETCTL' hook web stopped end - <'$VNET_SCRATCH/web.hook.xml'"
check "delete with the bridge gone" vnetctl delete web
check "no element left after delete" test "$(nft_count_elements)" -eq 0
check "no network left" test -z "$(virsh -q net-list --all --name)"

# A lock holder killed with SIGKILL: flock dies with it.
# -o: the lock is flock's own, not inherited by sleep, as with a vnetctl.
flock -o /run/vnetctl.lock sleep 600 &
holder=$!
sleep 0.2
kill -9 "$holder"; wait "$holder" 2>/dev/null || true
check "create after a killed lock holder" timeout 20 "$VNETCTL" create web --mode nat --subnet 10.77.0.0/24
vnetctl delete web >/dev/null

# Two creates at once, overlapping subnets: one wins, one is refused.
rc1=0 rc2=0
"$VNETCTL" create a --mode nat --subnet 10.60.0.0/24 >"$VNET_SCRATCH/a.out" 2>&1 & p1=$!
"$VNETCTL" create b --mode nat --subnet 10.60.0.0/23 >"$VNET_SCRATCH/b.out" 2>&1 & p2=$!
wait $p1 || rc1=$?
wait $p2 || rc2=$?
check "exactly one of two racing creates succeeds" test $((rc1 + rc2)) -eq 1
check "the loser names the winner's subnet" sh -c "cat '$VNET_SCRATCH/a.out' '$VNET_SCRATCH/b.out' | grep -q 'overlaps'"
check "exactly one network exists" test "$(virsh -q net-list --all --name | grep -c .)" -eq 1
