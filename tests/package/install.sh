#!/bin/bash
# tests/package/install.sh DEBDIR - install the .debs of DEBDIR (built by
# tests/package/run.sh) in a sandbox and run vnetctl's main job with the
# installed files only.
#
# The sandbox is tests/integration/lib.sh's (own network, mount and PID
# namespaces); in its mount namespace /usr, /etc and /var get throw-away
# overlays, so dpkg -i writes its files, its database and the maintainer
# scripts' changes there and nothing reaches the host.  A policy-rc.d and
# the absence of systemd in the sandbox keep every service from starting.
#
# Checks: the install changes no network and no firewall rule and says
# libvirtd needs a restart in one line; the files are where Debian puts
# them and the restore unit is enabled; the sandbox's libvirtd, started
# after the install, runs the packaged hook: a NAT network with a forward
# carries HTTP from the LAN and from the host, and after net-destroy +
# net-start the hook has put the rules back; man vnetctl and man libvnet
# render; the completion lists the commands; the zh_CN catalogue is used;
# a C program builds and runs with nothing but the installed
# `pkg-config vnet`; reinstall, remove and purge leave the network and its
# rules as they are, and purge says how to remove them.
# shellcheck disable=SC1091,SC2034,SC2154 # lib.sh and vnet.sh, by path
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../integration/lib.sh"
sandbox_enter "$@"
debdir=${1:?usage: install.sh DEBDIR}
require_cmd dpkg virsh libvirtd dnsmasq nft ip curl socat jq man cc pkg-config

# ---- throw-away overlays over /usr, /etc and /var
# lib.sh has already mounted tmpfs and bind mounts below /etc and /var
# (/etc/libvirt, /etc/passwd, /var/lib/libvirt, ...): move them aside,
# cover the directory with an overlay, and move them back on top of it.
overlay_over() {
	local dir=$1 ovl="$VNET_SCRATCH/ovl${1//\//_}" m i=0 subs=()
	mkdir -p "$ovl/upper" "$ovl/work" "$ovl/stash"
	mapfile -t subs < <(awk -v d="$dir/" 'index($5, d) == 1 { print $5 }' /proc/self/mountinfo |
		sort -u | awk '{ for (i = 1; i <= n; i++) if (index($0, p[i] "/") == 1) next; p[++n] = $0; print }')
	for m in "${subs[@]}"; do
		i=$((i + 1))
		if [ -d "$m" ]; then mkdir "$ovl/stash/$i"; else touch "$ovl/stash/$i"; fi
		mount --move "$m" "$ovl/stash/$i"
	done
	mount -t overlay "vnet-pkg${dir//\//-}" \
		-o "lowerdir=$dir,upperdir=$ovl/upper,workdir=$ovl/work" "$dir"
	i=0
	for m in "${subs[@]}"; do
		i=$((i + 1))
		mount --move "$ovl/stash/$i" "$m"
	done
}
for d in /usr /etc /var; do
	overlay_over "$d" || bail "cannot put an overlay over $d"
done
pass "overlays over /usr, /etc and /var (the host's stay untouched)"

# No service may start: policy-rc.d (deb-systemd-invoke and invoke-rc.d
# obey it), and no systemd in the sandbox (/run is a fresh tmpfs).
printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
chmod 755 /usr/sbin/policy-rc.d
check "no systemd in the sandbox" test ! -e /run/systemd/system

# vnet.sh: nft_count_elements, and a foreign table checked at the end.
. "$here/../integration/vnet.sh"

# ---- install: no network or firewall change, one line about libvirtd
debs=()
for p in libvnet0 libvnet-dev vnetctl; do
	debs+=("$(ls "$debdir/${p}_"*.deb)")
done
snapshot_host "$VNET_SCRATCH/before-install"
# --path-include: in case the host's dpkg.cfg.d leaves out docs (Docker)
dpkgi=(dpkg --force-confnew --path-include='/usr/share/man/*' --path-include='/usr/share/locale/*'
	--path-include='/usr/share/doc/*')
out=$("${dpkgi[@]}" -i "${debs[@]}" 2>&1) || { diag "$out"; bail "dpkg -i failed"; }
diag "dpkg -i: $(grep '^vnetctl:' <<<"$out")"
snapshot_host "$VNET_SCRATCH/after-install"
expect_same_snapshot "$VNET_SCRATCH/before-install" "$VNET_SCRATCH/after-install"
check "the postinst says, in one line, that libvirtd needs a restart" \
	test "$(grep -c '^vnetctl: libvirtd .*next start' <<<"$out")" -eq 1
