#!/bin/bash
# 44-probe: address conflicts found from the host, with namespaces as LAN
# hosts and guests (a guest is a namespace whose veth carries a NIC's MAC).
# Bridged: a LAN namespace behind the uplink holds 192.0.2.50, so
# `attach --ip 192.0.2.50` is refused naming its MAC with nothing changed;
# --force records the static LAN address, which show (and --json) lists
# and detach drops.  scan reports the recorded address answered from that
# foreign MAC, two guests answering one address, and exits 0 on a clean
# segment.  NAT with --subnet6: a squatter on the bridge makes the attach
# fail for its IPv4 address (ARP probe) and its IPv6 one (DAD), a free IPv6
# one is reserved (DHCPv6, by the domain's name); scan names
# a guest's MAC answering for another guest's reservation.  The domains are
# only defined: attach needs no running qemu.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
sandbox_enter "$@"
. "$(dirname "$0")/vnet.sh"
require_cmd virsh libvirtd dnsmasq nft ip jq qemu-system-x86_64

# refused DESC ARGS...: vnetctl ARGS exits 1 naming every word of $WANT; nothing
# changed (snapshot_all: domains and live DHCP hosts included).
refused() {
	local desc=$1 out rc=0 w
	shift
	snapshot_all "$VNET_SCRATCH/refused.before"
	out=$("$VNETCTL" "$@" 2>&1 >/dev/null) || rc=$?
	snapshot_all "$VNET_SCRATCH/refused.after"
	check "$desc: exit 1" test "$rc" -eq 1 || diag "output: $out"
	for w in $WANT; do
		check "$desc: the message names $w" grep -qF -- "$w" <<<"$out" || diag "output: $out"
	done
	expect_same_snapshot "$VNET_SCRATCH/refused.before" "$VNET_SCRATCH/refused.after" || true
}

# scan_json NAME [ARGS...]: `vnetctl scan --json`, its exit status in $SCAN_RC, the JSON in $SCAN.
scan_json() {
	SCAN_RC=0
	SCAN=$("$VNETCTL" scan "$@" --json 2>"$VNET_SCRATCH/scan.err") || SCAN_RC=$?
}

install_hook
sandbox_start_libvirtd
define_domain dom
define_domain dom2
define_domain dom3

# ================= bridged: a LAN behind the uplink =================
add_outside lan 192.0.2.1/24 192.0.2.10/24
ip -n lan addr add 192.0.2.50/24 dev eth0
lanmac=$(link_mac lan eth0)
check "create lan (bridged, the uplink into br-lan)" \
	vnetctl -q create lan --mode bridged --bridge br-lan --uplink out-lan --no-confirm
check "the bridge has the LAN address" sh -c "ip -o -4 addr show dev br-lan | grep -q 192.0.2.1/24"

WANT="192.0.2.50 $lanmac" refused "a LAN host holds 192.0.2.50" attach lan dom --ip 192.0.2.50
WANT="10.9.9.9 192.0.2.0/24" refused "an address outside the LAN's subnet" attach lan dom --ip 10.9.9.9
WANT="192.0.2.1 br-lan" refused "the host's own address on the bridge" attach lan dom --ip 192.0.2.1
WANT="192.0.2.255" refused "the LAN's broadcast address" attach lan dom --ip 192.0.2.255

# The probe refuses only what answers: a free address goes through.
t0=$SECONDS
check "attach lan dom2 --ip 192.0.2.60 (nobody holds it)" vnetctl -q attach lan dom2 --ip 192.0.2.60
check "the probe is bounded in time (took $((SECONDS - t0)) s)" test $((SECONDS - t0)) -le 5
out=$("$VNETCTL" attach lan dom --ip 192.0.2.50 --force)
check "--force skips the probe and records 192.0.2.50" grep -q "static address 192.0.2.50 recorded" <<<"$out" ||
	diag "$out"
dmac=$(nic_mac dom lan)
check "show lists the static address with dom's MAC ($dmac)" \
	sh -c "'$VNETCTL' show lan | grep -q 'static address:.*192.0.2.50 $dmac (domain dom)'"
check "show --json has it" test "$("$VNETCTL" --json show lan |
	jq -r --arg m "$dmac" '.static_addresses[] | select(.mac == $m) | .address + " " + .domain')" = "192.0.2.50 dom"
check "it is kept in the intent's metadata" sh -c \
	"virsh net-dumpxml --inactive lan | grep -q \"<vnet:static mac=\\\"$dmac\\\" domain=\\\"dom\\\" address=\\\"192.0.2.50\\\"/>\""
WANT="192.0.2.50 $dmac" refused "an address recorded for another guest" attach lan dom3 --ip 192.0.2.50 --force

# scan: the recorded address answers from the LAN host's MAC, no guest's.
scan_json lan
check "scan finds the conflict: exit 1" test "$SCAN_RC" -eq 1 || diag "$(cat "$VNET_SCRATCH/scan.err")"
check "scan probed the LAN's 254 addresses on br-lan" \
	test "$(jq -r '.bridge + " " + .range + " " + .probed' <<<"$SCAN")" = "br-lan 192.0.2.0/24 254"
check "scan saw both LAN addresses answered from $lanmac" test "$(jq -r --arg m "$lanmac" \
	'[.answers[] | select(.macs == [$m]) | .address] | join(" ")' <<<"$SCAN")" = "192.0.2.10 192.0.2.50"
