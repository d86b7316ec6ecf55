#!/usr/bin/env python3
"""Load-test scenarios of the live-chat server, with peers side by side (issue 4).

One command per scenario; each starts everything it needs (Redis, server nodes, peers, lc_load
generator processes from several 127.0.0.x addresses), prints a Markdown table and writes the raw
results to <build>/results/<scenario>.json. Every process it starts is stopped before it exits.

  load-tests/bench.py idle   [--quick] [--connections N] [--max]
  load-tests/bench.py relay  [--quick] [--reps 3] [--cpu-rate 4000] [--foreign-max 0.1]
                             [--plot FILE.svg]
  load-tests/bench.py storm  [--quick] [--reps 3]
  load-tests/bench.py day    [--quick] [--reps 3]
  load-tests/bench.py peers  --quick          (harness check of the peers)

--quick runs small counts for a few seconds and exits non-zero on any protocol error or
incomplete run: it proves the harness works, it is not a speed check (ctest runs these).
"""
import argparse
import json
import os
import queue
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from types import SimpleNamespace

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
SECRET = "load-test-secret-0123456789abcdef0123"
PROCS = []  # every process started, stopped in stop_all()


# ----------------------------------------------------------------------------- histograms

LINEAR, PER_OCTAVE, MAX_SHIFT = 128, 64, 34


def bucket_value(idx):
    """Upper edge of a bucket of gen/histogram.hpp, in microseconds."""
    if idx < LINEAR:
        return idx
    shift = (idx - LINEAR) // PER_OCTAVE + 1
    mant = (idx - LINEAR) % PER_OCTAVE + 64
    return ((mant + 1) << shift) - 1


class Hist:
    """Sum of generator histograms; percentiles as lc_load computes them."""

    def __init__(self):
        self.counts, self.total, self.max = {}, 0, 0

    def add(self, h):
        for idx, n in h["b"]:
            self.counts[idx] = self.counts.get(idx, 0) + n
        self.total += h["total"]
        self.max = max(self.max, h["max"])
        return self

    def pct(self, p):
        if self.total == 0:
            return 0
        want = max(1, int(p / 100.0 * self.total + 0.5))
        seen = 0
        for idx in sorted(self.counts):
            seen += self.counts[idx]
            if seen >= want:
                return min(bucket_value(idx), self.max)
        return self.max

    def summary_ms(self):
        return {k: self.pct(p) / 1000.0 for k, p in
                (("p50", 50), ("p90", 90), ("p99", 99), ("p99.9", 99.9))} | {
                    "max": self.max / 1000.0, "n": self.total}


# ----------------------------------------------------------------------------- processes

def log(*a):
    print(*a, file=sys.stderr, flush=True)


def start(cmd, name, rundir, stdout=None, **kw):
    logf = open(os.path.join(rundir, name + ".log"), "ab")
    p = subprocess.Popen(cmd, stdout=stdout or logf, stderr=logf, start_new_session=True, **kw)
    p.name = name
    PROCS.append(p)
    return p


def stop(p, timeout=10):
    if p.poll() is None:
        p.send_signal(signal.SIGTERM)
        try:
            p.wait(timeout)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait(5)
    if p in PROCS:
        PROCS.remove(p)


def stop_all():
    for p in list(reversed(PROCS)):
        stop(p)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_tcp(port, deadline_s=20):
    end = time.time() + deadline_s
    while time.time() < end:
        try:
            with socket.create_connection(("127.0.0.1", port), 0.5):
                return True
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {port} after {deadline_s}s")


def proc_cpu_rss(pid):
    """(cpu seconds, rss KiB) from /proc, as lc_load's proc_stats.hpp reads them."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    cpu = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    rss = 0
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1])
    return cpu, rss


def kernel_memory():
    """Slab and socket-buffer memory of the whole box (KiB)."""
    out = {}
    with open("/proc/meminfo") as f:
        for line in f:
            k, v = line.split(":")
            if k in ("Slab", "SUnreclaim", "MemAvailable"):
                out[k] = int(v.split()[0])
    with open("/proc/net/sockstat") as f:
        for line in f:
            if line.startswith("TCP:"):
                parts = line.split()
                d = dict(zip(parts[1::2], parts[2::2]))
                out["tcp_inuse"] = int(d["inuse"])
                out["tcp_mem_kib"] = int(d["mem"]) * 4
    return out


def box_busy():
    """Non-idle jiffies of the whole machine, to report how much else was running (as lc_load's
    sample_box: guest time is already inside user time, so only the first 8 fields count)."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:9]]
    return sum(v) - v[3] - v[4], sum(v)


# ----------------------------------------------------------------------------- systems

class Env:
    def __init__(self, args):
        self.args = args
        self.build = os.path.abspath(args.build_dir)
        self.gen = os.path.join(self.build, "load-tests", "lc_load")
        self.epoll = os.path.join(self.build, "load-tests", "lc_epoll_relay")
        self.livechat = args.livechat or next(
            (b for b in (os.path.join(self.build, "server", "app", "livechat"),
                         os.path.join(REPO, "build", "release", "server", "app", "livechat"))
             if os.path.exists(b)), os.path.join(self.build, "server", "app", "livechat"))
        stamp = time.strftime("%Y%m%d-%H%M%S")
        self.rundir = os.path.join(self.build, "run", f"{args.scenario}-{stamp}-{os.getpid()}")
        os.makedirs(self.rundir, exist_ok=True)
        self.results = os.path.join(self.build, "results")
        os.makedirs(self.results, exist_ok=True)
        for b in (self.gen, self.livechat):
            if not os.path.exists(b):
                raise SystemExit(f"missing {b}: cmake --build {self.build} --target lc_load "
                                 "lc_epoll_relay livechat")


def start_redis(env, tag, d):
    """A private Redis with its files in d, persisted as production runs it (AOF everysec, no
    RDB snapshots). Returns (process, port)."""
    port = free_port()
    p = start(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--dir", d,
               "--appendonly", "yes", "--appendfsync", "everysec", "--save", "",
               "--maxclients", "10000", "--loglevel", "warning"], f"{tag}-redis", env.rundir)
    wait_tcp(port)
    return p, port


def peer_modules(env):
    """The Node peers' packages, installed with `npm ci` from the committed lock file into
    <build>/peers. A copy of the lock file is kept there once an install succeeded, so a changed
    lock file (or a failed install) means installing again."""
    src, dst = os.path.join(HERE, "peers"), os.path.join(env.build, "peers")
    lock, stamp = os.path.join(src, "package-lock.json"), os.path.join(dst, "installed-lock.json")
    modules = os.path.join(dst, "node_modules")
    if os.path.isdir(modules) and os.path.exists(stamp):
        with open(lock, "rb") as a, open(stamp, "rb") as b:
            if a.read() == b.read():
                return modules
    os.makedirs(dst, exist_ok=True)
    for f in ("package.json", "package-lock.json"):
        shutil.copy(os.path.join(src, f), dst)
    log(f"peers: npm ci in {dst}")
    subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--silent"], cwd=dst, check=True,
                   timeout=300)
    shutil.copy(lock, stamp)
    return modules


# Systems that persist every message in a Redis of their own; its CPU counts for them.
HAS_REDIS = ("livechat", "wsredis")


