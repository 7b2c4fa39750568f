// matmul_bf16xbf16_naive (acts=bf16): matmul_bf16_naive with each element of A rounded to
// bf16 as it is read. Rounding is a pure function of the element, so rounding at every use
// gives the same values as rounding the row once, and the baseline stays one loop with no
// scratch. The product of two bf16 values is exact in f32, so `acc += x * w` rounds once per
// term, in k order. The baseline the AVX2 acts=bf16 variants are checked against.
#include "kernels/bf16.h"
#include "kernels/matmul_bf16.h"
#include "kernels/preconditions.h"

namespace lmh::kernels {

void matmul_bf16xbf16_naive(const float* a, const std::uint16_t* b, float* c, int m, int n, int k) {
    preconditions::matmul(a, b, c, m, n, k);
    for (int i = 0; i < m; ++i) {
        for (int j = 0; j < n; ++j) {
            float acc = 0.0f;
            for (int p = 0; p < k; ++p)
                acc += bf16_to_f32(f32_to_bf16(a[(long)i * k + p])) * bf16_to_f32(b[(long)j * k + p]);
            c[(long)i * n + j] = acc;
        }
    }
}

}  // namespace lmh::kernels
