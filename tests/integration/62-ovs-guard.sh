#!/bin/bash
# 62-ovs-guard: `--guard strict` on a `--mode bridged --switch ovs` network:
# the guard as OpenFlow flows on the OVS bridge (Open vSwitch's frames never
# pass table bridge vnetctl).  A LAN switch (a second OVS bridge) has a
# VLAN 10 client behind the uplink; guests are access ports tag=10 of the
# network's bridge carrying the MACs that `attach --vlan 10 --ip` recorded.
# With the flows deleted, a rogue DHCP server in guest 1 reaches the LAN
# client; with them, it does not, and the drops are counted.  Guest 1's
# gratuitous ARP for guest 2's address leaves the client's neighbour entry
# alone; under strict, guest 1 gets nothing through from an address not its
# own.  `show` (and --json) counts the drops on guest 1's port as ovs-ofctl
# does.  Delete leaves no flow of vnetctl's.  The offload and IPv6
# workarounds live here, not in vnetctl.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
sandbox_enter "$@"
. "$(dirname "$0")/vnet.sh"
. "$(dirname "$0")/ovs.sh"
require_cmd virsh libvirtd ovsdb-server ovs-vswitchd ovsdb-tool ovs-vsctl ovs-ofctl ethtool ip busybox python3
install_hook
sandbox_start_libvirtd
start_ovs

neigh_mac() { # NS ADDR
	ip -n "$1" neigh show "$2" dev eth0 | awk '{ for (i = 1; i < NF; i++) if ($i == "lladdr") print $(i + 1) }'
}
# The packets the guard's drop flows (no actions) counted on OVS port PORT of ovsbr0.
of_drops() { # PORT
	local n
	n=$(ovs-vsctl get Interface "$1" ofport)
	ovs-ofctl -O OpenFlow13 dump-flows ovsbr0 "in_port=$n" | grep 'actions=drop' |
		sed -n 's/.*n_packets=\([0-9]*\).*/\1/p' | awk '{ s += $1 } END { print s + 0 }'
}
n_flows() { ovs-ofctl -O OpenFlow13 dump-flows ovsbr0 | grep -c 'cookie=0x766e6574' || true; }

# ---- the LAN: a switch whose VLAN 10 access port has the client; up0 is its trunk ----
ovs-vsctl --timeout=10 add-br lansw -- set Bridge lansw datapath_type=netdev
ip link add up0 type veth peer name lanup
quiet_veth up0; quiet_veth lanup
ip link set up0 up; ip link set lanup up
ovs-vsctl --timeout=10 add-port lansw lanup
ip addr add 192.0.2.1/24 dev up0
plug client lansw clientp - tag=10
ip -n client addr add 10.9.0.10/24 dev eth0

check "create v --guard strict on Open vSwitch" vnetctl -q create v --mode bridged --switch ovs --bridge ovsbr0 \
	--uplink up0 --vlan 10 --guard strict --no-confirm
check "ovs-vswitchd made the management socket" test -S "$OVS_RUNDIR/ovsbr0.mgmt"
check "the guard wrote flows for no guest port yet: none" test "$(n_flows)" -eq 0

# ---- guests: access ports tag=10, then the addresses attach records, then their MACs ----
plug g1 ovsbr0 vp-g1 - tag=10
plug g2 ovsbr0 vp-g2 - tag=10
define_domain d1
define_domain d2
check "attach v d1 --vlan 10 --ip 10.9.0.101" vnetctl -q attach v d1 --vlan 10 --ip 10.9.0.101
m1=$(nic_mac d1 v)
ip -n g1 link set eth0 down; ip -n g1 link set eth0 address "$m1"; ip -n g1 link set eth0 up
ip -n g1 addr add 10.9.0.101/24 dev eth0
check "the guard's flows are on ovsbr0, with the network's cookie" test "$(n_flows)" -gt 0
check "g1 reaches the LAN client from its own address" in_ns g1 busybox ping -c 1 -W 2 10.9.0.10

# ---- rogue DHCP: first with the flows deleted (the attack works), then guarded ----
cat >"$VNET_SCRATCH/udhcpd.conf" <<-EOF
	start 10.9.0.200
	end 10.9.0.210
	interface eth0
	lease_file $VNET_SCRATCH/udhcpd.leases
	option router 10.9.0.101
	option subnet 255.255.255.0
EOF
: >"$VNET_SCRATCH/udhcpd.leases"
in_ns g1 busybox udhcpd -f -a 50 "$VNET_SCRATCH/udhcpd.conf" >"$VNET_SCRATCH/udhcpd.log" 2>&1 &
udhcpd_pid=$!
sleep 0.5
ovs-ofctl -O OpenFlow13 del-flows ovsbr0 "cookie=$(printf '0x766e6574%08x' 0)/0xffffffff00000000"
check "the flows deleted" test "$(n_flows)" -eq 0
src=$(dhcp_sources client)
diag "unguarded: DHCP replies heard from: $src"
check "unguarded: the rogue server in g1 reaches the LAN client" grep -qwF 10.9.0.101 <<<"$src"

check "attach v d2 --vlan 10 --ip 10.9.0.102 (the guard's flows written again)" \
	vnetctl -q attach v d2 --vlan 10 --ip 10.9.0.102
