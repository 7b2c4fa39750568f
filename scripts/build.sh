#!/usr/bin/env bash
# Configures and builds lmharness (Release) into build/. In CI (CI=true) warnings are errors.
set -euo pipefail
cd "$(dirname "$0")/.."
werror=OFF
if [[ "${CI:-}" == "true" ]]; then werror=ON; fi
cmake -B build -DCMAKE_BUILD_TYPE=Release -DLMH_WERROR="$werror" "$@" >/dev/null
cmake --build build -j"$(nproc)"
