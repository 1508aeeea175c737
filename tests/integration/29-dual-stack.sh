#!/bin/bash
# 29-dual-stack: on a network with --subnet6, a forward without a host
# address to the default guest (8080:80) is published on IPv4 and IPv6, as
# `docker run -p` does, and an IPv6 forward without a guest ([::]:8443:443)
# goes to the default IPv6 guest, the subnet6's ::2.  Real traffic from the
# LAN and from the host over both families; a forward that would take the
# IPv6 side of another is refused and changes nothing; removing the forward
# ends both of its sides.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
sandbox_enter "$@"
. "$(dirname "$0")/vnet.sh"
require_cmd virsh libvirtd dnsmasq nft ip curl socat
[ "$_vnet_ipv6" -eq 1 ] || skip "no IPv6 in this kernel"

install_hook
sandbox_start_libvirtd
# The LAN: an outside host that reaches the sandbox at 192.0.2.1 and 2001:db8::1.
add_outside lan 192.0.2.1/24 192.0.2.10/24
ip -6 addr add 2001:db8::1/64 dev "$VNET_OUTSIDE_DEV" nodad
guest_add_addr lan 2001:db8::10/64 2001:db8::1 eth0

check "create a dual-stack network" vnetctl create web --mode nat --subnet 10.77.0.0/24 \
	--subnet6 fd77::/64 --forward 8080:80 --forward '[::]:8443:443'
# The default guests: 10.77.0.2 and fd77::2.
add_guest guest vn-web 10.77.0.2/24 10.77.0.1
guest_add_addr guest fd77::2/64 fd77::1
start_http guest 80 "guest port 80"
start_http guest 443 "guest port 443"

check "8080:80 has an IPv6 element to fd77::2" \
	sh -c "nft list map inet vnetctl fwd6 | grep -q 'tcp . 8080 comment \"web\" : fd77::2 . 80'"
check "[::]:8443:443 goes to fd77::2" \
	sh -c "nft list map inet vnetctl fwd6 | grep -q 'tcp . 8443 comment \"web\" : fd77::2 . 443'"
check "show names the IPv6 forward's guest" sh -c "'$VNETCTL' show web | grep -q 'fd77::2'"

# ---- 8080:80 on both families
expect_http lan http://192.0.2.1:8080/ "guest port 80"
expect_http lan "http://[2001:db8::1]:8080/" "guest port 80"
expect_http - "http://[2001:db8::1]:8080/" "guest port 80"
expect_http - http://127.0.0.1:8080/ "guest port 80"
# ---- [::]:8443:443 on IPv6 only
expect_http lan "http://[2001:db8::1]:8443/" "guest port 443"
expect_http - "http://[2001:db8::1]:8443/" "guest port 443"
expect_no_http lan http://192.0.2.1:8443/

# ---- the IPv6 side of 8080:80 is taken: another forward there is refused
snapshot_host "$VNET_SCRATCH/before"
rc=0; out=$("$VNETCTL" forward add web '[::]:8080:[fd77::5]:80' 2>&1) || rc=$?
check "a forward on 8080's IPv6 side is refused (exit 1)" test "$rc" -eq 1
check "the refusal names both forwards" bash -c 'grep -q "8080:\[fd77::5\]:80/tcp" <<<"$1" && grep -q "\"8080:80/tcp\"" <<<"$1"' _ "$out"
snapshot_host "$VNET_SCRATCH/after"
expect_same_snapshot "$VNET_SCRATCH/before" "$VNET_SCRATCH/after"
expect_http lan "http://[2001:db8::1]:8080/" "guest port 80"

# ---- removing 8080:80 ends both sides, and nothing else
check "forward remove web 8080:80" vnetctl forward remove web 8080:80
expect_no_http lan http://192.0.2.1:8080/
expect_no_http lan "http://[2001:db8::1]:8080/"
expect_http lan "http://[2001:db8::1]:8443/" "guest port 443"
# ---- an IPv4-only forward to a guest address stays IPv4
check "forward add web 8081:10.77.0.2:80" vnetctl forward add web 8081:10.77.0.2:80
expect_http lan http://192.0.2.1:8081/ "guest port 80"
expect_no_http lan "http://[2001:db8::1]:8081/"

ip link del vg-guest-0 2>/dev/null || true
check "delete web" vnetctl delete web
check "no element of web is left" sh -c "! nft list table inet vnetctl 2>/dev/null | grep -q 'comment \"web\"'"
