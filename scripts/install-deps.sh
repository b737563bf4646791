#!/usr/bin/env bash
# Installs every Debian 12 package ikefwd needs to build and test. Idempotent:
# when all of them are already installed it returns without touching apt, so
# scripts/test.sh can call it on every run.
set -euo pipefail

packages=(
	build-essential      # cc, make, libc headers for userspace
	cmake                # the build system (>= 3.25)
	pkg-config           # finds libbpf, libxdp, cunit, ...
	clang                # compiles the BPF objects (-target bpf)
	llvm                 # llvm-objdump / llvm-strip for inspecting BPF objects
	libbpf-dev           # BPF loading, skeletons, maps
	libxdp-dev           # XDP attach (dispatcher or single program)
	bpftool              # skeleton generation; vmlinux.h regeneration
	xdp-tools            # xdp-loader / xdpdump when debugging tests
	libcunit1-dev        # unit test framework
	libmicrohttpd-dev    # HTTP server of the management API
	libjansson-dev       # JSON for the API and CLI output
	libcurl4-openssl-dev # API client (CLI) and API tests
	libsodium-dev        # authentication of the cluster sync link
	libinih-dev          # configuration file parsing
	libmnl-dev           # rtnetlink: routes, neighbours, links (next hops)
	libsystemd-dev       # sd_notify() of ikefwdd (Type=notify unit)
	systemd              # systemd-analyze verify on the shipped units
	lintian              # checks the Debian package (scripts/package.sh)
	libclang-rt-14-dev   # libFuzzer and sanitizer runtimes for the fuzz targets
	iproute2             # netns, veth, addresses, routes in the tests
	nftables             # packet marking in the load-sharing test lab
	ethtool              # GRO on veth receivers (redirect delivery)
	tcpdump              # captures inside test namespaces
	python3-scapy        # crafted IKE packets (use /usr/bin/python3)
	python3-yaml         # reads the shipped Prometheus rules in a test
	strongswan-charon    # end-to-end tests (tests/e2e/): the real IKE daemon
	strongswan-swanctl   # ... its vici control tool
	libstrongswan-standard-plugins # ... openssl and gcm plugins
	libcharon-extra-plugins # ... kernel-libipsec: ESP in userspace; ha: SA sync
	iputils-ping         # traffic through the e2e tests' tunnels
	openssl              # the e2e tests' sync keys (openssl rand)
	linux-perf           # bench/profile.sh: where a data path's time goes
)

# dpkg-query prints "ii " for each package that is fully installed; any
# other state, or an unknown package, means apt has work to do.
missing=()
for pkg in "${packages[@]}"; do
	status=$(dpkg-query -W -f='${db:Status-Abbrev}' "$pkg" 2>/dev/null || true)
	[ "$status" = "ii " ] || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps.sh: missing ${missing[*]}; run as root" >&2
	exit 1
fi
echo "install-deps.sh: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update
# Everything in the list, not only the missing ones: apt keeps the
# installed ones and resolves the set together.
apt-get install -y --no-install-recommends "${packages[@]}"
