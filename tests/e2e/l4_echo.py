# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""UDP and TCP echo through the tunnels (test_inside_steering.sh).

Ping (ICMP) is never checksum-offloaded, so it cannot show what happens to
a UDP or TCP packet the sender left CHECKSUM_PARTIAL: this exchanges real
datagrams and segments, sent by the kernel's own stack with the sending
interface's offloads as they are.

    l4_echo.py serve PORT ADDR...     echo UDP and TCP on ADDR:PORT, for
                                      every ADDR, until killed
    l4_echo.py probe udp|tcp PORT SIZE TIMEOUT ADDR...
                                      one exchange of SIZE bytes with each
                                      ADDR, all at once; prints the ADDRs
                                      whose echo came back intact, one a
                                      line

UDP: one datagram, a second one after half the timeout if the first got no
answer (ping -c 2's tolerance, not a retry loop). TCP: connect, send SIZE
bytes, read them back. A receiver whose stack drops a bad checksum answers
nothing: the exchange times out.
"""
import selectors
import socket
import sys
import threading


def payload(addr, size):
    seed = addr.encode() + b"|"
    return (seed * (size // len(seed) + 1))[:size]


def serve(port, addrs):
    sel = selectors.DefaultSelector()
    for a in addrs:
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        u.bind((a, port))
        sel.register(u, selectors.EVENT_READ, "udp")
        t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        t.bind((a, port))
        t.listen(16)
        sel.register(t, selectors.EVENT_READ, "listen")
    print("ready", flush=True)
    while True:
        for key, _ in sel.select():
            s = key.fileobj
            if key.data == "udp":
                data, peer = s.recvfrom(65535)
                s.sendto(data, peer)
            elif key.data == "listen":
                c, _ = s.accept()
                c.setblocking(False)
                sel.register(c, selectors.EVENT_READ, "conn")
            else:
                try:
                    data = s.recv(65535)
                except OSError:
                    data = b""
                if data:
                    s.sendall(data)
                else:
                    sel.unregister(s)
                    s.close()


def probe_udp(addr, port, size, timeout, ok):
    want = payload(addr, size)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(timeout / 2)
    try:
        for _ in range(2):
            s.sendto(want, (addr, port))
            try:
                while True:
                    data, _ = s.recvfrom(65535)
                    if data == want:
                        ok.append(addr)
                        return
            except socket.timeout:
                continue
    finally:
        s.close()


def probe_tcp(addr, port, size, timeout, ok):
    want = payload(addr, size)
    got = b""
    try:
        with socket.create_connection((addr, port), timeout=timeout) as s:
            s.settimeout(timeout)
            s.sendall(want)
            while len(got) < len(want):
                data = s.recv(65535)
                if not data:
                    break
                got += data
    except OSError:
        return
    if got == want:
        ok.append(addr)


def main(argv):
    if len(argv) >= 3 and argv[1] == "serve":
        serve(int(argv[2]), argv[3:])
        return 0
    if len(argv) >= 7 and argv[1] == "probe" and argv[2] in ("udp", "tcp"):
        fn = probe_udp if argv[2] == "udp" else probe_tcp
        port, size, timeout = int(argv[3]), int(argv[4]), float(argv[5])
        ok = []
        threads = [threading.Thread(target=fn,
                                    args=(a, port, size, timeout, ok))
                   for a in argv[6:]]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        for a in ok:
            print(a)
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
