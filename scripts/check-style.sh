#!/usr/bin/env bash
# What CI enforces on the C++ besides the tests: every C++ file formatted by .clang-format, and
# clang-tidy (.clang-tidy, warnings are errors) clean on every translation unit of server/.
# Takes the build directory whose compile_commands.json to use (default build/release).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
build=${1:-build/release}
jobs=$(nproc 2>/dev/null || echo 2)

mapfile -t sources < <(find server tests load-tests fuzz \( -name '*.cpp' -o -name '*.hpp' -o -name '*.h' \
  -o -name '*.c' \) -not -path '*/node_modules/*' | sort)
echo "style: clang-format on ${#sources[@]} files"
clang-format --dry-run --Werror "${sources[@]}"

echo "style: clang-tidy on server/ ($build/compile_commands.json)"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! run-clang-tidy -p "$build" -j "$jobs" -quiet "$(pwd)/server/" >"$log" 2>&1; then
  grep -E '(warning|error): ' "$log" | sed 's/\x1b\[[0-9;]*m//g' | sort -u
  echo "style: clang-tidy found problems (above)"
  exit 1
fi
echo "style: clean"
