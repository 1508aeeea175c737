#!/bin/bash
# 61-ovn: `create --mode overlay --ovn tcp:127.0.0.1:6641` against an OVN of
# the sandbox's own (ovn.sh: NB/SB ovsdb-servers and ovn-northd here, two
# chassis chA and chB in nested namespaces, Geneve between them over a
# Linux bridge).  The create makes a logical switch with its subnet and
# DHCP_Options in NB (checked with ovn-nbctl as an observer) and a libvirt
# network on br-int with virtualport openvswitch.  attach gives a domain a
# NIC whose interfaceid names a logical port with its MAC, address and DHCP
# options; the test plugs a namespace guest into a chassis' br-int with
# that iface-id, as libvirt does, one on each chassis: both get their
# address from OVN's DHCP and reach each other across the tunnel.  A
# failed create (at each step) and a refused one leave NB and the host as
# they were; detach removes the port, delete the switch.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
sandbox_enter "$@"
. "$(dirname "$0")/vnet.sh"
require_cmd virsh libvirtd ovsdb-server ovs-vswitchd ovsdb-tool ovs-vsctl ovn-northd ovn-controller \
	ovn-nbctl ovn-sbctl ethtool curl socat busybox qemu-system-x86_64
. "$(dirname "$0")/ovn.sh"
for f in "$ovs_schema" "$ovn_nb_schema" "$ovn_sb_schema"; do [ -r "$f" ] || skip "no schema $f"; done

install_hook
sandbox_start_libvirtd
ovn_central
ovn_chassis chA 11
ovn_chassis chB 12
nb=tcp:127.0.0.1:6641
export VNET_OVN_SB=tcp:$OVN_UNDER.1:6642

nb_state() { # the NB rows vnetctl could touch, without uuids
	nbctl --columns=name,other_config,external_ids list Logical_Switch
	nbctl --columns=name,addresses,external_ids list Logical_Switch_Port
	nbctl --columns=cidr,options,external_ids list DHCP_Options
	nbctl --columns=name,external_ids list Logical_Router
	nbctl --columns=name,networks list Logical_Router_Port
	nbctl --columns=type,external_ip,logical_ip list NAT
	nbctl --columns=name,chassis_name list Gateway_Chassis
	nbctl --columns=name,protocol,vips list Load_Balancer
}
nb_state >"$VNET_SCRATCH/nb.before"
snapshot_host "$VNET_SCRATCH/before"
expect_nb_unchanged() { # WHAT
	check "$1: NB is as it was" diff -u "$VNET_SCRATCH/nb.before" <(nb_state)
	snapshot_host "$VNET_SCRATCH/after"
	expect_same_snapshot "$VNET_SCRATCH/before" "$VNET_SCRATCH/after"
}

# ---- refusals, nothing changed ----
expect_refused "overlay without --ovn" "--ovn" create o1 --mode overlay --subnet 10.77.0.0/24
expect_refused "--ovn on a NAT network" "overlay" create o1 --mode nat --ovn "$nb"
expect_refused "a bad remote" "tcp:HOST:PORT" create o1 --mode overlay --ovn tcp:127.0.0.1
expect_refused "an NB nobody serves" "Cannot connect" create o1 --mode overlay --ovn tcp:127.0.0.1:1 \
	--subnet 10.77.0.0/24
nbctl ls-add foreign -- set Logical_Switch foreign other_config:subnet=10.66.0.0/24
nb_state >"$VNET_SCRATCH/nb.before"
expect_refused "a subnet another logical switch has" "foreign" create o1 --mode overlay --ovn "$nb" \
	--subnet 10.66.0.128/25
expect_refused "a logical switch of that name vnetctl did not make" "did not make" \
	create foreign --mode overlay --ovn "$nb" --subnet 10.77.0.0/24
expect_nb_unchanged "after the refusals"

# ---- a failed create, at each step, leaves NB and the host as they were ----
steps=$("$VNETCTL" plan o1 --mode overlay --ovn "$nb" --subnet 10.77.0.0/24 | grep -c '^[0-9]*\. ')
check "the plan creates the logical switch" sh -c \
	"'$VNETCTL' plan o1 --mode overlay --ovn '$nb' --subnet 10.77.0.0/24 | grep -q 'create OVN logical switch o1'"
