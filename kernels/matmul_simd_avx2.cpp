// matmul_simd_avx2: the simd variant for CPUs with AVX2 + FMA but no AVX-512. Versus
// blocked: explicit AVX2, and one batch-invariant dot-product kernel for every m
// (matmul_dot_avx2.h: 8 lanes along k, up to 4 rows of A × 3 rows of B per register tile)
// instead of a separate m == 1 path. Single thread.
#include "kernels/matmul.h"
#include "kernels/matmul_dot_avx2.h"
#include "kernels/preconditions.h"

namespace lmh::kernels {

void matmul_simd_avx2(const float* a, const float* b, float* c, int m, int n, int k, float alpha, float beta) {
    preconditions::matmul(a, b, c, m, n, k);
    dot_avx2::columns<dot_avx2::F32Weights>(a, b, c, n, m, k, 0, n, alpha, beta);
}

}  // namespace lmh::kernels
