#!/bin/bash
# 60-ovs-vlan: `create --mode bridged --switch ovs --vlan 10 --vlan 20` on an
# Open vSwitch of the sandbox's own (ovsdb-server and ovs-vswitchd on tmpfs,
# userspace "netdev" datapath: this kernel has no openvswitch module).  The
# uplink is a veth into a "LAN switch": a second OVS bridge the test makes,
# whose access ports (tag=10, tag=20, and an untagged one) lead to LAN hosts
# in namespaces.  After the create: the OVS bridge exists with the uplink as
# a trunk port, the host's address moved onto the bridge's own port and still
# reaches the LAN, the libvirt network has the portgroups.  Guests plugged as
# libvirt plugs them (a port with tag=ID and iface-id) reach their own VLAN,
# and not the other, with every host in one IP subnet: only the VLAN keeps
# them apart.  A failed create (each step), and one killed by gdb at an
# OVSDB transaction, an address change or the network's start and rolled
# back by the next command, leave OVSDB and the host as they were; delete removes the bridge and its ports and gives the uplink its
# address back.  The offload and IPv6 workarounds live here, not in vnetctl.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
sandbox_enter "$@"
. "$(dirname "$0")/vnet.sh"
. "$(dirname "$0")/ovs.sh"
require_cmd virsh libvirtd ovsdb-server ovs-vswitchd ovsdb-tool ovs-vsctl ethtool curl socat ip xmllint
install_hook
sandbox_start_libvirtd
start_ovs
# vnetctl's default socket is /var/run/openvswitch/db.sock: the sandbox's, through /run.
check "the sandbox's OVSDB is at vnetctl's default path" test -S /var/run/openvswitch/db.sock

# ---- the LAN: a switch with access ports; the uplink up0 is its trunk ----
ovs-vsctl --timeout=10 add-br lansw -- set Bridge lansw datapath_type=netdev
ip link add up0 type veth peer name lanup
quiet_veth up0; quiet_veth lanup
ip link set up0 up; ip link set lanup up
ovs-vsctl --timeout=10 add-port lansw lanup
ip addr add 192.0.2.1/24 dev up0
plug lan0 lansw lan0p 192.0.2.10/24 tag=0 vlan_mode=access
# Every host below is in 10.9.0.0/24: only the VLAN keeps them apart.
plug lan10 lansw lan10p 10.9.0.10/24 tag=10
plug lan20 lansw lan20p 10.9.0.20/24 tag=20
start_http lan0 80 "native LAN"
start_http lan10 80 "VLAN 10 server"
start_http lan20 80 "VLAN 20 server"
expect_http - http://192.0.2.10/ "native LAN"

mac=$(cat /sys/class/net/up0/address)
ovs-vsctl list-br >"$VNET_SCRATCH/br.before"
ovs-vsctl list-ports lansw >"$VNET_SCRATCH/ports.before"
ip -o addr show dev up0 scope global | awk '{print $3, $4}' | sort >"$VNET_SCRATCH/addrs.before"
snapshot_host "$VNET_SCRATCH/before"

# ---- refusals, nothing changed ----
expect_refused "--vlan without --switch ovs" "switch ovs" create v --mode bridged --uplink up0 --vlan 10
expect_refused "--switch ovs on a NAT network" "bridged" create v --mode nat --switch ovs
expect_refused "a VLAN ID out of range" "4094" create v --mode bridged --switch ovs --uplink up0 --vlan 4095
expect_refused "--trunk without a VLAN" "trunk" create v --mode bridged --switch ovs --uplink up0 --trunk
ip link add br-linux type bridge
expect_refused "a Linux bridge as the OVS bridge" "Linux bridge" \
	create v --mode bridged --switch ovs --bridge br-linux --uplink up0 --vlan 10
ip link del br-linux

# ---- a failed create, at each step, leaves OVSDB and the host as they were ----
steps=$("$VNETCTL" plan v --mode bridged --switch ovs --bridge ovsbr0 --uplink up0 --vlan 10 --vlan 20 --no-confirm |
	grep -c '^[0-9]*\. ')
diag "the create has $steps steps"
check "the plan creates the OVS bridge and its trunk port" sh -c \
	"'$VNETCTL' plan v --mode bridged --switch ovs --bridge ovsbr0 --uplink up0 --vlan 10 --no-confirm | grep -q 'trunk port of Open vSwitch bridge ovsbr0'"
