#include "engine/config_fields.h"

#include <algorithm>
#include <array>

#include "util/error.h"

namespace lmh {
namespace {

using S = FieldSupport;

// Every config.json field the engine knows, one table per kind of support (config_fields.h).
// Sources of the math-changing rows: the Hugging Face transformers configuration classes
// named in each row.
struct KnownField {
    std::string_view name, meaning;
};
struct NeutralField {
    std::string_view name, neutral, meaning;
};

// Read by ModelConfig (config.cpp).
constexpr KnownField kImplemented[] = {
    {"model_type", "architecture family: llama, mistral, qwen2 (q/k/v biases) or qwen3 (q/k norms)"},
    {"hidden_act", "MLP activation; only silu (SwiGLU) is accepted"},
    {"hidden_size", "width of the residual stream"},
    {"intermediate_size", "width of the MLP"},
    {"num_hidden_layers", "number of decoder layers"},
    {"num_attention_heads", "query heads"},
    {"num_key_value_heads", "key/value heads (grouped-query attention)"},
    {"head_dim", "width of one head (default hidden_size / heads)"},
    {"vocab_size", "rows of the embedding table and lm_head"},
    {"max_position_embeddings", "context length"},
    {"sliding_window", "Mistral: attention sees only the last N positions"},
    {"rms_norm_eps", "RMSNorm epsilon"},
    {"rope_theta", "rotary base frequency"},
    {"tie_word_embeddings", "lm_head shares the embedding table (checked against the tensors)"},
    {"bos_token_id", "beginning-of-sequence id"},
    {"eos_token_id", "end-of-sequence id(s)"},
    {"rope_scaling",
     "RoPE frequency scaling: rope_type llama3 is implemented, any other type is refused by config.cpp"},
};

// No effect on inference.
constexpr KnownField kNoEffect[] = {
    {"_name_or_path", "where the checkpoint came from"},
    {"architectures", "class names; model_type decides"},
    {"transformers_version", "writer's version"},
    {"torch_dtype", "training dtype; the tensors' own dtypes are used"},
    {"dtype", "newer name of torch_dtype"},
    {"use_cache", "transformers' KV-cache switch"},
    {"initializer_range", "training initialisation (lmharness synth reads it)"},
    {"attention_dropout", "training only"},
    {"pad_token_id", "padding id, unused without batches"},
    {"pretraining_tp", "Llama: splits matmuls into slices; the same sums up to rounding"},
    {"max_window_layers", "Qwen2/3: layers without the window; only with use_sliding_window"},
};

// Change the math upstream; refused unless they have their neutral value.
constexpr NeutralField kRefusedUnlessNeutral[] = {
    {"attention_bias", "false", "Llama/Qwen3: bias vectors on the q, k, v and o projections"},
    {"mlp_bias", "false", "Llama: bias vectors on the gate, up and down projections"},
    {"bias", "false", "InternLM: biases on the projections"},
    {"qkv_bias", "false", "biases on the q, k, v projections"},
    {"use_sliding_window", "false",
     "Qwen2/3: window only from layer max_window_layers on (the engine windows every layer)"},
    {"partial_rotary_factor", "1|1.0", "Phi/StableLM/GLM: RoPE on a fraction of each head"},
    {"rotary_pct", "1|1.0", "GPT-NeoX: RoPE on a fraction of each head"},
    {"attn_logit_softcapping", "null", "Gemma 2: tanh soft-capping of attention scores"},
    {"final_logit_softcapping", "null", "Gemma 2: tanh soft-capping of the logits"},
    {"query_pre_attn_scalar", "null", "Gemma 2: attention scale other than 1/sqrt(head_dim)"},
    {"use_qk_norm", "false", "Llama 4: RMSNorm on queries and keys"},
    {"qk_layernorm", "false", "StableLM/Persimmon: LayerNorm on queries and keys"},
    {"layer_types", "null", "per-layer attention kinds (full or sliding)"},
    {"no_rope_layers", "null", "SmolLM3/Llama 4: layers without RoPE"},
    {"embedding_multiplier", "1|1.0", "Granite: scales the embeddings"},
    {"residual_multiplier", "1|1.0", "Granite: scales each residual branch"},
    {"attention_multiplier", "null", "Granite: attention scale"},
    {"logits_scaling", "1|1.0", "Granite: divides the logits"},
    {"scale_emb", "1|1.0", "MiniCPM: scales the embeddings"},
    {"scale_depth", "null", "MiniCPM: scales each residual branch"},
    {"hidden_activation", "null", "Gemma: GELU MLP activation"},
    {"num_experts", "null|0", "mixture of experts"},
    {"num_local_experts", "null|0", "Mixtral: mixture of experts"},
    {"num_experts_per_tok", "null|0", "mixture of experts routing"},
    {"quantization_config", "null", "quantized weights (GPTQ, AWQ, bitsandbytes, ...)"},
};

// The three tables as one list of rows, in that order.
constexpr auto kFields = [] {
    std::array<ConfigField, std::size(kImplemented) + std::size(kNoEffect) + std::size(kRefusedUnlessNeutral)> all{};
    std::size_t i = 0;
    for (const KnownField& f : kImplemented) all[i++] = {f.name, S::implemented, "", f.meaning};
    for (const KnownField& f : kNoEffect) all[i++] = {f.name, S::no_effect, "", f.meaning};
    for (const NeutralField& f : kRefusedUnlessNeutral) all[i++] = {f.name, S::refused_unless_neutral, f.neutral, f.meaning};
    return all;
}();

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
