// add_simd: versus naive, 16 floats per step with a masked tail (the compiler's
// portable auto-vectorization only reaches SSE). No blocked or tbb add: the op is
// memory-bound and at most a few hundred kB, so tiling or threads bring nothing.
#include "kernels/add.h"
#include "kernels/simd_math_avx512.h"
#include "kernels/preconditions.h"

namespace lmh::kernels {

void add_simd(float* x, const float* y, int n) {
    preconditions::add(x, y, n);
    for (int i = 0; i < n; i += 16) {
        const __mmask16 m = avx512::tail_mask(n - i);
        _mm512_mask_storeu_ps(x + i, m, _mm512_add_ps(_mm512_maskz_loadu_ps(m, x + i), _mm512_maskz_loadu_ps(m, y + i)));
    }
}

}  // namespace lmh::kernels
