#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench-e2e: xlb side by side with the kernel's own stateful load
# balancing (nftables DNAT) and with HAProxy, on this machine, in network
# namespaces this script creates and removes. Prints "NAME VALUE UNIT"
# lines and a short table on stdout (diagnostics on stderr) and rewrites
# docs/performance.md (from tests/bench/performance.md.in) and
# docs/performance-pps.png. The method is described in that template.
#
#   BENCH_E2E_RUNS     runs per figure, median reported (default 5)
#   BENCH_E2E_SECONDS  length of one packet-rate run (default 2)
#   BENCH_E2E_WRK      length of one wrk run (default 4)
#   BENCH_E2E_DOC=0    print only, leave docs/ alone
#   BENCH_E2E_PARTS    some of "pkt tcp scale" (default all; the table and
#                      the document need all three)
set -u
cd "$(dirname "$0")/../.."
ROOT=$PWD
B=$ROOT/build
RUNS=${BENCH_E2E_RUNS:-5}
SECS=${BENCH_E2E_SECONDS:-2}
WRK_SECS=${BENCH_E2E_WRK:-4}
DOC=${BENCH_E2E_DOC:-1}
PARTS=${BENCH_E2E_PARTS:-pkt tcp scale}
P=wb$$
G=$P-pg			# packet generator and sink ("the backends")
L=$P-pl			# the load balancer under test
GIF=g$$			# their veth ends: interface names are per
LIF=l$$			# namespace, NAPI thread names are not
GMAC=02:00:00:00:00:01
LMAC=02:00:00:00:00:02
GEN_CPU=0
LB_CPU=1
WORK=/run/xlb-bench/$P
BPFFS=$WORK/bpffs
LAB=$ROOT/scripts/lab.sh
RES=$WORK/results
export LAB_PREFIX=$P
export XLB_BUILD=$B
# in_ns, bg_in_ns, reap, wait_for and BG_PIDS
# shellcheck source=../../scripts/nslib.sh
. "$ROOT/scripts/nslib.sh"

has() {	# PART: selected in BENCH_E2E_PARTS?
	[[ " $PARTS " == *" $1 "* ]]
}

die() {
	echo "bench-e2e: $*" >&2
	exit 1
}

cleanup() {
	local n

	reap "${BG_PIDS[@]}"
	BG_PIDS=()
	for n in "$G" "$L"; do
		[ -e "/run/netns/$n" ] && ip netns del "$n"
	done
	"$LAB" down >/dev/null 2>&1
	mountpoint -q "$BPFFS" 2>/dev/null && umount "$BPFFS"
	rm -rf "$WORK"
	rmdir /run/xlb-bench 2>/dev/null
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

median() {	# numbers on stdin -> their median (the middle one, odd n)
	sort -g | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)] }'
}

result() {	# NAME VALUE UNIT: print and keep for the document
	printf '%s %s %s\n' "$1" "$2" "$3"
	printf '%s %s %s\n' "$1" "$2" "$3" >>"$RES"
}

