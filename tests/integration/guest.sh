# shellcheck shell=bash
# shellcheck disable=SC2034 # VNET_GUEST_* results are for the sourcing script
#
# tests/integration/guest.sh - real Linux guests (qemu, TCG, no KVM) booted
# through the sandbox's own libvirtd, for tests that need real traffic from
# a real DHCP client and a real server inside a domain.
#
# The guest is a Debian 12 kernel booted directly (<os><kernel>/<initrd>),
# with an initramfs made of busybox-static, the virtio NIC modules and an
# /init that loads them, runs udhcpc on every ethN (also on NICs hot-plugged
# later), reports each lease on its serial console, and serves a page naming
# the guest with busybox httpd on ports 80 and 81.  The console goes to a
# file (serial type='file') that the helpers read.
#
#     #!/bin/bash
#     set -euo pipefail
#     . "$(dirname "$0")/lib.sh"
#     . "$(dirname "$0")/guest.sh"
#     guest_image_ensure             # before sandbox_enter: apt needs the network
#     sandbox_enter "$@"
#     guest_image_ensure             # inside: the cache is there, or skip (77)
#     sandbox_start_libvirtd
#     virsh net-define ...; virsh net-start ...
#     boot_guest vm1 mynet
#     ip=$(guest_wait_lease vm1)
#     expect_http - "http://$ip/" "hello from vm1"
#
# The kernel and busybox come from Debian packages only: `apt-get download`
# of linux-image-<ver>-amd64 (the one linux-image-amd64 depends on) and
# busybox-static, unpacked with dpkg-deb into a cache directory that is
# built once, under a lock, and reused by every later run:
#     VNET_GUEST_CACHE   default $top_builddir/tests/guest-cache when
#                        top_builddir is set, else /var/cache/vnetctl-test-guest
#     VNET_GUEST_KERNEL_PKG  the kernel package (default: from apt-cache)
# Nothing else on the host is written (apt-get download writes only in a
# temporary directory of the cache).  See README.

VNET_GUEST_RECIPE=1      # bump to rebuild every cached image
VNET_GUEST_CACHE=${VNET_GUEST_CACHE:-${top_builddir:+$top_builddir/tests/guest-cache}}
VNET_GUEST_CACHE=${VNET_GUEST_CACHE:-/var/cache/vnetctl-test-guest}
case $VNET_GUEST_CACHE in /*) ;; *) VNET_GUEST_CACHE=$PWD/$VNET_GUEST_CACHE ;; esac
# the modules /init loads (their dependencies are added, in order)
VNET_GUEST_MODULES=${VNET_GUEST_MODULES:-virtio_pci virtio_net}
VNET_GUEST_MEMORY=${VNET_GUEST_MEMORY:-256}       # MiB
VNET_GUEST_CMDLINE=${VNET_GUEST_CMDLINE:-}        # extra kernel arguments
VNET_GUEST_KERNEL=$VNET_GUEST_CACHE/vmlinuz
VNET_GUEST_INITRD=$VNET_GUEST_CACHE/initrd.gz

# ------------------------------------------------------------ the image

# The guest's /init.  PID 1 must never exit (the kernel panics, and with
# panic=-1 and on_reboot=destroy the domain goes away).
_vnet_guest_init() {
	cat <<-'INIT'
		#!/bin/sh
		/bin/busybox --install -s /bin
		export PATH=/bin
		mount -t proc proc /proc
		mount -t sysfs sysfs /sys
		mount -t devtmpfs devtmpfs /dev 2>/dev/null
		mkdir -p /tmp /run /var/run
		name=guest
		for w in $(cat /proc/cmdline); do
			case $w in vnet.name=*) name=${w#vnet.name=} ;; esac
		done
		hostname "$name"
		echo "vnet-guest: $name booting, kernel $(uname -r), uptime $(cut -d' ' -f1 /proc/uptime)"
		for m in $(cat /lib/modules/load.order); do
			insmod "/lib/modules/$m.ko" || echo "vnet-guest: insmod $m failed"
		done
		ip link set lo up
		for p in 80 81; do
			mkdir -p "/www/$p"
			echo "hello from $name (port $p)" >"/www/$p/index.html"
		done
		# guest_exec: POST a shell command to port 80's /cgi-bin/run
		mkdir -p /www/80/cgi-bin
		cat >/www/80/cgi-bin/run <<-'CGI'
			#!/bin/sh
			printf 'Content-Type: text/plain\r\n\r\n'
			head -c "${CONTENT_LENGTH:-0}" >/tmp/cmd.$$
			sh /tmp/cmd.$$ </dev/null 2>&1
			echo "vnet-exit: $?"
			rm -f /tmp/cmd.$$
		CGI
		chmod 0755 /www/80/cgi-bin/run
		for p in 80 81; do httpd -p "$p" -h "/www/$p"; done
		echo "vnet-guest: ready, uptime $(cut -d' ' -f1 /proc/uptime)"
		# every NIC, those present now and those hot-plugged later
		# (and those unplugged: their udhcpc stops, a NIC plugged later
		# under the same name starts afresh)
		seen=" "
		while :; do
			for n in $seen; do
				[ -e "/sys/class/net/$n" ] && continue
				kill "$(cat "/run/udhcpc.$n.pid" 2>/dev/null)" 2>/dev/null
				rm -f "/run/udhcpc.$n.pid"
				seen=$(echo "$seen" | sed "s/ $n / /")
				echo "vnet-guest: nic $n gone, uptime $(cut -d' ' -f1 /proc/uptime)"
			done
			for d in /sys/class/net/eth*; do
				[ -e "$d" ] || continue
				n=${d##*/}
				case $seen in *" $n "*) continue ;; esac
				seen="$seen$n "
				ip link set "$n" up
				echo "vnet-guest: nic $n up, mac $(cat "$d/address"), uptime $(cut -d' ' -f1 /proc/uptime)"
				udhcpc -f -i "$n" -p "/run/udhcpc.$n.pid" -s /etc/udhcpc.script -x "hostname:$name" \
					-T 2 -t 30 -A 1 >/dev/null 2>&1 &
			done
			sleep 1
		done
	INIT
}

