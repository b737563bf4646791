#!/usr/bin/env bash
# Builds the benchmarks (Release, no sanitizers), runs every one of them and
# writes their reports, with the machine, kernel, date and commands, to
# docs/benchmarks.md. Needs root (the benchmarks load BPF programs and make
# private network namespaces). Takes about two minutes.
#
#   sudo ./bench/run.sh            # each benchmark's default rounds
#   sudo ./bench/run.sh -r 11      # 11 rounds (runs, for flood) each
#   sudo ./bench/run.sh -c 0       # measure on CPU 0 instead of the last
#
# Only -r and -c are passed on (every benchmark takes them); the others'
# own options are listed by build-bench/bench/NAME -h.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${IKEFWD_BENCH_BUILD_DIR:-$top/build-bench}
out=$top/docs/benchmarks.md

# In report order. udp_relay is not a benchmark: relay_bench runs it.
names=(xdp_cost xdp_throughput relay_bench table_scale flood api_load
	sync_latency)

usage() {
	echo "usage: $0 [-r ROUNDS] [-c CPU]" >&2
	exit 2
}
args=()
while getopts "r:c:h" opt; do
	case $opt in
	r | c) args+=("-$opt" "$OPTARG") ;;
	*) usage ;;
	esac
done
[ $OPTIND -gt $# ] || usage

if [ "$(id -u)" -ne 0 ]; then
	echo "bench/run.sh: run as root (the benchmarks load BPF programs)" >&2
	exit 1
fi
"$top/scripts/install-deps.sh"

# Release: -O3 -DNDEBUG for userspace; the BPF objects are always -O2.
cmake -S "$top" -B "$build" -DCMAKE_BUILD_TYPE=Release \
	-DIKEFWD_SANITIZE=OFF >/dev/null
cmake --build "$build" -j"$(nproc)" --target "${names[@]}" udp_relay \
	>/dev/null

cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)
mem=$(awk '/^MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo)
clock=$(cat /sys/devices/system/clocksource/clocksource0/current_clocksource \
	2>/dev/null || echo unknown)
commit=$(git -C "$top" rev-parse --short HEAD 2>/dev/null || echo none)
if [ -n "$(git -C "$top" status --porcelain 2>/dev/null)" ]; then
	commit="$commit (with uncommitted changes)"
fi
# Who else was busy when the run started (top's second sample, over 1 s):
# the machine is shared.
busy=$(top -b -n 2 -d 1 -w 200 | awk '/^ *PID /{ n++; next }
	n == 2 && $9 + 0 >= 5 { printf "%s%s (%s%%)", sep, $12, $9; sep = ", " }')
mitigations=$(grep -H . /sys/devices/system/cpu/vulnerabilities/meltdown \
	2>/dev/null | sed 's|.*/||')

tmp=$(mktemp "$out.XXXXXX")
trap 'rm -f "$tmp"' EXIT
start=$SECONDS
{
	cat <<EOF
# Benchmarks

Written by \`bench/run.sh\`; do not edit by hand, run it again.

## How to reproduce

On Debian 12, as root, from the top of the tree:

    sudo ./bench/run.sh${args[*]:+ ${args[*]}}

It installs the build dependencies (\`scripts/install-deps.sh\`), builds the
benchmarks in \`build-bench/\` with \`-DCMAKE_BUILD_TYPE=Release\` and no
sanitizers (BPF objects: \`clang -O2 -target bpf\`), runs every benchmark in
\`bench/\` and rewrites this file. \`-r N\` sets the rounds (runs, for
flood) of every benchmark, \`-c CPU\` the CPU they measure on; each
benchmark's own options are listed by \`build-bench/bench/NAME -h\`.
Everything that needs interfaces runs in private network (and mount)
namespaces the benchmark makes for itself: nothing is left behind.

The machine below is a shared 2-vCPU virtual machine: absolute figures move
by tens of percent from one run to the next, and even from one round to the
next when other tenants get busy. Compare the cases of one run with each
other and with their floor (the ratio columns), not the figures of two
runs. Each section says what shared the CPUs while it measured.

## Machine

- date: $(date -u '+%Y-%m-%d %H:%M UTC')
- CPU: ${cpu:-unknown}, $(nproc) online CPUs, ${mem} RAM
- kernel: $(uname -srvm)
- clock source: ${clock}; ${mitigations:-meltdown: unknown} (every system call
  pays for it: see relay_bench)
- compilers: $(cc --version | head -n1); $(clang --version | head -n1)
- libbpf: $(pkg-config --modversion libbpf)
- commit: ${commit}
- command: \`./bench/run.sh${args[*]:+ ${args[*]}}\`
- at the start: load average $(cut -d' ' -f1-3 /proc/loadavg); processes
  using 5% of a CPU or more over one second: ${busy:-none}
EOF
	for name in "${names[@]}"; do
		printf '\n## %s\n\nCommand: `%s`\n\n' "$name" \
			"${build#"$top"/}/bench/$name${args[*]:+ ${args[*]}}"
		# The report's own heading is replaced by the one above; its
		# subsections go one level down.
		"$build/bench/$name" "${args[@]}" | sed '1{/^## /d}' |
			sed '1{/^$/d}'
	done
	cat <<EOF

## Not measured here, and why

- A physical NIC with native XDP: this machine has virtio and veth only, so
  every throughput figure is veth (XDP in the veth's NAPI poll) with live
  frames from \`BPF_PROG_TEST_RUN\`; pktgen is not built into the kernel and
  xdp-trafficgen does not load on it.
- Several generator threads or RSS over several queues: 2 vCPUs, one of which
  the generator or the client needs, and other tenants use both.
- Wire rate, latency and jitter: a live-frames run reports no per-frame
  timing, and veth has no wire.
- The relay with SO_REUSEPORT over several cores, or an AF_XDP relay: the
  comparison is with the simple design the issue names.
- Expiry under flood and the sync agent re-publishing evicted entries:
  flood models neither (entries are fresh; no agent runs).
- IPv6 frames, VLAN tags, IKE fragments: the per-path costs are in xdp_cost;
  the scale and throughput benchmarks use IPv4 only.
- The API over TLS, with a token on reads, or on its unix socket; more
  clients than one thread: api_load is plain HTTP on loopback.
- The sync link over a real network, with loss, or with more than two
  members: sync_latency is two agents on one loopback; loss recovery is
  tested (test_sync_agent), not timed.

Total run time: $((SECONDS - start)) s.
EOF
} >"$tmp"
chmod 644 "$tmp"
mv "$tmp" "$out"
trap - EXIT
echo "bench/run.sh: wrote $out" >&2
