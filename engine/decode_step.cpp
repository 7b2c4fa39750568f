// The fused decode step: Session::forward for one token without an observer, as phases run
// by a StepTeam (step_team.h) in one oneTBB region per token instead of a fork/join per op.
//
// Phases of layer l (xb already holds attn_norm(x) when the phase starts):
//   0  attention block, one unit per kv head g: the q rows of g's query heads and the k, v
//      rows of head g (+ biases, q/k norms), RoPE on them, then attention of g's query heads
//      against the cache (AttentionArgs::kv_stride). Nothing a unit reads is written by
//      another unit, so projection, RoPE and attention need no hand-over between them.
//   1  o_proj, units of rows of Wo; tail: x += o, xb = ffn_norm(x).
//   2  gate and up, units of rows, then SwiGLU on those rows (again nothing to wait for).
//   3  down, units of rows; tail: x += down, xb = the next layer's attn_norm(x), or the
//      final norm after the last layer.
// and last the lm_head, units of vocabulary rows. 4 · layers + 1 hand-overs per token
// (story: 9; before, the story decode forked once, for the lm_head, and ran every layer's
// matmuls on one thread because a fork/join per op cost more than splitting them saved).
//
// With a kernel set whose quantized matmul has a split form (KernelSet::quantize_acts: the AVX2
// acts=q8 rows), each matmul phase's input is quantized once, by the tail before the phase (so
// phases 0 and 2 get a tail too), and the units multiply those blocks: quantized per unit, the
// input cost 1.3 µs per 2048 floats against ~4 µs of integer dot products per 24-row unit, and
// TinyLlama's q8_0 decode ran at 7.6 tok/s where 1 MB units (hardly any requantizing) ran at
// 10.3 (1 thread, Zen 1).
//
// The ops are the kernel set's own functions, called on pieces: matmuls on a range of weight
// rows (m = 1), RoPE and attention on a group of heads, SwiGLU and adds on ranges. Every
// piece computes only its own outputs, so the thread count changes nothing; a piece's bits
// equal the whole call's wherever the kernel's arithmetic for an output does not depend on
// the call's extent: per head and elementwise ops, and the matmuls flagged batch-invariant
// (AVX2, naive, bf16 and quant AVX2: tests/decode_step_test.cpp checks every set against the
// op-by-op pass). Units are fixed by the model and weight format only.
//
// The team uses threads only for a kernel set with a parallel op (a `simd` or `naive` set
// stays on one thread, as its name promises) and runs kernels inside units on one thread:
// attention gets one scratch row per team thread (scratch_slots = 1, which keeps the tbb
// attention serial), and a unit is small enough (kUnitBytes) that the tbb matmuls' own
// split rule never forks inside it (the quantized split form never forks: kSplitUnitBytes).
#include <algorithm>

#include "engine/attention_args.h"
#include "engine/session.h"
#include "kernels/parallel_policy.h"