for n in $(seq 1 "$steps"); do
	rc=0
	VNET_TEST_FAIL_STEP=$n "$VNETCTL" -q create v --mode bridged --switch ovs --bridge ovsbr0 --uplink up0 \
		--vlan 10 --vlan 20 --no-confirm 2>"$VNET_SCRATCH/err" || rc=$?
	check "create failing at step $n exits 1" test "$rc" -eq 1
	check "after a failure at step $n OVS has the bridges it had" diff -u "$VNET_SCRATCH/br.before" <(ovs-vsctl list-br)
	check "after a failure at step $n the LAN switch has its ports" diff -u "$VNET_SCRATCH/ports.before" <(ovs-vsctl list-ports lansw)
	snapshot_host "$VNET_SCRATCH/after"
	expect_same_snapshot "$VNET_SCRATCH/before" "$VNET_SCRATCH/after"
done

# ---- killed (gdb) at an OVSDB change, an address or the start: the next command rolls it back ----
if command -v gdb >/dev/null; then
	create=(create v --mode bridged --switch ovs --bridge ovsbr0 --uplink up0 --vlan 10 --vlan 20 --no-confirm)
	points=0
	for fn in vnet_ovs_add_bridge vnet_ovs_add_port rtnl_addr_add virNetworkCreate; do
		for n in 1 2 3; do
			if ! kill_at "$fn" "$n" "${create[@]}"; then
				vnetctl -q delete v	# it ran to the end: no Nth call
				break
			fi
			points=$((points + 1))
			check "killed at $fn #$n: a journal is left" test -e /var/lib/vnetctl/journal
			check "killed at $fn #$n: the next command rolls it back" vnetctl -q restore
			check "killed at $fn #$n: no journal is left" test ! -e /var/lib/vnetctl/journal
			check "killed at $fn #$n: OVS has the bridges it had" diff -u "$VNET_SCRATCH/br.before" <(ovs-vsctl list-br)
			check "killed at $fn #$n: the LAN switch has its ports" \
				diff -u "$VNET_SCRATCH/ports.before" <(ovs-vsctl list-ports lansw)
			snapshot_host "$VNET_SCRATCH/after"
			expect_same_snapshot "$VNET_SCRATCH/before" "$VNET_SCRATCH/after"
		done
	done
	diag "create killed at $points points"
	check "killed at both OVSDB changes and beyond (4 or more points)" test "$points" -ge 4
else
	diag "no gdb: the create is not killed at its calls"
fi

# ---- the create ----
check "create v --switch ovs --vlan 10 --vlan 20 --trunk" vnetctl create v --mode bridged --switch ovs \
	--bridge ovsbr0 --uplink up0 --vlan 10 --vlan 20 --trunk --no-confirm
check "OVS has the bridge ovsbr0" sh -c "ovs-vsctl br-exists ovsbr0"
check "ovsbr0 runs the datapath of the bridges there are (netdev)" \
	test "$(ovs-vsctl get Bridge ovsbr0 datapath_type)" = netdev
check "the uplink is a port of ovsbr0" sh -c "ovs-vsctl list-ports ovsbr0 | grep -qx up0"
check "the uplink is a trunk (no tag, every VLAN)" \
	test "$(ovs-vsctl get Port up0 tag)-$(ovs-vsctl get Port up0 trunks)" = "[]-[]"
check "the bridge took the uplink's MAC" test "$(cat /sys/class/net/ovsbr0/address)" = "$mac"
check "the host's address is on the bridge's own port" sh -c "ip -o -4 addr show dev ovsbr0 | grep -q 192.0.2.1/24"
check "the uplink has no address left" test -z "$(ip -o addr show dev up0 scope global)"
check "the libvirt network is an OVS network" sh -c "virsh net-dumpxml v | grep -q \"<virtualport type='openvswitch'/>\""
for pg in vlan10 vlan20 trunk; do
	check "the libvirt network has portgroup $pg" sh -c "virsh net-dumpxml v | grep -q \"<portgroup name='$pg'>\""
