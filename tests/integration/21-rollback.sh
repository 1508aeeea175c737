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
# fail_each_step WHAT ARGS...: the create ARGS with a failure injected at
# each of its steps in turn; after each, the host is as it was.
fail_each_step() {
	local what=$1 n rc out nsteps
	shift
	nsteps=$("$VNETCTL" plan "${@:2}" | grep -cE '^[0-9]+\. ')
	check "$what: the plan has steps" test "$nsteps" -ge 5
	snapshot_host "$VNET_SCRATCH/before"
	for n in $(seq 1 "$nsteps"); do
		rc=0
		out=$(VNET_TEST_FAIL_STEP=$n "$VNETCTL" "$@" 2>&1) || rc=$?
		check "$what, failure at step $n: exit 1" test "$rc" -eq 1
		check "$what, failure at step $n: the cause is reported" grep -q "Step $n failed" <<<"$out"
		snapshot_host "$VNET_SCRATCH/after.$n"
		expect_same_snapshot "$VNET_SCRATCH/before" "$VNET_SCRATCH/after.$n" || true
	done
}

# On a host with no network of ours: even our table must not be left.
# (vnet.sh made a foreign table, checked at the end.)
fail_each_step "first network" create web --mode nat --subnet 10.77.0.0/24 --forward 8080:80
check "no table of ours after the failed creates" sh -c "! nft list table inet vnetctl 2>/dev/null"
check "nor the guard's table bridge vnetctl" sh -c "! nft list table bridge vnetctl 2>/dev/null"

# Beside a network of ours that exists already: it must not be disturbed.
vnetctl create other --mode nat --subnet 10.78.0.0/24 --forward 7070:70 >/dev/null
fail_each_step "second network" create web --mode nat --subnet 10.77.0.0/24 --forward 8080:80

# A bridged network with an uplink: the takeover is undone too.
add_outside lan 192.0.2.1/24 192.0.2.10/24
sleep 2		# let the new link settle before the snapshots
fail_each_step "bridged with uplink" create lan --mode bridged --bridge br-lan --uplink out-lan

ip link add vn-web type veth peer name vn-web-peer
expect_refused "bridge name taken by another link" "vn-web" create web --mode nat --subnet 10.77.0.0/24
ip link del vn-web

check "the existing network still works after all that" test "$(virsh -q net-info other | awk '/^Active:/ {print $2}')" = yes
check "and keeps its forward element" sh -c "nft list map inet vnetctl fwd4 | grep -q 7070"
