#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make demo: xlb's main job, narrated, in the namespace lab (scripts/lab.sh
# up --lb2): a client, two load balancers, three backends with nginx and
# xlb-decap. Every claim printed is checked; the demo exits non-zero if a
# step did not behave as narrated. Everything it starts is stopped and the
# lab removed on exit, Ctrl-C included. Needs root and a built tree.
#
#   scripts/demo.sh        (LAB_PREFIX, default xlb, names the namespaces)
set -u

ROOT=$(cd "$(dirname "$0")/.." && pwd)
B=${XLB_BUILD:-$ROOT/build}
export LAB_PREFIX=${LAB_PREFIX:-xlb}
export XLB_BUILD=$B
LAB=$ROOT/scripts/lab.sh
TRAFFIC=$ROOT/tests/e2e/traffic.py
FAILOVER=$ROOT/tests/e2e/failover.py
ADV=50			# VRRP advert interval, ms
N=60			# new connections per VIP in the balance step
KA=60			# requests, 0.2 s apart, per keep-alive connection
# The system's python starts fastest (a version manager's shim can take
# seconds on a busy host).
PY=python3
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3

# in_ns, bg_in_ns, reap, wait_for and BG_PIDS
# shellcheck source=nslib.sh
. "$ROOT/scripts/nslib.sh"
BAL6=()
FAILED=0
SKIPPED=()
LAB_OWNED=0
T0=$SECONDS

cleanup() {
	trap - EXIT INT TERM
	reap "${BG_PIDS[@]}"
	BG_PIDS=()
	[ "$LAB_OWNED" -eq 1 ] && "$LAB" down
	LAB_OWNED=0
}

interrupted() {
	echo
	echo "interrupted: cleaning up"
	cleanup
	exit 130
}

# ---- output ------------------------------------------------------------

TTY=0
[ -t 1 ] && TTY=1

STEP=0
step() {	# TITLE: the lab is step 0, the others count from 1
	echo
	echo "== $STEP. $*"
	STEP=$((STEP + 1))
}

say() {
	echo "   $*"
}

ok() {
	echo "   ok: $*"
}

bad() {
	echo "   FAILED: $*"
	FAILED=$((FAILED + 1))
}

# Stop here: nothing after this step can mean anything.
abort() {
	bad "$*"
	echo
	echo "demo aborted after $((SECONDS - T0)) s"
	exit 1
}

now_ms() {
	echo $((${EPOCHREALTIME/./} / 1000))
}

# wait_progress MSG TIMEOUT CMD: poll CMD (a string) every 0.1 s for at
# most TIMEOUT seconds; a progress line shows the time waited. Prints the
# outcome and sets WAITED (seconds, one decimal). Returns CMD's success.
WAITED=0
wait_progress() {
	local msg=$1 t=$2 cmd=$3 start now ms rc=1

	start=$(now_ms)
	while :; do
		if eval "$cmd" >/dev/null 2>&1; then
			rc=0
			break
		fi
		now=$(now_ms)
		[ $((now - start)) -ge $((t * 1000)) ] && break
		[ $TTY -eq 1 ] && printf '\r   %s ... %d.%d s ' "$msg" \
			$(((now - start) / 1000)) $(((now - start) % 1000 / 100))
		sleep 0.1
	done
	ms=$(($(now_ms) - start))
	WAITED=$((ms / 1000)).$((ms % 1000 / 100))
	[ $TTY -eq 1 ] && printf '\r\033[K'
	if [ $rc -eq 0 ]; then
		echo "   $msg ... $WAITED s"
	else
		echo "   $msg ... gave up after $WAITED s"
	fi
	return $rc
}

# ---- the lab -----------------------------------------------------------

ctl() {	# HOST ARGS...
	local h=$1

	shift
	"$B/xlbctl" -s "$LAB_RUN/$h.sock" "$@"
}

# Field FIELD ("flows", "state", "health") of backend ADDR of VIP (as
# xlbctl prints them) on HOST; empty if the backend has no such field.
be_field() {	# HOST VIP ADDR FIELD
	ctl "$1" -j status | "$PY" -c '
import json, sys
d = json.load(sys.stdin)
for v in d["vips"]:
    if v["vip"] == sys.argv[1]:
        for b in v["backends"]:
            if b["addr"] == sys.argv[2]:
                print(b.get(sys.argv[3], ""))' "$2" "$3" "$4"
}

