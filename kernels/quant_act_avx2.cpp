// quantize_act_q8_0_avx2 (matmul_quant.h): the acts=q8 variants' activation quantizer, the
// reference quantize_row_q8_0 in AVX2, byte for byte (tests/quant_test.cpp checks it against
// the reference on random rows, on exact halves and on partial groups). Every f32 operation
// is the reference's, in the same precision, per block: amax by max over |x| (a NaN never
// replaces the running maximum, as std::max(amax, |x|) in the reference), d = amax/127 and
// id = 1/d by one division each, x·id rounded to f32, then roundf (halves away from zero) as
// trunc plus one away from zero when the exact remainder x·id − trunc(x·id) reaches 0.5. Compiled with -ffp-contract=off
// (CMakeLists.txt): a fused x·id − trunc would skip the rounding of x·id.
// Blocks go in groups of 8, so that the two divisions, the fp16 rounding of d and its widening
// back are one vector instruction for 8 blocks: one block at a time, those scalar steps formed
// a dependent chain of ~70 cycles per block (2.3 µs for a 2048-wide row on Zen 1), more than
// the decode step's GEMV spends on 24 weight rows of that width.
#include <immintrin.h>

#include "kernels/matmul_quant.h"

namespace lmh::kernels {
namespace {

// [max of a[0]'s 8 lanes, ..., max of a[3]'s]: each vector's halves, then a 4 x 4 transpose.
// No lane is NaN here (a NaN |x| never enters a block's amax), so the order of the maxima
// does not matter.
inline __m128 max_lanes4(const __m256 a[4]) {
    __m128 h[4];
    for (int i = 0; i < 4; ++i) h[i] = _mm_max_ps(_mm256_castps256_ps128(a[i]), _mm256_extractf128_ps(a[i], 1));
    _MM_TRANSPOSE4_PS(h[0], h[1], h[2], h[3]);
    return _mm_max_ps(_mm_max_ps(h[0], h[1]), _mm_max_ps(h[2], h[3]));
}

}  // namespace

void quantize_act_q8_0_avx2(const float* x, BlockQ8_0* y, float* scales, std::int32_t* sums8, int nb) {
    constexpr int kGroup = 8;
    const __m256 abs_mask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7FFFFFFF));
    const __m256 half = _mm256_set1_ps(0.5f), one = _mm256_set1_ps(1.0f), zero = _mm256_setzero_ps();
    for (int b0 = 0; b0 < nb; b0 += kGroup) {
        const int count = nb - b0 < kGroup ? nb - b0 : kGroup;
        const float* xg = x + static_cast<long>(b0) * kQuantBlock;
        __m256 amax[kGroup];
        for (int b = 0; b < kGroup; ++b) {
            amax[b] = zero;  // blocks past the row's end: amax 0, d 0, never stored
            if (b < count)
                for (int t = 0; t < 4; ++t)  // a NaN |x| keeps amax (the second operand), as std::max
                    amax[b] = _mm256_max_ps(_mm256_and_ps(_mm256_loadu_ps(xg + b * kQuantBlock + 8 * t), abs_mask), amax[b]);
        }
        const __m256 m = _mm256_set_m128(max_lanes4(amax + 4), max_lanes4(amax));
        const __m256 d = _mm256_div_ps(m, _mm256_set1_ps(127.0f));
        const __m256 id = _mm256_and_ps(_mm256_div_ps(one, d), _mm256_cmp_ps(d, zero, _CMP_NEQ_OQ));  // 1/0 -> 0
        const __m128i dh = _mm256_cvtps_ph(d, _MM_FROUND_TO_NEAREST_INT);  // f32_to_f16: nearest even
        alignas(32) float ids[kGroup], ds[kGroup];
        alignas(16) std::uint16_t dbits[kGroup];
        _mm256_store_ps(ids, id);
        _mm256_store_ps(ds, _mm256_cvtph_ps(dh));
        _mm_store_si128(reinterpret_cast<__m128i*>(dbits), dh);
        for (int b = 0; b < count; ++b) {
            const float* xb = xg + b * kQuantBlock;
            BlockQ8_0& out = y[b0 + b];
            out.d = dbits[b];
            scales[b0 + b] = ds[b];
            const __m256 vid = _mm256_set1_ps(ids[b]);
            __m256i q[4];
            for (int t = 0; t < 4; ++t) {
                const __m256 x0 = _mm256_mul_ps(_mm256_loadu_ps(xb + 8 * t), vid);
                const __m256 tr = _mm256_round_ps(x0, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC);
                const __m256 rem = _mm256_and_ps(_mm256_sub_ps(x0, tr), abs_mask);      // exact
                const __m256 away = _mm256_or_ps(one, _mm256_andnot_ps(abs_mask, x0));  // ±1 with x0's sign
                const __m256 r = _mm256_add_ps(tr, _mm256_and_ps(_mm256_cmp_ps(rem, half, _CMP_GE_OQ), away));
                q[t] = _mm256_cvtps_epi32(r);  // an integer in [-127, 127]: exact
            }
            // int32 -> int8 in order: the packs interleave 128-bit lanes, the permute restores them.
            const __m256i p = _mm256_packs_epi16(_mm256_packs_epi32(q[0], q[1]), _mm256_packs_epi32(q[2], q[3]));
            _mm256_storeu_si256(reinterpret_cast<__m256i*>(out.qs),
                                _mm256_permutevar8x32_epi32(p, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7)));
            const __m256i s = _mm256_add_epi32(_mm256_add_epi32(q[0], q[1]), _mm256_add_epi32(q[2], q[3]));
            __m128i s4 = _mm_add_epi32(_mm256_castsi256_si128(s), _mm256_extracti128_si256(s, 1));
            s4 = _mm_add_epi32(s4, _mm_unpackhi_epi64(s4, s4));
            s4 = _mm_add_epi32(s4, _mm_shuffle_epi32(s4, 1));
            sums8[b0 + b] = 8 * _mm_cvtsi128_si32(s4);
        }
    }
}

}  // namespace lmh::kernels
