// Benchmark records: the one struct the runner writes, `compare` and `history` read.
// A results file is {"schema": "lmharness-bench/1", "provenance": {...}, "records": [...]};
// each record keeps every raw sample so significance can be decided later, and its
// metrics (median/mean/stddev/min/max) are always derived from those samples by summarize().
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace lmh::bench {

inline constexpr const char* kBenchSchema = "lmharness-bench/1";

struct MetricSummary {
    double median = 0, mean = 0, stddev = 0, min = 0, max = 0;
    std::string unit;             // "tok/s", "ms", "bytes", or "" when unknown
    bool higher_is_better = true;
};

// What one sample series measures, from its name: *_tokens_per_second are rates (higher is
// better), *_ms are latencies (lower is better). Unknown names: no unit, higher is better.
MetricSummary metric_kind(const std::string& metric);

// Statistics of one series; `samples` must be non-empty.
MetricSummary summarize(const std::vector<double>& samples, const std::string& metric);
// One summary per series, unit and direction from metric_kind().
std::map<std::string, MetricSummary> summarize(const std::map<std::string, std::vector<double>>& samples);

// What a record measures: records of two runs are compared when all four match. Records,
// compare's configurations and history's series all carry it, so they name, key and print a
// configuration the same way.
struct ConfigId {
    std::string workload;
    std::string case_name;  // "generate", "prefill256", "chat"
    std::string kernels;    // as asked for on the command line
    int threads = 1;

    // "workload/case/kernels/threads", for messages and maps.
    std::string key() const;
    // "story / generate / kernels tbb / 2 threads": the heading of a configuration's block.
    std::string heading() const;
    const ConfigId& config() const { return *this; }
    ConfigId& config() { return *this; }
};

// {"workload", "case", "kernels", "threads"}: the fields of a record, a comparison or a series
// that name its configuration.
nlohmann::json to_json(const ConfigId& c);

struct BenchRecord : ConfigId {
    std::string workload_sha256;
    std::string kernels_resolved;  // per-op variants actually used
    int repetitions = 0;
    int warmup = 0;
    std::map<std::string, std::vector<double>> samples;  // metric -> one value per repetition
    std::map<std::string, MetricSummary> metrics;        // derived: summarize(samples)
    std::optional<std::int64_t> peak_rss_bytes;
    std::string tokens_hash;
    bool token_mismatch = false;  // repetitions produced different tokens: the run is suspect
    int generated_tokens = 0;
    int prompt_tokens = 0;
    std::vector<std::string> warnings;
};

// A whole results file. Provenance (commit, build, CPU, date) is per file: every record in
// it was produced by the same binary on the same machine.
struct BenchFile {
    nlohmann::json provenance = nlohmann::json::object();
    std::vector<BenchRecord> records;
};

nlohmann::json to_json(const BenchRecord& r);
nlohmann::json to_json(const BenchFile& f);

// Validates as it parses; any problem throws lmh::Error "FILE: records[2].samples.ttft_ms[0]:
// must be a finite number >= 0, found -1". `source` names the file in messages.
BenchRecord record_from_json(const nlohmann::json& j, const std::string& source, const std::string& where);
BenchFile bench_file_from_json(const nlohmann::json& j, const std::string& source);
BenchFile read_bench_file(const std::filesystem::path& path);
// Atomic: readers see the previous file or the whole new one.
void write_bench_file(const std::filesystem::path& path, const BenchFile& file);

}  // namespace lmh::bench
