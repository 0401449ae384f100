#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Backends enter the tables only when their next hop is resolved. In the
# namespace lab, be3 answers no ARP (ip link set dev eth0 arp off) while
# it is added under a loop of new connections with a short connect
# timeout: no connection may fail, be3 shows "resolving" in status and in
# the stats file, and it takes flows as soon as ARP works again (the time
# from lb1's neighbour entry turning REACHABLE to be3's first SYN is
# measured). Then be3's next hop fails while it is in the table: it
# leaves the table for new flows, its flows keep their entries, and it
# comes back by itself. Every loop is bounded in count and time.
set -u
export LAB_PREFIX=xn$$
. "$(dirname "$0")/../lib.sh"

VIP=$LAB_VIP4
BE3=198.18.0.13

[ "$(id -u)" -eq 0 ] || tap_bail "running as root" "e2e tests need root"
for f in xlbd xlbctl xlb-decap; do
	[ -e "$XLB_BUILD/$f" ] || tap_bail "$f built" "$XLB_BUILD/$f missing"
done
lab_up || tap_bail "lab up" "scripts/lab.sh up failed"
lb1_setup nexthop
TRAFFIC=$(cd "$(dirname "$0")" && pwd)/traffic.py

cat >"$conf" <<EOF
interface eth0
encap-source 198.18.0.2
hash-seed 7
conntrack-size 65536
vip add tcp $VIP:80
backend add tcp $VIP:80 198.18.0.11
backend add tcp $VIP:80 198.18.0.12
EOF

# lb1 gives up on an unanswered next hop (and probes a stale one) in
# about a second instead of the defaults' 30 s and more, so that the
# failure below happens within the test's time.
in_ns lb1 sysctl -qw net.ipv4.neigh.eth0.base_reachable_time_ms=500 \
	net.ipv4.neigh.eth0.delay_first_probe_time=1 \
	net.ipv4.neigh.eth0.retrans_time_ms=200 \
	net.ipv4.neigh.eth0.interval_probe_time_ms=200

start_xlbd || { dump_log; tap_bail "xlbd starts"; }
tap_check "grep -q 'next hops of 2 of 2 backends resolved' '$log'" \
	"start-up waits for the next hops of its backends"

be3_field() {	# FIELD [next_hop]: be3's field in status -j
	ctl -j status | python3 -c '
import json, sys
d = json.load(sys.stdin)
for v in d["vips"]:
    for b in v["backends"]:
        if b["addr"] == sys.argv[1]:
            o = b["next_hop"] if len(sys.argv) > 3 else b
            print(o.get(sys.argv[2], "-"))' "$BE3" "$@"
}
be3_sample() {	# FAMILY: its sample for be3 in `xlbctl stats`
	ctl stats | sed -n "s/^$1{.*backend=\"$BE3\"} //p"
}
loop_start() {	# NAME
	rm -f "$tmp/$1" "$tmp/$1".*
	bg_in_ns client "$TRAFFIC" loop "$VIP" "$tmp/$1" 60
}
loop_count() {
	cat "$tmp/$1.count" 2>/dev/null || echo 0
}
loop_stop() {	# NAME
	touch "$tmp/$1.stop"
	wait_for "[ -e '$tmp/$1' ]" 10
}
loop_result() {	# NAME -> "OK FAIL"
	sed -n 's/^done //p' "$tmp/$1"
}

# --- add a backend whose next hop does not resolve -------------------------
in_ns be3 ip link set dev eth0 arp off
in_ns lb1 ip neigh flush to "$BE3" dev eth0
loop_start add
wait_for "[ \$(loop_count add) -ge 50 ]" 20
ctl backend add tcp "$VIP:80" "$BE3" >/dev/null
t_add=$SECONDS
st=$(be3_field state)
nh=$(be3_field state next_hop)
tap_check "[ '$st' = resolving ] && [ '$nh' = incomplete ]" \
	"be3 added without ARP: status says $st (next hop $nh)"
tap_check "[ \"\$(be3_sample xlb_backend_resolving)\" = 1 ] && [ \"\$(be3_sample xlb_backend_weight)\" = 0 ]" \
	"the stats say be3 is resolving, with weight 0"
# ARP stays off for 1.5 s: a slow next hop.
sleep 1.5
n0=$(loop_count add)

# lb1's neighbour events with times, and be3's first SYN for the VIP.
bg_in_ns lb1 timeout 20 stdbuf -oL ip -ts monitor neigh >"$tmp/mon" 2>&1
bg_in_ns be3 timeout 20 tcpdump -i eth0 -n -tt -c 1 -l \
	"dst host $VIP and tcp dst port 80 and tcp[tcpflags] & tcp-syn != 0" \
	>"$tmp/syn" 2>"$tmp/syn.err"
