# shellcheck shell=bash
# ovn.sh: the OVN harness of 61-ovn: a central (NB and SB ovsdb-servers,
# ovn-northd) in the sandbox root, chassis in nested namespaces joined by a
# Linux bridge "under" (the underlay), each with its own ovsdb-server,
# ovs-vswitchd on the userspace netdev datapath (this kernel has no
# openvswitch or geneve module) and ovn-controller, run dirs on the
# sandbox's tmpfs.  The offload and MTU workarounds live here, not in
# vnetctl: tx off on every veth the userspace datapath reads (it drops
# frames with partial checksums), guest MTU 1400 for the Geneve header.
# Sourced after lib.sh's sandbox_enter.
ovn_nb_schema=/usr/share/ovn/ovn-nb.ovsschema
ovn_sb_schema=/usr/share/ovn/ovn-sb.ovsschema
ovs_schema=/usr/share/openvswitch/vswitch.ovsschema
OVN_UNDER=172.31.0
OVN_CENTRAL=$VNET_SCRATCH/ovn-central

_ovn_wait_sock() { local i; for i in $(seq 50); do [ -S "$1" ] && return 0; sleep 0.1; done; bail "no socket $1"; }

# ovn_central: NB and SB ovsdb-servers and ovn-northd; NB also on tcp:127.0.0.1:6641.
ovn_central() {
	local c=$OVN_CENTRAL
	mkdir -p "$c"
	ip link add under type bridge
	ip link set under up
	ip addr add "$OVN_UNDER.1/24" dev under
	ovsdb-tool create "$c/nb.db" "$ovn_nb_schema"
	ovsdb-tool create "$c/sb.db" "$ovn_sb_schema"
	bg_ns - ovsdb-server "$c/nb.db" --remote=punix:"$c/nb.sock" --remote=ptcp:6641:127.0.0.1 \
		--pidfile="$c/nb.pid" --unixctl="$c/nb.ctl" --log-file="$c/nb.log"
	bg_ns - ovsdb-server "$c/sb.db" --remote=punix:"$c/sb.sock" --remote=ptcp:6642:"$OVN_UNDER.1" \
		--pidfile="$c/sb.pid" --unixctl="$c/sb.ctl" --log-file="$c/sb.log"
	_ovn_wait_sock "$c/nb.sock"
	_ovn_wait_sock "$c/sb.sock"
	ovn-nbctl --db=unix:"$c/nb.sock" init
	ovn-sbctl --db=unix:"$c/sb.sock" init
	bg_ns - env OVN_RUNDIR="$c" ovn-northd --ovnnb-db=unix:"$c/nb.sock" --ovnsb-db=unix:"$c/sb.sock" \
		--pidfile="$c/northd.pid" --unixctl="$c/northd.ctl" --log-file="$c/northd.log"
}
nbctl() { ovn-nbctl --db=unix:"$OVN_CENTRAL/nb.sock" "$@"; }
sbctl() { ovn-sbctl --db=unix:"$OVN_CENTRAL/sb.sock" "$@"; }

# ovn_chassis NAME N: namespace NAME, a chassis at $OVN_UNDER.N on the underlay,
# with its own ovsdb-server, ovs-vswitchd (netdev) and ovn-controller.
ovn_chassis() {
	local ch=$1 addr=$OVN_UNDER.$2 run=$VNET_SCRATCH/$1 db
	mkdir -p "$run"
	db=unix:$run/db.sock
	add_host "$ch"
	ip link add "u-$ch" type veth peer name eth0 netns "$ch"
	ip link set "u-$ch" master under up
	ethtool -K "u-$ch" tx off >/dev/null
	ip -n "$ch" link set eth0 up
	ip netns exec "$ch" ethtool -K eth0 tx off >/dev/null
	ip netns exec "$ch" sysctl -qw net.ipv6.conf.eth0.disable_ipv6=1
	ovsdb-tool create "$run/conf.db" "$ovs_schema"
	bg_ns "$ch" ovsdb-server "$run/conf.db" --remote=punix:"$run/db.sock" \
		--pidfile="$run/ovsdb-server.pid" --unixctl="$run/ovsdb-server.ctl" --log-file="$run/ovsdb-server.log"
	_ovn_wait_sock "$run/db.sock"
	ovs-vsctl --db="$db" --no-wait init
	ovn_vswitchd_start "$ch"
	ovs-vsctl --db="$db" --timeout=10 add-br br-phy -- set Bridge br-phy datapath_type=netdev -- add-port br-phy eth0
	ip -n "$ch" addr add "$addr/24" dev br-phy
	ip -n "$ch" link set br-phy up
	ip netns exec "$ch" ethtool -K br-phy tx off >/dev/null
	ovs-vsctl --db="$db" set Open_vSwitch . external_ids:system-id="$ch" \
		external_ids:ovn-remote="tcp:$OVN_UNDER.1:6642" external_ids:ovn-encap-type=geneve \
		external_ids:ovn-encap-ip="$addr" external_ids:ovn-bridge-datapath-type=netdev
	ovn_controller_start "$ch"
}
chvsctl() { local ch=$1; shift; ovs-vsctl --db=unix:"$VNET_SCRATCH/$ch/db.sock" --timeout=10 "$@"; }

