#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Failover with a peer: lb1 (priority 200) and lb2 (priority 100) run xlbd
# with the same config and hash seed, VRRP adverts every 50 ms, no VIP
# address on either at the start (VRRP puts them on the master). Checks
# the election and the addresses, that the master's IPv6 VIP is never the
# source of its own connections (its IPv6 health checks keep passing),
# the stats files (VRRP state, priority, adverts, promtool), a planned
# switchover with vrrp priority, track-vips with a VIP failing open (and
# xlb_vrrp_priority following it), the master's link failing (its switch
# port goes down: carrier loss, as a pulled cable or a dead switch port)
# while a client opens a connection every 20 ms: the longest interruption
# must stay under 3 x advert + 100 ms; an idle keep-alive connection
# carries a request after the failover and the same backend answers; the
# link back (lb1 preempts) must interrupt no longer; nopreempt after a
# reload keeps lb2 master; a partition makes both masters and healing
# leaves one within 3 x advert; bad adverts are counted by reason (vrrp
# show, and exactly in the stats file); notify gets numbered transitions;
# SIGTERM hands over at once.
#
# Master_Down_Interval at 50 ms: 3 x 50 + skew, the skew being
# (256 - priority) x 50 / 256 ms: 180 ms for lb2 (priority 100).
set -u
export LAB_PREFIX=wv$$
. "$(dirname "$0")/../lib.sh"

ADV=50			# advert interval, ms
BOUND=$((3 * ADV + 100))	# longest interruption allowed, ms
HC_IV=100		# IPv6 health check interval, ms
VIP=$LAB_VIP4
FO=$(cd "$(dirname "$0")" && pwd)/failover.py

[ "$(id -u)" -eq 0 ] || tap_bail "running as root" "e2e tests need root"
for f in xlbd xlbctl xlb-decap pass.bpf.o xlb.bpf.o; do
	[ -e "$XLB_BUILD/$f" ] || tap_bail "$f built" "$XLB_BUILD/$f missing"
done
for t in promtool jq nft curl python3; do
	command -v $t >/dev/null || tap_bail "$t installed" "$t missing"
done

lab_up --lb2 --no-vip || tap_bail "lab up" "scripts/lab.sh up failed"
tap_ok "lab up: client, lb1, lb2, be1..be3, no VIP address on the LBs"

tmp=$LAB_RUN/ftest
mkdir -p "$tmp"
cat >"$tmp/notify.sh" <<'EOF'
#!/bin/sh
echo "$XLB_VRRP_TIME_MS $1 $2 $3 $XLB_VRRP_FAMILY $XLB_VRRP_FROM" >>"$0.$XLB_LB"
EOF
chmod +x "$tmp/notify.sh"

write_conf() {	# HOST PRIO [EXTRA]
	local h=$1 n peer

	n=$([ "$h" = lb1 ] && echo 2 || echo 3)
	peer=$([ "$h" = lb1 ] && echo 3 || echo 2)
	cat >"$tmp/$h.conf" <<-EOF
	interface eth0
	encap-source 198.18.0.$n
	encap-source 2001:db8::$n
	hash-seed 42
	vip add tcp $VIP:80
	backend add tcp $VIP:80 198.18.0.11
	backend add tcp $VIP:80 198.18.0.12
	backend add tcp $VIP:80 198.18.0.13
	vip add tcp [$LAB_VIP6]:80
	backend add tcp [$LAB_VIP6]:80 2001:db8::11
	backend add tcp [$LAB_VIP6]:80 2001:db8::12
	health tcp [$LAB_VIP6]:80 tcp interval ${HC_IV}ms timeout 50ms
	stats $tmp/$h.prom interval 100ms
	vrrp 1 priority $2 advert ${ADV}ms track-vips 150 notify $tmp/notify.sh ${3:-}
	vrrp 2 priority $2 advert ${ADV}ms peer 198.18.0.$peer address 198.18.0.101
	EOF
}

