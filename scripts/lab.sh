#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The xlb namespace lab: a flat L2 network of namespaces joined by a bridge.
# The e2e tests and `make demo` use this script; there is no other copy.
#
#   scripts/lab.sh up [--lb2] [--no-vip] [--mtu N]
#                                          build the lab, start the servers
#   scripts/lab.sh down                    remove everything (idempotent)
#   scripts/lab.sh status                  show what exists
#   scripts/lab.sh vip-to HOST             move the VIPs to HOST's eth0
#   scripts/lab.sh lb-config [HOST]        print a sample xlbd config
#   scripts/lab.sh env                     print the lab's variables
#
# Namespaces (P = $LAB_PREFIX, default "xlb"):
#   P-sw      bridge br0; one veth end per host, named after the host
#   P-client  eth0 198.18.0.1/24  2001:db8::1/64
#   P-lb1     eth0 198.18.0.2/24  2001:db8::2/64
#   P-lb2     eth0 198.18.0.3/24  2001:db8::3/64  (with --lb2)
#   P-be1..3  eth0 198.18.0.11-13 2001:db8::11-13, VIPs on lo, nginx on :80
#
# VIPs 198.18.0.100 and 2001:db8::100. The backends hold them on lo and
# never answer ARP/ND for them (arp_ignore/arp_announce; Linux answers ND
# only for addresses on the receiving interface). The client must resolve
# the VIP to the load balancer, so `up` puts the VIPs on lb1's eth0 (as
# the VRRP master would hold them); --no-vip leaves that to the caller and
# `vip-to HOST` moves them. The load balancer itself is not started here.
#
# MTU: encapsulation adds up to 40 bytes, so the load balancers' and the
# backends' veths (both ends) have MTU 1600 while the client keeps 1500.
# A backend's replies go straight to the client, so its routes into the
# lab subnet carry mtu 1500: no reply is larger than the client accepts.
# --mtu N gives the load balancers' and backends' links MTU N instead:
# with 1500 the encapsulated path is smaller than the client's packets,
# which is what path MTU discovery through the balancer is tested with.
#
# bpffs: `ip netns exec` gives each command a fresh sysfs, so a bpffs
# mounted inside it dies with the command. The lab mounts one bpffs of its
# own under its run directory (LAB_BPFFS), visible in every namespace;
# xlb-decap's libxdp pins (LIBXDP_BPFFS) and the daemon's pins go there.
set -u

P=${LAB_PREFIX:-xlb}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
B=${XLB_BUILD:-$ROOT/build}
RUN=/run/xlb-lab/$P
LAB_BPFFS=$RUN/bpffs
VIP4=198.18.0.100
VIP6=2001:db8::100
LB_MTU=1600
WAIT=${LAB_WAIT:-10}	# seconds any single wait may take

HOSTS_ALL="client lb1 lb2 be1 be2 be3"
BACKENDS="be1 be2 be3"

die() {
	echo "lab: $*" >&2
	exit 1
}

host_num() {	# HOST -> last address byte (decimal) and MAC suffix
	case $1 in
	client) echo 1 ;;
	lb1) echo 2 ;;
	lb2) echo 3 ;;
	be1) echo 11 ;;
	be2) echo 12 ;;
	be3) echo 13 ;;
	*) return 1 ;;
	esac
}

addr4() { echo "198.18.0.$(host_num "$1")"; }
addr6() { echo "2001:db8::$(host_num "$1")"; }

ns() { echo "$P-$1"; }

nsx() {	# HOST CMD...: run CMD in HOST's namespace
	local h=$1
	shift
	ip netns exec "$(ns "$h")" "$@"
}

ns_exists() {
	[ -e "/run/netns/$(ns "$1")" ]
}

# Poll CMD until it succeeds, for at most WAIT seconds.
wait_until() {
	local deadline=$((SECONDS + WAIT))

	while ! "$@" >/dev/null 2>&1; do
		[ $SECONDS -ge $deadline ] && return 1
		sleep 0.1
	done
	return 0
}

