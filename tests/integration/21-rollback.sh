#!/bin/bash
# 21-rollback: a failure injected at each step of a create (the library's
# test switch VNET_TEST_FAIL_STEP=N) leaves libvirt networks, links,
# addresses and the nftables ruleset exactly as they were; a bridge name
# already taken is refused before anything changes.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
sandbox_enter "$@"
. "$(dirname "$0")/vnet.sh"
require_cmd virsh libvirtd dnsmasq nft ip

install_hook
sandbox_start_libvirtd
# A network of ours that exists already: rollback must not disturb it.
# (vnet.sh made a foreign table, checked at the end.)
vnetctl create other --mode nat --subnet 10.78.0.0/24 --forward 7070:70 >/dev/null

args=(create web --mode nat --subnet 10.77.0.0/24 --forward 8080:80)
nsteps=$("$VNETCTL" plan "${args[@]:1}" | grep -cE '^[0-9]+\. ')
check "plan of the create has steps" test "$nsteps" -ge 5
snapshot_host "$VNET_SCRATCH/before"
for n in $(seq 1 "$nsteps"); do
	rc=0
	out=$(VNET_TEST_FAIL_STEP=$n "$VNETCTL" "${args[@]}" 2>&1) || rc=$?
	check "failure at step $n: exit 1" test "$rc" -eq 1
	check "failure at step $n: the cause is reported" grep -q "Step $n failed" <<<"$out"
	snapshot_host "$VNET_SCRATCH/after.$n"
	expect_same_snapshot "$VNET_SCRATCH/before" "$VNET_SCRATCH/after.$n" || true
done

ip link add vn-web type veth peer name vn-web-peer
expect_refused "bridge name taken by another link" "vn-web" create web --mode nat --subnet 10.77.0.0/24
ip link del vn-web

check "the existing network still works after all that" test "$(virsh -q net-info other | awk '/^Active:/ {print $2}')" = yes
check "and keeps its forward element" sh -c "nft list map inet vnetctl fwd4 | grep -q 7070"