declare -A PID=()
start_xlbd() {	# HOST
	bg_in_ns "$1" env XLB_LB="$1" LIBXDP_BPFFS="$LAB_BPFFS" \
		"$XLB_BUILD/xlbd" -v -c "$tmp/$1.conf" -s "$tmp/$1.sock" \
		-p "$LAB_BPFFS/$1" -S "$tmp/$1.state" >>"$tmp/$1.log" 2>&1
	PID[$1]=${BG_PIDS[-1]}
	wait_for "ctl $1 vip list" 20
}
ctl() {	# HOST ARGS...
	local h=$1

	shift
	"$XLB_BUILD/xlbctl" -s "$tmp/$h.sock" "$@"
}
# state HOST VRID FAMILY
state() {
	ctl "$1" -j vrrp show 2>/dev/null | jq -r --argjson v "$2" \
		--arg f "$3" '.instances[] | select(.vrid == $v and
		.family == $f) | .state'
}
is() {	# HOST VRID FAMILY STATE
	[ "$(state "$1" "$2" "$3")" = "$4" ]
}
all_are() {	# HOST STATE: every instance of HOST
	local n

	n=$(ctl "$1" -j vrrp show | jq --arg s "$2" \
		'[.instances[] | select(.state != $s)] | length')
	[ "$n" = 0 ]
}
drops() {	# HOST VRID REASON
	ctl "$1" -j vrrp show | jq --argjson v "$2" --arg r "$3" \
		'.instances[] | select(.vrid == $v and .family == "ipv4") |
		.drops[$r]'
}
has_addr() {	# HOST ADDR
	in_ns "$1" ip -o addr show dev eth0 | grep -qw "${2//./\\.}"
}
dump_log() {	# HOST
	sed "s/^/#   $1: /" "$tmp/$1.log" | grep -v xdp_metadata | tail -20
}
now_ms() {
	echo $((${EPOCHREALTIME/./} / 1000))
}

# --- grammar ---------------------------------------------------------------
write_conf lb1 200
out=$("$XLB_BUILD/xlbd" -n -c "$tmp/lb1.conf" 2>&1)
tap_check "[ '$out' = 'configuration OK' ]" "xlbd -n accepts the vrrp statements"
printf 'interface eth0\nvrrp 1 priority 255\n' >"$tmp/bad.conf"
out=$("$XLB_BUILD/xlbd" -n -c "$tmp/bad.conf" 2>&1)
want="$tmp/bad.conf:2: bad priority '255'; expected a number 1..254"
tap_check "[ \"\$out\" = \"\$want\" ]" \
	"a priority out of range is refused with FILE:LINE: $out"

# --- election ----------------------------------------------------------------
tap_diag "t=${SECONDS}s"
write_conf lb2 100
start_xlbd lb1 || { dump_log lb1; tap_bail "xlbd starts on lb1"; }
if wait_for "all_are lb1 master" 5; then
	tap_ok "lb1 alone becomes master of vrrp 1 (IPv4, IPv6) and 2"
else
	dump_log lb1
	tap_bail "lb1 alone becomes master of vrrp 1 (IPv4, IPv6) and 2"
fi
start_xlbd lb2 || { dump_log lb2; tap_bail "xlbd starts on lb2"; }
tap_check "wait_for 'all_are lb2 backup' 5 && all_are lb1 master" \
	"lb2 joins as backup of every instance"
m=$(ctl lb2 -j vrrp show | jq -r '.instances[0].master')
tap_check "[ '$m' = 198.18.0.2 ]" "lb2 follows master $m"
tap_check "has_addr lb1 $VIP && has_addr lb1 $LAB_VIP6 && has_addr lb1 198.18.0.101" \
	"lb1 holds the VIP addresses and vrrp 2's 198.18.0.101"
tap_check "! has_addr lb2 $VIP && ! has_addr lb2 $LAB_VIP6 && ! has_addr lb2 198.18.0.101" \
	"lb2 holds none of them"
