#!/bin/bash
# 28-trust: the hook, libvirt's state and our table trust nothing that
# create did not check (issue 10), each case with real traffic or the
# kernel's table as the observer:
#  1. forged metadata (an intent that disagrees with its own libvirt
#     definition, a forward of the host's sshd port to another machine) is
#     refused at start, and the host's sshd stays the host's;
#  2. the stop of a network whose metadata names another network's bridge,
#     subnet and forward removes none of that network's elements;
#  3. a forward added to a network is gone with the network, even when the
#     network was stopped by hand before its delete;
#  4. a hook that fails takes back what it added (an intent naming the
#     uplink as its bridge);
#  5. a table inet vnetctl that vnetctl did not make is never changed; our
#     table with an admin's chain in it is not dropped;
#  6. restore repairs damaged chains; after `nft flush ruleset`, a forward
#     add puts back the whole table, every network's elements;
#  7. the hook fails on unreadable input for a network of ours and is
#     silent for others;
#  8. list reports an unreadable network by name and goes on; delete
#     removes it anyway;
#  and the policy: a network defined by hand (not by root's vnetctl here)
#  gets an unprivileged forward, not a privileged one or a listening port,
#  unless /etc/vnetctl/policy allows it; root's vnetctl may publish port 80.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
sandbox_enter "$@"
. "$(dirname "$0")/vnet.sh"
require_cmd virsh libvirtd dnsmasq nft ip curl socat jq

S=$VNET_SCRATCH
# The hook as installed, reading its policy from the sandbox, not /etc.
install_hook
sed -i "2i export VNET_POLICY=$S/policy" /etc/libvirt/hooks/network.d/vnetctl
sandbox_start_libvirtd
add_outside lan 192.0.2.1/24 192.0.2.2/24
# The host's own "sshd" (port 22 on every address) and another machine's.
bg_ns - socat TCP-LISTEN:22,fork,reuseaddr SYSTEM:'echo host-sshd'
add_outside other 198.51.100.1/24 198.51.100.2/24
bg_ns other socat TCP-LISTEN:22,fork,reuseaddr SYSTEM:'echo other-sshd'
_vnet_wait_listen - t 22
_vnet_wait_listen other t 22

owned_by() { # NETWORK: how many elements of our table name NETWORK as theirs
	nft list table inet vnetctl 2>/dev/null | grep -c "comment \"$1\"" || :
}
ssh_banner() { in_ns lan timeout 5 socat -T 3 - TCP:192.0.2.1:22 </dev/null 2>/dev/null || :; }

vnetctl -q create keep --mode isolated --subnet 10.76.0.0/24
vnetctl -q create web --mode nat --subnet 10.77.0.0/24 --forward 8080:80
check "web owns its elements" test "$(owned_by web)" -ge 4
check "the LAN reaches the host's sshd" test "$(ssh_banner)" = host-sshd

# --- 1. forged metadata is refused at start
intent=$(virsh net-dumpxml --inactive web | sed -n '/<vnet:intent/,/<\/vnet:intent>/p' |
	sed -e 's/name="web"/name="evil"/' -e 's/vn-web/vn-evil/' \
	    -e 's#subnet="10.77.0.0/24"#subnet="192.0.0.0/2"#' \
	    -e 's#^\( *\)8080:80/tcp$#\122:198.51.100.2:22/tcp#')
cat >"$S/evil.xml" <<XML
<network><name>evil</name><metadata>$intent</metadata><forward mode='open'/>
<bridge name='vn-evil' stp='off'/><ip address='10.99.0.1' prefix='24'/></network>
XML
check "the forged intent is in the metadata" grep -q "198.51.100.2:22" "$S/evil.xml"
virsh -q net-define "$S/evil.xml" >/dev/null
snapshot_host "$S/evil.before"
check_not "libvirt cannot start the forged network" virsh -q net-start evil
check "the hook said why" sh -c "grep -q 'evil' /run/vnet-sandbox/hook.log && grep -qi 'disagrees\|does not match\|refuse' /run/vnet-sandbox/hook.log"
check "the LAN still reaches the host's own sshd" test "$(ssh_banner)" = host-sshd
check "nothing of evil is in our table" test "$(owned_by evil)" -eq 0
virsh -q net-undefine evil >/dev/null

