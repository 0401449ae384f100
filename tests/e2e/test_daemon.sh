#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# xlbd end to end in the namespace lab: config check, the control
# protocol's refusals, hitless changes under continuous real TCP traffic
# (backend add, drain with long connections in flight, kill -9 and
# restart), reload with SIGHUP, two daemons side by side, shutdown and
# --detach. Every loop is bounded in count and time.
set -u
export LAB_PREFIX=xd$$
. "$(dirname "$0")/../lib.sh"

VIP=$LAB_VIP4
LOOP_N=250		# connections per traffic loop

[ "$(id -u)" -eq 0 ] || tap_bail "running as root" "e2e tests need root"
for f in xlbd xlbctl xlb-decap pass.bpf.o xlb.bpf.o; do
	[ -e "$XLB_BUILD/$f" ] || tap_bail "$f built" "$XLB_BUILD/$f missing"
done

lab_up --lb2 || tap_bail "lab up" "scripts/lab.sh up --lb2 failed"
tap_ok "lab up: client, lb1, lb2, be1..be3"

lb1_setup dtest

write_conf() {	# extra lines on stdin are appended
	cat >"$conf" <<-EOF
	interface eth0
	encap-source 198.18.0.2
	encap-source 2001:db8::2
	hash-seed 42
	conntrack-size 65536
	vip add tcp $VIP:80
	backend add tcp $VIP:80 198.18.0.11
	backend add tcp $VIP:80 198.18.0.12
	vip add tcp [$LAB_VIP6]:80
	backend add tcp [$LAB_VIP6]:80 2001:db8::11
	backend add tcp [$LAB_VIP6]:80 2001:db8::12
	backend add tcp [$LAB_VIP6]:80 2001:db8::13
	EOF
	cat >>"$conf"
}

# --- xlbd -n ---------------------------------------------------------------
tap_diag "t=${SECONDS}s"
write_conf </dev/null
out=$("$XLB_BUILD/xlbd" -n -c "$conf" 2>&1)
tap_check "[ \$? -eq 0 ] && [ '$out' = 'configuration OK' ]" \
	"xlbd -n accepts a good config: $out"
printf 'interface eth0\nhash-seed 1\nvip add tcp 198.18.0.100\n' >"$tmp/bad.conf"
out=$("$XLB_BUILD/xlbd" -n -c "$tmp/bad.conf" 2>&1)
rc=$?
tap_check "[ $rc -eq 1 ] && [[ '$out' == '$tmp/bad.conf:3: '* ]]" \
	"xlbd -n rejects a bad config with FILE:LINE: $out"
out=$("$XLB_BUILD/xlbd" --check -c "$tmp/bad.conf" 2>&1)
rc=$?
tap_check "[ $rc -eq 1 ] && [[ '$out' == '$tmp/bad.conf:3: '* ]]" \
	"xlbd --check is -n: $out"
# --help and --version: stdout, exit 0, for each binary.
vers=""
for b in xlbd xlbctl xlb-decap; do
	v=$("$XLB_BUILD/$b" --version 2>&1) && [[ "$v" == "$b "?* ]] &&
		"$XLB_BUILD/$b" --help 2>/dev/null | grep -q usage &&
		vers+="$v; " || vers+="$b FAILED; "
done
tap_check "[[ '$vers' != *FAILED* ]]" "--version and --help: $vers"

# --- start ----------------------------------------------------------------
tap_diag "t=${SECONDS}s"
if start_xlbd && in_ns lb1 ip link show eth0 | grep -q 'prog/xdp'; then
	tap_ok "xlbd starts, attaches XDP to lb1 eth0 and answers"
else
	dump_log
	tap_bail "xlbd starts, attaches XDP to lb1 eth0 and answers"
fi
tap_check "grep -q 'forwarding turned on for eth0' '$log'" \
	"xlbd turns forwarding on and says so"
tap_check "[ \"\$(stat -c %a '$sock')\" = 600 ]" "control socket has mode 0600"
if wait_for "in_ns client curl -sf -m 1 http://$VIP/ | grep -qx 'be[12]'" 15
then
	tap_ok "VIP $VIP answers through xlbd's data path"
else
	dump_log
	tap_bail "VIP $VIP answers through xlbd's data path"
