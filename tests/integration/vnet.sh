# shellcheck shell=bash
# tests/integration/vnet.sh - helpers for tests that drive vnetctl itself.
# Source after lib.sh and sandbox_enter.

VNETCTL=${VNETCTL:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/vnetctl}
[ -x "$VNETCTL" ] || VNETCTL=${top_builddir:-/tmp/b}/vnetctl

# install_hook: libvirt's network hook, as `make install` would put it,
# pointing at the vnetctl under test.  Call before sandbox_start_libvirtd:
# libvirtd looks for hooks when it starts.
install_hook() {
	mkdir -p /etc/libvirt/hooks/network.d
	cat >/etc/libvirt/hooks/network.d/vnetctl <<-HOOK
		#!/bin/sh
		echo "\$(date +%T.%N) \$*" >>/run/vnet-sandbox/hook.log
		G_DEBUG=fatal-criticals exec "$VNETCTL" hook "\$@" 2>>/run/vnet-sandbox/hook.log
	HOOK
	chmod 755 /etc/libvirt/hooks/network.d/vnetctl
}

# install_qemu_hook: libvirt's qemu hook, as installed, pointing at the
# vnetctl under test; it logs each call to $VNET_SCRATCH/qemu-hook.log.
# Call before sandbox_start_libvirtd.
install_qemu_hook() {
	local src
	src=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/data/vnetctl-qemu-hook.in
	mkdir -p /etc/libvirt/hooks/qemu.d
	sed -e "s|@sbindir@/vnetctl|$VNETCTL|g" -e 's|@libvirthookdir@|/etc/libvirt/hooks/network.d|g' \
		"$src" >"$VNET_SCRATCH/qemu-hook"
	chmod 755 "$VNET_SCRATCH/qemu-hook"
	cat >/etc/libvirt/hooks/qemu.d/vnetctl <<-HOOK
		#!/bin/sh
		echo "\$(date +%T.%N) \$*" >>$VNET_SCRATCH/qemu-hook.log
		exec $VNET_SCRATCH/qemu-hook "\$@"
	HOOK
	chmod 755 /etc/libvirt/hooks/qemu.d/vnetctl
}

# define_domain NAME: a diskless TCG domain, defined, never started (a test
# may define its own instead).
define_domain() {
	cat >"$VNET_SCRATCH/$1.xml" <<-EOF
		<domain type='qemu'>
		  <name>$1</name>
		  <memory unit='MiB'>64</memory>
		  <os><type arch='x86_64'>hvm</type></os>
		  <devices><emulator>$(command -v qemu-system-x86_64)</emulator></devices>
		</domain>
	EOF
	virsh -q define "$VNET_SCRATCH/$1.xml" >/dev/null
}

# nic_mac DOM NET: the MAC of DOM's NIC on NET (persistent definition).
nic_mac() {
	virsh -q domiflist "$1" --inactive | awk -v net="$2" '$3 == net { print $5; exit }'
}

# link_mac NS DEV: the MAC of DEV in namespace NS.
link_mac() {
	ip -n "$1" -o link show "$2" | sed -E 's/.* link\/ether ([0-9a-f:]+).*/\1/'
}

# vnetctl ARGS...: the vnetctl under test.
vnetctl() {
	"$VNETCTL" "$@"
}

# gdb_vnetctl GDB-ARGS... --args "$VNETCTL" ARGS...: gdb on the binary
# behind libtool's wrapper, with the uninstalled library.  No symbol
# server: the sandbox has no network, and gdb must not wait for one.
gdb_vnetctl() {
	local lt
	lt="$(dirname "$VNETCTL")/libtool"
	if [ -x "$lt" ] && grep -q libtool "$VNETCTL" 2>/dev/null; then
		DEBUGINFOD_URLS= "$lt" --mode=execute gdb "$@"
	else
		DEBUGINFOD_URLS= gdb "$@"
	fi
}

# expect_refused DESC EXPECTED_SUBSTRING ARGS...: vnetctl exits 1, says
# EXPECTED_SUBSTRING on stderr, and the host is exactly as before.
expect_refused() {
	local desc=$1 want=$2 out rc=0
	shift 2
	snapshot_host "$VNET_SCRATCH/refused.before"
	out=$("$VNETCTL" "$@" 2>&1 >/dev/null) || rc=$?
	snapshot_host "$VNET_SCRATCH/refused.after"
	check "$desc: exit 1" test "$rc" -eq 1
	check "$desc: message names \"$want\"" grep -qF -- "$want" <<<"$out"
	[ "$rc" -eq 1 ] || diag "output: $out"
	expect_same_snapshot "$VNET_SCRATCH/refused.before" "$VNET_SCRATCH/refused.after" || true
}

# nft_elements: the element lines of our table, for counting.
nft_count_elements() {
	local json i
	# A listing can be interrupted by a concurrent change: ask again.
	for i in 1 2 3; do
		json=$(nft -j list table inet vnetctl 2>/dev/null) && break
		sleep 0.2
	done
	[ -n "$json" ] || { echo 0; return; }
	jq '[.nftables[] | select(.map or .set) | (.map // .set) | (.elem // []) | length] | add // 0' <<<"$json"
}

# A table of another tool (as Docker or firewalld leave one) exists before
# every test that sources this file, and is byte-identical after it.  A test
# that flushes the whole ruleset (as a firewall reload does) puts it back.
add_foreign_table() {
	nft -f - <<-'NFT'
	table ip filter {
		chain input { type filter hook input priority filter; policy accept; tcp dport 9999 counter accept; }
	}
	NFT
}
add_foreign_table
nft list table ip filter | sed -E 's/packets [0-9]+ bytes [0-9]+/packets N bytes N/' >"$VNET_SCRATCH/foreign.before"
test_teardown() {
	nft list table ip filter 2>&1 | sed -E 's/packets [0-9]+ bytes [0-9]+/packets N bytes N/' >"$VNET_SCRATCH/foreign.after"
	check "the foreign table ip filter is byte-identical" cmp "$VNET_SCRATCH/foreign.before" "$VNET_SCRATCH/foreign.after"
}