# udhcpc's script: configure the address and the (first) default route, and
# say so on the console.
_vnet_guest_udhcpc_script() {
	cat <<-'SCRIPT'
		#!/bin/sh
		mac=$(cat "/sys/class/net/$interface/address")
		up=$(cut -d' ' -f1 /proc/uptime)
		case $1 in
		deconfig)
			ip -4 addr flush dev "$interface"
			ip link set "$interface" up
			;;
		bound|renew)
			if ! ip -4 addr show dev "$interface" | grep -q "inet $ip/"; then
				ip -4 addr flush dev "$interface"
				ip addr add "$ip/${mask:-24}" dev "$interface"
				new=1
			fi
			if [ -n "$router" ] && ! ip route | grep -q '^default '; then
				ip route add default via "${router%% *}" dev "$interface"
			fi
			if [ "$1" = bound ] || [ -n "$new" ]; then
				echo "vnet-guest: lease acquired: $ip dev $interface mac $mac router ${router:-none} lease ${lease}s uptime $up" >/dev/console
			fi
			;;
		leasefail|nak)
			echo "vnet-guest: no lease yet on $interface ($1), uptime $up" >/dev/console
			;;
		esac
		exit 0
	SCRIPT
}

_vnet_guest_stamp() { # what the cached initrd was made from
	printf 'recipe %s\nmodules %s\ninit %s\n' "$VNET_GUEST_RECIPE" "$VNET_GUEST_MODULES" \
		"$({ _vnet_guest_init; _vnet_guest_udhcpc_script; } | md5sum | cut -d' ' -f1)"
}

_vnet_guest_cached() { # the cache holds a current image
	[ -s "$VNET_GUEST_KERNEL" ] && [ -s "$VNET_GUEST_INITRD" ] && [ -s "$VNET_GUEST_CACHE/stamp" ] &&
		[ "$(cat "$VNET_GUEST_CACHE/stamp")" = "$(_vnet_guest_stamp)" ]
}

_vnet_guest_moddeps() { # KO -> its "depends=" modules, one a line
	tr '\0' '\n' <"$1" | sed -n 's/^depends=//p' | tr ',' '\n' | sed '/^$/d'
}

