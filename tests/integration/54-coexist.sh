#!/bin/bash
# 54-coexist: vnetctl's networks work beside the real Docker, and say what
# blocks them beside ufw and a hardened table (issue 12).
#
# Docker (dockerd of docker.io, iptables-nft, FORWARD policy drop because it
# turns IP forwarding on): create adds its one rule to DOCKER-USER, in the
# shape iptables-nft reads, and says so; outside->forward, guest->outside
# and hairpin work, also after a dockerd restart, and after Docker made its
# chains anew (a reboot: nft flush ruleset, dockerd again) once `vnetctl
# restore` ran, as vnetctl-restore-docker.service runs it; delete of the last
# network takes the rule away.  Under coexist = warn nothing of Docker's is
# touched and the warning's command fixes it; under strict create refuses
# and changes nothing.  Beside firewalld and Docker, a create killed (gdb)
# at Docker's rule, firewalld's bind or one of its D-Bus calls is rolled
# back by the next command to the same Docker, firewalld and host.  A hardened table inet filter and ufw: create warns,
# naming the chain, and the commands it prints make every path work.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
sandbox_enter "$@"
. "$(dirname "$0")/vnet.sh"
require_cmd virsh libvirtd dnsmasq nft ip curl socat jq iptables dig
. "$(dirname "$0")/firewalls.sh"
# Docker's table is ip filter here: vnet.sh's stand-in for a foreign table
# goes, and what vnetctl may change of Docker's is checked below, rule by rule.
nft delete table ip filter
test_teardown() { :; }

install_hook
sandbox_start_libvirtd
add_outside lan 192.0.2.1/24 192.0.2.10/24
start_http lan 80 "hello from the lan"
export VNET_CONFIG=$VNET_SCRATCH/vnetctl.conf
: >"$VNET_CONFIG"

# paths_work NAME OCTET PORT: outside->forward, guest->outside and hairpin
# of network NAME work (its server is guest NAME-g, another guest NAME-h).
paths_work() {
	expect_http lan "http://192.0.2.1:$3/" "hello from $1-g" 15
	expect_http "$1-g" http://192.0.2.10/ "hello from the lan"
	# hairpin: another guest of the network through the host's address
	expect_http "$1-h" "http://192.0.2.1:$3/" "hello from $1-g"
	expect_http "$1-h" "http://10.$2.0.2/" "hello from $1-g"
	check "$1: DNS from a guest to libvirt's dnsmasq" dns_answers "$1-h" "10.$2.0.1"
}
# dhcp_works NAME: a new guest of network NAME gets a lease from libvirt's dnsmasq.
dhcp_works() {
	local g="$1-d$((++_dhcp_n))"
	add_guest "$g" "vn-$1" -
	in_ns "$g" timeout 20 busybox udhcpc -i "$VNET_GUEST_DEV" -s /bin/true -q -n -f -t 8 -T 1 >/dev/null 2>&1
}
_dhcp_n=0
# no_foreign_drop NAME: doctor finds no foreign chain that drops NAME's traffic.
no_foreign_drop() {
	"$VNETCTL" --json doctor "$1" >"$VNET_SCRATCH/doctor.$1.json" || true
	jq -e '[.checks[] | select(.check == "foreign-drops")] | length > 0 and all(.ok)' "$VNET_SCRATCH/doctor.$1.json" >/dev/null
}
# dns_answers FROM SERVER: SERVER answers a DNS query of FROM (any answer:
# the sandbox has no upstream resolver).
dns_answers() {
	in_ns "$1" dig +time=2 +tries=2 "@$2" example.org A | grep -q "Got answer"
}
paths_fail() {
	expect_no_http lan "http://192.0.2.1:$3/"
	expect_no_http "$1-g" http://192.0.2.10/
	[ "${4:-}" != dns ] || check_not "$1: no DNS from a guest" dns_answers "$1-h" "10.$2.0.1"
}
# net NAME OCTET PORT: a NAT network 10.OCTET.0.0/24 forwarding PORT to its
# guest NAME-g, by address: a DHCP client of the network would otherwise
# become its default guest.
net() {
	"$VNETCTL" --json create "$1" --mode nat --subnet "10.$2.0.0/24" --forward "$3:10.$2.0.2:80" \
		>"$VNET_SCRATCH/$1.json" 2>"$VNET_SCRATCH/$1.err"
}
guest_of() {
	add_guest "$1-g" "vn-$1" "10.$2.0.2/24" "10.$2.0.1"
	start_http "$1-g" 80 "hello from $1-g"
	add_guest "$1-h" "vn-$1" "10.$2.0.3/24" "10.$2.0.1"
}

