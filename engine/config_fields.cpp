#include "engine/config_fields.h"

#include <algorithm>
#include <array>

#include "util/error.h"

namespace lmh {
namespace {

using S = FieldSupport;

// Every config.json field the engine knows. Sources of the math-changing rows: the
// Hugging Face transformers configuration classes named in each row.
constexpr std::array kFields = {
    // ---- implemented: read by ModelConfig (config.cpp) ----
    ConfigField{"model_type", S::implemented, "", "architecture family: llama, mistral, qwen2 (q/k/v biases) or qwen3 (q/k norms)"},
    ConfigField{"hidden_act", S::implemented, "", "MLP activation; only silu (SwiGLU) is accepted"},
    ConfigField{"hidden_size", S::implemented, "", "width of the residual stream"},
    ConfigField{"intermediate_size", S::implemented, "", "width of the MLP"},
    ConfigField{"num_hidden_layers", S::implemented, "", "number of decoder layers"},
    ConfigField{"num_attention_heads", S::implemented, "", "query heads"},
    ConfigField{"num_key_value_heads", S::implemented, "", "key/value heads (grouped-query attention)"},
    ConfigField{"head_dim", S::implemented, "", "width of one head (default hidden_size / heads)"},
    ConfigField{"vocab_size", S::implemented, "", "rows of the embedding table and lm_head"},
    ConfigField{"max_position_embeddings", S::implemented, "", "context length"},
    ConfigField{"sliding_window", S::implemented, "", "Mistral: attention sees only the last N positions"},
    ConfigField{"rms_norm_eps", S::implemented, "", "RMSNorm epsilon"},
    ConfigField{"rope_theta", S::implemented, "", "rotary base frequency"},
    ConfigField{"tie_word_embeddings", S::implemented, "", "lm_head shares the embedding table (checked against the tensors)"},
    ConfigField{"bos_token_id", S::implemented, "", "beginning-of-sequence id"},
    ConfigField{"eos_token_id", S::implemented, "", "end-of-sequence id(s)"},
    ConfigField{"rope_scaling", S::implemented, "",
                "RoPE frequency scaling: rope_type llama3 is implemented, any other type is refused by config.cpp"},
    // ---- no effect on inference ----
    ConfigField{"_name_or_path", S::no_effect, "", "where the checkpoint came from"},
    ConfigField{"architectures", S::no_effect, "", "class names; model_type decides"},
    ConfigField{"transformers_version", S::no_effect, "", "writer's version"},
    ConfigField{"torch_dtype", S::no_effect, "", "training dtype; the tensors' own dtypes are used"},
    ConfigField{"dtype", S::no_effect, "", "newer name of torch_dtype"},
    ConfigField{"use_cache", S::no_effect, "", "transformers' KV-cache switch"},
    ConfigField{"initializer_range", S::no_effect, "", "training initialisation (lmharness synth reads it)"},
    ConfigField{"attention_dropout", S::no_effect, "", "training only"},
    ConfigField{"pad_token_id", S::no_effect, "", "padding id, unused without batches"},
    ConfigField{"pretraining_tp", S::no_effect, "", "Llama: splits matmuls into slices; the same sums up to rounding"},
    ConfigField{"max_window_layers", S::no_effect, "", "Qwen2/3: layers without the window; only with use_sliding_window"},
    // ---- change the math upstream; refused unless neutral ----
    ConfigField{"attention_bias", S::refused_unless_neutral, "false", "Llama/Qwen3: bias vectors on the q, k, v and o projections"},
    ConfigField{"mlp_bias", S::refused_unless_neutral, "false", "Llama: bias vectors on the gate, up and down projections"},
    ConfigField{"bias", S::refused_unless_neutral, "false", "InternLM: biases on the projections"},
    ConfigField{"qkv_bias", S::refused_unless_neutral, "false", "biases on the q, k, v projections"},
    ConfigField{"use_sliding_window", S::refused_unless_neutral, "false",
                "Qwen2/3: window only from layer max_window_layers on (the engine windows every layer)"},
    ConfigField{"partial_rotary_factor", S::refused_unless_neutral, "1|1.0", "Phi/StableLM/GLM: RoPE on a fraction of each head"},
    ConfigField{"rotary_pct", S::refused_unless_neutral, "1|1.0", "GPT-NeoX: RoPE on a fraction of each head"},
    ConfigField{"attn_logit_softcapping", S::refused_unless_neutral, "null", "Gemma 2: tanh soft-capping of attention scores"},
    ConfigField{"final_logit_softcapping", S::refused_unless_neutral, "null", "Gemma 2: tanh soft-capping of the logits"},
    ConfigField{"query_pre_attn_scalar", S::refused_unless_neutral, "null", "Gemma 2: attention scale other than 1/sqrt(head_dim)"},
    ConfigField{"use_qk_norm", S::refused_unless_neutral, "false", "Llama 4: RMSNorm on queries and keys"},
    ConfigField{"qk_layernorm", S::refused_unless_neutral, "false", "StableLM/Persimmon: LayerNorm on queries and keys"},
    ConfigField{"layer_types", S::refused_unless_neutral, "null", "per-layer attention kinds (full or sliding)"},
    ConfigField{"no_rope_layers", S::refused_unless_neutral, "null", "SmolLM3/Llama 4: layers without RoPE"},
    ConfigField{"embedding_multiplier", S::refused_unless_neutral, "1|1.0", "Granite: scales the embeddings"},
    ConfigField{"residual_multiplier", S::refused_unless_neutral, "1|1.0", "Granite: scales each residual branch"},
    ConfigField{"attention_multiplier", S::refused_unless_neutral, "null", "Granite: attention scale"},
    ConfigField{"logits_scaling", S::refused_unless_neutral, "1|1.0", "Granite: divides the logits"},
    ConfigField{"scale_emb", S::refused_unless_neutral, "1|1.0", "MiniCPM: scales the embeddings"},
    ConfigField{"scale_depth", S::refused_unless_neutral, "null", "MiniCPM: scales each residual branch"},
    ConfigField{"hidden_activation", S::refused_unless_neutral, "null", "Gemma: GELU MLP activation"},
    ConfigField{"num_experts", S::refused_unless_neutral, "null|0", "mixture of experts"},
    ConfigField{"num_local_experts", S::refused_unless_neutral, "null|0", "Mixtral: mixture of experts"},
    ConfigField{"num_experts_per_tok", S::refused_unless_neutral, "null|0", "mixture of experts routing"},
    ConfigField{"quantization_config", S::refused_unless_neutral, "null", "quantized weights (GPTQ, AWQ, bitsandbytes, ...)"},
};

bool is_neutral(const nlohmann::json& value, std::string_view neutral) {
    for (std::size_t start = 0; start <= neutral.size();) {
        const std::size_t bar = std::min(neutral.find('|', start), neutral.size());
        // nlohmann compares numbers by value across integer and float, so 1 matches 1.0.
        if (value == nlohmann::json::parse(neutral.substr(start, bar - start))) return true;
        start = bar + 1;
    }
    return false;
}

}  // namespace

std::span<const ConfigField> config_fields() { return kFields; }

void check_config_fields(const nlohmann::json& config, const std::string& source) {
    for (auto it = config.begin(); it != config.end(); ++it) {
        const ConfigField* row = nullptr;
        for (const ConfigField& f : kFields)
            if (f.name == it.key()) row = &f;
        if (!row)
            throw Error(source + ": field '" + it.key() +
                        "' is not recognised (engine/config_fields.cpp lists every field the engine knows); refused");
        if (row->support == S::refused_unless_neutral && !is_neutral(*it, row->neutral))
            throw Error(source + ": field '" + it.key() + "' = " + it->dump() + " changes the math (" +
                        std::string(row->meaning) + ") and is not implemented; refused");
    }
}

bool harmless_unused_tensor(std::string_view name) {
    // Saved by transformers < 4.31 for Llama: RoPE's inverse frequencies, which the engine
    // computes from rope_theta instead.
    constexpr std::string_view kInvFreq = ".rotary_emb.inv_freq";
    return name.size() >= kInvFreq.size() && name.substr(name.size() - kInvFreq.size()) == kInvFreq;
}

}  // namespace lmh
