// AVX-512 helpers shared by the *_avx512.cpp kernels: a vector exp, a 16-way transposed
// horizontal sum, a 16 × 16 transpose, and tail masks. Include only from files compiled
// with AVX-512 enabled (the *_avx512.cpp files), and call only after
// cpu_supports(CpuNeed::avx512).
#pragma once

// (GCC 12's false -Wmaybe-uninitialized from these headers is turned off for the
// *_avx512.cpp sources in CMakeLists.txt.)
#include <immintrin.h>

namespace lmh::kernels::avx512 {

// Mask of the first `count` lanes: none for count <= 0, all for count >= 16.
inline __mmask16 tail_mask(int count) {
    if (count <= 0) return 0;
    return count >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << count) - 1u);
}

// e^x for 16 floats, Cephes expf: x = n·ln2 + r with |r| <= ln2/2 (ln2 split in two parts so
// n·ln2 is exact), e^r from a degree-7 polynomial, then 2^n applied with vscalefps, which
// also gives 0 on underflow and inf on overflow. Error about 1 ulp. The clamps keep n
// finite; their constant comes first so a NaN input stays NaN.
inline __m512 exp_ps(__m512 x) {
    x = _mm512_min_ps(_mm512_set1_ps(88.7228391f), x);
    x = _mm512_max_ps(_mm512_set1_ps(-104.0f), x);
    const __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(1.44269504088896341f)),
                                          _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693359375f), x);
    r = _mm512_fnmadd_ps(n, _mm512_set1_ps(-2.12194440e-4f), r);
    __m512 p = _mm512_set1_ps(1.9875691500e-4f);
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.3981999507e-3f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(8.3334519073e-3f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(4.1665795894e-2f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.6666665459e-1f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(5.0000001201e-1f));
    const __m512 r2 = _mm512_mul_ps(r, r);
    __m512 y = _mm512_fmadd_ps(p, r2, r);
    y = _mm512_add_ps(y, _mm512_set1_ps(1.0f));
    return _mm512_scalef_ps(y, n);
}

// The middle pass of a softmax over n floats: v[i] = exp(v[i] - max) in place (masked tail),
// returning the sum of the results. softmax_simd and attention_simd share it, so their
// exponentials and sums are the same instructions in the same order.
inline float exp_shifted_sum(float* v, int n, __m512 max) {
    __m512 vsum = _mm512_setzero_ps();
    for (int c = 0; c < n; c += 16) {
        const __mmask16 m = tail_mask(n - c);
        const __m512 e = exp_ps(_mm512_sub_ps(_mm512_maskz_loadu_ps(m, v + c), max));
        _mm512_mask_storeu_ps(v + c, m, e);
        vsum = _mm512_mask_add_ps(vsum, m, vsum, e);
    }
    return _mm512_reduce_add_ps(vsum);
}

// Sums of 16 vectors at once: lane i of the result is the sum of the 16 lanes of v[i].
// Every lane is summed by the same balanced tree (pairs at distance 2, 1, then 128-bit
// lanes), so a value does not depend on which slot of v it came from. 15 adds and 30
// shuffles for 16 sums, against about 8 instructions per _mm512_reduce_add_ps.
inline __m512 reduce16(const __m512 v[16]) {
    __m512 t[8];
    for (int q = 0; q < 8; ++q)
        t[q] = _mm512_add_ps(_mm512_unpacklo_ps(v[2 * q], v[2 * q + 1]), _mm512_unpackhi_ps(v[2 * q], v[2 * q + 1]));
    __m512 u[4];
    for (int s = 0; s < 4; ++s) {
        const __m512d x = _mm512_castps_pd(t[2 * s]), y = _mm512_castps_pd(t[2 * s + 1]);
        u[s] = _mm512_add_ps(_mm512_castpd_ps(_mm512_unpacklo_pd(x, y)), _mm512_castpd_ps(_mm512_unpackhi_pd(x, y)));
    }
    const __m512 w0 = _mm512_add_ps(_mm512_shuffle_f32x4(u[0], u[1], 0x88), _mm512_shuffle_f32x4(u[0], u[1], 0xDD));
    const __m512 w1 = _mm512_add_ps(_mm512_shuffle_f32x4(u[2], u[3], 0x88), _mm512_shuffle_f32x4(u[2], u[3], 0xDD));
    return _mm512_add_ps(_mm512_shuffle_f32x4(w0, w1, 0x88), _mm512_shuffle_f32x4(w0, w1, 0xDD));
}

// In-register transpose of a 16 × 16 block: r[i] lane j becomes r[j] lane i.
inline void transpose16(__m512 r[16]) {
    __m512 t[16];
    for (int i = 0; i < 16; i += 2) {
        t[i] = _mm512_unpacklo_ps(r[i], r[i + 1]);
        t[i + 1] = _mm512_unpackhi_ps(r[i], r[i + 1]);
    }
    for (int i = 0; i < 16; i += 4) {
        r[i] = _mm512_shuffle_ps(t[i], t[i + 2], 0x44);
        r[i + 1] = _mm512_shuffle_ps(t[i], t[i + 2], 0xEE);
        r[i + 2] = _mm512_shuffle_ps(t[i + 1], t[i + 3], 0x44);
        r[i + 3] = _mm512_shuffle_ps(t[i + 1], t[i + 3], 0xEE);
    }
    for (int h = 0; h < 16; h += 8)
        for (int i = 0; i < 4; ++i) {
            t[h + i] = _mm512_shuffle_f32x4(r[h + i], r[h + i + 4], 0x88);
            t[h + i + 4] = _mm512_shuffle_f32x4(r[h + i], r[h + i + 4], 0xDD);
        }
    for (int i = 0; i < 8; ++i) {
        r[i] = _mm512_shuffle_f32x4(t[i], t[i + 8], 0x88);
        r[i + 8] = _mm512_shuffle_f32x4(t[i], t[i + 8], 0xDD);
    }
}

}  // namespace lmh::kernels::avx512