class Livechat:
    """One Redis (AOF everysec, like production) and N livechat nodes on it."""
    kind = "livechat"

    def __init__(self, env, nodes, tag, extra=()):
        self.env, self.n, self.tag, self.extra = env, nodes, tag, list(extra)

    def __enter__(self):
        d = os.path.join(self.env.rundir, self.tag)
        self.dir = d
        os.makedirs(d, exist_ok=True)
        self.redis, self.redis_port = start_redis(self.env, self.tag, d)
        self.nodes, self.ports = [], []
        for k in range(self.n):
            port = free_port()
            nd = os.path.join(d, f"n{k + 1}")
            os.makedirs(nd, exist_ok=True)
            # One system of record for the cluster: n1's embedded PostgreSQL (its socket is in
            # its cluster dir); the others reach it there, retrying until it is up.
            record = [] if k == 0 else [
                "--postgres",
                f"host={os.path.join(d, 'n1', 'postgres')} port=5432 user=livechat dbname=livechat"]
            p = start([self.env.livechat, "--listen", f"127.0.0.1:{port}", "--redis",
                       f"redis://127.0.0.1:{self.redis_port}", "--secret", SECRET, "--node-id",
                       f"n{k + 1}", "--data-dir", nd, "--log-level", "warn"] + record +
                      BENCH_LIMITS + self.extra, f"{self.tag}-n{k + 1}", self.env.rundir)
            self.nodes.append(p)
            self.ports.append(port)
        for port in self.ports:
            end = time.time() + 20
            while True:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=1) as r:
                        if r.status == 200:
                            break
                except OSError:
                    pass
                if time.time() > end:
                    raise RuntimeError(f"livechat on {port} not ready")
                time.sleep(0.1)
        self.server_pids = [p.pid for p in self.nodes]
        self.redis_pids = [self.redis.pid]
        return self

    def __exit__(self, *exc):
        for p in self.nodes:
            stop(p)
        stop(self.redis)
        shutil.rmtree(os.path.join(self.env.rundir, self.tag), ignore_errors=True)

    def gen_args(self, k):
        return ["--targets", f"127.0.0.1:{self.ports[k % self.n]}", "--secret", SECRET]


class Peer:
    """A relay peer: 'ws' (Node + npm ws), 'wsredis' (the same, persisting every message in a
    private Redis before forwarding it), 'nchan' (nginx + nchan) or 'epoll' (C)."""

    def __init__(self, env, kind, instances, tag):
        self.env, self.kind, self.n, self.tag = env, kind, instances, tag
        self.redis, self.redis_pids = None, []

    def __enter__(self):
        self.procs, self.ports = [], []
        if self.kind == "wsredis":
            d = os.path.join(self.env.rundir, self.tag)
            os.makedirs(d, exist_ok=True)
            self.redis, self.redis_port = start_redis(self.env, self.tag, d)
            self.redis_pids = [self.redis.pid]
        if self.kind == "nchan":
            port = free_port()
            prefix = os.path.join(self.env.rundir, self.tag)
            os.makedirs(os.path.join(prefix, "tmp"), exist_ok=True)
            with open(os.path.join(HERE, "peers", "nchan.conf.in")) as f:
                conf = f.read()
            conf = (conf.replace("@PREFIX@", prefix).replace("@PORT@", str(port))
                    .replace("@WORKERS@", str(self.n)))
            with open(os.path.join(prefix, "nginx.conf"), "w") as f:
                f.write(conf)
            self.procs.append(start(["nginx", "-p", prefix, "-c", "nginx.conf", "-g",
                                     "daemon off;"], self.tag, self.env.rundir))
            self.ports = [port]
            wait_tcp(port)
            time.sleep(0.3)
            # Workers do the relaying: watch them (and the master, which is idle).
            kids = subprocess.run(["pgrep", "-P", str(self.procs[0].pid)], capture_output=True,
                                  text=True).stdout.split()
            self.server_pids = [self.procs[0].pid] + [int(x) for x in kids]
            return self
        for k in range(self.n):
            port = free_port()
            if self.kind in ("ws", "wsredis"):
                envv = dict(os.environ, NODE_PATH=peer_modules(self.env))
                cmd = ["node", os.path.join(HERE, "peers", "ws_relay.js"), str(port)]
                if self.kind == "wsredis":
                    cmd = ["node", os.path.join(HERE, "peers", "ws_persist_relay.js"), str(port),
                           str(self.redis_port)]
                self.procs.append(start(cmd, f"{self.tag}-{k}", self.env.rundir, env=envv))
            else:
                self.procs.append(start([self.env.epoll, str(port)], f"{self.tag}-{k}",
                                        self.env.rundir))
            self.ports.append(port)
        for port in self.ports:
            wait_tcp(port)
        self.server_pids = [p.pid for p in self.procs]
        return self

    def __exit__(self, *exc):
        for p in self.procs:
            stop(p)
        if self.redis:
            stop(self.redis)
        shutil.rmtree(os.path.join(self.env.rundir, self.tag), ignore_errors=True)

    def gen_args(self, k):
        a = ["--peer", "--targets", f"127.0.0.1:{self.ports[k % len(self.ports)]}"]
        if self.kind == "nchan":
            a += ["--peer-visitor-path", "/ps/{c}v/{c}a", "--peer-agent-path", "/ps/{c}a/{c}v"]
        return a


# The generators' departments (d0..d31) and bounds loose enough for thousands of simulated
# visitors from a few loopback addresses.
BENCH_LIMITS = ["--departments", ",".join(f"d{i}" for i in range(32)),
                "--connections-per-address", "1000000", "--joins-per-minute", "100000",
                "--offline-messages-per-hour", "100000", "--max-queued-per-address", "100000",
                "--max-messages-before-answer", "100000", "--messages-per-second", "1000000"]


def make_system(env, kind, instances, tag):
    return Livechat(env, instances, tag) if kind == "livechat" else Peer(env, kind, instances, tag)


# ----------------------------------------------------------------------------- generators

def softirq_threads():
    """The kernel's ksoftirqd threads: loopback TCP work that overflows a softirq run goes there,
    and under load most of it is the run's own traffic, not another tenant's."""
    pids = []
    for d in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{d}/comm") as f:
                if f.read().startswith("ksoftirqd/"):
                    pids.append(int(d))
        except OSError:
            pass  # gone meanwhile
    return sorted(pids)


def watched_pids(system):
    """What every generator samples at its step boundaries: the system's processes (server,
    then Redis), then this script and the ksoftirqd threads, whose CPU is part of the run (the
    harness, the run's network work) and not foreign."""
    return system.server_pids + system.redis_pids + [os.getpid()] + softirq_threads()


