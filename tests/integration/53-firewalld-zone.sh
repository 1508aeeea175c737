#!/bin/bash
# 53-firewalld-zone: a bridge in firewalld's zone vnetctl, bound through
# firewalld's D-Bus API by libvnet (src/lib/firewalld.h, driven by
# tests/tools/fwzone), with the real firewalld on the sandbox's own system
# bus (issue 12).  A bridge with a guest namespace, an outside namespace
# routed through the host with a masquerade of our own (table ip fwz), and
# on the host a DNS-like and a DHCP-like UDP server (53, 67) and a TCP
# service (2222).  Checked with real traffic:
#   - without firewalld all of it works (the control), and every fwzone
#     call says "absent" and changes nothing;
#   - in firewalld's default zone the guest gets neither out nor to 53/67;
#   - bound (firewalld reloaded once to load the zone libvnet added), the
#     guest gets out and to 53 and 67, and TCP 2222 on the host is rejected;
#     the zone libvnet added is the one shipped (data/firewalld/vnetctl.xml);
#     binding again changes nothing;
#   - `firewall-cmd --reload` and a restart of firewalld keep that;
#   - unbinding puts the bridge back into the zones it was in (none; then
#     internal at runtime and work permanently) and the guest is blocked
#     again; a zone moved to by an admin meanwhile stays, a previous zone
#     deleted meanwhile becomes no zone;
#   - a refused name and a hung firewalld are errors that change nothing;
#   - with firewalld stopped (its bus still up) the calls say "absent";
#   - with the zone file installed where the package puts it
#     (lib/firewalld/zones), binding needs no reload; a bind whose
#     permanent half fails (read-only /etc/firewalld) undoes its runtime
#     half.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
sandbox_enter "$@"
require_cmd nft socat ip curl firewalld firewall-cmd dbus-daemon
. "$(dirname "$0")/firewalls.sh"

SRC=$(cd "$(dirname "$0")/../.." && pwd)
FWZONE=${FWZONE:-${top_builddir:-$SRC}/tests/tools/fwzone}
[ -x "$FWZONE" ] || skip "tests/tools/fwzone is not built (make tests/tools/fwzone)"
ZONE_XML=$SRC/data/firewalld/vnetctl.xml
BR=vn-fwz
HOST=10.91.0.1
LAN=192.0.2.2

# ------------------------------------------------------------- helpers

# fw_zones IFACE: "RUNTIME PERMANENT" as firewall-cmd (the observer) sees
# them, "-" for no zone.
fw_zones() {
	local rt perm
	rt=$(firewall-cmd --get-zone-of-interface="$1" 2>/dev/null) || rt=-
	perm=$(firewall-cmd --permanent --get-zone-of-interface="$1" 2>/dev/null) || perm=-
	[ "$rt" != "no zone" ] || rt=-
	[ "$perm" != "no zone" ] || perm=-
	printf '%s %s\n' "$rt" "$perm"
}

expect_zones() { # IFACE "RUNTIME PERMANENT" DESC
	local got
	got=$(fw_zones "$1")
	if [ "$got" = "$2" ]; then
		pass "$3: firewall-cmd says $1 is in '$2' (runtime permanent)"
	else
		fail "$3: firewall-cmd says $1 is in '$2' (runtime permanent)" || true
		diag "it says '$got'"
		return 1
	fi
}

# fwzone_ok DESC OUTFILE ARGS...: fwzone succeeds, its output in OUTFILE.
fwzone_ok() {
	local desc=$1 out=$2
	shift 2
	if "$FWZONE" "$@" >"$out" 2>"$out.err"; then
		pass "$desc"
	else
		fail "$desc" || true
		diag "fwzone $*:" "$(cat "$out" "$out.err")"
		return 1
	fi
}

field() { sed -n "s/^$1=//p" "$2"; } # KEY FILE
msg_has() { printf '%s' "$1" | grep -qF -- "$2"; } # TEXT WORDS