mount_bpffs() {
	mkdir -p "$LAB_BPFFS" || return 1
	if ! mountpoint -q "$LAB_BPFFS"; then
		mount -t bpf bpf "$LAB_BPFFS" -o mode=0700 || return 1
	fi
}

# A host: namespace, veth to the switch, addresses, sysctls.
add_host() {
	local h=$1 mtu=$2 n mac

	n=$(host_num "$h")
	mac=$(printf '02:00:00:00:00:%02x' "$n")
	ip netns add "$(ns "$h")" || return 1
	# Before the veth exists, so that it inherits them: no DAD delay, and
	# no router solicitations or autoconfiguration noise.
	nsx "$h" sysctl -qw net.ipv6.conf.default.accept_dad=0 \
		net.ipv6.conf.all.accept_dad=0 \
		net.ipv6.conf.default.accept_ra=0 \
		net.ipv6.conf.default.router_solicitations=0 || return 1
	ip -n "$(ns sw)" link add "$h" mtu "$mtu" type veth peer name eth0 \
		netns "$(ns "$h")" address "$mac" mtu "$mtu" || return 1
	ip -n "$(ns sw)" link set "$h" master br0 up || return 1
	nsx sw ethtool -K "$h" tx off >/dev/null || return 1
	# XDP_TX on the host's eth0 reaches this end only if it runs XDP.
	ip -n "$(ns sw)" link set dev "$h" xdpdrv obj "$B/pass.bpf.o" \
		sec xdp || return 1
	ip -n "$(ns "$h")" link set lo up || return 1
	ip -n "$(ns "$h")" link set eth0 up || return 1
	# Local TCP on a veth leaves checksums partial; after an XDP rewrite
	# nobody would complete them.
	nsx "$h" ethtool -K eth0 tx off >/dev/null || return 1
	ip -n "$(ns "$h")" addr add "$(addr4 "$h")/24" dev eth0 || return 1
	ip -n "$(ns "$h")" addr add "$(addr6 "$h")/64" dev eth0 nodad ||
		return 1
}

# Keep a host's replies within the client's 1500 bytes (see the top).
clamp_routes() {
	local h=$1

	ip -n "$(ns "$h")" route change 198.18.0.0/24 dev eth0 proto kernel \
		scope link src "$(addr4 "$h")" mtu 1500 || return 1
	ip -n "$(ns "$h")" -6 route change 2001:db8::/64 dev eth0 \
		proto kernel metric 256 mtu 1500 || return 1
}

add_lb() {
	local h=$1

	add_host "$h" $LB_MTU || return 1
	clamp_routes "$h" || return 1
	# bpf_fib_lookup answers "forwarding disabled" otherwise.
	nsx "$h" sysctl -qw net.ipv4.conf.all.forwarding=1 \
		net.ipv4.conf.eth0.forwarding=1 \
		net.ipv6.conf.all.forwarding=1 \
		net.ipv6.conf.eth0.forwarding=1 >/dev/null || return 1
}

nginx_conf() {	# HOST: write the server's config and content
	local h=$1 d=$RUN/$1

	mkdir -p "$d/www" "$d/tmp" || return 1
	printf '%s\n' "$h" >"$d/www/name" || return 1
	# A body unique to this backend, large enough to span many segments:
	# a client can tell by its checksum that one backend sent all of it.
	head -c 262144 /dev/urandom >"$d/www/big" || return 1
	cat >"$d/nginx.conf" <<-EOF || return 1
	# generated by scripts/lab.sh for $h
	user root;
	worker_processes 1;
	daemon on;
	pid $d/nginx.pid;
	error_log $d/error.log warn;
	events { worker_connections 256; }
	http {
		access_log $d/access.log;
		client_body_temp_path $d/tmp/body;
		proxy_temp_path $d/tmp/proxy;
		fastcgi_temp_path $d/tmp/fastcgi;
		uwsgi_temp_path $d/tmp/uwsgi;
		scgi_temp_path $d/tmp/scgi;
		default_type text/plain;
		keepalive_requests 1000;
		server {
			listen 80;
			listen [::]:80 ipv6only=on;
			root $d/www;
			add_header X-Backend $h always;
			location = / { return 200 "$h\n"; }
		}
	}
	EOF
}