# sandbox_only_flush: `nft flush ruleset`, only ever of the sandbox's own
# network namespace (sandbox_enter re-ran this script there).
sandbox_only_flush() {
	[ "${VNET_SANDBOX:-}" = 1 ] || bail "nft flush ruleset outside the sandbox"
	nft flush ruleset
}

# ---------------------------------------------------------------- Docker
start_dockerd || skip "$VNET_FW_WHY"
check "Docker set FORWARD's policy to drop" sh -c "iptables -S FORWARD | grep -qx -- '-P FORWARD DROP'"

check "create web beside Docker" net web 81 8081
guest_of web 81
check "create announces the DOCKER-USER rule" \
	jq -e '.notices[] | select(.kind == "changed" and .owner == "docker" and .chain == "DOCKER-USER")' "$VNET_SCRATCH/web.json"
check "doctor finds no foreign drop beside Docker" no_foreign_drop web
check "iptables-nft reads vnetctl's rule back" \
	sh -c "iptables -S DOCKER-USER 2>&1 | grep -x -- '-A DOCKER-USER -m mark --mark 0x200000/0x200000 -m comment --comment vnetctl -j ACCEPT'"
check_not "iptables-nft finds nothing incompatible" sh -c "iptables -S 2>&1 | grep -qi incompatible"
check "the rule comes before Docker's RETURN" sh -c "iptables -S DOCKER-USER | sed -n 2p | grep -q vnetctl"
paths_work web 81 8081

stop_dockerd
start_dockerd
check "dockerd's restart keeps the rule" sh -c "iptables -S DOCKER-USER | grep -q vnetctl"
paths_work web 81 8081

# A reboot: Docker makes its chains anew, without our rule.
sandbox_only_flush
stop_dockerd
sysctl -qw net.ipv4.ip_forward=0
start_dockerd
check "Docker's new chains lack the rule" sh -c "! iptables -S DOCKER-USER | grep -q vnetctl"
out=$("$VNETCTL" restore 2>&1)
check "restore announces the rule it put back" grep -q "DOCKER-USER" <<<"$out"
paths_work web 81 8081
check "a second restore is quiet about Docker" sh -c "! '$VNETCTL' restore 2>&1 | grep -q DOCKER-USER"
check "one rule, not two" test "$(iptables -S DOCKER-USER | grep -c vnetctl)" = 1

# warn: Docker's chain is left alone; the warning's command fixes it.
check "delete web" "$VNETCTL" delete web
check "delete of the last network takes the rule away" sh -c "! iptables -S DOCKER-USER | grep -q vnetctl"
echo "coexist = warn" >"$VNET_CONFIG"
check "create db under coexist = warn" net db 82 8082
guest_of db 82
check "no rule in DOCKER-USER under warn" sh -c "! iptables -S DOCKER-USER | grep -q vnetctl"
check "the warning names Docker's chain" \
	jq -e '.notices[] | select(.kind == "blocked" and .owner == "docker" and .table == "filter" and .chain == "FORWARD")' "$VNET_SCRATCH/db.json"
paths_fail db 82 8082
while IFS= read -r cmd; do
	check "the warning's command runs: $cmd" sh -c "$cmd"
done < <(jq -r '.notices[] | select(.owner == "docker") | .commands[]' "$VNET_SCRATCH/db.json")
paths_work db 82 8082
iptables -D DOCKER-USER -m mark --mark 0x200000/0x200000 -m comment --comment vnetctl -j ACCEPT

# strict: refused before anything changes.
echo "coexist = strict" >"$VNET_CONFIG"
snapshot_host "$VNET_SCRATCH/before-strict"
check_not "create under coexist = strict is refused" net st 83 8083
check "the refusal names Docker's chain" grep -q "ip filter FORWARD" "$VNET_SCRATCH/st.err"
snapshot_host "$VNET_SCRATCH/after-strict"
expect_same_snapshot "$VNET_SCRATCH/before-strict" "$VNET_SCRATCH/after-strict"
echo "coexist = sometimes" >"$VNET_CONFIG"
check_not "a bad coexist value is refused" net st 83 8083
check "the refusal names the line and the values" grep -q "must be auto, warn or strict" "$VNET_SCRATCH/st.err"
snapshot_host "$VNET_SCRATCH/after-bad"
expect_same_snapshot "$VNET_SCRATCH/before-strict" "$VNET_SCRATCH/after-bad"
: >"$VNET_CONFIG"
check "delete db" "$VNETCTL" delete db
stop_dockerd
sandbox_only_flush
sysctl -qw net.ipv4.ip_forward=0

