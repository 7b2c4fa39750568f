#include "engine/gguf_model.h"

#include <array>
#include <cstring>
#include <string_view>

#include "engine/config_fields.h"
#include "engine/gguf.h"
#include "util/error.h"

namespace lmh {
namespace {

// The same bounds as config.cpp puts on config.json (they keep later sizes inside 64 bits).
constexpr long kMaxDim = 1 << 16;
constexpr long kMaxVocab = 1 << 22;
constexpr long kMaxLayers = 1024;
constexpr long kMaxPositions = 1 << 20;

// The rows are config_fields.h's: a name (here after "llama."), its support, the accepted
// values of a refused-unless-neutral key (as GgufValue::describe prints them) and its meaning.
using Key = FieldSupport;
using KeyRow = ConfigField;

// Every llama.* key the engine knows (llama.cpp's src/llama-arch.cpp LLM_KV names; the
// math of the refused ones in src/llama-model.cpp / llama-graph.cpp).
constexpr std::array kKeys = {
    KeyRow{"context_length", Key::implemented, "", "context length"},
    KeyRow{"embedding_length", Key::implemented, "", "hidden size"},
    KeyRow{"block_count", Key::implemented, "", "layers"},
    KeyRow{"feed_forward_length", Key::implemented, "", "MLP width"},
    KeyRow{"attention.head_count", Key::implemented, "", "query heads"},
    KeyRow{"attention.head_count_kv", Key::implemented, "", "key/value heads"},
    KeyRow{"attention.key_length", Key::implemented, "", "head width of q and k"},
    KeyRow{"attention.value_length", Key::implemented, "", "head width of v (must equal key_length)"},
    KeyRow{"rope.dimension_count", Key::implemented, "", "rotated width of a head (must be the whole head)"},
    KeyRow{"attention.layer_norm_rms_epsilon", Key::implemented, "", "RMSNorm epsilon"},
    KeyRow{"rope.freq_base", Key::implemented, "", "RoPE base frequency"},
    KeyRow{"vocab_size", Key::implemented, "", "vocabulary size"},
    KeyRow{"attention.sliding_window", Key::implemented, "", "Mistral: attention window"},
    KeyRow{"rope.scaling.type", Key::refused_unless_neutral, "'none'", "RoPE scaling (linear, yarn, ...)"},
    KeyRow{"rope.scaling.factor", Key::refused_unless_neutral, "0.000000|1.000000", "RoPE scaling factor"},
    KeyRow{"rope.scale_linear", Key::refused_unless_neutral, "1.000000", "linear RoPE scaling"},
    KeyRow{"rope.scaling.attn_factor", Key::refused_unless_neutral, "1.000000", "YaRN attention factor"},
    KeyRow{"rope.scaling.original_context_length", Key::no_effect, "", "context before RoPE scaling (only with a scaling type)"},
    KeyRow{"rope.scaling.finetuned", Key::no_effect, "", "whether the scaled model was fine-tuned"},
    KeyRow{"expert_count", Key::refused_unless_neutral, "0", "mixture of experts"},
    KeyRow{"expert_used_count", Key::refused_unless_neutral, "0", "mixture of experts routing"},
    KeyRow{"attention.layer_norm_epsilon", Key::refused_unless_neutral, "", "LayerNorm instead of RMSNorm"},
    KeyRow{"attention.clamp_kqv", Key::refused_unless_neutral, "", "clamping of q, k, v"},
    KeyRow{"logit_scale", Key::refused_unless_neutral, "1.000000", "scales the logits"},
    KeyRow{"embedding_scale", Key::refused_unless_neutral, "1.000000", "scales the embeddings"},
    KeyRow{"residual_scale", Key::refused_unless_neutral, "1.000000", "scales each residual branch"},
    KeyRow{"attention.scale", Key::refused_unless_neutral, "0.000000", "attention scale other than 1/sqrt(head_dim)"},
    KeyRow{"use_parallel_residual", Key::refused_unless_neutral, "false", "parallel attention and MLP"},
    KeyRow{"tensor_data_layout", Key::no_effect, "", "old converters' note on the source layout"},
};

bool neutral(const GgufValue& v, std::string_view accepted) {
    const std::string d = v.describe();
    for (std::size_t start = 0; start <= accepted.size();) {
        const std::size_t bar = std::min(accepted.find('|', start), accepted.size());
        if (!accepted.empty() && d == accepted.substr(start, bar - start)) return true;
        start = bar + 1;
    }
    return false;
}

void check_keys(const GgufHeader& h, const std::string& src) {
    for (const auto& [key, value] : h.metadata) {
        // general.* describes the file (name, license, file type), tokenizer.* is the GGUF's
        // own vocabulary (tokenizer.json is used instead), quantize.* records how a file was
        // quantized: none of them changes the math of the weights we read.
        if (key.starts_with("general.") || key.starts_with("tokenizer.") || key.starts_with("quantize.")) continue;
        if (key == "split.count") {
            if (!(value.is_integer() && value.i <= 1)) throw Error(src + ": split GGUF files (split.count = " + value.describe() + ") are not supported");
            continue;
        }
        if (key.starts_with("split.")) continue;
        const KeyRow* row = nullptr;
        if (key.starts_with("llama."))
            for (const KeyRow& k : kKeys)
                if (k.name == std::string_view(key).substr(6)) row = &k;
        if (!row) throw Error(src + ": metadata '" + key + "' is not recognised (engine/gguf_model.cpp lists every key the engine knows); refused");
        if (row->support == Key::refused_unless_neutral && !neutral(value, row->neutral))
            throw Error(src + ": metadata '" + key + "' = " + value.describe() + " changes the math (" + std::string(row->meaning) +
                        ") and is not implemented; refused");
    }
}

long get_int(const GgufHeader& h, const std::string& key, const std::string& src, long lo, long hi, bool required, long fallback = 0) {
    const GgufValue* v = h.find(key);
    if (!v) {
        if (required) throw Error(src + ": missing metadata '" + key + "'");
        return fallback;
    }
    if (!v->is_integer()) throw Error(src + ": metadata '" + key + "' must be an integer, not " + gguf_type_name(v->type));
    if (v->i < lo || v->i > hi)
        throw Error(src + ": metadata '" + key + "' = " + std::to_string(v->i) + " is outside [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
    return static_cast<long>(v->i);
}

double get_float(const GgufHeader& h, const std::string& key, const std::string& src, bool required, double fallback) {
    const GgufValue* v = h.find(key);
    if (!v) {
        if (required) throw Error(src + ": missing metadata '" + key + "'");
        return fallback;
    }
    if (v->type != GgufType::f32 && v->type != GgufType::f64) throw Error(src + ": metadata '" + key + "' must be a float, not " + gguf_type_name(v->type));
    return v->f;
}

ModelConfig config_of(const GgufHeader& h, const std::string& src) {
    const GgufValue* arch = h.find("general.architecture");
    if (!arch) throw Error(src + ": missing metadata 'general.architecture'");
    if (arch->type != GgufType::string) throw Error(src + ": metadata 'general.architecture' must be a string");
    if (arch->s != "llama")
        throw Error(src + ": architecture '" + arch->s + "' is not supported from GGUF (llama is; Mistral converts as llama)");
    check_keys(h, src);
    ModelConfig c;
    c.model_type = "llama";
    c.hidden = static_cast<int>(get_int(h, "llama.embedding_length", src, 2, kMaxDim, true));
    c.intermediate = static_cast<int>(get_int(h, "llama.feed_forward_length", src, 1, 4 * kMaxDim, true));
    c.n_layers = static_cast<int>(get_int(h, "llama.block_count", src, 1, kMaxLayers, true));
    c.n_heads = static_cast<int>(get_int(h, "llama.attention.head_count", src, 1, 1024, true));
    c.n_kv_heads = static_cast<int>(get_int(h, "llama.attention.head_count_kv", src, 1, 1024, false, c.n_heads));
    c.max_positions = static_cast<int>(get_int(h, "llama.context_length", src, 1, kMaxPositions, true));
    c.sliding_window = static_cast<int>(get_int(h, "llama.attention.sliding_window", src, 0, kMaxPositions, false, 0));
    if (c.n_heads % c.n_kv_heads != 0)
        throw Error(src + ": llama.attention.head_count (" + std::to_string(c.n_heads) + ") must be a multiple of head_count_kv (" +
                    std::to_string(c.n_kv_heads) + ")");
    if (h.find("llama.attention.key_length")) {
        c.head_dim = static_cast<int>(get_int(h, "llama.attention.key_length", src, 2, 4096, true));
    } else {
        if (c.hidden % c.n_heads != 0) throw Error(src + ": llama.embedding_length must be a multiple of llama.attention.head_count");
        c.head_dim = c.hidden / c.n_heads;
    }
    if (get_int(h, "llama.attention.value_length", src, 2, 4096, false, c.head_dim) != c.head_dim)
        throw Error(src + ": llama.attention.value_length differs from key_length (not supported)");
    if (c.head_dim % 2 != 0) throw Error(src + ": the head width " + std::to_string(c.head_dim) + " must be even for rotary embeddings");
    const long rot = get_int(h, "llama.rope.dimension_count", src, 1, 4096, false, c.head_dim);
    if (rot != c.head_dim)
        throw Error(src + ": llama.rope.dimension_count = " + std::to_string(rot) + " rotates part of a head of " + std::to_string(c.head_dim) +
                    " (partial RoPE is not implemented); refused");
    const double eps = get_float(h, "llama.attention.layer_norm_rms_epsilon", src, true, 0);
    if (!(eps > 0 && eps < 1)) throw Error(src + ": llama.attention.layer_norm_rms_epsilon must be in (0, 1)");
    c.rms_eps = static_cast<float>(eps);
    c.rope_theta = get_float(h, "llama.rope.freq_base", src, false, 10000.0);
    if (!(c.rope_theta > 1.0 && c.rope_theta < 1e12)) throw Error(src + ": llama.rope.freq_base is out of range");
    // The vocabulary: llama.vocab_size, else the token list's length.
    const GgufValue* tokens = h.find("tokenizer.ggml.tokens");
    const long listed = tokens && tokens->type == GgufType::array ? static_cast<long>(std::min<std::uint64_t>(tokens->count, kMaxVocab + 1)) : 0;
    c.vocab = static_cast<int>(get_int(h, "llama.vocab_size", src, 1, kMaxVocab, listed == 0, listed));
    if (listed != 0 && listed != c.vocab)
        throw Error(src + ": tokenizer.ggml.tokens lists " + std::to_string(listed) + " tokens but llama.vocab_size is " + std::to_string(c.vocab));
    c.bos_id = static_cast<int>(get_int(h, "tokenizer.ggml.bos_token_id", src, 0, c.vocab - 1, false, -1));
    const long eos = get_int(h, "tokenizer.ggml.eos_token_id", src, 0, c.vocab - 1, false, -1);
    if (eos >= 0) c.eos_ids = {static_cast<int>(eos)};
    return c;
}

// GGUF name -> Hugging Face name ("" when the name is none of the llama tensors).
std::string hf_name(const std::string& g, int n_layers) {
    if (g == "token_embd.weight") return "model.embed_tokens.weight";
    if (g == "output_norm.weight") return "model.norm.weight";
    if (g == "output.weight") return "lm_head.weight";
    if (!g.starts_with("blk.")) return "";
    const std::size_t dot = g.find('.', 4);
    if (dot == std::string::npos || dot == 4 || dot - 4 > 4) return "";
    int layer = 0;
    for (std::size_t i = 4; i < dot; ++i) {
        if (g[i] < '0' || g[i] > '9') return "";
        layer = layer * 10 + (g[i] - '0');
    }
    if (layer >= n_layers || (g[4] == '0' && dot > 5)) return "";
    constexpr std::array<std::pair<std::string_view, std::string_view>, 9> parts = {{
        {"attn_norm.weight", "input_layernorm.weight"},
        {"attn_q.weight", "self_attn.q_proj.weight"},
        {"attn_k.weight", "self_attn.k_proj.weight"},
        {"attn_v.weight", "self_attn.v_proj.weight"},
        {"attn_output.weight", "self_attn.o_proj.weight"},
        {"ffn_norm.weight", "post_attention_layernorm.weight"},
        {"ffn_gate.weight", "mlp.gate_proj.weight"},
        {"ffn_up.weight", "mlp.up_proj.weight"},
        {"ffn_down.weight", "mlp.down_proj.weight"},
    }};
    const std::string_view rest = std::string_view(g).substr(dot + 1);
    for (const auto& [gg, hf] : parts)
        if (rest == gg) return "model.layers." + std::to_string(layer) + "." + std::string(hf);
    return "";
}

bool is_qk(const std::string& hf) {
    return hf.starts_with("model.layers.") && (hf.ends_with(".self_attn.q_proj.weight") || hf.ends_with(".self_attn.k_proj.weight"));
}

}  // namespace

void unpermute_qk_rows(const std::byte* src, std::byte* dst, std::size_t rows, std::size_t row_bytes, std::size_t heads) {
    const std::size_t hd = rows / heads, half = hd / 2;
    for (std::size_t h = 0; h < heads; ++h)
        for (std::size_t j = 0; j < 2; ++j)
            for (std::size_t i = 0; i < half; ++i)
                std::memcpy(dst + (h * hd + j * half + i) * row_bytes, src + (h * hd + 2 * i + j) * row_bytes, row_bytes);
}

GgufModel load_gguf_model(const std::filesystem::path& path) {
    const std::string src = path.string();
    // The tokenizer first: without it no command could run the model.
    const auto tokenizer = path.parent_path() / "tokenizer.json";
    if (!std::filesystem::exists(tokenizer))
        throw Error(src + ": a GGUF model needs its Hugging Face tokenizer.json beside it (" + tokenizer.string() +
                    " is missing; the GGUF's own tokenizer.ggml.* vocabulary is not read); refused");
    GgufModel m;
    m.tensors = TensorFile::map(path, 24, "GGUF");
    const GgufHeader h = parse_gguf(m.tensors.mapped(), src);
    m.config = config_of(h, src);
    if (const GgufValue* n = h.find("general.name"); n && n->type == GgufType::string) m.name = n->s;

    std::vector<TensorInfo> tensors;
    bool has_output = false;
    std::size_t owned = 0;
    for (const GgufTensor& g : h.tensors) {
        TensorInfo t;
        t.name = hf_name(g.name, m.config.n_layers);
        if (t.name.empty()) t.name = g.name;  // refused by Weights as unused, by its GGUF name
        has_output |= g.name == "output.weight";
        t.dtype = g.dtype;
        for (auto d = g.ne.rbegin(); d != g.ne.rend(); ++d) t.shape.push_back(static_cast<std::int64_t>(*d));
        t.begin = g.offset;
        t.end = g.offset + g.bytes;
        if (is_qk(t.name)) owned += (g.bytes + 63) / 64 * 64;
        tensors.push_back(std::move(t));
    }
    m.config.tie_embeddings = !has_output;
    m.tensors.set_table(h.data_offset, std::move(tensors), {});

    // Undo the q/k permutation into owned bytes (64-byte aligned each, for in-place use).
    m.tensors.reserve_owned(owned);
    std::size_t at = 0;
    for (TensorInfo& t : m.tensors.mutable_tensors()) {
        if (!is_qk(t.name)) continue;
        const bool q = t.name.ends_with("q_proj.weight");
        const std::size_t heads = static_cast<std::size_t>(q ? m.config.n_heads : m.config.n_kv_heads);
        const std::size_t rows = t.shape.size() == 2 ? static_cast<std::size_t>(t.shape[0]) : 0;
        if (rows != heads * static_cast<std::size_t>(m.config.head_dim))
            throw Error(src + ": tensor '" + t.name + "' has " + std::to_string(rows) + " rows, the metadata implies " +
                        std::to_string(heads) + " heads of " + std::to_string(m.config.head_dim));
        const auto raw = m.tensors.bytes(t);
        unpermute_qk_rows(raw.data(), m.tensors.owned_data() + at, rows, raw.size() / rows, heads);
        m.tensors.release(t, 0, raw.size());
        const std::size_t n = raw.size();
        t.owned = true;
        t.begin = at;
        t.end = at + n;
        at += (n + 63) / 64 * 64;
    }
    return m;
}

}  // namespace lmh
