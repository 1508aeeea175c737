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

. "$(dirname "$0")/nft.sh"

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
