// Synthetic benchmark results with known samples, for the compare and history tests: no
// dependence on the benchmark runner. Values are a level times a deterministic "noise"
// factor of at most ±2% (golden-angle sine), so every expected verdict can be reasoned out.
#pragma once

#include <cmath>
#include <string>
#include <vector>

#include "bench/record_io.h"

namespace lmh::test {

// n samples around `level`, spread ±2%; `phase` shifts the pattern so two sets interleave.
inline std::vector<double> noisy(double level, std::size_t n, double phase = 0.0) {
    std::vector<double> v;
    for (std::size_t i = 0; i < n; ++i) v.push_back(level * (1.0 + 0.02 * std::sin(2.39996 * static_cast<double>(i) + phase)));
    return v;
}

// One record of the usual shape: decode and prefill rates plus a time-to-first-token.
inline bench::BenchRecord synthetic_record(const std::string& workload, const std::string& kernels, int threads,
                                           double decode_level, std::size_t n, double phase = 0.0,
                                           double ttft_level = 50.0) {
    bench::BenchRecord r;
    r.workload = workload;
    r.case_name = "generate";
    r.kernels = kernels;
    r.threads = threads;
    r.repetitions = static_cast<int>(n);
    r.warmup = 1;
    r.samples["decode_tokens_per_second"] = noisy(decode_level, n, phase);
    r.samples["prefill_tokens_per_second"] = noisy(4 * decode_level, n, phase + 1);
    r.samples["ttft_ms"] = noisy(ttft_level, n, phase + 2);
    r.metrics = bench::summarize(r.samples);
    r.tokens_hash = "abc";
    r.generated_tokens = 64;
    r.prompt_tokens = 6;
    return r;
}

inline bench::BenchFile synthetic_file(std::vector<bench::BenchRecord> records, const std::string& commit = "0123456789abcdef",
                                       const std::string& date = "2025-01-01T00:00:00Z") {
    bench::BenchFile f;
    f.provenance = {{"git_commit", commit}, {"git_dirty", false}, {"date", date}, {"build_type", "Release"}};
    f.records = std::move(records);
    return f;
}

}  // namespace lmh::test
