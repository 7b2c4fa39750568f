// matmul_bf16_naive: one dot product per output element, k in order, each weight widened
// as it is read. The baseline the AVX-512 variants are measured against.
#include "kernels/bf16.h"
#include "kernels/matmul_bf16.h"
#include "kernels/preconditions.h"

namespace lmh::kernels {

void matmul_bf16_naive(const float* a, const std::uint16_t* b, float* c, int m, int n, int k) {
    preconditions::matmul(a, b, c, m, n, k);
    for (int i = 0; i < m; ++i) {
        for (int j = 0; j < n; ++j) {
            float acc = 0.0f;
            for (int p = 0; p < k; ++p) acc += a[(long)i * k + p] * bf16_to_f32(b[(long)j * k + p]);
            c[(long)i * n + j] = acc;
        }
    }
}

}  // namespace lmh::kernels