check "packages installed" sh -c "dpkg-query -W -f='\${Status}\n' vnetctl libvnet0 libvnet-dev | grep -c 'install ok installed' | grep -qx 3"

# ---- the files
VNETCTL=/usr/sbin/vnetctl           # for vnet.sh's helpers
check "/usr/sbin/vnetctl runs" /usr/sbin/vnetctl --version
check "network hook" test -x /etc/libvirt/hooks/network.d/vnetctl
check "qemu hook" test -x /etc/libvirt/hooks/qemu.d/vnetctl
check "the hooks are conffiles" sh -c "dpkg-query -W -f='\${Conffiles}' vnetctl | grep -q hooks/network.d/vnetctl"
check "restore unit installed" test -f /lib/systemd/system/vnetctl-restore.service
check "restore unit enabled (multi-user.target)" test -L /etc/systemd/system/multi-user.target.wants/vnetctl-restore.service
# one unit per firewall runs restore after its every start, restart and reload
for s in nftables firewalld docker; do
	check "vnetctl-restore-$s.service installed and enabled (wanted by $s.service)" \
		test -L "/etc/systemd/system/$s.service.wants/vnetctl-restore-$s.service"
	check "vnetctl-restore-$s.service follows $s's stops, restarts and reloads" sh -c \
		"grep -qx 'PartOf=$s.service' /lib/systemd/system/vnetctl-restore-$s.service &&
		 grep -qx 'ReloadPropagatedFrom=$s.service' /lib/systemd/system/vnetctl-restore-$s.service &&
		 grep -qx 'After=$s.service' /lib/systemd/system/vnetctl-restore-$s.service"
done
check "firewalld's zone vnetctl installed" test -f /usr/lib/firewalld/zones/vnetctl.xml
check "zh_CN catalogue" test -f /usr/share/locale/zh_CN/LC_MESSAGES/vnetctl.mo
check "vnetctl speaks zh_CN with it" sh -c \
	"LC_ALL=C.UTF-8 LANGUAGE=zh_CN /usr/sbin/vnetctl --help 2>&1 | grep -qP '[\x{4e00}-\x{9fff}]'"

# ---- man pages and completion
man8=$(MANPAGER=cat MANWIDTH=80 man 8 vnetctl 2>&1) || true
check "man vnetctl renders" grep -q 'turn virtual network intents' <<<"$man8"
check "man vnetctl shows the synopsis" grep -q 'vnetctl create' <<<"$man8"
man3=$(MANPAGER=cat MANWIDTH=80 man 3 libvnet 2>&1) || true
check "man libvnet renders" grep -q 'pkg-config --cflags --libs vnet' <<<"$man3"
if command -v systemd-analyze >/dev/null; then
	check "systemd-analyze verify accepts the restore units" \
		systemd-analyze verify /lib/systemd/system/vnetctl-restore.service \
		/lib/systemd/system/vnetctl-restore-{nftables,firewalld,docker}.service