def run_generators(env, system, per_proc_args, name, timeout_s, barrier=True, on_ready=None,
                   control=None):
    """Starts one lc_load per entry, waits for all READY, releases them together (SIGUSR1),
    waits for all to finish and returns their parsed reports.

    With control (a callable), the generators run under --step-control: after each step every
    one prints it, and once all have, control gets the merged step and returns the next total
    rate (or None to end), which is split evenly and sent to all of them at once."""
    procs, outs, lines = [], [], queue.Queue()
    watch = ",".join(str(p) for p in watched_pids(system))
    for k, extra in enumerate(per_proc_args):
        out = os.path.join(env.rundir, f"{name}-g{k}.json")
        outs.append(out)
        cmd = [env.gen, "--tag", f"{name}g{k}", "--sources", f"127.0.0.{10 + k}",
               "--watch-pids", watch, "--out", out] + system.gen_args(k) + extra
        if barrier:
            cmd.append("--barrier")
        if control:
            cmd.append("--step-control")
        p = start(cmd, f"{name}-g{k}", env.rundir, stdout=subprocess.PIPE,
                  stdin=subprocess.PIPE if control else None)
        procs.append(p)

        def reader(p=p, k=k):
            for line in p.stdout:
                lines.put((k, line.decode(errors="replace").strip()))
        threading.Thread(target=reader, daemon=True).start()

    def command(text):
        for p in procs:
            try:
                p.stdin.write(text.encode())
                p.stdin.flush()
            except (BrokenPipeError, OSError, ValueError):
                pass  # that generator is gone; its report (or its absence) tells

    ready, done, end = set(), set(), time.time() + timeout_s
    stepped = [[] for _ in procs]  # the STEP reports of each generator, in order
    ended = False
    before = None
    try:
        while len(done) < len(procs) and time.time() < end:
            try:
                k, line = lines.get(timeout=0.5)
            except queue.Empty:
                if all(p.poll() is not None for p in procs):
                    break
                # A generator that died mid-run would leave the others waiting for a command.
                if control and not ended and any(p.poll() is not None for p in procs):
                    command("END\n")
                    ended = True
                continue
            if line.startswith("READY"):
                ready.add(k)
                if line.startswith("READY timeout"):
                    log(f"  g{k}: {line}")
                if len(ready) == len(procs):
                    if on_ready:
                        on_ready()
                    before = (box_busy(), time.time())
                    for p in procs:
                        if barrier and p.poll() is None:
                            p.send_signal(signal.SIGUSR1)
            elif line.startswith("STEP ") and control:
                stepped[k].append(json.loads(line[5:]))
                i = len(stepped[k]) - 1
                if all(len(st) > i for st in stepped) and not ended:
                    rate = control(merge_step([st[i] for st in stepped], system))
                    ended = rate is None
                    command("END\n" if ended else f"NEXT {rate / len(procs):.3f}\n")
            elif line.startswith("DONE"):
                done.add(k)
        for p in procs:
            try:
                p.wait(max(1, end - time.time()))
            except subprocess.TimeoutExpired:
                log(f"  {p.name} overran its {timeout_s}s budget: stopping it")
    finally:
        for p in procs:
            stop(p, 5)
    after = (box_busy(), time.time())
    reports = []
    for out in outs:
        if os.path.exists(out):
            with open(out) as f:
                reports.append(json.load(f))
    if len(reports) != len(procs):
        raise RuntimeError(f"{name}: {len(procs) - len(reports)} generator(s) wrote no report; "
                           f"see {env.rundir}")
    busy = None
    if before:
        (b0, t0), (b1, t1) = before[0], after[0]
        busy = 100.0 * (b1 - b0) / max(1, t1 - t0) * os.cpu_count()
    return reports, busy


def merge_errors(reports):
    errs = {}
    for r in reports:
        for k, v in r["errors"].items():
            errs[k] = errs.get(k, 0) + v
    return errs


def merge_step(parts, system):
    """One step of every generator, merged: offered, sent, received, acked, latency histograms,
    and CPU seconds over the step's window (the step and its drain), all sampled by the first
    generator at its boundaries except the generators' own, which each reports for itself.

    foreign_cpu_s is what ran on the box in that window that is not part of the run: the box's
    non-idle time minus the system's processes, the generators, this script and ksoftirqd.
    Other tenants of the machine may be invisible here (other PID namespaces): only the box's
    total sees them."""
    n_server, n_redis = len(system.server_pids), len(system.redis_pids)
    lat, ack = Hist(), Hist()
    for s in parts:
        lat.add(s["latency"])
        ack.add(s["ack_latency"])
    first = parts[0]
    secs = max(1e-6, (first["end_us"] - first["start_us"]) / 1e6)
    cpu = [a[0] - b[0] for a, b in zip(first["cpu_after"], first["cpu_before"])]
    gen_each = [s["self_cpu_after"] - s["self_cpu_before"] for s in parts]
    tck = first["clk_tck"]
    box_s = (first["box_after"][0] - first["box_before"][0]) / tck
    # The box's jiffies count every CPU: the window in seconds is their share of one.
    window = max(1e-6, (first["box_after"][1] - first["box_before"][1]) / tck / os.cpu_count())
    foreign = box_s - sum(cpu) - sum(gen_each)
    return {
        "offered": sum(s["offered"] for s in parts),
        "sent": sum(s["sent"] for s in parts),
        "received": sum(s["received"] for s in parts),
        "acked": sum(s["acked"] for s in parts),
        "seconds": secs, "latency": lat, "ack": ack,
        "server_cpu_s": sum(cpu[:n_server]),
        "redis_cpu_s": sum(cpu[n_server:n_server + n_redis]),
        "watched_cpu_s": cpu[:n_server + n_redis],
        "harness_cpu_s": cpu[n_server + n_redis] if len(cpu) > n_server + n_redis else 0.0,
        "softirq_cpu_s": sum(cpu[n_server + n_redis + 1:]),
        "gen_cpu_s": sum(gen_each), "gen_cpu_each_s": gen_each,
        "window_s": window, "box_cpu_s": box_s,
        "foreign_cpu_s": foreign, "foreign_cores": foreign / window,
        "server_rss_kib": sum(x[1] for x in first["cpu_after"][:n_server]),
    }


def merge_steps(reports, system):
    """Every step of a run from the generators' final reports (the uncontrolled scenarios)."""
    return [merge_step([r["steps"][i] for r in reports if i < len(r["steps"])], system)
            for i in range(max(len(r["steps"]) for r in reports))]


def sustained(step, kind):
    """A step counts as sustained when (almost) everything sent arrived, was persisted (server)
    and the tail stayed bounded: the queue did not grow."""
    if step["sent"] == 0:
        return False
    ok = step["received"] >= 0.995 * step["sent"] and step["latency"].pct(99) <= 50_000
    if kind == "livechat":
        ok = ok and step["acked"] >= 0.995 * step["sent"]
    return ok


def ms(v):
    return f"{v:.2f}" if v < 10 else f"{v:.1f}" if v < 100 else f"{v:.0f}"


def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def save(env, name, data):
    path = os.path.join(env.results, f"{name}.json")
    with open(path, "w") as f:
        json.dump(data, f, indent=1, default=lambda o: o.summary_ms() if isinstance(o, Hist)
                  else str(o))
    log(f"results: {path}")


def check_quick(errors, problems):
    bad = {k: v for k, v in errors.items()}
    if bad:
        problems.append(f"errors: {bad}")
    if problems:
        print("QUICK RUN FAILED:\n  " + "\n  ".join(problems))
        return 1
    print("quick run complete: no protocol errors")
    return 0


# ----------------------------------------------------------------------------- scenarios

