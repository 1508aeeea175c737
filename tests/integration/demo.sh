#!/bin/bash
# The README's first command ends here: vnetctl's main job, for real, in a
# throwaway sandbox (own network and mount namespace, own libvirtd).  A NAT
# network with a port forward; a web server in a guest; the page fetched
# from a machine on the LAN and from the host through localhost.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
sandbox_enter "$@"
. "$(dirname "$0")/vnet.sh"
require_cmd virsh libvirtd dnsmasq nft ip curl socat

say() { printf '\n\033[1m%s\033[0m\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }

install_hook
sandbox_start_libvirtd
add_outside lan 192.0.2.1/24 192.0.2.10/24

say "1. Create a NAT network with a port forward (host 8080 -> guest 80):"
run "$VNETCTL" create web --mode nat --subnet 10.77.0.0/24 --forward 8080:80
run "$VNETCTL" show web

say "2. A guest on it (a network namespace at the default guest address) serves a page:"
add_guest guest vn-web 10.77.0.2/24 10.77.0.1
start_http guest 80 "Hello from the guest behind vnetctl"
echo "guest 10.77.0.2 serves :80"

say "3. A machine on the LAN fetches http://192.0.2.1:8080/ :"
expect_http lan http://192.0.2.1:8080/ "Hello from the guest"
in_ns lan curl -s --max-time 5 http://192.0.2.1:8080/

say "4. The host itself fetches http://localhost:8080/ :"
expect_http - http://127.0.0.1:8080/ "Hello from the guest"
curl -s --max-time 5 http://127.0.0.1:8080/

say "5. The rules vnetctl added (one nftables table, elements in maps):"
nft list table inet vnetctl

say "6. Delete it: nothing is left behind."
run "$VNETCTL" delete web
nft list table inet vnetctl 2>/dev/null | grep -c elements= || true
virsh -q net-list --all
