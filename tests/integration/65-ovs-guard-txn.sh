#!/bin/bash
# 65-ovs-guard-txn: the guard's OpenFlow flows (62-ovs-guard) as part of a
# transaction.  On a `--guard strict` OVS network with one guest attached:
# a failure injected at each step of `attach --vlan 10 --ip` and of
# `detach` leaves the network's flows and libvirt's definitions exactly as
# they were; a kill before and after the guard's bundle went to
# ovs-vswitchd leaves the old flows or the new ones, never a mix, and the
# next command rolls it back without a journal left; a flow deleted by hand
# comes back with `restore`; and a replacement that Open vSwitch refuses in
# its last flow (VNET_TEST_OF_BAD_FLOW), as the flow is added or only when
# the bundle commits, changes no flow at all, seen before the undo runs:
# without the atomic bundle the delete and the adds before it would be
# applied.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
sandbox_enter "$@"
. "$(dirname "$0")/vnet.sh"
. "$(dirname "$0")/ovs.sh"
require_cmd virsh libvirtd ovsdb-server ovs-vswitchd ovsdb-tool ovs-vsctl ovs-ofctl ethtool ip gdb python3
install_hook
sandbox_start_libvirtd
start_ovs

# vnet_of_cookie("v"): "vnet" and the FNV-1a hash of the name
cookie=$(python3 -c 'h = 2166136261
for c in b"v": h = ((h ^ c) * 16777619) & 0xffffffff
print("0x766e6574%08x" % h)')
# The network's flows on ovsbr0 without their counters, in a stable order.
flows() {
	ovs-ofctl -O OpenFlow13 dump-flows ovsbr0 "cookie=$cookie/-1" | grep 'cookie=' |
		sed -E 's/ (duration|n_packets|n_bytes|idle_age|hard_age)=[^,]*,//g' | sort
}
# libvirt's definitions vnetctl touches.
defs() {
	virsh net-dumpxml v; virsh net-dumpxml --inactive v
	virsh dumpxml --inactive d1; virsh dumpxml --inactive d2
}
state() { flows; defs; }
journal=/var/lib/vnetctl/journal

# ---- a LAN switch behind the uplink, the network, two guest ports, d1 attached ----
ovs-vsctl --timeout=10 add-br lansw -- set Bridge lansw datapath_type=netdev
ip link add up0 type veth peer name lanup
quiet_veth up0; quiet_veth lanup
ip link set up0 up; ip link set lanup up
ovs-vsctl --timeout=10 add-port lansw lanup
ip addr add 192.0.2.1/24 dev up0
check "create v --guard strict on Open vSwitch" vnetctl -q create v --mode bridged --switch ovs --bridge ovsbr0 \
	--uplink up0 --vlan 10 --guard strict --no-confirm
plug g1 ovsbr0 vp-g1 - tag=10
plug g2 ovsbr0 vp-g2 - tag=10
define_domain d1
define_domain d2
check "attach v d1 --vlan 10 --ip 10.9.0.101" vnetctl -q attach v d1 --vlan 10 --ip 10.9.0.101
flows >"$VNET_SCRATCH/flows.one"
state >"$VNET_SCRATCH/state.one"
check "the guard has flows with the network's cookie $cookie" test -s "$VNET_SCRATCH/flows.one"

# a fixed MAC: the flows after each attach are the same bytes
attach2=(attach v d2 --vlan 10 --ip 10.9.0.102 --mac 52:54:00:00:00:02)

# ---- a replacement refused in its last flow changes nothing (atomicity) ----
# Killed where the undo would begin, so that only the refused bundle has
# acted: the flows must be the old ones by themselves, not by the undo.
export VNET_TEST_OF_BAD_FLOW=1
check "attach with a flow OVS refuses, stopped before its undo" kill_at vnet_of_restore 1 -q "${attach2[@]}"
unset VNET_TEST_OF_BAD_FLOW
check "the refused bundle left every old flow, and only those" diff -u "$VNET_SCRATCH/flows.one" <(flows)
check "the next command rolls the attach back" vnetctl -q restore
check "no journal is left" test ! -e "$journal"
# Refused as it is added (a match without its prerequisite), and refused
# only by the commit (a flow that overlaps the bridge's NORMAL flow and says
# OFPFF_CHECK_OVERLAP), when the bundle has taken every other flow.
for bad in add:OFPBMC_BAD_PREREQ commit:OFPFMFC_OVERLAP; do
	mode=${bad%%:*}
	if [ "$mode" = commit ]; then
		VNET_TEST_OF_BAD_FLOW=$mode check "attach with a flow OVS refuses at commit, stopped before its undo" \
			kill_at vnet_of_restore 1 -q "${attach2[@]}"
		check "the refused commit left every old flow, and only those" diff -u "$VNET_SCRATCH/flows.one" <(flows)
		check "the next command rolls the attach back" vnetctl -q restore
	fi
	rc=0
	VNET_TEST_OF_BAD_FLOW=$mode "$VNETCTL" -q "${attach2[@]}" 2>"$VNET_SCRATCH/err" || rc=$?
	diag "$(cat "$VNET_SCRATCH/err")"
	check "attach with a flow OVS refuses ($mode) exits 1" test "$rc" -eq 1
	check "the error names OVS's error ${bad#*:}" grep -q "${bad#*:}" "$VNET_SCRATCH/err"
	check "after the refused attach ($mode), flows and definitions are as they were" diff -u "$VNET_SCRATCH/state.one" <(state)
done

# ---- a failure at each step of attach, then of detach ----
for n in $(seq 1 20); do
	rc=0
	VNET_TEST_FAIL_STEP=$n "$VNETCTL" -q "${attach2[@]}" 2>/dev/null || rc=$?
	if [ "$rc" -eq 0 ]; then
		check "attach ran to the end after $((n - 1)) failing steps" test "$n" -gt 1
		break
	fi
	check "attach failing at step $n: flows and definitions are as they were" diff -u "$VNET_SCRATCH/state.one" <(state)
done
flows >"$VNET_SCRATCH/flows.two"
state >"$VNET_SCRATCH/state.two"
check "attaching d2 changed the flows" sh -c "! cmp -s $VNET_SCRATCH/flows.one $VNET_SCRATCH/flows.two"
for n in $(seq 1 20); do
	rc=0
	VNET_TEST_FAIL_STEP=$n "$VNETCTL" -q detach v d2 2>/dev/null || rc=$?
	if [ "$rc" -eq 0 ]; then
		check "detach ran to the end after $((n - 1)) failing steps" test "$n" -gt 1
		break
	fi
	check "detach failing at step $n: flows and definitions are as they were" diff -u "$VNET_SCRATCH/state.two" <(state)
done
check "after detach, the flows are those of d1 alone" diff -u "$VNET_SCRATCH/flows.one" <(flows)

# ---- killed before the bundle is sent, and after ----
# vnet_of_replace: before anything went; read_to_barrier: the bundle's
# flows sent, not its commit; vnet_of_parse_bundle_reply: committed.
for fn in vnet_of_replace read_to_barrier vnet_of_parse_bundle_reply; do
	check "attach killed at $fn" kill_at "$fn" 1 -q "${attach2[@]}"
	flows >"$VNET_SCRATCH/flows.killed"
	check "killed at $fn: the old flows or the new ones, never a mix" \
		sh -c "cmp -s $VNET_SCRATCH/flows.killed $VNET_SCRATCH/flows.one || cmp -s $VNET_SCRATCH/flows.killed $VNET_SCRATCH/flows.two"
	check "killed at $fn: a journal is left" test -e "$journal"
	check "killed at $fn: the next command rolls it back" vnetctl -q restore
	check "killed at $fn: no journal is left" test ! -e "$journal"
	check "killed at $fn: flows and definitions are as before the attach" diff -u "$VNET_SCRATCH/state.one" <(state)
done

# ---- a flow deleted by hand comes back ----
check "attach v d2" vnetctl -q "${attach2[@]}"
ovs-ofctl -O OpenFlow13 del-flows ovsbr0 "cookie=$cookie/-1,udp"
check "the hand deleted the rogue-DHCP drops" test "$(flows | grep -c 'priority=30000,udp,' || true)" -eq 0
check "restore" vnetctl -q restore
check "restore put every flow back" diff -u "$VNET_SCRATCH/flows.two" <(flows)

check "detach v d2" vnetctl -q detach v d2
check "detach v d1" vnetctl -q detach v d1
check "delete v" vnetctl -q delete v
check "no flow with the network's cookie is left" sh -c "! ovs-vsctl br-exists ovsbr0 || test -z \"\$(ovs-ofctl -O OpenFlow13 dump-flows ovsbr0 cookie=$cookie/-1 | grep cookie=)\""