for n in $(seq 1 "$steps"); do
	rc=0
	VNET_TEST_FAIL_STEP=$n "$VNETCTL" -q create o1 --mode overlay --ovn "$nb" --subnet 10.77.0.0/24 \
		2>"$VNET_SCRATCH/err" || rc=$?
	check "create failing at step $n of $steps exits 1" test "$rc" -eq 1
	expect_nb_unchanged "after a failure at step $n"
done

# ---- the create ----
check "create o1 --mode overlay" vnetctl -q create o1 --mode overlay --ovn "$nb" --subnet 10.77.0.0/24
check "NB has logical switch o1 with its subnet" \
	test "$(nbctl get Logical_Switch o1 other_config:subnet | tr -d '"')" = 10.77.0.0/24
check "the switch carries vnetctl's mark" \
	test "$(nbctl get Logical_Switch o1 external_ids:vnetctl-network | tr -d '"')" = o1
dhcp=$(nbctl --bare --columns=_uuid find DHCP_Options external_ids:vnetctl-network=o1)
check "NB has the network's DHCP_Options" test -n "$dhcp"
check "its cidr is the subnet" test "$(nbctl get DHCP_Options "$dhcp" cidr | tr -d '"')" = 10.77.0.0/24
for k in lease_time server_id server_mac; do
	check "its options have $k" sh -c "ovn-nbctl --db=unix:$OVN_CENTRAL/nb.sock get DHCP_Options $dhcp options:$k >/dev/null"
done
check "the libvirt network is on br-int" sh -c "virsh net-dumpxml o1 | grep -q \"<bridge name='br-int'\""
check "the libvirt network plugs guests through Open vSwitch" \
	sh -c "virsh net-dumpxml o1 | grep -q \"<virtualport type='openvswitch'/>\""
check "the libvirt network is active" sh -c "virsh net-info o1 | grep -q 'Active: *yes'"
check "create again is refused" sh -c "! '$VNETCTL' -q create o1 --mode overlay --ovn '$nb' 2>/dev/null"

# ---- attach: the logical port in the same transaction as the NIC ----
define_domain vmA
define_domain vmB
check "show names the OVN database" sh -c "'$VNETCTL' --json show o1 | jq -e '.ovn == \"$nb\" and .mode == \"overlay\"' >/dev/null"
# a failed attach, at each step, leaves no logical port and no NIC
nb_state >"$VNET_SCRATCH/nb.created"
for n in 1 2; do
	rc=0
	VNET_TEST_FAIL_STEP=$n "$VNETCTL" -q attach o1 vmA 2>"$VNET_SCRATCH/err" || rc=$?
	check "attach failing at step $n exits 1" test "$rc" -eq 1
	check "after a failed attach at step $n NB is as it was" diff -u "$VNET_SCRATCH/nb.created" <(nb_state)
	check "after a failed attach at step $n vmA has no NIC" test -z "$(nic_mac vmA o1)"
done
check "attach o1 vmA" vnetctl -q attach o1 vmA
check "attach o1 vmB --ip 10.77.0.50" vnetctl -q attach o1 vmB --ip 10.77.0.50
idA=$(virsh dumpxml --inactive vmA | sed -n "s/.*interfaceid='\([^']*\)'.*/\1/p" | head -1)
idB=$(virsh dumpxml --inactive vmB | sed -n "s/.*interfaceid='\([^']*\)'.*/\1/p" | head -1)
macA=$(nic_mac vmA o1)
macB=$(nic_mac vmB o1)
check "vmA's NIC has an interfaceid" test -n "$idA"
check "vmA's NIC is of virtualport openvswitch" sh -c "virsh dumpxml --inactive vmA | grep -q \"virtualport type='openvswitch'\""
check "the logical port $idA has vmA's MAC and the first free address" \
	test "$(nbctl get Logical_Switch_Port "$idA" addresses)" = "[\"$macA 10.77.0.2\"]"
