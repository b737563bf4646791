#!/usr/bin/env bash
# Installs what the build needs, builds everything with AddressSanitizer and
# UndefinedBehaviorSanitizer, and runs every test. Needs root (BPF, netns).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${IKEFWD_BUILD_DIR:-$top/build-test}

if [ "$(id -u)" -ne 0 ]; then
	echo "scripts/test.sh: run as root (the tests load BPF programs and create network namespaces)" >&2
	exit 1
fi
"$top/scripts/install-deps.sh"
# The tests load BPF objects; bpffs is needed by the loader tests.
if ! mountpoint -q /sys/fs/bpf; then
	mount -t bpf bpf /sys/fs/bpf
fi

cmake -S "$top" -B "$build" -DIKEFWD_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug \
	-DIKEFWD_WERROR=ON
cmake --build "$build" -j"$(nproc)"
cd "$build"
exec ctest --output-on-failure --timeout 600
