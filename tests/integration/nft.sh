# shellcheck shell=bash
# tests/integration/nft.sh - helpers shared by the 1x-nft tests, which drive
# libvnet's nftables backend directly (tests/tools/nft-tool), with no
# libvirt.  Source after lib.sh and sandbox_enter.

# nft_tool ARGS...: the driver of libvnet's nftables backend (tests/tools).
NFT_TOOL=${NFT_TOOL:-$(cd "$(dirname "$0")/../.." && pwd)/tests/tools/nft-tool}
[ -x "$NFT_TOOL" ] || NFT_TOOL=${top_builddir:-/tmp/b}/tests/tools/nft-tool
[ -x "$NFT_TOOL" ] || skip "tests/tools/nft-tool is not built (make tests/tools/nft-tool)"
nft_tool() { "$NFT_TOOL" "$@"; }

# foreign_table_create, foreign_table_check: a table of another tool (as
# Docker or firewalld leave one) exists from the start and must be
# byte-identical at the end.
foreign_table_create() {
	nft -f - <<-'NFT'
		table ip filter {
			set blocked { type ipv4_addr; elements = { 203.0.113.9 }; }
			chain input { type filter hook input priority filter; policy accept; ip saddr @blocked drop; }
		}
	NFT
	nft list table ip filter >"$VNET_SCRATCH/foreign.before"
}
foreign_table_check() {
	nft list table ip filter >"$VNET_SCRATCH/foreign.after" 2>&1 || true
	check "the foreign table ip filter is byte-identical" \
		cmp "$VNET_SCRATCH/foreign.before" "$VNET_SCRATCH/foreign.after"
}

# make_bridge NAME ADDR4/PFX [ADDR6/PFX]: a bridge with the network's
# gateway address, as libvirt would make it: its own fixed MAC (else it takes
# the lowest of its ports' and changes when a port joins, leaving the guests'
# ARP entries for the gateway stale), STP off (ports forward at once).
make_bridge() {
	local mac
	mac=52:54:00:$(printf '%s' "$1" | md5sum | sed -E 's/^(..)(..)(..).*/\1:\2:\3/')
	ip link add "$1" address "$mac" type bridge stp_state 0 forward_delay 0
	ip addr add "$2" dev "$1"
	[ -z "${3:-}" ] || ip -6 addr add "$3" dev "$1" nodad
	ip link set "$1" up
}

# intent_xml FILE NAME MODE BRIDGE SUBNET4 SUBNET6|- [FORWARD...]: an intent
# file (a /24: gateway .1, default guest .2; IPv6 gateway ::1).
intent_xml() {
	local file=$1 name=$2 mode=$3 br=$4 s4=$5 s6=$6 net f
	shift 6
	net=${s4%.0/24}
	{
		printf '<vnet:intent xmlns:vnet="http://vnetctl.org/xmlns/intent/1" name="%s" mode="%s">\n' "$name" "$mode"
		printf '  <vnet:bridge name="%s"/>\n' "$br"
		printf '  <vnet:ipv4 subnet="%s" gateway="%s.1" guest="%s.2"/>\n' "$s4" "$net" "$net"
		[ "$s6" = - ] || printf '  <vnet:ipv6 subnet="%s" gateway="%s1"/>\n' "$s6" "${s6%/*}"
		for f in "$@"; do printf '  <vnet:forward>%s</vnet:forward>\n' "$f"; done
		printf '</vnet:intent>\n'
	} >"$file"
}

# routing on, as libvirt turns it on for a NAT network (the sandbox's own sysctls)
enable_forwarding() {
	sysctl -qw net.ipv4.ip_forward=1
	[ "$_vnet_ipv6" -eq 0 ] || sysctl -qw net.ipv6.conf.all.forwarding=1
}
