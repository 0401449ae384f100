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
#                                to LIB_PIDS; killed on exit
#   wait_for CMD TIMEOUT         poll CMD (a string) until it succeeds
# and the lab's LAB_RUN (scratch directory), LAB_BPFFS, LAB_VIP4, LAB_VIP6.
#
# Every test gets its own lab prefix, so parallel runs do not collide, and
# everything it starts is stopped and removed on EXIT, INT and TERM.

XLB_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
XLB_BUILD=${XLB_BUILD:-$XLB_ROOT/build}
LAB=$XLB_ROOT/scripts/lab.sh
export LAB_PREFIX=${LAB_PREFIX:-xt$$}
export XLB_BUILD

TAP_N=0
TAP_FAILED=0
LIB_PIDS=()
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

in_ns() {
	local h=$1

	shift
	ip netns exec "$LAB_PREFIX-$h" "$@"
}

bg_in_ns() {
	local h=$1

	shift
	ip netns exec "$LAB_PREFIX-$h" "$@" &
	LIB_PIDS+=($!)
}

# wait_for CMD TIMEOUT: run CMD (a string) every 0.1 s until it succeeds or
# TIMEOUT seconds (integer or decimal) have passed. Returns CMD's success.
wait_for() {
	local cmd=$1 t=${2:-5} frac=000000 now deadline

	[[ $t == *.* ]] && frac=${t#*.}000000
	now=${EPOCHREALTIME/./}
	deadline=$((now + 10#${t%.*} * 1000000 + 10#${frac:0:6}))
	while ! eval "$cmd" >/dev/null 2>&1; do
		now=${EPOCHREALTIME/./}
		[ "$now" -ge "$deadline" ] && return 1
		sleep 0.1
	done
	return 0
}

lib_cleanup() {
	local pid i

	for pid in "${LIB_PIDS[@]}"; do
		kill "$pid" 2>/dev/null
	done
	for pid in "${LIB_PIDS[@]}"; do
		for ((i = 0; i < 50; i++)); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	LIB_PIDS=()
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
