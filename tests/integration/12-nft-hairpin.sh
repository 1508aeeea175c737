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

# ---- helpers shared by the 1x-nft tests; each file carries its own copy,
# ---- since lib.sh belongs to the harness.  Keep the copies identical.

# nft_tool ARGS...: the driver of libvnet's nftables backend (tests/tools).
NFT_TOOL=${NFT_TOOL:-$(cd "$(dirname "$0")/../.." && pwd)/tests/tools/nft-tool}
[ -x "$NFT_TOOL" ] || NFT_TOOL=${top_builddir:-/tmp/b}/tests/tools/nft-tool
[ -x "$NFT_TOOL" ] || skip "tests/tools/nft-tool is not built (make tests/tools/nft-tool)"
nft_tool() { "$NFT_TOOL" "$@"; }

# foreign_table_create, foreign_table_check: a table of another tool (as
# Docker or firewalld leave one) exists from the start and must be
# byte-identical at the end.
foreign_table_create() {
	nft -f - <<-'NFT'
		table ip filter {
			set blocked { type ipv4_addr; elements = { 203.0.113.9 }; }
			chain input { type filter hook input priority filter; policy accept; ip saddr @blocked drop; }
		}
	NFT
	nft list table ip filter >"$VNET_SCRATCH/foreign.before"
}
foreign_table_check() {
	nft list table ip filter >"$VNET_SCRATCH/foreign.after" 2>&1 || true
	check "the foreign table ip filter is byte-identical" \
		cmp "$VNET_SCRATCH/foreign.before" "$VNET_SCRATCH/foreign.after"
}

# make_bridge NAME ADDR4/PFX [ADDR6/PFX]: a bridge with the network's
# gateway address, as libvirt would make it: its own fixed MAC (else it takes
# the lowest of its ports' and changes when a port joins, leaving the guests'
# ARP entries for the gateway stale), STP off (ports forward at once).
make_bridge() {
	local mac
	mac=52:54:00:$(printf '%s' "$1" | md5sum | sed -E 's/^(..)(..)(..).*/\1:\2:\3/')
	ip link add "$1" address "$mac" type bridge stp_state 0 forward_delay 0
	ip addr add "$2" dev "$1"
	[ -z "${3:-}" ] || ip -6 addr add "$3" dev "$1" nodad
	ip link set "$1" up
}

# intent_xml FILE NAME MODE BRIDGE SUBNET4 SUBNET6|- [FORWARD...]: an intent
# file (a /24: gateway .1, default guest .2; IPv6 gateway ::1).
intent_xml() {
	local file=$1 name=$2 mode=$3 br=$4 s4=$5 s6=$6 net f
	shift 6
	net=${s4%.0/24}
	{
		printf '<vnet:intent xmlns:vnet="http://vnetctl.org/xmlns/intent/1" name="%s" mode="%s">\n' "$name" "$mode"
		printf '  <vnet:bridge name="%s"/>\n' "$br"
		printf '  <vnet:ipv4 subnet="%s" gateway="%s.1" guest="%s.2"/>\n' "$s4" "$net" "$net"
		[ "$s6" = - ] || printf '  <vnet:ipv6 subnet="%s" gateway="%s1"/>\n' "$s6" "${s6%/*}"
		for f in "$@"; do printf '  <vnet:forward>%s</vnet:forward>\n' "$f"; done
		printf '</vnet:intent>\n'
	} >"$file"
}

# routing on, as libvirt turns it on for a NAT network (the sandbox's own sysctls)
enable_forwarding() {
	sysctl -qw net.ipv4.ip_forward=1
	[ "$_vnet_ipv6" -eq 0 ] || sysctl -qw net.ipv6.conf.all.forwarding=1
}
# ---- end of the shared helpers

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
