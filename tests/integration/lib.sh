# shellcheck shell=bash
# shellcheck disable=SC2034 # VNET_* results are for the sourcing script
#
# tests/integration/lib.sh - helpers for the root integration tests.
#
# Source this file, then call `sandbox_enter "$@"` first thing:
#
#     #!/bin/bash
#     set -euo pipefail
#     . "$(dirname "$0")/lib.sh"
#     sandbox_enter "$@"
#     sandbox_start_libvirtd
#     ...
#
# sandbox_enter re-executes the script in fresh network, mount and PID
# namespaces (see "Hermetic tests" in the design).  Nothing the test does
# reaches the host's network, firewall, libvirt or /etc.  See README.
#
# Output is TAP-like ("ok N - ...", "not ok N - ...", "# diagnostics").
# Exit status: 0 all passed, 1 failed, 77 skipped (automake's SKIP).

# ---------------------------------------------------------------- globals

VNET_TEST_NAME=${VNET_TEST_NAME:-$(basename "${BASH_SOURCE[-1]}" .sh)}
VNET_SCRATCH=/run/vnet-sandbox      # on the sandbox's private /run tmpfs
_vnet_ntests=0
_vnet_nfailed=0
_vnet_bg_pids=()                    # background helpers (servers, ...)
_vnet_libvirtd_pid=
_vnet_virtlogd_pid=
_vnet_cleaning=0
_vnet_ipv6=1

# ------------------------------------------------------- reporting helpers

# diag MSG...: a TAP diagnostic line (to stdout, so it stays in order).
diag() {
	local line
	printf '%s\n' "$@" | while IFS= read -r line; do printf '# %s\n' "$line"; done
}

# pass MSG: record a passed assertion.
pass() {
	_vnet_ntests=$((_vnet_ntests + 1))
	printf 'ok %d - %s\n' "$_vnet_ntests" "$*"
}

# fail MSG: record a failed assertion.  Returns 1, so under `set -e` the test
# stops here (cleanup still runs); write `fail ... || true` to go on.
fail() {
	_vnet_ntests=$((_vnet_ntests + 1))
	_vnet_nfailed=$((_vnet_nfailed + 1))
	printf 'not ok %d - %s\n' "$_vnet_ntests" "$*"
	return 1
}

# check DESC CMD...: run CMD; ok if it exits 0, else not ok with its output.
check() {
	local desc=$1 out rc=0
	shift
	out=$("$@" 2>&1) || rc=$?
	if [ "$rc" -eq 0 ]; then
		pass "$desc"
	else
		fail "$desc" || true
		diag "command: $*" "exit status: $rc" "$out"
		return 1
	fi
}

# check_not DESC CMD...: ok if CMD fails.
check_not() {
	local desc=$1 out rc=0
	shift
	out=$("$@" 2>&1) || rc=$?
	if [ "$rc" -ne 0 ]; then
		pass "$desc"
	else
		fail "$desc" || true
		diag "command unexpectedly succeeded: $*" "$out"
		return 1
	fi
}

# skip MSG: skip the whole test (exit 77).
skip() {
	printf '1..0 # SKIP %s: %s\n' "$VNET_TEST_NAME" "$*"
	exit 77
}

# bail MSG: abort the test as failed (exit 1).
bail() {
	printf 'Bail out! %s\n' "$*"
	_vnet_nfailed=$((_vnet_nfailed + 1))
	exit 1
}

# require_cmd CMD...: skip the test unless every CMD is in PATH.
require_cmd() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 || skip "required command '$c' not found"
	done
}

# ------------------------------------------------------------- the sandbox

# sandbox_assert: bail unless this runs in a network and a mount namespace
# other than those of the host that entered the sandbox (VNET_HOST_NS):
# called before anything a test does to nftables, links or mounts, and again
# right before what would hurt a host most (a flush of the ruleset).
sandbox_assert() {
	local net mnt
	net=$(readlink /proc/self/ns/net)
	mnt=$(readlink /proc/self/ns/mnt)
	[ -n "${VNET_HOST_NS:-}" ] || bail "VNET_SANDBOX=1 without VNET_HOST_NS: not entered through sandbox_enter; refusing to run"
	case " $VNET_HOST_NS " in
	*" $net "* | *" $mnt "*) bail "still in the host's network or mount namespace ($net, $mnt); refusing to run" ;;
	esac
}

