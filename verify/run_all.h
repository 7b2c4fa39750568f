// verify::run_all: every model × kernel set × thread count against the stored float64
// references, as `lmharness verify` runs them; the CLI only parses, calls this and prints.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "verify/verifier.h"

namespace lmh::verify {

struct AllOptions {
    std::vector<std::string> models;       // empty: models/story and models/chat, those present
    std::vector<std::string> kernel_sets;  // as given: "all", "naive,tbb", or one per-op spec each
    std::vector<int> threads = {1, 2};
    std::string references = "verify/references";
    std::string inject;  // OP@LAYER[:REL], empty for none
    bool local = true;
    int batch = 0;  // > 1: also decode the prompts inside batches of this many sequences (batch_check.h)
    // Skip runs that would repeat another run's arithmetic exactly: a set that resolves to the
    // same kernels as an earlier one on this CPU (simd without AVX-512 falls back to blocked),
    // and thread counts after the first for a set with no parallel kernel. Each skip is noted.
    bool skip_equivalent = true;
    // Called before each run with "model kernels threads" (the CLI prints it to stderr).
    std::function<void(const std::string& model, const std::string& kernels, int threads)> on_run;
    // Called once before the first run with the number of runs, and after each run with its
    // report (progress lines, bench/progress.h).
    std::function<void(std::size_t runs)> on_plan;
    std::function<void(const RunReport& run)> on_done;
};

struct Report {
    std::vector<RunReport> runs;
    std::vector<std::string> skipped;  // "MODEL KERNELS threads N: reason", one per skipped run
    nlohmann::json json;  // provenance, models, runs and ok: what --json writes
    bool ok = true;
};

// "all" (or nothing) -> every variant name and bf16; "naive,tbb" -> one set each; anything
// with '=' is one per-op spec. Throws lmh::Error "--kernels: ..." on an unknown name.
std::vector<std::string> expand_kernel_sets(const std::vector<std::string>& given);

// Throws lmh::Error on bad options or inputs (no model, unknown kernel set, bad thread count,
// model file not matching its references).
Report run_all(const AllOptions& options);

// "N matrices: model.layers.*.self_attn.q_proj.weight (10) ...": tensor names with the layer number folded.
std::string summarize_tensor_names(const std::vector<std::string>& names);
// What the CLI prints to stdout: the summary table, with `details` each run's tensor table
// and KLD block, the details of every failure, and the verdict line.
std::string report_text(const Report& report, bool details);

}  // namespace lmh::verify
