# shellcheck shell=bash
# tests/integration/vnet.sh - helpers for tests that drive vnetctl itself.
# Source after lib.sh and sandbox_enter.

VNETCTL=${VNETCTL:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/vnetctl}
[ -x "$VNETCTL" ] || VNETCTL=${top_builddir:-/tmp/b}/vnetctl

# install_hook: libvirt's network hook, as `make install` would put it,
# pointing at the vnetctl under test.  Call before sandbox_start_libvirtd:
# libvirtd looks for hooks when it starts.
install_hook() {
	mkdir -p /etc/libvirt/hooks/network.d
	cat >/etc/libvirt/hooks/network.d/vnetctl <<-HOOK
		#!/bin/sh
		echo "\$(date +%T.%N) \$*" >>/run/vnet-sandbox/hook.log
		G_DEBUG=fatal-criticals exec "$VNETCTL" hook "\$@" 2>>/run/vnet-sandbox/hook.log
	HOOK
	chmod 755 /etc/libvirt/hooks/network.d/vnetctl
}

# install_qemu_hook: libvirt's qemu hook, as installed, pointing at the
# vnetctl under test; it logs each call to $VNET_SCRATCH/qemu-hook.log.
# Call before sandbox_start_libvirtd.
install_qemu_hook() {
	local src
	src=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/data/vnetctl-qemu-hook.in
	mkdir -p /etc/libvirt/hooks/qemu.d
	sed -e "s|@sbindir@/vnetctl|$VNETCTL|g" -e 's|@libvirthookdir@|/etc/libvirt/hooks/network.d|g' \
		"$src" >"$VNET_SCRATCH/qemu-hook"
	chmod 755 "$VNET_SCRATCH/qemu-hook"
	cat >/etc/libvirt/hooks/qemu.d/vnetctl <<-HOOK
		#!/bin/sh
		echo "\$(date +%T.%N) \$*" >>$VNET_SCRATCH/qemu-hook.log
		exec $VNET_SCRATCH/qemu-hook "\$@"
	HOOK
	chmod 755 /etc/libvirt/hooks/qemu.d/vnetctl
}

# define_domain NAME: a diskless TCG domain, defined, never started (a test
# may define its own instead).
define_domain() {
	cat >"$VNET_SCRATCH/$1.xml" <<-EOF
		<domain type='qemu'>
		  <name>$1</name>
		  <memory unit='MiB'>64</memory>
		  <os><type arch='x86_64'>hvm</type></os>
		  <devices><emulator>$(command -v qemu-system-x86_64)</emulator></devices>
		</domain>
	EOF
	virsh -q define "$VNET_SCRATCH/$1.xml" >/dev/null
}

# define_hotplug_domain NAME: a diskless TCG guest with room for hot-plugged NICs
# (q35's PCIe root ports; check has_hotplug_machine first).
define_hotplug_domain() {
	cat >"$VNET_SCRATCH/$1.xml" <<-EOF
		<domain type='qemu'>
		  <name>$1</name>
		  <memory unit='MiB'>64</memory>
		  <vcpu>1</vcpu>
		  <os><type arch='x86_64' machine='pc-q35-6.0'>hvm</type></os>
		  <features><acpi/></features>
		  <on_crash>destroy</on_crash>
		  <devices>
		    <emulator>$(command -v qemu-system-x86_64)</emulator>
		    <controller type='pci' model='pcie-root'/>
		    <controller type='pci' model='pcie-root-port'/>
		    <controller type='pci' model='pcie-root-port'/>
		    <controller type='pci' model='pcie-root-port'/>
		    <controller type='pci' model='pcie-root-port'/>
		    <memballoon model='none'/>
		  </devices>
		</domain>
	EOF
	virsh -q define "$VNET_SCRATCH/$1.xml" >/dev/null
}

# has_hotplug_machine: this QEMU has the machine define_hotplug_domain uses.
has_hotplug_machine() {
	qemu-system-x86_64 -machine help | grep -q '^pc-q35-6\.0 '
}

# nic_mac DOM NET: the MAC of DOM's NIC on NET (persistent definition).
nic_mac() {
	virsh -q domiflist "$1" --inactive | awk -v net="$2" '$3 == net { print $5; exit }'
}

