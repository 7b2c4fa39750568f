// swiglu_simd: versus naive, 16 elements at a time with the AVX-512 vector exp (~1 ulp,
// simd_math_avx512.h) and a true division (not the approximate reciprocal), masked tail.
// out may alias gate: each vector is loaded before it is stored.
#include "kernels/simd_math_avx512.h"
#include "kernels/swiglu.h"
#include "kernels/preconditions.h"

namespace lmh::kernels {

void swiglu_simd(const float* gate, const float* up, float* out, int n) {
    preconditions::swiglu(gate, up, out, n);
    const __m512 one = _mm512_set1_ps(1.0f);
    for (int i = 0; i < n; i += 16) {
        const __mmask16 m = avx512::tail_mask(n - i);
        const __m512 g = _mm512_maskz_loadu_ps(m, gate + i);
        const __m512 silu = _mm512_div_ps(g, _mm512_add_ps(one, avx512::exp_ps(_mm512_sub_ps(_mm512_setzero_ps(), g))));
        _mm512_mask_storeu_ps(out + i, m, _mm512_mul_ps(silu, _mm512_maskz_loadu_ps(m, up + i)));
    }
}

}  // namespace lmh::kernels
