# shellcheck shell=bash
#
# tests/integration/systemd.sh - systemd's manager as the revert timer sees
# it, in the sandbox: systemd cannot be PID 1 there, so a stand-in
# (fake-systemd.py) owns org.freedesktop.systemd1 on the sandbox's own
# system bus (firewalls.sh's start_system_bus) and really runs the timer's
# service when it elapses.
#
# Source after lib.sh and firewalls.sh, once sandbox_enter has run:
#
#   require_fake_systemd skip unless python3-gi is there (call before assertions)
#   start_fake_systemd   the bus, the stand-in, /run/systemd/system (what
#                        says "systemd is PID 1"); waits until it owns its name.
#                        Calls are JSON lines in $VNET_SD_LOG; write ok, refuse,
#                        fail-job or hang into $VNET_SD_MODE to change its answer.
#   stop_fake_systemd    all of that goes again
#   start_hung_bus PATH  a socket at PATH that takes connections and never
#                        answers: a hung dbus-daemon
#   sd_calls             the logged StartTransientUnit calls (jq), one a line
#
# The timer's service runs with systemd's clean environment, in which the
# build tree's libtool binary cannot find libvnet: VNET_VNETCTL names the
# wrapper script, so the library puts that in ExecStart.

[ "${VNET_SANDBOX:-}" = 1 ] || { echo "systemd.sh: source it after sandbox_enter" >&2; exit 1; }

VNET_SD_LOG=$VNET_SCRATCH/fake-systemd.log
VNET_SD_MODE=$VNET_SCRATCH/fake-systemd.mode
VNET_SD_PID=

# require_fake_systemd: skip (before any assertion) unless the stand-in can run.
require_fake_systemd() {
	/usr/bin/python3 -c 'from gi.repository import Gio' 2>/dev/null ||
		skip "python3-gi is not installed (tools/install-deps)"
}

start_fake_systemd() {
	local i
	start_system_bus || return 1
	: >"$VNET_SD_LOG"
	echo ok >"$VNET_SD_MODE"
	bg_ns - /usr/bin/python3 "$(dirname "${BASH_SOURCE[0]}")/fake-systemd.py" "$VNET_SD_LOG" "$VNET_SD_MODE"
	VNET_SD_PID=$VNET_BG_PID
	for i in $(seq 50); do
		grep -q '"ready"' "$VNET_SD_LOG" && break
		kill -0 "$VNET_SD_PID" 2>/dev/null || break
		sleep 0.2
	done
	grep -q '"ready"' "$VNET_SD_LOG" ||
		{ _fw_fail "$VNET_SCRATCH/logs/bg.${#_vnet_bg_pids[@]}.log" "the stand-in systemd did not start"; return 1; }
	mkdir -p /run/systemd/system
	export VNET_VNETCTL=$VNETCTL
	diag "stand-in systemd (pid $VNET_SD_PID) on the sandbox's system bus"
}

stop_fake_systemd() {
	[ -z "$VNET_SD_PID" ] || _vnet_kill_wait "$VNET_SD_PID"
	VNET_SD_PID=
	rm -rf /run/systemd
	unset VNET_VNETCTL
	stop_system_bus
}

start_hung_bus() { # PATH
	rm -f "$1"
	bg_ns - /usr/bin/python3 -c 'import socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[1])
s.listen(64)
time.sleep(3600)' "$1"
	for i in $(seq 50); do [ -S "$1" ] && return 0; sleep 0.1; done
	return 1
}

sd_calls() { jq -c 'select(.unit)' "$VNET_SD_LOG"; }
