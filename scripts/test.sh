#!/usr/bin/env bash
# The whole test suite, from a fresh Debian machine: dependencies, build, models, then
# the unit and integration tests (CTest/GoogleTest) and the end-to-end checks.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
scripts/fetch-models.sh

echo "=== unit and integration tests (ctest) ==="
ctest --test-dir build --output-on-failure -j2 --timeout 600

echo "=== end to end: story ==="
build/lmharness story -n 32 --temperature 0 >/dev/null
