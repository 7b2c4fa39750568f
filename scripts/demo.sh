#!/usr/bin/env bash
# From a fresh Debian machine to a story: install dependencies, build, fetch the models,
# and let TinyStories write one.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
scripts/fetch-models.sh
echo "--- lmharness story ---" >&2
build/lmharness story -p "Once upon a time" -n 200
