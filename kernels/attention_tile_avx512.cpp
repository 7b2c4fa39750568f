// The AVX-512 prefill tile of attention_simd / attention_tbb_simd: 16 consecutive query rows
// of one head at once, one query per zmm lane, so a score, its max, its exp and its share of
// the output are plain vertical operations (no horizontal reduce, no score row in memory).
// Keys are taken 16 at a time, copied once into a stack block at a fixed stride (the cache
// stride is a runtime value; a fixed one turns the 16 key addresses into immediates of one
// base register), and every key element is broadcast from there into an FMA against the
// transposed, pre-scaled queries. Softmax is online (flash-attention): per lane a running max
// m and sum l; a block that raises m rescales l and the output accumulators by e^(m_old - m).
// The tile only depends on its first row (a multiple of 16) and on the arguments, never on
// which thread runs it, so results are bitwise the same for any thread count.
#include <algorithm>
#include <cmath>

#include "kernels/attention.h"
#include "kernels/attention_rows.h"
#include "kernels/simd_math_avx512.h"
#include "kernels/mutants.h"

namespace lmh::kernels::attention_rows {
namespace {
constexpr int kMaxDim = 128;  // use_tile() sends wider heads to the row code
constexpr int kKeys = 16;     // keys per block

// ot = alpha · ot + Σ_j p_j v_j, 8 outputs at a time: 8 independent FMA chains against 16
// probabilities held in registers. Masked (a block some lane does not see whole): a hidden
// (lane, key) pair leaves the lane's accumulator untouched instead of adding 0 · v, because
// a key one lane sees may be one another lane must not read at all; its value can be
// anything, NaN included (verify's local pass stores NaN there), and 0 · NaN is NaN.
template <bool Masked>
inline void accumulate_values(__m512* ot, __m512 alpha, const __m512* p, const __mmask16* vis, const float* vb,
                              int hd8) {
    for (int d0 = 0; d0 < hd8; d0 += 8) {
        __m512 acc[8];
#pragma GCC unroll 8
        for (int e = 0; e < 8; ++e) acc[e] = _mm512_mul_ps(ot[d0 + e], alpha);
        const float* vd = vb + d0;
#pragma GCC unroll 16
        for (int j = 0; j < kKeys; ++j)
#pragma GCC unroll 8
            for (int e = 0; e < 8; ++e) {
                const __m512 v = _mm512_set1_ps(vd[j * kMaxDim + e]);
                if constexpr (Masked) acc[e] = _mm512_mask3_fmadd_ps(p[j], v, acc[e], vis[j]);
                else acc[e] = _mm512_fmadd_ps(p[j], v, acc[e]);
            }
#pragma GCC unroll 8
        for (int e = 0; e < 8; ++e) ot[d0 + e] = acc[e];
    }
}
}  // namespace

void avx512_tile(const AttentionArgs& a, int tile, int h) {
    using avx512::tail_mask;
    const int hd = a.head_dim, chunks = (hd + 15) / 16;
    const int hd8 = (hd + 7) & ~7;  // outputs in groups of 8; V is zero past hd
    const int r0 = tile * kTileRows;
    const int rows = std::min(kTileRows, a.seq - r0);  // valid lanes
    const int p0 = a.pos0 + r0;                        // position of lane 0
    const int hi = p0 + rows - 1;                      // last key any valid lane sees
    const int lo = a.window > 0 ? std::max(0, p0 - a.window + 1 - LMH_MUTANT(attention_tile_window_plus_one)) : 0;
    const long kv_stride = kv_row_stride(a);
    const long kv_off = (long)(h / (a.n_heads / a.n_kv_heads)) * hd;

    __mmask16 dmask[kMaxDim / 16];
    for (int ch = 0; ch < chunks; ++ch) dmask[ch] = tail_mask(hd - 16 * ch);

    // qt[d] lane i = scale · q[r0 + i][h][d]; lanes past the last row are 0.
    alignas(64) __m512 qt[kMaxDim];
    const __m512 scale = _mm512_set1_ps(a.scale);
    for (int ch = 0; ch < chunks; ++ch) {
        __m512 t[16];
        for (int i = 0; i < 16; ++i) {
            const float* qp = a.q + ((long)(r0 + i) * a.n_heads + h) * hd + 16 * ch;
            t[i] = i < rows ? _mm512_maskz_loadu_ps(dmask[ch], qp) : _mm512_setzero_ps();
        }
        avx512::transpose16(t);
        for (int d = 0; d < 16 && 16 * ch + d < hd; ++d) qt[16 * ch + d] = _mm512_mul_ps(t[d], scale);
    }

    // ot[d] lane i: unnormalised output of lane i; zero up to a whole chunk for the final transpose.
    alignas(64) __m512 ot[kMaxDim];
    for (int d = 0; d < 16 * chunks; ++d) ot[d] = _mm512_setzero_ps();
    alignas(64) float kb[kKeys * kMaxDim];
    alignas(64) float vb[kKeys * kMaxDim];

    const __m512 ninf = _mm512_set1_ps(-INFINITY);
    const __m512i pos = _mm512_add_epi32(_mm512_set1_epi32(p0),
                                         _mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0));
    __m512 m = ninf, l = _mm512_setzero_ps();

