// Workload: what one benchmark run does, read from bench/workloads/*.json. The work is
// fixed — greedy sampling, EOS ignored, exact token counts — so every run of every kernel
// set does the same arithmetic and their times can be compared.
#pragma once

#include <filesystem>
#include <cstdint>
#include <string>
#include <vector>

namespace lmh::bench {

struct Workload {
    std::string name;
    std::string kind;  // "generate" (story), "chat" or "serve"
    std::filesystem::path model;
    std::string sha256;  // of the workload file's bytes
    std::string content;  // the file itself, for the record
    // generate
    std::string prompt;
    int generate_tokens = 0;
    int prefill_tokens = 0;  // 0: no prefill case
    std::string prefill_text;
    // chat
    std::string system;
    std::vector<std::string> turns;
    int reply_tokens = 0;
    // serve (also system and turns): `sessions` conversations, conversation i one turn
    // (system + turns[i % turns]) with reply_lengths[i % reply_lengths] greedy tokens, arriving
    // all at once or as a Poisson process; decoded by engine/serve.h with at most max_batch
    // sequences per step; goodput counts requests within both SLO targets.
    int sessions = 0;
    std::vector<int> reply_lengths;
    std::string arrival = "all";  // "all" or "poisson"
    double rate_per_second = 0;   // poisson: mean arrivals per second
    std::uint64_t seed = 0;       // poisson: the schedule's seed
    int max_batch = 0;
    int max_prefills_per_step = 0;  // 0: no limit (engine/serve.h)
    int gemm_from_rows = 2;         // BatchOptions::gemm_from_rows
    double slo_ttft_ms = 0, slo_tpot_ms = 0;

    // A bare name ("story", "chat", "llama3", ...) names a file in bench/workloads/; anything else is a path.
    // Throws lmh::Error naming the file and field for an invalid workload.
    static Workload load(const std::string& name_or_path, const std::filesystem::path& workloads_dir);
};

}  // namespace lmh::bench