fi
for b in 198.18.0.11 198.18.0.12 2001:db8::13; do
	n=$(in_ns lb1 ip neigh show to "$b" dev eth0 | grep -c managed)
	tap_check "[ $n -eq 1 ]" "managed neighbour entry for backend $b"
done

# A backend behind a router: the managed entry is its gateway's, and it
# goes with the backend.
managed() {	# ADDR -> number of managed entries for it on lb1
	in_ns lb1 ip neigh show to "$1" dev eth0 | grep -c managed
}
in_ns lb1 ip route add 198.18.5.0/24 via 198.18.0.1 dev eth0
ctl vip add tcp 198.18.0.101:80 >/dev/null &&
	ctl backend add tcp 198.18.0.101:80 198.18.5.1 >/dev/null
tap_check "[ \$(managed 198.18.0.1) -eq 1 ] && [ \$(managed 198.18.5.1) -eq 0 ]" \
	"a routed backend gets a managed entry for its gateway"
ctl vip del tcp 198.18.0.101:80 >/dev/null
tap_check "[ \$(managed 198.18.0.1) -eq 0 ]" \
	"the gateway's managed entry goes with the backend"
in_ns lb1 ip route del 198.18.5.0/24

# A second daemon on the same socket must not steal it.
in_ns lb1 env LIBXDP_BPFFS="$LAB_BPFFS" timeout 30 "$XLB_BUILD/xlbd" \
	-c "$conf" -s "$sock" -p "$pins" -S "$state" >"$tmp/second.log" 2>&1
rc=$?
tap_check "[ $rc -ne 0 ] && grep -q 'another xlbd is listening' '$tmp/second.log' && ctl vip list >/dev/null" \
	"a second xlbd on the same socket refuses to start (rc $rc)"

# --- control protocol refusals --------------------------------------------
tap_diag "t=${SECONDS}s"
cat >"$tmp/raw.py" <<'PYEOF'
import socket, sys, time
# raw.py SOCKET MODE: send one raw request and print the reply line
path, mode = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(10)
s.connect(path)
if mode == "oversize":
    data = b'{"argv":["' + b"x" * 70000 + b'"]}\n'
    try:
        s.sendall(data)
    except OSError:
        pass
elif mode != "silent":
    s.sendall(mode.encode() + b"\n")
t0 = time.monotonic()
buf = b""
while not buf.endswith(b"\n"):
    try:
        d = s.recv(65536)
    except OSError:
        break
    if not d:
        break
    buf += d
sys.stdout.write(buf.decode(errors="replace").strip() + "\n" +
                 "%.1f\n" % (time.monotonic() - t0))
PYEOF
ctl save >"$tmp/save0"
python3 "$tmp/raw.py" "$sock" silent >"$tmp/silent.out" 2>&1 &
silent_pid=$!
refuse() {	# NAME REQUEST EXPECTED-SUBSTRING
	local out

	out=$(python3 "$tmp/raw.py" "$sock" "$2" | head -1)
	ctl save >"$tmp/save1"
	if [[ $out == '{"ok":false,"error":'*"$3"* ]] &&
	   cmp -s "$tmp/save0" "$tmp/save1"; then
		tap_ok "refused: $1"
	else
		tap_fail "refused: $1" "reply: ${out:0:200}"
	fi
}
refuse "malformed JSON" '{"argv":["vip","list"' "JSON"
refuse "not an argv object" '{"argv":"vip list"}' ""
refuse "unknown verb" '{"argv":["vips","list"]}' "vips"
refuse "bad address" '{"argv":["backend","add","tcp","198.18.0.100:80","198.18.0.300"]}' "198.18.0.300"
refuse "weight out of range" '{"argv":["backend","weight","tcp","198.18.0.100:80","198.18.0.11","70000"]}' "70000"
refuse "unknown VIP" '{"argv":["backend","add","tcp","198.18.0.200:80","198.18.0.13"]}' ""
refuse "duplicate backend" '{"argv":["backend","add","tcp","198.18.0.100:80","198.18.0.11"]}' ""
refuse "config-only statement at runtime" '{"argv":["hash-seed","7"]}' ""
refuse "oversize line" oversize "too long"
wait "$silent_pid"
out=$(head -1 "$tmp/silent.out")
secs=$(sed -n 2p "$tmp/silent.out")
tap_check "[[ '$out' == '{\"ok\":false,\"error\":\"idle'* ]] && [ \${secs%.*} -ge 4 ] && [ \${secs%.*} -le 7 ]" \
	"silent client gets an idle error after ${secs}s"