# sandbox_enter "$@": re-exec the calling script inside the sandbox, then set
# the sandbox up.  Skips (77) when not root or namespaces are unavailable.
sandbox_enter() {
	if [ "${VNET_SANDBOX:-}" != 1 ]; then
		[ "$(id -u)" -eq 0 ] || skip "needs root (run as root, CI does)"
		command -v unshare >/dev/null 2>&1 || skip "unshare(1) not found"
		unshare --net --mount --pid --fork --mount-proc true 2>/dev/null ||
			skip "cannot create net/mount/pid namespaces (unshare failed)"
		# --pid/--mount-proc: every process the test starts lives in the
		# sandbox's PID namespace, whose PID 1 is the re-executed script:
		# when it exits, or is killed, the kernel kills them all, and the
		# network namespace with all its links goes away with them.
		# --kill-child: if unshare dies, SIGKILL the sandbox.  unshare
		# itself ignores SIGTERM/SIGINT, so this shell stays as the parent
		# and turns them (e.g. from `timeout`) into that SIGKILL teardown.
		local script child rc=0
		script=$(readlink -f "${BASH_SOURCE[-1]}")
		# the host's link names, so a test can prove it cannot see them
		VNET_HOST_LINKS=$(ls /sys/class/net 2>/dev/null | paste -sd' ')
		export VNET_HOST_LINKS
		# the host's network and mount namespaces, which the sandbox must not be
		VNET_HOST_NS="$(readlink /proc/self/ns/net) $(readlink /proc/self/ns/mnt)"
		export VNET_HOST_NS
		# setpriv --pdeathsig: the same if this shell is SIGKILLed.
		local pdeath=()
		setpriv --help 2>/dev/null | grep -q -- --pdeathsig && pdeath=(setpriv --pdeathsig KILL)
		VNET_SANDBOX=1 "${pdeath[@]}" unshare --net --mount --pid --fork \
			--mount-proc --propagation private --kill-child=SIGKILL \
			-- bash "$script" "$@" <&0 &
		child=$!
		trap 'kill -KILL "$child" 2>/dev/null; wait "$child" 2>/dev/null || :; echo "Bail out! killed by a signal"; exit 1' INT TERM HUP
		wait "$child" || rc=$?
		exit "$rc"
	fi
	[ "$$" -eq 1 ] || bail "VNET_SANDBOX=1 but not PID 1 of a new PID namespace; refusing to run"
	sandbox_assert

	# A GLib critical in vnetctl is a bug (a double unref once passed every
	# test with only a line on stderr): make it abort.  The daemons the
	# sandbox starts are not ours to judge, so they are started without it.
	export G_DEBUG=fatal-criticals

	trap sandbox_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM HUP
	trap '_vnet_on_err $LINENO "$BASH_COMMAND"' ERR

	mount --make-rprivate /
	# Own sysfs (else /sys/class/net shows the host's links).  This also
	# hides the host's cgroup tree, so libvirt cannot touch it.
	mount -t sysfs -o nosuid,nodev,noexec sysfs /sys
	mount -t tmpfs -o mode=0755,nosuid,nodev vnet-run /run
	mkdir -p "$VNET_SCRATCH/logs" "$VNET_SCRATCH/etc" /run/lock /run/user/0
	chmod 0700 /run/user/0

	# /var/lib/libvirt etc. need not exist on the host (no
	# libvirt-daemon-system), and the host's /var must stay untouched:
	# put a throw-away overlay over /var, then the fresh tmpfs mounts.
	local d missing=0
	for d in /var/lib/libvirt /var/cache/libvirt /var/log/libvirt; do
		[ -d "$d" ] || missing=1
	done
	if [ "$missing" -eq 1 ]; then
		mkdir -p "$VNET_SCRATCH/var.upper" "$VNET_SCRATCH/var.work"
		mount -t overlay vnet-var -o "lowerdir=/var,upperdir=$VNET_SCRATCH/var.upper,workdir=$VNET_SCRATCH/var.work" /var ||
			bail "cannot mount an overlay over /var (needed because /var/lib/libvirt is missing)"
	fi
	for d in /var/lib/libvirt /var/cache/libvirt /var/log/libvirt; do
		mkdir -p "$d"
		mount -t tmpfs -o mode=0755 vnet-libvirt "$d"
	done

	# /etc/libvirt: a tmpfs holding a copy of the host's files.
	mkdir -p "$VNET_SCRATCH/etc/libvirt"
	if [ -d /etc/libvirt ]; then
		cp -a /etc/libvirt/. "$VNET_SCRATCH/etc/libvirt/"
		mount -t tmpfs -o mode=0755 vnet-etc-libvirt /etc/libvirt
		cp -a "$VNET_SCRATCH/etc/libvirt/." /etc/libvirt/
	else
		# no /etc/libvirt on the host: a throw-away overlay over /etc
		mkdir -p "$VNET_SCRATCH/etc.upper" "$VNET_SCRATCH/etc.work"
		mount -t overlay vnet-etc -o "lowerdir=/etc,upperdir=$VNET_SCRATCH/etc.upper,workdir=$VNET_SCRATCH/etc.work" /etc ||
			bail "cannot mount an overlay over /etc (needed because /etc/libvirt is missing)"
		mkdir -p /etc/libvirt
		mount -t tmpfs -o mode=0755 vnet-etc-libvirt /etc/libvirt
	fi

	# The qemu driver resolves its compiled-in user/group (Debian:
	# libvirt-qemu) *before* reading qemu.conf and refuses to start if they
	# do not exist; libvirt-daemon-system would create them.  Give the
	# sandbox private copies of passwd/group with them added.
	cp /etc/passwd "$VNET_SCRATCH/etc/passwd"
	cp /etc/group "$VNET_SCRATCH/etc/group"
	grep -q '^libvirt-qemu:' "$VNET_SCRATCH/etc/group" ||
		echo 'libvirt-qemu:x:64055:' >>"$VNET_SCRATCH/etc/group"
	grep -q '^kvm:' "$VNET_SCRATCH/etc/group" ||
		echo 'kvm:x:64056:' >>"$VNET_SCRATCH/etc/group"
	grep -q '^libvirt-qemu:' "$VNET_SCRATCH/etc/passwd" ||
		echo 'libvirt-qemu:x:64055:64055:Libvirt Qemu,,,:/var/lib/libvirt:/usr/sbin/nologin' >>"$VNET_SCRATCH/etc/passwd"
	mount --bind "$VNET_SCRATCH/etc/passwd" /etc/passwd
	mount --bind "$VNET_SCRATCH/etc/group" /etc/group

	ip link set lo up
	[ -e /proc/sys/net/ipv6 ] || _vnet_ipv6=0

	export LIBVIRT_DEFAULT_URI=qemu:///system
	export XDG_RUNTIME_DIR=/run/user/0
	export XDG_CACHE_HOME=$VNET_SCRATCH/cache
	unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY no_proxy NO_PROXY

	diag "sandbox for $VNET_TEST_NAME ready (netns, mountns, pidns)"
}

