# shellcheck shell=bash
#
# tests/integration/firewalls.sh - the real foreign firewalls, in the sandbox.
#
# Source after lib.sh, once sandbox_enter has run:
#
#     . "$(dirname "$0")/lib.sh"
#     sandbox_enter "$@"
#     . "$(dirname "$0")/firewalls.sh"
#     start_dockerd || skip "$VNET_FW_WHY"
#
# Each helper starts the real daemon or tool of Debian 12 inside the sandbox's
# network and mount namespaces, so it writes its rules into the sandbox's
# nftables and nothing of it lands on the host: every directory it writes is
# a tmpfs (or a tmpfs copy of the host's files) made here first, whatever
# lib.sh already made private (which depends on the host: /etc and /var get
# an overlay only when libvirt's directories are missing).  The daemons die
# with the sandbox's PID namespace like any other process of it.
#
#   start_dockerd        dockerd (iptables-nft, --iptables=true), no container;
#                        waits until `docker info` answers
#   start_system_bus     the sandbox's own system D-Bus (dbus-daemon --system)
#   start_firewalld      a private system D-Bus, then firewalld (nftables
#                        backend, default zone); waits for `firewall-cmd --state`
#   enable_ufw           `ufw --force enable` with the package's defaults
#   add_hardened_filter  a table inet filter whose forward chain drops
#   stop_dockerd, stop_firewalld, stop_system_bus, disable_ufw
#                        stop it again (the rules a daemon leaves stay:
#                        `nft flush ruleset` clears them)
#
# A helper that cannot run its daemon (not installed, or it exits) returns 1
# with the reason in VNET_FW_WHY, so a test can skip.  Logs are in
# $VNET_SCRATCH/logs/{dockerd,dbus,firewalld,ufw}.log.

[ "${VNET_SANDBOX:-}" = 1 ] || { echo "firewalls.sh: source it after sandbox_enter" >&2; exit 1; }

VNET_FW_WHY=
VNET_FW_DOCKERD_PID=
VNET_FW_FIREWALLD_PID=
VNET_FW_DBUS_PID=
DOCKER_HOST=unix:///run/docker.sock
export DOCKER_HOST

# _fw_private_dir DIR: a tmpfs on DIR holding a copy of what the host has
# there (once: later calls keep what the daemon wrote).
_fw_private_dir() {
	local dir=$1 copy
	copy="$VNET_SCRATCH/fw-copy${dir//\//_}"
	[ ! -d "$copy" ] || return 0
	mkdir -p "$copy"
	[ -d "$dir" ] && cp -a "$dir/." "$copy/"
	mkdir -p "$dir"
	mount -t tmpfs -o mode=0755 vnet-fw "$dir"
	cp -a "$copy/." "$dir/"
}

# _fw_private_file FILE: FILE becomes a bind mount of a copy of it.
_fw_private_file() {
	local file=$1 copy
	copy="$VNET_SCRATCH/fw-copy${file//\//_}"
	[ ! -f "$copy" ] || return 0
	[ -f "$file" ] || return 1
	cp -a "$file" "$copy"
	mount --bind "$copy" "$file"
}

# _fw_wait SECONDS PID CMD...: until CMD succeeds; 1 if PID died or time ran out.
_fw_wait() {
	local deadline=$((SECONDS + $1)) pid=$2
	shift 2
	while ! "$@" >/dev/null 2>&1; do
		kill -0 "$pid" 2>/dev/null || return 1
		[ "$SECONDS" -lt "$deadline" ] || return 1
		sleep 0.2
	done
}

_fw_fail() { # LOG MSG: say why, with the log's tail
	VNET_FW_WHY=$2
	diag "$2"
	[ -f "$1" ] && diag "$(tail -n 15 "$1")"
	return 1
}

# start_dockerd: Docker's daemon with its default bridge and iptables rules.
start_dockerd() {
	local log=$VNET_SCRATCH/logs/dockerd.log d
	command -v dockerd >/dev/null && command -v docker >/dev/null ||
		{ VNET_FW_WHY="dockerd is not installed (docker.io; tools/install-deps)"; return 1; }
	command -v iptables >/dev/null ||
		{ VNET_FW_WHY="iptables is not installed (tools/install-deps)"; return 1; }
	# key.json and daemon.json (/etc/docker), images and containerd's
	# state (/var/lib/docker, /var/lib/containerd): all on tmpfs.
	for d in /etc/docker /var/lib/docker /var/lib/containerd /etc/containerd; do
		_fw_private_dir "$d"
	done
	mkdir -p /run/docker
	printf '{}\n' >/etc/docker/daemon.json
	bg_ns - dockerd --config-file /etc/docker/daemon.json \
		--data-root /var/lib/docker --exec-root /run/docker \
		--pidfile /run/docker.pid -H "$DOCKER_HOST" --iptables=true
	VNET_FW_DOCKERD_PID=$VNET_BG_PID
	ln -sf "$VNET_SCRATCH/logs/bg.${#_vnet_bg_pids[@]}.log" "$log"
	_fw_wait 60 "$VNET_BG_PID" docker info ||
		{ _fw_fail "$log" "dockerd did not answer within 60 s"; return 1; }
	# its iptables rules come with the default bridge: wait for them
	_fw_wait 20 "$VNET_BG_PID" sh -c 'iptables -S DOCKER-USER' ||
		{ _fw_fail "$log" "dockerd made no DOCKER-USER chain within 20 s"; return 1; }
	diag "dockerd running (pid $VNET_BG_PID)"
}

