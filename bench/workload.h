// Workload: what one benchmark run does, read from bench/workloads/*.json. The work is
// fixed — greedy sampling, EOS ignored, exact token counts — so every run of every kernel
// set does the same arithmetic and their times can be compared.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace lmh::bench {

struct Workload {
    std::string name;
    std::string kind;  // "generate" (story) or "chat"
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

    // A bare name ("story", "chat", "llama3", ...) names a file in bench/workloads/; anything else is a path.
    // Throws lmh::Error naming the file and field for an invalid workload.
    static Workload load(const std::string& name_or_path, const std::filesystem::path& workloads_dir);
};

}  // namespace lmh::bench
