#!/bin/bash
# 26-txn: the transaction engine's promises on a running network (issue 9).
#  1. Re-applying a converged intent, or restore, changes nothing and undoes
#     nothing: a failure in a later step leaves every element in place; a
#     restore that fails takes back only what it added.
#  2. A change that is not a forward (autostart, DHCP range) is made live:
#     the bridge, a guest's port on it and a DHCP reservation all stay.
#  3. A start whose started hook fails leaves no bridge, address, route or
#     dnsmasq behind, and the name is free again.
#  4. A network stopped by hand is started by `apply -f` of its own intent.
#  6. SIGTERM during a create is held until the transaction is done: the
#     network is whole, no journal is left, then the signal ends vnetctl.
#  5. libvirtd dying in the middle of a create is an error with a message,
#     not a silent SIGPIPE; what is left is journaled, and once libvirtd
#     is back the next command rolls it back.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
sandbox_enter "$@"
. "$(dirname "$0")/vnet.sh"
require_cmd virsh libvirtd dnsmasq nft ip jq gdb

install_hook
sandbox_start_libvirtd
S=$VNET_SCRATCH

vnetctl -q create web --mode nat --subnet 10.77.0.0/24 --forward 8080:80 --forward 8081:81
n=$(nft_count_elements)
check "the network has its elements" test "$n" -ge 5
virsh net-dumpxml --inactive web >"$S/web.xml"

# --- 1. converged: nothing to write, nothing to undo
sysctl=/proc/sys/net/ipv4/conf/vn-web/route_localnet
mount --bind "$sysctl" "$sysctl"
mount -o remount,bind,ro "$sysctl"
check "a read-only route_localnet that is on already: apply succeeds" vnetctl -q apply -f "$S/web.xml"
check "and every element stays" test "$(nft_count_elements)" -eq "$n"
umount "$sysctl"

nsteps=3	# a converged NAT network: nft (exact), route_localnet, hairpin
snapshot_host "$S/before"
for step in $(seq 1 "$nsteps"); do
	rc=0
	VNET_TEST_FAIL_STEP=$step vnetctl -q apply -f "$S/web.xml" 2>"$S/err" || rc=$?
	check "re-apply failing at step $step: exit 1" test "$rc" -eq 1
	check "re-apply failing at step $step: all $n elements stay" test "$(nft_count_elements)" -eq "$n"
done
# restore: the table, the network's elements (exact), route_localnet, hairpin
rc=0; VNET_TEST_FAIL_STEP=4 vnetctl -q restore 2>/dev/null || rc=$?
check "restore failing at its last step: exit 1" test "$rc" -eq 1
check "restore failing: all $n elements stay" test "$(nft_count_elements)" -eq "$n"
snapshot_host "$S/after"
expect_same_snapshot "$S/before" "$S/after" || true

nft delete element inet vnetctl fwd4 '{ tcp . 8081 }'
snapshot_host "$S/lost-one"
rc=0; VNET_TEST_FAIL_STEP=4 vnetctl -q restore 2>/dev/null || rc=$?
check "a failed restore takes back only what it added" test "$(nft_count_elements)" -eq $((n - 1))
snapshot_host "$S/lost-one.after"
expect_same_snapshot "$S/lost-one" "$S/lost-one.after" || true
check "restore puts the lost element back" vnetctl -q restore
check "all $n elements again" test "$(nft_count_elements)" -eq "$n"
check "no journal is left" test ! -e /var/lib/vnetctl/journal

# --- a change that restarts the network (DHCP off), failing at each step: the old one runs again
sed -e 's/dhcp="yes"/dhcp="no"/' "$S/web.xml" >"$S/web-nodhcp.xml"
check "the intent file turns DHCP off" grep -q 'dhcp="no"' "$S/web-nodhcp.xml"
fail_each_apply web "$S/web-nodhcp.xml" "$S/web.xml"
check "and all $n elements are there" test "$(nft_count_elements)" -eq "$n"

# --- 2. live changes keep the bridge, the guest's port and reservations
add_guest g1 vn-web 10.77.0.10/24 10.77.0.1
port=$(ls /sys/class/net/vn-web/brif/)
idx=$(cat /sys/class/net/vn-web/ifindex)
virsh -q net-update web add-last ip-dhcp-host "<host mac='52:54:00:aa:bb:cc' name='vmx' ip='10.77.0.50'/>" --live --config
sed -e 's/autostart="yes"/autostart="no"/' "$S/web.xml" >"$S/web-noauto.xml"
check "apply: autostart off" vnetctl -q apply -f "$S/web-noauto.xml"
check "autostart is off in libvirt" sh -c "virsh net-info web | grep -Eq '^Autostart: +no'"
check "the bridge is the same link" test "$(cat /sys/class/net/vn-web/ifindex)" = "$idx"
check "the guest's port is still on it" test -e "/sys/class/net/vn-web/brif/$port"
check "the reservation stays (config)" sh -c "virsh net-dumpxml --inactive web | grep -q 52:54:00:aa:bb:cc"
check "the reservation stays (live)" sh -c "virsh net-dumpxml web | grep -q 52:54:00:aa:bb:cc"
sed -e 's/dhcp-start="10.77.0.3"/dhcp-start="10.77.0.100"/' "$S/web-noauto.xml" >"$S/web-range.xml"
check "the intent with another DHCP range differs" sh -c "! cmp -s '$S/web-noauto.xml' '$S/web-range.xml'"
check "apply: another DHCP range" vnetctl -q apply -f "$S/web-range.xml"
check "the running network has the new range" sh -c "virsh net-dumpxml web | grep -q \"start='10.77.0.100'\""
check "its definition too" sh -c "virsh net-dumpxml --inactive web | grep -q \"start='10.77.0.100'\""
check "the bridge is still the same link" test "$(cat /sys/class/net/vn-web/ifindex)" = "$idx"
check "the guest's port is still on it" test -e "/sys/class/net/vn-web/brif/$port"
check "the reservation still stays" sh -c "virsh net-dumpxml web | grep -q 52:54:00:aa:bb:cc"
check "the elements are as they were" test "$(nft_count_elements)" -eq "$n"

