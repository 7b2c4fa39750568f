// matmul_bf16_simd_avx2: the bf16 simd variant for CPUs with AVX2 + FMA but no AVX-512:
// matmul_simd_avx2's batch-invariant dot-product kernel (matmul_dot_avx2.h) with each 8 bf16
// weights widened to f32 in registers as loaded (vpmovzxwd + 16-bit shift: exact), so the
// products and sums are those of f32 weights holding the same values. Single thread.
#include "kernels/matmul_bf16.h"
#include "kernels/matmul_dot_avx2.h"
#include "kernels/preconditions.h"

namespace lmh::kernels {

void matmul_bf16_simd_avx2(const float* a, const std::uint16_t* b, float* c, int m, int n, int k) {
    preconditions::matmul(a, b, c, m, n, k);
    dot_avx2::columns<dot_avx2::Bf16Weights>(a, b, c, n, m, k, 0, n, 1.0f, 0.0f);
}

}  // namespace lmh::kernels
