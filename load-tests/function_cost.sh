#!/usr/bin/env bash
# Redis CPU per call of the per-message Functions against a minimal persist-and-publish function
# measured the same way (issue 10): a private redis-server (AOF everysec), calls pipelined by
# redis-benchmark (or redis-cli --pipe where each call needs its own argument), then INFO
# commandstats (usec_per_call of FCALL; CONFIG RESETSTAT before each). The functions are measured
# in interleaved rounds and each row is the median, so a noisy moment touches every row alike.
#   load-tests/function_cost.sh [calls per function and round, default 100000] [pipeline, 16]
#                               [rounds, default 3]
# Prints one table row per function and its ratio to the minimal one.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
calls="${1:-100000}"
pipeline="${2:-16}"
rounds="${3:-3}"
run=$(mktemp -d /tmp/lc-fcost-XXXXXX)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cleanup() {
  redis-cli -p "$port" shutdown nosave >/dev/null 2>&1 || true
  [ -n "${vg:-}" ] && wait "$vg" 2>/dev/null
  [ -n "${FCOST_KEEP:-}" ] || rm -rf "$run"
}
trap cleanup EXIT
# No automatic AOF rewrite: its forked child would compete for the two cores mid-measurement.
server=(redis-server --port "$port" --bind 127.0.0.1 --dir "$run" --appendonly yes
  --appendfsync everysec --auto-aof-rewrite-percentage 0 --save "" --logfile "$run/redis.log")
# FCOST_TOOL=callgrind counts instructions instead (deterministic where time is noisy): every
# instruction the server runs for the calls, parsing and replies and AOF included.
tool="${FCOST_TOOL:-time}"
if [ "$tool" = callgrind ]; then
  valgrind --tool=callgrind --callgrind-out-file="$run/cg.%p" "${server[@]}" 2>"$run/vg.log" &
  vg=$!
else
  "${server[@]}" --daemonize yes >/dev/null
fi
for _ in $(seq 1 200); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done
[ -n "${FCOST_PERF:-}" ] && echo "redis port $port" >&2
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

# One conversation, assigned to an agent on the same node: the relay benchmark's shape.
epoch=$(cli FCALL lc_lease 0 n1 600000 0)
conv=c0123456789abcdef01234567
visitor=v0123456789abcdef01234567
agent=alice
cli FCALL lc_join 0 n1 "$epoch" "$conv" "$visitor" Vee "" support "" "" "" "" 0 "" "" >/dev/null
cli FCALL lc_agent_connect 0 n1 "$epoch" "$agent" Alice 4 support >/dev/null
cli FCALL lc_presence 0 n1 "$epoch" "$agent" online 4 >/dev/null
[ "$(cli FCALL lc_match 0 support 1 | head -1)" = "$conv" ] || {
  echo "function_cost: the conversation was not assigned" >&2
  exit 1
}

# usec_per_call of FCALL since the last reset; every call must have succeeded (a refused call is
# cheap and would flatter the number).
usec_per_call() {
  local stats
  stats=$(cli INFO commandstats | tr -d '\r' | grep '^cmdstat_fcall:')
  if ! grep -q 'failed_calls=0' <<<"$stats"; then
    echo "function_cost: calls failed: $stats" >&2
    exit 1
  fi
  sed -n 's/.*usec_per_call=\([0-9.]*\).*/\1/p' <<<"$stats"
}
# Under callgrind: instructions per call between a zero and a dump of the counters.
start_count() {
  cli CONFIG RESETSTAT >/dev/null
  [ "$tool" = callgrind ] && callgrind_control -z "$vg" >/dev/null 2>&1
  return 0
}
per_call() {
  local us
  us=$(usec_per_call)
  if [ "$tool" = callgrind ]; then
    callgrind_control -d "$vg" >/dev/null 2>&1
    local ir
    ir=$(sed -n 's/^summary: *//p' "$(ls -t "$run/cg.$vg".* | head -1)")
    python3 -c "print(f'{$ir / $calls / 1000:.1f}k')"
  else
    echo "$us"
  fi
}
bench() {
  start_count
  redis-benchmark -p "$port" -P "$pipeline" -n "$calls" -r 100000000000 -q "$@" >/dev/null
  per_call
}
# Delivered receipts for seqs first..first+calls-1, each moving the high-water mark.
receipts() {
  python3 - "$1" "$calls" "$epoch" "$conv" "$agent" >"$run/receipts.resp" <<'EOF'
import sys
first, n, epoch, conv, agent = int(sys.argv[1]), int(sys.argv[2]), *sys.argv[3:]
out = sys.stdout.buffer
for seq in range(first, first + n):
    args = ["FCALL", "lc_signal", "0", "n1", epoch, conv, "2", agent, "delivered", str(seq), ""]
    out.write(b"*%d\r\n" % len(args))
    for a in args:
        b = a.encode()
        out.write(b"$%d\r\n%s\r\n" % (len(b), b))
EOF
  start_count
  cli --pipe <"$run/receipts.resp" >/dev/null
  per_call
}