# ovn_plug CHASSIS GUEST MAC IFACE_ID: namespace GUEST with eth0 (MAC) on the
# chassis' br-int, its port's iface-id IFACE_ID, as libvirt plugs a NIC.
ovn_plug() {
	local ch=$1 g=$2 mac=$3 id=$4 port="p-$2"
	add_host "$g"
	ip netns exec "$ch" ip link add "$port" type veth peer name eth0 netns "$g"
	ip netns exec "$ch" ethtool -K "$port" tx off >/dev/null
	ip netns exec "$ch" sysctl -qw "net.ipv6.conf.$port.disable_ipv6=1"
	ip netns exec "$ch" ip link set "$port" up
	ip -n "$g" link set eth0 address "$mac" mtu 1400 up
	ip netns exec "$g" ethtool -K eth0 tx off >/dev/null
	chvsctl "$ch" add-port br-int "$port" -- set Interface "$port" external_ids:iface-id="$id"
}

# ovn_external CHASSIS NS ADDR/PREFIX: the physical network "external" of
# a NAT overlay network on gateway CHASSIS: an OVS bridge br-ex there
# (ovn-bridge-mappings=external:br-ex) whose one port is a veth to
# namespace NS, the outside, at ADDR (the router's next hop).
ovn_external() {
	local ch=$1 ns=$2 addr=$3
	chvsctl "$ch" add-br br-ex -- set Bridge br-ex datapath_type=netdev
	add_host "$ns"
	ip netns exec "$ch" ip link add x-ext type veth peer name eth0 netns "$ns"
	ip netns exec "$ch" ethtool -K x-ext tx off >/dev/null
	ip netns exec "$ch" sysctl -qw net.ipv6.conf.x-ext.disable_ipv6=1
	ip netns exec "$ch" ip link set x-ext up
	ip netns exec "$ns" ethtool -K eth0 tx off >/dev/null
	ip -n "$ns" addr add "$addr" dev eth0
	ip -n "$ns" link set eth0 up
	chvsctl "$ch" add-port br-ex x-ext -- set Open_vSwitch . external_ids:ovn-bridge-mappings=external:br-ex
}

# ovn_external_lan NS ADDR/PREFIX CHASSIS...: the physical network "external"
# shared by several gateway chassis, as a LAN switch joins them: a Linux
# bridge "extlan" in the sandbox root with namespace NS (the outside, at
# ADDR) and, from each CHASSIS, its OVS bridge br-ex
# (ovn-bridge-mappings=external:br-ex) through a veth.
ovn_external_lan() {
	local ns=$1 addr=$2 ch
	shift 2
	ip link add extlan type bridge
	ip link set extlan up
	add_host "$ns"
	ip link add "x-$ns" type veth peer name eth0 netns "$ns"
	ip link set "x-$ns" master extlan up
	ip netns exec "$ns" ethtool -K eth0 tx off >/dev/null
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.eth0.disable_ipv6=1
	ip -n "$ns" addr add "$addr" dev eth0
	ip -n "$ns" link set eth0 up
	for ch in "$@"; do
		chvsctl "$ch" add-br br-ex -- set Bridge br-ex datapath_type=netdev
		ip link add "x-$ch" type veth peer name x-ext netns "$ch"
		ip link set "x-$ch" master extlan up
		ethtool -K "x-$ch" tx off >/dev/null
		ip netns exec "$ch" ethtool -K x-ext tx off >/dev/null
		ip netns exec "$ch" sysctl -qw net.ipv6.conf.x-ext.disable_ipv6=1
		ip netns exec "$ch" ip link set x-ext up
		chvsctl "$ch" add-port br-ex x-ext -- set Open_vSwitch . external_ids:ovn-bridge-mappings=external:br-ex
	done
}

# ovn_crash CHASSIS: its ovn-controller and ovs-vswitchd killed (SIGKILL), as
# a host that loses power: SB keeps its chassis, only BFD sees it gone.
ovn_crash() {
	local run=$VNET_SCRATCH/$1 p pid
	for p in ovn-controller ovs-vswitchd; do
		pid=$(cat "$run/$p.pid")
		kill -9 "$pid"
		for _ in $(seq 50); do
			# gone, or a zombie nobody reaped yet
			kill -0 "$pid" 2>/dev/null && [ "$(cut -d' ' -f3 "/proc/$pid/stat" 2>/dev/null)" != Z ] || break
			sleep 0.1
		done
	done
}

# ovn_restart CHASSIS: stop its ovn-controller and ovs-vswitchd and start them again.
ovn_restart() {
	local ch=$1 run=$VNET_SCRATCH/$1 p
	for p in ovn-controller ovs-vswitchd; do
		_vnet_kill_wait "$(cat "$run/$p.pid")"
	done
	ovn_vswitchd_start "$ch"
	ovn_controller_start "$ch"
}

ovn_vswitchd_start() {
	local ch=$1 run=$VNET_SCRATCH/$1
	bg_ns "$ch" env OVS_RUNDIR="$run" ovs-vswitchd "unix:$run/db.sock" --pidfile="$run/ovs-vswitchd.pid" \
		--unixctl="$run/ovs-vswitchd.ctl" --log-file="$run/ovs-vswitchd.log"
}

# ovn_controller_stop CHASSIS: ovn-controller leaves as `systemctl stop` makes it: its chassis and bindings go.
ovn_controller_stop() {
	local run=$VNET_SCRATCH/$1 pid
	pid=$(cat "$run/ovn-controller.pid")
	ovn-appctl -t "$run/ovn-controller.$pid.ctl" exit >/dev/null
	for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
	bail "ovn-controller of $1 did not exit"
}

ovn_controller_start() {
	local ch=$1 run=$VNET_SCRATCH/$1
	bg_ns "$ch" env OVN_RUNDIR="$run" OVS_RUNDIR="$run" ovn-controller "unix:$run/db.sock" \
		--pidfile="$run/ovn-controller.pid" --log-file="$run/ovn-controller.log"
}
