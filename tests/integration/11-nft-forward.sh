#!/bin/bash
# 11-nft-forward: forwards through libvnet's nftables table, with real
# traffic and no libvirt: a bridge made here, a guest namespace serving on
# it, an outside machine on the "LAN".  Outside -> guest (IPv4 and IPv6, tcp
# and udp, a port range); host -> guest through localhost and through its own
# addresses; a forward bound to one host address is not reachable through
# another; one bound to 127.0.0.1 only from the host; removing a forward
# stops exactly that forward.
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
I2=$VNET_SCRATCH/web2.xml
FORWARDS=(
	8080:80                      # tcp, any host address
	8053:53/udp                  # udp
	9000-9002:90-92              # a range, port by port
	192.0.2.3:8090:80            # one host address
	127.0.0.1:8091:80            # the host only
	'[::]:8080:[fd77::2]:80'     # IPv6
	'[::]:8053:[fd77::2]:53/udp'
)

foreign_table_create
enable_forwarding
make_bridge "$BR" 10.77.0.1/24 fd77::1/64
add_guest g1 "$BR" 10.77.0.2/24 10.77.0.1
guest_add_addr g1 fd77::2/64 fd77::1
add_outside lan 192.0.2.1/24 192.0.2.10/24
ip addr add 192.0.2.3/24 dev "$VNET_OUTSIDE_DEV"
ip -6 addr add 2001:db8::1/64 dev "$VNET_OUTSIDE_DEV" nodad
guest_add_addr lan 2001:db8::10/64 2001:db8::1 eth0

start_http g1 80 "hello from g1"
for p in 90 91 92; do start_http g1 "$p" "g1 port $p"; done
start_udp_echo g1 53

intent_xml "$I" web nat "$BR" 10.77.0.0/24 fd77::/64 "${FORWARDS[@]}"
check "nft-tool add" nft_tool add "$I"
check "route_localnet on $BR" nft_tool localnet "$BR"
check "route_localnet is 1 on $BR" test "$(cat /proc/sys/net/ipv4/conf/$BR/route_localnet)" = 1
check "route_localnet stays 0 on all" test "$(cat /proc/sys/net/ipv4/conf/all/route_localnet)" = 0
check "route_localnet stays 0 on default" test "$(cat /proc/sys/net/ipv4/conf/default/route_localnet)" = 0

# ---- from outside
expect_http lan http://192.0.2.1:8080/ "hello from g1"
expect_http lan "http://[2001:db8::1]:8080/" "hello from g1"
expect_udp lan 192.0.2.1 8053 "g1:"
expect_udp lan 2001:db8::1 8053 "g1:"
for p in 0 1 2; do
	expect_http lan "http://192.0.2.1:900$p/" "g1 port 9$p"
done
expect_no_http lan http://192.0.2.1:9003/

# ---- from the host: localhost and its own addresses
expect_http - http://127.0.0.1:8080/ "hello from g1"
expect_http - http://localhost:8080/ "hello from g1"
expect_http - http://192.0.2.1:8080/ "hello from g1"
expect_http - http://10.77.0.1:8080/ "hello from g1"
expect_http - "http://[2001:db8::1]:8080/" "hello from g1"
# IPv6 has no route_localnet: [::1] is left alone (refused, not hanging)
expect_no_http - "http://[::1]:8080/"
check "[::1]:8080 is refused at once (curl: 7), not timed out (28)" \
	sh -c "curl -sS --max-time 2 'http://[::1]:8080/' >/dev/null 2>&1; test \$? -eq 7"
expect_udp - 127.0.0.1 8053 "g1:"
expect_http - http://127.0.0.1:9001/ "g1 port 91"

# ---- a forward bound to one host address
expect_http lan http://192.0.2.3:8090/ "hello from g1"
expect_http - http://192.0.2.3:8090/ "hello from g1"
expect_no_http lan http://192.0.2.1:8090/
expect_no_http - http://127.0.0.1:8090/

# ---- a forward bound to 127.0.0.1: the host only
expect_http - http://127.0.0.1:8091/ "hello from g1"
expect_no_http - http://192.0.2.1:8091/
expect_no_http lan http://192.0.2.1:8091/
expect_no_http lan http://192.0.2.3:8091/

# ---- removing one forward stops exactly that one
intent_xml "$I2" web nat "$BR" 10.77.0.0/24 fd77::/64 "${FORWARDS[@]:0:2}" "${FORWARDS[@]:3}"
check "nft-tool update (without 9000-9002)" nft_tool update "$I" "$I2"
expect_no_http lan http://192.0.2.1:9000/
expect_no_http lan http://192.0.2.1:9002/
expect_http lan http://192.0.2.1:8080/ "hello from g1"
expect_http lan http://192.0.2.3:8090/ "hello from g1"
expect_udp lan 192.0.2.1 8053 "g1:"
expect_http lan "http://[2001:db8::1]:8080/" "hello from g1"
nft_tool elements >"$VNET_SCRATCH/kernel"
nft_tool intent-elements "$I2" | sort >"$VNET_SCRATCH/want"
check "the kernel holds exactly the elements of the new intent" cmp "$VNET_SCRATCH/want" "$VNET_SCRATCH/kernel"
check "no element of the removed range is left" sh -c "! grep -q ' . 900[0-2] ' '$VNET_SCRATCH/kernel'"

# ---- removing the network leaves no element, and the rules in place
check "nft-tool remove" nft_tool remove "$I2"
expect_no_http lan http://192.0.2.1:8080/
expect_no_http - http://127.0.0.1:8080/
check "no element left" test -z "$(nft_tool elements)"

foreign_table_check