out=$(ctl lb1 vrrp show | head -2 | tr -s ' ')
tap_check "[ '$out' = 'VRID FAMILY STATE PRIO MASTER ADVERT_MS TRANSITIONS DROPPED
1 ipv4 master 200 198.18.0.2 50 2 0' ]" "vrrp show prints the instances"
out=$( (ctl lb1 stats; ctl lb2 stats) |
	grep -E '^xlb_vrrp_(state|transitions_total|priority)\{' | tr '\n' ' ')
tap_check "[ '$out' = 'xlb_vrrp_state{vrid=\"1\"} 2 xlb_vrrp_state{vrid=\"2\"} 2 xlb_vrrp_transitions_total{vrid=\"1\"} 2 xlb_vrrp_transitions_total{vrid=\"2\"} 2 xlb_vrrp_priority{vrid=\"1\"} 200 xlb_vrrp_priority{vrid=\"2\"} 200 xlb_vrrp_state{vrid=\"1\"} 1 xlb_vrrp_state{vrid=\"2\"} 1 xlb_vrrp_transitions_total{vrid=\"1\"} 1 xlb_vrrp_transitions_total{vrid=\"2\"} 1 xlb_vrrp_priority{vrid=\"1\"} 100 xlb_vrrp_priority{vrid=\"2\"} 100 ' ]" \
	"stats: state, transitions and priority per VRID: $out"
# Adverts sent and received, as vrrp show counts them: the counters that
# stand still (lb1 hears no backup, lb2 sends nothing as one) are equal,
# the moving ones no higher than vrrp show's read just after; lb2 read
# first, so what it received cannot exceed what lb1 sent by then.
sample() {	# NAME{LABELS}: its value in the stats text on stdin
	awk -v k="$1" '$1 == k { print $2; f = 1 } END { if (!f) print "none" }'
}
adverts() {	# HOST: "SENT RECEIVED" of vrrp 1 in its stats, then vrrp show's
	local t

	t=$(ctl "$1" stats)
	echo "$(sample 'xlb_vrrp_adverts_sent_total{vrid="1"}' <<<"$t")" \
		"$(sample 'xlb_vrrp_adverts_received_total{vrid="1"}' <<<"$t")" \
		"$(ctl "$1" -j vrrp show | jq -r '.instances[] |
		select(.vrid == 1 and .family == "ipv4") |
		"\(.tx_adverts) \(.rx_adverts)"')"
}
read -r s2 r2 js2 jr2 <<<"$(adverts lb2)"
read -r s1 r1 js1 jr1 <<<"$(adverts lb1)"
tap_check "[ $s1 -gt 0 ] && [ $s1 -le $js1 ] && [ $r1 = $jr1 ] && [ $s2 = $js2 ] && [ $r2 -gt 0 ] && [ $r2 -le $jr2 ] && [ $r2 -le $s1 ]" \
	"stats: vrrp 1 adverts sent/received: lb1 $s1/$r1 (vrrp show $js1/$jr1), lb2 $s2/$r2 ($js2/$jr2)"
# The files xlbd writes: the master's state in it, and promtool's linter
# says nothing about either.
lint_prom() {	# HOST
	promtool check metrics <"$tmp/$1.prom" >"$tmp/$1.lint" 2>&1 &&
		[ ! -s "$tmp/$1.lint" ]
}
prom_state() {	# HOST STATE: vrrp 1's state in HOST's stats file
	grep -qxF "xlb_vrrp_state{vrid=\"1\"} $2" "$tmp/$1.prom"
}
tap_check "wait_for 'prom_state lb1 2 && prom_state lb2 1' 3 && lint_prom lb1 && lint_prom lb2" \
	"the stats files have the VRRP samples and pass promtool check metrics"
if wait_for "in_ns client curl -sf -m 1 http://$VIP/ | grep -qx 'be[123]'" 10
then
	tap_ok "the client reaches $VIP through lb1"
else
	dump_log lb1
	tap_bail "the client reaches $VIP through lb1"
fi

