#include "engine/session.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <string>

#include <tbb/info.h>

#include "engine/attention_args.h"
#include "util/error.h"
#include "engine/rope_table.h"
#include "engine/tensor_names.h"

namespace lmh {
namespace {

std::size_t physical_memory_bytes() {
    const long pages = ::sysconf(_SC_PHYS_PAGES), page = ::sysconf(_SC_PAGE_SIZE);
    return pages > 0 && page > 0 ? static_cast<std::size_t>(pages) * static_cast<std::size_t>(page) : 0;
}

}  // namespace

Session::Session(std::shared_ptr<const Weights> weights, kernels::KernelSet kernels, SessionOptions options)
    : weights_(std::move(weights)), kernels_(std::move(kernels)) {
    const ModelConfig& c = weights_->config();
    ctx_ = options.context > 0 ? std::min(options.context, c.max_positions) : c.max_positions;
    max_batch_ = std::clamp(options.max_batch, 1, ctx_);

    // Everything below is sized from the config: check the total before allocating, so a
    // config claiming a huge context is refused with a message instead of an OOM kill.
    const std::size_t kv_bytes = KvCache::bytes_needed(c.n_layers, ctx_, c.kv_dim());
    scratch_slots_ = std::max(1, tbb::info::default_concurrency());
    const std::size_t act_floats = static_cast<std::size_t>(max_batch_) *
                                       (3ull * c.hidden + 2ull * c.q_dim() + 2ull * c.intermediate) +
                                   static_cast<std::size_t>(scratch_slots_) * ctx_ + 2ull * ctx_ * (c.head_dim / 2);
    const std::size_t need = kv_bytes + act_floats * sizeof(float) + c.vocab * sizeof(float);
    const std::size_t have = physical_memory_bytes();
    if (have && need > have / 2)
        throw Error("session needs " + std::to_string(need >> 20) + " MiB (KV cache for " + std::to_string(ctx_) +
                    " positions: " + std::to_string(kv_bytes >> 20) + " MiB), more than half of this machine's " +
                    std::to_string(have >> 20) + " MiB; use a smaller context");

    cache_ = KvCache(c.n_layers, ctx_, c.kv_dim());

    const int half = c.head_dim / 2;
    rope_cos_ = AlignedBuffer(static_cast<std::size_t>(ctx_) * half);
    rope_sin_ = AlignedBuffer(static_cast<std::size_t>(ctx_) * half);
    fill_rope_tables(rope_cos_.data(), rope_sin_.data(), ctx_, c);
    const std::size_t B = static_cast<std::size_t>(max_batch_);
    x_ = AlignedBuffer(B * c.hidden);
    xb_ = AlignedBuffer(B * c.hidden);
    o_ = AlignedBuffer(B * c.hidden);
    q_ = AlignedBuffer(B * c.q_dim());
    att_ = AlignedBuffer(B * c.q_dim());
    gate_ = AlignedBuffer(B * c.intermediate);
    up_ = AlignedBuffer(B * c.intermediate);
    att_scratch_ = AlignedBuffer(static_cast<std::size_t>(scratch_slots_) * ctx_);

    // Touch every activation buffer now: aligned_alloc hands out pages that fault in on
    // first write, and a prefill's first forward used to pay those faults (about a tenth of
    // a 128-token story prefill) inside the timed call.
    for (AlignedBuffer* b : {&x_, &xb_, &o_, &q_, &att_, &gate_, &up_, &att_scratch_})
        std::fill(b->data(), b->data() + b->size(), 0.0f);

    proj_ = &weights_->projections(kernels_.weights);  // built by the first session of this format
    logits_.resize(static_cast<std::size_t>(c.vocab));
    fused_decode_ = options.fused_decode;
    plan_decode();
}

void Session::rewind(int n) {
    if (n < 0 || n > pos_) throw Error("cannot rewind to position " + std::to_string(n));
    pos_ = n;
}

void Session::tap(const char* name, int layer, int rows, int cols, float* data) {
    if (observer_) observer_->on_tensor({name, layer, chunk_pos_, rows, cols, data});
}

std::span<const float> Session::forward(std::span<const int> ids, bool all_positions) {
    const ModelConfig& c = config();
    if (ids.empty()) throw Error("forward: no tokens given");
    for (int id : ids)
        if (id < 0 || id >= c.vocab)
            throw Error("token id " + std::to_string(id) + " is outside the vocabulary [0, " + std::to_string(c.vocab) + ")");
    const long n = static_cast<long>(ids.size());
    if (pos_ + n > ctx_)
        throw Error(std::to_string(n) + " tokens at position " + std::to_string(pos_) + " do not fit the context window of " +
                    std::to_string(ctx_) + " positions");
    const std::size_t V = static_cast<std::size_t>(c.vocab);
    if (all_positions && logits_.size() < static_cast<std::size_t>(n) * V) logits_.resize(static_cast<std::size_t>(n) * V);

    if (n == 1 && fused_decode_ && !observer_) {
        forward_decode(ids[0], logits_.data());
        return {logits_.data(), V};
    }
    for (long done = 0; done < n;) {
        const int chunk = static_cast<int>(std::min<long>(max_batch_, n - done));
        const bool last = done + chunk == n;
        float* out = all_positions ? logits_.data() + static_cast<std::size_t>(done) * V : logits_.data();
        forward_chunk(ids.data() + done, chunk, (all_positions || last) ? out : nullptr, all_positions);
        done += chunk;
    }
    return {logits_.data(), all_positions ? static_cast<std::size_t>(n) * V : V};
}

// The transformer, top to bottom. Every op goes through kernels_; buffers are the
// session's own. A one-token decode without an observer takes forward_decode instead
// (decode_step.cpp: the same ops on pieces, in one parallel region).
void Session::forward_chunk(const int* ids, int n, float* logits_out, bool all_positions) {
    const ModelConfig& c = config();
    const kernels::KernelSet& K = kernels_;
    const int H = c.hidden, Q = c.q_dim(), KV = c.kv_dim(), F = c.intermediate, half = c.head_dim / 2;
    chunk_pos_ = pos_;
    float* x = x_.data();
    float* xb = xb_.data();

    K.gather(weights_->embed(), ids, x, n, H);
    tap(tensors::kEmbed, -1, n, H, x);

    for (int l = 0; l < c.n_layers; ++l) {
        const LayerWeights& w = weights_->layer(l);
        const Projections::Layer& P = proj_->layer(l);
        float* kc = cache_.k(l);
        float* vc = cache_.v(l);
        float* k_new = kc + static_cast<std::size_t>(pos_) * KV;
        float* v_new = vc + static_cast<std::size_t>(pos_) * KV;

        K.rmsnorm(x, w.attn_norm, xb, n, H, c.rms_eps);
        tap(tensors::kAttnNorm, l, n, H, xb);
        // With q/k norms (qwen3) the projections go to att_ first (free until attention
        // writes it; KV <= Q) and the per-head RMSNorm writes q_ and the cache rows: rmsnorm
        // over n × heads rows of head_dim.
        float* q_raw = c.qk_norm ? att_.data() : q_.data();
        linear(K, xb, P.q, q_raw, n, Q, H);
        if (w.q_bias) add_bias(K, q_raw, w.q_bias, n, Q);
        if (c.qk_norm) {
            K.rmsnorm(q_raw, w.q_norm, q_.data(), n * c.n_heads, c.head_dim, c.rms_eps);
            tap(tensors::kQNorm, l, n, Q, q_.data());
        }
        float* k_raw = c.qk_norm ? att_.data() : k_new;
        linear(K, xb, P.k, k_raw, n, KV, H);
        if (w.k_bias) add_bias(K, k_raw, w.k_bias, n, KV);
        if (c.qk_norm) {
            K.rmsnorm(k_raw, w.k_norm, k_new, n * c.n_kv_heads, c.head_dim, c.rms_eps);
            tap(tensors::kKNorm, l, n, KV, k_new);
        }
        linear(K, xb, P.v, v_new, n, KV, H);
        if (w.v_bias) add_bias(K, v_new, w.v_bias, n, KV);
        const float* cos = rope_cos_.data() + static_cast<std::size_t>(pos_) * half;
        const float* sin = rope_sin_.data() + static_cast<std::size_t>(pos_) * half;
        K.rope(q_.data(), n, c.n_heads, c.head_dim, cos, sin);
        K.rope(k_new, n, c.n_kv_heads, c.head_dim, cos, sin);
        tap(tensors::kQ, l, n, Q, q_.data());
        tap(tensors::kK, l, n, KV, k_new);
        tap(tensors::kV, l, n, KV, v_new);

        kernels::AttentionArgs a = attention_args(c, n, pos_, att_scratch_.data(), scratch_slots_, static_cast<std::size_t>(ctx_));
        a.q = q_.data();
        a.k = kc;
        a.v = vc;
        a.out = att_.data();
        K.attention(a);
        tap(tensors::kAttn, l, n, Q, att_.data());

        linear(K, att_.data(), P.o, o_.data(), n, H, Q);
        tap(tensors::kOProj, l, n, H, o_.data());
        K.add(x, o_.data(), n * H);
        tap(tensors::kAttnResidual, l, n, H, x);

        K.rmsnorm(x, w.ffn_norm, xb, n, H, c.rms_eps);
        tap(tensors::kFfnNorm, l, n, H, xb);
        linear(K, xb, P.gate, gate_.data(), n, F, H);
        tap(tensors::kGate, l, n, F, gate_.data());
        linear(K, xb, P.up, up_.data(), n, F, H);
        tap(tensors::kUp, l, n, F, up_.data());
        K.swiglu(gate_.data(), up_.data(), gate_.data(), n * F);
        tap(tensors::kSwiglu, l, n, F, gate_.data());
        linear(K, gate_.data(), P.down, o_.data(), n, H, F);
        tap(tensors::kDown, l, n, H, o_.data());
        K.add(x, o_.data(), n * H);
        tap(tensors::kOut, l, n, H, x);
    }
    pos_ += n;

    if (!logits_out) return;  // an inner chunk of a prefill: only the cache matters
    // Only the rows whose logits were asked for go through the final norm and lm_head:
    // for a prefill that is usually just the last one.
    const int rows = all_positions ? n : 1;
    const float* src = x + static_cast<std::size_t>(n - rows) * H;
    K.rmsnorm(src, weights_->final_norm(), xb, rows, H, c.rms_eps);
    const int saved = chunk_pos_;
    chunk_pos_ = saved + n - rows;
    tap(tensors::kFinalNorm, -1, rows, H, xb);
    linear(K, xb, proj_->lm_head(), logits_out, rows, c.vocab, H);
    tap(tensors::kLogits, -1, rows, c.vocab, logits_out);
    chunk_pos_ = saved;
}

}  // namespace lmh
