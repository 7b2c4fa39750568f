#include "engine/config.h"

#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "engine/config_fields.h"
#include "util/error.h"

namespace lmh {
namespace {

using nlohmann::json;

// Upper bounds on what a config may claim. They are far above any model this engine is
// meant for, and they keep products like vocab × hidden and n_layers × ctx × kv_dim inside
// 64-bit sizes, so a hostile config cannot make us allocate absurd amounts or overflow.
constexpr long kMaxDim = 1 << 16;
constexpr long kMaxVocab = 1 << 22;
constexpr long kMaxLayers = 1024;
constexpr long kMaxPositions = 1 << 20;

std::string read_file(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    if (!in) throw Error("cannot open " + p.string());
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

int get_int(const json& j, const char* key, const std::string& src, long lo, long hi, bool required = true,
            int fallback = 0) {
    if (!j.contains(key) || j[key].is_null()) {
        if (required) throw Error(src + ": missing field '" + key + "'");
        return fallback;
    }
    const json& v = j[key];
    if (!v.is_number_integer()) throw Error(src + ": field '" + key + "' must be an integer");
    const long long x = v.get<long long>();
    if (x < lo || x > hi)
        throw Error(src + ": field '" + key + "' = " + std::to_string(x) + " is outside [" + std::to_string(lo) +
                    ", " + std::to_string(hi) + "]");
    return static_cast<int>(x);
}

std::vector<int> id_list(const json& v, const std::string& src, const char* key) {
    std::vector<int> ids;
    if (v.is_number_integer()) {
        ids.push_back(v.get<int>());
    } else if (v.is_array()) {
        for (const auto& x : v) {
            if (!x.is_number_integer()) throw Error(src + ": field '" + key + "' must hold integers");
            ids.push_back(x.get<int>());
        }
    } else if (!v.is_null()) {
        throw Error(src + ": field '" + key + "' must be an integer or a list of integers");
    }
    return ids;
}

double get_positive(const json& j, const char* key, const std::string& src, double fallback, bool required) {
    if (!j.contains(key) || j[key].is_null()) {
        if (required) throw Error(src + ": missing field 'rope_scaling." + key + "'");
        return fallback;
    }
    if (!j[key].is_number()) throw Error(src + ": field 'rope_scaling." + key + "' must be a number");
    const double v = j[key].get<double>();
    if (!(v > 0 && v < 1e6)) throw Error(src + ": field 'rope_scaling." + key + "' must be in (0, 1e6)");
    return v;
}

// Only "llama3" is implemented; any other type changes the frequencies in a way we do not
// compute, so it is refused rather than ignored. The Hugging Face field was "type" before
// it became "rope_type"; both are read.
RopeScaling read_rope_scaling(const json& r, const std::string& src) {
    if (!r.is_object()) throw Error(src + ": field 'rope_scaling' must be an object or null");
    const char* type_key = r.contains("rope_type") ? "rope_type" : "type";
    if (!r.contains(type_key) || !r[type_key].is_string())
        throw Error(src + ": field 'rope_scaling.rope_type' must be a string");
    const std::string type = r[type_key].get<std::string>();
    if (type == "default") return {};
    if (type != "llama3") throw Error(src + ": field 'rope_scaling' has type '" + type + "', which is not supported (llama3 is)");
    RopeScaling s;
    s.factor = get_positive(r, "factor", src, 0, true);
    s.low_freq_factor = get_positive(r, "low_freq_factor", src, 1, true);
    s.high_freq_factor = get_positive(r, "high_freq_factor", src, 4, true);
    if (!(s.high_freq_factor > s.low_freq_factor))
        throw Error(src + ": rope_scaling.high_freq_factor must be greater than low_freq_factor");
    s.original_max_positions = get_int(r, "original_max_position_embeddings", src, 1, kMaxPositions);
    return s;
}

}  // namespace

ModelConfig ModelConfig::from_json_text(const std::string& text, const std::string& src) {
    json j;
    try {
        j = json::parse(text);
    } catch (const json::exception& e) {
        throw Error(src + ": invalid JSON (" + std::string(e.what()) + ")");
    }
    if (!j.is_object()) throw Error(src + ": expected a JSON object");
    ModelConfig c;
    if (j.contains("model_type") && !j["model_type"].is_string()) throw Error(src + ": field 'model_type' must be a string");
    c.model_type = j.value("model_type", std::string("llama"));
    if (c.model_type != "llama" && c.model_type != "mistral" && c.model_type != "qwen2" && c.model_type != "qwen3")
        throw Error(src + ": model_type '" + c.model_type + "' is not supported (llama, mistral, qwen2, qwen3)");
    check_config_fields(j, src);  // then unknown fields and unimplemented math are refused
    // The two switches of the one forward pass that these families need (as in Hugging
    // Face's Qwen2Attention: biased q/k/v, no o bias; Qwen3Attention: q_norm/k_norm, no bias).
    c.qkv_bias = c.model_type == "qwen2";
    c.qk_norm = c.model_type == "qwen3";
    if (j.contains("hidden_act") && j["hidden_act"] != "silu")
        throw Error(src + ": hidden_act must be 'silu' (SwiGLU MLP)");

    c.hidden = get_int(j, "hidden_size", src, 2, kMaxDim);
    c.intermediate = get_int(j, "intermediate_size", src, 1, 4 * kMaxDim);
    c.n_layers = get_int(j, "num_hidden_layers", src, 1, kMaxLayers);
    c.n_heads = get_int(j, "num_attention_heads", src, 1, 1024);
    c.n_kv_heads = get_int(j, "num_key_value_heads", src, 1, 1024, false, c.n_heads);
    c.vocab = get_int(j, "vocab_size", src, 1, kMaxVocab);
    c.max_positions = get_int(j, "max_position_embeddings", src, 1, kMaxPositions);
    c.sliding_window = get_int(j, "sliding_window", src, 0, kMaxPositions, false, 0);
    // Qwen2/Qwen3 configs carry a sliding_window size with use_sliding_window: false (the
    // window is off). Switched on, it applies from layer max_window_layers on: not implemented.
    if (j.contains("use_sliding_window") && !j["use_sliding_window"].is_null()) {
        if (!j["use_sliding_window"].is_boolean()) throw Error(src + ": field 'use_sliding_window' must be a boolean");
        if (j["use_sliding_window"].get<bool>()) {
            if (c.model_type == "qwen2" || c.model_type == "qwen3")
                throw Error(src + ": use_sliding_window: true is not supported for " + c.model_type);
        } else {
            c.sliding_window = 0;
        }
    }
    if (c.n_heads % c.n_kv_heads != 0)
        throw Error(src + ": num_attention_heads (" + std::to_string(c.n_heads) +
                    ") must be a multiple of num_key_value_heads (" + std::to_string(c.n_kv_heads) + ")");
    if (j.contains("head_dim") && !j["head_dim"].is_null()) {
        c.head_dim = get_int(j, "head_dim", src, 2, 4096);
    } else {
        if (c.hidden % c.n_heads != 0)
            throw Error(src + ": hidden_size must be a multiple of num_attention_heads");
        c.head_dim = c.hidden / c.n_heads;
    }
    if (c.head_dim % 2 != 0) throw Error(src + ": head_dim must be even for rotary embeddings");

    if (j.contains("rms_norm_eps")) {
        if (!j["rms_norm_eps"].is_number()) throw Error(src + ": field 'rms_norm_eps' must be a number");
        const double eps = j["rms_norm_eps"].get<double>();
        if (!(eps > 0 && eps < 1)) throw Error(src + ": field 'rms_norm_eps' must be in (0, 1)");
        c.rms_eps = static_cast<float>(eps);
    }
    if (j.contains("rope_theta")) {
        if (!j["rope_theta"].is_number()) throw Error(src + ": field 'rope_theta' must be a number");
        c.rope_theta = j["rope_theta"].get<double>();
        if (!(c.rope_theta > 1.0 && c.rope_theta < 1e12)) throw Error(src + ": field 'rope_theta' is out of range");
    }
    if (j.contains("rope_scaling") && !j["rope_scaling"].is_null()) c.rope_scaling = read_rope_scaling(j["rope_scaling"], src);
    if (j.contains("tie_word_embeddings")) {
        if (!j["tie_word_embeddings"].is_boolean()) throw Error(src + ": field 'tie_word_embeddings' must be a boolean");
        c.tie_embeddings = j["tie_word_embeddings"].get<bool>();
    }
    if (j.contains("bos_token_id")) {
        auto b = id_list(j["bos_token_id"], src, "bos_token_id");
        if (!b.empty()) c.bos_id = b[0];
    }
    if (j.contains("eos_token_id")) c.eos_ids = id_list(j["eos_token_id"], src, "eos_token_id");
    for (int id : c.eos_ids)
        if (id < 0 || id >= c.vocab) throw Error(src + ": eos_token_id " + std::to_string(id) + " is outside the vocabulary");
    return c;
}

ModelConfig ModelConfig::load(const std::filesystem::path& dir) {
    if (!std::filesystem::is_directory(dir)) throw Error("model directory not found: " + dir.string());
    const auto cfg_path = dir / "config.json";
    if (!std::filesystem::exists(cfg_path)) throw Error("missing " + cfg_path.string());
    ModelConfig c = from_json_text(read_file(cfg_path), cfg_path.string());

    // generation_config.json's eos id wins: it is what generation uses upstream.
    const auto gen_path = dir / "generation_config.json";
    if (std::filesystem::exists(gen_path)) {
        json g;
        try {
            g = json::parse(read_file(gen_path));
        } catch (const json::exception& e) {
            throw Error(gen_path.string() + ": invalid JSON (" + std::string(e.what()) + ")");
        }
        if (g.is_object() && g.contains("eos_token_id")) {
            auto ids = id_list(g["eos_token_id"], gen_path.string(), "eos_token_id");
            for (int id : ids)
                if (id < 0 || id >= c.vocab)
                    throw Error(gen_path.string() + ": eos_token_id " + std::to_string(id) + " is outside the vocabulary");
            if (!ids.empty()) c.eos_ids = ids;
        }
    }
    return c;
}

}  // namespace lmh
