#!/usr/bin/env bash
# Finds the first commit whose speed regressed significantly, with `git bisect run`.
#   scripts/bisect-perf.sh GOOD BAD [--workload story|chat] [--threshold PERCENT] [--kernels SET] [--threads N]
# Measures GOOD once as the baseline, then at every bisection step builds the commit in a
# separate worktree, runs `lmharness bench` (9 repetitions, compare-grade) and asks
# `lmharness compare --fail-on-regression` against the baseline: a significant slowdown
# beyond the threshold marks the commit bad; a commit that does not build is skipped.
set -euo pipefail
if [ "${1:-}" = "--step" ]; then
  # Internal: one bisection step, run by git bisect in the worktree.
  shift; workload=$1 threshold=$2 kernels=$3 threads=$4 baseline=$5
  cmake -B build-bisect -DCMAKE_BUILD_TYPE=Release -DLMH_BUILD_TESTS=OFF -DLMH_BUILD_BENCH=OFF >/dev/null 2>&1 || exit 125
  cmake --build build-bisect --target lmharness -j"$(nproc)" >/dev/null 2>&1 || exit 125
  ln -sfn "$LMH_MODELS" models
  build-bisect/lmharness bench -w "$workload" --kernels "$kernels" --threads "$threads" -r 9 --json /tmp/lmh-bisect-new.json >/dev/null 2>&1 || exit 125
  build-bisect/lmharness compare "$baseline" /tmp/lmh-bisect-new.json --threshold "$threshold" --fail-on-regression
  rc=$?
  [ $rc -eq 0 ] && exit 0
  [ $rc -eq 1 ] && exit 1
  exit 125
fi

[ $# -ge 2 ] || { echo "usage: $0 GOOD BAD [--workload W] [--threshold P] [--kernels SET] [--threads N]" >&2; exit 2; }
good=$1 bad=$2; shift 2
workload=story threshold=5 kernels=tbb-simd threads=1
while [ $# -gt 0 ]; do
  case $1 in
    --workload) workload=$2; shift 2 ;;
    --threshold) threshold=$2; shift 2 ;;
    --kernels) kernels=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    *) echo "bisect-perf: unknown option $1" >&2; exit 2 ;;
  esac
done
root=$(cd "$(dirname "$0")/.." && pwd)
# Resolve both ends here: inside the worktree, names like HEAD would mean something else.
good=$(git -C "$root" rev-parse --verify "$good^{commit}") || { echo "bisect-perf: unknown commit $good" >&2; exit 2; }
bad=$(git -C "$root" rev-parse --verify "$bad^{commit}") || { echo "bisect-perf: unknown commit $bad" >&2; exit 2; }
export LMH_MODELS="$root/models"
wt=$(mktemp -d /tmp/lmh-bisect.XXXXXX)
trap 'git -C "$root" worktree remove --force "$wt" >/dev/null 2>&1 || true' EXIT
git -C "$root" worktree add --detach "$wt" "$good" >/dev/null
cp "$root/scripts/bisect-perf.sh" "$wt/.bisect-step.sh"
cd "$wt"
echo "bisect-perf: measuring the baseline at $good ..." >&2
./.bisect-step.sh --step "$workload" "$threshold" "$kernels" "$threads" /dev/null >/dev/null 2>&1 || true
cp /tmp/lmh-bisect-new.json /tmp/lmh-bisect-base.json
# Bisecting only makes sense if BAD really is significantly slower than GOOD: check first,
# otherwise git bisect would blame BAD itself.
git checkout -q --detach "$bad"
if ./.bisect-step.sh --step "$workload" "$threshold" "$kernels" "$threads" /tmp/lmh-bisect-base.json >/tmp/lmh-bisect-check.txt 2>&1; then
  echo "bisect-perf: $bad is not significantly slower than $good (threshold $threshold%): nothing to bisect" >&2
  grep -E 'decode_tokens|prefill_tokens' /tmp/lmh-bisect-check.txt >&2 || true
  exit 1
fi
git checkout -q --detach "$good"
git bisect start "$bad" "$good" >/dev/null
git bisect run ./.bisect-step.sh --step "$workload" "$threshold" "$kernels" "$threads" /tmp/lmh-bisect-base.json
git bisect log | tail -n 5
git bisect reset >/dev/null
