#!/bin/bash
# bench/run.sh - vnetctl's nftables data plane beside its baselines, in one
# run, inside the integration tests' sandbox (fresh network, mount and PID
# namespaces; nothing reaches the host's network or firewall).  Run by hand,
# as root, never in CI:
#
#     bench/run.sh                     # B=/tmp/b: a built build directory
#
# Prints one table; each vnetctl figure stands beside its baseline measured in
# the same run, with the ratio and the target.  See bench/README.
#
#     bench/run.sh validate [RUNS]     vnet_intent_validate() on 10, 10,000
#                                      and 65,535 forwards beside the old
#                                      pairwise checks (about 45 s per run of
#                                      RUNS, default 3; no root, no sandbox)
#
# Knobs (environment): B (build dir, default /tmp/b), BENCH_SECONDS (one
# connection-rate trial, default 2), BENCH_ROUNDS (trials per scenario,
# default 5), BENCH_REPS (repetitions of each add-one timing, default 21),
# BENCH_INSTALL_REPS (default 5), BENCH_E2E (0: skip `vnetctl forward add`
# through libvirtd), BENCH_CLIENT_CPU / BENCH_SERVER_CPU (default 0 / 1).
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOP=$(dirname "$BENCH_DIR")
B=${B:-/tmp/b}
O=${O:-$B/bench}
T=${BENCH_SECONDS:-2}
ROUNDS=${BENCH_ROUNDS:-5}
REPS=${BENCH_REPS:-21}
IREPS=${BENCH_INSTALL_REPS:-5}
E2E=${BENCH_E2E:-1}
CCPU=${BENCH_CLIENT_CPU:-0}
SCPU=${BENCH_SERVER_CPU:-1}
N_BIG=10000
N_HUGE=50000

if [ "${VNET_SANDBOX:-}" != 1 ]; then
	# outside the sandbox: build the programs first (out of tree, into $O)
	[ -e "$B/.libs/libvnet-internal.a" ] || {
		echo "bench/run.sh: $B/.libs/libvnet-internal.a is missing: build the tree first (make -C $B)" >&2
		exit 1
	}
	make -s -C "$BENCH_DIR" B="$B" O="$O" >&2
	# the guard's per-packet cost (issue 13), a sandbox of its own
	[ "${1:-}" = guard ] && B=$B O=$O exec "$BENCH_DIR/guard.sh"
	if [ "${1:-}" = validate ]; then
		# user space only: the library's own answers are checked first
		"$O/validate-bench" check 20000
		exec "$O/validate-bench" "${2:-3}"
	fi
fi

# shellcheck disable=SC2034 # read by lib.sh
VNET_TEST_NAME=bench
# shellcheck source=../tests/integration/lib.sh
. "$TOP/tests/integration/lib.sh"
sandbox_enter "$@"
require_cmd nft ip taskset awk
VB=$O/vnet-bench
TR=$O/tcprate
RES=$VNET_SCRATCH/bench
mkdir -p "$RES"
[ "$(nproc)" -ge 2 ] || { CCPU=0; SCPU=0; }
START=$SECONDS

say() { printf '# %s\n' "$*" >&2; }           # progress, on stderr

# ------------------------------------------------------------ numbers

median() { printf '%s\n' "$@" | sort -g | awk '{v[NR]=$1} END {print (NR ? v[int((NR+1)/2)] : "nan")}'; }
minmax() { printf '%s\n' "$@" | sort -g | awk 'NR==1 {a=$1} {b=$1} END {printf "%s-%s", a, b}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf (b > 0 ? "%.2f" : "n/a"), (b > 0 ? a / b : 0)}'; }
ge() { awk -v a="$1" -v b="$2" 'BEGIN {exit !(a >= b)}'; }
lt() { awk -v a="$1" -v b="$2" 'BEGIN {exit !(a < b)}'; }
# a time in microseconds, readable: "83 us", "13.4 ms"
us() { awk -v v="$1" 'BEGIN {if (v == "") print "-"; else if (v < 10000) printf "%d us", v; else printf "%.1f ms", v / 1000}'; }
kb() { awk -v v="$1" 'BEGIN {if (v == "") print "-"; else if (v < 10240) printf "%d kB", v; else printf "%.1f MB", v / 1024}'; }
met() { if "$@"; then printf 'met'; else printf 'NOT MET'; fi; }

