#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Bulk TCP and ping helpers for xlb's path-MTU e2e test. Bounded in time.

  pmtu.py sink PORT COUNT MAXSECS
      On a backend: accept up to COUNT connections on PORT (any address:
      the VIP is on lo), read each to EOF, answer "LEN SHA256" and close.
  pmtu.py upload ADDR PORT NBYTES MAXSECS
      Send NBYTES of a fixed pattern to ADDR:PORT, half-close, print the
      server's answer and the expected one, "ok" if equal.
  pmtu.py ping ADDR MAXSECS
      One ICMP or ICMPv6 echo request by a raw socket; "ok FROM" when the
      reply comes back, "fail REASON" otherwise.
"""
import hashlib
import os
import socket
import struct
import sys
import time


def pattern(n):
    block = bytes((i * 7 + 3) & 0xff for i in range(65536))
    return (block * (n // len(block) + 1))[:n]


def sink(port, count, maxsecs):
    deadline = time.monotonic() + maxsecs
    ls = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    ls.bind(("::", port))
    ls.listen(8)
    for _ in range(count):
        left = deadline - time.monotonic()
        if left <= 0:
            break
        ls.settimeout(left)
        try:
            c, _ = ls.accept()
        except socket.timeout:
            break
        c.settimeout(max(deadline - time.monotonic(), 0.1))
        h = hashlib.sha256()
        n = 0
        try:
            while True:
                b = c.recv(65536)
                if not b:
                    break
                h.update(b)
                n += len(b)
            c.sendall(b"%d %s\n" % (n, h.hexdigest().encode()))
        except OSError:
            pass
        c.close()


def upload(addr, port, nbytes, maxsecs):
    data = pattern(nbytes)
    want = "%d %s" % (nbytes, hashlib.sha256(data).hexdigest())
    fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.settimeout(maxsecs)
    try:
        s.connect((addr, port))
        s.sendall(data)
        s.shutdown(socket.SHUT_WR)
        got = b""
        while not got.endswith(b"\n"):
            b = s.recv(256)
            if not b:
                break
            got += b
    except OSError as e:
        print("fail %s" % e)
        return 1
    got = got.decode().strip()
    print("%s got=%s want=%s" % ("ok" if got == want else "fail", got, want))
    return 0 if got == want else 1


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def ping(addr, maxsecs):
    v6 = ":" in addr
    ident = os.getpid() & 0xffff
    if v6:
        s = socket.socket(socket.AF_INET6, socket.SOCK_RAW,
                          socket.IPPROTO_ICMPV6)
        # The kernel fills in ICMPv6 checksums of raw sockets.
        pkt = struct.pack("!BBHHH", 128, 0, 0, ident, 1) + b"xlb-ping"
        want = 129
    else:
        s = socket.socket(socket.AF_INET, socket.SOCK_RAW,
                          socket.IPPROTO_ICMP)
        body = struct.pack("!BBHHH", 8, 0, 0, ident, 1) + b"xlb-ping"
        pkt = body[:2] + struct.pack("!H", csum(body)) + body[4:]
        want = 0
    deadline = time.monotonic() + maxsecs
    s.sendto(pkt, (addr, 0))
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            print("fail timeout")
            return 1
        s.settimeout(left)
        try:
            b, src = s.recvfrom(2048)
        except socket.timeout:
            print("fail timeout")
            return 1
        if not v6:
            b = b[(b[0] & 15) * 4:]
        if len(b) >= 8 and b[0] == want and \
                struct.unpack("!H", b[4:6])[0] == ident:
            print("ok %s" % src[0])
            return 0


def main():
    a = sys.argv[1:]
    if a[:1] == ["sink"]:
        sink(int(a[1]), int(a[2]), float(a[3]))
        return 0
    if a[:1] == ["upload"]:
        return upload(a[1], int(a[2]), int(a[3]), float(a[4]))
    if a[:1] == ["ping"]:
        return ping(a[1], float(a[2]))
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
