#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# attach and detach on one member (m1): both idempotent, detach leaves the
# interface as it found it (no XDP program, no clsact qdisc ikefwd made,
# someone else's clsact and filters untouched), the pinned state outlives a
# detach, and --purge removes it.
# shellcheck source=tests/integration/lab.sh
. "$(dirname "$0")/lab.sh"
lab_init "$@"
lab_create policy
lab_config m1 load-sharing
CONF=$LAB_DIR/m1/ikefwd.conf
PINS=$LAB_DIR/m1/bpf/ikefwd
SPI=d1d2d3d4d5d6d7d8

xdp_id() { # the XDP program id on m1's eth0, or nothing
	ip -n m1 -d link show dev eth0 | sed -n 's/.*prog\/xdp id \([0-9]*\).*/\1/p'
}
xdp_name() {
	ip -n m1 -d link show dev eth0 | sed -n 's/.*prog\/xdp id [0-9]* name \([^ ]*\).*/\1/p'
}
our_filters() { # our tc egress filters on m1's eth0
	tc -n m1 filter show dev eth0 egress | grep -c 'name tc_ikefwd_egres'
}
iface_count() { # interfaces in ikefwd's own record
	lab_ikefwd m1 status --json |
		"$LAB_PY" -c 'import json,sys; print(len(json.load(sys.stdin)["interfaces"]))'
}

lab_log "attach"
lab_ok "m1's eth0 starts clean" lab_clean m1 eth0
lab_ok "attach" lab_ikefwd m1 attach --config "$CONF"
lab_eq "our XDP program is on eth0" "$(xdp_name)" xdp_ikefwd
lab_eq "one tc egress filter of ours" "$(our_filters)" 1
lab_ok "a clsact qdisc" grep -q clsact <(tc -n m1 qdisc show dev eth0)
lab_eq "status lists eth0 once" "$(iface_count)" 1
first=$(xdp_id)

lab_log "attach again: an in-place upgrade, nothing doubled"
lab_ok "second attach" lab_ikefwd m1 attach --config "$CONF"
lab_ok "it says upgraded" grep -q "upgraded eth0" "$LAB_DIR/last.log"
lab_ok "a new XDP program replaced the old one" test "$(xdp_id)" != "$first"
lab_eq "still xdp_ikefwd" "$(xdp_name)" xdp_ikefwd
lab_eq "still one tc egress filter" "$(our_filters)" 1
lab_eq "one clsact qdisc" "$(tc -n m1 qdisc show dev eth0 | grep -c clsact)" 1
lab_eq "status still lists eth0 once" "$(iface_count)" 1
lab_ok "attach a third time" lab_ikefwd m1 attach --config "$CONF"
lab_eq "one tc egress filter after three attaches" "$(our_filters)" 1

lab_log "the data path works, and its state outlives a detach"
lab_snap BEFORE
lab_send peer "v2-init:500:$SPI:0"
lab_settle 1
lab_eq "m1 claimed the negotiation" "$(lab_d m1.claimed)" 1
# m1's IKE daemon answers it: established.
lab_send m1 "v2-init:500:$SPI:0:r"

lab_log "detach"
lab_ok "detach --iface eth0" lab_ikefwd m1 detach --iface eth0
lab_ok "eth0 is clean: no XDP, no clsact" lab_clean m1 eth0
lab_ok "detach --iface eth0 again succeeds" lab_ikefwd m1 detach --iface eth0
lab_ok "detach --all with nothing attached succeeds" lab_ikefwd m1 detach --all
lab_ok "eth0 is still clean" lab_clean m1 eth0
lab_eq "status lists no interface" "$(iface_count)" 0
lab_eq "the table kept the negotiation" "$(lab_owner m1 "$SPI" 0)" 1
lab_ok "attach after detach" lab_ikefwd m1 attach --config "$CONF"
lab_eq "the table still has it" "$(lab_owner m1 "$SPI" 0)" 1
lab_rebase
lab_send peer "v2-init:500:$SPI:0"
lab_settle 1
lab_eq "its retransmission is a hit, not a new claim" "$(lab_d m1.claimed)" 0
lab_eq "and handled locally" "$(lab_d m1.local)" 1

lab_log "someone else's clsact and filters survive our detach"
lab_ok "detach" lab_ikefwd m1 detach --all
tc -n m1 qdisc add dev eth0 clsact
# Classic BPF "return 0": a filter that never matches (matchall and gact
# are modules this kernel does not have).
tc -n m1 filter add dev eth0 egress pref 7 bpf bytecode "1,6 0 0 0"
tc -n m1 filter add dev eth0 ingress pref 7 bpf bytecode "1,6 0 0 0"
lab_ok "attach next to a foreign clsact" lab_ikefwd m1 attach --config "$CONF"
lab_eq "our filter is there" "$(our_filters)" 1
lab_ok "detach" lab_ikefwd m1 detach --iface eth0
lab_eq "our filter is gone" "$(our_filters)" 0
lab_eq "no XDP program" "$(xdp_id)" ""
lab_ok "the foreign clsact stays" grep -q clsact <(tc -n m1 qdisc show dev eth0)
lab_ok "the foreign egress filter stays" \
	grep -q bytecode <(tc -n m1 filter show dev eth0 egress)
lab_ok "the foreign ingress filter stays" \
	grep -q bytecode <(tc -n m1 filter show dev eth0 ingress)
lab_ok "an upgrade keeps knowing the clsact is not ours" \
	lab_ikefwd m1 attach --config "$CONF"
lab_ok "upgrade" lab_ikefwd m1 attach --config "$CONF"
lab_ok "detach" lab_ikefwd m1 detach --all
lab_ok "the foreign clsact stays after an upgraded attach" \
	grep -q clsact <(tc -n m1 qdisc show dev eth0)
tc -n m1 qdisc del dev eth0 clsact

lab_log "purge"
lab_ok "attach" lab_ikefwd m1 attach --config "$CONF"
lab_ok "detach --all --purge" lab_ikefwd m1 detach --all --purge
lab_ok "eth0 is clean" lab_clean m1 eth0
lab_not "the pin root is gone" test -e "$PINS"
lab_ok "detach --all --purge again succeeds" lab_ikefwd m1 detach --all --purge
lab_not "and leaves no pin root" test -e "$PINS"
lab_not "status says there is nothing" lab_ikefwd m1 status
lab_not "--purge alone is refused" lab_ikefwd m1 detach --iface eth0 --purge
lab_ok "attach from scratch" lab_ikefwd m1 attach --config "$CONF"
lab_eq "with an empty table" "$(lab_owner m1 "$SPI" 0)" none
lab_ok "detach --all --purge" lab_ikefwd m1 detach --all --purge
lab_ok "eth0 is clean at the end" lab_clean m1 eth0

lab_finish