# --- the master's own IPv6 connections ---------------------------------------
# VRRP adds the IPv6 VIP deprecated (preferred_lft 0). A /128 VIP would
# otherwise be lb1's preferred source towards the backends (a longer
# match than its own /64), and the backends, which hold the VIP on lo,
# would answer themselves: IPv6 health checks from the master would fail.
tap_diag "t=${SECONDS}s"
out=$(in_ns lb1 ip -6 -o addr show dev eth0 to "$LAB_VIP6/128")
tap_check "[[ \"\$out\" == *' deprecated '* && \"\$out\" == *'valid_lft forever preferred_lft 0sec'* ]]" \
	"lb1 holds $LAB_VIP6 deprecated: $(echo ${out#*inet6 })"
out=$(in_ns lb1 ip -6 -o route get 2001:db8::11 | grep -o 'src [^ ]*')
tap_check "[ '$out' = 'src 2001:db8::2' ]" \
	"lb1's own IPv6 connections to the backends leave from 2001:db8::2: $out"
hc6() {	# HOST RESULT: IPv6 health checks with RESULT so far, all backends
	ctl "$1" stats | awk -v r="result=\"$2\"" '
		/^xlb_health_checks_total/ && index($0, r) &&
		index($0, "2001:db8::") { n += $2 } END { print n + 0 }'
}
hc6_up() {	# HOST: both IPv6 backends up
	[ "$(ctl "$1" -j health show tcp "[$LAB_VIP6]:80" |
	     jq '[.vips[0].backends[] | select(.health == "up")] | length')" = 2 ]
}
ok0=$(hc6 lb1 ok)
# Five more rounds (ten checks) while lb1 holds the VIP.
wait_for "[ \$(hc6 lb1 ok) -ge $((ok0 + 10)) ]" 3
ok1=$(hc6 lb1 ok)
bad=$(( $(hc6 lb1 fail) + $(hc6 lb1 timeout) ))
tap_check "[ $ok1 -ge $((ok0 + 10)) ] && [ $bad = 0 ] && hc6_up lb1" \
	"IPv6 health checks pass on the master holding $LAB_VIP6: ok $ok0 -> $ok1, failed $bad"

# --- bad adverts (sent to lb1 from the client) -------------------------------
# prom_drops HOST: "VRID REASON COUNT" of every drop sample in HOST's
# stats file; drops_delta HOST BEFORE: the non-zero rises since BEFORE
# (prom_drops' output), "VRID REASON +N, ..." in VRID and reason order.
prom_drops() {
	sed -n 's/^xlb_vrrp_adverts_dropped_total{vrid="\([0-9]*\)",reason="\([a-z]*\)"} \([0-9]*\)$/\1 \2 \3/p' \
		"$tmp/$1.prom"
}
drops_delta() {
	prom_drops "$1" | awk -v before="$2" '
	BEGIN {
		n = split(before, l, "\n")
		for (i = 1; i <= n; i++) {
			split(l[i], f, " ")
			b[f[1] " " f[2]] = f[3]
		}
	}
	$3 != b[$1 " " $2] + 0 { print $1, $2, "+" ($3 - b[$1 " " $2]) }' |
		sort | paste -sd, | sed 's/,/, /g'
}
tap_diag "t=${SECONDS}s"
before=$(prom_drops lb1)
tap_check "[ \$(echo '$before' | wc -l) = 26 ]" \
	"lb1's stats file has a drop sample for each of 13 reasons of vrrp 1 and 2"
in_ns client python3 "$FO" advert 198.18.0.1 198.18.0.2 1 64 3 1
in_ns client python3 "$FO" advert 198.18.0.1 198.18.0.2 9 255 2 1
in_ns client python3 "$FO" advert 198.18.0.1 198.18.0.2 2 255 4 1
wait_for "[ \$(drops lb1 2 peer) = 4 ]" 3
tap_check "[ \$(drops lb1 1 ttl) = 3 ]" "3 adverts with TTL 64: 'ttl' 3"
tap_check "[ \$(drops lb1 1 vrid) = 2 ] && [ \$(drops lb1 2 vrid) = 2 ]" \
	"2 adverts for VRID 9: 'vrid' 2 on each instance of the socket"