# get FILE KEY: the value of "KEY VALUE" in FILE (vnet-bench's output)
get() { awk -v k="$2" '$1 == k {print $2; exit}' "$1"; }
slab_kb() { awk '/^Slab:/ {print $2}' /proc/meminfo; }
# slab_settled: Slab once two readings 0.3 s apart differ by < 64 kB (the
# kernel frees much of it later: RCU, the async cleanup of a deleted
# namespace); gives up after ~3 s and takes the last reading.
slab_settled() {
	local a b i
	b=$(slab_kb)
	for i in 1 2 3 4 5 6 7 8 9 10; do
		sleep 0.3
		a=$b
		b=$(slab_kb)
		[ $((a > b ? a - b : b - a)) -ge 64 ] || break
	done
	echo "$b"
}

# ------------------------------------------------------------ topology

# topo H: a "host" namespace H as the sandbox root would be for a real host:
# bridge vnbr0 10.77.0.1/24 with a server namespace H-s (10.77.0.2, serving
# :80) on it, and a LAN client namespace H-c (192.0.2.10) on a veth to H
# (192.0.2.1).  Each scenario gets its own H, so nothing is torn down between
# trials and no scenario's rules are in another's path.
topo() {
	local h=$1 n
	for n in "$h" "$h-s" "$h-c"; do
		ip netns add "$n"
		ip -n "$n" link set lo up
	done
	ip -n "$h" link add vnbr0 type bridge stp_state 0 forward_delay 0
	ip -n "$h" addr add 10.77.0.1/24 dev vnbr0
	ip -n "$h" link set vnbr0 up
	ip -n "$h" link add vg0 type veth peer name eth0 netns "$h-s"
	ip -n "$h" link set vg0 master vnbr0
	ip -n "$h" link set vg0 up
	ip -n "$h-s" addr add 10.77.0.2/24 dev eth0
	ip -n "$h-s" link set eth0 up
	ip -n "$h-s" route add default via 10.77.0.1
	ip -n "$h" link add lan0 type veth peer name eth0 netns "$h-c"
	ip -n "$h" addr add 192.0.2.1/24 dev lan0
	ip -n "$h" link set lan0 up
	ip -n "$h-c" addr add 192.0.2.10/24 dev eth0
	ip -n "$h-c" link set eth0 up
	ip -n "$h-c" route add default via 192.0.2.1
	# conntrack: a connection closed by RST leaves its entry for 1 s, not 10
	ip netns exec "$h" sysctl -qw net.ipv4.ip_forward=1 net.netfilter.nf_conntrack_tcp_timeout_close=1
	ip netns exec "$h-c" sysctl -qw net.ipv4.ip_local_port_range="1024 65535"
	ip netns exec "$h-s" sysctl -qw net.core.somaxconn=65535 net.ipv4.tcp_max_syn_backlog=65535
	bg_ns "$h-s" taskset -c "$SCPU" "$TR" server 80 1
}

# gen_nft N last|mid: table ip perrule, one DNAT rule per forward in a plain
# chain (as iptables does, and Docker's and netavark's nftables backends),
# jumped to for local addresses (as Docker's -m addrtype --dst-type LOCAL -j
# DOCKER).  The forward under test, 8080 -> 10.77.0.2:80, is the last rule
# (the newest forward: Docker appends) or the one in the middle.
gen_nft() {
	echo "table ip perrule {"
	echo "  chain fwds {"
	awk -v n="$1" -v pos="$2" 'BEGIN {
		mid = int(n / 2)
		for (i = 0; i + 1 < n; i++) {
			if (pos == "mid" && i == mid) print "    tcp dport 8080 dnat to 10.77.0.2:80"
			printf "    tcp dport %d dnat to 10.77.0.%d:80\n", 10000 + i, 2 + i % 250
		}
		if (pos != "mid" || n < 2) print "    tcp dport 8080 dnat to 10.77.0.2:80"
	}'
	echo "  }"
	echo "  chain pre { type nat hook prerouting priority dstnat; policy accept; fib daddr type local jump fwds; }"
	echo "}"
}

