# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# shellcheck shell=bash
#
# strongSwan's ha plugin in the e2e lab (tests/e2e/test_ha_sync.sh,
# scripts/ha-segment-vectors.sh): its settings, its control FIFO, the
# segments it logs. Sourced after cluster.sh.

# ha_check: the plugin is installed (exit 77, ctest's SKIP, when not). It
# comes with kernel-libipsec in Debian's libcharon-extra-plugins.
ha_check() {
	local so=/usr/lib/ipsec/plugins/libstrongswan-ha.so
	if [ ! -e "$so" ]; then
		echo "SKIP: $so missing (scripts/install-deps.sh installs it)"
		exit 77
	fi
}

# ha_extra M LOCAL REMOTE: the member's charon settings: the ha plugin.
# HA_HEARTBEAT ("DELAY TIMEOUT", ms) sets the plugin's heartbeat_delay and
# heartbeat_timeout (unset: the plugin's defaults, 1000 and 2100). A
# member that gets no heartbeat for TIMEOUT takes all segments and tells
# the other, which drops them: on a loaded machine a charon starved for
# 2.1 s does that to a live partner (split brain for a moment, then the
# wrong member holds a segment). HA_MONITOR=no turns the plugin's own
# takeover on heartbeat loss off: segments then move only through the
# FIFO (ikefwdd's segment controller in ha-sync mode).
ha_extra() {
	local hb_delay= hb_timeout=
	read -r hb_delay hb_timeout <<<"${HA_HEARTBEAT:-}"
	cat <<-EOF
		plugins {
			ha {
				local = $2
				remote = $3
				segment_count = 2
				${hb_delay:+heartbeat_delay = $hb_delay}
				${hb_timeout:+heartbeat_timeout = $hb_timeout}
				${HA_MONITOR:+monitor = $HA_MONITOR}
				${HA_SECRET:+secret = ikefwd-ha-sync-secret-0123456789}
			}
		}
	EOF
}

# ha_fifo M CMD: writes CMD ("+N", "-N", "*N") into member M's control
# FIFO (its charon's /var/run/charon.ha, in the instance's private /run).
# One command per open: the plugin reads 7 bytes, then reopens.
ha_fifo() {
	timeout 5 sh -c 'printf "%s\n" "$2" >"$1"' sh \
		"$SWAN_DIR/$1/run/charon.ha" "$2"
}

# ha_spi_vectors LOG CHILDREN COUNT LOCAL: strongSwan's ha plugin logs the
# segments of each CHILD_SA it syncs ("handling HA CHILD_SA net{UID} ...
# (segment in: N, out: M)": in for the local address and inbound SPI, out
# for the remote address and outbound SPI); with CHILDREN, the output of
# swan_children on the same charon, and LOCAL its address, prints
# "spi ADDR SPI COUNT SEGMENT" lines.
ha_spi_vectors() {
	/usr/bin/python3 - "$@" <<-'EOF'
		import re, sys
		log, children, count, local = sys.argv[1:]
		child = {}
		for line in open(children):
		    f = line.split()
		    if len(f) == 9 and f[5] != "-":
		        child[f[5]] = (f[0], f[7], f[8])
		for line in open(log):
		    m = re.search(r"(handling|installed) HA CHILD_SA \S+\{(\d+)\}"
		                  r".*segment in: (\d+)\*?, out: (\d+)", line)
		    if not m or m.group(2) not in child:
		        continue
		    peer, spi_in, spi_out = child[m.group(2)]
		    print("spi", local, spi_in, count, m.group(3))
		    print("spi", peer, spi_out, count, m.group(4))
	EOF
}


# ha_trap: on exit, every charon is stopped with swan_stop (SIGTERM, then
# SIGKILL after 5 s) before the lab's own cleanup, which waits for what it
# kills without a deadline: a charon with the ha plugin was seen hanging on
# SIGTERM once (m2, after its partner's death, futex wait).
ha_trap() {
	trap ha_exit EXIT
}

ha_exit() {
	local rc=$? n
	for n in "${!SWAN_PID[@]}"; do
		swan_stop "$n"
	done
	(exit "$rc")
	lab_cleanup
}
