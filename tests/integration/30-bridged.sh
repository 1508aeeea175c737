#!/bin/bash
# 30-bridged: a "LAN" namespace plays the physical network (its DHCP server
# and default gateway); the sandbox host's uplink is a veth into it.  After
# `create --mode bridged --uplink`: the host keeps its addresses and default
# route (now on the bridge, which took the uplink's MAC) and still reaches
# the LAN; a guest on the bridge gets a lease from the LAN's DHCP server and
# reaches the LAN peer.  After delete: the uplink has its addresses, routes
# and MAC back.  Refused, with nothing changed: a missing uplink, an uplink
# already in another bridge, a bridge name used by another interface.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
sandbox_enter "$@"
. "$(dirname "$0")/vnet.sh"
require_cmd virsh libvirtd dnsmasq nft ip curl socat busybox

install_hook
sandbox_start_libvirtd
add_outside lan 192.0.2.1/24 192.0.2.10/24
ip route add default via 192.0.2.10 dev out-lan
# A policy route in a table of its own moves with the uplink too.
ip route add 203.0.113.0/24 via 192.0.2.10 dev out-lan table 100
ip -6 addr add 2001:db8:1::1/64 dev out-lan nodad
in_ns lan ip -6 addr add 2001:db8:1::10/64 dev eth0 nodad
bg_ns lan dnsmasq --no-daemon --conf-file=/dev/null --port=0 --interface=eth0 --bind-interfaces \
	--dhcp-range=192.0.2.100,192.0.2.150,1h --dhcp-option=3,192.0.2.10 \
	--dhcp-leasefile="$VNET_SCRATCH/lan.leases"
start_http lan 80 "the LAN peer"
expect_http - http://192.0.2.10/ "the LAN peer"

mac=$(cat /sys/class/net/out-lan/address)
ip -o addr show dev out-lan scope global | awk '{print $3, $4}' | sort >"$VNET_SCRATCH/addrs.before"
ip route show dev out-lan | sort >"$VNET_SCRATCH/routes.before"
snapshot_host "$VNET_SCRATCH/before"

# Refusals first: nothing may change.
expect_refused "a missing uplink" "eth9" create lan --mode bridged --bridge br-lan --uplink eth9
ip link add br-other type bridge
ip link add vx-test type veth peer name vx-peer
ip link set vx-test master br-other
expect_refused "an uplink already in another bridge" "br-other" \
	create lan --mode bridged --bridge br-lan --uplink vx-test
expect_refused "a bridge name used by a non-bridge" "vx-peer" \
	create lan --mode bridged --bridge vx-peer --uplink out-lan
ip link del vx-test; ip link del br-other
snapshot_host "$VNET_SCRATCH/before"

# The takeover: the uplink carries the default route, so it waits for confirm.
out=$("$VNETCTL" create lan --mode bridged --bridge br-lan --uplink out-lan --confirm-timeout 60)
check "create asks for confirmation" grep -q "vnetctl confirm lan" <<<"$out"
check "confirm" vnetctl confirm lan
check "a second confirm has nothing to confirm" test "$("$VNETCTL" confirm lan >/dev/null 2>&1; echo $?)" -eq 1
check "out-lan is a port of br-lan" test "$(basename "$(readlink /sys/class/net/out-lan/master)")" = br-lan
check "the bridge took the uplink's MAC" test "$(cat /sys/class/net/br-lan/address)" = "$mac"
check "the bridge has the host's IPv4 address" sh -c "ip -o -4 addr show dev br-lan | grep -q 192.0.2.1/24"
check "the bridge has the host's IPv6 address" sh -c "ip -o -6 addr show dev br-lan | grep -q 2001:db8:1::1/64"
check "the uplink has no address left" test -z "$(ip -o addr show dev out-lan scope global)"
check "the default route is on the bridge" sh -c "ip route show default | grep -q 'via 192.0.2.10 dev br-lan'"
check "the route in table 100 is on the bridge" sh -c "ip route show table 100 | grep -q '203.0.113.0/24 via 192.0.2.10 dev br-lan'"
check "the libvirt network is a bridge network" sh -c "virsh net-dumpxml lan | grep -q \"<forward mode='bridge'/>\""
expect_http - http://192.0.2.10/ "the LAN peer"

# A guest on the bridge: its lease comes from the LAN's own DHCP server.
add_guest guest br-lan -
check "the guest gets a DHCP lease from the LAN" dhcp_lease guest "$VNET_GUEST_DEV" route
lease=$(cat "$VNET_SCRATCH/guest.lease" 2>/dev/null || echo none)
check "the lease ($lease) is in the LAN's range" grep -qE '^192\.0\.2\.1[0-5][0-9]$' <<<"$lease"
expect_http guest http://192.0.2.10/ "the LAN peer"
ip link del "$VNET_GUEST_PORT"

# Delete: the uplink gets everything back.
check "delete lan" vnetctl delete lan
check "br-lan is gone" test ! -e /sys/class/net/br-lan
check "out-lan has no master" test ! -e /sys/class/net/out-lan/master
check "the route in table 100 is back on the uplink" sh -c "ip route show table 100 | grep -q '203.0.113.0/24 via 192.0.2.10 dev out-lan'"
ip -o addr show dev out-lan scope global | awk '{print $3, $4}' | sort >"$VNET_SCRATCH/addrs.after"
ip route show dev out-lan | sort >"$VNET_SCRATCH/routes.after"
check "the uplink's addresses are back" diff -u "$VNET_SCRATCH/addrs.before" "$VNET_SCRATCH/addrs.after"
check "the uplink's routes are back" diff -u "$VNET_SCRATCH/routes.before" "$VNET_SCRATCH/routes.after"
check "the uplink's MAC is unchanged" test "$(cat /sys/class/net/out-lan/address)" = "$mac"
expect_http - http://192.0.2.10/ "the LAN peer"
snapshot_host "$VNET_SCRATCH/after"
expect_same_snapshot "$VNET_SCRATCH/before" "$VNET_SCRATCH/after" || true

# An existing bridge named with --bridge is reused as it is, and kept on delete.
ip link add br-keep type bridge
check "create on an existing bridge" vnetctl create keep --mode bridged --bridge br-keep
check "delete keeps a bridge vnetctl did not make" sh -c "'$VNETCTL' delete keep && test -d /sys/class/net/br-keep"
