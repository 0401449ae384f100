#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# xlbd's stats file in the namespace lab, under real traffic: promtool's
# linter accepts the file and xlbctl stats; a real node_exporter serves
# it; a VIP's packet counters rise by exactly the number of datagrams
# sent to it; a tight reader never sees a partial file while xlbd
# rewrites it every 10 ms; counters survive kill -9 and SIGHUP; the
# restart removes the temporary file a killed write leaves, and no
# temporary file stays behind; a new path or interval applies on SIGHUP;
# a write error is logged once.
# Every loop is bounded in count and time.
set -u
export LAB_PREFIX=ws$$
. "$(dirname "$0")/../lib.sh"

VIP=$LAB_VIP4
PROBE=$XLB_ROOT/tests/e2e/stats_probe.py
N=400			# datagrams of the exact count
NE_ADDR=127.0.0.1:9109	# node_exporter, on lb1's loopback

[ "$(id -u)" -eq 0 ] || tap_bail "running as root" "e2e tests need root"
for f in xlbd xlbctl xlb-decap pass.bpf.o xlb.bpf.o; do
	[ -e "$XLB_BUILD/$f" ] || tap_bail "$f built" "$XLB_BUILD/$f missing"
done
for t in promtool prometheus-node-exporter curl python3; do
	command -v $t >/dev/null || tap_bail "$t installed" "$t missing"
done

lab_up || tap_bail "lab up" "scripts/lab.sh up failed"
tap_ok "lab up: client, lb1, be1..be3"

lb1_setup stest
mkdir -p "$tmp/prom" "$tmp/prom2"
chmod 755 "$tmp" "$tmp/prom" "$tmp/prom2"
prom=$tmp/prom/xlb.prom
# The distribution's interpreter: version-manager shims start slowly.
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
probe() { "$PY" "$PROBE" "$@"; }

write_conf() {	# STATS-LINE; extra lines on stdin are appended
	cat >"$conf" <<-EOF
	interface eth0
	encap-source 198.18.0.2
	$1
	vip add tcp $VIP:80
	backend add tcp $VIP:80 198.18.0.11
	backend add tcp $VIP:80 198.18.0.12
	vip add udp $VIP:5353
	backend add udp $VIP:5353 198.18.0.11
	backend add udp $VIP:5353 198.18.0.12
	backend add udp $VIP:5353 198.18.0.13
	EOF
	cat >>"$conf"
}

ts() {	# FILE -> its write timestamp line's value
	tail -n 1 "$1" 2>/dev/null | awk '$1 == "xlb_stats_write_timestamp_seconds" { print $2 }'
}

# wait_write FILE: until FILE is rewritten (a new timestamp), 5 s at most
wait_write() {
	local old

	old=$(ts "$1")
	wait_for "[ -n \"\$(ts '$1')\" ] && [ \"\$(ts '$1')\" != '$old' ]" 5
}