tap_check "[ \$(drops lb1 2 peer) = 4 ]" \
	"4 adverts from a stranger with a peer set: 'peer' 4"
tap_check "all_are lb1 master && all_are lb2 backup" \
	"dropped adverts change no state"
out=$(ctl lb1 vrrp show | grep '^vrrp 2 ')
tap_check "[ '$out' = 'vrrp 2 ipv4 on eth0: addresses 198.18.0.101; dropped: vrid 2, peer 4' ]" \
	"vrrp show lists the drop reasons: $out"
# Every advert is handled by now: the file's next write has them all.
want='1 ttl +3, 1 vrid +2, 2 peer +4, 2 vrid +2'
wait_for "[ \"\$(drops_delta lb1 \"\$before\")\" = '$want' ]" 3
out=$(drops_delta lb1 "$before")
tap_check "[ '$out' = '$want' ]" \
	"stats file: xlb_vrrp_adverts_dropped_total rises by the 9 bad adverts, by VRID and reason, no more: $out"

# --- planned switchover --------------------------------------------------------
tap_diag "t=${SECONDS}s"
out=$(ctl lb2 vrrp priority 9 250 2>&1)
tap_check "[ '$out' = 'xlbctl: no vrrp instance 9' ]" \
	"vrrp priority of an unknown VRID is refused: $out"
ctl lb2 vrrp priority 1 250 >/dev/null
tap_check "wait_for 'is lb2 1 ipv4 master && is lb1 1 ipv4 backup' 3 && has_addr lb2 $VIP" \
	"vrrp priority 1 250 on lb2: planned switchover to lb2"
ctl lb2 vrrp priority 1 100 >/dev/null
tap_check "wait_for 'is lb1 1 ipv4 master && is lb2 1 ipv4 backup' 3 && ! has_addr lb2 $VIP" \
	"back to 100: lb1 preempts again"

# --- track-vips: the master's VIP loses every backend -------------------------
# A check on a port nothing listens on fails for all three backends of
# lb1's IPv4 VIP. The VIP fails open (its last table stays, the backends
# keep their slots), yet its priority drops by 150 to 50 and lb2 (100)
# takes over; lb1's IPv6 VIP still has healthy backends.
prom_prio() {	# HOST VRID PRIO: xlb_vrrp_priority in HOST's stats file
	grep -qxF "xlb_vrrp_priority{vrid=\"$2\"} $3" "$tmp/$1.prom"
}
prio() {	# HOST VRID FAMILY
	ctl "$1" -j vrrp show | jq --argjson v "$2" --arg f "$3" \
		'.instances[] | select(.vrid == $v and .family == $f) |
		.priority'
}
ctl lb1 health set tcp $VIP:80 tcp port 9 interval 50ms timeout 40ms fall 2 >/dev/null
tap_check "wait_for 'is lb2 1 ipv4 master && is lb1 1 ipv4 backup' 5 && [ \$(prio lb1 1 ipv4) = 50 ] && [ \$(prio lb1 1 ipv6) = 200 ] && is lb1 1 ipv6 master" \
	"all of lb1's IPv4 backends down (failing open): priority 200 - 150, lb2 takes over"
tap_check "wait_for 'prom_prio lb1 1 50' 3" \
	"lb1's stats file: xlb_vrrp_priority of vrrp 1 (its IPv4 instance) is 50"
out=$(ctl lb1 -j health show tcp $VIP:80 | jq -r '.vips[0] | "\(.backends_up) \(.backends_down) \(.check.all_down)"')
tap_check "[ '$out' = '0 3 fail-open' ]" "lb1's health show: up, down, all down: $out"
ctl lb1 health set tcp $VIP:80 none >/dev/null
tap_check "wait_for 'is lb1 1 ipv4 master && is lb2 1 ipv4 backup' 3 && [ \$(prio lb1 1 ipv4) = 200 ]" \
	"check removed: priority 200 again, lb1 preempts"