expect_field() { # FILE KEY VALUE DESC
	local got
	got=$(field "$2" "$1")
	if [ "$got" = "$3" ]; then
		pass "$4: $2=$3"
	else
		fail "$4: $2=$3" || true
		diag "got $2='$got'" "$(cat "$1")"
		return 1
	fi
}

# The guest's view: out, to the host's DNS and DHCP ports, to TCP 2222.
expect_open() { # DESC
	expect_http g1 "http://$LAN/" "hello from lan" 10 || true
	expect_udp g1 "$HOST" 53 "-:" 5 || true
	expect_udp g1 "$HOST" 67 "-:" 5 || true
}
expect_blocked() { # DESC
	expect_no_http g1 "http://$LAN/" || true
	expect_no_udp g1 "$HOST" 53 || true
	expect_no_udp g1 "$HOST" 67 || true
}
# rejected, not dropped: the connection fails at once
expect_rejected_2222() {
	local out start=$SECONDS
	out=$(in_ns g1 socat -T 3 - "TCP:$HOST:2222,connect-timeout=3" </dev/null 2>&1) || true
	if [ "$((SECONDS - start))" -lt 2 ] && [[ "$out" == *"refused"* || "$out" == *"unreachable"* || "$out" == *"No route"* ]]; then
		pass "TCP $HOST:2222 from g1 is rejected"
	else
		fail "TCP $HOST:2222 from g1 is rejected" || true
		diag "socat said: $out"
	fi
}

# What a change would show: links, addresses, routes, nft, firewalld's zone files.
state() { # FILE
	snapshot_host "$1"
	{
		echo "=== /etc/firewalld"
		(cd /etc/firewalld && find . -type f -print0 | sort -z | xargs -0 -r md5sum)
		# only when it runs: firewall-cmd would activate it over D-Bus
		if [ -n "$VNET_FW_FIREWALLD_PID" ]; then
			echo "=== active zones"
			firewall-cmd --get-active-zones
		fi
	} >>"$1"
}

# ------------------------------------------------------------- the hosts

ip link add "$BR" type bridge
ip addr add "$HOST/24" dev "$BR"
ip link set "$BR" up
add_guest g1 "$BR" 10.91.0.10/24 "$HOST"
add_outside lan 192.0.2.1/24 "$LAN/24"
sysctl -qw net.ipv4.ip_forward=1
nft -f - <<-EOF
	table ip fwz {
		chain post {
			type nat hook postrouting priority srcnat; policy accept;
			ip saddr 10.91.0.0/24 oifname "$VNET_OUTSIDE_DEV" masquerade
		}
	}
EOF
start_http lan 80 "hello from lan"
start_udp_echo - 53
start_udp_echo - 67
start_http - 2222 "host service"

# ------------------------------------------------------------- no firewalld

diag "no firewalld, no system bus"
expect_open
expect_http g1 "http://$HOST:2222/" "host service" 5
state "$VNET_SCRATCH/absent.before"
for args in running ensure "zone $BR" "bind $BR" "unbind $BR public work"; do
	# shellcheck disable=SC2086 # the words are the arguments
	fwzone_ok "no system bus: fwzone $args succeeds" "$VNET_SCRATCH/out" $args
	expect_field "$VNET_SCRATCH/out" firewalld absent "no system bus: fwzone $args"
	check "no system bus: fwzone $args prints nothing else" \
		test "$(wc -l <"$VNET_SCRATCH/out")" -eq 1
done
state "$VNET_SCRATCH/absent.after"
expect_same_snapshot "$VNET_SCRATCH/absent.before" "$VNET_SCRATCH/absent.after"
expect_open

# ------------------------------------------------------------- default zone

start_firewalld || skip "$VNET_FW_WHY"
diag "firewalld running, $BR in no zone (the default zone, $(firewall-cmd --get-default-zone))"
check "firewalld has no zone vnetctl yet" sh -c '! firewall-cmd --get-zones | grep -qw vnetctl'
expect_zones "$BR" "- -" "before binding"
fwzone_ok "fwzone zone $BR" "$VNET_SCRATCH/out" zone "$BR"
expect_field "$VNET_SCRATCH/out" runtime "" "libvnet agrees before binding"
expect_field "$VNET_SCRATCH/out" permanent "" "libvnet agrees before binding"
expect_blocked

