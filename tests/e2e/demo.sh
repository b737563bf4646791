#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# The demo cluster (the main job, run by scripts/demo.sh): installs what
# it needs, builds ikefwd, then in a private sandbox of network namespaces
# sets up a VPN peer, a load-sharing router that splits IKE by port and
# three cluster members sharing one VIP, each with a real strongSwan.
# It shows an IKEv2 tunnel failing through the split without ikefwd and
# coming up with it, traffic through it, the ownership table and the
# counters, IKEv1 through the same split and 50 peers at once, then
# inside traffic failing and leaking without inside steering and working
# with it, then tears everything down. Needs root. IKEFWD_BUILD_DIR: where to build (default
# build/ in the source tree).
set -u
E2E_TOP=$(cd "$(dirname "$0")/../.." && pwd)

if [ "${IKEFWD_LAB_INSIDE:-}" != 1 ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "demo: run as root (namespaces, BPF, strongSwan)" >&2
		exit 1
	fi
	build=${IKEFWD_BUILD_DIR:-$E2E_TOP/build}
	echo "demo: installing dependencies and building ikefwd in $build ..."
	"$E2E_TOP/scripts/install-deps.sh" || exit 1
	{ cmake -S "$E2E_TOP" -B "$build" &&
		cmake --build "$build" -j"$(nproc)"; } >"${TMPDIR:-/tmp}/ikefwd-demo-build.log" 2>&1 || {
		tail -n 30 "${TMPDIR:-/tmp}/ikefwd-demo-build.log" >&2
		echo "demo: the build failed" >&2
		exit 1
	}
	export IKEFWD=$build/loader/ikefwd IKEFWDD=$build/daemon/ikefwdd
	export IKEFWDCTL=$build/ctl/ikefwdctl
fi
E2E_NEED_CTL=1
. "$E2E_TOP/tests/e2e/cluster.sh"
e2e_init "$@"

if [ -t 1 ]; then
	B=$'\e[1m' G=$'\e[32m' R=$'\e[31m' N=$'\e[0m'
else
	B= G= R= N=
fi
step() { printf '\n%s==> %s%s\n' "$B" "$*" "$N"; }
note() { printf '    %s\n' "$@"; }
indent() { sed 's/^/    | /'; }
good() { printf '    %s%s%s\n' "$G" "$*" "$N"; }
bad() { printf '    %s%s%s\n' "$R" "$*" "$N"; }
# The lines of an initiation worth reading: packets, retransmits, result.
story() {
	grep -E 'sending packet|received packet|retransmit|giving up|established|failed' |
		sed -E 's/^\[[A-Z]+\] //' | head -n "${1:-12}" | indent
}

CROWD=()
for i in $(seq 8 57); do
	CROWD+=("10.0.1.$i")
done

step "Setting up the cluster (network namespaces, strongSwan everywhere)"
cat <<'TXT'
      peer  10.0.1.2  strongSwan initiator (NAT-T forced: IKE_AUTH on 4500)
        |
      router  splits IKE by port, like a load balancer hashing on ports:
        |       UDP 500 to the VIP -> m1, UDP 4500 to the VIP -> m2
        |
      m1 10.0.0.1    m2 10.0.0.2    m3 10.0.0.3
      each: the VIP 192.0.2.1, a strongSwan responder (same config, same
      PSK), later ikefwd (XDP on eth0) and ikefwdd (API + sync link)
TXT
e2e_create
# Fewer retransmissions for this peer: the failure shows in 4 s, not 7.
SWAN_RETRANSMIT="2 1 1.4" e2e_peer_start 2 10.0.1.2 v1:10.0.1.3
note "router: $(ip -n rt rule show | grep fwmark)" \
	"        $(lab_ns rt nft list ruleset | grep 'mark set')"

step "Without ikefwd: an IKEv2 tunnel through the split"
t0=$(e2e_now_ms)
if swan_initiate peer p2 c2 15 >"$LAB_DIR/demo.log" 2>&1; then
	story <"$LAB_DIR/demo.log"
	bad "it came up: the router did not split it?"
	lab_fail_check "without ikefwd the tunnel fails"
else
	story <"$LAB_DIR/demo.log"
	note "m2's charon, when IKE_AUTH reached it:"
	grep -m1 "IKE_SA checkout not successful" "$(swan_log m2)" | indent
	bad "FAILED after $(($(e2e_now_ms) - t0)) ms: IKE_SA_INIT went to m1, IKE_AUTH to m2, which knows nothing of it"
	lab_pass "without ikefwd the tunnel fails"
fi
swan_ctl peer --terminate --ike p2 --timeout 5 >/dev/null 2>&1

step "Starting ikefwd (XDP) and ikefwdd (sync + API) on every member"
e2e_attach_all
lab_ikefwd m2 status | indent

step "With ikefwd: the same IKEv2 tunnel"
t0=$(e2e_now_ms)
if swan_initiate peer p2 c2 15 >"$LAB_DIR/demo.log" 2>&1; then
	story <"$LAB_DIR/demo.log"
	good "UP in $(($(e2e_now_ms) - t0)) ms: m2 forwarded IKE_AUTH to m1, the owner"
	lab_pass "with ikefwd the tunnel comes up"
else
	story 20 <"$LAB_DIR/demo.log"
	bad "FAILED"
	lab_fail_check "with ikefwd the tunnel comes up"
fi

step "Traffic through the tunnel (ESP in UDP 4500: the router sends it to m2)"
if lab_ns peer ping -c 3 -i 0.3 -W 2 -I 10.10.2.1 "$E2E_INNER" \
	>"$LAB_DIR/ping.log" 2>&1; then
	indent <"$LAB_DIR/ping.log"
	good "m2 steered the ESP to m1 by its SPI (m1's range)"
	lab_pass "traffic flows through the tunnel"
else
	indent <"$LAB_DIR/ping.log"
	lab_fail_check "traffic flows through the tunnel"
fi

step "IKEv1 Main Mode + Quick Mode through the same split"
t0=$(e2e_now_ms)
if swan_initiate peer p3 c3 15 >"$LAB_DIR/demo.log" 2>&1; then
	grep -E 'established' "$LAB_DIR/demo.log" | sed -E 's/^\[[A-Z]+\] //' |
		indent
	good "UP in $(($(e2e_now_ms) - t0)) ms"
	lab_pass "IKEv1 comes up"
else
	story 20 <"$LAB_DIR/demo.log"
	lab_fail_check "IKEv1 comes up"
fi

step "The ownership table, on m2 (the member the router sends 4500 to)"
lab_ikefwd m2 table list | indent
note "OWNER 1: m1 answered these negotiations' first packets; m2 forwards"
note "their later packets there. m1's table says the same (sync link):"
lab_ikefwd m1 table list | head -n 4 | indent

step "m2's counters"
lab_ikefwd m2 status | sed -n '/^counters:/,$p' | indent

step "50 more peers at once, each from its own address, through the split"
E2E_CHILD_OPTS="start_action = start" e2e_peer_conf 2 "${CROWD[@]}" \
	>"$LAB_DIR/crowd.conf"
e2e_peer_addrs "${CROWD[@]}"
swan_ctl peer --terminate --ike p2 --timeout 5 >/dev/null 2>&1
swan_ctl peer --terminate --ike p3 --timeout 5 >/dev/null 2>&1
swan_stop peer
swan_start peer peer "$LAB_DIR/crowd.conf" || lab_abort "peer charon"
t0=$(e2e_now_ms)
swan_load peer >/dev/null 2>&1
swan_wait_count peer 50 30
n=$(swan_count peer)
ms=$(($(e2e_now_ms) - t0))
if [ "$n" -eq 50 ]; then
	good "50 of 50 tunnels up in $ms ms"
	lab_pass "50 peers at once"
else
	bad "$n of 50 tunnels up after $ms ms; what one of the others saw:"
	a=$(swan_sas peer | awk '$2 == "ESTABLISHED" { up[$1] = 1 }
		END { for (i = 8; i <= 57; i++) if (!up["p" i]) { print "p" i; exit } }')
	grep "<$a|" "$(swan_log peer)" | grep -v '\[MGR\]' | tail -n 15 | indent
	lab_fail_check "50 peers at once"
fi
note "IKE SAs held: m1 $(swan_count m1), m2 $(swan_count m2), m3 $(swan_count m3)"

step "Inside traffic: a host behind an inside router that spreads it over every member (ECMP)"
cat <<'TXT'
      host 10.20.0.100 -- inside router -- lan0 of m1, m2, m3 (ECMP towards
      the peers' inner addresses 10.10.0.0/16); 8 new peers whose tunnels
      cover the host; the outside router counts every packet to 10.10.0.0/16
      it receives: cleartext that should have gone into a tunnel
TXT
e2e_inside_create
INSIDE_PEERS=()
for i in $(seq 60 67); do
	INSIDE_PEERS+=("10.0.1.$i")
done
swan_stop peer
E2E_PEER_REMOTE_TS=10.20.0.0/24 E2E_CHILD_OPTS="start_action = start" \
	e2e_peer_start 2 "${INSIDE_PEERS[@]}"
swan_wait_count peer 8 30 || note "only $(swan_count peer) of 8 tunnels up"
note "tunnels: 8 up, on m1 (the router sends every IKE_SA_INIT there)"
# ping_inside: pings every inside peer from the host; prints how many answer.
ping_inside() {
	local a ok=0 pids=()
	for a in "${INSIDE_PEERS[@]}"; do
		lab_ns host ping -c 2 -i 0.3 -W 2 "10.10.${a##*.}.1" >/dev/null 2>&1 &
		pids+=($!)
	done
	for a in "${pids[@]}"; do
		wait "$a" && ok=$((ok + 1))
	done
	echo "$ok"
}

e2e_leak_reset
ok=$(ping_inside)
leaks=$(e2e_leaked)
if [ "$ok" -lt 8 ] && [ "$leaks" -gt 0 ]; then
	bad "without inside steering: $ok of 8 peers answer the host; the other replies reached a member without the tunnel, which routed them in the clear: the outside router saw $leaks cleartext packets to the peers' inner addresses"
	lab_pass "without inside steering inside traffic fails and leaks"
else
	note "$ok of 8 answered, $leaks cleartext packets at the outside router"
	lab_fail_check "without inside steering inside traffic fails and leaks"
fi

step "With inside steering: [interfaces] inside = lan0, the vici listener on every member"
for m in "${LAB_MEMBERS[@]}"; do
	E2E_INSIDE=lan0 e2e_config "$m"
	lab_ikefwd "$m" attach --config "$LAB_DIR/$m/ikefwd.conf" \
		>"$LAB_DIR/$m/attach.log" 2>&1 ||
		lab_abort "attach on $m: $(cat "$LAB_DIR/$m/attach.log")"
	e2e_listener_start "$m"
done
inside_registered() {
	e2e_ctl m2 --json ts list 2>/dev/null | "$LAB_PY" -c '
import json, sys
want = {"10.10.%d.1/32" % i for i in range(60, 68)}
have = {t["prefix"] for t in json.load(sys.stdin)["selectors"]}
sys.exit(0 if want <= have else 1)'
}
e2e_wait 10 inside_registered ||
	note "the tunnels' selectors did not all reach m2"
note "m2's remote selectors (registered by m1's listener, synced):"
e2e_ctl m2 ts list | grep -E 'PREFIX|10\.10\.6' | indent
e2e_leak_reset
ok=$(ping_inside)
leaks=$(e2e_leaked)
if [ "$ok" -eq 8 ] && [ "$leaks" -eq 0 ]; then
	good "8 of 8 peers answer the host; m2 and m3 steered the replies to m1, which holds the tunnels; no cleartext reached the outside router"
	lab_pass "with inside steering inside traffic works, nothing leaks"
else
	bad "$ok of 8 answered, $leaks cleartext packets at the outside router"
	lab_fail_check "with inside steering inside traffic works, nothing leaks"
fi
lab_ikefwd m2 status | sed -n '/^interfaces/,/^members/p;/^selectors/p;/inside_\|leak_/p' |
	grep -v '^members' | indent
for m in "${LAB_MEMBERS[@]}"; do
	e2e_listener_stop "$m"
done

step "Tearing down: charons and daemons stopped by PID, XDP detached, namespaces deleted"
lab_finish
