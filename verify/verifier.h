// verify: runs a model's stored prompts through a kernel set and compares every tapped
// tensor with the float64 reference: accumulated error (the whole forward pass on the
// variant's own outputs), local error (each op fed the reference's inputs), prefill versus
// token-by-token decode, next-token distribution statistics (KLD) over the held text, and
// greedy tokens.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/weights.h"
#include "verify/budgets.h"
#include "util/metrics.h"
#include "verify/reference_set.h"

namespace lmh::verify {

// Fault injection: scale the output of one op in one layer by (1 + rel).
struct Injection {
    std::string op;  // a per-layer tensor name: attn_norm, q, k, v, attn, o_proj, ...
    int layer = 0;
    double rel = 1e-3;
};
// Parses "OP@LAYER[:REL]"; throws lmh::Error listing the valid op names.
Injection parse_injection(const std::string& text, int n_layers);
const std::vector<std::string>& layer_tensor_names();

struct TensorCheck {
    std::string prompt;
    std::string tensor;       // e.g. "layer1.ffn_norm"
    int cols = 0;
    int first_position = 0;   // of the stored rows
    Diff accumulated;
    bool accumulated_ok = true;
    bool local_checked = false;
    int local_first_position = 0;  // local error covers [local_first_position, last)
    double local_nmse = 0;
    std::size_t local_not_close = 0;  // elementwise ops: elements outside rtol/atol
    bool local_elementwise = false;
    Diff local;
    bool local_ok = true;
};

struct KldStats {
    bool checked = false;
    int positions = 0;
    int topk = 0;  // > 0: KL over the reference's top-k tokens plus one tail bucket (a lower bound)
    double mean = 0, stddev = 0, median = 0, p99 = 0, p999 = 0, max = 0;
    double same_top_percent = 0;
    int top_flips_excused = 0;
    int top_flips = 0;       // not excused
    double rms_dp_top = 0;   // RMS of Δp of the reference's top token
    double ppl_reference = 0, ppl_variant = 0;
    bool ok = true;
};

struct GreedyCheck {
    bool checked = false;
    int n_tokens = 0;
    int first_divergent = -1;  // -1: identical
    int divergent_positions = 0;
    bool excused = false;      // the divergence is at a reference near-tie
    bool ok = true;
    std::vector<int> ids;
};

// verify --batch N (batch_check.h): the stored prompts decoded inside batches of N sequences
// against the same prompts decoded alone.
struct BatchCheck {
    bool checked = false;
    int size = 0;         // sequences per batch
    int rows = 0;         // decode rows compared
    double nmse = 0;      // worst logits NMSE of a batched row against its solo row
    double budget_nmse = 0;  // what nmse may reach (batch_check.h: kBatchNmse, or more with rounded activations)
    bool bitwise = true;  // every compared row bitwise equal: batch-invariant in fact
    bool claimed = false; // the registry flags every op of the set batch-invariant
    bool greedy_checked = false;
    bool greedy_same = true;
    bool ok = true;
};

struct RunReport {
    std::string model;
    std::string kernel_spec;     // as asked
    std::string kernels;         // resolved per op
    int threads = 1;
    std::string injection;       // empty when none
    std::vector<TensorCheck> tensors;
    int first_accumulated_failure = -1;  // index into tensors
    int first_local_failure = -1;
    double worst_accumulated_nmse = 0;
    std::string worst_accumulated_tensor;
    double worst_local_nmse = 0;
    std::string worst_local_tensor;
    double decode_vs_prefill_nmse = 0;
    bool decode_ok = true;
    bool deterministic_checked = false;
    bool deterministic = true;   // bitwise equal logits to the first thread count
    KldStats kld;
    GreedyCheck greedy;
    BatchCheck batch;
    double seconds = 0;
    bool ok = true;
    Budgets budgets;  // what this run was held to
    // weights=q8_0/q4_0: the matrices held in bf16 (rows not a multiple of 32), Projections::fallbacks.
    std::vector<std::string> weight_fallbacks;
};

struct VerifyModel {
    std::filesystem::path model_dir;
    std::shared_ptr<const Weights> weights;
    ReferenceSet references;
    std::string model_sha256;
};

// Loads the model and its references and checks the model file's sha256 against the one the
// references were made from; throws lmh::Error on a mismatch.
VerifyModel load_verify_model(const std::filesystem::path& model_dir, const std::filesystem::path& references_root);

struct RunOptions {
    std::string kernel_spec;
    int threads = 1;
    std::optional<Injection> injection;
    // Unset: budgets_for(the kernel set's weights and acts).
    std::optional<Budgets> budgets;
    bool local = true;
    bool decode = true;
    bool greedy = true;
    int batch = 0;  // > 1: also the batch check with this many sequences per batch
};

// `previous_logits`: logits from an earlier run of the same kernel set at another thread
// count (empty for the first), compared bitwise; on return it holds this run's logits.
RunReport run_verify(const VerifyModel& model, const RunOptions& options, std::vector<float>& previous_logits);

}  // namespace lmh::verify
