#!/bin/bash
# 22-conflicts: what would break the host is refused with exit 1, a message
# naming both sides, and nothing changed: a subnet overlapping another
# vnetctl network, a plain libvirt network, a host address and a host route
# (a "VPN"); a forward on a port already forwarded; a forward of a port a
# local process listens on (unless --force); a bridge name in use; a name
# taken; an unknown network.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
sandbox_enter "$@"
. "$(dirname "$0")/vnet.sh"
require_cmd virsh libvirtd dnsmasq nft ip socat

install_hook
sandbox_start_libvirtd
add_outside lan 192.0.2.1/24 192.0.2.10/24
ip route add 10.0.0.0/16 via 192.0.2.10        # the office VPN
ip route add 10.55.0.0/16 dev out-lan table 51820   # a VPN with a table of its own (policy routing)
ip link add br-taken type bridge
cat >"$VNET_SCRATCH/plain.xml" <<XML
<network><name>plain</name><bridge name='virbr9'/><forward mode='open'/>
<ip address='10.88.0.1' prefix='24'/></network>
XML
virsh -q net-define "$VNET_SCRATCH/plain.xml" >/dev/null
virsh -q net-start plain >/dev/null
vnetctl create web --mode nat --subnet 10.77.0.0/24 --forward 8080:80 >/dev/null
bg_ns - socat TCP-LISTEN:2222,fork,reuseaddr SYSTEM:'echo sshd'
# A bridge without ports settles into NO-CARRIER a moment after it starts;
# let it, so the snapshots compare settled states.
for i in $(seq 50); do
	ip -o link show virbr9 | grep -q NO-CARRIER && ip -o link show vn-web | grep -q NO-CARRIER && break
	sleep 0.1
done

expect_refused "subnet overlaps vnetctl network web" "web" \
	create db --mode nat --subnet 10.77.0.128/25
expect_refused "subnet overlaps libvirt network plain" "plain" \
	create db --mode nat --subnet 10.88.0.0/16
expect_refused "subnet overlaps a host address" "out-lan" \
	create db --mode nat --subnet 192.0.2.0/24
expect_refused "subnet overlaps a VPN route in a table of its own" "10.55.0.0/16" \
	create db --mode nat --subnet 10.55.7.0/24
expect_refused "subnet overlaps the VPN route" "10.0.0.0/16" \
	create db --mode nat --subnet 10.0.5.0/24
expect_refused "forward on a port already forwarded" "8080:80/tcp" \
	create db --mode nat --subnet 10.66.0.0/24 --forward 8080:8080
expect_refused "forward add on a forwarded port" "8080" \
	forward add web 8080:81
expect_refused "forward of a port sshd listens on" "2222" \
	create db --mode nat --subnet 10.66.0.0/24 --forward 2222:22
expect_refused "bridge name in use" "br-taken" \
	create db --mode nat --subnet 10.66.0.0/24 --bridge br-taken
expect_refused "name of an existing network" "web" \
	create web --mode nat --subnet 10.66.0.0/24
expect_refused "name of a plain libvirt network" "plain" \
	create plain --mode nat --subnet 10.66.0.0/24
expect_refused "delete of an unknown network" "nosuch" delete nosuch
expect_refused "forward remove of a forward that is not there" "9999" \
	forward remove web 9999:99

check "--force takes a listened port" vnetctl create db --mode nat --subnet 10.66.0.0/24 --forward 2222:22 --force
out=$("$VNETCTL" xml --mode nat)
check "an automatic subnet is the pool's first, 192.168.123.0/24" grep -q "subnet=\"192.168.123.0/24\"" <<<"$out"
ip route add 192.168.123.0/24 via 192.0.2.10	# a VPN on it
out=$("$VNETCTL" xml --mode nat)
check "an automatic subnet skips the VPN's 192.168.123.0/24" grep -q "subnet=\"192.168.124.0/24\"" <<<"$out"
ip route del 192.168.123.0/24 via 192.0.2.10
check "an automatic name is the first free vnetN" grep -q "<name>vnet0</name>" <<<"$out"
