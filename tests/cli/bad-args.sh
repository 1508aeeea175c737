#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# vnetctl's command line contract: a table of bad arguments, each with the
# exit status it must give (2 usage, 1 refused or invalid value) and a string
# its error on stderr must contain (the bad value itself), then valid calls
# whose output must be XML (xmllint) or JSON (jq).  Only `xml` and `help` are
# run, and `attach`/`detach` with arguments they refuse before connecting:
# they touch nothing.  Prints "ok N - ..." / "not ok N - ..." lines and
# "N passed, N failed"; exits 1 on any failure.
set -u

# `xml` reads the host's links and routes to complete an intent: read an
# empty network namespace's instead (only lo), never the host's.
if [ -z "${VNET_BAD_ARGS_NETNS:-}" ] && command -v unshare >/dev/null 2>&1; then
	export VNET_BAD_ARGS_NETNS=1
	if [ "$(id -u)" -eq 0 ]; then
		exec unshare --net -- "$BASH" "$0" "$@"
	fi
	unshare -rn true 2>/dev/null && exec unshare -rn -- "$BASH" "$0" "$@"
fi

VNETCTL=${VNETCTL:-/tmp/b/vnetctl}
LC_ALL=C.UTF-8
export LC_ALL

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

n=0 passed=0 failed=0

ok() {
	n=$((n + 1)) passed=$((passed + 1))
	echo "ok $n - $1"
}

not_ok() {
	local what=$1 line
	shift
	n=$((n + 1)) failed=$((failed + 1))
	echo "not ok $n - $what"
	for line in "$@"; do
		echo "#   $line"
	done
	if [ -s "$tmp/err" ]; then
		sed 's/^/#   stderr: /' "$tmp/err"
	fi
}

run() {
	"$VNETCTL" "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
}

# bad STATUS NEEDLE ARGS...: vnetctl ARGS must exit STATUS, say NEEDLE on
# stderr and print nothing on stdout.
bad() {
	local want=$1 needle=$2 got
	shift 2
	run "$@"
	got=$?
	if [ "$got" -ne "$want" ]; then
		not_ok "vnetctl $* exits $want" "exit status $got"
	elif ! grep -qF -- "$needle" "$tmp/err"; then
		not_ok "vnetctl $* names \"$needle\"" "not in stderr"
	elif [ -s "$tmp/out" ]; then
		not_ok "vnetctl $* prints nothing on stdout" "stdout: $(head -c 200 "$tmp/out")"
	else
		ok "vnetctl $* exits $want naming \"$needle\""
	fi
}

# good CHECK ARGS...: vnetctl ARGS must exit 0, and CHECK (a function) must
# accept its stdout in $tmp/out.
good() {
	local check=$1 got why
	shift
	run "$@"
	got=$?
	if [ "$got" -ne 0 ]; then
		not_ok "vnetctl $* exits 0" "exit status $got"
	elif ! why=$($check 2>&1); then
		not_ok "vnetctl $* prints what $check wants" "$why"
	else
		ok "vnetctl $* ($check)"
	fi
}

is_xml() {
	[ -s "$tmp/out" ] || { echo "no output"; return 1; }
	xmllint --noout "$tmp/out"
}

# The intent in the network's metadata keeps --guard strict.
is_strict() {
	is_xml || return 1
	grep -q 'guard="strict"' "$tmp/out" || { echo 'no guard="strict"'; return 1; }
}

has_usage() {
	grep -q "Usage: vnetctl" "$tmp/out"
}

# The JSON has one network whose name and XML are right.
is_json_nat() {
	jq -e '.networks | length == 1' "$tmp/out" >/dev/null || return 1
	jq -e '.networks[0].name == "bad-args-web"' "$tmp/out" >/dev/null || return 1
	jq -r '.networks[0].xml' "$tmp/out" >"$tmp/net0.xml" || return 1
	xmllint --noout "$tmp/net0.xml" || return 1
	grep -q '<forward mode="open"/>' "$tmp/net0.xml"
}

# Any JSON with a list of networks, each with an XML document.
is_json() {
	jq -e '.networks | length >= 1 and all(.[]; .xml | startswith("<?xml"))' "$tmp/out" >/dev/null
}

# A hybrid intent: two networks, NAME-nat and NAME-lan, both XML.
is_json_hybrid() {
	local i
	jq -e '.networks | length == 2' "$tmp/out" >/dev/null || return 1
	jq -e '[.networks[].name] == ["bad-args-mix-nat", "bad-args-mix-lan"]' "$tmp/out" >/dev/null ||
		return 1
	for i in 0 1; do
		jq -r ".networks[$i].xml" "$tmp/out" >"$tmp/net$i.xml" || return 1
		xmllint --noout "$tmp/net$i.xml" || return 1
	done
	grep -q '<forward mode="bridge"/>' "$tmp/net1.xml"
}

