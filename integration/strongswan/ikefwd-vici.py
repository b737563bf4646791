#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# ikefwd-vici: registers every CHILD_SA's inbound ESP SPI with the local
# ikefwdd while the SA is up, so that ESP steering finds the member that
# holds the SA without SPI ranges, and its remote traffic selectors, so
# that inside steering sends the cleartext for the tunnel to this member
# (docs/strongswan.md).
#
# It listens on charon's vici socket for
#   child-updown  up:   ikefwdctl sa add SPI-IN --owner LOCAL --lifetime LIFE
#                       ikefwdctl ts add REMOTE-TS... --spi SPI-IN
#                                 --lifetime LIFE [--owner LOCAL]
#                                 --peer IKE-REMOTE-HOST (ha-sync mode
#                                 steers the selectors by its segment)
#                 down: ikefwdctl sa del SPI-IN
#                       ikefwdctl ts del REMOTE-TS --spi SPI-IN after
#                       --ts-grace seconds (only this SA's: a newer
#                       registration, on this member or another, stays)
#   child-rekey   the new SA's SPI and selectors added (they replace the
#                 old SA's registrations), the old SA's deleted
# Selectors restricted to a protocol or ports ("10.1.0.0/24[tcp/80]")
# are registered by their address range; an address range ("a..b") by
# the networks that cover it exactly.
# and, when it (re)connects, registers the CHILD_SAs already installed
# (list-sas). Registrations are left in place when it stops: the SAs are
# still there, and they carry the SA's hard lifetime anyway.
#
# It also registers every IKE SA this member's charon holds, as the
# (initiator SPI, 0) entry of the ownership table (a rekeyed IKE SA's SPIs
# only ever travel encrypted: the data path cannot learn them):
#   ike-updown    up:   ikefwdctl ike-sa add ISPI --owner LOCAL
#                 down: ikefwdctl ike-sa del ISPI --owner LOCAL
#   ike-rekey     the new IKE SA added, then the old one deleted
# and, when it (re)connects, the IKE SAs already ESTABLISHED (list-sas);
# registrations of this member that charon no longer holds (it restarted
# while this listener was away) are deleted then. Every --resync-s seconds
# (default 60; 0: never) it compares again: an IKE SA registration lost
# meanwhile (evicted by a flood, a table flush) is registered again.
# In ha-sync mode it also reports, after each list-sas, how many IKE_SAs
# charon holds ESTABLISHED and PASSIVE (the ha plugin's copies):
#   ikefwdctl segments report ESTABLISHED PASSIVE
#
#   ikefwd-vici.py --vici unix:///run/charon.vici --config /etc/ikefwd.conf
#                  [--ikefwdctl PATH] [--owner N]
#
# One-shot, for ikefwdd's ha-sync segment controller ([ha] rekey_command,
# docs/ha-sync.md "The controller"): after a planned segment move the new
# holder's outbound ESP sequence numbers start again at 1 and the peers
# drop them until the CHILD_SAs are rekeyed:
#   ikefwd-vici.py --rekey-segment N [N...] [--config FILE] [--vici URI]
#                  [--ikefwdctl PATH] [--rekey-wait S]
# lists the IKE_SAs (list-sas), asks `ikefwdctl segment-of` for the ha
# plugin's segment of each remote-host, and rekeys (vici `rekey`, by
# child-id) every INSTALLED CHILD_SA of every ESTABLISHED IKE_SA in those
# segments. IKE_SAs of the segments still PASSIVE (charon not done with
# the "+N" that moved them) are waited for up to --rekey-wait seconds
# (default 5). --config defaults to $IKEFWD_CONFIG (ikefwdd sets it).
# Exit 0 when every rekey was accepted, 1 otherwise.
#
# It speaks vici itself (the protocol is a few framing rules; Debian has
# no python3-vici package): src/libcharon/plugins/vici/README.md.

import argparse
import ipaddress
import json
import os
import select
import signal
import threading
import socket
import struct
import subprocess
import sys
import time

# Filled in by the build (cmake/version.cmake) in the installed copy.
VERSION = "(source tree)"

# Packet types and message elements (vici README).
CMD_REQUEST, CMD_RESPONSE, CMD_UNKNOWN = 0, 1, 2
EVENT_REGISTER, EVENT_UNREGISTER, EVENT_CONFIRM, EVENT_UNKNOWN, EVENT = \
    3, 4, 5, 6, 7