# stop_dockerd: dockerd and the containerd it runs end; its rules stay.
stop_dockerd() {
	[ -z "$VNET_FW_DOCKERD_PID" ] || _vnet_kill_wait "$VNET_FW_DOCKERD_PID"
	VNET_FW_DOCKERD_PID=
}

# start_system_bus: the sandbox's own system D-Bus (once), dbus-daemon
# --system with Debian's policy, in /run/dbus on the sandbox's own /run,
# where GDBus looks for the system bus.
start_system_bus() {
	[ -z "$VNET_FW_DBUS_PID" ] || return 0
	command -v dbus-daemon >/dev/null ||
		{ VNET_FW_WHY="dbus-daemon is not installed (tools/install-deps)"; return 1; }
	mkdir -p /run/dbus
	bg_ns - dbus-daemon --system --nofork --nopidfile
	ln -sf "$VNET_SCRATCH/logs/bg.${#_vnet_bg_pids[@]}.log" "$VNET_SCRATCH/logs/dbus.log"
	_fw_wait 10 "$VNET_BG_PID" test -S /run/dbus/system_bus_socket ||
		{ _fw_fail "$VNET_SCRATCH/logs/dbus.log" "the sandbox's dbus-daemon did not start"; return 1; }
	VNET_FW_DBUS_PID=$VNET_BG_PID
}

# stop_system_bus: the sandbox's system D-Bus ends, its socket goes.
stop_system_bus() {
	[ -z "$VNET_FW_DBUS_PID" ] || _vnet_kill_wait "$VNET_FW_DBUS_PID"
	rm -f /run/dbus/system_bus_socket
	VNET_FW_DBUS_PID=
}

# start_firewalld: a private system bus, then firewalld on it.
start_firewalld() {
	local log=$VNET_SCRATCH/logs/firewalld.log
	command -v firewalld >/dev/null && command -v firewall-cmd >/dev/null ||
		{ VNET_FW_WHY="firewalld is not installed (tools/install-deps)"; return 1; }
	# firewalld keeps its permanent configuration in /etc/firewalld (a
	# copy here) and logs to the console (our log), not /var/log.
	_fw_private_dir /etc/firewalld
	start_system_bus || return 1
	bg_ns - env -u G_DEBUG firewalld --nofork --nopid --log-target console
	VNET_FW_FIREWALLD_PID=$VNET_BG_PID
	ln -sf "$VNET_SCRATCH/logs/bg.${#_vnet_bg_pids[@]}.log" "$log"
	_fw_wait 60 "$VNET_BG_PID" firewall-cmd --state ||
		{ _fw_fail "$log" "firewalld did not answer within 60 s"; return 1; }
	diag "firewalld running (pid $VNET_BG_PID) on the sandbox's system bus"
}

# stop_firewalld: firewalld (which removes its table: CleanupOnExit), then its bus.
stop_firewalld() {
	[ -z "$VNET_FW_FIREWALLD_PID" ] || _vnet_kill_wait "$VNET_FW_FIREWALLD_PID"
	VNET_FW_FIREWALLD_PID=
	stop_system_bus
}

# enable_ufw: ufw enabled with the package's defaults (input and forward drop).
enable_ufw() {
	local log=$VNET_SCRATCH/logs/ufw.log
	command -v ufw >/dev/null || { VNET_FW_WHY="ufw is not installed (tools/install-deps)"; return 1; }
	command -v iptables >/dev/null || { VNET_FW_WHY="iptables is not installed (tools/install-deps)"; return 1; }
	# ufw.conf's ENABLED=yes and the rules it writes: copies only.
	_fw_private_dir /etc/ufw
	_fw_private_file /etc/default/ufw ||
		{ VNET_FW_WHY="ufw has no /etc/default/ufw (broken install?)"; return 1; }
	ufw --force enable >"$log" 2>&1 || { _fw_fail "$log" "ufw --force enable failed"; return 1; }
	diag "ufw enabled"
}

# disable_ufw: ufw's rules removed, ENABLED=no (in the sandbox's copy).
disable_ufw() {
	ufw disable >>"$VNET_SCRATCH/logs/ufw.log" 2>&1
}

# add_hardened_filter: the shape of a hand-hardened host: a table inet
# filter whose input and forward chains drop what they do not accept.
add_hardened_filter() {
	nft -f - <<-'EOF'
		table inet filter {
			chain input {
				type filter hook input priority filter; policy drop;
				ct state established,related accept
				iif "lo" accept
				tcp dport 22 accept
			}
			chain forward {
				type filter hook forward priority filter; policy drop;
			}
			chain output {
				type filter hook output priority filter; policy accept;
			}
		}
	EOF
}
