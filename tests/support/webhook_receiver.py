#!/usr/bin/env python3
"""A webhook endpoint for the tests: answers POSTs on 127.0.0.1 (port 0, written to --port-file),
logs each request (headers, body, the status it answered) as one JSON line to --log, and answers
503 to the first --fail-first requests (a receiver that is down, then up), 200 after."""
import argparse
import http.server
import json
import threading

parser = argparse.ArgumentParser()
parser.add_argument("--port-file", required=True)
parser.add_argument("--log", required=True)
parser.add_argument("--fail-first", type=int, default=0)
args = parser.parse_args()

lock = threading.Lock()
seen = 0


class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        global seen
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length).decode("utf-8", "replace")
        with lock:
            seen += 1
            status = 503 if seen <= args.fail_first else 200
            with open(args.log, "a", encoding="utf-8") as log:
                log.write(json.dumps({"path": self.path, "status": status, "body": body,
                                      "headers": {k.lower(): v for k, v in self.headers.items()}})
                          + "\n")
        self.send_response(status)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *unused):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
with open(args.port_file + ".tmp", "w", encoding="utf-8") as f:
    f.write(str(server.server_address[1]))
import os  # noqa: E402  (the rename makes the port file appear whole)
os.replace(args.port_file + ".tmp", args.port_file)
server.serve_forever()
