#!/bin/bash
# bench/control.sh - vnetctl's control plane at scale (issue 14): what one
# command costs on a network holding N forwards, each figure beside its
# baseline measured in the same run, through the integration tests' sandbox
# (its own network, mount and PID namespaces and its own libvirtd; nothing
# reaches the host's network, firewall or libvirt).  Run by hand, as root:
#
#     bench/control.sh                 # B=/tmp/b: a built build directory
#
# Knobs (environment): B, O (as run.sh), BENCH_REPS (timings per figure,
# default 5), BENCH_NS (default "10 10000 65535"), BENCH_PLAN_N (10000),
# BENCH_RANGE (0: skip the 65,535-port range forward).
# See bench/README, "Control plane".
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOP=$(dirname "$BENCH_DIR")
B=${B:-/tmp/b}
O=${O:-$B/bench}
REPS=${BENCH_REPS:-5}
NS=${BENCH_NS:-"10 10000 65535"}
PLAN_N=${BENCH_PLAN_N:-10000}
RANGE=${BENCH_RANGE:-1}

if [ "${VNET_SANDBOX:-}" != 1 ]; then
	[ -e "$B/.libs/libvnet-internal.a" ] || {
		echo "bench/control.sh: $B/.libs/libvnet-internal.a is missing: build the tree first (make -C $B)" >&2
		exit 1
	}
	make -s -C "$BENCH_DIR" B="$B" O="$O" >&2
fi

# shellcheck disable=SC2034 # read by lib.sh
VNET_TEST_NAME=bench-control
# shellcheck source=../tests/integration/lib.sh
. "$TOP/tests/integration/lib.sh"
sandbox_enter "$@"
require_cmd nft virsh libvirtd dnsmasq awk
VB=$O/vnet-bench
RES=$VNET_SCRATCH/control
mkdir -p "$RES"
START=$SECONDS

# The program itself, not libtool's wrapper script (a shell that would be
# timed with it); the hook may use either.
VNETCTL=$B/vnetctl
VC=$VNETCTL
if [ -x "$B/.libs/vnetctl" ] && grep -q libtool "$VNETCTL" 2>/dev/null; then
	VC=$B/.libs/vnetctl
	export LD_LIBRARY_PATH=$B/.libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
fi

say() { printf '# %s\n' "$*" >&2; }
median() { printf '%s\n' "$@" | sort -g | awk '{v[NR]=$1} END {print (NR ? v[int((NR+1)/2)] : "nan")}'; }
minmax() { printf '%s\n' "$@" | sort -g | awk 'NR==1 {a=$1} {b=$1} END {printf "%s-%s", a, b}'; }
ms() { awk -v v="$1" 'BEGIN {if (v == "") print "-"; else printf "%.1f", v / 1000}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf (b > 0 ? "%.2f" : "n/a"), (b > 0 ? a / b : 0)}'; }
met() { case $1 in n/a*) printf 'n/a' ;; *) if awk "BEGIN {exit !($1)}"; then printf 'met'; else printf 'NOT MET'; fi ;; esac; }

# timed KEY PROG ARGS...: run once, append its wall (and user+sys) time in
# us to $RES/KEY (and $RES/KEY.cpu); the program must succeed.
timed() {
	local key=$1 out
	shift
	out=$("$VB" time "$@") || bail "failed: $*"
	awk '$1 == "wall_us" {print $2}' <<<"$out" >>"$RES/$key"
	awk '$1 == "utime_us" {u = $2} $1 == "stime_us" {s = $2} END {print u, s}' <<<"$out" >>"$RES/$key.cpu"
}
# med KEY: the median wall time in us; spread KEY: min-max in ms (the
# files hold one number a line: split on purpose)
# shellcheck disable=SC2046
med() { median $(cat "$RES/$1"); }
# low KEY: the fastest of the runs (noise only ever adds: other tenants'
# load on a shared VM moved single medians by 2x; the minima are steadier)
# shellcheck disable=SC2046
low() { printf '%s\n' $(cat "$RES/$1") | sort -g | head -1; }
# shellcheck disable=SC2046
spread() { minmax $(cat "$RES/$1") | awk -F- '{printf "%.1f-%.1f", $1 / 1000, $2 / 1000}'; }
# medu KEY: the median user-space CPU time in us
# shellcheck disable=SC2046
medu() { median $(awk '{print $1}' "$RES/$1.cpu"); }

