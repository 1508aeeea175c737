#!/bin/bash
# bench/guard.sh - the per-packet cost of the guard (issue 13: guest port
# security, table bridge vnetctl) at 10 and 10,000 reservations beside no
# guard, in one run, in the integration tests' sandbox (its own network,
# mount and PID namespaces; nothing reaches the host).  Run by hand, as root,
# through run.sh, which builds the programs first:
#
#     bench/run.sh guard               # B=/tmp/b: a built build directory
#
# Namespace G holds bridge gbr0 with two guest ports: ga (10.80.0.2, its
# MAC bound to its address by the guard) sends small UDP datagrams as fast
# as one CPU can (udpflood) to gb (10.80.0.3) for BENCH_SECONDS; what gb's
# eth0 received, over the time, is the rate.  Every frame crosses the
# guard's whole path for a guest that sends from its own reserved address:
# the port lookup, the DHCP/RA rules, the reserved4 and bound4 lookups and
# the strict_port lookup.  "idle" is the table with no port in guard_port:
# its base chain's hook and first rule alone.  The scenarios alternate round by round, so a
# noisy neighbour spreads over all of them.  br_netfilter is as the host
# has it (bridge-nf-call-iptables, printed).  Knobs: B, O, BENCH_SECONDS (3),
# BENCH_ROUNDS (5), BENCH_CLIENT_CPU (0).  See bench/README, "The guard".
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOP=$(dirname "$BENCH_DIR")
B=${B:-/tmp/b}
O=${O:-$B/bench}
T=${BENCH_SECONDS:-3}
ROUNDS=${BENCH_ROUNDS:-5}
CCPU=${BENCH_CLIENT_CPU:-0}

# shellcheck disable=SC2034 # read by lib.sh
VNET_TEST_NAME=bench-guard
# shellcheck source=../tests/integration/lib.sh
. "$TOP/tests/integration/lib.sh"
sandbox_enter "$@"
require_cmd nft ip taskset awk jq busybox

say() { printf '# %s\n' "$*" >&2; }
median() { printf '%s\n' "$@" | sort -g | awk '{v[NR]=$1} END {print (NR ? v[int((NR+1)/2)] : "nan")}'; }
minmax() { printf '%s\n' "$@" | sort -g | awk 'NR==1 {a=$1} {b=$1} END {printf "%s-%s", a, b}'; }

for n in G ga gb; do
	ip netns add "$n"
	ip -n "$n" link set lo up
done
ip -n G link add gbr0 type bridge stp_state 0 forward_delay 0
ip -n G link set gbr0 up
for g in ga gb; do
	ip -n G link add "p$g" type veth peer name eth0 netns "$g"
	ip -n G link set "p$g" master gbr0
	ip -n G link set "p$g" up
	ip -n "$g" link set eth0 up
done
ip -n ga addr add 10.80.0.2/16 dev eth0
ip -n gb addr add 10.80.0.3/16 dev eth0
AMAC=$(ip -n ga -j link show eth0 | jq -r '.[0].address')
# gb drops what it gets in its own input (no ICMP errors back to ga)
ip netns exec gb nft add table ip sink '{ chain in { type filter hook input priority 0; udp dport 9 drop; }; }'
ip netns exec ga busybox ping -c 1 -W 2 10.80.0.3 >/dev/null

rx() { ip -n gb -j -s link show eth0 | jq '.[0].stats64.rx.packets'; }

# setup none|idle|N: table inet vnetctl always (every network of ours has
# it; with br_netfilter loaded its hooks see bridged frames too), and of
# table bridge vnetctl: nothing; the table with no port guarded (its hook and
# first rule alone); the guard of N reservations on both ports.
setup() {
	ip netns exec G nft delete table bridge vnetctl 2>/dev/null || true
	ip netns exec G nft delete table inet vnetctl 2>/dev/null || true
	case $1 in
	none | idle) ip netns exec G "$O/vnet-bench" guard 0 gbr0 - - >"$VNET_SCRATCH/install.$1" ;;
	*) ip netns exec G "$O/vnet-bench" guard "$1" gbr0 "$AMAC" 10.80.0.2 pga pgb >"$VNET_SCRATCH/install.$1" ;;
	esac
	case $1 in
	none) ip netns exec G nft delete table bridge vnetctl ;;
	idle) ;;
	*)
		# (the listing whole first: grep -q closing the pipe early would fail it under pipefail)
		ports=$(ip netns exec G nft list set bridge vnetctl guard_port)
		grep -q '"pga"' <<<"$ports" || bail "pga is not guarded"
		;;
	esac
}

SCEN=(none idle 10 10000)
declare -A RATES=() COUNT=() INSTALL=()
for r in $(seq 1 "$ROUNDS"); do
	for s in "${SCEN[@]}"; do
		setup "$s"
		[ "$s" = none ] || INSTALL[$s]=$(awk '{print $2}' "$VNET_SCRATCH/install.$s")
		[ "$s" = none ] || [ "$s" = idle ] || COUNT[$s]=$(ip netns exec G nft -j list set bridge vnetctl bound4 |
			jq '[.nftables[].set? // empty | .elem[]?] | length')
		before=$(rx)
		ip netns exec ga taskset -c "$CCPU" "$O/udpflood" 10.80.0.3 9 "$T" >"$VNET_SCRATCH/sent" || bail "udpflood"
		after=$(rx)
		rate=$(awk -v n=$((after - before)) -v t="$T" 'BEGIN {printf "%d", n / t}')
		RATES[$s]="${RATES[$s]:-} $rate"
		say "round $r, $s: $rate frames/s received ($(cat "$VNET_SCRATCH/sent") sent)"
	done
done
setup none

base=$(median ${RATES[none]})
echo "guard: small UDP frames from one guest port to another across bridge gbr0, $ROUNDS rounds x $T s"
echo "(table inet vnetctl in every scenario; bridge-nf-call-iptables=$(ip netns exec G cat /proc/sys/net/bridge/bridge-nf-call-iptables 2>/dev/null || echo 'n/a: no br_netfilter'))"
printf '   %-40s %10s %16s %9s %10s\n' scenario "frames/s" "min-max" "ns/frame" "+ns/frame"
for s in "${SCEN[@]}"; do
	# shellcheck disable=SC2086 # the rates are a list of numbers
	m=$(median ${RATES[$s]}) mm=$(minmax ${RATES[$s]})
	case $s in
	none) label="no table bridge vnetctl" ;;
	idle) label="table, no port guarded" ;;
	*) label="guard, ${COUNT[$s]} bound (install $((INSTALL[$s] / 1000)) ms)" ;;
	esac
	printf '   %-40s %10s %16s %9s %10s\n' "$label" "$m" "$mm" \
		"$(awk -v m="$m" 'BEGIN {printf "%.0f", 1e9 / m}')" \
		"$(awk -v m="$m" -v b="$base" 'BEGIN {printf "%+.0f", 1e9 / m - 1e9 / b}')"
done
