#!/bin/bash
# 57-guard-follow: the guard follows what happens without a vnetctl command
# (issue 13: "reservations and leases feed the binding"; ports that come
# without a hook), and guards a bridged LAN, IPv6 included.
#  - NAT, --guard on: a port plugged by hand while no `vnetctl watch` runs is
#    not guarded (a router advertisement from it configures a listener:
#    the gap is real, so the test can fail); once watch runs it is, and the
#    next RA configures nothing; a NIC hot-plugged into a running domain
#    (virsh attach-interface --live, no hook of libvirt's after its tap
#    exists) joins guard_port with hairpin on, and leaves it with its domain.
#  - A real DHCP lease (busybox udhcpc against libvirt's dnsmasq) binds its
#    address to the guest's MAC: another guest sending from it gets nothing
#    through and is counted, while an address nobody holds passes; the
#    lease's release unbinds it.
#  - Bridged, --guard strict, static LAN addresses (IPv4 and IPv6) recorded
#    by attach: the uplink is never guarded; the guest reaches the LAN from
#    its recorded addresses and nothing else, in both families (counted);
#    its rogue DHCP server reaches no LAN client, whom the LAN's own server
#    still serves.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
sandbox_enter "$@"
. "$(dirname "$0")/vnet.sh"
require_cmd virsh libvirtd dnsmasq nft ip jq busybox python3 bridge qemu-system-x86_64
has_hotplug_machine || skip "this QEMU has no pc-q35-6.0 machine (native PCIe hotplug)"

in_guard() { nft list set bridge vnetctl guard_port | grep -q "\"$1\""; }
bound4() { nft list set bridge vnetctl bound4 | grep -q "$1 . $2"; }
hairpin_on() { bridge -d link show dev "$1" | grep -q "hairpin on"; }

# ra NS DEV PREFIX: one router advertisement from NS on DEV with PREFIX::/64 (SLAAC), lifetime 0.
ra() {
	in_ns "$1" python3 -c '
import socket, struct, sys
dev, prefix = sys.argv[1], socket.inet_pton(socket.AF_INET6, sys.argv[2] + "::")
s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS, 255)
s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, dev.encode())
pio = struct.pack("!BBBBIII", 3, 4, 64, 0xc0, 3600, 1800, 0) + prefix
s.sendto(struct.pack("!BBHBBHII", 134, 0, 0, 64, 0, 0, 0, 0) + pio,
	 ("ff02::1", 0, 0, socket.if_nametoindex(dev)))
' "$2" "$3"
}
has_prefix() { ip -n "$1" -6 addr show dev eth0 | grep -q "inet6 $2:"; }

install_hook
sandbox_start_libvirtd

# ================= NAT: ports that come without a command =================
vnetctl -q create hp --mode nat --subnet 10.81.0.0/24 --guard on
br=$(virsh net-info hp | awk '/^Bridge:/ {print $2}')
gw=10.81.0.1

add_guest rl "$br"	# the RA listener (accept_ra is on by default)
add_guest g0 "$br"
g0port=$VNET_GUEST_PORT
sleep 2.5	# link-local addresses past DAD, ports past STP learning
check_not "without watch, a port plugged by hand is not guarded" in_guard "$g0port"
ra g0 eth0 2001:db8:a1
check "unguarded: g0's router advertisement configures the listener" wait_for 5 has_prefix rl 2001:db8:a1

bg_ns - "$VNETCTL" watch
WATCH=$VNET_BG_PID
check "watch guards the port it finds at its start" wait_for 5 in_guard "$g0port"
ra g0 eth0 2001:db8:a2
sleep 2
check_not "guarded: g0's next router advertisement configures nothing" has_prefix rl 2001:db8:a2
check "and it was counted" test "$(guard_drops "$g0port" "$(link_mac g0 eth0)")" -ge 1

# A NIC hot-plugged into a running domain: libvirt's own tap, no hook after it.
define_hotplug_domain dq
if ! virsh -q start dq >/dev/null 2>"$VNET_SCRATCH/start.err"; then
	diag "$(cat "$VNET_SCRATCH/start.err")"
	bail "qemu cannot run the test domain in the sandbox"
fi
virsh -q attach-interface dq network hp --model virtio --mac 52:54:00:57:00:01 --live >/dev/null
tap=$(virsh -q domiflist dq | awk '$5 == "52:54:00:57:00:01" {print $1}')
check "the hot-plugged NIC has its tap ($tap) on $br" test -e "/sys/class/net/$br/brif/$tap"
check "watch puts the hot-plugged tap in the guard" wait_for 5 in_guard "$tap"
check "and sets hairpin on it (a NAT bridge's port)" hairpin_on "$tap"
virsh -q destroy dq >/dev/null
check "gone with its domain, the tap leaves the guard" wait_for 5 sh -c "! nft list set bridge vnetctl guard_port | grep -q '\"$tap\"'"