vrrp_state() {	# HOST: state of vrrp 1 (IPv4)
	ctl "$1" -j vrrp show | "$PY" -c '
import json, sys
for i in json.load(sys.stdin)["instances"]:
    if i["vrid"] == 1 and i["family"] == "ipv4":
        print(i["state"])'
}

# A word of xlb's grammar this build knows (xlbctl checks it locally).
has_word() {	# WORDS...
	! "$B/xlbctl" -s /nonexistent "$@" 2>&1 | grep -q "unknown word"
}

start_xlbd() {	# HOST
	local h=$1

	"$LAB" lb-config "$h" >"$LAB_RUN/$h.conf"
	if [ $HAS_VRRP -eq 1 ]; then
		# lb1 is the master; adverts every 50 ms.
		echo "vrrp 1 priority $([ "$h" = lb1 ] && echo 200 ||
			echo 100) advert ${ADV}ms" >>"$LAB_RUN/$h.conf"
	fi
	if [ $HAS_STATS -eq 1 ]; then
		echo "stats $LAB_RUN/$h.prom interval 1s" >>"$LAB_RUN/$h.conf"
	fi
	if [ $HAS_HEALTH -eq 1 ]; then
		cat >>"$LAB_RUN/$h.conf" <<-EOF
		health tcp $LAB_VIP4:80 http interval 200ms rise 2 fall 2
		health tcp [$LAB_VIP6]:80 http interval 200ms rise 2 fall 2
		EOF
	fi
	bg_in_ns "$h" env LIBXDP_BPFFS="$LAB_BPFFS" "$B/xlbd" \
		-c "$LAB_RUN/$h.conf" -s "$LAB_RUN/$h.sock" \
		-p "$LAB_BPFFS/$h" -S "$LAB_RUN/$h.state" \
		>"$LAB_RUN/$h.log" 2>&1
}

# ---- the steps ---------------------------------------------------------

# "ok NAME" lines of a traffic.py result -> "be1 be2 be3 failed" counts.
counts() {	# FILE
	local f=$1

	echo "$(grep -c '^ok be1$' "$f") $(grep -c '^ok be2$' "$f")" \
	     "$(grep -c '^ok be3$' "$f") $(grep -c '^fail' "$f")"
}

