#include "verify/local_error.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <initializer_list>
#include <limits>
#include <map>
#include <string>

#include <tbb/info.h>

#include "util/aligned_buffer.h"
#include "engine/attention_args.h"
#include "engine/rope_table.h"
#include "util/metrics.h"
#include "verify/budgets.h"
#include "verify/verifier.h"

namespace lmh::verify {

void local_errors(const Weights& weights, const Projections& proj, const kernels::KernelSet& K, const ReferencePrompt& p,
                  const std::optional<Injection>& inj, const Budgets& b, std::vector<TensorCheck>& checks) {
    const ModelConfig& c = weights.config();
    // Every op runs at the prompt's whole shape (T rows, as the forward pass ran it, so a
    // fault that depends on the size or the parallel split shows here too); rows the
    // reference does not store are NaN, and only the stored rows are compared.
    const int T = p.last;
    const int H = c.hidden, Q = c.q_dim(), KV = c.kv_dim(), F = c.intermediate, V = c.vocab;
    const auto nan = std::numeric_limits<float>::quiet_NaN();
    auto stored = [&](const std::string& name) -> const ReferenceTensor* {
        const auto it = p.tensors.find(name);
        return it == p.tensors.end() ? nullptr : &it->second;
    };
    // The first row from which all of `names` are stored; T when one is missing.
    auto rows_from = [&](std::initializer_list<std::string> names) {
        int first = 0;
        for (const auto& n : names) first = std::max(first, stored(n) ? stored(n)->first : T);
        return first;
    };
    // A reference tensor as T rows (unstored rows NaN); expanded copies live for one layer.
    std::map<std::string, std::vector<float>> expanded;
    auto ref = [&](const std::string& name) -> const float* {
        const ReferenceTensor& t = p.tensors.at(name);
        if (t.first == 0) return t.data.data();
        auto& buf = expanded[name];
        if (buf.empty()) {
            buf.assign(static_cast<std::size_t>(T) * t.cols, nan);
            std::copy(t.data.begin(), t.data.end(), buf.begin() + static_cast<std::ptrdiff_t>(t.first) * t.cols);
        }
        return buf.data();
    };
    std::vector<float> out;
    AlignedBuffer cos(static_cast<std::size_t>(T) * (c.head_dim / 2)), sin(static_cast<std::size_t>(T) * (c.head_dim / 2));
    fill_rope_tables(cos.data(), sin.data(), T, c);
    const int slots = std::max(1, tbb::info::default_concurrency());
    AlignedBuffer scratch(static_cast<std::size_t>(slots) * T);

    // Records one local result over rows [from, T) (`out` holds rows [out_first, T)):
    // applies the injection (so an injected fault is seen here too), then compares with the
    // reference.
    // nmse_budget: the local NMSE a reduction may reach (default: the set's).
    auto record = [&](const std::string& name, int from, int layer, const std::string& op, bool elementwise,
                      int out_first = 0, double nmse_budget = -1) {
        if (inj && inj->layer == layer && inj->op == op)
            for (float& x : out) x = static_cast<float>(x * (1.0 + inj->rel));
        const ReferenceTensor& rt = p.tensors.at(name);
        const std::size_t cols = static_cast<std::size_t>(rt.cols);
        const std::span<const float> got(out.data() + (from - out_first) * cols, (T - from) * cols);
        const std::span<const float> want(rt.data.data() + (from - rt.first) * cols, (T - from) * cols);
        for (TensorCheck& t : checks) {
            if (t.prompt != p.name || t.tensor != name) continue;
            t.local_checked = true;
            t.local_first_position = from;
            t.local = compare(got, want);
            t.local_nmse = t.local.nmse;
            t.local_elementwise = elementwise;
            if (elementwise) {
                t.local_not_close = count_not_close(got, want, b.local_rtol, b.local_atol);
                t.local_ok = t.local.finite_ok() && t.local_not_close == 0;
            } else {
                t.local_ok = t.local.finite_ok() && t.local.nmse <= (nmse_budget >= 0 ? nmse_budget : b.local_nmse_reduction);
            }
        }
    };
    auto fresh = [&](std::size_t n) { out.assign(n, nan); };  // poisoned: unwritten elements fail
    const std::size_t TH = static_cast<std::size_t>(T) * H;

    if (int from = rows_from({"embed"}); from < T) {
        fresh(TH);
        K.gather(weights.embed(), p.ids.data(), out.data(), T, H);
        // A table the file holds rounded (a GGUF's Q8_0 token_embd, a bf16 file) carries that
        // format's rounding into every row, as a matrix of it would into a matmul: judged by
        // NMSE against that format's local budget rather than elementwise at f32's tolerance.
        const TensorInfo* et = weights.embed_tensor();
        const DType stored = et ? et->dtype : DType::F32;
        if (stored == DType::F32) {
            record("embed", from, -1, "embed", true);
        } else {
            const kernels::WeightFormat f = stored == DType::Q8_0   ? kernels::WeightFormat::q8_0
                                            : stored == DType::Q4_0 ? kernels::WeightFormat::q4_0
                                                                    : kernels::WeightFormat::bf16;  // f16: finer than bf16
            record("embed", from, -1, "embed", false, 0, std::max(b.local_nmse_reduction, budgets_for(f).local_nmse_reduction));
        }
    }

    for (int l = 0; l < c.n_layers; ++l) {
        expanded.clear();
        const LayerWeights& w = weights.layer(l);
        const Projections::Layer& P = proj.layer(l);
        const std::string L = "layer" + std::to_string(l) + ".";
        const std::string in_name = l == 0 ? "embed" : "layer" + std::to_string(l - 1) + ".out";
        if (int from = rows_from({in_name, L + "attn_norm"}); from < T) {
            fresh(TH);
            K.rmsnorm(ref(in_name), w.attn_norm, out.data(), T, H, c.rms_eps);
            record(L + "attn_norm", from, l, "attn_norm", false);
        }
        // q and k: projection (+ bias), then either RoPE directly, or (qwen3) the per-head
        // norm, checked on its own as q_norm / k_norm, and RoPE of the reference's q_norm / k_norm.
        auto project = [&](const Linear& m, int rows, const float* bias) {
            fresh(static_cast<std::size_t>(T) * rows);
            linear(K, ref(L + "attn_norm"), m, out.data(), T, rows, H);
            if (bias) add_bias(K, out.data(), bias, T, rows);
        };
        auto q_or_k = [&](const std::string& name, const std::string& norm_name, const Linear& m, int rows, int heads,
                          const float* bias, const float* norm_w) {
            const std::string roped = c.qk_norm ? L + norm_name : L + "attn_norm";
            if (c.qk_norm) {
                if (int from = rows_from({L + "attn_norm", L + norm_name}); from < T) {
                    project(m, rows, bias);
                    std::vector<float> raw = out;
                    fresh(static_cast<std::size_t>(T) * rows);
                    K.rmsnorm(raw.data(), norm_w, out.data(), T * heads, c.head_dim, c.rms_eps);
                    record(L + norm_name, from, l, norm_name, false);
                }
            }
            if (int from = rows_from({roped, L + name}); from < T) {
                if (c.qk_norm) {
                    const float* normed = ref(L + norm_name);
                    out.assign(normed, normed + static_cast<std::size_t>(T) * rows);
                } else {
                    project(m, rows, bias);
                }
                K.rope(out.data(), T, heads, c.head_dim, cos.data(), sin.data());
                record(L + name, from, l, name, false);
            }
        };
        q_or_k("q", "q_norm", P.q, Q, c.n_heads, w.q_bias, w.q_norm);
        q_or_k("k", "k_norm", P.k, KV, c.n_kv_heads, w.k_bias, w.k_norm);
        if (int from = rows_from({L + "attn_norm", L + "v"}); from < T) {
            project(P.v, KV, w.v_bias);
            record(L + "v", from, l, "v", false);
        }
        // Attention rows [from, T) need every key they can see: k and v from
        // from - window + 1 (0 without a window). Unstored keys are NaN, so a kernel that
        // reads a key it must not see fails here.
        if (int from = rows_from({L + "q", L + "attn"}); from < T) {
            const int keys_from = c.sliding_window > 0 ? std::max(0, from - c.sliding_window + 1) : 0;
            if (rows_from({L + "k", L + "v"}) <= keys_from) {
                fresh(static_cast<std::size_t>(T) * Q);
                kernels::AttentionArgs a = attention_args(c, T, 0, scratch.data(), slots, static_cast<std::size_t>(T));
                a.q = ref(L + "q");
                a.k = ref(L + "k");
                a.v = ref(L + "v");
                a.out = out.data();
                K.attention(a);
                record(L + "attn", from, l, "attn", false);
            }
        }
        if (int from = rows_from({L + "attn", L + "o_proj"}); from < T) {
            fresh(TH);
            linear(K, ref(L + "attn"), P.o, out.data(), T, H, Q);
            record(L + "o_proj", from, l, "o_proj", false);
        }
        if (int from = rows_from({in_name, L + "o_proj", L + "attn_residual"}); from < T) {
            const float* in = ref(in_name);
            out.assign(in, in + TH);
            K.add(out.data(), ref(L + "o_proj"), static_cast<int>(TH));
            record(L + "attn_residual", from, l, "attn_residual", true);
        }
        if (int from = rows_from({L + "attn_residual", L + "ffn_norm"}); from < T) {
            fresh(TH);
            K.rmsnorm(ref(L + "attn_residual"), w.ffn_norm, out.data(), T, H, c.rms_eps);
            record(L + "ffn_norm", from, l, "ffn_norm", false);
        }
        if (int from = rows_from({L + "ffn_norm", L + "gate"}); from < T) {
            fresh(static_cast<std::size_t>(T) * F);
            linear(K, ref(L + "ffn_norm"), P.gate, out.data(), T, F, H);
            record(L + "gate", from, l, "gate", false);
        }
        if (int from = rows_from({L + "ffn_norm", L + "up"}); from < T) {
            fresh(static_cast<std::size_t>(T) * F);
            linear(K, ref(L + "ffn_norm"), P.up, out.data(), T, F, H);
            record(L + "up", from, l, "up", false);
        }
        if (int from = rows_from({L + "gate", L + "up", L + "swiglu"}); from < T) {
            fresh(static_cast<std::size_t>(T) * F);
            K.swiglu(ref(L + "gate"), ref(L + "up"), out.data(), T * F);
            record(L + "swiglu", from, l, "swiglu", true);
        }
        if (int from = rows_from({L + "swiglu", L + "down"}); from < T) {
            fresh(TH);
            linear(K, ref(L + "swiglu"), P.down, out.data(), T, H, F);
            record(L + "down", from, l, "down", false);
        }
        if (int from = rows_from({L + "attn_residual", L + "down", L + "out"}); from < T) {
            const float* res = ref(L + "attn_residual");
            out.assign(res, res + TH);
            K.add(out.data(), ref(L + "down"), static_cast<int>(TH));
            record(L + "out", from, l, "out", true);
        }
    }
    expanded.clear();
    // The final norm and lm_head run on the stored rows only, as the forward pass runs them
    // on the rows whose logits are asked for (the whole shape would cost a long prompt's
    // T × vocab × hidden again).
    const std::string last_out = "layer" + std::to_string(c.n_layers - 1) + ".out";
    if (int from = rows_from({last_out, "final_norm"}); from < T) {
        fresh(static_cast<std::size_t>(T - from) * H);
        K.rmsnorm(ref(last_out) + static_cast<std::size_t>(from) * H, weights.final_norm(), out.data(), T - from, H, c.rms_eps);
        record("final_norm", from, -1, "final_norm", false, from);
    }
    // Top-k logits (stored_logits) are kept per stored row of `logits`: compute exactly those.
    if (int from = rows_from({"final_norm", "logits"}); from < T && from == stored("logits")->first) {
        fresh(static_cast<std::size_t>(T - from) * V);
        linear(K, ref("final_norm") + static_cast<std::size_t>(from) * H, proj.lm_head(), out.data(), T - from, V, H);
        if (p.logits_topk) out = p.stored_logits(out, V);  // the reference kept its top k only
        record("logits", from, -1, "logits", false, from);
    }
}

}  // namespace lmh::verify
