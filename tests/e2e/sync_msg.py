# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Sync-link datagrams for the forgery and replay test (test_sync_forgery.sh).

The layout is sync/wire.h's: a 36-byte header (magic "IKFS", version 1,
type, flags, sender, epoch, seq, ack, count, reserved, sent_rt_ms), count
36-byte records (op, 3 reserved, ispi 8, msgid, owner, flags, claim_rt_ms,
idle_ms), then an HMAC-SHA-256 tag over all of it. Big-endian throughout.

    sync_msg.py updates PCAP COOKIE     captured UPDATEs with a SET of COOKIE
    sync_msg.py hellos PCAP             captured heartbeats
    sync_msg.py tamper HEX OWNER        every SET record's owner changed,
                                        the tag kept
    sync_msg.py forge KEYFILE SENDER COOKIE MSGID OWNER
                                        an UPDATE setting COOKIE/MSGID to
                                        OWNER, signed with KEYFILE's key, as
                                        SENDER's next update after the
                                        newest one captured (--pcap PCAP)
    sync_msg.py send SRC DST HEX...     each datagram from SRC:7500 to
                                        DST:7500 (scapy, any source address)

Datagrams are hex strings, one per line. Run with /usr/bin/python3 (scapy).
"""
import hashlib
import hmac
import struct
import sys
import time

MAGIC = 0x494B4653
HDR = struct.Struct(">IBBHIIIIHHQ")
REC = struct.Struct(">B3x8sIIIQI")
TAG_LEN = 32
UPDATE, HELLO = 2, 1
OP_SET = 1
PORT = 7500


def die(msg):
    sys.stderr.write("sync_msg.py: %s\n" % msg)
    sys.exit(2)


def parse(dgram):
    if len(dgram) < HDR.size + TAG_LEN:
        return None
    h = HDR.unpack_from(dgram)
    if h[0] != MAGIC:
        return None
    hdr = dict(zip(("magic", "version", "type", "flags", "sender", "epoch",
                    "seq", "ack", "count", "reserved", "sent_rt_ms"), h))
    recs = []
    for i in range(hdr["count"]):
        off = HDR.size + i * REC.size
        if off + REC.size > len(dgram) - TAG_LEN:
            return None
        r = REC.unpack_from(dgram, off)
        recs.append(dict(zip(("op", "ispi", "msgid", "owner", "flags",
                              "claim_rt_ms", "idle_ms"), r)))
    return hdr, recs


def captured(path):
    from scapy.all import UDP, rdpcap
    for pkt in rdpcap(path):
        if UDP in pkt and pkt[UDP].dport == PORT:
            yield bytes(pkt[UDP].payload)


def cmd_updates(args):
    if len(args) != 2:
        die("updates PCAP COOKIE")
    cookie = bytes.fromhex(args[1])
    for d in captured(args[0]):
        m = parse(d)
        if m and m[0]["type"] == UPDATE and any(
                r["op"] == OP_SET and r["ispi"] == cookie for r in m[1]):
            print(d.hex())


def cmd_hellos(args):
    if len(args) != 1:
        die("hellos PCAP")
    for d in captured(args[0]):
        m = parse(d)
        if m and m[0]["type"] == HELLO:
            print(d.hex())


def cmd_tamper(args):
    if len(args) != 2:
        die("tamper HEX OWNER")
    d = bytearray.fromhex(args[0])
    m = parse(bytes(d))
    if not m:
        die("not a sync datagram")
    for i, r in enumerate(m[1]):
        if r["op"] == OP_SET:
            struct.pack_into(">I", d, HDR.size + i * REC.size + 16,
                             int(args[1]))
    print(d.hex())


def cmd_forge(args):
    pcap = None
    restart = False
    if args and args[0] == "--restart":
        # As the sender's first update after a restart (next epoch, seq
        # 1): applied whatever the sender sent since the capture ended.
        restart = True
        args = args[1:]
    if len(args) >= 2 and args[0] == "--pcap":
        pcap = args[1]
        args = args[2:]
    if len(args) != 5:
        die("forge [--restart] [--pcap PCAP] KEYFILE SENDER COOKIE MSGID OWNER")
    key = bytes.fromhex(open(args[0]).readline().strip())
    sender = int(args[1])
    epoch, seq = 1, 1
    if pcap:
        # The sender's current epoch and next update number: a datagram
        # that would be applied if only its tag were right.
        for d in captured(pcap):
            m = parse(d)
            if m and m[0]["sender"] == sender:
                epoch = max(epoch, m[0]["epoch"])
                if m[0]["type"] == UPDATE:
                    seq = max(seq, m[0]["seq"] + 1)
    if restart:
        epoch, seq = (epoch + 1) & 0xffffffff, 1
    now_ms = int(time.time() * 1000)
    rec = REC.pack(OP_SET, bytes.fromhex(args[2]), int(args[3], 0),
                   int(args[4]), 0, now_ms - 60000, 0)
    body = HDR.pack(MAGIC, 1, UPDATE, 0, sender, epoch, seq, 0, 1, 0,
                    now_ms) + rec
    tag = hmac.new(key, body, hashlib.sha256).digest()
    print((body + tag).hex())


def cmd_send(args):
    if len(args) < 3:
        die("send SRC DST HEX...")
    from scapy.all import IP, UDP, Raw, conf, send
    conf.verb = 0
    for h in args[2:]:
        send(IP(src=args[0], dst=args[1]) / UDP(sport=PORT, dport=PORT) /
             Raw(bytes.fromhex(h)))


def main():
    cmds = {"updates": cmd_updates, "hellos": cmd_hellos,
            "tamper": cmd_tamper, "forge": cmd_forge, "send": cmd_send}
    if len(sys.argv) < 2 or sys.argv[1] not in cmds:
        die("usage: sync_msg.py %s ..." % "|".join(cmds))
    cmds[sys.argv[1]](sys.argv[2:])


if __name__ == "__main__":
    main()
