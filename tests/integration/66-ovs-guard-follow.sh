#!/bin/bash
# 66-ovs-guard-follow: the guard of a `--mode bridged --switch ovs` network
# follows ports that join its bridge after the last vnetctl command, as
# libvirt's taps do when a domain starts (under OVS's userspace datapath no
# kernel bridge event says so: only OVSDB does).  With `vnetctl watch`
# running, a port added by hand gets the guard's flows within seconds and
# its rogue DHCP server no longer reaches the LAN client; removing it takes
# its flows away.  Without the watch a new port stays unguarded and doctor
# names it; the watch started again covers it.  Open vSwitch killed and
# started again: the watch reconnects and the flows come back; ovs-vswitchd
# alone killed and started again (no row of OVSDB changes): they come back.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
sandbox_enter "$@"
. "$(dirname "$0")/vnet.sh"
. "$(dirname "$0")/ovs.sh"
require_cmd virsh libvirtd ovsdb-server ovsdb-tool ovs-vswitchd ovs-vsctl ovs-ofctl ethtool ip busybox python3
install_hook
sandbox_start_libvirtd
start_ovs

# The guard's flows (the network's cookie) matching OVS port PORT of ovsbr0 (its ofport OF, if given).
port_flows() { # PORT [OF]
	local of=${2:-$(ovs-vsctl get Interface "$1" ofport)}
	ovs-ofctl -O OpenFlow13 dump-flows ovsbr0 "in_port=$of" 2>/dev/null | grep -c 'cookie=0x766e6574' || true
}
guarded() { test "$(port_flows "$@")" -gt 0; }
unguarded() { test "$(port_flows "$@")" -eq 0; }
start_watch() {
	# libvirt makes it with its first dnsmasq; a bridged network runs none
	mkdir -p /var/lib/libvirt/dnsmasq
	bg_ns - "$VNETCTL" watch
	WATCH=$VNET_BG_PID
}
stop_watch() {
	kill "$WATCH"
	wait "$WATCH" 2>/dev/null || true
}
kill_daemon() { # NAME: as a crash would
	local p
	p=$(cat "$OVS_RUNDIR/$1.pid")
	kill -KILL "$p"
	wait "$p" 2>/dev/null || true
}
start_vswitchd() {
	bg_ns - ovs-vswitchd unix:"$OVS_RUNDIR/db.sock" --pidfile="$OVS_RUNDIR/ovs-vswitchd.pid" \
		--unixctl="$OVS_RUNDIR/ovs-vswitchd.ctl"
	timeout 10 ovs-vsctl --timeout=10 show >/dev/null
}
# The daemons of start_ovs again, on the database they left (as a restart of openvswitch-switch).
restart_ovs() {
	local d p _
	for d in ovs-vswitchd ovsdb-server; do
		p=$(cat "$OVS_RUNDIR/$d.pid")
		kill -KILL "$p"
		wait "$p" 2>/dev/null || true
	done
	rm -f "$OVS_RUNDIR"/*.pid "$OVS_RUNDIR"/*.ctl "$OVS_RUNDIR/db.sock" "$OVS_RUNDIR"/*.mgmt
	bg_ns - ovsdb-server "$OVS_RUNDIR/conf.db" --remote=punix:"$OVS_RUNDIR/db.sock" \
		--pidfile="$OVS_RUNDIR/ovsdb-server.pid" --unixctl="$OVS_RUNDIR/ovsdb-server.ctl"
	for _ in $(seq 50); do [ -S "$OVS_RUNDIR/db.sock" ] && break; sleep 0.1; done
	start_vswitchd
}
rogue_dhcp() { # NS ADDR: a DHCP server in NS that says ADDR is the router
	cat >"$VNET_SCRATCH/udhcpd.$1.conf" <<-EOC
		start 10.9.0.200
		end 10.9.0.210
		interface eth0
		lease_file $VNET_SCRATCH/udhcpd.$1.leases
		option router $2
		option subnet 255.255.255.0
	EOC
	: >"$VNET_SCRATCH/udhcpd.$1.leases"
	bg_ns "$1" busybox udhcpd -f -a 50 "$VNET_SCRATCH/udhcpd.$1.conf"
	sleep 0.5
}

# ---- the LAN: a switch whose VLAN 10 access port has the client; up0 is its trunk ----
ovs-vsctl --timeout=10 add-br lansw -- set Bridge lansw datapath_type=netdev
ip link add up0 type veth peer name lanup
quiet_veth up0; quiet_veth lanup
ip link set up0 up; ip link set lanup up
ovs-vsctl --timeout=10 add-port lansw lanup
ip addr add 192.0.2.1/24 dev up0
plug client lansw clientp - tag=10
ip -n client addr add 10.9.0.10/24 dev eth0

check "create v --guard on on Open vSwitch" vnetctl -q create v --mode bridged --switch ovs --bridge ovsbr0 \
	--uplink up0 --vlan 10 --guard on --no-confirm

# ---- with the watch: a port that joins later is guarded, one that leaves loses its flows ----
start_watch
sleep 0.5
plug g3 ovsbr0 vp-g3 10.9.0.103/24 tag=10
check "watch writes the guard's flows for vp-g3, plugged by hand" wait_for 5 guarded vp-g3
check "g3 reaches the LAN client" in_ns g3 busybox ping -c 1 -W 2 10.9.0.10
rogue_dhcp g3 10.9.0.103
src=$(dhcp_sources client)
diag "DHCP replies heard from: $src"
check_not "no reply of g3's rogue server reaches the client" grep -qwF 10.9.0.103 <<<"$src"
kill "$VNET_BG_PID"
of3=$(ovs-vsctl get Interface vp-g3 ofport)
ovs-vsctl --timeout=10 del-port ovsbr0 vp-g3
check "the port gone, watch takes its flows away" wait_for 5 unguarded vp-g3 "$of3"

# ---- without the watch: unguarded, and doctor says so; the watch again covers it ----
stop_watch
plug g4 ovsbr0 vp-g4 10.9.0.104/24 tag=10
sleep 2
check "without watch, vp-g4 has no flows" unguarded vp-g4
rogue_dhcp g4 10.9.0.104
src=$(dhcp_sources client)
diag "DHCP replies heard from: $src"
check "unguarded: g4's rogue server reaches the client" grep -qwF 10.9.0.104 <<<"$src"
rc=0
vnetctl doctor v >"$VNET_SCRATCH/doctor.out" 2>&1 || rc=$?
diag "$(grep -F -A1 vp-g4 "$VNET_SCRATCH/doctor.out" || true)"
check "doctor v fails (exit 1)" test "$rc" -eq 1
check "doctor names the unguarded port vp-g4" grep -qE '✗ .*ports vp-g4 .*no guard flows' "$VNET_SCRATCH/doctor.out"
check "doctor says how to fix it" grep -qF "systemctl start vnetctl-watch" "$VNET_SCRATCH/doctor.out"
start_watch
check "watch started again guards vp-g4" wait_for 5 guarded vp-g4
src=$(dhcp_sources client)
diag "DHCP replies heard from: $src"
check_not "guarded: no reply of g4's rogue server reaches the client" grep -qwF 10.9.0.104 <<<"$src"
vnetctl doctor v >"$VNET_SCRATCH/doctor.out" 2>&1 || true
check_not "doctor no longer finds an unguarded port" grep -qF 'no guard flows' "$VNET_SCRATCH/doctor.out"
check "doctor says every guest port has the guard's flows" grep -qF "✓ link v Every guest port of Open vSwitch bridge ovsbr0 has the guard's flows." "$VNET_SCRATCH/doctor.out"

# ---- Open vSwitch killed and started again: its flows are gone, the watch writes them back ----
restart_ovs
check "ovs-vswitchd is back with vp-g4" wait_for 10 sh -c 'ovs-vsctl get Interface vp-g4 ofport | grep -q "^[1-9]"'
check "watch reconnects and writes vp-g4's flows again" wait_for 10 guarded vp-g4
check "watch is still running" kill -0 "$WATCH"
src=$(dhcp_sources client)
diag "DHCP replies heard from: $src"
check_not "after the restart, g4's rogue server is still kept from the client" grep -qwF 10.9.0.104 <<<"$src"

# ---- ovs-vswitchd alone: no row of OVSDB changes, its management socket made anew tells ----
kill_daemon ovs-vswitchd
check "ovs-vswitchd started again alone" start_vswitchd
check "watch writes vp-g4's flows again after ovs-vswitchd alone restarted" wait_for 10 guarded vp-g4
check "watch is still running" kill -0 "$WATCH"

stop_watch
check "delete v" vnetctl -q delete v