_vnet_on_err() {
	[ "$_vnet_cleaning" -eq 0 ] || return 0
	diag "aborted at line $1: $2"
}

# sandbox_start_libvirtd: start the sandbox's own virtlogd and libvirtd and
# wait (<= VNET_LIBVIRTD_TIMEOUT s, default 20) until qemu:///system answers.
sandbox_start_libvirtd() {
	[ "${VNET_SANDBOX:-}" = 1 ] || bail "sandbox_start_libvirtd outside the sandbox"
	local timeout=${VNET_LIBVIRTD_TIMEOUT:-20} log=/var/log/libvirt
	cat >/etc/libvirt/libvirtd.conf <<-EOF
		# written by tests/integration/lib.sh (sandbox only)
		auth_unix_ro = "none"
		auth_unix_rw = "none"
		log_outputs = "3:file:$log/libvirtd.log"
	EOF
	# VNET_LIBVIRTD_TCP=1: also qemu+tcp://127.0.0.1/system, a "remote" URI
	# that stays inside the sandbox's own network namespace.
	local listen=()
	if [ -n "${VNET_LIBVIRTD_TCP:-}" ]; then
		cat >>/etc/libvirt/libvirtd.conf <<-EOF
			listen_tls = 0
			listen_tcp = 1
			listen_addr = "127.0.0.1"
			auth_tcp = "none"
		EOF
		listen=(--listen)
	fi
	# Guests run as root, with no security driver (AppArmor profiles would
	# be loaded into the host kernel) and no cgroups (host cgroup tree).
	cat >/etc/libvirt/qemu.conf <<-EOF
		# written by tests/integration/lib.sh (sandbox only)
		user = "root"
		group = "root"
		dynamic_ownership = 0
		security_driver = "none"
		cgroup_controllers = [ ]
	EOF
	cat >/etc/libvirt/virtlogd.conf <<-EOF
		log_outputs = "3:file:$log/virtlogd.log"
	EOF

	if command -v virtlogd >/dev/null 2>&1; then
		env -u G_DEBUG virtlogd </dev/null >>"$log/virtlogd.stderr" 2>&1 &
		_vnet_virtlogd_pid=$!
	fi
	env -u G_DEBUG libvirtd "${listen[@]}" </dev/null >>"$log/libvirtd.stderr" 2>&1 &
	_vnet_libvirtd_pid=$!

	local deadline=$((SECONDS + timeout))
	while :; do
		if ! kill -0 "$_vnet_libvirtd_pid" 2>/dev/null; then
			diag "$(tail -n 20 "$log/libvirtd.log" "$log/libvirtd.stderr" 2>/dev/null)"
			_vnet_libvirtd_pid=
			bail "libvirtd exited during startup"
		fi
		virsh -q list >/dev/null 2>&1 && break
		[ "$SECONDS" -lt "$deadline" ] || {
			diag "$(tail -n 20 "$log/libvirtd.log" 2>/dev/null)"
			bail "libvirtd did not answer on qemu:///system within ${timeout}s"
		}
		sleep 0.1
	done
	diag "libvirtd running (pid $_vnet_libvirtd_pid)"
}

