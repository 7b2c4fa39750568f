// Interleaved A/B comparison of two kernel sets on one loaded model. Back-to-back runs on
// a shared machine drift by tens of percent, so A and B alternate in ABBA order round by
// round, each round's pair forms one log-ratio, and the verdict is the median paired ratio
// with a sign-test confidence interval (as nanobench does).
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "bench/bench_runner.h"
#include "bench/stats.h"

namespace lmh::bench {

struct AbMetric {
    std::string case_name;
    std::string metric;  // "decode_tokens_per_second" or "prefill_tokens_per_second"
    std::vector<double> a, b;
    PairedRatio ratio;  // B relative to A, higher is faster
};

struct AbResult {
    std::string workload, set_a, set_b;
    int threads = 1, rounds = 0;
    bool tokens_equal = true;
    std::vector<AbMetric> metrics;
};

AbResult run_ab(const Workload& w, const std::string& set_a, const std::string& set_b, int threads, int rounds,
                const std::filesystem::path& root);
std::string ab_summary(const AbResult& r);
nlohmann::json to_json(const AbResult& r);

}  // namespace lmh::bench
