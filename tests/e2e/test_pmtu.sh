#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Path MTU discovery through xlbd: a lab whose load balancer and backends
# have MTU 1500 like the client (scripts/lab.sh up --mtu 1500), so an IPIP
# VIP costs 20 bytes the client does not know about. The client's full
# sized segments get "fragmentation needed" (MTU 1480) from the XDP
# program, the client's route learns it, and 1 MB uploads and downloads
# complete without stalling, over IPv4 and IPv6 (packet too big, 1460).
# A ping to the VIP is answered by lb1's kernel. Loops bounded.
set -u
export LAB_PREFIX=wp$$
. "$(dirname "$0")/../lib.sh"

VIP=$LAB_VIP4
VIP6=$LAB_VIP6
MB=1048576
PMTU=$(cd "$(dirname "$0")" && pwd)/pmtu.py

[ "$(id -u)" -eq 0 ] || tap_bail "running as root" "e2e tests need root"
for f in xlbd xlbctl xlb-decap pass.bpf.o xlb.bpf.o; do
	[ -e "$XLB_BUILD/$f" ] || tap_bail "$f built" "$XLB_BUILD/$f missing"
done

tap_diag "t=${SECONDS}s"
lab_up --mtu 1500 || tap_bail "lab up" "scripts/lab.sh up --mtu 1500 failed"
mtu=$(in_ns lb1 cat /sys/class/net/eth0/mtu)
bemtu=$(in_ns be1 cat /sys/class/net/eth0/mtu)
tap_check "[ '$mtu' = 1500 ] && [ '$bemtu' = 1500 ]" \
	"lab up with MTU 1500 on the LB and backend links (lb1 $mtu, be1 $bemtu)"

lb1_setup pmtu
cat >"$conf" <<-EOF
	interface eth0
	encap-source 198.18.0.2
	encap-source 2001:db8::2
	conntrack-size 65536
	vip add tcp $VIP:80
	backend add tcp $VIP:80 198.18.0.11
	vip add tcp $VIP:9000
	backend add tcp $VIP:9000 198.18.0.11
	vip add tcp [$VIP6]:80
	backend add tcp [$VIP6]:80 2001:db8::11
	vip add tcp [$VIP6]:9000
	backend add tcp [$VIP6]:9000 2001:db8::11
	EOF

# A 1 MB body on be1 and a sink that hashes what it receives.
head -c $MB /dev/urandom >"$LAB_RUN/be1/www/mb"
want=$(sha256sum <"$LAB_RUN/be1/www/mb" | cut -d' ' -f1)
bg_in_ns be1 python3 "$PMTU" sink 9000 2 50
if start_xlbd &&
   wait_for "in_ns client curl -sf -m 1 http://$VIP/ | grep -qx be1" 15; then
	tap_ok "xlbd up, the VIP answers"
else
	dump_log
	tap_bail "xlbd up" "the VIP did not answer"
fi

route_mtu() {	# ADDR: the client's route MTU toward ADDR, or nothing
	in_ns client ip route get "$1" | grep -o 'mtu [0-9]*' |
		head -1 | cut -d' ' -f2
}
before4=$(route_mtu $VIP)
before6=$(route_mtu $VIP6)

tap_diag "t=${SECONDS}s"
# --- upload: the client's 1500-byte segments are too big for the tunnel.
t0=$SECONDS
out=$(in_ns client timeout 30 python3 "$PMTU" upload $VIP 9000 $MB 25 2>&1)
dt=$((SECONDS - t0))
tap_check "[[ '$out' == ok* ]] && [ $dt -le 25 ]" \
	"IPv4 1 MB upload through the IPIP VIP in ${dt}s: $out"
after4=$(route_mtu $VIP)
tap_check "[ -z '$before4' ] && [ '$after4' = 1480 ]" \
	"the client's route to $VIP learned mtu 1480 (before: ${before4:-none})"

out=$(in_ns client timeout 30 python3 "$PMTU" upload $VIP6 9000 $MB 25 2>&1)
tap_check "[[ '$out' == ok* ]]" "IPv6 1 MB upload through the VIP: $out"
after6=$(route_mtu $VIP6)
tap_check "[ -z '$before6' ] && [ '$after6' = 1460 ]" \
	"the client's route to $VIP6 learned mtu 1460 (before: ${before6:-none})"

tap_diag "t=${SECONDS}s"
# --- download: the backend's replies go straight to the client.
t0=$SECONDS
got=$(in_ns client curl -sf -m 20 "http://$VIP/mb" | sha256sum | cut -d' ' -f1)
dt=$((SECONDS - t0))
tap_check "[ '$got' = '$want' ] && [ $dt -le 20 ]" \
	"IPv4 1 MB download through the VIP in ${dt}s, body intact"
got=$(in_ns client curl -sf -m 20 -g "http://[$VIP6]/mb" |
	sha256sum | cut -d' ' -f1)
tap_check "[ '$got' = '$want' ]" "IPv6 1 MB download through the VIP"

# --- the data path's own count of the replies it sent.
sent=$(bpftool -j map dump pinned "$LAB_BPFFS/lb1/xlb_stats" |
	python3 -c '
import json, sys
n = 0
for e in json.load(sys.stdin):
    e = e.get("formatted", e)
    if e["key"] == 16:
        n = sum(v["value"]["packets"] for v in e["values"])
print(n)' 2>&1)
tap_check "[[ '$sent' =~ ^[0-9]+$ ]] && [ '$sent' -ge 2 ]" \
	"xlb_stats counts the too-big replies sent: $sent"

# --- ping: lb1's kernel answers for the VIP address on its eth0.
out=$(in_ns client timeout 5 python3 "$PMTU" ping $VIP 3 2>&1)
tap_check "[ '$out' = 'ok $VIP' ]" "ping $VIP answered by lb1's kernel: $out"
out=$(in_ns client timeout 5 python3 "$PMTU" ping $VIP6 3 2>&1)
tap_check "[ '$out' = 'ok $VIP6' ]" "ping $VIP6 answered: $out"

tap_diag "t=${SECONDS}s"
lab_down
left=$(ip netns list | grep -c "^$LAB_PREFIX-")
tap_check "[ $left -eq 0 ]" "lab removed, no namespace left"
tap_done
