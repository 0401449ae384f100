#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Run every benchmark in build/bench/ and print its "NAME VALUE UNIT" lines
# on stdout (diagnostics go to stderr). Benchmarks that need a network
# namespace make their own private one, so nothing is left behind. Each is
# bounded by BENCH_TIMEOUT seconds (default 600). Exit status 1 if any
# failed or none was built.
set -u
cd "$(dirname "$0")/../.."
limit=${BENCH_TIMEOUT:-600}
rc=0
found=0
for b in build/bench/bench_*; do
	[ -x "$b" ] || continue
	found=1
	if ! timeout "$limit" "$b"; then
		echo "bench: ${b##*/} failed" >&2
		rc=1
	fi
done
if [ "$found" -eq 0 ]; then
	echo "bench: nothing built in build/bench/ (make check)" >&2
	rc=1
fi
exit "$rc"