add_backend() {
	local h=$1

	add_host "$h" $LB_MTU || return 1
	clamp_routes "$h" || return 1
	ip -n "$(ns "$h")" addr add "$VIP4/32" dev lo || return 1
	ip -n "$(ns "$h")" addr add "$VIP6/128" dev lo || return 1
	# Never answer ARP for the VIP on lo, never use it as ARP source.
	nsx "$h" sysctl -qw net.ipv4.conf.all.arp_ignore=1 \
		net.ipv4.conf.eth0.arp_ignore=1 \
		net.ipv4.conf.all.arp_announce=2 \
		net.ipv4.conf.eth0.arp_announce=2 >/dev/null || return 1
	nsx "$h" env LIBXDP_BPFFS="$LAB_BPFFS" "$B/xlb-decap" attach eth0 \
		>/dev/null || return 1
	nginx_conf "$h" || return 1
	nsx "$h" nginx -c "$RUN/$h/nginx.conf" || return 1
}

backend_ready() {	# HOST: its server answers on its own address
	nsx "$1" curl -s -m 1 -o /dev/null "http://$(addr4 "$1")/"
}

# VIPs on HOST's eth0 only (and off every other load balancer).
vip_to() {
	local h=$1 o

	for o in lb1 lb2; do
		ns_exists "$o" || continue
		ip -n "$(ns "$o")" addr del "$VIP4/32" dev eth0 2>/dev/null ||
			true
		ip -n "$(ns "$o")" addr del "$VIP6/128" dev eth0 2>/dev/null ||
			true
	done
	ip -n "$(ns "$h")" addr add "$VIP4/32" dev eth0 || return 1
	# Deprecated (preferred_lft 0): still received and answered for, but
	# never picked as a source address. Otherwise the host's own IPv6
	# connections to the backends (health checks) would come from the
	# VIP, and the backends would answer their own lo.
	ip -n "$(ns "$h")" addr add "$VIP6/128" dev eth0 nodad \
		preferred_lft 0 || return 1
	# Tell the neighbours at once, as a VRRP master would.
	nsx "$h" arping -q -U -c 1 -I eth0 "$VIP4" >/dev/null 2>&1 || true
	ns_exists client || return 0
	ip -n "$(ns client)" neigh flush to "$VIP4" 2>/dev/null || true
	ip -n "$(ns client)" -6 neigh flush to "$VIP6" 2>/dev/null || true
}

stop_servers() {
	local h pid deadline

	for h in $BACKENDS; do
		[ -f "$RUN/$h/nginx.pid" ] || continue
		pid=$(cat "$RUN/$h/nginx.pid" 2>/dev/null)
		[ -n "$pid" ] || continue
		kill "$pid" 2>/dev/null || continue
		deadline=$((SECONDS + WAIT))
		while kill -0 "$pid" 2>/dev/null &&
		      [ $SECONDS -lt $deadline ]; do
			sleep 0.1
		done
		kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
	done
	return 0
}

do_down() {
	local h

	stop_servers
	for h in $HOSTS_ALL sw; do
		ns_exists "$h" && ip netns del "$(ns "$h")"
	done
	if mountpoint -q "$LAB_BPFFS" 2>/dev/null; then
		umount "$LAB_BPFFS" || echo "lab: umount $LAB_BPFFS failed" >&2
	fi
	rm -rf "$RUN"
	rmdir /run/xlb-lab 2>/dev/null
	return 0
}