# _vnet_guest_modorder MODDIR MOD...: MOD and their dependencies, each after
# what it needs, one a line ("name" or "name.ko path" relative to MODDIR).
_vnet_guest_modorder() {
	local dir=$1 m f d
	shift
	for m in "$@"; do
		case " $_vnet_guest_done " in *" $m "*) continue ;; esac
		f=$(find "$dir" -name "$m.ko" -o -name "${m//_/-}.ko" | head -n 1)
		if [ -z "$f" ]; then
			# built into the kernel: nothing to load
			grep -qE "/(${m}|${m//_/-})\.ko$" "$dir/modules.builtin" 2>/dev/null && continue
			echo "no module $m in $dir" >&2
			return 1
		fi
		_vnet_guest_done="$_vnet_guest_done $m"
		for d in $(_vnet_guest_moddeps "$f"); do
			_vnet_guest_modorder "$dir" "$d" || return 1
		done
		printf '%s %s\n' "$m" "$f"
	done
}

_vnet_guest_kernel_pkg() {
	if [ -n "${VNET_GUEST_KERNEL_PKG:-}" ]; then
		printf '%s\n' "$VNET_GUEST_KERNEL_PKG"
		return
	fi
	apt-cache depends linux-image-amd64 2>/dev/null |
		awk '$1 == "Depends:" && $2 ~ /^linux-image-[0-9].*-amd64$/ { print $2; exit }'
}

