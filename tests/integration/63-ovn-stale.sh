#!/bin/bash
# 63-ovn-stale: a chassis whose ovn-controller died (kill -9) leaves its
# Port_Binding and NB's "up" as they were, so OVN's bindings alone tell the
# admin a guest is fine while nothing on that chassis is programmed any
# more.  doctor bumps NB_Global's nb_cfg (as ovn-nbctl --wait=hv does) and
# waits for ovn-northd (NB_Global.sb_cfg) and each chassis' ovn-controller
# (Chassis_Private.nb_cfg) to follow: the dead chassis stays behind and is
# named with its guest, and a dead ovn-northd is named too.  show, which
# must not write NB, compares each chassis' nb_cfg with SB_Global's as they
# are and says "unknown" for a port on a chassis that is behind.  The same
# OVN as 61-ovn (ovn.sh): central here, chassis chA and chB.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
sandbox_enter "$@"
. "$(dirname "$0")/vnet.sh"
require_cmd virsh libvirtd ovsdb-server ovs-vswitchd ovsdb-tool ovs-vsctl ovn-northd ovn-controller \
	ovn-nbctl ovn-sbctl ovn-appctl ethtool jq
. "$(dirname "$0")/ovn.sh"
for f in "$ovs_schema" "$ovn_nb_schema" "$ovn_sb_schema"; do [ -r "$f" ] || skip "no schema $f"; done

install_hook
sandbox_start_libvirtd
ovn_central
ovn_chassis chA 11
ovn_chassis chB 12
nb=tcp:127.0.0.1:6641
export VNET_OVN_SB=tcp:$OVN_UNDER.1:6642

check "create o3 --mode overlay" vnetctl -q create o3 --mode overlay --ovn "$nb" --subnet 10.79.0.0/24
define_domain vmA
define_domain vmB
check "attach o3 vmA" vnetctl -q attach o3 vmA
check "attach o3 vmB" vnetctl -q attach o3 vmB
idA=$(virsh dumpxml --inactive vmA | sed -n "s/.*interfaceid='\([^']*\)'.*/\1/p" | head -1)
idB=$(virsh dumpxml --inactive vmB | sed -n "s/.*interfaceid='\([^']*\)'.*/\1/p" | head -1)
for ch in chA chB; do
	for _ in $(seq 100); do chvsctl "$ch" br-exists br-int 2>/dev/null && break; sleep 0.1; done
done
ovn_plug chA gA "$(nic_mac vmA o3)" "$idA"
ovn_plug chB gB "$(nic_mac vmB o3)" "$idB"

show_o3() { "$VNETCTL" --json show o3 | jq -e "$1" >/dev/null; }
port_state() { # DOMAIN: its port's state in show --json
	"$VNETCTL" --json show o3 | jq -r ".ovn_ports[] | select(.domain == \"$1\") | .state"
}
doctor_json() { "$VNETCTL" --json doctor o3 >"$VNET_SCRATCH/doctor.json" 2>/dev/null || :; }
# "ID OK GUEST" of each check of doctor's last --json run, a line each
doctor_checks() { jq -r '.checks[] | "\(.check) \(.ok) \(.guest // "-")"' "$VNET_SCRATCH/doctor.json"; }
nb_cfg() { nbctl get NB_Global . nb_cfg; }

# ---- all well: both ports up, both chassis follow ----
check "both ports are bound" wait_for 20 sh -c \
	"test \$(ovn-sbctl --db=unix:$OVN_CENTRAL/sb.sock --bare --columns=chassis find Port_Binding logical_port=$idB | wc -w) = 1 && \
	 test \$(ovn-sbctl --db=unix:$OVN_CENTRAL/sb.sock --bare --columns=chassis find Port_Binding logical_port=$idA | wc -w) = 1"
check "doctor o3 passes" wait_for 20 "$VNETCTL" doctor o3
cfg=$(nb_cfg)
doctor_json
check "doctor bumped NB_Global's nb_cfg by one" test "$(nb_cfg)" -eq $((cfg + 1))
check "ovn-northd followed the bump: NB_Global.sb_cfg" test "$(nbctl get NB_Global . sb_cfg)" -eq $((cfg + 1))
check "doctor --json: ovn-northd ok, the ovn-controllers of chA and chB ok" sh -c \
	"jq -r '.checks[] | \"\(.check) \(.ok) \(.guest // \"-\")\"' '$VNET_SCRATCH/doctor.json' | grep -c -x -e 'ovn-northd true -' -e 'ovn-controller true chA' -e 'ovn-controller true chB' | grep -qx 3"
check "show --json: both ports up" show_o3 '[.ovn_ports[].state] == ["up", "up"]'
check "show --json: both chassis current" show_o3 '[.ovn_chassis[].state] == ["current", "current"]'
cfg=$(nb_cfg)
"$VNETCTL" show o3 >/dev/null
"$VNETCTL" --json show o3 >/dev/null
check "show does not write NB (nb_cfg as it was)" test "$(nb_cfg)" -eq "$cfg"

