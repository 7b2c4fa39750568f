// rmsnorm_simd: versus blocked, explicit AVX-512: sum of squares in two zmm accumulators
// (FMA), masked tail, one horizontal sum; the scale pass 16 floats at a time.
#include <cmath>

#include "kernels/rmsnorm.h"
#include "kernels/simd_math_avx512.h"
#include "kernels/preconditions.h"

namespace lmh::kernels {

void rmsnorm_simd(const float* x, const float* w, float* y, int rows, int dim, float eps) {
    preconditions::rmsnorm(x, w, y, rows, dim, eps);
    for (int r = 0; r < rows; ++r) {
        const float* xr = x + (long)r * dim;
        float* yr = y + (long)r * dim;
        __m512 acc0 = _mm512_setzero_ps(), acc1 = _mm512_setzero_ps();
        int i = 0;
        for (; i + 32 <= dim; i += 32) {
            const __m512 a = _mm512_loadu_ps(xr + i), b = _mm512_loadu_ps(xr + i + 16);
            acc0 = _mm512_fmadd_ps(a, a, acc0);
            acc1 = _mm512_fmadd_ps(b, b, acc1);
        }
        for (; i < dim; i += 16) {
            const __m512 a = _mm512_maskz_loadu_ps(avx512::tail_mask(dim - i), xr + i);
            acc0 = _mm512_fmadd_ps(a, a, acc0);
        }
        const float ss = _mm512_reduce_add_ps(_mm512_add_ps(acc0, acc1));
        const __m512 inv = _mm512_set1_ps(1.0f / std::sqrt(ss / (float)dim + eps));
        for (i = 0; i < dim; i += 16) {
            const __mmask16 m = avx512::tail_mask(dim - i);
            const __m512 v = _mm512_mul_ps(_mm512_mul_ps(_mm512_maskz_loadu_ps(m, xr + i), inv),
                                           _mm512_maskz_loadu_ps(m, w + i));
            _mm512_mask_storeu_ps(yr + i, m, v);
        }
    }
}

}  // namespace lmh::kernels