m2=$(nic_mac d2 v)
ip -n g2 link set eth0 down; ip -n g2 link set eth0 address "$m2"; ip -n g2 link set eth0 up
ip -n g2 addr add 10.9.0.102/24 dev eth0
check "the flows are back" test "$(n_flows)" -gt 0
before=$(of_drops vp-g1)
src=$(dhcp_sources client)
diag "guarded: DHCP replies heard from: $src"
check_not "guarded: no reply of the rogue server reaches the client" grep -qwF 10.9.0.101 <<<"$src"
sleep 1.5
after=$(of_drops vp-g1)
check "g1's DHCP replies were dropped and counted ($before -> $after)" test "$after" -gt "$before"
kill "$udhcpd_pid" 2>/dev/null || true
wait "$udhcpd_pid" 2>/dev/null || true

# ---- gratuitous ARP for g2's address ----
check "the client reaches g2" in_ns client busybox ping -c 1 -W 2 10.9.0.102
sleep 1.2	# past the neighbour table's locktime
before=$(of_drops vp-g1)
garp g1 eth0 10.9.0.102 3
sleep 1.5	# ovs-vswitchd's revalidators bring the datapath's counts to the flows
after=$(of_drops vp-g1)
check "the client still sees g2's address at g2's MAC" test "$(neigh_mac client 10.9.0.102)" = "$m2"
check "g1's 3 ARP packets were dropped and counted ($before -> $after)" test $((after - before)) -ge 3

# ---- strict: g1 gets nothing through from an address not its own ----
ip -n g1 addr add 10.9.0.150/24 dev eth0
ip -n g1 neigh flush dev eth0
before=$(of_drops vp-g1)
check_not "strict: nothing from g1's unbound address" in_ns g1 busybox ping -c 2 -W 1 -I 10.9.0.150 10.9.0.10
sleep 1.5
after=$(of_drops vp-g1)
check "strict: those packets were dropped and counted" test $((after - before)) -ge 2
check "g1 still reaches the client from its own address" in_ns g1 busybox ping -c 1 -W 2 -I 10.9.0.101 10.9.0.10

# ---- show's drop counters are ovs-ofctl's ----
# show's figure for PORT: text (FORM=text) or --json.
show_drops() { # PORT FORM
	if [ "$2" = json ]; then
		vnetctl --json show v | python3 -c 'import json, sys
print(sum(int(d["packets"]) for d in json.load(sys.stdin)["dropped"] if d["port"] == sys.argv[1]))' "$1"
	else
		vnetctl show v | sed -n "s/.*port $1: \([0-9]*\) frames\{0,1\} dropped.*/\1/p"
	fi
}
# Equal when no packet came between the reads (a straggling ARP retry may): tried a few times.
same_drops() { # PORT FORM
	local a b s
	for _ in 1 2 3 4 5; do
		a=$(of_drops "$1"); s=$(show_drops "$1" "$2"); b=$(of_drops "$1")
		diag "$1 ($2): ovs-ofctl $a, show $s, ovs-ofctl $b"
		[ "$a" = "$b" ] && [ "$s" = "$a" ] && return 0
		sleep 1
	done
	return 1
}
check "show counts g1's drops as ovs-ofctl does" same_drops vp-g1 text
check "show --json counts g1's drops as ovs-ofctl does" same_drops vp-g1 json
no_mac() {
	vnetctl --json show v | python3 -c 'import json, sys
d = json.load(sys.stdin)["dropped"]
sys.exit(not d or any(x["mac"] for x in d))'
}
check "show names no MAC for an OVS port's drops" no_mac

# ---- strict, IPv6: g3's bound address and link-local get through, nothing else ----
plug g3 ovsbr0 vp-g3 - tag=10
define_domain d3
check "attach v d3 --vlan 10 --ip 2001:db8:9::103" vnetctl -q attach v d3 --vlan 10 --ip 2001:db8:9::103
m3=$(nic_mac d3 v)
ip -n g3 link set eth0 down; ip -n g3 link set eth0 address "$m3"
for ns in g3 client; do in_ns "$ns" sysctl -qw net.ipv6.conf.eth0.disable_ipv6=0; done
ip -n g3 link set eth0 up
ip -n g3 addr add 2001:db8:9::103/64 dev eth0 nodad
ip -n g3 addr add 2001:db8:9::150/64 dev eth0 nodad
ip -n client addr add 2001:db8:9::10/64 dev eth0 nodad
check "strict: g3 reaches the client from its own IPv6 address (neighbour discovery through)" \
	wait_for 10 in_ns g3 busybox ping6 -c 1 -W 1 -I 2001:db8:9::103 2001:db8:9::10
ip -n g3 neigh flush dev eth0
before=$(of_drops vp-g3)
check_not "strict: nothing from g3's unbound IPv6 address" in_ns g3 busybox ping6 -c 2 -W 1 -I 2001:db8:9::150 2001:db8:9::10
sleep 1.5
after=$(of_drops vp-g3)
check "strict: those IPv6 packets were dropped and counted ($before -> $after)" test $((after - before)) -ge 2
check "g3 still reaches the client from its own IPv6 address" in_ns g3 busybox ping6 -c 1 -W 2 -I 2001:db8:9::103 2001:db8:9::10

# ---- detach and delete take the flows away ----
check "detach v d3" vnetctl -q detach v d3
check "detach v d1" vnetctl -q detach v d1
check "detach v d2" vnetctl -q detach v d2
check "delete v" vnetctl -q delete v
check "no OVS bridge ovsbr0 left" sh -c "! ovs-vsctl br-exists ovsbr0"
