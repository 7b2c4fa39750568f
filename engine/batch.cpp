#include "engine/batch.h"

#include <algorithm>
#include <string>

#include <tbb/info.h>

#include "engine/attention_args.h"
#include "util/error.h"

namespace lmh {

Batch::Batch(std::shared_ptr<const Weights> weights, kernels::KernelSet kernels, BatchOptions options)
    : weights_(std::move(weights)), kernels_(std::move(kernels)) {
    if (options.max_sequences < 1) throw Error("batch: max_sequences must be at least 1");
    const ModelConfig& c = weights_->config();
    SessionOptions so;
    so.context = options.context;
    so.max_batch = options.max_prefill;
    for (int i = 0; i < options.max_sequences; ++i) sessions_.push_back(std::make_unique<Session>(weights_, kernels_, so));
    used_.assign(sessions_.size(), 0);
    seen_.assign(sessions_.size(), 0);
    ctx_ = sessions_.front()->context();
    gemm_from_rows_ = std::max(1, options.gemm_from_rows);
    proj_ = &sessions_.front()->projections();

    const std::size_t B = sessions_.size();
    x_ = AlignedBuffer(B * c.hidden);
    xb_ = AlignedBuffer(B * c.hidden);
    o_ = AlignedBuffer(B * c.hidden);
    q_ = AlignedBuffer(B * c.q_dim());
    att_ = AlignedBuffer(B * c.q_dim());
    k_ = AlignedBuffer(B * c.kv_dim());
    v_ = AlignedBuffer(B * c.kv_dim());
    gate_ = AlignedBuffer(B * c.intermediate);
    up_ = AlignedBuffer(B * c.intermediate);
    scratch_slots_ = std::max(1, tbb::info::default_concurrency());
    att_scratch_ = AlignedBuffer(static_cast<std::size_t>(scratch_slots_) * ctx_);
    for (AlignedBuffer* b : {&x_, &xb_, &o_, &q_, &att_, &k_, &v_, &gate_, &up_, &att_scratch_})
        std::fill(b->data(), b->data() + b->size(), 0.0f);
    logits_.assign(B * static_cast<std::size_t>(c.vocab), 0.0f);
}

int Batch::add() {
    for (std::size_t i = 0; i < used_.size(); ++i) {
        if (used_[i]) continue;
        used_[i] = 1;
        ++active_;
        sessions_[i]->reset();
        return static_cast<int>(i);
    }
    throw Error("batch: all " + std::to_string(sessions_.size()) + " sequence slots are in use");
}

bool Batch::in_use(int slot) const {
    return slot >= 0 && slot < capacity() && used_[static_cast<std::size_t>(slot)];
}

void Batch::remove(int slot) {
    if (!in_use(slot)) throw Error("batch: sequence slot " + std::to_string(slot) + " is not in use");
    used_[static_cast<std::size_t>(slot)] = 0;
    --active_;
}

Session& Batch::sequence(int slot) {
    if (!in_use(slot)) throw Error("batch: sequence slot " + std::to_string(slot) + " is not in use");
    return *sessions_[static_cast<std::size_t>(slot)];
}

void Batch::check_step(std::span<const int> slots, std::span<const int> tokens) {
    if (slots.empty() || slots.size() != tokens.size())
        throw Error("batch step: " + std::to_string(slots.size()) + " slots and " + std::to_string(tokens.size()) +
                    " tokens (need the same number, at least one)");
    std::fill(seen_.begin(), seen_.end(), 0);
    for (std::size_t i = 0; i < slots.size(); ++i) {
        const int s = slots[i];
        if (!in_use(s)) throw Error("batch step: sequence slot " + std::to_string(s) + " is not in use");
        if (seen_[static_cast<std::size_t>(s)]++) throw Error("batch step: sequence slot " + std::to_string(s) + " given twice");
        if (tokens[i] < 0 || tokens[i] >= config().vocab)
            throw Error("token id " + std::to_string(tokens[i]) + " is outside the vocabulary [0, " +
                        std::to_string(config().vocab) + ")");
        if (sessions_[static_cast<std::size_t>(s)]->position() >= ctx_)
            throw Error("batch step: sequence slot " + std::to_string(s) + " has filled its context of " +
                        std::to_string(ctx_) + " positions");
    }
}

std::span<const float> Batch::step(std::span<const int> slots, std::span<const int> tokens) {
    check_step(slots, tokens);
    const std::size_t V = static_cast<std::size_t>(config().vocab);
    if (static_cast<int>(slots.size()) < gemm_from_rows_) {
        // Each sequence decoded alone, one after another: its session's own decode step (the
        // fused one, decode_step.cpp), so these rows are bitwise the solo run's.
        for (std::size_t i = 0; i < slots.size(); ++i) {
            const auto l = sessions_[static_cast<std::size_t>(slots[i])]->forward(tokens.subspan(i, 1));
            std::copy(l.begin(), l.end(), logits_.begin() + static_cast<std::ptrdiff_t>(i * V));
        }
    } else {
        forward_rows(slots, tokens);
    }
    return {logits_.data(), slots.size() * V};
}

// Session::forward_chunk with one row per sequence: the row-wise ops (norms, matmuls,
// SwiGLU, residual adds) run over all n rows at once; what depends on the position (RoPE,
// the cache rows, attention) runs per row, at that sequence's position and on its cache.
void Batch::forward_rows(std::span<const int> slots, std::span<const int> tokens) {
    const ModelConfig& c = config();
    const kernels::KernelSet& K = kernels_;
    const int n = static_cast<int>(slots.size());
    const int H = c.hidden, Q = c.q_dim(), KV = c.kv_dim(), F = c.intermediate, half = c.head_dim / 2;
    const std::size_t zQ = static_cast<std::size_t>(Q), zKV = static_cast<std::size_t>(KV);
    float* x = x_.data();
    float* xb = xb_.data();

    K.gather(weights_->embed(), tokens.data(), x, n, H);
    for (int l = 0; l < c.n_layers; ++l) {
        const LayerWeights& w = weights_->layer(l);
        const Projections::Layer& P = proj_->layer(l);

        K.rmsnorm(x, w.attn_norm, xb, n, H, c.rms_eps);
        float* q_raw = c.qk_norm ? att_.data() : q_.data();
        linear(K, xb, P.q, q_raw, n, Q, H);
        if (w.q_bias) add_bias(K, q_raw, w.q_bias, n, Q);
        if (c.qk_norm) K.rmsnorm(q_raw, w.q_norm, q_.data(), n * c.n_heads, c.head_dim, c.rms_eps);
        float* k_raw = c.qk_norm ? att_.data() : k_.data();
        linear(K, xb, P.k, k_raw, n, KV, H);
        if (w.k_bias) add_bias(K, k_raw, w.k_bias, n, KV);
        if (c.qk_norm) K.rmsnorm(k_raw, w.k_norm, k_.data(), n * c.n_kv_heads, c.head_dim, c.rms_eps);
        linear(K, xb, P.v, v_.data(), n, KV, H);
        if (w.v_bias) add_bias(K, v_.data(), w.v_bias, n, KV);

        for (int r = 0; r < n; ++r) {
            Session& s = *sessions_[static_cast<std::size_t>(slots[static_cast<std::size_t>(r)])];
            const int pos = s.pos_;
            float* kc = s.cache_.k(l);
            float* vc = s.cache_.v(l);
            float* k_new = kc + static_cast<std::size_t>(pos) * zKV;
            float* v_new = vc + static_cast<std::size_t>(pos) * zKV;
            std::copy_n(k_.data() + r * zKV, zKV, k_new);
            std::copy_n(v_.data() + r * zKV, zKV, v_new);
            const float* cos = s.rope_cos_.data() + static_cast<std::size_t>(pos) * half;
            const float* sin = s.rope_sin_.data() + static_cast<std::size_t>(pos) * half;
            float* q = q_.data() + r * zQ;
            K.rope(q, 1, c.n_heads, c.head_dim, cos, sin);
            K.rope(k_new, 1, c.n_kv_heads, c.head_dim, cos, sin);

            kernels::AttentionArgs a =
                attention_args(c, 1, pos, att_scratch_.data(), scratch_slots_, static_cast<std::size_t>(ctx_));
            a.q = q;
            a.k = kc;
            a.v = vc;
            a.out = att_.data() + r * zQ;
            K.attention(a);
        }

        linear(K, att_.data(), P.o, o_.data(), n, H, Q);
        K.add(x, o_.data(), n * H);
        K.rmsnorm(x, w.ffn_norm, xb, n, H, c.rms_eps);
        linear(K, xb, P.gate, gate_.data(), n, F, H);
        linear(K, xb, P.up, up_.data(), n, F, H);
        K.swiglu(gate_.data(), up_.data(), gate_.data(), n * F);
        linear(K, gate_.data(), P.down, o_.data(), n, H, F);
        K.add(x, o_.data(), n * H);
    }
    for (int r = 0; r < n; ++r) ++sessions_[static_cast<std::size_t>(slots[static_cast<std::size_t>(r)])]->pos_;

    K.rmsnorm(x, weights_->final_norm(), xb, n, H, c.rms_eps);
    linear(K, xb, proj_->lm_head(), logits_.data(), n, c.vocab, H);
}

}  // namespace lmh
