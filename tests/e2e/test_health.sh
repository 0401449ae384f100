#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Health checks and load agents end to end in the namespace lab, with real
# servers: a stopped server leaves the table within fall intervals (+10 %
# jitter) + 200 ms and new connections all succeed; started again it
# returns; an HTTP 500 marks a backend down; an agent's 50% halves a
# backend's share of new connections; a hanging probe does not slow the
# others (against a window without it); every backend down fails open
# (or closed when asked), in the stats file too; an agent's drain keeps a
# backend's established connections but sends it no new ones, its down
# takes it out and its up brings it back; the agent's damper settings
# (reload, xlbctl, refusals) hold back what they should; a restart keeps
# serving backends in. Intervals are 100-500 ms so the suite stays short;
# measured times are printed. Every loop is bounded.
set -u
export LAB_PREFIX=wh$$
. "$(dirname "$0")/../lib.sh"

VIP=$LAB_VIP4
IV=200			# ms, the interval of the checks on :80 and :8080
FALL=3
RISE=2
N_SHARE=600		# connections per share measurement
N_AGENT=200		# connections per drain/down/up measurement
SRV=$(cd "$(dirname "$0")" && pwd)/health_srv.py

[ "$(id -u)" -eq 0 ] || tap_bail "running as root" "e2e tests need root"
command -v promtool >/dev/null ||
	tap_bail "promtool installed" "promtool missing"
for f in xlbd xlbctl xlb-decap pass.bpf.o xlb.bpf.o; do
	[ -e "$XLB_BUILD/$f" ] || tap_bail "$f built" "$XLB_BUILD/$f missing"
done

lab_up || tap_bail "lab up" "scripts/lab.sh up failed"
tap_ok "lab up: client, lb1, be1..be3"

tmp=$LAB_RUN/htest
mkdir -p "$tmp" || tap_bail "scratch directory $tmp"
conf=$tmp/lb1.conf
sock=$tmp/lb1.sock
pins=$LAB_BPFFS/lb1
log=$tmp/lb1.log
prom=$tmp/xlb.prom
ctl() { "$XLB_BUILD/xlbctl" -s "$sock" "$@"; }
field() {	# VIP:PORT ADDR|- FIELD
	python3 "$SRV" field "$sock" "$@" 2>/dev/null
}
wait_field() {	# VIP:PORT ADDR FIELD VALUE T0 MAXSECS [change] -> ms
	python3 "$SRV" wait "$sock" "$@"
}
dump_log() {
	sed 's/^/#   xlbd: /' "$log" | grep -v xdp_metadata | tail -${1:-15}
}

{
	echo "interface eth0"
	echo "encap-source 198.18.0.2"
	echo "hash-seed 7"
	echo "conntrack-size 65536"
	echo "stats $prom interval 100ms"
	for p in 80 8080 8081; do
		echo "vip add tcp $VIP:$p"
		for b in 11 12 13; do
			echo "backend add tcp $VIP:$p 198.18.0.$b"
		done
	done
	echo "health tcp $VIP:80 tcp interval ${IV}ms rise $RISE fall $FALL"
	echo "agent tcp $VIP:80 port 4444 interval ${IV}ms"
	echo "health tcp $VIP:8080 http path /x interval ${IV}ms timeout" \
	     "150ms rise $RISE fall $FALL"
	echo "health tcp $VIP:8081 http interval 100ms timeout 100ms rise 2" \
	     "fall 3"
	echo "agent tcp $VIP:8081 port 4445 interval 500ms timeout 500ms"
} >"$conf"

