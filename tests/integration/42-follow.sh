#!/bin/bash
# 42-follow: forwards follow the guests' DHCP leases without a vnetctl
# command in between (issue 17), with real DHCP clients (busybox udhcpc in
# guest namespaces) against the network's own dnsmasq, so libvirt's lease
# helper writes the status file for real.  `vnetctl watch` runs in the
# background as the stand-in for vnetctl-leases.path (no systemd here).
#  - the only guest: the default forward reaches it at its lease, from the
#    LAN and from the host;
#  - a second guest: the default forward points nowhere and show says why;
#  - a reservation made with `virsh net-update` takes effect at once (the
#    network hook's "updated" event), for a forward to a domain name;
#  - a guest whose lease is released: its forward goes;
#  - connections a forward sent to a guest it no longer points at are
#    ended (conntrack), not left reaching the old target;
#  - a forward added (or removed) while the network runs stays so through
#    the hook's later events and re-points (libvirt's live definition keeps
#    the metadata of the start).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
sandbox_enter "$@"
. "$(dirname "$0")/vnet.sh"
require_cmd virsh libvirtd dnsmasq nft ip curl socat busybox jq conntrack

install_hook
sandbox_start_libvirtd
S=$VNET_SCRATCH
add_outside lan 192.0.2.1/24 192.0.2.2/24

vnetctl -q create web --mode nat --subnet 10.77.0.0/24 --forward 8080:80 --forward 8081:vmx:80 \
	--forward 7100-7101:7100-7101
bg_ns - "$VNETCTL" watch

dhcp_guest g1 vn-web
ip1=$VNET_GUEST_ADDR
check "the first guest got a lease ($ip1)" grep -qE '^10\.77\.0\.[0-9]+$' <<<"$ip1"
check "it is not the default guest address" test "$ip1" != 10.77.0.2
start_http g1 80 "g1 here"
# No vnetctl command since the lease: the watch re-points within seconds.
expect_http lan http://192.0.2.1:8080/ "g1 here" 5
expect_http - http://127.0.0.1:8080/ "g1 here" 5
out=$(vnetctl show web)
check "show says where the forward points" grep -q "8080:80/tcp goes to $ip1" <<<"$out"
check "and that it is the only guest" grep -q "only guest" <<<"$out"
check "show --json lists the guest as an object" \
	sh -c "'$VNETCTL' --json show web | jq -e '.guests[] | select(.address == \"$ip1\" and .source == \"lease\")' >/dev/null"

ct_to() { # PORT ADDR: conntrack entries of connections to host port PORT that went to ADDR
	conntrack -L -p tcp --orig-port-dst "$1" --reply-src "$2" 2>/dev/null | grep -c . || :
}
check "the connections through 8080 went to g1 (conntrack)" test "$(ct_to 8080 "$ip1")" -gt 0
# a range onto its own ports (one interval element): its connections end with it too
start_http g1 7101 "g1 on 7101"
expect_http lan http://192.0.2.1:7101/ "g1 on 7101" 5
check "the connection through the range went to g1 (conntrack)" test "$(ct_to 7101 "$ip1")" -gt 0
check "forward remove web 7100-7101:7100-7101" vnetctl -q forward remove web 7100-7101:7100-7101
check "and its connections to g1 are gone from conntrack" test "$(ct_to 7101 "$ip1")" -eq 0
expect_no_http lan http://192.0.2.1:7101/

# A second guest: which one the default forward means is no longer clear.
dhcp_guest g2 vn-web
ip2=$VNET_GUEST_ADDR
check "the second guest got a lease ($ip2)" grep -qE '^10\.77\.0\.[0-9]+$' <<<"$ip2"
start_http g2 80 "g2 here"
for i in $(seq 25); do fwd4_map | grep -q 'tcp . 8080 ' || break; sleep 0.2; done
check "with two guests the default forward has no element" sh -c "! nft list map inet vnetctl fwd4 | grep -q 'tcp . 8080 '"
check "and its connections to g1 are gone from conntrack" test "$(ct_to 8080 "$ip1")" -eq 0
expect_no_http lan http://192.0.2.1:8080/
out=$(vnetctl show web)
check "show says it points nowhere, and why" grep -q "8080:80/tcp goes nowhere: .*2 guests" <<<"$out"

# A reservation by hand, for the domain name a forward uses: at once.
mac2=$(in_ns g2 cat /sys/class/net/eth0/address)
virsh -q net-update web add-last ip-dhcp-host "<host mac='$mac2' name='vmx' ip='$ip2'/>" --live --config
for i in $(seq 10); do
	fwd4_map | grep -q "tcp . 8081 comment \"web\" : $ip2 . 80" && break
	sleep 0.2
done
check "the reservation took effect within two seconds (the hook's updated event)" \
	sh -c "nft list map inet vnetctl fwd4 | grep -q 'tcp . 8081 comment \"web\" : $ip2 . 80'"
expect_http lan http://192.0.2.1:8081/ "g2 here" 3
check "show names the guest and how" sh -c "'$VNETCTL' show web | grep -q '8081:vmx:80/tcp goes to $ip2 (guest vmx, by reservation)'"

# g1 leaves, releasing its lease: g2 is the only guest, and the default forward follows.
virsh -q net-update web delete ip-dhcp-host "<host mac='$mac2' name='vmx' ip='$ip2'/>" --live --config
for i in $(seq 10); do fwd4_map | grep -q 'tcp . 8081 ' || break; sleep 0.2; done
check "the removed reservation took the named forward with it" \
	sh -c "! nft list map inet vnetctl fwd4 | grep -q 'tcp . 8081 '"
# Everything in g1 ends: its DHCP client (-R) sends a release as it goes.
for pid in $(ip netns pids g1); do kill "$pid" 2>/dev/null || :; done
expect_http lan http://192.0.2.1:8080/ "g2 here" 5

# What vnetctl changes on the running network stands through later hook
# events and re-points, though libvirt's live definition (which the hooks
# read) keeps the metadata the network started with.
check "forward add web 8090:10.77.0.9:80" vnetctl -q forward add web 8090:10.77.0.9:80
virsh -q net-update web add-last ip-dhcp-host "<host mac='52:54:00:42:00:09' ip='10.77.0.9'/>" --live --config
check "the hook's updated event keeps the forward added since the start" \
	sh -c "nft list map inet vnetctl fwd4 | grep -q 'tcp . 8090 '"
check "and so does a re-point" sh -c "'$VNETCTL' -q watch --once && nft list map inet vnetctl fwd4 | grep -q 'tcp . 8090 '"
check "forward remove web 8090:10.77.0.9:80" vnetctl -q forward remove web 8090:10.77.0.9:80
virsh -q net-update web delete ip-dhcp-host "<host mac='52:54:00:42:00:09' ip='10.77.0.9'/>" --live --config
check_not "a removed forward does not come back with a re-point" \
	sh -c "'$VNETCTL' -q watch --once; nft list map inet vnetctl fwd4 | grep -q 'tcp . 8090 '"

# A forward to a domain nobody knows is accepted, and says it reaches nobody.
"$VNETCTL" forward add web 8082:vm2:80 >/dev/null 2>"$S/err"
check "forward add to an unknown domain warns" grep -q 'warning: Domain "vm2" has no reservation and no lease' "$S/err"
check "delete" vnetctl -q delete web