# link_mac NS DEV: the MAC of DEV in namespace NS.
link_mac() {
	ip -n "$1" -o link show "$2" | sed -E 's/.* link\/ether ([0-9a-f:]+).*/\1/'
}

# vnetctl ARGS...: the vnetctl under test.
vnetctl() {
	"$VNETCTL" "$@"
}

# gdb_vnetctl GDB-ARGS... --args "$VNETCTL" ARGS...: gdb on the binary
# behind libtool's wrapper, with the uninstalled library.  No symbol
# server: the sandbox has no network, and gdb must not wait for one.
gdb_vnetctl() {
	local lt
	lt="$(dirname "$VNETCTL")/libtool"
	if [ -x "$lt" ] && grep -q libtool "$VNETCTL" 2>/dev/null; then
		DEBUGINFOD_URLS= "$lt" --mode=execute gdb "$@"
	else
		DEBUGINFOD_URLS= gdb "$@"
	fi
}

# expect_refused DESC EXPECTED_SUBSTRING ARGS...: vnetctl exits 1, says
# EXPECTED_SUBSTRING on stderr, and the host is exactly as before.
expect_refused() {
	local desc=$1 want=$2 out rc=0
	shift 2
	snapshot_host "$VNET_SCRATCH/refused.before"
	out=$("$VNETCTL" "$@" 2>&1 >/dev/null) || rc=$?
	snapshot_host "$VNET_SCRATCH/refused.after"
	check "$desc: exit 1" test "$rc" -eq 1
	check "$desc: message names \"$want\"" grep -qF -- "$want" <<<"$out"
	[ "$rc" -eq 1 ] || diag "output: $out"
	expect_same_snapshot "$VNET_SCRATCH/refused.before" "$VNET_SCRATCH/refused.after" || true
}

# snapshot_all FILE: the host (snapshot_host) plus every domain, defined and live.
snapshot_all() {
	local d
	snapshot_host "$1"
	{
		for d in $(virsh -q list --all --name | sort); do
			echo "=== domain $d"
			virsh dumpxml --inactive "$d"
			virsh dumpxml "$d"
		done
		echo "=== live DHCP hosts"
		for d in $(virsh -q net-list --name | sort); do virsh net-dumpxml "$d" | grep '<host ' || true; done
	} >>"$1"
}

# refused DESC WANT ARGS...: vnetctl ARGS exits 1 naming WANT; nothing changed,
# domains and live network definitions included.
refused() {
	local desc=$1 want=$2 out rc=0
	shift 2
	snapshot_all "$VNET_SCRATCH/refused.before"
	out=$("$VNETCTL" "$@" 2>&1 >/dev/null) || rc=$?
	snapshot_all "$VNET_SCRATCH/refused.after"
	check "$desc: exit 1" test "$rc" -eq 1 || diag "output: $out"
	check "$desc: message names \"$want\"" grep -qF -- "$want" <<<"$out" || diag "output: $out"
	expect_same_snapshot "$VNET_SCRATCH/refused.before" "$VNET_SCRATCH/refused.after" || true
}

# nft_elements: the element lines of our table, for counting.
nft_count_elements() {
	local json i
	# A listing can be interrupted by a concurrent change: ask again.
	for i in 1 2 3; do
		json=$(nft -j list table inet vnetctl 2>/dev/null) && break
		sleep 0.2
	done
	[ -n "$json" ] || { echo 0; return; }
	jq '[.nftables[] | select(.map or .set) | (.map // .set) | (.elem // []) | length] | add // 0' <<<"$json"
}

# A table of another tool (as Docker or firewalld leave one) exists before
# every test that sources this file, and is byte-identical after it.  A test
# that flushes the whole ruleset (as a firewall reload does) puts it back.
add_foreign_table() {
	nft -f - <<-'NFT'
	table ip filter {
		chain input { type filter hook input priority filter; policy accept; tcp dport 9999 counter accept; }
	}
	NFT
}
add_foreign_table
nft list table ip filter | sed -E 's/packets [0-9]+ bytes [0-9]+/packets N bytes N/' >"$VNET_SCRATCH/foreign.before"
test_teardown() {
	nft list table ip filter 2>&1 | sed -E 's/packets [0-9]+ bytes [0-9]+/packets N bytes N/' >"$VNET_SCRATCH/foreign.after"
	check "the foreign table ip filter is byte-identical" cmp "$VNET_SCRATCH/foreign.before" "$VNET_SCRATCH/foreign.after"
}

