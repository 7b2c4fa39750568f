// attention_naive: for every query head, a full row of scores against every visible key,
// softmax (softmax_naive, same masking rule), then the weighted sum of values. Uses
// scratch slot 0 only: single thread.
#include <cmath>

#include "kernels/attention.h"
#include "kernels/softmax.h"
#include "kernels/mutants.h"
#include "kernels/preconditions.h"

namespace lmh::kernels {

void attention_naive(const AttentionArgs& a) {
    preconditions::attention(a);
    const int kv_len = a.pos0 + a.seq;
    const int group = a.n_heads / a.n_kv_heads;
    const long q_stride = (long)a.n_heads * a.head_dim;
    const long kv_stride = kv_row_stride(a);
    float* scores = a.scratch;
    for (int r = 0; r < a.seq; ++r) {
        for (int h = 0; h < a.n_heads; ++h) {
            const float* q = a.q + r * q_stride + (long)h * a.head_dim;
            const long kv_off = (long)(LMH_MUTANT(attention_naive_gqa_mapping) ? h % a.n_kv_heads : h / group) * a.head_dim;
            for (int c = 0; c < kv_len; ++c) {
                const float* k = a.k + c * kv_stride + kv_off;
                float dot = 0.0f;
                for (int d = 0; d < a.head_dim; ++d) dot += q[d] * k[d];
                scores[c] = dot * a.scale;
            }
            // One row at position pos0 + r: pass it as row 0 with pos0' = pos0 + r.
            softmax_naive(scores, 1, kv_len, a.pos0 + r + LMH_MUTANT(attention_naive_causal_plus_one), a.window);
            float* out = a.out + r * q_stride + (long)h * a.head_dim;
            for (int d = 0; d < a.head_dim; ++d) out[d] = 0.0f;
            for (int c = 0; c < kv_len; ++c) {
                const float p = scores[c];
                if (p == 0.0f) continue;
                const float* v = a.v + c * kv_stride + kv_off;
                for (int d = 0; d < a.head_dim; ++d) out[d] += p * v[d];
            }
        }
    }
}

}  // namespace lmh::kernels
