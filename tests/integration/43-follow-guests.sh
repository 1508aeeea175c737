#!/bin/bash
# 43-follow-guests: forwards follow real Linux guests (guest.sh: a Debian
# kernel and busybox under qemu, TCG) that libvirt's own tools attached, not
# vnetctl (issue 17): one whose NIC is in its domain XML, one whose NIC came
# from `virsh attach-interface`, one made by virt-install when it is there.
# With no vnetctl command after the network's create: the default forward
# reaches the only guest at its lease and a forward to a domain name reaches
# that domain, from the LAN and from the host; a second guest makes the
# default forward point nowhere (show says why); `attach` then adopts a NIC
# without changing its MAC; a stopped guest takes its named forward with it.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/guest.sh"
guest_image_ensure          # outside the sandbox: apt-get download needs the network
sandbox_enter "$@"
. "$(dirname "$0")/vnet.sh"
require_cmd virsh libvirtd dnsmasq qemu-system-x86_64 curl ip nft jq
guest_image_ensure          # inside: only checks the cache

install_hook
install_qemu_hook
sandbox_start_libvirtd
S=$VNET_SCRATCH
add_outside lan 192.0.2.1/24 192.0.2.2/24

vnetctl -q create web --mode nat --subnet 10.77.0.0/24 --forward 8080:80 --forward 8081:vm1:80 \
	--forward 8082:vm2:81
# The stand-in for vnetctl-leases.path: no systemd in the sandbox.
bg_ns - "$VNETCTL" watch

# vm1: the NIC is in its domain XML, as virt-manager writes it.
boot_guest vm1 web 52:54:00:77:00:01
ip1=$(guest_wait_lease vm1 90)
check "vm1 got a lease ($ip1)" grep -qE '^10\.77\.0\.[0-9]+$' <<<"$ip1"
expect_http lan http://192.0.2.1:8080/ "hello from vm1" 10
expect_http lan http://192.0.2.1:8081/ "hello from vm1" 10
expect_http - http://127.0.0.1:8081/ "hello from vm1" 10
check "show: the default forward goes to the only guest" \
	sh -c "'$VNETCTL' show web | grep -q '8080:80/tcp goes to $ip1 (guest vm1, by only guest)'"

# vm2: its NIC from `virsh attach-interface` once its OS runs.
boot_guest_attach vm2 web 52:54:00:77:00:02
ip2=$(guest_wait_lease vm2 90)
check "vm2 got a lease ($ip2)" grep -qE '^10\.77\.0\.[0-9]+$' <<<"$ip2"
expect_http lan http://192.0.2.1:8082/ "hello from vm2 (port 81)" 10
for i in $(seq 25); do fwd4_map | grep -q 'tcp . 8080 ' || break; sleep 0.2; done
check "two guests: the default forward has no element" sh -c "! nft list map inet vnetctl fwd4 | grep -q 'tcp . 8080 '"
check "show says it points nowhere, and why" \
	sh -c "'$VNETCTL' show web | grep -q '8080:80/tcp goes nowhere: .*2 guests'"
check "the named forward still goes to vm1" sh -c "nft list map inet vnetctl fwd4 | grep -q 'tcp . 8081 comment \"web\" : $ip1 . 80'"

# attach adopts vm2's NIC: the MAC stays, its lease becomes its reservation.
out=$("$VNETCTL" attach web vm2)
check "attach adopts the NIC virsh gave" grep -q "has the address $ip2 reserved" <<<"$out"
check "vm2 has one NIC on web, with its MAC" test "$(virsh -q domiflist vm2 | grep -c 52:54:00:77:00:02)" -eq 1
check "its reservation is in the network" sh -c "virsh net-dumpxml web | grep -q \"<host mac='52:54:00:77:00:02' name='vm2' ip='$ip2'/>\""

# vm3 by virt-install, when there is virtinst.
if command -v virt-install >/dev/null 2>&1; then
	virtinst_guest vm3 web 52:54:00:77:00:03
	ip3=$(guest_wait_lease vm3 90)
	check "vm3 (virt-install) got a lease ($ip3)" grep -qE '^10\.77\.0\.[0-9]+$' <<<"$ip3"
	vnetctl -q forward add web 8083:vm3:80
	expect_http lan http://192.0.2.1:8083/ "hello from vm3" 10
else
	diag "virt-install is not there: no vm3"
fi

# vm1 stops: its forward goes with it (the qemu hook's stopped event).
guest_destroy vm1
for i in $(seq 25); do fwd4_map | grep -q 'tcp . 8081 ' || break; sleep 0.2; done
check "vm1 stopped: its named forward has no element" sh -c "! nft list map inet vnetctl fwd4 | grep -q 'tcp . 8081 '"
expect_no_http lan http://192.0.2.1:8081/

guest_destroy_all
check "delete" vnetctl -q delete web
