#!/bin/bash
# tests/package/run.sh - the Debian packages, end to end:
#   1. copy the tree to a scratch directory and build the packages there
#      (dpkg-buildpackage -us -uc -b, DEB_BUILD_OPTIONS="nocheck parallel=2":
#      the tests run elsewhere in tools/test-all);
#   2. check debian/libvnet0.symbols against the version script;
#   3. lintian on them: no error and no warning (--fail-on error,warning;
#      the overrides in debian/*.lintian-overrides say why each is one);
#   4. install them in a sandbox and run the main job with the installed
#      files (tests/package/install.sh), then check the host got nothing.
# Root, on Debian 12 with tools/install-deps done.  The source tree is not
# written to.  Prints how long each part took.
#
# VNET_PKG_DIR=DIR   scratch directory (default /tmp/vnet-deb, emptied first)
# VNET_PKG_REF=REV   build commit REV (git archive) instead of the working tree
# Exit status: 0 pass, 1 fail, 77 skip (not root).
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
work=$(realpath -m "${VNET_PKG_DIR:-/tmp/vnet-deb}")
t0=$SECONDS
[ "$(id -u)" -eq 0 ] || { echo "SKIP: package test: needs root"; exit 77; }
for c in dpkg-buildpackage dh lintian git; do
	command -v "$c" >/dev/null || { echo "FAIL: $c not found (run tools/install-deps)"; exit 1; }
done
took() { printf '%s (%d s)\n' "$1" $((SECONDS - $2)); }

# ---- 1. build, from a copy: the tree stays clean
parent=${work%/}
case $top/ in
"$parent"/*) echo "FAIL: VNET_PKG_DIR=$work would hold the source tree: it is emptied first"; exit 1 ;;
esac
rm -rf "$work"
mkdir -p "$work/src"
if [ -n "${VNET_PKG_REF:-}" ]; then
	git -C "$top" archive --format=tar "$VNET_PKG_REF" | tar -C "$work/src" -xf -
	what="commit $(git -C "$top" rev-parse --short "$VNET_PKG_REF")"
else
	# tracked and new files as they are now, not what .gitignore names
	(cd "$top" && git ls-files -z --cached --others --exclude-standard |
		while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done |
		tar --null -T - -cf -) | tar -C "$work/src" -xf -
	what="the working tree"
fi
t=$SECONDS
echo "package: building from $what in $work (log: $work/build.log)"
if ! (cd "$work/src" && DEB_BUILD_OPTIONS="nocheck parallel=2" \
	dpkg-buildpackage -us -uc -b) >"$work/build.log" 2>&1; then
	tail -n 60 "$work/build.log"
	echo "FAIL: dpkg-buildpackage"
	exit 1
fi
changes=$(ls "$work"/vnetctl_*.changes)
for f in "$work"/*.deb; do echo "  ${f##*/}"; done
took "package: built" "$t"

# ---- 2. the symbols file lists exactly what the version script exports
# (dpkg-gensymbols -c4 already fails the build on any difference with the
# built library; this names the version script itself)
script=$(sed -n '/global:/,/local:/p' "$work/src/src/lib/libvnet.sym" |
	sed -n 's/^[[:space:]]*\(vnet_[a-z0-9_]*\);.*/\1/p' | sort)
# (both version nodes: VNET_0.1, and VNET_PRIVATE_0.1 of the hook entry points)
symbols=$(sed -n 's/^ \(vnet_[a-z0-9_]*\)@VNET_\(PRIVATE_\)\{0,1\}0\.1 .*/\1/p' "$work/src/debian/libvnet0.symbols" | sort)
if [ "$script" != "$symbols" ]; then
	echo "FAIL: debian/libvnet0.symbols and src/lib/libvnet.sym differ (< version script, > symbols):"
	diff <(echo "$script") <(echo "$symbols") || true
	echo "(a new export goes into debian/libvnet0.symbols as \" NAME@VNET_0.1 VERSION\", VERSION the first to have it)"
	exit 1
fi
echo "package: debian/libvnet0.symbols matches the version script ($(echo "$script" | wc -l) symbols)"

# ---- 3. lintian (as nobody: it warns against running as root)
t=$SECONDS
# shellcheck disable=SC2054 # error,warning is one argument
lintian=(lintian --fail-on error,warning --display-info "$changes")
command -v setpriv >/dev/null && lintian=(setpriv --reuid=nobody --regid=nogroup --clear-groups env HOME=/tmp "${lintian[@]}")
if ! "${lintian[@]}" >"$work/lintian.log" 2>&1; then
	cat "$work/lintian.log"
	echo "FAIL: lintian (errors or warnings)"
	exit 1
fi
sed 's/^/  /' "$work/lintian.log"
took "package: lintian: no error, no warning, $(cat "$work"/src/debian/*.lintian-overrides | grep -cv -e '^#' -e '^$') overridden (debian/*.lintian-overrides)" "$t"

# ---- 4. install in a sandbox, run the main job there
host_state() { # what a leak onto the host would change
	md5sum /var/lib/dpkg/status
	# shellcheck disable=SC2012 # a checksum of the listing, names and times
	ls -la --time-style=full-iso /usr/sbin /usr/include /etc/libvirt /etc/systemd/system 2>/dev/null | md5sum
	find /etc/libvirt /usr/share/bash-completion /usr/lib/*/pkgconfig -name '*vnet*' 2>/dev/null || :
}
host_state >"$work/host.before"
t=$SECONDS
rc=0
# the copy's test scripts, so that the test and the packages are of one tree
timeout -k 10 "${VNET_TEST_TIMEOUT:-300}" bash "$work/src/tests/package/install.sh" "$work" || rc=$?
[ "$rc" -eq 0 ] || { echo "FAIL: installed-package test (exit $rc)"; exit 1; }
took "package: installed-package test passed" "$t"
# The install happened in the sandbox's overlays only.
host_state >"$work/host.after"
if ! diff -u "$work/host.before" "$work/host.after"; then
	echo "FAIL: the install reached the host"
	exit 1
fi
echo "ok - the host's dpkg database, /usr/sbin, /usr/include, /etc/libvirt and /etc/systemd/system are as before"
took "package test: PASS" "$t0"
