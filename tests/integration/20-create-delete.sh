#!/bin/bash
# 20-create-delete: `vnetctl create --mode nat --forward 8080:80` serves a
# guest's page to the LAN and to the host (localhost and its own address);
# list and show read it back from libvirt; delete leaves nothing behind.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
sandbox_enter "$@"
. "$(dirname "$0")/vnet.sh"
require_cmd virsh libvirtd dnsmasq nft ip curl socat jq

install_hook
sandbox_start_libvirtd
# The LAN: an outside host that reaches the sandbox at 192.0.2.1.
add_outside lan 192.0.2.1/24 192.0.2.10/24
snapshot_host "$VNET_SCRATCH/empty"

check "create web" vnetctl create web --mode nat --subnet 10.77.0.0/24 --forward 8080:80
check "a NAT network is guarded by default: table bridge vnetctl holds its gateway" \
	sh -c "nft list set bridge vnetctl reserved4 | grep -q '10.77.0.1'"
check "network web is active" test "$(virsh -q net-info web | awk '/^Active:/ {print $2}')" = yes
check "network web autostarts" test "$(virsh -q net-info web | awk '/^Autostart:/ {print $2}')" = yes
check "bridge vn-web exists" test -d /sys/class/net/vn-web/bridge
check "the intent is in the persistent metadata" sh -c "virsh net-dumpxml --inactive web | grep -q 'vnetctl.org/xmlns/intent/1'"
check "the hook ran for started" grep -q "web started begin" "$VNET_SCRATCH/hook.log"

# The guest: the default guest address 10.77.0.2, serving a page on :80.
add_guest guest vn-web 10.77.0.2/24 10.77.0.1
start_http guest 80 "hello from the guest"
expect_http lan http://192.0.2.1:8080/ "hello from the guest"
expect_http - http://127.0.0.1:8080/ "hello from the guest"
expect_http - http://192.0.2.1:8080/ "hello from the guest"

check "list names web" sh -c "'$VNETCTL' list | grep -q '^name: *web'"
check "list --json parses" sh -c "'$VNETCTL' --json list | jq -e '.networks[0].name == \"web\" and .networks[0].state == \"active\"'"
check "show web names its forward" sh -c "'$VNETCTL' show web | grep -q '8080:80/tcp'"
check "show --json has the subnet" sh -c "'$VNETCTL' --json show web | jq -e '.subnet == \"10.77.0.0/24\"'"

# Re-applying the same intent is a no-op that says so.
virsh net-dumpxml --inactive web >"$VNET_SCRATCH/web.xml"
out=$("$VNETCTL" apply -f "$VNET_SCRATCH/web.xml")
check "apply of the same intent changes nothing" grep -q "nothing changed" <<<"$out"

ip link del vg-guest-0 2>/dev/null || true
check "delete web" vnetctl delete web
check "network web is gone" test -z "$(virsh -q net-list --all --name)"
check "bridge vn-web is gone" test ! -e /sys/class/net/vn-web
check "no element of web is left" test "$(nft_count_elements)" -eq 0
check "the last network gone, our table is gone too" sh -c "! nft list table inet vnetctl 2>/dev/null"
check "and the guard's table bridge vnetctl with it" sh -c "! nft list table bridge vnetctl 2>/dev/null"
snapshot_host "$VNET_SCRATCH/end"
# libvirt turns IPv4 forwarding on to start a routed network and, as with
# its own networks, never off again: that one change is expected.
sed -i -E '/\.forwarding = |ip_forward = /d' "$VNET_SCRATCH/empty" "$VNET_SCRATCH/end"
expect_same_snapshot "$VNET_SCRATCH/empty" "$VNET_SCRATCH/end" || true
expect_no_http lan http://192.0.2.1:8080/
check "show of a deleted network is refused" test "$("$VNETCTL" show web >/dev/null 2>&1; echo $?)" -eq 1


# --json: every command that changes something says what it changed, as
# one object; a failure is an {"error": ...} object on stderr, exit 1.
vnetctl -q create j1 --mode nat --subnet 10.79.0.0/24
check "forward add --json" sh -c "'$VNETCTL' --json forward add j1 9100:91 | jq -e '.command == \"forward add\" and .name == \"j1\" and .changed and .forward == \"9100:91\"'"
check "forward remove --json" sh -c "'$VNETCTL' --json forward remove j1 9100:91 | jq -e '.command == \"forward remove\" and .changed'"
check "restore --json" sh -c "'$VNETCTL' --json restore | jq -e '.command == \"restore\" and .networks == \"1\"'"
rc=0; out=$("$VNETCTL" --json delete nosuch 2>&1 >/dev/null) || rc=$?
check "a failure with --json: exit 1" test "$rc" -eq 1
check "and an error object on stderr" bash -c 'jq -e ".error.message | test(\"nosuch\")" <<<"$1" >/dev/null' _ "$out"
out=$("$VNETCTL" show j2 2>&1 >/dev/null) || :
check "a name that is not managed gets the closest that is" grep -q 'did you mean "j1"' <<<"$out"
check "delete --json" sh -c "'$VNETCTL' --json delete j1 | jq -e '.command == \"delete\" and .name == \"j1\"'"