do_balance() {
	local v f c ok=0 row

	step "Balance: $N new connections to each VIP, from the client"
	for v in "$LAB_VIP4" "$LAB_VIP6"; do
		f=$LAB_RUN/balance.${v//:/_}
		in_ns client "$PY" "$TRAFFIC" count "$v" "$f" $N
	done
	printf '   %-20s %5s %5s %5s %7s\n' VIP be1 be2 be3 failed
	for v in "$LAB_VIP4" "$LAB_VIP6"; do
		f=$LAB_RUN/balance.${v//:/_}
		c=$(counts "$f")
		row=$v:80
		[[ $v == *:* ]] && row="[$v]:80"
		# shellcheck disable=SC2086 # c is four numbers
		printf '   %-20s %5s %5s %5s %7s\n' "$row" $c
		# shellcheck disable=SC2086
		set -- $c
		[[ $v == *:* ]] && BAL6=("$1" "$2" "$3")
		[ "$1" -gt 0 ] && [ "$2" -gt 0 ] && [ "$3" -gt 0 ] &&
			[ "$4" -eq 0 ] && [ $(($1 + $2 + $3)) -eq $N ] &&
			ok=$((ok + 1))
	done
	if [ $ok -eq 2 ]; then
		ok "both VIPs spread over all three backends, no failure"
	else
		bad "expected $N answers per VIP from all three backends;" \
		    "first failure: $(grep -h -m1 '^fail' \
			"$LAB_RUN"/balance.* | head -1)"
	fi
}

do_drain() {
	local i best='' bestn=-1 b n r after name vip=$LAB_VIP4:80 kabad=0
	local ondrained done_n f

	step "Drain a backend under load"
	# Six long keep-alive connections ...
	for i in 1 2 3 4 5 6; do
		rm -f "$LAB_RUN/ka$i"
		bg_in_ns client "$PY" "$TRAFFIC" ka "$LAB_VIP4" \
			"$LAB_RUN/ka$i" $KA 0.2
	done
	wait_progress "opening 6 keep-alive connections" 20 \
		"[ \$(in_ns client ss -tnH state established dst $LAB_VIP4 |
			wc -l) -ge 6 ]" ||
		bad "the keep-alive connections did not come up"
	# Step 1's connections linger as closing flows for a few seconds;
	# once they age out, the live flows are the keep-alive ones.
	wait_progress "waiting for step 1's closed connections to age out" 10 \
		"[ \$(( \$(be_field lb1 $vip 198.18.0.11 flows) +
			\$(be_field lb1 $vip 198.18.0.12 flows) +
			\$(be_field lb1 $vip 198.18.0.13 flows) )) -eq 6 ]" ||
		bad "live flows did not settle to the 6 keep-alive connections"
	for b in 198.18.0.11 198.18.0.12 198.18.0.13; do
		n=$(be_field lb1 "$vip" $b flows)
		[ "${n:-0}" -gt "$bestn" ] && best=$b bestn=$n
	done
	# ... and a stream of new connections.
	rm -f "$LAB_RUN/load" "$LAB_RUN"/load.*
	bg_in_ns client "$PY" "$TRAFFIC" loop "$LAB_VIP4" "$LAB_RUN/load" 40
	wait_progress "starting a stream of new connections" 10 \
		"[ \$(cat $LAB_RUN/load.count 2>/dev/null || echo 0) -ge 50 ]" ||
		bad "the stream of new connections did not start"
	name=be${best##*.1}
	say "$name ($best) holds $bestn of the keep-alive connections;" \
	    "draining it:"
	say "\$ xlbctl backend drain tcp $vip $best"
	ctl lb1 backend drain tcp "$vip" "$best" >/dev/null ||
		bad "xlbctl backend drain failed"
	touch "$LAB_RUN/load.mark"
	n=$(be_field lb1 "$vip" "$best" flows)
	if [ "$(be_field lb1 "$vip" "$best" state)" = draining ]; then
		ok "$name is draining: $n live flows, no new ones," \
		   "its connections go on"
	else
		bad "xlbctl status does not show $name draining"
	fi
	if wait_progress "waiting for $name's live flows to reach 0" 20 \
		"[ \$(be_field lb1 $vip $best flows) -eq 0 ]"; then
		ok "$name has no live flow left (after $WAITED s)"
	else
		bad "$name still has $(be_field lb1 "$vip" "$best" flows) live flows"
	fi
	touch "$LAB_RUN/load.stop"
	for ((i = 0; i < 100; i++)); do
		done_n=0
		for f in "$LAB_RUN"/ka1 "$LAB_RUN"/ka2 "$LAB_RUN"/ka3 \
			 "$LAB_RUN"/ka4 "$LAB_RUN"/ka5 "$LAB_RUN"/ka6 \
			 "$LAB_RUN"/load; do
			[ -e "$f" ] && done_n=$((done_n + 1))
		done
		[ $done_n -eq 7 ] && break
		sleep 0.1
	done
	ondrained=0
	for i in 1 2 3 4 5 6; do
		read -r r b n <"$LAB_RUN/ka$i" 2>/dev/null || r=missing
		if [ "$r" != ok ] || [ "$n" != $KA ]; then
			kabad=$((kabad + 1))
		fi
		[ "$b" = "$name" ] && ondrained=$((ondrained + 1))
	done
	r=$(sed -n 's/^done //p' "$LAB_RUN/load")
	n=$(sed -n 's/^mark //p' "$LAB_RUN/load")
	after=$(grep -E '^(ok|fail) ' "$LAB_RUN/load" | tail -n +$((n + 1)) |
		grep -c "^ok $name\$")
	say "load: ${r% *} requests answered, ${r#* } failed;" \
		"$after new connections reached $name after the drain"
	say "keep-alive connections: $((6 - kabad)) of 6 completed $KA" \
	    "requests each, $ondrained of them on $name"
	if [ "${r#* }" = 0 ] && [ "$after" -eq 0 ] && [ $kabad -eq 0 ] &&
	   [ $ondrained -eq "$bestn" ]; then
		ok "zero failed requests; $name's connections finished there"
	else
		bad "failed requests: ${r#* }, to $name after drain: $after," \
			"broken keep-alive connections: $kabad"
	fi
	say "\$ xlbctl backend undrain tcp $vip $best   (back in service)"
	ctl lb1 backend undrain tcp "$vip" "$best" >/dev/null ||
		bad "undrain failed"
}

