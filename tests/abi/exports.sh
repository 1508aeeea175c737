#!/bin/bash
# The shared library exports exactly the functions the public headers declare.
set -eu
lib=$(ls "$top_builddir"/.libs/libvnet.so.* 2>/dev/null | head -n 1)
[ -n "$lib" ] || { echo "libvnet.so not built"; exit 1; }
exported=$(nm -D --defined-only "$lib" | awk '$2 == "T" { sub(/@.*/, "", $3); print $3 }' | sort)
declared=$(cat "$top_srcdir"/include/vnet/*.h | tr -s ' \t\n' ' ' | \
	grep -oE '\bvnet_[a-z0-9_]+ *\(' | tr -d ' (' | sort -u)
if [ "$exported" != "$declared" ]; then
	echo "exported symbols differ from the public headers (< exported, > declared):"
	diff <(echo "$exported") <(echo "$declared") || true
	exit 1
fi
echo "ok - $(echo "$exported" | wc -l) exported symbols, all declared in include/vnet"
