#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# VRRP on a real link: two hosts a and b run vrrp_speaker (the vrrp core
# over vrrp_io) for an IPv4 and an IPv6 instance, with a client c on the
# same bridge. Checks the election, the virtual addresses moving with the
# master, gratuitous ARP / unsolicited NA updating the client's neighbour
# table, planned switchover, priority 0 resignation, crash takeover,
# unicast peers, and that adverts with TTL != 255 or from strangers are
# refused. Adverts every 200 ms keep it quick; the timing checks only
# bound from the side that a loaded machine cannot break.
set -u
. "$(dirname "$0")/../lib.sh"

SPK=$XLB_BUILD/tests/e2e/vrrp_speaker
P=xv$$
NS="$P-sw $P-a $P-b $P-c"
VIP4=198.18.0.100
VIP6=2001:db8::100
UVIP=198.18.0.101
T=20			# advert interval, centiseconds
declare -A MAC=([a]=02:00:5e:18:00:0a [b]=02:00:5e:18:00:0b
		[c]=02:00:5e:18:00:0c)
declare -A IP4=([a]=198.18.0.1 [b]=198.18.0.2 [c]=198.18.0.3)
declare -A IP6=([a]=2001:db8::1 [b]=2001:db8::2 [c]=2001:db8::3)
declare -A PID=()
DIR=

cleanup() {
	local k

	reap "${PID[@]}"
	for k in $NS; do
		ip netns del "$k" 2>/dev/null
	done
	[ -n "$DIR" ] && rm -rf "$DIR"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

[ "$(id -u)" -eq 0 ] || tap_bail "running as root" "e2e tests need root"
[ -x "$SPK" ] || tap_bail "vrrp_speaker built" "$SPK missing"
DIR=$(mktemp -d)

ns() {	# HOST CMD...
	local h=$1

	shift
	ip netns exec "$P-$h" "$@"
}

# A bridge in its own namespace; hosts a, b, c each with eth0 on it.
lab() {
	local h

	for h in sw a b c; do
		ip netns add "$P-$h" || return 1
		ns "$h" sysctl -qw net.ipv6.conf.default.accept_dad=0 \
			net.ipv6.conf.all.accept_dad=0 || return 1
		ip -n "$P-$h" link set lo up
	done
	ip -n "$P-sw" link add br0 type bridge mcast_snooping 0 || return 1
	ip -n "$P-sw" link set br0 up
	for h in a b c; do
		ip -n "$P-sw" link add "p$h" type veth peer name eth0 \
			netns "$P-$h" || return 1
		ip -n "$P-sw" link set "p$h" master br0 up
		ip -n "$P-$h" link set eth0 address "${MAC[$h]}" up
		ip -n "$P-$h" addr add "${IP4[$h]}/24" dev eth0
		ip -n "$P-$h" addr add "${IP6[$h]}/64" dev eth0 nodad
	done
}

# start NAME HOST ARGS...: a speaker, its events in $DIR/NAME.log
start() {
	local name=$1 h=$2

	shift 2
	# Not through ns(): $! must be the speaker, not a subshell.
	ip netns exec "$P-$h" "$SPK" -i eth0 -t "$T" "$@" \
		>"$DIR/$name.log" 2>"$DIR/$name.err" &
	PID[$name]=$!
}

stop() {	# NAME [SIGNAL]
	local i

	kill -"${2:-TERM}" "${PID[$1]}" 2>/dev/null
	for ((i = 0; i < 50; i++)); do
		kill -0 "${PID[$1]}" 2>/dev/null || break
		sleep 0.1
	done
	wait "${PID[$1]}"
	unset "PID[$1]"
} 2>/dev/null	# bash reports a killed job on its own stderr

state() {	# NAME: the state after the last transition
	awk '$2 == "state" { s = $4 } END { print s }' "$DIR/$1.log"
}

is() {	# NAME STATE
	[ "$(state "$1")" = "$2" ]
}

when() {	# NAME EVENT [ARG]: ms of the last such line
	awk -v e="$2" -v a="${3:-}" \
		'$2 == e && (a == "" || $4 == a) { t = $1 } END { print t }' \
		"$DIR/$1.log"
}

# RFC 5798 Master_Down_Interval in ms for priority PRIO at interval T, as
# vrrp_master_down_ms() computes it.
mdown() {	# PRIO
	echo $(( 3 * T * 10 + (256 - $1) * T * 10 / 256 ))
}

# The speakers print CLOCK_BOOTTIME milliseconds, as /proc/uptime counts.
now_ms() {
	awk '{ printf "%d\n", $1 * 1000 }' /proc/uptime
}

has_addr() {	# HOST ADDR
	ns "$1" ip -o addr show dev eth0 | grep -qw "${2//./\\.}"
}

# The client reaches ADDR: nothing listens on port 9, so the holder
# refuses the connection (curl 7) rather than letting it time out (28).
reach() {	# ADDR
	local url=http://$1:9/

	[[ $1 == *:* ]] && url=http://[$1]:9/
	ns c curl -s -g -m 2 "$url" >/dev/null
	[ $? -eq 7 ]
}

# The client's neighbour entry for ADDR carries HOST's MAC.
neigh_is() {	# ADDR HOST
	ns c ip neigh show "$1" dev eth0 | grep -q "lladdr ${MAC[$2]}"
}

drops() {	# NAME [REASON]
	grep -c " drop ${2:-}" "$DIR/$1.log"
}

dump() {
	local f

	for f in "$DIR"/*.log "$DIR"/*.err; do
		[ -s "$f" ] && sed "s|^|#   ${f##*/}: |" "$f" | tail -8
	done
}

check() {	# COND NAME
	if eval "$1"; then
		tap_ok "$2"
	else
		tap_fail "$2" "failed: $1"
		dump
	fi
}