# gen_ipt N: the same rules for iptables-restore (nat table, chain BENCH)
gen_ipt() {
	echo "*nat"
	echo ":PREROUTING ACCEPT [0:0]"
	echo ":BENCH - [0:0]"
	echo "-A PREROUTING -m addrtype --dst-type LOCAL -j BENCH"
	awk -v n="$1" 'BEGIN {
		for (i = 0; i + 1 < n; i++)
			printf "-A BENCH -p tcp -m tcp --dport %d -j DNAT --to-destination 10.77.0.%d:80\n", 10000 + i, 2 + i % 250
		print "-A BENCH -p tcp -m tcp --dport 8080 -j DNAT --to-destination 10.77.0.2:80"
	}'
	echo "COMMIT"
}

for n in 10 $N_BIG; do
	gen_nft "$n" last >"$RES/nft.$n.last"
	gen_ipt "$n" >"$RES/ipt.$n"
done
gen_nft $N_BIG mid >"$RES/nft.$N_BIG.mid"

HAVE_LEGACY=0
# legacy only where the kernel has ip_tables already: never make the host load it
if command -v iptables-legacy-restore >/dev/null 2>&1 && [ -e /proc/net/ip_tables_names ]; then
	HAVE_LEGACY=1
fi
HAVE_IPT_NFT=0
command -v iptables-nft-restore >/dev/null 2>&1 && HAVE_IPT_NFT=1

# ================================================ 1. new connections per second

say "1. connection rate: setting up the scenarios"
SCEN=(v10 v10k r10 r10k r10km)
declare -A LABEL=(
	[v10]="vnetctl, 10 forwards" [v10k]="vnetctl, $N_BIG forwards"
	[r10]="per-rule nft, 10 rules" [r10k]="per-rule nft, $N_BIG rules, ours last"
	[r10km]="per-rule nft, $N_BIG rules, ours mid"
	[i10]="iptables-legacy, 10 rules" [i10k]="iptables-legacy, $N_BIG, last")
for s in "${SCEN[@]}"; do topo "h$s"; done
ip netns exec hv10 "$VB" apply 0 10 >/dev/null
ip netns exec hv10k "$VB" apply 0 $N_BIG >/dev/null
ip netns exec hr10 nft -f "$RES/nft.10.last"
ip netns exec hr10k nft -f "$RES/nft.$N_BIG.last"
ip netns exec hr10km nft -f "$RES/nft.$N_BIG.mid"
if [ "$HAVE_LEGACY" = 1 ]; then
	SCEN+=(i10 i10k)
	topo hi10
	topo hi10k
	ip netns exec hi10 iptables-legacy-restore "$RES/ipt.10"
	ip netns exec hi10k iptables-legacy-restore "$RES/ipt.$N_BIG"
fi

declare -A RATES ERRS
trial() { # SCENARIO SECONDS -> "conns errors rate"
	ip netns exec "h$1-c" taskset -c "$CCPU" "$TR" client 192.0.2.1 8080 "$2" 1 |
		awk '{print $2, $4, $8}'
}
# every scenario must carry the traffic before anything is timed (and warm up)
for s in "${SCEN[@]}"; do
	read -r c e _ <<<"$(trial "$s" 0.5)"
	if [ "${c:-0}" -eq 0 ] || [ "${e:-1}" -ne 0 ]; then
		bail "scenario $s (${LABEL[$s]}): 192.0.2.1:8080 does not reach the server ($c connections, $e errors)"
	fi