# --- 2. the stop of a network claiming web's things removes none of them
n_web=$(owned_by web)
forged=$(sed -e 's/192.0.0.0\/2/10.77.0.0\/24/' -e 's/22:198.51.100.2:22\/tcp/8080:80\/tcp/' -e 's/vn-evil/vn-web/g' "$S/evil.xml")
# What libvirt would hand the hook when it stops evil; whatever it exits with,
# what counts is the table afterwards.
printf '<hookData>%s</hookData>' "$forged" | "$VNETCTL" hook evil stopped end - 2>/dev/null || :
check "web keeps every element" test "$(owned_by web)" -eq "$n_web"

# --- 3. a forward is gone with its network
vnetctl -q forward add web 9200:80
check "the forward is in the table" sh -c "nft list map inet vnetctl fwd4 | grep -q 9200"
virsh -q net-destroy web
check "stopping web took its new forward too" sh -c "! nft list map inet vnetctl fwd4 | grep -q 9200"
vnetctl -q delete web
vnetctl -q create web2 --mode nat --subnet 10.77.0.0/24
add_guest g2 vn-web2 10.77.0.2/24 10.77.0.1
start_http g2 80 "web2's guest"
expect_no_http lan http://192.0.2.1:9200/
check "no element of a deleted network is left" test "$(owned_by web)" -eq 0
vnetctl -q delete web2

# --- 5. a table named like ours that is not ours
vnetctl -q delete keep
check "our table went with the last network" sh -c "! nft list table inet vnetctl >/dev/null 2>&1"
nft add table inet vnetctl
nft add chain inet vnetctl admins '{ type filter hook input priority 10; policy accept; }'
nft add rule inet vnetctl admins tcp dport 4444 counter accept
nft list table inet vnetctl >"$S/vtable.before"
expect_refused "a table inet vnetctl that is not ours" "did not make" \
	create web --mode nat --subnet 10.77.0.0/24 --forward 8080:80
nft list table inet vnetctl >"$S/vtable.after"
check "that table is byte-identical" cmp "$S/vtable.before" "$S/vtable.after"
nft delete table inet vnetctl
vnetctl -q create web --mode nat --subnet 10.77.0.0/24 --forward 8080:80
nft add chain inet vnetctl admins '{ type filter hook input priority 10; policy accept; }'
vnetctl -q delete web
check "an admin's chain in our table keeps the table" nft list chain inet vnetctl admins
nft delete table inet vnetctl

# --- 6. restore repairs chains; a forward add after a flush puts everything back
vnetctl -q create keep --mode isolated --subnet 10.76.0.0/24
vnetctl -q create web --mode nat --subnet 10.77.0.0/24 --forward 8080:80
add_guest g1 vn-web 10.77.0.2/24 10.77.0.1
start_http g1 80 "web's guest"
expect_http lan http://192.0.2.1:8080/ "web's guest"
nft flush chain inet vnetctl pre
expect_no_http lan http://192.0.2.1:8080/
check "restore" vnetctl -q restore
check "restore filled the chain again" sh -c "nft list chain inet vnetctl pre | grep -q '@fwd4'"
expect_http lan http://192.0.2.1:8080/ "web's guest"
n_all=$(nft_count_elements)
nft flush ruleset
add_foreign_table
check "forward add after a flush" vnetctl -q forward add web 9300:80
check "every element is back, and the new one" test "$(nft_count_elements)" -eq $((n_all + 1))
check "the isolated network's are back too" test "$(owned_by keep)" -ge 2
expect_http lan http://192.0.2.1:8080/ "web's guest"
expect_http lan http://192.0.2.1:9300/ "web's guest"
# nothing committed since the last change: the next one leaves the chains as
# they are (the same rule handles); a rule deleted by hand is a commit, and
# the next change puts the chains back
pre_before=$(nft -a list chain inet vnetctl pre)
check "forward add with nothing committed since" vnetctl -q forward add web 9301:80
check "the chains were not sent again" test "$(nft -a list chain inet vnetctl pre)" = "$pre_before"
expect_http lan http://192.0.2.1:9301/ "web's guest"
h=$(nft -a list chain inet vnetctl pre | awk '/map @fwd4 #/ {print $NF; exit}')
nft delete rule inet vnetctl pre handle "$h"
expect_no_http lan http://192.0.2.1:8080/
check "forward add after a rule deleted by hand" vnetctl -q forward add web 9302:80
check "the deleted rule is back, once" test "$(nft list chain inet vnetctl pre | grep -c 'map @fwd4$')" -eq 1
expect_http lan http://192.0.2.1:8080/ "web's guest"
expect_http lan http://192.0.2.1:9302/ "web's guest"