wait_for "grep -q 'listening on' '$tmp/syn.err'" 10
in_ns be3 ip link set dev eth0 arp on
wait_for "[ \"\$(be3_field state)\" = active ]" 10
wait_for "[ -s '$tmp/syn' ]" 10
n1=$(loop_count add)
wait_for "[ \$(loop_count add) -ge $((n1 + 100)) ]" 20
loop_stop add
r=$(loop_result add)
ok_be3=$(grep -c '^ok be3$' "$tmp/add")
tap_check "[ '${r#* }' = 0 ] && [ $ok_be3 -gt 0 ]" \
	"backend add with a 1.5 s slow next hop under traffic: $r (ok fail), be3 served $ok_be3 once reachable"
[ "${r#* }" = 0 ] || grep -m3 '^fail' "$tmp/add" | sed 's/^/#   /'
tap_diag "$n0 connections while be3 was resolving, $((n1 - n0)) more until it was active and had its first SYN"
tap_check "grep -q 'backend $BE3 of tcp $VIP:80: next hop $BE3 dev eth0 resolved (reachable) after [0-9]* ms: in the table' '$log'" \
	"the log says when be3's next hop resolved"

# Neighbour REACHABLE (lb1's kernel) to be3's first SYN (be3's capture):
# both on CLOCK_REALTIME.
t_reach=$(sed -n "s/^\[\([0-9T:.-]*\)\] $BE3 dev eth0 .*REACHABLE */\1/p" \
	"$tmp/mon" | head -1)
