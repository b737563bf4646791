#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Crafted IKE for the integration lab, and the small JSON jobs lab.sh needs.

Run with /usr/bin/python3: Debian's python3-scapy is installed for that
interpreter only. scapy builds the IKE messages; a plain UDP socket bound to
the IKE port sends them, so the kernel fills in addresses and checksums as
an IKE daemon's socket would.

  ike.py send --from ADDR --to ADDR [--size N] PKT... [--from ADDR PKT...]
      PKT is KIND:PORT:ISPI:MSGID[:FLAGS]
        KIND   v2-init v2-auth v2-child v2-info        (IKEv2 exchanges)
               v1-main1 v1-main v1-aggr v1-quick v1-info  (IKEv1; v1-main1 is
               Main Mode's first message, the only one with a zero
               responder cookie)
        PORT   500, or 4500 (a non-ESP marker comes first)
        ISPI   initiator cookie/SPI, 16 hex digits
        MSGID  Message ID (decimal or 0x hex)
        FLAGS  'r': a response (IKEv2 R flag instead of I)
      --size N pads the messages after it to N bytes (the kernel fragments
      them if they do not fit the MTU). A later --from sends the packets
      after it from another address.
  ike.py flood --from ADDR --to ADDR --port P --spi-base HEX --count N
      N IKEv2 IKE_SA_INIT requests, ISPI spi-base, spi-base+1, ...
  ike.py flatten
      stdin: concatenated JSON documents: {"member": NAME}, then that
      member's ikefwd status --json and nft -j list counters; stdout:
      NAME.KEY=VALUE lines (KEY: counter name, nft.COUNTER, entries).
  ike.py entries OWNER
      stdin: ikefwd table list --json; stdout: 'COOKIE MSGID OWNER' lines of
      the entries OWNER owns (the ones a sync agent would announce).
  ike.py canon
      stdin: ikefwd table list --json; stdout: 'COOKIE MSGID OWNER FLAGS'
      lines, sorted: a table's content without its clocks.
"""
import json
import os
import socket
import sys
import time

NON_ESP_MARKER = b"\x00" * 4


def die(msg):
    sys.stderr.write("ike.py: %s\n" % msg)
    sys.exit(2)


def ikev2(kind, ispi, msgid, response):
    from scapy.contrib.ikev2 import (IKEv2, IKEv2_payload_Encrypted,
                                     IKEv2_payload_KE, IKEv2_payload_Nonce,
                                     IKEv2_payload_Proposal, IKEv2_payload_SA,
                                     IKEv2_payload_Transform)

    exch = {"v2-init": 34, "v2-auth": 35, "v2-child": 36, "v2-info": 37}[kind]
    flags = "Response" if response else "Initiator"
    if kind == "v2-init":
        # IKE_SA_INIT: in the clear, SA + KE + Nonce; the responder SPI is
        # zero in the request only.
        rspi = os.urandom(8) if response else b"\x00" * 8
        sa = IKEv2_payload_SA(prop=IKEv2_payload_Proposal(
            trans_nb=2,
            trans=IKEv2_payload_Transform(transform_type="Encryption",
                                          transform_id=12) /
            IKEv2_payload_Transform(transform_type="PRF", transform_id=5)))
        sa.next_payload = "KE"
        body = (sa / IKEv2_payload_KE(next_payload="Nonce", group=19,
                                      load=os.urandom(64)) /
                IKEv2_payload_Nonce(load=os.urandom(32)))
        return bytes(IKEv2(init_SPI=ispi, resp_SPI=rspi, exch_type=exch,
                           flags=flags, id=msgid) / body)
    # Everything after IKE_SA_INIT is one Encrypted (SK) payload.
    return bytes(IKEv2(init_SPI=ispi, resp_SPI=b"\x5a" * 8, exch_type=exch,
                       flags=flags, id=msgid) /
                 IKEv2_payload_Encrypted(load=os.urandom(80)))


def ikev1(kind, ispi, msgid):
    from scapy.layers.isakmp import (ISAKMP, ISAKMP_payload_Nonce,
                                     ISAKMP_payload_SA, ISAKMP_payload_KE)
    from scapy.packet import Raw

    exch = {"v1-main1": 2, "v1-main": 2, "v1-aggr": 4, "v1-quick": 32,
            "v1-info": 5}[kind]
    if kind == "v1-main1":
        return bytes(ISAKMP(init_cookie=ispi, resp_cookie=b"\x00" * 8,
                            exch_type=exch, id=0) / ISAKMP_payload_SA())
    if kind in ("v1-main", "v1-aggr"):
        return bytes(ISAKMP(init_cookie=ispi, resp_cookie=b"\xa5" * 8,
                            exch_type=exch, id=msgid) /
                     ISAKMP_payload_KE(load=os.urandom(64)) /
                     ISAKMP_payload_Nonce(load=os.urandom(20)))
    # Quick Mode and Informational are encrypted: a HASH payload first.
    return bytes(ISAKMP(init_cookie=ispi, resp_cookie=b"\xa5" * 8,
                        exch_type=exch, flags="encryption", next_payload=8,
                        id=msgid) / Raw(os.urandom(64)))


def build(spec, size):
    parts = spec.split(":")
    if len(parts) not in (4, 5):
        die("packet '%s': want KIND:PORT:ISPI:MSGID[:FLAGS]" % spec)
    kind, port, ispi, msgid = parts[:4]
    flags = parts[4] if len(parts) == 5 else ""
    try:
        port = int(port)
        ispi = bytes.fromhex(ispi)
        msgid = int(msgid, 0)
    except ValueError:
        die("packet '%s': bad number" % spec)
    if len(ispi) != 8:
        die("packet '%s': ISPI is 16 hex digits" % spec)
    if kind.startswith("v2-"):
        msg = ikev2(kind, ispi, msgid, "r" in flags)
    elif kind.startswith("v1-"):
        msg = ikev1(kind, ispi, msgid)
    else:
        die("packet '%s': unknown kind %s" % (spec, kind))
    if size and size > len(msg):
        # Grow the last payload's data; the header's length follows.
        pad = size - len(msg)
        msg = msg[:24] + (len(msg) + pad).to_bytes(4, "big") + msg[28:] + \
            os.urandom(pad)
    return port, msg


class Sender:
    """One UDP socket per source port, bound like an IKE daemon's."""

    def __init__(self, src):
        self.src = src
        self.socks = {}

    def send(self, dst, port, msg):
        s = self.socks.get(port)
        if s is None:
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            # Let the kernel fragment big messages instead of refusing.
            s.setsockopt(socket.IPPROTO_IP, 10, 0)  # IP_MTU_DISCOVER: DONT
            s.bind((self.src, port))
            self.socks[port] = s
        if port != 500:
            msg = NON_ESP_MARKER + msg
        s.sendto(msg, (dst, port))


