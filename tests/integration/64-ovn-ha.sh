#!/bin/bash
# 64-ovn-ha: a NAT overlay network with two gateway chassis (--ovn-gateway
# chA --ovn-gateway chB), against the sandbox's own OVN (ovn.sh).  Both
# chassis' br-ex are ports of one LAN (a Linux bridge) with the outside on
# it.  The router's external port runs on chA (priority 2), chB stands by;
# a forward from the outside reaches guest nC on a third chassis, chC
# (OVN fails over only to a standby that still sees another chassis by
# BFD: with two, a standby cannot tell a dead peer from its own isolation).
# chA crashes (ovn-controller and ovs-vswitchd killed): chB's BFD sees it
# go, chB takes the port and announces it, and the forward works again
# through chB.  chA
# comes back and takes the port back.  Then the gateways change with
# `apply -f`: in place (no new switch, the guest keeps its port), a failure
# at each step and a kill at each OVSDB transaction leave NB as it was once
# the next command ran, and doctor names a standby that is down with where
# the NAT runs.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
sandbox_enter "$@"
. "$(dirname "$0")/vnet.sh"
require_cmd virsh libvirtd ovsdb-server ovs-vswitchd ovsdb-tool ovs-vsctl ovn-northd ovn-controller \
	ovn-nbctl ovn-sbctl ethtool curl socat busybox gdb xmllint jq
. "$(dirname "$0")/ovn.sh"
for f in "$ovs_schema" "$ovn_nb_schema" "$ovn_sb_schema"; do [ -r "$f" ] || skip "no schema $f"; done

install_hook
sandbox_start_libvirtd
ovn_central
ovn_chassis chA 11
ovn_chassis chB 12
ovn_chassis chC 13
ovn_external_lan out 198.51.100.1/24 chA chB
nb=tcp:127.0.0.1:6641
chassis_listed() { [ "$(sbctl --bare --columns=name list Chassis | grep -c .)" -eq 3 ]; }
check "SB lists the three chassis" wait_for 30 chassis_listed
export VNET_OVN_SB=tcp:$OVN_UNDER.1:6642
# no local Open vSwitch: every gateway is named
export VNET_OVSDB_SOCKET=$VNET_SCRATCH/none.sock

gateways() { # the Gateway_Chassis rows: "NAME CHASSIS PRIORITY", sorted
	nbctl --bare --columns=name,chassis_name,priority list Gateway_Chassis | awk 'NF {printf "%s%s", $0, (++n % 3 ? " " : "\n")}' | sort
}
nb_state() { # the NB rows vnetctl could touch, without uuids
	nbctl --columns=name,external_ids list Logical_Switch
	nbctl --columns=name,addresses,external_ids list Logical_Switch_Port
	nbctl --columns=name,networks,gateway_chassis list Logical_Router_Port | sed -E 's/[0-9a-f]{8}-[0-9a-f-]{27}/UUID/g'
	gateways
	nbctl --columns=name,protocol,vips list Load_Balancer
}
# the chassis the router's external port (its chassis-resident port) is bound to
active_gateway() {
	local ch
	ch=$(sbctl --bare --columns=chassis find Port_Binding logical_port=cr-lrp-o2-ext)
	[ -n "$ch" ] && sbctl --bare --columns=name list Chassis "$ch"
}
gateway_is() { test "$(active_gateway)" = "$1"; }
nat=(--mode overlay --ovn "$nb" --subnet 10.78.0.0/24 --ovn-external 198.51.100.10/24)

# ---- refusals: nothing changes ----
nb_state >"$VNET_SCRATCH/nb.before"
expect_refused "a gateway chassis named twice" "named twice" \
	create o2 "${nat[@]}" --ovn-gateway chA --ovn-gateway chA
expect_refused "a standby SB does not know" "chZ" create o2 "${nat[@]}" --ovn-gateway chA --ovn-gateway chZ
expect_refused "a malformed standby" "chassis name" create o2 "${nat[@]}" --ovn-gateway chA --ovn-gateway 'ch;B'
check "after the refusals NB is as it was" diff -u "$VNET_SCRATCH/nb.before" <(nb_state)

# ---- two gateways: chA active, chB standing by ----
check "create o2 with gateways chA then chB" \
	vnetctl -q create o2 "${nat[@]}" --ovn-gateway chA --ovn-gateway chB --forward 8080:vmD:80
check "NB has a Gateway_Chassis row for each, chA first" \
	test "$(gateways)" = "$(printf 'lrp-o2-ext-chA chA 2\nlrp-o2-ext-chB chB 1')"
check "the external switch's router port announces the NAT addresses" \
	test "$(nbctl get Logical_Switch_Port o2-ext-lrp options:nat-addresses)" = router
