# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# shellcheck shell=bash
#
# strongSwan 5.9 instances in network namespaces, for the end-to-end tests.
# Sourced after tests/integration/lab.sh: every charon's PID goes into
# LAB_PIDS, so the lab's EXIT trap stops whatever a test left running.
#
#	swan_start NAME NS CONF	# charon NAME in namespace NS, swanctl.conf CONF
#	swan_load NAME		# swanctl --load-all
#	swan_initiate NAME IKE [CHILD]
#	swan_sas NAME / swan_count NAME	# SAs / how many are up
#	swan_wait_count NAME N SECONDS	# until N are up
#	swan_stop NAME [KILL]
#
# Each instance lives in $SWAN_DIR/NAME: its strongswan.conf, swanctl.conf,
# vici socket (charon.vici), log (charon.log) and a run/ directory that is
# bind-mounted over /run in charon's own mount namespace, since charon's
# pid file is fixed at /var/run/charon.pid. Plugins are listed explicitly;
# kernel-libipsec does ESP in userspace (this kernel has none) through a
# TUN device ipsec0, which forces IKE_AUTH and ESP onto UDP 4500.

SWAN_CHARON=${SWAN_CHARON:-/usr/lib/ipsec/charon}
SWAN_PLUGINS="random nonce openssl pem pkcs1 x509 revocation constraints \
pubkey aes sha1 sha2 hmac gcm kdf kernel-libipsec kernel-netlink \
socket-default vici updown"
declare -A SWAN_PID=()

# swan_check: the packages are there (exit 77, ctest's SKIP, when not).
swan_check() {
	local f
	for f in "$SWAN_CHARON" /usr/sbin/swanctl \
		/usr/lib/ipsec/plugins/libstrongswan-kernel-libipsec.so; do
		if [ ! -e "$f" ]; then
			echo "SKIP: $f missing (scripts/install-deps.sh installs strongSwan)"
			exit 77
		fi
	done
}

# swan_conf NAME: writes the instance's strongswan.conf. SWAN_RETRANSMIT
# ("TRIES TIMEOUT BASE") bounds how long a failing exchange is retried:
# the default gives up after about 7 s, where charon's own takes minutes.
# The file $SWAN_DIR/NAME/charon.extra, when there is one, adds settings
# to the charon section (a cluster member's SPI label and ranges).
swan_conf() {
	local d=$SWAN_DIR/$1
	local tries timeout base extra=
	read -r tries timeout base <<<"${SWAN_RETRANSMIT:-3 1 1.4}"
	[ -f "$d/charon.extra" ] && extra=$(cat "$d/charon.extra")
	cat >"$d/strongswan.conf" <<-EOF
		charon {
			$extra
			load_modular = no
			load = $SWAN_PLUGINS
			retransmit_tries = $tries
			retransmit_timeout = $timeout
			retransmit_base = $base
			# 50 peers at once: no half-open limit, no cookies.
			cookie_threshold = 1000
			block_threshold = 1000
			init_limit_half_open = 0
			plugins {
				vici {
					socket = unix://$d/charon.vici
				}
			}
			syslog {
				identifier = charon-$1
				daemon {
					default = -1
				}
			}
			filelog {
				main {
					path = $d/charon.log
					time_format = %T
					flush_line = yes
					ike_name = yes
					default = 1
					ike = 2
					net = 2
					# "IKE_SA checkout not successful": a message for an
					# IKE SA this charon does not hold.
					mgr = 2
					${SWAN_LOGLEVELS:-}
				}
			}
		}
		swanctl {
			load = pem pkcs1 x509 revocation constraints pubkey openssl random
		}
	EOF
}

