// bench::run: every workload × kernel set × thread count, as `lmharness bench` runs them,
// returning the results file; the CLI only parses, calls this and prints.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "bench/ab_runner.h"
#include "bench/bench_runner.h"
#include "bench/record_io.h"

namespace lmh::bench {

struct RunAllOptions {
    std::vector<std::string> workloads;  // names (story, chat) or workload JSON files
    BenchOptions bench;                  // kernel sets, threads, repetitions, warm-up, ...
    std::filesystem::path workloads_dir = "bench/workloads";
    std::string json_path;  // when set, the file is rewritten atomically after each workload
    Progress progress;
};

struct BenchRun {
    nlohmann::json json;                   // the "lmharness-bench/1" file, as written
    BenchFile file;                        // the same, typed (record_io.h)
    std::vector<nlohmann::json> records;   // with the extras the typed record omits (roofline, profile)
    std::vector<std::string> warnings;     // every distinct record warning, in order
    std::vector<std::string> skipped;      // "simd threads 1: the same kernels as blocked on this CPU", ...
    bool token_mismatch = false;           // some configuration generated other greedy tokens
};

// "all" or "" -> every kernel set name; "naive,tbb" -> one set each; a spec with '=' is one
// set unless sets are separated by ';'. Throws lmh::Error "--kernels: ..." on unknown names.
std::vector<std::string> parse_kernel_sets(const std::string& text);

// --warmup: "auto" (-1) or an integer in [0, 10000]. --shard: "I/N" with 1 <= I <= N into
// shard_index (0-based) and shard_count; empty leaves them. Both throw lmh::Error.
int parse_warmup(const std::string& text);
void parse_shard(const std::string& text, BenchOptions& options);

// Loads and validates every workload first, then runs them. Throws lmh::Error on bad input.
BenchRun run(const RunAllOptions& options);

// `bench --ab A B`: interleaved rounds of two kernel sets on one loaded model, per workload
// and thread count. on_result is called after each (the CLI prints ab_summary).
struct AbRun {
    nlohmann::json json;  // {"schema": "lmharness-ab/1", "provenance", "results"}
    bool tokens_equal = true;
};
AbRun run_ab_all(const std::vector<std::string>& workloads, const std::vector<std::string>& sets,
                 const std::vector<int>& threads, int rounds,
                 const std::function<void(const Workload&, int threads)>& on_start,
                 const std::function<void(const AbResult&)>& on_result);

// Appends the run to a history database in one transaction, from the same JSON a file holds.
// Returns the number of records appended.
std::size_t append_to_history(const BenchRun& run, const std::string& db, const std::string& json_path);

// What the CLI prints to stdout: the bench table, and with the flags the roofline and
// per-op profile tables.
std::string run_text(const BenchRun& run, bool roofline, bool profile);

}  // namespace lmh::bench
