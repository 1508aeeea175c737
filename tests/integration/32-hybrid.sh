#!/bin/bash
# 32-hybrid: one NAT network and one bridged network that belong together.
# A guest with one NIC on each reaches an outside host through NAT (which
# sees the host's address) and the LAN peer through the bridge (with a lease
# from the LAN's DHCP server).  list and show present it as one intent;
# delete removes both halves.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
sandbox_enter "$@"
. "$(dirname "$0")/vnet.sh"
require_cmd virsh libvirtd dnsmasq nft ip curl socat busybox jq

install_hook
sandbox_start_libvirtd
add_outside lan 192.0.2.1/24 192.0.2.10/24
bg_ns lan dnsmasq --no-daemon --conf-file=/dev/null --port=0 --interface=eth0 --bind-interfaces \
	--dhcp-range=192.0.2.100,192.0.2.150,1h --dhcp-leasefile="$VNET_SCRATCH/lan.leases"
start_http lan 80 "the LAN peer"
add_outside wan 198.51.100.1/24 198.51.100.10/24
ip route add default via 198.51.100.10 dev out-wan
bg_ns wan socat TCP-LISTEN:7000,fork,reuseaddr SYSTEM:'echo peer=\$SOCAT_PEERADDR'
sleep 0.3

check "create a hybrid network" vnetctl create mix --mode hybrid --bridge br-lan --uplink out-lan --subnet 10.79.0.0/24
check "its NAT half is a libvirt network" sh -c "virsh net-dumpxml mix-nat | grep -q \"<forward mode='open'/>\""
check "its LAN half is a libvirt network" sh -c "virsh net-dumpxml mix-lan | grep -q \"<forward mode='bridge'/>\""
check "list shows one intent" sh -c "'$VNETCTL' --json list | jq -e '.networks | length == 1 and .[0].mode == \"hybrid\"'"
check "show names both bridges" sh -c "'$VNETCTL' show mix | grep -q vn-mix && '$VNETCTL' show mix | grep -q br-lan"

# The guest: eth0 behind NAT, eth1 on the LAN.
add_guest guest vn-mix 10.79.0.2/24 10.79.0.1
add_guest guest br-lan -
check "the LAN NIC gets a lease from the LAN" dhcp_lease guest "$VNET_GUEST_DEV"
expect_http guest http://192.0.2.10/ "the LAN peer"
out=$(in_ns guest timeout 10 socat -T 5 - TCP:198.51.100.10:7000 </dev/null 2>&1 || true)
check "the guest reaches the outside host through NAT" grep -q "peer=" <<<"$out"
check "the outside host sees the host's address ($out)" grep -q "peer=198.51.100.1$" <<<"$out"

check "delete removes both halves" vnetctl delete mix
check "no libvirt network left" test -z "$(virsh -q net-list --all --name)"
check "no bridge left" sh -c "test ! -e /sys/class/net/vn-mix && test ! -e /sys/class/net/br-lan"
check "the uplink has its address back" sh -c "ip -o -4 addr show dev out-lan | grep -q 192.0.2.1/24"