done
expect_http - http://192.0.2.10/ "native LAN"
check "show names the switch and the VLANs" sh -c "'$VNETCTL' --json show v | jq -e '.switch == \"ovs\" and .vlans == [\"10\", \"20\"]' >/dev/null"
# doctor reads an OVS bridge's ports from OVSDB (the kernel knows no master of them)
rc=0; "$VNETCTL" --json doctor v >"$VNET_SCRATCH/doctor.json" || rc=$?
check "doctor passes on the OVS network" test "$rc" -eq 0 || diag "$(jq -c '.checks[] | select(.ok == false)' "$VNET_SCRATCH/doctor.json")"
check "doctor sees the uplink as a port of ovsbr0" \
	jq -e '.checks[] | select(.check == "uplink" and .ok)' "$VNET_SCRATCH/doctor.json"
ovs-vsctl --timeout=10 del-port ovsbr0 up0
rc=0; "$VNETCTL" --json doctor v >"$VNET_SCRATCH/doctor.json" || rc=$?
check "with the uplink out of ovsbr0, doctor fails naming it" sh -c \
	"[ $rc -eq 1 ] && jq -e '.checks[] | select(.check == \"uplink\" and .ok == false)' '$VNET_SCRATCH/doctor.json' >/dev/null"
ovs-vsctl --timeout=10 add-port ovsbr0 up0
check "back in, doctor passes again" "$VNETCTL" -q doctor v
expect_http - http://192.0.2.10/ "native LAN"

# ---- a VLAN added to the running network, live: its portgroup, no restart; the bridge and the uplink stay ----
virsh net-dumpxml --inactive v | xmllint --xpath '//*[local-name()="intent"]' - >"$VNET_SCRATCH/v20.xml"
sed -E 's|(<([a-z]+:)?vlan id=.20./>)|\1<\2vlan id="30"/>|' "$VNET_SCRATCH/v20.xml" >"$VNET_SCRATCH/v.xml"
check "the intent file has VLAN 30" grep -q 'vlan id="30"' "$VNET_SCRATCH/v.xml" || diag "$(cat "$VNET_SCRATCH/v.xml")"
# lifecycle_quiet WHAT CMD...: CMD neither stops nor starts libvirt network v (virsh net-event as the observer)
lifecycle_quiet() {
	local what=$1 pid
	shift
	virsh net-event v --event lifecycle --loop >"$VNET_SCRATCH/events" 2>&1 &
	pid=$!
	sleep 0.5
	check "$what" "$@"
	sleep 0.5
	kill "$pid" 2>/dev/null || :
	wait "$pid" 2>/dev/null || :
	check "$what: libvirt network v neither stopped nor started" sh -c \
		"! grep -E 'Stopped|Started' '$VNET_SCRATCH/events'" || diag "$(cat "$VNET_SCRATCH/events")"
}
fail_each_apply v "$VNET_SCRATCH/v.xml" "$VNET_SCRATCH/v20.xml"
lifecycle_quiet "apply -f adds VLAN 30 to the running network" vnetctl -q apply -f "$VNET_SCRATCH/v.xml"
check "the running network has portgroup vlan30" sh -c "virsh net-dumpxml v | grep -q \"<portgroup name='vlan30'>\""
check "the trunk portgroup carries VLAN 30 too" sh -c \
	"virsh net-dumpxml v | xmllint --xpath '//portgroup[@name=\"trunk\"]//tag[@id=\"30\"]' - >/dev/null"
check "OVS still has ovsbr0 with the uplink" sh -c "ovs-vsctl list-ports ovsbr0 | grep -qx up0"
check "the host's address stayed on the bridge" sh -c "ip -o -4 addr show dev ovsbr0 | grep -q 192.0.2.1/24"
expect_http - http://192.0.2.10/ "native LAN"