# a refused name changes nothing
state "$VNET_SCRATCH/bad.before"
check_not "fwzone bind refuses a bad interface name" "$FWZONE" bind 'vn fwz;x'
check "the refusal names the interface" sh -c "'$FWZONE' bind 'vn fwz;x' 2>&1 | grep -q 'is not a valid interface name'"
check_not "fwzone unbind refuses a bad previous zone" "$FWZONE" unbind "$BR" 'a b' ''
state "$VNET_SCRATCH/bad.after"
expect_same_snapshot "$VNET_SCRATCH/bad.before" "$VNET_SCRATCH/bad.after"

# ------------------------------------------------------------- bind

fwzone_ok "fwzone bind $BR" "$VNET_SCRATCH/bind1" bind "$BR"
expect_field "$VNET_SCRATCH/bind1" firewalld running "first bind"
expect_field "$VNET_SCRATCH/bind1" reloaded yes "first bind (zone vnetctl added, firewalld reloaded)"
expect_field "$VNET_SCRATCH/bind1" prev-runtime "" "first bind"
expect_field "$VNET_SCRATCH/bind1" prev-permanent "" "first bind"
expect_zones "$BR" "vnetctl vnetctl" "bound"
check "zone vnetctl is in firewalld's permanent configuration" test -f /etc/firewalld/zones/vnetctl.xml
expect_open
expect_rejected_2222

# the zone libvnet added over D-Bus is the file the package ships
cp "$ZONE_XML" /etc/firewalld/zones/vnetship.xml
firewall-cmd -q --reload
zone_info() { firewall-cmd --permanent --info-zone="$1" | sed -e '1d' -e '/^  interfaces:/d'; }
check "zone vnetctl (addZone2) has the settings of data/firewalld/vnetctl.xml" \
	diff <(zone_info vnetctl) <(zone_info vnetship)
check "its description is the shipped one" \
	test "$(firewall-cmd --permanent --zone=vnetctl --get-description)" = "$(firewall-cmd --permanent --zone=vnetship --get-description)"
rm /etc/firewalld/zones/vnetship.xml

# idempotent
fwzone_ok "fwzone bind $BR again" "$VNET_SCRATCH/bind2" bind "$BR"
expect_field "$VNET_SCRATCH/bind2" reloaded no "second bind"
expect_field "$VNET_SCRATCH/bind2" prev-runtime vnetctl "second bind"
expect_field "$VNET_SCRATCH/bind2" prev-permanent vnetctl "second bind"
expect_zones "$BR" "vnetctl vnetctl" "bound twice"

# ------------------------------------------------------------- reload, restart

firewall-cmd -q --reload
expect_zones "$BR" "vnetctl vnetctl" "after firewall-cmd --reload"
expect_open
expect_rejected_2222

stop_firewalld
start_firewalld || bail "firewalld did not start again: $VNET_FW_WHY"
expect_zones "$BR" "vnetctl vnetctl" "after a restart of firewalld"
expect_open
expect_rejected_2222

# a hung firewalld is an error within the timeout, and changes nothing
state "$VNET_SCRATCH/hung.before"
kill -STOP "$VNET_FW_FIREWALLD_PID"
start=$SECONDS
if out=$("$FWZONE" unbind "$BR" "" "" 2>&1); then
	fail "fwzone unbind fails while firewalld is stopped (SIGSTOP)" || true
	diag "$out"
else
	pass "fwzone unbind fails while firewalld is stopped (SIGSTOP)"
fi
check "within the timeout (5 s), not a hang ($((SECONDS - start)) s)" test "$((SECONDS - start))" -le 8
check "the message says firewalld did not answer" msg_has "$out" "firewalld did not answer"
diag "$out"
kill -CONT "$VNET_FW_FIREWALLD_PID"
state "$VNET_SCRATCH/hung.after"
expect_same_snapshot "$VNET_SCRATCH/hung.before" "$VNET_SCRATCH/hung.after"

