#!/usr/bin/env python3
"""deploy.dockerfile: a hadolint-like sanity check of deploy/Dockerfile (no Docker engine here;
deploy/image_test.sh builds and runs it for real): no "# syntax=" line (offline builds), multi-stage
on debian:12 (build) and debian:12-slim (runtime), the web stage takes NPM_REGISTRY and the
optional npm_ca build secret, the final stage runs as a non-root USER created without the
--system warning, has a HEALTHCHECK running `livechat healthcheck`, EXPOSE 8080, VOLUME
/var/lib/livechat, an ENTRYPOINT running livechat with LIVECHAT_LISTEN=0.0.0.0:8080, installs the
runtime libraries plus redis-server and postgresql-15 (the embedded default) and nothing to build
with, apt-get install uses -y and --no-install-recommends and cleans the lists, and every COPY
--from names an earlier stage."""
import os
import re
import shlex
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import DEPLOY, ROOT, fail, finish, ok  # noqa: E402

PATH = os.path.join(DEPLOY, "Dockerfile")
RUNTIME_LIBS = ("libhiredis0.14", "libprotobuf32", "libspdlog1.10", "libfmt9", "libssl3", "libpq5")
# The embedded default of `docker run IMAGE` (issue 14, item 8).
EMBEDDED = ("redis-server", "postgresql-15")


def instructions(text):
    text = re.sub(r"\\\n", " ", text)  # line continuations
    out = []
    for n, line in enumerate(text.splitlines(), 1):
        s = line.strip()
        if not s or s.startswith("#"):
            continue
        parts = s.split(None, 1)
        out.append((parts[0].upper(), parts[1] if len(parts) > 1 else ""))
    return out


def main():
    text = open(PATH, encoding="utf-8").read()
    if re.search(r"^#\s*syntax\s*=", text, re.M | re.I):
        fail("a '# syntax=' line makes BuildKit pull a frontend image: offline builds fail")
    ins = instructions(text)
    stages = []  # [name, base, [instructions]]
    for op, arg in ins:
        if op == "FROM":
            m = re.match(r"(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?\s*$", arg, re.I)
            if not m:
                fail(f"bad FROM: {arg}")
                continue
            stages.append([m.group(2) or str(len(stages)), m.group(1), []])
        elif not stages:
            if op != "ARG":
                fail(f"{op} before the first FROM")
        else:
            stages[-1][2].append((op, arg))
    debian = [s for s in stages if s[1] in ("debian:12", "debian:bookworm") or s[1].startswith(("debian:12-", "debian:bookworm-"))]
    if len(debian) < 2:
        fail(f"expected FROM debian:12 at least twice (build + runtime), got {[s[1] for s in stages]}")
    if not stages:
        return
    final = stages[-1]
    if final[1] not in ("debian:12-slim", "debian:bookworm-slim"):
        fail(f"the runtime (last) stage should be debian:12-slim, is {final[1]}")
    web = [s for s in stages if s[0] == "web"]
    if not web:
        fail("no web stage (client-web/dist)")
    else:
        wargs = " ".join(arg for op, arg in web[0][2] if op in ("ARG", "RUN"))
        if "NPM_REGISTRY" not in wargs:
            fail("web stage: no NPM_REGISTRY build argument (builds behind a mirror)")
        if not re.search(r"--mount=type=secret,id=npm_ca", wargs):
            fail("web stage: no npm_ca build secret (builds behind a TLS-inspecting proxy)")
    names = [s[0] for s in stages]
    for i, (name, base, body) in enumerate(stages):
        for op, arg in body:
            m = re.search(r"--from=(\S+)", arg) if op == "COPY" else None
            if m and m.group(1) not in names[:i]:
                fail(f"stage {name}: COPY --from={m.group(1)} is not an earlier stage")
            if op == "RUN" and "apt-get install" in arg:
                if not re.search(r"apt-get install\s+(-\S+\s+)*-y|-y\b", arg):
                    fail(f"stage {name}: apt-get install without -y")
                if "--no-install-recommends" not in arg:
                    fail(f"stage {name}: apt-get install without --no-install-recommends")
                if "apt-get update" not in arg:
                    fail(f"stage {name}: apt-get install without apt-get update in the same RUN")
                if "rm -rf /var/lib/apt/lists" not in arg:
                    fail(f"stage {name}: apt lists not removed in the same RUN")
            if op == "COPY" and not m:
                for src in shlex.split(arg)[:-1]:
                    if not src.startswith("--") and not os.path.exists(os.path.join(ROOT, src)):
                        fail(f"stage {name}: COPY source {src} not in the repository")
    body = final[2]
    ops = [op for op, _ in body]
    users = [arg.strip() for op, arg in body if op == "USER"]
    if not users:
        fail("runtime stage has no USER (runs as root)")
    elif users[-1].split(":")[0] in ("root", "0", ""):
        fail(f"runtime stage USER is root: {users[-1]}")
    hc = [arg for op, arg in body if op == "HEALTHCHECK"]
    if not hc or not re.search(r"livechat\"?,?\s*\"?healthcheck", hc[-1]):
        fail("runtime stage needs a HEALTHCHECK running `livechat healthcheck` (same config as the server)")
    if not any(op == "VOLUME" and "/var/lib/livechat" in arg for op, arg in body):
        fail("runtime stage has no VOLUME /var/lib/livechat (embedded Redis/PostgreSQL data)")
    for op, arg in body:
        if op == "RUN" and "useradd" in arg:
            m = re.search(r"--uid\s+(\d+)", arg)
            if m and int(m.group(1)) >= 1000 and "--system" in arg:
                fail(f"useradd --system with uid {m.group(1)} warns (outside the system uid range)")
    if not any(op == "EXPOSE" and "8080" in arg.split() for op, arg in body):
        fail("runtime stage does not EXPOSE 8080")
    ep = [arg for op, arg in body if op == "ENTRYPOINT"]
    if not ep or "livechat" not in ep[-1]:
        fail("runtime stage ENTRYPOINT must run livechat")
    env = " ".join(arg for op, arg in body if op == "ENV")
    if not re.search(r"LIVECHAT_LISTEN[= ]0\.0\.0\.0:8080", env):
        fail("runtime stage must set LIVECHAT_LISTEN=0.0.0.0:8080")
    installs = " ".join(arg for op, arg in body if op == "RUN" and "apt-get install" in arg)
    for bad in re.findall(r"\S+-dev\b|\bg\+\+|\bcmake\b|\bnodejs\b|\bnpm\b", installs):
        fail(f"runtime stage installs a build-time or unwanted package: {bad}")
    for lib in RUNTIME_LIBS:
        if lib not in installs:
            fail(f"runtime stage does not install {lib} (ldd livechat needs it)")
    for pkg in EMBEDDED:
        if pkg not in installs:
            fail(f"runtime stage does not install {pkg} (the embedded default of `docker run IMAGE`)")
    if "STOPSIGNAL" in ops and not any(op == "STOPSIGNAL" and "SIGTERM" in arg for op, arg in body):
        fail("STOPSIGNAL must be SIGTERM (graceful drain)")
    ok(f"stages {[(s[0], s[1]) for s in stages]}; runtime: USER {users[-1] if users else '?'}, HEALTHCHECK, EXPOSE 8080")


if __name__ == "__main__":
    main()
    finish()