check "the logical port of vmB has the address asked for" \
	test "$(nbctl get Logical_Switch_Port "$idB" addresses)" = "[\"$macB 10.77.0.50\"]"
check "the port gets the network's DHCP options" test "$(nbctl get Logical_Switch_Port "$idA" dhcpv4_options)" = "$dhcp"
check "the port is in switch o1" sh -c "ovn-nbctl --db=unix:$OVN_CENTRAL/nb.sock lsp-get-ls $idA | grep -q '(o1)'"
define_domain vmC
nb_state >"$VNET_SCRATCH/nb.attached"
expect_refused "attach of a taken address" "10.77.0.50" attach o1 vmC --ip 10.77.0.50
expect_refused "attach of an address outside the subnet" "10.78.0.5" attach o1 vmC --ip 10.78.0.5
expect_refused "attach of a domain that has a NIC on the network" "already" attach o1 vmA
check "the refused attaches left NB as it was" diff -u "$VNET_SCRATCH/nb.attached" <(nb_state)
check "vmC has no NIC" test -z "$(nic_mac vmC o1)"

# ---- guests where libvirt would plug them: one on each chassis, DHCP and traffic through OVN ----
for ch in chA chB; do
	for _ in $(seq 100); do chvsctl "$ch" br-exists br-int 2>/dev/null && break; sleep 0.1; done
done
ovn_plug chA gA "$macA" "$idA"
ovn_plug chB gB "$macB" "$idB"
check "gA gets a lease from OVN's DHCP" dhcp_lease gA eth0
check "gB gets a lease from OVN's DHCP" dhcp_lease gB eth0
check "gA's lease is its port's address" test "$(cat "$VNET_SCRATCH/gA.lease")" = 10.77.0.2
check "gB's lease is its port's address" test "$(cat "$VNET_SCRATCH/gB.lease")" = 10.77.0.50
start_http gB 8080 "guest gB on chB"
start_http gA 8080 "guest gA on chA"
expect_http gA http://10.77.0.50:8080/ "guest gB on chB" 20
expect_http gB http://10.77.0.2:8080/ "guest gA on chA" 20
check "gB's port is bound to chassis chB" sh -c "ovn-sbctl --db=unix:$OVN_CENTRAL/sb.sock --bare --columns=chassis find Port_Binding logical_port=$idB | grep -q ."

# ---- detach: the port goes, and with it the path ----
check "detach o1 vmB" vnetctl -q detach o1 vmB
check "the logical port of vmB is gone" sh -c "! ovn-nbctl --db=unix:$OVN_CENTRAL/nb.sock get Logical_Switch_Port $idB name 2>/dev/null"
check "vmB has no NIC on o1" test -z "$(nic_mac vmB o1)"
expect_no_http gA http://10.77.0.50:8080/ 3

# ---- delete: no switch, no DHCP_Options, no libvirt network ----
check "delete o1" vnetctl -q delete o1
check "NB has no switch o1" sh -c "! ovn-nbctl --db=unix:$OVN_CENTRAL/nb.sock get Logical_Switch o1 name 2>/dev/null"
check "NB has no port of vmA" sh -c "! ovn-nbctl --db=unix:$OVN_CENTRAL/nb.sock get Logical_Switch_Port $idA name 2>/dev/null"
check "NB has no DHCP_Options of o1" test -z "$(nbctl --bare --columns=_uuid find DHCP_Options external_ids:vnetctl-network=o1)"
check "the foreign switch is still there" nbctl get Logical_Switch foreign name
check "the libvirt network is gone" sh -c "! virsh net-info o1 >/dev/null 2>&1"

# ---- o2: NAT through an OVN router whose gateway is chA; forwards from outside ----
ovn_external chA out 198.51.100.1/24
nat=(--mode overlay --ovn "$nb" --subnet 10.78.0.0/24 --ovn-external 198.51.100.10/24)
nb_state >"$VNET_SCRATCH/nb.before"
snapshot_host "$VNET_SCRATCH/before"
expect_refused "a forward on an isolated overlay network" "--ovn-external" \
	create o2 --mode overlay --ovn "$nb" --subnet 10.78.0.0/24 --forward 8080:80
