#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Each command has one table of options (src/cli) that drives getopt_long,
# `vnetctl help COMMAND` and the bash completion.  This fails when the man
# page's SYNOPSIS, the completion (data/vnetctl.bash, run as bash runs it)
# and the table ("vnetctl help --options [COMMAND]", "--commands") name
# different commands or options.  Runs vnetctl's help only: touches nothing.
set -u
VNETCTL=${VNETCTL:-/tmp/b/vnetctl}
man=$top_srcdir/data/vnetctl.8
completion=$top_srcdir/data/vnetctl.bash
fail=0 n=0

ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() {
	n=$((n + 1)) fail=1
	echo "not ok $n - $1"
	shift
	diff <(echo "$1") <(echo "$2") | sed 's/^/#   /'
}
same() {	# what, want, got
	if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1" "$2" "$3"; fi
}
sorted() { tr ' ' '\n' | sed '/^$/d' | sort -u | tr '\n' ' ' | sed 's/ $//'; }

# The table: option words of COMMAND ("" = the global ones).
table() { "$VNETCTL" help --options ${1:+"$1"} | awk '{ print $1 }' | sorted; }

# The SYNOPSIS, one line per command: "NAME OPTION...", GLOBAL for the first
# block; "create-arguments" stands for create's options.
synopsis=$(awk '
	/^\.SH SYNOPSIS/ { on = 1; next }
	/^\.SH/ { on = 0 }
	!on { next }
	/^\.SY vnetctl/ { names = ""; opts = ""; first = 1; create = 0; next }
	/^\.YS/ {
		if (names == "") names = "GLOBAL"
		if (create) opts = opts " @create"
		k = split(names, a, " ")
		for (i = 1; i <= k; i++) print a[i] opts
		next
	}
	{
		line = $0
		if (first && line ~ /^\.BR? [a-z]/) {
			t = line; sub(/^\.BR? /, "", t); gsub(/\\-/, "-", t); gsub(/ \| /, " ", t)
			names = t
			line = ""	# qemu\-hook is a name, not an option
		}
		first = 0
		if (line ~ /create-arguments/) create = 1
		while (match(line, /\\-(\\-)?[a-z0-9]([a-z0-9]|\\-)*/)) {
			o = substr(line, RSTART, RLENGTH); gsub(/\\-/, "-", o)
			opts = opts " " o
			line = substr(line, RSTART + RLENGTH)
		}
	}' "$man")
man_opts() {	# NAME -> its options in the synopsis
	local l
	l=$(awk -v c="$1" '$1 == c { $1 = ""; print }' <<<"$synopsis")
	[[ $l == *@create* ]] && l=$(man_opts create)
	sorted <<<"$l"
}

# The completion, as bash calls it: the words it offers for WORDS...
complete_words() {
	bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		_vnetctl; printf "%s\n" "${COMPREPLY[@]}"' _ "$completion" "$@" | sorted
}

commands=$("$VNETCTL" help --commands | sorted)
same "the man page's synopsis has the table's commands" "$commands" \
	"$(awk '$1 != "GLOBAL" { print $1 }' <<<"$synopsis" | sorted)"
same "the completion offers the table's commands" "$commands" "$(complete_words "$VNETCTL" "")"
same "global options: synopsis = table" "$(table)" "$(man_opts GLOBAL)"
same "global options: completion = table" "$(table)" "$(complete_words "$VNETCTL" -)"
for c in $commands; do
	want=$(table "$c")
	same "$c: synopsis = table" "$want" "$(man_opts "$c")"
	same "$c: completion = table" "$want" "$(complete_words "$VNETCTL" "$c" -)"
done
echo "1..$n"
exit "$fail"