# --- 4. a hook that fails takes back what it added
upl=$(virsh net-dumpxml --inactive web | sed -e '/<uuid>/d' -e '/<mac /d' -e '/<vnet:forwards>/,/<\/vnet:forwards>/d' \
	-e 's/vn-web/out-lan/g' -e 's/<name>web</<name>upl</' -e 's/name="web"/name="upl"/' -e 's/10\.77\.0\./10.66.1./g')
rc=0; printf '<hookData>%s</hookData>' "$upl" | "$VNETCTL" hook upl started begin - 2>"$S/err" || rc=$?
check "a hook for a network whose bridge is the uplink fails" test "$rc" -ne 0
check "it says why" grep -q "not a bridge" "$S/err"
check "the uplink is not left in nat_if" sh -c "! nft list set inet vnetctl nat_if | grep -q out-lan"
check "nothing of it is left" test "$(owned_by upl)" -eq 0

# --- 7. unreadable input: fails for ours, silent for others
rc=0; head -c 3000000 /dev/urandom | "$VNETCTL" hook web started begin - 2>"$S/err" || rc=$?
check "3 MB of garbage for a network of ours: the hook fails" test "$rc" -ne 0
check "and says so" grep -q "cannot read the definition" "$S/err"
rc=0; "$VNETCTL" hook web start begin - </dev/null 2>"$S/err" || rc=$?
check "empty input for a network of ours: the hook fails (it does not start bare)" test "$rc" -ne 0
rc=0; head -c 3000000 /dev/urandom | "$VNETCTL" hook stranger started begin - >"$S/out" 2>&1 || rc=$?
check "garbage for a network not ours: exit 0" test "$rc" -eq 0
check "and silent" test ! -s "$S/out"
check "every element of web is still there" test "$(owned_by web)" -ge 4

# --- 8. an unreadable network is reported and removable
cat >"$S/bad.xml" <<'XML'
<network><name>bad</name><metadata><vnet:intent xmlns:vnet="http://vnetctl.org/xmlns/intent/1" name="bad" mode="nat" dhcp="maybe"/></metadata>
<forward mode='open'/><bridge name='vn-bad'/><ip address='10.95.0.1' prefix='24'/></network>
XML
virsh -q net-define "$S/bad.xml" >/dev/null
out=$(vnetctl list 2>"$S/err")
check "list goes on beside it" grep -q "web" <<<"$out"
check "and names it" grep -q "network bad has vnetctl metadata that cannot be read" "$S/err"
check "list --json reports it" sh -c "'$VNETCTL' --json list | jq -e '.unreadable[] | select(.name == \"bad\")' >/dev/null"
check "a create beside it works" vnetctl -q create other --mode nat --subnet 10.94.0.0/24
check "its subnet still counts" sh -c "! '$VNETCTL' -q create clash --mode nat --subnet 10.95.0.0/24 2>/dev/null"
check "delete removes it anyway" vnetctl -q delete bad
check "it is gone from libvirt" sh -c "! virsh -q net-info bad >/dev/null 2>&1"
vnetctl -q delete other