# ---- guests as libvirt plugs them: a port with the portgroup's tag and the iface-id ----
plug g10a ovsbr0 vp-g10a 10.9.0.101/24 tag=10 -- set Interface vp-g10a external_ids:iface-id=g10a
plug g10b ovsbr0 vp-g10b 10.9.0.102/24 tag=10 -- set Interface vp-g10b external_ids:iface-id=g10b
plug g20 ovsbr0 vp-g20 10.9.0.201/24 tag=20 -- set Interface vp-g20 external_ids:iface-id=g20
check "the guest port has tag 10" test "$(ovs-vsctl get Port vp-g10a tag)" = 10
check "the guest port has its iface-id" test "$(ovs-vsctl get Interface vp-g10a external_ids:iface-id | tr -d '"')" = g10a
start_http g10b 8080 "guest g10b"
start_http g20 8080 "guest g20"
expect_http g10a http://10.9.0.10/ "VLAN 10 server"
expect_http g10a http://10.9.0.102:8080/ "guest g10b"
expect_http lan10 http://10.9.0.102:8080/ "guest g10b"
expect_http g20 http://10.9.0.20/ "VLAN 20 server"
expect_http lan20 http://10.9.0.201:8080/ "guest g20"
expect_no_http g10a http://10.9.0.20/
expect_no_http g10a http://10.9.0.201:8080/
expect_no_http g20 http://10.9.0.10/
expect_no_http g20 http://10.9.0.102:8080/
expect_no_http lan10 http://10.9.0.201:8080/
expect_no_http lan0 http://10.9.0.102:8080/
for p in vp-g10a vp-g10b vp-g20; do ovs-vsctl --timeout=10 del-port ovsbr0 "$p"; done

