#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# Tunnels live through their whole lifecycle with the default
# configuration: spi_labels off, no SPI ranges, the strongSwan vici
# listener (integration/strongswan/ikefwd-vici.py) on every member
# registering IKE SAs and CHILD_SAs. 16 IKEv2 peers and 2 IKEv1 peers in one
# charon, through the router's split (E2E_SPLIT=port: UDP 500 to m1, or m3
# for 10.0.1.32/27, UDP 4500 to m2; E2E_SPLIT=ecmp: one multipath route
# over m1, m2, m3 hashing each 5-tuple on its own). Each step is checked by
# a ping through every tunnel:
#   1. every tunnel up;
#   2. every IKEv2 peer rekeys its IKE SA (new SPIs that only travel
#      encrypted: only the registration tells the data path where the new
#      IKE SA lives); the time from the listener's event to the entry on
#      every member is measured; then the race made certain: the first
#      request on a new IKE SA sent while its holder's listener is frozen
#      is claimed elsewhere, and its retransmission still reaches the
#      holder once the registration is in;
#   3. every CHILD_SA rekeyed on the new IKE SAs;
#   4. DPD (dpd_delay 1 s) on the new IKE SAs, answered by every peer;
#   5. a second IKE rekey, each followed at once by a CHILD_SA rekey (the
#      first exchange on the new IKE SA races the registration);
#   6. IKEv2 reauthentication (--reauth: a fresh IKE_SA_INIT) after the
#      router moved the second group (port: its UDP 500 to m1 instead of
#      m3; ecmp: m3 out of the multipath route): the tunnels that moved
#      leave no registration steering to their old owner;
#   7. IKEv1: Phase 1 renegotiation (--rekey --ike) and Phase 2 (a new
#      Quick Mode);
#   8. every member's table flushed (as an eviction flood would): the
#      listeners' resync (--resync-s 2 here) registers every IKE SA again;
# then every tunnel alive, and the members' counters say where the
# packets went.
#
# E2E_NO_VICI=mN runs the same without the listener on member mN: the
# steps that then need labels (or fail) are reported as "# DEPENDS"
# instead of failing the test (docs/strongswan.md lists them).
# shellcheck disable=SC2034 # read by cluster.sh (e2e_init)
E2E_NEED_CTL=1
. "$(dirname "$0")/cluster.sh"
VICI_LISTENER=$(realpath "$E2E_LIB/../../integration/strongswan/ikefwd-vici.py")
E2E_SPLIT=${E2E_SPLIT:-port}
E2E_NO_VICI=${E2E_NO_VICI:-}
case $E2E_SPLIT in
port) E2E_LAB_MODE=policy ;;
ecmp) E2E_LAB_MODE=ecmp ;;
*) echo "E2E_SPLIT: port or ecmp" >&2; exit 2 ;;
esac
e2e_init "$@"
e2e_create
e2e_log "split: $E2E_SPLIT; listener on every member but: ${E2E_NO_VICI:-none}"

