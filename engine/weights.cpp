#include "engine/weights.h"

#include <cstring>
#include <map>

#include "util/error.h"
#include "engine/safetensors.h"

namespace lmh {
namespace {

std::string shape_str(const std::vector<std::int64_t>& s) {
    std::string out = "[";
    for (std::size_t i = 0; i < s.size(); ++i) out += (i ? ", " : "") + std::to_string(s[i]);
    return out + "]";
}

}  // namespace

std::shared_ptr<const Weights> Weights::load(const std::filesystem::path& dir) {
    const ModelConfig cfg = ModelConfig::load(dir);
    const auto file = dir / "model.safetensors";
    if (!std::filesystem::exists(file))
        throw Error("missing " + file.string() + " (run scripts/fetch-models.sh, or `lmharness synth` for the chat model)");
    return load(cfg, file);
}

std::shared_ptr<const Weights> Weights::load(const ModelConfig& cfg, const std::filesystem::path& path) {
    const SafetensorsFile st = SafetensorsFile::open(path);
    const std::string src = path.string();

    // Resolve aliases: HF writes tied tensors once and maps the other name in __metadata__.
    auto lookup = [&](const std::string& name) -> const TensorInfo* {
        if (const TensorInfo* t = st.find(name)) return t;
        auto it = st.metadata().find(name);
        if (it != st.metadata().end()) return st.find(it->second);
        return nullptr;
    };

    const long H = cfg.hidden, F = cfg.intermediate, V = cfg.vocab, Q = cfg.q_dim(), KV = cfg.kv_dim();
    struct Need {
        std::string name;
        std::vector<std::int64_t> shape;
        const float** slot;
    };
    auto w = std::shared_ptr<Weights>(new Weights());
    w->config_ = cfg;
    w->file_ = path;
    w->layers_.resize(static_cast<std::size_t>(cfg.n_layers));
    std::vector<Need> needs;
    needs.push_back({"model.embed_tokens.weight", {V, H}, &w->embed_});
    needs.push_back({"model.norm.weight", {H}, &w->final_norm_});
    for (int l = 0; l < cfg.n_layers; ++l) {
        const std::string p = "model.layers." + std::to_string(l) + ".";
        LayerWeights& L = w->layers_[static_cast<std::size_t>(l)];
        needs.push_back({p + "input_layernorm.weight", {H}, &L.attn_norm});
        needs.push_back({p + "self_attn.q_proj.weight", {Q, H}, &L.wq});
        needs.push_back({p + "self_attn.k_proj.weight", {KV, H}, &L.wk});
        needs.push_back({p + "self_attn.v_proj.weight", {KV, H}, &L.wv});
        needs.push_back({p + "self_attn.o_proj.weight", {H, Q}, &L.wo});
        needs.push_back({p + "post_attention_layernorm.weight", {H}, &L.ffn_norm});
        needs.push_back({p + "mlp.gate_proj.weight", {F, H}, &L.w_gate});
        needs.push_back({p + "mlp.up_proj.weight", {F, H}, &L.w_up});
        needs.push_back({p + "mlp.down_proj.weight", {H, F}, &L.w_down});
    }
    const bool has_head = lookup("lm_head.weight") != nullptr;
    if (has_head) needs.push_back({"lm_head.weight", {V, H}, &w->lm_head_});
    else if (!cfg.tie_embeddings) throw Error(src + ": missing tensor 'lm_head.weight' (config has untied embeddings)");

    // One aligned block for everything; each tensor starts on a 64-byte boundary.
    std::size_t total = 0;
    std::vector<const TensorInfo*> infos;
    for (const Need& n : needs) {
        const TensorInfo* t = lookup(n.name);
        if (!t) throw Error(src + ": missing tensor '" + n.name + "'");
        if (t->shape != n.shape)
            throw Error(src + ": tensor '" + n.name + "' has shape " + shape_str(t->shape) + ", config.json implies " +
                        shape_str(n.shape));
        infos.push_back(t);
        total += (static_cast<std::size_t>(t->elements()) + 15) / 16 * 16;
    }
    w->storage_ = AlignedBuffer(total);
    std::size_t off = 0;
    std::map<const TensorInfo*, const float*> placed;  // a tied tensor is copied once
    for (std::size_t i = 0; i < needs.size(); ++i) {
        const TensorInfo* t = infos[i];
        if (auto it = placed.find(t); it != placed.end()) {
            *needs[i].slot = it->second;
            continue;
        }
        float* dst = w->storage_.data() + off;
        const auto raw = st.bytes(*t);
        if (t->dtype == DType::F32) {
            std::memcpy(dst, raw.data(), raw.size());
        } else {
            const auto conv = st.to_f32(*t);
            std::memcpy(dst, conv.data(), conv.size() * sizeof(float));
        }
        *needs[i].slot = dst;
        placed[t] = dst;
        off += (static_cast<std::size_t>(t->elements()) + 15) / 16 * 16;
    }
    if (!has_head) w->lm_head_ = w->embed_;
    w->synthetic_ = st.metadata().count("lmharness_synthetic") > 0;
    return w;
}

}  // namespace lmh