ctl save >"$tmp/save1"
tap_check "cmp -s '$tmp/save0' '$tmp/save1'" "save output unchanged by all refusals"

# --- traffic helpers --------------------------------------------------------
tap_diag "t=${SECONDS}s"
TRAFFIC=$(cd "$(dirname "$0")" && pwd)/traffic.py
# A client loop of new connections (see traffic.py), bounded to 60 s.
loop_start() {	# NAME
	rm -f "$tmp/$1" "$tmp/$1".*
	bg_in_ns client "$TRAFFIC" loop "$VIP" "$tmp/$1" 60
}
loop_count() {
	cat "$tmp/$1.count" 2>/dev/null || echo 0
}
loop_stop() {	# NAME [MORE]: wait for MORE connections after the mark
	touch "$tmp/$1.mark"
	local n=$(($(loop_count "$1") + ${2:-100}))
	wait_for "[ \$(loop_count $1) -ge $n ]" 30
	touch "$tmp/$1.stop"
	wait_for "[ -e '$tmp/$1' ]" 10
}
loop_result() {	# NAME -> "OK FAIL"
	sed -n 's/^done //p' "$tmp/$1"
}
loop_fails() {	# NAME: its first failures as TAP comments, to tell why
	grep -n '^fail ' "$tmp/$1" | head -3 | sed 's/^/#   connection /'
}
loop_after_mark() {	# NAME: results after the mark
	local m

	m=$(sed -n 's/^mark //p' "$tmp/$1")
	grep -E '^(ok|fail) ' "$tmp/$1" | tail -n +$((m + 1))
}
status_flows() {	# ADDR -> live flows of that backend of $VIP:80
	ctl -j status | python3 -c '
import json, sys
d = json.load(sys.stdin)
for v in d["vips"]:
    if v["vip"] == sys.argv[1]:
        for b in v["backends"]:
            if b["addr"] == sys.argv[2]:
                print(b["flows"])' "$VIP:80" "$1"
}

# --- backend add under traffic --------------------------------------------
tap_diag "t=${SECONDS}s"
loop_start add
wait_for "[ \$(loop_count add) -ge 100 ]" 20
ctl backend add tcp "$VIP:80" 198.18.0.13 >/dev/null
loop_stop add 300
r=$(loop_result add)
[ "${r#* }" = 0 ] || loop_fails add
be3=$(loop_after_mark add | grep -c '^ok be3$')
tap_check "[ '${r#* }' = 0 ] && [ $be3 -gt 0 ]" \
	"backend add under traffic: $r (ok fail), be3 served $be3 after the add"

# --- drain under traffic with long connections in flight -------------------
tap_diag "t=${SECONDS}s"
# 9 keep-alive connections, 40 requests 0.25 s apart (10 s) each, and
# more until ka.release: on a loaded machine the steps below take longer
# than 10 s, and a connection that closed on its own before the drain
# checks leaves its backend without live flows.
rm -f "$tmp/ka.release"
for i in 1 2 3 4 5 6 7 8 9; do
	rm -f "$tmp/ka$i"
	bg_in_ns client "$TRAFFIC" ka "$VIP" "$tmp/ka$i" 40 0.25 \
		"$tmp/ka.release"
done
total_flows() {
	echo $(($(status_flows 198.18.0.11) + $(status_flows 198.18.0.12) +
		$(status_flows 198.18.0.13)))
}
ka_up() {	# established keep-alive connections, seen by the client
	in_ns client ss -tnH state established dst "$VIP" | wc -l
}
# Once all 9 are up and the add loop's closed flows have aged out, the
# live flows are exactly the 9 keep-alive connections.
wait_for "[ \$(ka_up) -eq 9 ] && [ \$(total_flows) -eq 9 ]" 20 ||
	tap_diag "$(ka_up) keep-alive connections up, $(total_flows) live flows"