# --- 4. a network stopped by hand comes back with apply
virsh -q net-destroy web
check "apply -f starts a stopped network" vnetctl -q apply -f "$S/web-range.xml"
check "it runs" sh -c "virsh net-info web | grep -Eq '^Active: +yes'"
check "with its elements" test "$(nft_count_elements)" -eq "$n"

# --- 3. the started hook fails: nothing is left, the name stays free
cp /etc/libvirt/hooks/network.d/vnetctl "$S/hook.good"
cat >/etc/libvirt/hooks/network.d/vnetctl <<-HOOK
	#!/bin/sh
	[ "\$2" != started ] || { echo "injected failure" >&2; exit 1; }
	exec "$VNETCTL" hook "\$@"
HOOK
snapshot_host "$S/hook.before"
rc=0; vnetctl -q create bad --mode nat --subnet 10.79.0.0/24 2>"$S/err" || rc=$?
check "create with a failing started hook: exit 1" test "$rc" -eq 1
check "the error is libvirt's" grep -q "start network" "$S/err"
check "no bridge is left" test ! -e /sys/class/net/vn-bad
check "no dnsmasq of it is left" sh -c "! pgrep -f '[d]nsmasq/bad.conf' >/dev/null"
snapshot_host "$S/hook.after"
expect_same_snapshot "$S/hook.before" "$S/hook.after" || true
cp "$S/hook.good" /etc/libvirt/hooks/network.d/vnetctl
check "the name is free: create works now" vnetctl -q create bad --mode nat --subnet 10.79.0.0/24
check "delete it" vnetctl -q delete bad
check "delete web" vnetctl -q delete web

# --- 5. libvirtd lost between two calls of a create
snapshot_host "$S/lost.before"
out=$(gdb_vnetctl -q -batch -nx -ex 'set breakpoint pending on' -ex 'handle SIGPIPE nostop noprint pass' -ex 'break virNetworkCreate' -ex run \
	-ex "shell kill -9 $_vnet_libvirtd_pid" -ex continue \
	--args "$VNETCTL" create gone --mode nat --subnet 10.80.0.0/24 2>&1 </dev/null) || true
check "the create got as far as starting the network" grep -q "Breakpoint 1, " <<<"$out"
printf "%s\n" "$out" | tail -n 8 >"$S/gdb.out"; diag "$(cat "$S/gdb.out")"
check "it exits 1, not by a signal" grep -q "exited with code 01" <<<"$out"
check "it says why" grep -q "libvirt could not start network" <<<"$out"
check "it says the rollback waits for the next command" grep -q "journal" <<<"$out"
check "the journal is kept" test -e /var/lib/vnetctl/journal
libvirtd </dev/null >>/var/log/libvirt/libvirtd.stderr 2>&1 &
_vnet_libvirtd_pid=$!
for i in $(seq 100); do virsh -q list >/dev/null 2>&1 && break; sleep 0.1; done
check "libvirtd is back" virsh -q list
check "the next command rolls the create back" vnetctl -q restore
check "the half-made network is gone" sh -c "! virsh -q net-info gone >/dev/null 2>&1"
snapshot_host "$S/lost.after"
expect_same_snapshot "$S/lost.before" "$S/lost.after" || true

# --- 6. a signal in the middle waits for the end of the transaction
snapshot_host "$S/sig.before"
out=$(gdb_vnetctl -q -batch -nx -ex 'set breakpoint pending on' -ex 'handle SIGTERM nostop noprint pass' \
	-ex 'break virNetworkCreate' -ex run \
	-ex 'python import os; os.kill(gdb.selected_inferior().pid, 15)' -ex continue \
	--args "$VNETCTL" create sig --mode nat --subnet 10.81.0.0/24 --forward 8090:90 2>&1 </dev/null) || true
check "SIGTERM came while the network was being started" grep -q "Breakpoint 1, " <<<"$out"
check "it ended vnetctl, after the transaction" grep -q "terminated with signal SIGTERM" <<<"$out"
check "the network was made whole" sh -c "virsh net-info sig | grep -Eq '^Active: +yes'"
check "with its forward" sh -c "nft list map inet vnetctl fwd4 | grep -q 8090"
check "no journal is left" test ! -e /var/lib/vnetctl/journal
check "delete it" vnetctl -q delete sig