# gen_intent NAME N SUBNET: intent XML with N forwards to the default guest,
# host ports 1024... (tcp up to 65535, then udp from 1024)
gen_intent() {
	awk -v name="$1" -v n="$2" -v subnet="$3" 'BEGIN {
		printf "<vnet:intent xmlns:vnet=\"http://vnetctl.org/xmlns/intent/1\" name=\"%s\" mode=\"nat\" dhcp=\"yes\" autostart=\"yes\">\n", name
		printf "  <vnet:ipv4 subnet=\"%s\"/>\n", subnet
		for (i = 0; i < n; i++)
			if (i < 64512) printf "  <vnet:forward>%d:80/tcp</vnet:forward>\n", 1024 + i
			else printf "  <vnet:forward>%d:80/udp</vnet:forward>\n", 1024 + i - 64512
		print "</vnet:intent>"
	}'
}
# gen_elements N: the same N forwards as map elements, for nft -f
gen_elements() {
	awk -v n="$1" 'BEGIN {
		print "add table inet nbase"
		print "add map inet nbase fwd4 { type inet_proto . inet_service : ipv4_addr . inet_service; }"
		printf "add element inet nbase fwd4 {"
		for (i = 0; i < n; i++)
			printf "%s %s . %d : 10.80.0.2 . 80", (i ? "," : ""), (i < 64512 ? "tcp" : "udp"), (i < 64512 ? 1024 + i : 1024 + i - 64512)
		print " }"
	}'
}
# forward_args N: --forward P:80 ... for plan/xml
forward_args() {
	awk -v n="$1" 'BEGIN {for (i = 0; i < n; i++) printf "--forward\n%d:80/tcp\n", 1024 + i}'
}

install_hook_here() {
	mkdir -p /etc/libvirt/hooks/network.d
	printf '#!/bin/sh\nexec "%s" hook "$@" 2>>%s/hook.log\n' "$VNETCTL" "$VNET_SCRATCH" \
		>/etc/libvirt/hooks/network.d/vnetctl
	chmod 755 /etc/libvirt/hooks/network.d/vnetctl
}
install_hook_here
sandbox_start_libvirtd >&2

# a second, small network, so that list and every read see more than one
gen_intent small 0 10.81.0.0/24 >"$RES/small.xml"
"$VC" -q apply -f "$RES/small.xml" >/dev/null
"$VC" -q forward add small 50000:80/sctp

for n in $NS; do
	say "N = $n: create, forward add/remove, show, list ($REPS times each)"
	gen_intent big "$n" 10.80.0.0/16 >"$RES/big.$n.xml"
	gen_elements "$n" >"$RES/nft.$n"
	# create with N (and the nft -f baseline of the same N elements)
	for ((i = 0; i < REPS; i++)); do
		timed "create.$n" "$VC" -q apply -f "$RES/big.$n.xml"
		[ $i -eq $((REPS - 1)) ] || "$VC" -q delete big
		timed "nftf.$n" nft -f "$RES/nft.$n"
		nft delete table inet nbase
	done
	virsh -q net-dumpxml --inactive big >"$RES/dump.$n.xml"
	for ((i = 0; i < REPS; i++)); do
		timed "base_def.$n" sh -c "virsh -q net-dumpxml --inactive big >$RES/d.xml && virsh -q net-define $RES/d.xml >/dev/null"
		timed "add.$n" "$VC" -q forward add big 40000:80/udp
		timed "remove.$n" "$VC" -q forward remove big 40000:80/udp
		timed "show.$n" "$VC" show big
		timed "base_show.$n" virsh -q net-dumpxml big
		timed "list.$n" "$VC" list
		timed "base_list.$n" sh -c 'virsh -q net-list --all --name >/dev/null; virsh -q net-dumpxml big; virsh -q net-dumpxml small'
	done >/dev/null
	"$VC" show big >"$RES/show.$n.out"
	"$VC" -q delete big
