#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The zh_CN catalogue translates every message in the sources, and every
# source file that marks messages is listed in po/POTFILES.in.
#
# It extracts a fresh template from po/POTFILES.in (not po/vnetctl.pot,
# which is only as new as the last build), merges po/zh_CN.po with it into
# a temporary file and requires no untranslated and no fuzzy message.  The
# untranslated and changed (fuzzy) msgids are printed on failure.
#
# top_srcdir: the source tree (default: this script's ../..).
# Exit status: 0 complete, 1 not, 77 (skip) without the gettext tools.
set -u

here=${0%/*}
[ "$here" != "$0" ] || here=.
top_srcdir=${top_srcdir:-$(cd "$here/../.." && pwd)}
lang=${PO_LANG:-zh_CN}
po="po/$lang.po"	# relative to $top_srcdir, where the checks run

# The keywords the sources use: _() and N_() from glib/gi18n.h, and
# g_dngettext(domain, singular, plural, n) for plurals.
# shellcheck disable=SC2054 # the commas belong to xgettext's keyword specs
xgettext_opts=(--language=C --from-code=UTF-8 --add-comments=TRANSLATORS:
	--keyword=_ --keyword=N_ --keyword=C_:1c,2 --keyword=NC_:1c,2
	--keyword=g_dngettext:2,3 --package-name=vnetctl)

for tool in xgettext msgmerge msgfmt msgattrib; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "skip - $tool is missing (install gettext)"
		exit 77
	fi
done

# The tools' own messages are parsed below: keep them in English.
export LC_ALL=C LANGUAGE=

fail=0
tmp=$(mktemp -d "${TMPDIR:-/tmp}/po-complete.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT

cd "$top_srcdir" || exit 1
[ -f "$po" ] || { echo "not ok - $top_srcdir/$po does not exist"; exit 1; }

# 1. POTFILES.in: every listed file exists, every marking file is listed.
grep -v -e '^[[:space:]]*#' -e '^[[:space:]]*$' po/POTFILES.in | sed 's/[[:space:]]*$//' >"$tmp/listed"
while read -r f; do
	if [ ! -f "$f" ]; then
		echo "not ok - po/POTFILES.in lists $f, which does not exist"
		fail=1
	fi
done <"$tmp/listed"
# A message: _(" N_(" C_( NC_( (or the string on the next line), or any
# g_dngettext( / ngettext( call; not _(variable) nor a comment's "_()".
marks='(^|[^A-Za-z0-9_])((N?_)[[:space:]]*\([[:space:]]*("|$)|(N?C_|g_d?n?gettext|d?ngettext)[[:space:]]*\([^)])'
find src -type f \( -name '*.c' -o -name '*.h' \) | LC_ALL=C sort | while read -r f; do
	if grep -qE "$marks" "$f" &&
	   ! grep -qxF "$f" "$tmp/listed"; then
		echo "not ok - $f marks messages for translation but is not in po/POTFILES.in"
		echo 1 >"$tmp/unlisted"
	fi
done
[ -e "$tmp/unlisted" ] && fail=1

# 2. A fresh template from the sources.
existing=$(while read -r f; do [ -f "$f" ] && echo "$f"; done <"$tmp/listed")
# shellcheck disable=SC2086
if ! xgettext "${xgettext_opts[@]}" -o "$tmp/vnetctl.pot" $existing 2>"$tmp/xgettext.err"; then
	echo "not ok - xgettext failed:"
	cat "$tmp/xgettext.err"
	exit 1
fi

# 3. The catalogue merged with it, as "make update-po" would.
if ! msgmerge --quiet --previous -o "$tmp/$lang.po" "$po" "$tmp/vnetctl.pot" 2>"$tmp/msgmerge.err"; then
	echo "not ok - msgmerge failed:"
	cat "$tmp/msgmerge.err"
	exit 1
fi
if ! msgfmt --check --statistics -o /dev/null "$tmp/$lang.po" 2>"$tmp/stats"; then
	echo "not ok - msgfmt --check refuses po/$lang.po (format specifiers or header):"
	cat "$tmp/stats"
	fail=1
fi
stats=$(tail -n 1 "$tmp/stats")
translated=$(sed -n 's/^\([0-9][0-9]*\) translated message.*/\1/p' <<<"$stats")

show() {	# the entries of $1 (untranslated or only-fuzzy), header left out
	msgattrib "--$1" --no-obsolete --no-wrap "$tmp/$lang.po" |
		awk 'BEGIN { RS = ""; ORS = "\n\n" } !/^(#[^\n]*\n)*msgid ""\nmsgstr ""/' |
		sed 's/^/    /'
}
if grep -q 'untranslated' <<<"$stats"; then
	echo "not ok - po/$lang.po lacks translations ($stats) for:"
	show untranslated
	fail=1
fi
if grep -q 'fuzzy' <<<"$stats"; then
	echo "not ok - po/$lang.po has fuzzy entries, messages whose source text changed ($stats):"
	show only-fuzzy
	fail=1
fi

if [ "$fail" -ne 0 ]; then
	echo "To refresh po/$lang.po: the commands are in the comment at its top."
	exit 1
fi
echo "ok - $lang complete (${translated:-0} messages)"
