#!/bin/bash
# 11-nft-forward: forwards through libvnet's nftables table, with real
# traffic and no libvirt: a bridge made here, a guest namespace serving on
# it, an outside machine on the "LAN".  Outside -> guest (IPv4 and IPv6, tcp
# and udp, a port range port by port, ranges onto their own ports as one
# interval element each); host -> guest through localhost and through its own
# addresses; a forward bound to one host address is not reachable through
# another; one bound to 127.0.0.1 only from the host; removing a forward
# stops exactly that forward.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
sandbox_enter "$@"
require_cmd nft ip curl socat ss

. "$(dirname "$0")/nft.sh"

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
	7100-7102:7100-7102          # a range onto its own ports: one interval element
	'[::]:7200-7201:[fd77::2]:7200-7201'
	192.0.2.3:7300-7301:7300-7301
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
for p in 90 91 92 7100 7101 7102 7200 7201 7300 7301; do start_http g1 "$p" "g1 port $p"; done
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
# a range onto the same ports: each port reaches the guest's same port
for p in 7100 7101 7102; do
	expect_http lan "http://192.0.2.1:$p/" "g1 port $p"
done
expect_no_http lan http://192.0.2.1:7103/
expect_http lan "http://[2001:db8::1]:7201/" "g1 port 7201"
expect_http lan http://192.0.2.3:7301/ "g1 port 7301"
expect_no_http lan http://192.0.2.1:7301/
expect_http - http://127.0.0.1:7102/ "g1 port 7102"
nft_tool elements >"$VNET_SCRATCH/kernel.ranges"
check "the range is one interval element" grep -qx 'fwdr4 tcp . 7100-7102 : 10.77.0.2' "$VNET_SCRATCH/kernel.ranges"
check "the IPv6 range too" grep -qx 'fwdr6 tcp . 7200-7201 : fd77::2' "$VNET_SCRATCH/kernel.ranges"
check "the range on one host address too" grep -qx 'fwdr4_addr 192.0.2.3 . tcp . 7300-7301 : 10.77.0.2' "$VNET_SCRATCH/kernel.ranges"
check "and no per-port element for them" sh -c "! grep -E ' \. 7[123]0[0-9] :' '$VNET_SCRATCH/kernel.ranges'"

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
# the interval ranges go with the network: each of them was in the update's intent


# ---- removing the network leaves no element, and the rules in place
check "nft-tool remove" nft_tool remove "$I2"
expect_no_http lan http://192.0.2.1:8080/
expect_no_http - http://127.0.0.1:8080/
check "no element left" test -z "$(nft_tool elements)"

foreign_table_check
