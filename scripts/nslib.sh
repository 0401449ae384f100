# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# Shell helpers shared by scripts/demo.sh, tests/lib.sh and the benchmark
# scripts. Source it; it defines functions and the BG_PIDS array only.
#
#   in_ns HOST CMD...     run CMD in the namespace "$LAB_PREFIX-HOST"
#   bg_in_ns HOST CMD...  same, in the background; its pid is appended to
#                         BG_PIDS
#   reap PID...           TERM each, give each up to 5 s, KILL what is left,
#                         collect them all
#   wait_for CMD T        run CMD (a string) every 0.1 s until it succeeds
#                         or T seconds (integer or decimal) have passed;
#                         returns CMD's success

BG_PIDS=()

in_ns() {
	local h=$1

	shift
	ip netns exec "$LAB_PREFIX-$h" "$@"
}

bg_in_ns() {
	local h=$1

	shift
	ip netns exec "$LAB_PREFIX-$h" "$@" &
	BG_PIDS+=($!)
}

reap() {
	local pid i

	for pid in "$@"; do
		kill "$pid" 2>/dev/null
	done
	for pid in "$@"; do
		for ((i = 0; i < 50; i++)); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$pid" 2>/dev/null
		{ wait "$pid"; } 2>/dev/null
	done
	return 0
}

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