# -------------------------------------------------- a hardened table, ufw
# run_fixes NAME OWNER: run the commands of NAME's blocked notices of OWNER.
run_fixes() {
	local cmd n=0
	[ "${VNET_SANDBOX:-}" = 1 ] || bail "run_fixes outside the sandbox"
	while IFS= read -r cmd; do
		n=$((n + 1))
		check "$1: the printed command runs: $cmd" sh -c "$cmd"
	done < <(jq -r --arg o "$2" '.notices[] | select(.kind == "blocked" and .owner == $o) | .commands[]' "$VNET_SCRATCH/$1.json")
	[ "$n" -gt 0 ] || fail "$1: vnetctl printed commands for $2"
}

add_hardened_filter
check "create hard beside a hardened table" net hard 84 8084
guest_of hard 84
check "create warns of inet filter forward" \
	jq -e '.notices[] | select(.kind == "blocked" and .owner == "unknown" and .family == "inet" and .table == "filter" and .chain == "forward")' "$VNET_SCRATCH/hard.json"
check "and of its input chain (DHCP, DNS)" \
	jq -e '.notices[] | select(.chain == "input" and (.blocked | index("host-dhcp")))' "$VNET_SCRATCH/hard.json"
"$VNETCTL" restore >/dev/null 2>"$VNET_SCRATCH/restore.err" || true
check "restore warns in text, with the commands" sh -c "grep -q 'warning: .*inet filter forward' '$VNET_SCRATCH/restore.err' && grep -q '^    nft ' '$VNET_SCRATCH/restore.err'"
paths_fail hard 84 8084 dns
run_fixes hard unknown
paths_work hard 84 8084
check "after the fixes, restore warns of nothing" sh -c "! '$VNETCTL' restore 2>&1 | grep -q warning"
# Debian's nftables.conf flushes the whole ruleset when nftables.service starts
printf '#!/usr/sbin/nft -f\n\nflush ruleset\n\ntable inet filter {\n}\n' >"$VNET_SCRATCH/nftables.conf"
check "restore warns of an nftables.conf that flushes the ruleset" \
	sh -c "VNET_NFTABLES_CONF='$VNET_SCRATCH/nftables.conf' '$VNETCTL' --json restore | jq -e '.notices[] | select(.kind == \"warning\") | .message | test(\"flush ruleset\")'"
check "delete hard" "$VNETCTL" delete hard
nft delete table inet filter

if enable_ufw; then
	check "create fw beside ufw" net fw 85 8085
	guest_of fw 85
	check "create warns of ufw" jq -e '.notices[] | select(.kind == "blocked" and .owner == "ufw")' "$VNET_SCRATCH/fw.json"
	paths_fail fw 85 8085 dns
	run_fixes fw ufw
	paths_work fw 85 8085
	check "delete fw" "$VNETCTL" delete fw
	disable_ufw
else
	diag "ufw: $VNET_FW_WHY"
fi