lab || tap_bail "namespaces $P-{sw,a,b,c}" "setup failed"
tap_ok "namespaces $P-{sw,a,b,c} on a bridge"

# --- election over multicast, IPv4 and IPv6 -------------------------------
start a4 a -s "${IP4[a]}" -v 1 -p 200 -a $VIP4 -l 50
start a6 a -s "${IP6[a]}" -v 2 -p 200 -a $VIP6
start b4 b -s "${IP4[b]}" -v 1 -p 100 -a $VIP4
start b6 b -s "${IP6[b]}" -v 2 -p 100 -a $VIP6

check "wait_for 'is a4 master && is a6 master' 5" \
	"higher priority a is master of both instances"
check "is b4 backup && is b6 backup" "b is backup of both"
check "has_addr a $VIP4 && has_addr a $VIP6" "a holds the virtual addresses"
check "! has_addr b $VIP4 && ! has_addr b $VIP6" "b holds none"
# Stability is an absence: give b four master-down intervals to misbehave.
sleep 3
check "[ \$(grep -c ' state ' $DIR/b4.log) -eq 1 ] &&
       [ \$(grep -c ' state ' $DIR/b6.log) -eq 1 ]" \
	"b stays backup: a's adverts arrive intact (TTL, checksum, addresses)"
check "[ \$(drops b4) -eq 0 ] && [ \$(drops b6) -eq 0 ]" \
	"b dropped no advert"
check "reach $VIP4 && reach $VIP6" "client reaches both virtual addresses"
check "neigh_is $VIP4 a && neigh_is $VIP6 a" \
	"client resolved them to a's MAC"

# --- planned switchover: a4 lowers its priority below b4's ----------------
kill -USR1 "${PID[a4]}"
check "wait_for 'is b4 master && is a4 backup' 3" \
	"a4 at priority 50: b4 preempts, a4 steps down"
# From a4's last priority-200 advert (at most one interval before the
# change) b4 waits its master-down interval: it ignores priority 50.
check "[ \$(( \$(when b4 state master) - \$(when a4 prio) )) -ge \
	 $(( $(mdown 100) - T * 10 - 10 )) ]" \
	"b4 waited its master-down interval (RFC 5798 6.4.2)"
check "wait_for '! has_addr a $VIP4 && has_addr b $VIP4' 2" \
	"$VIP4 moved from a to b"
check "wait_for 'neigh_is $VIP4 b' 2" \
	"gratuitous ARP moved the client's entry to b's MAC"
check "reach $VIP4" "client reaches $VIP4 on b"

# --- resignation: a6 shuts down and sends priority 0 ----------------------
stop a6
check "wait_for 'is b6 master' 2" "b6 takes over after a6 resigned"
# Skew_Time is 121 ms; timing out would take at least master-down less
# one interval after the shutdown, 521 ms.
check "[ \$(( \$(when b6 state master) - \$(when a6 shutdown) )) -lt \
	 $(( $(mdown 100) - T * 10 )) ]" \
	"b6 waited only Skew_Time, not the master-down interval"
check "wait_for '! has_addr a $VIP6 && has_addr b $VIP6' 2" \
	"$VIP6 moved from a to b"
check "wait_for 'neigh_is $VIP6 b' 2" \
	"unsolicited NA moved the client's entry to b's MAC"
check "reach $VIP6" "client reaches $VIP6 on b"

# --- crash: b4 dies without a word ----------------------------------------
t_kill=$(now_ms)
stop b4 KILL
check "wait_for 'is a4 master' 3" "a4 takes over after b4 crashed"
# Master-down counts from b4's last advert, which left at most one
# interval before the kill (and /proc/uptime has 10 ms steps).
check "[ \$(( \$(when a4 state master) - t_kill )) -ge \
	 $(( $(mdown 50) - T * 10 - 10 )) ]" \
	"a4 waited its master-down interval"
check "has_addr a $VIP4" "a holds $VIP4 again"
stop a4
check "! has_addr a $VIP4 && [ \"\$(when a4 shutdown)\" != '' ]" \
	"a4 shut down and removed $VIP4"
stop b6
check "! has_addr b $VIP6" "b6 shut down and removed $VIP6"
ns b ip addr del "$VIP4/32" dev eth0 2>/dev/null	# left by the crash

# --- unicast peers --------------------------------------------------------
start ua a -s "${IP4[a]}" -v 3 -p 200 -a $UVIP -P "${IP4[b]}"
start ub b -s "${IP4[b]}" -v 3 -p 100 -a $UVIP -P "${IP4[a]}"
check "wait_for 'is ua master && is ub backup' 5" \
	"unicast: a master, b backup"
check "has_addr a $UVIP && ! has_addr b $UVIP" "unicast: a holds $UVIP"

# A stranger on c: with TTL 64 it is refused for the TTL, and with
# TTL 255 for not being a configured peer. Either way b stays backup.
start x1 c -s "${IP4[c]}" -v 3 -p 250 -a $UVIP -P "${IP4[b]}" -T 64
check "wait_for '[ \$(drops ub ttl) -ge 2 ]' 3" \
	"b refuses adverts with TTL 64"
stop x1
start x2 c -s "${IP4[c]}" -v 3 -p 250 -a $UVIP -P "${IP4[b]}"
check "wait_for '[ \$(drops ub peer) -ge 2 ]' 3" \
	"b refuses adverts from a non-peer"
stop x2
check "is ub backup && [ \$(grep -c ' state ' $DIR/ub.log) -eq 1 ] &&
       [ \$(drops ub) -eq \$(( \$(drops ub ttl) + \$(drops ub peer) )) ]" \
	"b never left backup and dropped nothing else"
check "is ua master" "a is still master"

tap_done
