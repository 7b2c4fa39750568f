// ModelConfig: the shape of a Llama/Mistral/Qwen2/Qwen3 model, read from a Hugging Face
// model directory (config.json, plus generation_config.json for end-of-sequence ids).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace lmh {

// rope_scaling of type "llama3" (Llama 3.1/3.2): the inverse frequencies of RoPE are
// rescaled once, when the tables are built (rope_table.h). factor == 0: no scaling.
struct RopeScaling {
    double factor = 0;
    double low_freq_factor = 1;
    double high_freq_factor = 4;
    int original_max_positions = 8192;
};

struct ModelConfig {
    std::string model_type;  // "llama", "mistral", "qwen2" or "qwen3"
    int hidden = 0;
    int intermediate = 0;
    int n_layers = 0;
    int n_heads = 0;
    int n_kv_heads = 0;
    int head_dim = 0;
    int vocab = 0;
    int max_positions = 0;
    int sliding_window = 0;  // 0: attention sees every earlier position
    float rms_eps = 1e-6f;
    double rope_theta = 10000.0;
    RopeScaling rope_scaling;
    bool qkv_bias = false;  // qwen2: q/k/v projections carry a bias, added after the matmul
    bool qk_norm = false;   // qwen3: RMSNorm over each head of q and k (weights [head_dim]) before RoPE
    bool tie_embeddings = false;
    int bos_id = -1;
    std::vector<int> eos_ids;

    int q_dim() const { return n_heads * head_dim; }
    int kv_dim() const { return n_kv_heads * head_dim; }

    // Reads dir/config.json (required) and dir/generation_config.json (optional).
    // Throws lmh::Error naming the file and field for anything missing, mistyped or out of
    // the supported range (the limits keep every later allocation bounded).
    static ModelConfig load(const std::filesystem::path& dir);
    static ModelConfig from_json_text(const std::string& config_json, const std::string& source_name);
};

}  // namespace lmh
