// ReferenceSet: the stored float64 reference outputs of one model (made by
// scripts/reference.py), read from verify/references/<model>/reference.json and one
// safetensors file per prompt.
#pragma once

#include <filesystem>
#include <map>
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