tap_check "wait_for 'prom_prio lb1 1 200' 3" \
	"lb1's stats file: xlb_vrrp_priority of vrrp 1 is 200 again"

# --- the master's link fails ------------------------------------------------
tap_diag "t=${SECONDS}s"
wait_for "in_ns client curl -sf -m 1 http://$VIP/" 5
rm -f "$tmp/ka"*
bg_in_ns client python3 "$FO" ka "$VIP" "$tmp/ka"
wait_for "[ -e '$tmp/ka.1' ]" 5
ka1=$(cat "$tmp/ka.1" 2>/dev/null)

tick() {	# NAME: 150 connections, 20 ms apart, 200 ms connect timeout
	rm -f "$tmp/$1" "$tmp/$1".*
	bg_in_ns client python3 "$FO" tick "$VIP" "$tmp/$1" 150 20 200
}
tick_at() {	# NAME N: N connections started
	[ "$(cat "$tmp/$1.count" 2>/dev/null || echo 0)" -ge "$2" ]
}
gap() {	# NAME
	awk '$1 == "gap" { print $2 }' "$tmp/$1"
}

tick down
wait_for "tick_at down 30" 10
ip -n "$LAB_PREFIX-sw" link set lb1 down
t0=$(now_ms)
wait_for "is lb2 1 ipv4 master" 3
t1=$(now_ms)
wait_for "[ -e '$tmp/down' ]" 10
g1=$(gap down)
tap_diag "lb2 master after ~$((t1 - t0)) ms (polled); connections: $(tail -1 "$tmp/down"), client $(grep stall "$tmp/down") ms"
tap_diag "longest interruption: $g1 ms (bound $BOUND ms)"
tap_check "[ -n '$g1' ] && [ $g1 -lt $BOUND ] && is lb2 1 ipv6 master && has_addr lb2 $VIP" \
	"lb1's link down: lb2 takes over, longest interruption $g1 ms < $BOUND ms"
tap_check "wait_for 'is lb1 1 ipv4 init && ! has_addr lb1 $VIP' 2" \
	"lb1 stops its instances and releases the addresses"

touch "$tmp/ka.go"
wait_for "[ -e '$tmp/ka' ]" 5
ka=$(tr '\n' ' ' <"$tmp/ka" 2>/dev/null)
tap_check "[ -n '$ka1' ] && [ '$ka' = '1 $ka1 2 $ka1 ' ]" \
	"the idle keep-alive connection carries a request after the failover, same backend: $ka"

# --- the link comes back: lb1 preempts ----------------------------------------
tap_diag "t=${SECONDS}s"
tick up
wait_for "tick_at up 30" 10
ip -n "$LAB_PREFIX-sw" link set lb1 up
wait_for "is lb1 1 ipv4 master && is lb2 1 ipv4 backup" 3
wait_for "[ -e '$tmp/up' ]" 10
g2=$(gap up)
tap_diag "connections: $(tail -1 "$tmp/up"), client $(grep stall "$tmp/up") ms"
tap_diag "longest interruption at link back: $g2 ms"
tap_check "is lb1 1 ipv4 master && is lb2 1 ipv4 backup && has_addr lb1 $VIP && ! has_addr lb2 $VIP" \
	"link back: lb1 preempts"
tap_check "[ -n '$g2' ] && [ $g2 -le $g1 ] && [ $g2 -lt $BOUND ]" \
	"no interruption at link back longer than the first ($g2 <= $g1 ms)"

