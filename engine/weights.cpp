#include "engine/weights.h"

#include <cstring>
#include <deque>
#include <set>

#include "engine/config_fields.h"
#include "engine/gguf_model.h"
#include "engine/model_files.h"
#include "engine/safetensors.h"
#include "engine/projections.h"
#include "util/error.h"

namespace lmh {
namespace {

std::string shape_str(const std::vector<std::int64_t>& s) {
    std::string out = "[";
    for (std::size_t i = 0; i < s.size(); ++i) out += (i ? ", " : "") + std::to_string(s[i]);
    return out + "]";
}

// A tensor the forward pass reads as f32 (norm weights, the embedding table): in place when
// the file holds it as aligned f32, else one converted copy at `dst`. Returns where it is.
const float* f32_view(const TensorFile& st, const TensorInfo& t, float*& dst) {
    const auto raw = st.bytes(t);
    if (t.dtype == DType::F32 && reinterpret_cast<std::uintptr_t>(raw.data()) % alignof(float) == 0) {
        st.populate(t);
        return reinterpret_cast<const float*>(raw.data());
    }
    float* out = dst;
    const std::size_t n = static_cast<std::size_t>(t.elements());
    st.widen_to_f32(t, 0, n, out);
    st.release(t, 0, raw.size());
    dst += (n + 15) / 16 * 16;  // next copy on a 64-byte boundary
    return out;
}

}  // namespace

Weights::~Weights() = default;

std::shared_ptr<const Weights> Weights::load(const std::filesystem::path& dir) {
    const ModelFiles files = locate_model(dir);
    if (files.gguf) {
        GgufModel g = load_gguf_model(files.weights);
        return load(g.config, std::move(g.tensors), g.name);
    }
    const ModelConfig cfg = ModelConfig::load(dir);
    const auto file = dir / "model.safetensors";
    if (!std::filesystem::exists(file))
        throw Error("missing " + file.string() + " (run scripts/fetch-models.sh, or `lmharness synth` for the chat model)");
    return load(cfg, file);
}

std::shared_ptr<const Weights> Weights::load(const ModelConfig& cfg, const std::filesystem::path& path) {
    return load(cfg, SafetensorsFile::open(path));
}

std::shared_ptr<const Weights> Weights::load(const ModelConfig& cfg, TensorFile file, std::string declared_name) {
    auto w = std::shared_ptr<Weights>(new Weights());
    w->st_ = std::move(file);
    w->declared_name_ = std::move(declared_name);
    const TensorFile& st = w->st_;
    const std::filesystem::path path = st.path();
    const std::string src = path.string();
    const std::string implied_by = path.extension() == ".gguf" ? "the GGUF metadata" : "config.json";

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
        const TensorInfo** slot;
    };
    w->config_ = cfg;
    w->file_ = path;
    w->layers_.resize(static_cast<std::size_t>(cfg.n_layers));
    // The small vectors the forward pass reads as f32 (norm weights, biases) and where each
    // ends up; a deque, because `needs` keeps pointers to its elements.
    struct F32Vector {
        const TensorInfo* tensor = nullptr;
        const float** out;
    };
    std::deque<F32Vector> vectors;
    std::vector<Need> needs;
    auto need_f32 = [&](std::string name, std::int64_t size, const float** out) {
        vectors.push_back({nullptr, out});
        needs.push_back({std::move(name), {size}, &vectors.back().tensor});
    };
    needs.push_back({"model.embed_tokens.weight", {V, H}, &w->embed_tensor_});
    need_f32("model.norm.weight", H, &w->final_norm_);
    for (int l = 0; l < cfg.n_layers; ++l) {
        const std::string p = "model.layers." + std::to_string(l) + ".";
        LayerWeights& L = w->layers_[static_cast<std::size_t>(l)];
        need_f32(p + "input_layernorm.weight", H, &L.attn_norm);
        needs.push_back({p + "self_attn.q_proj.weight", {Q, H}, &L.wq});
        needs.push_back({p + "self_attn.k_proj.weight", {KV, H}, &L.wk});
        needs.push_back({p + "self_attn.v_proj.weight", {KV, H}, &L.wv});
        needs.push_back({p + "self_attn.o_proj.weight", {H, Q}, &L.wo});
        need_f32(p + "post_attention_layernorm.weight", H, &L.ffn_norm);
        needs.push_back({p + "mlp.gate_proj.weight", {F, H}, &L.w_gate});
        needs.push_back({p + "mlp.up_proj.weight", {F, H}, &L.w_up});
        needs.push_back({p + "mlp.down_proj.weight", {H, F}, &L.w_down});
        if (cfg.qkv_bias) {
            need_f32(p + "self_attn.q_proj.bias", Q, &L.q_bias);
            need_f32(p + "self_attn.k_proj.bias", KV, &L.k_bias);
            need_f32(p + "self_attn.v_proj.bias", KV, &L.v_bias);
        }
        if (cfg.qk_norm) {
            need_f32(p + "self_attn.q_norm.weight", cfg.head_dim, &L.q_norm);
            need_f32(p + "self_attn.k_norm.weight", cfg.head_dim, &L.k_norm);
        }
    }
    const TensorInfo* head = lookup("lm_head.weight");
    if (head) needs.push_back({"lm_head.weight", {V, H}, &w->lm_head_});
    else if (!cfg.tie_embeddings)
        throw Error(src + ": missing tensor 'lm_head.weight' (config.json has tie_word_embeddings: false)");