# The servers read these files per request: a file is replaced, never
# rewritten in place, or a read between truncation and write finds it
# empty (and takes the default: 200, up).
put() {	# FILE WORD
	echo "$2" >"$1.new" && mv "$1.new" "$1"
}
# Servers: :8080 answers the code in beN.code, :4444 is the load agent
# saying what beN.agent holds, :8081 answers 200 and :4445 says up, but
# be3's two read hang8081 and hang4445, which say hang in time.
echo 200 >"$tmp/ok.code"
echo up >"$tmp/ok.agent"
cp "$tmp/ok.code" "$tmp/hang8081"
cp "$tmp/ok.agent" "$tmp/hang4445"
for i in 1 2 3; do
	echo 200 >"$tmp/be$i.code"
	echo up >"$tmp/be$i.agent"
	c=$tmp/ok.code a=$tmp/ok.agent
	if [ $i -eq 3 ]; then c=$tmp/hang8081 a=$tmp/hang4445; fi
	bg_in_ns be$i python3 "$SRV" serve 600 "http:8080:$tmp/be$i.code" \
		"agent:4444:$tmp/be$i.agent" "http:8081:$c" "agent:4445:$a"
done
put "$tmp/be3.code" 500

start_xlbd() {
	bg_in_ns lb1 env LIBXDP_BPFFS="$LAB_BPFFS" "$XLB_BUILD/xlbd" -v \
		-c "$conf" -s "$sock" -p "$pins" -S "$tmp/lb1.state" \
		>>"$log" 2>&1
	xlbd_pid=${BG_PIDS[-1]}
	wait_for "ctl vip list" 20
}
all_in() {	# VIP:PORT ADDR...: all in the table
	local v=$1 a

	shift
	for a in "$@"; do
		[ "$(field "$v" "$a" in_table)" = true ] || return 1
	done
}
start_xlbd || { dump_log; tap_bail "xlbd starts"; }
if wait_for "all_in $VIP:80 198.18.0.11 198.18.0.12 198.18.0.13" 15; then
	tap_ok "xlbd starts; the backends of :80 pass their checks"
else
	dump_log
	tap_bail "xlbd starts; the backends of :80 pass their checks"
fi

# --- an HTTP 500 marks a backend down ---------------------------------------
tap_diag "t=${SECONDS}s"
wait_for "[ \"\$(field $VIP:8080 198.18.0.13 last_check)\" = 'fail: http 500' ]" 15
h3=$(field $VIP:8080 198.18.0.13 health)
l3=$(field $VIP:8080 198.18.0.13 last_check)
t3=$(field $VIP:8080 198.18.0.13 in_table)
tap_check "[ '$h3' = down ] && [ '$l3' = 'fail: http 500' ] && [ '$t3' = false ] && all_in $VIP:8080 198.18.0.11 198.18.0.12" \
	"a backend answering HTTP 500 to 'http path /x' is down and out of the table ($h3, $l3, in table $t3); the others are in"

# --- agent 50% halves a backend's share ---------------------------------------
tap_diag "t=${SECONDS}s"
share() {	# OUT [N]: N (N_SHARE) new connections to :80, per backend
	in_ns client python3 "$SRV" count "$VIP" "${2:-$N_SHARE}" "$1"
}
cnt() {	# OUT NAME
	awk -v n="$2" '$1 == n { print $2 }' "$1" | grep . || echo 0
}
# N = 600 connections from the kernel's ephemeral ports. A backend with
# share p gets Np +- sqrt(Np(1-p)): at p = 1/3 that is 200 +- 11.5, at
# p = 1/5 (weight 50 against 100 and 100) 120 +- 9.8. The bounds are
# about four standard deviations wide, and the two ranges do not overlap.
share "$tmp/share0"
b0=$(cnt "$tmp/share0" be1)
f0=$(cnt "$tmp/share0" fail)
tap_check "[ $f0 -eq 0 ] && [ $b0 -ge 155 ] && [ $b0 -le 245 ]" \
	"before the agent speaks: be1 serves $b0 of $N_SHARE new connections (expected 200 +- 45), $f0 failed"
put "$tmp/be1.agent" 50%
t0=$EPOCHREALTIME
ms=$(wait_field "$VIP:80" 198.18.0.11 effective_weight 50 "$t0" 15)
tap_check "[ '$ms' != timeout ]" \
	"agent '50%' on be1: effective weight 100 -> 50 after $ms ms (agent interval $IV ms)"
