# Open vSwitch of the sandbox's own, for the tests of --switch ovs (source
# after lib.sh and vnet.sh, inside the sandbox): ovsdb-server and
# ovs-vswitchd with their db, run and log dirs on the sandbox's tmpfs, the
# userspace "netdev" datapath (this kernel has no openvswitch module).  The
# offload and IPv6 workarounds live here, not in vnetctl.

# start_ovs: the daemons, at vnetctl's default socket /var/run/openvswitch/db.sock
# (the sandbox's /run); skips the test without the package's schema.
start_ovs() {
	local schema=/usr/share/openvswitch/vswitch.ovsschema _
	[ -r "$schema" ] || skip "no OVS schema at $schema"
	export OVS_RUNDIR=/run/openvswitch OVS_DBDIR=/run/openvswitch OVS_LOGDIR=$VNET_SCRATCH/logs
	mkdir -p "$OVS_RUNDIR"
	ovsdb-tool create "$OVS_RUNDIR/conf.db" "$schema"
	bg_ns - ovsdb-server "$OVS_RUNDIR/conf.db" --remote=punix:"$OVS_RUNDIR/db.sock" \
		--pidfile="$OVS_RUNDIR/ovsdb-server.pid" --unixctl="$OVS_RUNDIR/ovsdb-server.ctl"
	for _ in $(seq 50); do [ -S "$OVS_RUNDIR/db.sock" ] && break; sleep 0.1; done
	ovs-vsctl --no-wait init
	bg_ns - ovs-vswitchd unix:"$OVS_RUNDIR/db.sock" --pidfile="$OVS_RUNDIR/ovs-vswitchd.pid" \
		--unixctl="$OVS_RUNDIR/ovs-vswitchd.ctl"
	check "ovs-vswitchd answers" timeout 10 ovs-vsctl --timeout=10 show
}

# quiet_veth DEV [NS]: no router solicitations leaving untagged from an
# OVS-owned veth; no TSO, which the userspace datapath would drop.
quiet_veth() {
	in_ns "${2:--}" sysctl -qw "net.ipv6.conf.$1.disable_ipv6=1" 2>/dev/null || :
	in_ns "${2:--}" ethtool -K "$1" tx off >/dev/null 2>&1 || :
}

# plug NS BRIDGE PORT ADDR OVS-ARGS...: namespace NS with eth0 at ADDR ("-":
# none), its peer PORT an OVS port of BRIDGE.
plug() {
	local ns=$1 br=$2 port=$3 addr=$4
	shift 4
	[ -e "/run/netns/$ns" ] || add_host "$ns"
	ip link add "$port" type veth peer name eth0 netns "$ns"
	quiet_veth "$port"
	quiet_veth eth0 "$ns"
	ip link set "$port" up
	ip -n "$ns" link set eth0 up
	[ "$addr" = - ] || ip -n "$ns" addr add "$addr" dev eth0
	ovs-vsctl --timeout=10 add-port "$br" "$port" "$@"
}