# _vnet_guest_fetch: download and unpack the kernel and busybox into
# $VNET_GUEST_CACHE/{vmlinuz,modules/,busybox} (under the lock).
_vnet_guest_fetch() {
	local tmp=$1 pkg deb log=$1/apt.log
	pkg=$(_vnet_guest_kernel_pkg)
	[ -n "$pkg" ] || {
		echo "apt-cache knows no linux-image-*-amd64 that linux-image-amd64 depends on (apt-get update?)"
		return 1
	}
	# apt's _apt user needs to write the download directory
	chmod 0777 "$tmp"
	if ! (cd "$tmp" && apt-get download -q "$pkg" busybox-static) >"$log" 2>&1; then
		echo "apt-get download $pkg busybox-static failed (no network or stale lists: apt-get update?):"
		grep -E '^(E|Err):' "$log" | tail -n 3
		return 1
	fi
	mkdir -p "$tmp/k" "$tmp/bb" "$tmp/new/modules"
	deb=$(ls "$tmp"/linux-image-*.deb)
	dpkg-deb -x "$deb" "$tmp/k" || { echo "dpkg-deb -x $deb failed"; return 1; }
	dpkg-deb -x "$tmp"/busybox-static_*.deb "$tmp/bb" || { echo "dpkg-deb -x busybox-static failed"; return 1; }
	local moddir
	moddir=$(find "$tmp/k/lib/modules" -mindepth 1 -maxdepth 1 -type d | head -n 1)
	if [ -z "$moddir" ] || [ ! -f "$moddir/modules.builtin" ]; then
		echo "$deb has no lib/modules/*/modules.builtin"
		return 1
	fi
	cp "$tmp"/k/boot/vmlinuz-* "$tmp/new/vmlinuz" || { echo "$deb has no /boot/vmlinuz-*"; return 1; }
	cp "$tmp/bb/bin/busybox" "$tmp/new/busybox" || { echo "busybox-static has no /bin/busybox"; return 1; }
	# every module of the kernel's NIC (top level) and virtio drivers, so
	# that a test can ask for another (VNET_GUEST_MODULES) without a download
	(cd "$moddir" && find kernel/drivers/net kernel/drivers/virtio kernel/net/core \
		-maxdepth 1 -name '*.ko' -exec cp {} "$tmp/new/modules/" \;) || { echo "cannot copy the modules"; return 1; }
	cp "$moddir/modules.builtin" "$tmp/new/modules/" || return 1
	printf '%s %s\n' "$pkg" "$(dpkg-deb -f "$deb" Version)" >"$tmp/new/kernel.version"
	rm -rf "$tmp/k" "$tmp/bb" "$tmp"/*.deb
}

# _vnet_guest_mkinitrd TMP: the initramfs from the cached busybox and modules.
_vnet_guest_mkinitrd() {
	local tmp=$1 root=$1/root m f cpio
	mkdir -p "$root"/{bin,dev,proc,sys,etc,lib/modules,tmp} || return 1
	cp "$VNET_GUEST_CACHE/busybox" "$root/bin/busybox" || return 1
	ln -s busybox "$root/bin/sh"
	# the kernel's own initramfs has it too; this one must not depend on that
	mknod -m 0600 "$root/dev/console" c 5 1 2>/dev/null || true
	_vnet_guest_init >"$root/init"
	_vnet_guest_udhcpc_script >"$root/etc/udhcpc.script"
	chmod 0755 "$root/init" "$root/etc/udhcpc.script" "$root/bin/busybox" || return 1
	_vnet_guest_done=
	# shellcheck disable=SC2086 # a list of names
	_vnet_guest_modorder "$VNET_GUEST_CACHE/modules" $VNET_GUEST_MODULES >"$tmp/order" || return 1
	while read -r m f; do
		cp "$f" "$root/lib/modules/$m.ko" || return 1
		echo "$m"
	done <"$tmp/order" >"$root/lib/modules/load.order"
	if command -v cpio >/dev/null 2>&1; then cpio=(cpio); else cpio=(busybox cpio); fi
	(cd "$root" && find . | LC_ALL=C sort | "${cpio[@]}" -o -H newc -R 0:0 2>/dev/null) |
		gzip -9 >"$tmp/initrd.gz" || return 1
	[ -s "$tmp/initrd.gz" ]
}

# guest_image_ensure: make sure the kernel and initramfs are in the cache,
# building them once if needed (downloads with apt-get: call it before
# sandbox_enter, whose network namespace has no way out; call it again
# inside, where it only checks).  Skips the test (77) when they cannot be
# had.  Sets VNET_GUEST_KERNEL, VNET_GUEST_INITRD.
guest_image_ensure() {
	if [ "${VNET_SANDBOX:-}" = 1 ]; then
		_vnet_guest_cached ||
			skip "no guest image in $VNET_GUEST_CACHE: guest_image_ensure must run before sandbox_enter (the sandbox has no network for apt)"
		diag "guest image: $(cat "$VNET_GUEST_CACHE/kernel.version" 2>/dev/null), $VNET_GUEST_CACHE"
		return 0
	fi
	# not root: sandbox_enter will skip the test; download nothing
	[ "$(id -u)" -eq 0 ] || return 0
	_vnet_guest_cached && return 0
	local c
	for c in apt-get apt-cache dpkg-deb gzip flock; do
		command -v "$c" >/dev/null 2>&1 || skip "guest image: required command '$c' not found"
	done
	command -v cpio >/dev/null 2>&1 || busybox cpio --help >/dev/null 2>&1 ||
		skip "guest image: neither cpio nor busybox cpio found"
	mkdir -p "$VNET_GUEST_CACHE" || skip "guest image: cannot create $VNET_GUEST_CACHE"
	local fd tmp msg rc=0
	exec {fd}>"$VNET_GUEST_CACHE/.lock"
	# another test may be building it right now: wait for it
	flock -w 600 "$fd" || { exec {fd}>&-; skip "guest image: $VNET_GUEST_CACHE/.lock busy for 600 s"; }
	if ! _vnet_guest_cached; then
		tmp=$(mktemp -d "$VNET_GUEST_CACHE/build.XXXXXX")
		if [ ! -s "$VNET_GUEST_CACHE/vmlinuz" ] || [ ! -s "$VNET_GUEST_CACHE/busybox" ] ||
			[ ! -d "$VNET_GUEST_CACHE/modules" ]; then
			echo "# guest image: downloading a kernel and busybox-static into $VNET_GUEST_CACHE"
			if msg=$(_vnet_guest_fetch "$tmp"); then
				rm -rf "$VNET_GUEST_CACHE/modules"
				mv "$tmp/new/modules" "$VNET_GUEST_CACHE/modules"
				mv "$tmp/new/busybox" "$tmp/new/kernel.version" "$VNET_GUEST_CACHE/"
				mv "$tmp/new/vmlinuz" "$VNET_GUEST_CACHE/vmlinuz"
			else
				rc=1
			fi
		fi
		if [ "$rc" -eq 0 ]; then
			if msg=$(_vnet_guest_mkinitrd "$tmp" 2>&1); then
				mv "$tmp/initrd.gz" "$VNET_GUEST_INITRD"
				_vnet_guest_stamp >"$VNET_GUEST_CACHE/stamp"
				echo "# guest image: $(cat "$VNET_GUEST_CACHE/kernel.version"), initramfs $(du -k "$VNET_GUEST_INITRD" | cut -f1) KiB"
			else
				rc=1
			fi
		fi
		rm -rf "$tmp"
	fi
	exec {fd}>&-
	[ "$rc" -eq 0 ] || skip "cannot build the guest image in $VNET_GUEST_CACHE: $(printf '%s\n' "$msg" | head -n 2 | paste -sd' ')"
}

# ------------------------------------------------------------- domains

# guest_console NAME: the file the guest's serial console is written to.
guest_console() {
	printf '%s/guest.%s.console' "$VNET_SCRATCH" "$1"
}

_vnet_guest_nic_xml() { # NETWORK [MAC]
	local mac=
	[ -z "${2:-}" ] || mac="<mac address='$2'/>"
	printf "<interface type='network'><source network='%s'/>%s<model type='virtio'/></interface>" "$1" "$mac"
}

# define_guest NAME [NETWORK [MAC]]: define (not start) domain NAME: qemu
# (TCG), q35 with spare PCIe root ports for hot-plugged NICs, 256 MiB
# (VNET_GUEST_MEMORY), the cached kernel and initramfs booted directly with
# "console=ttyS0 vnet.name=NAME" (plus VNET_GUEST_CMDLINE), its serial
# console in a file (guest_console), a virtio NIC on NETWORK when given
# ("-" for none) with MAC when given.
define_guest() {
	local name=$1 net=${2:--} mac=${3:-} qemu nic='' xml
	[ "${VNET_SANDBOX:-}" = 1 ] || bail "define_guest outside the sandbox"
	_vnet_guest_cached || bail "define_guest: no guest image (guest_image_ensure)"
	qemu=$(command -v qemu-system-x86_64) || bail "define_guest: qemu-system-x86_64 not found"
	[ "$net" = - ] || nic=$(_vnet_guest_nic_xml "$net" "$mac")
	xml="$VNET_SCRATCH/guest.$name.xml"
	: >"$(guest_console "$name")"
	cat >"$xml" <<-EOF
		<domain type='qemu'>
		  <name>$name</name>
		  <memory unit='MiB'>$VNET_GUEST_MEMORY</memory>
		  <vcpu>1</vcpu>
		  <os>
		    <type arch='x86_64' machine='q35'>hvm</type>
		    <kernel>$VNET_GUEST_KERNEL</kernel>
		    <initrd>$VNET_GUEST_INITRD</initrd>
		    <cmdline>console=ttyS0 vnet.name=$name panic=-1 $VNET_GUEST_CMDLINE</cmdline>
		  </os>
		  <features><acpi/></features>
		  <on_poweroff>destroy</on_poweroff>
		  <on_reboot>destroy</on_reboot>
		  <on_crash>destroy</on_crash>
		  <devices>
		    <emulator>$qemu</emulator>
		    <controller type='pci' model='pcie-root'/>
		    <controller type='pci' model='pcie-root-port'/>
		    <controller type='pci' model='pcie-root-port'/>
		    <controller type='pci' model='pcie-root-port'/>
		    <controller type='pci' model='pcie-root-port'/>
		    $nic
		    <serial type='file'>
		      <source path='$(guest_console "$name")'/>
		      <target port='0'/>
		    </serial>
		    <memballoon model='none'/>
		  </devices>
		</domain>
	EOF
	virsh -q define "$xml" >/dev/null
}

# boot_guest NAME NETWORK [MAC]: define and start guest NAME with a virtio
# NIC on libvirt network NETWORK ("-": no NIC yet), MAC optional.  Returns
# at once; wait with guest_wait_ready / guest_wait_lease.
boot_guest() {
	local name=$1 err
	define_guest "$@"
	err=$(virsh -q start "$name" 2>&1 >/dev/null) || {
		diag "$err" "$(tail -n 20 "/var/log/libvirt/qemu/$name.log" 2>/dev/null)"
		bail "boot_guest: domain $name does not start"
	}
}

# guest_attach_nic NAME NETWORK [MAC]: hot-plug a virtio NIC on NETWORK into
# the running guest (and its definition): virsh attach-interface --live
# --config.  The guest's /init brings it up and runs udhcpc on it.
guest_attach_nic() {
	local name=$1 net=$2 mac=${3:-}
	virsh -q attach-interface "$name" network "$net" --model virtio ${mac:+--mac "$mac"} --live --config >/dev/null
}

# boot_guest_attach NAME NETWORK [MAC]: boot NAME with no NIC, wait until its
# OS runs (guest_wait_ready), then hot-plug the NIC (guest_attach_nic).
boot_guest_attach() {
	boot_guest "$1" -
	guest_wait_ready "$1" >/dev/null || return 1
	guest_attach_nic "$@"
}

# virtinst_guest NAME NETWORK [MAC]: as boot_guest, through virt-install
# (--import --disk none --boot kernel=...,initrd=...,kernel_args=...): the
# third way to make a domain, as a provisioning tool would.  Needs virtinst.
virtinst_guest() {
	local name=$1 net=$2 mac=${3:-} err
	[ "${VNET_SANDBOX:-}" = 1 ] || bail "virtinst_guest outside the sandbox"
	_vnet_guest_cached || bail "virtinst_guest: no guest image (guest_image_ensure)"
	: >"$(guest_console "$name")"
	err=$(virt-install --connect qemu:///system --name "$name" \
		--virt-type qemu --arch x86_64 --machine q35 \
		--memory "$VNET_GUEST_MEMORY" --vcpus 1 --osinfo detect=off,name=generic \
		--import --disk none \
		--boot "kernel=$VNET_GUEST_KERNEL,initrd=$VNET_GUEST_INITRD,kernel_args=console=ttyS0 vnet.name=$name panic=-1 $VNET_GUEST_CMDLINE" \
		--network "network=$net,model=virtio${mac:+,mac=$mac}" \
		--serial "file,path=$(guest_console "$name")" \
		--graphics none --video none --sound none --memballoon none --rng none \
		--controller usb,model=none --events on_reboot=destroy,on_crash=destroy,on_poweroff=destroy \
		--noautoconsole 2>&1 >/dev/null) || {
		diag "$err" "$(tail -n 20 "/var/log/libvirt/qemu/$name.log" 2>/dev/null)"
		bail "virtinst_guest: virt-install could not start $name"
	}
}

# guest_detach_nic NAME MAC: hot-unplug the guest's NIC with MAC (virsh
# detach-interface --live --config) and wait (<= 20 s) until it is gone
# from the live domain; the guest's console then says "nic ethN gone".
guest_detach_nic() {
	local name=$1 mac=$2 i
	virsh -q detach-interface "$name" network --mac "$mac" --live --config >/dev/null || return 1
	for i in $(seq 40); do
		virsh -q domiflist "$name" | grep -qi "$mac" || return 0
		sleep 0.5
	done
	echo "guest_detach_nic: $mac still plugged into $name after 20 s" >&2
	return 1
}

# guest_mark NAME: later waits look only at console lines written from now
# on (e.g. for the lease after a network restart).
guest_mark() {
	eval "_vnet_guest_mark_${1//[^A-Za-z0-9_]/_}=$(wc -l <"$(guest_console "$1")")"
}

_vnet_guest_lines() { # NAME: the console lines since guest_mark
	local var="_vnet_guest_mark_${1//[^A-Za-z0-9_]/_}"
	tail -n "+$((${!var:-0} + 1))" "$(guest_console "$1")" 2>/dev/null | tr -d '\r'
}

# guest_ip NAME [DEV|MAC]: the address of the guest's last lease (on DEV, or
# the NIC with MAC, when given) as its console reported it; exits 1 if none.
guest_ip() {
	local sel=${2:-} ip
	ip=$(_vnet_guest_lines "$1" | grep -a 'vnet-guest: lease acquired: ' |
		{ if [ -n "$sel" ]; then grep -a -i -e " dev $sel " -e " mac $sel "; else cat; fi; } |
		tail -n 1 | sed -E 's/.*lease acquired: ([^ ]+) .*/\1/')
	[ -n "$ip" ] || return 1
	printf '%s\n' "$ip"
}

