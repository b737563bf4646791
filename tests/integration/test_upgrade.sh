#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# Upgrade: running attach again on a member whose tables are full of live
# negotiations reuses the pinned maps. Not one entry is lost or changed,
# counters and member liveness carry over, the new program decides with
# the old table, and a changed configuration takes effect (a changed
# table_size cannot: the pinned table keeps its size). An older build's LRU
# ownership table is migrated into the established table, and an older
# build's counters map (fewer counters: another size) is carried over.
# shellcheck source=tests/integration/lab.sh
. "$(dirname "$0")/lab.sh"
lab_init "$@"
lab_create policy
lab_attach_all load-sharing
CONF=$LAB_DIR/m1/ikefwd.conf
FLOOD=2000
STATIC=10
V1=f1f2f3f4f5f6f7f8

xdp_id() {
	ip -n m1 -d link show dev eth0 | sed -n 's/.*prog\/xdp id \([0-9]*\).*/\1/p'
}
table_canon() { # m1's table without its clocks, sorted
	lab_ikefwd m1 table list --json | "$LAB_PY" "$LAB_LIB/ike.py" canon
}
status_field() { # a top-level field of m1's status, or a member's alive
	lab_ikefwd m1 status --json |
		"$LAB_PY" -c "import json,sys; s=json.load(sys.stdin); print($1)"
}

lab_log "fill m1's tables: half-open claims, a promoted negotiation, static entries"
lab_snap BEFORE
lab_ns peer "$LAB_PY" "$LAB_LIB/ike.py" flood --from "$LAB_PEER" --to "$LAB_VIP" \
	--port 500 --spi-base 7700000000000000 --count "$FLOOD"
lab_send peer "v1-main1:500:$V1:0"
# m1's IKE daemon answers Main Mode 1 with its cookie: promoted.
lab_send m1 "v1-main:500:$V1:0"
lab_send peer "v1-quick:500:$V1:0x11111111" "v1-quick:500:$V1:0x22222222"
lab_settle $((FLOOD + 3))
for i in $(seq "$STATIC"); do
	lab_ikefwd m1 table add "$(printf '88%014x' "$i")" 0 2
done
lab_ikefwd m1 member 3 dead
lab_snap BEFORE
before=$(table_canon)
entries=$(wc -l <<<"$before")
lab_log "m1's table holds $entries entries"
lab_eq "established: the promoted negotiation and the static entries" \
	"$entries" $((1 + STATIC))
lab_eq "status counts the same entries" "${BEFORE[m1.entries]}" "$entries"
halfopen=$(status_field 's["halfopen"]["entries"]')
lab_ge "half-open: the claims that arrived" "$halfopen" $((FLOOD * 9 / 10))
old_prog=$(xdp_id)

lab_log "re-attach (upgrade) with a longer timeout"
LAB_CONFIG_EXTRA="timeout = 300" lab_config m1 load-sharing
lab_ok "attach again" lab_ikefwd m1 attach --config "$CONF"
lab_ok "a new XDP program" test "$(xdp_id)" != "$old_prog"
after=$(table_canon)
lab_eq "the table has as many entries" "$(wc -l <<<"$after")" "$entries"
lab_ok "not one entry lost or changed" diff <(echo "$before") <(echo "$after")
lab_eq "the half-open claims stay" "$(status_field 's["halfopen"]["entries"]')" "$halfopen"
lab_snap AFTER
for c in ike_seen claimed local phase2_fallback; do
	lab_eq "counter $c carried over" "${AFTER[m1.$c]}" "${BEFORE[m1.$c]}"
done
lab_eq "member 3 is still dead" "$(status_field 's["members"][2]["alive"]')" False
lab_eq "the new timeout is in effect" "$(status_field 's["timeout_s"]')" 300

lab_log "the new program decides with the old table"
lab_rebase
lab_send peer "v2-init:500:7700000000000005:0" "v1-quick:500:$V1:0x22222222" \
	"v2-auth:500:8800000000000007:1"
lab_settle 3
lab_stacks "after the upgrade" 2 1 0
lab_eq "no new claim: the old entries were found" "$(lab_d m1.claimed)" 0
lab_eq "the static entry's packet went to m2" "$(lab_d m1.forwarded)" 1

lab_log "a changed table_size is not applied to the pinned table"
LAB_CONFIG_EXTRA="table_size = 4096" lab_config m1 load-sharing
lab_ok "attach with table_size 4096" lab_ikefwd m1 attach --config "$CONF"
lab_ok "it warns" grep -q "keeping the pinned ikefwd_table's size" "$LAB_DIR/last.log"
lab_eq "the capacity stays" "$(status_field 's["table"]["capacity"]')" 65536
lab_eq "the entries stay" "$(table_canon | wc -l)" "$entries"

