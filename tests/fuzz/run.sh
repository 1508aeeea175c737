#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Build the libFuzzer targets in a build directory of their own and run each
# for a while over a copy of its seed corpus; fail if one crashes, leaks or
# times out.
#
#   tests/fuzz/run.sh [SRCDIR]
#
# SRCDIR defaults to the tree this script is in.  Environment:
#   FUZZ_SECONDS     how long each target runs (default 60)
#   FUZZ_BUILDDIR    build directory (default $TMPDIR/vnet-fuzz-build)
#   FUZZ_JOBS        make -j (default: the number of CPUs)
#
# Needs clang and its libFuzzer/sanitizer runtimes: on Debian/Ubuntu with
# clang 14 that is the package libclang-rt-14-dev (without it, linking with
# -fsanitize=fuzzer fails: "cannot find .../libclang_rt.fuzzer-x86_64.a").
#
# A crash leaves its input in the work directory (printed at the end).  Keep
# it: copy it into tests/fuzz/corpus/<target>/regress-<short-name>, fix the
# bug, and the seed then guards against it coming back.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
srcdir=$(cd "${1:-$here/../..}" && pwd)
seconds=${FUZZ_SECONDS:-60}
builddir=${FUZZ_BUILDDIR:-${TMPDIR:-/tmp}/vnet-fuzz-build}
jobs=${FUZZ_JOBS:-$(nproc 2>/dev/null || echo 2)}
targets="forward intent-xml args libvirt-xml json frame ovsdb ovn openflow"

die() { echo "fuzz: $*" >&2; exit 1; }

command -v clang >/dev/null || die "clang is not installed"
[ -x "$srcdir/configure" ] || die "$srcdir has no configure script; run autoreconf -fi there"

# ---- build ----
# The library is instrumented too (fuzzer-no-link: coverage and sanitizers,
# no main), so libFuzzer sees the parser's branches, not only the target's.
# A build directory made for another source tree (its VPATH rules name
# that tree's files), or by someone else, is of no use here: start afresh.
if [ -e "$builddir" ] && [ "$(cat "$builddir/.vnet-fuzz-srcdir" 2>/dev/null)" != "$srcdir" ]; then
	rm -rf "$builddir"
fi
mkdir -p "$builddir"
echo "$srcdir" >"$builddir/.vnet-fuzz-srcdir"
if [ ! -f "$builddir/config.status" ] ||
   ! grep -q -- '--enable-fuzzing' "$builddir/config.status" ||
   [ "$srcdir/configure" -nt "$builddir/config.status" ]; then
	echo "fuzz: configuring $srcdir in $builddir"
	(cd "$builddir" && "$srcdir/configure" CC=clang --enable-fuzzing \
		CFLAGS="-g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address,undefined" \
		>configure.log 2>&1) || { tail -n 30 "$builddir/configure.log"; die "configure failed"; }
fi
echo "fuzz: building in $builddir"
programs=()
for t in $targets; do programs+=("tests/fuzz/fuzz-$t"); done
make -C "$builddir" -j"$jobs" "${programs[@]}" \
	>"$builddir/make.log" 2>&1 || { tail -n 40 "$builddir/make.log"; die "build failed"; }

# ---- run ----
work=$(mktemp -d "${TMPDIR:-/tmp}/vnet-fuzz.XXXXXX")
echo "fuzz: working in $work"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:symbolize=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:abort_on_error=1:print_stacktrace=1}
export G_SLICE=always-malloc G_DEBUG=gc-friendly	# let LeakSanitizer see GLib's memory

failed=
for t in $targets; do
	case $t in
	forward | args) max_len=4096 ;;
	frame) max_len=2048 ;;
	*) max_len=65536 ;;
	esac
	# Never write into the repository's corpus: fuzz a copy.
	mkdir -p "$work/$t/corpus" "$work/$t/artifacts"
	cp "$srcdir/tests/fuzz/corpus/$t/"* "$work/$t/corpus/"
	echo "fuzz: $t for ${seconds}s"
	if "$builddir/tests/fuzz/fuzz-$t" -max_total_time="$seconds" -max_len="$max_len" \
		-timeout=10 -print_final_stats=1 -artifact_prefix="$work/$t/artifacts/" \
		"$work/$t/corpus" >"$work/$t/log" 2>&1; then
		runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/$t/log")
		rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$work/$t/log")
		echo "fuzz: $t ok: ${runs:-?} runs, ${rate:-?} execs/s"
	else
		tail -n 40 "$work/$t/log"
		echo "fuzz: $t FAILED; input in $work/$t/artifacts/:" >&2
		ls "$work/$t/artifacts/" >&2
		failed="$failed $t"
	fi
done
[ -z "$failed" ] || die "crashed:$failed (logs and inputs in $work)"
rm -rf "$work"
echo "fuzz: all targets passed"