do_health() {
	local vip=$LAB_VIP4:80 pid r n after failed line

	step "A backend dies: the health checks take it out"
	say "every backend is checked with GET / every 200 ms;" \
	    "2 failures take it out, 2 successes bring it back"
	rm -f "$LAB_RUN/hload" "$LAB_RUN"/hload.*
	bg_in_ns client "$PY" "$TRAFFIC" loop "$LAB_VIP4" "$LAB_RUN/hload" 40
	wait_progress "starting a stream of new connections" 10 \
		"[ \$(cat $LAB_RUN/hload.count 2>/dev/null || echo 0) -ge 50 ]" ||
		bad "the stream of new connections did not start"
	pid=$(cat "$LAB_RUN/be3/nginx.pid")
	say "\$ kill $pid        (be3's nginx)"
	kill "$pid"
	if wait_progress "waiting for lb1 and lb2 to mark be3 down" 10 \
		"[ \$(be_field lb1 $vip 198.18.0.13 health) = down ] &&
		 [ \$(be_field lb2 $vip 198.18.0.13 health) = down ]"; then
		ok "be3 is down on both load balancers after $WAITED s"
	else
		bad "be3 is not down on both load balancers"
	fi
	line=$(grep -m1 "198.18.0.13 of tcp $vip: up -> down" \
		"$LAB_RUN/lb1.log")
	[ -n "$line" ] && say "lb1's log: ${line#xlbd: }"
	touch "$LAB_RUN/hload.mark"
	n=$(($(cat "$LAB_RUN/hload.count") + 100))
	wait_progress "100 more new connections" 20 \
		"[ \$(cat $LAB_RUN/hload.count) -ge $n ]"
	touch "$LAB_RUN/hload.stop"
	wait_progress "stopping the load" 10 "[ -e '$LAB_RUN/hload' ]" \
		>/dev/null
	r=$(sed -n 's/^done //p' "$LAB_RUN/hload")
	n=$(sed -n 's/^mark //p' "$LAB_RUN/hload")
	failed=$(head -n "$n" "$LAB_RUN/hload" | grep -c '^fail')
	after=$(grep -E '^(ok|fail) ' "$LAB_RUN/hload" | tail -n +$((n + 1)))
	say "load: ${r% *} answered; $failed failed before the checks" \
	    "noticed (connections to be3 were refused)"
	if [ -n "$after" ] && ! grep -q '^fail' <<<"$after" &&
	   ! grep -q '^ok be3$' <<<"$after"; then
		ok "after that, $(wc -l <<<"$after") new connections:" \
		   "none failed, none went to be3"
	else
		bad "after be3 went down: $(grep -c '^fail' <<<"$after")" \
		    "failed, $(grep -c '^ok be3$' <<<"$after") went to be3"
	fi
	say "\$ nginx -c \$LAB_RUN/be3/nginx.conf        (be3 restarted)"
	in_ns be3 nginx -c "$LAB_RUN/be3/nginx.conf" ||
		bad "restarting be3's nginx failed"
	if wait_progress "waiting for the checks to bring be3 back" 10 \
		"[ \$(be_field lb1 $vip 198.18.0.13 health) = up ] &&
		 [ \$(be_field lb2 $vip 198.18.0.13 health) = up ]"; then
		ok "be3 is back in service on both after $WAITED s"
	else
		bad "be3 did not come back"
	fi
}

