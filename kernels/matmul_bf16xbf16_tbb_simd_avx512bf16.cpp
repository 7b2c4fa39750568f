// matmul_bf16xbf16_tbb_simd, AVX512-BF16 row (acts=bf16, oneTBB): the simd row's code on
// contiguous pieces of the n outputs (whole 16-column groups, static partition, sized as the
// other bf16 rows size theirs), A rounded once before the split. Decode (m < kMinRows) and an
// odd k take the AVX2 acts=bf16 tbb-simd row. Only outputs are split and an output's
// arithmetic does not depend on its piece: bitwise identical for any thread count.
#include "kernels/bf16_dot_avx512bf16.h"
#include "kernels/matmul_bf16.h"
#include "kernels/parallel_policy.h"
#include "kernels/preconditions.h"

namespace lmh::kernels {

void matmul_bf16xbf16_tbb_simd_avx512bf16(const float* a, const std::uint16_t* b, float* c, int m, int n, int k) {
    if (m < bf16_dot::kMinRows || k % 2 != 0) {
        matmul_bf16xbf16_tbb_simd_avx2(a, b, c, m, n, k);
        return;
    }
    preconditions::matmul(a, b, c, m, n, k);
    if ((long)m * n == 0) return;
    bf16_dot::with_bf16_a(a, m, k, [&](const std::uint16_t* ab) {
        parallel_policy::split_columns(m, n, k, bf16_dot::kCols, sizeof(std::uint16_t),
                                       [&](int j0, int j1) { bf16_dot::columns(ab, b, c, m, n, k, j0, j1); });
    });
}

}  // namespace lmh::kernels
