#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The stats file as its consumers see it: promtool's linter accepts it, a
# real node_exporter textfile collector (inside network namespace xs$$,
# nothing listens in the root namespace) serves every xlb sample with the
# value written, and a reader never sees a torn file while the file is
# rewritten every 10 ms. The writer is build/tests/unit/test_stats --write.
set -u
cd "$(dirname "$0")/../.."
BIN=build/tests/unit/test_stats
NS=xs$$
PORT=9100
REWRITES=300		# x 10 ms: about 3 s of rewriting
dir=
ne_pid=
wr_pid=
n=0
failed=0

cleanup() {
	[ -n "$wr_pid" ] && kill "$wr_pid" 2>/dev/null && wait "$wr_pid"
	[ -n "$ne_pid" ] && kill "$ne_pid" 2>/dev/null && wait "$ne_pid"
	ip netns del "$NS" 2>/dev/null
	[ -n "$dir" ] && rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

tap() {	# STATUS NAME
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		failed=$((failed + 1))
	fi
}

diag() { sed 's/^/#   /' "$@"; }

# "name{labels sorted by name} value" for every xlb sample, values as
# doubles: node_exporter sorts labels and prints floats (6e+09).
canon() {
	awk '
	/^xlb_/ {
		v = $NF
		s = substr($0, 1, length($0) - length(v) - 1)
		b = index(s, "{")
		if (!b) { printf "%s %.17g\n", s, v; next }
		name = substr(s, 1, b - 1)
		k = split(substr(s, b + 1, length(s) - b - 1), p, /",/)
		for (i = 1; i < k; i++)
			p[i] = p[i] "\""
		for (i = 2; i <= k; i++)	# insertion sort, k is tiny
			for (j = i; j > 1 && p[j - 1] > p[j]; j--) {
				t = p[j]; p[j] = p[j - 1]; p[j - 1] = t
			}
		out = p[1]
		for (i = 2; i <= k; i++)
			out = out "," p[i]
		printf "%s{%s} %.17g\n", name, out, v
	}' "$@" | sort
}

# A complete file of one version: every line well formed, the expected
# line count, the timestamp line last, and the sequence number in the
# timestamp's milliseconds equal to the one in the first VIP's counter.
CHECK='
	NR == 1 && $0 !~ /^# HELP xlb_vip_packets_total / { bad = 1 }
	/^# (HELP|TYPE) xlb_[a-z_]+ / { last = $0; next }
	!/^xlb_[a-z_]+(\{.*\})? [0-9]+(\.[0-9]+)?$/ { bad = 1 }
	/^xlb_vip_packets_total\{proto="tcp",vip="198\.18\.0\.100:80"\} / {
		vseq = $NF - 1000000
	}
	{ last = $0 }
	END {
		if (NR != lines || bad) exit 1
		if (last !~ /^xlb_stats_write_timestamp_seconds 1764259049\./)
			exit 1
		split(last, t, ".")
		if (t[2] + 0 != vseq) exit 1
		print t[2] + 0
	}'

dir=$(mktemp -d /tmp/xlb-stats-e2e.XXXXXX)
mkdir "$dir/sample" "$dir/empty" "$dir/torn"
file=$dir/sample/xlb.prom

# The files and the linter.
"$BIN" --write "$file" 2>"$dir/err"
tap $? "test_stats writes the sample snapshot"
diag "$dir/err"
promtool check metrics <"$file" >"$dir/lint" 2>&1
rc=$?
[ -s "$dir/lint" ] && rc=1
tap $rc "promtool check metrics accepts the sample file"
diag "$dir/lint"
"$BIN" --write-empty "$dir/empty/xlb.prom" &&
	promtool check metrics <"$dir/empty/xlb.prom" >"$dir/lint" 2>&1
rc=$?
[ -s "$dir/lint" ] && rc=1
tap $rc "promtool check metrics accepts an empty snapshot's file"
diag "$dir/lint"

# node_exporter's textfile collector in a namespace of our own.
ip netns add "$NS" && ip -n "$NS" link set lo up
tap $? "namespace $NS with lo up"
ip netns exec "$NS" prometheus-node-exporter \
	--collector.disable-defaults --collector.textfile \
	--collector.textfile.directory "$dir/sample" \
	--web.listen-address "127.0.0.1:$PORT" >"$dir/ne.log" 2>&1 &
ne_pid=$!
scrape() {
	ip netns exec "$NS" curl -fsS --max-time 2 \
		"http://127.0.0.1:$PORT/metrics" >"$dir/metrics" 2>/dev/null
}
rc=1
for _ in $(seq 100); do		# up to 5 s for the listener
	scrape && { rc=0; break; }
	kill -0 "$ne_pid" 2>/dev/null || break
	sleep 0.05
done
tap $rc "node_exporter serves /metrics"
[ $rc -eq 0 ] || diag "$dir/ne.log"

grep -qx 'node_textfile_scrape_error 0' "$dir/metrics"
tap $? "node_exporter read the file without error"

canon "$file" >"$dir/want"
canon "$dir/metrics" >"$dir/got"
want=$(wc -l <"$dir/want")
got=$(wc -l <"$dir/got")
cmp -s "$dir/want" "$dir/got" && [ "$want" -eq 229 ]
tap $? "node_exporter serves all $want xlb samples with the values written ($got served)"
diff "$dir/want" "$dir/got" | head -20 | diag

diff <(grep '^# TYPE xlb_' "$file" | sort) \
	<(grep '^# TYPE xlb_' "$dir/metrics" | sort) >"$dir/types"
rc=$?
[ "$(grep -c '^# TYPE xlb_' "$file")" -eq 38 ] || rc=1
tap $rc "node_exporter keeps the type of all 38 xlb families"
diag "$dir/types"

grep -qxF 'xlb_vip_bytes_total{proto="tcp",vip="[2001:db8::100]:443"} 6e+09' \
	"$dir/metrics" &&
grep -qxF 'xlb_backend_up{backend="2001:db8:1::3",proto="tcp",vip="[2001:db8::100]:443"} 0' \
	"$dir/metrics" &&
grep -qxF 'xlb_build_info{version="0.1.0-e2e \"quoted\" back\\slash"} 1' \
	"$dir/metrics"
tap $? "IPv6 labels and the escaped version label arrive intact"

# A rewrite is what the next scrape serves.
"$BIN" --write "$file" 3 && scrape &&
	grep -qx 'xlb_stats_write_timestamp_seconds 1.764259049002e+09' \
		"$dir/metrics" &&
	grep -qx 'xlb_conntrack_entries 1236' "$dir/metrics"
tap $? "the next scrape serves the rewritten file"

# Torn reads. First prove the checker rejects torn files.
lines=$(wc -l <"$file")
awk -v lines="$lines" "$CHECK" "$file" >/dev/null
tap $? "the completeness check accepts a whole file ($lines lines)"
rc=0
head -c $(($(wc -c <"$file") - 7)) "$file" >"$dir/cut"
awk -v lines="$lines" "$CHECK" "$dir/cut" >/dev/null && rc=1
"$BIN" --write "$dir/other.prom" 5 &&
	{ head -n 100 "$dir/other.prom"; tail -n +101 "$file"; } >"$dir/mixed"
awk -v lines="$lines" "$CHECK" "$dir/mixed" >/dev/null && rc=1
tap $rc "the completeness check rejects a cut file and a mix of two versions"

torn=$dir/torn/xlb.prom
cp "$file" "$torn"
"$BIN" --write "$torn" "$REWRITES" 2>"$dir/err" &
wr_pid=$!
reads=0
bad=0
: >"$dir/seen"
deadline=$((SECONDS + 20))
while kill -0 "$wr_pid" 2>/dev/null && [ $SECONDS -lt $deadline ] &&
      [ $reads -lt 100000 ]; do
	if awk -v lines="$lines" "$CHECK" "$torn" >>"$dir/seen"; then
		:
	else
		bad=$((bad + 1))
		cp "$torn" "$dir/bad.$bad" 2>/dev/null
	fi
	reads=$((reads + 1))
done
wait "$wr_pid"
rc=$?
wr_pid=
versions=$(sort -u "$dir/seen" | wc -l)
tap $rc "the writer rewrote the file $REWRITES times"
diag "$dir/err"
[ "$bad" -eq 0 ] && [ "$reads" -ge 50 ] && [ "$versions" -ge 10 ]
tap $? "no torn read: $bad bad of $reads reads, $versions versions seen"
left=$(ls -A "$dir/torn")
[ "$left" = xlb.prom ]
tap $? "no temporary file left behind"
[ "$left" = xlb.prom ] || echo "#   left: $left"

echo "1..$n"
[ "$failed" -eq 0 ]
