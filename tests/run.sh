#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Run every xlb test suite and print one closing line "N passed, N failed".
#
# Every suite prints TAP lines ("ok ..." / "not ok ..."); each one counts.
# A suite that exits non-zero without reporting a failure counts as one
# failure, so a crash is never silent. Usage: tests/run.sh [PATTERN]
set -u
cd "$(dirname "$0")/.."
# The suites use the distribution's tools (python3 with scapy, ip, nft):
# a per-user python3 shim earlier in PATH starts slowly and lacks scapy.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin:$PATH
B=build
pat=${1:-}
pass=0
fail=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT

run_suite() {	# NAME CMD...
	local name=$1; shift
	[ -n "$pat" ] && [[ $name != *$pat* ]] && return
	printf '=== %s\n' "$name"
	local t0=$SECONDS
	CMOCKA_MESSAGE_OUTPUT=TAP "$@" >"$log" 2>&1
	local rc=$?
	cat "$log"
	local p f
	p=$(grep -cE '^ok [0-9]+' "$log")
	f=$(grep -cE '^not ok [0-9]+' "$log")
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "not ok - $name exited with status $rc"
		f=1
	fi
	if [ "$p" -eq 0 ] && [ "$f" -eq 0 ]; then
		echo "not ok - $name reported no test"
		f=1
	fi
	pass=$((pass + p))
	fail=$((fail + f))
	printf '=== %s: %d passed, %d failed (%ds)\n' "$name" "$p" "$f" $((SECONDS - t0))
}

for t in $B/tests/unit/test_*; do
	[ -x "$t" ] && run_suite "unit/${t##*/}" "$t"
done
for t in $B/tests/bpf/test_*; do
	[ -x "$t" ] && run_suite "bpf/${t##*/}" "$t"
done
for t in $B/fuzz/fuzz_*; do
	[ -x "$t" ] && run_suite "fuzz/${t##*/}" tests/fuzz/run-one.sh "$t" "${FUZZ_SECONDS:-10}"
done
for t in tests/e2e/test_*.sh; do
	[ -x "$t" ] && run_suite "e2e/${t##*/}" "$t"
done

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
