#!/bin/bash
# 55-isolated: isolated means guests talk only to each other (issue 13).
# A guest of `vnetctl create --mode isolated` gets its DHCP lease from
# libvirt's dnsmasq and its DNS answers on the gateway, reaches another guest
# of the network, and nothing else of the host: no host service on the
# gateway, on the host's LAN address or on another network's gateway (each
# answers the NAT network's guest, so the test can fail); the host still
# reaches the guests.  A delete takes the input rules' elements away.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
sandbox_enter "$@"
. "$(dirname "$0")/vnet.sh"
require_cmd virsh libvirtd dnsmasq nft ip curl socat jq dig busybox

install_hook
sandbox_start_libvirtd
add_outside lan 192.0.2.1/24 192.0.2.10/24
start_http - 8000 "hello from the host"

check "create iso" vnetctl create iso --mode isolated --subnet 10.91.0.0/24
check "create web (nat)" vnetctl create web --mode nat --subnet 10.92.0.0/24
add_guest nat-g vn-web 10.92.0.2/24 10.92.0.1
expect_http nat-g http://10.92.0.1:8000/ "hello from the host"
expect_http nat-g http://192.0.2.1:8000/ "hello from the host"

# a DHCP client, as a guest's
add_guest i1 vn-iso -
check "an isolated guest gets a DHCP lease" dhcp_lease i1 "$VNET_GUEST_DEV"
lease=$(cat "$VNET_SCRATCH/i1.lease" 2>/dev/null || echo none)
check "the lease ($lease) is in the network" grep -qE '^10\.91\.0\.[0-9]+$' <<<"$lease"
check "DNS on the gateway answers" sh -c "ip netns exec i1 dig +time=2 +tries=2 @10.91.0.1 example.org | grep -q 'Got answer'"

# A static address beside the lease: the range is the whole subnet, and
# dnsmasq hashes i1's (random) MAC to one of its addresses.
i2addr=10.91.0.250
[ "$lease" != "$i2addr" ] || i2addr=10.91.0.251
add_guest i2 vn-iso "$i2addr/24"
start_http i2 80 "hello from i2"
expect_http i1 "http://$i2addr/" "hello from i2"
expect_no_http i1 http://10.91.0.1:8000/
expect_no_http i1 http://192.0.2.1:8000/
expect_no_http i1 http://10.92.0.1:8000/
check_not "DNS on another host address does not answer" \
	sh -c "ip netns exec i1 dig +time=1 +tries=1 @10.92.0.1 example.org | grep -q 'Got answer'"
expect_http - "http://$i2addr/" "hello from i2"

# --host-port: that port on the gateway, and nothing more
start_http - 8001 "hello from port 8001"
expect_no_http i2 http://10.91.0.1:8001/
virsh net-dumpxml --inactive iso | sed 's|</vnet:intent>|<vnet:host-port>8001</vnet:host-port></vnet:intent>|' >"$VNET_SCRATCH/iso.xml"
check "apply an intent with a host port" vnetctl apply -f "$VNET_SCRATCH/iso.xml"
expect_http i2 http://10.91.0.1:8001/ "hello from port 8001"
expect_no_http i2 http://192.0.2.1:8001/
expect_no_http i2 http://10.91.0.1:8000/
check "show names the host port" sh -c "'$VNETCTL' show iso | grep -q 'host port:.*8001/tcp'"
check "create iso2 --host-port" vnetctl create iso2 --mode isolated --subnet 10.93.0.0/24 --host-port 8001 --host-port 5353/udp
check "show --json has both" sh -c "'$VNETCTL' --json show iso2 | jq -e '.host_ports == [\"8001/tcp\", \"5353/udp\"]'"
check "delete iso2" vnetctl delete iso2

# refused: --host-port on a NAT network, a bad port; nothing changes
snapshot_host "$VNET_SCRATCH/before-bad"
check_not "--host-port on a nat network is refused" vnetctl create n2 --mode nat --host-port 22
check_not "a bad --host-port is refused" vnetctl create i3 --mode isolated --host-port 70000
snapshot_host "$VNET_SCRATCH/after-bad"
expect_same_snapshot "$VNET_SCRATCH/before-bad" "$VNET_SCRATCH/after-bad"

check "delete iso" vnetctl delete iso
check "no element of iso is left" sh -c "! nft list table inet vnetctl | grep -q '\"iso\"'"
check "delete web" vnetctl delete web
