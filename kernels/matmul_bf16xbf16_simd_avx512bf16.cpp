// matmul_bf16xbf16_simd, AVX512-BF16 row (acts=bf16, one thread): A rounded to bf16 once, then
// 16 weight rows at a time packed for vdpbf16ps and met by every row of A (bf16_dot_avx512bf16.h).
// Decode (m < kMinRows) and an odd k (no whole pairs) take the AVX2 acts=bf16 row.
#include "kernels/bf16_dot_avx512bf16.h"
#include "kernels/matmul_bf16.h"
#include "kernels/preconditions.h"

namespace lmh::kernels {

void matmul_bf16xbf16_simd_avx512bf16(const float* a, const std::uint16_t* b, float* c, int m, int n, int k) {
    if (m < bf16_dot::kMinRows || k % 2 != 0) {
        matmul_bf16xbf16_simd_avx2(a, b, c, m, n, k);
        return;
    }
    preconditions::matmul(a, b, c, m, n, k);
    if ((long)m * n == 0) return;
    bf16_dot::with_bf16_a(a, m, k, [&](const std::uint16_t* ab) { bf16_dot::columns(ab, b, c, m, n, k, 0, n); });
}

}  // namespace lmh::kernels
