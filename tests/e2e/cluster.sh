# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# shellcheck shell=bash
#
# The end-to-end cluster: the integration lab (tests/integration/lab.sh:
# peer, load-sharing router, members m1..m3 on one segment, the VIP on
# every member's lo) with real strongSwan on the peer and on every member
# (swan.sh), ikefwd attached on each member's eth0 and ikefwdd on each
# member keeping the tables in step over the sync link. Sourced by
# tests/e2e/test_*.sh and tests/e2e/demo.sh:
#
#	. "$(dirname "$0")/cluster.sh"
#	e2e_init "$@"		# sandbox (lab_init), strongSwan present
#	e2e_create		# lab_create policy + charons on the members
#	e2e_peer_start 2 ADDR...	# the peer's charon, a connection per address
#	e2e_attach_all		# ikefwd and ikefwdd on every member
#	...
#	lab_finish
#
# Addresses: the peer's connection from 10.0.1.D is named pD (child cD,
# identity peerD.example, inner address 10.10.D.1 on the peer's lo);
# every member has the inner address 10.20.0.1 on lo, behind the VIP.
# Members' charons put their member's label in their IKE SPIs and take
# inbound ESP SPIs from their member's range, as their [member N]
# sections tell ikefwd.
#
# Environment: IKEFWD and IKEFWDD, the ikefwd command and the daemon;
# IKEFWDCTL, the API client, for scripts that set E2E_NEED_CTL=1 first.

E2E_LIB=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../integration/lab.sh
. "$E2E_LIB/../integration/lab.sh"
# shellcheck source=swan.sh
. "$E2E_LIB/swan.sh"

E2E_PSK=ikefwd-e2e-0123456789abcdef
E2E_INNER=10.20.0.1
E2E_SYNC_PORT=7500
declare -A E2E_DAEMON_PID=() E2E_CAP=()

# Member mN's IKE SPI label (the top 16 bits of every IKE SPI its charon
# allocates: 0xbe0N) and inbound ESP SPI range (0xcN000000 to 0xcNffffff).
E2E_LABEL_MASK=0xffff000000000000
e2e_label() { printf '0xbe%02x000000000000' "${1#m}"; }
e2e_spi_min() { printf '0xc%x000000' "${1#m}"; }
e2e_spi_max() { printf '0xc%xffffff' "${1#m}"; }

e2e_log() { printf '# %s\n' "$*"; }

# e2e_init "$@": checks strongSwan and the daemon, then lab_init (which
# re-runs the script in its sandbox).
e2e_init() {
	swan_check
	if [ -z "${IKEFWDD:-}" ] || [ ! -x "$IKEFWDD" ]; then
		echo "IKEFWDD must name the ikefwdd binary" >&2
		exit 2
	fi
	IKEFWDD=$(realpath "$IKEFWDD")
	if [ "${E2E_NEED_CTL:-}" = 1 ]; then
		if [ -z "${IKEFWDCTL:-}" ] || [ ! -x "$IKEFWDCTL" ]; then
			echo "IKEFWDCTL must name the ikefwdctl binary" >&2
			exit 2
		fi
		IKEFWDCTL=$(realpath "$IKEFWDCTL")
	fi
	lab_init "$@"
	SWAN_DIR=$LAB_DIR/swan
	mkdir -p "$SWAN_DIR"
}

# e2e_member_nft M: counters of the IKE and ESP-in-UDP M's own stack
# receives (table inet lab, which lab_snap reads as M.nft.NAME). Unlike
# the lab's own rules, nothing is dropped: charon answers.
e2e_member_nft() {
	lab_ns "$1" nft delete table inet lab 2>/dev/null
	lab_ns "$1" nft -f - <<-EOF
		table inet lab {
			counter ike {}
			counter ike500 {}
			counter ike4500 {}
			counter esp4500 {}
			chain input {
				type filter hook input priority filter;
				udp dport 500 counter name ike500
				udp dport 4500 @th,64,32 0 counter name ike4500
				udp dport 4500 @th,64,32 != 0 udp length > 9 counter name esp4500
				udp dport 500 counter name ike
				udp dport 4500 @th,64,32 0 counter name ike
			}
		}
	EOF
}

