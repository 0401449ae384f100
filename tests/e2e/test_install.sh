#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make install into a scratch DESTDIR: exactly the expected files with the
# expected modes, binaries identical to the build, man pages that render
# without a groff warning and name every word of the grammar (user/cmd.c),
# an example config that the installed xlbd accepts, and a systemd unit
# with the configured paths that systemd-analyze accepts. No network.
set -u
cd "$(dirname "$0")/../.." || exit 1
ROOT=$PWD
B=${XLB_BUILD:-$ROOT/build}
n=0
failed=0
dir=$(mktemp -d /tmp/xlb-install.XXXXXX)
trap 'rm -rf "$dir"' EXIT
trap 'exit 1' INT TERM

tap() {	# STATUS NAME [DIAG]
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		failed=$((failed + 1))
		[ -n "${3:-}" ] && printf '%s\n' "$3" | sed 's/^/#   /'
	fi
}

check() {	# NAME CMD...: CMD's status decides
	local name=$1 out

	shift
	out=$("$@" 2>&1)
	tap $? "$name" "$out"
}

install_to() {	# DESTDIR [make variables...]
	local d=$1

	shift
	make -s --no-print-directory -C "$ROOT" install DESTDIR="$d" \
		"$@" >"$dir/make.log" 2>&1
}

# --- default PREFIX --------------------------------------------------------
D=$dir/root
check "make install DESTDIR=... succeeds" install_to "$D"

expect="etc/xlb/xlb.conf.example 644
usr/local/lib/systemd/system/xlbd.service 644
usr/local/lib/xlb/decap.bpf.o 644
usr/local/lib/xlb/pass.bpf.o 644
usr/local/lib/xlb/xlb.bpf.o 644
usr/local/sbin/xlb-decap 755
usr/local/sbin/xlbctl 755
usr/local/sbin/xlbd 755
usr/local/share/man/man5/xlb.conf.5 644
usr/local/share/man/man8/xlbctl.8 644
usr/local/share/man/man8/xlbd.8 644"
got=$(cd "$D" && find . -type f -printf '%P %m\n' | LC_ALL=C sort)
tap "$([ "$got" = "$expect" ]; echo $?)" \
	"exactly the expected files with the expected modes" \
	"$(diff <(echo "$expect") <(echo "$got"))"

same=0
for f in xlbd xlbctl xlb-decap; do
	cmp -s "$B/$f" "$D/usr/local/sbin/$f" || same=1
done
for f in xlb decap pass; do
	cmp -s "$B/$f.bpf.o" "$D/usr/local/lib/xlb/$f.bpf.o" || same=1
done
tap $same "installed binaries and BPF objects are the built ones"

# --- man pages -------------------------------------------------------------
for p in man8/xlbd.8 man8/xlbctl.8 man5/xlb.conf.5; do
	f=$D/usr/local/share/man/$p
	warn=$(groff -ww -z -man "$f" 2>&1)
	txt=$(MANWIDTH=80 man -l "$f" 2>"$dir/man.err")
	rc=$?
	name=${p#*/}
	name=${name%.*}
	tap "$([ -z "$warn" ] && [ $rc -eq 0 ] && [ ! -s "$dir/man.err" ] &&
	       grep -q "^NAME" <<<"$txt" &&
	       grep -q "^ *$name - " <<<"$txt"; echo $?)" \
		"man -l renders ${p#*/} without warnings" \
		"$warn$(cat "$dir/man.err")"
done

# Every keyword of the grammar is described: the daemon and object
# statements in xlb.conf(5), the runtime commands in xlbctl(8), and the
# option words of both (the cmd_opt tables).
words=$(grep -oE '\.word = "[a-z0-9-]*"|\{ "[a-z0-9-]*", opt_' user/cmd.c |
	cut -d'"' -f2 | sort -u)
pages=$(for p in man5/xlb.conf.5 man8/xlbctl.8; do
	MANWIDTH=200 man -l "$D/usr/local/share/man/$p" 2>/dev/null
	done)
missing=
for w in $words; do
	grep -qw -- "$w" <<<"$pages" || missing="$missing $w"
done
tap "$([ -z "$missing" ] && [ -n "$words" ]; echo $?)" \
	"the man pages name every word of user/cmd.c's grammar" \
	"missing:$missing"

# --- example config ---------------------------------------------------------
out=$("$D/usr/local/sbin/xlbd" -n -c "$D/etc/xlb/xlb.conf.example" 2>&1)
tap "$([ "$out" = "configuration OK" ]; echo $?)" \
	"installed xlbd -n accepts the example config" "$out"

# --- systemd unit -----------------------------------------------------------
unit=$D/usr/local/lib/systemd/system/xlbd.service
tap "$(grep -qx 'ExecStart=/usr/local/sbin/xlbd -c /etc/xlb/xlb.conf' \
	"$unit" && ! grep -q @ "$unit"; echo $?)" \
	"unit runs /usr/local/sbin/xlbd -c /etc/xlb/xlb.conf"
caps="CAP_BPF CAP_NET_ADMIN CAP_SYS_ADMIN CAP_NET_RAW"
tap "$(grep -qx "CapabilityBoundingSet=$caps" "$unit" &&
       grep -qx "AmbientCapabilities=$caps" "$unit" &&
       grep -qx 'Restart=on-failure' "$unit" &&
       grep -qx 'ProtectSystem=strict' "$unit" &&
       grep -qx 'Type=simple' "$unit"; echo $?)" \
	"unit: capabilities, Restart=on-failure, ProtectSystem=strict"
# systemd-analyze checks that ExecStart's binary exists: point it into
# DESTDIR. --man=no: the pages are not in the host's manpath.
if command -v systemd-analyze >/dev/null; then
	mkdir -p "$dir/unit"
	sed "s|/usr/local/sbin/|$D/usr/local/sbin/|" "$unit" \
		>"$dir/unit/xlbd.service"
	check "systemd-analyze verify accepts the unit" \
		systemd-analyze verify --man=no "$dir/unit/xlbd.service"
else
	tap 1 "systemd-analyze verify accepts the unit" "not installed"
fi

# --- PREFIX and the paths in the unit --------------------------------------
D2=$dir/usr
check "make install PREFIX=/usr succeeds" install_to "$D2" PREFIX=/usr
tap "$([ -x "$D2/usr/sbin/xlbd" ] && [ -f "$D2/usr/lib/xlb/xlb.bpf.o" ] &&
       [ -f "$D2/usr/share/man/man8/xlbd.8" ] &&
       grep -qx 'ExecStart=/usr/sbin/xlbd -c /etc/xlb/xlb.conf' \
		"$D2/usr/lib/systemd/system/xlbd.service" &&
       [ ! -e "$D2/usr/local" ]; echo $?)" \
	"PREFIX=/usr puts everything under /usr and the unit says so"

echo "1..$n"
[ "$failed" -eq 0 ]
