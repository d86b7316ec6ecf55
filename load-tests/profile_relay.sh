#!/usr/bin/env bash
# Profiles the server and Redis under a steady relay load (perf, flat profile + call graph of the
# server): what BENCHMARKS.md quotes under "what limits the relay". Writes reports to
# build/load/profile/. Usage: load-tests/profile_relay.sh [MSGS_PER_S] [SECONDS]
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$repo/build/load}
livechat=${LIVECHAT:-$build/server/app/livechat}
[ -x "$livechat" ] || livechat=$repo/build/release/server/app/livechat
rate=${1:-6000}
secs=${2:-8}
out=$build/profile
run=$(mktemp -d "$build/run/profile-XXXXXX")
chmod 711 "$run"  # the embedded PostgreSQL runs as an unprivileged user when we are root
mkdir -p "$out"
port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
rport=$(port)
lport=$(port)
secret=profile-relay-secret-0123456789abcdef  # the server refuses one under 32 bytes
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true
  rm -rf "$run"; }
trap cleanup EXIT
redis-server --port "$rport" --bind 127.0.0.1 --dir "$run" --appendonly yes \
  --appendfsync everysec --save "" --loglevel warning >"$run/redis.log" 2>&1 &
rpid=$!; pids+=("$rpid")
sleep 0.5
"$livechat" --listen "127.0.0.1:$lport" --redis "redis://127.0.0.1:$rport" --secret "$secret" \
  --node-id n1 --data-dir "$run" --log-level warn --departments d0,d1,d2,d3 \
  --connections-per-address 1000000 --joins-per-minute 100000 --max-queued-per-address 100000 \
  --max-messages-before-answer 100000 --messages-per-second 1000000 >"$run/lc.log" 2>&1 &
lpid=$!; pids+=("$lpid")
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$lport/readyz" >/dev/null && break; sleep 0.1; done
# Warm-up step, then the profiled step.
"$build/load-tests/lc_load" --targets "127.0.0.1:$lport" --sources 127.0.0.10 --secret "$secret" \
  --visitors 1000 --agents 1000 --steps "$rate,$rate" --step-seconds "$secs" \
  --out "$run/gen.json" 2>"$run/gen.err" &
gpid=$!; pids+=("$gpid")
sleep $((secs + 4))
redis-cli -p "$rport" config resetstat >/dev/null
timeout 3 strace -c -f -p "$lpid" -o "$out/server_syscalls.txt" >/dev/null 2>&1 || true
redis-cli -p "$rport" info commandstats >"$out/redis_commandstats.txt"
perf record -F 1999 -g -o "$out/server.data" -p "$lpid" -- sleep "$((secs - 2))" \
  >/dev/null 2>&1 &
p1=$!
perf record -F 1999 -o "$out/redis.data" -p "$rpid" -- sleep "$((secs - 2))" >/dev/null 2>&1 &
p2=$!
wait "$p1" "$p2" || true
wait "$gpid" || true
cat "$run/gen.err"
perf report -i "$out/server.data" --no-children --sort dso --stdio -g none 2>/dev/null \
  | grep -v '^#' | grep '%' | head -12 >"$out/server_dso.txt"
perf report -i "$out/server.data" --no-children --sort dso,symbol --stdio -g none 2>/dev/null \
  | grep -v '^#' | grep '%' | head -60 >"$out/server_flat.txt"
perf report -i "$out/server.data" --children --sort symbol --stdio -g none 2>/dev/null \
  | grep -v '^#' | grep '%' | head -80 >"$out/server_children.txt"
perf report -i "$out/redis.data" --no-children --sort dso,symbol --stdio -g none 2>/dev/null \
  | grep -v '^#' | grep '%' | head -40 >"$out/redis_flat.txt"
echo "reports in $out: server_dso.txt server_flat.txt server_children.txt redis_flat.txt" \
  "server_syscalls.txt (3 s at $rate msg/s) redis_commandstats.txt (3 s)"
