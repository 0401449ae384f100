#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make fuzz: every libFuzzer target for FUZZ_SECONDS each.
set -u
cd "$(dirname "$0")/../.."
rc=0
for t in build/fuzz/fuzz_*; do
	[ -x "$t" ] || continue
	tests/fuzz/run-one.sh "$t" "${FUZZ_SECONDS:-600}" || rc=1
done
exit $rc