_vnet_kill_wait() { # PID...: TERM, wait up to ~3 s, then KILL
	local p i alive
	[ "$#" -gt 0 ] || return 0
	kill -TERM "$@" 2>/dev/null || true
	for i in $(seq 30); do
		alive=0
		for p in "$@"; do kill -0 "$p" 2>/dev/null && alive=1; done
		[ "$alive" -eq 1 ] || break
		sleep 0.1
	done
	kill -KILL "$@" 2>/dev/null || true
	for p in "$@"; do wait "$p" 2>/dev/null || true; done
}

# sandbox_cleanup: the EXIT trap.  Destroys the libvirt networks, stops
# dnsmasq/libvirtd/virtlogd and every other process of the sandbox, deletes
# the namespaces, prints the summary and sets the exit status.
sandbox_cleanup() {
	local rc=$? n f p pids=()
	_vnet_cleaning=1
	set +eu
	trap - ERR INT TERM HUP
	# A test's last checks, run whatever way it ends (e.g. foreign_table_check).
	if declare -F test_teardown >/dev/null; then
		test_teardown || rc=1
	fi

	if [ -n "$_vnet_libvirtd_pid" ] && kill -0 "$_vnet_libvirtd_pid" 2>/dev/null; then
		# Guests first, so that no qemu is left on a network being destroyed.
		for n in $(timeout 10 virsh -q list --name 2>/dev/null); do
			timeout 20 virsh -q destroy "$n" >/dev/null 2>&1
		done
		for n in $(timeout 10 virsh -q net-list --name 2>/dev/null); do
			timeout 10 virsh -q net-destroy "$n" >/dev/null 2>&1
		done
	fi
	# libvirt's dnsmasq outlives libvirtd
	for f in /run/libvirt/network/*.pid; do
		[ -f "$f" ] || continue
		[ "$(basename "$f")" = driver.pid ] && continue
		p=$(cat "$f" 2>/dev/null)
		case $p in '' | *[!0-9]*) continue ;; esac
		[ "$p" -gt 1 ] && pids+=("$p")
	done
	_vnet_kill_wait "${pids[@]}" "${_vnet_bg_pids[@]}"
	pids=()
	[ -n "$_vnet_libvirtd_pid" ] && pids+=("$_vnet_libvirtd_pid")
	[ -n "$_vnet_virtlogd_pid" ] && pids+=("$_vnet_virtlogd_pid")
	_vnet_kill_wait "${pids[@]}"

	# Everything else in our PID namespace (we are its PID 1, so /proc
	# lists only sandbox processes): qemu, leftover helpers, ...
	if [ "$$" -eq 1 ]; then
		pids=()
		for f in /proc/[0-9]*; do
			p=${f#/proc/}
			[ "$p" -ne 1 ] && [ "$p" -ne "$BASHPID" ] && pids+=("$p")
		done
		# $(...) subshells of this function are gone by now
		_vnet_kill_wait "${pids[@]}"
	fi

	for n in $(ip netns list 2>/dev/null | awk '{print $1}'); do
		ip netns delete "$n" 2>/dev/null
	done

	# VNET_TEST_LOGDIR=DIR: keep libvirt's logs and the scratch files
	# (server logs, snapshots, XML) in DIR/TEST for a post-mortem.
	if [ -n "${VNET_TEST_LOGDIR:-}" ]; then
		n="$VNET_TEST_LOGDIR/$VNET_TEST_NAME"
		rm -rf "$n" && mkdir -p "$n/libvirt" &&
			cp -a /var/log/libvirt/. "$n/libvirt/" &&
			(cd "$VNET_SCRATCH" && tar --exclude=./var.upper --exclude=./var.work \
				--exclude=./etc.upper --exclude=./etc.work --exclude=./etc -cf - .) |
			tar -C "$n" -xf - 2>/dev/null
	fi
	if [ "$rc" -ne 0 ] && [ "$rc" -ne 77 ] && [ -s /var/log/libvirt/libvirtd.log ]; then
		diag "last lines of libvirtd.log:"
		diag "$(grep -v -e 'virGDBusGetSystemBus' -e 'udevGetDMIData' -e dmidecode -e '/dev/mem' \
			/var/log/libvirt/libvirtd.log | tail -n 15)"
	fi
	# What the background programs (vnetctl watch, servers) said: CI keeps no logs.
	if [ "$rc" -ne 0 ] && [ "$rc" -ne 77 ] || [ "$_vnet_nfailed" -gt 0 ]; then
		for n in "$VNET_SCRATCH"/logs/bg.*.log; do
			[ -s "$n" ] || continue
			diag "last lines of $(basename "$n") ($(head -c 200 "$n.cmd" 2>/dev/null)):"
			diag "$(tail -n 8 "$n")"
		done
	fi

	[ "$rc" -eq 77 ] && exit 77
	printf '1..%d\n' "$_vnet_ntests"
	if [ "$rc" -ne 0 ] || [ "$_vnet_nfailed" -gt 0 ]; then
		diag "$VNET_TEST_NAME: FAIL ($_vnet_nfailed of $_vnet_ntests failed, exit status $rc)"
		exit 1
	fi
	diag "$VNET_TEST_NAME: PASS ($_vnet_ntests tests)"
	exit 0
}

# bg_ns NAME CMD...: start the external command CMD in the background in
# namespace NAME ("-" = sandbox root), output to a log in the sandbox; its
# pid is remembered for cleanup and left in $VNET_BG_PID.
bg_ns() {
	local ns=$1 log
	shift
	log="$VNET_SCRATCH/logs/bg.$((${#_vnet_bg_pids[@]} + 1)).log"
	printf '%s ' "$ns" "$@" >"$log.cmd"
	if [ "$ns" = - ]; then
		"$@" </dev/null >"$log" 2>&1 &
	else
		ip netns exec "$ns" "$@" </dev/null >"$log" 2>&1 &
	fi
	VNET_BG_PID=$!
	_vnet_bg_pids+=("$VNET_BG_PID")
}

_vnet_where() { if [ "$1" = - ]; then printf 'sandbox root'; else printf '%s' "$1"; fi; }

# --------------------------------------------------------- test hosts (ns)

# in_ns NAME CMD...: run CMD in namespace NAME ("-" = the sandbox root).
in_ns() {
	local ns=$1
	shift
	if [ "$ns" = - ]; then
		"$@"
	else
		ip netns exec "$ns" "$@"
	fi
}

# add_host NAME: a new network namespace with lo up.
add_host() {
	local ns=$1
	ip netns add "$ns"
	ip -n "$ns" link set lo up
	# no DAD delay, no RA-driven surprises in test hosts
	in_ns "$ns" sh -c 'for f in /proc/sys/net/ipv6/conf/*/accept_dad; do echo 0 >"$f"; done' 2>/dev/null || true
}

