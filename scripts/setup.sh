#!/usr/bin/env bash
# Installs whatever this project needs from Debian 12 that is missing, then configures and builds
# the release preset. `--test` adds what only the test suite needs (nginx and promtool for the
# deploy/ checks and fault tests, Chromium for the web client, clang-format and clang-tidy for
# the style checks, clang and its libFuzzer runtime for the fuzz targets). Safe to run again: it
# only adds.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

packages=(g++ cmake ninja-build pkg-config ccache libboost1.81-dev libhiredis-dev redis-server
  libprotobuf-dev protobuf-compiler libspdlog-dev libgtest-dev libssl-dev)
# The web client builds with node (>= 20.19 for Vite 7; the machine image ships node 20).
command -v node >/dev/null 2>&1 || packages+=(nodejs npm)
if [ "${1:-}" = "--test" ]; then
  packages+=(nginx libnginx-mod-nchan python3 python3-yaml prometheus chromium clang-format
    clang-tidy clang libclang-rt-14-dev openssl)
fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  # Packages such as redis-server, nginx and prometheus would start system-wide daemons on
  # install; the project runs its own private instances, so keep the system ones stopped.
  policy=/usr/sbin/policy-rc.d
  added_policy=0
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' | "${sudo_cmd[@]}" tee "$policy" >/dev/null
    "${sudo_cmd[@]}" chmod +x "$policy"
    added_policy=1
  fi
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
  [ "$added_policy" = 0 ] || "${sudo_cmd[@]}" rm -f "$policy"
fi

jobs=$(nproc 2>/dev/null || echo 2)
cmake --preset release >/dev/null
cmake --build --preset release -j "$jobs"
./client-web/scripts/build.sh