# ---- attach --vlan: the NIC in the portgroup; libvirt makes the tagged port itself ----
if command -v qemu-system-x86_64 >/dev/null; then
	cat >"$VNET_SCRATCH/vm1.xml" <<-EOF
		<domain type='qemu'>
		  <name>vm1</name>
		  <memory unit='MiB'>64</memory>
		  <vcpu>1</vcpu>
		  <os><type arch='x86_64'>hvm</type></os>
		  <devices><emulator>$(command -v qemu-system-x86_64)</emulator><memballoon model='none'/></devices>
		</domain>
	EOF
	virsh -q define "$VNET_SCRATCH/vm1.xml" >/dev/null
	expect_refused "attach --vlan of a VLAN the network lacks" "VLAN 40" attach v vm1 --vlan 40
	check "attach v vm1 --vlan 10" vnetctl -q attach v vm1 --vlan 10
	check "the NIC is in portgroup vlan10" sh -c "virsh dumpxml --inactive vm1 | grep -q \"portgroup='vlan10'\""
	check "start vm1 (diskless)" virsh -q start vm1
	tap=$(virsh domiflist vm1 | awk '$3 == "v" {print $1}')
	check "libvirt's port $tap is on ovsbr0" sh -c "ovs-vsctl port-to-br '$tap' | grep -qx ovsbr0"
	check "libvirt's port has the portgroup's tag 10" test "$(ovs-vsctl get Port "$tap" tag)" = 10
	ifid=$(virsh dumpxml vm1 | sed -n "s/.*interfaceid='\([^']*\)'.*/\1/p" | head -1)
	check "libvirt's port has the NIC's iface-id ($ifid)" \
		test "$(ovs-vsctl get Interface "$tap" external_ids:iface-id | tr -d '"')" = "$ifid"
	check "destroy vm1" virsh -q destroy vm1
	check "libvirt removed its port" sh -c "! ovs-vsctl list-ports ovsbr0 | grep -qx '$tap'"
	check "detach v vm1" vnetctl -q detach v vm1

	# ---- attach --trunk: the NIC in the trunk portgroup; libvirt's port carries every VLAN ----
	refused "attach --trunk with --vlan" "not both" attach v vm1 --trunk --vlan 10
	refused "attach --trunk with an address" "without an address" attach v vm1 --trunk --ip 10.9.0.77
	check "attach v vm1 --trunk" vnetctl -q attach v vm1 --trunk
	check "the NIC is in portgroup trunk" sh -c "virsh dumpxml --inactive vm1 | grep -q \"portgroup='trunk'\""
	check "start vm1 on the trunk" virsh -q start vm1
	tap=$(virsh domiflist vm1 | awk '$3 == "v" {print $1}')
	check "libvirt's trunk port $tap is untagged" test "$(ovs-vsctl get Port "$tap" tag)" = "[]"
	check "and carries VLANs 10, 20 and 30" test "$(ovs-vsctl get Port "$tap" trunks)" = "[10, 20, 30]"
	check "destroy vm1" virsh -q destroy vm1
	check "detach v vm1 (trunk)" vnetctl -q detach v vm1
	check "the trunk NIC is gone" sh -c "! virsh dumpxml --inactive vm1 | grep -q \"portgroup='trunk'\""

	# ---- a static address per VLAN: probed on that VLAN alone, recorded with it ----
	for d in vm2 vm3 vm4 vm5; do define_domain "$d"; done
	lan10mac=$(link_mac lan10 eth0)
	virsh -q dumpxml --inactive vm2 >"$VNET_SCRATCH/vm2.before"
	expect_refused "attach --vlan 10 --ip of VLAN 10's host" "$lan10mac" attach v vm2 --vlan 10 --ip 10.9.0.10
	check "the refusal names VLAN 10" sh -c "'$VNETCTL' attach v vm2 --vlan 10 --ip 10.9.0.10 2>&1 | grep -q 'VLAN 10 of bridge ovsbr0'"
	check "and left vm2 as it was" diff -u "$VNET_SCRATCH/vm2.before" <(virsh -q dumpxml --inactive vm2)
	check "the same address is free on VLAN 20: attach v vm2 --vlan 20 --ip 10.9.0.10" \
		vnetctl -q attach v vm2 --vlan 20 --ip 10.9.0.10
	vm2mac=$(nic_mac vm2 v)
	check "show lists it with its VLAN" sh -c "'$VNETCTL' show v | grep -q '10.9.0.10 $vm2mac (domain vm2, VLAN 20)'"
	check "show --json has the VLAN" test "$("$VNETCTL" --json show v |
		jq -r --arg m "$vm2mac" '.static_addresses[] | select(.mac == $m) | .vlan')" = 20
	check "one address on two VLANs: vm3 on VLAN 10" vnetctl -q attach v vm3 --vlan 10 --ip 10.9.0.55
	check "and vm4 on VLAN 20" vnetctl -q attach v vm4 --vlan 20 --ip 10.9.0.55
	expect_refused "an address recorded on that VLAN already" "vm4" attach v vm5 --vlan 20 --ip 10.9.0.55

	# ---- scan per VLAN: tagged probes, answers of that VLAN alone, its static addresses ----
	check "attach v vm5 --vlan 10 --ip 10.9.0.10 --force (VLAN 10's host holds it)" \
		vnetctl -q attach v vm5 --vlan 10 --ip 10.9.0.10 --force
	vm5mac=$(nic_mac vm5 v) lan20mac=$(link_mac lan20 eth0)
	rc=0
	out=$("$VNETCTL" --json scan v --vlan 10 --range 10.9.0.0/28) || rc=$?
	check "scan --vlan 10 exits 1: a conflict" test "$rc" -eq 1
	check "it heard VLAN 10's host answer for 10.9.0.10" \
		jq -e --arg m "$lan10mac" '.answers[] | select(.address == "10.9.0.10") | .macs | index($m) != null' <<<"$out"
	check "and names that foreign MAC answering for vm5's static address" \
		jq -e --arg m "$vm5mac" '.conflicts[] | select(.kind == "foreign" and .address == "10.9.0.10" and .owner_mac == $m)' <<<"$out"
	rc=0
	out=$("$VNETCTL" --json scan v --vlan 20 --range 10.9.0.16/28) || rc=$?
	check "scan --vlan 20 exits 0: vm5's address is VLAN 10's" test "$rc" -eq 0
	check "it heard VLAN 20's host, and only it" \
		jq -e --arg m "$lan20mac" '[.answers[] | .address] == ["10.9.0.20"] and (.answers[0].macs | index($m) != null)' <<<"$out"
	rc=0
	out=$("$VNETCTL" --json scan v --range 10.9.0.0/27) || rc=$?
	check "an untagged scan hears neither VLAN's host" jq -e '.answers | map(.address) | index("10.9.0.10") == null and index("10.9.0.20") == null' <<<"$out"
	rc=0; "$VNETCTL" scan v --vlan 10 >/dev/null 2>"$VNET_SCRATCH/err" || rc=$?
	check "scan --vlan without --range is a usage error naming --range" sh -c "[ $rc -eq 2 ] && grep -q -- --range '$VNET_SCRATCH/err'"
	rc=0; "$VNETCTL" scan v --vlan 40 --range 10.9.0.0/28 >/dev/null 2>"$VNET_SCRATCH/err" || rc=$?
	check "scan of a VLAN the network lacks is a usage error naming it" sh -c "[ $rc -eq 2 ] && grep -q 'VLAN 40' '$VNET_SCRATCH/err'"
	for d in vm2 vm3 vm4 vm5; do check "detach v $d" vnetctl -q detach v "$d"; done
	check "detach dropped the static addresses" sh -c "! '$VNETCTL' show v | grep -q 'static address'"
