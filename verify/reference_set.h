// ReferenceSet: the stored float64 reference outputs of one model (made by
// scripts/reference.py), read from verify/references/<model>/reference.json and one
// safetensors file per prompt.
#pragma once

#include <filesystem>
#include <map>
#include <span>
#include <string>
#include <vector>

namespace lmh::verify {

struct ReferenceTensor {
    int first = 0;  // position of the first stored row; the rows run to the prompt's `last`
    int rows = 0;
    int cols = 0;
    std::vector<float> data;  // rows × cols, for prompt positions [first, first + rows)
};

struct ReferencePrompt {
    std::string name;
    std::vector<int> ids;
    // Stored positions [first, last). A tensor may cover a different [its first, last): a long
    // prompt keeps some layers' per-op tensors for its last rows only, and those layers'
    // k and v from further back, so local error can run where a bug shows (local_error.h).
    int first = 0;
    int last = 0;
    std::vector<std::string> tensor_order;  // forward order, as the reference wrote them
    std::map<std::string, ReferenceTensor> tensors;

    // Prompts stored with "logits": {"topk": K} (128k+ vocabularies) hold, instead of full
    // logits rows, the reference's K largest logits of each row in tensors["logits"]
    // ([rows × K], descending), their ids, and per row: log-sum-exp, the log of the
    // probability mass outside the top K, and the log-probability of the next prompt token.
    struct LogitsRowStats {
        double lse = 0, log_tail = 0, next_logprob = 0;
    };
    int logits_topk = 0;  // 0: tensors["logits"] holds full rows
    std::vector<int> topk_ids;  // rows × K
    std::vector<LogitsRowStats> logits_stats;  // rows

    // The entries of `logits` (rows × vocab, the stored rows) that tensors["logits"] holds:
    // all of them for full rows, else each row's values at its reference top-K ids.
    std::vector<float> stored_logits(std::span<const float> logits, int vocab) const;
};

struct ReferenceSet {
    std::string model;
    std::filesystem::path dir;
    std::string model_sha256;
    std::string script_version;
    std::string reference_sha256;  // of reference.json, for provenance
    std::vector<ReferencePrompt> prompts;
    std::string greedy_prompt;
    std::vector<int> greedy_ids;
    std::vector<double> greedy_margins;
    std::string held_text;

    // Throws lmh::Error naming the file and field on anything malformed.
    static ReferenceSet load(const std::filesystem::path& dir);
    const ReferencePrompt* find(const std::string& prompt) const;
};

}  // namespace lmh::verify
