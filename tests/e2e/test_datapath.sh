#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The data path end to end: xlbd on lb1 balances real TCP connections from
# the client to the IPv4 and IPv6 VIPs over the three backends, which
# decapsulate with xlb-decap and answer the client directly. Every
# connection must succeed and be served whole by one backend; all three
# must serve; other traffic to the LB reaches its kernel; a VIP port that
# is not served is dropped without a reset.
set -u
. "$(dirname "$0")/../lib.sh"

CONNS=60		# sequential connections per VIP
KA_CONNS=6		# keep-alive connections per VIP
KA_REQS=5		# requests on each of them
BACKENDS="be1 be2 be3"

[ "$(id -u)" -eq 0 ] || tap_bail "running as root" "e2e tests need root"
for f in xlbd xlb-decap pass.bpf.o xlb.bpf.o; do
	[ -e "$XLB_BUILD/$f" ] || tap_bail "$f built" "$XLB_BUILD/$f missing"
done

lab_up || tap_bail "lab up" "scripts/lab.sh up failed"
tap_ok "lab up: client, lb1, be1..be3"

tmp=$LAB_RUN/test
mkdir -p "$tmp"
conf=$LAB_RUN/xlbd.conf
sock=$LAB_RUN/xlbd.sock
pins=$LAB_BPFFS/lb1
"$LAB" lb-config lb1 >"$conf"
mkdir -p "$pins"

# The daemon, in the foreground of a background job; lib.sh stops it.
bg_in_ns lb1 env LIBXDP_BPFFS="$LAB_BPFFS" "$XLB_BUILD/xlbd" -c "$conf" \
	-s "$sock" -p "$pins" -S "$LAB_RUN/xlbd.state" >"$LAB_RUN/xlbd.log" 2>&1
xlbd_pid=${BG_PIDS[-1]}

xlbd_dump_log() {
	sed 's/^/#   xlbd: /' "$LAB_RUN/xlbd.log" | tail -20
}

attached="[ -S '$sock' ] && in_ns lb1 ip link show eth0 | grep -q prog/xdp"
if wait_for "$attached" 10 && kill -0 "$xlbd_pid" 2>/dev/null; then
	tap_ok "xlbd runs and has attached XDP to lb1 eth0"
else
	xlbd_dump_log
	tap_bail "xlbd runs and has attached XDP to lb1 eth0"
fi

url() {	# ADDR PATH
	case $1 in
	*:*) echo "http://[$1]$2" ;;
	*) echo "http://$1$2" ;;
	esac
}

# The first connection may wait for the LB to resolve the backends; from
# then on every connection must succeed.
for vip in "$LAB_VIP4" "$LAB_VIP6"; do
	get="in_ns client curl -sf -g -m 1 $(url "$vip" /)"
	if wait_for "$get | grep -qx 'be[123]'" 15; then
		tap_ok "VIP $vip answers through the LB"
	else
		xlbd_dump_log
		tap_bail "VIP $vip answers through the LB"
	fi
done

# The client reaches the VIPs through lb1: its neighbour entries for them
# hold lb1's MAC, never a backend's.
lb1_mac=$(in_ns lb1 cat /sys/class/net/eth0/address)
n4=$(in_ns client ip neigh show to "$LAB_VIP4" | grep -o 'lladdr [0-9a-f:]*')
n6=$(in_ns client ip -6 neigh show to "$LAB_VIP6" | grep -o 'lladdr [0-9a-f:]*')
tap_check "[ '$n4' = 'lladdr $lb1_mac' ] && [ '$n6' = 'lladdr $lb1_mac' ]" \
	"client resolves both VIPs to lb1 ($lb1_mac)"

declare -A sum
for b in $BACKENDS; do
	sum[$b]=$(sha256sum <"$LAB_RUN/$b/www/big" | cut -d' ' -f1)
done