t_syn=$(awk '{ print $1; exit }' "$tmp/syn")
if [ -n "$t_reach" ] && [ -n "$t_syn" ]; then
	ms=$(python3 -c '
import sys, datetime
r = datetime.datetime.fromisoformat(sys.argv[1]).timestamp()
print(round((float(sys.argv[2]) - r) * 1000, 1))' "$t_reach" "$t_syn")
	tap_check "python3 -c 'import sys; sys.exit(not -5 <= $ms <= 500)'" \
		"be3's first SYN $ms ms after its next hop became reachable"
	tap_diag "nexthop_first_flow_ms $ms"
else
	tap_fail "be3's first SYN after its next hop became reachable" \
		"no time: reach '$t_reach', syn '$t_syn'"
fi

# --- the next hop fails while the backend is in the table ------------------
overdue() {	# reports of be3's next hop unresolved for too long
	grep -c "backend $BE3: next hop $BE3 dev eth0 did not resolve within 3000 ms" "$log"
}
# Keep-alive connections hold flows (20: some land on be3 but for a
# chance of 0.03 %); those on be3 must keep their entries.
rm -f "$tmp/ka.release"
for i in $(seq 1 20); do
	bg_in_ns client "$TRAFFIC" ka "$VIP" "$tmp/ka$i" 4 0.25 \
		"$tmp/ka.release"
done
ka_up() {
	in_ns client ss -tnH state established dst "$VIP" | wc -l
}
wait_for "[ \$(ka_up) -ge 20 ]" 10
ka_clients=$(in_ns client ss -tnH state established dst "$VIP" |
	awk '{ print $3 }' | tr '\n' ' ')
be3_flows() {	# flows -j: the keep-alive connections' flows on be3
	ctl -j flows tcp "$VIP:80" | python3 -c '
import json, sys
ka = set(sys.argv[2].split())
d = json.load(sys.stdin)
if "error" in d or d["count"] != len(d["flows"]):
    sys.exit("flows: %s" % d.get("error", "count differs"))
print(sum(f["backend"] == sys.argv[1] and f["client"] in ka
          for f in d["flows"]))' "$BE3" "$ka_clients"
}
f0=$(be3_flows)
l0=$(be3_sample xlb_backend_nexthop_losses_total)
od=$(overdue)
in_ns be3 ip link set dev eth0 arp off
if wait_for "[ \"\$(be3_field state)\" = resolving ]" 20; then
	tap_ok "be3's next hop failed: out of the table ($(be3_field state next_hop))"
else
	tap_fail "be3's next hop failed: out of the table" \
		"state $(be3_field state), next hop $(be3_field state next_hop)"
fi
f1=$(be3_flows)
l1=$(be3_sample xlb_backend_nexthop_losses_total)
tap_check "[ $f1 -eq $f0 ] && [ $f0 -ge 1 ]" \
	"its keep-alive flows keep their entries: $f0 before, $f1 after"
tap_check "[ '$l1' = $((l0 + 1)) ]" \
	"xlb_backend_nexthop_losses_total counts the loss: $l0 -> $l1"
tap_check "grep -q 'backend $BE3 of tcp $VIP:80: next hop $BE3 dev eth0 unresolved (failed): out of the table for new flows' '$log'" \
	"the log says be3 left the table and why"
loop_start gone
wait_for "[ \$(loop_count gone) -ge 100 ]" 20
loop_stop gone
r=$(loop_result gone)
tap_check "[ '${r#* }' = 0 ] && ! grep -q '^ok be3$' '$tmp/gone'" \
	"new connections meanwhile: $r (ok fail), none to be3"
wait_for "[ \$(overdue) -gt $od ]" 10
tap_check "[ \$(overdue) -eq $((od + 1)) ]" \
	"a next hop unresolved for 3 s is reported once, with the backend"
in_ns be3 ip link set dev eth0 arp on
if wait_for "[ \"\$(be3_field state)\" = active ]" 15; then
	tap_ok "be3 back in the table by itself once ARP works"
else
	tap_fail "be3 back in the table by itself once ARP works" \
		"state $(be3_field state), next hop $(be3_field state next_hop)"
fi
touch "$tmp/ka.release"

# --- a route change moves a backend behind another gateway ------------------
in_ns lb1 ip route add 198.18.5.0/24 via 198.18.0.11 dev eth0
ctl vip add tcp 198.18.0.101:80 >/dev/null &&
	ctl backend add tcp 198.18.0.101:80 198.18.5.1 >/dev/null
routed() {	# FIELD: of 198.18.5.1's next hop
	ctl -j status | python3 -c '
import json, sys
for v in json.load(sys.stdin)["vips"]:
    for b in v["backends"]:
        if b["addr"] == "198.18.5.1":
            print(b["next_hop"].get(sys.argv[1], "-"), b["state"])' "$1"
}
wait_for "[ \"\$(routed addr)\" = '198.18.0.11 active' ]" 5
tap_check "[ \"\$(routed addr)\" = '198.18.0.11 active' ]" \
	"a routed backend's next hop is its gateway: $(routed addr)"
in_ns be3 ip link set dev eth0 arp off
in_ns lb1 ip neigh flush to "$BE3" dev eth0
in_ns lb1 ip route replace 198.18.5.0/24 via "$BE3" dev eth0
if wait_for "[ \"\$(routed addr)\" = '$BE3 resolving' ]" 5; then
	tap_ok "the route moves it behind $BE3, which does not resolve: $(routed addr)"
else
	tap_fail "the route moves it behind $BE3, which does not resolve" \
		"$(routed addr) $(routed state)"
fi
in_ns be3 ip link set dev eth0 arp on
if wait_for "[ \"\$(routed addr)\" = '$BE3 active' ]" 10; then
	tap_ok "and enters the table once $BE3 resolves"
else
	tap_fail "and enters the table once $BE3 resolves" "$(routed state)"
fi
n=$(in_ns lb1 ip neigh show to 198.18.0.11 dev eth0 | grep -c managed)
tap_check "[ $n -eq 1 ]" "be1's entry stays managed: be1 is a backend too"
ctl vip del tcp 198.18.0.101:80 >/dev/null
in_ns lb1 ip route del 198.18.5.0/24

# --- link down and up ----------------------------------------------------------
in_ns sw ip link set dev lb1 down
wait_for "[ \"\$(be3_field state)\" = resolving ]" 10
st=$(be3_field state)
in_ns sw ip link set dev lb1 up
t0=$(date +%s%N)
states() {	# every backend's state
	ctl -j status | python3 -c '
import json, sys
print(" ".join(b["state"] for v in json.load(sys.stdin)["vips"]
               for b in v["backends"]))'
}
all_active() {
	[ "$(states)" = "active active active" ]
}
if wait_for all_active 10; then
	tap_ok "link down: be3 $st; link up: every backend back in $((($(date +%s%N) - t0) / 1000000)) ms"
else
	tap_fail "link down and up: every backend back" \
		"$(states)"
fi
loop_start after
wait_for "[ \$(loop_count after) -ge 100 ]" 20
loop_stop after
r=$(loop_result after)
tap_check "[ '${r#* }' = 0 ]" "connections after the link came back: $r (ok fail)"

# --- restart with a next hop that does not resolve ---------------------------
kill "$xlbd_pid"
wait_for "! kill -0 $xlbd_pid" 10
in_ns be3 ip link set dev eth0 arp off
in_ns lb1 ip neigh flush to "$BE3" dev eth0
t0=$SECONDS
start_xlbd || { dump_log; tap_bail "xlbd restarts"; }
tap_check "grep -q 'next hops of 2 of 3 backends resolved in 3[0-9][0-9][0-9] ms' '$log' && [ \"\$(be3_field state)\" = resolving ]" \
	"restart: waits 3 s for be3's next hop, then starts without it ($(be3_field state))"
loop_start restart
wait_for "[ \$(loop_count restart) -ge 100 ]" 20
loop_stop restart
r=$(loop_result restart)
tap_check "[ '${r#* }' = 0 ] && ! grep -q '^ok be3$' '$tmp/restart'" \
	"connections after the restart: $r (ok fail), none to be3"
in_ns be3 ip link set dev eth0 arp on
dump_log 80 | grep -i 'next hop' | head -16
tap_done