_vnet_ifname() { # PREFIX NAME N -> a name that fits IFNAMSIZ (15)
	local name="$1$2-$3"
	[ "${#name}" -le 15 ] || name="$1$(printf '%s' "$2" | md5sum | cut -c1-8)-$3"
	printf '%s' "$name"
}

_vnet_next_dev() { # NS -> first free ethN in NS
	local i=0
	while ip -n "$1" link show "eth$i" >/dev/null 2>&1; do i=$((i + 1)); done
	printf 'eth%d' "$i"
}

_vnet_family() { # ADDR -> -4|-6
	case $1 in *:*) printf -- -6 ;; *) printf -- -4 ;; esac
}

# guest_add_addr NAME ADDR/PREFIX [GATEWAY] [DEV]: add an (IPv4 or IPv6)
# address in namespace NAME (DEV defaults to the last NIC added to it), and
# a default route of that family via GATEWAY when given.
guest_add_addr() {
	local ns=$1 addr=$2 gw=${3:-} dev=${4:-} fam
	[ -n "$dev" ] || dev=$(ip -n "$ns" -o link show | awk -F': ' '$2 !~ /^lo/ {d=$2} END {sub(/@.*/, "", d); print d}')
	fam=$(_vnet_family "$addr")
	if [ "$fam" = -6 ]; then
		ip -n "$ns" -6 addr add "$addr" dev "$dev" nodad
	else
		ip -n "$ns" addr add "$addr" dev "$dev"
	fi
	if [ -n "$gw" ]; then
		ip -n "$ns" "$(_vnet_family "$gw")" route replace default via "$gw" dev "$dev"
	fi
}

