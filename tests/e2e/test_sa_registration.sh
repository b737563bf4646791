#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# ESP steering by registered SAs instead of SPI ranges: the members'
# charons allocate inbound ESP SPIs anywhere (no charon.spi_min/spi_max)
# and no [member N] section has spi_min/spi_max, while esp_steering stays
# on. The router sends UDP 500 to m1 and UDP 4500 (IKE_AUTH, ESP-in-UDP)
# to m2.
#   (a) without the vici listener the tunnel comes up (IKE is forwarded)
#       but the ESP sent to m2 stays there (esp_unknown): no ping;
#   (b) integration/strongswan/ikefwd-vici.py on m1, against m1's charon:
#       the CHILD_SA's inbound SPI is registered on m1 and, through sync,
#       on m2; m2 steers the ESP to m1, the ping goes through;
#   (c) the CHILD_SA terminated: its SPI leaves every member's table; a
#       new CHILD_SA (child-updown) and a rekey (child-rekey) are followed.
# shellcheck disable=SC2034 # read by cluster.sh (e2e_init)
E2E_NEED_CTL=1
. "$(dirname "$0")/cluster.sh"
# IKEFWD_VICI: another copy of the listener (the packaged one:
# tests/packaging/test_package.sh); default the source tree's.
VICI_LISTENER=${IKEFWD_VICI:-$E2E_LIB/../../integration/strongswan/ikefwd-vici.py}
VICI_LISTENER=$(realpath "$VICI_LISTENER")
e2e_init "$@"
e2e_create
PEER=10.0.1.2

# No SPI ranges anywhere: the charons restarted without spi_min/spi_max
# (their IKE SPI labels stay), the members' ikefwd.conf without them.
for m in "${LAB_MEMBERS[@]}"; do
	swan_stop "$m"
	cat >"$SWAN_DIR/$m/charon.extra" <<-EOF2
		spi_mask = $E2E_LABEL_MASK
		spi_label = $(e2e_label "$m")
	EOF2
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

e2e_peer_start 2 "$PEER"
e2e_attach_all
lab_not "no [member N] has an SPI range" \
	grep -q '^spi_m' "$LAB_DIR/m1/ikefwd.conf"
lab_ok "esp_steering is on" grep -q '^esp_steering = yes' "$LAB_DIR/m1/ikefwd.conf"

# spi_in M: the inbound SPI (8 hex digits) of M's INSTALLED CHILD_SA.
spi_in() {
	swan_ctl "$1" --list-sas 2>/dev/null | awk '
		/ reqid [0-9]+, / { inst = / INSTALLED, / }
		inst && $1 == "in" && $2 ~ /^[0-9a-f]+,$/ {
			sub(",", "", $2); print $2; exit
		}'
}

# has_sa M HEX [OWNER]: M's sa table has SPI HEX (owned by OWNER).
has_sa() {
	e2e_ctl "$1" --json sa list 2>/dev/null | "$LAB_PY" -c '
import json, sys
spi, owner = int(sys.argv[1], 16), sys.argv[2]
for s in json.load(sys.stdin).get("sas", []):
    if s["spi"] == spi and (not owner or s["owner"]["member"] == int(owner)):
        sys.exit(0)
sys.exit(1)' "$2" "${3:-}"
}
no_sa() { ! has_sa "$@"; }

# sa_total M: how many SAs M's table holds.
sa_total() {
	e2e_ctl "$1" --json sa list 2>/dev/null |
		"$LAB_PY" -c 'import json, sys; print(json.load(sys.stdin)["total"])'
}

sa_empty() {
	[ "$(sa_total "$1")" = 0 ]
}

ping_tunnel() {
	lab_ns peer ping -c 3 -i 0.2 -W 5 -I 10.10.2.1 "$E2E_INNER"
}

# start_listener: ikefwd-vici.py in m1's namespace, by PID.
start_listener() {
	: >"$LAB_DIR/vici.cur"
	ip netns exec m1 "$LAB_PY" "$VICI_LISTENER" \
		--vici "unix://$SWAN_DIR/m1/charon.vici" \
		--config "$LAB_DIR/m1/ikefwd.conf" --ikefwdctl "$IKEFWDCTL" \
		>"$LAB_DIR/vici.cur" 2>&1 &
	VICI_PID=$!
	LAB_PIDS+=("$VICI_PID")
}
stop_listener() {
	local rc
	kill -TERM "$VICI_PID"
	wait "$VICI_PID"
	rc=$?
	lab_forget_pid "$VICI_PID"
	cat "$LAB_DIR/vici.cur" >>"$LAB_DIR/vici.log"
	return $rc
}

e2e_log "(a) no listener: the tunnel comes up, its ESP is not steered"
lab_snap BEFORE
lab_ok "the tunnel comes up through the split" swan_initiate peer p2 c2 20
lab_wait_eq "the CHILD_SA is on m1" 20 1 swan_count m1
SPI=$(spi_in m1)
e2e_log "m1's inbound SPI: 0x$SPI"
lab_ok "m1's CHILD_SA has an inbound SPI" test -n "$SPI"
lab_eq "no SA registered on m1" "$(sa_total m1)" 0
lab_not "ping through the tunnel fails" \
	lab_ns peer ping -c 3 -i 0.2 -W 1 -I 10.10.2.1 "$E2E_INNER"
