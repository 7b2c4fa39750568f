// matmul_naive: one dot product per output element, k in order. The baseline every other
// variant is measured against.
#include "kernels/matmul.h"
#include "kernels/preconditions.h"

namespace lmh::kernels {

void matmul_naive(const float* a, const float* b, float* c, int m, int n, int k, float alpha, float beta) {
    preconditions::matmul(a, b, c, m, n, k);
    for (int i = 0; i < m; ++i) {
        for (int j = 0; j < n; ++j) {
            float acc = 0.0f;
            for (int p = 0; p < k; ++p) acc += a[(long)i * k + p] * b[(long)j * k + p];
            float* out = &c[(long)i * n + j];
            *out = beta == 0.0f ? alpha * acc : alpha * acc + beta * *out;
        }
    }
}

}  // namespace lmh::kernels
