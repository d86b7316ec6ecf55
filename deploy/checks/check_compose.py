#!/usr/bin/env python3
"""deploy.compose: docker-compose.yml parses and describes Redis primary + replica, 3 Sentinels,
3 livechat nodes (same secret, distinct node ids, Sentinel URL, one shared LIVECHAT_POSTGRES
service, a `livechat healthcheck` healthcheck) and nginx with livechat.conf."""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import DEPLOY, fail, finish, load_yaml_all, ok  # noqa: E402

SENTINEL_URL = re.compile(r"^sentinel://[A-Za-z0-9_.-]+:\d+(,[A-Za-z0-9_.-]+:\d+)*/[A-Za-z0-9_.-]+$")


def as_dict(env):
    if isinstance(env, dict):
        return {str(k): "" if v is None else str(v) for k, v in env.items()}
    if isinstance(env, list):
        return dict(e.split("=", 1) if "=" in e else (e, "") for e in env)
    return {}


def cmd_text(c):
    return " ".join(c) if isinstance(c, list) else str(c or "")


def main():
    path = os.path.join(DEPLOY, "docker-compose.yml")
    docs = load_yaml_all(path)
    if len(docs) != 1 or not isinstance(docs[0], dict):
        fail("docker-compose.yml: expected one YAML mapping")
        return
    services = docs[0].get("services")
    if not isinstance(services, dict) or not services:
        fail("docker-compose.yml: no services")
        return
    ok(f"docker-compose.yml parses: {len(services)} services")
    for name, svc in services.items():
        if not isinstance(svc, dict) or not (svc.get("image") or svc.get("build")):
            fail(f"service {name}: needs image or build")

    redis = [n for n, s in services.items()
             if "redis-server" in cmd_text(s.get("command")) and "redis-sentinel" not in cmd_text(s.get("command"))]
    replicas = [n for n in redis if "--replicaof" in cmd_text(services[n].get("command"))]
    if len(redis) < 2 or len(replicas) < 1:
        fail(f"expected a Redis primary and a replica (--replicaof), found redis={redis} replicas={replicas}")
    sentinels = [n for n, s in services.items() if "redis-sentinel" in cmd_text(s.get("command"))
                 or "--sentinel" in cmd_text(s.get("command"))]
    if len(sentinels) < 3:
        fail(f"expected 3 Sentinels, found {sentinels}")
    for n in sentinels:
        c = cmd_text(services[n].get("command"))
        if not re.search(r"sentinel monitor (\S+) \S+ 6379 2", c):
            fail(f"{n}: no 'sentinel monitor <name> <host> 6379 2' (quorum 2 of 3)")

    nodes = {n: s for n, s in services.items()
             if "LIVECHAT_REDIS" in as_dict(s.get("environment"))}
    if len(nodes) != 3:
        fail(f"expected 3 livechat nodes, found {sorted(nodes)}")
    ids, secrets, postgres_urls = [], set(), set()
    for n, s in nodes.items():
        env = as_dict(s.get("environment"))
        if not SENTINEL_URL.match(env.get("LIVECHAT_REDIS", "")):
            fail(f"{n}: LIVECHAT_REDIS is not sentinel://host:port,.../name: {env.get('LIVECHAT_REDIS')}")
        for h in re.findall(r"([A-Za-z0-9_.-]+):\d+", env.get("LIVECHAT_REDIS", "")):
            if h not in services:
                fail(f"{n}: LIVECHAT_REDIS names {h}, which is no service")
        pg = env.get("LIVECHAT_POSTGRES", "")
        m = re.search(r"@([A-Za-z0-9_.-]+)(?::\d+)?/", pg)
        if not m:
            fail(f"{n}: no LIVECHAT_POSTGRES (each node would embed its own system of record)")
        elif m.group(1) not in services:
            fail(f"{n}: LIVECHAT_POSTGRES names {m.group(1)}, which is no service")
        postgres_urls.add(pg)
        hc = cmd_text((s.get("healthcheck") or {}).get("test"))
        if "livechat healthcheck" not in hc:
            fail(f"{n}: healthcheck should run `livechat healthcheck` (the node's own config), is {hc}")
        ids.append(env.get("LIVECHAT_NODE_ID", ""))
        secrets.add(env.get("LIVECHAT_SECRET", ""))
        if not env.get("LIVECHAT_LISTEN", "").startswith("0.0.0.0:"):
            fail(f"{n}: LIVECHAT_LISTEN should be 0.0.0.0:PORT inside a container")
        grace = str(s.get("stop_grace_period", "10s"))
        m = re.match(r"^(\d+)s$", grace)
        if not m or int(m.group(1)) < 10:
            fail(f"{n}: stop_grace_period {grace} too short for the SIGTERM drain")
    if len(set(ids)) != len(ids) or "" in ids:
        fail(f"livechat node ids must be set and distinct: {ids}")
    if len(postgres_urls) != 1:
        fail(f"all nodes need the same LIVECHAT_POSTGRES: {postgres_urls}")
    if len(secrets) != 1 or "" in secrets:
        fail(f"all nodes need the same non-empty LIVECHAT_SECRET: {secrets}")

    lbs = [n for n, s in services.items() if "nginx" in str(s.get("image", ""))]
    if not lbs:
        fail("no nginx service")
    for n in lbs:
        vols = " ".join(str(v) for v in services[n].get("volumes", []))
        if "nginx/livechat.conf" not in vols:
            fail(f"{n}: does not mount nginx/livechat.conf")
        c = cmd_text(services[n].get("command"))
        for node in nodes:
            if node not in c:
                fail(f"{n}: upstream does not point at {node}")
    # Files the compose file mounts must exist.
    for n, s in services.items():
        for v in s.get("volumes", []) or []:
            src = str(v).split(":", 1)[0]
            if src.startswith("./") and not os.path.exists(os.path.join(DEPLOY, src)):
                fail(f"{n}: mounts {src}, which does not exist")
        b = s.get("build")
        if isinstance(b, dict):
            df = os.path.join(DEPLOY, b.get("context", "."), b.get("dockerfile", "Dockerfile"))
            if not os.path.exists(df):
                fail(f"{n}: build dockerfile {df} missing")
    ok(f"redis={redis} sentinels={sentinels} nodes={sorted(nodes)} lb={lbs}")


if __name__ == "__main__":
    main()
    finish()