# CONNS connections, each fetching a 256 KiB backend-specific body: every
# one succeeds, comes whole from the backend that says it sent it, from a
# distinct client port; every backend serves some.
conns() {	# VIP
	local vip=$1 i out code port be got fails=0 bad=0 ports=() b n
	declare -A count=()

	for ((i = 0; i < CONNS; i++)); do
		rm -f "$tmp/hdr" "$tmp/body"
		out=$(in_ns client curl -s -g -m 5 -D "$tmp/hdr" \
			-o "$tmp/body" -w '%{http_code} %{local_port}' \
			"$(url "$vip" /big)")
		read -r code port <<<"$out"
		if [ "$code" != 200 ]; then
			fails=$((fails + 1))
			[ $fails -le 3 ] &&
				tap_diag "connection $i to $vip: '$out'"
			continue
		fi
		ports+=("$port")
		be=$(tr -d '\r' <"$tmp/hdr" | sed -n 's/^X-Backend: //Ip')
		got=$(sha256sum <"$tmp/body" | cut -d' ' -f1)
		if [ -z "$be" ] || [ "${sum[$be]:-}" != "$got" ]; then
			bad=$((bad + 1))
			[ $bad -le 3 ] &&
				tap_diag "connection $i to $vip:" \
					"body not all from '$be'"
			continue
		fi
		count[$be]=$((${count[$be]:-0} + 1))
	done
	for b in $BACKENDS; do
		tap_diag "$vip: $b served ${count[$b]:-0} of $CONNS connections"
	done
	tap_check "[ $fails -eq 0 ]" "$vip: all $CONNS connections succeed"
	tap_check "[ $bad -eq 0 ]" \
		"$vip: each 256 KiB body comes whole from one backend"
	n=$(printf '%s\n' "${ports[@]}" | sort -u | wc -l)
	tap_check "[ $n -eq $CONNS ]" "$vip: $CONNS distinct client ports"
	tap_check "[ ${count[be1]:-0} -gt 0 ] && [ ${count[be2]:-0} -gt 0 ] &&
		   [ ${count[be3]:-0} -gt 0 ]" \
		"$vip: all three backends serve connections"
}

# KA_CONNS keep-alive connections of KA_REQS requests: one connect each,
# every request answered by the same backend.
keepalive() {	# VIP
	local vip=$1 i j urls=() out names conns bad=0 name

	for ((j = 0; j < KA_REQS; j++)); do
		urls+=("$(url "$vip" /)")
	done
	for ((i = 0; i < KA_CONNS; i++)); do
		out=$(in_ns client curl -s -g -m 5 \
			-w 'connects=%{num_connects}\n' "${urls[@]}")
		names=$(grep -x 'be[123]' <<<"$out" | sort | uniq -c)
		conns=$(awk -F= '$1 == "connects" { n += $2 }
				 END { print n + 0 }' <<<"$out")
		if [ "$(wc -l <<<"$names")" -ne 1 ] ||
		   [ "$(awk '{print $1}' <<<"$names")" != "$KA_REQS" ] ||
		   [ "$conns" != 1 ]; then
			bad=$((bad + 1))
			tap_diag "$vip keep-alive $i: connects $conns," \
				"answers: $(tr -s ' \n' ' ' <<<"$names")"
		fi
	done
	name="$vip: $KA_CONNS keep-alive connections of $KA_REQS requests"
	tap_check "[ $bad -eq 0 ]" "$name, one backend each"
}

for vip in "$LAB_VIP4" "$LAB_VIP6"; do
	conns "$vip"
	keepalive "$vip"
done

# The backends really decapsulated (the VIPs are on their lo only).
for b in $BACKENDS; do
	d=$(in_ns "$b" env LIBXDP_BPFFS="$LAB_BPFFS" "$XLB_BUILD/xlb-decap" \
		status eth0 | awk '$1 == "decapsulated" {print $2}')
	tap_diag "$b decapsulated ${d:-?} packets"
	tap_check "[ '${d:-0}' -gt 0 ]" "$b decapsulated tunnelled packets"
done

# Traffic to the LB's own addresses is not the data path's: it reaches
# lb1's kernel and the server there.
echo lb1 >"$tmp/index.html"
bg_in_ns lb1 python3 -m http.server --bind :: --directory "$tmp" 8080 \
	>/dev/null 2>&1
for a in 198.18.0.2 2001:db8::2; do
	get="in_ns client curl -sf -g -m 1 $(url "$a" :8080/)"
	if wait_for "$get | grep -qx lb1" 10; then
		tap_ok "non-VIP address $a on the LB reaches its kernel"
	else
		tap_fail "non-VIP address $a on the LB reaches its kernel"
	fi
done

# A port the VIP does not serve: lb1's kernel holds the VIP addresses and
# would reset the connection; the data path must drop it before that, so
# the connect times out (curl 28) rather than being refused (curl 7).
for vip in "$LAB_VIP4" "$LAB_VIP6"; do
	in_ns client curl -s -g --connect-timeout 2 -m 3 -o /dev/null \
		"$(url "$vip" :81/)"
	rc=$?
	name="$vip port 81 (not served) is dropped"
	tap_check "[ $rc -eq 28 ]" "$name: curl exit $rc (28 = timeout)"
done

if kill -0 "$xlbd_pid" 2>/dev/null; then
	tap_ok "xlbd still running"
else
	xlbd_dump_log
	tap_fail "xlbd still running"
fi

tap_done