share "$tmp/share1"
b1=$(cnt "$tmp/share1" be1)
b2=$(cnt "$tmp/share1" be2)
b3=$(cnt "$tmp/share1" be3)
f1=$(cnt "$tmp/share1" fail)
tap_check "[ $f1 -eq 0 ] && [ $b1 -ge 82 ] && [ $b1 -le 158 ]" \
	"agent 50%: be1 serves $b1 of $N_SHARE (expected 120 +- 38), be2 $b2, be3 $b3 (expected 240 each), $f1 failed"
tap_diag "be1's share $((b1 * 1000 / N_SHARE))/1000, the others' mean $(((b2 + b3) * 500 / N_SHARE))/1000"
tap_check "grep -q 'backend 198.18.0.11 of tcp $VIP:80: effective weight 100 -> 50 (load agent)' '$log'" \
	"the weight change is logged"

# --- a stopped server leaves the table, and comes back --------------------
tap_diag "t=${SECONDS}s"
pidf=$LAB_RUN/be2/nginx.pid
npid=$(cat "$pidf")
kill "$npid"
t0=$EPOCHREALTIME
ms=$(wait_field "$VIP:80" 198.18.0.12 in_table false "$t0" 15 change)
# Each gap between probes is the interval +-10 % (HEALTH_JITTER_PCT).
bound=$((FALL * IV * 11 / 10 + 200))
tap_check "[ '$ms' != timeout ] && [ $ms -le $bound ]" \
	"nginx on be2 stopped: out of the table after $ms ms (bound fall x interval x 1.1 + 200 = $bound ms)"
share "$tmp/share2"
f2=$(cnt "$tmp/share2" fail)
s2=$(cnt "$tmp/share2" be2)
tap_check "[ $f2 -eq 0 ] && [ $s2 -eq 0 ]" \
	"then every one of $N_SHARE new connections succeeds ($f2 failed, $s2 to be2)"
tap_check "grep -q 'backend 198.18.0.12 of tcp $VIP:80: up -> down (fail: connect: Connection refused, $FALL in a row' '$log'" \
	"the state change is logged with its cause"
wait_for "! kill -0 $npid" 5
in_ns be2 nginx -c "$LAB_RUN/be2/nginx.conf"
t0=$EPOCHREALTIME
ms=$(wait_field "$VIP:80" 198.18.0.12 in_table true "$t0" 15 change)
# While down the probes back off (2x, 4x, up to 8x the interval): the
# first success comes at most 8 intervals after the restart, then rise-1
# more intervals, each +-10 %. 8 x 200 ms alone may be 1760 ms.
bound=$(((8 + RISE - 1) * IV * 11 / 10 + 200))
tap_check "[ '$ms' != timeout ] && [ $ms -le $bound ]" \
	"nginx on be2 started: back in the table after $ms ms (bound: backed-off first probe 8 x $IV + (rise-1) x $IV, x 1.1 + 200 = $bound ms)"
tap_check "grep -q 'backend 198.18.0.12 of tcp $VIP:80: down -> up (ok, $RISE in a row' '$log'" \
	"it came back after exactly rise = $RISE successes in a row"

