#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# ping_gaps.py: how long a continuous ping was interrupted, and how many of
# its packets were lost, in windows of time (tests/e2e/test_ha_cluster.sh).
#
#   ping_gaps.py END T0 T1 ... TN -- FILE...
#
# FILE is the output of `ping -D -O -n -i INTERVAL ...` (-D: a timestamp
# per line; -O: "no answer yet for icmp_seq=N" when the next request goes
# out unanswered). The windows are [T0, T1), [T1, T2), ..., [TN-1, TN)
# (epoch seconds); END is when the ping was stopped: requests sent in the
# last second before it are left out (their replies may still have been
# on their way).
#
# For every FILE one line: the file name, then per window
#   SENT LOST GAP LAST
# SENT: requests sent in the window (a reply's send time is its receive
# time minus its round trip; an unanswered request's is the "no answer
# yet" line's time minus the interval); LOST: those never answered; GAP:
# the longest time without a reply in the window, counted from the last
# reply before the window and up to the window's end (seconds); LAST: the
# time from the window's last reply to its end (a large LAST: the traffic
# had not resumed when the window ended).

import re
import sys

REPLY = re.compile(r"^\[(\d+\.\d+)\] \d+ bytes from .* icmp_seq=(\d+) .*time=([\d.]+) ms")
NOANS = re.compile(r"^\[(\d+\.\d+)\] no answer yet for icmp_seq=(\d+)")


def parse(path, interval):
    sent = {}  # seq -> send time
    answered = set()
    replies = []  # receive times
    for line in open(path, errors="replace"):
        m = REPLY.match(line)
        if m:
            t, seq, rtt = float(m.group(1)), int(m.group(2)), float(m.group(3))
            if seq in answered:  # (DUP!)
                continue
            answered.add(seq)
            replies.append(t)
            sent[seq] = t - rtt / 1000.0
            continue
        m = NOANS.match(line)
        if m:
            seq = int(m.group(2))
            sent.setdefault(seq, float(m.group(1)) - interval)
    replies.sort()
    return sent, answered, replies


def window(sent, answered, replies, a, b, end):
    n_sent = n_lost = 0
    for seq, t in sent.items():
        if a <= t < b and t < end - 1.0:
            n_sent += 1
            if seq not in answered:
                n_lost += 1
    before = [t for t in replies if t < a]
    inside = [t for t in replies if a <= t < b]
    points = [before[-1] if before else a] + inside + [b]
    gap = max(y - x for x, y in zip(points, points[1:]))
    last = b - (inside[-1] if inside else (before[-1] if before else a))
    return n_sent, n_lost, gap, last


def main():
    args = sys.argv[1:]
    sep = args.index("--")
    end = float(args[0])
    bounds = [float(x) for x in args[1:sep]]
    interval = 0.1
    for path in args[sep + 1:]:
        sent, answered, replies = parse(path, interval)
        out = [path]
        for a, b in zip(bounds, bounds[1:]):
            s, lost, gap, last = window(sent, answered, replies, a, b, end)
            out += [str(s), str(lost), "%.2f" % gap, "%.2f" % last]
        print(" ".join(out))


if __name__ == "__main__":
    main()