do_failover() {
	local vip=$LAB_VIP4 g ka1 ka bound=$((3 * ADV + 100))

	step "Failover: the active load balancer's link is cut"
	say "lb1 is VRRP master (priority 200) and holds the VIPs; lb2 is" \
	    "backup (100); adverts every ${ADV} ms"
	rm -f "$LAB_RUN"/fo.* "$LAB_RUN"/foka*
	bg_in_ns client "$PY" "$FAILOVER" ka "$vip" "$LAB_RUN/foka"
	wait_progress "opening a keep-alive connection (one request)" 10 \
		"[ -e '$LAB_RUN/foka.1' ]" ||
		bad "the keep-alive connection did not answer"
	ka1=$(cat "$LAB_RUN/foka.1" 2>/dev/null)
	# 300 connections 20 ms apart; 200 ms to connect or it failed.
	bg_in_ns client "$PY" "$FAILOVER" tick "$vip" "$LAB_RUN/fo" 300 20 200
	wait_progress "a new connection every 20 ms" 10 \
		"[ \$(cat $LAB_RUN/fo.count 2>/dev/null || echo 0) -ge 30 ]" ||
		bad "the connection ticker did not start"
	say "\$ ip -n $LAB_PREFIX-sw link set lb1 down   (lb1's switch port)"
	ip -n "$LAB_PREFIX-sw" link set lb1 down
	if wait_progress "waiting for lb2 to take over" 5 \
		"[ \$(vrrp_state lb2) = master ]"; then
		ok "lb2 is master and holds the VIPs"
	else
		bad "lb2 did not become master"
	fi
	touch "$LAB_RUN/fo.stop"
	wait_progress "collecting the connection results" 15 \
		"[ -e '$LAB_RUN/fo' ]" >/dev/null
	g=$(awk '$1 == "gap" { print $2 }' "$LAB_RUN/fo")
	say "new connections: $(sed -n 's/^done //p' "$LAB_RUN/fo" |
		awk '{ print $1 " ok, " $2 " failed during the switch" }')"
	say "the longest interruption: ${g:-?} ms"
	if [ -n "$g" ] && [ "$g" -lt $bound ]; then
		ok "interruption ${g} ms < 3 x advert + 100 ms = $bound ms"
	else
		bad "interruption ${g:-?} ms, expected under $bound ms"
	fi
	touch "$LAB_RUN/foka.go"
	wait_progress "a second request on the keep-alive connection" 10 \
		"[ -e '$LAB_RUN/foka' ]" >/dev/null
	ka=$(tr '\n' ' ' <"$LAB_RUN/foka" 2>/dev/null)
	if [ -n "$ka1" ] && [ "$ka" = "1 $ka1 2 $ka1 " ]; then
		ok "the connection opened before the cut still works through" \
		   "lb2, same backend ($ka1)"
	else
		bad "the established connection did not survive: ${ka:-none}"
	fi
	say "\$ ip -n $LAB_PREFIX-sw link set lb1 up"
	ip -n "$LAB_PREFIX-sw" link set lb1 up
	if wait_progress "waiting for lb1 to take the VIPs back" 10 \
		"[ \$(vrrp_state lb1) = master ] &&
		 [ \$(vrrp_state lb2) = backup ]"; then
		ok "lb1 is master again (higher priority, preempts)"
	else
		bad "lb1 did not take over again"
	fi
}

# The value of the sample NAME{LABELS} in FILE ("" if absent).
sample() {	# FILE NAME [LABELS]
	awk -v k="$2${3:+{$3\}}" '$1 == k { print $2 }' "$1"
}

do_stats() {
	local f=$LAB_RUN/lb1.prom v6="[$LAB_VIP6]:80" i b n t want got=""
	local l='proto="tcp",vip="'"$v6"'"'

	step "The stats file (Prometheus text, for node_exporter)"
	say "lb1 writes $f every second (config: stats FILE interval 1s)"
	# A file written after this point shows the state the steps left.
	t=$(date +%s)
	wait_progress "waiting for the next write" 5 \
		"[ \$(sample $f xlb_stats_write_timestamp_seconds |
		     cut -d. -f1) -gt $t ]" || bad "no new stats file within 5 s"
	say "an excerpt:"
	grep -E '^xlb_(backend_new_flows_total|vip_new_flows_total)\{.*\[' \
		"$f" | sed 's/^/     /'
	grep -E '^xlb_(backend_up|backend_active_flows)\{.*198\.18\.0\.13"' \
		"$f" | sed 's/^/     /'
	grep -E '^xlb_(packets_total|drops_total|conntrack_entries|vrrp_state)' \
		"$f" | grep -v ' 0$' | sed 's/^/     /'
	tail -1 "$f" | sed 's/^/     /'
	# Step 1's 60 IPv6 connections are the only flows of that VIP, and
	# lb1 forwarded them all: the file must count exactly those.
	want="${BAL6[0]} ${BAL6[1]} ${BAL6[2]}"
	for i in 1 2 3; do
		b=2001:db8::1$i
		n=$(sample "$f" xlb_backend_new_flows_total "$l,backend=\"$b\"")
		got="$got${got:+ }${n:-?}"
	done
	n=$(sample "$f" xlb_vip_new_flows_total "$l")
	if [ "$got" = "$want" ] && [ "$n" = $N ]; then
		ok "new flows of $v6 per backend: $got, as counted in step 1;" \
		   "$n in all"
	else
		bad "new flows of $v6: file $got (VIP ${n:-?})," \
		    "step 1 counted $want ($N)"
	fi
	if [ $HAS_HEALTH -eq 1 ]; then
		n=$(sample "$f" xlb_backend_up \
			'proto="tcp",vip="'"$LAB_VIP4"':80",backend="198.18.0.13"')
		if [ "$n" = 1 ]; then
			ok "xlb_backend_up says be3 is up again (1), as step 3 left it"
		else
			bad "xlb_backend_up of be3 is ${n:-absent}, expected 1"
		fi
	fi
	if [ $HAS_VRRP -eq 1 ]; then
		n=$(sample "$f" xlb_vrrp_state 'vrid="1"')
		if [ "$n" = 2 ]; then
			ok "xlb_vrrp_state says lb1 is master (2)"
		else
			bad "xlb_vrrp_state of lb1 is ${n:-absent}, expected 2"
		fi
	fi
	if tail -1 "$f" | grep -q '^xlb_stats_write_timestamp_seconds '; then
		ok "the file is complete (its last line is the write time)"
	else
		bad "the file does not end with its write time"
	fi
}