def split_even(total, parts):
    return [total // parts + (1 if i < total % parts else 0) for i in range(parts)]


# ----------------------------------------------------------------------------- relay: step control

# A measurement that foreign CPU contaminated is run again at most this many times.
REPEATS = 2


def judge(step, kind, foreign_max):
    """Annotates a merged step. sustained: it passed. contaminated: processes that are not part
    of the run used more than foreign_max of a core in its window. system_saturated: one of the
    system's processes (each one thread doing the work) used at least 90 % of a core.
    generator_bound: it failed while the generators were the limit (the box nearly full, or one
    generator process at a full core) and the system itself was not saturated."""
    w = step["window_s"]
    step["sustained"] = sustained(step, kind)
    step["contaminated"] = step["foreign_cores"] > foreign_max
    step["system_saturated"] = any(c / w >= 0.9 for c in step["watched_cpu_s"])
    box_full = (step["gen_cpu_s"] + sum(step["watched_cpu_s"])) / w >= 0.9 * os.cpu_count()
    gen_full = any(c / w >= 0.9 for c in step["gen_cpu_each_s"])
    step["generator_bound"] = (not step["sustained"] and not step["system_saturated"]
                               and (box_full or gen_full))
    return step


def verdict(s, again=False):
    if again:
        return "contaminated: again"
    v = "ok" if s["sustained"] else "OVER (generator-bound)" if s["generator_bound"] else "OVER"
    return v + (" *contaminated" if s["contaminated"] else "")


def log_step(s):
    w = s["window_s"]
    log(f"   {s['role']:>7} {s['rate']:8.0f} offered {s['received'] / s['seconds']:8.0f}/s recv  "
        f"p50 {ms(s['latency'].pct(50) / 1000)} p99 {ms(s['latency'].pct(99) / 1000)} ms  cores: "
        f"system {sum(s['watched_cpu_s']) / w:.2f} gen {s['gen_cpu_s'] / w:.2f} "
        f"foreign {s['foreign_cores']:.2f}  {s['verdict']}")


class Ramp:
    """Decides a ramp step by step: a discarded warm-up at half the first rate, then each rate in
    turn. Sustained means passed: the max is the highest rate whose step passed, and the ramp ends
    at the first step that failed, unless foreign CPU contaminated it; then that step is run again
    (at most `repeats` times) and only a clean result decides. A failure still contaminated after
    that ends the ramp too, and marks the max (it may be higher)."""

    def __init__(self, rates, kind, foreign_max, repeats):
        self.rates, self.kind, self.foreign_max, self.repeats = rates, kind, foreign_max, repeats
        self.first_rate = rates[0] / 2
        self.i, self.tries = -1, 0  # the rate being run (-1: the warm-up), its contaminated runs
        self.steps, self.best, self.max_contaminated = [], 0, False

    def max_steps(self):
        return 1 + len(self.rates) * (1 + self.repeats)

    def __call__(self, s):
        judge(s, self.kind, self.foreign_max)
        s["rate"] = self.first_rate if self.i < 0 else self.rates[self.i]
        s["role"] = "warm-up" if self.i < 0 else "ramp"
        self.steps.append(s)
        if self.i >= 0 and not s["sustained"]:
            again = s["contaminated"] and self.tries < self.repeats
            s["verdict"] = verdict(s, again)
            log_step(s)
            if again:
                self.tries += 1
                return s["rate"]
            self.max_contaminated = s["contaminated"]
            return None
        s["verdict"] = "discarded" if self.i < 0 else verdict(s)
        log_step(s)
        if self.i >= 0:
            self.best = s["rate"]
        self.i, self.tries = self.i + 1, 0
        return self.rates[self.i] if self.i < len(self.rates) else None


class Fixed:
    """A discarded warm-up step (none if warm_rate is None), then one step per (label, rate),
    whatever their outcome. A contaminated step is run again (at most `repeats` times): the first
    clean result is kept, else the last one, still marked contaminated."""

    def __init__(self, warm_rate, points, kind, foreign_max, repeats):
        self.points, self.kind, self.foreign_max, self.repeats = points, kind, foreign_max, repeats
        self.first_rate = warm_rate or points[0][1]
        self.j, self.tries = (-1 if warm_rate else 0), 0
        self.steps, self.results = [], {}

    def max_steps(self):
        return 1 + len(self.points) * (1 + self.repeats)

    def __call__(self, s):
        judge(s, self.kind, self.foreign_max)
        self.steps.append(s)
        if self.j < 0:
            s["rate"], s["role"], s["verdict"] = self.first_rate, "warm-up", "discarded"
            log_step(s)
            self.j = 0
            return self.points[0][1]
        label, rate = self.points[self.j]
        s["rate"], s["role"] = rate, label
        self.results[label] = s
        again = s["contaminated"] and self.tries < self.repeats
        s["verdict"] = verdict(s, again)
        log_step(s)
        if again:
            self.tries += 1
            return rate
        self.j, self.tries = self.j + 1, 0
        return self.points[self.j][1] if self.j < len(self.points) else None


def session(env, kind, controller, plan, tag, inspect=None):
    """A freshly started system (plan.nodes instances) and plan.gens generators (plan.convs
    conversations: a visitor and a capacity-1 agent each), stepped by the controller, which
    keeps the steps. inspect(system) runs before the system stops. Returns the errors, the
    final reports and the box's busy %."""
    drain = 1.0
    with make_system(env, kind, plan.nodes, tag) as sysm:
        per = split_even(plan.convs, plan.gens)
        argv = [["--visitors", str(n), "--agents", str(n), "--capacity", "1",
                 "--steps", f"{controller.first_rate / plan.gens:.3f}",
                 "--step-seconds", str(plan.step_s), "--drain-seconds", str(drain),
                 "--text-bytes", str(env.args.text_bytes), "--setup-timeout", "60"] for n in per]
        budget = 90 + controller.max_steps() * (plan.step_s + drain + 2)
        reports, busy = run_generators(env, sysm, argv, tag, budget, control=controller)
        if inspect:
            inspect(sysm)
    return merge_errors(reports), reports, busy


def step_record(s):
    """What the results JSON keeps of a step: counts, latency, CPU per message of the system,
    its Redis and the generators, and the foreign CPU of its window."""
    keys = ("role", "rate", "offered", "sent", "received", "acked", "verdict", "sustained",
            "contaminated", "foreign_cores", "foreign_cpu_s", "box_cpu_s", "window_s",
            "server_cpu_s", "redis_cpu_s", "gen_cpu_s", "harness_cpu_s", "softirq_cpu_s",
            "system_saturated", "generator_bound")
    recv = max(1, s["received"])
    return {k: round(s[k], 4) if isinstance(s[k], float) else s[k] for k in keys if k in s} | {
        "p50": s["latency"].pct(50), "p99": s["latency"].pct(99),
        "p999": s["latency"].pct(99.9), "ack_p50": s["ack"].pct(50), "ack_p99": s["ack"].pct(99),
        "server_cpu_us_per_msg": 1e6 * s["server_cpu_s"] / recv,
        "redis_cpu_us_per_msg": 1e6 * s["redis_cpu_s"] / recv,
        "gen_cpu_us_per_msg": 1e6 * s["gen_cpu_s"] / recv}


def relay_rep(env, kind, rep, plan, res):
    """One repetition of one system: its ramp, then the CPU pass at the common rate, then the
    latency pass at 25/50/80 % of the max this ramp found; each pass on a fresh system.
    Appends to res and returns the generators' final reports of all three passes."""
    tag, fmax = f"r{rep}{kind}", plan.foreign_max
    log(f"rep {rep + 1}/{plan.reps} {kind}: ramp")
    ramp = Ramp(plan.ramp, kind, fmax, plan.repeats)
    errors, reports, _ = session(env, kind, ramp, plan, tag)
    res["max"].append(ramp.best)
    res["max_contaminated"].append(ramp.max_contaminated)
    res["ramps"].append([step_record(s) for s in ramp.steps])
    res["errors"].append(errors)
    # The same offered rate for every system: CPU per message at 50 % of each one's own max
    # would compare a fast system at a high rate (better batching) with a slow one at a low one.
    log(f"rep {rep + 1}/{plan.reps} {kind}: CPU at {plan.cpu_rate:.0f} msg/s")
    cpu = Fixed(plan.cpu_rate, [("cpu", plan.cpu_rate)], kind, fmax, plan.repeats)
    errs, more, _ = session(env, kind, cpu, plan, f"{tag}c")
    res["cpu"].append(step_record(cpu.results["cpu"]))
    res["cpu_steps"].append([step_record(s) for s in cpu.steps])  # warm-up and repeats too
    res["errors"].append(errs)
    reports += more
    if ramp.best <= 0:
        return reports
    log(f"rep {rep + 1}/{plan.reps} {kind}: latency at 25/50/80 % of {ramp.best:.0f}")
    # The warm-up step absorbs JIT (Node), page faults and Redis stream growth.
    lat = Fixed(ramp.best * 0.25, [(str(f), ramp.best * f) for f in (0.25, 0.5, 0.8)], kind,
                fmax, plan.repeats)
    errs, more, busy = session(env, kind, lat, plan, f"{tag}l")
    res["points"].append({f: step_record(s) for f, s in lat.results.items()})
    res["latency_steps"].append([step_record(s) for s in lat.steps])
    res["busy"].append(busy)
    res["errors"].append(errs)
    return reports + more


def scenario_relay(env):
    a = env.args
    systems = a.only.split(",") if a.only else ["livechat", "wsredis", "ws", "nchan", "epoll"]
    plan = SimpleNamespace(ramp=[float(x) for x in a.ramp.split(",")], convs=a.conversations,
                           gens=a.gens, step_s=a.step_seconds, nodes=a.nodes, cpu_rate=a.cpu_rate,
                           reps=a.reps, repeats=REPEATS, foreign_max=a.foreign_max)
    if a.quick:
        # The whole flow in miniature (warm-up, ramp, CPU pass, latency pass): a harness check.
        systems = ["livechat"]
        plan = SimpleNamespace(ramp=[200.0, 400.0], convs=20, gens=1, step_s=1.0, nodes=1,
                               cpu_rate=300.0, reps=1, repeats=1, foreign_max=a.foreign_max)
    out = {k: {"max": [], "max_contaminated": [], "ramps": [], "cpu": [], "cpu_steps": [],
               "points": [], "latency_steps": [], "errors": [], "busy": []} for k in systems}
    problems, errors = [], {}
    for rep in range(plan.reps):
        for kind in systems:
            reports = relay_rep(env, kind, rep, plan, out[kind])
            if a.quick:
                problems += quick_problems(kind, reports)
    for kind in systems:
        for e in out[kind]["errors"]:
            errors.update({k: errors.get(k, 0) + v for k, v in e.items()})
    data = {"cpu_rate": plan.cpu_rate, "foreign_max": plan.foreign_max, "repeats": plan.repeats,
            "systems": out}
    save(env, "relay", data)
    print(relay_table(data, systems))
    if a.plot:
        write_plot(out, systems, a.plot)
    return check_quick(errors, problems) if a.quick else 0


def quick_problems(kind, reports):
    """A quick run must deliver (and, for the server, ack) every message of every step. Counted
    from the final reports, which also hold what arrived after a step's STEP line (both ends of
    a conversation are in the same generator, so each one's counts must match)."""
    out = [f"{kind} {r['tag']} step {i}: received {s['received']} acked {s['acked']} of "
           f"{s['sent']}" for r in reports for i, s in enumerate(r["steps"])
           if s["sent"] == 0 or s["received"] != s["sent"]
           or (kind == "livechat" and s["acked"] != s["sent"])]
    if not all(r["ready"] for r in reports):
        out.append(f"{kind}: setup did not complete")
    return out


def relay_table(data, systems):
    out, rate, marks = data["systems"], data["cpu_rate"], set()

    def mark(flags, sign="*"):
        if any(flags):
            marks.add(sign)
            return sign
        return ""

    def pts(kind, f):
        return [p[f] for p in out[kind]["points"] if f in p]

    def total_cpu(r):
        return r["server_cpu_us_per_msg"] + r["redis_cpu_us_per_msg"]

    rows = ["| system | max sustained msg/s (per rep) | p50 / p99 @25 % (ms) | "
            "p50 / p99 @50 % (ms) | p50 / p99 @80 % (ms) | "
            f"CPU µs/msg @ {rate:.0f} msg/s (server + Redis) | "
            f"generator CPU µs/msg @ {rate:.0f} msg/s |", "|---|---|---|---|---|---|---|"]
    for kind in systems:
        r = out[kind]
        reps = "/".join(f"{x:.0f}" + mark([c]) for x, c in zip(r["max"], r["max_contaminated"]))
        cells = []
        for f in ("0.25", "0.5", "0.8"):
            p = pts(kind, f)
            cells.append("–" if not p else f"{ms(med([x['p50'] for x in p]) / 1000)} / "
                         f"{ms(med([x['p99'] for x in p]) / 1000)}"
                         + mark([x["contaminated"] for x in p]))
        c = r["cpu"]
        flags = mark([x["contaminated"] for x in c]) + mark([not x["sustained"] for x in c], "†")
        cpu = f"{med([x['server_cpu_us_per_msg'] for x in c]):.1f}" + (
            f" + {med([x['redis_cpu_us_per_msg'] for x in c]):.1f}" if kind in HAS_REDIS else "")
        gen = f"{med([x['gen_cpu_us_per_msg'] for x in c]):.1f}"
        rows.append(f"| {kind} | {med(r['max']) or 0:.0f} ({reps}) | " + " | ".join(cells) +
                    f" | {cpu}{flags} | {gen}{flags} |")
    if "livechat" in systems and len(systems) > 1:
        lc = out["livechat"]
        rows += ["", "| ratio (livechat ÷ peer), same run | max msg/s: median (per rep) | "
                 f"CPU/msg @ {rate:.0f} msg/s (server + Redis ÷ server + Redis) |",
                 "|---|---|---|"]
        for kind in systems:
            if kind == "livechat":
                continue
            r = out[kind]
            per_rep = [x / y for x, y in zip(lc["max"], r["max"]) if y]
            mx = med(lc["max"]) / med(r["max"]) if med(r["max"]) else None
            cpu = med([total_cpu(x) for x in lc["cpu"]]) / max(1e-9, med(
                [total_cpu(x) for x in r["cpu"]]))
            rows.append(f"| livechat ÷ {kind} | " + ("–" if mx is None else f"{mx:.2f}") +
                        f" ({', '.join(f'{x:.2f}' for x in per_rep)}) | {cpu:.2f} |")
    notes = {"*": f"\\* Still contaminated after {data['repeats']} repeat(s): processes outside "
                  f"the run used more than {data['foreign_max']:g} of a core during that "
                  "measurement (for a max: during the step that ended the ramp, so the max may be "
                  "higher).",
             "†": f"† The system did not sustain {rate:.0f} msg/s in at least one rep: its CPU "
                  "per message is measured at overload."}
    # Blank lines between: a line of text right under a table would be read as one of its rows.
    return "\n\n".join(["\n".join(rows)] + [notes[m] for m in sorted(marks)])


def write_plot(out, systems, path):
    """SVG of p50 and p99 latency against offered load, from every rep's ramp."""
    colors = {"livechat": "#d62728", "wsredis": "#9467bd", "ws": "#1f77b4", "nchan": "#2ca02c",
              "epoll": "#7f7f7f"}
    series = []
    for kind in systems:
        for rep, ramp in enumerate(out[kind]["ramps"]):
            for key, dash in (("p99", ""), ("p50", "4,3")):
                pts = [(s["offered"], max(0.01, s[key] / 1000)) for s in ramp
                       if s["sent"] and s.get("role") != "warm-up"]
                series.append((kind, key, rep, dash, pts))
    xs = [x for *_, pts in series for x, _ in pts] or [1]
    import math
    W, H, L, R, T, B = 760, 440, 70, 150, 30, 50
    xmax = max(xs) * 1.05
    ymin, ymax = 0.05, 2000.0

    def px(x):
        return L + (W - L - R) * x / xmax

    def py(y):
        y = min(max(y, ymin), ymax)
        return T + (H - T - B) * (1 - (math.log10(y) - math.log10(ymin)) /
                                  (math.log10(ymax) - math.log10(ymin)))

    svg = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" '
           'font-family="sans-serif" font-size="11">',
           f'<rect width="{W}" height="{H}" fill="white"/>',
           f'<text x="{L}" y="18" font-size="13">Relay: send→receive latency vs offered load '
           '(solid p99, dashed p50; one line per repetition)</text>']
    for y in (0.1, 1, 10, 100, 1000):
        svg.append(f'<line x1="{L}" x2="{W - R}" y1="{py(y):.1f}" y2="{py(y):.1f}" '
                   'stroke="#ddd"/>')
        svg.append(f'<text x="{L - 6}" y="{py(y) + 4:.1f}" text-anchor="end">{y:g} ms</text>')
    step = 10 ** int(math.log10(xmax))
    if xmax / step < 3:
        step /= 2
    x = 0.0
    while x <= xmax:
        svg.append(f'<line x1="{px(x):.1f}" x2="{px(x):.1f}" y1="{T}" y2="{H - B}" stroke="#eee"/>')
        svg.append(f'<text x="{px(x):.1f}" y="{H - B + 16}" text-anchor="middle">{x / 1000:g}k'
                   '</text>')
        x += step
    svg.append(f'<text x="{(L + W - R) / 2}" y="{H - 12}" text-anchor="middle">offered messages/s'
               ' (total, both directions)</text>')
    for kind, key, rep, dash, pts in series:
        if not pts:
            continue
        d = " ".join(f"{px(x):.1f},{py(y):.1f}" for x, y in pts)
        svg.append(f'<polyline fill="none" stroke="{colors.get(kind, "black")}" stroke-width="1.5"'
                   f' stroke-dasharray="{dash}" points="{d}"/>')
    for i, kind in enumerate(systems):
        y = T + 20 + 18 * i
        svg.append(f'<line x1="{W - R + 10}" x2="{W - R + 35}" y1="{y}" y2="{y}" '
                   f'stroke="{colors.get(kind, "black")}" stroke-width="2"/>')
        svg.append(f'<text x="{W - R + 40}" y="{y + 4}">{kind}</text>')
    svg.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(svg) + "\n")
    log(f"plot: {path}")


