#!/usr/bin/env bash
# Redis CPU per call of the per-message Functions against a minimal persist-and-publish function
# measured the same way (issue 10): a private redis-server (AOF everysec), redis-benchmark with a
# pipeline, then INFO commandstats (usec_per_call of FCALL; CONFIG RESETSTAT before each).
#   load-tests/function_cost.sh [calls per function, default 200000] [pipeline, default 16]
# Prints one table row per function and the ratio to the minimal one.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
calls="${1:-200000}"
pipeline="${2:-16}"
run=$(mktemp -d /tmp/lc-fcost-XXXXXX)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cleanup() {
  redis-cli -p "$port" shutdown nosave >/dev/null 2>&1 || true
  rm -rf "$run"
}
trap cleanup EXIT
redis-server --port "$port" --bind 127.0.0.1 --dir "$run" --appendonly yes --appendfsync everysec \
  --save "" --daemonize yes --logfile "$run/redis.log" >/dev/null
for _ in $(seq 1 50); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done
cli() { redis-cli -p "$port" "$@"; }

cli FUNCTION LOAD REPLACE "$(cat server/store/livechat.lua)" >/dev/null
# The floor: dedup by client id, take a seq, XADD, PUBLISH, in one call.
cli FUNCTION LOAD REPLACE "#!lua name=lcmin
redis.register_function('min_post', function(keys, args)
  local conv, cmid, text = args[1], args[2], args[3]
  if redis.call('HSETNX', 'm:' .. conv .. ':c', cmid, 1) == 0 then return 0 end
  local seq = redis.call('HINCRBY', 'm:' .. conv, 'seq', 1)
  redis.call('XADD', 'm:' .. conv .. ':s', '0-' .. seq, 't', text)
  redis.call('PUBLISH', 'm:n', seq)
  return seq
end)" >/dev/null

epoch=$(cli FCALL lc_lease 0 n1 600000 0)
conv=c0123456789abcdef01234567
visitor=v0123456789abcdef01234567
cli FCALL lc_join 0 n1 "$epoch" "$conv" "$visitor" Vee "" support "" "" "" "" 0 >/dev/null

# usec_per_call of FCALL after `calls` calls of the given command line.
measure() {
  cli CONFIG RESETSTAT >/dev/null
  redis-benchmark -p "$port" -P "$pipeline" -n "$calls" -r 100000000000 -q "$@" >/dev/null
  local stats
  stats=$(cli INFO commandstats | tr -d '\r' | grep '^cmdstat_fcall:')
  # A refused call is cheap and would flatter the number: every call must have succeeded.
  if ! grep -q 'failed_calls=0' <<<"$stats"; then
    echo "function_cost: calls failed: $stats" >&2
    exit 1
  fi
  sed -n 's/.*usec_per_call=\([0-9.]*\).*/\1/p' <<<"$stats"
}
text="a chat message of about sixty-four bytes, the relay default size"
floor=$(measure FCALL min_post 0 "$conv" m__rand_int__ "$text")
post=$(measure FCALL lc_post 0 n1 "$epoch" "$conv" 1 "$visitor" Vee m__rand_int__ "$text" "" 0)
typing=$(measure FCALL lc_signal 0 n1 "$epoch" "$conv" 1 "$visitor" typing 1 Vee)
echo "| function | Redis µs per call | ÷ min_post |"
echo "|---|---|---|"
for row in "min_post $floor" "lc_post $post" "lc_signal(typing) $typing"; do
  set -- $row
  echo "| $1 | $2 | $(python3 -c "print(f'{$2 / $floor:.2f}')") |"
done
echo "(calls $calls, pipeline $pipeline, redis $(redis-server --version | sed 's/.*v=\([^ ]*\).*/\1/'))"