fi
completion=$(bash -c '. /usr/share/bash-completion/completions/vnetctl
	COMP_WORDS=(vnetctl ""); COMP_CWORD=1; COMP_LINE="vnetctl "; COMP_POINT=${#COMP_LINE}
	$(complete -p vnetctl | sed -E "s/.*-F ([^ ]+).*/\1/") vnetctl "" vnetctl
	printf "%s\n" "${COMPREPLY[@]}"' 2>&1) || true
for c in create delete list show forward attach restore; do
	check "completion lists '$c'" grep -qx "$c" <<<"$completion"
done

# ---- a C consumer, built with nothing but the installed pkg-config vnet
version=$(dpkg-query -W -f='${Version}' libvnet-dev)
check "pkg-config --modversion vnet is ${version%-*}" test "$(pkg-config --modversion vnet)" = "${version%-*}"
# shellcheck disable=SC2046
check "a C consumer builds with pkg-config vnet" \
	cc -std=c11 -Wall -Wextra -Werror -o "$VNET_SCRATCH/consumer" "$here/../pkgconfig/consumer.c" \
	$(pkg-config --cflags --libs vnet)
check "it runs against the installed libvnet.so.0" "$VNET_SCRATCH/consumer"
check "it uses the packaged libvnet.so.0" sh -c "ldd '$VNET_SCRATCH/consumer' | grep -qE 'libvnet\.so\.0 => (/usr)?/lib/[^ /]+/libvnet\.so\.0 '"

# ---- the main job: libvirtd starts after the install and runs the hooks
sandbox_start_libvirtd
add_outside lan 192.0.2.1/24 192.0.2.10/24
check "create web (NAT, forward 8080:80)" vnetctl create web --mode nat --subnet 10.77.0.0/24 --forward 8080:80
add_guest guest vn-web 10.77.0.2/24 10.77.0.1
start_http guest 80 "hello from the packaged vnetctl"
expect_http lan http://192.0.2.1:8080/ "hello from the packaged vnetctl"
expect_http - http://127.0.0.1:8080/ "hello from the packaged vnetctl"
count=$(nft_count_elements)
check "the network has elements ($count)" test "$count" -gt 0

# The packaged network hook: net-destroy removes the rules, net-start puts
# them back.
virsh -q net-destroy web >/dev/null
check "hook: no element while the network is stopped" test "$(nft_count_elements)" -eq 0
virsh -q net-start web >/dev/null
check "hook: the elements are back after net-start" test "$(nft_count_elements)" -eq "$count"
add_guest guest vn-web - ""          # the old port went with the old bridge
guest_add_addr guest 10.77.0.2/24 10.77.0.1 "$VNET_GUEST_DEV"
expect_http lan http://192.0.2.1:8080/ "hello from the packaged vnetctl"
sleep 5                              # let the new port's STP state settle

# ---- reinstall (the upgrade path), remove, purge: nothing changes
snapshot_host "$VNET_SCRATCH/before-reinstall"
out=$("${dpkgi[@]}" -i "$debdir"/vnetctl_*.deb 2>&1) || { diag "$out"; bail "dpkg -i (again) failed"; }
check_not "reinstall prints no restart line" grep -q '^vnetctl: libvirtd' <<<"$out"
# Asked to restart libvirtd, with systemd seemingly up (a directory on the
# sandbox's /run; no systemd is reachable from here): the postinst goes
# through deb-systemd-invoke, and the policy-rc.d stops it.
[ ! -e /run/systemd/system ] || bail "/run/systemd/system exists in the sandbox"
mkdir -p /run/systemd/system
out=$(VNETCTL_RESTART_LIBVIRTD=yes "${dpkgi[@]}" -i "$debdir"/vnetctl_*.deb 2>&1) || { diag "$out"; bail "dpkg -i (VNETCTL_RESTART_LIBVIRTD=yes) failed"; }
rmdir /run/systemd/system
check "VNETCTL_RESTART_LIBVIRTD=yes: the postinst restarts libvirtd" grep -q '^vnetctl: restarting libvirtd as asked' <<<"$out"
check "through deb-systemd-invoke, which obeys policy-rc.d" grep -q "policy-rc.d returned 101, not running 'try-restart libvirtd.service" <<<"$out"
check "libvirtd was not restarted here" kill -0 "$_vnet_libvirtd_pid"
snapshot_host "$VNET_SCRATCH/after-reinstall"
expect_same_snapshot "$VNET_SCRATCH/before-reinstall" "$VNET_SCRATCH/after-reinstall"
out=$(dpkg -r vnetctl 2>&1) || { diag "$out"; bail "dpkg -r vnetctl failed"; }
snapshot_host "$VNET_SCRATCH/after-remove"
expect_same_snapshot "$VNET_SCRATCH/before-reinstall" "$VNET_SCRATCH/after-remove"
check "remove keeps the hook (a conffile)" test -x /etc/libvirt/hooks/network.d/vnetctl
check "with vnetctl removed, its leftover hook lets networks stop" virsh -q net-destroy web
check "and start" virsh -q net-start web
# the new bridge has no port: wait for its carrier to go down (<= 10 s)
for _ in $(seq 100); do
	ip -o link show vn-web | grep -q NO-CARRIER && break
	sleep 0.1
done
snapshot_host "$VNET_SCRATCH/before-purge"
out=$(dpkg -P vnetctl 2>&1) || { diag "$out"; bail "dpkg -P vnetctl failed"; }
diag "dpkg -P:" "$out"
snapshot_host "$VNET_SCRATCH/after-purge"
expect_same_snapshot "$VNET_SCRATCH/before-purge" "$VNET_SCRATCH/after-purge"
check "purge says the networks and rules are left in place" grep -q 'left in place' <<<"$out"
check "purge says how to remove them" grep -q 'nft delete table inet vnetctl' <<<"$out"
check "purge removes the hooks" test ! -e /etc/libvirt/hooks/network.d/vnetctl
check "purge removes the unit's symlinks" test ! -e /etc/systemd/system/multi-user.target.wants/vnetctl-restore.service
check "purge removes the restore units' symlinks" sh -c \
	"! ls /etc/systemd/system/*.wants/vnetctl-restore-* 2>/dev/null | grep -q ."
check "the network is still defined and active" sh -c "virsh -q net-info web | grep -q '^Active: *yes'"
check "table inet vnetctl is still there" nft list table inet vnetctl