def opt(args, name, default=None):
    if name in args:
        i = args.index(name)
        if i + 1 >= len(args):
            die("%s needs a value" % name)
        val = args[i + 1]
        del args[i:i + 2]
        return val
    if default is None:
        die("missing %s" % name)
    return default


def cmd_send(args):
    """Options and packets in order: each --from starts a new sender."""
    sender, dst, size, sent = None, None, 0, 0
    i = 0
    while i < len(args):
        a = args[i]
        if a in ("--from", "--to", "--size"):
            if i + 1 >= len(args):
                die("%s needs a value" % a)
            val = args[i + 1]
            if a == "--from":
                sender = Sender(val)
            elif a == "--to":
                dst = val
            else:
                size = int(val)
            i += 2
            continue
        if sender is None or dst is None:
            die("send: --from and --to come before the packets")
        port, msg = build(a, size)
        sender.send(dst, port, msg)
        sent += 1
        i += 1
    if not sent:
        die("send: no packet")


def cmd_flood(args):
    src = opt(args, "--from")
    dst = opt(args, "--to")
    port = int(opt(args, "--port", "500"))
    base = int(opt(args, "--spi-base"), 16)
    count = int(opt(args, "--count"))
    sender = Sender(src)
    for i in range(count):
        ispi = "%016x" % (base + i)
        _, msg = build("v2-init:%d:%s:0" % (port, ispi), 0)
        sender.send(dst, port, msg)
        # The router's backlog holds 1000 frames: stay well below it.
        if i % 100 == 99:
            time.sleep(0.02)


def json_docs(text):
    dec = json.JSONDecoder()
    pos = 0
    while True:
        while pos < len(text) and text[pos].isspace():
            pos += 1
        if pos >= len(text):
            return
        doc, pos = dec.raw_decode(text, pos)
        yield doc


def cmd_flatten(args):
    prefix = ""
    for doc in json_docs(sys.stdin.read()):
        if "member" in doc:
            prefix = doc["member"] + "."
        elif "nftables" in doc:
            for item in doc["nftables"]:
                c = item.get("counter")
                if c:
                    print("%snft.%s=%d" % (prefix, c["name"], c["packets"]))
        else:
            for name, val in doc.get("counters", {}).items():
                print("%s%s=%d" % (prefix, name, val))
            if "table" in doc:
                print("%sentries=%d" % (prefix, doc["table"]["entries"]))


def cmd_entries(args):
    if len(args) != 1:
        die("entries OWNER")
    owner = int(args[0])
    for row in json.load(sys.stdin):
        if row["owner"] == owner:
            print("%s %d %d" % (row["cookie"], row["msg_id"], row["owner"]))


def cmd_canon(args):
    rows = json.load(sys.stdin)
    for row in sorted(rows, key=lambda r: (r["cookie"], r["msg_id"])):
        print("%s %d %d %s" % (row["cookie"], row["msg_id"], row["owner"],
                               row["flags"]))


def main():
    if len(sys.argv) < 2:
        die("usage: ike.py send|flood|flatten|entries|canon ...")
    cmds = {"send": cmd_send, "flood": cmd_flood, "flatten": cmd_flatten,
            "entries": cmd_entries, "canon": cmd_canon}
    cmd = cmds.get(sys.argv[1])
    if cmd is None:
        die("unknown command %s" % sys.argv[1])
    cmd(sys.argv[2:])


if __name__ == "__main__":
    main()
