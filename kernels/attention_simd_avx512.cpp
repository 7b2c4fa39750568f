// attention_simd: versus blocked, AVX-512: 16 keys per step, each a zmm dot product over
// head_dim (masked loads for head_dim 26 and other non-multiples of 16), the 16 products
// reduced together by one transposed horizontal sum; max, exp (vector exp, ~1 ulp) and sum
// over the score row in zmm registers; the weighted sum of values accumulated in zmm
// registers (head_dim <= 128; up to 4 interleaved accumulator sets so consecutive keys do
// not wait on each other's FMA) and scaled once. head_dim > 128 uses the blocked row code.
// Prefill (use_tiles) goes to the 16-row tiles of attention_tile_avx512.cpp instead.
// Single thread, scratch slot 0.
#include <algorithm>
#include <cmath>

#include "kernels/attention.h"
#include "kernels/attention_rows.h"
#include "kernels/simd_math_avx512.h"
#include "kernels/preconditions.h"

namespace lmh::kernels {
namespace attention_rows {
namespace {
constexpr int kMaxChunks = 8;  // head_dim <= 128 in registers
}

void avx512(const AttentionArgs& a, int r, int h, float* scores) {
    using avx512::tail_mask;
    const int hd = a.head_dim;
    const int chunks = (hd + 15) / 16;
    if (chunks > kMaxChunks) {
        blocked(a, r, h, scores);
        return;
    }
    int lo, hi;
    visible_keys(a, r, lo, hi);
    const int span = hi - lo + 1;
    const long kv_stride = kv_row_stride(a);
    const long kv_off = (long)(h / (a.n_heads / a.n_kv_heads)) * hd;
    const float* kbase = a.k + (long)lo * kv_stride + kv_off;
    const float* vbase = a.v + (long)lo * kv_stride + kv_off;
    const float* qp = a.q + ((long)r * a.n_heads + h) * hd;

    __mmask16 dmask[kMaxChunks];
    __m512 q[kMaxChunks];
    for (int ch = 0; ch < chunks; ++ch) {
        dmask[ch] = tail_mask(hd - 16 * ch);
        q[ch] = _mm512_maskz_loadu_ps(dmask[ch], qp + 16 * ch);
    }

    // Scores, 16 keys per step; keys past the end reuse the last key and are not stored.
    const __m512 scale = _mm512_set1_ps(a.scale);
    __m512 vmax = _mm512_set1_ps(-INFINITY);
    for (int c0 = 0; c0 < span; c0 += 16) {
        __m512 prod[16];
        for (int t = 0; t < 16; ++t) {
            const float* kc = kbase + std::min(c0 + t, span - 1) * kv_stride;
            __m512 acc = _mm512_mul_ps(q[0], _mm512_maskz_loadu_ps(dmask[0], kc));
            for (int ch = 1; ch < chunks; ++ch)
                acc = _mm512_fmadd_ps(q[ch], _mm512_maskz_loadu_ps(dmask[ch], kc + 16 * ch), acc);
            prod[t] = acc;
        }
        const __mmask16 m = tail_mask(span - c0);
        const __m512 s = _mm512_mul_ps(avx512::reduce16(prod), scale);
        _mm512_mask_storeu_ps(scores + c0, m, s);
        vmax = _mm512_mask_max_ps(vmax, m, vmax, s);
    }
    const __m512 mx = _mm512_set1_ps(_mm512_reduce_max_ps(vmax));

    const float sum = avx512::exp_shifted_sum(scores, span, mx);

    // Weighted sum of values. One accumulator per chunk would make every key wait for the
    // previous key's FMA (4 cycles each: the bottleneck of a decode step with head_dim 16);
    // with up to 4 interleaved accumulator sets (fewer for wide heads: 32 zmm registers), key c goes to set
    // c % sets, and the sets are added in a fixed order at the end, so the result does not
    // depend on the thread count.
    const int sets = chunks <= 2 ? 4 : chunks <= 4 ? 2 : 1;
    __m512 acc[4][kMaxChunks];
    for (int u = 0; u < sets; ++u)
        for (int ch = 0; ch < chunks; ++ch) acc[u][ch] = _mm512_setzero_ps();
    int c = 0;
    for (; c + sets <= span; c += sets)
        for (int u = 0; u < sets; ++u) {
            const __m512 p = _mm512_set1_ps(scores[c + u]);
            const float* vc = vbase + (c + u) * kv_stride;
            for (int ch = 0; ch < chunks; ++ch)
                acc[u][ch] = _mm512_fmadd_ps(p, _mm512_maskz_loadu_ps(dmask[ch], vc + 16 * ch), acc[u][ch]);
        }
    for (int u = 0; c < span; ++c, ++u) {
        const __m512 p = _mm512_set1_ps(scores[c]);
        const float* vc = vbase + c * kv_stride;
        for (int ch = 0; ch < chunks; ++ch)
            acc[u][ch] = _mm512_fmadd_ps(p, _mm512_maskz_loadu_ps(dmask[ch], vc + 16 * ch), acc[u][ch]);
    }
    for (int ch = 0; ch < chunks; ++ch) {
        if (sets == 4) acc[0][ch] = _mm512_add_ps(_mm512_add_ps(acc[0][ch], acc[1][ch]), _mm512_add_ps(acc[2][ch], acc[3][ch]));
        else if (sets == 2) acc[0][ch] = _mm512_add_ps(acc[0][ch], acc[1][ch]);
    }
    const __m512 inv = _mm512_set1_ps(1.0f / sum);
    float* out = a.out + ((long)r * a.n_heads + h) * hd;
    for (int ch = 0; ch < chunks; ++ch) _mm512_mask_storeu_ps(out + 16 * ch, dmask[ch], _mm512_mul_ps(acc[0][ch], inv));
}

}  // namespace attention_rows

void attention_simd(const AttentionArgs& a) {
    preconditions::attention(a);
    if (attention_rows::use_tiles(a)) {
        for (int h = 0; h < a.n_heads; ++h)
            for (int t = 0; t < attention_rows::tile_count(a); ++t) attention_rows::avx512_tile(a, t, h);
        return;
    }
    for (int r = 0; r < a.seq; ++r)
        for (int h = 0; h < a.n_heads; ++h) attention_rows::avx512(a, r, h, a.scratch);
}

}  // namespace lmh::kernels
