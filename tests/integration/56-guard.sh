#!/bin/bash
# 56-guard: guest port security (table bridge vnetctl) with real traffic.
# A guest is a namespace whose veth carries the MAC of a domain's NIC that
# `vnetctl attach` reserved an address for.  guard_port holds the ports a
# guarded bridge has when its elements are (re-)read: the veths are made
# first, then `vnetctl restore` reads the bridge's ports from sysfs and puts
# them in the guard, as the qemu hook's "started" does for a domain's tap.
# For each of --guard off, on, strict, on a NAT network:
#   - guest A runs a DHCP server (busybox udhcpd): a DHCP client on the
#     network hears its offers only unguarded, libvirt's dnsmasq always;
#   - guest A sends gratuitous ARP (a raw sender) for the gateway and
#     for guest B's reserved address: guest B's neighbour entry of the
#     gateway and the host's of B are unchanged when guarded, A's MAC
#     when not (the attack works, so the test can fail);
#   - guest A sends from B's reserved address and from an unreserved one:
#     nothing of the first gets through when guarded, of the second only
#     under strict; from its own address everything does;
#   - the drop counters of A's port and MAC grow by exactly the ARP packets
#     sent, and none are counted unguarded; `vnetctl show` (text and
#     --json) reports them as the kernel counts them.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
sandbox_enter "$@"
. "$(dirname "$0")/vnet.sh"
require_cmd virsh libvirtd dnsmasq nft ip jq busybox python3 qemu-system-x86_64

reserved_ip() { # NET MAC
	virsh net-dumpxml "$1" | sed -n "s/.*<host mac='$2'[^>]* ip='\([0-9.]*\)'.*/\1/p"
}

neigh_mac() { # NS ADDR DEV ("-" NS: the sandbox root)
	if [ "$1" = - ]; then ip neigh show "$2" dev "$3"; else ip -n "$1" neigh show "$2" dev "$3"; fi |
		awk '{ for (i = 1; i < NF; i++) if ($i == "lladdr") print $(i + 1) }'
}

install_hook
sandbox_start_libvirtd
define_domain da
define_domain db

