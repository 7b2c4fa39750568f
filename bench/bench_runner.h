// The benchmark runner: for each kernel set × thread count, runs a workload N times after
// warm-up and keeps every raw sample. Records follow the "lmharness-bench/1" schema that
// bench/record_io.h reads (see README, "Benchmarks").
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "bench/workload.h"
#include "engine/chat_template.h"
#include "engine/tokenizer.h"
#include "engine/weights.h"

namespace lmh::bench {

struct BenchOptions {
    std::vector<std::string> kernel_sets;
    std::vector<int> threads;
    int repetitions = 5;
    int warmup = -1;  // < 0: adaptive (see run_workload)
    // Testing aid: after every decode step, spin for this percentage of the step's own time,
    // a known slowdown that `compare` must detect. 0 in every real run.
    double slowdown_percent = 0;
    // Add to each decode record its achieved weight bandwidth and GFLOP/s against a measured
    // read-bandwidth roofline (bench/roofline.h), as "roofline".
    bool roofline = false;
    // Add to each decode record a per-op time breakdown from one extra untimed run
    // (bench/profile.h), as "profile".
    bool profile = false;
    // Skip runs that would repeat an earlier one exactly on this CPU (kernels/run_plan.h);
    // false: --every-run.
    bool skip_equivalent = true;
    int shard_index = 0;  // run only configurations with index % shard_count == shard_index
    int shard_count = 1;
    std::filesystem::path root = ".";  // model paths in workloads are relative to this
};

// A model loaded once and shared by runs (A/B rounds reuse it).
struct LoadedModel {
    std::shared_ptr<const Weights> weights;
    std::shared_ptr<const Tokenizer> tokenizer;
    std::shared_ptr<const ChatTemplate> chat_template;  // chat workloads only
    double load_ms = 0;  // with `format`: until the weights are ready in that format
    static LoadedModel load(const std::filesystem::path& dir, bool chat, std::optional<kernels::WeightFormat> format = {});
};

// One run of one case ("generate", "prefill<N>", "chat") on a loaded model: what A/B
// rounds and tests need.
struct RunSample {
    double prefill_tps = 0, decode_tps = 0, ttft_ms = 0;
    std::string tokens_hash;
};
RunSample run_once(const Workload& w, const std::string& case_name, const LoadedModel& m, const std::string& kernels);
std::vector<std::string> workload_cases(const Workload& w);

// One configuration's result, as the JSON record plus the summary the table prints.
struct ConfigResult {
    nlohmann::json record;
};

using Progress = std::function<void(const std::string& config, int rep, int reps, double eta_seconds)>;

// Runs every configuration of one workload. Sets "token_mismatch" on records whose greedy
// tokens differ from the naive set's with the same weight format (f32 or bf16), or without
// one, from the first such configuration's.
std::vector<nlohmann::json> run_workload(const Workload& w, const BenchOptions& o, const Progress& progress);

// The compact table: median ± stddev per metric, one row per configuration.
std::string bench_table(const std::vector<nlohmann::json>& records);

// With --roofline: one row per decode record with GB/s, GFLOP/s and % of the roofline.
// Empty when no record has a "roofline" field.
std::string roofline_table(const std::vector<nlohmann::json>& records);

}  // namespace lmh::bench
