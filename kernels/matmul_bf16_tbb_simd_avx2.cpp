// matmul_bf16_tbb_simd_avx2: matmul_bf16_simd_avx2 on contiguous pieces of the n outputs, one
// per thread (oneTBB static partition, parallel_policy::split_columns with 2-byte weights:
// a decode piece needs twice the rows of an f32 one). Only outputs are split and an output's
// arithmetic does not depend on its piece: bitwise identical for any thread count and any m.
#include "kernels/matmul_bf16.h"
#include "kernels/matmul_dot_avx2.h"
#include "kernels/parallel_policy.h"
#include "kernels/preconditions.h"

namespace lmh::kernels {

void matmul_bf16_tbb_simd_avx2(const float* a, const std::uint16_t* b, float* c, int m, int n, int k) {
    preconditions::matmul(a, b, c, m, n, k);
    if (m == 0) return;
    parallel_policy::split_columns(m, n, k, dot_avx2::kPieceRows, sizeof(std::uint16_t), [&](int j0, int j1) {
        dot_avx2::columns<dot_avx2::Bf16Weights>(a, b, c, n, m, k, j0, j1, 1.0f, 0.0f);
    });
}

}  // namespace lmh::kernels
