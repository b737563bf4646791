#!/usr/bin/env bash
# Builds the Debian package: a Release build installed under /usr, packed
# by CPack (packaging/CMakeLists.txt, docs/packaging.md). Prints the path
# of the .deb on stdout, everything else on stderr. No root needed.
#
#   ./scripts/package.sh            -> build-pkg/ikefwd_VERSION-1_ARCH.deb
#   IKEFWD_PKG_DIR=dir ./scripts/package.sh
#   IKEFWD_LINTIAN=1 ./scripts/package.sh   (also runs lintian, fails on
#                                            any finding not overridden)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${IKEFWD_PKG_DIR:-$top/build-pkg}

# Warnings are left to IKEFWD_WERROR's default (ON in a git checkout):
# a distribution builds from a tarball, where it is OFF.
cmake -S "$top" -B "$build" -DCMAKE_BUILD_TYPE=Release \
	-DCMAKE_INSTALL_PREFIX=/usr -DIKEFWD_BENCH=OFF >&2
cmake --build "$build" -j"$(nproc)" >&2
rm -f "$build"/ikefwd_*.deb
(cd "$build" && cpack -G DEB >&2)
deb=$(ls "$build"/ikefwd_*.deb)
if [ "${IKEFWD_LINTIAN:-0}" = 1 ]; then
	# --fail-on warning: errors and warnings fail, overrides are honoured.
	lintian --fail-on error,warning "$deb" >&2
fi
echo "$deb"
