#!/bin/bash
# 10-nft-table: the table itself.  The table commands and every golden
# tests/data/<case>.nft pass `nft -c`; creating the table twice leaves one
# copy of each rule; applying the same elements twice (as a hook that runs
# twice) leaves one copy of each; removing twice is no error; a plan touches
# nothing; the table comes back after a flush (restore); drift is converged;
# one network's removal leaves another's elements exactly; a foreign table is
# byte-identical at the end.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
sandbox_enter "$@"
require_cmd nft ip jq

. "$(dirname "$0")/nft.sh"

DATA=$(cd "$(dirname "$0")/../data" && pwd)
T=$VNET_SCRATCH/table.nft
A=$VNET_SCRATCH/a.xml
B=$VNET_SCRATCH/b.xml

# n_elements: how many elements our tables hold (inet, and the guard's
# bridge table; its drop counters are no element of an intent), counted from
# nft's own JSON.
n_elements() {
	{ nft -j list table inet vnetctl; nft -j list table bridge vnetctl 2>/dev/null || echo '{"nftables": []}'; } |
		jq -s '[.[].nftables[] | (.set // .map) | select(. != null and .name != "drops") | (.elem // []) | length] | add // 0'
}
# rules: our chains and their rules, as nft lists them.
rules() {
	local c
	for c in guard pre out post forwarding; do nft list chain inet vnetctl "$c"; done
}
# same_rules: the rules are those the table was first created with.
same_rules() {
	rules | cmp - "$VNET_SCRATCH/rules.1"
}
# has_element LINE: the kernel holds the element LINE.
has_element() {
	# grep reads it all: with -q it would stop early, and pipefail would take nft_tool's SIGPIPE for a failure
	nft_tool elements | grep -xF "$1" >/dev/null
}
# same_elements FILE.xml [NFT-TOOL OPTIONS]: the kernel holds exactly what the intent wants
same_elements() {
	local f=$1
	shift
	nft_tool elements >"$VNET_SCRATCH/kernel"
	nft_tool "$@" intent-elements "$f" | sort >"$VNET_SCRATCH/want"
	cmp -s "$VNET_SCRATCH/want" "$VNET_SCRATCH/kernel" ||
		{ diff -u "$VNET_SCRATCH/want" "$VNET_SCRATCH/kernel"; return 1; }
}

foreign_table_create
nft_tool table >"$T"

# ---- golden files
check "the table commands pass nft -c" nft -c -f "$T"
if [ -f "$DATA/cases.list" ]; then
	for c in $(sed -e 's/#.*//' "$DATA/cases.list"); do
		if [ ! -f "$DATA/$c.nft" ]; then
			fail "golden $c.nft exists (VNET_REGENERATE=1 tests/unit/test-nft writes it)" || true
			continue
		fi
		cat "$T" "$DATA/$c.nft" >"$VNET_SCRATCH/check.nft"
		check "golden $c.nft passes nft -c after the table commands" nft -c -f "$VNET_SCRATCH/check.nft"
	done
else
	diag "tests/data/cases.list does not exist: no golden file to check"
fi
check "nft -c created nothing" test -z "$(nft list tables inet)"

# ---- a plan touches nothing
nft list ruleset >"$VNET_SCRATCH/ruleset.before"
check "plan" nft_tool plan "$DATA/nat-forwards.intent.xml"
nft list ruleset >"$VNET_SCRATCH/ruleset.after"
check "plan left the ruleset as it was" cmp "$VNET_SCRATCH/ruleset.before" "$VNET_SCRATCH/ruleset.after"

# ---- the table, twice
check "ensure creates the table" nft_tool ensure
rules >"$VNET_SCRATCH/rules.1"
check "ensure again" nft_tool ensure
check "the table commands again" nft -f "$T"
rules >"$VNET_SCRATCH/rules.2"
check "creating the table twice leaves one copy of each rule" cmp "$VNET_SCRATCH/rules.1" "$VNET_SCRATCH/rules.2"
check "the table has its rules" test "$(grep -c -E 'accept|drop|masquerade|dnat' "$VNET_SCRATCH/rules.1")" -ge 20

# ---- elements, twice
intent_xml "$A" a nat vna0 10.77.0.0/24 fd77::/64 8080:80 9000-9099:10000-10099/udp \
	127.0.0.1:2222:22 '[::]:8080:[fd77::2]:80' 3306:db1:3306 7100-7102:7100-7102
want=$(nft_tool -g db1=10.77.0.30 intent-elements "$A" | wc -l)
check "add a" nft_tool -g db1=10.77.0.30 add "$A"
check "a: $want elements" test "$(n_elements)" -eq "$want"
check "add a again (the hook runs twice)" nft_tool -g db1=10.77.0.30 add "$A"
check "a: still $want elements, one copy each" test "$(n_elements)" -eq "$want"
check "the read-back equals the intent's elements" same_elements "$A" -g db1=10.77.0.30
check "the rules did not change" same_rules

