#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# xlb-decap on a lab backend: each of the four tunnel mixes sent from lb1
# reaches be1's kernel as the client's packet (it answers the ICMP echo);
# tunnels to another address and malformed ones are not delivered; the
# command line attaches, refuses, reports and detaches as documented.
set -u
. "$(dirname "$0")/../lib.sh"

PY=/usr/bin/python3	# Debian's, which has scapy

[ "$(id -u)" -eq 0 ] || tap_bail "running as root" "e2e tests need root"
for f in xlb-decap pass.bpf.o; do
	[ -e "$XLB_BUILD/$f" ] || tap_bail "$f built" "$XLB_BUILD/$f missing"
done
$PY -c 'import scapy.all' 2>/dev/null ||
	tap_bail "scapy available" "$PY cannot import scapy"

lab_up --no-vip || tap_bail "lab up" "scripts/lab.sh up failed"
tap_ok "lab up"

tmp=$LAB_RUN/test
mkdir -p "$tmp"

decap() {	# ARGS...: xlb-decap on be1
	in_ns be1 env LIBXDP_BPFFS="$LAB_BPFFS" "$XLB_BUILD/xlb-decap" "$@"
}

ctr() {	# NAME: packets of one xlb-decap counter on be1
	decap status eth0 | awk -v n="$1" '$1 == n { print $2 }'
}

echos() {	# be1's kernel: ICMP and ICMPv6 echo requests received
	in_ns be1 awk '/^Icmp: / { if (!h) { for (i = 1; i <= NF; i++)
				   if ($i == "InEchos") c = i; h = 1 }
				   else v4 = $c }
		       END { printf "%d", v4 }' /proc/net/snmp
	echo -n " "
	in_ns be1 awk '$1 == "Icmp6InEchos" { print $2 }' /proc/net/snmp6
}

be1_mac=$(in_ns be1 cat /sys/class/net/eth0/address)
lb1_mac=$(in_ns lb1 cat /sys/class/net/eth0/address)

# send WHAT: lb1 sends tunnel frames to be1's MAC. WHAT is "mixes" (the
# four families, an ICMP echo from the client to the VIP inside),
# "transit" (the same, outer destination be2) or "malformed".
cat >"$tmp/send.py" <<'EOF'
import sys
from scapy.all import Ether, IP, IPv6, ICMP, ICMPv6EchoRequest, sendp
what, dmac, smac = sys.argv[1:4]
i4 = IP(src="198.18.0.1", dst="198.18.0.100") / ICMP(id=7, seq=1)
i6 = IPv6(src="2001:db8::1", dst="2001:db8::100") / \
    ICMPv6EchoRequest(id=7, seq=1)
if what == "transit":
    d4, d6 = "198.18.0.12", "2001:db8::12"
else:
    d4, d6 = "198.18.0.11", "2001:db8::11"


def o4(p):
    return IP(src="198.18.0.2", dst=d4, proto=p)


def o6(p):
    return IPv6(src="2001:db8::2", dst=d6, nh=p)


if what == "malformed":
    # the inner header is cut short inside a consistent outer one
    pk = [o4(4) / bytes(i4)[:12]]
else:
    pk = [o4(4) / i4, o6(41) / i6, o4(41) / i6, o6(4) / i4]
sendp([Ether(src=smac, dst=dmac) / p for p in pk], iface="eth0",
      verbose=False)
EOF

send() {
	in_ns lb1 $PY "$tmp/send.py" "$1" "$be1_mac" "$lb1_mac" ||
		tap_diag "sending $1 frames failed"
}

out=$(decap status eth0)
rc=$?
tap_check "[ $rc -eq 0 ] && grep -q '^eth0: attached, native mode' <<<'$out'" \
	"status: attached in native mode (exit $rc)"
tap_check "grep -qw 198.18.0.11 <<<'$out' && grep -qw 2001:db8::11 <<<'$out'" \
	"status lists be1's addresses"

