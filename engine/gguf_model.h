// A llama-architecture GGUF (as llama.cpp's converters write it) turned into what the
// engine loads from a Hugging Face checkpoint: a ModelConfig from the llama.* metadata, and
// the tensors under their Hugging Face names and shapes, so that Weights checks and uses
// them exactly as it does a model.safetensors.
//
// - Metadata: every key is looked up in one table (gguf_model.cpp) the way config_fields.h
//   does for config.json: implemented, no effect, or refused unless neutral; an unknown
//   llama.* key is refused.
// - Tensors: token_embd, output_norm, output, blk.N.{attn_norm, attn_q, attn_k, attn_v,
//   attn_output, ffn_norm, ffn_gate, ffn_up, ffn_down} map to model.embed_tokens, ...;
//   GGUF's ne order [cols, rows] becomes the row-major shape [rows, cols]; any other name is
//   kept and then refused by Weights as a tensor the model does not use.
// - q/k rows: llama.cpp's converter reorders each head's rows of q_proj and k_proj from
//   Hugging Face's rotate-half RoPE layout to interleaved pairs (its `permute`: row
//   2i + j of a head came from row j·(head_dim/2) + i). The inverse is applied here, row by
//   row (whole rows of blocks for q8_0/q4_0), into bytes the TensorFile owns: the one copy
//   of a GGUF load that is not in place.
// - Tokenizer: the GGUF's own vocabulary (tokenizer.ggml.*) is not read; the Hugging Face
//   tokenizer.json must sit beside the file, or the model is refused.
#pragma once

#include <filesystem>
#include <string>

#include "engine/config.h"
#include "engine/tensor_file.h"

namespace lmh {

struct GgufModel {
    ModelConfig config;
    TensorFile tensors;  // Hugging Face names and shapes
    std::string name;    // general.name, or "" if absent
};

GgufModel load_gguf_model(const std::filesystem::path& gguf);

// The inverse of llama.cpp's q/k row permutation for one matrix of `rows` rows of
// `row_bytes` bytes in `heads` heads: dst row h·hd + j·hd/2 + i = src row h·hd + 2i + j.
void unpermute_qk_rows(const std::byte* src, std::byte* dst, std::size_t rows, std::size_t row_bytes, std::size_t heads);

}  // namespace lmh
