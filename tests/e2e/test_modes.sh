#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Forwarding modes through xlbd in the namespace lab: a gue VIP (GUE to
# the backends, decapsulated by xlb-decap) and an l2 VIP (direct routing:
# MAC rewrite, the backends hold the VIP on lo) serve real TCP; a VIP
# changes mode at run time; an l2 backend that is not directly connected
# is refused with a clear error and changes nothing. Loops bounded.
set -u
export LAB_PREFIX=wm$$
. "$(dirname "$0")/../lib.sh"

VIP=$LAB_VIP4
VIP6=$LAB_VIP6

[ "$(id -u)" -eq 0 ] || tap_bail "running as root" "e2e tests need root"
for f in xlbd xlbctl xlb-decap pass.bpf.o xlb.bpf.o; do
	[ -e "$XLB_BUILD/$f" ] || tap_bail "$f built" "$XLB_BUILD/$f missing"
done

tap_diag "t=${SECONDS}s"
lab_up || tap_bail "lab up" "scripts/lab.sh up failed"
tap_ok "lab up"

lb1_setup modes
cat >"$conf" <<-EOF
	interface eth0
	encap-source 198.18.0.2
	encap-source 2001:db8::2
	conntrack-size 65536
	vip add tcp $VIP:80 mode gue
	backend add tcp $VIP:80 198.18.0.11
	backend add tcp $VIP:80 198.18.0.12
	vip add tcp [$VIP6]:80 mode l2
	backend add tcp [$VIP6]:80 2001:db8::12
	backend add tcp [$VIP6]:80 2001:db8::13
	EOF

decapped() {	# HOST: packets its xlb-decap stripped so far
	in_ns "$1" env LIBXDP_BPFFS="$LAB_BPFFS" "$XLB_BUILD/xlb-decap" \
		status eth0 | awk '$1 == "decapsulated" { print $2 }'
}

if start_xlbd; then
	tap_ok "xlbd up with a gue and an l2 VIP"
else
	dump_log
	tap_bail "xlbd up" "no answer on the control socket"
fi
modes=$(ctl vip list | awk 'NR > 1 { print $3 }' | sort | tr '\n' ' ')
tap_check "[ '$modes' = 'gue l2 ' ]" "vip list shows the modes: $modes"

# Requests on new connections; NAME... the servers allowed to answer.
serve() {	# URL N NAME...: N connections, each answered by one of NAME
	local url=$1 n=$2 i out ok=0
	shift 2
	for ((i = 0; i < n; i++)); do
		out=$(in_ns client curl -gsf -m 2 "$url") || continue
		[[ " $* " == *" $out "* ]] && ok=$((ok + 1))
	done
	echo $ok
}

# --- gue --------------------------------------------------------------------
tap_diag "t=${SECONDS}s"
wait_for "in_ns client curl -sf -m 1 http://$VIP/" 15
d0=$(( $(decapped be1) + $(decapped be2) ))
ok=$(serve "http://$VIP/" 20 be1 be2)
d1=$(( $(decapped be1) + $(decapped be2) ))
tap_check "[ $ok -eq 20 ] && [ $((d1 - d0)) -ge 60 ]" \
	"gue VIP: 20 of 20 connections served by be1/be2 ($ok), $((d1 - d0)) GUE packets decapsulated"
want=$(sha256sum <"$LAB_RUN/be1/www/big" | cut -d' ' -f1)
want2=$(sha256sum <"$LAB_RUN/be2/www/big" | cut -d' ' -f1)
got=$(in_ns client curl -sf -m 10 "http://$VIP/big" | sha256sum | cut -d' ' -f1)
tap_check "[ '$got' = '$want' ] || [ '$got' = '$want2' ]" \
	"gue VIP: a 256 KB body arrives whole from one backend"

# --- l2 ---------------------------------------------------------------------
tap_diag "t=${SECONDS}s"
d0=$(( $(decapped be2) + $(decapped be3) ))
ok=$(serve "http://[$VIP6]/" 20 be2 be3)
d1=$(( $(decapped be2) + $(decapped be3) ))
tap_check "[ $ok -eq 20 ] && [ $d1 -eq $d0 ]" \
	"l2 VIP: 20 of 20 connections served by be2/be3 ($ok), no tunnel ($((d1 - d0)) decapsulated)"
want=$(sha256sum <"$LAB_RUN/be3/www/big" | cut -d' ' -f1)
got=$(in_ns client curl -gsf -m 10 "http://[$VIP6]/big" | sha256sum |
	cut -d' ' -f1)
tap_check "[ '$got' = '$want' ] || [ '$got' = '$want2' ]" \
	"l2 VIP: a 256 KB body arrives whole from one backend"

# --- mode change at run time: the IPv4 VIP becomes l2 ----------------------
ctl vip del tcp $VIP:80 >/dev/null
out=$(ctl vip add tcp $VIP:80 mode l2 2>&1 &&
	ctl backend add tcp $VIP:80 198.18.0.13 2>&1)
d0=$(decapped be3)
ok=$(serve "http://$VIP/" 10 be3)
d1=$(decapped be3)
tap_check "[ $ok -eq 10 ] && [ $d1 -eq $d0 ]" \
	"IPv4 VIP re-added as l2 at run time serves 10 of 10 ($ok) without a tunnel: $out"

# --- an l2 backend off the segment is refused ----------------------------------
in_ns lb1 ip route add 198.19.5.0/24 via 198.18.0.13
before=$(ctl save)
out=$(ctl backend add tcp $VIP:80 198.19.5.5 2>&1)
rc=$?
after=$(ctl save)
tap_check "[ $rc -ne 0 ] && [[ '$out' == *'backend 198.19.5.5 of l2 VIP 198.18.0.100:80 is not on the segment of eth0 (its route goes via 198.18.0.13 dev eth0)'* ]] && [ \"\$before\" = \"\$after\" ]" \
	"l2 backend behind a gateway refused, config unchanged: $out"
out=$(ctl backend add tcp [$VIP6]:80 2001:db8:77::1 2>&1)
rc=$?
tap_check "[ $rc -ne 0 ] && [[ '$out' == *'2001:db8:77::1 of l2 VIP'*'route lookup'* ]]" \
	"l2 backend without a route refused: $out"
ok=$(serve "http://$VIP/" 5 be3)
tap_check "[ $ok -eq 5 ]" "the VIP still serves after the refusals ($ok of 5)"

tap_diag "t=${SECONDS}s"
lab_down
left=$(ip netns list | grep -c "^$LAB_PREFIX-")
tap_check "[ $left -eq 0 ]" "lab removed, no namespace left"
tap_done
