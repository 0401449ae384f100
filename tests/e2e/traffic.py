#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Real TCP clients for xlb's daemon e2e tests (run inside the client
namespace). Every run is bounded in time.

  traffic.py loop VIP OUT MAXSECS
      New connections one after another, one GET / each, until OUT.stop
      exists or MAXSECS pass. The lab's servers answer with their name.
      A connect must succeed within 0.9 s: a SYN the load balancer dropped
      (1 s retransmit) counts as a failure. Writes OUT.count as it goes;
      at the end OUT holds one line per connection ("ok NAME" or
      "fail REASON"), "mark N" (connections made before OUT.mark
      appeared) and last "done OK FAIL".
  traffic.py count VIP OUT N
      N new connections one after another, one GET / each; OUT as for
      loop (without "mark").
  traffic.py ka VIP OUT N INTERVAL [RELEASE]
      One keep-alive connection carrying N requests INTERVAL seconds
      apart. With RELEASE, it goes on with requests after the N until the
      file RELEASE exists (at most 60 s more), so the connection is open
      for as long as the test needs, however slow the machine. OUT:
      "ok NAME COUNT" if every answer came whole from the same server,
      else "fail REASON".
"""
import os
import socket
import sys
import time

REQ = b"GET / HTTP/1.1\r\nHost: vip\r\n%s\r\n"


def read_response(s, buf):
    """One HTTP response from s (buf: bytes already read). Returns
    (name, rest)."""
    while b"\r\n\r\n" not in buf:
        d = s.recv(65536)
        if not d:
            raise IOError("connection closed in headers")
        buf += d
    head, buf = buf.split(b"\r\n\r\n", 1)
    lines = head.split(b"\r\n")
    if not lines[0].startswith(b"HTTP/1.1 200"):
        raise IOError("status " + lines[0].decode(errors="replace"))
    length = None
    for h in lines[1:]:
        k, _, v = h.partition(b":")
        if k.strip().lower() == b"content-length":
            length = int(v.strip())
    if length is None:
        raise IOError("no content-length")
    while len(buf) < length:
        d = s.recv(65536)
        if not d:
            raise IOError("connection closed in body")
        buf += d
    return buf[:length].decode().strip(), buf[length:]


def one(vip):
    s = socket.socket(socket.AF_INET6 if ":" in vip else socket.AF_INET)
    try:
        s.settimeout(0.9)
        s.connect((vip, 80))
        s.settimeout(3)
        s.sendall(REQ % b"Connection: close\r\n")
        name, _ = read_response(s, b"")
        return "ok " + name
    except Exception as e:	# noqa: BLE001 - every error is a failure
        return "fail " + type(e).__name__ + ":" + str(e).replace(" ", "_")
    finally:
        s.close()


def loop(vip, out, maxsecs):
    res = []
    mark = None
    end = time.monotonic() + maxsecs
    while time.monotonic() < end and not os.path.exists(out + ".stop"):
        if mark is None and os.path.exists(out + ".mark"):
            mark = len(res)
        res.append(one(vip))
        time.sleep(0.005)	# ~150/s: keeps clear of port exhaustion
        if len(res) % 10 == 0:
            with open(out + ".count.tmp", "w") as f:
                f.write("%d\n" % len(res))
            os.rename(out + ".count.tmp", out + ".count")
    ok = sum(r.startswith("ok") for r in res)
    with open(out + ".tmp", "w") as f:
        f.write("\n".join(res) + "\n")
        f.write("mark %d\n" % (len(res) if mark is None else mark))
        f.write("done %d %d\n" % (ok, len(res) - ok))
    os.rename(out + ".tmp", out)


def count(vip, out, n):
    res = [one(vip) for _ in range(n)]
    ok = sum(r.startswith("ok") for r in res)
    with open(out + ".tmp", "w") as f:
        f.write("\n".join(res) + "\n")
        f.write("done %d %d\n" % (ok, len(res) - ok))
    os.rename(out + ".tmp", out)


def keepalive(vip, out, n, interval, release=None):
    s = socket.socket(socket.AF_INET6 if ":" in vip else socket.AF_INET)
    names = set()
    done = 0
    try:
        s.settimeout(3)
        s.connect((vip, 80))
        buf = b""
        deadline = None
        while True:
            s.sendall(REQ % b"")
            name, buf = read_response(s, buf)
            names.add(name)
            done += 1
            if done >= n:
                if release is None or os.path.exists(release):
                    break
                if deadline is None:
                    deadline = time.monotonic() + 60
                elif time.monotonic() > deadline:
                    break
            time.sleep(interval)
        r = ("ok %s %d" % (names.pop(), done)) if len(names) == 1 else \
            "fail servers " + ",".join(sorted(names))
    except Exception as e:	# noqa: BLE001
        r = "fail " + type(e).__name__ + ":" + str(e).replace(" ", "_")
    finally:
        s.close()
    with open(out + ".tmp", "w") as f:
        f.write(r + "\n")
    os.rename(out + ".tmp", out)


if __name__ == "__main__":
    if sys.argv[1] == "loop":
        loop(sys.argv[2], sys.argv[3], float(sys.argv[4]))
    elif sys.argv[1] == "count":
        count(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    elif sys.argv[1] == "ka":
        keepalive(sys.argv[2], sys.argv[3], int(sys.argv[4]),
                  float(sys.argv[5]),
                  sys.argv[6] if len(sys.argv) > 6 else None)
    else:
        sys.exit(__doc__)
