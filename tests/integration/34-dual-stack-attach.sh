#!/bin/bash
# 34-dual-stack-attach: the default IPv6 guest is reserved by attach and
# handed out by libvirt's dnsmasq over DHCPv6.  A dual-stack network has a
# DHCPv6 range that leaves out ::1 and ::2; `vnetctl attach` reserves the
# IPv4 default guest address to the domain's NIC and ::2 to the domain's
# name, in one transaction.  A guest namespace whose veth carries that NIC's
# MAC runs real clients: busybox udhcpc gets 10.78.0.2, ISC dhclient -6,
# sending the domain's name as its host name (the FQDN option), gets
# fd78::2 and nothing else, and a server in it is reached through
# [::]:8443:443 from the LAN.  `show` lists the IPv6 reservation.  An IPv6
# --ip outside subnet6, the network address, the gateway or an address
# reserved already is refused with nothing changed (libvirt's live
# definitions included); an IPv6 --ip in subnet6 is reserved instead of ::2.
# After detach the reservations are gone: a new DHCPv6 client of the same
# name gets an address of the range, never ::2.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
sandbox_enter "$@"
. "$(dirname "$0")/vnet.sh"
require_cmd virsh libvirtd dnsmasq nft ip curl socat jq xmllint busybox dhclient qemu-system-x86_64
[ "$_vnet_ipv6" -eq 1 ] || skip "no IPv6 in this kernel"

# host6 NET NAME [--inactive]: the ip of NAME's entry on NET's IPv6 <ip>.
host6() {
	virsh net-dumpxml "$1" ${3:+"$3"} |
		xmllint --xpath "string(//ip[@family='ipv6']/dhcp/host[@name='$2']/@ip)" - 2>/dev/null || true
}

# dhcp6_lease NS DEV NAME DUID-TYPE: ISC dhclient -6 in NS on DEV, sending NAME
# as its host name, until it is bound (at most ~40 s); the address goes on
# DEV, and into $VNET_SCRATCH/NS.lease6.  Its own script, never the
# system's dhclient-script, which would write /etc/resolv.conf.
dhcp6_lease() {
	local ns=$1 dev=$2 name=$3 duid=$4 conf=$VNET_SCRATCH/dhclient6.$1.conf
	local script=$VNET_SCRATCH/dhclient6.$1.sh pidf=$VNET_SCRATCH/dhclient6.$1.pid
	[ ! -s "$pidf" ] || { kill "$(cat "$pidf")" 2>/dev/null || true; rm -f "$pidf"; }
	printf 'send fqdn.fqdn "%s";\n' "$name" >"$conf"
	cat >"$script" <<-SH
		#!/bin/sh
		case "\$reason" in
		BOUND6|REBOOT6|RENEW6|REBIND6)
			ip -6 addr replace "\$new_ip6_address/64" dev "\$interface" nodad
			echo "\$new_ip6_address" >"$VNET_SCRATCH/$ns.lease6" ;;
		esac
		exit 0
	SH
	chmod +x "$script"
	rm -f "$VNET_SCRATCH/$ns.lease6" "$VNET_SCRATCH/dhclient6.$ns.leases"
	in_ns "$ns" timeout 45 dhclient -6 -1 -D "$duid" -cf "$conf" -lf "$VNET_SCRATCH/dhclient6.$ns.leases" \
		-pf "$pidf" -sf "$script" "$dev" >"$VNET_SCRATCH/dhclient6.$ns.log" 2>&1
}

install_hook
sandbox_start_libvirtd
# The LAN: an outside host that reaches the sandbox at 192.0.2.1 and 2001:db8::1.
add_outside lan 192.0.2.1/24 192.0.2.10/24
ip -6 addr add 2001:db8::1/64 dev "$VNET_OUTSIDE_DEV" nodad
guest_add_addr lan 2001:db8::10/64 2001:db8::1 eth0

check "create a dual-stack network" vnetctl create web --mode nat --subnet 10.78.0.0/24 \
	--subnet6 fd78::/64 --forward 8080:80 --forward '[::]:8443:443'

