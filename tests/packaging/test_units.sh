#!/usr/bin/env bash
# The shipped systemd units: `systemd-analyze verify` passes on them, and
# their ExecStart/ExecStartPre/ExecReload/ExecStop lines are exactly the
# commands docs/packaging.md shows. Needs root (a private mount namespace).
#
#   test_units.sh ROOT UNITDIR SBINDIR SYSCONFDIR LIBDIR
#
# ROOT holds an installed tree (DESTDIR of cmake --install, or a package
# unpacked with dpkg -x); the other arguments are the paths the build was
# configured with, which the units name. systemd is not running here:
# verify works offline, but it checks that every command exists at its
# absolute path, so ROOT's binaries are overlaid onto the host's SBINDIR in
# a mount namespace of our own (nothing on the host changes).
set -euo pipefail
root=$1 unitdir=$2 sbindir=$3 sysconfdir=$4 libdir=$5
top=$(cd "$(dirname "$0")/../.." && pwd)
units=(ikefwd.service ikefwdd.service ikefwd-vici.service)

if [ "$(id -u)" -ne 0 ]; then
	echo "test_units: needs root (mount namespace)" >&2
	exit 1
fi
for u in "${units[@]}"; do
	[ -f "$root$unitdir/$u" ] || { echo "FAIL: $root$unitdir/$u missing" >&2; exit 1; }
done

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

# verify_units DIR: systemd-analyze verify on the three units in DIR, with
# ROOT's binaries in place. Prints verify's complaints; its status.
verify_units() {
	local dir=$1
	unshare -m bash -c '
		set -e
		mount --make-rprivate /
		mkdir -p "$3"
		mount -t overlay overlay -o lowerdir="$1$3:$3" "$3"
		cd "$2"
		exec systemd-analyze verify ikefwd.service ikefwdd.service \
			ikefwd-vici.service' sh "$root" "$dir" "$sbindir"
}

# Verify must be able to fail here: a unit whose ExecStart names a missing
# binary is refused (else the check below would prove nothing).
mkdir "$scratch/bad"
cp "$root$unitdir"/*.service "$scratch/bad/"
sed -i "s|^ExecStart=$sbindir/ikefwdd |ExecStart=$sbindir/ikefwdd-missing |" \
	"$scratch/bad/ikefwdd.service"
if verify_units "$scratch/bad" >"$scratch/bad.log" 2>&1; then
	echo "FAIL: verify accepted a unit whose command does not exist" >&2
	exit 1
fi
grep -q "ikefwdd-missing" "$scratch/bad.log" ||
	{ cat "$scratch/bad.log" >&2; echo "FAIL: unexpected verify error" >&2; exit 1; }

if ! verify_units "$root$unitdir" >"$scratch/verify.log" 2>&1; then
	cat "$scratch/verify.log" >&2
	echo "FAIL: systemd-analyze verify" >&2
	exit 1
fi
# verify exits 0 on some warnings: none are accepted.
if [ -s "$scratch/verify.log" ]; then
	cat "$scratch/verify.log" >&2
	echo "FAIL: systemd-analyze verify printed warnings" >&2
	exit 1
fi
echo "ok: systemd-analyze verify ${units[*]}"

# The commands, with the configured paths put back to the packaged ones
# (/usr/sbin, /etc, /usr/lib/ikefwd), must each be in docs/packaging.md
# as a line of its own, and the docs must show no command the units lack.
normalise() {
	sed -e "s|$sbindir/|/usr/sbin/|g" -e "s|$sysconfdir/|/etc/|g" \
		-e "s|$libdir/|/usr/lib/ikefwd/|g"
}
for u in "${units[@]}"; do
	grep -E '^Exec(Start|StartPre|Reload|Stop)=' "$root$unitdir/$u" |
		normalise | sed "s|^|$u |"
done | sort >"$scratch/units.txt"
# docs/packaging.md lists them in a block of lines "UNIT Exec...=COMMAND".
grep -E '^    ikefwd[a-z-]*\.service Exec' "$top/docs/packaging.md" |
	sed 's/^    //' | sort >"$scratch/docs.txt"
if ! diff -u "$scratch/docs.txt" "$scratch/units.txt"; then
	echo "FAIL: the units' commands (+) differ from docs/packaging.md (-)" >&2
	exit 1
fi
echo "ok: $(wc -l <"$scratch/units.txt") Exec lines match docs/packaging.md"