check "192.0.2.50 is dom's, answered from a foreign MAC" test "$(jq -r \
	'.conflicts[] | select(.kind == "foreign") | .address + " " + .owner_domain + " " + .macs[0]' <<<"$SCAN")" \
	= "192.0.2.50 dom $lanmac"
check "no progress line when stderr is no terminal" test ! -s "$VNET_SCRATCH/scan.err"

check "detach lan dom" vnetctl -q detach lan dom
check "the static address went with it" \
	test "$("$VNETCTL" --json show lan | jq -r '[.static_addresses[].address] | join(" ")')" = "192.0.2.60"
scan_json lan
check "a clean segment: scan exits 0" test "$SCAN_RC" -eq 0 || diag "$SCAN"
check "and reports no conflict" test "$(jq '.conflicts | length' <<<"$SCAN")" -eq 0

# Two hosts answering one address.
add_guest g1 br-lan 192.0.2.77/24
g1mac=$(link_mac g1 "$VNET_GUEST_DEV")
add_guest g2 br-lan 192.0.2.77/24
g2mac=$(link_mac g2 "$VNET_GUEST_DEV")
scan_json lan --range 192.0.2.64/26
check "two hosts on one address: scan exits 1" test "$SCAN_RC" -eq 1
check "only the range was probed (64 addresses)" test "$(jq -r '.range + " " + .probed' <<<"$SCAN")" = "192.0.2.64/26 64"
want=$(printf '%s\n' "$g1mac" "$g2mac" | sort | paste -sd' ')
check "192.0.2.77 is answered by both MACs ($want)" test "$(jq -r \
	'.conflicts[] | select(.kind == "duplicate") | .address + " " + (.macs | join(" "))' <<<"$SCAN")" = "192.0.2.77 $want"
out=$("$VNETCTL" scan lan --range 192.0.2.64/26 2>&1) || true
check "the text names both MACs" grep -qF "192.0.2.77 is answered by more than one MAC: ${want// /, }" <<<"$out" || diag "$out"
rc=0; "$VNETCTL" scan lan --range 10.0.0.0/24 >/dev/null 2>&1 || rc=$?
check "a range outside the LAN's subnet is a usage error (2)" test "$rc" -eq 2
ip netns delete g2
scan_json lan --range 192.0.2.64/26
check "one of them gone: exit 0" test "$SCAN_RC" -eq 0 || diag "$SCAN"

# ================= NAT, IPv6 too: a squatter on the bridge =================
# Unguarded: the guard (on by default for NAT) drops a squatter's ARP
# replies for an address reserved to another MAC once its port is guarded
# (attach re-reads the bridge's ports), so scan would not hear it (56-guard).
check "create web (NAT, --subnet6)" vnetctl -q create web --mode nat --subnet 10.81.0.0/24 --subnet6 fd81::/64 --guard off
br=$(virsh net-info web | awk '/^Bridge:/ {print $2}')
add_guest squat "$br" 10.81.0.50/24
guest_add_addr squat fd81::50/64
squatmac=$(link_mac squat "$VNET_GUEST_DEV")
WANT="10.81.0.50 $squatmac" refused "a squatter holds 10.81.0.50 (ARP probe)" attach web dom --ip 10.81.0.50
WANT="fd81::50 $squatmac" refused "a squatter holds fd81::50 (duplicate address detection)" attach web dom --ip fd81::50
WANT="fd82::5" refused "an IPv6 address outside --subnet6" attach web dom --ip fd82::5
check "a free IPv6 address is reserved to dom3's name (DHCPv6)" vnetctl -q attach web dom3 --ip fd81::60
check "the reservation is on the IPv6 <ip>" sh -c "virsh net-dumpxml web | grep -q \"<host name='dom3' ip='fd81::60'/>\""
check "show lists it" sh -c "'$VNETCTL' show web | grep -q 'fd81::60 (domain dom3'"
check "--force reserves 10.81.0.50 anyway" vnetctl -q attach web dom --ip 10.81.0.50 --force
dmac=$(nic_mac dom web)
check "the reservation is dom's" sh -c "virsh net-dumpxml web | grep -q \"<host mac='$dmac' name='dom' ip='10.81.0.50'/>\""
check "attach web dom2 --ip 10.81.0.60" vnetctl -q attach web dom2 --ip 10.81.0.60
d2mac=$(nic_mac dom2 web)

# A guest whose veth carries dom2's MAC, using dom's reserved address.
add_guest g3 "$br" 10.81.0.50/24
ip -n g3 link set "$VNET_GUEST_DEV" address "$d2mac"
scan_json web
check "scan of web exits 1" test "$SCAN_RC" -eq 1 || diag "$(cat "$VNET_SCRATCH/scan.err")"
check "dom2's MAC answers for dom's reservation" test "$(jq -r \
	'.conflicts[] | select(.kind == "guest") | .address + " " + .owner_domain + " " + .macs[0]' <<<"$SCAN")" \
	= "10.81.0.50 dom $d2mac"
check "the squatter answers for it from a foreign MAC" test "$(jq -r \
	'.conflicts[] | select(.kind == "foreign") | .address + " " + .macs[0]' <<<"$SCAN")" = "10.81.0.50 $squatmac"
check "and two MACs answer 10.81.0.50" test "$(jq -r \
	'[.conflicts[] | select(.kind == "duplicate") | .address] | join(" ")' <<<"$SCAN")" = "10.81.0.50"
ip netns delete g3
ip netns delete squat
scan_json web
check "squatters gone: scan of web exits 0" test "$SCAN_RC" -eq 0 || diag "$SCAN"
