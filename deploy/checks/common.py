"""Shared helpers of the deploy checks (run by ctest as deploy.*; no GoogleTest).

Each check prints what it verified and exits 0 (ok), 1 (failed) or 77 (a required tool is
missing: ctest reports the test as skipped).
"""
import os
import re
import sys

DEPLOY = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ROOT = os.path.dirname(DEPLOY)
SKIP = 77

# Every metric the server exports (server/service/service_metrics.cpp, README.md "Metrics").
GAUGES = {
    "livechat_queue_depth",
    "livechat_queue_oldest_wait_seconds",
    "livechat_agents_online",
    "livechat_connected_visitors",
    "livechat_connected_agents",
    "livechat_redis_up",
    "livechat_archive_up",
    "livechat_archive_backlog",
    "livechat_archive_oldest_seconds",
}
HISTOGRAMS = {
    "livechat_queue_wait_seconds",
    "livechat_first_response_seconds",
    "livechat_response_seconds",
    "livechat_resolution_seconds",
    "livechat_delivery_latency_seconds",
    "livechat_redis_command_seconds",
}
COUNTERS = {
    "livechat_messages_total",
    "livechat_errors_total",
    "livechat_conversations_joined_total",
    "livechat_conversations_closed_total",
    "livechat_missed_conversations_total",
    "livechat_matches_total",
    "livechat_transfers_total",
    "livechat_offline_messages_total",
    "livechat_archived_total",
    "livechat_archive_failures_total",
}
# Series names a query may use: gauges, counters, histogram _bucket/_count/_sum, and
# Prometheus' own per-target "up".
ALLOWED_SERIES = (GAUGES | COUNTERS
                  | {h + s for h in HISTOGRAMS for s in ("_bucket", "_count", "_sum")}
                  | {"up"})

METRIC_RE = re.compile(r"\blivechat_[a-z0-9_]+")

failures = []


def fail(msg):
    failures.append(msg)
    print("FAIL: " + msg)


def ok(msg):
    print("ok: " + msg)


def finish():
    if failures:
        print(f"{len(failures)} problem(s)")
        sys.exit(1)
    sys.exit(0)


def skip(msg):
    print("SKIP: " + msg)
    sys.exit(SKIP)


def load_yaml_all(path):
    try:
        import yaml
    except ImportError:
        skip("python3-yaml is not installed (apt-get install python3-yaml)")
    try:
        with open(path, encoding="utf-8") as f:
            return [d for d in yaml.safe_load_all(f) if d is not None]
    except (OSError, yaml.YAMLError) as e:
        fail(f"{os.path.relpath(path, DEPLOY)}: {e}")
        return []


def check_metric_names(where, expr):
    """Every livechat_* name in a PromQL expression must be exported by the server."""
    names = set(METRIC_RE.findall(expr))
    bad = sorted(n for n in names if n not in ALLOWED_SERIES)
    if bad:
        fail(f"{where}: unknown metric(s) {', '.join(bad)} in: {expr.strip()}")
    for h in HISTOGRAMS:
        if re.search(r"\b" + h + r"\b(?!_)", expr):
            fail(f"{where}: histogram {h} used without _bucket/_count/_sum")
    return names


def check_metrics_declared_by_server():
    """The list above must match what the server declares (if the source is there)."""
    src = os.path.join(ROOT, "server", "service", "service_metrics.cpp")
    if not os.path.exists(src):
        print(f"note: {src} not found; metric list not cross-checked")
        return
    text = open(src, encoding="utf-8").read()
    declared = set(re.findall(r'declare_(?:gauge|counter|histogram)\(\s*"(livechat_[a-z0-9_]+)"', text))
    ours = GAUGES | HISTOGRAMS | COUNTERS
    if not declared:
        print(f"note: no declare_* calls found in {src}; metric list not cross-checked")
        return
    for n in sorted(ours - declared):
        fail(f"metric {n} is listed in deploy/checks/common.py but not declared in {src}")
    for n in sorted(declared - ours):
        print(f"note: server declares {n}, not yet in deploy/checks/common.py")
