#!/usr/bin/env python3
"""deploy.systemd: livechat.service has the required keys (structural check), and
`systemd-analyze verify` accepts it when available (ExecStart pointed at an existing binary in a
temporary copy, since /usr/local/bin/livechat is not installed here). Any warning about the unit
(unknown key, bad value) counts as a failure."""
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import DEPLOY, fail, finish, ok  # noqa: E402

PATH = os.path.join(DEPLOY, "systemd", "livechat.service")
REQUIRED = {
    "Unit": {"Description": None},
    "Service": {
        "Type": "simple", "User": "livechat", "EnvironmentFile": "/etc/livechat/env",
        "ExecStart": None, "KillSignal": "SIGTERM", "TimeoutStopSec": None, "Restart": "on-failure",
        "NoNewPrivileges": "yes", "ProtectSystem": "strict", "ReadWritePaths": None, "LimitNOFILE": None,
    },
    "Install": {"WantedBy": None},
}


def parse(text):
    sections, cur = {}, None
    for n, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line[0] in "#;":
            continue
        if line.startswith("[") and line.endswith("]"):
            cur = sections.setdefault(line[1:-1], {})
            continue
        if cur is None or "=" not in line:
            fail(f"line {n}: not 'Key=Value' inside a section: {raw}")
            continue
        k, v = line.split("=", 1)
        cur.setdefault(k.strip(), []).append(v.strip())
    return sections


def main():
    text = open(PATH, encoding="utf-8").read()
    s = parse(text)
    for sec, keys in REQUIRED.items():
        if sec not in s:
            fail(f"section [{sec}] missing")
            continue
        for k, want in keys.items():
            vals = s[sec].get(k)
            if not vals or not vals[-1]:
                fail(f"[{sec}] {k}= missing")
            elif want is not None and vals[-1] != want:
                fail(f"[{sec}] {k}={vals[-1]}, expected {want}")
    svc = s.get("Service", {})
    t = (svc.get("TimeoutStopSec") or ["0"])[-1].rstrip("s")
    if not t.isdigit() or int(t) < 10:
        fail(f"TimeoutStopSec={t} too short for the SIGTERM drain (>= 10 s)")
    nofile = (svc.get("LimitNOFILE") or ["0"])[-1]
    if not nofile.isdigit() or int(nofile) < 20000:
        fail(f"LimitNOFILE={nofile}: one fd per WebSocket, use >= 20000")
    exec_start = (svc.get("ExecStart") or [""])[-1]
    if not exec_start.startswith("/"):
        fail(f"ExecStart must be an absolute path: {exec_start}")
    data_dirs = (svc.get("ReadWritePaths") or [""])[-1].split()
    wd = (svc.get("WorkingDirectory") or [""])[-1]
    if wd and wd not in data_dirs:
        fail(f"WorkingDirectory {wd} is not writable under ProtectSystem=strict (ReadWritePaths={data_dirs})")
    ok("livechat.service: required keys and values present")

    tool = shutil.which("systemd-analyze")
    if not tool:
        print("note: systemd-analyze not available; structural check only")
        return
    with tempfile.TemporaryDirectory(prefix="deploy-systemd-") as d:
        unit = os.path.join(d, "livechat.service")
        binary = exec_start.split()[0] if exec_start else ""
        stand_in = binary if os.access(binary, os.X_OK) else shutil.which("true") or "/bin/true"
        with open(unit, "w", encoding="utf-8") as f:
            f.write(text.replace("ExecStart=" + binary, "ExecStart=" + stand_in, 1))
        r = subprocess.run([tool, "verify", unit], capture_output=True, text=True, timeout=30,
                           env=dict(os.environ, SYSTEMD_LOG_COLOR="0", SYSTEMD_PAGER="cat"))
        out = (r.stdout + r.stderr).strip()
        mine = [l for l in out.splitlines() if "livechat.service" in l]
        if r.returncode != 0 or mine:
            fail("systemd-analyze verify:\n" + out)
        else:
            ok("systemd-analyze verify livechat.service" + (f" (other output: {out})" if out else ""))


if __name__ == "__main__":
    main()
    finish()