# Drain the backend holding the most long connections.
best= bestn=-1
for b in 198.18.0.11 198.18.0.12 198.18.0.13; do
	n=$(status_flows $b)
	[ "$n" -gt "$bestn" ] && best=$b bestn=$n
done
bname=be${best##*.1}
tap_diag "draining $best ($bname) with $bestn live flows"
loop_start drain
wait_for "[ \$(loop_count drain) -ge 50 ]" 20
ctl backend drain tcp "$VIP:80" "$best" >/dev/null
touch "$tmp/drain.mark"
st=$(ctl -j status | grep -c '"draining"')
n=$(status_flows "$best")
tap_check "[ $st -eq 1 ] && [ $n -ge $bestn ] && [ $n -ge 1 ]" \
	"draining $best: status shows it draining with $n live flows"
# -j flows streams one document: its flows, then their count (or the
# error that cut it short).
nf=$(ctl -j flows tcp "$VIP:80" | python3 -c '
import json, sys
d = json.load(sys.stdin)
if "error" in d or d["count"] != len(d["flows"]):
    sys.exit("flows: %s" % d.get("error", "count differs"))
print(sum(f["backend"] == sys.argv[1] and f["vip"] == sys.argv[2] and
          f["client"].startswith("198.18.0.1:") for f in d["flows"]))' \
	"$best" "$VIP:80")
tap_check "[ $nf -ge $bestn ] && [ $nf -ge 1 ]" "flows lists $nf live flows of $best (at least its $bestn keep-alive ones)"
out=$(ctl backend del tcp "$VIP:80" "$best" 2>&1)
rc=$?
tap_check "[ $rc -ne 0 ] && [[ \"\$out\" == *'has '[0-9]*' live flow'* ]] && ctl save | grep -q '$VIP:80 $best '" \
	"backend del refuses while flows are live: $out" || dump_log 8
tap_diag "$(ka_up) keep-alive connections still up after the drain checks"
touch "$tmp/ka.release"
loop_stop drain 300
r=$(loop_result drain)
[ "${r#* }" = 0 ] || loop_fails drain
after=$(loop_after_mark drain | grep -c "^ok $bname\$")
tap_check "[ '${r#* }' = 0 ] && [ $after -eq 0 ]" \
	"drain under traffic: $r (ok fail); new connections to $bname after the drain: $after"
wait_for "[ \$(ls '$tmp'/ka? 2>/dev/null | wc -l) -eq 9 ]" 30
bad=0 on_drained=0
for i in 1 2 3 4 5 6 7 8 9; do
	read -r res name cnt <"$tmp/ka$i"
	if [ "$res" != ok ] || [ "$cnt" -lt 40 ]; then
		bad=$((bad + 1))
		tap_diag "ka$i: $res $name $cnt"
	fi
	[ "$name" = "$bname" ] && on_drained=$((on_drained + 1))
done
tap_check "[ $bad -eq 0 ] && [ $on_drained -eq $bestn ]" \
	"9 keep-alive connections complete all requests on one server each, $on_drained of them on draining $bname"
if wait_for "[ \$(status_flows $best) -eq 0 ]" 10; then
	tap_ok "live flows of drained $best reach 0 after they close"
else
	tap_fail "live flows of drained $best reach 0 after they close" \
		"still $(status_flows "$best")"
fi
ctl backend del tcp "$VIP:80" "$best" >/dev/null
rc=$?
tap_check "[ $rc -eq 0 ] && ! ctl save | grep -q '$VIP:80 $best '" \
	"backend del succeeds once the drained backend has no flow"
ctl backend add tcp "$VIP:80" "$best" >/dev/null
# drain with a timeout: removed by itself once it has no live flow
wait_for "[ \$(status_flows 198.18.0.11) -eq 0 ]" 10
ctl backend drain tcp "$VIP:80" 198.18.0.11 timeout 30s >/dev/null
if wait_for "! ctl save | grep -q '$VIP:80 198.18.0.11 '" 5; then
	tap_ok "drain with timeout removes an idle backend by itself"
else
	tap_fail "drain with timeout removes an idle backend by itself"
fi
ctl backend add tcp "$VIP:80" 198.18.0.11 >/dev/null
# drain with a timeout that runs out: removed although flows remain. The
# connections go on until tka.release, as above: on a loaded machine the
# steps before the drain may outlast their 40 requests, and a backend
# whose flows ended by themselves is removed for that, not the timeout.
rm -f "$tmp/tka.release"
for i in 1 2 3 4; do
	rm -f "$tmp/tka$i"
	bg_in_ns client "$TRAFFIC" ka "$VIP" "$tmp/tka$i" 40 0.25 \
		"$tmp/tka.release"
done
wait_for "[ \$(ka_up) -ge 4 ]" 20
best= bestn=0
for b in 198.18.0.11 198.18.0.12 198.18.0.13; do
	n=$(status_flows $b)
	[ "$n" -gt "$bestn" ] && best=$b bestn=$n
done
log_mark=$(wc -l <"$log")
t0=$SECONDS
ctl backend drain tcp "$VIP:80" "$best" timeout 1s >/dev/null
if wait_for "! ctl save | grep -q '$VIP:80 $best '" 5 &&
   tail -n +$((log_mark + 1)) "$log" | grep -q "drain of backend $best .*timeout reached"; then
	tap_ok "drain timeout removes $best after $((SECONDS - t0))s despite its $bestn flows"
else
	tap_fail "drain timeout removes $best despite its $bestn flows"
	tail -n +$((log_mark + 1)) "$log" | grep 'drain of backend' |
		sed 's/^/#   xlbd: /'
fi
ctl backend add tcp "$VIP:80" "$best" >/dev/null
touch "$tmp/tka.release"
wait_for "[ \$(ls '$tmp'/tka? 2>/dev/null | wc -l) -eq 4 ]" 30

# --- kill -9 and restart under traffic --------------------------------------
tap_diag "t=${SECONDS}s"
ctl save >"$tmp/save_before"
for i in 1 2 3; do
	rm -f "$tmp/kka$i"
	bg_in_ns client "$TRAFFIC" ka "$VIP" "$tmp/kka$i" 30 0.25
done
loop_start kill
wait_for "[ \$(loop_count kill) -ge 50 ]" 20
kill -KILL "$xlbd_pid"
wait "$xlbd_pid" 2>/dev/null
log_mark=$(wc -l <"$log")
start_xlbd
loop_stop kill 200
r=$(loop_result kill)
[ "${r#* }" = 0 ] || loop_fails kill
ctl save >"$tmp/save_after"
tap_check "[ '${r#* }' = 0 ]" "kill -9 and restart under traffic: $r (ok fail)"
tap_check "cmp -s '$tmp/save_before' '$tmp/save_after'" \
	"save output equal before and after the restart"
tail -n +$((log_mark + 1)) "$log" >"$tmp/restart.log"
tap_check "grep -q 'restored 2 VIPs from' '$tmp/restart.log' && grep -q 'kept the running XDP program' '$tmp/restart.log'" \
	"restart restores from the state file and keeps the running program"
wait_for "[ \$(ls '$tmp'/kka? 2>/dev/null | wc -l) -eq 3 ]" 30
bad=0
for i in 1 2 3; do
	read -r res name cnt <"$tmp/kka$i"
	[ "$res" = ok ] && [ "$cnt" = 30 ] || bad=$((bad + 1))
done
tap_check "[ $bad -eq 0 ]" "keep-alive connections across the restart complete all requests"

# --- upgrade under traffic ---------------------------------------------------
tap_diag "t=${SECONDS}s"
# A second xlbd whose data path has other instructions (BPF ISA v3 jumps),
# hence another program tag: a restart with it is an upgrade.
up=$tmp/upgrade
mkdir -p "$up"
if clang -O2 -g -target bpf -mcpu=v3 -Wall -Iinclude \
	-idirafter "/usr/include/$(gcc -dumpmachine)" \
	-c "$XLB_ROOT/bpf/xlb.bpf.c" -I"$XLB_ROOT/include" -o "$up/xlb.bpf.o" &&
   bpftool gen skeleton "$up/xlb.bpf.o" >"$up/xlb.skel.h" &&
   gcc -O2 -std=gnu11 -D_GNU_SOURCE -I"$up" -I"$XLB_ROOT/include" \
	-I"$XLB_ROOT/user" "$XLB_ROOT/user/xlbd.c" "$XLB_ROOT/user/maps.c" \
	"$XLB_ROOT/user/daemon.c" "$XLB_BUILD/libxlb.a" \
	$(pkg-config --libs libbpf libxdp json-c) -lelf -lz -o "$up/xlbd"; then
	tap_ok "built an xlbd with a different data path program"
else
	tap_fail "built an xlbd with a different data path program"
fi
tag() {
	in_ns lb1 ip link show eth0 | grep -o 'tag [0-9a-f]*'
}
ctl save >"$tmp/save_before"
for bin in "$up/xlbd" "$XLB_BUILD/xlbd"; do
	tag0=$(tag)
	loop_start up
	wait_for "[ \$(loop_count up) -ge 50 ]" 20
	kill -KILL "$xlbd_pid"
	wait "$xlbd_pid" 2>/dev/null
	log_mark=$(wc -l <"$log")
	bg_in_ns lb1 env LIBXDP_BPFFS="$LAB_BPFFS" "$bin" -v \
		-c "$conf" -s "$sock" -p "$pins" -S "$state" >>"$log" 2>&1
	xlbd_pid=${BG_PIDS[-1]}
	wait_for "ctl vip list" 20
	loop_stop up 200
	r=$(loop_result up)
	[ "${r#* }" = 0 ] || loop_fails up
	tag1=$(tag)
	tap_check "[ '${r#* }' = 0 ] && [ '$tag0' != '$tag1' ] && tail -n +$((log_mark + 1)) '$log' | grep -q 'upgraded the XDP program' && ctl save | cmp -s - '$tmp/save_before'" \
		"restart with ${bin#$XLB_ROOT/} swaps the program ($tag0 -> $tag1) under traffic: $r (ok fail)"
done

# --- SIGHUP -----------------------------------------------------------------
tap_diag "t=${SECONDS}s"
cp "$conf" "$tmp/good.conf"
printf 'backend add tcp %s:80 198.18.0.13 weight banana\n' "$VIP" >>"$conf"
badline=$(wc -l <"$conf")
ctl save >"$tmp/save_before"
: >"$log"
kill -HUP "$xlbd_pid"
if wait_for "grep -q 'reload:' '$log'" 5 &&
   grep -q "$conf:$badline: .*keeping the running configuration" "$log"; then
	tap_ok "SIGHUP with a broken config logs FILE:LINE and keeps running"
else
	dump_log 5
	tap_fail "SIGHUP with a broken config logs FILE:LINE and keeps running"
fi
ctl save >"$tmp/save_after"
ok=0
for i in 1 2 3 4 5; do
	in_ns client curl -sf -m 2 "http://$VIP/" >/dev/null && ok=$((ok + 1))
done
tap_check "cmp -s '$tmp/save_before' '$tmp/save_after' && [ $ok -eq 5 ]" \
	"state unchanged and traffic unaffected after the broken reload"

# The changed config: VIP4 loses be2, VIP6 loses ::12, ::11 gets weight 50.
cat >"$conf" <<-EOF
interface eth0
encap-source 198.18.0.2
encap-source 2001:db8::2
hash-seed 42
conntrack-size 65536
vip add tcp $VIP:80
backend add tcp $VIP:80 198.18.0.11
backend add tcp $VIP:80 198.18.0.13
vip add tcp [$LAB_VIP6]:80
backend add tcp [$LAB_VIP6]:80 2001:db8::11 weight 50
backend add tcp [$LAB_VIP6]:80 2001:db8::13
EOF
: >"$log"
kill -HUP "$xlbd_pid"
wait_for "grep -q 'reloaded' '$log'" 5
s=$(ctl save)
tap_check "grep -q '$VIP:80 198.18.0.13 ' <<<'$s' && ! grep -q '$VIP:80 198.18.0.12 ' <<<'$s' && ! grep -q '2001:db8::12 ' <<<'$s' && grep -q '2001:db8::11 weight 50' <<<'$s'" \
	"SIGHUP with a changed config applies the difference"
tap_check "[ \$(in_ns lb1 ip neigh show to 2001:db8::12 dev eth0 | grep -c managed) -eq 0 ] && [ \$(in_ns lb1 ip neigh show to 2001:db8::13 dev eth0 | grep -c managed) -eq 1 ]" \
	"the managed neighbour of a removed backend is removed"
ok=0
for i in 1 2 3 4 5; do
	in_ns client curl -sf -g -m 2 "http://[$LAB_VIP6]/" >/dev/null && ok=$((ok + 1))
done
tap_check "[ $ok -eq 5 ]" "IPv6 VIP serves after the reload"

# Every backend of a VIP draining: the VIP stays, with an empty table.
log_mark=$(wc -l <"$log")
for b in 2001:db8::11 2001:db8::13; do
	ctl backend drain tcp "[$LAB_VIP6]:80" "$b" >/dev/null
done
in_ns client curl -s -g --connect-timeout 1 -m 2 -o /dev/null \
	"http://[$LAB_VIP6]/"
rc=$?
tap_check "[ $rc -eq 28 ] && [ \$(ctl vip list | grep -c '^tcp') -eq 2 ] && tail -n +$((log_mark + 1)) '$log' | grep -q 'warning: tcp \\[$LAB_VIP6\\]:80 has no active backend'" \
	"a VIP whose backends all drain stays with an empty table (curl $rc), loudly"
for b in 2001:db8::11 2001:db8::13; do
	ctl backend undrain tcp "[$LAB_VIP6]:80" "$b" >/dev/null
done
tap_check "in_ns client curl -sf -g -m 2 -o /dev/null 'http://[$LAB_VIP6]/'" \
	"undrained, the VIP serves again"

# --- a second daemon in another namespace -----------------------------------
tap_diag "t=${SECONDS}s"
conf2=$tmp/lb2.conf sock2=$tmp/lb2.sock pins2=$LAB_BPFFS/lb2
"$LAB" lb-config lb2 >"$conf2"
echo "conntrack-size 65536" >>"$conf2"
bg_in_ns lb2 env LIBXDP_BPFFS="$LAB_BPFFS" "$XLB_BUILD/xlbd" -c "$conf2" \
	-s "$sock2" -p "$pins2" -S "$tmp/lb2.state" >"$tmp/lb2.log" 2>&1
lb2_pid=${BG_PIDS[-1]}
wait_for "'$XLB_BUILD/xlbctl' -s '$sock2' vip list" 20
n1=$(ctl vip list | grep -c '^tcp')
n2=$("$XLB_BUILD/xlbctl" -s "$sock2" save | grep -c '^backend add')
tap_check "[ $n1 -eq 2 ] && [ $n2 -eq 6 ] && [ -e '$pins2/xlb_vips' ] && [ -e '$pins/xlb_vips' ] && kill -0 $xlbd_pid" \
	"two daemons in two namespaces run side by side ($n1 VIPs, $n2 backends)"

# --- shutdown and detach ------------------------------------------------------
"$XLB_BUILD/xlbctl" -s "$sock2" shutdown >/dev/null
wait_for "! kill -0 $lb2_pid" 10
wait "$lb2_pid"
rc=$?
tap_check "[ $rc -eq 0 ] && ! in_ns lb2 ip link show eth0 | grep -q prog/xdp && [ ! -e '$pins2/xlb_vips' ] && [ ! -e '$sock2' ]" \
	"xlbctl shutdown detaches, unpins and exits 0"

: >"$log"
kill -TERM "$xlbd_pid"
wait "$xlbd_pid"
rc=$?
ok=0
for i in 1 2 3 4 5; do
	in_ns client curl -sf -m 2 "http://$VIP/" >/dev/null && ok=$((ok + 1))
done
tap_check "[ $rc -eq 0 ] && [ $ok -eq 5 ] && grep -q 'keeps forwarding' '$log'" \
	"after SIGTERM the data path keeps forwarding ($ok/5)"
in_ns lb1 env LIBXDP_BPFFS="$LAB_BPFFS" "$XLB_BUILD/xlbd" --detach \
	-c "$conf" -p "$pins" >"$tmp/detach.log" 2>&1
rc=$?
tap_check "[ $rc -eq 0 ] && ! in_ns lb1 ip link show eth0 | grep -q prog/xdp && [ ! -e '$pins/xlb_vips' ]" \
	"xlbd --detach removes the program and the pins"
[ -s "$tmp/detach.log" ] && [ $rc -ne 0 ] &&
	sed 's/^/#   /' "$tmp/detach.log"
tap_diag "t=${SECONDS}s"

tap_done