# kill_at FUNC N ARGS...: vnetctl ARGS stopped at the Nth call of FUNC and
# killed there.  0 if it got there, 1 if the command ended first.
kill_at() {
	local fn=$1 n=$2 out
	shift 2
	out=$(gdb_vnetctl -q -batch -nx -ex 'set breakpoint pending on' -ex 'set confirm off' \
		-ex "break $fn" -ex "ignore 1 $((n - 1))" -ex run -ex kill \
		--args "$VNETCTL" "$@" 2>&1 </dev/null) || true
	printf '%s\n' "$out" >"$VNET_SCRATCH/gdb.$fn.$n.log"
	[ -z "${VNET_GDB_DEBUG:-}" ] || printf "%s\n" "$out" >&2
	grep -q "Breakpoint 1, " <<<"$out"
}

# fwd4_map: our fwd4 map as nft lists it, for a wait that greps it.  Under
# pipefail, `nft list ... | grep -q` fails when grep's early exit kills nft
# with SIGPIPE (exit 141): a wait for an element to go stopped at once.
fwd4_map() { nft list map inet vnetctl fwd4 2>/dev/null || :; }

# dhcp_guest NS BRIDGE [MAC]: a guest namespace on BRIDGE (its veth carrying
# MAC, if given) that gets its IPv4 address from DHCP with busybox udhcpc in
# the background (releasing it when the client ends: -R).  Sets
# VNET_GUEST_ADDR to the address it got within 30 s (empty if none), once
# libvirt's status file of BRIDGE (if it has one) records it, and
# VNET_GUEST_DEV/_PORT as add_guest does.
dhcp_guest() {
	local ns=$1 br=$2 mac=${3:-} addr= i
	if [ ! -x "$VNET_SCRATCH/udhcpc.sh" ]; then
		cat >"$VNET_SCRATCH/udhcpc.sh" <<-'SH'
			#!/bin/sh
			case "$1" in
			bound|renew)
				ip addr flush dev "$interface"
				ip addr add "$ip/${mask:-24}" dev "$interface"
				ip route replace default via "$router" dev "$interface"
				;;
			deconfig)
				ip addr flush dev "$interface"
				;;
			esac
		SH
		chmod +x "$VNET_SCRATCH/udhcpc.sh"
	fi
	add_guest "$ns" "$br" -
	if [ -n "$mac" ]; then
		ip -n "$ns" link set "$VNET_GUEST_DEV" down
		ip -n "$ns" link set "$VNET_GUEST_DEV" address "$mac"
		ip -n "$ns" link set "$VNET_GUEST_DEV" up
	fi
	bg_ns "$ns" busybox udhcpc -f -R -i "$VNET_GUEST_DEV" -s "$VNET_SCRATCH/udhcpc.sh" -x "hostname:$ns" -t 20 -T 1
	for i in $(seq 150); do
		addr=$(in_ns "$ns" ip -o -4 addr show dev "$VNET_GUEST_DEV" | awk '{print $4}' | cut -d/ -f1)
		[ -z "$addr" ] || break
		sleep 0.2
	done
	# dnsmasq runs libvirt's lease helper after its reply, seconds later on
	# a slow machine: what follows a lease (vnetctl watch) starts when the
	# status file holds it, so wait for that, not for the client alone.
	local status=/var/lib/libvirt/dnsmasq/$br.status
	for i in $(seq 75); do
		[ -n "$addr" ] && [ -e "$status" ] && ! grep -q "\"$addr\"" "$status" || break
		sleep 0.2
	done
	VNET_GUEST_ADDR=$addr
}