# dhcp_lease NAME DEV [ROUTE]: busybox udhcpc in NAME on DEV until it has a
# lease (at most ~20 s); the address goes on DEV (with ROUTE, also the
# default route through the lease's router) and into $VNET_SCRATCH/NAME.lease.
dhcp_lease() {
	local script=$VNET_SCRATCH/udhcpc.$1.sh
	cat >"$script" <<-SH
		#!/bin/sh
		[ "\$1" = bound ] || exit 0
		ip addr add "\$ip/\${mask:-24}" dev "\$interface"
		[ -z "${3:-}" ] || ip route replace default via "\$router" dev "\$interface"
		echo "\$ip" >"$VNET_SCRATCH/$1.lease"
	SH
	chmod +x "$script"
	in_ns "$1" timeout 30 busybox udhcpc -i "$2" -s "$script" -q -n -f -t 20 -T 1
}

# add_guest NAME BRIDGE ADDR/PREFIX [GATEWAY]: namespace NAME (created if
# needed) with a NIC ethN on the existing bridge BRIDGE through a veth pair.
# ADDR may be IPv4 or IPv6 ("-" for none); add more with guest_add_addr.
# Sets VNET_GUEST_DEV (ethN in NAME) and VNET_GUEST_PORT (the bridge port).
add_guest() {
	local ns=$1 br=$2 addr=${3:--} gw=${4:-} dev port
	ip link show "$br" >/dev/null 2>&1 || bail "add_guest $ns: bridge $br does not exist"
	[ -e "/run/netns/$ns" ] || add_host "$ns"
	dev=$(_vnet_next_dev "$ns")
	port=$(_vnet_ifname vg- "$ns" "${dev#eth}")
	ip link add "$port" type veth peer name "$dev" netns "$ns"
	ip link set "$port" master "$br"
	ip link set "$port" up
	ip -n "$ns" link set "$dev" up
	[ "$addr" = - ] || guest_add_addr "$ns" "$addr" "$gw" "$dev"
	VNET_GUEST_DEV=$dev
	VNET_GUEST_PORT=$port
}

# add_outside NAME HOST_ADDR/PREFIX PEER_ADDR/PREFIX: an "outside" machine
# on the LAN: namespace NAME linked to the sandbox root by a veth pair.  The
# sandbox end (VNET_OUTSIDE_DEV, named out-NAME) gets HOST_ADDR, NAME's eth0
# gets PEER_ADDR and a default route via HOST_ADDR.  HOST_ADDR "-" leaves
# the sandbox end unaddressed (e.g. an uplink to be enslaved to a bridge).
add_outside() {
	local ns=$1 haddr=$2 paddr=$3 hdev dev
	[ -e "/run/netns/$ns" ] || add_host "$ns"
	dev=$(_vnet_next_dev "$ns")
	hdev=$(_vnet_ifname out- "$ns" "${dev#eth}")
	[ "$dev" != eth0 ] || hdev=${hdev%-0}
	ip link add "$hdev" type veth peer name "$dev" netns "$ns"
	ip link set "$hdev" up
	ip -n "$ns" link set "$dev" up
	if [ "$haddr" != - ]; then
		if [ "$(_vnet_family "$haddr")" = -6 ]; then
			ip -6 addr add "$haddr" dev "$hdev" nodad
		else
			ip addr add "$haddr" dev "$hdev"
		fi
		guest_add_addr "$ns" "$paddr" "${haddr%/*}" "$dev"
	else
		guest_add_addr "$ns" "$paddr" "" "$dev"
	fi
	VNET_OUTSIDE_DEV=$hdev
}

# ----------------------------------------------------------- traffic tests

_vnet_wait_listen() { # NS PROTO(t|u) PORT
	local i
	for i in $(seq 50); do
		[ -n "$(in_ns "$1" ss -Hln"$2" "sport = :$3" 2>/dev/null)" ] && return 0
		sleep 0.1
	done
	return 1
}

_vnet_hostport() { # HOST PORT -> socat's HOST:PORT ([v6]:port)
	case $1 in *:*) printf '[%s]:%s' "$1" "$2" ;; *) printf '%s:%s' "$1" "$2" ;; esac
}

