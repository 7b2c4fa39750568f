// rope_simd: versus naive, AVX-512: each head's two halves rotated 16 pairs at a time with
// masked loads/stores for half-widths like 8 (head_dim 16) or 13 (head_dim 26); the row's
// cos/sin vectors are loaded once and reused for every head.
#include "kernels/rope.h"
#include "kernels/simd_math_avx512.h"
#include "kernels/preconditions.h"

namespace lmh::kernels {

void rope_simd(float* x, int seq, int n_heads, int head_dim, const float* cos, const float* sin) {
    preconditions::rope(x, seq, n_heads, head_dim, cos, sin);
    const int half = head_dim / 2;
    for (int r = 0; r < seq; ++r) {
        const float* cr = cos + (long)r * half;
        const float* sr = sin + (long)r * half;
        for (int i = 0; i < half; i += 16) {
            const __mmask16 m = avx512::tail_mask(half - i);
            const __m512 c = _mm512_maskz_loadu_ps(m, cr + i), s = _mm512_maskz_loadu_ps(m, sr + i);
            for (int h = 0; h < n_heads; ++h) {
                float* v = x + ((long)r * n_heads + h) * head_dim + i;
                const __m512 x0 = _mm512_maskz_loadu_ps(m, v), x1 = _mm512_maskz_loadu_ps(m, v + half);
                _mm512_mask_storeu_ps(v, m, _mm512_fmsub_ps(x0, c, _mm512_mul_ps(x1, s)));
                _mm512_mask_storeu_ps(v + half, m, _mm512_fmadd_ps(x0, s, _mm512_mul_ps(x1, c)));
            }
        }
    }
}

}  // namespace lmh::kernels
