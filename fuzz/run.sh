#!/usr/bin/env bash
# Runs a libFuzzer target for a bounded time from its seed inputs
# (fuzz/corpus-NAME), with its dictionary when there is one
# (fuzz/NAME.dict). New inputs go to a scratch directory, never into the
# tree; a crash fails the test and leaves the reproducer in the log.
#
#	run.sh BINARY SECONDS NAME
set -euo pipefail
bin=$1
secs=${2:-20}
name=$3
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/corpus"
dict=()
[ -f "$here/$name.dict" ] && dict=(-dict="$here/$name.dict")
cd "$work"
"$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
	"${dict[@]}" -print_final_stats=1 \
	corpus "$here/corpus-$name" 2>&1 | tail -n 25
