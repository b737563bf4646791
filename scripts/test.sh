#!/usr/bin/env bash
# Installs what the build needs, builds the Release tree and the Debian
# package (scripts/package.sh), builds everything with AddressSanitizer and
# UndefinedBehaviorSanitizer, and runs every test, the package's included.
# Needs root (BPF, netns).
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

# The Release build and the Debian package (lintian must be clean): the
# package_e2e test unpacks it and runs e2e tests on its binaries.
IKEFWD_PACKAGE=$(IKEFWD_LINTIAN=1 "$top/scripts/package.sh")
export IKEFWD_PACKAGE

cmake -S "$top" -B "$build" -DIKEFWD_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug \
	-DIKEFWD_WERROR=ON
cmake --build "$build" -j"$(nproc)"
cd "$build"
exec ctest --output-on-failure --timeout 600
