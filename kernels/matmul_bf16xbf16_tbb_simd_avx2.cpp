// matmul_bf16xbf16_tbb_simd_avx2 (acts=bf16, AVX2 + FMA, oneTBB): A rounded once, before the
// split (bf16_acts.h), then matmul_bf16_tbb_simd_avx2's pieces of the n outputs (static
// partition, parallel_policy::split_columns with 2-byte weights). Only outputs are split and an
// output's arithmetic does not depend on its piece: bitwise identical for any thread count and m.
#include "kernels/bf16_acts.h"
#include "kernels/matmul_bf16.h"
#include "kernels/matmul_dot_avx2.h"
#include "kernels/parallel_policy.h"
#include "kernels/preconditions.h"

namespace lmh::kernels {

void matmul_bf16xbf16_tbb_simd_avx2(const float* a, const std::uint16_t* b, float* c, int m, int n, int k) {
    preconditions::matmul(a, b, c, m, n, k);
    if ((long)m * n == 0) return;
    bf16_acts::with_rounded_a(a, m, k, [&](const float* ar) {
        parallel_policy::split_columns(m, n, k, dot_avx2::kPieceRows, sizeof(std::uint16_t), [&](int j0, int j1) {
            dot_avx2::columns<dot_avx2::Bf16Weights>(ar, b, c, n, m, k, j0, j1, 1.0f, 0.0f);
        });
    });
}

}  // namespace lmh::kernels
