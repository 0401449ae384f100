# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# Helpers for xlb's e2e tests; source it from a tests/e2e/test_*.sh.
#
#   tap_ok NAME / tap_fail NAME MSG / tap_check COND NAME / tap_diag MSG
#   tap_done                     print the plan, exit 0 if nothing failed
#   tap_bail NAME [MSG]          fail NAME and stop (tap_done)
#   lab_up [lab.sh up options]   build the lab (prefix xt$$), clean up on exit
#   lab_down                     stop background jobs, remove the lab
#   in_ns HOST CMD...            run CMD in the lab host's namespace
#   bg_in_ns HOST CMD...         same, in the background, its pid appended
#                                to BG_PIDS; killed on exit
#   wait_for CMD TIMEOUT         poll CMD (a string) until it succeeds
#   lb1_setup NAME               scratch dir $LAB_RUN/NAME (tmp) and lb1's
#                                conf, sock, pins, state and log paths; then
#     ctl ARGS...                xlbctl on lb1's socket
#     start_xlbd                 xlbd -v on lb1 in the background (pid in
#                                xlbd_pid), waits until it answers
#     dump_log [N]               the last N (15) lines of its log, as TAP
#                                comments
# and the lab's LAB_RUN (scratch directory), LAB_BPFFS, LAB_VIP4, LAB_VIP6.
#
# Every test gets its own lab prefix, so parallel runs do not collide, and
# everything it starts is stopped and removed on EXIT, INT and TERM.

XLB_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
XLB_BUILD=${XLB_BUILD:-$XLB_ROOT/build}
LAB=$XLB_ROOT/scripts/lab.sh
export LAB_PREFIX=${LAB_PREFIX:-xt$$}
export XLB_BUILD

# in_ns, bg_in_ns, reap, wait_for and BG_PIDS
# shellcheck source=../scripts/nslib.sh
. "$XLB_ROOT/scripts/nslib.sh"

TAP_N=0
TAP_FAILED=0
LIB_LAB=0

tap_ok() {
	TAP_N=$((TAP_N + 1))
	echo "ok $TAP_N - $1"
}

tap_fail() {
	TAP_N=$((TAP_N + 1))
	TAP_FAILED=$((TAP_FAILED + 1))
	echo "not ok $TAP_N - $1"
	[ -n "${2:-}" ] && echo "#   $2"
	return 0
}

tap_diag() {
	echo "# $*"
}

# COND is a shell command (string); its status decides.
tap_check() {
	if eval "$1"; then
		tap_ok "$2"
	else
		tap_fail "$2" "failed: $1"
	fi
}

tap_done() {
	echo "1..$TAP_N"
	[ "$TAP_FAILED" -eq 0 ] && [ "$TAP_N" -gt 0 ]
	exit
}

# Stop and fail at once: nothing after this step can mean anything.
tap_bail() {
	tap_fail "$1" "${2:-}"
	tap_done
}

lb1_setup() {
	tmp=$LAB_RUN/$1
	mkdir -p "$tmp"
	conf=$tmp/lb1.conf
	sock=$tmp/lb1.sock
	pins=$LAB_BPFFS/lb1
	state=$tmp/lb1.state
	log=$tmp/lb1.log
	xlbd_pid=
}

ctl() {
	"$XLB_BUILD/xlbctl" -s "$sock" "$@"
}

start_xlbd() {
	bg_in_ns lb1 env LIBXDP_BPFFS="$LAB_BPFFS" "$XLB_BUILD/xlbd" -v \
		-c "$conf" -s "$sock" -p "$pins" -S "$state" >>"$log" 2>&1
	xlbd_pid=${BG_PIDS[-1]}
	wait_for "ctl vip list" 20
}

dump_log() {
	sed 's/^/#   xlbd: /' "$log" | grep -v xdp_metadata | tail -"${1:-15}"
}

lib_cleanup() {
	reap "${BG_PIDS[@]}"
	BG_PIDS=()
	if [ "$LIB_LAB" -eq 1 ]; then
		"$LAB" down
		LIB_LAB=0
	fi
}

lab_up() {
	trap 'lib_cleanup' EXIT
	trap 'lib_cleanup; exit 130' INT
	trap 'lib_cleanup; exit 143' TERM
	LIB_LAB=1
	"$LAB" up "$@" >/dev/null
}

lab_down() {
	lib_cleanup
}

# The lab's variables (LAB_RUN, LAB_BPFFS, LAB_VIP4, LAB_VIP6).
eval "$(LAB_PREFIX=$LAB_PREFIX "$LAB" env)"
