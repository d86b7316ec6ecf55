#!/usr/bin/env python3
"""Sends one Redis command line at a fixed rate, one at a time (as a lightly loaded node does:
no pipelining), and prints the redis-server process's CPU µs per call over the run.
  paced_calls.py PORT REDIS_PID RATE SECONDS ARG... (__seq__ in an argument: 1, 2, ...)
A subscriber to every channel drains the wake-ups, so a PUBLISH costs what it costs in
production (a write to a subscriber)."""
import os
import socket
import sys
import threading
import time


def resp(args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        b = a.encode()
        out.append(b"$%d\r\n%s\r\n" % (len(b), b))
    return b"".join(out)


def read_reply(f):
    line = f.readline()
    kind, rest = line[:1], line[1:-2]
    if kind in (b"+", b":"):
        return rest
    if kind == b"-":
        raise SystemExit(f"paced_calls: error reply: {rest.decode()}")
    if kind == b"$":
        n = int(rest)
        return None if n < 0 else f.read(n + 2)[:-2]
    if kind == b"*":
        return [read_reply(f) for _ in range(max(0, int(rest)))]
    raise SystemExit(f"paced_calls: unexpected reply {line!r}")


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main():
    port, pid, rate, seconds, args = (int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]),
                                      float(sys.argv[4]), sys.argv[5:])
    sub = socket.create_connection(("127.0.0.1", port))
    sub.sendall(resp(["PSUBSCRIBE", "*"]))
    threading.Thread(target=lambda: [None for _ in iter(lambda: sub.recv(65536), b"")],
                     daemon=True).start()
    s = socket.create_connection(("127.0.0.1", port))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    f = s.makefile("rb")
    n = int(rate * seconds)
    period = 1.0 / rate
    before, start = cpu_seconds(pid), time.monotonic()
    for i in range(n):
        due = start + i * period
        wait = due - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        s.sendall(resp([a.replace("__seq__", str(i + 1)) for a in args]))
        read_reply(f)
    elapsed = time.monotonic() - start
    used = cpu_seconds(pid) - before
    if elapsed > seconds * 1.2:
        print(f"paced_calls: fell behind ({elapsed:.1f} s for {seconds:.1f})", file=sys.stderr)
    print(f"{1e6 * used / n:.1f}")


if __name__ == "__main__":
    main()