# ns of CPU a thread or process has run (all its threads), from schedstat.
cpu_ns() {
	local pid=$1 t s=0 v

	for t in /proc/"$pid"/task/*/schedstat; do
		read -r v _ <"$t" 2>/dev/null || continue
		s=$((s + v))
	done
	echo "$s"
}

# Times a thread has been switched in (schedstat's third field).
slices() {
	local v

	read -r _ _ v <"/proc/$1/schedstat" 2>/dev/null
	echo "${v:-0}"
}

# The NAPI thread of interface IF (threaded NAPI; names are napi/IF-ID),
# the newest if several namespaces have an IF.
napi_pid() {
	pgrep -n -x "napi/$1-[0-9]*"
}

gone() {	# PID: exited (a zombie child counts as gone)
	[ ! -e "/proc/$1" ] || grep -q '^[0-9]* (.*) Z' "/proc/$1/stat"
}

# Threaded NAPI for IF in namespace NS, its thread on CPU at SCHED_FIFO.
# FIFO so that the other load of a shared machine does not leave the
# thread waiting while its 256-frame veth ring overflows; what it spends
# is still measured as the thread's own CPU time.
napi_pin() {
	local ns=$1 ifc=$2 cpu=$3 pid

	ip netns exec "$ns" ethtool -K "$ifc" gro on >/dev/null || return 1
	ip netns exec "$ns" sh -c "echo 1 >/sys/class/net/$ifc/threaded" ||
		return 1
	wait_for "[ -n \"\$(napi_pid $ifc)\" ]" 5 || return 1
	pid=$(napi_pid "$ifc")
	taskset -pc "$cpu" "$pid" >/dev/null || return 1
	chrt -f -p 50 "$pid" || return 1
}

for f in xlbd xlbctl xlb-decap pass.bpf.o bench/e2e_gen bench/e2e_scale; do
	[ -e "$B/$f" ] || die "$B/$f missing (make bench-e2e builds it)"
done
for c in nft haproxy wrk nginx gnuplot chrt taskset; do
	command -v "$c" >/dev/null || die "$c missing (scripts/deps.sh)"
done
[ "$(id -u)" -eq 0 ] || die "needs root"
[ "$(nproc)" -ge 2 ] || die "needs two CPUs (generator and balancer)"
mkdir -p "$WORK" || die "mkdir $WORK"
: >"$RES"
mkdir -p "$BPFFS" && mount -t bpf bpf "$BPFFS" -o mode=0700 ||
	die "mount bpffs on $BPFFS"

# --- packet rate ------------------------------------------------------------
#
# Two namespaces and one veth: G sends from GIF to the balancer's LIF; the
# balancer sends everything back out of LIF (as xlb's XDP_TX does) to the
# backends' addresses, which G holds; G's sink counts and drops.

pkt_setup() {
	local i

	ip netns add "$G" && ip netns add "$L" || return 1
	ip -n "$G" link add "$GIF" address $GMAC type veth peer name "$LIF" \
		netns "$L" address $LMAC || return 1
	ip -n "$G" link set lo up && ip -n "$L" link set lo up || return 1
	ip -n "$G" link set "$GIF" up && ip -n "$L" link set "$LIF" up ||
		return 1
	ip -n "$G" addr add 198.18.0.1/24 dev "$GIF" || return 1
	for i in 11 12 13; do
		ip -n "$G" addr add 198.18.0.$i/24 dev "$GIF" || return 1
	done
	ip -n "$L" addr add 198.18.0.2/24 dev "$LIF" || return 1
	ip -n "$L" route add 198.19.0.0/16 via 198.18.0.1 || return 1
	# The balancer sends back out of the interface the packet came in
	# on: forwarding on, no redirects, no reverse-path filter.
	ip netns exec "$L" sysctl -qw net.ipv4.conf.all.forwarding=1 \
		"net.ipv4.conf.$LIF.forwarding=1" \
		net.ipv4.conf.all.send_redirects=0 \
		"net.ipv4.conf.$LIF.send_redirects=0" \
		net.ipv4.conf.all.rp_filter=0 \
		"net.ipv4.conf.$LIF.rp_filter=0" >/dev/null || return 1
	for i in 11 12 13; do
		ip -n "$L" neigh replace 198.18.0.$i lladdr $GMAC dev "$LIF" \
			nud permanent || return 1
	done
	napi_pin "$G" "$GIF" $GEN_CPU && napi_pin "$L" "$LIF" $LB_CPU
}

xlbd_conf() {	# IFACE ENCAP_SRC
	cat <<-EOF
	interface $1
	encap-source $2
	hash-seed 42
	vip add tcp 198.18.0.100:80
	backend add tcp 198.18.0.100:80 198.18.0.11
	backend add tcp 198.18.0.100:80 198.18.0.12
	backend add tcp 198.18.0.100:80 198.18.0.13
	EOF
}

XLBD_PID=
xlbd_start() {	# NS IFACE ENCAP_SRC
	local d=$WORK/xlbd-$1

	mkdir -p "$d" && xlbd_conf "$2" "$3" >"$d/conf" || return 1
	ip netns exec "$1" env LIBXDP_BPFFS="$BPFFS" "$B/xlbd" -c "$d/conf" \
		-s "$d/sock" -p "$BPFFS/$1" -S "$d/state" >"$d/log" 2>&1 &
	XLBD_PID=$!
	BG_PIDS+=("$XLBD_PID")
	if ! wait_for "'$B/xlbctl' -s '$d/sock' vip list" 20 ||
	   ! ip -n "$1" link show "$2" | grep -q 'prog/xdp'; then
		sed 's/^/bench-e2e: xlbd: /' "$d/log" >&2
		return 1
	fi
}

xlbd_stop() {	# NS: detach and unpin (xlbctl shutdown), wait for the exit
	local d=$WORK/xlbd-$1

	"$B/xlbctl" -s "$d/sock" shutdown >/dev/null ||
		echo "bench-e2e: xlbctl shutdown failed" >&2
	wait_for "gone $XLBD_PID" 10 || kill "$XLBD_PID"
	wait "$XLBD_PID" 2>/dev/null
	rm -rf "$d" "${BPFFS:?}/$1"
}

NFT_RULES="table ip wb {
	chain pre {
		type nat hook prerouting priority dstnat; policy accept;
		ip daddr 198.18.0.100 tcp dport 80 dnat to \\
			jhash ip saddr . tcp sport mod 3 map {
				0 : 198.18.0.11, 1 : 198.18.0.12,
				2 : 198.18.0.13 }
	}
}"

dp_up() {	# DATAPATH
	case $1 in
	fwd)
		ip netns exec "$L" "$B/bench/e2e_gen" fwd "$LIF" 198.18.0.2 \
			198.18.0.11=$GMAC 198.18.0.12=$GMAC 198.18.0.13=$GMAC
		;;
	xlb) xlbd_start "$L" "$LIF" 198.18.0.2 ;;
	nft) echo "$NFT_RULES" | ip netns exec "$L" nft -f - ;;
	esac
}

dp_down() {
	case $1 in
	fwd) ip -n "$L" link set "$LIF" xdp off ;;
	xlb) xlbd_stop "$L" ;;
	nft) ip netns exec "$L" nft delete table ip wb ;;
	esac
}

# One run: prints "pps ns_per_packet utilisation packets_per_wakeup
# other sent".
pkt_run() {	# FLOWS
	local lpid c0 c1 w0 w1 out sent got other secs

	lpid=$(napi_pid "$LIF")
	c0=$(cpu_ns "$lpid")
	w0=$(slices "$lpid")
	out=$(ip netns exec "$G" taskset -c $GEN_CPU chrt -f 40 \
		"$B/bench/e2e_gen" run \
		"$GIF" $LMAC "$SECS" "$1") || return 1
	c1=$(cpu_ns "$lpid")
	w1=$(slices "$lpid")
	read -r _ sent _ got _ other _ secs <<<"$out"
	[ "$got" -gt 0 ] || { echo "bench-e2e: nothing forwarded: $out" >&2
			      return 1; }
	awk -v g="$got" -v s="$secs" -v c=$((c1 - c0)) -v o="$other" \
	    -v n="$sent" -v w=$((w1 - w0 + 1)) 'BEGIN {
		printf "%.0f %.1f %.3f %.0f %d %d\n", g / s, c / g,
		       c / (s * 1e9), g / w, o, n }'
}

pkt_bench() {
	local dp pat flows r line pps ns util batch
	declare -A cap

	for dp in fwd xlb nft; do
		dp_up $dp || die "$dp: setup failed"
		for pat in est syn; do
			flows=0
			[ $pat = est ] && flows=10000
			: >"$WORK/runs"
			for ((r = 0; r < RUNS; r++)); do
				line=$(pkt_run $flows) ||
					die "$dp $pat: run failed"
				echo "bench-e2e: $dp $pat run $r: pps ns/pkt" \
				     "util pkts/wakeup other sent: $line" >&2
				echo "$line" >>"$WORK/runs"
			done
			pps=$(cut -d' ' -f1 "$WORK/runs" | median)
			ns=$(cut -d' ' -f2 "$WORK/runs" | median)
			util=$(cut -d' ' -f3 "$WORK/runs" | median)
			batch=$(cut -d' ' -f4 "$WORK/runs" | median)
			result "pkt_${dp}_${pat}_pps" "$pps" pps
			result "pkt_${dp}_${pat}_lb_ns_per_pkt" "$ns" ns
			result "pkt_${dp}_${pat}_lb_cpu_util" "$util" ratio
			result "pkt_${dp}_${pat}_pkts_per_wakeup" "$batch" packets
			result "pkt_${dp}_${pat}_capacity_pps" \
				"$(awk -v n="$ns" 'BEGIN { printf "%.0f", 1e9 / n }')" pps
		done
		dp_down $dp || die "$dp: teardown failed"
	done
}

# --- real TCP: wrk through xlb and through HAProxy ----------------------------

lab_setup() {
	local h

	"$LAB" up >/dev/null || return 1
	# Every switch port its own NAPI thread on the generator's CPU, so
	# that the switch's work never runs (as a softirq) in the balancer's
	# context; the balancer's eth0 a thread on its own CPU.
	for h in client lb1 be1 be2 be3; do
		napi_pin "$P-sw" "$h" $GEN_CPU || return 1
	done
	napi_pin "$P-lb1" eth0 $LB_CPU
}

haproxy_conf() {
	cat <<-EOF
	global
		nbthread 1
		maxconn 4096
		pidfile $WORK/haproxy.pid
	defaults
		mode tcp
		timeout connect 5s
		timeout client 30s
		timeout server 30s
	frontend vip
		bind 198.18.0.100:80
		default_backend web
	backend web
		balance roundrobin
		server be1 198.18.0.11:80
		server be2 198.18.0.12:80
		server be3 198.18.0.13:80
	EOF
}

# One wrk run against the VIP; prints "rps p99_ms requests cpu_s
# napi_cpu_s process_cpu_s napi_wakeups_per_request".
# LBPID: the balancer's process, whose CPU counts with its NAPI thread.
wrk_run() {	# LBPID
	local npid c0 c1 p0 p1 w0 w1 out rps p99 req

	npid=$(napi_pid eth0)
	c0=$(cpu_ns "$npid")
	w0=$(slices "$npid")
	p0=$(cpu_ns "$1")
	out=$(ip netns exec "$P-client" taskset -c $GEN_CPU wrk -t1 -c32 \
		-d"${WRK_SECS}s" --latency "http://198.18.0.100/") || return 1
	c1=$(cpu_ns "$npid")
	w1=$(slices "$npid")
	p1=$(cpu_ns "$1")
	rps=$(awk '/^Requests\/sec:/ { print $2 }' <<<"$out")
	req=$(awk '/requests in/ { print $1 }' <<<"$out")
	p99=$(awk '$1 == "99%" { v = $2; u = v; sub(/^[0-9.]+/, "", u)
		sub(/[a-z]+$/, "", v); m = 1
		if (u == "us") m = 0.001
		if (u == "s") m = 1000
		print v * m }' <<<"$out")
	if grep -q 'Non-2xx\|Socket errors' <<<"$out" || [ -z "$rps" ] ||
	   [ -z "$p99" ] || [ "${req:-0}" -eq 0 ]; then
		echo "bench-e2e: wrk failed:" >&2
		echo "$out" >&2
		return 1
	fi
	awk -v r="$rps" -v p="$p99" -v n="$req" -v c=$((c1 - c0)) \
	    -v q=$((p1 - p0)) -v w=$((w1 - w0)) 'BEGIN {
		printf "%s %s %d %.4f %.4f %.4f %.2f\n", r, p, n,
		       (c + q) / 1e9, c / 1e9, q / 1e9, w / n }'
}

wrk_series() {	# NAME LBPID
	local r line rps p99 cpu

	: >"$WORK/runs"
	for ((r = 0; r < RUNS; r++)); do
		line=$(wrk_run "$2") || return 1
		echo "bench-e2e: $1 run $r: rps p99_ms requests cpu_s" \
		     "napi_s process_s wakeups/req: $line" >&2
		echo "$line" >>"$WORK/runs"
	done
	rps=$(cut -d' ' -f1 "$WORK/runs" | median)
	p99=$(cut -d' ' -f2 "$WORK/runs" | median)
	cpu=$(awk '{ printf "%.4f\n", $4 / $3 * 1e5 }' "$WORK/runs" | median)
	result "tcp_${1}_rps" "$rps" rps
	result "tcp_${1}_p99_ms" "$p99" ms
	result "tcp_${1}_cpu_s_per_100k" "$cpu" s
	result "tcp_${1}_napi_cpu_s_per_100k" \
		"$(awk '{ printf "%.4f\n", $5 / $3 * 1e5 }' "$WORK/runs" | median)" s
	result "tcp_${1}_proc_cpu_s_per_100k" \
		"$(awk '{ printf "%.4f\n", $6 / $3 * 1e5 }' "$WORK/runs" | median)" s
	result "tcp_${1}_napi_wakeups_per_req" \
		"$(cut -d' ' -f7 "$WORK/runs" | median)" ratio
	result "tcp_${1}_napi_us_per_wakeup" \
		"$(awk '$7 > 0 { printf "%.1f\n", $5 * 1e6 / ($7 * $3) }' \
			"$WORK/runs" | median)" us
}

tcp_bench() {
	local hpid

	xlbd_start "$P-lb1" eth0 198.18.0.2 || die "xlbd in the lab"
	# The lab's VIP must answer through xlb before anything is timed.
	wait_for "ip netns exec $P-client curl -sf -m 1 http://198.18.0.100/" \
		10 || die "VIP does not answer through xlb"
	if ! wrk_series xlb "$XLBD_PID"; then
		tail -20 "$WORK/xlbd-$P-lb1/log" | sed 's/^/bench-e2e: xlbd: /' >&2
		"$B/xlbctl" -s "$WORK/xlbd-$P-lb1/sock" stats >&2
		die "wrk through xlb"
	fi
	xlbd_stop "$P-lb1"
	ip -n "$P-lb1" link show eth0 | grep -q prog/xdp &&
		die "xlb still attached after shutdown"

	haproxy_conf >"$WORK/haproxy.cfg"
	ip netns exec "$P-lb1" taskset -c $LB_CPU haproxy -db \
		-f "$WORK/haproxy.cfg" >"$WORK/haproxy.log" 2>&1 &
	hpid=$!
	BG_PIDS+=("$hpid")
	wait_for "ip netns exec $P-client curl -sf -m 1 http://198.18.0.100/" \
		10 || { cat "$WORK/haproxy.log" >&2; die "HAProxy"; }
	wrk_series haproxy "$hpid" || die "wrk through HAProxy"
}

# --- scaling -------------------------------------------------------------------

scale_bench() {
	local line

	"$B/bench/e2e_scale" >"$WORK/scale" || die "e2e_scale failed"
	while read -r line; do
		result $line
	done <"$WORK/scale"
}

# --- report --------------------------------------------------------------------

val() {
	awk -v n="$1" '$1 == n { print $2 }' "$RES"
}

ratio() {	# A B [FORMAT]
	awk -v a="$(val "$1")" -v b="$(val "$2")" -v f="${3:-%.2f}" \
		'BEGIN { if (b > 0) printf f "\n", a / b; else print "n/a" }'
}

ratios() {
	local p

	for p in est syn; do
		result "pkt_${p}_xlb_over_fwd_capacity" \
			"$(ratio pkt_xlb_${p}_capacity_pps pkt_fwd_${p}_capacity_pps)" ratio
		result "pkt_${p}_xlb_over_nft_capacity" \
			"$(ratio pkt_xlb_${p}_capacity_pps pkt_nft_${p}_capacity_pps)" ratio
		result "pkt_${p}_xlb_over_fwd_pps" \
			"$(ratio pkt_xlb_${p}_pps pkt_fwd_${p}_pps)" ratio
		result "pkt_${p}_xlb_over_nft_pps" \
			"$(ratio pkt_xlb_${p}_pps pkt_nft_${p}_pps)" ratio
	done
	result tcp_xlb_over_haproxy_cpu \
		"$(ratio tcp_xlb_cpu_s_per_100k tcp_haproxy_cpu_s_per_100k %.3f)" ratio
	result met_fwd "$(atleast 0.8 pkt_est_xlb_over_fwd_capacity \
		pkt_syn_xlb_over_fwd_capacity)" bool
	result met_nft "$(atleast 5 pkt_est_xlb_over_nft_capacity \
		pkt_syn_xlb_over_nft_capacity)" bool
	result met_tcp "$(awk -v v="$(val tcp_xlb_over_haproxy_cpu)" \
		'BEGIN { print v <= 0.2 ? "yes" : "no" }')" bool
	result met_remap "$(awk '$1 ~ /^maglev_remap_over_ideal_/ &&
		$2 > 1.2 { bad = 1 } END { print bad ? "no" : "yes" }' "$RES")" bool
}

atleast() {	# MIN NAME...: "yes" if every NAME's value is >= MIN
	local min=$1 n ok=yes

	shift
	for n in "$@"; do
		awk -v v="$(val "$n")" -v m="$min" 'BEGIN { exit !(v >= m) }' ||
			ok=no
	done
	echo $ok
}

table() {
	local p dp

	printf '\n%-28s %12s %12s %12s\n' "packets (median)" fwd xlb nft
	for p in est syn; do
		printf '%-28s' "$p forwarded Mpps"
		for dp in fwd xlb nft; do
			printf ' %12.3f' "$(awk -v v="$(val pkt_${dp}_${p}_pps)" \
				'BEGIN { print v / 1e6 }')"
		done
		printf '\n%-28s' "$p LB CPU ns/packet"
		for dp in fwd xlb nft; do
			printf ' %12s' "$(val pkt_${dp}_${p}_lb_ns_per_pkt)"
		done
		printf '\n%-28s' "$p Mpps per LB core"
		for dp in fwd xlb nft; do
			printf ' %12.3f' "$(awk -v v="$(val pkt_${dp}_${p}_capacity_pps)" \
				'BEGIN { print v / 1e6 }')"
		done
		echo
	done
	printf '\n%-28s %12s %12s\n' "wrk (median)" xlb haproxy
	printf '%-28s %12s %12s\n' "requests/s" "$(val tcp_xlb_rps)" \
		"$(val tcp_haproxy_rps)"
	printf '%-28s %12s %12s\n' "p99 ms" "$(val tcp_xlb_p99_ms)" \
		"$(val tcp_haproxy_p99_ms)"
	printf '%-28s %12s %12s\n' "LB CPU s / 100k requests" \
		"$(val tcp_xlb_cpu_s_per_100k)" "$(val tcp_haproxy_cpu_s_per_100k)"
}

plot() {	# PNG
	local dat=$WORK/pps.dat p k dp

	{
		echo "# what fwd xlb nft (Mpps)"
		for p in est syn; do
			for k in pps capacity_pps; do
				printf '"%s: %s"' \
					"$([ $p = est ] && echo established ||
					   echo new flows)" \
					"$([ $k = pps ] && echo forwarded ||
					   echo per core)"
				for dp in fwd xlb nft; do
					printf ' %s' "$(awk \
						-v v="$(val pkt_${dp}_${p}_$k)" \
						'BEGIN { print v / 1e6 }')"
				done
				echo
			done
		done
	} >"$dat"
	gnuplot <<-EOF
	set terminal pngcairo size 1000,500
	set output '$1'
	set title "Packets per second, median of $RUNS runs" . \\
		  " (per core = 1 / LB CPU time per packet)"
	set ylabel 'Mpps'
	set style data histograms
	set style histogram clustered gap 1
	set style fill solid 0.8 border -1
	set key inside top right vertical
	set xrange [-0.5:3.5]
	set yrange [0:*]
	set offsets 0, 0, graph 0.25, 0
	set grid ytics
	plot '$dat' using 2:xtic(1) title 'minimal XDP forwarder (ceiling)', \\
	     '' using 3 title 'xlb', \\
	     '' using 4 title 'nftables DNAT (jhash)'
	EOF
}

document() {
	local tmpl=$ROOT/tests/bench/performance.md.in out=$ROOT/docs/performance.md
	local cpu mem kern sedf=$WORK/subst.sed name v

	cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
	mem=$(awk '/^MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo)
	kern=$(uname -r)
	{
		echo "s|@DATE@|$(date -u '+%Y-%m-%d %H:%M UTC')|g"
		echo "s|@MACHINE@|$(nproc) x ${cpu:-unknown CPU}, $mem, kernel $kern|g"
		echo "s|@RUNS@|$RUNS|g; s|@SECS@|$SECS|g; s|@WRK_SECS@|$WRK_SECS|g"
		echo "s|@NFT@|$(nft --version | head -1)|g"
		echo "s|@HAPROXY@|$(haproxy -v | head -1 | cut -d' ' -f1-3)|g"
		echo "s|@WRK@|$(wrk -v 2>&1 | head -1 | cut -d' ' -f1-2)|g"
		while read -r name v _; do
			echo "s|@$name@|$v|g"
		done <"$RES"
	} >"$sedf"
	sed -f "$sedf" "$tmpl" >"$out.tmp" && mv "$out.tmp" "$out" || return 1
	if grep -n '@[a-zA-Z0-9_]*@' "$out" >&2; then
		echo "bench-e2e: unfilled fields in $out" >&2
		return 1
	fi
	plot "$ROOT/docs/performance-pps.png"
}

if has pkt; then
	echo "bench-e2e: packet rate (generator CPU $GEN_CPU," \
	     "balancer CPU $LB_CPU)" >&2
	pkt_setup || die "packet lab setup failed"
	pkt_bench
	ip netns del "$G" && ip netns del "$L"
fi
if has tcp; then
	echo "bench-e2e: real TCP through xlb and HAProxy" >&2
	lab_setup || die "lab setup failed"
	tcp_bench
	reap "${BG_PIDS[@]}"
	BG_PIDS=()
	"$LAB" down >/dev/null
fi
if has scale; then
	echo "bench-e2e: conntrack and Maglev scaling" >&2
	scale_bench
fi
[ "$PARTS" = "pkt tcp scale" ] || exit 0
ratios
table
if [ "$DOC" = 1 ]; then
	document || die "writing docs/performance.md failed"
	echo "bench-e2e: wrote docs/performance.md, docs/performance-pps.png" >&2
fi