done
say "1. connection rate: $ROUNDS rounds x ${#SCEN[@]} scenarios x $T s"
for ((r = 1; r <= ROUNDS; r++)); do
	order=("${SCEN[@]}")
	# serpentine: odd rounds forwards, even rounds backwards, so drift cancels
	if ((r % 2 == 0)); then
		order=()
		for ((i = ${#SCEN[@]} - 1; i >= 0; i--)); do order+=("${SCEN[$i]}"); done
	fi
	for s in "${order[@]}"; do
		read -r c e rate <<<"$(trial "$s" "$T")"
		RATES[$s]="${RATES[$s]:-} $rate"
		ERRS[$s]=$((${ERRS[$s]:-0} + e))
	done
done
declare -A RATE SPREAD
for s in "${SCEN[@]}"; do
	# shellcheck disable=SC2086
	RATE[$s]=$(median ${RATES[$s]})
	# shellcheck disable=SC2086
	SPREAD[$s]=$(minmax ${RATES[$s]})
done
# the scenarios are done: stop their servers before timing anything else
for s in "${SCEN[@]}"; do ip netns del "h$s" ; ip netns del "h$s-c"; done
_vnet_kill_wait "${_vnet_bg_pids[@]}"
_vnet_bg_pids=()
for s in "${SCEN[@]}"; do ip netns del "h$s-s"; done

# ===================================== 2. installing N forwards at once, memory

# inst KIND N: in a fresh namespace, install N forwards; prints
# "wall_us peak_rss_kb slab_delta_kb".  The Slab figure is host-wide: read
# when settled before, and after (RCU-deferred frees of the transaction's
# scratch); for vnetctl from the empty table to N forwards.
inst() {
	local kind=$1 n=$2 ns=hinst s0 s1 out
	ip netns add $ns
	[ "$kind" != vnet ] || ip netns exec $ns "$VB" apply 0 0 >/dev/null # the table, no elements
	s0=$(slab_settled)
	case $kind in
	vnet) out=$(ip netns exec $ns "$VB" install "$n") ;;
	nft) out=$(ip netns exec $ns "$VB" time nft -f "$RES/nft.$n.last") ;;
	iptnft) out=$(ip netns exec $ns "$VB" time iptables-nft-restore "$RES/ipt.$n") ;;
	iptlegacy) out=$(ip netns exec $ns "$VB" time iptables-legacy-restore "$RES/ipt.$n") ;;
	esac
	sleep 0.5
	s1=$(slab_settled)
	ip netns del $ns
	awk -v s="$((s1 - s0))" '$1 ~ /_us$/ {t = $2} $1 ~ /(hwm|maxrss)_kb$/ {m = $2} END {print t, m, s}' <<<"$out"
}

say "2. install $N_BIG at once: vnetctl, nft -f per-rule, iptables-restore ($IREPS times each)"
KINDS=(vnet nft)
[ "$HAVE_IPT_NFT" = 0 ] || KINDS+=(iptnft)
[ "$HAVE_LEGACY" = 0 ] || KINDS+=(iptlegacy)
declare -A IT IM IS ISP
for k in "${KINDS[@]}"; do
	ts=() ms=() ss=()
	for ((i = 0; i < IREPS; i++)); do
		read -r t m sl <<<"$(inst "$k" $N_BIG)"
		ts+=("$t") ms+=("$m") ss+=("$sl")
	done
	IT[$k]=$(median "${ts[@]}")
	IM[$k]=$(median "${ms[@]}")
	IS[$k]=$(median "${ss[@]}")
	ISP[$k]=$(minmax "${ss[@]}")
done
read -r IT10 IM10 _ <<<"$(inst vnet 10)"
# N_HUGE: the install's scaling, and a Slab figure with 5 times the signal
ts=() ms=() ss=()
for ((i = 0; i < IREPS; i++)); do
	read -r t m sl <<<"$(inst vnet $N_HUGE)"
	ts+=("$t") ms+=("$m") ss+=("$sl")
done
IT5=$(median "${ts[@]}") IM5=$(median "${ms[@]}") IS5=$(median "${ss[@]}") ISP5=$(minmax "${ss[@]}")

# ===================================================== 3. adding one forward

say "3. add one forward at 10, $N_BIG, $N_HUGE existing ($REPS times each)"
ip netns add hadd
prev=0
for n in 10 $N_BIG $N_HUGE; do
	ip netns exec hadd "$VB" apply "$prev" "$n" >/dev/null
	prev=$n
	{
		ip netns exec hadd "$VB" addone "$n" "$REPS"
		ip netns exec hadd "$VB" add1 small "$n" | sed 's/^/small_/'
		ip netns exec hadd "$VB" add1 big "$n" | sed 's/^/big_/'
		ip netns exec hadd "$VB" list
	} >"$RES/add.$n"
done
ip netns del hadd