expect_refused "an external network that overlaps the subnet" "overlaps" \
	create o2 --mode overlay --ovn "$nb" --subnet 10.78.0.0/24 --ovn-external 10.78.0.200/24 --ovn-gateway chA
expect_refused "a gateway chassis SB does not know" "chZ" create o2 "${nat[@]}" --ovn-gateway chZ
VNET_OVSDB_SOCKET=$VNET_SCRATCH/none.sock expect_refused "no --ovn-gateway and no local Open vSwitch" \
	"Open vSwitch" create o2 "${nat[@]}"
expect_refused "a forward on another address than the router's" "198.51.100.10" \
	create o2 "${nat[@]}" --ovn-gateway chA --forward 198.51.100.11:8080:80
expect_nb_unchanged "after the NAT refusals"
# the gateway defaults to this host's chassis: here, the local OVS is chA's
export VNET_OVSDB_SOCKET=$VNET_SCRATCH/chA/db.sock
steps=$("$VNETCTL" plan o2 "${nat[@]}" --forward 8080:80 | grep -c '^[0-9]*\. ')
for n in $(seq 1 "$steps"); do
	rc=0
	VNET_TEST_FAIL_STEP=$n "$VNETCTL" -q create o2 "${nat[@]}" --forward 8080:80 2>"$VNET_SCRATCH/err" || rc=$?
	check "NAT create failing at step $n of $steps exits 1" test "$rc" -eq 1
	expect_nb_unchanged "after a NAT create failed at step $n"
done
check "create o2 with --ovn-external" vnetctl -q create o2 "${nat[@]}" --forward 8080:80
unset VNET_OVSDB_SOCKET
check "NB has logical router o2 with vnetctl's mark" \
	test "$(nbctl get Logical_Router o2 external_ids:vnetctl-network | tr -d '"')" = o2
check "its gateway chassis is this host's, chA" \
	test "$(nbctl --bare --columns=chassis_name find Gateway_Chassis name=lrp-o2-ext-chA)" = chA
check "it SNATs the subnet to its external address" \
	test "$(nbctl --bare --columns=external_ip find NAT type=snat logical_ip=10.78.0.0/24)" = 198.51.100.10
check "its port on the switch has the gateway address" \
	test "$(nbctl get Logical_Router_Port lrp-o2 networks)" = '["10.78.0.1/24"]'
check "the external switch has a localnet port on physical network external" \
	test "$(nbctl get Logical_Switch_Port o2-ln options:network_name)" = external
check "the forward is a load balancer VIP on the router" \
	sh -c "ovn-nbctl --db=unix:$OVN_CENTRAL/nb.sock lr-lb-list o2 | grep -q '198.51.100.10:8080 *10.78.0.2:80'"
check "the DHCP options give the router" sh -c \
	"ovn-nbctl --db=unix:$OVN_CENTRAL/nb.sock get DHCP_Options \$(ovn-nbctl --db=unix:$OVN_CENTRAL/nb.sock --bare --columns=_uuid find DHCP_Options external_ids:vnetctl-network=o2) options:router | grep -q 10.78.0.1"
check "show --json says the router" sh -c "'$VNETCTL' --json show o2 | jq -e '.ovn_external == \"198.51.100.10/24\" and .ovn_gateways == [\"chA\"] and .ovn_nexthop == \"198.51.100.1\"' >/dev/null"

# a guest on chB, the other chassis: out through the SNAT, in through the forward
define_domain vmD
check "attach o2 vmD" vnetctl -q attach o2 vmD
idD=$(virsh dumpxml --inactive vmD | sed -n "s/.*interfaceid='\([^']*\)'.*/\1/p" | head -1)
ovn_plug chB nB "$(nic_mac vmD o2)" "$idD"
check "nB gets a lease with the router from OVN's DHCP" dhcp_lease nB eth0 route
check "nB's default route is the router" sh -c "ip -n nB route show default | grep -q 'via 10.78.0.1'"
check "the outside has no route back to the subnet (only SNAT answers)" sh -c "! ip -n out route get 10.78.0.2 >/dev/null 2>&1"
start_http out 80 "the outside"
start_http nB 80 "guest nB on chB"
expect_http nB http://198.51.100.1/ "the outside" 20
expect_http out http://198.51.100.10:8080/ "guest nB on chB" 20