# ------------------------------------------------------------- unbind

fwzone_ok "fwzone unbind $BR to no zone" "$VNET_SCRATCH/out" unbind "$BR" "" ""
expect_zones "$BR" "- -" "unbound"
expect_blocked
fwzone_ok "fwzone unbind $BR again" "$VNET_SCRATCH/out" unbind "$BR" "" ""
expect_zones "$BR" "- -" "unbound twice"

# from zones of the admin's: internal at runtime, work permanently
firewall-cmd -q --zone=internal --change-interface="$BR"
firewall-cmd -q --permanent --zone=work --add-interface="$BR"
expect_zones "$BR" "internal work" "the admin's zones"
fwzone_ok "fwzone bind $BR from the admin's zones" "$VNET_SCRATCH/bind3" bind "$BR"
expect_field "$VNET_SCRATCH/bind3" reloaded no "bind with the zone there"
expect_field "$VNET_SCRATCH/bind3" prev-runtime internal "bind from the admin's zones"
expect_field "$VNET_SCRATCH/bind3" prev-permanent work "bind from the admin's zones"
expect_zones "$BR" "vnetctl vnetctl" "bound from the admin's zones"
expect_open
fwzone_ok "fwzone unbind $BR to internal and work" "$VNET_SCRATCH/out" unbind "$BR" \
	"$(field prev-runtime "$VNET_SCRATCH/bind3")" "$(field prev-permanent "$VNET_SCRATCH/bind3")"
expect_zones "$BR" "internal work" "unbound back to the admin's zones"
# internal (like public) lets nothing out of its bridge
expect_no_http g1 "http://$LAN/" || true
firewall-cmd -q --reload
expect_zones "$BR" "work work" "the permanent zone is work after a reload"

# an admin who moved the bridge away meanwhile keeps the move
fwzone_ok "fwzone bind $BR once more" "$VNET_SCRATCH/bind4" bind "$BR"
firewall-cmd -q --zone=dmz --change-interface="$BR"
fwzone_ok "fwzone unbind $BR after the admin moved it" "$VNET_SCRATCH/out" unbind "$BR" work work
expect_zones "$BR" "dmz work" "the admin's runtime move is kept, the permanent binding undone"
firewall-cmd -q --permanent --zone=work --remove-interface="$BR"
firewall-cmd -q --zone=dmz --remove-interface="$BR"

# a previous zone that is gone by the undo: no zone, not vnetctl's
firewall-cmd -q --permanent --new-zone=gone1
firewall-cmd -q --reload
firewall-cmd -q --zone=gone1 --change-interface="$BR"
firewall-cmd -q --permanent --zone=gone1 --add-interface="$BR"
fwzone_ok "fwzone bind $BR from zone gone1" "$VNET_SCRATCH/bind6" bind "$BR"
expect_field "$VNET_SCRATCH/bind6" prev-permanent gone1 "bind from zone gone1"
firewall-cmd -q --permanent --delete-zone=gone1
firewall-cmd -q --reload
fwzone_ok "fwzone unbind $BR to the deleted zone gone1" "$VNET_SCRATCH/out" unbind "$BR" gone1 gone1
expect_zones "$BR" "- -" "unbound from a previous zone that is gone"

# ------------------------------------------------------------- stopped, bus up

_vnet_kill_wait "$VNET_FW_FIREWALLD_PID"
VNET_FW_FIREWALLD_PID=
check "the sandbox's system bus still runs" test -S /run/dbus/system_bus_socket
# Debian's firewalld ships no D-Bus activation file; with one (a sandbox
# copy of the directory) any call that allows activation would start it.
_fw_private_dir /usr/share/dbus-1/system-services
cat >/usr/share/dbus-1/system-services/org.fedoraproject.FirewallD1.service <<-'EOF'
	[D-BUS Service]
	Name=org.fedoraproject.FirewallD1
	Exec=/usr/sbin/firewalld --nofork --nopid --log-target console
	User=root