lab_snap AFTER
lab_ge "m2 counted the ESP as unknown" "$(lab_d m2.esp_unknown)" 3
lab_eq "m2 steered none of it" "$(lab_d m2.esp_forwarded)" 0
lab_ge "m2's stack got the ESP" "$(lab_d m2.nft.esp4500)" 3
lab_eq "m1's stack got none" "$(lab_d m1.nft.esp4500)" 0
lab_eq "m2's charon holds no SA" "$(swan_count m2)" 0

e2e_log "(b) the vici listener on m1 registers the SA already up"
start_listener
lab_ok "the listener connects to m1's charon" \
	e2e_wait 20 grep -q "listening on" "$LAB_DIR/vici.cur"
lab_ok "0x$SPI registered on m1, owned by m1" e2e_wait 20 has_sa m1 "$SPI" 1
lab_ok "0x$SPI on m2 through sync, owned by m1" e2e_wait 20 has_sa m2 "$SPI" 1
lab_ok "0x$SPI on m3 through sync, owned by m1" e2e_wait 20 has_sa m3 "$SPI" 1

e2e_log "the listener restarted with the SA up: the registration stands"
lab_ok "the listener exits 0 on SIGTERM" stop_listener
start_listener
lab_ok "the restarted listener finds 0x$SPI registered already" \
	e2e_wait 20 grep -q "sa add 0x$SPI .*kept: .*registered already" \
	"$LAB_DIR/vici.cur"
lab_ok "0x$SPI still on m2" has_sa m2 "$SPI" 1
lab_snap BEFORE
lab_ok "ping through the tunnel" ping_tunnel
lab_snap AFTER
lab_ge "m2 steered the ESP to m1" "$(lab_d m2.esp_forwarded)" 3
lab_ge "m1's stack got the ESP" "$(lab_d m1.nft.esp4500)" 3
lab_eq "m2's stack got none" "$(lab_d m2.nft.esp4500)" 0

e2e_log "(c) the CHILD_SA terminated: its SPI deregistered everywhere"
lab_ok "terminate the CHILD_SA" \
	swan_ctl peer --terminate --child c2 --timeout 10
for m in "${LAB_MEMBERS[@]}"; do
	lab_ok "0x$SPI gone from $m" e2e_wait 20 no_sa "$m" "$SPI"
done

e2e_log "a new CHILD_SA on the same IKE SA (child-updown)"
lab_ok "a new CHILD_SA comes up" swan_initiate peer p2 c2 20
# spi_other M OLD: true once M's INSTALLED CHILD_SA has an inbound SPI,
# not OLD (printed).
spi_other() {
	local s
	s=$(spi_in "$1")
	[ -n "$s" ] && [ "$s" != "$2" ] && echo "$s"
}
SPI2=$(lab_wait 20 spi_other m1 "$SPI" | tail -n 1)
e2e_log "m1's inbound SPI: 0x$SPI2"
lab_ok "m1 has the new CHILD_SA" test -n "$SPI2"
lab_ok "0x$SPI2 registered on m2 through sync" e2e_wait 20 has_sa m2 "$SPI2" 1
lab_ok "ping through the new CHILD_SA" ping_tunnel

e2e_log "the CHILD_SA rekeyed (child-rekey)"
lab_ok "rekey" swan_ctl peer --rekey --child c2
lab_ok "0x$SPI2 gone from m2 after the rekey" e2e_wait 20 no_sa m2 "$SPI2"
# The old CHILD_SA can still be listed on m1 until its DELETE is done.
only_new() {
	[ "$(swan_ctl m1 --list-sas 2>/dev/null | grep -c ' INSTALLED, ')" = 1 ] &&
		spi_other m1 "$SPI2"
}
SPI3=$(lab_wait 20 only_new | tail -n 1)
e2e_log "m1's inbound SPI after the rekey: 0x$SPI3"
lab_ok "the rekeyed SA has a new SPI" test -n "$SPI3" -a "$SPI3" != "$SPI2"
lab_ok "0x$SPI3 registered on m2" e2e_wait 20 has_sa m2 "$SPI3" 1
lab_ok "ping through the rekeyed CHILD_SA" ping_tunnel

e2e_log "the IKE SA terminated: its CHILD_SA's SPI deregistered"
lab_ok "terminate the IKE SA" swan_ctl peer --terminate --ike p2 --timeout 10
for m in "${LAB_MEMBERS[@]}"; do
	lab_ok "$m's sa table empty" e2e_wait 20 sa_empty "$m"
done

lab_ok "the listener exits 0 on SIGTERM" stop_listener
sed 's/^/#   /' "$LAB_DIR/vici.log"

lab_finish