# start_http NAME PORT [TEXT]: serve TEXT (default "hello from NAME") over
# HTTP on PORT (IPv4 and IPv6) in namespace NAME ("-" = sandbox root).
start_http() {
	local ns=$1 port=$2 text=${3:-hello from $1} dir listen
	dir="$VNET_SCRATCH/http.${ns//[^A-Za-z0-9_.-]/_}.$port"
	mkdir -p "$dir"
	printf '%s\n' "$text" >"$dir/body"
	{
		printf 'HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n'
		printf 'Content-Length: %d\r\nConnection: close\r\n\r\n' "$(wc -c <"$dir/body")"
		cat "$dir/body"
	} >"$dir/response"
	cat >"$dir/handler" <<-EOF
		#!/bin/sh
		while IFS= read -r l; do l=\$(printf '%s' "\$l" | tr -d '\r'); [ -z "\$l" ] && break; done
		cat '$dir/response'
	EOF
	chmod +x "$dir/handler"
	if [ "$_vnet_ipv6" -eq 1 ]; then listen="TCP6-LISTEN:$port,ipv6only=0"; else listen="TCP4-LISTEN:$port"; fi
	bg_ns "$ns" socat -T 5 "$listen,reuseaddr,fork" "EXEC:$dir/handler"
	_vnet_wait_listen "$ns" t "$port" || bail "start_http: nothing listening on $ns:$port"
}

# expect_http FROM_NS URL EXPECTED_TEXT [TIMEOUT]: fetch URL from FROM_NS
# ("-" = sandbox root) until the body contains EXPECTED_TEXT, retrying for up
# to TIMEOUT s (default 10: new bridge ports need a moment to forward).
expect_http() {
	local from=$1 url=$2 want=$3 timeout=${4:-10} out rc deadline
	deadline=$((SECONDS + timeout))
	while :; do
		rc=0
		out=$(in_ns "$from" curl -sS --noproxy '*' --connect-timeout 1 --max-time 2 "$url" 2>&1) || rc=$?
		if [ "$rc" -eq 0 ] && [[ "$out" == *"$want"* ]]; then
			pass "HTTP $url from $(_vnet_where "$from") gives '$want'"
			return 0
		fi
		[ "$SECONDS" -lt "$deadline" ] || break
		sleep 0.2
	done
	fail "HTTP $url from $(_vnet_where "$from") gives '$want'" || true
	diag "curl exit status $rc, output:" "$out"
	return 1
}

# expect_no_http FROM_NS URL [TIMEOUT]: the fetch must fail (default: within
# 2 s it must not have succeeded).
expect_no_http() {
	local from=$1 url=$2 timeout=${3:-2} out rc=0
	out=$(in_ns "$from" curl -sS --noproxy '*' --connect-timeout "$timeout" --max-time "$timeout" "$url" 2>&1) || rc=$?
	if [ "$rc" -ne 0 ]; then
		pass "HTTP $url from $(_vnet_where "$from") fails (curl: $rc)"
		return 0
	fi
	fail "HTTP $url from $(_vnet_where "$from") fails" || true
	diag "unexpectedly got:" "$out"
	return 1
}

# start_udp_echo NAME PORT: a UDP server on PORT in NAME answering each
# datagram with "NAME: <datagram>".
start_udp_echo() {
	local ns=$1 port=$2 listen
	if [ "$_vnet_ipv6" -eq 1 ]; then listen="UDP6-RECVFROM:$port,ipv6only=0"; else listen="UDP4-RECVFROM:$port"; fi
	local handler="$VNET_SCRATCH/udp.${ns//[^A-Za-z0-9_.-]/_}.$port"
	printf '#!/bin/sh\nread -r l\nprintf "%%s\\n" "%s: $l"\n' "$ns" >"$handler"
	chmod +x "$handler"
	bg_ns "$ns" socat -T 2 "$listen,reuseaddr,fork" "EXEC:$handler"
	_vnet_wait_listen "$ns" u "$port" || bail "start_udp_echo: nothing listening on $ns:$port/udp"
}

_vnet_udp_query() { # FROM HOST PORT TOKEN WAIT -> reply on stdout
	printf '%s\n' "$4" | in_ns "$1" socat -T "$5" -t "$5" - "UDP:$(_vnet_hostport "$2" "$3")" 2>&1
}

# expect_udp FROM_NS HOST PORT [EXPECTED] [TIMEOUT]: send a datagram to
# HOST:PORT until the reply contains EXPECTED (default: the token sent,
# i.e. any start_udp_echo server; pass "NAME:" to require a given one).
expect_udp() {
	local from=$1 host=$2 port=$3 want=${4:-} timeout=${5:-10} token out deadline
	deadline=$((SECONDS + timeout))
	while :; do
		token="vnet-$RANDOM$RANDOM"
		out=$(_vnet_udp_query "$from" "$host" "$port" "$token" 0.5) || true
		if [[ "$out" == *"$token"* ]] && [[ "$out" == *"$want"* ]]; then
			pass "UDP $host:$port from $(_vnet_where "$from") answers${want:+ '$want'}"
			return 0
		fi
		[ "$SECONDS" -lt "$deadline" ] || break
	done
	fail "UDP $host:$port from $(_vnet_where "$from") answers${want:+ '$want'}" || true
	diag "last reply:" "$out"
	return 1
}

