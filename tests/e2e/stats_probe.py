#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Helpers of test_stats.sh: UDP traffic and readers of the Prometheus
text format. Every command is bounded in time.

  stats_probe.py serve NAME ADDR PORT MAXSECS
      UDP server on ADDR (the VIP: answers come from the address the
      client sent to): answers each datagram with NAME.
  stats_probe.py send ADDR PORT N MAXSECS
      N datagrams from one socket (one flow), paced, then waits for the
      answers; prints "sent N answered M".
  stats_probe.py readloop FILE SECS FAMILIES
      Reads FILE as fast as it can for SECS seconds. Every read must be a
      whole file: FAMILIES "# TYPE" lines, every line a comment or a
      well-formed sample, the write timestamp last. Prints
      "reads R bad B versions V" (V: distinct timestamps seen) and the
      first bad read on stderr.
"""
import re
import socket
import sys
import time

SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)",?')


def serve(name, addr, port, maxsecs):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((addr, int(port)))
    end = time.monotonic() + float(maxsecs)
    while time.monotonic() < end:
        s.settimeout(max(0.01, end - time.monotonic()))
        try:
            _, peer = s.recvfrom(2048)
        except socket.timeout:
            break
        s.sendto(name.encode(), peer)


def send(addr, port, n, maxsecs):
    n = int(n)
    end = time.monotonic() + float(maxsecs)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.connect((addr, int(port)))
    s.setblocking(False)
    got = 0
    for i in range(n):
        s.send(b"xlb stats %d" % i)
        # pace: a few in flight at most, and drain answers as they come
        t = time.monotonic() + 0.002
        while time.monotonic() < t:
            try:
                s.recv(2048)
                got += 1
            except BlockingIOError:
                time.sleep(0.0005)
    while got < n and time.monotonic() < end:
        try:
            s.recv(2048)
            got += 1
        except BlockingIOError:
            time.sleep(0.005)
    print("sent %d answered %d" % (n, got))


def parse(text):
    """[(name, {labels}, value)] or raises ValueError."""
    out = []
    for line in text.split("\n"):
        if not line or line.startswith("#"):
            continue
        m = SAMPLE.match(line)
        if not m:
            raise ValueError("bad line: %r" % line)
        labels = {}
        if m.group(3):
            pos = 0
            body = m.group(3)
            while pos < len(body):
                lm = LABEL.match(body, pos)
                if not lm:
                    raise ValueError("bad labels: %r" % line)
                labels[lm.group(1)] = lm.group(2)
                pos = lm.end()
        out.append((m.group(1), labels, float(m.group(4))))
    return out


def readloop(path, secs, families):
    families = int(families)
    end = time.monotonic() + float(secs)
    reads = bad = 0
    versions = set()
    while time.monotonic() < end:
        with open(path) as f:
            text = f.read()
        reads += 1
        why = None
        lines = text.split("\n")
        if not text.endswith("\n"):
            why = "no final newline"
        elif sum(1 for ln in lines if ln.startswith("# TYPE ")) != families:
            why = "families"
        elif not lines[-2].startswith("xlb_stats_write_timestamp_seconds "):
            why = "last line"
        else:
            try:
                parse(text)
                versions.add(lines[-2])
            except ValueError as e:
                why = str(e)
        if why:
            if not bad:
                sys.stderr.write("read %d: %s\n%s\n" % (reads, why, text))
            bad += 1
    print("reads %d bad %d versions %d" % (reads, bad, len(versions)))


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    {"serve": serve, "send": send, "readloop": readloop}[cmd](*args)


if __name__ == "__main__":
    main()
