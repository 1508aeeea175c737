#!/bin/bash
# 13-nft-nat-isolated: the forward filter.  A NAT guest reaches an outside
# server, which sees the host's address; nothing from outside reaches a NAT
# guest except through a forward; an isolated guest reaches nothing outside
# and nothing outside reaches it, and of the host only DNS on its gateway;
# NAT and isolated networks do not reach each other; guests of one isolated
# bridge still talk to each other.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
sandbox_enter "$@"
require_cmd nft ip curl socat ss

. "$(dirname "$0")/nft.sh"

# start_whoami NAME PORT [6]: an HTTP server in NAME (IPv4, or IPv6 with 6)
# that answers with the address the connection came from.
start_whoami() {
	local ns=$1 port=$2 listen="TCP4-LISTEN:$2" h="$VNET_SCRATCH/whoami.$1.$2"
	[ "${3:-}" != 6 ] || listen="TCP6-LISTEN:$port,ipv6only=1"
	cat >"$h" <<-'SH'
		#!/bin/sh
		while IFS= read -r l; do l=$(printf '%s' "$l" | tr -d '\r'); [ -z "$l" ] && break; done
		body="peer=$SOCAT_PEERADDR"
		printf 'HTTP/1.0 200 OK\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s\n' $((${#body} + 1)) "$body"
	SH
	chmod +x "$h"
	bg_ns "$ns" socat -T 5 "$listen,reuseaddr,fork" "EXEC:$h"
	for _ in $(seq 50); do
		[ -n "$(in_ns "$ns" ss -Hlnt "sport = :$port")" ] && return 0
		sleep 0.1
	done
	bail "start_whoami: nothing listening on $ns:$port"
}

NAT=vnnat0
ISO=vniso0
IN=$VNET_SCRATCH/nat.xml
II=$VNET_SCRATCH/iso.xml

foreign_table_create
enable_forwarding
make_bridge "$NAT" 10.77.0.1/24 fd77::1/64
make_bridge "$ISO" 10.78.0.1/24
add_guest g1 "$NAT" 10.77.0.2/24 10.77.0.1
guest_add_addr g1 fd77::2/64 fd77::1
add_guest i1 "$ISO" 10.78.0.2/24 10.78.0.1
add_guest i2 "$ISO" 10.78.0.3/24 10.78.0.1
add_outside lan 192.0.2.1/24 192.0.2.10/24
ip -6 addr add 2001:db8::1/64 dev "$VNET_OUTSIDE_DEV" nodad
guest_add_addr lan 2001:db8::10/64 2001:db8::1 eth0
# the LAN knows the way to the guests' subnets: only the rules stop it
in_ns lan ip route add 10.77.0.0/24 via 192.0.2.1
in_ns lan ip route add 10.78.0.0/24 via 192.0.2.1
in_ns lan ip -6 route add fd77::/64 via 2001:db8::1

start_whoami lan 80
start_whoami lan 81 6
start_http lan 8000 "hello from lan"
start_http g1 80 "hello from g1"
start_http i1 80 "hello from i1"
start_http i2 80 "hello from i2"
start_http - 8000 "hello from the host"

intent_xml "$IN" nat nat "$NAT" 10.77.0.0/24 fd77::/64 8080:80
intent_xml "$II" iso isolated "$ISO" 10.78.0.0/24 -
check "nft-tool add nat" nft_tool add "$IN"
check "nft-tool add isolated" nft_tool add "$II"

# ---- NAT: out, masqueraded to the host's address
expect_http g1 http://192.0.2.10/ "peer=192.0.2.1"
# socat writes IPv6 peers in full
expect_http g1 "http://[2001:db8::10]:81/" "peer=[2001:0db8:0000:0000:0000:0000:0000:0001]"
# ---- NAT: in only through a forward
expect_no_http lan http://10.77.0.2/
expect_no_http lan "http://[fd77::2]/"
expect_http lan http://192.0.2.1:8080/ "hello from g1"

# ---- isolated: nothing out, nothing in
expect_no_http i1 http://192.0.2.10/
expect_no_http i1 http://192.0.2.10:8000/
expect_no_http lan http://10.78.0.2/
# ---- but its guests reach each other, and of the host only DNS on their
# gateway (and DHCP); no host service on the gateway or any other host
# address, while what the host opens to them still works
expect_http i1 http://10.78.0.3/ "hello from i2"
expect_no_http i1 http://10.78.0.1:8000/
expect_no_http i1 http://192.0.2.1:8000/
expect_no_http i1 http://10.77.0.1:8000/
start_udp_echo - 53
expect_udp i1 10.78.0.1 53 "-:"
expect_no_udp i1 192.0.2.1 53
expect_http - http://10.78.0.2/ "hello from i1"

# ---- NAT and isolated networks do not reach each other
expect_no_http g1 http://10.78.0.2/
expect_no_http i1 http://10.77.0.2/

# ---- removing the isolated network lets routing through again (nothing else kept it)
check "nft-tool remove isolated" nft_tool remove "$II"
expect_http lan http://10.78.0.2/ "hello from i1"
expect_no_http lan http://10.77.0.2/

foreign_table_check
