#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# profile.sh [-b BUILD] PATTERN: where the time of one xdp_cost path goes,
# by kernel symbol and by source line of xdp_ikefwd (issue 13's
# breakdown in docs/benchmarks.md). As root, after building the
# benchmarks; needs perf. Samples only this benchmark's own task (the
# test runs execute in it), so other work on the machine, other loads of
# xdp_ikefwd included, stays out.
#
#   bench/profile.sh 'native ESP steered'
set -eu
BUILD=build-bench
if [ "${1:-}" = "-b" ]; then
	BUILD=$2
	shift 2
fi
PATTERN=$1
COST=$BUILD/bench/xdp_cost
LINES=$BUILD/bench/bpf_lines
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

perf record -q -e cpu-clock -F 25000 -o "$TMP/perf.data" -- \
	"$COST" -r 4 -n 3000000 -p "$PATTERN" >/dev/null
perf report -i "$TMP/perf.data" --no-children --sort sym --stdio 2>/dev/null |
	grep '%' | head -16 >"$TMP/syms"
TAG=$(sed -n 's/.*bpf_prog_\([0-9a-f]*\)_xdp_ikefwd$/\1/p' "$TMP/syms" | head -1)
echo "## $PATTERN: kernel symbols (this task's samples; xdp_ikefwd is tag $TAG)"
cat "$TMP/syms"

# Load the same program again (same tag) to read its line table.
"$COST" -r 1 -n 20000000 -p "$PATTERN" >/dev/null &
PID=$!
ID=
for _ in 1 2 3 4 5 6 7 8 9 10; do
	sleep 0.5
	ID=$(bpftool prog show | awk -F: -v t="tag $TAG" 'index($0, t) {id = $1} END {print id}')
	[ -n "$ID" ] && break
done
"$LINES" "$ID" >"$TMP/lines"
wait "$PID"

perf script -i "$TMP/perf.data" -F ip,sym,symoff 2>/dev/null |
	awk -v t="bpf_prog_${TAG}_xdp_ikefwd+" 'index($2, t) == 1 {
		split($2, a, "+"); print a[2] }' >"$TMP/offs"
echo
echo "## $PATTERN: xdp_ikefwd's own samples by source line (the line whose code follows a call also takes the call's return)"
python3 - "$TMP/lines" "$TMP/offs" <<'PY'
import bisect, collections, sys
lines = [l.rstrip("\n").split(" ", 3) for l in open(sys.argv[1])]
main = [int(l[1], 16) for l in lines if l[2].startswith("ikefwd.bpf.c:")][0]
recs = sorted((int(l[0], 16), l[2], l[3].strip() if len(l) > 3 else "")
              for l in lines if int(l[1], 16) == main)
starts = [r[0] for r in recs]
by_line, by_file = collections.Counter(), collections.Counter()
for off in open(sys.argv[2]):
    i = bisect.bisect_right(starts, int(off, 16)) - 1
    key = "%s  %s" % (recs[i][1], recs[i][2][:60]) if i >= 0 else "(entry)"
    by_line[key] += 1
    by_file[key.split(":")[0]] += 1
total = sum(by_line.values()) or 1
print("samples:", total)
for k, v in by_line.most_common(15):
    print("%5.1f%% %s" % (100.0 * v / total, k))
print("by file: " + " ".join("%s %.0f%%" % (k, 100.0 * v / total)
                              for k, v in by_file.most_common()))
PY