# expect_no_udp FROM_NS HOST PORT [TIMEOUT]: no reply within TIMEOUT (2) s.
expect_no_udp() {
	local from=$1 host=$2 port=$3 timeout=${4:-2} token out
	token="vnet-$RANDOM$RANDOM"
	out=$(_vnet_udp_query "$from" "$host" "$port" "$token" "$timeout") || true
	if [[ "$out" != *"$token"* ]]; then
		pass "UDP $host:$port from $(_vnet_where "$from") gets no answer"
		return 0
	fi
	fail "UDP $host:$port from $(_vnet_where "$from") gets no answer" || true
	diag "unexpectedly got:" "$out"
	return 1
}

# ------------------------------------------------------------- snapshots

# snapshot_host FILE: a canonical dump of the sandbox root's state (libvirt
# networks, links, addresses, routes, rules, forwarding sysctls, nftables),
# with volatile fields (lifetimes, counters, expiries) masked.
snapshot_host() {
	local file=$1 n
	# An observer that finds nothing (an empty grep) is no failure here.
	(
		set +e +o pipefail
		trap - ERR
		echo "=== libvirt networks"
		if [ -n "$_vnet_libvirtd_pid" ]; then
			for n in $(virsh -q net-list --all --name | sort); do
				echo "--- $n ($(virsh -q net-info "$n" | awk '/^Active:/ {print "active " $2} /^Autostart:/ {print "autostart " $2}' | paste -sd' '))"
				virsh -q net-dumpxml --inactive "$n"
				# the running network too: a rollback must give back what runs, not only its definition
				if virsh -q net-info "$n" | grep -q '^Active: *yes'; then
					echo "--- $n, running"
					virsh -q net-dumpxml "$n" | sed -E "s/ connections='[0-9]+'//"
				fi
			done
		else
			echo "(libvirtd not running)"
		fi
		echo "=== ip -o link"
		# SNAPSHOT_NO_IFINDEX=1: a link made anew (a network a rollback
		# started again) gets another index; compare the rest.
		if [ -n "${SNAPSHOT_NO_IFINDEX:-}" ]; then
			ip -o link | sed -E -e 's/\\ +/ /g' -e 's/^[0-9]+: //' -e 's/@if[0-9]+/@ifN/' | sort
		else
			ip -o link | sed -E 's/\\ +/ /g'
		fi
		echo "=== ip -o addr"
		ip -o addr | sed -E -e 's/\\ +/ /g' -e 's/ (valid|preferred)_lft [^ ]+//g' -e 's/ tentative//' \
			-e "${SNAPSHOT_NO_IFINDEX:+s/^[0-9]+: //}" | { if [ -n "${SNAPSHOT_NO_IFINDEX:-}" ]; then sort; else cat; fi; }
		# The local table follows the addresses (listed above) and is noisy
		# for IPv6 link-local ones; every other table is compared.
		echo "=== ip -o route (every table but local)"
		ip -o route show table all | { grep -v ' table local ' || :; } | sed -E 's/ expires [^ ]+//'
		echo "=== ip -6 -o route (every table but local)"
		ip -6 -o route show table all | { grep -v ' table local ' || :; } | sed -E 's/ expires [^ ]+//'
		echo "=== ip rule"
		ip rule; ip -6 rule
		echo "=== sysctl"
		sysctl -a 2>/dev/null | grep -E '^net\.ipv4\.ip_forward |^net\.ipv4\.conf\.[^.]+\.(forwarding|route_localnet|proxy_arp) |^net\.ipv6\.conf\.[^.]+\.forwarding ' | sort
		echo "=== dnsmasq and radvd"
		{ pgrep -a -x 'dnsmasq|radvd' || :; } | cut -d' ' -f2- | sort
		echo "=== nft list ruleset"
		# Its warnings (a table of iptables-nft's) go to stderr, at any point of the listing.
		nft list ruleset 2>/dev/null | sed -E -e 's/packets [0-9]+ bytes [0-9]+/packets N bytes N/g' -e 's/ expires [^ ,}]+//g'
	) >"$file" 2>&1
}

# expect_same_snapshot BEFORE AFTER: assert two snapshots are identical.
expect_same_snapshot() {
	local d rc=0
	d=$(diff -u --label before --label after "$1" "$2") || rc=$?
	if [ "$rc" -eq 0 ]; then
		pass "host state unchanged"
		return 0
	fi
	fail "host state unchanged" || true
	diag "$d"
	return 1
}
