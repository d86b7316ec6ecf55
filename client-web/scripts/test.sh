#!/usr/bin/env bash
# The web client's whole test suite, from one command:
#   installs Debian's chromium when missing, npm ci, build, Vitest unit tests, then the end-to-end
#   tests in headless Chromium against the real server (its embedded Redis, loopback, free ports).
# Every server the tests start is stopped by them (and killed here if anything survives).
# Env: LIVECHAT_BIN (server binary; default build/release/server/app/livechat),
#      CHROMIUM (default /usr/bin/chromium), TEST_TIMEOUT (seconds, default 900).
# Ends with "client-web: N passed, N failed" and a non-zero exit status on failure.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT="$(cd .. && pwd)"
export LIVECHAT_BIN="${LIVECHAT_BIN:-$ROOT/build/release/server/app/livechat}"
export CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
TEST_TIMEOUT="${TEST_TIMEOUT:-900}"
mkdir -p test-artifacts
export LIVECHAT_TEST_PIDFILE="$PWD/test-artifacts/server-pids"
: >"$LIVECHAT_TEST_PIDFILE"

passed=0
failed=0
cleanup() {
  # Servers started by the e2e tests record their pids; none may outlive this script.
  if [ -s "$LIVECHAT_TEST_PIDFILE" ]; then
    while read -r pid; do
      [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && kill -TERM "$pid" 2>/dev/null
    done <"$LIVECHAT_TEST_PIDFILE"
  fi
}
trap cleanup EXIT INT TERM

finish() {
  echo
  if [ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]; then
    echo "client-web: PASS"
    echo "client-web: $passed passed, $failed failed"
    exit 0
  fi
  echo "client-web: FAIL"
  echo "client-web: $passed passed, $failed failed"
  exit 1
}

step_fail() { echo "client-web: $1" >&2; failed=$((failed + 1)); finish; }

if [ ! -x "$CHROMIUM" ]; then
  echo "== installing Debian's chromium"
  if [ "$(id -u)" -eq 0 ]; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >/dev/null || step_fail "apt-get install chromium failed"
  else
    (sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >/dev/null || step_fail "apt-get install chromium failed"
  fi
fi
[ -x "$LIVECHAT_BIN" ] || step_fail "server binary $LIVECHAT_BIN is missing: run ./scripts/setup.sh first (or set LIVECHAT_BIN)"

echo "== npm ci"
timeout 600 npm ci --no-audit --no-fund >test-artifacts/npm-ci.log 2>&1 || { tail -20 test-artifacts/npm-ci.log; step_fail "npm ci failed"; }
echo "== build"
timeout 300 npm run --silent build >test-artifacts/build.log 2>&1 || { tail -30 test-artifacts/build.log; step_fail "build failed"; }

count() { # vitest JSON report -> "passed failed"
  node -e '
    try {
      const r = require(require("path").resolve(process.argv[1]));
      const failed = r.numFailedTests + (r.numFailedTestSuites || 0);
      console.log(r.numPassedTests, failed || (r.success ? 0 : 1));
    } catch { console.log("0 1"); }' "$1"
}

run_suite() { # name config timeout
  local name=$1 config=$2 limit=$3 report="test-artifacts/$1-report.json"
  echo "== $name tests"
  rm -f "$report"
  timeout --kill-after=15 "$limit" npx vitest run --config "$config" --reporter=verbose --reporter=json --outputFile.json="$report"
  local rc=$?
  read -r p f < <(count "$report")
  [ $rc -ne 0 ] && [ "$f" -eq 0 ] && f=1
  [ $rc -eq 124 ] && echo "client-web: $name tests timed out after ${limit}s" >&2
  passed=$((passed + p))
  failed=$((failed + f))
}

run_suite unit vitest.config.ts 120
run_suite e2e vitest.e2e.config.ts "$TEST_TIMEOUT"
echo "Screenshots: client-web/test-artifacts/*.png"
finish
