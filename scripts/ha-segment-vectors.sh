#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# Test vectors for include/ikefwd/ha_segment.h, from strongSwan's ha plugin
# itself (tests/unit/test_ha_segment.c holds what this printed). One member
# m1 runs charon with the ha plugin (segment_count = HA_COUNT, 16 by
# default: 4 bits a vector; no heartbeat monitor, no resync, nobody at the
# other end of the sync link) and HA_PEERS (32) peers negotiate with it.
# Then, for each segment s, the plugin's FIFO deactivates s: the IKE_SAs
# that turn PASSIVE are those whose remote address the plugin puts in s;
# "+s" makes them active again. Printed:
#
#	ike ADDR COUNT SEGMENT		the plugin's segment of a peer address
#	spi ADDR SPI COUNT SEGMENT	the SPI variant, from the plugin's
#					"handling HA CHILD_SA ... (segment in:
#					N, out: M)" lines (in: the VIP and the
#					inbound SPI, out: the peer and the
#					outbound SPI)
#
# Run as root after a build (the lab wants the binaries, though neither
# runs here):
#	IKEFWD=build/loader/ikefwd IKEFWDD=build/daemon/ikefwdd \
#		scripts/ha-segment-vectors.sh >vectors.txt
. "$(dirname "$0")/../tests/e2e/cluster.sh"
# shellcheck source=../tests/e2e/ha.sh
. "$(dirname "$0")/../tests/e2e/ha.sh"
ha_check
e2e_init "$@"
ha_trap

COUNT=${HA_COUNT:-16}
LAB_MEMBERS=(m1)
PEERS=()
for d in $(seq 8 $((8 + ${HA_PEERS:-32} - 1))); do
	PEERS+=("10.0.1.$d")
done

lab_create policy >&2 || lab_abort "lab_create failed"
ip -n rt rule del fwmark 1 lookup 100
lab_ns peer ethtool -K eth0 tx off >/dev/null
ip netns add m2
lab_veth m1 sync0 m2 sync0
ip -n m1 addr add 10.9.0.1/30 dev sync0
ip -n m2 addr add 10.9.0.2/30 dev sync0
ip -n m1 addr add "$E2E_INNER/32" dev lo
e2e_member_nft m1
mkdir -p "$SWAN_DIR/m1"
cat >"$SWAN_DIR/m1/charon.extra" <<-EOF
	plugins {
		ha {
			local = 10.9.0.1
			remote = 10.9.0.2
			segment_count = $COUNT
			monitor = no
			resync = no
		}
	}
EOF
e2e_responder_conf | sed 's/^\(\t*\)version = 0$/&\n\1mobike = no/' \
	>"$LAB_DIR/responder.conf"
SWAN_PLUGINS="$SWAN_PLUGINS ha" swan_start m1 m1 "$LAB_DIR/responder.conf" ||
	lab_abort "charon on m1 did not start"
swan_load m1 >/dev/null 2>&1 || lab_abort "swanctl --load-all on m1"
E2E_CHILD_OPTS="start_action = start" e2e_peer_start 2 "${PEERS[@]}" >&2
swan_wait_count peer "${#PEERS[@]}" 60 >&2 ||
	lab_abort "only $(swan_count peer) of ${#PEERS[@]} peers established"

fifo() { ha_fifo m1 "$1"; }
sas() { swan_sas m1; }
log=$(swan_log m1)
for s in $(seq "$COUNT"); do
	fifo "+$s"
done
e2e_wait 5 grep -q "HA segment $COUNT activated" "$log" ||
	lab_abort "the FIFO did not activate segment $COUNT"
for s in $(seq "$COUNT"); do
	fifo "-$s"
	e2e_wait 5 grep -q "HA segment $s deactivated" "$log" ||
		lab_abort "segment $s not deactivated"
	sas | awk -v s="$s" -v c="$COUNT" '$2 == "PASSIVE" { print "ike", $7, c, s }'
	fifo "+$s"
	e2e_wait 5 grep -q "HA segment $s activated.*" "$log"
	# Until every SA is active again.
	e2e_wait 5 sh -c '! grep -q PASSIVE' < <(sas) >/dev/null
done | sort -t. -k4 -n

# The SPI variant: the log line names the CHILD_SA by unique id, the
# list gives its SPIs.
swan_children m1 >"$LAB_DIR/m1.sas"
ha_spi_vectors "$log" "$LAB_DIR/m1.sas" "$COUNT" "$LAB_VIP"
lab_pass "vectors of ${#PEERS[@]} peers, $COUNT segments" >&2
lab_finish >&2