# ------------------------------------------------------------- firewalld
if start_firewalld; then
	check "create fwd beside firewalld" net fwd 86 8086
	guest_of fwd 86
	check "create announces firewalld's zone" \
		jq -e '.notices[] | select(.kind == "changed" and .owner == "firewalld")' "$VNET_SCRATCH/fwd.json"
	check "no warning is left" sh -c "! jq -e '.notices[] | select(.kind == \"blocked\")' '$VNET_SCRATCH/fwd.json'"
	check "the bridge is in zone vnetctl at runtime" test "$(firewall-cmd --get-zone-of-interface=vn-fwd)" = vnetctl
	check "and permanently" test "$(firewall-cmd --permanent --get-zone-of-interface=vn-fwd)" = vnetctl
	paths_work fwd 86 8086
	check "doctor finds no foreign drop beside firewalld" no_foreign_drop fwd
	check "fwd: a guest gets a DHCP lease" dhcp_works fwd
	start_http - 8000 "hello from the host"
	expect_http - http://10.86.0.1:8000/ "hello from the host"
	check "the zone rejects other host services" sh -c "! ip netns exec fwd-h curl -s -m 2 http://10.86.0.1:8000/"
	firewall-cmd -q --reload
	paths_work fwd 86 8086
	stop_firewalld
	start_firewalld
	check "firewalld's restart keeps the zone" test "$(firewall-cmd --get-zone-of-interface=vn-fwd)" = vnetctl
	paths_work fwd 86 8086
	check "fwd: DHCP after firewalld's restart" dhcp_works fwd
	out=$("$VNETCTL" restore 2>&1)
	check_not "restore beside a bound bridge is quiet" grep -q -e warning -e firewalld <<<"$out"
	# warn: nothing of firewalld's changes; the printed commands bind it
	echo "coexist = warn" >"$VNET_CONFIG"
	check "create fww under coexist = warn" net fww 87 8087
	guest_of fww 87
	check "under warn the bridge is in no zone of vnetctl" \
		sh -c "[ \"\$(firewall-cmd --get-zone-of-interface=vn-fww 2>/dev/null)\" != vnetctl ]"
	# firewalld's default zone lets forwards in, but not the guests out, nor their DNS
	expect_no_http fww-g http://192.0.2.10/
	check_not "fww: no DNS from a guest" dns_answers fww-h 10.87.0.1
	check_not "doctor names firewalld's drop under warn" no_foreign_drop fww
	check "the drop doctor names is firewalld's" sh -c "'$VNETCTL' --json doctor fww | jq -e '.checks[] | select(.check == \"foreign-drops\" and .ok == false) | .what | test(\"firewalld\")'"
	run_fixes fww firewalld
	paths_work fww 87 8087
	: >"$VNET_CONFIG"
	check "delete fww" "$VNETCTL" delete fww
	check "delete fwd" "$VNETCTL" delete fwd
	check "delete takes the bridge out of zone vnetctl, permanently too" \
		sh -c "! firewall-cmd --permanent --zone=vnetctl --list-interfaces | grep -qw vn-fwd"

	# firewalld and Docker started after it, as a host boots them
	sysctl -qw net.ipv4.ip_forward=0
	if start_dockerd; then
		check "create both beside firewalld and Docker" net both 88 8088
		guest_of both 88
		check "create announces Docker's rule and firewalld's zone" \
			jq -e '[.notices[] | select(.kind == "changed") | .owner] | sort == ["docker", "firewalld"]' "$VNET_SCRATCH/both.json"
		paths_work both 88 8088
		check "doctor finds no foreign drop beside firewalld and Docker" no_foreign_drop both
		check "both: a guest gets a DHCP lease" dhcp_works both
		stop_dockerd
		start_dockerd
		"$VNETCTL" -q restore
		paths_work both 88 8088
		check "delete both" "$VNETCTL" delete both
		# Then killed (gdb) at Docker's rule, at firewalld's bind and at its D-Bus
		# calls: the next command rolls back to the same Docker, firewalld and host.
		fw_state() {
			iptables -S DOCKER-USER
			ip6tables -S DOCKER-USER 2>/dev/null || echo "(no ip6 DOCKER-USER)"
			echo "runtime: $(firewall-cmd --zone=vnetctl --list-interfaces)"
			echo "permanent: $(firewall-cmd --permanent --zone=vnetctl --list-interfaces)"
		}
		if command -v gdb >/dev/null; then
			export SNAPSHOT_NO_IFINDEX=1
			points=0
			# The D-Bus calls before the 9th only read what is in place (no journal yet);
			# the last is about the 20th.
			for at in vnet_docker_rule_add:1 vnet_firewalld_bind:1 g_dbus_connection_call_sync:{9..18..3}; do
				fn=${at%:*} n=${at#*:}
				fw_state >"$VNET_SCRATCH/fw.before"
				snapshot_host "$VNET_SCRATCH/kill.before"
				if ! kill_at "$fn" "$n" create both --mode nat --subnet 10.88.0.0/24 --forward 8088:10.88.0.2:80; then
					"$VNETCTL" -q delete both	# it ran to the end
					continue
				fi
				if [ -e /var/lib/vnetctl/journal ]; then
					points=$((points + 1))
					check "create killed at $fn #$n: the next command rolls it back" "$VNETCTL" -q restore
					check "create killed at $fn #$n: no journal is left" test ! -e /var/lib/vnetctl/journal
				else
					diag "killed at $fn #$n before the transaction began"
				fi
				check "create killed at $fn #$n: Docker's and firewalld's state as before" \
					diff -u "$VNET_SCRATCH/fw.before" <(fw_state)
				snapshot_host "$VNET_SCRATCH/kill.after"
				expect_same_snapshot "$VNET_SCRATCH/kill.before" "$VNET_SCRATCH/kill.after" || true
			done
			unset SNAPSHOT_NO_IFINDEX
			check "create beside firewalld and Docker killed in its transaction at 4 or more points" test "$points" -ge 4
		fi
		stop_dockerd
	else
		diag "dockerd: $VNET_FW_WHY"
	fi
	stop_firewalld
else
	diag "firewalld: $VNET_FW_WHY"
fi