namespace lmh {
namespace {

// Weight bytes per unit of a matmul phase: big enough that a unit's call overhead (~50 ns) is
// lost in its streaming time (64 KB: ~2 µs from L3 or DRAM on one Zen 1 core), small enough
// that a thread finishing early finds units left to take.
constexpr double kUnitBytes = 64 * 1024;
// The same for a quantized matrix multiplied by the split form (KernelSet::matmul_q*_0_on_q8,
// which never forks: bigger units cannot nest a parallel_for). A unit also pays a cold start,
// its first weight rows unprefetched (the kernel prefetches only within its call), about 1 µs
// on Zen 1: TinyLlama q8_0 decode ran at 9.5 / 17.4 tok/s (1 / 2 threads) with 64 KB units and
// 10.2 / 18.7 with 256 KB, q4_0 at 13.1 / 24.2 and 14.1 / 26.0 (bench -r 3, one sitting).
constexpr double kSplitUnitBytes = 256 * 1024;
// At least this many units per phase where the rows allow (story's 128-row o_proj and down:
// 6 units of 24 rows), so that two threads can share a small matrix.
constexpr int kMinUnits = 4;
// Units start on multiples of 24 rows: the AVX2 matmuls' 3- and 8-row tiles and the blocked
// matmul's 8-wide panels then line up as in a call over the whole matrix.
constexpr int kRowMultiple = 24;

int unit_rows(int n, double row_bytes, double unit_bytes) {
    const double by_bytes = unit_bytes / std::max(row_bytes, 1.0);
    const double rows = std::min(by_bytes, static_cast<double>(n) / kMinUnits);
    return std::max(kRowMultiple, static_cast<int>(rows) / kRowMultiple * kRowMultiple);
}

int units_of(int n, int rows) { return (n + rows - 1) / rows; }

}  // namespace

void Session::plan_decode() {
    const ModelConfig& c = config();
    const Projections::Layer& P = proj_->layer(0);  // every layer has the same shapes and formats
    const int H = c.hidden, Q = c.q_dim(), F = c.intermediate;
    // A matrix the split form multiplies: quantized, in a set that has one (the input's length
    // then is a multiple of 32, as the matrix's rows are).
    auto unit_bytes = [&](const Linear& w) {
        const bool split = (w.q8_0 && kernels_.matmul_q8_0_on_q8) || (w.q4_0 && kernels_.matmul_q4_0_on_q8);
        return split ? kSplitUnitBytes : kUnitBytes;
    };
    plan_.o_rows = unit_rows(H, row_bytes(P.o, Q), unit_bytes(P.o));
    plan_.ffn_rows = unit_rows(F, row_bytes(P.gate, H) + row_bytes(P.up, H), std::min(unit_bytes(P.gate), unit_bytes(P.up)));
    plan_.down_rows = unit_rows(H, row_bytes(P.down, F), unit_bytes(P.down));
    plan_.lm_rows = unit_rows(c.vocab, row_bytes(proj_->lm_head(), H), unit_bytes(proj_->lm_head()));
    xq_blocks_.clear();
    xq_scales_.clear();
    xq_sums8_.clear();
    if (kernels_.quantize_acts) {
        const std::size_t widest = static_cast<std::size_t>(std::max({H, Q, F}) / kernels::kQuantBlock);
        xq_blocks_.resize(widest);
        xq_scales_.resize(widest);
        xq_sums8_.resize(widest);
    }
    parallel_kernels_ = kernels::is_parallel(kernels_);
    team_ = StepTeam(4 * c.n_layers + 1, scratch_slots_);
}

void Session::forward_decode(int id, float* logits_out) {
    const ModelConfig& c = config();
    const kernels::KernelSet& K = kernels_;
    const int H = c.hidden, Q = c.q_dim(), KV = c.kv_dim(), F = c.intermediate, V = c.vocab, L = c.n_layers;
    const int hd = c.head_dim, G = c.n_heads / c.n_kv_heads, half = hd / 2;
    const std::size_t zKV = static_cast<std::size_t>(KV), zctx = static_cast<std::size_t>(ctx_);
    float* x = x_.data();
    float* xb = xb_.data();
    const float* cos = rope_cos_.data() + static_cast<std::size_t>(pos_) * half;
    const float* sin = rope_sin_.data() + static_cast<std::size_t>(pos_) * half;
    const DecodePlan plan = plan_;

    // The current phase's input quantized (xq.blocks null: the set has no split form, or the
    // input's length is no multiple of 32, e.g. the chat model's 312, whose matrices stay bf16).
    kernels::QuantizedActs xq{nullptr, nullptr, nullptr};
    auto quantize = [&](const float* v, int len) {
        xq = {nullptr, nullptr, nullptr};
        if (!K.quantize_acts || len % kernels::kQuantBlock != 0) return;
        K.quantize_acts(v, xq_blocks_.data(), xq_scales_.data(), xq_sums8_.data(), len / kernels::kQuantBlock);
        xq = {xq_blocks_.data(), xq_scales_.data(), xq_sums8_.data()};
    };

    K.gather(weights_->embed(), &id, x, 1, H);
    K.rmsnorm(x, weights_->layer(0).attn_norm, xb, 1, H, c.rms_eps);
    quantize(xb, H);

    auto units = [&](int p) {
        if (p == 4 * L) return units_of(V, plan.lm_rows);
        switch (p % 4) {
            case 0: return c.n_kv_heads;
            case 1: return units_of(H, plan.o_rows);
            case 2: return units_of(F, plan.ffn_rows);
            default: return units_of(H, plan.down_rows);
        }
    };
    auto work = [&](int p, int u, int t) {
        if (p == 4 * L) {
            const int r0 = u * plan.lm_rows, r1 = std::min(V, r0 + plan.lm_rows);
            linear(K, xb, xq, rows_from(proj_->lm_head(), r0, H), logits_out + r0, 1, r1 - r0, H);
            return;
        }
        const int l = p / 4;
        const LayerWeights& w = weights_->layer(l);
        const Projections::Layer& P = proj_->layer(l);
        switch (p % 4) {
            case 0: {
                const int g = u, q0 = g * G * hd, k0 = g * hd;
                float* kc = cache_.k(l);
                float* vc = cache_.v(l);
                float* k_new = kc + static_cast<std::size_t>(pos_) * zKV + k0;
                float* v_new = vc + static_cast<std::size_t>(pos_) * zKV + k0;
                float* q = q_.data() + q0;
                float* att = att_.data() + q0;  // this group's attention output; before that its scratch
                float* q_raw = c.qk_norm ? att : q;
                linear(K, xb, xq, rows_from(P.q, q0, H), q_raw, 1, G * hd, H);
                if (w.q_bias) K.add(q_raw, w.q_bias + q0, G * hd);
                if (c.qk_norm) K.rmsnorm(q_raw, w.q_norm, q, G, hd, c.rms_eps);
                float* k_raw = c.qk_norm ? att : k_new;
                linear(K, xb, xq, rows_from(P.k, k0, H), k_raw, 1, hd, H);
                if (w.k_bias) K.add(k_raw, w.k_bias + k0, hd);
                if (c.qk_norm) K.rmsnorm(k_raw, w.k_norm, k_new, 1, hd, c.rms_eps);
                linear(K, xb, xq, rows_from(P.v, k0, H), v_new, 1, hd, H);
                if (w.v_bias) K.add(v_new, w.v_bias + k0, hd);
                K.rope(q, 1, G, hd, cos, sin);
                K.rope(k_new, 1, 1, hd, cos, sin);
                kernels::AttentionArgs a = attention_args(c, 1, pos_, att_scratch_.data() + static_cast<std::size_t>(t) * zctx, 1, zctx);
                a.q = q;
                a.k = kc + k0;
                a.v = vc + k0;
                a.out = att;
                a.n_heads = G;
                a.n_kv_heads = 1;
                a.kv_stride = KV;
                K.attention(a);
                return;
            }
            case 1: {
                const int r0 = u * plan.o_rows, r1 = std::min(H, r0 + plan.o_rows);
                linear(K, att_.data(), xq, rows_from(P.o, r0, Q), o_.data() + r0, 1, r1 - r0, Q);
                return;
            }
            case 2: {
                const int r0 = u * plan.ffn_rows, r1 = std::min(F, r0 + plan.ffn_rows);
                float* gate = gate_.data() + r0;
                float* up = up_.data() + r0;
                linear(K, xb, xq, rows_from(P.gate, r0, H), gate, 1, r1 - r0, H);
                linear(K, xb, xq, rows_from(P.up, r0, H), up, 1, r1 - r0, H);
                K.swiglu(gate, up, gate, r1 - r0);
                return;
            }
            default: {
                const int r0 = u * plan.down_rows, r1 = std::min(H, r0 + plan.down_rows);
                linear(K, gate_.data(), xq, rows_from(P.down, r0, F), o_.data() + r0, 1, r1 - r0, F);
                return;
            }
        }
    };
    auto tail = [&](int p, int) {
        if (p == 4 * L) return;
        if (p % 4 == 0) return quantize(att_.data(), Q);   // o_proj's input
        if (p % 4 == 2) return quantize(gate_.data(), F);  // down's input
        const int l = p / 4;
        K.add(x, o_.data(), H);
        const float* norm = p % 4 == 1 ? weights_->layer(l).ffn_norm
                                       : (l + 1 < L ? weights_->layer(l + 1).attn_norm : weights_->final_norm());
        K.rmsnorm(x, norm, xb, 1, H, c.rms_eps);
        quantize(xb, H);
    };

    const int threads = parallel_kernels_ ? std::min(kernels::parallel_policy::available_threads(), team_.max_threads()) : 1;
    team_.run(threads, 4 * L + 1, units, work, tail);
    ++pos_;
}

}  // namespace lmh
