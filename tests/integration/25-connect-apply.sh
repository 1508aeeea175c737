#!/bin/bash
# 25-connect-apply: --connect with a second URI form reaches the sandbox's
# libvirtd for create, list, show and delete; apply -f converges an intent
# file by elements only (forwards added and removed), and a second apply
# changes nothing.  Over a remote URI (qemu+tcp to the sandbox's own
# libvirtd), a forward change of a running network is refused with exit 1
# and changes nothing; of a stopped one it waits for the start, where the
# hook gives it.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
sandbox_enter "$@"
. "$(dirname "$0")/vnet.sh"
require_cmd virsh libvirtd dnsmasq nft ip jq curl socat

install_hook
VNET_LIBVIRTD_TCP=1 sandbox_start_libvirtd
uri=qemu+unix:///system?socket=/run/libvirt/libvirt-sock
check "create over $uri" vnetctl -c "$uri" create web --mode nat --subnet 10.77.0.0/24 --forward 8080:80
check "list over $uri" sh -c "'$VNETCTL' -c '$uri' --json list | jq -e '.networks | length == 1'"
check "show over $uri" sh -c "'$VNETCTL' -c '$uri' show web | grep -q 10.77.0.0/24"

add_outside lan 192.0.2.1/24 192.0.2.10/24
add_guest guest vn-web 10.77.0.2/24 10.77.0.1
start_http guest 80 "page 80"
start_http guest 81 "page 81"

# The intent file, as vnetctl itself writes it, with the forwards changed.
virsh net-dumpxml --inactive web | sed -n '/<vnet:intent/,/<\/vnet:intent>/p' >"$VNET_SCRATCH/web.xml"
sed -i 's|^\( *\)8080:80/tcp$|\18081:81/tcp|' "$VNET_SCRATCH/web.xml"
check "the intent file has the changed forward" grep -q '^ *8081:81/tcp$' "$VNET_SCRATCH/web.xml"
bridge_before=$(ip -o link show vn-web | awk '{print $1}')
check "apply -f converges" vnetctl apply -f "$VNET_SCRATCH/web.xml"
expect_http lan http://192.0.2.1:8081/ "page 81"
expect_no_http lan http://192.0.2.1:8080/
check "the network was not restarted (same bridge ifindex)" test "$(ip -o link show vn-web | awk '{print $1}')" = "$bridge_before"
out=$("$VNETCTL" apply -f "$VNET_SCRATCH/web.xml")
check "a second apply changes nothing" grep -q "nothing changed" <<<"$out"
check "delete over $uri" vnetctl -c "$uri" delete web
check "nothing left" test -z "$(virsh -q net-list --all --name)"

# A "remote" host: the same libvirtd over TCP, so vnetctl does no host side.
remote=qemu+tcp://127.0.0.1/system
check "create over $remote" vnetctl -q -c "$remote" create web --mode nat --subnet 10.77.0.0/24 --forward 8080:80
expect_refused "forward add on a running network over $remote" "Run the command on that host" \
	-c "$remote" forward add web 9000:90
check "a stopped one takes it" sh -c "virsh -q net-destroy web && '$VNETCTL' -q -c '$remote' forward add web 9000:90"
check "and its hook gives it at the start" sh -c "virsh -q net-start web >/dev/null && nft list map inet vnetctl fwd4 | grep -q 9000"
check "delete over $remote" vnetctl -q -c "$remote" delete web