text="a chat message of about sixty-four bytes, the relay default size"
# What the node sends as lc_post's last argument: the message's fields as netstrings.
body() { # role sender name cmid
  echo "1:k1:11:r1:${1}2:id${#2}:${2}1:n${#3}:${3}1:t${#text}:${text}1:c${#4}:${4}"
}
declare -A samples
names="min_post lc_post(visitor) lc_post(agent) lc_signal(typing) lc_signal(delivered)"
next_receipt=1
for _ in $(seq 1 "$rounds"); do
  samples[min_post]+=" $(bench FCALL min_post 0 "$conv" m__rand_int__ "$text")"
  samples[lc_post(visitor)]+=" $(bench FCALL lc_post 0 n1 "$epoch" "$conv" 1 "$visitor" \
    m__rand_int__ "" 0 "$(body 1 "$visitor" Vee m__rand_int__)")"
  samples[lc_post(agent)]+=" $(bench FCALL lc_post 0 n1 "$epoch" "$conv" 2 "$agent" \
    m__rand_int__ "" 0 "$(body 2 "$agent" Alice m__rand_int__)")"
  samples[lc_signal(typing)]+=" $(bench FCALL lc_signal 0 n1 "$epoch" "$conv" 1 "$visitor" \
    typing 1 Vee)"
  samples[lc_signal(delivered)]+=" $(receipts "$next_receipt")"
  next_receipt=$((next_receipt + calls))
done
# FCOST_PACED=RATE: also each per-message function's Redis process CPU per call when calls come
# one at a time at RATE a second (no pipelining: what a lightly loaded node sends), against
# min_post the same way: the floor's Redis part at the relay benchmark's common rate.
paced_rows=()
if [ -n "${FCOST_PACED:-}" ] && [ "$tool" != callgrind ]; then
  rpid=$(cli INFO server | tr -d '\r' | sed -n 's/^process_id://p')
  paced() { load-tests/paced_calls.py "$port" "$rpid" "$FCOST_PACED" "${FCOST_PACED_SECONDS:-5}" "$@"; }
  paced_rows+=("min_post $(paced FCALL min_post 0 "$conv" p__seq__ "$text")")
  paced_rows+=("lc_post(visitor) $(paced FCALL lc_post 0 n1 "$epoch" "$conv" 1 "$visitor" \
    v__seq__ "" 0 "$(body 1 "$visitor" Vee v__seq__)")")
  paced_rows+=("lc_post(agent) $(paced FCALL lc_post 0 n1 "$epoch" "$conv" 2 "$agent" \
    a__seq__ "" 0 "$(body 2 "$agent" Alice a__seq__)")")
fi
median() { tr ' ' '\n' <<<"$1" | grep . | sort -g | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
number() { tr -d k <<<"$1"; }
floor=$(median "${samples[min_post]}")
unit="Redis µs per call"
[ "$tool" = callgrind ] && unit="Redis instructions per call"
echo "| function | $unit (median of $rounds) | ÷ min_post |"
echo "|---|---|---|"
for name in $names; do
  m=$(median "${samples[$name]}")
  echo "| $name | $m | $(python3 -c "print(f'{$(number "$m") / $(number "$floor"):.2f}')") |"
done
echo "(calls $calls per round, pipeline $pipeline, redis $(redis-server --version | sed 's/.*v=\([^ ]*\).*/\1/'))"
if [ ${#paced_rows[@]} -gt 0 ]; then
  echo
  echo "| function, one call at a time at ${FCOST_PACED}/s | Redis process CPU µs per call | ÷ min_post |"
  echo "|---|---|---|"
  pfloor=$(set -- ${paced_rows[0]}; echo "$2")
  for row in "${paced_rows[@]}"; do
    set -- $row
    echo "| $1 | $2 | $(python3 -c "print(f'{$2 / $pfloor:.2f}')") |"
  done
fi
