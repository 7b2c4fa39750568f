#include "engine/projections.h"

#include <algorithm>

#include "kernels/bf16.h"

namespace lmh {

Linear Linear::from_row(int first, int cols) const {
    const std::size_t off = static_cast<std::size_t>(first) * static_cast<std::size_t>(cols);
    return {f32 ? f32 + off : nullptr, bf16 ? bf16 + off : nullptr};
}

void linear(const kernels::KernelSet& K, const float* x, const Linear& w, float* y, int m, int n, int k) {
    if (w.bf16)
        K.matmul_bf16(x, w.bf16, y, m, n, k);
    else
        K.matmul(x, w.f32, y, m, n, k, 1.0f, 0.0f);
}

void add_bias(const kernels::KernelSet& K, float* y, const float* b, int m, int n) {
    for (int r = 0; r < m; ++r) K.add(y + static_cast<std::size_t>(r) * static_cast<std::size_t>(n), b, n);
}

std::size_t Projections::bytes_needed(const ModelConfig& c, kernels::WeightFormat format) {
    const std::size_t H = c.hidden, Q = c.q_dim(), KV = c.kv_dim(), F = c.intermediate, L = c.n_layers;
    if (format == kernels::WeightFormat::f32) return L * ((Q + 2 * KV) * H + 2 * F * H) * sizeof(float);
    return (L * ((Q + 2 * KV) * H + H * Q + 3 * F * H) + static_cast<std::size_t>(c.vocab) * H) * sizeof(std::uint16_t);
}

Projections::Projections(const Weights& weights, kernels::WeightFormat format) : format_(format) {
    const ModelConfig& c = weights.config();
    const std::size_t H = static_cast<std::size_t>(c.hidden), Q = static_cast<std::size_t>(c.q_dim()),
                      KV = static_cast<std::size_t>(c.kv_dim()), F = static_cast<std::size_t>(c.intermediate),
                      V = static_cast<std::size_t>(c.vocab), L = static_cast<std::size_t>(c.n_layers);
    const std::size_t qkv = (Q + 2 * KV) * H, o = H * Q, gu = 2 * F * H, down = H * F;
    layers_.resize(L);

    // Each piece is a list of (source, count) runs written back to back.
    struct Run {
        const float* src;
        std::size_t n;
    };
    if (format == kernels::WeightFormat::f32) {
        stacked_ = AlignedBuffer(L * (qkv + gu));
        float* d = stacked_.data();
        auto put = [&d](std::initializer_list<Run> runs) {
            const float* start = d;
            for (const Run& r : runs) d = std::copy(r.src, r.src + r.n, d);
            return start;
        };
        for (std::size_t l = 0; l < L; ++l) {
            const LayerWeights& w = weights.layer(static_cast<int>(l));
            Layer& P = layers_[l];
            P.qkv.f32 = put({{w.wq, Q * H}, {w.wk, KV * H}, {w.wv, KV * H}});
            P.gate_up.f32 = put({{w.w_gate, F * H}, {w.w_up, F * H}});
            P.o.f32 = w.wo;
            P.down.f32 = w.w_down;
        }
        lm_head_.f32 = weights.lm_head();
        bytes_ = (L * (qkv + o + gu + down) + V * H) * sizeof(float);
        return;
    }
    packed_ = AlignedArray<std::uint16_t>(L * (qkv + o + gu + down) + V * H);
    std::uint16_t* d = packed_.data();
    auto put = [&d](std::initializer_list<Run> runs) {
        const std::uint16_t* start = d;
        for (const Run& r : runs) {
            kernels::f32_to_bf16_n(r.src, d, r.n);
            d += r.n;
        }
        return start;
    };
    for (std::size_t l = 0; l < L; ++l) {
        const LayerWeights& w = weights.layer(static_cast<int>(l));
        Layer& P = layers_[l];
        P.qkv.bf16 = put({{w.wq, Q * H}, {w.wk, KV * H}, {w.wv, KV * H}});
        P.o.bf16 = put({{w.wo, o}});
        P.gate_up.bf16 = put({{w.w_gate, F * H}, {w.w_up, F * H}});
        P.down.bf16 = put({{w.w_down, down}});
    }
    lm_head_.bf16 = put({{weights.lm_head(), V * H}});
    bytes_ = packed_.size() * sizeof(std::uint16_t);
}

}  // namespace lmh
