// matmul_bf16xbf16_simd_avx2 (acts=bf16, AVX2 + FMA, one thread): A's rows rounded to bf16
// once per call (bf16_acts.h), then matmul_bf16_simd_avx2's batch-invariant dot-product kernel
// (matmul_dot_avx2.h) on them, weights widened as loaded. Every product is of two bf16 values,
// exact in f32, so each FMA rounds once; the sum order is the kernel's (matmul_bf16.h).
#include "kernels/bf16_acts.h"
#include "kernels/matmul_bf16.h"
#include "kernels/matmul_dot_avx2.h"
#include "kernels/preconditions.h"

namespace lmh::kernels {

void matmul_bf16xbf16_simd_avx2(const float* a, const std::uint16_t* b, float* c, int m, int n, int k) {
    preconditions::matmul(a, b, c, m, n, k);
    if ((long)m * n == 0) return;
    bf16_acts::with_rounded_a(a, m, k, [&](const float* ar) {
        dot_avx2::columns<dot_avx2::Bf16Weights>(ar, b, c, n, m, k, 0, n, 1.0f, 0.0f);
    });
}

}  // namespace lmh::kernels