d0=$(ctr decapsulated)
e0=$(echos)
send mixes
want="$(( ${e0% *} + 2 )) $(( ${e0#* } + 2 ))"
name="4 tunnel mixes reach be1's kernel as the client's echo requests"
if wait_for "[ \"\$(echos)\" = '$want' ]" 5; then
	tap_ok "$name"
else
	tap_fail "$name" \
		"echo requests (v4 v6) $e0 -> $(echos), expected $want"
fi
d1=$(ctr decapsulated)
tap_check "[ $((d1 - d0)) -eq 4 ]" "decapsulated counter +4 (got +$((d1 - d0)))"

p0=$(ctr passed)
e0=$(echos)
send transit
m0=$(ctr malformed)
send malformed
# Both are dropped somewhere; wait until the counters say where.
wait_for "[ \$(ctr malformed) -gt $m0 ]" 5
d2=$(ctr decapsulated)
p1=$(ctr passed)
tap_check "[ $d2 -eq $d1 ] && [ $((p1 - p0)) -ge 4 ] &&
	   [ '$(echos)' = '$e0' ]" \
	"tunnels to another host pass undecapsulated (passed +$((p1 - p0)))"
tap_check "[ $(ctr malformed) -eq $((m0 + 1)) ]" \
	"a truncated tunnel to be1 is dropped as malformed"

err=$(decap attach eth0 2>&1 >/dev/null)
rc=$?
msg='xlb-decap: attach to eth0: already attached (detach first)'
tap_check "[ $rc -eq 1 ] && [ '$err' = '$msg' ]" \
	"attach twice: refused, exit 1"
err=$(decap attach eth9 2>&1 >/dev/null)
rc=$?
msg='xlb-decap: attach to eth9: No such device'
tap_check "[ $rc -eq 1 ] && [ '$err' = '$msg' ]" \
	"attach to a missing interface: '$err', exit $rc"

out=$(decap detach eth0)
rc=$?
tap_check "[ $rc -eq 0 ] && [ '$out' = 'eth0: detached' ] &&
	   ! in_ns be1 ip link show eth0 | grep -q prog/xdp" \
	"detach removes the program"
out=$(decap status eth0)
rc=$?
tap_check "[ $rc -eq 1 ] && [ '$out' = 'eth0: not attached' ]" \
	"status when detached: 'not attached', exit 1"
err=$(decap detach eth0 2>&1)
rc=$?
msg='xlb-decap: detach from eth0: not attached'
tap_check "[ $rc -eq 1 ] && [ '$err' = '$msg' ]" \
	"detach when detached: refused, exit 1"

# Without the program the kernel sees IPIP it has no handler for.
e0=$(echos)
send mixes
# Nothing to wait for: the frames' absence is the point. The reference
# is a plain echo sent after them, which arrives in order.
in_ns client $PY -c 'from scapy.all import IP, ICMP, send
send(IP(dst="198.18.0.11") / ICMP(id=8), verbose=False)'
want="$(( ${e0% *} + 1 )) ${e0#* }"
wait_for "[ \"\$(echos)\" = '$want' ]" 5
tap_check "[ '$(echos)' = '$want' ]" \
	"detached: tunnels are no longer delivered (echos $e0 -> $(echos))"

out=$(decap attach eth0 generic)
rc=$?
tap_check "[ $rc -eq 0 ] &&
	   decap status eth0 | grep -q '^eth0: attached, generic mode'" \
	"attach generic: status says generic mode"
e0=$(echos)
send mixes
want="$(( ${e0% *} + 2 )) $(( ${e0#* } + 2 ))"
wait_for "[ \"\$(echos)\" = '$want' ]" 5
tap_check "[ '$(echos)' = '$want' ]" "generic mode decapsulates the 4 mixes too"
decap detach eth0 >/dev/null
decap attach eth0 >/dev/null
tap_check "decap status eth0 | grep -q '^eth0: attached, native mode'" \
	"re-attach in native mode"

tap_done
