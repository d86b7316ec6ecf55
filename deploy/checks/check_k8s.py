#!/usr/bin/env python3
"""deploy.k8s: every manifest in deploy/k8s parses and has a Kubernetes object shape; the
Deployment has /readyz readiness, /healthz liveness, preStop, a grace period >= 30 s and the node
id from the pod name; the PDB keeps 2 pods; the Service selects the Deployment's pods."""
import glob
import os
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
                for r in o.get("resources") or []:
                    if not os.path.exists(os.path.join(DEPLOY, "k8s", r)):
                        fail(f"{base}: resource {r} missing")
                continue
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
    for kind in ("Deployment", "Service", "PodDisruptionBudget", "ConfigMap", "Secret"):
        if kind not in objs:
            fail(f"no {kind} in deploy/k8s")
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
        if (kind == "configMap" and n not in cms) or (kind == "secret" and n not in secs):
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