# vsum FILE METRIC [LABEL=VALUE...]: the sum of METRIC's samples whose
# labels include the given ones, or "none" if there is no such sample.
vsum() {
	local f=$1 m=$2

	shift 2
	awk -v m="$m" -v want="$*" '
	BEGIN { n = split(want, w, " ") }
	/^#/ { next }
	{
		name = $1
		sub(/[{].*/, "", name)
		if (name != m)
			next
		for (i = 1; i <= n; i++) {
			k = substr(w[i], 1, index(w[i], "=") - 1)
			v = substr(w[i], index(w[i], "=") + 1)
			pat = k "=\"" v "\""
			if (!index($1, "{" pat) && !index($1, "," pat))
				next
		}
		s += $2
		found = 1
	}
	END { if (found) printf "%.0f\n", s; else print "none" }' "$f"
}

lint() {	# FILE: promtool check metrics says nothing and succeeds
	promtool check metrics <"$1" >"$tmp/lint" 2>&1 && [ ! -s "$tmp/lint" ]
}

# --- start, real traffic, the linter ----------------------------------------
tap_diag "t=${SECONDS}s"
write_conf "stats $prom interval 100ms" </dev/null
if start_xlbd && wait_for "[ -s '$prom' ]" 5; then
	tap_ok "xlbd starts and writes $prom"
else
	dump_log
	tap_bail "xlbd starts and writes $prom"
fi
tap_check "grep -q 'stats: writing $prom every 100ms' '$log'" \
	"xlbd logs the stats file and its interval"
tap_check "[ \"\$(stat -c %a '$prom')\" = 644 ]" "the file has mode 0644"

tap_diag "t=${SECONDS}s"
ok=0
for i in $(seq 20); do
	in_ns client curl -sf -m 2 "http://$VIP/" | grep -qx 'be[12]' &&
		ok=$((ok + 1))
done
tap_check "[ $ok -eq 20 ]" "20 HTTP requests through the TCP VIP ($ok answered)"
wait_for "[ \"\$(vsum '$prom' xlb_vip_new_flows_total proto=tcp vip=$VIP:80)\" -ge 20 ]" 5
tap_diag "t=${SECONDS}s"
wait_write "$prom"
cp "$prom" "$tmp/traffic.prom"
if lint "$tmp/traffic.prom"; then
	tap_ok "promtool check metrics accepts the file written under traffic"
else
	tap_fail "promtool check metrics accepts the file written under traffic"
	sed 's/^/#   /' "$tmp/lint" | head
fi
v=$(vsum "$tmp/traffic.prom" xlb_vip_new_flows_total proto=tcp vip=$VIP:80)
tap_check "[ '$v' = 20 ]" "xlb_vip_new_flows_total of the TCP VIP is 20: $v"
v=$(vsum "$tmp/traffic.prom" xlb_backend_new_flows_total proto=tcp vip=$VIP:80)
tap_check "[ '$v' = 20 ]" "its backends' new flows add up to 20: $v"
v=$(vsum "$tmp/traffic.prom" xlb_packets_total action=tx)
tap_check "[ '$v' != none ] && [ '$v' -gt 0 ]" "xlb_packets_total{action=\"tx\"}: $v"

missing=
for fam in xlb_vip_packets_total xlb_vip_bytes_total xlb_vip_new_flows_total \
	xlb_vip_failing_open xlb_vip_failing_closed \
	xlb_backend_packets_total xlb_backend_bytes_total \
	xlb_backend_new_flows_total xlb_backend_active_flows xlb_backend_up \
	xlb_backend_weight xlb_backend_draining xlb_packets_total \
	xlb_drops_total xlb_conntrack_entries xlb_conntrack_capacity \
	xlb_conntrack_misses_total xlb_vrrp_state xlb_vrrp_transitions_total \
	xlb_vrrp_priority xlb_vrrp_adverts_sent_total \
	xlb_vrrp_adverts_received_total xlb_vrrp_adverts_dropped_total \
	xlb_health_checks_total xlb_build_info \
	xlb_stats_write_timestamp_seconds; do
	grep -q "^# TYPE $fam " "$tmp/traffic.prom" || missing="$missing $fam"
done
tap_check "[ -z '$missing' ]" "every family of the contract is in the file${missing:+; missing:$missing}"
v=$(vsum "$tmp/traffic.prom" xlb_conntrack_capacity)
tap_check "[ '$v' = $((4 << 20)) ]" "xlb_conntrack_capacity is the map's size: $v"
v=$(vsum "$tmp/traffic.prom" xlb_backend_weight proto=tcp vip=$VIP:80)
tap_check "[ '$v' = 200 ]" "effective weights of the TCP VIP add up to 200: $v"
v=$(vsum "$tmp/traffic.prom" xlb_backend_up)
tap_check "[ '$v' = 5 ]" "every backend is up: $v of 5"

# xlbctl stats: the same text at once.
tap_diag "t=${SECONDS}s"
ctl stats >"$tmp/ctl.prom"
rc=$?
tap_check "[ $rc -eq 0 ] && lint '$tmp/ctl.prom' && [ \"\$(grep -c '^# TYPE' '$tmp/ctl.prom')\" = \"\$(grep -c '^# TYPE' '$prom')\" ]" \
	"xlbctl stats prints the same families, accepted by promtool"
ctl -j stats >"$tmp/ctl.json"
tap_check "$PY -c 'import json,sys; t=json.load(open(\"$tmp/ctl.json\"))[\"text\"]; sys.exit(not t.startswith(\"# HELP xlb_vip_packets_total \"))'" \
	"xlbctl -j stats gives {\"text\": ...}"

# --- node_exporter --------------------------------------------------------------
tap_diag "t=${SECONDS}s"
bg_in_ns lb1 prometheus-node-exporter --collector.disable-defaults \
	--collector.textfile --collector.textfile.directory "$tmp/prom" \
	--web.listen-address "$NE_ADDR" >"$tmp/ne.log" 2>&1
url=http://$NE_ADDR/metrics
scrape() {
	in_ns lb1 curl -s -m 5 -o "$tmp/scrape" "$url" || echo error
	vsum "$tmp/scrape" "$@"
}
if wait_for "[ \"\$(scrape xlb_build_info)\" = 1 ]" 10; then
	tap_ok "node_exporter serves xlb_build_info from the textfile directory"
else
	tap_fail "node_exporter serves xlb_build_info from the textfile directory"
	sed 's/^/#   ne: /' "$tmp/ne.log" | tail -5
fi
# Families without samples (no VRRP here) are not served.
names() { grep -v '^#' | sed 's/[{ ].*//' | sort -u; }
in_ns lb1 curl -s -m 5 "$url" | grep '^xlb_' | names >"$tmp/ne.names"
names <"$prom" >"$tmp/file.names"
v=$(wc -l <"$tmp/ne.names")
tap_check "[ $v -gt 15 ] && cmp -s '$tmp/ne.names' '$tmp/file.names'" \
	"node_exporter serves every xlb family with samples: $v"
v=$(in_ns lb1 curl -s -m 5 "$url" | grep -c '^node_textfile_scrape_error 0$')
tap_check "[ '$v' = 1 ]" "node_exporter reads the file without error"

# --- exact packet counts --------------------------------------------------------
tap_diag "t=${SECONDS}s"
for h in be1 be2 be3; do
	bg_in_ns "$h" "$PY" "$PROBE" serve "$h" "$VIP" 5353 120
done
for h in be1 be2 be3; do
	wait_for "in_ns $h ss -Hlun 'sport = :5353' | grep -q 5353" 30
done
wait_write "$prom"
p0=$(vsum "$prom" xlb_vip_packets_total proto=udp vip=$VIP:5353)
b0=$(vsum "$prom" xlb_backend_packets_total proto=udp vip=$VIP:5353)
tap_check "[ '$p0' = 0 ] && [ '$b0' = 0 ]" "the UDP VIP starts from 0 packets: $p0 $b0"
r=$(in_ns client "$PY" "$PROBE" send "$VIP" 5353 $N 5)
tap_check "[ '$r' = 'sent $N answered $N' ]" "$N datagrams through the UDP VIP, each answered: $r"
wait_for "[ \"\$(vsum '$prom' xlb_vip_packets_total proto=udp vip=$VIP:5353)\" = $N ]" 5
wait_write "$prom"
p=$(vsum "$prom" xlb_vip_packets_total proto=udp vip=$VIP:5353)
b=$(vsum "$prom" xlb_backend_packets_total proto=udp vip=$VIP:5353)
f=$(vsum "$prom" xlb_vip_new_flows_total proto=udp vip=$VIP:5353)
tap_check "[ '$p' = $N ] && [ '$b' = $N ] && [ '$f' = 1 ]" \
	"file: VIP packets $p, backend packets $b (exactly $N), new flows $f (1)"
v=$(vsum "$prom" xlb_vip_bytes_total proto=udp vip=$VIP:5353)
tap_check "[ '$v' -gt $((N * 28)) ]" "file: VIP bytes $v for $N datagrams"
wait_for "[ \"\$(scrape xlb_vip_packets_total proto=udp vip=$VIP:5353)\" = $N ]" 5
p=$(scrape xlb_vip_packets_total proto=udp vip=$VIP:5353)
b=$(scrape xlb_backend_packets_total proto=udp vip=$VIP:5353)
tap_check "[ '$p' = $N ] && [ '$b' = $N ]" \
	"node_exporter /metrics: VIP packets $p, backend packets $b (exactly $N)"

v=$(vsum "$prom" xlb_backend_active_flows proto=udp vip=$VIP:5353)
tap_check "[ '$v' = 1 ]" "the one UDP flow is live on one backend: $v"

# Drain: the gauges follow the daemon's state.
ctl backend drain tcp "$VIP:80" 198.18.0.12 >/dev/null
wait_write "$prom"
d=$(vsum "$prom" xlb_backend_draining proto=tcp backend=198.18.0.12)
w=$(vsum "$prom" xlb_backend_weight proto=tcp backend=198.18.0.12)
u=$(vsum "$prom" xlb_backend_up proto=tcp backend=198.18.0.12)
tap_check "[ '$d $w $u' = '1 0 1' ]" \
	"a draining backend: draining 1, effective weight 0, up 1 ($d $w $u)"
ctl backend undrain tcp "$VIP:80" 198.18.0.12 >/dev/null

# --- counters across kill -9 and restart, and SIGHUP ---------------------------
tap_diag "t=${SECONDS}s"
snap() {	# FILE -> the counters of the UDP VIP and its backends, TCP flows
	for m in xlb_vip_packets_total xlb_vip_bytes_total \
		xlb_backend_packets_total xlb_backend_bytes_total; do
		vsum "$1" $m proto=udp vip=$VIP:5353
	done
	for b in 198.18.0.11 198.18.0.12 198.18.0.13; do
		vsum "$1" xlb_backend_packets_total proto=udp backend=$b
	done
	vsum "$1" xlb_vip_new_flows_total proto=tcp vip=$VIP:80
	vsum "$1" xlb_packets_total action=tx
}
wait_write "$prom"
before=$(snap "$prom" | tr '\n' ' ')
kill -KILL "$xlbd_pid"
wait "$xlbd_pid" 2>/dev/null
# A kill that lands mid-write leaves the write's temporary file (it does
# in some runs); plant one so that every run sees the restart deal with
# it, and names of the same look that are not its own.
printf '# HELP xlb_vip_pack' >"$tmp/prom/.xlb.prom.Stale1"
chmod 600 "$tmp/prom/.xlb.prom.Stale1"
echo x >"$tmp/prom/.xlb.prom.notmine"
echo x >"$tmp/prom/.other.prom.Stale1"
touch "$tmp/killed"	# newer than anything here before the restart
if start_xlbd && wait_write "$prom"; then
	after=$(snap "$prom" | tr '\n' ' ')
	tap_check "[ '$before' = '$after' ]" \
		"counters unchanged across kill -9 and restart: $after"
else
	dump_log
	tap_fail "xlbd restarts after kill -9 and writes the file"
fi
# Temporary files from before the restart: none of xlbd's is left.
old=$(find "$tmp/prom" -name '.xlb.prom.??????' ! -newer "$tmp/killed" |
	wc -l)
tap_check "[ $old = 0 ] && [ -e '$tmp/prom/.xlb.prom.notmine' ] && [ -e '$tmp/prom/.other.prom.Stale1' ] && grep -Eq 'stats: removed [0-9]+ temporary files? of an interrupted write next to $prom' '$log'" \
	"the restarted xlbd removes the temporary files of a killed write, only those ($old left)"
rm -f "$tmp/prom/.xlb.prom.notmine" "$tmp/prom/.other.prom.Stale1"

# SIGHUP: another backend for the TCP VIP, the file every 10 ms.
write_conf "stats $prom interval 10ms" <<-EOF
	backend add tcp $VIP:80 198.18.0.13
	EOF
kill -HUP "$xlbd_pid"
if wait_for "grep -q 'stats: writing $prom every 10ms' '$log'" 5 &&
   wait_write "$prom"; then
	after=$(snap "$prom" | tr '\n' ' ')
	tap_check "[ '$before' = '$after' ]" \
		"counters unchanged across a SIGHUP that adds a backend: $after"
else
	dump_log
	tap_fail "SIGHUP applies the 10 ms interval"
fi
v=$(vsum "$prom" xlb_backend_packets_total proto=tcp backend=198.18.0.13)
tap_check "[ '$v' = 0 ]" "the new backend starts from 0 packets: $v"

# --- a tight reader while xlbd rewrites every 10 ms ---------------------------
tap_diag "t=${SECONDS}s"
fams=$(grep -c '^# TYPE' "$prom")
r=$(probe readloop "$prom" 3 "$fams" 2>"$tmp/readloop.err")
reads=$(echo "$r" | awk '{ print $2 }')
bad=$(echo "$r" | awk '{ print $4 }')
vers=$(echo "$r" | awk '{ print $6 }')
if [ "$bad" = 0 ] && [ "$reads" -gt 100 ] && [ "$vers" -ge 30 ]; then
	tap_ok "3 s of reads during 10 ms rewrites: never a partial file ($r)"
else
	tap_fail "3 s of reads during 10 ms rewrites: never a partial file ($r)"
	head -5 "$tmp/readloop.err" | sed 's/^/#   /'
fi

# --- a new path; a write error is logged once ---------------------------------
tap_diag "t=${SECONDS}s"
write_conf "stats $tmp/prom2/xlb.prom interval 20ms" <<-EOF
	backend add tcp $VIP:80 198.18.0.13
	EOF
kill -HUP "$xlbd_pid"
tap_check "wait_for \"[ -s '$tmp/prom2/xlb.prom' ]\" 5" \
	"SIGHUP moves the file to a new path"
ts1=$(ts "$prom")
wait_write "$tmp/prom2/xlb.prom"
wait_write "$tmp/prom2/xlb.prom"
tap_check "[ '$(ts "$prom")' = '$ts1' ]" "the old path is no longer written"
# Nothing writes there now, so no temporary file can be in flight: after
# hundreds of writes, a kill -9 and two reloads the directory holds the
# file alone.
left=$(ls -A "$tmp/prom" | tr '\n' ' ')
tap_check "[ '$left' = 'xlb.prom ' ]" \
	"no temporary file is left in the old directory: $left"

write_conf "stats $tmp/nodir/xlb.prom interval 10ms" </dev/null
kill -HUP "$xlbd_pid"
wait_for "grep -q 'stats: writing $tmp/nodir/xlb.prom every' '$log'" 5
# Let 50 intervals pass: nothing to await, the point is that time passes
# with the error and no new log line.
sleep 0.5
n=$(grep -c "stats: writing $tmp/nodir/xlb.prom: No such file or directory" "$log")
tap_check "[ $n -eq 1 ]" "a failing write is logged once, not at every interval ($n)"
mkdir "$tmp/nodir"
if wait_for "[ -s '$tmp/nodir/xlb.prom' ]" 5 &&
   wait_for "grep -q 'stats: $tmp/nodir/xlb.prom written again' '$log'" 5; then
	tap_ok "the write resumes once it can, and says so"
else
	tap_fail "the write resumes once it can, and says so"
fi
tap_check "kill -0 $xlbd_pid" "xlbd still runs"

tap_done