# ---- two networks: removing one leaves the other's elements exactly
intent_xml "$B" b isolated vnb0 10.78.0.0/24 -
check "add b" nft_tool add "$B"
check "remove a" nft_tool -g db1=10.77.0.30 remove "$A"
check "remove a again" nft_tool -g db1=10.77.0.30 remove "$A"
check "only b's elements are left" same_elements "$B"

# ---- a guest that got another address; drift made by hand
check "add a" nft_tool -g db1=10.77.0.30 add "$A"
check "db1 moves (restore-style add, old NULL)" nft_tool -g db1=10.77.0.31 add "$A"
check "db1's forward follows it" has_element "fwd4 tcp . 3306 : 10.77.0.31 . 3306"
check_not "db1's old address is gone" has_element "fwd4 tcp . 3306 : 10.77.0.30 . 3306"
nft delete element inet vnetctl fwd4 '{ tcp . 8080 }'
nft add element inet vnetctl fwd4 '{ tcp . 8080 : 10.77.0.99 . 80 }'
nft delete element inet vnetctl fwd4 '{ udp . 9050 }'
nft delete element inet vnetctl fwdr4 '{ tcp . 7100-7102 }'
check "converge after drift" nft_tool -g db1=10.77.0.31 add "$A"
nft_tool elements >"$VNET_SCRATCH/kernel"
{ nft_tool -g db1=10.77.0.31 intent-elements "$A"; nft_tool intent-elements "$B"; } | sort >"$VNET_SCRATCH/want"
check "after drift the kernel holds exactly a's and b's elements" cmp "$VNET_SCRATCH/want" "$VNET_SCRATCH/kernel"

# ---- restore after a firewall reload wiped our tables (flush ruleset takes both)
nft delete table inet vnetctl
nft delete table bridge vnetctl
check "add a after the table was deleted" nft_tool -g db1=10.77.0.31 add "$A"
check "the rules are back" same_rules
check "a's elements are back" same_elements "$A" -g db1=10.77.0.31

# ---- a table of layout 1 (an older vnetctl) is ours, and becomes layout 2
nft delete table inet vnetctl
nft -f - <<'NFT'
table inet vnetctl {
	set nat_if { type ifname; elements = { "vna0" } }
	chain forward { type filter hook forward priority filter; policy accept; ct state established,related accept; }
	set layout1 { type mark; comment "vnetctl table layout 1 is complete"; }
}
NFT
check "add a to a table of layout 1" nft_tool -g db1=10.77.0.31 add "$A"
check "layout 1's forward chain and marker are gone" \
	sh -c "! nft list chain inet vnetctl forward 2>/dev/null && ! nft list set inet vnetctl layout1 2>/dev/null"
check "layout 2's rules are there" same_rules
check "the elements of layout 1 stay" has_element "nat_if vna0"

# ---- a table of layout 2 (an older vnetctl, without the range maps) is ours, and becomes layout 3
for c in pre out; do nft flush chain inet vnetctl "$c"; done
for m in fwdr4 fwdr4_addr fwdr6 fwdr6_addr; do nft delete map inet vnetctl "$m"; done
nft delete set inet vnetctl layout3
nft add set inet vnetctl layout2 '{ type mark; comment "vnetctl table layout 2 is complete"; }'
intent_xml "$VNET_SCRATCH/rng.xml" rng nat vnrng 10.97.0.0/24 - 7100-7102:7100-7102
check "add a range forward to a table of layout 2" nft_tool add "$VNET_SCRATCH/rng.xml"
check "layout 2's marker is gone, layout 3's is there" \
	sh -c "! nft list set inet vnetctl layout2 2>/dev/null && nft list set inet vnetctl layout3 >/dev/null"
check "layout 3's rules are there" same_rules
check "the range is one element of the range map" has_element "fwdr4 tcp . 7100-7102 : 10.97.0.2"
check "nft-tool remove the range's network" nft_tool remove "$VNET_SCRATCH/rng.xml"
check "the range map is empty again" sh -c "! nft list map inet vnetctl fwdr4 | grep -q 7100"

# ---- the cost of adding one forward does not depend on what is there
intent_xml "$VNET_SCRATCH/big.xml" big nat vnbig 10.99.0.0/24 - 20000-29999:30000-39999
check "add 10,000 elements in one transaction" nft_tool add "$VNET_SCRATCH/big.xml"
intent_xml "$VNET_SCRATCH/one.xml" one nat vnone 10.98.0.0/24 - 7000:80
t=$(nft_tool -t add "$VNET_SCRATCH/one.xml" 2>&1 >/dev/null)
diag "with 10,000 elements installed, one network with one forward: $t"

foreign_table_check
