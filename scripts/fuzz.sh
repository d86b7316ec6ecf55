#!/usr/bin/env bash
# Builds the libFuzzer targets (the `fuzz` preset: clang, ASan+UBSan) and runs each for a bounded
# time from its seed corpus in fuzz/corpus/<target>, two at a time (the machine has 2 cores).
# The seeds are read only; what a run discovers goes to build/fuzz/corpus/<target>. A crash,
# leak, sanitizer report or timeout fails the run and leaves the input in build/fuzz/artifacts.
#   scripts/fuzz.sh [seconds per target, default 60] [target...]
# Longer runs: scripts/fuzz.sh 3600 envelope (README, "Fuzzing").
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
seconds="${1:-60}"
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(business_hours envelope file_type chat_form http_request json_value token wakeup ws_frame)

cmake --preset fuzz >/dev/null
cmake --build --preset fuzz -j "$(nproc 2>/dev/null || echo 2)"

out=build/fuzz/artifacts
mkdir -p "$out"
run_one() {
  local t=$1 work=build/fuzz/corpus/$1
  mkdir -p "$work"
  # -timeout: one input may take at most 5 s; -rss_limit_mb bounds memory; the seed directory
  # comes second so new inputs land in the work directory only.
  "build/fuzz/fuzz/${t}_fuzz" -max_total_time="$seconds" -timeout=5 -rss_limit_mb=2048 \
    -max_len=65536 -print_final_stats=1 -artifact_prefix="$out/${t}-" "$work" "fuzz/corpus/$t" \
    >"build/fuzz/${t}.log" 2>&1
}
failed=0
pids=()
names=()
# Waits for the runs in flight and reports each.
reap() {
  for i in "${!pids[@]}"; do
    if wait "${pids[$i]}"; then
      echo "fuzz: ${names[$i]} clean"
    else
      echo "fuzz: ${names[$i]} FAILED (build/fuzz/${names[$i]}.log):"
      tail -30 "build/fuzz/${names[$i]}.log"
      failed=1
    fi
  done
  pids=()
  names=()
}
for t in "${targets[@]}"; do
  run_one "$t" &
  pids+=($!)
  names+=("$t")
  [ ${#pids[@]} -lt 2 ] || reap
done
reap
for t in "${targets[@]}"; do
  grep -h "stat::number_of_executed_units" "build/fuzz/${t}.log" | sed "s/^/fuzz: $t /" || true
done
exit "$failed"
