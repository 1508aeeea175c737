#!/bin/bash
# 40-attach: `vnetctl attach` on a real qemu domain (TCG, diskless, boots
# nothing).  The NIC appears in the persistent definition and live, its tap
# is a port of the network's bridge with hairpin on, and the first guest's
# DHCP host entry reserves the default guest address; detach removes both.
# The qemu hook sets hairpin on the taps when the domain starts again.
# Bad addresses, a missing domain and a taken address are refused with
# nothing changed; a failure injected at any step is rolled back.  Hybrid:
# one NIC on each half, taps on both bridges.
#
# The domain is a q35 machine of QEMU 6.0 (pc-q35-6.0) with spare PCIe root
# ports: before 6.1, q35 hot-plugs natively on PCIe, and a NIC plugged into
# a slot that no guest OS powered on is unplugged at once.  With ACPI
# hotplug (pc, or q35 from 6.1) the unplug waits for a guest OS that this
# domain does not have, and a live detach would stay pending.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
sandbox_enter "$@"
. "$(dirname "$0")/vnet.sh"
require_cmd virsh libvirtd dnsmasq nft ip xmllint qemu-system-x86_64

has_hotplug_machine ||
	skip "this QEMU has no pc-q35-6.0 machine (native PCIe hotplug)"


# nic_field DOM NET FIELD [--inactive]: from `virsh domiflist` (Interface
# Type Source Model MAC), the FIELD (1-5) of DOM's NIC on NET.
nic_field() {
	virsh -q domiflist "$1" "${@:4}" | awk -v net="$2" -v f="$3" '$3 == net { print $f; exit }'
}

# host_entry NET MAC: the DHCP host entry of MAC in NET's live XML, as "name ip".
host_entry() {
	virsh net-dumpxml "$1" | xmllint --xpath \
		"concat(//ip/dhcp/host[@mac='$2']/@name, ' ', //ip/dhcp/host[@mac='$2']/@ip)" - 2>/dev/null
}

install_hook
install_qemu_hook
sandbox_start_libvirtd

check "create web (NAT, a forward to the default guest, one to the domain by name)" \
	vnetctl create web --mode nat --subnet 10.77.0.0/24 --forward 8080:80 --forward 8081:dom:80
check "the forward to dom has no element while dom has no address" \
	sh -c "! nft list map inet vnetctl fwd4 | grep -q 8081"
define_hotplug_domain dom
define_hotplug_domain other
if ! virsh -q start dom >/dev/null 2>"$VNET_SCRATCH/start.err"; then
	diag "$(cat "$VNET_SCRATCH/start.err")" "$(tail -n 20 /var/log/libvirt/qemu/dom.log 2>/dev/null)"
	bail "qemu cannot run the test domain in the sandbox"
fi
pass "the domain runs under qemu (TCG)"

# ---- refusals before anything exists ----
refused "an address outside the subnet" 10.99.0.5 attach web dom --ip 10.99.0.5
refused "the gateway's address" 10.77.0.1 attach web dom --ip 10.77.0.1
refused "the subnet's broadcast address" 10.77.0.255 attach web dom --ip 10.77.0.255
refused "a missing domain" nosuch attach web nosuch
refused "a missing network" nonet attach nonet dom
refused "a multicast MAC" 01:00:5e:00:00:01 attach web dom --mac 01:00:5e:00:00:01
refused "detach of a domain with no NIC there" dom detach web dom

# ---- a failure at any step is rolled back ----
# The steps: reserve the address, point the forward to dom at it, plug the
# NIC, set hairpin on its tap.
snapshot_all "$VNET_SCRATCH/before"
for n in 1 2 3 4; do
	rc=0
	out=$(VNET_TEST_FAIL_STEP=$n "$VNETCTL" attach web dom 2>&1) || rc=$?
	check "failure at step $n: exit 1" test "$rc" -eq 1
	check "failure at step $n: the cause is reported" grep -q "Step $n failed" <<<"$out"
	snapshot_all "$VNET_SCRATCH/after.$n"
	expect_same_snapshot "$VNET_SCRATCH/before" "$VNET_SCRATCH/after.$n" || true
done
check "there is no step 5" env VNET_TEST_FAIL_STEP=5 "$VNETCTL" -q attach web dom
check "detach web dom (nothing else changed)" vnetctl -q detach web dom

# ---- attach to the running domain ----
check "attach web dom" vnetctl attach web dom
mac=$(nic_field dom web 5)
tap=$(nic_field dom web 1)
check "the NIC is in the persistent definition" test "$(nic_field dom web 5 --inactive)" = "$mac"
check "the NIC is live, with a tap ($tap)" test -n "$tap" -a "$tap" != -
check "its MAC is qemu's kind (52:54:00:...)" grep -qE '^52:54:00(:[0-9a-f]{2}){3}$' <<<"$mac"
check "its model is virtio" test "$(nic_field dom web 4)" = virtio
check "the tap is a port of vn-web" test -e "/sys/class/net/vn-web/brif/$tap"
check "the tap has hairpin on" test "$(cat "/sys/class/net/$tap/brport/hairpin_mode")" = 1
check "the default guest address is reserved for it (live)" test "$(host_entry web "$mac")" = "dom 10.77.0.2"
check "and in the persistent definition" sh -c \
	"virsh net-dumpxml --inactive web | grep -q \"<host mac='$mac' name='dom' ip='10.77.0.2'/>\""