# --- notify --------------------------------------------------------------------
# The commands run concurrently, so lines may land out of order: sort by
# the transition number. Each transition once, numbered 1..N with N the
# count vrrp show gives, each leaving the state the one before entered.
n1=$(awk '$5 == "ipv4" && $3 == 1 { print $4, $6, $2 }' \
	"$tmp/notify.sh.lb1" | sort -n | awk '
	{ if ($1 != NR || (NR > 1 && $2 != prev)) bad = 1; prev = $3 }
	END { print (bad ? "bad" : NR) }')
nt=$(ctl lb1 -j vrrp show | jq '.instances[0].transitions')
seq=$(awk '$5 == "ipv4" && $3 == 1 { print $4, $2 }' "$tmp/notify.sh.lb1" |
	sort -n | awk '{ printf "%s/%s ", $2, $1 }')
tap_diag "lb1 vrrp 1 ipv4 notified: $seq"
tap_check "[ '$n1' = '$nt' ] && [[ '$seq' == 'backup/1 master/2 backup/3 master/4 '* ]] && [[ '$seq' == *'init/'*' backup/'*' master/$nt ' ]]" \
	"notify ran once per transition of lb1's vrrp 1, numbered 1..$nt"

# --- partition -----------------------------------------------------------------
tap_diag "t=${SECONDS}s"
for h in lb1 lb2; do
	in_ns $h nft -f - <<-EOF
	table inet wvpart {
		chain in { type filter hook input priority -300; meta l4proto 112 drop; }
	}
	EOF
done
tap_check "wait_for 'all_are lb1 master && all_are lb2 master' 3" \
	"adverts blocked both ways: both are masters"
# lb2 yields when it hears lb1 again, once its own rules are gone. Only
# the end of the nft command is known: measured from there, and from its
# start as the upper bound.
in_ns lb1 nft delete table inet wvpart
ts=$(now_ms)
in_ns lb2 nft delete table inet wvpart
t0=$(now_ms)
wait_for "all_are lb2 backup" 3
t1=$(awk -v t="$ts" '$1 >= t && $2 == "backup" && $5 == "ipv4" && $3 == 1 {
	print $1; exit }' "$tmp/notify.sh.lb2")
t1=${t1:-0}
tap_diag "healed: lb2 backup $((t1 - t0)) ms after lb2's rules were gone ($((t1 - ts)) ms after the nft command started)"
tap_check "[ $t1 -gt 0 ] && [ $((t1 - t0)) -lt $((3 * ADV)) ] && all_are lb1 master && all_are lb2 backup" \
	"healed: exactly one master within $((3 * ADV)) ms"

# --- nopreempt -----------------------------------------------------------------
tap_diag "t=${SECONDS}s"
write_conf lb1 200 nopreempt
kill -HUP "${PID[lb1]}"
tap_check "wait_for 'is lb2 1 ipv4 master && is lb1 1 ipv4 backup' 3" \
	"reload with nopreempt restarts vrrp 1 on lb1: lb2 takes over"
# Nothing to await: staying backup is the absence of an event. 0.5 s is
# 2.5 master-down intervals of lb1.
sleep 0.5
is lb1 1 ipv4 backup ||
	{ ctl lb1 vrrp show; ctl lb2 vrrp show; } | sed 's/^/#   /'
tap_check "is lb1 1 ipv4 backup && is lb2 1 ipv4 master && is lb1 2 ipv4 master" \
	"lb1 (200, nopreempt) stays backup of lb2 (100); vrrp 2 unchanged"
out=$(ctl lb1 save | grep '^vrrp 1 ')
tap_check "[ '$out' = 'vrrp 1 priority 200 advert 50ms nopreempt track-vips 150 notify $tmp/notify.sh' ]" \
	"save writes the vrrp statement: $out"

# --- SIGTERM hands over ---------------------------------------------------------
tap_diag "t=${SECONDS}s"
kill -TERM "${PID[lb2]}"
tap_check "wait_for 'is lb1 1 ipv4 master' 1 && ! has_addr lb2 $VIP" \
	"SIGTERM on lb2: it resigns, lb1 takes over"
wait_for "! kill -0 ${PID[lb2]}" 5
tap_check "in_ns client curl -sf -m 1 http://$VIP/ | grep -qx 'be[123]'" \
	"the client is served through lb1"

if [ "$TAP_FAILED" -gt 0 ]; then
	for h in lb1 lb2; do
		grep -E 'vrrp|SIGHUP|reload' "$tmp/$h.log" | tail -25 |
			sed "s/^/#   $h: /"
	done
fi
lab_down
tap_done
