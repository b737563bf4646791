#!/usr/bin/env bash
# Builds the benchmarks (Release, no sanitizers), runs every one of them
# (one executable per bench/*.c) and writes their reports, with the machine,
# kernel, date and commands, to docs/benchmarks.md. Needs root (the
# benchmarks load BPF programs). Arguments are passed to every benchmark.
#
#   sudo ./bench/run.sh            # defaults: 7 rounds
#   sudo ./bench/run.sh -r 11      # more rounds
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${IKEFWD_BENCH_BUILD_DIR:-$top/build-bench}
out=$top/docs/benchmarks.md

if [ "$(id -u)" -ne 0 ]; then
	echo "bench/run.sh: run as root (the benchmarks load BPF programs)" >&2
	exit 1
fi
"$top/scripts/install-deps.sh"

names=()
for src in "$top"/bench/*.c; do
	names+=("$(basename "$src" .c)")
done

# Release: -O3 -DNDEBUG for userspace; the BPF objects are always -O2.
cmake -S "$top" -B "$build" -DCMAKE_BUILD_TYPE=Release \
	-DIKEFWD_SANITIZE=OFF >/dev/null
cmake --build "$build" -j"$(nproc)" --target "${names[@]}" >/dev/null

cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)
mem=$(awk '/^MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo)
clock=$(cat /sys/devices/system/clocksource/clocksource0/current_clocksource \
	2>/dev/null || echo unknown)
commit=$(git -C "$top" rev-parse --short HEAD 2>/dev/null || echo none)
if [ -n "$(git -C "$top" status --porcelain 2>/dev/null)" ]; then
	commit="$commit (with uncommitted changes)"
fi

tmp=$(mktemp "$out.XXXXXX")
trap 'rm -f "$tmp"' EXIT
{
	cat <<EOF
# Benchmarks

Written by \`bench/run.sh\`; do not edit by hand, run it again.

## How to reproduce

On Debian 12, as root, from the top of the tree:

    sudo ./bench/run.sh

It installs the build dependencies (\`scripts/install-deps.sh\`), builds the
benchmarks in \`build-bench/\` with \`-DCMAKE_BUILD_TYPE=Release\` and no
sanitizers (BPF objects: \`clang -O2 -target bpf\`), runs every benchmark in
\`bench/\` and rewrites this file. Arguments are passed to every benchmark
(\`sudo ./bench/run.sh -r 11\` for 11 rounds); \`-h\` lists them.

The machine below is a shared 2-vCPU virtual machine: absolute figures move
by tens of percent from one run to the next. Compare the cases of one run
with each other and with their floor (the ratio column), not the
nanoseconds of two runs.

## Machine

- date: $(date -u '+%Y-%m-%d %H:%M UTC')
- CPU: ${cpu:-unknown}, $(nproc) online CPUs, ${mem} RAM
- kernel: $(uname -srvm)
- clock source: ${clock}
- compilers: $(cc --version | head -n1); $(clang --version | head -n1)
- libbpf: $(pkg-config --modversion libbpf)
- commit: ${commit}
- command: \`./bench/run.sh${*:+ $*}\`
EOF
	for name in "${names[@]}"; do
		printf '\n## %s\n\nCommand: `%s`\n\n' "$name" \
			"${build#"$top"/}/bench/$name${*:+ $*}"
		# The report's own heading is replaced by the one above.
		"$build/bench/$name" "$@" | sed '1{/^## /d}' | sed '1{/^$/d}'
	done
} >"$tmp"
chmod 644 "$tmp"
mv "$tmp" "$out"
trap - EXIT
echo "bench/run.sh: wrote $out" >&2