else
	diag "no qemu-system-x86_64: attach --vlan against libvirt not checked"
fi

# ---- a VLAN removed from the running network, live; refused while a domain's NIC is in it ----
if command -v qemu-system-x86_64 >/dev/null; then
	define_domain pgd
	echo "<interface type='network'><source network='v' portgroup='vlan30'/></interface>" >"$VNET_SCRATCH/pgnic.xml"
	virsh -q attach-device pgd "$VNET_SCRATCH/pgnic.xml" --config >/dev/null
	check "domain pgd has a NIC in portgroup vlan30" sh -c "virsh dumpxml --inactive pgd | grep -q \"portgroup='vlan30'\""
	refused "removing VLAN 30 with pgd's NIC in it" "pgd" apply -f "$VNET_SCRATCH/v20.xml"
	virsh -q undefine pgd >/dev/null
fi
lifecycle_quiet "apply -f removes VLAN 30 from the running network" vnetctl -q apply -f "$VNET_SCRATCH/v20.xml"
check "the running network has no portgroup vlan30" sh -c "! virsh net-dumpxml v | grep -q \"portgroup name='vlan30'\""
check "nor its definition" sh -c "! virsh net-dumpxml --inactive v | grep -q \"portgroup name='vlan30'\""
check "the trunk portgroup no longer carries VLAN 30" sh -c \
	"! virsh net-dumpxml v | xmllint --xpath '//portgroup[@name=\"trunk\"]//tag[@id=\"30\"]' - >/dev/null 2>&1"
check "VLANs 10 and 20 stay" sh -c "virsh net-dumpxml v | grep -q \"portgroup name='vlan10'\" && virsh net-dumpxml v | grep -q \"portgroup name='vlan20'\""

# ---- delete: no OVS bridge, no port, the uplink's address back ----
check "delete v" vnetctl delete v
check "OVS has no bridge ovsbr0" sh -c "! ovs-vsctl br-exists ovsbr0"
check "OVS has the bridges it had" diff -u "$VNET_SCRATCH/br.before" <(ovs-vsctl list-br)
check "no port up0 is left" sh -c "! ovs-vsctl list Port up0 >/dev/null 2>&1"
check "the interface ovsbr0 is gone" sh -c "! ip link show ovsbr0 >/dev/null 2>&1"
check "the uplink has its address back" diff -u "$VNET_SCRATCH/addrs.before" \
	<(ip -o addr show dev up0 scope global | awk '{print $3, $4}' | sort)
expect_http - http://192.0.2.10/ "native LAN"

# ---- joining an OVS bridge the admin made, the uplink a port of it already: delete leaves it so ----
ovs-vsctl --timeout=10 add-br ex0 -- set Bridge ex0 datapath_type=netdev -- add-port ex0 up0
ovs-vsctl list-br >"$VNET_SCRATCH/br.ex0"
check "create w on the existing OVS bridge ex0" vnetctl -q create w --mode bridged --switch ovs \
	--bridge ex0 --uplink up0 --vlan 10 --no-confirm
check "the host's address moved onto ex0" sh -c "ip -o -4 addr show dev ex0 | grep -q 192.0.2.1/24"
expect_http - http://192.0.2.10/ "native LAN"
check "delete w" vnetctl -q delete w
check "ex0 is the admin's: it stays" diff -u "$VNET_SCRATCH/br.ex0" <(ovs-vsctl list-br)
check "with the uplink still its port" sh -c "ovs-vsctl list-ports ex0 | grep -qx up0"
check "and the address back on the uplink" diff -u "$VNET_SCRATCH/addrs.before" \
	<(ip -o addr show dev up0 scope global | awk '{print $3, $4}' | sort)
expect_http - http://192.0.2.10/ "native LAN"
