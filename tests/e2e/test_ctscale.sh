#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A VRRP master with 2^20 live flows keeps its event loop turning: while
# it streams two listings of all 2^20 flows (xlbctl flows, as text and
# as JSON, one after the other) and CLI queries (status, limited flows,
# stats) run back to back for at least 8 s, its adverts (every 100 ms)
# reach the backup with no gap longer than the interval + 50 ms, and the
# backup never takes over. Both listings hold every flow, counted. The
# flows are written into lb1's flow table through its mapping (ct_fill),
# spread over its partitions and its backends. Every loop is bounded.
set -u
export LAB_PREFIX=xc$$
. "$(dirname "$0")/../lib.sh"

VIP=$LAB_VIP4
ADV=100
FLOWS=$((1 << 20))

[ "$(id -u)" -eq 0 ] || tap_bail "running as root" "e2e tests need root"
for f in xlbd xlbctl tests/e2e/ct_fill; do
	[ -e "$XLB_BUILD/$f" ] || tap_bail "$f built" "$XLB_BUILD/$f missing"
done
lab_up --lb2 --no-vip || tap_bail "lab up" "scripts/lab.sh up failed"
tmp=$LAB_RUN/ctscale
mkdir -p "$tmp"

write_conf() {	# HOST PRIO
	local n=$([ "$1" = lb1 ] && echo 2 || echo 3)

	cat >"$tmp/$1.conf" <<-EOF
	interface eth0
	encap-source 198.18.0.$n
	hash-seed 42
	vip add tcp $VIP:80
	backend add tcp $VIP:80 198.18.0.11
	backend add tcp $VIP:80 198.18.0.12
	backend add tcp $VIP:80 198.18.0.13
	stats $tmp/$1.prom interval 100ms
	vrrp 1 priority $2 advert ${ADV}ms
	EOF
}
start() {	# HOST
	bg_in_ns "$1" env LIBXDP_BPFFS="$LAB_BPFFS" "$XLB_BUILD/xlbd" \
		-c "$tmp/$1.conf" -s "$tmp/$1.sock" -p "$LAB_BPFFS/$1" \
		-S "$tmp/$1.state" >>"$tmp/$1.log" 2>&1
	wait_for "c $1 vip list" 20
}
c() {	# HOST ARGS...
	local h=$1

	shift
	"$XLB_BUILD/xlbctl" -s "$tmp/$h.sock" "$@"
}
# The load this test makes, at the lowest priority: what is measured is
# whether xlbd's own work (answering, streaming, scanning) delays its
# adverts, not whether the test's clients, which parse 2^20 lines of JSON
# at full speed, can starve it of the CPU on a 2-core machine.
cn() {	# HOST ARGS...
	nice -n 19 "$XLB_BUILD/xlbctl" -s "$tmp/$1.sock" "${@:2}"
}
vstate() {	# HOST
	c "$1" -j vrrp show | jq -r '.instances[0].state'
}

write_conf lb1 200
write_conf lb2 100

# Pins of an older xlb (its LRU conntrack): refused, with what to do.
mkdir -p "$LAB_BPFFS/lb1"
bpftool map create "$LAB_BPFFS/lb1/xlb_conntrack" type lru_hash key 40 \
	value 16 entries 1024 name xlb_conntrack
in_ns lb1 env LIBXDP_BPFFS="$LAB_BPFFS" timeout 10 "$XLB_BUILD/xlbd" \
	-c "$tmp/lb1.conf" -s "$tmp/lb1.sock" -p "$LAB_BPFFS/lb1" \
	-S "$tmp/lb1.state" >"$tmp/old.log" 2>&1
rc=$?
tap_check "[ $rc -ne 0 ] && grep -q 'hold a flow table of another layout.*xlbd --detach' '$tmp/old.log' && ! in_ns lb1 ip link show eth0 | grep -q prog/xdp" \
	"an old layout's pins: xlbd refuses to start and says what to do"
in_ns lb1 "$XLB_BUILD/xlbd" --detach -c "$tmp/lb1.conf" -p "$LAB_BPFFS/lb1" \
	>/dev/null 2>&1
tap_check "[ ! -e '$LAB_BPFFS/lb1/xlb_conntrack' ]" \
	"xlbd --detach removes the old layout's pins"

start lb1 && start lb2 || tap_bail "both xlbd start"
wait_for "[ \"\$(vstate lb1)\" = master ] && [ \"\$(vstate lb2)\" = backup ]" 10 ||
	tap_bail "lb1 master, lb2 backup" "$(vstate lb1) $(vstate lb2)"
tap_ok "lb1 master, lb2 backup"

out=$(in_ns lb1 "$XLB_BUILD/tests/e2e/ct_fill" "$LAB_BPFFS/lb1" $FLOWS)
tap_check "[ \$? -eq 0 ]" "ct_fill: $out"
live() {
	c lb1 -j status | jq '.flow_table.live'
}
wait_for "[ \$(live) -eq $FLOWS ]" 10
n=$(live)
tap_check "[ $n -eq $FLOWS ]" "lb1's status counts the $FLOWS live flows: $n"
tap_diag "$(c lb1 status | sed -n 2p)"