# e2e_create: the lab (policy split: UDP 500 to m1, 4500 to m2) with a
# strongSwan responder on every member, all with the same configuration.
e2e_create() {
	local m

	# E2E_LAB_MODE=ecmp: the router's multipath route instead.
	lab_create "${E2E_LAB_MODE:-policy}" || lab_abort "lab_create failed"
	openssl rand -hex 32 >"$LAB_DIR/sync.key"
	# The peer's veth keeps its default offloads: its UDP reaches the
	# members with the checksum left to offload (CHECKSUM_PARTIAL), and
	# the frames ikefwd redirects must have it completed by the data
	# path (docs/datapath.md), or the owner drops them (UdpInCsumErrors).
	# E2E_PEER_TX_CSUM=off turns tx checksumming off on the peer, as a
	# real wire's frames (always complete) would arrive.
	if [ "${E2E_PEER_TX_CSUM:-default}" = off ]; then
		lab_ns peer ethtool -K eth0 tx off >/dev/null
	fi
	for m in "${LAB_MEMBERS[@]}"; do
		e2e_member_nft "$m"
		ip -n "$m" addr add "$E2E_INNER/32" dev lo
	done
	e2e_responder_conf >"$LAB_DIR/responder.conf"
	for m in "${LAB_MEMBERS[@]}"; do
		mkdir -p "$SWAN_DIR/$m"
		# The member's IKE SPI label and inbound ESP SPI range, as
		# its [member N] section tells ikefwd.
		cat >"$SWAN_DIR/$m/charon.extra" <<-EOF
			spi_mask = $E2E_LABEL_MASK
			spi_label = $(e2e_label "$m")
			spi_min = $(e2e_spi_min "$m")
			spi_max = $(e2e_spi_max "$m")
		EOF
		swan_start "$m" "$m" "$LAB_DIR/responder.conf" ||
			lab_abort "charon on $m did not start"
		swan_load "$m" >"$SWAN_DIR/$m/load.log" 2>&1 ||
			lab_abort "swanctl --load-all on $m: $(cat "$SWAN_DIR/$m/load.log")"
	done
}

# The members' swanctl.conf: one connection that answers IKEv1 and IKEv2,
# any peer identity, narrowing traffic selectors to what the peer asks.
e2e_responder_conf() {
	cat <<-EOF
		connections {
			rw {
				version = 0
				local_addrs = $LAB_VIP
				local {
					auth = psk
					id = vpn.example
				}
				remote {
					auth = psk
				}
				children {
					net {
						local_ts = 10.20.0.0/24
						remote_ts = 10.10.0.0/16
						esp_proposals = aes128gcm16
					}
				}
				proposals = aes128-sha256-x25519
			}
		}
		secrets {
			ike-all {
				secret = "$E2E_PSK"
			}
		}
	EOF
}

