#!/bin/bash
# 14-nft-localhost: the CVE-2020-8558 class of hole (kube-proxy, Docker).
# route_localnet, which `curl localhost:PORT` needs on a NAT bridge, also
# lets a guest send to the host's 127.0.0.1.  Each attack is first shown to
# work without the guard chain (the control), then to fail with our table:
# a guest routing 127.0.0.0/8 through its gateway reaches no localhost-bound
# host service and no forward bound to 127.0.0.1; a LAN host cannot reach a
# forward bound to 127.0.0.1.  (A forged source 127.0.0.1 the kernel already
# refuses as a martian, accept_local being 0; the guard drops it as well.)
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

# start_local_http PORT TEXT: an HTTP server on the host bound to 127.0.0.1 only.
start_local_http() {
	local port=$1 text=$2 h="$VNET_SCRATCH/local.$1"
	printf '#!/bin/sh\nwhile IFS= read -r l; do l=$(printf "%%s" "$l" | tr -d "\\r"); [ -z "$l" ] && break; done\nprintf "HTTP/1.0 200 OK\\r\\nConnection: close\\r\\n\\r\\n%s\\n"\n' "$text" >"$h"
	chmod +x "$h"
	bg_ns - socat -T 5 "TCP4-LISTEN:$port,bind=127.0.0.1,reuseaddr,fork" "EXEC:$h"
	for _ in $(seq 50); do
		[ -n "$(ss -Hlnt "src 127.0.0.1 and sport = :$port")" ] && return 0
		sleep 0.1
	done
	bail "start_local_http: nothing listening on 127.0.0.1:$port"
}

# route_localhost_via NAME GATEWAY: the attacker in NAME gives up its own
# loopback address and sends 127.0.0.0/8 to GATEWAY (its own sysctls).
route_localhost_via() {
	in_ns "$1" ip addr del 127.0.0.1/8 dev lo
	in_ns "$1" sh -c 'for f in /proc/sys/net/ipv4/conf/*/route_localnet; do echo 1 >"$f"; done'
	in_ns "$1" ip route add 127.0.0.0/8 via "$2"
}

BR=vnbr0
I=$VNET_SCRATCH/web.xml

foreign_table_create
enable_forwarding
make_bridge "$BR" 10.77.0.1/24
add_guest g1 "$BR" 10.77.0.2/24 10.77.0.1
add_guest evil "$BR" 10.77.0.66/24 10.77.0.1
add_outside lan 192.0.2.1/24 192.0.2.10/24
start_http g1 80 "hello from g1"
start_local_http 7777 "secret of the host"
route_localhost_via evil 10.77.0.1
route_localhost_via lan 192.0.2.1

check "the host's own service answers on 127.0.0.1" curl -sS --max-time 2 http://127.0.0.1:7777/
check "route_localnet on $BR" nft_tool localnet "$BR"

# ---- the control: route_localnet on the bridge, no guard yet
expect_http evil http://127.0.0.1:7777/ "secret of the host"

# ---- our table
intent_xml "$I" web nat "$BR" 10.77.0.0/24 - 8080:80 127.0.0.1:8091:80
check "nft-tool add" nft_tool add "$I"
expect_http - http://127.0.0.1:8091/ "hello from g1"
expect_http - http://127.0.0.1:8080/ "hello from g1"
expect_http lan http://192.0.2.1:8080/ "hello from g1"

expect_no_http evil http://127.0.0.1:7777/
expect_no_http evil http://127.0.0.1:8091/
expect_no_http evil http://127.0.0.1:8080/
expect_no_http lan http://127.0.0.1:8091/
expect_no_http lan http://127.0.0.1:7777/
expect_no_http lan http://192.0.2.1:8091/

# ---- the control for the forward bound to 127.0.0.1: without the guard
# ---- rules the LAN's packet to 127.0.0.1:8091 is DNATed before routing
# ---- could refuse it as a martian
nft flush chain inet vnetctl guard
expect_http lan http://127.0.0.1:8091/ "hello from g1"
expect_http evil http://127.0.0.1:8091/ "hello from g1"
# the table commands put the guard back (and add no rule twice)
nft_tool table >"$VNET_SCRATCH/table.nft"
check "the table commands run again" nft -f "$VNET_SCRATCH/table.nft"
check "the guard chain has its 4 rules once" test "$(nft list chain inet vnetctl guard | grep -c drop)" = 4
expect_no_http lan http://127.0.0.1:8091/
expect_no_http evil http://127.0.0.1:7777/
expect_http - http://127.0.0.1:8091/ "hello from g1"

check "route_localnet is 0 on all" test "$(cat /proc/sys/net/ipv4/conf/all/route_localnet)" = 0
check "route_localnet is 0 on the LAN link" test "$(cat /proc/sys/net/ipv4/conf/$VNET_OUTSIDE_DEV/route_localnet)" = 0
foreign_table_check