# --- the policy for networks root's vnetctl did not make
hand() { # NAME SUBNET3 FORWARD: a network defined by hand, like one of ours
	virsh net-dumpxml --inactive web | sed -e '/<uuid>/d' -e '/<mac /d' -e "s/<name>web</<name>$1</" \
		-e "s/name=\"web\"/name=\"$1\"/" -e "s/vn-web/vn-$1/g" -e "s/10\.77\.0\./$2./g" \
		-e '/<vnet:forwards>/,/<\/vnet:forwards>/d' -e "s#\\(<vnet:ipv4 [^>]*/>\\)#\\1<vnet:forward>$3</vnet:forward>#" >"$S/$1.xml"
	virsh -q net-define "$S/$1.xml" >/dev/null
}
hand h1 10.71.0 2222:22/tcp
check "by hand, an unprivileged port: it starts" virsh -q net-start h1
check "and gets its forward" sh -c "nft list map inet vnetctl fwd4 | grep -q 'tcp . 2222 comment \"h1\"'"
hand h2 10.72.0 80:80/tcp
check_not "by hand, port 80: refused" virsh -q net-start h2
check "the hook names the policy" grep -q "policy" /run/vnet-sandbox/hook.log
bg_ns - socat TCP-LISTEN:5555,fork,reuseaddr SYSTEM:'echo local'
_vnet_wait_listen - t 5555
hand h3 10.73.0 5555:55/tcp
check_not "by hand, a port a local process listens on: refused" virsh -q net-start h3
printf '[hook]\nports = 80,1024-65535\n' >"$S/policy"
check "port 80 once the policy allows it" virsh -q net-start h2
printf '[hook]\nports = 80-\n' >"$S/policy"
virsh -q net-destroy h2
check_not "a bad policy: refused (fail closed)" virsh -q net-start h2
rm -f "$S/policy"
for n in h1 h2 h3; do virsh -q net-destroy "$n" >/dev/null 2>&1 || :; virsh -q net-undefine "$n" >/dev/null; done
check "root's vnetctl may publish port 80" vnetctl -q create priv --mode nat --subnet 10.74.0.0/24 --forward 80:80
check "it is recorded as root's" test -e /var/lib/vnetctl/approved/priv
# digest NAME FORM: the approval digest of NAME's intent rebuilt from its
# definition: as vnetctl records it now (new: the intent element in the
# network XML less its state), of the intent written alone (alone, until
# 2026-12), and with each forward an element (legacy, before <forwards>)
digest() {
	local x
	x=$(virsh net-dumpxml --inactive "$1" | sed -n '/<vnet:intent/,/<\/vnet:intent>/p')
	if [ "$2" = new ]; then
		printf '%s' "$x" | sed -e '1s/^ *//' -e '/<vnet:state/,/<\/vnet:state>/d' | sha256sum | cut -d' ' -f1
		return
	fi
	printf '%s\n' "$x" | sed 's/^    //' |
		awk -v form="$2" 'BEGIN {print "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"}
			form == "legacy" && /^  <vnet:forwards>$/ {inside = 1; next}
			inside && /^  <\/vnet:forwards>$/ {inside = 0; next}
			inside {sub(/^ +/, ""); print "  <vnet:forward>" $0 "</vnet:forward>"; next}
			{print}' | sha256sum | cut -d' ' -f1
}
check "the digest rebuilt here is the record's" test "$(digest priv new)" = "$(tr -d '\n' </var/lib/vnetctl/approved/priv)"
check "the older forms differ" sh -c "test '$(digest priv legacy)' != '$(digest priv new)' && test '$(digest priv alone)' != '$(digest priv new)'"
digest priv alone >/var/lib/vnetctl/approved/priv
check "a record of the intent written alone is still root's: it starts with port 80" \
	sh -c "virsh -q net-destroy priv && virsh -q net-start priv"
check "with its forward, from that record" sh -c "nft list map inet vnetctl fwd4 | grep -q 'tcp . 80 comment \"priv\"'"
digest priv legacy >/var/lib/vnetctl/approved/priv
check "a record from before <forwards> is still root's: it starts with port 80" \
	sh -c "virsh -q net-destroy priv && virsh -q net-start priv"
check "with its forward, from the legacy record" sh -c "nft list map inet vnetctl fwd4 | grep -q 'tcp . 80 comment \"priv\"'"
echo 0000 >/var/lib/vnetctl/approved/priv
virsh -q net-destroy priv
check_not "a record of another intent is no record: port 80 refused" virsh -q net-start priv
vnetctl -q forward add priv 8081:81
check "a command records it again" test "$(digest priv new)" = "$(tr -d '\n' </var/lib/vnetctl/approved/priv)"
check "and it starts with port 80 again" virsh -q net-start priv
check "it starts again after a stop, by the hook alone" sh -c "virsh -q net-destroy priv && virsh -q net-start priv"
check "with its forward" sh -c "nft list map inet vnetctl fwd4 | grep -q 'tcp . 80 comment \"priv\"'"
# forward add and remove splice their line into the definition libvirt
# keeps (the record says it is vnetctl's text): the record still matches
# it, and the hook alone starts the network with what it says
vnetctl -q forward add priv 8082:82
check "a spliced forward add: the record is the definition's digest" \
	test "$(digest priv new)" = "$(tr -d '\n' </var/lib/vnetctl/approved/priv)"
