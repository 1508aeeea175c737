#!/bin/bash
# 67-hostsfile: on this host, commands read a running network's DHCP
# reservations from the hostsfile libvirt keeps for its dnsmasq, not from the
# whole live XML (whose metadata holds every forward).  A reservation made
# live only (virsh net-update --live) is where a named forward goes, for show
# and for forward add, with real traffic; a hostsfile with a line libvirt
# does not write, or one left behind that the running dnsmasq does not read
# (a network without DHCP), is not read: the live XML is.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
sandbox_enter "$@"
. "$(dirname "$0")/vnet.sh"
require_cmd virsh libvirtd dnsmasq nft ip curl

install_hook
sandbox_start_libvirtd
HF=/var/lib/libvirt/dnsmasq/web.hostsfile
add_outside lan 192.0.2.1/24 192.0.2.10/24

vnetctl -q create web --mode nat --subnet 10.77.0.0/24 --forward 8080:80
add_guest vmx vn-web -
# The reservation's MAC: the guard lets 10.77.0.50 send only from it.
ip -n vmx link set "$VNET_GUEST_DEV" address 52:54:00:77:00:50
guest_add_addr vmx 10.77.0.50/24 10.77.0.1 "$VNET_GUEST_DEV"
start_http vmx 82 "vmx on 82"
start_http vmx 83 "vmx on 83"

# A reservation libvirt's own tool made, in the live network only.
virsh -q net-update web add ip-dhcp-host "<host mac='52:54:00:77:00:50' name='vmx' ip='10.77.0.50'/>" --live
check "libvirt wrote it to the hostsfile" grep -q '^52:54:00:77:00:50,10.77.0.50,vmx$' "$HF"
check "not to the definition (live only)" sh -c "! virsh net-dumpxml --inactive web | grep -q 10.77.0.50"
check "forward add to the domain" vnetctl -q forward add web 8082:vmx:82
check "its element goes to the live reservation" \
	sh -c "nft list map inet vnetctl fwd4 | grep -q 'tcp . 8082 comment \"web\" : 10.77.0.50 . 82'"
expect_http lan http://192.0.2.1:8082/ "vmx on 82"
check "show says so" sh -c "'$VNETCTL' show web | grep -q '8082:vmx:82/tcp goes to 10.77.0.50 (guest vmx, by reservation)'"

# It is the hostsfile that is read: changed by hand (dnsmasq would serve
# that), show follows it, where the live XML still says .50.
before=$(cat "$HF")
sed -i 's/^52:54:00:77:00:50,10.77.0.50,vmx$/52:54:00:77:00:50,10.77.0.51,vmx/' "$HF"
check "show reads the hostsfile" sh -c "'$VNETCTL' show web | grep -q '8082:vmx:82/tcp goes to 10.77.0.51 (guest vmx, by reservation)'"
printf '%s\n' "$before" >"$HF"

# A line of another form: not read, the live XML is, to the same answer.
printf 'not a line libvirt writes\n' >>"$HF"
check "with a hostsfile it does not understand, forward add still finds the domain" vnetctl -q forward add web 8083:vmx:83
check "from the live XML" sh -c "nft list map inet vnetctl fwd4 | grep -q 'tcp . 8083 comment \"web\" : 10.77.0.50 . 83'"
expect_http lan http://192.0.2.1:8083/ "vmx on 83"
printf '%s\n' "$before" >"$HF"

# A file that names a reservation the live network does not have is believed
# only while the running dnsmasq reads it: a network without DHCP has none.
vnetctl -q create nod --mode nat --subnet 10.78.0.0/24 --no-dhcp --forward 9090:nod1:90
printf '52:54:00:78:00:09,10.78.0.9,nod1\n' >/var/lib/libvirt/dnsmasq/nod.hostsfile
check "dnsmasq of a network without DHCP reads no hostsfile" \
	sh -c "! grep -q dhcp-hostsfile /var/lib/libvirt/dnsmasq/nod.conf"
check "so the one left there is not a reservation" \
	sh -c "'$VNETCTL' show nod | grep -q '9090:nod1:90/tcp goes nowhere'"
check "and the forward has no element" sh -c "! nft list map inet vnetctl fwd4 | grep -q 'tcp . 9090 '"

check "delete" vnetctl -q delete nod
check "delete" vnetctl -q delete web
