// softmax_simd: versus naive, AVX-512 over the visible columns [lo, hi] of each row: masked
// vector max, vector exp (~1 ulp, simd_math_avx512.h) with the sum kept in a zmm
// accumulator, one reciprocal, then the scale pass; hidden columns written as 0 with
// vector stores.
#include <cmath>

#include "kernels/simd_math_avx512.h"
#include "kernels/softmax.h"
#include "kernels/preconditions.h"

namespace lmh::kernels {

void softmax_simd(float* x, int rows, int cols, int pos0, int window) {
    preconditions::softmax(x, rows, cols, pos0, window);
    using avx512::tail_mask;
    for (int r = 0; r < rows; ++r) {
        float* row = x + (long)r * cols;
        const int p = pos0 + r;
        int lo = window > 0 ? p - window + 1 : 0;
        if (lo < 0) lo = 0;
        const int hi = p < cols - 1 ? p : cols - 1;
        const int span = hi - lo + 1;
        float* v = row + lo;
        __m512 vmax = _mm512_set1_ps(-INFINITY);
        for (int c = 0; c < span; c += 16) {
            const __mmask16 m = tail_mask(span - c);
            vmax = _mm512_mask_max_ps(vmax, m, vmax, _mm512_maskz_loadu_ps(m, v + c));
        }
        const __m512 mx = _mm512_set1_ps(_mm512_reduce_max_ps(vmax));
        const __m512 inv = _mm512_set1_ps(1.0f / avx512::exp_shifted_sum(v, span, mx));
        for (int c = 0; c < span; c += 16) {
            const __mmask16 m = tail_mask(span - c);
            _mm512_mask_storeu_ps(v + c, m, _mm512_mul_ps(_mm512_maskz_loadu_ps(m, v + c), inv));
        }
        const __m512 zero = _mm512_setzero_ps();
        for (int c = 0; c < lo; c += 16) _mm512_mask_storeu_ps(row + c, tail_mask(lo - c), zero);
        for (int c = hi + 1; c < cols; c += 16) _mm512_mask_storeu_ps(row + c, tail_mask(cols - c), zero);
    }
}

}  // namespace lmh::kernels
