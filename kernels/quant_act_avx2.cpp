// quantize_act_q8_0_avx2 (matmul_quant.h): the acts=q8 variants' activation quantizer, the
// reference quantize_row_q8_0 in AVX2, byte for byte (tests/quant_test.cpp checks it against
// the reference on random rows and on exact halves). Every f32 operation is the reference's,
// in the same precision: amax by max over |x| (a NaN never replaces the running maximum, as
// std::max(amax, |x|) in the reference), d = amax/127 and id = 1/d by one division each, x·id
// rounded to f32, then roundf (halves away from zero) as trunc plus one away from zero when the
// exact remainder x·id − trunc(x·id) reaches 0.5. Compiled with -ffp-contract=off
// (CMakeLists.txt): a fused x·id − trunc would skip the rounding of x·id.
#include <immintrin.h>

#include "kernels/matmul_quant.h"

namespace lmh::kernels {

void quantize_act_q8_0_avx2(const float* x, BlockQ8_0* y, float* scales, std::int32_t* sums8, int nb) {
    const __m256 abs_mask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7FFFFFFF));
    const __m256 half = _mm256_set1_ps(0.5f), one = _mm256_set1_ps(1.0f);
    for (int b = 0; b < nb; ++b, x += kQuantBlock) {
        __m256 v[4];
        __m256 amax = _mm256_setzero_ps();
        for (int t = 0; t < 4; ++t) {
            v[t] = _mm256_loadu_ps(x + 8 * t);
            amax = _mm256_max_ps(_mm256_and_ps(v[t], abs_mask), amax);  // NaN |x|: keeps amax
        }
        __m128 m = _mm_max_ps(_mm256_castps256_ps128(amax), _mm256_extractf128_ps(amax, 1));
        m = _mm_max_ps(m, _mm_movehl_ps(m, m));
        m = _mm_max_ss(m, _mm_movehdup_ps(m));
        const float d = _mm_cvtss_f32(m) / 127.0f;
        const float id = d != 0.0f ? 1.0f / d : 0.0f;
        y[b].d = _cvtss_sh(d, _MM_FROUND_TO_NEAREST_INT);  // f32_to_f16: nearest even, as F16C
        scales[b] = _cvtsh_ss(y[b].d);
        const __m256 vid = _mm256_set1_ps(id);
        __m256i q[4];
        for (int t = 0; t < 4; ++t) {
            const __m256 x0 = _mm256_mul_ps(v[t], vid);
            const __m256 tr = _mm256_round_ps(x0, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC);
            const __m256 rem = _mm256_and_ps(_mm256_sub_ps(x0, tr), abs_mask);  // exact
            const __m256 away = _mm256_or_ps(one, _mm256_andnot_ps(abs_mask, x0));  // ±1 with x0's sign
            const __m256 r = _mm256_add_ps(tr, _mm256_and_ps(_mm256_cmp_ps(rem, half, _CMP_GE_OQ), away));
            q[t] = _mm256_cvtps_epi32(r);  // an integer in [-127, 127]: exact
        }
        // int32 -> int8 in order: the packs interleave 128-bit lanes, the permute restores them.
        const __m256i p = _mm256_packs_epi16(_mm256_packs_epi32(q[0], q[1]), _mm256_packs_epi32(q[2], q[3]));
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(y[b].qs),
                            _mm256_permutevar8x32_epi32(p, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7)));
        const __m256i s = _mm256_add_epi32(_mm256_add_epi32(q[0], q[1]), _mm256_add_epi32(q[2], q[3]));
        __m128i s4 = _mm_add_epi32(_mm256_castsi256_si128(s), _mm256_extracti128_si256(s, 1));
        s4 = _mm_add_epi32(s4, _mm_unpackhi_epi64(s4, s4));
        s4 = _mm_add_epi32(s4, _mm_shuffle_epi32(s4, 1));
        sums8[b] = 8 * _mm_cvtsi128_si32(s4);
    }
}

}  // namespace lmh::kernels
