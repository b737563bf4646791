#!/usr/bin/env bash
# Runs the sync decoder's libFuzzer target for a bounded time from a seed
# of two valid datagrams (a heartbeat and a one-record update; the first
# input byte asks the target to sign them); a crash fails the test and
# leaves the reproducer in the log.
set -euo pipefail
bin=$1
secs=${2:-20}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/corpus"
tag=$(printf '\\x00%.0s' $(seq 32))
# flag | magic "IKFS" ver 1 type | flags | sender 2 | epoch | seq | ack |
# count | reserved | sent_rt_ms | records | tag (filled in by the target)
printf "\x01IKFS\x01\x01\x00\x00\x00\x00\x00\x02\x00\x00\x00\x07\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01\x8b\xcf\xe5\x68\x00$tag" \
	>"$work/corpus/hello"
printf "\x01IKFS\x01\x02\x00\x00\x00\x00\x00\x02\x00\x00\x00\x07\x00\x00\x00\x01\x00\x00\x00\x00\x00\x01\x00\x00\x00\x00\x01\x8b\xcf\xe5\x68\x00\x01\x00\x00\x00\x01\x02\x03\x04\x05\x06\x07\x08\x00\x00\x00\x01\x00\x00\x00\x02\x00\x00\x00\x0a\x00\x00\x01\x8b\xcf\xe5\x68\x00\x00\x00\x00\x10$tag" \
	>"$work/corpus/update"
cd "$work"
"$bin" -max_total_time="$secs" -print_final_stats=1 corpus 2>&1 | tail -n 25
