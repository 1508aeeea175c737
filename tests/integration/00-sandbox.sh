#!/bin/bash
# 00-sandbox: the integration-test harness tests itself.  Enters the
# sandbox, proves it is isolated from the host, runs a libvirt network with
# DHCP (virsh as the test driver), plugs namespaces into it and passes
# HTTP/UDP through, checks snapshots, then lets the EXIT trap clean up.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
sandbox_enter "$@"
require_cmd virsh libvirtd dnsmasq nft ip ss curl socat

NET=vnettest0
BR=vnt0br

# ---- isolation, before libvirt starts
check "sandbox root netns has only lo" test "$(ls /sys/class/net)" = lo
check "ip link shows only lo" test "$(ip -o link | awk -F': ' '{print $2}')" = lo
for l in $VNET_HOST_LINKS; do
	[ "$l" = lo ] && continue
	check_not "host link $l is not visible" ip link show "$l"
done
check "nft ruleset starts empty" test -z "$(nft list ruleset)"
check "/run is the sandbox's tmpfs" test "$(findmnt -no FSTYPE /run)" = tmpfs
check "/etc/libvirt is the sandbox's tmpfs" test "$(findmnt -no FSTYPE /etc/libvirt)" = tmpfs
check "/var/lib/libvirt is the sandbox's tmpfs" test "$(findmnt -no FSTYPE /var/lib/libvirt)" = tmpfs
check "sandbox is its own PID namespace" test "$$" -eq 1

# ---- libvirtd
sandbox_start_libvirtd
check "no libvirt networks at start" test -z "$(virsh -q net-list --all --name)"

cat >"$VNET_SCRATCH/net.xml" <<XML
<network>
  <name>$NET</name>
  <forward mode='open'/>
  <bridge name='$BR' stp='on' delay='0'/>
  <ip address='10.77.0.1' prefix='24'>
    <dhcp>
      <range start='10.77.0.100' end='10.77.0.200'/>
    </dhcp>
  </ip>
  <ip family='ipv6' address='fd77::1' prefix='64'/>
</network>
XML
if command -v virt-xml-validate >/dev/null 2>&1; then
	check "network XML validates" virt-xml-validate "$VNET_SCRATCH/net.xml" network
fi

snapshot_host "$VNET_SCRATCH/snap.empty"
check "net-define" virsh -q net-define "$VNET_SCRATCH/net.xml"
check "net-start" virsh -q net-start "$NET"
check "network is active" test "$(virsh -q net-info "$NET" | awk '/^Active:/ {print $2}')" = yes
check "bridge $BR exists" test -d "/sys/class/net/$BR/bridge"
check "bridge has 10.77.0.1/24" sh -c "ip -o -4 addr show dev $BR | grep -q 'inet 10.77.0.1/24'"
pidfile=/run/libvirt/network/$NET.pid
check "dnsmasq pid file" test -s "$pidfile"
dnsmasq_pid=$(cat "$pidfile" 2>/dev/null || echo 0)
check "dnsmasq (pid $dnsmasq_pid) runs" test "$(cat "/proc/$dnsmasq_pid/comm" 2>/dev/null)" = dnsmasq
check "dnsmasq serves DHCP on $BR" sh -c "ss -Hlunp 'sport = :67' | grep -q dnsmasq"
check "dnsmasq serves DNS on 10.77.0.1" sh -c "ss -Hlunp 'src 10.77.0.1 and sport = :53' | grep -q dnsmasq"

# ---- a guest on the bridge, HTTP and UDP both ways
add_guest g1 "$BR" 10.77.0.10/24 10.77.0.1
guest_add_addr g1 fd77::10/64 fd77::1
check "guest port $VNET_GUEST_PORT is on $BR" test "$(basename "$(readlink "/sys/class/net/$VNET_GUEST_PORT/master")")" = "$BR"
start_http g1 80 "hello from g1"
expect_http - http://10.77.0.10/ "hello from g1"
expect_http - "http://[fd77::10]/" "hello from g1"
expect_no_http - http://10.77.0.10:81/
start_udp_echo g1 7777
expect_udp - 10.77.0.10 7777 "g1:"
expect_no_udp - 10.77.0.10 7778
start_http - 8000 "hello from the host"
expect_http g1 http://10.77.0.1:8000/ "hello from the host"

# ---- an outside machine on the "LAN"
add_outside lan 192.0.2.1/24 192.0.2.2/24
check "outside link $VNET_OUTSIDE_DEV is up" sh -c "ip -o link show $VNET_OUTSIDE_DEV | grep -q 'state UP'"
expect_http lan http://192.0.2.1:8000/ "hello from the host"

# ---- snapshots: a refused command changes nothing, a real one does
snapshot_host "$VNET_SCRATCH/snap.before"
check_not "net-define of an invalid network is refused" \
	sh -c "echo '<network><name>$NET</name><ip address=\"bogus\"/></network>' | virsh -q net-define /dev/stdin"
check_not "net-start of an active network is refused" virsh -q net-start "$NET"
snapshot_host "$VNET_SCRATCH/snap.after"
expect_same_snapshot "$VNET_SCRATCH/snap.before" "$VNET_SCRATCH/snap.after"
check "snapshot differs once the network exists" \
	sh -c "! cmp -s '$VNET_SCRATCH/snap.empty' '$VNET_SCRATCH/snap.after'"

# ---- the guard against running on the host: in the host's namespaces it refuses
here_ns="$(readlink /proc/self/ns/net) $(readlink /proc/self/ns/mnt)"
lib=$(dirname "$0")/lib.sh
refuses() { # ENV...: sandbox_assert with that environment exits 1 saying it refuses
	local out rc=0
	out=$(env "$@" bash -c ". '$lib'; sandbox_assert; echo passed" 2>&1) || rc=$?
	[ "$rc" -eq 1 ] && grep -q "refusing to run" <<<"$out" && ! grep -q passed <<<"$out"
}
check "sandbox_assert passes here" sandbox_assert
check "sandbox_assert refuses namespaces that are the host's" refuses VNET_HOST_NS="$here_ns"
check "sandbox_assert refuses without VNET_HOST_NS" refuses -u VNET_HOST_NS
