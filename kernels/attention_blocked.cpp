// attention_blocked: versus naive, (1) scores are computed only for the visible keys
// [lo, pos0 + r] (naive scores all kv_len keys, then masks), which halves causal prefill and
// makes sliding-window attention cost O(window); (2) keys are processed 4 at a time, q
// loaded once per 4 dot products with 4 independent accumulators; (3) the weighted sum of
// values uses unnormalised exp weights and divides the head_dim outputs once at the end
// instead of dividing every score. Scores live in scratch slot 0; single thread.
#include <cmath>

#include "kernels/attention.h"
#include "kernels/attention_rows.h"
#include "kernels/mutants.h"
#include "kernels/preconditions.h"

namespace lmh::kernels {
namespace attention_rows {

void blocked(const AttentionArgs& a, int r, int h, float* scores) {
    int lo, hi;
    visible_keys(a, r, lo, hi);
    lo -= LMH_MUTANT(attention_blocked_window_plus_one) * (lo > 0);
    const int hd = a.head_dim, span = hi - lo + 1;
    const long kv_stride = kv_row_stride(a);
    const long kv_off = (long)(h / (a.n_heads / a.n_kv_heads)) * hd;
    const float* q = a.q + ((long)r * a.n_heads + h) * hd;
    const float* kbase = a.k + (long)lo * kv_stride + kv_off;
    const float* vbase = a.v + (long)lo * kv_stride + kv_off;

    float mx = -INFINITY;
    int c = 0;
    for (; c + 4 <= span; c += 4) {
        const float* k0 = kbase + c * kv_stride;
        const float* k1 = k0 + kv_stride;
        const float* k2 = k1 + kv_stride;
        const float* k3 = k2 + kv_stride;
        float d0 = 0.0f, d1 = 0.0f, d2 = 0.0f, d3 = 0.0f;
        for (int d = 0; d < hd; ++d) {
            d0 += q[d] * k0[d];
            d1 += q[d] * k1[d];
            d2 += q[d] * k2[d];
            d3 += q[d] * k3[d];
        }
        scores[c] = d0 * a.scale;
        scores[c + 1] = d1 * a.scale;
        scores[c + 2] = d2 * a.scale;
        scores[c + 3] = d3 * a.scale;
    }
    for (; c < span * (1 - LMH_MUTANT(attention_blocked_key_tail)); ++c) {
        const float* kc = kbase + c * kv_stride;
        float dot = 0.0f;
        for (int d = 0; d < hd; ++d) dot += q[d] * kc[d];
        scores[c] = dot * a.scale;
    }
    for (c = 0; c < span; ++c) mx = scores[c] > mx ? scores[c] : mx;
    float sum = 0.0f;
    for (c = 0; c < span; ++c) {
        scores[c] = std::exp(scores[c] - mx * (1 - LMH_MUTANT(attention_blocked_no_max)));
        sum += scores[c];
    }
    float* out = a.out + ((long)r * a.n_heads + h) * hd;
    for (int d = 0; d < hd * (1 - LMH_MUTANT(attention_blocked_stale_out)); ++d) out[d] = 0.0f;
    for (c = 0; c < span; ++c) {
        const float p = scores[c];
        const float* vc = vbase + c * kv_stride;
        for (int d = 0; d < hd; ++d) out[d] += p * vc[d];
    }
    const float inv = 1.0f / sum;
    for (int d = 0; d < hd; ++d) out[d] *= inv;
}

}  // namespace attention_rows

void attention_blocked(const AttentionArgs& a) {
    preconditions::attention(a);
    for (int r = 0; r < a.seq; ++r)
        for (int h = 0; h < a.n_heads; ++h) attention_rows::blocked(a, r, h, a.scratch);
}

}  // namespace lmh::kernels
