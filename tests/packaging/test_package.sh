#!/usr/bin/env bash
# The Debian package, as a user gets it: unpacked into a scratch root
# (dpkg -x), its layout, control data and --version checked, its units
# verified, then a subset of the end-to-end suite run against the packaged
# binaries and the packaged vici listener, not the build tree:
#
#   e2e_ikev2_split      IKEv2 through the split, ESP-in-UDP steering,
#                        partial checksums completed (veth's offloads)
#   e2e_ikev1_split      IKEv1 Main Mode + Quick Mode through the split
#   e2e_sa_registration  the vici listener registering CHILD_SAs through
#                        ikefwdctl and the REST API of ikefwdd, replicated
#                        by sync, ESP steered by registration
#
#   test_package.sh DEB     (as root; exit 77 = skipped: no DEB given)
#
# scripts/test.sh builds the package (scripts/package.sh) and passes it as
# IKEFWD_PACKAGE to ctest, whose package_e2e entry runs this script.
set -euo pipefail
deb=${1:-${IKEFWD_PACKAGE:-}}
here=$(cd "$(dirname "$0")" && pwd)
e2e=$here/../e2e

if [ -z "$deb" ]; then
	echo "test_package: no package (IKEFWD_PACKAGE unset): skipped" >&2
	exit 77
fi
[ -f "$deb" ] || { echo "test_package: $deb: no such file" >&2; exit 1; }
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
dpkg -x "$deb" "$root"

fails=0
ok() { echo "ok - $1"; }
bad() { echo "not ok - $1"; fails=$((fails + 1)); }
check() { local what=$1; shift; if "$@"; then ok "$what"; else bad "$what"; fi; }

for f in usr/sbin/ikefwd usr/sbin/ikefwdd usr/sbin/ikefwdctl \
	usr/lib/ikefwd/ikefwd-vici.py; do
	check "/$f is executable" test -x "$root/$f"
done
for f in etc/ikefwd/ikefwd.conf usr/share/doc/ikefwd/examples/ikefwd.conf \
	usr/share/doc/ikefwd/README.md usr/share/doc/ikefwd/packaging.md \
	usr/share/doc/ikefwd/copyright usr/share/doc/ikefwd/changelog.Debian.gz \
	usr/share/doc/ikefwd/examples/prometheus/ikefwd-alerts.yml \
	usr/share/doc/ikefwd/examples/grafana/ikefwd-dashboard.json \
	lib/systemd/system/ikefwd.service lib/systemd/system/ikefwdd.service \
	lib/systemd/system/ikefwd-vici.service; do
	check "/$f is there" test -f "$root/$f"
done
check "nothing in /etc/ikefwd/ikefwd.conf is active" \
	bash -c '! grep -Ev "^[[:space:]]*([#;]|$)" "$1"' sh "$root/etc/ikefwd/ikefwd.conf"
check "conffiles: /etc/ikefwd/ikefwd.conf" \
	bash -c 'dpkg-deb --ctrl-tarfile "$1" | tar -xO ./conffiles | grep -qx /etc/ikefwd/ikefwd.conf' sh "$deb"
depends=$(dpkg-deb -f "$deb" Depends)
for lib in libbpf1 libxdp1 libmicrohttpd12 libjansson4 libcurl4 libsodium23 \
	libinih1 libmnl0 libsystemd0 libc6 python3; do
	check "Depends names $lib" grep -q "\b$lib\b" <<<"$depends"
done
for bin in usr/sbin/ikefwd usr/sbin/ikefwdd usr/sbin/ikefwdctl \
	usr/lib/ikefwd/ikefwd-vici.py; do
	v=$("$root/$bin" --version 2>&1 || true)
	check "/$bin --version: '$v'" \
		grep -Eq "^$(basename "$bin" .py) [0-9]+\.[0-9]+\.[0-9]+ \((git |not built from git)" <<<"$v"
done

check "the packaged units verify and match docs/packaging.md" \
	"$here/test_units.sh" "$root" /lib/systemd/system /usr/sbin /etc /usr/lib/ikefwd

# ikefwdd runs with the capabilities ikefwdd.service gives it and no
# others (root's bounding set cut down to the unit's
# CapabilityBoundingSet), so the e2e tests prove that set is enough.
caps=$(sed -n 's/^CapabilityBoundingSet=//p' "$root/lib/systemd/system/ikefwdd.service")
[ -n "$caps" ] || { echo "test_package: ikefwdd.service has no CapabilityBoundingSet" >&2; exit 1; }
setpriv_caps=-all$(for c in $caps; do c=${c#CAP_}; printf ',+%s' "${c,,}"; done)
cat >"$root/ikefwdd-unit-caps" <<-WRAP
	#!/bin/sh
	exec setpriv --bounding-set=$setpriv_caps -- "$root/usr/sbin/ikefwdd" "\$@"
WRAP
chmod 755 "$root/ikefwdd-unit-caps"
# What a process started that way really holds (capsh --decode names it).
eff=$(setpriv --bounding-set="$setpriv_caps" -- awk '$1 == "CapEff:" { print $2 }' /proc/self/status)
got=$(capsh --decode="$eff" | sed 's/.*=//' | tr , '\n' | sort | tr '\n' ' ')
want=$(for c in $caps; do echo "${c,,}"; done | sort | tr '\n' ' ')
check "ikefwdd runs with exactly $caps (got: $got)" test "$got" = "$want"
check "the wrapper starts the packaged ikefwdd" \
	bash -c '"$1" --version | grep -q "^ikefwdd "' sh "$root/ikefwdd-unit-caps"

export IKEFWD=$root/usr/sbin/ikefwd IKEFWDD=$root/ikefwdd-unit-caps \
	IKEFWDCTL=$root/usr/sbin/ikefwdctl \
	IKEFWD_VICI=$root/usr/lib/ikefwd/ikefwd-vici.py
# Two negotiations per configuration instead of five: the point here is
# the packaged binaries, the full e2e entries count the rounds.
export E2E_ROUNDS=2
for t in ikev2_split ikev1_split sa_registration; do
	echo "# e2e_$t against the package"
	rc=0
	"$e2e/test_$t.sh" || rc=$?
	if [ "$rc" -eq 77 ]; then
		echo "test_package: e2e_$t skipped (strongSwan missing?)" >&2
		exit 77
	fi
	check "e2e_$t with the packaged binaries" test "$rc" -eq 0
done

echo "test_package: $fails failed"
[ "$fails" -eq 0 ]