# --- the agent drains, downs and ups a backend ----------------------------
tap_diag "t=${SECONDS}s"
# A keep-alive connection held on be1 (still at 50 %) across the drain.
fifo=$tmp/hold.in
hout=$tmp/hold.out
mkfifo "$fifo"
# Held open read-write here too: a write never blocks, whatever the client.
exec {fifo_fd}<>"$fifo"
bg_in_ns client python3 "$SRV" hold "$VIP" be1 "$fifo" "$hout" 60
hold_pid=${BG_PIDS[-1]}
wait_for "grep -q '^held ' '$hout'" 10
held=$(sed -n 's/^held //p' "$hout")
ask() {	# one more request on the held connection -> who answered
	local n

	n=$(grep -c '^answer ' "$hout")
	echo ask >&$fifo_fd
	wait_for "[ \$(grep -c '^answer ' '$hout') -gt $n ]" 5
	grep '^answer ' "$hout" | tail -1 | cut -d' ' -f2-
}
status_row() {	# VIP:PORT ADDR -> STATE EFFECTIVE HEALTH in xlbctl status
	ctl status | awk -v v="$1" -v a="$2" '
		$1 == "VIP" { on = $3 == v; next }
		on && $1 == a { print $2, $4, $5 }'
}
agent_says() {	# WORD FIELD VALUE [change]: be1's agent says WORD -> ms
	put "$tmp/be1.agent" "$1"
	wait_field "$VIP:80" 198.18.0.11 "$2" "$3" "$EPOCHREALTIME" 15 ${4:-}
}
new_conns() {	# NAME: N_AGENT new connections -> "FAILED ON_BE1"
	share "$tmp/$1" $N_AGENT
	echo "$(cnt "$tmp/$1" fail) $(cnt "$tmp/$1" be1)"
}
a0=$(ask)
tap_check "[ '$held' = be1 ] && [ '$a0' = be1 ]" \
	"a keep-alive connection through the VIP is held on $held (answered by $a0)"
ms=$(agent_says drain effective_weight 0)
tap_check "[ '$ms' != timeout ] && [ \"\$(field $VIP:80 198.18.0.11 in_table)\" = false ] && [ \"\$(field $VIP:80 198.18.0.11 health)\" = up ] && grep -q 'backend 198.18.0.11 of tcp $VIP:80: effective weight 50 -> 0 (load agent)' '$log'" \
	"agent 'drain' on be1: effective weight 0 after $ms ms, out of the table but up, logged"
read -r f b <<<"$(new_conns drain)"
tap_check "[ $f -eq 0 ] && [ $b -eq 0 ]" \
	"drain: none of $N_AGENT new connections goes to be1 ($b), $f failed"
a1=$(ask)
tap_check "[ '$a1' = be1 ]" \
	"drain: the established keep-alive connection is still answered by be1 ($a1)"
echo quit >&$fifo_fd
wait_for "! kill -0 $hold_pid" 5
exec {fifo_fd}>&-

ms=$(agent_says down health down change)
row=$(status_row "$VIP:80" 198.18.0.11)
tap_check "[ '$ms' != timeout ] && [ '$row' = 'down 0 down' ] && grep -q 'backend 198.18.0.11 of tcp $VIP:80: up -> down (load agent: ok' '$log'" \
	"agent 'down' on be1: down after $ms ms; status shows state, effective weight, health: '$row'; logged"
read -r f b <<<"$(new_conns down)"
tap_check "[ $f -eq 0 ] && [ $b -eq 0 ]" \
	"down: every one of $N_AGENT new connections succeeds elsewhere ($f failed, $b to be1)"

ms=$(agent_says up in_table true)
row=$(status_row "$VIP:80" 198.18.0.11)
tap_check "[ '$ms' != timeout ] && [ '$row' = 'active 100 up' ]" \
	"agent 'up' on be1: back in the table after $ms ms at its full weight; status: '$row'"
# be1 has weight 100 of 300 again: N/3 +- sqrt(N 2/9), 67 +- 6.7 for 200.
read -r f b <<<"$(new_conns up)"
tap_check "[ $f -eq 0 ] && [ $b -ge 40 ] && [ $b -le 94 ]" \
	"up: be1 serves $b of $N_AGENT new connections again (expected 67 +- 27), $f failed"

# --- the damper's settings: reload, runtime, refusals ----------------------
tap_diag "t=${SECONDS}s"
# A reload gives :80's agent damp-interval 1500ms and damp-change 30%.
dline="agent tcp $VIP:80 port 4444 interval ${IV}ms damp-interval 1500ms damp-change 30%"
sed -i "s|^agent tcp $VIP:80 .*|$dline|" "$conf"
: >"$log"
kill -HUP "$xlbd_pid"
wait_for "grep -q 'reloaded' '$log'" 5
damp() { ctl -j health show tcp $VIP:80 |
	jq -r '.vips[0].agent | "\(.damp_interval_ms) \(.damp_change_pct)"'; }