# ---- the network serves DHCPv6 from ::3: ::1 is the gateway, ::2 attach's
check "the IPv6 <ip> has the DHCPv6 range fd78::3 - fd78::ffff" sh -c \
	"virsh net-dumpxml web | xmllint --xpath 'concat(//ip[@family=\"ipv6\"]/dhcp/range/@start, \" \", //ip[@family=\"ipv6\"]/dhcp/range/@end)' - | grep -qx 'fd78::3 fd78::ffff'"
check "libvirt's dnsmasq has that DHCPv6 range" grep -q '^dhcp-range=fd78::3,fd78::ffff,64' /var/lib/libvirt/dnsmasq/web.conf
check "and sends router advertisements" grep -q '^enable-ra' /var/lib/libvirt/dnsmasq/web.conf

define_domain vm1
define_domain vm2
# ---- bad IPv6 addresses change nothing
refused "an IPv6 --ip outside subnet6" "fd99::5" attach web vm1 --ip fd99::5
refused "the IPv6 network address" "fd78::" attach web vm1 --ip fd78::
refused "the IPv6 gateway" "gateway" attach web vm1 --ip fd78::1
check "vm1 has no NIC on web after the refusals" test -z "$(nic_mac vm1 web)"

# ---- attach: 10.78.0.2 to vm1's MAC and fd78::2 to the name vm1
check "attach web vm1" vnetctl attach web vm1
mac=$(nic_mac vm1 web)
check "vm1 has a NIC on web" test -n "$mac"
check "the IPv4 default guest address is reserved to vm1's MAC" sh -c \
	"virsh net-dumpxml web | grep -q \"<host mac='$mac' name='vm1' ip='10.78.0.2'/>\""
check "fd78::2 is reserved to the name vm1, live" test "$(host6 web vm1)" = fd78::2
check "fd78::2 is reserved to the name vm1, persistent" test "$(host6 web vm1 --inactive)" = fd78::2
check "libvirt gave the reservation to dnsmasq" grep -qx 'vm1,\[fd78::2\]' /var/lib/libvirt/dnsmasq/web.hostsfile
check "show lists vm1's IPv6 reservation" sh -c "'$VNETCTL' show web | grep -q '$mac fd78::2 (domain vm1'"
check "show --json has it as address6" test \
	"$("$VNETCTL" --json show web | jq -r --arg m "$mac" '.guests[] | select(.mac == $m) | .address6')" = fd78::2
check "show: [::]:8443:443 goes to fd78::2, vm1" sh -c \
	"'$VNETCTL' show web | grep -q '\[::\]:8443:443/tcp goes to fd78::2 (guest vm1'"
check "[::]:8443:443 has an element to fd78::2" \
	sh -c "nft list map inet vnetctl fwd6 | grep -q 'tcp . 8443 comment \"web\" : fd78::2 . 443'"
check "the guard binds fd78::2 to vm1's MAC" sh -c "nft list set bridge vnetctl bound6 | grep -q 'fd78::2 . $mac'"

# ---- an address reserved already is refused too
refused "an IPv6 --ip reserved already" "fd78::2" attach web vm2 --ip fd78::2

# ---- a real guest: vm1's MAC, addresses from libvirt's dnsmasq alone
add_guest g1 vn-web -
ip -n g1 link set "$VNET_GUEST_DEV" down
ip -n g1 link set "$VNET_GUEST_DEV" address "$mac"
ip -n g1 link set "$VNET_GUEST_DEV" up
check "udhcpc in the guest gets a lease" dhcp_lease g1 "$VNET_GUEST_DEV" route
check "its IPv4 lease is the default guest address" test "$(cat "$VNET_SCRATCH/g1.lease" 2>/dev/null)" = 10.78.0.2
check "dhclient -6 in the guest, host name vm1, gets a lease" dhcp6_lease g1 "$VNET_GUEST_DEV" vm1 LL ||
	diag "$(cat "$VNET_SCRATCH/dhclient6.g1.log")"