i=0
for mode in off on strict; do
	i=$((i + 1))
	net=g$mode
	sub=10.7$i.0
	gw=$sub.1
	diag "===== --guard $mode on $net ($sub.0/24)"
	check "create $net --guard $mode" vnetctl -q create "$net" --mode nat --subnet "$sub.0/24" --guard "$mode"
	br=$(virsh net-info "$net" | awk '/^Bridge:/ {print $2}')
	brmac=$(cat "/sys/class/net/$br/address")
	check "attach $net da" vnetctl -q attach "$net" da
	check "attach $net db --ip $sub.20" vnetctl -q attach "$net" db --ip "$sub.20"
	amac=$(nic_mac da "$net") bmac=$(nic_mac db "$net")
	aip=$(reserved_ip "$net" "$amac") bip=$(reserved_ip "$net" "$bmac")
	diag "da $amac $aip, db $bmac $bip"
	check "both got reservations" test -n "$aip" -a -n "$bip"
	if [ "$mode" = off ]; then
		check "unguarded: attach binds nothing" sh -c "! nft list set bridge vnetctl bound4 | grep -qwF '$bip'"
	else
		# no port yet (no domain runs): the binding comes with attach itself
		check "attach bound B's reservation to B's MAC at once" \
			sh -c "nft list set bridge vnetctl bound4 | grep -q '$bip . $bmac'"
	fi

	for g in a b; do
		ns=${g}$i mac=${g}mac ip=${g}ip
		add_guest "$ns" "$br"
		ip -n "$ns" link set "$VNET_GUEST_DEV" down
		ip -n "$ns" link set "$VNET_GUEST_DEV" address "${!mac}"
		ip -n "$ns" link set "$VNET_GUEST_DEV" up
		guest_add_addr "$ns" "${!ip}/24" "$gw"
		eval "${g}port=$VNET_GUEST_PORT"
	done
	add_guest "c$i" "$br"
	sleep 2	# STP: new ports learn before they forward
	check "restore puts the ports in the guard" vnetctl -q restore
	if [ "$mode" = off ]; then
		check "no port of $net is guarded" sh -c "! nft list set bridge vnetctl guard_port | grep -q '\"$aport\"'"
	else
		check "A's port is guarded" sh -c "nft list set bridge vnetctl guard_port | grep -q '\"$aport\"'"
		check "B's address is bound to B's MAC" sh -c "nft list set bridge vnetctl bound4 | grep -q '$bip . $bmac'"
		nft flush set bridge vnetctl bound4
		check "restore after the bindings were flushed" vnetctl -q restore
		check "restore rebuilt B's binding" sh -c "nft list set bridge vnetctl bound4 | grep -q '$bip . $bmac'"
	fi
	check "A reaches the gateway from its own address" in_ns "a$i" busybox ping -c 1 -W 2 "$gw"

	# ---- rogue DHCP ----
	cat >"$VNET_SCRATCH/udhcpd.conf" <<-EOF
		start $sub.200
		end $sub.210
		interface eth0
		lease_file $VNET_SCRATCH/udhcpd.leases
		option router $aip
		option subnet 255.255.255.0
	EOF
	: >"$VNET_SCRATCH/udhcpd.leases"
	in_ns "a$i" busybox udhcpd -f -a 50 "$VNET_SCRATCH/udhcpd.conf" >"$VNET_SCRATCH/udhcpd.log" 2>&1 &
	udhcpd_pid=$!
	sleep 0.5
	src=$(dhcp_sources "c$i")
	diag "DHCP replies heard from: $src"
	diag "udhcpd: $(tr '\n' ' ' <"$VNET_SCRATCH/udhcpd.log")"
	check "libvirt's dnsmasq still serves the client" grep -qwF "$gw" <<<"$src"
	if [ "$mode" = off ]; then
		check "unguarded: the rogue server in A reaches the client" grep -qwF "$aip" <<<"$src"
	else
		check_not "guarded: no reply of the rogue server in A reaches the client" grep -qwF "$aip" <<<"$src"
		check "A's drops are counted" test "$(guard_drops "$aport" "$amac")" -gt 0
	fi
	kill "$udhcpd_pid" 2>/dev/null || true

	# ---- gratuitous ARP for the gateway and for B ----
	in_ns "b$i" busybox ping -c 1 -W 2 "$gw" >/dev/null || true
	busybox ping -c 1 -W 2 "$bip" >/dev/null || true
	sleep 1.2	# past the neighbour table's locktime
	before=$(guard_drops "$aport" "$amac")
	garp "a$i" eth0 "$gw" 3
	garp "a$i" eth0 "$bip" 3
	sleep 0.3
	after=$(guard_drops "$aport" "$amac")
	gwseen=$(neigh_mac "b$i" "$gw" eth0) bseen=$(neigh_mac - "$bip" "$br")
	diag "B sees the gateway at $gwseen, the host sees B at $bseen; drops $before -> $after"
	if [ "$mode" = off ]; then
		check "unguarded: B's entry of the gateway now points at A" test "$gwseen" = "$amac"
		check "unguarded: the host's entry of B now points at A" test "$bseen" = "$amac"
		check "unguarded: nothing counted" test "$after" -eq 0
	else
		check "guarded: B still sees the gateway at the bridge's MAC" test "$gwseen" = "$brmac"
		check "guarded: the host still sees B at B's MAC" test "$bseen" = "$bmac"
		check "the counter grew by the 6 ARP packets A sent" test $((after - before)) -eq 6
	fi
	# What the spoofing left behind must not spoil the next checks: A's own
	# cache learns the gateway at A's MAC from its gratuitous ARP (an
	# unguarded A then sends its pings to itself, which is what check 13
	# tripped over), B's and the host's from it as the attack meant.
	ip -n "a$i" neigh flush dev eth0
	ip -n "b$i" neigh flush dev eth0
	ip neigh flush dev "$br"

	# ---- A sends from B's reserved address, and from an unreserved one ----
	ip -n "a$i" addr add "$bip/32" dev eth0
	ip -n "a$i" addr add "$sub.150/32" dev eth0
	# B away, so that the host's replies to B's address can only find A
	ip -n "b$i" link set eth0 down
	before=$(guard_drops "$aport" "$amac")
	if [ "$mode" = off ]; then
		check "unguarded: A gets through from B's address" in_ns "a$i" busybox ping -c 3 -W 3 -I "$bip" "$gw"
	else
		check_not "guarded: nothing gets through from B's address" in_ns "a$i" busybox ping -c 2 -W 1 -I "$bip" "$gw"
	fi
	after=$(guard_drops "$aport" "$amac")
	diag "drops while A sent from B's address: $before -> $after"
	if [ "$mode" = off ]; then
		check "unguarded: nothing counted" test "$after" -eq 0
	else
		# the guard, not a broken path, stopped them: A's ARP requests (sent
		# from B's address) and its pings were each dropped and counted
		check "guarded: A's packets from B's address were dropped and counted" test $((after - before)) -ge 2
		# A's cache may still be resolving the gateway with B's address as the ARP sender
		ip -n "a$i" neigh flush dev eth0
		check "A still reaches the gateway from its own address" in_ns "a$i" busybox ping -c 1 -W 2 -I "$aip" "$gw"
	fi
	if [ "$mode" = strict ]; then
		before=$after
		ip -n "a$i" neigh flush dev eth0
		check_not "strict: nothing gets through from an unreserved address" in_ns "a$i" busybox ping -c 2 -W 1 -I "$sub.150" "$gw"
		after=$(guard_drops "$aport" "$amac")
		check "strict: A's packets from the unreserved address were dropped and counted" test $((after - before)) -ge 2
	else
		check "$mode: an unreserved address gets through" in_ns "a$i" busybox ping -c 1 -W 2 -I "$sub.150" "$gw"
	fi
	ip -n "a$i" neigh flush dev eth0
	check "A still reaches the gateway from its own address" in_ns "a$i" busybox ping -c 1 -W 2 -I "$aip" "$gw"
	ip -n "a$i" addr del "$bip/32" dev eth0
	ip -n "b$i" link set eth0 up
	ip neigh flush dev "$br"
	sleep 2	# STP again
	check "B reaches the gateway" in_ns "b$i" busybox ping -c 1 -W 2 "$gw"

	# ---- show: the counters as the kernel has them ----
	n=$(guard_drops "$aport" "$amac")
	shown=$(vnetctl --json show "$net" | jq -r --arg m "$amac" --arg p "$aport" \
		'[.dropped[] | select(.mac == $m and .port == $p) | .packets | tonumber] | add // 0')
	check "show --json has A's drop counter as the kernel counts it ($n)" test "$shown" -eq "$n"
	text=$(vnetctl show "$net")
	if [ "$mode" = off ]; then
		check_not "unguarded: show prints no drops" grep -q 'guard dropped:' <<<"$text"
	else
		check "show prints A's drops" grep -qF "$amac on port $aport: $n frames dropped" <<<"$text"
		check "show prints none for B" sh -c "! grep -F 'guard dropped:' | grep -qF '$bmac'" <<<"$text"
	fi

	check "detach $net da" vnetctl -q detach "$net" da
	check "detach $net db" vnetctl -q detach "$net" db
	check "detach unbound B's address" sh -c "! nft list set bridge vnetctl bound4 | grep -qwF '$bip'" ||
		diag "$(nft list set bridge vnetctl bound4)" "$(tail -n 12 /run/vnet-sandbox/hook.log)" \
			"$(cat /var/lib/libvirt/dnsmasq/*.status 2>/dev/null)"
	check "and no longer reserves it" sh -c "! nft list set bridge vnetctl reserved4 | grep -qwF '$bip'"
	check "delete $net" vnetctl -q delete "$net"
	check "no element of $net is left in table bridge vnetctl" \
		sh -c "! nft list table bridge vnetctl 2>/dev/null | grep -q 'comment \"$net\"'"
done
check "the last delete took table bridge vnetctl too" sh -c '! nft list table bridge vnetctl >/dev/null 2>&1'
