#!/bin/bash
# 12-nft-hairpin: guests of a NAT network reach its forwards through the
# host's address.  Guest B -> forward -> guest A (masqueraded hairpin); guest
# A -> its own forward, which with br_netfilter (loaded here, as on most
# hosts that run Docker) is bridged back out of the port it came in by, so
# it needs hairpin mode on that port: nft-tool hairpin sets it through libnl
# on every port of the bridge, as the control plane does at apply/restore and
# when a guest starts.  Guests of one bridge still reach each other directly.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
sandbox_enter "$@"
require_cmd nft ip curl socat ss

. "$(dirname "$0")/nft.sh"

BR=vnbr0
I=$VNET_SCRATCH/web.xml

foreign_table_create
enable_forwarding
make_bridge "$BR" 10.77.0.1/24 fd77::1/64
add_guest ga "$BR" 10.77.0.2/24 10.77.0.1
PORT_A=$VNET_GUEST_PORT
guest_add_addr ga fd77::2/64 fd77::1
add_guest gb "$BR" 10.77.0.3/24 10.77.0.1
PORT_B=$VNET_GUEST_PORT
guest_add_addr gb fd77::3/64 fd77::1
add_outside lan 192.0.2.1/24 192.0.2.10/24
ip -6 addr add 2001:db8::1/64 dev "$VNET_OUTSIDE_DEV" nodad

start_http ga 80 "hello from ga"
start_http gb 80 "hello from gb"
intent_xml "$I" web nat "$BR" 10.77.0.0/24 fd77::/64 8080:80 '[::]:8080:[fd77::2]:80'
check "nft-tool add" nft_tool add "$I"
expect_http lan http://192.0.2.1:8080/ "hello from ga"

brnf=$(cat /proc/sys/net/bridge/bridge-nf-call-iptables 2>/dev/null || echo absent)
diag "br_netfilter bridge-nf-call-iptables: $brnf"

# ---- guests of one bridge reach each other directly (with br_netfilter
# ---- their frames cross the forward hook: the intra_if rule lets them)
expect_http gb http://10.77.0.2/ "hello from ga"
expect_http ga http://10.77.0.3/ "hello from gb"
expect_http gb "http://[fd77::2]/" "hello from ga"

# ---- guest B -> forward -> guest A, through the host's LAN and bridge addresses
expect_http gb http://192.0.2.1:8080/ "hello from ga"
expect_http gb http://10.77.0.1:8080/ "hello from ga"
expect_http gb "http://[2001:db8::1]:8080/" "hello from ga"

# ---- guest A -> its own forward
check "hairpin is off on $PORT_A before" test "$(cat /sys/class/net/$PORT_A/brport/hairpin_mode)" = 0
if [ "$brnf" = 1 ]; then
	# the moment matters: without hairpin the reply to itself is dropped
	expect_no_http ga http://192.0.2.1:8080/
fi
check "nft-tool hairpin $BR" nft_tool hairpin "$BR"
check "hairpin is on on $PORT_A" test "$(cat /sys/class/net/$PORT_A/brport/hairpin_mode)" = 1
check "hairpin is on on $PORT_B" test "$(cat /sys/class/net/$PORT_B/brport/hairpin_mode)" = 1
expect_http ga http://192.0.2.1:8080/ "hello from ga"
expect_http ga http://10.77.0.1:8080/ "hello from ga"
expect_http ga "http://[2001:db8::1]:8080/" "hello from ga"
# and the rest still works
expect_http gb http://192.0.2.1:8080/ "hello from ga"
expect_http gb http://10.77.0.2/ "hello from ga"
expect_http lan http://192.0.2.1:8080/ "hello from ga"

# ---- one port at a time, and a port that joins later
check "hairpin-port $PORT_B off" nft_tool hairpin-port "$PORT_B" off
check "hairpin is off on $PORT_B" test "$(cat /sys/class/net/$PORT_B/brport/hairpin_mode)" = 0
add_guest gc "$BR" 10.77.0.4/24 10.77.0.1
check "a new port starts without hairpin" test "$(cat /sys/class/net/$VNET_GUEST_PORT/brport/hairpin_mode)" = 0
check "hairpin-port on the new port" nft_tool hairpin-port "$VNET_GUEST_PORT" on
check "hairpin is on on the new port" test "$(cat /sys/class/net/$VNET_GUEST_PORT/brport/hairpin_mode)" = 1
check_not "hairpin-port refuses a link that is no bridge port" nft_tool hairpin-port "$VNET_OUTSIDE_DEV" on
check_not "hairpin refuses a link that is no bridge" nft_tool hairpin "$VNET_OUTSIDE_DEV"
check_not "localnet refuses a link that is no bridge" nft_tool localnet "$VNET_OUTSIDE_DEV"
check_not "localnet refuses all" nft_tool localnet all
check_not "localnet refuses default" nft_tool localnet default

# ---- without br_netfilter the guest reaches its own forward through routing alone
if [ "$brnf" = 1 ]; then
	check "hairpin-port $PORT_A off" nft_tool hairpin-port "$PORT_A" off
	sysctl -qw net.bridge.bridge-nf-call-iptables=0 net.bridge.bridge-nf-call-ip6tables=0
	expect_http ga http://192.0.2.1:8080/ "hello from ga"
	expect_http gb http://192.0.2.1:8080/ "hello from ga"
	expect_http gb http://10.77.0.2/ "hello from ga"
fi

foreign_table_check
