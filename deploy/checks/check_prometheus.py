#!/usr/bin/env python3
"""deploy.prometheus: alerts.yml has the shape of a Prometheus rules file (groups -> rules ->
alert/expr/for/labels/annotations), covers the required alerts, and only uses metrics the server
exports; prometheus.yml loads it and scrapes a livechat job. With promtool installed (Debian
package "prometheus") it also runs promtool check rules/config and the rule unit tests."""
import os
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import DEPLOY, check_metric_names, check_metrics_declared_by_server, fail, finish, load_yaml_all, ok  # noqa: E402

PROM = os.path.join(DEPLOY, "prometheus")
DURATION = re.compile(r"^\d+(ms|s|m|h|d|w|y)$")
# alert -> something its expression must contain
REQUIRED = {
    "LivechatQueueOldestWaitHigh": ("livechat_queue_oldest_wait_seconds", "> 60"),
    "LivechatQueueWaitP90High": ("histogram_quantile(0.9", "livechat_queue_wait_seconds_bucket", "> 120"),
    "LivechatDeliveryLatencyP99High": ("histogram_quantile(0.99", "livechat_delivery_latency_seconds_bucket", "> 2"),
    "LivechatErrorRateSpike": ("livechat_errors_total", "by (code)"),
    "LivechatRedisDown": ("livechat_redis_up == 0",),
    "LivechatNoNodeReady": ("livechat_redis_up",),
    "LivechatMissedConversationsRatioHigh": ("livechat_missed_conversations_total", "livechat_conversations_closed_total"),
    "LivechatArchiveBehind": ("livechat_archive_oldest_seconds",),
    "LivechatArchiveDown": ("livechat_archive_up == 0",),
}


def balanced(expr):
    depth = 0
    for ch in re.sub(r'"[^"]*"', '""', expr):
        depth += {"(": 1, ")": -1, "{": 1, "}": -1, "[": 1, "]": -1}.get(ch, 0)
        if depth < 0:
            return False
    return depth == 0


def check_rules(path):
    docs = load_yaml_all(path)
    if len(docs) != 1 or not isinstance(docs[0], dict) or not isinstance(docs[0].get("groups"), list):
        fail(f"{path}: top level must be a mapping with a 'groups' list")
        return
    seen = {}
    groups = set()
    for g in docs[0]["groups"]:
        gname = g.get("name") if isinstance(g, dict) else None
        if not gname or gname in groups:
            fail(f"group without a (unique) name: {g if not isinstance(g, dict) else gname}")
        groups.add(gname)
        rules = g.get("rules") if isinstance(g, dict) else None
        if not isinstance(rules, list) or not rules:
            fail(f"group {gname}: no rules")
            continue
        for r in rules:
            name = r.get("alert") or r.get("record")
            if not name:
                fail(f"group {gname}: a rule has neither alert nor record")
                continue
            expr = r.get("expr")
            if not isinstance(expr, str) or not expr.strip():
                fail(f"{name}: empty expr")
                continue
            if not balanced(expr):
                fail(f"{name}: unbalanced brackets in expr")
            check_metric_names(name, expr)
            extra = set(r) - {"alert", "record", "expr", "for", "keep_firing_for", "labels", "annotations"}
            if extra:
                fail(f"{name}: unknown keys {sorted(extra)}")
            if "alert" in r:
                if "for" in r and not DURATION.match(str(r["for"])):
                    fail(f"{name}: bad 'for' duration {r['for']!r}")
                sev = (r.get("labels") or {}).get("severity")
                if sev not in ("critical", "warning", "info"):
                    fail(f"{name}: labels.severity must be critical|warning|info, is {sev!r}")
                ann = r.get("annotations") or {}
                if not ann.get("summary") or not ann.get("description"):
                    fail(f"{name}: annotations need summary and description")
                seen[name] = (expr, r.get("for"))
    for name, needles in REQUIRED.items():
        if name not in seen:
            fail(f"required alert {name} missing")
            continue
        flat = re.sub(r"\s+", " ", seen[name][0])
        for n in needles:
            if n not in flat:
                fail(f"{name}: expr should contain '{n}': {flat}")
    if seen.get("LivechatQueueOldestWaitHigh", (None, None))[1] != "2m":
        fail("LivechatQueueOldestWaitHigh: 'for' must be 2m")
    ok(f"{os.path.basename(path)}: {len(seen)} alerts in {len(groups)} groups, metric names known")


def check_config(path):
    docs = load_yaml_all(path)
    cfg = docs[0] if docs else {}
    rf = cfg.get("rule_files") or []
    if "alerts.yml" not in rf:
        fail(f"{path}: rule_files does not load alerts.yml")
    jobs = [j for j in cfg.get("scrape_configs") or [] if j.get("job_name") == "livechat"]
    if not jobs:
        fail(f"{path}: no scrape job 'livechat'")
    for j in jobs:
        if j.get("metrics_path", "/metrics") != "/metrics":
            fail(f"{path}: metrics_path must be /metrics")
        if not (j.get("static_configs") or j.get("kubernetes_sd_configs") or j.get("dns_sd_configs")):
            fail(f"{path}: job livechat has no targets")
    ok(f"{os.path.basename(path)}: loads alerts.yml, scrapes job livechat")


def promtool():
    tool = shutil.which("promtool")
    if not tool:
        print("note: promtool not installed (Debian package 'prometheus'); structural checks only")
        return
    for args in (["check", "rules", "alerts.yml"],
                 ["check", "config", "prometheus.yml"],
                 ["check", "config", "prometheus-compose.yml"],
                 ["test", "rules", "alerts.test.yml"]):
        if not os.path.exists(os.path.join(PROM, args[-1])):
            continue
        r = subprocess.run([tool] + args, cwd=PROM, capture_output=True, text=True, timeout=60)
        if r.returncode != 0:
            fail(f"promtool {' '.join(args)}:\n{(r.stdout + r.stderr).strip()}")
        else:
            ok(f"promtool {' '.join(args)}")


if __name__ == "__main__":
    check_metrics_declared_by_server()
    check_rules(os.path.join(PROM, "alerts.yml"))
    for f in ("prometheus.yml", "prometheus-compose.yml"):
        if os.path.exists(os.path.join(PROM, f)):
            check_config(os.path.join(PROM, f))
    if not os.path.exists(os.path.join(PROM, "prometheus.yml")):
        fail("prometheus/prometheus.yml missing")
    promtool()
    finish()