d=$(damp)
tap_check "[ '$d' = '1500 30' ] && ctl save | grep -qxF '$dline'" \
	"SIGHUP applies the agent's new damper settings (health show: '$d'); save writes them back"
# be1's agent says WORD1, then WORD2... as soon as FIELD shows VALUE1...:
# one line "MS REPORTS" per step, the time and the agent reports from the
# write to the change (health_srv.py say).
say() {	# WORD FIELD VALUE [WORD FIELD VALUE...]
	python3 "$SRV" say "$sock" "$VIP:80" 198.18.0.11 "$tmp/be1.agent" 10 \
		"$@"
}
# 100 -> 60 (40 %): applied at the first report 1500 ms after be1's last
# change ('up' above, maybe less than that ago). Then 60 -> 30 (50 %)
# waits for damp-interval after that one. Reports come every 200 ms: the
# default damp-interval, 5 s, would take 25 of them; 12 allow for 1500
# ms and more. Counting reports, not ms, a loaded machine that delays
# or drops some does not fail the check. Without the damper, 30 % would
# come with the next report, 200 ms after 60 %; with it, 1500 ms after,
# less the poll's lag in seeing 60 % (ms2 counts from there): 1200 ms at
# least leaves room for both.
{ read -r ms r1; read -r ms2 r2; } < <(say 60% effective_weight 60 \
					   30% effective_weight 30)
tap_check "[ '$ms' != timeout ] && [ $r1 -le 12 ] && [ -n '$ms2' ] && [ '$ms2' != timeout ] && [ $ms2 -ge 1200 ] && [ $r2 -le 12 ] && grep -q 'of tcp $VIP:80: effective weight 100 -> 60 (load agent)' '$log' && grep -q 'of tcp $VIP:80: effective weight 60 -> 30 (load agent)' '$log'" \
	"agent '60%': applied after $ms ms ($r1 reports); '30%' right after: held until damp-interval 1500ms passed, applied $ms2 ms ($r2 reports) later (expected 1500..1720); both logged"
# The same words at run time: damp-interval 100ms, damp-change still 30%.
ctl agent set tcp $VIP:80 port 4444 interval ${IV}ms damp-change 30% \
	damp-interval 100ms >/dev/null
d=$(damp)
tap_check "[ '$d' = '100 30' ] && ctl save | grep -qxF 'agent tcp $VIP:80 port 4444 interval ${IV}ms damp-interval 100ms damp-change 30%'" \
	"xlbctl agent set ... damp-change 30% damp-interval 100ms: health show '$d', save writes it back"
# 30 -> 36 is a 20 % change: held for 8 reports (1.6 s, 16 x the
# damp-interval) at 30 %, where the default 10 % would let it through.
put "$tmp/be1.agent" 36%
wait_for "[ \"\$(field $VIP:80 198.18.0.11 agent)\" = 36% ]" 5
n0=$(field $VIP:80 198.18.0.11 agent_ok)
wait_for "[ \$(field $VIP:80 198.18.0.11 agent_ok) -ge $((n0 + 8)) ]" 10
w=$(field $VIP:80 198.18.0.11 effective_weight)
n1=$(field $VIP:80 198.18.0.11 agent_ok)
# 45 % is applied by the first report that carries it: one more may have
# been on its way with the old word, and one come in before the poll.
read -r ms r <<<"$(say 45% effective_weight 45)"
tap_check "[ '$w' = 30 ] && [ $n1 -ge $((n0 + 8)) ] && [ '$ms' != timeout ] && [ $r -le 3 ]" \
	"agent '36%' (a 20 % change) is held by damp-change 30%: effective weight $w after $((n1 - n0)) more reports; '45%' (50 %) applied after $ms ms ($r reports)"
