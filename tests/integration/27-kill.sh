#!/bin/bash
# 27-kill: vnetctl killed at every libvirt, libnftables and libnl call that
# changes something, for create, forward add and remove and delete of a NAT network and
# of a bridged network that takes over an uplink.  Each time, gdb stops it at
# the Nth call of one function (N = 1, 2, ...) and kills it there; the
# journal of the interrupted transaction must exist, and the next vnetctl
# command must roll it back so that the host (libvirt networks, links,
# addresses, routes, sysctls, dnsmasq, nftables) is exactly as before the
# killed command.  Then the same command, run again, succeeds.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
sandbox_enter "$@"
. "$(dirname "$0")/vnet.sh"
require_cmd virsh libvirtd dnsmasq nft ip gdb jq

install_hook
sandbox_start_libvirtd
S=$VNET_SCRATCH
# Links a rollback makes again get new indexes; everything else must match.
export SNAPSHOT_NO_IFINDEX=1

# The calls that change the host: libvirt's, libnftables' one transaction
# entry point, libnl's link, address and route changes.
CALLS=(virNetworkDefineXML virNetworkSetAutostart virNetworkCreate virNetworkDestroy
	virNetworkUndefine virNetworkUpdate nft_run_cmd_from_filename
	rtnl_link_add rtnl_link_change rtnl_link_delete rtnl_addr_add rtnl_addr_delete
	rtnl_route_add rtnl_route_delete)

# kill_everywhere DESC SETUP RESET ARGS...: for every call and every hit of
# it, SETUP (the state before), kill vnetctl ARGS there, recover, compare;
# RESET undoes a successful run.
kill_everywhere() {
	local desc=$1 setup=$2 reset=$3 fn n points=0
	shift 3
	for fn in "${CALLS[@]}"; do
		for n in 1 2 3 4; do
			eval "$setup"
			snapshot_host "$S/before"
			if ! kill_at "$fn" "$n" "$@"; then
				eval "$reset"	# it ran to the end: no Nth call
				break
			fi
			points=$((points + 1))
			check "$desc, killed at $fn #$n: a journal is left" test -e /var/lib/vnetctl/journal
			check "$desc, killed at $fn #$n: the next command rolls it back" vnetctl -q restore
			check "$desc, killed at $fn #$n: no journal is left" test ! -e /var/lib/vnetctl/journal
			snapshot_host "$S/after"
			expect_same_snapshot "$S/before" "$S/after" || true
			check "$desc, killed at $fn #$n: run again, it succeeds" vnetctl -q "$@"
			eval "$reset"
		done
	done
	diag "$desc: killed at $points points"
	check "$desc: killed at more than one point" test "$points" -ge 2
}

# A network of ours that must not be disturbed by any of it.
vnetctl -q create keep --mode nat --subnet 10.78.0.0/24 --forward 7070:70

nat=(create web --mode nat --subnet 10.77.0.0/24 --forward 8080:80 --forward 8081:10.77.0.9:81)
kill_everywhere "create nat" ":" "vnetctl -q delete web" "${nat[@]}"

have_web='virsh -q net-info web >/dev/null 2>&1 || vnetctl -q "${nat[@]}"'
kill_everywhere "forward add" "$have_web" "vnetctl -q forward remove web 9000:90" forward add web 9000:90
# the forward's line taken out of the definition where it stands (the record vouches for its text)
have_9000="$have_web; vnetctl -q forward add web 9000:90 2>/dev/null || :"
kill_everywhere "forward remove" "$have_9000" "vnetctl -q forward add web 9000:90" forward remove web 9000:90
kill_everywhere "delete nat" "$have_web" ":" delete web

add_outside lan 192.0.2.1/24 192.0.2.10/24
ip route add 198.51.100.0/24 via 192.0.2.10 dev out-lan
sleep 2		# let the new link settle before the snapshots
# The uplink carries no default route: the takeover waits for no confirmation.
br=(create lan --mode bridged --bridge br-lan --uplink out-lan)
kill_everywhere "create bridged with uplink" ":" "vnetctl -q delete lan" "${br[@]}"
have_lan='virsh -q net-info lan >/dev/null 2>&1 || vnetctl -q "${br[@]}"'
kill_everywhere "delete bridged with uplink" "$have_lan" ":" delete lan

check "the other network still runs" sh -c "virsh net-info keep | grep -Eq '^Active: +yes'"
check "and keeps its forward" sh -c "nft list map inet vnetctl fwd4 | grep -q 7070"
