#!/usr/bin/env python3
"""deploy.nginx_*: nginx -t on the production config and the instantiated test template, plus
the directives the fault tests rely on.

usage: check_nginx.py conf|template|sync
"""
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import DEPLOY, fail, finish, ok, skip  # noqa: E402

NGINX_DIR = os.path.join(DEPLOY, "nginx")
PROD = os.path.join(NGINX_DIR, "livechat.conf")
TEMPLATE = os.path.join(NGINX_DIR, "nginx-test.conf")
RENDER = os.path.join(NGINX_DIR, "render-test-conf.sh")
BEGIN, END = "# BEGIN livechat locations", "# END livechat locations"


def nginx_bin():
    for cand in (shutil.which("nginx"), "/usr/sbin/nginx"):
        if cand and os.access(cand, os.X_OK):
            return cand
    skip("nginx is not installed (apt-get install nginx)")


def free_port():
    """nginx -t binds its listen sockets: use a free unprivileged loopback port."""
    with socket.socket() as sk:
        sk.bind(("127.0.0.1", 0))
        return sk.getsockname()[1]


def nginx_t(nginx, conf, prefix):
    r = subprocess.run([nginx, "-t", "-q", "-c", conf, "-p", prefix + "/", "-e",
                        os.path.join(prefix, "error.log")],
                       capture_output=True, text=True, timeout=20)
    out = (r.stdout + r.stderr).strip()
    if r.returncode != 0:
        fail(f"nginx -t -c {conf} failed:\n{out}")
    else:
        ok(f"nginx -t -c {conf}" + (f" ({out})" if out else ""))


def location_block(text, name):
    m = re.search(r"location\s+" + re.escape(name) + r"\s*\{(.*?)\n\s*\}", text, re.S)
    return m.group(1) if m else None


def upstream_block(text):
    m = re.search(r"^\s*upstream\s+livechat_nodes\s*\{(.*?)\}", text, re.S | re.M)
    return m.group(1) if m else None


def check_directives(text, where):
    """What the load-balancing and fault behaviour depends on."""
    need = [
        (r"proxy_next_upstream\s+error\s+timeout\s+http_502\s+http_503\s*;", "proxy_next_upstream error timeout http_502 http_503"),
        (r"upstream\s+livechat_nodes\s*\{", "upstream livechat_nodes"),
        (r"location\s*=\s*/readyz", "location = /readyz"),
        (r"map\s+\$http_upgrade\s+\$livechat_connection", "map $http_upgrade $livechat_connection"),
    ]
    for pat, what in need:
        if not re.search(pat, text):
            fail(f"{where}: missing {what}")
    ws = location_block(text, "= /ws")
    if ws is None:
        fail(f"{where}: no 'location = /ws'")
        return
    for pat, what in [
        (r"proxy_set_header\s+Upgrade\s+\$http_upgrade", "Upgrade header"),
        (r"proxy_set_header\s+Connection\s+\$livechat_connection", "Connection header"),
        (r"proxy_http_version\s+1\.1", None),
        (r"proxy_buffering\s+off", "proxy_buffering off"),
        (r"proxy_set_header\s+X-Forwarded-For", "X-Forwarded-For (a location with proxy_set_header inherits none)"),
    ]:
        if what and not re.search(pat, ws):
            fail(f"{where}: /ws lacks {what}")
    m = re.search(r"proxy_read_timeout\s+(\d+)(s|m|h)?\s*;", ws)
    secs = 0
    if m:
        secs = int(m.group(1)) * {"s": 1, None: 1, "m": 60, "h": 3600}[m.group(2)]
    if secs < 600:
        fail(f"{where}: /ws proxy_read_timeout must be long (>= 600 s), got {m.group(0) if m else 'none'}")
    if not re.search(r"proxy_http_version\s+1\.1", text):
        fail(f"{where}: proxy_http_version 1.1 missing (WebSocket and upstream keepalive need it)")
    ok(f"{where}: required proxy directives present")


def check_tls(text, where):
    """HTTPS with modern protocols and HSTS; plain HTTP only redirects."""
    tls = re.search(r"# BEGIN livechat tls\n(.*?)# END livechat tls", text, re.S)
    if not tls:
        fail(f"{where}: no '# BEGIN livechat tls' block")
        return
    block = tls.group(1)
    if not re.search(r"^\s*ssl_protocols\s+TLSv1\.2\s+TLSv1\.3\s*;", block, re.M):
        fail(f"{where}: ssl_protocols must be exactly TLSv1.2 TLSv1.3")
    if not re.search(r'add_header\s+Strict-Transport-Security\s+"max-age=\d{8,}[^"]*"\s+always;', block):
        fail(f"{where}: Strict-Transport-Security (max-age >= 1 year, always) missing")
    if not re.search(r"listen\s+443\s+ssl", text):
        fail(f"{where}: no 'listen 443 ssl'")
    if not re.search(r"return\s+301\s+https://\$host\$request_uri;", text):
        fail(f"{where}: plain HTTP does not redirect to HTTPS")
    ok(f"{where}: TLS terminated with TLS 1.2/1.3, HSTS, HTTP redirected")