# ---- chB's ovn-controller killed: its bindings stay, doctor and show see through them ----
pidB=$(cat "$VNET_SCRATCH/chB/ovn-controller.pid")
# one of bg_ns's children: reaped here, without the shell's "Killed" on stderr
{ kill -9 "$pidB" && wait "$pidB"; } 2>/dev/null || :
check "SB still binds vmB's port to chB (what misled show before)" sh -c \
	"ovn-sbctl --db=unix:$OVN_CENTRAL/sb.sock --bare --columns=chassis find Port_Binding logical_port=$idB | grep -q ."
rc=0
"$VNETCTL" doctor o3 >"$VNET_SCRATCH/doctor-chB.out" 2>&1 || rc=$?
cp "$VNET_SCRATCH/doctor-chB.out" "$VNET_SCRATCH/doctor.out"
check "with chB's ovn-controller killed, doctor o3 exits 1" test "$rc" -eq 1
check "doctor names chB's ovn-controller and its guest vmB" \
	grep -q "ovn-controller of chassis chB has not applied OVN's latest change.*(vmB)" "$VNET_SCRATCH/doctor.out"
check "doctor gives the fix for chB" grep -q "On chassis chB: systemctl restart ovn-controller" "$VNET_SCRATCH/doctor.out"
check "doctor names vmB's port as not known" \
	grep -q "o3/vmB.*logical port $idB of vmB is bound to chassis chB, whose ovn-controller does not follow OVN" \
	"$VNET_SCRATCH/doctor.out"
doctor_json
doctor_checks >"$VNET_SCRATCH/checks"
check "doctor --json: chB's ovn-controller fails, chA's passes" sh -c \
	"grep -qx 'ovn-controller false chB' '$VNET_SCRATCH/checks' && grep -qx 'ovn-controller true chA' '$VNET_SCRATCH/checks'"
check "doctor --json: vmB's port fails, vmA's passes, ovn-northd passes" sh -c \
	"grep -qx 'ovn-port false vmB' '$VNET_SCRATCH/checks' && grep -qx 'ovn-port true vmA' '$VNET_SCRATCH/checks' && grep -qx 'ovn-northd true -' '$VNET_SCRATCH/checks'"
check "show --json: vmB's port is unknown on chB, vmA's up" \
	show_o3 '[.ovn_ports[] | .domain + " " + .state + " " + .chassis] | sort == ["vmA up chA", "vmB unknown chB"]'
check "show --json: chassis chB is behind" show_o3 '[.ovn_chassis[] | .name + " " + .state] == ["chA current", "chB behind"]'
"$VNETCTL" show o3 >"$VNET_SCRATCH/show-chB.out"
check "show says it in text" grep -q "logical port $idB): unknown, chassis chB has not applied" "$VNET_SCRATCH/show-chB.out"
check "show's text has chassis chB behind" grep -q "chB, tunnel endpoint geneve 172.31.0.12, behind" "$VNET_SCRATCH/show-chB.out"

# ---- chB's ovn-controller back: green again ----
ovn_controller_start chB
check "with chB's ovn-controller back, doctor o3 passes again" wait_for 20 "$VNETCTL" doctor o3
check "show --json: vmB's port is up again" test "$(port_state vmB)" = up
check "show --json: chB is current again" show_o3 '[.ovn_chassis[].state] == ["current", "current"]'

# ---- ovn-northd killed: nothing reaches SB, doctor names northd ----
northd=$(cat "$OVN_CENTRAL/northd.pid")
{ kill -9 "$northd" && wait "$northd"; } 2>/dev/null || :
rc=0
"$VNETCTL" doctor o3 >"$VNET_SCRATCH/doctor.out" 2>&1 || rc=$?
check "with ovn-northd killed, doctor o3 exits 1" test "$rc" -eq 1
check "doctor names ovn-northd" grep -q "ovn-northd did not pass a change of the northbound database on to the southbound one within 3 seconds" \
	"$VNET_SCRATCH/doctor.out"
check "doctor gives the fix for ovn-northd" grep -q "On the central host: systemctl start ovn-northd" "$VNET_SCRATCH/doctor.out"
doctor_json
doctor_checks >"$VNET_SCRATCH/checks"
check "doctor --json: ovn-northd fails" grep -qx 'ovn-northd false -' "$VNET_SCRATCH/checks"
check "doctor --json: the chassis, as far as SB has them, are not blamed for ovn-northd" sh -c \
	"! grep -q '^ovn-controller false' '$VNET_SCRATCH/checks' && ! grep -q '^ovn-port false' '$VNET_SCRATCH/checks'"
check "show --json: with SB as it was, both ports still up" show_o3 '[.ovn_ports[].state] == ["up", "up"]'
bg_ns - env OVN_RUNDIR="$OVN_CENTRAL" ovn-northd --ovnnb-db=unix:"$OVN_CENTRAL/nb.sock" \
	--ovnsb-db=unix:"$OVN_CENTRAL/sb.sock" --pidfile="$OVN_CENTRAL/northd.pid" \
	--unixctl="$OVN_CENTRAL/northd.ctl" --log-file="$OVN_CENTRAL/northd.log"
check "with ovn-northd back, doctor o3 passes again" wait_for 20 "$VNETCTL" doctor o3

check "delete o3" vnetctl -q delete o3