# ==================================== 4. `vnetctl forward add`, end to end

VNETCTL=$B/vnetctl
E2E_DONE=0
if [ "$E2E" = 1 ] && [ -x "$VNETCTL" ] && command -v libvirtd >/dev/null && command -v virsh >/dev/null; then
	say "4. vnetctl forward add through libvirtd at 10, $N_BIG, $N_HUGE existing"
	# libvirt's network hook, as tests/integration/vnet.sh installs it
	mkdir -p /etc/libvirt/hooks/network.d
	printf '#!/bin/sh\nexec "%s" hook "$@" 2>>%s/hook.log\n' "$VNETCTL" "$VNET_SCRATCH" \
		>/etc/libvirt/hooks/network.d/vnetctl
	chmod 755 /etc/libvirt/hooks/network.d/vnetctl
	sandbox_start_libvirtd >&2
	add_outside lan 192.0.2.1/24 192.0.2.10/24
	"$VNETCTL" -q create web --mode nat --subnet 10.79.0.0/24 --forward 8081:80 >/dev/null
	prev=0
	for n in 10 $N_BIG $N_HUGE; do
		# the N forwards: vnet-bench's network "bench" in the same table
		"$VB" apply "$prev" "$n" >/dev/null
		prev=$n
		ts=() ms=()
		for ((i = 0; i < 5; i++)); do
			out=$("$VB" time "$VNETCTL" -q forward add web 8082:80)
			ts+=("$(awk '$1 == "wall_us" {print $2}' <<<"$out")")
			ms+=("$(awk '$1 == "maxrss_kb" {print $2}' <<<"$out")")
			"$VNETCTL" -q forward remove web 8082:80
		done
		printf 'e2e_med %s\ne2e_rss %s\n' "$(median "${ts[@]}")" "$(median "${ms[@]}")" >>"$RES/add.$n"
	done
	E2E_DONE=1
fi

# ================================================================== table

A10=$RES/add.10 A1=$RES/add.$N_BIG A5=$RES/add.$N_HUGE
ipt_ver=$(iptables --version 2>/dev/null || echo "not installed")
hr() { printf '%s\n' "-------------------------------------------------------------------------------------------"; }

echo
echo "vnetctl nftables benchmark, $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "kernel $(uname -r), $(nproc) CPUs, $(nft --version | awk '{print $1, $2}'), $ipt_ver; load at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "all in a sandbox (unshare --net --mount --pid), every scenario in its own network namespaces"
echo
hr
echo "1. New TCP connections/s through one forward (client -> 192.0.2.1:8080 -> DNAT -> server on a bridge)"
echo "   connect + RST close, 1 client thread on CPU $CCPU, server on CPU $SCPU; median of $ROUNDS x $T s, interleaved"
hr
printf '   %-42s %10s %18s %7s\n' "scenario" "conn/s" "min-max" "errors"
for s in "${SCEN[@]}"; do
	printf '   %-42s %10s %18s %7s\n' "${LABEL[$s]}" "${RATE[$s]}" "${SPREAD[$s]}" "${ERRS[$s]}"
done
R_FLAT=$(ratio "${RATE[v10k]}" "${RATE[v10]}")
R_LAST=$(ratio "${RATE[v10k]}" "${RATE[r10k]}")
R_MID=$(ratio "${RATE[v10k]}" "${RATE[r10km]}")
echo
printf '   %-58s %6s   %-14s %s\n' "ratio" "value" "target" ""
printf '   %-58s %6s   %-14s %s\n' "vnetctl at $N_BIG / vnetctl at 10" "$R_FLAT" ">= 0.95" "$(met ge "$R_FLAT" 0.95)"
printf '   %-58s %6s   %-14s %s\n' "vnetctl at $N_BIG / per-rule at $N_BIG (ours last)" "$R_LAST" ">= 3" "$(met ge "$R_LAST" 3)"
printf '   %-58s %6s   %-14s %s\n' "vnetctl at $N_BIG / per-rule at $N_BIG (ours in the middle)" "$R_MID" "(>= 3)" "$(met ge "$R_MID" 3)"
printf '   %-58s %6s\n' "per-rule at $N_BIG (last) / per-rule at 10" "$(ratio "${RATE[r10k]}" "${RATE[r10]}")"
printf '   %-58s %6s\n' "vnetctl at 10 / per-rule at 10" "$(ratio "${RATE[v10]}" "${RATE[r10]}")"
if [ "$HAVE_LEGACY" = 1 ]; then
	printf '   %-58s %6s\n' "vnetctl at $N_BIG / iptables-legacy at $N_BIG (last)" "$(ratio "${RATE[v10k]}" "${RATE[i10k]}")"