main() {
	local h

	[ "$(id -u)" -eq 0 ] || { echo "demo: needs root" >&2; exit 1; }
	for f in xlbd xlbctl xlb-decap xlb.bpf.o pass.bpf.o; do
		[ -e "$B/$f" ] || { echo "demo: $B/$f missing (make)" >&2
			exit 1; }
	done
	if [ -e "/run/netns/$LAB_PREFIX-sw" ]; then
		echo "demo: lab '$LAB_PREFIX' is up; scripts/lab.sh down first" \
			"(or LAB_PREFIX=other)" >&2
		exit 1
	fi
	HAS_HEALTH=0
	has_word health show && HAS_HEALTH=1
	HAS_STATS=0
	has_word stats && HAS_STATS=1
	HAS_VRRP=0
	has_word vrrp show && [ -e "$FAILOVER" ] && HAS_VRRP=1
	trap cleanup EXIT
	trap interrupted INT TERM
	eval "$("$LAB" env)"

	echo "xlb demo: a client, two xlb load balancers, three backends in" \
	     "network namespaces '$LAB_PREFIX-*'"
	echo "(Ctrl-C stops it and removes everything)"
	step "Lab and daemons"
	LAB_OWNED=1
	# With VRRP, xlbd puts the VIPs on the master; else the lab on lb1.
	local upopt=(--lb2)
	[ $HAS_VRRP -eq 1 ] && upopt+=(--no-vip)
	"$LAB" up "${upopt[@]}" >/dev/null 2>"/tmp/$LAB_PREFIX-demo-up.$$" &
	h=$!
	# Cleanup waits for it: a lab half built after `down` would stay.
	BG_PIDS+=("$h")
	wait_progress "building the lab (scripts/lab.sh up --lb2)" 60 \
		"! kill -0 $h" || abort "lab up did not finish"
	wait $h || { cat "/tmp/$LAB_PREFIX-demo-up.$$" >&2
		rm -f "/tmp/$LAB_PREFIX-demo-up.$$"
		abort "scripts/lab.sh up --lb2 failed"; }
	rm -f "/tmp/$LAB_PREFIX-demo-up.$$"
	say "client 198.18.0.1   lb1 198.18.0.2   lb2 198.18.0.3" \
	    "  be1..be3 198.18.0.11-13 (+ 2001:db8::)"
	say "VIPs $LAB_VIP4 and $LAB_VIP6 port 80; backends run nginx" \
	    "and xlb-decap"
	for h in lb1 lb2; do
		start_xlbd $h
	done
	wait_progress "starting xlbd on lb1 and lb2" 20 \
		"ctl lb1 vip list && ctl lb2 vip list" ||
		abort "xlbd did not start (logs: $LAB_RUN/lb?.log)"
	if [ $HAS_VRRP -eq 1 ]; then
		wait_progress "VRRP: lb1 master, lb2 backup" 10 \
			"[ \$(vrrp_state lb1) = master ] &&
			 [ \$(vrrp_state lb2) = backup ]" ||
			abort "VRRP did not elect lb1"
	fi
	ctl lb1 vip list | sed 's/^/   /'

	do_balance
	do_drain
	if [ $HAS_HEALTH -eq 1 ]; then
		do_health
	else
		SKIPPED+=("health checks")
	fi
	if [ $HAS_VRRP -eq 1 ]; then
		do_failover
	else
		SKIPPED+=("VRRP failover")
	fi
	if [ $HAS_STATS -eq 1 ]; then
		do_stats
	else
		SKIPPED+=("stats file")
	fi

	echo
	if [ ${#SKIPPED[@]} -gt 0 ]; then
		echo "not shown (not in this build): ${SKIPPED[*]}"
	fi
	if [ $FAILED -eq 0 ]; then
		echo "demo done in $((SECONDS - T0)) s: every step behaved as" \
		     "narrated"
	else
		echo "demo done in $((SECONDS - T0)) s: $FAILED check(s) FAILED"
	fi
	[ $FAILED -eq 0 ]
}

main "$@"
