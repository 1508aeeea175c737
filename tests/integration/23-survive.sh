#!/bin/bash
# 23-survive: the rules follow the network: through a libvirtd restart,
# through net-destroy + net-start (the hook re-adds them), and through
# `nft flush ruleset` + `vnetctl restore`.  Each time the page is served.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
sandbox_enter "$@"
. "$(dirname "$0")/vnet.sh"
# `nft flush ruleset` below wipes every table, the foreign one included, on purpose.
test_teardown() { :; }
require_cmd virsh libvirtd dnsmasq nft ip curl socat jq

install_hook
sandbox_start_libvirtd
add_outside lan 192.0.2.1/24 192.0.2.10/24
vnetctl create web --mode nat --subnet 10.77.0.0/24 --forward 8080:80 >/dev/null
add_guest guest vn-web 10.77.0.2/24 10.77.0.1
start_http guest 80 "still here"
expect_http lan http://192.0.2.1:8080/ "still here"
count=$(nft_count_elements)
check "the network has elements" test "$count" -gt 0

# libvirtd restart: the network stays up, and so do its rules.
kill "$_vnet_libvirtd_pid"; wait "$_vnet_libvirtd_pid" 2>/dev/null || true
sandbox_start_libvirtd
expect_http lan http://192.0.2.1:8080/ "still here"
check "same elements after a libvirtd restart" test "$(nft_count_elements)" -eq "$count"

# net-destroy removes the elements (hook: stopped); net-start puts them back.
virsh -q net-destroy web >/dev/null
check "no element while the network is stopped" test "$(nft_count_elements)" -eq 0
virsh -q net-start web >/dev/null
check "the elements are back after net-start" test "$(nft_count_elements)" -eq "$count"
add_guest guest vn-web - ""          # the old port went with the old bridge
ip -n guest addr flush dev "$VNET_GUEST_DEV"
guest_add_addr guest 10.77.0.2/24 10.77.0.1 "$VNET_GUEST_DEV"
expect_http lan http://192.0.2.1:8080/ "still here"

# A firewall reload wipes everything; restore puts our table back.
nft flush ruleset
expect_no_http lan http://192.0.2.1:8080/
check "restore" vnetctl restore
check "the same elements after restore" test "$(nft_count_elements)" -eq "$count"
expect_http lan http://192.0.2.1:8080/ "still here"
check "restore twice leaves one copy of each element" sh -c "'$VNETCTL' -q restore && test \$(nft -j list table inet vnetctl | jq '[.nftables[] | select(.map or .set) | (.map // .set) | (.elem // []) | length] | add') -eq $count"
