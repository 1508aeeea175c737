#!/bin/bash
# 41-real-guest: real Linux guests (a Debian kernel + busybox initramfs,
# guest.sh) under qemu (TCG) through the sandbox's libvirtd, on a plain
# libvirt network that virsh defines (no vnetctl).  One guest boots with its
# NIC, the other gets it hot-plugged once its OS runs (attach-interface).
# Both get a DHCP lease from libvirt's dnsmasq, which lists it; their HTTP
# servers answer the sandbox root with their names on ports 80 and 81.
# Stopping them leaves no domain, no qemu and no tap behind.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/guest.sh"
guest_image_ensure          # outside the sandbox: apt-get download needs the network
sandbox_enter "$@"
require_cmd virsh libvirtd dnsmasq qemu-system-x86_64 curl ip
guest_image_ensure          # inside: only checks the cache
sandbox_start_libvirtd

cat >"$VNET_SCRATCH/plain.xml" <<-'EOF'
	<network>
	  <name>plain</name>
	  <forward mode='open'/>
	  <bridge name='vbr-plain' stp='on' delay='0'/>
	  <ip address='10.88.0.1' prefix='24'>
	    <dhcp><range start='10.88.0.10' end='10.88.0.50'/></dhcp>
	  </ip>
	</network>
EOF
check "define the plain network" virsh -q net-define "$VNET_SCRATCH/plain.xml"
check "start it" virsh -q net-start plain

# All boot at once: vm1 with its NIC, vm2 without (hot-plugged below), vm3
# made by virt-install when virtinst is there.
t0=$SECONDS
boot_guest vm1 plain 52:54:00:88:00:01
boot_guest vm2 -
pass "vm1 and vm2 started (qemu, TCG)"
vm3='' nguests=2
if command -v virt-install >/dev/null 2>&1; then
	virtinst_guest vm3 plain 52:54:00:88:00:03
	pass "vm3 started by virt-install --import --disk none --boot kernel=...,initrd=..."
	vm3=vm3 nguests=3
else
	diag "virt-install not found (package virtinst): no vm3"
fi

ready=$(guest_wait_ready vm2 60) || true
check "vm2's OS runs ($ready)" test -n "$ready"
check "hot-plug a NIC into vm2 (attach-interface --live --config)" \
	guest_attach_nic vm2 plain 52:54:00:88:00:02
check "the NIC is in vm2's definition" sh -c "virsh -q domiflist --inactive vm2 | grep -q 52:54:00:88:00:02"

ip1=$(guest_wait_lease vm1 60) || true
t1=$((SECONDS - t0))
check "vm1 reports a lease ($ip1, ${t1}s after start, guest uptime $(guest_uptime vm1)s)" test -n "$ip1"
ip2=$(guest_wait_lease vm2 60 52:54:00:88:00:02) || true
t2=$((SECONDS - t0))
check "vm2 reports a lease on the hot-plugged NIC ($ip2, ${t2}s after start, guest uptime $(guest_uptime vm2)s)" test -n "$ip2"
if [ -z "$ip1" ] || [ -z "$ip2" ]; then bail "no lease, nothing more to test"; fi
diag "boot to lease under TCG: vm1 ${t1}s (guest uptime $(guest_uptime vm1)s)," \
	"vm2 (NIC hot-plugged after boot) ${t2}s (guest uptime $(guest_uptime vm2)s)"
in_range() { [[ $1 =~ ^10\.88\.0\.([1-4][0-9]|50)$ ]]; }
check "vm1's lease is in the DHCP range" in_range "$ip1"
check "vm2's lease is in the DHCP range" in_range "$ip2"
check "guest_ip vm1 gives the same address" test "$(guest_ip vm1)" = "$ip1"
check "guest_ip vm2 eth0 gives the same address" test "$(guest_ip vm2 eth0)" = "$ip2"

leases=$(virsh -q net-dhcp-leases plain)
check "net-dhcp-leases lists vm1's lease ($ip1, its MAC and name)" \
	grep -qE "52:54:00:88:00:01 +ipv4 +$ip1/24 +vm1 " <<<"$leases" || diag "net-dhcp-leases plain:" "$leases"
