#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Servers and a client for xlb's health-check e2e test (run inside the
lab's namespaces). Every run is bounded in time.

  health_srv.py serve MAXSECS SPEC...
      One single-threaded server for every SPEC, until MAXSECS pass:
        http:PORT:FILE   answer any request with the status code FILE
                         holds (read per request), then close
        hang:PORT        accept and never answer (a probe must time out)
        agent:PORT:FILE  send FILE's first line (read per connection)
                         and close, as a load agent does
      A FILE saying "hang" makes its server hang as hang:PORT does. A hung
      connection is closed when its peer closes or resets it.
  health_srv.py wait SOCK VIP ADDR FIELD VALUE T0 MAXSECS [change]
      Ask xlbd (health show, every 10 ms) until backend ADDR of VIP
      (ADDR:PORT) has FIELD equal to VALUE (true/false, numbers and
      strings as text); print the milliseconds since T0 (a Unix time,
      e.g. bash's EPOCHREALTIME), or "timeout" and exit 1. With
      "change" the time is that of the backend's last state change as
      xlbd reports it (changed_ago_ms), so a slow poll adds nothing.
  health_srv.py field SOCK VIP ADDR FIELD
      Print one field of that backend (or of the VIP when ADDR is "-").
  health_srv.py say SOCK VIP ADDR FILE MAXSECS WORD FIELD VALUE...
      For each WORD FIELD VALUE in turn: write WORD to FILE (the agent's
      file of backend ADDR), then ask xlbd every 10 ms until the backend
      has FIELD equal to VALUE, and print "MS REPORTS": the ms from the
      write to the first answer showing it, and the agent's reports
      (agent_ok) that came in meanwhile; or "timeout" and exit 1. One
      process, so its own start-up and a slow shell count for nothing.
  health_srv.py probes SOCK VIP SECS HANG ADDR...
      Watch the checks of VIP's backends for SECS (health show every
      20 ms) and print "MS N LAT HUNG": the window's length in ms, the
      checks of the ADDRs finished in it, the median latency in ms of
      those seen finishing, and the agent probes of HANG that failed.
  health_srv.py count VIP N OUT
      N new TCP connections to VIP:80 one after another, one GET / each
      (the lab's nginx answers with its name). OUT gets one line per
      backend name, "NAME COUNT", and "fail COUNT"; a connect must succeed
      within 0.9 s (a dropped SYN waits 1 s for its retransmit).
  health_srv.py hold VIP NAME FIFO OUT MAXSECS
      Open keep-alive connections to VIP:80 (one GET / each, at most 60)
      until backend NAME answers one; keep that one, close the others,
      and write "held NAME" to OUT ("held none" and exit 1 if none did).
      Then for every line "ask" read from FIFO send one more GET / on the
      held connection and append "answer NAME" (or "answer error: WHY")
      to OUT; "quit" or MAXSECS ends it.
"""
import json
import os
import select
import selectors
import socket
import sys
import time


def read_file(path, default):
    try:
        with open(path) as f:
            return f.readline().strip() or default
    except OSError:
        return default


def serve(maxsecs, specs):
    sel = selectors.DefaultSelector()
    for spec in specs:
        kind, port, *rest = spec.split(":")
        ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        ls.bind(("0.0.0.0", int(port)))
        ls.listen(512)
        ls.setblocking(False)
        sel.register(ls, selectors.EVENT_READ,
                     ("listen", kind, rest[0] if rest else None))
    end = time.monotonic() + maxsecs
    while time.monotonic() < end:
        for key, _ in sel.select(0.5):
            what, kind, arg = key.data
            if what == "listen":
                try:
                    c, _ = key.fileobj.accept()
                except OSError:
                    continue
                line = read_file(arg, "up") if kind == "agent" else ""
                if kind == "hang" or line == "hang":
                    c.setblocking(False)
                    sel.register(c, selectors.EVENT_READ,
                                 ("conn", "hang", None))
                elif kind == "agent":
                    try:
                        c.sendall((line + "\n").encode())
                    except OSError:
                        pass
                    c.close()
                else:
                    c.setblocking(False)
                    sel.register(c, selectors.EVENT_READ,
                                 ("conn", kind, [arg, b""]))
                continue
            c = key.fileobj
            st = arg
            try:
                d = c.recv(4096)
            except OSError:
                d = b""
            if kind == "hang":
                if not d:
                    sel.unregister(c)
                    c.close()
                continue
            st[1] += d
            if d and b"\r\n\r\n" not in st[1]:
                continue
            code = read_file(st[0], "200") if d else None
            if code == "hang":
                sel.modify(c, selectors.EVENT_READ, ("conn", "hang", None))
                continue
            sel.unregister(c)
            if d:
                try:
                    c.sendall(("HTTP/1.0 %s X\r\nContent-Length: 0\r\n"
                               "Connection: close\r\n\r\n" % code).encode())
                except OSError:
                    pass
            c.close()


def ctl(sock, argv):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(5)
    s.connect(sock)
    s.sendall(json.dumps({"argv": argv}).encode() + b"\n")
    buf = b""
    while not buf.endswith(b"\n"):
        d = s.recv(65536)
        if not d:
            raise IOError("xlbd closed the connection")
        buf += d
    s.close()
    return json.loads(buf)["data"]


def text(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


def find(sock, vip, addr):
    for v in ctl(sock, ["health", "show"])["vips"]:
        if v["vip"] != vip:
            continue
        if addr == "-":
            return v
        for b in v["backends"]:
            if b["addr"] == addr:
                return b
    return {}


def lookup(sock, vip, addr, field):
    return text(find(sock, vip, addr).get(field))


def probes(sock, vip, secs, hang, addrs):
    def snap():
        t0 = time.monotonic()
        v = find(sock, vip, "-")
        t1 = time.monotonic()
        bs = {b["addr"]: b for b in v.get("backends", [])}
        return (t0 + t1) / 2, bs

    def checks(b):
        return b["checks_ok"] + b["checks_failed"] + b["checks_timeout"]

    t_first, first = snap()
    t_last, last = t_first, first
    lats = []
    while t_last < t_first + secs:
        time.sleep(0.02)
        t, cur = snap()
        for a in addrs:
            if checks(cur[a]) != checks(last[a]):
                lats.append(cur[a]["latency_ms"])
        t_last, last = t, cur
    n = sum(checks(last[a]) - checks(first[a]) for a in addrs)
    hung = last[hang]["agent_failed"] - first[hang]["agent_failed"]
    lats.sort()
    print("%d %d %d %d" % ((t_last - t_first) * 1000, n,
                           lats[len(lats) // 2] if lats else -1, hung))


def say_steps(sock, vip, addr, path, maxsecs, steps):
    for word, field, value in zip(steps[0::3], steps[1::3], steps[2::3]):
        n0 = find(sock, vip, addr).get("agent_ok", 0)
        # replaced, not rewritten: the agent never reads half a file
        with open(path + ".new", "w") as f:
            f.write(word + "\n")
        os.replace(path + ".new", path)
        t0 = time.monotonic()
        while True:
            o = find(sock, vip, addr)
            now = time.monotonic()
            if text(o.get(field)) == value:
                print("%d %d" % ((now - t0) * 1000,
                                 o.get("agent_ok", 0) - n0), flush=True)
                break
            if now > t0 + maxsecs:
                print("timeout")
                return 1
            time.sleep(0.01)
    return 0


def wait(sock, vip, addr, field, value, t0, maxsecs, change):
    end = time.time() + maxsecs
    while time.time() < end:
        now = time.time()
        o = find(sock, vip, addr)
        if text(o.get(field)) == value:
            if change:
                now -= (o.get("changed_ago_ms") or 0) / 1000.0
            print("%d" % ((now - t0) * 1000))
            return 0
        time.sleep(0.01)
    print("timeout")
    return 1


def get(s):
    """One GET / on connected socket s; the body (a backend's name)."""
    s.sendall(b"GET / HTTP/1.1\r\nHost: vip\r\n\r\n")
    buf = b""
    while b"\r\n\r\n" not in buf:
        d = s.recv(4096)
        if not d:
            raise IOError("closed before the answer")
        buf += d
    head, _, body = buf.partition(b"\r\n\r\n")
    if not head.startswith(b"HTTP/1.1 200"):
        raise IOError("bad answer")
    size = 0
    for ln in head.split(b"\r\n")[1:]:
        k, _, v = ln.partition(b":")
        if k.strip().lower() == b"content-length":
            size = int(v)
    while len(body) < size:
        d = s.recv(4096)
        if not d:
            raise IOError("closed within the answer")
        body += d
    return body.decode().strip()


def say(out, line):
    with open(out, "a") as f:
        f.write(line + "\n")


def hold(vip, want, fifo, out, maxsecs):
    end = time.monotonic() + maxsecs
    held = None
    for _ in range(60):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.settimeout(0.9)
        try:
            s.connect((vip, 80))
            s.settimeout(3)
            if get(s) == want:
                held = s
                break
        except (OSError, IOError):
            pass
        s.close()
    if not held:
        say(out, "held none")
        return 1
    say(out, "held " + want)
    # Read and write: the open never blocks and never sees end of file.
    with open(fifo, "r+b", buffering=0) as cmds:
        buf = b""
        while time.monotonic() < end:
            r, _, _ = select.select([cmds], [], [], 0.5)
            if not r:
                continue
            buf += cmds.read(4096)
            while b"\n" in buf:
                ln, _, buf = buf.partition(b"\n")
                if ln == b"quit":
                    held.close()
                    return 0
                try:
                    say(out, "answer " + get(held))
                except (OSError, IOError) as e:
                    say(out, "answer error: %s" % e)
    held.close()
    return 0


def count(vip, n, out):
    names = {}
    fails = 0
    for _ in range(n):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            s.settimeout(0.9)
            s.connect((vip, 80))
            s.settimeout(3)
            s.sendall(b"GET / HTTP/1.1\r\nHost: vip\r\n"
                      b"Connection: close\r\n\r\n")
            buf = b""
            while True:
                d = s.recv(4096)
                if not d:
                    break
                buf += d
            head, _, body = buf.partition(b"\r\n\r\n")
            if not head.startswith(b"HTTP/1.1 200"):
                raise IOError("bad answer")
            name = body.decode().strip()
            names[name] = names.get(name, 0) + 1
        except (OSError, IOError):
            fails += 1
        finally:
            s.close()
    with open(out, "w") as f:
        for k in sorted(names):
            f.write("%s %d\n" % (k, names[k]))
        f.write("fail %d\n" % fails)


if __name__ == "__main__":
    if sys.argv[1] == "serve":
        serve(float(sys.argv[2]), sys.argv[3:])
    elif sys.argv[1] == "wait":
        a = sys.argv[2:]
        sys.exit(wait(a[0], a[1], a[2], a[3], a[4], float(a[5]),
                      float(a[6]), len(a) > 7 and a[7] == "change"))
    elif sys.argv[1] == "field":
        a = sys.argv[2:]
        print(lookup(a[0], a[1], a[2], a[3]))
    elif sys.argv[1] == "say":
        a = sys.argv[2:]
        sys.exit(say_steps(a[0], a[1], a[2], a[3], float(a[4]), a[5:]))
    elif sys.argv[1] == "probes":
        a = sys.argv[2:]
        probes(a[0], a[1], float(a[2]), a[3], a[4:])
    elif sys.argv[1] == "count":
        count(sys.argv[2], int(sys.argv[3]), sys.argv[4])
    elif sys.argv[1] == "hold":
        a = sys.argv[2:]
        sys.exit(hold(a[0], a[1], a[2], a[3], float(a[4])))
    else:
        sys.exit("usage: health_srv.py serve|wait|field|say|probes|count|"
                 "hold ...")
