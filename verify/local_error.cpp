#include "verify/local_error.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <string>

#include <tbb/info.h>

#include "util/aligned_buffer.h"
#include "engine/attention_args.h"
#include "engine/rope_table.h"
#include "engine/tensor_names.h"
#include "util/metrics.h"
#include "verify/verifier.h"

namespace lmh::verify {

void local_errors(const Weights& weights, const Projections& proj, const kernels::KernelSet& K, const ReferencePrompt& p,
                  const std::optional<Injection>& inj, const Budgets& b, std::vector<TensorCheck>& checks) {
    const ModelConfig& c = weights.config();
    const int T = p.last;
    const int H = c.hidden, Q = c.q_dim(), KV = c.kv_dim(), F = c.intermediate, V = c.vocab;
    auto ref = [&](const std::string& name) -> const float* { return p.tensors.at(name).data.data(); };
    const auto nan = std::numeric_limits<float>::quiet_NaN();
    std::vector<float> out;
    AlignedBuffer cos(static_cast<std::size_t>(T) * (c.head_dim / 2)), sin(static_cast<std::size_t>(T) * (c.head_dim / 2));
    fill_rope_tables(cos.data(), sin.data(), T, c);
    const int slots = std::max(1, tbb::info::default_concurrency());
    AlignedBuffer scratch(static_cast<std::size_t>(slots) * T);

    // Records one local result: applies the injection (so an injected fault is seen here
    // too), then compares with the reference.
    auto record = [&](const std::string& name, int layer, const std::string& op, bool elementwise) {
        if (inj && inj->layer == layer && inj->op == op)
            for (float& x : out) x = static_cast<float>(x * (1.0 + inj->rel));
        for (TensorCheck& t : checks) {
            if (t.prompt != p.name || t.tensor != name) continue;
            const auto& r = p.tensors.at(name).data;
            t.local_checked = true;
            t.local = compare(out, r);
            t.local_nmse = t.local.nmse;
            t.local_elementwise = elementwise;
            if (elementwise) {
                t.local_not_close = count_not_close(out, r, b.local_rtol, b.local_atol);
                t.local_ok = t.local.finite_ok() && t.local_not_close == 0;
            } else {
                t.local_ok = t.local.finite_ok() && t.local.nmse <= b.local_nmse_reduction;
            }
        }
    };
    auto fresh = [&](std::size_t n) { out.assign(n, nan); };  // poisoned: unwritten elements fail

    const std::size_t TH = static_cast<std::size_t>(T) * H;
    fresh(TH);
    K.gather(weights.embed(), p.ids.data(), out.data(), T, H);
    record(tensors::kEmbed, -1, tensors::kEmbed, true);

    for (int l = 0; l < c.n_layers; ++l) {
        const LayerWeights& w = weights.layer(l);
        const Projections::Layer& P = proj.layer(l);
        const std::string L = "layer" + std::to_string(l) + ".";
        const float* in = l == 0 ? ref(tensors::kEmbed) : ref("layer" + std::to_string(l - 1) + ".out");
        fresh(TH);
        K.rmsnorm(in, w.attn_norm, out.data(), T, H, c.rms_eps);
        record(L + tensors::kAttnNorm, l, tensors::kAttnNorm, false);

        // q and k: projection (+ bias), then either RoPE directly, or (qwen3) the per-head
        // norm, checked on its own as q_norm / k_norm, and RoPE of the reference's q_norm / k_norm.
        auto project = [&](const Linear& m, int rows, const float* bias) {
            fresh(static_cast<std::size_t>(T) * rows);
            linear(K, ref(L + tensors::kAttnNorm), m, out.data(), T, rows, H);
            if (bias) add_bias(K, out.data(), bias, T, rows);
        };
        auto q_or_k = [&](const char* name, const char* norm_name, const Linear& m, int rows, int heads,
                          const float* bias, const float* norm_w) {
            project(m, rows, bias);
            if (c.qk_norm) {
                std::vector<float> raw = out;
                fresh(static_cast<std::size_t>(T) * rows);
                K.rmsnorm(raw.data(), norm_w, out.data(), T * heads, c.head_dim, c.rms_eps);
                record(L + norm_name, l, norm_name, false);
                const float* normed = ref(L + norm_name);
                out.assign(normed, normed + static_cast<std::size_t>(T) * rows);
            }
            K.rope(out.data(), T, heads, c.head_dim, cos.data(), sin.data());
            record(L + name, l, name, false);
        };
        q_or_k(tensors::kQ, tensors::kQNorm, P.q, Q, c.n_heads, w.q_bias, w.q_norm);
        q_or_k(tensors::kK, tensors::kKNorm, P.k, KV, c.n_kv_heads, w.k_bias, w.k_norm);
        project(P.v, KV, w.v_bias);
        record(L + tensors::kV, l, tensors::kV, false);

        fresh(static_cast<std::size_t>(T) * Q);
        kernels::AttentionArgs a = attention_args(c, T, 0, scratch.data(), slots, static_cast<std::size_t>(T));
        a.q = ref(L + tensors::kQ);
        a.k = ref(L + tensors::kK);
        a.v = ref(L + tensors::kV);
        a.out = out.data();
        K.attention(a);
        record(L + tensors::kAttn, l, tensors::kAttn, false);

        fresh(TH);
        linear(K, ref(L + tensors::kAttn), P.o, out.data(), T, H, Q);
        record(L + tensors::kOProj, l, tensors::kOProj, false);
        out.assign(in, in + TH);
        K.add(out.data(), ref(L + tensors::kOProj), static_cast<int>(TH));
        record(L + tensors::kAttnResidual, l, tensors::kAttnResidual, true);

        fresh(TH);
        K.rmsnorm(ref(L + tensors::kAttnResidual), w.ffn_norm, out.data(), T, H, c.rms_eps);
        record(L + tensors::kFfnNorm, l, tensors::kFfnNorm, false);
        fresh(static_cast<std::size_t>(T) * F);
        linear(K, ref(L + tensors::kFfnNorm), P.gate, out.data(), T, F, H);
        record(L + tensors::kGate, l, tensors::kGate, false);
        fresh(static_cast<std::size_t>(T) * F);
        linear(K, ref(L + tensors::kFfnNorm), P.up, out.data(), T, F, H);
        record(L + tensors::kUp, l, tensors::kUp, false);
        fresh(static_cast<std::size_t>(T) * F);
        K.swiglu(ref(L + tensors::kGate), ref(L + tensors::kUp), out.data(), T * F);
        record(L + tensors::kSwiglu, l, tensors::kSwiglu, true);
        fresh(TH);
        linear(K, ref(L + tensors::kSwiglu), P.down, out.data(), T, H, F);
        record(L + tensors::kDown, l, tensors::kDown, false);
        const float* res = ref(L + tensors::kAttnResidual);
        out.assign(res, res + TH);
        K.add(out.data(), ref(L + tensors::kDown), static_cast<int>(TH));
        record(L + tensors::kOut, l, tensors::kOut, true);
    }
    fresh(TH);
    K.rmsnorm(ref("layer" + std::to_string(c.n_layers - 1) + ".out"), weights.final_norm(), out.data(), T, H, c.rms_eps);
    record(tensors::kFinalNorm, -1, tensors::kFinalNorm, false);
    fresh(static_cast<std::size_t>(T) * V);
    linear(K, ref(tensors::kFinalNorm), proj.lm_head(), out.data(), T, V, H);
    if (p.logits_topk) out = p.stored_logits(out, V);  // the reference kept its top k only
    record(tensors::kLogits, -1, tensors::kLogits, false);
}

}  // namespace lmh::verify