SECTION_START, SECTION_END, KEY_VALUE, LIST_START, LIST_ITEM, LIST_END = \
    1, 2, 3, 4, 5, 6


def journal_prefix():
    """'<6>' (info, sd-daemon(3)) when stdout is systemd's journal stream:
    JOURNAL_STREAM names its device:inode (systemd.exec(5))."""
    try:
        dev, ino = (int(x) for x in os.environ["JOURNAL_STREAM"].split(":"))
        st = os.fstat(1)
        return "<6>" if (st.st_dev, st.st_ino) == (dev, ino) else ""
    except (KeyError, ValueError, OSError):
        return ""


PREFIX = journal_prefix()


def log(msg):
    print(PREFIX + "ikefwd-vici: " + msg, flush=True)


def encode(msg):
    """Flat dict of str values to a vici message."""
    out = b""
    for k, v in msg.items():
        kb, vb = k.encode(), str(v).encode()
        out += bytes([KEY_VALUE, len(kb)]) + kb + struct.pack("!H", len(vb)) + vb
    return out


def decode(data):
    """A vici message to nested dicts (values str, lists of str)."""
    root = {}
    stack = [root]
    lst = None
    i = 0
    while i < len(data):
        t = data[i]
        i += 1
        if t in (SECTION_START, KEY_VALUE, LIST_START):
            n = data[i]
            name = data[i + 1:i + 1 + n].decode(errors="replace")
            i += 1 + n
        if t == SECTION_START:
            d = {}
            stack[-1][name] = d
            stack.append(d)
        elif t == SECTION_END:
            stack.pop()
        elif t == KEY_VALUE:
            (n,) = struct.unpack_from("!H", data, i)
            stack[-1][name] = data[i + 2:i + 2 + n].decode(errors="replace")
            i += 2 + n
        elif t == LIST_START:
            lst = stack[-1][name] = []
        elif t == LIST_ITEM:
            (n,) = struct.unpack_from("!H", data, i)
            lst.append(data[i + 2:i + 2 + n].decode(errors="replace"))
            i += 2 + n
        elif t == LIST_END:
            lst = None
        else:
            raise ValueError("vici: unknown message element %d" % t)
    return root


class Vici:
    def __init__(self, uri, on_event):
        if not uri.startswith("unix://"):
            raise ValueError("--vici: give unix:///path/charon.vici")
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(uri[len("unix://"):])
        self.on_event = on_event

    def close(self):
        self.sock.close()

    def _recv(self, n):
        buf = b""
        while len(buf) < n:
            chunk = self.sock.recv(n - len(buf))
            if not chunk:
                raise ConnectionError("charon closed the vici socket")
            buf += chunk
        return buf

    def _send(self, ptype, name, body=b""):
        n = name.encode()
        pkt = bytes([ptype, len(n)]) + n + body
        self.sock.sendall(struct.pack("!I", len(pkt)) + pkt)

    def read(self):
        """The next packet that is not an event; events are dispatched."""
        while True:
            (n,) = struct.unpack("!I", self._recv(4))
            pkt = self._recv(n)
            if pkt[0] == EVENT:
                ln = pkt[1]
                name = pkt[2:2 + ln].decode()
                self.on_event(name, decode(pkt[2 + ln:]))
                continue
            return pkt[0], pkt[1:]

    def register(self, event):
        self._send(EVENT_REGISTER, event)
        t, _ = self.read()
        if t != EVENT_CONFIRM:
            raise ConnectionError("charon refused event %s" % event)

    def unregister(self, event):
        self._send(EVENT_UNREGISTER, event)
        self.read()

    def poll(self, seconds):
        """Dispatches the events that arrive in the next seconds."""
        deadline = time.monotonic() + seconds
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.sock], [], [], left)[0]:
                return
            (n,) = struct.unpack("!I", self._recv(4))
            pkt = self._recv(n)
            if pkt[0] != EVENT:
                raise ConnectionError("vici: unexpected packet type %d"
                                      % pkt[0])
            ln = pkt[1]
            self.on_event(pkt[2:2 + ln].decode(), decode(pkt[2 + ln:]))

    def command(self, cmd, args=None):
        self._send(CMD_REQUEST, cmd, encode(args) if args else b"")
        t, body = self.read()
        if t != CMD_RESPONSE:
            raise ConnectionError("charon: unknown command %s" % cmd)
        return decode(body)


