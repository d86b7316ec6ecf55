#!/usr/bin/env bash
# Sets up (installs what is missing, builds) and runs the whole test suite: unit tests of the
# pure core, integration tests against real redis-server instances, and end-to-end tests of the
# real binary over real WebSockets. Every test starts and stops its own processes.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
./scripts/setup.sh --test
jobs=$(nproc 2>/dev/null || echo 2)
ctest --preset release -j "$jobs"