for tool in xmllint jq; do
	if ! command -v $tool >/dev/null; then
		echo "not ok 1 - $tool is needed by this test"
		echo "0 passed, 1 failed"
		exit 1
	fi
done
if [ ! -x "$VNETCTL" ]; then
	echo "not ok 1 - $VNETCTL is not an executable"
	echo "0 passed, 1 failed"
	exit 1
fi

# Names and documentation subnets (RFC 5737, RFC 3849) that no host should
# already use, so that validation against this host's facts passes.
N=bad-args-web
S=198.51.100.0/24

# ---- usage errors: exit 2 ----
bad 2 frobnicate frobnicate
bad 2 "" 					# no command at all
bad 2 --frob --frob xml $N --mode nat
bad 2 "--mode" xml $N
bad 2 "--mode" xml $N --subnet $S
bad 2 "--colour" xml $N --mode nat --colour red
bad 2 "-x" xml $N --mode nat -x
bad 2 '"--mode" needs a value' xml $N --mode
bad 2 '"--subnet" needs a value' xml $N --mode nat --subnet
bad 2 '"--forward" needs a value' xml $N --mode nat --forward
bad 2 '"--bridge" needs a value' xml $N --mode bridged --bridge
bad 2 "other-name" xml $N other-name --mode nat
bad 2 "two" xml one two three --mode nat
bad 2 "--mode" plan $N
bad 2 nosuch help nosuch

# ---- invalid values and refusals: exit 1, naming the value ----
bad 1 router xml $N --mode router
bad 1 NAT xml $N --mode NAT
bad 1 '""' xml $N --mode ''
bad 1 10.0.0.0/33 xml $N --mode nat --subnet 10.0.0.0/33
bad 1 10.1.2.3/24 xml $N --mode nat --subnet 10.1.2.3/24
bad 1 ten.0.0.0/8 xml $N --mode nat --subnet ten.0.0.0/8
bad 1 fd00::/64 xml $N --mode nat --subnet fd00::/64
bad 1 198.51.100.0/24 xml $N --mode nat --subnet6 198.51.100.0/24
bad 1 80:eighty xml $N --mode nat --subnet $S --forward 80:eighty
bad 1 70000:80 xml $N --mode nat --subnet $S --forward 70000:80
bad 1 8080:80/icmp xml $N --mode nat --subnet $S --forward 8080:80/icmp
bad 1 8080:81 xml $N --mode nat --subnet $S --forward 8080:80 --forward 8080:81
bad 1 8080:10.9.9.9:80 xml $N --mode nat --subnet $S --forward 8080:10.9.9.9:80
bad 1 "8080:[2001:db8::2]:80" xml $N --mode nat --subnet $S --forward '[::]:8080:[2001:db8::2]:80'
bad 1 8080:80 xml $N --mode isolated --subnet $S --forward 8080:80
bad 1 abcdefghijklmnop xml $N --mode nat --subnet $S --bridge abcdefghijklmnop
bad 1 "br;reboot" xml $N --mode nat --subnet $S --bridge 'br;reboot'
bad 1 -br xml $N --mode nat --subnet $S --bridge=-br
bad 1 "eth0 x" xml $N --mode bridged --uplink 'eth0 x'
bad 1 ";rm -rf /" xml ';rm -rf /' --mode nat --subnet $S
bad 1 -web xml --mode nat --subnet $S -- -web
bad 1 $N xml $N --mode bridged
bad 1 vn-bad-args-mix xml bad-args-mix --mode hybrid --subnet $S --bridge vn-bad-args-mix
bad 1 198.51.100.0/31 xml $N --mode nat --subnet 198.51.100.0/31
# --guard: exactly on, off or strict (a usage error, naming the value)
bad 2 '"--guard" needs a value' xml $N --mode nat --subnet $S --guard
bad 2 '--guard "maybe" is not a guard setting' xml $N --mode nat --subnet $S --guard maybe
bad 2 '--guard "ON"' xml $N --mode nat --subnet $S --guard ON
bad 2 '--guard "default"' xml $N --mode nat --subnet $S --guard default
bad 2 '--guard ""' xml $N --mode nat --subnet $S --guard ''
bad 2 '--guard "on "' xml $N --mode nat --subnet $S --guard 'on '
bad 2 '--guard "1"' xml $N --mode nat --subnet $S --guard 1
bad 2 '--guard "strict,on"' plan $N --mode nat --subnet $S --guard strict,on
bad 2 '--guard "yes"' xml $N --mode isolated --subnet $S --guard yes
# the guard sees only Linux bridges' frames: refused on Open vSwitch, not silently void