def ts_networks(ts):
    """vici's text of a traffic selector to the networks it covers."""
    addr = ts.split("[", 1)[0].strip()
    if not addr or addr == "dynamic":
        return []
    try:
        if ".." in addr:
            lo, hi = addr.split("..", 1)
            return [str(n) for n in ipaddress.summarize_address_range(
                ipaddress.ip_address(lo), ipaddress.ip_address(hi))]
        return [str(ipaddress.ip_network(addr, strict=False))]
    except ValueError:
        log("selector %r: not an address range, not registered" % ts)
        return []


def remote_networks(child):
    nets = []
    for ts in child.get("remote-ts", []) or []:
        for n in ts_networks(ts):
            if n not in nets:
                nets.append(n)
    return nets


class Registrar:
    def __init__(self, args):
        self.ctl = [args.ikefwdctl, "--config", args.config]
        self.owner = args.owner
        self.ts_grace = args.ts_grace
        # The IKE SAs seen ESTABLISHED by the last list-sas.
        self.listed_ike = set()
        # A periodic list-sas: compare only, CHILD_SAs left alone.
        self.resyncing = False
        # IKE SAs registered from events since the last list-sas began:
        # they may be too new for its answer, never "gone".
        self.added = set()
        self.local = None  # the local member, once asked
        # IKE_SA states counted by the last list-sas (ha-sync: PASSIVE
        # are the ha plugin's copies of the partner's).
        self.ike_states = {}

    def local_owner(self):
        """--owner, else the data path's local member (None: unknown)."""
        if self.owner is not None:
            return self.owner
        if self.local is not None:
            return self.local
        p = subprocess.run(self.ctl + ["--json", "config"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           text=True)
        try:
            self.local = int(json.loads(p.stdout)["local_member"]) or None
            return self.local
        except (ValueError, KeyError, TypeError):
            return None

    def ike_add(self, ike, why, t_ms=None):
        spi = ike.get("initiator-spi")
        if not spi:
            return
        argv = ["ike-sa", "add", spi]
        if self.owner is not None:
            argv += ["--owner", str(self.owner)]
        t0 = time.monotonic()
        rc, err = self.run(*argv)
        self.added.add(spi)
        # t=: the wall-clock ms the event was read (the registration
        # delay is measured from it, docs/strongswan.md).
        log("t=%d %s: ike-sa add %s (IKEv%s, uniqueid %s): %s (%.1f ms)" % (
            t_ms or int(time.time() * 1000), why, spi,
            ike.get("version", "?"), ike.get("uniqueid", "?"),
            "ok" if rc == 0 else "failed: " + err,
            (time.monotonic() - t0) * 1000))

    def ike_delete(self, ike, why):
        spi = ike.get("initiator-spi")
        if not spi:
            return
        owner = self.local_owner()
        argv = ["ike-sa", "del", spi]
        if owner is not None:
            # Only ours: a newer registration by another member stays.
            argv += ["--owner", str(owner)]
        rc, err = self.run(*argv)
        log("%s: ike-sa del %s (uniqueid %s): %s" % (
            why, spi, ike.get("uniqueid", "?"),
            "ok" if rc == 0 else "failed: " + err))

    def ike_event(self, name, msg):
        """ike-updown, ike-rekey and list-sa's IKE SAs; CHILD_SAs are
        event()'s."""
        up = msg.get("up") == "yes"
        t_ms = int(time.time() * 1000)
        for ike_name, ike in msg.items():
            if not isinstance(ike, dict):
                continue
            if name == "list-sa":
                st = ike.get("state", "?")
                self.ike_states[st] = self.ike_states.get(st, 0) + 1
            if name == "ike-updown":
                if up:
                    self.ike_add(ike, "ike up " + ike_name, t_ms)
                else:
                    self.ike_delete(ike, "ike down " + ike_name)
            elif name == "ike-rekey":
                # The new IKE SA is usable at once: it first.
                if isinstance(ike.get("new"), dict):
                    self.ike_add(ike["new"], "ike rekey " + ike_name, t_ms)
                if isinstance(ike.get("old"), dict):
                    self.ike_delete(ike["old"], "ike rekey " + ike_name)
            elif name == "list-sa" and ike.get("state") == "ESTABLISHED":
                self.listed_ike.add(ike.get("initiator-spi", ""))
                if not self.resyncing:
                    self.ike_add(ike, "established " + ike_name)

    def report_states(self):
        """ha-sync mode: tells ikefwdd how many IKE_SAs charon holds
        ESTABLISHED and PASSIVE (GET ha-segments, /metrics)."""
        p = subprocess.run(self.ctl + ["--json", "config"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           text=True)
        try:
            if json.loads(p.stdout).get("mode") != "ha-sync":
                return
        except (ValueError, AttributeError):
            return
        est = self.ike_states.get("ESTABLISHED", 0)
        pas = self.ike_states.get("PASSIVE", 0)
        rc, err = self.run("segments", "report", str(est), str(pas))
        if rc:
            log("segments report %d %d: failed: %s" % (est, pas, err))

    def ike_resync(self, v):
        """Registers again the IKE SAs charon holds that lost their
        registration, deletes those it no longer holds."""
        self.listed_ike = set()
        self.ike_states = {}
        self.added = set()
        self.resyncing = True
        try:
            v.register("list-sa")
            v.command("list-sas")
            v.unregister("list-sa")
        finally:
            self.resyncing = False
        self.ike_reconcile(add_missing=True)
        self.report_states()

    def ike_reconcile(self, add_missing=False):
        """Deletes this member's registrations of IKE SAs charon no longer
        holds (after list-sas); with add_missing, registers the ones it
        holds that are not registered."""
        owner = self.local_owner()
        if owner is None:
            return
        p = subprocess.run(self.ctl + ["--json", "ike-sa", "list",
                                       "--owner", str(owner)],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           text=True)
        try:
            held = [e["cookie"] for e in json.loads(p.stdout)["ike_sas"]]
        except (ValueError, KeyError, TypeError):
            log("ike-sa list: %s" % p.stderr.strip())
            return
        for cookie in held:
            if cookie not in self.listed_ike and cookie not in self.added:
                self.ike_delete({"initiator-spi": cookie}, "gone")
        if add_missing:
            for cookie in sorted(self.listed_ike - set(held) - {""}):
                self.ike_add({"initiator-spi": cookie}, "resync")

    def run(self, *argv):
        p = subprocess.run(self.ctl + list(argv), stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE, text=True)
        return p.returncode, p.stderr.strip().replace("\n", "; ")

    def add(self, child, why, peer=None):
        spi = child.get("spi-in")
        if child.get("protocol", "ESP") != "ESP" or not spi:
            return
        life = child.get("life-time", "0")
        argv = ["sa", "add", "0x" + spi, "--lifetime", life]
        if self.owner is not None:
            argv += ["--owner", str(self.owner)]
        rc, err = self.run(*argv)
        if rc == 0:
            res = "ok"
        elif "registered already" in err:
            # This listener restarted, or charon's event came twice: the
            # registration stands (its owner is in the message).
            res = "kept: " + err
        else:
            res = "failed: " + err
        log("%s: sa add 0x%s lifetime %ss (child %s, reqid %s): %s" % (
            why, spi, life, child.get("name", "?"), child.get("reqid", "?"),
            res))
        self.add_ts(child, spi, life, why, peer)

    def add_ts(self, child, spi, life, why, peer=None):
        nets = remote_networks(child)
        # 64 a request, as the API takes them.
        for i in range(0, len(nets), 64):
            argv = ["ts", "add"] + nets[i:i + 64] + [
                "--spi", "0x" + spi, "--lifetime", life]
            if self.owner is not None:
                argv += ["--owner", str(self.owner)]
            # The IKE_SA's peer: in ha-sync mode ikefwdd stores the ha
            # plugin's segment of it with the selectors.
            if peer:
                argv += ["--peer", peer]
            rc, err = self.run(*argv)
            log("%s: ts add %s spi 0x%s (child %s): %s" % (
                why, " ".join(nets[i:i + 64]), spi, child.get("name", "?"),
                "ok" if rc == 0 else "failed: " + err))

    def delete(self, child, why):
        spi = child.get("spi-in")
        if child.get("protocol", "ESP") != "ESP" or not spi:
            return
        rc, err = self.run("sa", "del", "0x" + spi)
        log("%s: sa del 0x%s (child %s, reqid %s): %s" % (
            why, spi, child.get("name", "?"), child.get("reqid", "?"),
            "ok" if rc == 0 else "failed: " + err))
        nets = remote_networks(child)
        if not nets:
            return
        # Later, not now: a tunnel re-established on this member (the
        # peer's INITIAL_CONTACT makes charon take the old one down just
        # before the new one comes up) would otherwise leave its
        # selectors unregistered for a moment, and unregistered traffic
        # is routed in the clear. Meanwhile the old registration keeps
        # the traffic here, where the leak guard drops what has no SA.
        t = threading.Timer(self.ts_grace, self.delete_ts,
                            (nets, spi, why))
        t.daemon = True
        t.start()

    def delete_ts(self, nets, spi, why):
        for net in nets:
            rc, err = self.run("ts", "del", net, "--spi", "0x" + spi)
            # A 409: the prefix belongs to a newer SA (a rekey, the tunnel
            # re-established, or moved to another member): it stays.
            log("%s: ts del %s spi 0x%s: %s" % (
                why, net, spi, "ok" if rc == 0 else
                ("kept: " + err) if "now, not" in err else
                "failed: " + err))

    def event(self, name, msg):
        if name in ("ike-updown", "ike-rekey", "list-sa"):
            self.ike_event(name, msg)
        up = msg.get("up") == "yes"
        for ike_name, ike in msg.items():
            if not isinstance(ike, dict):
                continue
            for child in ike.get("child-sas", {}).values():
                if not isinstance(child, dict):
                    continue
                peer = ike.get("remote-host")
                if name == "child-updown":
                    if up:
                        self.add(child, "up " + ike_name, peer)
                    else:
                        self.delete(child, "down " + ike_name)
                elif name == "child-rekey":
                    if isinstance(child.get("new"), dict):
                        self.add(child["new"], "rekey " + ike_name, peer)
                    if isinstance(child.get("old"), dict):
                        self.delete(child["old"], "rekey " + ike_name)
                elif name == "list-sa" and not self.resyncing:
                    # strongSwan's ha plugin installs the other member's
                    # CHILD_SAs here too, under PASSIVE IKE_SAs (ha-sync
                    # mode): they are not this member's to register, and
                    # claiming their selectors sends their cleartext to
                    # a copy whose outbound sequence numbers restart at 1.
                    if child.get("state") == "INSTALLED" and \
                            ike.get("state") != "PASSIVE":
                        self.add(child, "installed " + ike_name, peer)


def list_ike_sas(v):
    """Every IKE_SA charon holds, as list-sas streams them."""
    sas = []

    def on_event(name, msg):
        if name != "list-sa":
            return
        for ike_name, ike in msg.items():
            if isinstance(ike, dict):
                ike["name"] = ike_name
                sas.append(ike)
    v.on_event = on_event
    v.register("list-sa")
    v.command("list-sas")
    v.unregister("list-sa")
    return sas


def segments_of(args, hosts):
    """The ha plugin's segment of each address, from ikefwdctl (the one
    definition of the hash, with the configuration's ha_segments)."""
    if not hosts:
        return {}
    ctl = [args.ikefwdctl] + (["--config", args.config] if args.config
                              else []) + ["--json", "segment-of"]
    p = subprocess.run(ctl + sorted(hosts), stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True)
    if p.returncode:
        raise RuntimeError("segment-of: " + p.stderr.strip())
    return {e["address"]: int(e["segment"])
            for e in json.loads(p.stdout)["segments"]}


def rekey_segments(args):
    """--rekey-segment: rekeys every CHILD_SA of the segments' IKE_SAs."""
    want = set(args.rekey_segment)
    deadline = time.monotonic() + args.rekey_wait
    v = Vici(args.vici, lambda name, msg: None)
    done, failed = set(), 0
    try:
        while True:
            sas = list_ike_sas(v)
            seg = segments_of(args, {ike.get("remote-host", "")
                                     for ike in sas} - {""})
            mine = [ike for ike in sas
                    if seg.get(ike.get("remote-host")) in want]
            passive = 0
            for ike in mine:
                if ike.get("state") != "ESTABLISHED":
                    passive += ike.get("state") == "PASSIVE"
                    continue
                for child in (ike.get("child-sas") or {}).values():
                    uid = child.get("uniqueid") if isinstance(
                        child, dict) else None
                    if (not uid or uid in done
                            or child.get("state") != "INSTALLED"):
                        continue
                    done.add(uid)
                    r = v.command("rekey", {"child-id": uid})
                    ok = r.get("success") == "yes"
                    failed += not ok
                    log("segment %s: rekey CHILD_SA %s (%s, %s): %s" % (
                        seg[ike["remote-host"]], uid, ike["name"],
                        ike["remote-host"],
                        "ok" if ok else r.get("errmsg", "failed")))
            if not passive or time.monotonic() >= deadline:
                break
            time.sleep(0.1)
    finally:
        v.close()
    if passive:
        log("segment%s: %d IKE_SA(s) still PASSIVE after %.1f s" % (
            "s" if len(want) > 1 else "", passive, args.rekey_wait))
    log("rekeyed segment%s %s: %d CHILD_SA(s), %d failed" % (
        "s" if len(want) > 1 else "", " ".join(map(str, sorted(want))),
        len(done), failed))
    return 1 if failed or passive else 0


def main():
    ap = argparse.ArgumentParser(
        description="registers IKE SAs, CHILD_SAs' inbound SPIs and remote "
                    "traffic selectors with ikefwdd")
    ap.add_argument("--version", action="version",
                    version="ikefwd-vici " + VERSION)
    ap.add_argument("--vici", default="unix:///var/run/charon.vici",
                    help="charon's vici socket (unix:///path)")
    ap.add_argument("--config", default=os.environ.get("IKEFWD_CONFIG"),
                    help="the local ikefwd.conf (ikefwdctl --config; "
                         "default $IKEFWD_CONFIG)")
    ap.add_argument("--ikefwdctl", default="ikefwdctl")
    ap.add_argument("--ts-grace", type=float, default=2.0,
                    help="seconds between a CHILD_SA's down event and the "
                         "removal of its selectors (default 2)")
    ap.add_argument("--owner", type=int,
                    help="member to register SPIs for (default: ikefwdctl's, "
                         "the configuration's local_member)")
    ap.add_argument("--resync-s", type=float, default=60,
                    help="every this many seconds, register again the IKE "
                         "SAs whose registration was lost (0: never)")
    ap.add_argument("--rekey-segment", type=int, nargs="+", metavar="N",
                    help="one-shot: rekey the CHILD_SAs of these ha "
                         "segments, then exit (ikefwdd's rekey_command)")
    ap.add_argument("--rekey-wait", type=float, default=5.0,
                    help="--rekey-segment: seconds to wait for PASSIVE "
                         "IKE_SAs of the segments to become ESTABLISHED")
    args = ap.parse_args()
    if args.rekey_segment:
        try:
            return rekey_segments(args)
        except (OSError, ValueError, ConnectionError, RuntimeError) as e:
            log("--rekey-segment: %s" % e)
            return 1
    if not args.config:
        ap.error("--config is required (or $IKEFWD_CONFIG)")

    def stop(signum, frame):
        raise SystemExit(0)
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    reg = Registrar(args)
    warned = False
    try:
        while True:
            try:
                v = Vici(args.vici, reg.event)
            except OSError as e:
                if not warned:
                    log("cannot connect to %s: %s; retrying" % (args.vici, e))
                    warned = True
                time.sleep(1)
                continue
            warned = False
            try:
                v.register("child-updown")
                v.register("child-rekey")
                v.register("ike-updown")
                v.register("ike-rekey")
                log("listening on %s" % args.vici)
                # The CHILD_SAs already up (charon started first, or
                # this listener restarted).
                reg.listed_ike = set()
                reg.ike_states = {}
                reg.added = set()
                v.register("list-sa")
                v.command("list-sas")
                v.unregister("list-sa")
                reg.ike_reconcile()
                reg.report_states()
                while True:
                    if args.resync_s > 0:
                        v.poll(args.resync_s)
                        reg.ike_resync(v)
                    else:
                        v.read()
            except (OSError, ValueError, ConnectionError) as e:
                log("vici: %s; reconnecting" % e)
            finally:
                v.close()
            time.sleep(1)
    except SystemExit:
        log("stopped")
        return 0


if __name__ == "__main__":
    sys.exit(main())
