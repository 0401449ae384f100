#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Clients for tests/e2e/test_failover.sh (run inside the client
namespace). Every run is bounded in count and time.

  failover.py tick VIP OUT COUNT INTERVAL_MS TIMEOUT_MS
      Start a new TCP connection every INTERVAL_MS (non-blocking, so a
      lost SYN does not delay the next one), COUNT of them or until
      OUT.stop exists; one that is not established within TIMEOUT_MS
      fails. OUT.count holds the number started so far. At the end OUT
      holds one line per connection, "START_MS ok|fail", then
      "gap MS AT_MS": the longest interruption, i.e. the longest time
      between the starts of two successive established connections with
      failed ones in between (the run's first and last starts count as
      bounds); "stall MS": the longest such time without a failure (the
      client itself held up); and "done OK FAIL".
  failover.py ka VIP OUT
      One keep-alive HTTP connection: a request, then (once OUT.go
      exists, within 60 s) a second one on the same connection. OUT gets
      "1 NAME" and "2 NAME" (the answering backend) or "fail REASON".
  failover.py advert SRC DST VRID TTL N COUNT_ADDRS
      Send N VRRPv3 adverts (priority 100, 1 s, COUNT_ADDRS copies of
      198.18.0.100) from SRC to DST with TTL, through a raw socket.
"""
import os
import selectors
import socket
import struct
import sys
import time

from traffic import read_response, REQ


def now_ms():
    return time.monotonic() * 1000.0


def tick(vip, out, count, interval, timeout):
    fam = socket.AF_INET6 if ":" in vip else socket.AF_INET
    sel = selectors.DefaultSelector()
    res = []            # [start_ms, state]
    pending = {}        # sock -> index
    t0 = now_ms()
    started = 0
    while True:
        t = now_ms()
        if started < count and not os.path.exists(out + ".stop") and \
                t >= t0 + started * interval:
            s = socket.socket(fam, socket.SOCK_STREAM)
            s.setblocking(False)
            try:
                s.connect((vip, 80))
            except BlockingIOError:
                pass
            except OSError:
                res.append([t, "fail"])
                s.close()
                started += 1
                continue
            res.append([t, None])
            pending[s] = len(res) - 1
            sel.register(s, selectors.EVENT_WRITE)
            started += 1
            if started % 10 == 0:
                with open(out + ".count.tmp", "w") as f:
                    f.write("%d\n" % started)
                os.rename(out + ".count.tmp", out + ".count")
        for key, _ in sel.select(timeout=0.002):
            s = key.fileobj
            i = pending.pop(s)
            err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            res[i][1] = "ok" if err == 0 else "fail"
            sel.unregister(s)
            s.close()
        t = now_ms()
        for s, i in list(pending.items()):
            if t - res[i][0] > timeout:
                res[i][1] = "fail"
                del pending[s]
                sel.unregister(s)
                s.close()
        done = started >= count or os.path.exists(out + ".stop")
        if done and not pending:
            break
    with open(out + ".count", "w") as f:
        f.write("%d\n" % started)
    oks = len([r for r in res if r[1] == "ok"])
    # Windows between successive established connections (the run's
    # first and last starts as bounds): one with a failed attempt in it
    # is an interruption; one without is the client not running (a busy
    # machine), which says nothing about the service.
    gap, at, stall = 0.0, 0.0, 0.0
    last, failed = (res[0][0] if res else 0.0), False
    for i, r in enumerate(res):
        if r[1] != "ok":
            failed = True
            if i != len(res) - 1:
                continue
        if failed and r[0] - last > gap:
            gap, at = r[0] - last, last
        elif not failed and r[0] - last > stall:
            stall = r[0] - last
        last, failed = r[0], False
    with open(out + ".tmp", "w") as f:
        for r in res:
            f.write("%d %s\n" % (r[0] - t0, r[1]))
        f.write("gap %d %d\n" % (gap, at - t0))
        f.write("stall %d\n" % stall)
        f.write("done %d %d\n" % (oks, len(res) - oks))
    os.rename(out + ".tmp", out)


def ka(vip, out):
    fam = socket.AF_INET6 if ":" in vip else socket.AF_INET
    lines = []
    try:
        s = socket.socket(fam, socket.SOCK_STREAM)
        s.settimeout(3)
        s.connect((vip, 80))
        s.sendall(REQ % b"")
        name, rest = read_response(s, b"")
        lines.append("1 " + name)
        with open(out + ".1.tmp", "w") as f:
            f.write(name + "\n")
        os.rename(out + ".1.tmp", out + ".1")
        end = time.monotonic() + 60
        while not os.path.exists(out + ".go"):
            if time.monotonic() > end:
                raise IOError("no go within 60 s")
            time.sleep(0.01)
        s.sendall(REQ % b"")
        name, _ = read_response(s, rest)
        lines.append("2 " + name)
        s.close()
    except Exception as e:	# noqa: BLE001 - every error is a failure
        lines.append("fail " + type(e).__name__ + ":" +
                     str(e).replace(" ", "_"))
    with open(out + ".tmp", "w") as f:
        f.write("\n".join(lines) + "\n")
    os.rename(out + ".tmp", out)


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def advert(src, dst, vrid, ttl, n, naddrs):
    addrs = socket.inet_aton("198.18.0.100") * naddrs
    hdr = struct.pack("!BBBBHH", 0x31, vrid, 100, naddrs, 100, 0)
    pseudo = socket.inet_aton(src) + socket.inet_aton(dst) + \
        struct.pack("!BBH", 0, 112, len(hdr) + len(addrs))
    c = csum(pseudo + hdr + addrs)
    msg = hdr[:6] + struct.pack("!H", c) + addrs
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, 112)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_TTL, ttl)
    s.bind((src, 0))
    for _ in range(n):
        s.sendto(msg, (dst, 0))
    s.close()


def main():
    a = sys.argv
    if len(a) == 7 and a[1] == "tick":
        tick(a[2], a[3], int(a[4]), float(a[5]), float(a[6]))
    elif len(a) == 4 and a[1] == "ka":
        ka(a[2], a[3])
    elif len(a) == 8 and a[1] == "advert":
        advert(a[2], a[3], int(a[4]), int(a[5]), int(a[6]), int(a[7]))
    else:
        sys.stderr.write(__doc__)
        sys.exit(2)


if __name__ == "__main__":
    main()