# e2e_peer_conf VERSION ADDR...: the peer's swanctl.conf on stdout, one
# connection per source address (see the top of this file; the children's
# remote_ts is E2E_PEER_REMOTE_TS, default the members' inner address);
# an address
# written v1:ADDR gets an IKEv1 connection whatever VERSION says.
# encap = yes: IKE_AUTH (IKEv2) and Main Mode 5/6 and Quick Mode (IKEv1)
# on UDP 4500.
# Every child has a reqid of its own (the address's last byte): the peer
# stands for one gateway per address, and strongSwan before 5.9.12 can
# give two CHILD_SAs restarted at once (dpd_action = restart) the same
# dynamic reqid (strongswan/strongswan#1855, fixed by its "reqid-refcount"
# branch); kernel-libipsec then encrypts one tunnel's traffic with the
# other's outbound SA and the far end drops it ("due to policy"). A
# configured reqid is never allocated, so it cannot be shared.
# E2E_PEER_OPTS adds lines to every connection (dpd_delay, ...),
# E2E_CHILD_OPTS to every child (start_action = start: charon initiates
# them all itself when the file is loaded).
e2e_peer_conf() {
	local version=$1 a d v
	shift
	echo "connections {"
	for a in "$@"; do
		v=$version
		[ "${a#v1:}" != "$a" ] && v=1
		a=${a#v1:}
		d=${a##*.}
		cat <<-EOF
			p$d {
				version = $v
				local_addrs = $a
				remote_addrs = $LAB_VIP
				encap = yes
				proposals = aes128-sha256-x25519
				${E2E_PEER_OPTS:-}
				local {
					auth = psk
					id = peer$d.example
				}
				remote {
					auth = psk
					id = vpn.example
				}
				children {
					c$d {
						local_ts = 10.10.$d.1/32
						remote_ts = ${E2E_PEER_REMOTE_TS:-$E2E_INNER/32}
						esp_proposals = aes128gcm16
						reqid = $d
						${E2E_CHILD_OPTS:-}
					}
				}
			}
		EOF
	done
	echo "}"
	cat <<-EOF
		secrets {
			ike-all {
				secret = "$E2E_PSK"
			}
		}
	EOF
}

# e2e_peer_addrs ADDR...: the peer's source addresses on eth0, and the
# matching inner addresses on lo.
e2e_peer_addrs() {
	local a
	for a in "$@"; do
		a=${a#v1:}
		ip -n peer addr replace "$a/24" dev eth0
		ip -n peer addr replace "10.10.${a##*.}.1/32" dev lo
	done
}

# e2e_peer_start VERSION ADDR...: (re)starts the peer's charon with one
# connection per address, and the inner addresses on the peer's lo.
e2e_peer_start() {
	swan_stop peer
	e2e_peer_conf "$@" >"$LAB_DIR/peer.conf"
	shift
	e2e_peer_addrs "$@"
	swan_start peer peer "$LAB_DIR/peer.conf" ||
		lab_abort "charon on the peer did not start"
	swan_load peer >"$SWAN_DIR/peer/load.log" 2>&1 ||
		lab_abort "swanctl --load-all on the peer: $(cat "$SWAN_DIR/peer/load.log")"
}

# e2e_config M: the cluster file of member M (the same for all but
# local_member): every lab member on the shared segment, the sync link on
# it too, fast heartbeats so that a death is seen within a second
# (E2E_DEAD_AFTER_MS: another dead_after_ms); ESP
# steered by the members' SPI ranges, and IKE SAs no table knows yet
# routed by the label in their SPIs (E2E_SPI_LABELS=no: by the table
# alone); E2E_CLUSTER_EXTRA adds [cluster] lines; E2E_MODE sets the mode
# (default load-sharing); E2E_CONFIG_HOOK names a function that is called
# with M at the end and adds sections of its own (ha-sync's [ha]).
e2e_config() {
	local m=$1 n
	{
		echo "[cluster]"
		echo "mode = ${E2E_MODE:-load-sharing}"
		echo "local_member = ${m#m}"
		echo "esp_steering = yes"
		echo "spi_labels = ${E2E_SPI_LABELS:-yes}"
		echo "spi_label_mask = $E2E_LABEL_MASK"
		# More [cluster] keys (table sizes, ...), one per line.
		[ -n "${E2E_CLUSTER_EXTRA:-}" ] && echo "$E2E_CLUSTER_EXTRA"
		[ -n "${E2E_LEAK_GUARD:-}" ] && echo "leak_guard = $E2E_LEAK_GUARD"
		echo "[interfaces]"
		echo "attach = eth0"
		echo "xdp_mode = native"
		# E2E_INSIDE: the interfaces facing the protected network.
		[ -n "${E2E_INSIDE:-}" ] && echo "inside = $E2E_INSIDE"
		for n in "${LAB_MEMBERS[@]}"; do
			echo "[member ${n#m}]"
			echo "address = 10.0.0.${n#m}"
			echo "spi_label = $(e2e_label "$n")"
			echo "spi_min = $(e2e_spi_min "$n")"
			echo "spi_max = $(e2e_spi_max "$n")"
		done
		echo "[api]"
		echo "listen = 127.0.0.1"
		echo "port = 8080"
		echo "unix_socket = $LAB_DIR/$m/api.sock"
		echo "[sync]"
		echo "port = $E2E_SYNC_PORT"
		echo "key_file = $LAB_DIR/sync.key"
		echo "heartbeat_ms = 200"
		echo "dead_after_ms = ${E2E_DEAD_AFTER_MS:-1000}"
		[ -n "${E2E_CONFIG_HOOK:-}" ] && "$E2E_CONFIG_HOOK" "$m"
	} >"$LAB_DIR/$m/ikefwd.conf"
}

# e2e_attach M: ikefwd attach on member M, then its daemon.
e2e_attach() {
	local m=$1
	e2e_config "$m"
	lab_ikefwd "$m" attach --config "$LAB_DIR/$m/ikefwd.conf" \
		>"$LAB_DIR/$m/attach.log" 2>&1 ||
		lab_abort "attach on $m: $(cat "$LAB_DIR/$m/attach.log")"
	e2e_daemon_start "$m"
}

e2e_attach_all() {
	local m
	for m in "${LAB_MEMBERS[@]}"; do
		e2e_attach "$m"
	done
}

# e2e_detach_all: ikefwd off every member (daemons stopped, maps purged):
# back to the plain load-sharing cluster.
e2e_detach_all() {
	local m
	for m in "${LAB_MEMBERS[@]}"; do
		e2e_daemon_stop "$m"
		lab_ikefwd "$m" detach --all --purge >/dev/null 2>&1
	done
}

# e2e_daemon_start M: ikefwdd in member M's namespace, with M's pins;
# waits (30 s at most: a sanitizer build on a loaded machine) until its
# API socket is there.
e2e_daemon_start() {
	local m=$1 pid deadline
	rm -f "$LAB_DIR/$m/api.sock"
	# ip netns exec in the background directly (not lab_ns, a function):
	# $! is then the daemon's own PID.
	ip netns exec "$m" env IKEFWD_PIN_ROOT="$LAB_DIR/$m/bpf/ikefwd" \
		LIBXDP_BPFFS="$LAB_DIR/$m/bpf" "$IKEFWDD" \
		--config "$LAB_DIR/$m/ikefwd.conf" \
		--pin-root "$LAB_DIR/$m/bpf/ikefwd" >>"$LAB_DIR/$m/ikefwdd.log" 2>&1 &
	pid=$!
	LAB_PIDS+=("$pid")
	E2E_DAEMON_PID[$m]=$pid
	deadline=$(($(lab_now_ms) + 30000))
	while [ "$(lab_now_ms)" -lt "$deadline" ]; do
		kill -0 "$pid" 2>/dev/null ||
			lab_abort "ikefwdd on $m died: $(tail -n 5 "$LAB_DIR/$m/ikefwdd.log")"
		[ -S "$LAB_DIR/$m/api.sock" ] && return 0
		sleep 0.05
	done
	lab_abort "ikefwdd on $m: no API socket after 30 s"
}

# e2e_daemon_stop M [SIGNAL]: stops M's ikefwdd by PID (SIGTERM, or SIGNAL:
# KILL for a crash).
e2e_daemon_stop() {
	local m=$1 sig=${2:-TERM} pid=${E2E_DAEMON_PID[$1]:-}
	[ -n "$pid" ] || return 0
	kill "-$sig" "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	lab_forget_pid "$pid"
	unset "E2E_DAEMON_PID[$m]"
}

# e2e_table M: member M's table, one "cookie msgid owner" line per entry,
# sorted.
e2e_table() {
	lab_ikefwd "$1" table list --json 2>/dev/null |
		"$LAB_PY" "$LAB_LIB/ike.py" canon | awk '{ print $1, $2, $3 }'
}

# e2e_now_ms: wall clock in milliseconds.
e2e_now_ms() {
	date +%s%3N
}

# e2e_capture_start NAME NS DEV [FILTER...]: tcpdump into $LAB_DIR/NAME.pcap,
# started directly in the background so that $! is tcpdump itself (killed
# by PID in e2e_capture_stop or by the lab's EXIT trap).
e2e_capture_start() {
	local name=$1 ns=$2 dev=$3
	shift 3
	ip netns exec "$ns" tcpdump -i "$dev" -nn -U --immediate-mode -Z root \
		-w "$LAB_DIR/$name.pcap" "$@" 2>"$LAB_DIR/$name.log" &
	LAB_PIDS+=($!)
	E2E_CAP[$name]=$!
	lab_wait_every 0.05 20 grep -q "listening on" "$LAB_DIR/$name.log" ||
		lab_abort "tcpdump $name did not start: $(cat "$LAB_DIR/$name.log")"
}

# e2e_capture_stop NAME: stops the capture; prints it, one frame a line
# with the Ethernet addresses.
e2e_capture_stop() {
	local pid=${E2E_CAP[$1]}
	kill -INT "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	lab_forget_pid "$pid"
	tcpdump -r "$LAB_DIR/$1.pcap" -e -nn 2>/dev/null
}

# e2e_ctl M ARGS...: ikefwdctl against member M's daemon (its API socket).
e2e_ctl() {
	local m=$1
	shift
	"$IKEFWDCTL" --unix "$LAB_DIR/$m/api.sock" "$@"
}

# e2e_sync_stat M NAME: one of member M's sync counters (GET stats).
e2e_sync_stat() {
	e2e_ctl "$1" stats --json 2>/dev/null | "$LAB_PY" -c '
import json, sys
print(json.load(sys.stdin).get("sync", {}).get(sys.argv[1], 0))' "$2" ||
		echo 0
}

# e2e_alive M ID: "yes" when member M's data path has member ID alive.
e2e_alive() {
	lab_ikefwd "$1" status --json 2>/dev/null | "$LAB_PY" -c '
import json, sys
for m in json.load(sys.stdin)["members"]:
    if m["id"] == int(sys.argv[1]):
        print("yes" if m["alive"] else "no")' "$2"
}

# e2e_wait SECONDS COMMAND...: lab_wait (tests/integration/lab.sh): true
# as soon as COMMAND succeeds (every 0.1 s), false when it still fails
# after SECONDS.
e2e_wait() {
	lab_wait "$@"
}

# e2e_spi NAME IKE: the initiator SPI (16 hex digits, the table's cookie)
# of IKE SA IKE on charon NAME.
e2e_spi() {
	swan_sas "$1" | awk -v ike="$2" '$1 == ike { print $4; exit }'
}

# e2e_requests M TYPE: how many TYPE requests member M's charon parsed so
# far for the IKE SA it holds now (its log names it <rw|UNIQUEID>).
e2e_requests() {
	local uid
	uid=$(swan_sas "$1" | awk '$2 == "ESTABLISHED" { print $9; exit }')
	grep -c "<rw|$uid> parsed $2 request" "$(swan_log "$1")"
}

# e2e_sole_sa M: the initiator SPI of the one IKE SA charon M holds
# ESTABLISHED; nothing while it holds none or several (an IKE SA rekey
# whose old IKE SA is not deleted yet).
e2e_sole_sa() {
	swan_sas "$1" | awk '$2 == "ESTABLISHED" { n++; s = $4 }
		END { if (n == 1) print s }'
}

# e2e_rekeyed M OLD: true once the peer and member M each hold one IKE SA,
# the same one, and not the one with initiator SPI OLD (an IKE SA rekey
# completed on both sides).
e2e_rekeyed() {
	local s
	s=$(e2e_sole_sa peer)
	[ -n "$s" ] && [ "$s" != "$2" ] && [ "$(e2e_sole_sa "$1")" = "$s" ]
}

# e2e_entries M COOKIE: member M's entries of one negotiation, "msgid
# owner" per line.
e2e_entries() {
	e2e_table "$1" | awk -v c="$2" '$1 == c { print $2, $3 }'
}

# The router's second group: peers in 10.0.1.32/27 have m3 as their member
# (m1 serves the others). e2e_group_b ike|all|none: their UDP 500 goes to
# m3 (while UDP 4500 stays split off to m2), or all their traffic (no
# port split for them), or none of it (m3 out of the load balancer's
# pool, as after a failed health check).
E2E_GROUP_B=10.0.1.32/27
e2e_group_b() {
	ip -n rt route replace "$LAB_VIP/32" via 10.0.0.3 table 103
	ip -n rt rule del from "$E2E_GROUP_B" lookup 103 2>/dev/null
	ip -n rt rule del from "$E2E_GROUP_B" ipproto udp dport 500 lookup 103 \
		2>/dev/null
	case $1 in
	ike) ip -n rt rule add from "$E2E_GROUP_B" ipproto udp dport 500 \
		lookup 103 ;;
	all) ip -n rt rule add from "$E2E_GROUP_B" lookup 103 ;;
	esac
}

# e2e_port_split on|off: the router's UDP 4500 to m2 (lab_create's fwmark
# rule), or not.
e2e_port_split() {
	ip -n rt rule del fwmark 1 lookup 100 2>/dev/null
	[ "$1" = on ] && ip -n rt rule add fwmark 1 lookup 100
	return 0
}

# The inside (E2E_INSIDE=lan0 puts ikefwd's inside program there):
# e2e_inside_create adds an inside router ir with one link to every
# member's lan0 (10.30.N.0/24) that spreads traffic to the peers' inner
# addresses (10.10.0.0/16) over the members by ECMP, a host E2E_HOST
# behind it (namespace host), the members' route to 10.20.0.0/24 through
# ir, and an nftables counter on the outside router of every packet to
# 10.10.0.0/16 it receives: ESP goes to the peers' outer addresses, so it
# counts cleartext that left a member towards a tunnel's far side
# (e2e_leaked, e2e_leak_reset). The peers' CHILD_SAs must cover E2E_HOST
# (E2E_PEER_REMOTE_TS=10.20.0.0/24).
E2E_HOST=10.20.0.100
e2e_inside_create() {
	local m n ns nexthops=()
	for ns in ir host; do
		ip netns add "$ns"
		ip -n "$ns" link set lo up
	done
	lab_ns ir sysctl -qw net.ipv4.ip_forward=1 \
		net.ipv4.fib_multipath_hash_policy=1 \
		net.ipv4.conf.all.ignore_routes_with_linkdown=1
	lab_veth ir hostlink host eth0
	ip -n ir addr add 10.20.0.254/24 dev hostlink
	ip -n host addr add "$E2E_HOST/24" dev eth0
	ip -n host route add default via 10.20.0.254
	for m in "${LAB_MEMBERS[@]}"; do
		n=${m#m}
		lab_veth ir "to$m" "$m" lan0
		ip -n ir addr add "10.30.$n.254/24" dev "to$m"
		ip -n "$m" addr add "10.30.$n.1/24" dev lan0
		ip -n "$m" route add 10.20.0.0/24 via "10.30.$n.254" dev lan0
		lab_ns "$m" sysctl -qw net.ipv4.ip_forward=1 \
			net.ipv4.conf.lan0.rp_filter=0
		# As on eth0: frames redirected into a veth need NAPI there.
		lab_ns ir ethtool -K "to$m" gro on
		nexthops+=(nexthop via "10.30.$n.1" dev "to$m")
	done
	ip -n ir route add 10.10.0.0/16 "${nexthops[@]}"
	lab_ns rt nft -f - <<-EOF
		table inet leak {
			counter clear {}
			chain pre {
				type filter hook prerouting priority raw;
				ip daddr 10.10.0.0/16 counter name clear
			}
		}
	EOF
}

e2e_leaked() {
	lab_ns rt nft -j list counter inet leak clear | "$LAB_PY" -c '
import json, sys
for o in json.load(sys.stdin)["nftables"]:
    if "counter" in o:
        print(o["counter"]["packets"])'
}

e2e_leak_reset() {
	lab_ns rt nft reset counter inet leak clear >/dev/null
}

# e2e_listener_start M / e2e_listener_stop M: the strongSwan vici
# listener (integration/strongswan/ikefwd-vici.py) on member M, against
# M's charon and daemon, by PID; its log is $LAB_DIR/M/vici.log.
declare -A E2E_VICI_PID=()
e2e_listener_start() {
	local m=$1
	ip netns exec "$m" "$LAB_PY" \
		"$E2E_LIB/../../integration/strongswan/ikefwd-vici.py" \
		--vici "unix://$SWAN_DIR/$m/charon.vici" \
		--config "$LAB_DIR/$m/ikefwd.conf" --ikefwdctl "$IKEFWDCTL" \
		>>"$LAB_DIR/$m/vici.log" 2>&1 &
	E2E_VICI_PID[$m]=$!
	LAB_PIDS+=("$!")
}

e2e_listener_stop() {
	local pid=${E2E_VICI_PID[$1]:-}
	[ -n "$pid" ] || return 0
	kill -TERM "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	lab_forget_pid "$pid"
	unset "E2E_VICI_PID[$1]"
}

# e2e_ping_tunnels D...: two pings through each tunnel pD (from the peer's
# inner address 10.10.D.1 to E2E_INNER), in parallel; names the ones that
# failed, false if any did.
e2e_ping_tunnels() {
	local d pids=() bad=0 i=0
	for d in "$@"; do
		ip netns exec peer ping -c 2 -i 0.3 -W 2 -I "10.10.$d.1" \
			"$E2E_INNER" >/dev/null 2>&1 &
		pids+=($!)
	done
	for d in "$@"; do
		if ! wait "${pids[$i]}"; then
			echo "no ping through p$d"
			bad=$((bad + 1))
		fi
		i=$((i + 1))
	done
	[ "$bad" = 0 ]
}