check "its line is in the definition" sh -c "virsh net-dumpxml --inactive priv | grep -qx ' *8082:82/tcp'"
check "the hook starts it with the new forward" \
	sh -c "virsh -q net-destroy priv && virsh -q net-start priv && nft list map inet vnetctl fwd4 | grep -q 'tcp . 8082 '"
vnetctl -q forward remove priv 8081:81
check "a spliced forward remove: the record is the definition's digest" \
	test "$(digest priv new)" = "$(tr -d '\n' </var/lib/vnetctl/approved/priv)"
check "its line is gone from the definition" sh -c "! virsh net-dumpxml --inactive priv | grep -q '8081:81'"
check "the hook starts it without it" \
	sh -c "virsh -q net-destroy priv && virsh -q net-start priv && ! nft list map inet vnetctl fwd4 | grep -q 'tcp . 8081 '"
# forward add and remove read the definition's forwards where they stand
# (not parsed whole) when the record vouches for its text: a clash and a
# forward that is not there are refused as on a network read whole (the
# record made no record of by hand), in the same words, and change nothing
snapshot_host "$S/scan.before"
check_not "a clash is refused" sh -c "'$VNETCTL' forward add priv 8082:90 2>'$S/clash.scan'"
check "in words that name the forward it meets" grep -q '"8082:90".*"8082:82/tcp" of network "priv"' "$S/clash.scan"
check_not "a forward that is not there is refused" sh -c "'$VNETCTL' forward remove priv 8099:99 2>'$S/none.scan'"
check "and said so" grep -q 'has no forward "8099:99"' "$S/none.scan"
snapshot_host "$S/scan.after"
expect_same_snapshot "$S/scan.before" "$S/scan.after"
cp /var/lib/vnetctl/approved/priv "$S/priv.record"
echo 0000 >/var/lib/vnetctl/approved/priv
check_not "read whole: the clash is refused" sh -c "'$VNETCTL' forward add priv 8082:90 2>'$S/clash.whole'"
check "in the same words" cmp "$S/clash.scan" "$S/clash.whole"
check_not "read whole: the missing forward is refused" sh -c "'$VNETCTL' forward remove priv 8099:99 2>'$S/none.whole'"
check "in the same words" cmp "$S/none.scan" "$S/none.whole"
cp "$S/priv.record" /var/lib/vnetctl/approved/priv
# A forward added by hand to the definition: the record no longer vouches
# for the text, so it is read whole; the hand's forward counts.
virsh -q net-dumpxml --inactive priv | sed 's|^\( *\)8082:82/tcp$|\18082:82/tcp\n\18083:83/tcp|' >"$S/priv.hand.xml"
check "a forward added by hand" sh -c "grep -q '8083:83/tcp' '$S/priv.hand.xml' && virsh -q net-define '$S/priv.hand.xml' >/dev/null"
check_not "a forward that clashes with the hand's is refused" vnetctl -q forward add priv 8083:84
check "another is added" vnetctl -q forward add priv 8084:84
check "both are in the definition" sh -c "virsh net-dumpxml --inactive priv | grep -qx ' *8083:83/tcp' && virsh net-dumpxml --inactive priv | grep -qx ' *8084:84/tcp'"
check "and the record is its digest again" test "$(digest priv new)" = "$(tr -d '\n' </var/lib/vnetctl/approved/priv)"
check "a forward remove after it, read in place" vnetctl -q forward remove priv 8083:83
check "leaves the hand's line out" sh -c "! virsh net-dumpxml --inactive priv | grep -q '8083:83'"
check "the hook starts it with what the definition says" \
	sh -c "virsh -q net-destroy priv && virsh -q net-start priv && nft list map inet vnetctl fwd4 | grep -q 'tcp . 8084 ' && ! nft list map inet vnetctl fwd4 | grep -q 'tcp . 8083 '"
check "delete" vnetctl -q delete priv
check "the record goes with it" test ! -e /var/lib/vnetctl/approved/priv