# swan_start NAME NS SWANCTL_CONF: starts charon NAME in namespace NS and
# waits (30 s at most: a loaded machine) until its vici socket answers.
# The swanctl.conf is copied into the instance's directory (swan_load
# loads it); calling swan_start again after swan_stop restarts the same
# instance.
swan_start() {
	local name=$1 ns=$2 conf=$3 d=$SWAN_DIR/$1 pid deadline

	mkdir -p "$d/run"
	rm -f "$d/charon.vici"
	[ "$conf" != "$d/swanctl.conf" ] && cp "$conf" "$d/swanctl.conf"
	swan_conf "$name"
	# A simple command in the background, not a function: bash execs it
	# in the child, ip netns exec and unshare exec their command and sh
	# execs charon, so $! is charon's own PID.
	ip netns exec "$ns" unshare -m --propagation private sh -c \
		'mount --bind "$1/run" /run && STRONGSWAN_CONF="$1/strongswan.conf" exec "$2" --use-syslog' \
		sh "$d" "$SWAN_CHARON" >>"$d/charon.out" 2>&1 &
	pid=$!
	LAB_PIDS+=("$pid")
	SWAN_PID[$name]=$pid
	deadline=$(($(lab_now_ms) + 30000))
	while [ "$(lab_now_ms)" -lt "$deadline" ]; do
		if ! kill -0 "$pid" 2>/dev/null; then
			echo "charon $name died at start:" >&2
			tail -n 20 "$d/charon.out" "$d/charon.log" >&2 2>/dev/null
			return 1
		fi
		[ -S "$d/charon.vici" ] && swan_ctl "$name" --version \
			>/dev/null 2>&1 && return 0
		sleep 0.05
	done
	echo "charon $name: no vici socket after 30 s" >&2
	return 1
}

# swan_stop NAME [SIGNAL]: SIGTERM (or SIGNAL: KILL for a crash) to
# charon, SIGKILL if it has not gone in 5 s.
swan_stop() {
	local name=$1 pid=${SWAN_PID[$1]:-} i

	[ -n "$pid" ] || return 0
	# stderr closed around it all: bash reports a killed background job
	# as soon as it notices, not only in wait.
	{
		kill "-${2:-TERM}" "$pid"
		for i in $(seq 50); do
			kill -0 "$pid" || break
			sleep 0.1
		done
		kill -KILL "$pid"
		wait "$pid"
	} 2>/dev/null
	lab_forget_pid "$pid"
	unset "SWAN_PID[$name]"
}

# swan_ctl NAME ARGS...: swanctl against instance NAME (command first, as
# swanctl wants it). The vici socket is a path: no namespace needed.
swan_ctl() {
	local name=$1 cmd=$2
	shift 2
	STRONGSWAN_CONF=$SWAN_DIR/$name/strongswan.conf swanctl "$cmd" "$@" \
		--uri "unix://$SWAN_DIR/$name/charon.vici"
}

# swan_load NAME: connections and secrets from the instance's swanctl.conf.
swan_load() {
	swan_ctl "$1" --load-all --noprompt --file "$SWAN_DIR/$1/swanctl.conf"
}

# swan_initiate NAME IKE [CHILD] [TIMEOUT]: initiates and waits for the
# result (TIMEOUT seconds, default 30); true when it was established.
# Without CHILD, the IKE SA alone (childless connections).
swan_initiate() {
	local name=$1 ike=$2 child=${3:-} timeout=${4:-30}
	if [ -n "$child" ]; then
		swan_ctl "$name" --initiate --ike "$ike" --child "$child" \
			--timeout "$timeout"
	else
		swan_ctl "$name" --initiate --ike "$ike" --timeout "$timeout"
	fi
}