check "the forward to dom now goes to its address" \
	sh -c "nft list map inet vnetctl fwd4 | grep -q 'tcp . 8081 comment \"web\" : 10.77.0.2 . 80'"

# A NIC on the network already: adopted, never a second one, never a new MAC.
snapshot_all "$VNET_SCRATCH/adopt.before"
out=$("$VNETCTL" attach web dom)
check "attach of a domain that has a NIC there adopts it" grep -q "has the address 10.77.0.2 reserved" <<<"$out"
snapshot_all "$VNET_SCRATCH/adopt.after"
expect_same_snapshot "$VNET_SCRATCH/adopt.before" "$VNET_SCRATCH/adopt.after" || true
refused "adopting it under another MAC" "not 52:54:00:00:00:99" attach web dom --mac 52:54:00:00:00:99
refused "an address reserved for another MAC" "$mac" attach web other --ip 10.77.0.2
refused "a MAC in use by another domain" "$mac" attach web other --mac "$mac"

# A forward added later keeps the reservation (the network is redefined).
check "forward add web 9090:80" vnetctl forward add web 9090:80
check "the reservation survives the redefinition" sh -c \
	"virsh net-dumpxml --inactive web | grep -q \"<host mac='$mac' name='dom' ip='10.77.0.2'/>\""

# A second guest (defined, not running): config only, no reservation; --ip
# inside the subnet reserves that address.
check "attach web other --ip 10.77.0.50 --mac 52:54:00:AA:BB:CC" \
	vnetctl attach web other --ip 10.77.0.50 --mac 52:54:00:AA:BB:CC
check "other's NIC is in its definition with the MAC given" \
	test "$(nic_field other web 5 --inactive)" = 52:54:00:aa:bb:cc
check "10.77.0.50 is reserved for it" test "$(host_entry web 52:54:00:aa:bb:cc)" = "other 10.77.0.50"
check "detach web other" vnetctl detach web other
check "other has no NIC left" test -z "$(nic_field other web 5 --inactive)"
check "its reservation is gone" test "$(host_entry web 52:54:00:aa:bb:cc)" = " "
virsh -q attach-interface other network web --model virtio --mac 52:54:00:33:44:55 --config >/dev/null
check "attach adopts a NIC that virsh gave" vnetctl -q attach web other
check "its MAC stays" test "$(nic_field other web 5 --inactive)" = 52:54:00:33:44:55
check "no second NIC" test "$(virsh -q domiflist --inactive other | grep -c web)" -eq 1
check "the default guest address is dom's: no reservation for it" test "$(host_entry web 52:54:00:33:44:55)" = " "
check "detach web other again" vnetctl -q detach web other

# ---- detach ----
check "detach web dom" vnetctl detach web dom
check "the NIC is gone from the definition" test -z "$(nic_field dom web 5 --inactive)"
check "the NIC is gone live" test -z "$(nic_field dom web 5)"
check "the tap is gone from vn-web" test -z "$(ls /sys/class/net/vn-web/brif/)"
check "the reservation is gone (live)" test "$(host_entry web "$mac")" = " "
check "and from the persistent definition" sh -c "! virsh net-dumpxml --inactive web | grep -q '<host '"
check "the forward to dom has no element any more" sh -c "! nft list map inet vnetctl fwd4 | grep -q 8081"

# ---- hybrid: one NIC on each half ----
ip link add br-lan type bridge
ip link set br-lan up
check "create mix (hybrid on the existing bridge br-lan)" \
	vnetctl create mix --mode hybrid --bridge br-lan --subnet 10.79.0.0/24
ip link add br-x type bridge
check "create lan (bridged on the existing bridge br-x)" vnetctl create lan --mode bridged --bridge br-x
# A bridged network records a static LAN address (44-probe), inside the LAN's subnet only.
ip addr add 10.78.0.1/24 dev br-x
refused "an address outside the bridged LAN's subnet" "10.78.0.0/24" attach lan dom --ip 10.79.0.9
ip addr del 10.78.0.1/24 dev br-x
check "delete lan" vnetctl delete lan
# Step 3 is the second NIC: the first must be taken back.
# A bridge whose last port left settles into NO-CARRIER a moment later; let
# the ones the detach above emptied settle before the snapshots.
for i in $(seq 50); do
	ip -o link show vn-web | grep -q NO-CARRIER && ip -o link show vn-mix | grep -q NO-CARRIER && break
	sleep 0.1