do_up() {
	local lb2=0 vip=1 h

	while [ $# -gt 0 ]; do
		case $1 in
		--lb2) lb2=1 ;;
		--no-vip) vip=0 ;;
		--mtu)
			[[ ${2:-} =~ ^[0-9]+$ ]] && [ "$2" -ge 1280 ] &&
				[ "$2" -le 9000 ] ||
				die "up: --mtu needs a number 1280..9000"
			LB_MTU=$2
			shift ;;
		*) die "up: unknown option '$1'; expected: --lb2 --no-vip" \
			"--mtu N" ;;
		esac
		shift
	done
	[ "$(id -u)" -eq 0 ] || die "up: needs root"
	for f in "$B/xlb-decap" "$B/pass.bpf.o"; do
		[ -e "$f" ] || die "up: $f missing (run make)"
	done
	ns_exists sw && die "up: lab '$P' exists (scripts/lab.sh down first)"
	# Anything half built is removed again.
	trap 'echo "lab: up failed in ${FUNCNAME[0]}, line $LINENO" >&2
		do_down; exit 1' ERR
	set -E
	mkdir -p "$RUN"
	mount_bpffs
	ip netns add "$(ns sw)"
	ip -n "$(ns sw)" link add br0 type bridge mcast_snooping 0
	ip -n "$(ns sw)" link set br0 up
	add_host client 1500
	add_lb lb1
	[ $lb2 -eq 1 ] && add_lb lb2
	for h in $BACKENDS; do
		add_backend "$h"
	done
	[ $vip -eq 1 ] && vip_to lb1
	for h in $BACKENDS; do
		wait_until backend_ready "$h" || {
			echo "lab: $h: server did not answer" >&2
			false
		}
	done
	trap - ERR
	set +E
	h=$(ip netns list | grep -o "^$P-[a-z0-9]*" | sort | tr '\n' ' ')
	echo "lab '$P' up: $h"
}

do_status() {
	local h n=0

	for h in sw $HOSTS_ALL; do
		ns_exists "$h" || continue
		n=$((n + 1))
		echo "== $(ns "$h")"
		ip -n "$(ns "$h")" -br addr show |
			grep -v '^lo .*UNKNOWN *127.0.0.1/8 ::1/128 *$'
		ip -n "$(ns "$h")" link show | grep -o 'prog/xdp.*' |
			sed 's/^/   /'
		if [ -f "$RUN/$h/nginx.pid" ] &&
		   kill -0 "$(cat "$RUN/$h/nginx.pid")" 2>/dev/null; then
			echo "   nginx running (pid $(cat "$RUN/$h/nginx.pid"))"
		fi
	done
	mountpoint -q "$LAB_BPFFS" 2>/dev/null && echo "bpffs: $LAB_BPFFS"
	[ $n -gt 0 ] || { echo "lab '$P': nothing exists"; return 1; }
}

do_lb_config() {
	local h=${1:-lb1} b

	cat <<-EOF
	# xlbd config for the lab's $h (scripts/lab.sh lb-config)
	interface eth0
	encap-source $(addr4 "$h")
	encap-source $(addr6 "$h")
	hash-seed 42
	vip add tcp $VIP4:80
	EOF
	for b in $BACKENDS; do
		echo "backend add tcp $VIP4:80 $(addr4 "$b")"
	done
	echo "vip add tcp [$VIP6]:80"
	for b in $BACKENDS; do
		echo "backend add tcp [$VIP6]:80 $(addr6 "$b")"
	done
}

do_env() {
	cat <<-EOF
	LAB_PREFIX=$P
	LAB_RUN=$RUN
	LAB_BPFFS=$LAB_BPFFS
	LAB_VIP4=$VIP4
	LAB_VIP6=$VIP6
	EOF
}

cmd=${1:-}
[ $# -gt 0 ] && shift
case $cmd in
up) do_up "$@" ;;
down) do_down ;;
status) do_status ;;
vip-to)
	case ${1:-}/$# in
	lb1/1 | lb2/1)
		ns_exists "$1" || die "vip-to: $(ns "$1") does not exist" ;;
	*) die "vip-to: expected lb1 or lb2" ;;
	esac
	vip_to "$1"
	;;
lb-config) do_lb_config "$@" ;;
env) do_env ;;
*)
	sed -n '/^#   scripts\/lab.sh/s/^#   /usage: /p' "$0" >&2
	exit 1
	;;
esac