# swan_sas NAME: the IKE SAs, one line each: "NAME STATE VERSION ISPI RSPI
# LOCAL REMOTE CHILDREN UNIQUEID" (CHILDREN: number of INSTALLED
# CHILD_SAs; UNIQUEID: the number charon's log shows as <NAME|UNIQUEID>),
# from swanctl --list-sas --raw.
swan_sas() {
	swan_ctl "$1" --list-sas --raw 2>/dev/null | /usr/bin/python3 -c '
import re, sys
# --raw prints one vici message per line: "list-sa event {name {k=v ...}}".
def parse(s, i):
    d = {}
    while i < len(s):
        if s[i] == "}":
            return d, i + 1
        m = re.compile(r"\s*([^=\s{}]+)(=|\s*\{|\s)").match(s, i)
        if not m:
            return d, len(s)
        key, i = m.group(1), m.end()
        if m.group(2).endswith("{"):
            d[key], i = parse(s, i)
        elif m.group(2) == "=":
            if s[i] == "[":
                j = s.index("]", i)
                d[key] = s[i + 1:j].split()
                i = j + 1
            else:
                m2 = re.compile(r"[^\s}]*").match(s, i)
                d[key], i = m2.group(0), m2.end()
        while i < len(s) and s[i] == " ":
            i += 1
    return d, i
for line in sys.stdin:
    line = line.strip()
    if "{" not in line:
        continue
    top, _ = parse(line[line.index("{") + 1:], 0)
    for name, sa in top.items():
        if not isinstance(sa, dict):
            continue
        kids = sa.get("child-sas", {})
        n = sum(1 for c in kids.values()
                if isinstance(c, dict) and c.get("state") == "INSTALLED")
        print(name, sa.get("state", "?"), sa.get("version", "?"),
              sa.get("initiator-spi", "?"), sa.get("responder-spi", "?"),
              sa.get("local-host", "?"), sa.get("remote-host", "?"), n,
              sa.get("uniqueid", "?"))
'
}

# swan_children NAME: one line per CHILD_SA (or per IKE_SA without one):
# "REMOTE IKESTATE ISPI RSPI IKEUID CHILDUID CHILDSTATE SPIIN SPIOUT", from
# swanctl --list-sas --raw (CHILD_SAs in every state, SPIs as swanctl
# prints them).
swan_children() {
	swan_ctl "$1" --list-sas --raw 2>/dev/null | /usr/bin/python3 -c '
import re, sys
def parse(s, i):
    d = {}
    while i < len(s):
        if s[i] == "}":
            return d, i + 1
        m = re.compile(r"\s*([^=\s{}]+)(=|\s*\{|\s)").match(s, i)
        if not m:
            return d, len(s)
        key, i = m.group(1), m.end()
        if m.group(2).endswith("{"):
            d[key], i = parse(s, i)
        elif m.group(2) == "=":
            if s[i] == "[":
                j = s.index("]", i)
                d[key] = s[i + 1:j].split()
                i = j + 1
            else:
                m2 = re.compile(r"[^\s}]*").match(s, i)
                d[key], i = m2.group(0), m2.end()
        while i < len(s) and s[i] == " ":
            i += 1
    return d, i
for line in sys.stdin:
    if "{" not in line:
        continue
    top, _ = parse(line.strip()[line.strip().index("{") + 1:], 0)
    for name, sa in top.items():
        if not isinstance(sa, dict):
            continue
        head = [sa.get("remote-host", "?"), sa.get("state", "?"),
                sa.get("initiator-spi", "?"), sa.get("responder-spi", "?"),
                sa.get("uniqueid", "?")]
        kids = [c for c in sa.get("child-sas", {}).values()
                if isinstance(c, dict)]
        if not kids:
            print(*head, "-", "-", "-", "-")
        for c in kids:
            print(*head, c.get("uniqueid", "?"), c.get("state", "?"),
                  c.get("spi-in", "?"), c.get("spi-out", "?"))
'
}

# swan_count NAME: how many IKE SAs of instance NAME are ESTABLISHED with
# at least one INSTALLED CHILD_SA.
swan_count() {
	swan_sas "$1" | awk '$2 == "ESTABLISHED" && $8 > 0 { n++ } END { print n + 0 }'
}

# swan_wait_count NAME N SECONDS: true once swan_count NAME reaches N.
swan_wait_count() {
	lab_wait "$3" swan_count_ge "$1" "$2"
}
swan_count_ge() {
	[ "$(swan_count "$1")" -ge "$2" ]
}

# swan_log NAME: the instance's log file.
swan_log() {
	echo "$SWAN_DIR/$1/charon.log"
}