done
snapshot_all "$VNET_SCRATCH/before.mix"
rc=0
out=$(VNET_TEST_FAIL_STEP=3 "$VNETCTL" attach mix dom 2>&1) || rc=$?
check "hybrid: failure at the second NIC: exit 1" test "$rc" -eq 1
snapshot_all "$VNET_SCRATCH/after.mix"
expect_same_snapshot "$VNET_SCRATCH/before.mix" "$VNET_SCRATCH/after.mix" || true

check "attach mix dom" vnetctl attach mix dom
nat_tap=$(nic_field dom mix-nat 1)
lan_tap=$(nic_field dom mix-lan 1)
check "two NICs in the definition" test "$(virsh -q domiflist --inactive dom | grep -c mix-)" -eq 2
check "the NAT NIC's tap ($nat_tap) is a port of vn-mix" test -e "/sys/class/net/vn-mix/brif/$nat_tap"
check "the LAN NIC's tap ($lan_tap) is a port of br-lan" test -e "/sys/class/net/br-lan/brif/$lan_tap"
check "hairpin on the NAT tap" test "$(cat "/sys/class/net/$nat_tap/brport/hairpin_mode")" = 1
check "the NAT half reserves the default guest address" \
	test "$(host_entry mix-nat "$(nic_field dom mix-nat 5)")" = "dom 10.79.0.2"
check "detach mix dom" vnetctl detach mix dom
check "no NIC of dom is left" test -z "$(virsh -q domiflist --inactive dom)" -a -z "$(virsh -q domiflist dom)"
check "no tap on vn-mix or br-lan" test -z "$(find /sys/class/net/vn-mix/brif/ /sys/class/net/br-lan/brif/ -mindepth 1)"

# ---- the qemu hook: hairpin on the taps when the domain starts ----
virsh -q destroy dom >/dev/null
check "attach web dom while it is shut off" vnetctl attach web dom
mac=$(nic_field dom web 5 --inactive)
check "the NIC is in the definition" test -n "$mac"
check "the first guest again gets the default guest address" test "$(host_entry web "$mac")" = "dom 10.77.0.2"
: >"$VNET_SCRATCH/qemu-hook.log"
check "the domain starts with it" virsh -q start dom
tap=$(nic_field dom web 1)
check "the qemu hook ran for started" grep -q "dom started begin" "$VNET_SCRATCH/qemu-hook.log"
check "the tap ($tap) is a port of vn-web" test -e "/sys/class/net/vn-web/brif/$tap"
check "the qemu hook set hairpin on it" test "$(cat "/sys/class/net/$tap/brport/hairpin_mode")" = 1

# ---- a change libvirt cannot make live: a restart that plugs the tap back ----
virsh net-dumpxml --inactive web | sed -n '/<vnet:intent/,/<\/vnet:intent>/p' |
	sed -e 's/gateway="10.77.0.1"/gateway="10.77.0.254"/' -e 's/dhcp-end="10.77.0.254"/dhcp-end="10.77.0.253"/' \
	>"$VNET_SCRATCH/web-gw.xml"
check "the intent has another gateway" grep -q 'gateway="10.77.0.254"' "$VNET_SCRATCH/web-gw.xml"
idx=$(cat /sys/class/net/vn-web/ifindex)
check "apply another gateway" vnetctl -q apply -f "$VNET_SCRATCH/web-gw.xml"
check "the network was restarted (a new bridge)" test "$(cat /sys/class/net/vn-web/ifindex)" != "$idx"
check "the bridge has the new gateway" sh -c "ip -o -4 addr show dev vn-web | grep -q 10.77.0.254/24"
check "the running guest's tap is a port of vn-web again" test -e "/sys/class/net/vn-web/brif/$tap"
check "with hairpin on" test "$(cat "/sys/class/net/$tap/brport/hairpin_mode")" = 1
check "its reservation survived the restart" test "$(host_entry web "$mac")" = "dom 10.77.0.2"
check "the forwards are back after the restart" \
	sh -c "nft list map inet vnetctl fwd4 | grep -q 'tcp . 8080 comment \"web\" : 10.77.0.2 . 80'"

# A NIC the domain started with sits in a powered slot: its unplug waits for
# a guest OS, which this domain has not.  detach still removes it from the
# definition and the reservation at once; the NIC goes when the guest stops.
check "detach web dom (a NIC it started with)" vnetctl detach web dom
check "the NIC is gone from the definition" test -z "$(nic_field dom web 5 --inactive)"
check "the reservation is gone" test "$(host_entry web "$mac")" = " "
virsh -q destroy dom >/dev/null
check "after the guest stops, no tap is left on vn-web" test -z "$(ls /sys/class/net/vn-web/brif/)"

check "delete mix" vnetctl delete mix
check "delete web" vnetctl delete web