_vnet_guest_wait() { # NAME TIMEOUT WHAT CMD...: until CMD prints something
	local name=$1 timeout=$2 what=$3 out deadline
	shift 3
	deadline=$((SECONDS + timeout))
	while :; do
		if out=$("$@") && [ -n "$out" ]; then
			printf '%s\n' "$out"
			return 0
		fi
		if ! virsh -q domstate "$name" 2>/dev/null | grep -q running; then
			diag "guest $name is not running ($(virsh -q domstate "$name" 2>&1)) while waiting for $what" >&2
			break
		fi
		[ "$SECONDS" -lt "$deadline" ] || { diag "guest $name: no $what within ${timeout}s" >&2; break; }
		sleep 0.5
	done
	diag "last console lines of $name:" "$(tail -n 15 "$(guest_console "$name")" 2>/dev/null | tr -d '\r')" >&2
	return 1
}

_vnet_guest_ready_line() { # (reads to the end: no SIGPIPE under pipefail)
	_vnet_guest_lines "$1" | awk '/vnet-guest: ready/ && !f { print; f = 1 }'
}

# guest_wait_ready NAME [TIMEOUT]: wait (default 60 s) until the guest's
# /init has loaded its modules and started its servers; prints that line.
guest_wait_ready() {
	_vnet_guest_wait "$1" "${2:-60}" "ready line" _vnet_guest_ready_line "$1"
}