# ---- attach and detach: checked before connecting to libvirt ----
bad 2 "attach NAME DOMAIN" attach $N
bad 2 "attach NAME DOMAIN" attach $N dom extra
bad 2 '"--mac" needs a value' attach $N dom --mac
bad 2 '"--ip" needs a value' attach $N dom --ip
bad 2 "--colour" attach $N dom --colour red
bad 2 "detach NAME DOMAIN" detach $N
bad 2 "detach NAME DOMAIN" detach $N dom --mac 52:54:00:12:34:56
bad 1 52:54:00:12:34 attach $N dom --mac 52:54:00:12:34
bad 1 52-54-00-12-34-56 attach $N dom --mac 52-54-00-12-34-56
bad 1 52:54:00:12:34:5g attach $N dom --mac 52:54:00:12:34:5g
bad 1 01:00:5e:00:00:01 attach $N dom --mac 01:00:5e:00:00:01
bad 1 00:00:00:00:00:00 attach $N dom --mac 00:00:00:00:00:00
bad 1 198.51.100.300 attach $N dom --ip 198.51.100.300
bad 1 198.51.100.5/24 attach $N dom --ip 198.51.100.5/24
bad 1 2001:db8::5/64 attach $N dom --ip 2001:db8::5/64
bad 2 '"--range" needs a value' scan $N --range
bad 2 "scan NAME" scan
bad 2 198.51.100.0/15 scan $N --range 198.51.100.0/15
bad 2 198.51.100.5/24 scan $N --range 198.51.100.5/24
bad 2 2001:db8::/64 scan $N --range 2001:db8::/64
bad 1 '""' attach $N dom --ip ''
bad 1 "dom;reboot" attach $N 'dom;reboot'
bad 1 "dom;reboot" detach $N 'dom;reboot'

# ---- trace: its arguments are checked before connecting to libvirt ----
bad 2 "trace NAME FORWARD" trace
bad 2 "trace NAME FORWARD" trace $N
bad 2 "trace NAME FORWARD" trace $N 8080:80 extra
bad 2 '"--seconds"' trace $N 8080:80 --seconds
bad 2 "--colour" trace $N 8080:80 --colour
bad 2 '"0" is not a number of seconds from 1 to 86400' trace $N 8080:80 --seconds 0
bad 2 '"86401"' trace $N 8080:80 --seconds 86401
bad 2 '"-3"' trace $N 8080:80 --seconds=-3
bad 2 '"ten"' trace --seconds ten $N 8080:80
bad 2 '"1.5"' trace $N 8080:80 --seconds 1.5
bad 1 8080 trace $N 8080
bad 1 icmp trace $N 8080:80/icmp
bad 1 70000 trace $N 70000:80

# doctor: at most one name and --json, refused before it connects
bad 2 '"other"' doctor web other
bad 2 '"other"' doctor --json web other
bad 2 '"8080:80"' forward add web three 8080:80
bad 2 "forward add|remove NAME SPEC" forward add web
bad 2 '"x"' delete web x
bad 2 '"x"' list x
bad 2 "--frob" forward add web 8080:80 --frob
bad 2 '"--frobnicate"' doctor --frobnicate
bad 2 '"-x"' doctor web -x
bad 2 '"--json=yes"' doctor --json=yes

# ---- valid calls: exit 0, parseable output ----
good is_xml xml $N --mode nat --subnet $S
good is_xml xml $N --mode nat --subnet $S --subnet6 2001:db8:5::/64 \
	--forward 8080:80 --forward 127.0.0.1:5000-5002:5000-5002/udp --forward 2222:db1:22 \
	--no-dhcp --no-autostart
good is_xml xml $N --mode isolated --subnet 203.0.113.0/24
good is_strict xml $N --mode nat --subnet $S --guard strict
good is_xml xml $N --mode bridged --bridge vnetctl-tbr0
good is_xml xml --mode=nat $N --subnet=$S
good is_json --json xml $N --mode nat
good is_json_nat --json xml $N --mode nat --subnet $S --forward 8080:80
good is_json_hybrid --json xml bad-args-mix --mode hybrid --subnet $S
good has_usage help
good has_usage help xml
good has_usage xml --help

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
