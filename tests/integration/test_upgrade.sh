#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# Upgrade: running attach again on a member whose table is full of live
# negotiations reuses the pinned maps. Not one entry is lost or changed,
# counters and member liveness carry over, the new program decides with
# the old table, and a changed configuration takes effect (a changed
# table_size cannot: the pinned table keeps its size).
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

lab_log "fill m1's table: claims, Phase-2 entries, static entries"
lab_snap BEFORE
lab_ns peer "$LAB_PY" "$LAB_LIB/ike.py" flood --from "$LAB_PEER" --to "$LAB_VIP" \
	--port 500 --spi-base 7700000000000000 --count "$FLOOD"
lab_send peer "v1-main1:500:$V1:0" "v1-quick:500:$V1:0x11111111" \
	"v1-quick:500:$V1:0x22222222"
lab_settle $((FLOOD + 3))
for i in $(seq "$STATIC"); do
	lab_ikefwd m1 table add "$(printf '88%014x' "$i")" 0 2
done
lab_ikefwd m1 member 3 dead
lab_snap BEFORE
before=$(table_canon)
entries=$(wc -l <<<"$before")
lab_log "m1's table holds $entries entries"
lab_ge "the table is filled (claims that arrived + Phase 2 + static)" \
	"$entries" $((FLOOD * 9 / 10 + 3 + STATIC))
lab_eq "status counts the same entries" "${BEFORE[m1.entries]}" "$entries"
old_prog=$(xdp_id)

lab_log "re-attach (upgrade) with a longer timeout"
LAB_CONFIG_EXTRA="timeout = 300" lab_config m1 load-sharing
lab_ok "attach again" lab_ikefwd m1 attach --config "$CONF"
lab_ok "a new XDP program" test "$(xdp_id)" != "$old_prog"
after=$(table_canon)
lab_eq "the table has as many entries" "$(wc -l <<<"$after")" "$entries"
lab_ok "not one entry lost or changed" diff <(echo "$before") <(echo "$after")
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
lab_ok "it warns" grep -q "keeping the pinned table's size" "$LAB_DIR/last.log"
lab_eq "the capacity stays" "$(status_field 's["table"]["capacity"]')" 65536
lab_eq "the entries stay" "$(table_canon | wc -l)" "$((entries + 1))"

lab_finish
