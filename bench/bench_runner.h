// The benchmark runner: for each kernel set × thread count, runs a workload N times after
// warm-up and keeps every raw sample. Records follow the "lmharness-bench/1" schema that
// bench/record_io.h reads (see README, "Benchmarks").
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "bench/workload.h"

namespace lmh::bench {

struct BenchOptions {
    std::vector<std::string> kernel_sets;
    std::vector<int> threads;
    int repetitions = 5;
    int warmup = 1;
    // Testing aid: after every decode step, spin for this percentage of the step's own time,
    // a known slowdown that `compare` must detect. 0 in every real run.
    double slowdown_percent = 0;
    std::filesystem::path root = ".";  // model paths in workloads are relative to this
};

// One configuration's result, as the JSON record plus the summary the table prints.
struct ConfigResult {
    nlohmann::json record;
};

using Progress = std::function<void(const std::string& config, int rep, int reps, double eta_seconds)>;

// Runs every configuration of one workload. Sets "token_mismatch" on records whose greedy
// tokens differ from the naive set's (or, without naive, the first configuration's).
std::vector<nlohmann::json> run_workload(const Workload& w, const BenchOptions& o, const Progress& progress);

// The compact table: median ± stddev per metric, one row per configuration.
std::string bench_table(const std::vector<nlohmann::json>& records);

}  // namespace lmh::bench