def scenario_peers(env):
    """Quick harness check of the peers (ctest): one short step each, every message delivered
    (and, for wsredis, persisted); the full comparison is in relay/day."""
    problems, errors = [], {}
    for kind in ("ws", "wsredis", "nchan", "epoll"):
        # A machine without a peer installed still checks the others (CI installs what it
        # chooses); the full relay/day runs need all of them.
        if kind == "nchan" and not (shutil.which("nginx") and os.path.exists(
                "/usr/lib/nginx/modules/ngx_nchan_module.so")):
            print("nchan: skipped (apt-get install nginx-light libnginx-mod-nchan)")
            continue
        if kind in ("ws", "wsredis") and not (shutil.which("node") and shutil.which("npm")):
            print(f"{kind}: skipped (node and npm needed)")
            continue
        stored = {}

        def count_stored(sysm):
            # Every message the peer forwarded was XADDed first: the streams hold them all.
            script = ("local n = 0 for _, k in ipairs(redis.call('KEYS', 'r:*')) do "
                      "n = n + redis.call('XLEN', k) end return n")
            r = subprocess.run(["redis-cli", "-p", str(sysm.redis_port), "EVAL", script, "0"],
                               capture_output=True, text=True, timeout=10)
            stored["n"] = int(r.stdout.strip() or -1)

        ctl = Fixed(None, [("quick", 200.0)], kind, env.args.foreign_max, 0)
        plan = SimpleNamespace(convs=20, gens=1, step_s=1.0, nodes=1)
        errs, reports, _ = session(env, kind, ctl, plan, f"q{kind}",
                                   inspect=count_stored if kind == "wsredis" else None)
        for k, v in errs.items():
            errors[f"{kind}:{k}"] = v
        s = ctl.results["quick"]
        print(f"{kind}: sent {s['sent']} received {s['received']} p50 "
              f"{ms(s['latency'].pct(50) / 1000)} ms p99 {ms(s['latency'].pct(99) / 1000)} ms"
              + (f" persisted {stored['n']}" if stored else "") +
              f"; generator {1e6 * s['gen_cpu_s'] / max(1, s['received']):.0f} µs/msg, "
              f"foreign {s['foreign_cores']:.2f} cores")
        if s["sent"] == 0 or s["received"] != s["sent"]:
            problems.append(f"{kind}: received {s['received']} of {s['sent']}")
        if stored and stored["n"] != s["sent"]:
            problems.append(f"{kind}: {stored['n']} of {s['sent']} messages in Redis")
        if not all(r["ready"] for r in reports):
            problems.append(f"{kind}: setup did not complete")
    return check_quick(errors, problems)