# 16 IKEv2 peers, 4 of them in the second group (10.0.1.32/27), and two
# IKEv1 peers, one per group.
V2=() V1=()
for d in $(seq 20 35); do V2+=("$d"); done
V1=(18 40)
ALL=("${V2[@]}" "${V1[@]}")
N=${#ALL[@]}

# The defaults of the issue: no SPI ranges (members' charons allocate
# anywhere), no labels (spi_labels off, charons do not label).
E2E_SPI_LABELS=no
for m in "${LAB_MEMBERS[@]}"; do
	swan_stop "$m"
	: >"$SWAN_DIR/$m/charon.extra"
	swan_start "$m" "$m" "$LAB_DIR/responder.conf" ||
		lab_abort "charon on $m did not restart"
	swan_load "$m" >"$SWAN_DIR/$m/load.log" 2>&1 ||
		lab_abort "swanctl --load-all on $m: $(cat "$SWAN_DIR/$m/load.log")"
done
eval "$(declare -f e2e_config | sed '1s/^e2e_config/e2e_config_ranges/')"
e2e_config() {
	e2e_config_ranges "$@"
	sed -i '/^spi_min = /d; /^spi_max = /d' "$LAB_DIR/$1/ikefwd.conf"
}
[ "$E2E_SPLIT" = port ] && e2e_group_b ike
e2e_attach_all
lab_not "no [member N] has an SPI range" grep -q '^spi_m' "$LAB_DIR/m1/ikefwd.conf"
lab_ok "spi_labels is off" grep -q '^spi_labels = no' "$LAB_DIR/m1/ikefwd.conf"

# observe NAME COMMAND...: a check, or with E2E_NO_VICI a report of what
# depends on the listener.
observe() {
	local name=$1
	shift
	if [ -z "$E2E_NO_VICI" ]; then
		lab_ok "$name" "$@"
	elif "$@" >/dev/null 2>&1; then
		e2e_log "WORKS without the listener on $E2E_NO_VICI: $name"
	else
		e2e_log "DEPENDS on the listener on $E2E_NO_VICI: $name"
	fi
}

declare -A VICI_PID=()
start_listener() {
	local m=$1
	ip netns exec "$m" "$LAB_PY" "$VICI_LISTENER" \
		--vici "unix://$SWAN_DIR/$m/charon.vici" \
		--config "$LAB_DIR/$m/ikefwd.conf" --ikefwdctl "$IKEFWDCTL" \
		--resync-s 2 >"$LAB_DIR/vici.$m.log" 2>&1 &
	VICI_PID[$m]=$!
	LAB_PIDS+=("$!")
}
for m in "${LAB_MEMBERS[@]}"; do
	[ "$m" = "$E2E_NO_VICI" ] || start_listener "$m"
done
for m in "${!VICI_PID[@]}"; do
	lab_ok "the listener on $m connects" \
		e2e_wait 10 grep -q "listening on" "$LAB_DIR/vici.$m.log"
done

# sas: the peer's SAs, one line per connection: "NAME STATE ISPI CHILDREN
# SPIS" (SPIS: the INSTALLED CHILD_SAs' inbound SPIs, sorted,
# comma-joined). While a connection has two IKE SAs (an IKEv1 Phase 1
# renegotiation, a reauthentication), the ESTABLISHED one with CHILD_SAs,
# else the newest.
sas() {
	swan_ctl peer --list-sas --raw 2>/dev/null | swan_py '
best = {}
for name, sa in ike_sas(sys.stdin):
    kids = [c for c in child_sas(sa) if c.get("state") == "INSTALLED"]
    spis = sorted(c.get("spi-in", "?") for c in kids)
    up = sa.get("state") == "ESTABLISHED" and len(kids) > 0
    rank = (up, int(sa.get("uniqueid", "0") or 0))
    if name not in best or rank > best[name][0]:
        best[name] = (rank, "%s %s %s %d %s" % (
            name, sa.get("state", "?"), sa.get("initiator-spi", "?"),
            len(kids), ",".join(spis) or "-"))
for name in sorted(best):
    print(best[name][1])
'
}

# snapshot_sas FILE: the peer's SAs into FILE.
snapshot_sas() { sas >"$1"; }

# changed OLD FIELD: every tunnel (pD) is ESTABLISHED with a CHILD_SA, and
# FIELD (3: IKE SPI, 5: CHILD_SA SPIs) differs from OLD's for each peer
# in WHO (the numbers D, space-separated).
changed() {
	local old=$1 field=$2
	sas | awk -v f="$field" -v who="$WHO" -v n="$N" '
		NR == FNR { was[$1] = $f; next }
		{ now[$1] = $f; up[$1] = $2 == "ESTABLISHED" && $4 > 0 }
		END {
			split(who, w, " ")
			for (k in w) want["p" w[k]] = 1
			for (p in was) {
				if (!up[p]) { print p " not up"; bad++ }
				else if (want[p] && now[p] == was[p]) {
					print p " unchanged"; bad++
				}
			}
			if (length(was) != n) { print length(was) " SAs"; bad++ }
			exit bad > 0
		}' "$old" -
}

# all_up: every tunnel ESTABLISHED with a CHILD_SA.
all_up() {
	[ "$(sas | awk '$2 == "ESTABLISHED" && $4 > 0 { n++ } END { print n + 0 }')" = "$N" ]
}

# ping_all [D...]: e2e_ping_tunnels (cluster.sh), by default through all.
ping_all() {
	[ $# -gt 0 ] || set -- "${ALL[@]}"
	e2e_ping_tunnels "$@"
}

# registered_everywhere: every IKE SA of the peer is registered on every
# member, to the member whose charon holds it.
registered_everywhere() {
	local m
	for m in "${LAB_MEMBERS[@]}"; do
		swan_sas "$m" | awk -v m="${m#m}" '{ print "holder", $4, m }'
		e2e_ctl "$m" --json ike-sa list 2>/dev/null | "$LAB_PY" -c '
import json, sys
for e in json.load(sys.stdin)["ike_sas"]:
    print("reg", e["cookie"], e["owner"]["member"], sys.argv[1])' "$m"
	done >"$LAB_DIR/reg.txt"
	sas | awk '{ print "peer", $3, $1 }' >>"$LAB_DIR/reg.txt"
	awk -v members="${#LAB_MEMBERS[@]}" '
		$1 == "holder" { holder[$2] = $3 }
		$1 == "reg" { reg[$2 "/" $4] = $3 }
		$1 == "peer" { peer[$2] = $3 }
		END {
			for (c in peer) {
				if (!(c in holder)) { print peer[c], c, "held by no member"; bad++; continue }
				for (i = 1; i <= members; i++)
					if (reg[c "/m" i] != holder[c]) {
						print peer[c], c, "on m" i ": \"" reg[c "/m" i] "\", held by " holder[c]
						bad++
					}
			}
			exit bad > 0
		}' "$LAB_DIR/reg.txt"
}

# registrations_match_charons: on every member, the IKE SAs registered to
# each member are exactly the IKE SAs that member's charon holds (nothing
# registered outlives its SA, nothing held is missing).
registrations_match_charons() {
	local m o held reg bad=0
	for o in "${LAB_MEMBERS[@]}"; do
		held=$(swan_sas "$o" | awk '{ print $4 }' | sort -u | tr '\n' ' ')
		for m in "${LAB_MEMBERS[@]}"; do
			reg=$(e2e_ctl "$m" --json ike-sa list --owner "${o#m}" 2>/dev/null |
				"$LAB_PY" -c 'import json, sys
for e in json.load(sys.stdin)["ike_sas"]: print(e["cookie"])' |
				sort -u | tr '\n' ' ')
			if [ "$reg" != "$held" ]; then
				echo "$m's registrations to $o: '$reg'; $o holds '$held'"
				bad=1
			fi
		done
	done
	return "$bad"
}

# rekey_ike D... [--reauth]: queues an IKE SA rekey of each pD.
rekey_ike() {
	local d extra=
	[ "${!#}" = --reauth ] && extra=--reauth
	for d in "$@"; do
		[ "$d" = --reauth ] && continue
		swan_ctl peer --rekey --ike "p$d" $extra >/dev/null 2>&1
	done
}
rekey_child() {
	local d
	for d in "$@"; do
		swan_ctl peer --rekey --child "c$d" >/dev/null 2>&1
	done
}

# measure_registration T0 COUNT: for each of the COUNT newest "ike rekey"
# registrations in the listeners' logs (t=: the wall-clock ms the
# listener read charon's event) made after T0, the delay until every
# member's ike-sa list shows the new cookie, polling the members' APIs
# in a loop (~10-30 ms a round, the resolution); 10 s at most. Prints
# the delays from the event and from T0 (the test's rekey command).
measure_registration() {
	"$LAB_PY" - "$1" "$2" "$IKEFWDCTL" "$LAB_DIR" "${LAB_MEMBERS[@]}" <<-'EOF'
		import json, re, subprocess, sys, time
		t0, want, ctl, lab = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
		members = sys.argv[5:]
		pat = re.compile(r"^ikefwd-vici: t=(\d+) ike rekey \S+: ike-sa add ([0-9a-f]{16})")
		deadline = time.time() + 10
		events, seen = {}, {}
		def complete(c):
		    return all((m, c) in seen for m in members)
		while time.time() < deadline:
		    for m in members:
		        try:
		            for line in open("%s/vici.%s.log" % (lab, m)):
		                g = pat.match(line)
		                if g and int(g.group(1)) >= t0:
		                    events.setdefault(g.group(2), int(g.group(1)))
		        except OSError:
		            pass
		    for m in members:
		        out = subprocess.run([ctl, "--unix", "%s/%s/api.sock" % (lab, m),
		                              "--json", "ike-sa", "list"],
		                             stdout=subprocess.PIPE, text=True).stdout
		        now = int(time.time() * 1000)
		        try:
		            for e in json.loads(out)["ike_sas"]:
		                seen.setdefault((m, e["cookie"]), now)
		        except ValueError:
		            pass
		    if len(events) >= want and all(complete(c) for c in events):
		        break
		    time.sleep(0.005)
		def stats(xs):
		    xs = sorted(xs)
		    return "median %d, max %d ms" % (xs[len(xs) // 2], xs[-1]) if xs else "-"
		done = [c for c in events if complete(c)]
		last = {c: max(seen[(m, c)] for m in members) for c in done}
		print("%d of %d events: from the event %s; from the rekey command %s" % (
		    len(done), want, stats(last[c] - events[c] for c in done),
		    stats(last[c] - t0 for c in done)))
	EOF
}

counters() {
	local m k line
	for m in "${LAB_MEMBERS[@]}"; do
		line="$m:"
		for k in forwarded claimed unclaimed phase2_fallback promoted \
			esp_forwarded esp_by_table esp_unknown nft.ike nft.esp4500; do
			line+=" $k $(lab_d "$m.$k")"
		done
		e2e_log "$line"
	done
}

PEERS=()
for d in "${V2[@]}"; do PEERS+=("10.0.1.$d"); done
for d in "${V1[@]}"; do PEERS+=("v1:10.0.1.$d"); done
e2e_peer_addrs "${PEERS[@]}"
E2E_PEER_OPTS="dpd_delay = 1s" E2E_CHILD_OPTS="start_action = start" \
	e2e_peer_conf 2 "${PEERS[@]}" >"$LAB_DIR/peer.conf"
swan_stop peer
# Make-before-break reauthentication (strongSwan 6's default): the new IKE
# SA and its CHILD_SAs exist before the old ones go, possibly on another
# member. (Break-before-make in 5.9, right after the CHILD_SA rekeys of
# step 5, sometimes left the peer's kernel-libipsec without the new
# CHILD_SA's outbound policy: nothing was ever sent on it.)
mkdir -p "$SWAN_DIR/peer"
echo "make_before_break = yes" >"$SWAN_DIR/peer/charon.extra"
swan_start peer peer "$LAB_DIR/peer.conf" || lab_abort "the peer's charon did not start"
declare -A START=()
lab_snap START
lab_snap BEFORE

e2e_log "1. every tunnel up ($N: ${#V2[@]} IKEv2, ${#V1[@]} IKEv1)"
swan_load peer >/dev/null 2>&1
lab_ok "all $N tunnels establish" e2e_wait 60 all_up
observe "every IKE SA registered on every member, to its holder" \
	e2e_wait 10 registered_everywhere
# The CHILD_SAs' inbound SPIs are registered by then too (the listener
# handles charon's events in order): ESP before that is not steered.
observe "ping through every tunnel" e2e_wait 10 ping_all
lab_snap AFTER
counters

e2e_log "2. every IKEv2 peer rekeys its IKE SA"
WHO="${V2[*]}"
lab_rebase
snapshot_sas "$LAB_DIR/sas.1"
# One alone (the delay of one registration), then the other 15 at once
# (the listener handles events one after the other).
t0=$(e2e_now_ms)
measure_registration "$t0" 1 >"$LAB_DIR/delay.1" &
mpid=$!
rekey_ike "${V2[0]}"
wait "$mpid"
t0=$(e2e_now_ms)
measure_registration "$t0" $((${#V2[@]} - 1)) >"$LAB_DIR/delay.15" &
mpid=$!
rekey_ike "${V2[@]:1}"
wait "$mpid"
lab_ok "every IKEv2 IKE SA has new SPIs" \
	e2e_wait 20 changed "$LAB_DIR/sas.1" 3
if [ -z "$E2E_NO_VICI" ]; then
	e2e_log "registration delay, one IKE rekey: $(cat "$LAB_DIR/delay.1")"
	e2e_log "registration delay, 15 IKE rekeys at once: $(cat "$LAB_DIR/delay.15")"
fi
observe "the new IKE SAs registered on every member" e2e_wait 10 registered_everywhere
lab_ok "ping through every tunnel" ping_all

# The race, made certain: the holder's listener is frozen (SIGSTOP) while
# p20 rekeys its IKE SA and at once a CHILD_SA on the new one. That first
# request on the new IKE SA reaches whichever member the router picks for
# 4500 (m2 with the port split), which handles it without state and whose
# charon drops it; once the listener runs again the registration is on
# every member, and the peer's retransmission reaches the holder.
race() {
	local holder='' m old new i c
	old=$(sas | awk '$1 == "p20" { print $3 }')
	for m in "${LAB_MEMBERS[@]}"; do
		swan_sas "$m" | awk -v c="$old" '$4 == c { f = 1 } END { exit !f }' &&
			holder=$m
	done
	if [ -z "$holder" ] || [ -z "${VICI_PID[$holder]:-}" ]; then
		e2e_log "race: p20's holder '$holder' runs no listener: skipped"
		return 0
	fi
	e2e_log "race: p20 is held by $holder; its listener frozen"
	lab_snap BEFORE
	kill -STOP "${VICI_PID[$holder]}"
	swan_ctl peer --rekey --ike p20 >/dev/null 2>&1
	for i in $(seq 100); do
		new=$(sas | awk '$1 == "p20" && $2 == "ESTABLISHED" { print $3 }')
		[ -n "$new" ] && [ "$new" != "$old" ] && break
		sleep 0.05
	done
	c=$(e2e_requests "$holder" CREATE_CHILD_SA)
	swan_ctl peer --rekey --child c20 >/dev/null 2>&1
	sleep 0.5
	lab_snap AFTER
	if [ "$E2E_SPLIT" = port ]; then
		lab_ge "race: m2 handled the first request on the unregistered IKE SA, without state" \
			"$(lab_d m2.unclaimed)" 1
	fi
	kill -CONT "${VICI_PID[$holder]}"
	child_answered() { [ "$(e2e_requests "$holder" CREATE_CHILD_SA)" -gt "$c" ]; }
	lab_ok "race: the retransmission reaches $holder once registered" \
		e2e_wait 8 child_answered
	lab_ok "race: ping through p20" e2e_wait 10 ping_all 20
	grep -h "ike-sa add $new" "$LAB_DIR"/vici.*.log | sed 's/^/#   /'
}
[ -z "$E2E_NO_VICI" ] && race

e2e_log "3. every CHILD_SA rekeyed on the new IKE SAs"
snapshot_sas "$LAB_DIR/sas.2"
rekey_child "${V2[@]}"
observe "every IKEv2 CHILD_SA rekeyed (new inbound SPIs)" \
	e2e_wait 20 changed "$LAB_DIR/sas.2" 5
observe "ping through every tunnel" e2e_wait 10 ping_all

e2e_log "4. DPD on the new IKE SAs"
mark=$(wc -l <"$(swan_log peer)")
sleep 3
dpd_answered() {
	tail -n +"$mark" "$(swan_log peer)" |
		grep -oE '<p[0-9]+\|[0-9]+> parsed INFORMATIONAL(_V1 request| response)' |
		sed 's/|.*//' | sort -u | wc -l
}
dpd_all() { [ "$(dpd_answered)" -ge "$N" ]; }
observe "DPD answered on all $N IKE SAs" e2e_wait 5 dpd_all
lab_eq "every tunnel up after DPD" "$(all_up && echo yes)" yes

e2e_log "5. second IKE rekey, each followed at once by a CHILD_SA rekey"
snapshot_sas "$LAB_DIR/sas.3"
t0=$(e2e_now_ms)
rekey_ike "${V2[@]}"
# Each CHILD_SA rekey as soon as its peer sees the new IKE SA: the first
# exchange on it, racing the registration.
declare -A kicked=()
deadline=$(($(e2e_now_ms) + 20000))
while [ "${#kicked[@]}" -lt "${#V2[@]}" ] && [ "$(e2e_now_ms)" -lt "$deadline" ]; do
	while read -r name state ispi rest; do
		d=${name#p}
		[ -n "${kicked[$d]:-}" ] && continue
		[[ " ${V2[*]} " == *" $d "* ]] || continue
		[ "$state" = ESTABLISHED ] || continue
		[ "$ispi" != "$(awk -v p="$name" '$1 == p { print $3 }' "$LAB_DIR/sas.3")" ] || continue
		rekey_child "$d"
		kicked[$d]=1
	done < <(sas)
	sleep 0.05
done
lab_eq "every CHILD_SA rekey queued right after its IKE rekey" "${#kicked[@]}" "${#V2[@]}"
observe "every IKEv2 IKE SA and CHILD_SA rekeyed" \
	e2e_wait 20 changed "$LAB_DIR/sas.3" 5
observe "ping through every tunnel" e2e_wait 10 ping_all

# settled: no IKE SA or CHILD_SA of the peer in a transient state (a
# rekeyed CHILD_SA lingers DELETED a few seconds; charon delays a
# reauthentication until it is gone). IKEv1 keeps a renegotiated ISAKMP SA
# REKEYING and its CHILD_SAs REKEYED until they expire: not waited for.
settled() {
	local t
	t=$(swan_ctl peer --list-sas 2>/dev/null | grep -E \
		'^ *[a-z0-9]+: #[0-9]+, .*(CREATED|CONNECTING|REKEYING|DELETING|DELETED|DESTROYING|INSTALLING|UPDATING|RETRYING),' |
		grep -v ', REKEYING, IKEv1,')
	[ -z "$t" ] || { echo "$t"; return 1; }
}
lab_ok "the peer's SAs settle" e2e_wait 20 settled

e2e_log "6. IKEv2 reauthentication, the second group moved off m3"
OLD_M3=$(swan_count m3)
if [ "$E2E_SPLIT" = port ]; then
	e2e_group_b none
else
	ip -n rt route replace "$LAB_VIP/32" nexthop via 10.0.0.1 nexthop via 10.0.0.2
fi
snapshot_sas "$LAB_DIR/sas.4"
rekey_ike "${V2[@]}" --reauth
observe "every IKEv2 tunnel reauthenticated (new IKE SPIs)" \
	e2e_wait 30 changed "$LAB_DIR/sas.4" 3
e2e_log "m3 held $OLD_M3 tunnels before, $(swan_count m3) after (IKEv1 ones move in step 7)"
observe "ping through every tunnel" e2e_wait 10 ping_all
observe "the reauthenticated IKE SAs registered to their new holders" \
	e2e_wait 10 registered_everywhere
# The IKEv1 peer of the second group has not moved yet: it goes too.
WHO="${V1[*]}"
snapshot_sas "$LAB_DIR/sas.5"

lab_ok "the peer's SAs settle" e2e_wait 20 settled
e2e_log "7. IKEv1: Phase 1 renegotiation, then a new Quick Mode"
rekey_ike "${V1[@]}"
observe "every IKEv1 peer renegotiated Phase 1 (new cookies)" \
	e2e_wait 30 changed "$LAB_DIR/sas.5" 3
observe "ping through the IKEv1 tunnels" e2e_wait 10 ping_all "${V1[@]}"
snapshot_sas "$LAB_DIR/sas.6"
rekey_child "${V1[@]}"
observe "every IKEv1 peer ran a new Quick Mode (new SPIs)" \
	e2e_wait 20 changed "$LAB_DIR/sas.6" 5
# strongSwan 5.9 keeps an IKEv1 peer's old ISAKMP SA and CHILD_SA after
# the renegotiation (until they expire): the old owner's registrations
# stay exactly as long as its charon holds them, and no new traffic goes
# there.
observe "registrations are exactly what each member's charon holds" \
	e2e_wait 10 registrations_match_charons
lab_snap BEFORE
observe "ping through every tunnel" e2e_wait 10 ping_all
lab_snap AFTER
if [ "$E2E_SPLIT" = port ]; then
	lab_eq "m3's stack got no IKE (its group moved)" "$(lab_d m3.nft.ike)" 0
	lab_eq "m3's stack got no ESP (its group moved)" "$(lab_d m3.nft.esp4500)" 0
	lab_eq "m3's charon holds no IKEv2 tunnel" \
		"$(swan_sas m3 | awk '$3 == 2' | wc -l)" 0
fi

e2e_log "8. every member's table flushed (as after an eviction flood)"
lab_snap BEFORE
for m in "${LAB_MEMBERS[@]}"; do
	lab_ok "flush $m's table" lab_ikefwd "$m" table flush
done
# DPD (every second) meanwhile reaches whichever member the router
# picks, which claims it; the listeners' resync (every 2 s here) registers
# every IKE SA again, the claims follow the registered owners.
observe "every IKE SA registered again on every member" \
	e2e_wait 10 registered_everywhere
observe "ping through every tunnel" e2e_wait 10 ping_all
lab_snap AFTER
if [ -z "$E2E_NO_VICI" ]; then
	lab_ge "the listeners' resync registered the IKE SAs again" \
		"$(cat "$LAB_DIR"/vici.*.log | grep -c " resync: ike-sa add .*: ok")" "$N"
fi
e2e_log "meanwhile: unclaimed m1 $(lab_d m1.unclaimed) m2 $(lab_d m2.unclaimed) m3 $(lab_d m3.unclaimed)"
lab_ok "the peer's SAs settle" e2e_wait 20 settled
snapshot_sas "$LAB_DIR/sas.7"
WHO="${ALL[*]}"
rekey_child "${ALL[@]}"
observe "every CHILD_SA rekeyed after the flush" \
	e2e_wait 20 changed "$LAB_DIR/sas.7" 5

e2e_log "the end: every tunnel alive"
observe "all $N tunnels up" all_up
observe "ping through every tunnel" e2e_wait 10 ping_all
observe "every IKE SA registered on every member, to its holder" \
	e2e_wait 10 registered_everywhere
observe "registrations are exactly what each member's charon holds" \
	e2e_wait 10 registrations_match_charons
lab_snap AFTER
for k in "${!START[@]}"; do BEFORE["$k"]=${START["$k"]}; done
e2e_log "where the packets went, since the start:"
counters
for m in "${!VICI_PID[@]}"; do
	kill -TERM "${VICI_PID[$m]}"
	wait "${VICI_PID[$m]}"
	lab_forget_pid "${VICI_PID[$m]}"
done
grep -h "failed" "$LAB_DIR"/vici.*.log | sed 's/^/#   /' | head -n 20
# E2E_KEEP=DIR: the logs (charons, listeners, daemons) kept for a look.
if [ -n "${E2E_KEEP:-}" ]; then
	mkdir -p "$E2E_KEEP"
	cp -r "$SWAN_DIR" "$E2E_KEEP/" 2>/dev/null
	cp "$LAB_DIR"/vici.*.log "$E2E_KEEP/" 2>/dev/null
	for m in "${LAB_MEMBERS[@]}" peer; do
		{
			ip -n "$m" route show table all
			ip -n "$m" -s link show
			swan_ctl "$m" --list-sas
			[ "$m" = peer ] || e2e_ctl "$m" sa list
			[ "$m" = peer ] || e2e_ctl "$m" ike-sa list
		} >"$E2E_KEEP/state.$m" 2>&1
	done
fi
lab_finish