fi
# the per-rule chain's cost per rule a new connection walks past
awk -v a="${RATE[r10]}" -v b="${RATE[r10k]}" -v n=$N_BIG 'BEGIN {
	if (a > 0 && b > 0) printf "   per-rule chain: %.1f ns per rule walked, per new connection\n", (1e9 / b - 1e9 / a) / (n - 10) }'

echo
hr
echo "2. Installing $N_BIG forwards at once (median of $IREPS, each in a fresh namespace; vnetctl's empty table made first)"
hr
printf '   %-46s %10s %11s %11s %16s %9s\n' "" "time" "vs vnetctl" "Slab delta" "(min-max kB)" "peak RSS"
declare -A KLABEL=([vnet]="vnetctl: one libnftables transaction (maps)" [nft]="nft -f: per-rule chain, one transaction"
	[iptnft]="iptables-nft-restore (nf_tables backend)" [iptlegacy]="iptables-legacy-restore (x_tables)")
for k in "${KINDS[@]}"; do
	printf '   %-46s %10s %11s %11s %16s %9s\n' "${KLABEL[$k]}" "$(us "${IT[$k]}")" \
		"$(ratio "${IT[$k]}" "${IT[vnet]}")x" "$(kb "${IS[$k]}")" "(${ISP[$k]})" "$(kb "${IM[$k]}")"
done
printf '   %-46s %10s %11s %11s %16s %9s\n' "vnetctl, 10 forwards (for scale)" "$(us "$IT10")" "" "" "" "$(kb "$IM10")"
printf '   %-46s %10s %11s %11s %16s %9s\n' "vnetctl, $N_HUGE forwards (for scale)" "$(us "$IT5")" "" "$(kb "$IS5")" "($ISP5)" "$(kb "$IM5")"

echo
hr
echo "3. Adding ONE forward when N exist (median / 90th percentile of $REPS)"
hr
printf '   %-48s %14s %14s %14s   %s\n' "" "N=10" "N=$N_BIG" "N=$N_HUGE" "target"
# pair FILE KEY: "83/88 us" or "13.4/14.0 ms" (median/p90)
pair() {
	awk -v a="$(get "$1" "$2_med")" -v b="$(get "$1" "$2_p90")" 'BEGIN {
		if (a == "") print "-"; else if (a < 10000) printf "%d/%d us", a, b; else printf "%.1f/%.1f ms", a / 1000, b / 1000 }'
}
row() { # LABEL KEY TARGET
	printf '   %-48s %14s %14s %14s   %s\n' "$1" "$(pair "$A10" "$2")" "$(pair "$A1" "$2")" "$(pair "$A5" "$2")" "$3"
}
flat_fast() { # KEY: all medians < 1 ms and N=50k within 1.5x of N=10 (+50 us)
	local a b c
	a=$(get "$A10" "$1_med") b=$(get "$A1" "$1_med") c=$(get "$A5" "$1_med")
	lt "$a" 1000 && lt "$b" 1000 && lt "$c" 1000 &&
		awk -v a="$a" -v b="$b" -v c="$c" 'BEGIN {m = (b > c ? b : c); exit !(m <= 1.5 * a + 50)}'
}
row "(a) bare libnftables: add element" bare "< 1 ms, flat: $(met flat_fast bare)"
row "(b) vnet_nft_apply, on a 10-forward network" apply_small "< 1 ms, flat: $(met flat_fast apply_small)"
row "    same, fresh context each time (a command)" apply_fresh ""
row "(b') vnet_nft_apply, on the network holding all N" apply_big ""
row "    of which its diff in user space (dry run)" diff_big ""
row "(c) the nft program: add element" nftprog "(~5 ms)"
printf '   %-48s %14s %14s %14s\n' "    (c) / (b), medians" "$(ratio "$(get "$A10" nftprog_med)" "$(get "$A10" apply_small_med)")x" \
	"$(ratio "$(get "$A1" nftprog_med)" "$(get "$A1" apply_small_med)")x" "$(ratio "$(get "$A5" nftprog_med)" "$(get "$A5" apply_small_med)")x"
