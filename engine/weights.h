// Weights: the immutable parameters of a model. The weights file (model.safetensors, or a
// GGUF presented under Hugging Face names by gguf_model.h) stays mapped; the tensor
// table is checked against the config (every tensor the architecture needs, with its shape,
// and no tensor it does not use); nothing is copied at load except what the forward pass
// needs in f32 and the file does not hold in f32 (norms, the embedding table).
//
// The matmul weights are reached through projections(format), built once per weight format
// on first use (projections.h): in place in the map when the file holds them in that
// format, otherwise one copy, streamed tensor by tensor, releasing the source pages as it
// goes. Shared read-only by any number of sessions and threads.
#pragma once

#include <array>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "util/aligned_buffer.h"
#include "engine/config.h"
#include "engine/tensor_file.h"
#include "kernels/registry.h"

namespace lmh {

class Projections;

struct LayerWeights {
    const float* attn_norm;  // [hidden], f32
    const float* ffn_norm;   // [hidden], f32
    // The stored matrices, in the file's dtype (projections.h lays them out for a format).
    const TensorInfo* wq;      // [q_dim × hidden]
    const TensorInfo* wk;      // [kv_dim × hidden]
    const TensorInfo* wv;      // [kv_dim × hidden]
    const TensorInfo* wo;      // [hidden × q_dim]
    const TensorInfo* w_gate;  // [intermediate × hidden]
    const TensorInfo* w_up;    // [intermediate × hidden]
    const TensorInfo* w_down;  // [hidden × intermediate]
    // Present only where the config's family has them (otherwise nullptr), f32:
    const float* q_bias = nullptr;  // [q_dim], qwen2
    const float* k_bias = nullptr;  // [kv_dim]
    const float* v_bias = nullptr;  // [kv_dim]
    const float* q_norm = nullptr;  // [head_dim], qwen3: RMSNorm weights over each head of q
    const float* k_norm = nullptr;  // [head_dim], ... and of k
};

class Weights {
public:
    // Loads dir/config.json, dir/generation_config.json and dir/model.safetensors; or a
    // .gguf file, or the one .gguf of a directory (model_files.h, gguf_model.h).
    static std::shared_ptr<const Weights> load(const std::filesystem::path& dir);
    static std::shared_ptr<const Weights> load(const ModelConfig& config, const std::filesystem::path& safetensors);
    // The tensors of `file`, under Hugging Face names, checked against `config`.
    static std::shared_ptr<const Weights> load(const ModelConfig& config, TensorFile file, std::string declared_name = "");
    ~Weights();

    const ModelConfig& config() const { return config_; }
    const float* embed() const { return embed_; }  // [vocab × hidden], f32 (gather reads rows)
    const float* final_norm() const { return final_norm_; }
    const LayerWeights& layer(int l) const { return layers_[static_cast<std::size_t>(l)]; }
    const TensorInfo* lm_head() const { return lm_head_; }  // the embedding table's tensor when tied
    const TensorInfo* embed_tensor() const { return embed_tensor_; }
    const TensorFile& file_map() const { return st_; }
    // True when the file was written by `lmharness synth` (random weights of the right shapes).
    bool synthetic() const { return synthetic_; }
    const std::filesystem::path& file() const { return file_; }
    // The name a GGUF file gives its model (general.name); empty for safetensors.
    const std::string& declared_name() const { return declared_name_; }

    // The matmul weights laid out for `format`; built on the first call for that format
    // (thread-safe), then shared by every session.
    const Projections& projections(kernels::WeightFormat format) const;

private:
    Weights() = default;
    ModelConfig config_;
    std::filesystem::path file_;
    std::string declared_name_;
    TensorFile st_;
    AlignedBuffer converted_;  // f32 copies of norms / embedding the file does not hold as f32
    const float* embed_ = nullptr;
    const TensorInfo* embed_tensor_ = nullptr;
    const float* final_norm_ = nullptr;
    const TensorInfo* lm_head_ = nullptr;
    std::vector<LayerWeights> layers_;
    bool synthetic_ = false;
    mutable std::mutex projections_mutex_;
    mutable std::array<std::unique_ptr<const Projections>, kernels::kWeightFormatCount> projections_;  // by WeightFormat
};

}  // namespace lmh