# forward add and remove: one NB transaction each; a failed one changes nothing
nb_state >"$VNET_SCRATCH/nb.nat"
rc=0
VNET_TEST_FAIL_STEP=2 "$VNETCTL" -q forward add o2 8081:vmD:80 2>/dev/null || rc=$?
check "a forward add failing at its load balancer step exits 1" test "$rc" -eq 1
check "after the failed forward add NB is as it was" diff -u "$VNET_SCRATCH/nb.nat" <(nb_state)
check "forward add o2 8081:vmD:80 (a domain's port)" vnetctl -q forward add o2 8081:vmD:80
expect_http out http://198.51.100.10:8081/ "guest nB on chB" 20
check "forward remove o2 8080:80" vnetctl -q forward remove o2 8080:80
expect_no_http out http://198.51.100.10:8080/ 3
expect_http out http://198.51.100.10:8081/ "guest nB on chB" 10

# show, list and doctor: the port's state and binding, the chassis and their tunnels
show_o2() { "$VNETCTL" --json show o2 | jq -e "$1" >/dev/null; }
check "show --json: vmD's logical port is up on chassis chB" \
	show_o2 '.ovn_ports | length == 1 and .[0].domain == "vmD" and .[0].state == "up" and .[0].chassis == "chB"'
check "show --json: both chassis with their Geneve endpoints" \
	show_o2 '[.ovn_chassis[] | .name + " " + .tunnels] == ["chA geneve 172.31.0.11", "chB geneve 172.31.0.12"]'
check "show says it in text" sh -c "'$VNETCTL' show o2 | grep -q 'logical port:.*(domain vmD, logical port $idD): up, chassis chB'"
check "list --json has the ports too" sh -c \
	"'$VNETCTL' --json list | jq -e '.networks[] | select(.name == \"o2\") | .ovn_ports[0].state == \"up\"' >/dev/null"
check "doctor o2 passes" vnetctl doctor o2
# (the key is "check"; each index is tested alone, as jq's "and" of two indexes is never null)
check "doctor --json checks the port, the tunnels, the gateway, ovn-northd and the ovn-controllers" sh -c \
	"'$VNETCTL' --json doctor o2 | jq -e '[.checks[].check] | all(index(\"ovn-port\"), index(\"ovn-tunnel\"), index(\"ovn-gateway\"), index(\"ovn-northd\"), index(\"ovn-controller\"); . != null)' >/dev/null"
ovn_controller_stop chB
check "with chB's ovn-controller stopped, doctor o2 exits 1" wait_for 10 sh -c "! '$VNETCTL' doctor o2"
"$VNETCTL" doctor o2 >"$VNET_SCRATCH/doctor.out" 2>&1 || :
check "doctor names vmD's port as down" grep -q "o2/vmD.*logical port $idD of vmD is down" "$VNET_SCRATCH/doctor.out"
check "show --json: the port is down and bound nowhere" show_o2 '.ovn_ports[0].state == "down" and .ovn_ports[0].chassis == null'
ovn_controller_start chB
check "with chB's ovn-controller back, doctor o2 passes again" wait_for 15 "$VNETCTL" doctor o2
expect_http out http://198.51.100.10:8081/ "guest nB on chB" 20

# a chassis restart: chB's ovn-controller and ovs-vswitchd go and come back, and so does nB's traffic
ovn_restart chB
expect_http out http://198.51.100.10:8081/ "guest nB on chB" 30
expect_http nB http://198.51.100.1/ "the outside" 10

check "delete o2" vnetctl -q delete o2
for t in Logical_Router NAT Gateway_Chassis Load_Balancer; do
	check "NB has no $t left" test -z "$(nbctl --bare --columns=_uuid list $t)"
done
check "NB has no external switch of o2" sh -c "! ovn-nbctl --db=unix:$OVN_CENTRAL/nb.sock get Logical_Switch o2-ext name 2>/dev/null"
check "the foreign switch is still there" nbctl get Logical_Switch foreign name
