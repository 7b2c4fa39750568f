// Weights: the immutable parameters of a model, read once from model.safetensors, checked
// against the config, converted to f32 and held in aligned memory. Shared read-only by any
// number of sessions and threads.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "util/aligned_buffer.h"
#include "engine/config.h"

namespace lmh {

struct LayerWeights {
    const float* attn_norm;  // [hidden]
    const float* wq;         // [q_dim × hidden]
    const float* wk;         // [kv_dim × hidden]
    const float* wv;         // [kv_dim × hidden]
    const float* wo;         // [hidden × q_dim]
    const float* ffn_norm;   // [hidden]
    const float* w_gate;     // [intermediate × hidden]
    const float* w_up;       // [intermediate × hidden]
    const float* w_down;     // [hidden × intermediate]
};

class Weights {
public:
    // Loads dir/config.json, dir/generation_config.json and dir/model.safetensors.
    static std::shared_ptr<const Weights> load(const std::filesystem::path& dir);
    static std::shared_ptr<const Weights> load(const ModelConfig& config, const std::filesystem::path& safetensors);

    const ModelConfig& config() const { return config_; }
    const float* embed() const { return embed_; }        // [vocab × hidden]
    const float* final_norm() const { return final_norm_; }
    const float* lm_head() const { return lm_head_; }    // [vocab × hidden]
    const LayerWeights& layer(int l) const { return layers_[static_cast<std::size_t>(l)]; }
    // True when the file was written by `lmharness synth` (random weights of the right shapes).
    bool synthetic() const { return synthetic_; }
    const std::filesystem::path& file() const { return file_; }
    std::size_t parameter_bytes() const { return storage_.size() * sizeof(float); }

private:
    ModelConfig config_;
    std::filesystem::path file_;
    AlignedBuffer storage_;
    const float* embed_ = nullptr;
    const float* final_norm_ = nullptr;
    const float* lm_head_ = nullptr;
    std::vector<LayerWeights> layers_;
    bool synthetic_ = false;
};

}  // namespace lmh
