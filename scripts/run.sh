#!/usr/bin/env bash
# Sets up (installs what is missing, builds) and runs the server on its embedded default: a private
# redis-server with AOF on, data in ./data, serving http://127.0.0.1:8080 (WebSocket on /ws).
# Extra arguments go to the server (see --help).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
./scripts/setup.sh
echo "livechat: pages: / (demo site with the widget), /agent (agent console), /ops (dashboard)"
exec ./build/release/server/app/livechat --static-dir client-web/dist "$@"
