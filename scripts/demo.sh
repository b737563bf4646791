#!/usr/bin/env bash
# The main job, at this stage of the project: installs what the build needs,
# builds ikefwd, and shows the real data path forwarding IKE frames between
# two cluster members over a veth link in a private network namespace
# (BPF_PROG_TEST_RUN with live frames). Later issues grow this into a demo
# cluster carrying real strongSwan negotiations.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${IKEFWD_BUILD_DIR:-$top/build}

if [ "$(id -u)" -ne 0 ]; then
	echo "scripts/demo.sh: run as root (it loads BPF programs)" >&2
	exit 1
fi
"$top/scripts/install-deps.sh"
cmake -S "$top" -B "$build" >/dev/null
cmake --build "$build" -j"$(nproc)" >/dev/null

cat <<'TXT'
ikefwd demo: member 1's data path receives IKE packets.
 - a negotiation owned by member 2 is redirected through the devmap to
   member 2's end of a veth link, and arrives there with only the Ethernet
   addresses rewritten;
 - a negotiation owned by member 1 stays local;
 - a negotiation whose owner died is taken over by member 1.
TXT
exec "$build/tests/test_live"