check "its DHCPv6 lease is fd78::2" test "$(cat "$VNET_SCRATCH/g1.lease6" 2>/dev/null)" = fd78::2
check "the guest has fd78::2 and no other global IPv6 address" test \
	"$(ip -n g1 -6 -o addr show dev "$VNET_GUEST_DEV" scope global | awk '{print $4}')" = fd78::2/64
ip -n g1 -6 route replace default via fd78::1 dev "$VNET_GUEST_DEV"
start_http g1 443 "vm1 port 443"
expect_http lan "http://[2001:db8::1]:8443/" "vm1 port 443" 15
expect_http - "http://[2001:db8::1]:8443/" "vm1 port 443"
expect_no_http lan http://192.0.2.1:8443/

# ---- another guest that takes fd78::2 gets nothing through the guard
add_guest g9 vn-web -
spy=$VNET_GUEST_PORT spymac=$(link_mac g9 "$VNET_GUEST_DEV")
check "restore guards g9's port" sh -c "'$VNETCTL' -q restore && nft list set bridge vnetctl guard_port | grep -q '\"$spy\"'"
ip -n g9 -6 addr add fd78::2/128 dev "$VNET_GUEST_DEV" nodad
before=$(guard_drops "$spy" "$spymac")
check_not "g9 reaches nothing from fd78::2" in_ns g9 busybox ping6 -c 2 -W 1 -I fd78::2 fd78::1
check "its packets from fd78::2 were dropped and counted" test $(($(guard_drops "$spy" "$spymac") - before)) -ge 2
ip netns del g9

# ---- an IPv6 --ip is reserved instead of ::2; vm2 gets no IPv4 default (vm1 has it)
check "attach web vm2 --ip fd78::50" vnetctl attach web vm2 --ip fd78::50
check "fd78::50 is reserved to the name vm2" test "$(host6 web vm2)" = fd78::50
check "and bound to vm2's MAC" sh -c "nft list set bridge vnetctl bound6 | grep -q 'fd78::50 . $(nic_mac vm2 web)'"
check "vm2's NIC has no IPv4 reservation" sh -c \
	"! virsh net-dumpxml web | grep -q \"<host mac='$(nic_mac vm2 web)'\""
check "detach web vm2" vnetctl detach web vm2
check "vm2's IPv6 reservation is gone" test -z "$(host6 web vm2)$(host6 web vm2 --inactive)"
check "and unbound" sh -c "! nft list set bridge vnetctl bound6 | grep -q 'fd78::50'"

# ---- a forward add redefines the network: the IPv6 reservation stays
check "forward add web 8081:10.78.0.2:80" vnetctl forward add web 8081:10.78.0.2:80
check "fd78::2 is still reserved to vm1 in the new definition" test "$(host6 web vm1 --inactive)" = fd78::2

# ---- detach: both reservations go; the same name now gets a range address
check "detach web vm1" vnetctl detach web vm1
check "fd78::2 is unbound" sh -c "! nft list set bridge vnetctl bound6 | grep -q 'fd78::2 '"
check "vm1's IPv6 reservation is gone, live and persistent" test -z "$(host6 web vm1)$(host6 web vm1 --inactive)"
check "and from dnsmasq" sh -c "! grep -q 'fd78::2' /var/lib/libvirt/dnsmasq/web.hostsfile"
check "show lists no IPv6 reservation" sh -c "! '$VNETCTL' show web | grep -q 'fd78::2 (domain'"
ip -n g1 -6 addr flush dev "$VNET_GUEST_DEV" scope global
check "dhclient -6 with a new DUID, host name vm1, gets a lease" dhcp6_lease g1 "$VNET_GUEST_DEV" vm1 LLT ||
	diag "$(cat "$VNET_SCRATCH/dhclient6.g1.log")"
lease6=$(cat "$VNET_SCRATCH/g1.lease6" 2>/dev/null || true)
check "its lease ($lease6) is of the range, not fd78::2" \
	bash -c '[[ $1 =~ ^fd78::([0-9a-f]{1,4})$ ]] && [ $((16#${BASH_REMATCH[1]})) -ge 3 ]' _ "$lease6"

ip link del "$VNET_GUEST_PORT" 2>/dev/null || true
check "delete web" vnetctl delete web