lab_log "an older build's LRU ownership table moves into the established table"
PIN=$LAB_DIR/m1/bpf/ikefwd
K=1122334455667788
lab_ok "detach m1 and drop its maps" lab_ikefwd m1 detach --all --purge
lab_ns m1 mkdir -p "$PIN"
# What builds before the half-open table pinned: an LRU hash, with a
# static entry (cookie K, msgid 0, owner 2) and a derived Phase-2 one.
lab_ok "pin an LRU ikefwd_table as older builds did" lab_ns m1 bpftool map create \
	"$PIN/ikefwd_table" type lru_hash key 12 value 24 entries 65536 name ikefwd_table
lab_ok "with a static entry" lab_ns m1 bpftool map update pinned "$PIN/ikefwd_table" \
	key hex 11 22 33 44 55 66 77 88 00 00 00 00 \
	value hex 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 02 0 0 0 20 0 0 0
lab_ok "and a Phase-2 entry" lab_ns m1 bpftool map update pinned "$PIN/ikefwd_table" \
	key hex 11 22 33 44 55 66 77 88 05 00 00 00 \
	value hex 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 02 0 0 0 04 0 0 0
lab_config m1 load-sharing
lab_ok "attach over it" lab_ikefwd m1 attach --config "$CONF"
lab_ok "it says so" grep -q "migrated to the established table: 1 entries copied, 1 per-msgid" "$LAB_DIR/last.log"
lab_ok "show the new table" lab_ns m1 bpftool map show pinned "$PIN/ikefwd_table"
lab_ok "ikefwd_table is a plain hash now" grep -q ": hash " "$LAB_DIR/last.log"
lab_ok "the half-open table is pinned" lab_ns m1 test -e "$PIN/ikefwd_halfopen"
lab_not "the old table is gone" lab_ns m1 test -e "$PIN/ikefwd_table_lru"
migrated=$(table_canon)
lab_eq "the static entry kept its owner" "$(grep -c "^$K 0 2 static" <<<"$migrated")" 1
lab_eq "the Phase-2 entry was dropped" "$(grep -c "^$K 5 " <<<"$migrated")" 0

lab_log "an older build's counters map (fewer counters) is carried over"
lab_ok "detach m1 and drop its maps" lab_ikefwd m1 detach --all --purge
lab_ns m1 mkdir -p "$PIN"
# An older build had fewer counters: a per-CPU array of fewer slots,
# which libbpf refuses to reuse. ike_seen (slot 0) 5 and claimed (slot 5)
# 2 on every possible CPU (bpftool writes a per-CPU map's value to all).
possible=$(cat /sys/devices/system/cpu/possible)
NCPU=$(( ${possible#*-} + 1 ))
lab_ok "pin a 40-slot ikefwd_counters as an older build would" lab_ns m1 bpftool map create \
	"$PIN/ikefwd_counters" type percpu_array key 4 value 8 entries 40 name ikefwd_counters
lab_ok "ike_seen 5 per CPU" lab_ns m1 bpftool map update pinned "$PIN/ikefwd_counters" \
	key 0 0 0 0 value 5 0 0 0 0 0 0 0
lab_ok "claimed 2 per CPU" lab_ns m1 bpftool map update pinned "$PIN/ikefwd_counters" \
	key 5 0 0 0 value 2 0 0 0 0 0 0 0
lab_ok "attach over it" lab_ikefwd m1 attach --config "$CONF"
lab_ok "it says so" grep -q "counters carried over from an older build's ikefwd_counters: 40 of its 40 slots" "$LAB_DIR/last.log"
lab_not "the old counters map is gone" lab_ns m1 test -e "$PIN/ikefwd_counters_old"
lab_ok "show the new counters map" lab_ns m1 bpftool map show pinned "$PIN/ikefwd_counters"
lab_not "it has one slot per counter of this build" grep -q "max_entries 40 " "$LAB_DIR/last.log"
lab_snap AFTER
lab_eq "ike_seen carried over, summed over the CPUs" "${AFTER[m1.ike_seen]}" $((5 * NCPU))
lab_eq "claimed carried over" "${AFTER[m1.claimed]}" $((2 * NCPU))
lab_eq "a counter the old map did not have starts at 0" "${AFTER[m1.csum_partial_left]}" 0
# m1's stack sends an IKE message: tc egress counts it in the new map.
sent_one() { [ "${AFTER[m1.out_ike_seen]:-0}" = 1 ]; }
lab_send m1 "v2-init:500:7700000000000099:0"
lab_ok "the new program counts into the carried-over map" lab_snap_until 5 sent_one

lab_finish
