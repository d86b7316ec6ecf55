#!/usr/bin/env python3
"""deploy.k8s: every manifest in deploy/k8s parses and has a Kubernetes object shape; the
Deployment has /readyz readiness, /healthz liveness, preStop, a grace period >= 30 s and the node
id from the pod name; the PDB keeps 2 pods; the Service selects the Deployment's pods. No applied
resource carries a placeholder or short signing secret (issue 14: `kubectl apply -k` used to
overwrite the real key with "REPLACE-ME-..."): the Secret comes from a secretGenerator reading a
local, git-ignored env file, and a Secret manifest, generator literal or committed env file with
a placeholder fails the check."""
import glob
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import DEPLOY, fail, finish, load_yaml_all, ok  # noqa: E402

KNOWN = {
    ("v1", "ConfigMap"), ("v1", "Secret"), ("v1", "Service"), ("apps/v1", "Deployment"),
    ("policy/v1", "PodDisruptionBudget"), ("networking.k8s.io/v1", "Ingress"),
    ("kustomize.config.k8s.io/v1beta1", "Kustomization"),
}
NEEDS_SPEC = {"Deployment", "Service", "PodDisruptionBudget", "Ingress"}


def get(d, *path):
    for p in path:
        if isinstance(d, dict):
            d = d.get(p)
        elif isinstance(d, list) and isinstance(p, int) and p < len(d):
            d = d[p]
        else:
            return None
    return d


PLACEHOLDER_PREFIXES = ("replaceme", "changeme", "changethis", "yoursecret", "insertsecret",
                        "putsecret", "setme", "placeholder", "todo")
PLACEHOLDER_WORDS = ("replaceme", "changeme", "secret", "password", "example", "xxx")
MIN_SECRET_BYTES = 32


def secret_problem(value):
    """The same rule as the server's secret_problem() (server/app/secret.cpp)."""
    folded = re.sub(r"[^a-z0-9]", "", value.lower())
    if folded.startswith(PLACEHOLDER_PREFIXES) or "replaceme" in folded or "changeme" in folded:
        return "a placeholder"
    if any(w in folded and len(folded) <= len(w) + 4 for w in PLACEHOLDER_WORDS):
        return "a placeholder"
    if len(value.encode()) < MIN_SECRET_BYTES:
        return f"{len(value.encode())} bytes (< {MIN_SECRET_BYTES})"
    if len(set(value)) == 1:
        return "one repeated character"
    return None


def parse_env_file(path):
    out = {}
    for line in open(path, encoding="utf-8"):
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            k, v = line.split("=", 1)
            out[k.strip()] = v.strip().strip('"').strip("'")
    return out


def tracked_by_git(path):
    try:
        r = subprocess.run(["git", "-C", os.path.dirname(path), "ls-files", "--error-unmatch", os.path.basename(path)],
                           capture_output=True)
    except OSError:
        return False
    return r.returncode == 0


def secret_problems(kustomization, objects, k8s_dir):
    """Placeholders in what `kubectl apply -k` (the kustomization's resources and generators) or
    `kubectl apply -f deploy/k8s` (every manifest) would send to the cluster. `objects` are
    (file, object) pairs of every manifest."""
    problems = []
    for base, o in objects:
        if o.get("kind") != "Secret":
            continue
        data = dict(o.get("stringData") or {})
        for k, v in (o.get("data") or {}).items():
            try:
                import base64
                data.setdefault(k, base64.b64decode(v).decode(errors="replace"))
            except Exception:  # binascii.Error
                problems.append(f"{base}: Secret data {k} is not base64")
        for k, v in data.items():
            why = secret_problem(str(v)) if k == "LIVECHAT_SECRET" else None
            if why:
                problems.append(f"{base}: Secret {get(o, 'metadata', 'name')} applies LIVECHAT_SECRET = {why}")
    for g in (kustomization or {}).get("secretGenerator") or []:
        for lit in g.get("literals") or []:
            k, _, v = str(lit).partition("=")
            if k == "LIVECHAT_SECRET" and secret_problem(v):
                problems.append(f"kustomization.yaml: secretGenerator {g.get('name')} literal LIVECHAT_SECRET is {secret_problem(v)}")
        for f in (g.get("envs") or []) + (g.get("files") or []):
            path = os.path.join(k8s_dir, str(f).split("=", 1)[-1])
            if os.path.exists(path) and tracked_by_git(path):
                problems.append(f"kustomization.yaml: secretGenerator {g.get('name')} reads {f}, which is committed to git")
            if os.path.exists(path) and f in (g.get("envs") or []):
                v = parse_env_file(path).get("LIVECHAT_SECRET")
                if v is not None and secret_problem(v):
                    problems.append(f"{f}: LIVECHAT_SECRET is {secret_problem(v)}")
    return problems