check "show --json lists both gateways in order" \
	sh -c "'$VNETCTL' --json show o2 | jq -e '.ovn_gateways == [\"chA\", \"chB\"]' >/dev/null"
check "show says them in text" sh -c "'$VNETCTL' show o2 | grep -c 'OVN gateway chassis:' | grep -qx 2"
check "the intent keeps them in order" \
	sh -c "virsh net-dumpxml --inactive o2 | grep -q 'ovn-gateway=\"chA chB\"'"
check "the external port runs on chA" wait_for 20 gateway_is chA
define_domain vmD
check "attach o2 vmD" vnetctl -q attach o2 vmD
idD=$(virsh dumpxml --inactive vmD | sed -n "s/.*interfaceid='\([^']*\)'.*/\1/p" | head -1)
ovn_plug chC nC "$(nic_mac vmD o2)" "$idD"
check "nC gets a lease with the router from OVN's DHCP" dhcp_lease nC eth0 route
start_http out 80 "the outside"
start_http nC 80 "guest nC on chC"
expect_http out http://198.51.100.10:8080/ "guest nC on chC" 30
expect_http nC http://198.51.100.1/ "the outside" 20
check "doctor o2 passes" vnetctl doctor o2
# doctor and show on chC, a chassis: its tunnels to the gateways, watched by BFD
here() { VNET_OVSDB_SOCKET="$VNET_SCRATCH/chC/db.sock" "$VNETCTL" "$@"; }
bfd_up() { here --json show o2 | jq -e "[.ovn_chassis[] | select(.name == \"$1\") | .tunnel_from_here] == [\"up\"]" >/dev/null; }
tunnels_up() { bfd_up chA && bfd_up chB; }
tunnel_checks_ok() { here --json doctor o2 | jq -e '[.checks[] | select(.check == "ovn-tunnel-here" and .ok)] | length == 2' >/dev/null; }
check "from chC, BFD says the tunnels to chA and chB are up" wait_for 20 tunnels_up
check "from chC, doctor o2 checks both tunnels and they pass" tunnel_checks_ok
show_says() { here show o2 | grep -q "$1"; }
check "show on chC says its tunnel to chA in text" show_says 'tunnel from this host: *to chA: ovn-chA-0, BFD up'

# ---- chA crashes: chB takes the port over ----
ovn_crash chA
check "chB binds the external port once BFD sees chA gone" wait_for 30 gateway_is chB
expect_http out http://198.51.100.10:8080/ "guest nC on chC" 30
expect_http nC http://198.51.100.1/ "the outside" 20
"$VNETCTL" doctor o2 >"$VNET_SCRATCH/doctor.crash" 2>&1 && rc=0 || rc=$?
check "with chA crashed, doctor o2 exits 1" test "$rc" -eq 1
check "doctor says gateway chA does not follow OVN (SB still lists it)" \
	grep -q "gateway chassis chA of network o2 does not follow OVN" "$VNET_SCRATCH/doctor.crash"
here doctor o2 >"$VNET_SCRATCH/doctor.here" 2>&1 || :
check "from chC, doctor says the tunnel to chA is down by BFD" \
	grep -q "tunnel ovn-chA-0 from this host to chassis chA is down by BFD" "$VNET_SCRATCH/doctor.here"
check "from chC, the tunnel to chB is still up" grep -q "tunnel ovn-chB-0 to chassis chB, BFD up" "$VNET_SCRATCH/doctor.here"

# ---- chA back: it takes the port back (the higher priority) ----
ovn_vswitchd_start chA
ovn_controller_start chA
check "chA binds the external port again" wait_for 30 gateway_is chA
expect_http out http://198.51.100.10:8080/ "guest nC on chC" 30

# ---- a standby stopped: doctor names it and where the NAT runs ----
ovn_controller_stop chB
check "with chB's ovn-controller stopped, doctor o2 exits 1" wait_for 10 sh -c "! '$VNETCTL' doctor o2"
"$VNETCTL" doctor o2 >"$VNET_SCRATCH/doctor.out" 2>&1 || :
check "doctor says chB is down and the NAT runs on chA" \
	grep -q "gateway chassis chB of network o2 is not in OVN's southbound database.*runs on chassis chA" "$VNET_SCRATCH/doctor.out"
check "doctor's fix for it names chB" grep -q "On chassis chB: systemctl start ovn-controller" "$VNET_SCRATCH/doctor.out"
ovn_controller_start chB
check "with chB back, doctor o2 passes" wait_for 20 "$VNETCTL" doctor o2
expect_http out http://198.51.100.10:8080/ "guest nC on chC" 30

