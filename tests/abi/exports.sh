#!/bin/bash
# The shared library exports exactly the functions the headers declare: the
# public API (include/vnet/*.h) in VNET_0.1, what vnetctl alone calls
# (src/lib/libvnet-private.h) in VNET_PRIVATE_0.1; debian/libvnet0.symbols
# lists the same; every one of them has a kernel-doc comment ("/**" whose
# first line names it: "name() - ...").
set -eu
lib=$(ls "$top_builddir"/.libs/libvnet.so.* 2>/dev/null | head -n 1)
[ -n "$lib" ] || { echo "libvnet.so not built"; exit 1; }
headers=("$top_srcdir"/include/vnet/*.h)
private=$top_srcdir/src/lib/libvnet-private.h
fail=0

# name@VERSION of every defined function
exports=$(nm -D --defined-only "$lib" | awk '$2 == "T" { sub(/@@/, "@", $3); print $3 }' | sort)
# sorted again without "@VERSION": "name6@V" sorts before "name@V", "name6" after "name"
in_node() { echo "$exports" | awk -F@ -v v="$1" '$2 == v { print $1 }' | sort; }
declared() { cat "$@" | tr -s ' \t\n' ' ' | grep -oE '\bvnet_[a-z0-9_]+ *\(' | tr -d ' (' | sort -u; }
same() {	# what, list a, list b
	if [ "$2" != "$3" ]; then
		echo "$1 (< exported, > declared):"
		diff <(echo "$2") <(echo "$3") || true
		fail=1
	fi
}
same "VNET_0.1 differs from include/vnet" "$(in_node VNET_0.1)" "$(declared "${headers[@]}")"
same "VNET_PRIVATE_0.1 differs from libvnet-private.h" "$(in_node VNET_PRIVATE_0.1)" "$(declared "$private")"
other=$(echo "$exports" | awk -F@ '$2 != "VNET_0.1" && $2 != "VNET_PRIVATE_0.1"')
[ -z "$other" ] || { echo "exported outside both version nodes: $other"; fail=1; }

listed=$(awk '/^ vnet_/ { print $1 }' "$top_srcdir"/debian/libvnet0.symbols | sort)
same "debian/libvnet0.symbols differs from the library" "$exports" "$listed"

# The first line of each "/**" comment, as "name"; functions only ("name() -").
documented=$(awk '
	/^\/\*\*/ { doc = 1; line = $0; sub(/^\/\*\* */, "", line); if (line != "") { print line; doc = 0 } next }
	doc { line = $0; sub(/^ \* */, "", line); print line; doc = 0 }' "${headers[@]}" "$private" |
	grep -oE '^vnet_[a-z0-9_]+\(\)' | tr -d '()' | sort -u)
undocumented=$(comm -23 <(declared "${headers[@]}" "$private") <(echo "$documented"))
if [ -n "$undocumented" ]; then
	echo "exported without a kernel-doc comment (/** name() - ...):"
	echo "$undocumented"
	fail=1
fi
[ "$fail" = 0 ] || exit 1
echo "ok - $(echo "$exports" | wc -l) exported functions, all declared in their version node's header, listed for Debian and documented"
