// matmul_tbb_simd_avx2: matmul_simd_avx2's kernel on contiguous pieces of the n outputs, one
// per thread (oneTBB static partition, parallel_policy::split_columns: split by weight bytes
// for decode, by flops for batched decode and prefill). Only outputs are split and an
// output's arithmetic does not depend on its piece, so results are bitwise identical for any
// thread count (and, as for the serial variant, for any m).
#include "kernels/matmul.h"
#include "kernels/matmul_dot_avx2.h"
#include "kernels/parallel_policy.h"
#include "kernels/preconditions.h"

namespace lmh::kernels {

void matmul_tbb_simd_avx2(const float* a, const float* b, float* c, int m, int n, int k, float alpha, float beta) {
    preconditions::matmul(a, b, c, m, n, k);
    if (m == 0) return;
    parallel_policy::split_columns(m, n, k, dot_avx2::kPieceRows, sizeof(float), [&](int j0, int j1) {
        dot_avx2::columns<dot_avx2::F32Weights>(a, b, c, n, m, k, j0, j1, alpha, beta);
    });
}

}  // namespace lmh::kernels
