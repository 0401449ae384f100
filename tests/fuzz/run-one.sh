#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Run one libFuzzer target for a bounded time over its seed corpus, as a
# TAP case. Usage: run-one.sh BINARY SECONDS
set -u
bin=$1
secs=$2
name=${bin##*/}
seeds=tests/fuzz/corpus/${name#fuzz_}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
[ -d "$seeds" ] && cp -r "$seeds"/. "$work"/
if "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
	-artifact_prefix="$work/" -print_final_stats=1 "$work" >"$work.log" 2>&1; then
	echo "ok 1 - $name: ${secs}s, $(grep -o 'stat::number_of_executed_units: *[0-9]*' "$work.log" | grep -o '[0-9]*$') runs, no crash"
	rm -f "$work.log"
else
	tail -n 40 "$work.log"
	for f in "$work"/crash-* "$work"/leak-* "$work"/timeout-*; do
		[ -e "$f" ] && { echo "# input: $f"; od -c "$f" | head -n 20; }
	done
	echo "not ok 1 - $name found a crash"
	rm -f "$work.log"
	exit 1
fi
