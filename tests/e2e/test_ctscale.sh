#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A VRRP master with 2^20 live flows keeps its event loop turning: while
# CLI queries (status, flows, stats) run back to back for 8 s, its
# adverts (every 100 ms) reach the backup with no gap longer than the
# interval + 50 ms, and the backup never takes over. The flows are
# written into lb1's flow table through its mapping (ct_fill), spread
# over its partitions and its backends. Every loop is bounded.
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

# The backup's view of the master's adverts, with times.
bg_in_ns lb2 timeout 12 tcpdump -i eth0 -n -tt -l "ip proto 112 and src 198.18.0.2" \
	>"$tmp/adverts" 2>"$tmp/tcpdump.err"
wait_for "grep -q 'listening on' '$tmp/tcpdump.err'" 10
t_end=$((SECONDS + 8))
queries=0 slowest=0
while [ $SECONDS -lt $t_end ] && [ $queries -lt 2000 ]; do
	for q in status "-j status" flows "flows tcp $VIP:80" stats \
		 "vrrp show"; do
		t0=${EPOCHREALTIME/./}
		# shellcheck disable=SC2086
		c lb1 $q >/dev/null || tap_fail "query $q answers"
		dt=$(((${EPOCHREALTIME/./} - t0) / 1000))
		[ $dt -gt $slowest ] && slowest=$dt
		queries=$((queries + 1))
	done
done
sleep 0.5
kill -INT "${BG_PIDS[-1]}" 2>/dev/null
wait_for "[ -s '$tmp/adverts' ]" 5
gap=$(awk 'NR > 1 { g = ($1 - p) * 1000; if (g > m) m = g } { p = $1 }
	END { printf "%d", m }' "$tmp/adverts")
n=$(wc -l <"$tmp/adverts")
tap_diag "$queries queries in 8 s, the slowest answered in $slowest ms (client side)"
tap_check "[ $n -ge 60 ] && [ $gap -le $((ADV + 50)) ]" \
	"adverts during the queries: $n, longest gap $gap ms (bound $((ADV + 50)) ms)"
tap_check "[ \"\$(vstate lb1)\" = master ] && [ \"\$(vstate lb2)\" = backup ] && ! grep -q 'master' <(grep -i 'vrrp 1.*->' '$tmp/lb2.log' | grep -v 'init -> backup')" \
	"the backup never took over"
tr=$(c lb2 -j vrrp show | jq '.instances[0].transitions')
tap_diag "lb2 transitions: $tr; lb1 scan: $(c lb1 -j status | jq -c '{scan_ms: .flow_table.scan_ms, max_slice_us: .flow_table.scan_max_slice_us}')"
tap_done