def self_test():
    """The placeholder check catches what it is for (the old secret.yaml), not a real key."""
    old = [("secret.yaml", {"kind": "Secret", "metadata": {"name": "livechat-secret"},
                            "stringData": {"LIVECHAT_SECRET": "REPLACE-ME-with-openssl-rand-hex-32"}})]
    if not secret_problems({}, old, DEPLOY):
        fail("self-test: the placeholder Secret of issue 14 passes the check")
    b64 = [("s.yaml", {"kind": "Secret", "metadata": {"name": "x"}, "data": {"LIVECHAT_SECRET": "Y2hhbmdlbWU="}})]
    if not secret_problems({}, b64, DEPLOY):
        fail("self-test: a base64 'changeme' passes the check")
    lit = {"secretGenerator": [{"name": "x", "literals": ["LIVECHAT_SECRET=short"]}]}
    if not secret_problems(lit, [], DEPLOY):
        fail("self-test: a short generator literal passes the check")
    good = [("s.yaml", {"kind": "Secret", "metadata": {"name": "x"}, "stringData": {"LIVECHAT_SECRET": "9f" * 32}})]
    if secret_problems({}, good, DEPLOY):
        fail(f"self-test: a random 64-hex-digit key fails the check: {secret_problems({}, good, DEPLOY)}")


def check_deployment(name, o):
    spec = o["spec"]
    if spec.get("replicas") != 3:
        fail(f"{name}: replicas should be 3, is {spec.get('replicas')}")
    sel = get(spec, "selector", "matchLabels") or {}
    labels = get(spec, "template", "metadata", "labels") or {}
    if not sel or any(labels.get(k) != v for k, v in sel.items()):
        fail(f"{name}: selector.matchLabels {sel} does not match template labels {labels}")
    pod = get(spec, "template", "spec") or {}
    tgp = pod.get("terminationGracePeriodSeconds", 30)
    if not isinstance(tgp, int) or tgp < 30:
        fail(f"{name}: terminationGracePeriodSeconds must be >= 30, is {tgp}")
    containers = pod.get("containers") or []
    if not containers:
        fail(f"{name}: no containers")
        return sel
    c = containers[0]
    for key in ("name", "image"):
        if not c.get(key):
            fail(f"{name}: container lacks {key}")
    ports = {p.get("name"): p.get("containerPort") for p in c.get("ports") or []}
    if get(c, "readinessProbe", "httpGet", "path") != "/readyz":
        fail(f"{name}: readinessProbe must be httpGet /readyz")
    if get(c, "livenessProbe", "httpGet", "path") != "/healthz":
        fail(f"{name}: livenessProbe must be httpGet /healthz")
    for probe in ("readinessProbe", "livenessProbe", "startupProbe"):
        port = get(c, probe, "httpGet", "port")
        if port is not None and port not in ports and port not in ports.values():
            fail(f"{name}: {probe} port {port} is not a container port {ports}")
    pre = get(c, "lifecycle", "preStop")
    if not pre:
        fail(f"{name}: lifecycle.preStop missing")
    else:
        cmd = get(pre, "exec", "command") or []
        secs = get(pre, "sleep", "seconds")
        if secs is None and cmd and cmd[0].endswith("sleep") and len(cmd) > 1:
            secs = int(cmd[1])
        if secs is None or not 1 <= secs < tgp - 5:
            fail(f"{name}: preStop should sleep a few seconds (well under the grace period), got {pre}")
    env = {e.get("name"): e for e in c.get("env") or []}
    nid = env.get("LIVECHAT_NODE_ID")
    if get(nid, "valueFrom", "fieldRef", "fieldPath") != "metadata.name":
        fail(f"{name}: LIVECHAT_NODE_ID must come from the pod name (fieldRef metadata.name)")
    refs = {(("configMap" if "configMapRef" in e else "secret"), get(e, "configMapRef", "name") or get(e, "secretRef", "name"))
            for e in c.get("envFrom") or []}
    if not any(k == "secret" for k, _ in refs):
        fail(f"{name}: no envFrom secretRef (LIVECHAT_SECRET)")
    if not get(pod, "securityContext", "runAsNonRoot"):
        fail(f"{name}: pod securityContext.runAsNonRoot should be true")
    return sel, refs


