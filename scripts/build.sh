#!/usr/bin/env bash
# Configures and builds lmharness (Release) into build/. In CI (CI=true) warnings are errors.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/compiler-cache.sh
cmake -B build -DCMAKE_BUILD_TYPE=Release -DLMH_WERROR="$werror" "${cmake_launcher[@]}" "${unity[@]}" "$@" >/dev/null
cmake --build build -j"$(nproc)"