# The backup's view of the master's adverts, with times: the capture
# spans the queries and both listings (bounded below).
bg_in_ns lb2 timeout 90 tcpdump -i eth0 -n -tt -l "ip proto 112 and src 198.18.0.2" \
	>"$tmp/adverts" 2>"$tmp/tcpdump.err"
tcpdump_pid=${BG_PIDS[-1]}
wait_for "grep -q 'listening on' '$tmp/tcpdump.err'" 10
# Every flow, streamed: as text, then as JSON. Each line records the
# listing's exit status and seconds.
(
	t0=$SECONDS
	cn lb1 flows >"$tmp/flows.txt" 2>"$tmp/flows.err"
	echo "text $? $((SECONDS - t0))"
	t0=$SECONDS
	cn lb1 -j flows tcp "$VIP:80" >"$tmp/flows.json" 2>>"$tmp/flows.err"
	echo "json $? $((SECONDS - t0))"
) >"$tmp/listings" &
lister=$!
BG_PIDS+=("$lister")
t_end=$((SECONDS + 8)) t_max=$((SECONDS + 80))
queries=0 slowest=0
while { [ $SECONDS -lt $t_end ] || kill -0 $lister 2>/dev/null; } &&
      [ $SECONDS -lt $t_max ] && [ $queries -lt 6000 ]; do
	for q in status "-j status" "flows limit 1000" \
		 "flows tcp $VIP:80 limit 1000" stats "vrrp show"; do
		t0=${EPOCHREALTIME/./}
		# shellcheck disable=SC2086
		cn lb1 $q >/dev/null || tap_fail "query $q answers"
		dt=$(((${EPOCHREALTIME/./} - t0) / 1000))
		[ $dt -gt $slowest ] && slowest=$dt
		queries=$((queries + 1))
	done
done
wait_for "! kill -0 $lister" 10
t_window=$((SECONDS - t_end + 8))
sleep 0.5
kill -INT "$tcpdump_pid" 2>/dev/null
wait_for "[ -s '$tmp/adverts' ]" 5
gap=$(awk 'NR > 1 { g = ($1 - p) * 1000; if (g > m) m = g } { p = $1 }
	END { printf "%d", m }' "$tmp/adverts")
n=$(wc -l <"$tmp/adverts")
tap_diag "$queries queries in $t_window s, the slowest answered in $slowest ms (client side)"
tap_diag "listings (kind, exit status, seconds): $(tr '\n' ' ' <"$tmp/listings")"
tap_check "[ $n -ge 60 ] && [ $gap -le $((ADV + 50)) ]" \
	"adverts during the queries and listings: $n, longest gap $gap ms (bound $((ADV + 50)) ms)"
# The text listing: a header, a row per flow, then the count xlbd sent.
rows=$(nice -n 19 awk '$1 == "tcp"' "$tmp/flows.txt" | wc -l)
tap_check "grep -qx 'text 0 [0-9]*' '$tmp/listings' && [ \"\$(head -1 '$tmp/flows.txt' | awk '{ print \$1, \$2 }')\" = 'PROTO CLIENT' ] && [ \"\$(tail -1 '$tmp/flows.txt')\" = '($FLOWS flows)' ] && [ $rows -eq $FLOWS ]" \
	"xlbctl flows lists all $FLOWS flows: $rows rows, '$(tail -1 "$tmp/flows.txt")'"
# The JSON listing: one valid document, every flow in it.
js=$(nice -n 19 jq -c --arg vip "$VIP:80" '[.count, (.flows | length), .truncated, all(.flows[]; .vip == $vip)]' "$tmp/flows.json")
tap_check "grep -qx 'json 0 [0-9]*' '$tmp/listings' && [ '$js' = '[$FLOWS,$FLOWS,false,true]' ]" \
	"xlbctl -j flows tcp $VIP:80 is one JSON document of all $FLOWS flows: $js"
tap_check "[ ! -s '$tmp/flows.err' ]" "the listings print no error: $(head -c 200 "$tmp/flows.err")"
rm -f "$tmp/flows.txt" "$tmp/flows.json"
tap_check "[ \"\$(vstate lb1)\" = master ] && [ \"\$(vstate lb2)\" = backup ] && ! grep -q 'master' <(grep -i 'vrrp 1.*->' '$tmp/lb2.log' | grep -v 'init -> backup')" \
	"the backup never took over"
tr=$(c lb2 -j vrrp show | jq '.instances[0].transitions')
tap_diag "lb2 transitions: $tr; lb1 scan: $(c lb1 -j status | jq -c '{scan_ms: .flow_table.scan_ms, max_slice_us: .flow_table.scan_max_slice_us}')"
tap_done
