#!/usr/bin/env python3
"""deploy.grafana: the dashboard is valid JSON of a Grafana dashboard (schemaVersion, unique panel
ids, gridPos), every panel has at least one target with a non-empty expr using only metrics the
server exports, and the required views are there. With promtool installed, every expr (with the
Grafana variables substituted) is also parsed as PromQL."""
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import DEPLOY, check_metric_names, fail, finish, ok  # noqa: E402

PATH = os.path.join(DEPLOY, "grafana", "livechat-dashboard.json")
# Each required view: a metric that some panel must query (with a quantile, where given).
REQUIRED = [
    ("queue depth", "livechat_queue_depth", None),
    ("oldest wait", "livechat_queue_oldest_wait_seconds", None),
    ("enqueue→assign p50", "livechat_queue_wait_seconds_bucket", "0.5"),
    ("enqueue→assign p90", "livechat_queue_wait_seconds_bucket", "0.9"),
    ("enqueue→assign p99", "livechat_queue_wait_seconds_bucket", "0.99"),
    ("first response p50", "livechat_first_response_seconds_bucket", "0.5"),
    ("first response p90", "livechat_first_response_seconds_bucket", "0.9"),
    ("response p50", "livechat_response_seconds_bucket", "0.5"),
    ("response p90", "livechat_response_seconds_bucket", "0.9"),
    ("connected visitors", "livechat_connected_visitors", None),
    ("connected agents", "livechat_connected_agents", None),
    ("agents online", "livechat_agents_online", None),
    ("messages/s", "livechat_messages_total", None),
    ("errors/s by code", "livechat_errors_total", None),
    ("delivery latency p99", "livechat_delivery_latency_seconds_bucket", "0.99"),
    ("Redis command latency", "livechat_redis_command_seconds_bucket", None),
]


def substitute(expr):
    return (expr.replace("$__rate_interval", "5m").replace("$__interval", "1m")
            .replace("${department}", ".*").replace("$department", ".*"))


def main():
    try:
        with open(PATH, encoding="utf-8") as f:
            d = json.load(f)
    except (OSError, json.JSONDecodeError) as e:
        fail(f"livechat-dashboard.json: {e}")
        return
    if not isinstance(d, dict):
        fail("dashboard is not a JSON object")
        return
    sv = d.get("schemaVersion")
    if not isinstance(sv, int) or not 30 <= sv <= 45:
        fail(f"schemaVersion should be ~38, is {sv!r}")
    for key in ("title", "uid", "panels"):
        if not d.get(key):
            fail(f"dashboard lacks {key}")
    panels = []
    for p in d.get("panels") or []:
        panels.append(p)
        panels.extend(p.get("panels") or [])  # collapsed rows keep their panels inside
    ids = [p.get("id") for p in panels]
    if len(ids) != len(set(ids)) or None in ids:
        fail(f"panel ids must be set and unique: {ids}")
    exprs = []
    for p in panels:
        title = p.get("title") or f"panel {p.get('id')}"
        if p.get("type") == "row":
            continue
        gp = p.get("gridPos") or {}
        if not all(isinstance(gp.get(k), int) for k in ("x", "y", "w", "h")) or gp.get("x", 0) + gp.get("w", 0) > 24:
            fail(f"{title}: bad gridPos {gp}")
        targets = p.get("targets") or []
        if not targets:
            fail(f"{title}: no targets")
        for t in targets:
            e = t.get("expr")
            if not isinstance(e, str) or not e.strip():
                fail(f"{title}: target {t.get('refId')} has an empty expr")
                continue
            if not check_metric_names(title, e):
                fail(f"{title}: expr uses no livechat metric: {e}")
            exprs.append((title, e))
    for v in (d.get("templating") or {}).get("list") or []:
        q = v.get("query")
        q = q.get("query") if isinstance(q, dict) else q
        if v.get("type") == "query" and isinstance(q, str):
            check_metric_names(f"variable {v.get('name')}", q)
    flat = [" ".join(e.split()) for _, e in exprs]
    for what, metric, q in REQUIRED:
        if not any(metric in e and (q is None or f"histogram_quantile({q}," in e) for e in flat):
            fail(f"no panel shows {what} ({metric}{', quantile ' + q if q else ''})")
    ok(f"{len([p for p in panels if p.get('type') != 'row'])} panels, {len(exprs)} queries, metric names known")

    tool = shutil.which("promtool")
    if not tool:
        print("note: promtool not installed; PromQL syntax not checked")
        return
    with tempfile.TemporaryDirectory(prefix="deploy-grafana-") as tmp:
        rules = os.path.join(tmp, "rules.json")  # JSON is YAML: no yaml module needed
        with open(rules, "w", encoding="utf-8") as f:
            json.dump({"groups": [{"name": "dashboard", "rules": [
                {"record": f"dashboard:q{i}", "expr": substitute(e)} for i, (_, e) in enumerate(exprs)]}]}, f)
        r = subprocess.run([tool, "check", "rules", rules], capture_output=True, text=True, timeout=60)
        if r.returncode != 0:
            fail("promtool rejects a dashboard query:\n" + (r.stdout + r.stderr).strip())
        else:
            ok("promtool parses every dashboard query")


if __name__ == "__main__":
    main()
    finish()