def main():
    files = sorted(glob.glob(os.path.join(DEPLOY, "k8s", "*.yaml")) + glob.glob(os.path.join(DEPLOY, "k8s", "*.yml")))
    if not files:
        fail("no manifests in deploy/k8s")
        return
    objs = {}
    every = []  # (file, object) of every manifest: `kubectl apply -f deploy/k8s` sends them all
    kustomization = None
    generated = set()
    for f in files:
        base = os.path.basename(f)
        try:
            docs = load_yaml_all(f)
        except Exception as e:  # yaml.YAMLError
            fail(f"{base}: YAML error: {e}")
            continue
        for o in docs:
            if not isinstance(o, dict):
                fail(f"{base}: a document is not a mapping")
                continue
            av, kind = o.get("apiVersion"), o.get("kind")
            if (av, kind) not in KNOWN:
                fail(f"{base}: unexpected apiVersion/kind {av}/{kind}")
            if kind == "Kustomization":
                kustomization = o
                for r in o.get("resources") or []:
                    if not os.path.exists(os.path.join(DEPLOY, "k8s", r)):
                        fail(f"{base}: resource {r} missing")
                for g in o.get("secretGenerator") or []:
                    generated.add(g.get("name"))
                    if not g.get("envs") and not g.get("files") and not g.get("literals"):
                        fail(f"{base}: secretGenerator {g.get('name')} has no source")
                continue
            every.append((base, o))
            name = get(o, "metadata", "name")
            if not name:
                fail(f"{base}: {kind} without metadata.name")
            if kind in NEEDS_SPEC and not isinstance(o.get("spec"), dict):
                fail(f"{base}: {kind} {name} without spec")
            if kind in ("ConfigMap", "Secret"):
                if any(not isinstance(o.get(k) or {}, dict) for k in ("data", "stringData")):
                    fail(f"{base}: {kind} {name}: data/stringData must be mappings")
                    continue
                data = dict(o.get("data") or {}, **(o.get("stringData") or {}))
                if any(not isinstance(v, str) for v in data.values()):
                    fail(f"{base}: {kind} {name} values must be strings (quote numbers)")
            objs.setdefault(kind, []).append((base, o))
            ok(f"{base}: {av} {kind} {name}")
    for kind in ("Deployment", "Service", "PodDisruptionBudget", "ConfigMap"):
        if kind not in objs:
            fail(f"no {kind} in deploy/k8s")
    if "Secret" not in objs and not generated:
        fail("no Secret and no secretGenerator in deploy/k8s")
    self_test()
    problems = secret_problems(kustomization, every, os.path.join(DEPLOY, "k8s"))
    for p in problems:
        fail(p)
    if not problems:
        ok("no placeholder or short LIVECHAT_SECRET in the applied resources"
           + (f"; generated: {sorted(generated)}" if generated else ""))
    if "Deployment" not in objs:
        return
    base, dep = objs["Deployment"][0]
    res = check_deployment(base, dep)
    if not res:
        return
    sel, refs = res
    cms = {get(o, "metadata", "name") for _, o in objs.get("ConfigMap", [])}
    secs = {get(o, "metadata", "name"): o for _, o in objs.get("Secret", [])}
    for kind, n in refs:
        if (kind == "configMap" and n not in cms) or (kind == "secret" and n not in secs and n not in generated):
            fail(f"{base}: envFrom {kind} {n} is not defined in deploy/k8s")
    for s in secs.values():
        if "LIVECHAT_SECRET" not in dict(s.get("data") or {}, **(s.get("stringData") or {})):
            fail("Secret lacks LIVECHAT_SECRET")
    for _, cm in objs.get("ConfigMap", []):
        if "LIVECHAT_SECRET" in (cm.get("data") or {}):
            fail("LIVECHAT_SECRET belongs in the Secret, not the ConfigMap")
    for b, svc in objs.get("Service", []):
        ssel = get(svc, "spec", "selector") or {}
        if not ssel or any(sel.get(k) != v for k, v in ssel.items()):
            fail(f"{b}: Service selector {ssel} does not select the Deployment's pods {sel}")
    for b, pdb in objs.get("PodDisruptionBudget", []):
        if get(pdb, "spec", "minAvailable") != 2:
            fail(f"{b}: PodDisruptionBudget minAvailable must be 2, is {get(pdb, 'spec', 'minAvailable')}")
        psel = get(pdb, "spec", "selector", "matchLabels") or {}
        if not psel or any(sel.get(k) != v for k, v in psel.items()):
            fail(f"{b}: PDB selector {psel} does not match the Deployment's pods")
    ok("Deployment probes, preStop, grace period, node id, PDB and Service selectors")


if __name__ == "__main__":
    main()
    finish()