# ---- a lease binds its address ----
dhcp_guest gl "$br"
lip=$VNET_GUEST_ADDR lmac=$(link_mac gl eth0)
check "gl got a lease ($lip)" grep -qE '^10\.81\.0\.[0-9]+$' <<<"$lip"
check "the lease is bound to gl's MAC within seconds" wait_for 5 bound4 "$lip" "$lmac"
add_guest gm "$br" 10.81.0.150/24 "$gw"
mport=$VNET_GUEST_PORT mmac=$(link_mac gm eth0)
check "watch guards gm's port" wait_for 5 in_guard "$mport"
sleep 2	# STP
check "gm reaches the gateway from an address nobody holds" in_ns gm busybox ping -c 1 -W 2 "$gw"
ip -n gm addr add "$lip/32" dev eth0
ip -n gm neigh flush dev eth0
before=$(guard_drops "$mport" "$mmac")
check_not "gm gets nothing through from gl's leased address" in_ns gm busybox ping -c 2 -W 1 -I "$lip" "$gw"
check "its packets were dropped and counted" test $(($(guard_drops "$mport" "$mmac") - before)) -ge 2
check "gl still reaches the gateway from its lease" in_ns gl busybox ping -c 1 -W 2 "$gw"
# gl's client ends, and with -R sends a release: the binding goes.
for pid in $(ip netns pids gl); do kill "$pid" 2>/dev/null || :; done
check "the released lease is unbound" wait_for 10 sh -c "! nft list set bridge vnetctl bound4 | grep -q '$lip . $lmac'"
ip -n gm neigh flush dev eth0
ip neigh flush dev "$br"
check "then gm gets through from that address" in_ns gm busybox ping -c 2 -W 2 -I "$lip" "$gw"
check "delete hp" vnetctl -q delete hp

# ================= bridged, --guard strict, static LAN addresses =================
add_outside lan 192.0.2.1/24 192.0.2.10/24
ip -6 addr add 2001:db8:7::1/64 dev out-lan nodad
ip -n lan -6 addr add 2001:db8:7::10/64 dev eth0 nodad
check "create lan (bridged, --guard strict)" \
	vnetctl -q create lan --mode bridged --bridge br-lan --uplink out-lan --no-confirm --guard strict
define_domain dv
check "attach lan dv --ip 192.0.2.50" vnetctl -q attach lan dv --ip 192.0.2.50
check "attach lan dv --ip 2001:db8:7::50 (its IPv6 address)" vnetctl -q attach lan dv --ip 2001:db8:7::50
vmac=$(nic_mac dv lan)
check "dv's IPv6 address is bound to its MAC" \
	sh -c "nft list set bridge vnetctl bound6 | grep -q '2001:db8:7::50 . $vmac'"
add_guest gv br-lan
vport=$VNET_GUEST_PORT
ip -n gv link set eth0 down
ip -n gv link set eth0 address "$vmac"
ip -n gv link set eth0 up
guest_add_addr gv 192.0.2.50/24
guest_add_addr gv 2001:db8:7::50/64
add_guest gc br-lan	# a LAN client on the bridge
check "watch guards dv's port on the LAN bridge" wait_for 5 in_guard "$vport"
check_not "the uplink is never guarded" in_guard out-lan
sleep 2.5	# STP, DAD
check "dv reaches the LAN host from its IPv4 address" in_ns gv busybox ping -c 1 -W 2 192.0.2.10
check "dv reaches the LAN host from its IPv6 address" in_ns gv busybox ping6 -c 1 -W 2 2001:db8:7::10
ip -n gv addr add 192.0.2.77/32 dev eth0
ip -n gv -6 addr add 2001:db8:7::77/128 dev eth0 nodad
before=$(guard_drops "$vport" "$vmac")
check_not "strict: nothing gets through from an unrecorded IPv4 address" \
	in_ns gv busybox ping -c 2 -W 1 -I 192.0.2.77 192.0.2.10
mid=$(guard_drops "$vport" "$vmac")
check "and it was counted" test $((mid - before)) -ge 2
check_not "strict: nothing gets through from an unrecorded IPv6 address" \
	in_ns gv busybox ping6 -c 2 -W 1 -I 2001:db8:7::77 2001:db8:7::10
check "and it was counted" test $(($(guard_drops "$vport" "$vmac") - mid)) -ge 2
ip -n lan addr add 192.0.2.99/32 dev eth0
check "a LAN host behind the uplink sends from any address (not a guest)" \
	in_ns lan busybox ping -c 1 -W 2 -I 192.0.2.99 192.0.2.1

# the LAN's own DHCP server behind the uplink, and a rogue one in dv
mkdir -p "$VNET_SCRATCH/dhcp"
for who in lan gv; do
	case $who in lan) r=192.0.2.200 e=192.0.2.209 ;; gv) r=192.0.2.210 e=192.0.2.219 ;; esac
	cat >"$VNET_SCRATCH/dhcp/$who.conf" <<-EOF
		start $r
		end $e
		interface eth0
		lease_file $VNET_SCRATCH/dhcp/$who.leases
		option subnet 255.255.255.0
	EOF
	: >"$VNET_SCRATCH/dhcp/$who.leases"
	bg_ns "$who" busybox udhcpd -f "$VNET_SCRATCH/dhcp/$who.conf"
done
sleep 0.5
before=$(guard_drops "$vport" "$vmac")
src=$(dhcp_sources gc)
diag "DHCP replies heard from: $src"
check "the LAN's own server serves the client" grep -qwF 192.0.2.10 <<<"$src"
check_not "no reply of the rogue server in dv reaches the client" grep -qwF 192.0.2.50 <<<"$src"
check "the rogue server's replies were counted" test $(($(guard_drops "$vport" "$vmac") - before)) -ge 1

check "detach lan dv" vnetctl -q detach lan dv
check "detach unbound dv's addresses" \
	sh -c "! nft list table bridge vnetctl | grep -qE '192.0.2.50|2001:db8:7::50'"
check "delete lan" vnetctl -q delete lan
check "watch is still running" kill -0 "$WATCH"
check "no table bridge vnetctl is left" sh -c '! nft list table bridge vnetctl >/dev/null 2>&1'