    for (int c0 = lo; c0 <= hi; c0 += kKeys) {
        // Keys past hi repeat key hi (never read past the cache) and are masked below.
        for (int j = 0; j < kKeys; ++j) {
            const long row = (long)std::min(c0 + j, hi) * kv_stride + kv_off;
            for (int ch = 0; ch < chunks; ++ch) {
                _mm512_store_ps(kb + j * kMaxDim + 16 * ch, _mm512_maskz_loadu_ps(dmask[ch], a.k + row + 16 * ch));
                _mm512_store_ps(vb + j * kMaxDim + 16 * ch, _mm512_maskz_loadu_ps(dmask[ch], a.v + row + 16 * ch));
            }
        }

        // s[j] lane i = score of lane i against key c0 + j: one FMA chain over d per key.
        __m512 s[kKeys];
#pragma GCC unroll 16
        for (int j = 0; j < kKeys; ++j) s[j] = _mm512_setzero_ps();
        for (int d = 0; d < hd; ++d) {
            const __m512 qd = qt[d];
            const float* kd = kb + d;
#pragma GCC unroll 16
            for (int j = 0; j < kKeys; ++j) s[j] = _mm512_fmadd_ps(qd, _mm512_set1_ps(kd[j * kMaxDim]), s[j]);
        }

        // Hidden (lane, key) pairs become -inf. A block every lane sees whole skips this.
        const bool whole = c0 + kKeys - 1 <= std::min(p0, hi) && (a.window <= 0 || p0 + 15 - c0 < a.window);
        __mmask16 vis[kKeys];
        if (!whole) {
#pragma GCC unroll 16
            for (int j = 0; j < kKeys; ++j) {
                const int c = c0 + j;
                vis[j] = c <= hi ? _mm512_cmpge_epi32_mask(pos, _mm512_set1_epi32(c)) : 0;
                if (a.window > 0) vis[j] &= _mm512_cmplt_epi32_mask(pos, _mm512_set1_epi32(c + a.window + LMH_MUTANT(attention_tile_window_plus_one)));
                s[j] = _mm512_mask_mov_ps(ninf, vis[j], s[j]);
            }
        }

        __m512 bm = s[0];
        for (int j = 1; j < kKeys; ++j) bm = _mm512_max_ps(bm, s[j]);
        const __m512 mn = _mm512_max_ps(m, bm);
        // A lane that has seen no key yet keeps m = -inf; subtract 0 there instead so that
        // -inf - -inf never makes a NaN (its l and ot are still 0, and so is every p).
        const __m512 ms = _mm512_mask_mov_ps(mn, _mm512_cmpeq_ps_mask(mn, ninf), _mm512_setzero_ps());
        const __m512 alpha = avx512::exp_ps(_mm512_sub_ps(m, ms));
        m = mn;

        __m512 psum = _mm512_setzero_ps();
#pragma GCC unroll 16
        for (int j = 0; j < kKeys; ++j) {
            // Hidden pairs get exactly 0 rather than whatever exp_ps makes of -inf.
            const __mmask16 seen = whole ? (__mmask16)0xFFFF : _mm512_cmpneq_ps_mask(s[j], ninf);
            s[j] = _mm512_maskz_mov_ps(seen, avx512::exp_ps(_mm512_sub_ps(s[j], ms)));
            psum = _mm512_add_ps(psum, s[j]);
        }
        l = _mm512_fmadd_ps(l, alpha, psum);

        if (whole) accumulate_values<false>(ot, alpha, s, vis, vb, hd8);
        else accumulate_values<true>(ot, alpha, s, vis, vb, hd8);
    }

    // out[r0 + i][h] = ot[·] lane i / l lane i: transpose back to one row per lane.
    const __m512 inv = _mm512_maskz_div_ps(tail_mask(rows), _mm512_set1_ps(1.0f), l);
    for (int ch = 0; ch < chunks; ++ch) {
        __m512 t[16];
        for (int d = 0; d < 16; ++d) t[d] = _mm512_mul_ps(ot[16 * ch + d], inv);
        avx512::transpose16(t);
        for (int i = 0; i < rows; ++i)
            _mm512_mask_storeu_ps(a.out + ((long)(r0 + i) * a.n_heads + h) * hd + 16 * ch, dmask[ch], t[i]);
    }
}

}  // namespace lmh::kernels::attention_rows