def scenario_idle(env):
    a = env.args
    counts = [a.connections]
    if a.quick:
        counts = [200]
    elif a.max:
        counts = [int(x) for x in a.max_steps.split(",")]
    per_node = 16000  # under the 20,000 descriptors of one process, with room for Redis etc.
    results = []
    for n in counts:
        nodes = 1 if a.quick else max(1, -(-n // per_node))
        gens = nodes
        log(f"idle: {n} connections on {nodes} node(s) from {gens} generator process(es)")
        with Livechat(env, nodes, f"idle{n}") as lc:
            time.sleep(1.0)
            base = [proc_cpu_rss(p)[1] for p in lc.server_pids]
            rbase = proc_cpu_rss(lc.redis.pid)[1]
            kbase = kernel_memory()
            held = {}

            def on_ready():
                time.sleep(2.0)  # let queue-status rounds settle before sampling
                held["rss"] = [proc_cpu_rss(p)[1] for p in lc.server_pids]
                held["redis"] = proc_cpu_rss(lc.redis.pid)[1]
                held["kernel"] = kernel_memory()

            argv = [["--visitors", str(c)] + (["--no-join"] if a.no_join else []) +
                    ["--departments", "20", "--run-seconds",
                     "1" if a.quick else str(a.hold_seconds), "--setup-timeout",
                     "30" if a.quick else "300", "--connect-rate", "1500"]
                    for c in split_even(n, gens)]
            reports, _ = run_generators(env, lc, argv, f"idle{n}", 60 if a.quick else 500,
                                        on_ready=on_ready)
            errors = merge_errors(reports)
            joined = sum(r["joined"] for r in reports)
            opened = sum(r["opened"] for r in reports)
            welcomed = sum(r["welcomed"] for r in reports)
            alive = [p.poll() is None for p in lc.nodes]
            if "rss" not in held:
                held = {"rss": base, "redis": rbase, "kernel": kbase}
        delta = [b - a0 for a0, b in zip(base, held["rss"])]
        k0, k1 = kbase, held["kernel"]
        held_n = max(1, opened)
        res = {"connections": n, "nodes": nodes, "opened": opened, "welcomed": welcomed,
               "joined": joined, "errors": errors, "no_join": a.no_join,
               "nodes_alive": all(alive),
               "rss_base_kib": base, "rss_held_kib": held["rss"],
               "user_bytes_per_conn": 1024.0 * sum(delta) / held_n,
               "redis_bytes_per_conn": 1024.0 * (held["redis"] - rbase) / held_n,
               "slab_bytes_per_conn": 1024.0 * (k1["Slab"] - k0["Slab"]) / held_n,
               "tcp_mem_bytes_per_conn": 1024.0 * (k1["tcp_mem_kib"] - k0["tcp_mem_kib"])
               / held_n,
               "tcp_sockets": k1["tcp_inuse"] - k0["tcp_inuse"]}
        results.append(res)
        log(json.dumps(res))
        if a.quick:
            want = welcomed if a.no_join else joined
            problems = [] if want == n else [f"set up {want} of {n}"]
            return check_quick(errors, problems)
        if (welcomed if a.no_join else joined) < n:
            break
    save(env, "idle_nojoin" if a.no_join else "idle", results)
    rows = ["| connections held (WebSocket open) | server nodes | Hello done | joined (waiting) |"
            " server user-space B/conn (RSS Δ ÷ N) | Redis B/conn | kernel slab B/conn (both "
            "ends) | TCP buffers B/conn | errors |", "|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        rows.append(f"| {r['opened']} | {r['nodes']} | {r['welcomed']} | "
                    f"{'–' if r['no_join'] else r['joined']} | "
                    f"{r['user_bytes_per_conn']:.0f} | {r['redis_bytes_per_conn']:.0f} | "
                    f"{r['slab_bytes_per_conn']:.0f} | {r['tcp_mem_bytes_per_conn']:.0f} | "
                    f"{sum(r['errors'].values())} |")
    print("\n".join(rows))
    return 0


def scenario_storm(env):
    a = env.args
    agents, cap, visitors = (5, 4, 100) if a.quick else (a.agents, a.capacity, a.visitors)
    slots = agents * cap
    reps = 1 if a.quick else a.reps
    runs = []
    for rep in range(reps):
        with Livechat(env, a.nodes, f"storm{rep}") as lc:
            argv = [["--visitors", str(visitors), "--agents", str(agents), "--capacity", str(cap),
                     "--join-at-go", "--expect-assigned", str(slots), "--run-seconds",
                     "10" if a.quick else "60", "--setup-timeout", "30" if a.quick else "120",
                     "--connect-rate", "4000"]]
            reports, busy = run_generators(env, lc, argv, f"storm{rep}", 60 if a.quick else 300)
            n_sys = len(lc.server_pids) + len(lc.redis_pids)
        r = reports[0]
        h = Hist().add(r["assign"])
        times = sorted(r["assign_times_us"])
        total_ms = (times[-1] - r["go_us"]) / 1000 if times else None
        vh = Hist().add(r["visitor_assign"])
        run = {"assigned": len(times), "slots": slots, "all_assigned_ms": total_ms,
               "assign": h.summary_ms(), "visitor_assign": vh.summary_ms(),
               "visitors_notified": r["assigned_visitors"], "errors": r["errors"], "busy": busy,
               # Frames the server sent, by ServerEnvelope field: 13 queue_status, 14 assigned,
               # 15 event, 12 ack.
               "frames": r.get("frames", {}),
               # Server nodes, then Redis (then the harness's pids: see watched_pids).
               "cpu": [x[0] - y[0] for x, y in zip(r["steps"][0]["cpu_after"][:n_sys],
                                                   r["steps"][0]["cpu_before"])]}
        runs.append(run)
        log(json.dumps(run))
        if a.quick:
            problems = [] if len(times) == slots else [f"assigned {len(times)} of {slots}"]
            return check_quick(r["errors"], problems)
    save(env, "storm", runs)
    rows = [f"| run | assigned / slots | time until all assigned (ms) | enqueue→assign p50 | p90 |"
            f" p99 | p99.9 | max (ms) | visitors told (p99 ms) | server CPU s (nodes + Redis) |",
            "|---|---|---|---|---|---|---|---|---|---|"]
    for i, r in enumerate(runs):
        s = r["assign"]
        rows.append(f"| {i + 1} | {r['assigned']} / {r['slots']} | {ms(r['all_assigned_ms'] or 0)}"
                    f" | {ms(s['p50'])} | {ms(s['p90'])} | {ms(s['p99'])} | {ms(s['p99.9'])} | "
                    f"{ms(s['max'])} | {r['visitors_notified']} ({ms(r['visitor_assign']['p99'])})"
                    f" | {' + '.join(f'{c:.2f}' for c in r['cpu'])} |")
    mdn = {k: med([r["assign"][k] for r in runs]) for k in ("p50", "p90", "p99", "p99.9", "max")}
    rows.append(f"| median | | {ms(med([r['all_assigned_ms'] for r in runs]))} | "
                f"{ms(mdn['p50'])} | {ms(mdn['p90'])} | {ms(mdn['p99'])} | {ms(mdn['p99.9'])} | "
                f"{ms(mdn['max'])} | | |")
    print("\n".join(rows))
    return 0


def scenario_day(env):
    a = env.args
    convs, secs, gens = (20, 2.0, 1) if a.quick else (a.conversations, a.seconds, a.gens)
    period = 1.0 if a.quick else a.period
    rate = 2 * convs / period  # one message every `period` seconds each way
    systems = ["livechat"] if a.quick else (["livechat", "ws", "nchan", "epoll"] if not a.only
                                            else a.only.split(","))
    reps = 1 if a.quick else a.reps
    out = {k: [] for k in systems}
    for rep in range(reps):
        for kind in systems:
            log(f"day rep {rep + 1}/{reps} {kind}: {convs} conversations, {rate:.0f} msg/s")
            with make_system(env, kind, a.nodes, f"d{rep}{kind}") as sysm:
                per = split_even(convs, gens)
                argv = []
                for k in range(gens):
                    ag = -(-per[k] // 4) if kind == "livechat" else per[k]
                    x = ["--visitors", str(per[k]), "--agents", str(ag), "--capacity",
                         "4" if kind == "livechat" else "1", "--steps", f"{rate / gens:.2f}",
                         "--step-seconds", str(secs), "--drain-seconds", "2",
                         "--text-bytes", str(a.text_bytes), "--setup-timeout", "180",
                         "--connect-rate", "2500"]
                    if kind == "livechat":
                        x += ["--think-ms", "1500", "--receipts", "--close-at-end"]
                    argv.append(x)
                reports, busy = run_generators(env, sysm, argv, f"d{rep}{kind}", 300 + secs)
                s = merge_steps(reports, sysm)[0]
            errs = merge_errors(reports)
            r = {"sent": s["sent"], "received": s["received"], "acked": s["acked"],
                 "latency": s["latency"].summary_ms(), "ack": s["ack"].summary_ms(),
                 "server_cpu_pct": 100 * s["server_cpu_s"] / s["seconds"],
                 "redis_cpu_pct": 100 * s["redis_cpu_s"] / s["seconds"],
                 "gen_cpu_pct": 100 * s["gen_cpu_s"] / s["seconds"],
                 "foreign_cores": s["foreign_cores"],
                 "server_rss_mib": s["server_rss_kib"] / 1024, "errors": errs, "box_busy": busy,
                 "ready": all(x["ready"] for x in reports),
                 "assigned": sum(x["assigned_visitors"] for x in reports)}
            out[kind].append(r)
            log(json.dumps(r))
            if a.quick:
                problems = []
                if not r["ready"] or r["assigned"] != convs:
                    problems.append(f"assigned {r['assigned']} of {convs}")
                if s["sent"] == 0 or s["received"] != s["sent"] or s["acked"] != s["sent"]:
                    problems.append(f"received {s['received']} acked {s['acked']} of {s['sent']}")
                return check_quick(errs, problems)
    save(env, "day", out)
    rows = ["| system | msgs sent | lost | p50 | p90 | p99 | p99.9 | max (ms) | server CPU % "
            "(+ Redis) | server RSS MiB | errors |", "|---|---|---|---|---|---|---|---|---|---|---|"]
    for kind in systems:
        rs = out[kind]
        L = {k: med([r["latency"][k] for r in rs]) for k in ("p50", "p90", "p99", "p99.9", "max")}
        cpu, rcpu = med([r["server_cpu_pct"] for r in rs]), med([r["redis_cpu_pct"] for r in rs])
        rows.append(f"| {kind} | {med([r['sent'] for r in rs]):.0f} | "
                    f"{med([r['sent'] - r['received'] for r in rs]):.0f} | {ms(L['p50'])} | "
                    f"{ms(L['p90'])} | {ms(L['p99'])} | {ms(L['p99.9'])} | {ms(L['max'])} | "
                    f"{cpu:.1f}" + (f" + {rcpu:.1f}" if kind in HAS_REDIS else "") +
                    f" | {med([r['server_rss_mib'] for r in rs]):.0f} | "
                    f"{sum(sum(r['errors'].values()) for r in rs)} |")
    if "livechat" in systems:
        lc = med([r["server_cpu_pct"] + r["redis_cpu_pct"] for r in out["livechat"]])
        rows.append("")
        rows.append("| ratio (livechat ÷ peer) | p99 latency | CPU % (server + Redis ÷ peer) |")
        rows.append("|---|---|---|")
        lp = med([r["latency"]["p99"] for r in out["livechat"]])
        for kind in systems:
            if kind != "livechat":
                pp = med([r["latency"]["p99"] for r in out[kind]])
                # A peer's Redis share is 0 unless it has one (wsredis).
                pc = med([r["server_cpu_pct"] + r["redis_cpu_pct"] for r in out[kind]])
                rows.append(f"| livechat ÷ {kind} | {lp / max(1e-3, pp):.2f} | "
                            f"{lc / max(1e-3, pc):.2f} |")
    print("\n".join(rows))
    return 0


def redis_cli(port, *args):
    r = subprocess.run(["redis-cli", "-p", str(port)] + [str(x) for x in args],
                       capture_output=True, text=True, timeout=30)
    return r.stdout.strip()


def redis_used_memory(port):
    for line in redis_cli(port, "INFO", "memory").splitlines():
        if line.startswith("used_memory:"):
            return int(line.split(":")[1])
    return 0


def scenario_archive(env):
    """Redis memory for closed conversations. Rounds of N conversations each go through the
    whole life (join, messages both ways, close, rating); after each round, once the archive has
    taken every closed conversation into PostgreSQL, Redis's used memory and key count. With
    --keep-closed-hours 0 Redis then holds live state alone; with the default window (24 h) it
    holds each closed conversation for that long, which is what a window costs."""
    a = env.args
    rounds, convs = (2, 20) if a.quick else (a.rounds, a.conversations)
    windows = ["0"] if a.quick else a.keep_hours.split(",")
    out = {}
    for keep in windows:
        with Livechat(env, 1, f"arch{keep}", ["--keep-closed-hours", keep]) as lc:
            record = (f"host={os.path.join(lc.dir, 'n1', 'postgres')} port=5432 user=livechat "
                      "dbname=livechat")
            base_mem, base_keys = redis_used_memory(lc.redis_port), int(
                redis_cli(lc.redis_port, "DBSIZE") or 0)
            rows = []
            for r in range(rounds):
                # The same tag every round: the same agents come back, the visitors are new.
                argv = [["--visitors", str(convs), "--agents", str(-(-convs // 4)), "--capacity",
                         "4", "--steps", f"{max(1.0, convs / 2):.2f}", "--step-seconds", "3",
                         "--drain-seconds", "2", "--think-ms", "500", "--receipts",
                         "--close-at-end", "--setup-timeout", "180", "--connect-rate", "2500"]]
                reports, _ = run_generators(env, lc, argv, f"arch{keep}", 300)
                errs = merge_errors(reports)
                end = time.time() + 180
                while time.time() < end and redis_cli(lc.redis_port, "ZCARD",
                                                      "lc:archive:pending") != "0":
                    time.sleep(0.2)
                pending = int(redis_cli(lc.redis_port, "ZCARD", "lc:archive:pending") or 0)
                archived = subprocess.run(
                    ["psql", record, "-Atc", "SELECT count(*) FROM conversations"],
                    capture_output=True, text=True, timeout=30).stdout.strip()
                mem = redis_used_memory(lc.redis_port)
                keys = int(redis_cli(lc.redis_port, "DBSIZE") or 0)
                row = {"round": r + 1, "conversations": convs * (r + 1),
                       "archived": int(archived or 0), "pending": pending,
                       "used_memory": mem, "keys": keys,
                       "bytes_per_conversation": (mem - base_mem) / (convs * (r + 1)),
                       # Growth after the first round (which also brought the agents' state).
                       "growth_per_conversation": ((mem - rows[0]["used_memory"]) / (convs * r)
                                                   if rows else None),
                       "errors": errs, "assigned": sum(x["assigned_visitors"] for x in reports)}
                log(json.dumps(row))
                rows.append(row)
            out[keep] = {"base_memory": base_mem, "base_keys": base_keys, "rounds": rows}
            if a.quick:
                last = rows[-1]
                problems = []
                if last["pending"] != 0 or last["archived"] != convs * rounds:
                    problems.append(f"archived {last['archived']} of {convs * rounds}, "
                                    f"{last['pending']} pending")
                if last["keys"] > base_keys + 64:
                    problems.append(f"{last['keys']} keys left in Redis (from {base_keys})")
                errors = {}
                for row in rows:
                    for k, v in row["errors"].items():
                        errors[k] = errors.get(k, 0) + v
                return check_quick(errors, problems)
    save(env, "archive", out)
    lines = ["| window | round | conversations closed | archived | pending | Redis keys | "
             "used_memory | bytes per closed conversation | growth per conversation after round 1 |",
             "|---|---|---|---|---|---|---|---|---|"]
    for keep, data in out.items():
        lines.append(f"| {keep} h | start | 0 | | | {data['base_keys']} | "
                     f"{data['base_memory']} | | |")
        for r in data["rounds"]:
            lines.append(f"| {keep} h | {r['round']} | {r['conversations']} | {r['archived']} | "
                         f"{r['pending']} | {r['keys']} | {r['used_memory']} | "
                         f"{r['bytes_per_conversation']:.0f} | " +
                         (f"{r['growth_per_conversation']:.0f} |"
                          if r["growth_per_conversation"] is not None else " |"))
    print("\n".join(lines))
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("scenario", choices=["idle", "relay", "storm", "day", "peers", "archive"])
    ap.add_argument("--quick", action="store_true", help="small harness check (ctest)")
    ap.add_argument("--build-dir", default=os.path.join(REPO, "build", "load"))
    ap.add_argument("--livechat", help="server binary (default: <build>/server/app/livechat)")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--nodes", type=int, default=1, help="livechat nodes on one Redis")
    ap.add_argument("--gens", type=int, default=2, help="generator processes")
    ap.add_argument("--only", help="comma list of systems: livechat,wsredis,ws,nchan,epoll")
    ap.add_argument("--text-bytes", type=int, default=64, help="chat message text size")
    # relay
    ap.add_argument("--conversations", type=int, default=2000)
    ap.add_argument("--ramp", default="4000,6000,8000,10000,12500,15000,17500,20000,25000,30000,"
                    "35000,40000,50000,60000")
    ap.add_argument("--step-seconds", type=float, default=3.0)
    ap.add_argument("--cpu-rate", type=float, default=4000,
                    help="relay: the one offered rate (msg/s) at which every system's CPU per "
                    "message is measured")
    ap.add_argument("--foreign-max", type=float, default=0.10,
                    help="relay: a step is contaminated when processes outside the run used more "
                    "than this many cores in it (default: 10 %% of one)")
    ap.add_argument("--plot", help="write the latency-vs-load SVG here")
    ap.add_argument("--keep", action="store_true", help="keep the run directory (logs)")
    # idle
    ap.add_argument("--connections", type=int, default=100000)
    ap.add_argument("--max", action="store_true", help="idle: step up until the box gives up")
    ap.add_argument("--max-steps", default="100000,150000,200000,250000")
    ap.add_argument("--hold-seconds", type=float, default=10)
    ap.add_argument("--no-join", action="store_true",
                    help="idle: visitors only say Hello (connection cost without the queue)")
    # storm
    ap.add_argument("--agents", type=int, default=500)
    ap.add_argument("--capacity", type=int, default=4)
    ap.add_argument("--visitors", type=int, default=10000)
    # archive
    ap.add_argument("--rounds", type=int, default=5, help="archive: rounds of --conversations")
    ap.add_argument("--keep-hours", default="0,24",
                    help="archive: the --keep-closed-hours windows to run, comma-separated")
    # day
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--period", type=float, default=5.0, help="day: seconds between messages")
    args = ap.parse_args()
    if args.scenario == "day" and "--conversations" not in sys.argv:
        args.conversations = 10000
    env = Env(args)
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: (stop_all(), sys.exit(130)))
    try:
        return {"idle": scenario_idle, "relay": scenario_relay, "storm": scenario_storm,
                "day": scenario_day, "peers": scenario_peers,
                "archive": scenario_archive}[args.scenario](env)
    finally:
        stop_all()
        if not args.keep:
            shutil.rmtree(env.rundir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