EOF
gdbus call --system --dest org.freedesktop.DBus --object-path /org/freedesktop/DBus \
	--method org.freedesktop.DBus.ReloadConfig >/dev/null
state "$VNET_SCRATCH/stopped.before"
for args in running ensure "zone $BR" "bind $BR" "unbind $BR public work"; do
	# shellcheck disable=SC2086 # the words are the arguments
	fwzone_ok "firewalld stopped: fwzone $args succeeds" "$VNET_SCRATCH/out" $args
	expect_field "$VNET_SCRATCH/out" firewalld absent "firewalld stopped: fwzone $args"
done
state "$VNET_SCRATCH/stopped.after"
expect_same_snapshot "$VNET_SCRATCH/stopped.before" "$VNET_SCRATCH/stopped.after"
fw_owned() {
	gdbus call --system --dest org.freedesktop.DBus --object-path /org/freedesktop/DBus \
		--method org.freedesktop.DBus.NameHasOwner org.fedoraproject.FirewallD1 | grep -q true
}
check "nothing started firewalld (no D-Bus activation)" sh -c '! pgrep -x firewalld'
check_not "nobody owns firewalld's D-Bus name" fw_owned
# the control: a call that allows activation does start it here
check "a D-Bus call that allows activation starts firewalld in the sandbox" \
	timeout 60 gdbus call --system --dest org.fedoraproject.FirewallD1 \
	--object-path /org/fedoraproject/FirewallD1 --method org.fedoraproject.FirewallD1.getDefaultZone
check "then firewalld owns its name" fw_owned
activated=$(pgrep -x firewalld) || true
check "and pgrep sees it" test -n "$activated"
[ -z "$activated" ] || _vnet_kill_wait "$activated"
stop_firewalld

# ------------------------------------------------------------- the package's zone file

# as installed by the package: $(prefix)/lib/firewalld/zones, here a sandbox copy
rm -f /etc/firewalld/zones/vnetctl.xml /etc/firewalld/zones/vnetctl.xml.old
_fw_private_dir /usr/lib/firewalld/zones
cp "$ZONE_XML" /usr/lib/firewalld/zones/vnetctl.xml
start_firewalld || bail "firewalld did not start with the shipped zone: $VNET_FW_WHY"
check "firewalld loads the shipped zone vnetctl" sh -c 'firewall-cmd --get-zones | grep -qw vnetctl'
fwzone_ok "fwzone bind $BR with the shipped zone" "$VNET_SCRATCH/bind5" bind "$BR"
expect_field "$VNET_SCRATCH/bind5" reloaded no "the shipped zone needs no reload"
expect_zones "$BR" "vnetctl vnetctl" "bound to the shipped zone"
expect_open
expect_rejected_2222

# all or nothing: firewalld cannot write its permanent configuration (a
# read-only /etc/firewalld), so the permanent binding fails after the
# runtime one was made, and the runtime one is undone.  (Unbound first:
# firewalld makes a zone's chains when its first interface comes, and keeps
# them.)
fwzone_ok "fwzone unbind $BR" "$VNET_SCRATCH/out" unbind "$BR" "" ""
state "$VNET_SCRATCH/ro.before"
mount -o remount,ro /etc/firewalld
if out=$("$FWZONE" bind "$BR" 2>&1); then
	fail "fwzone bind fails when firewalld cannot write its permanent configuration" || true
	diag "$out"
else
	pass "fwzone bind fails when firewalld cannot write its permanent configuration"
fi
diag "$out"
check "the message names the interface, the zone and the permanent configuration" \
	msg_has "$out" "interface $BR to zone vnetctl in its permanent configuration"
mount -o remount,rw /etc/firewalld
expect_zones "$BR" "- -" "after the failed bind"
state "$VNET_SCRATCH/ro.after"
expect_same_snapshot "$VNET_SCRATCH/ro.before" "$VNET_SCRATCH/ro.after"
expect_blocked
fwzone_ok "fwzone bind $BR once /etc/firewalld is writable again" "$VNET_SCRATCH/out" bind "$BR"
expect_open