check "net-dhcp-leases lists vm2's lease ($ip2)" \
	grep -qE "52:54:00:88:00:02 +ipv4 +$ip2/24 +vm2 " <<<"$leases" || diag "net-dhcp-leases plain:" "$leases"

if [ -n "$vm3" ]; then
	ip3=$(guest_wait_lease vm3 60) || true
	check "vm3 (virt-install) reports a lease ($ip3, $((SECONDS - t0))s after start, guest uptime $(guest_uptime vm3)s)" test -n "$ip3"
	check "net-dhcp-leases lists vm3's lease" \
		sh -c "virsh -q net-dhcp-leases plain | grep -qE '52:54:00:88:00:03 +ipv4 +$ip3/24 +vm3 '"
	expect_http - "http://$ip3/" "hello from vm3 (port 80)" 20
fi

expect_http - "http://$ip1/" "hello from vm1 (port 80)" 20
expect_http - "http://$ip1:81/" "hello from vm1 (port 81)"
expect_http - "http://$ip2/" "hello from vm2 (port 80)" 20
expect_http - "http://$ip2:81/" "hello from vm2 (port 81)"
check "the guests' pages name their own host" sh -c \
	"! curl -s --noproxy '*' --max-time 3 http://$ip2/ | grep -q vm1"

# ---- inside a guest (guest_exec) ----
check "guest_exec: vm1's hostname is vm1" test "$(guest_exec vm1 hostname)" = vm1
route=$(guest_exec vm1 'ip route | grep ^default') || true
check "guest_exec: vm1's default route is via the network's gateway ($route)" \
	grep -q 'via 10.88.0.1 dev eth0' <<<"$route"
# (busybox 1.35's wget -T crashes: bound it with timeout instead)
out=$(guest_exec vm1 "timeout 5 wget -q -O - http://$ip2/") || true
check "guest to guest: vm1 fetches vm2's page ($out)" test "$out" = "hello from vm2 (port 80)"
rc=0; guest_exec vm2 'exit 3' >/dev/null || rc=$?
check "guest_exec returns the command's exit status" test "$rc" -eq 3

# ---- unplug and plug again: the guest follows ----
guest_mark vm2
check "hot-unplug vm2's NIC (detach-interface --live --config)" guest_detach_nic vm2 52:54:00:88:00:02
check "vm2's console says its NIC is gone" \
	sh -c "for i in \$(seq 20); do grep -q 'nic eth0 gone' '$(guest_console vm2)' && exit 0; sleep 0.5; done; exit 1"
check "the NIC is gone from vm2's definition" sh -c "! virsh -q domiflist --inactive vm2 | grep -q 52:54:00"
expect_no_http - "http://$ip2/" 2
check "plug a NIC with another MAC into vm2" guest_attach_nic vm2 plain 52:54:00:88:00:12
ip2b=$(guest_wait_lease vm2 60 52:54:00:88:00:12) || true
check "vm2 gets a lease on it ($ip2b)" test -n "$ip2b"
expect_http - "http://$ip2b/" "hello from vm2 (port 80)" 20

# ---- stop them: nothing is left ----
taps=$(find /sys/class/net/vbr-plain/brif/ -mindepth 1 -printf '%f ')
check "each guest has a tap on vbr-plain ($taps)" test "$(wc -w <<<"$taps")" -eq "$nguests"
guest_destroy_all
check "no domain is left" test -z "$(virsh -q list --all --name)"
check "no qemu process is left" sh -c '! pgrep -x qemu-system-x86_64 >/dev/null'
check "no tap is left on vbr-plain" test -z "$(ls /sys/class/net/vbr-plain/brif/)"
check "no tap is left at all" sh -c "! ip -o link | grep -qE '^[0-9]+: vnet[0-9]+'"
check "destroy and undefine plain" sh -c "virsh -q net-destroy plain && virsh -q net-undefine plain"
check "its bridge is gone" sh -c '! ip link show vbr-plain 2>/dev/null'
check "no dnsmasq is left" sh -c '! pgrep -x dnsmasq >/dev/null'
diag "whole test so far: $((SECONDS - t0))s since the guests started"
