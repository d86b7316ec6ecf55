#!/usr/bin/env bash
# Sets up (installs what is missing, builds) and runs the whole test suite, every test starting
# and stopping its own processes:
#   1. style: clang-format and clang-tidy clean (scripts/check-style.sh);
#   2. the release build's tests: unit tests of the pure core; integration tests against real
#      redis-server instances; the service through its seams; end-to-end tests of the real
#      binary over real WebSockets; fault tests behind nginx; deploy/ checks; load-test quick
#      runs; the web client in headless Chromium;
#   3. an ASan+UBSan build of the tests that need no Beast (core, store, record, service) and of the
#      binary, with the churn test run against it;
#   4. the libFuzzer targets (fuzz/), 30 s each from their seed corpora (scripts/fuzz.sh;
#      LIVECHAT_FUZZ_SECONDS sets another bound);
#   5. opt-in, LIVECHAT_IMAGE_TEST=1: the container image built and run (deploy/image_test.sh;
#      ≈ 11 min cold here, installs podman/buildah/debootstrap when missing).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
./scripts/setup.sh --test
jobs=$(nproc 2>/dev/null || echo 2)

./scripts/check-style.sh build/release

ctest --preset release -j "$jobs" -LE churn

cmake --preset asan >/dev/null
cmake --build --preset asan -j "$jobs" --target core_tests store_tests record_tests service_tests \
  churn_tests livechat
ctest --preset asan -j "$jobs" -L '^(core|store|record|service|churn)$'

./scripts/fuzz.sh "${LIVECHAT_FUZZ_SECONDS:-30}"

if [ "${LIVECHAT_IMAGE_TEST:-0}" = 1 ]; then
  # Asked for explicitly: a skip (no engine, no base image) is a failure here.
  rc=0
  LIVECHAT_IMAGE_INSTALL=1 deploy/image_test.sh build/release || rc=$?
  if [ "$rc" != 0 ]; then
    echo "test.sh: deploy/image_test.sh exited $rc" >&2
    exit 1
  fi
fi