    std::set<const TensorInfo*> used;
    for (const Need& n : needs) {
        const TensorInfo* t = lookup(n.name);
        if (!t) throw Error(src + ": missing tensor '" + n.name + "'");
        if (t->shape != n.shape)
            throw Error(src + ": tensor '" + n.name + "' has shape " + shape_str(t->shape) + ", " + implied_by + " implies " +
                        shape_str(n.shape));
        *n.slot = t;
        used.insert(t);
    }

    // A tensor the forward pass would not read is a feature it would silently leave out
    // (an attention bias, a q/k norm): refuse the checkpoint, naming up to five of them.
    std::vector<std::string> unused;
    for (const TensorInfo& t : st.tensors())
        if (!used.count(&t) && !harmless_unused_tensor(t.name)) unused.push_back(t.name);
    if (!unused.empty()) {
        std::string names;
        for (std::size_t i = 0; i < std::min<std::size_t>(5, unused.size()); ++i) names += (i ? ", '" : "'") + unused[i] + "'";
        if (unused.size() > 5) names += " and " + std::to_string(unused.size() - 5) + " more";
        throw Error(src + ": " + std::to_string(unused.size()) + " tensor(s) that a " + cfg.model_type +
                    " model does not use: " + names + "; refused (running without them would give wrong logits)");
    }

    // tie_word_embeddings against the tensors. Untied without lm_head was refused above; tied
    // with a separate lm_head is accepted only when it is a byte-identical copy (some
    // exporters write both), since the engine then reads the embedding table as lm_head.
    if (head && head != w->embed_tensor_ && cfg.tie_embeddings) {
        const auto a = st.bytes(*head), b = st.bytes(*w->embed_tensor_);
        if (head->dtype != w->embed_tensor_->dtype || std::memcmp(a.data(), b.data(), a.size()) != 0)
            throw Error(src + ": config.json has tie_word_embeddings: true but 'lm_head.weight' differs from "
                        "'model.embed_tokens.weight'; refused");
        st.release(*head, 0, a.size());
    }
    if (!head || cfg.tie_embeddings) w->lm_head_ = w->embed_tensor_;

    // The f32 tensors: in place, or converted once into converted_.
    std::vector<const TensorInfo*> f32_tensors = {w->embed_tensor_};
    for (const F32Vector& v : vectors) f32_tensors.push_back(v.tensor);
    std::size_t to_convert = 0;
    for (const TensorInfo* t : f32_tensors)
        if (t->dtype != DType::F32 || reinterpret_cast<std::uintptr_t>(st.bytes(*t).data()) % alignof(float) != 0)
            to_convert += (static_cast<std::size_t>(t->elements()) + 15) / 16 * 16;
    w->converted_ = AlignedBuffer(to_convert);
    float* dst = w->converted_.data();
    w->embed_ = f32_view(st, *w->embed_tensor_, dst);
    for (const F32Vector& v : vectors) *v.out = f32_view(st, *v.tensor, dst);
    w->synthetic_ = st.metadata().count("lmharness_synthetic") > 0;
    return w;
}

const Projections& Weights::projections(kernels::WeightFormat format) const {
    const std::lock_guard lock(projections_mutex_);
    auto& p = projections_[static_cast<std::size_t>(format)];
    if (!p) p = std::make_unique<const Projections>(*this, format);
    return *p;
}

}  // namespace lmh