def check_conf():
    nginx = nginx_bin()
    text = open(PROD, encoding="utf-8").read()
    check_directives(text, "livechat.conf")
    check_tls(text, "livechat.conf")
    servers = re.findall(r"\bserver\s+([^\s;{]+)\s+([^;{]*);", upstream_block(text) or "")
    if len(servers) < 3:
        fail(f"livechat.conf: expected 3 upstream servers, found {len(servers)}")
    for addr, params in servers:
        if "max_fails=" not in params or "fail_timeout=" not in params:
            fail(f"livechat.conf: upstream {addr} lacks max_fails/fail_timeout")
    with tempfile.TemporaryDirectory(prefix="deploy-nginx-") as d:
        conf = os.path.join(d, "livechat.conf")
        listens = re.findall(r"^\s*listen\s+[^;]+;", text, re.M)
        if not listens:
            fail("livechat.conf: no listen directive")
        # Logs under the temp dir and a free loopback port, so the check runs without root and
        # whatever else listens on port 80.
        local = re.sub(r"^(\s*)listen\s+\[::\][^;]*;\n", "", text, flags=re.M)
        local = re.sub(r"^(\s*)listen\s+[^\s;]+([^;]*);",
                       lambda m: f"{m.group(1)}listen 127.0.0.1:{free_port()}{m.group(2)};",
                       local, flags=re.M)
        # nginx -t loads the certificate: a throwaway self-signed one stands in for the real one.
        cert, key = os.path.join(d, "cert.pem"), os.path.join(d, "key.pem")
        r = subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key,
                            "-out", cert, "-days", "1", "-subj", "/CN=localhost"],
                           capture_output=True, text=True, timeout=60)
        if r.returncode != 0:
            fail(f"openssl req failed: {r.stderr.strip()}")
        local = (local.replace("/etc/ssl/livechat/fullchain.pem", cert)
                 .replace("/etc/ssl/livechat/privkey.pem", key))
        with open(conf, "w", encoding="utf-8") as f:
            f.write(local.replace("/var/log/nginx/", d + "/"))
        main = os.path.join(d, "nginx.conf")
        with open(main, "w", encoding="utf-8") as f:
            f.write(f"pid {d}/nginx.pid;\nerror_log {d}/error.log;\nevents {{}}\n"
                    f"http {{\n  access_log {d}/access.log;\n  client_body_temp_path {d}/cb;\n"
                    f"  proxy_temp_path {d}/px;\n  fastcgi_temp_path {d}/fc;\n"
                    f"  uwsgi_temp_path {d}/uw;\n  scgi_temp_path {d}/sc;\n  include {conf};\n}}\n")
        nginx_t(nginx, main, d)


def check_template():
    nginx = nginx_bin()
    text = open(TEMPLATE, encoding="utf-8").read()
    for ph in ("@DIR@", "@LISTEN@", "@UPSTREAMS@"):
        if ph not in text:
            fail(f"nginx-test.conf: placeholder {ph} missing")
    for pat in (r"^daemon\s+off;", r"^pid\s+@DIR@/nginx\.pid;", r"^error_log\s+@DIR@/error\.log"):
        if not re.search(pat, text, re.M):
            fail(f"nginx-test.conf: missing top-level '{pat}'")
    check_directives(text, "nginx-test.conf")
    with tempfile.TemporaryDirectory(prefix="deploy-nginx-test-") as d:
        # 1) by sed, the way a test may do it; 2) by the helper script.
        ups = "server 127.0.0.1:1 max_fails=2 fail_timeout=10s; server 127.0.0.1:2 max_fails=2 fail_timeout=10s;"
        inst = (text.replace("@DIR@", d).replace("@LISTEN@", f"127.0.0.1:{free_port()}")
                .replace("@UPSTREAMS@", ups))
        if "@" in re.sub(r"#.*", "", inst):
            fail("nginx-test.conf: placeholders left after substitution")
        conf = os.path.join(d, "nginx.conf")
        with open(conf, "w", encoding="utf-8") as f:
            f.write(inst)
        nginx_t(nginx, conf, d)
        d2 = os.path.join(d, "rendered")
        r = subprocess.run(["sh", RENDER, d2, f"127.0.0.1:{free_port()}", "1", "2", "3"],
                           capture_output=True, text=True, timeout=10)
        if r.returncode != 0:
            fail(f"render-test-conf.sh failed: {r.stderr.strip()}")
        else:
            conf2 = r.stdout.strip()
            rendered = open(conf2, encoding="utf-8").read()
            if len(re.findall(r"server 127\.0\.0\.1:\d+ max_fails=", upstream_block(rendered) or "")) != 3:
                fail("render-test-conf.sh: expected 3 upstream servers")
            nginx_t(nginx, conf2, d2)


def block_of(path):
    text = open(path, encoding="utf-8").read()
    if BEGIN not in text or END not in text:
        fail(f"{os.path.basename(path)}: markers '{BEGIN}' / '{END}' missing")
        return None
    body = text[text.index(BEGIN):text.index(END)]
    return [line.strip() for line in body.splitlines() if line.strip()]


def check_sync():
    a, b = block_of(PROD), block_of(TEMPLATE)
    if a is None or b is None:
        return
    if a != b:
        import difflib
        diff = "\n".join(difflib.unified_diff(a, b, "livechat.conf", "nginx-test.conf", lineterm=""))
        fail("the location blocks of livechat.conf and nginx-test.conf differ:\n" + diff)
    else:
        ok(f"livechat.conf and nginx-test.conf share the same {len(a)} location lines")


if __name__ == "__main__":
    mode = sys.argv[1] if len(sys.argv) > 1 else ""
    {"conf": check_conf, "template": check_template, "sync": check_sync}.get(
        mode, lambda: sys.exit(f"usage: {sys.argv[0]} conf|template|sync"))()
    finish()