# ---- the gateways change in place: chB first, chA standing by ----
virsh net-dumpxml --inactive o2 | xmllint --xpath '//*[local-name()="intent"]' - >"$VNET_SCRATCH/ab.xml"
sed 's/ovn-gateway="chA chB"/ovn-gateway="chB chA"/' "$VNET_SCRATCH/ab.xml" >"$VNET_SCRATCH/ba.xml"
check "the intent file has chB first" grep -q 'ovn-gateway="chB chA"' "$VNET_SCRATCH/ba.xml"
nb_state >"$VNET_SCRATCH/nb.ab"
ls_uuid=$(nbctl --bare --columns=_uuid find Logical_Switch name=o2)
port_uuid=$(nbctl --bare --columns=_uuid find Logical_Switch_Port name="$idD")
# a failure injected at each step: NB as it was
for n in $(seq 1 10); do
	rc=0
	VNET_TEST_FAIL_STEP=$n "$VNETCTL" -q apply -f "$VNET_SCRATCH/ba.xml" 2>/dev/null || rc=$?
	[ "$rc" -ne 0 ] || { check "apply ran to the end after $((n - 1)) failing steps" test "$n" -gt 1; break; }
	check "apply failing at step $n: NB is as it was" diff -u "$VNET_SCRATCH/nb.ab" <(nb_state)
done
check "now chB is first" test "$(gateways)" = "$(printf 'lrp-o2-ext-chA chA 1\nlrp-o2-ext-chB chB 2')"
check "the switch is the same row" test "$(nbctl --bare --columns=_uuid find Logical_Switch name=o2)" = "$ls_uuid"
check "vmD's port is the same row" test "$(nbctl --bare --columns=_uuid find Logical_Switch_Port name="$idD")" = "$port_uuid"
check "the external port moves to chB" wait_for 30 gateway_is chB
expect_http out http://198.51.100.10:8080/ "guest nC on chC" 30
nb_state >"$VNET_SCRATCH/nb.ba"
check "apply -f ba.xml again" vnetctl -q apply -f "$VNET_SCRATCH/ba.xml"
check "NB is as the first apply left it" diff -u "$VNET_SCRATCH/nb.ba" <(nb_state)

# killed at each OVSDB transaction of the move back: the next command rolls back
for n in $(seq 1 12); do
	if ! kill_at vnet_ovsdb_transact "$n" -q apply -f "$VNET_SCRATCH/ab.xml"; then
		check "the move back ran to its end with fewer than $n transactions" test "$n" -gt 1
		break
	fi
	check "after the kill at transaction $n, the next command rolls it back" vnetctl -q restore
	check "after the kill at transaction $n and a restore, NB is as it was" diff -u "$VNET_SCRATCH/nb.ba" <(nb_state)
done
# killed after the move was committed, before the journal went: the next command moves it back
# (the loop's last run moved it: chB first again to start from)
check "apply -f ba.xml again" vnetctl -q apply -f "$VNET_SCRATCH/ba.xml"
# (remove_journal is inlined: the line of its call when every step ran)
done_line=$(awk '/if \(i == plan->len\) \{/ {print NR + 1; exit}' "$top_srcdir/src/lib/txn.c")
check "apply -f ab.xml stopped after its last step" kill_at "txn.c:$done_line" 1 -q apply -f "$VNET_SCRATCH/ab.xml"
check "the kill left a journal" test -e /var/lib/vnetctl/journal
check "NB has the move committed" test "$(gateways)" = "$(printf 'lrp-o2-ext-chA chA 2\nlrp-o2-ext-chB chB 1')"
check "the next command rolls the committed move back" vnetctl -q restore
check "no journal is left" test ! -e /var/lib/vnetctl/journal
check "after the rollback NB is as before the move back" diff -u "$VNET_SCRATCH/nb.ba" <(nb_state)
check "apply -f ab.xml: chA first again" vnetctl -q apply -f "$VNET_SCRATCH/ab.xml"
check "NB is as before the first move" diff -u "$VNET_SCRATCH/nb.ab" <(nb_state)

# ---- one gateway less; then delete takes every row ----
sed 's/ovn-gateway="chA chB"/ovn-gateway="chA"/' "$VNET_SCRATCH/ab.xml" >"$VNET_SCRATCH/a.xml"
check "apply -f a.xml: chA alone" vnetctl -q apply -f "$VNET_SCRATCH/a.xml"
check "NB has chA's row alone" test "$(gateways)" = "lrp-o2-ext-chA chA 1"
expect_http out http://198.51.100.10:8080/ "guest nC on chC" 30
check "delete o2" vnetctl -q delete o2
check "NB has no Gateway_Chassis left" test -z "$(nbctl --bare --columns=_uuid list Gateway_Chassis)"
check "NB has no router port left" test -z "$(nbctl --bare --columns=_uuid list Logical_Router_Port)"
test_teardown