done

say "plan / xml with $PLAN_N forwards"
mapfile -t FA < <(forward_args "$PLAN_N")
for ((i = 0; i < REPS; i++)); do
	timed plan "$VC" plan pl --mode nat --subnet 10.82.0.0/16 "${FA[@]}"
	timed xml "$VC" xml pl --mode nat --subnet 10.82.0.0/16 "${FA[@]}"
done >/dev/null

say "a range forward of 65,535 ports"
for ((i = 0; RANGE == 1 && i < REPS; i++)); do
	timed range_add "$VC" -q forward add small 1-65535:1-65535/udp --force
	timed range_remove "$VC" -q forward remove small 1-65535:1-65535/udp
done

# ================================================================== table
echo
echo "vnetctl control plane at scale, $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "kernel $(uname -r), $(nproc) CPUs, $(nft --version | awk '{print $1, $2}'), $(virsh --version | sed 's/^/libvirt /'); load at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "median of $REPS, min-max in ms; \"beyond\" = the command minus its libvirt baseline"
echo
printf '   %-44s' ""
for n in $NS; do printf ' %22s' "N=$n"; done
echo
row() { # LABEL KEY
	printf '   %-44s' "$1"
	for n in $NS; do printf ' %22s' "$(ms "$(med "$2.$n")") ($(spread "$2.$n"))"; done
	echo
}
row "vnetctl forward add (ms)" add
row "vnetctl forward remove (ms)" remove
row "baseline: virsh net-dumpxml + net-define" base_def
row "vnetctl show" show
row "baseline: virsh net-dumpxml" base_show
row "vnetctl list (2 networks)" list
row "baseline: virsh net-list + 2 x net-dumpxml" base_list
row "vnetctl create (apply -f) with N" create
row "baseline: nft -f of the N map elements" nftf
echo
n0=${NS%% *}
# ratios N KIND: the five ratios at N from medians (KIND med) or minima (low)
ratios() {
	local n=$1 f=$2 b1 c r
	for c in add remove; do
		b1=$(($($f "$c.$n") - ($($f "base_def.$n") - $($f "base_def.$n0"))))
		r=$(ratio "$b1" "$($f "$c.$n0")")
		printf '   %-64s %6s   <= 1.5   %s\n' "forward $c, beyond libvirt's growth: N=$n / N=$n0" "$r" "$(met "$r <= 1.5")"
	done
	c=$(($($f "create.$n") - $($f "create.$n0")))
	r=$(ratio "$c" "$($f "nftf.$n")")
	printf '   %-64s %6s   <= 2     %s\n' "create: (N=$n - N=$n0) / nft -f of $n elements" "$r" "$(met "$r <= 2")"
	r=$(ratio "$($f "show.$n")" "$($f "base_show.$n")")
	printf '   %-64s %6s   <= 2     %s\n' "show at N=$n / virsh net-dumpxml" "$r" "$(met "$r <= 2")"
	r=$(ratio "$($f "list.$n")" "$($f "base_list.$n")")
	printf '   %-64s %6s   <= 2     %s\n' "list at N=$n / virsh net-list + net-dumpxml of each" "$r" "$(met "$r <= 2")"
}
for f in med low; do
	if [ "$f" = med ]; then echo "   ratios of the medians:"; else echo "   ratios of the minima:"; fi
	for n in $NS; do
		[ "$n" = "$n0" ] || ratios "$n" "$f"
	done
done
cu=$(medu "create.$PLAN_N" 2>/dev/null || echo 0)
for k in plan xml; do
	r=$(ratio "$(medu $k)" "$cu")
	printf '   %-64s %6s   <= 2     %s\n' "$k, user CPU $(ms "$(medu $k)") ms / create's $(ms "$cu") ms (N=$PLAN_N)" "$r" "$(met "$r <= 2")"
done
[ "$RANGE" != 1 ] || printf '   %-64s %s ms, remove %s ms\n' "forward add 1-65535:1-65535/udp --force (one range)" "$(ms "$(med range_add)")" "$(ms "$(med range_remove)")"
echo
echo "run time: $((SECONDS - START)) s"