# Refusals change nothing.
ctl save >"$tmp/save_damp"
out=$(ctl agent set tcp $VIP:80 port 4444 damp-change 0 2>&1)
rc=$?
raw=$(python3 -c '
import json, socket, sys
s = socket.socket(socket.AF_UNIX)
s.settimeout(5)
s.connect(sys.argv[1])
s.sendall(json.dumps({"argv": sys.argv[2:]}).encode() + b"\n")
print(json.loads(s.makefile().readline()).get("error", ""))' "$sock" \
	agent set tcp $VIP:80 port 4444 damp-interval 2h)
tap_check "[ $rc -ne 0 ] && [ \"\$out\" = \"xlbctl: bad damp-change '0'; expected a percentage 1..50, e.g. 20%\" ] && [ \"\$raw\" = \"bad damp-interval '2h'; expected 10ms..1h\" ] && ctl save | cmp -s - '$tmp/save_damp'" \
	"bad damper settings are refused by xlbctl ('$out') and on the control socket ('$raw'); nothing changed"
agent_says up effective_weight 100 >/dev/null

# --- a hanging probe does not slow the others -------------------------------
tap_diag "t=${SECONDS}s"
# be1 and be2 are checked on :8081 every 100 ms. Their checks are counted
# over two seconds while be3 answers too (the control), then while be3
# accepts on :8081 and on its agent's :4445 and never answers. An agent
# never backs off, and this one asks every 500 ms with a 500 ms timeout:
# one hanging probe is nearly always in flight, about 4 in the window. A
# loop that waited for it, or slept until its timeout, would lose most
# of the neighbours' checks. A loaded machine slows both windows alike,
# so their rates are compared; and answers are taken as they come, well
# before the 100 ms timeout.
probes() {	# -> "MS N LAT HUNG" (health_srv.py probes)
	python3 "$SRV" probes "$sock" "$VIP:8081" 2 198.18.0.13 \
		198.18.0.11 198.18.0.12
}
read -r w0 c0 lat0 hung0 <<<"$(probes)"
put "$tmp/hang8081" hang
put "$tmp/hang4445" hang
wait_for "[ \"\$(field $VIP:8081 198.18.0.13 health)\" = down ]" 10
read -r w1 c1 lat1 hung1 <<<"$(probes)"
h3=$(field $VIP:8081 198.18.0.13 health)
l3=$(field $VIP:8081 198.18.0.13 last_check)
tap_check "[ '$h3' = down ] && [ '$l3' = timeout ] && [ $hung1 -ge 3 ]" \
	"be3 accepts on :8081 and :4445 and never answers: $h3, last check $l3, $hung1 agent probes hung in 2 s"
tap_diag "control: $c0 checks of be1 and be2 in $w0 ms, median latency $lat0 ms; be3's agent failed $hung0 times"
tap_check "[ $c0 -ge 10 ] && [ $((c1 * w0 * 10)) -ge $((c0 * w1 * 8)) ] && [ $lat1 -ge 0 ] && [ $lat1 -lt 50 ]" \
	"be1's and be2's 100 ms checks go on beside be3's hanging ones: $c1 in $w1 ms, against $c0 in $w0 ms beside answers (at least 80 % of that rate), median latency $lat1 ms (timeout 100)"
put "$tmp/hang8081" 200
put "$tmp/hang4445" up

# --- every backend down: fail open, or closed -------------------------------
tap_diag "t=${SECONDS}s"
put "$tmp/be1.code" 500
put "$tmp/be2.code" 500
t0=$EPOCHREALTIME
ms=$(wait_field "$VIP:8080" - health fail-open "$t0" 15)
in_count() {	# VIP:PORT -> backends in the table
	local a n=0

	for a in 198.18.0.11 198.18.0.12 198.18.0.13; do
		[ "$(field "$1" $a in_table)" = true ] && n=$((n + 1))
	done
	echo $n
}
in=$(in_count $VIP:8080)
st=$(ctl status)
tap_check "[ '$ms' != timeout ] && [ $in -ge 1 ] && grep -q 'EVERY BACKEND IS DOWN (3): failing open' '$log' && [[ \"\$st\" == *'every backend is down: failing open'* ]]" \
	"every backend of :8080 down: fails open after $ms ms, keeping the last table ($in in it), loud in the log and in status"
fails() {	# the stats file's failing_open and failing_closed of :8080, :80
	local v

	cp "$prom" "$tmp/snap.prom" 2>/dev/null || return 1
	for v in 8080 80; do
		awk -v o="xlb_vip_failing_open{proto=\"tcp\",vip=\"$VIP:$v\"}" \
		    -v c="xlb_vip_failing_closed{proto=\"tcp\",vip=\"$VIP:$v\"}" \
		    '$1 == o { a = $2 } $1 == c { b = $2 }
		     END { printf "%s/%s ", a, b }' "$tmp/snap.prom"
	done
}
lint() { promtool check metrics <"$tmp/snap.prom" 2>&1 | head -5; }
wait_for "[ \"\$(fails)\" = '1/0 0/0 ' ]" 5
f=$(fails)
l=$(lint)
tap_check "[ '$f' = '1/0 0/0 ' ] && [ -z '$l' ]" \
	"and in the stats file: failing open/closed of :8080 then :80 read '$f', promtool accepts it${l:+: $l}"
ctl health set tcp $VIP:8080 http path /x interval ${IV}ms timeout 150ms \
	rise $RISE fall $FALL fail-closed >/dev/null
in=$(in_count $VIP:8080)
tap_check "[ \"\$(field $VIP:8080 - health)\" = fail-closed ] && [ $in -eq 0 ]" \
	"with fail-closed the table is empty at once ($in in it)"
wait_for "[ \"\$(fails)\" = '0/1 0/0 ' ]" 5
f=$(fails)
tap_check "[ '$f' = '0/1 0/0 ' ]" \
	"the stats file follows: failing open/closed of :8080 then :80 read '$f'"
put "$tmp/be1.code" 200
t0=$EPOCHREALTIME
ms=$(wait_field "$VIP:8080" 198.18.0.11 in_table true "$t0" 15)
tap_check "[ '$ms' != timeout ] && [ \"\$(field $VIP:8080 - health)\" = ok ]" \
	"be1 answers 200 again: back after $ms ms, the VIP is ok"
wait_for "[ \"\$(fails)\" = '0/0 0/0 ' ]" 5
f=$(fails)
l=$(lint)
tap_check "[ '$f' = '0/0 0/0 ' ] && [ -z '$l' ]" \
	"and the stats file reads '$f' again, accepted by promtool${l:+: $l}"
[ "$ms" != timeout ] || dump_log 30
tap_check "ctl save | grep -qx 'health tcp $VIP:8080 http interval ${IV}ms timeout 150ms rise $RISE fall $FALL path /x fail-closed'" \
	"save writes the check back"

# --- restart: serving backends start up ------------------------------------
tap_diag "t=${SECONDS}s"
kill -9 "$xlbd_pid"
wait "$xlbd_pid" 2>/dev/null
: >"$log"
start_xlbd
all_in $VIP:80 198.18.0.11 198.18.0.12 198.18.0.13
r=$?
sleep 0.5	# several check intervals: a wrong start would show by now
tap_check "[ $r -eq 0 ] && ! grep -q 'of tcp $VIP:80: unknown' '$log' && all_in $VIP:80 198.18.0.11 198.18.0.12 198.18.0.13" \
	"after kill -9 and a restart the serving backends stay in the table (no unknown state)"
tap_check "! grep -q 'EVERY BACKEND' '$log'" "no VIP fails open after the restart"

ctl shutdown >/dev/null
wait_for "! kill -0 $xlbd_pid" 10
tap_diag "t=${SECONDS}s"
lab_down
tap_done
