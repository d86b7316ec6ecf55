#!/usr/bin/env bash
# Builds the web client into client-web/dist (the server serves it with --static-dir).
# Installs the npm dependencies from package-lock.json first when node_modules is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v npm >/dev/null; then
  echo "build.sh: npm is missing (Debian: apt-get install -y nodejs npm; node >= 20 needed)" >&2
  exit 1
fi
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
npm run --silent build
echo "build.sh: client-web/dist is ready ($(ls dist | tr '\n' ' '))"