if [ "$E2E_DONE" = 1 ]; then
	printf '   %-48s %14s %14s %14s   %s\n' "(d) vnetctl forward add, end to end (median of 5)" \
		"$(us "$(get "$A10" e2e_med)")" "$(us "$(get "$A1" e2e_med)")" "$(us "$(get "$A5" e2e_med)")" "flat: $(met awk -v a="$(get "$A10" e2e_med)" -v c="$(get "$A5" e2e_med)" 'BEGIN {exit !(c <= 1.5 * a)}')"
else
	printf '   %-48s %s\n' "(d) vnetctl forward add, end to end" "skipped (BENCH_E2E=0, or no vnetctl/libvirtd)"
fi
printf '   %-48s %14s %14s %14s   %s\n' "listing: nft -j list table inet vnetctl" \
	"$(us "$(get "$A10" list_nft_us)")" "$(us "$(get "$A1" list_nft_us)")" "$(us "$(get "$A5" list_nft_us)")" "O(N)"
printf '   %-48s %14s %14s %14s   %s\n' "listing: vnet_nft_read_elements (jansson)" \
	"$(us "$(get "$A10" list_lib_us)")" "$(us "$(get "$A1" list_lib_us)")" "$(us "$(get "$A5" list_lib_us)")" "O(N)"

echo
hr
echo "4. Memory"
hr
SB=${IS[vnet]}
PER=$(awk -v s="$SB" -v n=$N_BIG 'BEGIN {printf "%d", s * 1024 / n}')
PER5=$(awk -v s="$IS5" -v n=$N_HUGE 'BEGIN {printf "%d", s * 1024 / n}')
PER_NFT=$(awk -v s="${IS[nft]}" -v n=$N_BIG 'BEGIN {printf "%d", s * 1024 / n}')
printf '   %-60s %s\n' "kernel Slab, 0 -> $N_BIG forwards (host-wide, median of $IREPS)" \
	"$(kb "$SB") = $PER B/forward (per-rule nft: $PER_NFT B/rule); target hundreds of B: $(met awk -v p="$PER" 'BEGIN {exit !(p < 1000)}')"
printf '   %-60s %s\n' "kernel Slab, 0 -> $N_HUGE forwards (the same, cross-check)" "$(kb "$IS5") = $PER5 B/forward"
printf '   %-60s %s\n' "peak RSS adding one forward to a 10-forward network" \
	"$(kb "$(get "$A10" small_hwm_kb)") at N=10, $(kb "$(get "$A1" small_hwm_kb)") at N=$N_BIG, $(kb "$(get "$A5" small_hwm_kb)") at N=$N_HUGE; flat: $(met awk -v a="$(get "$A10" small_hwm_kb)" -v b="$(get "$A1" small_hwm_kb)" 'BEGIN {exit !(b <= 1.1 * a)}')"
printf '   %-60s %s\n' "peak RSS adding one forward to the network holding all N" \
	"$(kb "$(get "$A10" big_hwm_kb)") at N=10, $(kb "$(get "$A1" big_hwm_kb)") at N=$N_BIG, $(kb "$(get "$A5" big_hwm_kb)") at N=$N_HUGE"
if [ "$E2E_DONE" = 1 ]; then
	printf '   %-60s %s\n' "peak RSS of vnetctl forward add" \
		"$(kb "$(get "$A10" e2e_rss)") at N=10, $(kb "$(get "$A1" e2e_rss)") at N=$N_BIG, $(kb "$(get "$A5" e2e_rss)") at N=$N_HUGE"
fi
printf '   %-60s %s\n' "peak RSS installing N at once (one transaction)" "$(kb "$IM10") at N=10, $(kb "${IM[vnet]}") at N=$N_BIG"
echo
echo "run time: $((SECONDS - START)) s"
