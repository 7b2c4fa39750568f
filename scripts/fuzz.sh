#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, ASan + UBSan) into build-fuzz/ and runs each for
# SECONDS_PER_TARGET seconds (default 60), then prints executions and coverage per target.
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]     e.g. scripts/fuzz.sh 10 (CI)
#   LMH_FUZZ_PARALLEL=1 scripts/fuzz.sh 600              one target at a time (default: 2, or 1 on one core)
#
# Seeds: fuzz/corpus/<target>/ (committed, hand made) plus inputs derived from the real
# files in models/ (fuzz/real_seeds.py). New inputs go to build-fuzz/corpus/<target>/, which
# persists between runs; crashes go to build-fuzz/artifacts/<target>/. A crash becomes a
# regression test: copy it to tests/data/fuzz/<target>/ (tests/fuzz_regression_test.cpp
# replays every file there). Exit status is non-zero if any target crashed.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
shift || true
build=build-fuzz

if ! command -v clang++ >/dev/null; then echo "fuzz.sh: clang++ not found (apt-get install clang libclang-rt-dev)" >&2; exit 1; fi
if [[ ! -f $build/build.ninja && ! -f $build/Makefile ]]; then
  generator=(); command -v ninja >/dev/null && generator=(-G Ninja)
  # Warnings are errors only in the Release build (build.sh); this clang build is not audited for them.
  cmake -B $build -DLMH_WERROR=OFF "${generator[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ \
    -DLMH_FUZZ=ON -DLMH_BUILD_TESTS=OFF -DLMH_BUILD_BENCH=OFF >/dev/null
fi

all_targets=(safetensors gguf config tokenizer_load tokenizer_encode chat_template workload)
[[ -f bench/record_io.cpp ]] && all_targets+=(record_io)
targets=("$@")
(( $# )) || targets=("${all_targets[@]}")
cmake --build $build -j2 --target "${targets[@]/#/fuzz_}" >/dev/null

# -max_len per target: big enough for a realistic file of that kind, small enough to keep
# executions fast (real files bigger than that are shrunk by real_seeds.py).
declare -A max_len=([safetensors]=4096 [gguf]=16384 [config]=2048 [tokenizer_load]=16384 [tokenizer_encode]=4096
                    [chat_template]=2048 [workload]=2048 [record_io]=4096)
declare -A dict=([safetensors]=json.dict [gguf]=gguf.dict [config]=json.dict [tokenizer_load]=json.dict
                 [workload]=json.dict [record_io]=json.dict [chat_template]=jinja.dict)

seeds=$build/real-seeds
rm -rf "$seeds"
python3 fuzz/real_seeds.py . "$seeds"

run_target() {
  local t=$1
  local corpus=$build/corpus/$t artifacts=$build/artifacts/$t
  mkdir -p "$corpus" "$artifacts" "$seeds/$t"
  local args=(-max_total_time="$seconds" -max_len="${max_len[$t]}" -timeout=10 -rss_limit_mb=2048
              -print_final_stats=1 -artifact_prefix="$artifacts/")
  [[ -n ${dict[$t]:-} ]] && args+=(-dict="fuzz/${dict[$t]}")
  # A target may have no hand-made seeds (fuzz/corpus/<t>/), only derived ones: libFuzzer
  # stops at once on a corpus folder that does not exist.
  local dirs=("$corpus" "$seeds/$t")
  [[ -d fuzz/corpus/$t ]] && dirs+=("fuzz/corpus/$t")
  "$build/fuzz_$t" "${args[@]}" "${dirs[@]}" >"$build/fuzz_$t.log" 2>&1
}

status=0
cores=$(nproc)
parallel=${LMH_FUZZ_PARALLEL:-$(( cores >= 2 ? 2 : 1 ))}
declare -A pid_of
for t in "${targets[@]}"; do
  while (( $(jobs -rp | wc -l) >= parallel )); do wait -n || true; done
  echo "fuzzing $t for ${seconds}s ..."
  run_target "$t" &
  pid_of[$t]=$!
done
for t in "${targets[@]}"; do wait "${pid_of[$t]}" || true; done

printf '\n%-18s %12s %8s %8s %8s  %s\n' target executions exec/s cov ft result
for t in "${targets[@]}"; do
  log=$build/fuzz_$t.log
  runs=$(grep -oE 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -oE '[0-9]+$' || echo '?')
  rate=$(grep -oE 'stat::average_exec_per_sec: *[0-9]+' "$log" | grep -oE '[0-9]+$' || echo '?')
  last=$(grep -E '^#[0-9]+' "$log" | tail -1 || true)
  cov=$(grep -oE 'cov: [0-9]+' <<<"$last" | grep -oE '[0-9]+' || echo '?')
  ft=$(grep -oE 'ft: [0-9]+' <<<"$last" | grep -oE '[0-9]+' || echo '?')
  result=ok
  if [[ $runs == '?' ]]; then
    # No final stats: the fuzzer never ran (bad flag, missing folder): that must not pass as ok.
    result="DID NOT RUN: $(tail -1 "$log") (log: $log)"
    status=1
  elif grep -qE 'ERROR: (libFuzzer|AddressSanitizer|UndefinedBehaviorSanitizer|LeakSanitizer)|runtime error:|Test unit written' "$log"; then
    result="CRASH: $(grep -oE "Test unit written to [^ ]+" "$log" | head -1 | sed 's/Test unit written to //') (log: $log)"
    status=1
  fi
  printf '%-18s %12s %8s %8s %8s  %s\n' "$t" "$runs" "$rate" "$cov" "$ft" "$result"
done
exit $status