# guard_drops PORT MAC: the guard's drop counter of that port and source MAC (0 when none).
guard_drops() {
	nft -j list set bridge vnetctl drops 2>/dev/null | jq -r --arg p "$1" --arg m "$2" '
		[.nftables[].set? // empty | .elem[]? | .elem
		 | select(.val.concat == [$p, $m]) | .counter.packets] | add // 0'
}

# garp NS DEV ADDR N: N gratuitous ARP requests from NS claiming ADDR for DEV's MAC (a raw sender:
# arping binds its source address, which a spoofer does not hold).
garp() {
	in_ns "$1" python3 -c '
import socket, sys, time
dev, addr, n = sys.argv[1], socket.inet_aton(sys.argv[2]), int(sys.argv[3])
mac = bytes.fromhex(open("/sys/class/net/%s/address" % dev).read().strip().replace(":", ""))
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((dev, 0))
arp = b"\x00\x01\x08\x00\x06\x04\x00\x01" + mac + addr + b"\x00" * 6 + addr
for _ in range(n):
    s.send(b"\xff" * 6 + mac + b"\x08\x06" + arp)
    time.sleep(0.05)
' "$2" "$3" "$4"
}

# wait_for SECONDS CMD...: CMD succeeds within SECONDS (tried every 0.2 s).
wait_for() {
	local deadline=$((SECONDS + $1))
	shift
	until "$@" >/dev/null 2>&1; do
		[ "$SECONDS" -lt "$deadline" ] || return 1
		sleep 0.2
	done
}

# dhcp_sources NS: the server a DHCP client in NS got its lease from, and
# the source addresses of the broadcast DHCP replies it heard.
dhcp_sources() {
	in_ns "$1" python3 -c '
import socket, select, time, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
s.bind(("0.0.0.0", 68))
open(sys.argv[1], "w").close()
seen = set()
end = time.time() + 6
while time.time() < end:
    r, _, _ = select.select([s], [], [], 0.2)
    if r:
        seen.add(s.recvfrom(2048)[1][0])
print(" ".join(sorted(seen)))
' "$VNET_SCRATCH/listening" >"$VNET_SCRATCH/sources" &
	local pid=$!
	while [ ! -e "$VNET_SCRATCH/listening" ]; do sleep 0.1; done
	rm -f "$VNET_SCRATCH/listening"
	printf '#!/bin/sh\n[ "$1" = bound ] && echo "$serverid" >>%s/servers\nexit 0\n' "$VNET_SCRATCH" >"$VNET_SCRATCH/dhcp-script"
	chmod +x "$VNET_SCRATCH/dhcp-script"
	: >"$VNET_SCRATCH/servers"
	in_ns "$1" busybox udhcpc -i eth0 -B -n -q -t 3 -T 1 -s "$VNET_SCRATCH/dhcp-script" >/dev/null 2>&1 || true
	wait "$pid"
	# the server the lease came from, and what was heard broadcast
	echo "$(cat "$VNET_SCRATCH/servers") $(cat "$VNET_SCRATCH/sources")"
}

# fail_each_apply NET FILE BACK: `apply -f FILE` with a failure injected at
# each of its steps in turn (until one runs to the end, which BACK then
# undoes): after each, libvirt network NET, running and defined, is as it
# was; a restart that fails runs the old definition again, not the new one.
fail_each_apply() {
	local net=$1 file=$2 back=$3 n rc
	{ virsh net-dumpxml "$net"; virsh net-dumpxml --inactive "$net"; } >"$VNET_SCRATCH/apply.before"
	for n in $(seq 1 20); do
		rc=0
		VNET_TEST_FAIL_STEP=$n "$VNETCTL" -q apply -f "$file" 2>/dev/null || rc=$?
		if [ "$rc" -eq 0 ]; then
			check "apply -f $file ran to the end at $((n - 1)) steps" test "$n" -gt 1
			vnetctl -q apply -f "$back"
			return 0
		fi
		check "apply failing at step $n: network $net, running and defined, is as it was" \
			diff -u "$VNET_SCRATCH/apply.before" <(virsh net-dumpxml "$net"; virsh net-dumpxml --inactive "$net")
	done
	fail "apply -f $file: more than 20 steps"
}