# guest_wait_lease NAME [TIMEOUT] [DEV|MAC]: wait (default 60 s) until the
# guest's console reports a DHCP lease (on DEV / the NIC with MAC, when
# given), print its address.  Fails with the console's tail as diagnostics
# (on stderr, so that ip=$(guest_wait_lease vm1) holds just the address).
guest_wait_lease() {
	_vnet_guest_wait "$1" "${2:-60}" "DHCP lease" guest_ip "$1" "${3:-}"
}

# guest_uptime NAME: the guest's uptime (s) when its console reported its
# last lease (boot to lease, as the guest's kernel counts it).
guest_uptime() {
	_vnet_guest_lines "$1" | grep -a 'vnet-guest: lease acquired: ' | tail -n 1 | sed -nE 's/.* uptime ([0-9.]+).*/\1/p'
}

# guest_exec NAME SCRIPT: run the shell SCRIPT (one string) in the guest,
# through its HTTP server (port 80, /cgi-bin/run) at its last leased address
# (guest_ip), print its output, return its exit status (255: unreachable).
# The guest has busybox: wget, ping, ip, nc, ...  VNET_GUEST_EXEC_TIMEOUT
# (default 10 s) bounds it.
guest_exec() {
	local name=$1 ip out rc
	ip=$(guest_ip "$name") || { echo "guest_exec: $name has no lease" >&2; return 255; }
	out=$(curl -sS --noproxy '*' --connect-timeout 2 --max-time "${VNET_GUEST_EXEC_TIMEOUT:-10}" \
		--data-binary "$2" -H 'Content-Type: application/octet-stream' "http://$ip/cgi-bin/run" 2>&1) || {
		printf '%s\n' "$out" >&2
		return 255
	}
	rc=$(printf '%s\n' "$out" | sed -n 's/^vnet-exit: \([0-9]*\)$/\1/p' | tail -n 1)
	printf '%s\n' "$out" | sed '$ { /^vnet-exit: [0-9]*$/d; }'
	return "${rc:-255}"
}

# guest_destroy NAME: stop (destroy) and undefine the guest.
guest_destroy() {
	virsh -q destroy "$1" >/dev/null 2>&1 || true
	virsh -q undefine "$1" >/dev/null 2>&1
}

# guest_destroy_all: destroy and undefine every domain of the sandbox's
# libvirtd (sandbox_cleanup kills qemu with every other process, but does
# not tell libvirt: call this before it to stop the guests cleanly).
guest_destroy_all() {
	local d
	for d in $(virsh -q list --all --name 2>/dev/null); do
		guest_destroy "$d" || true
	done
}
