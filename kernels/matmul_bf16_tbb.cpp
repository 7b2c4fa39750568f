// matmul_bf16_tbb: versus naive, the outputs cut into contiguous pieces of columns, one per
// thread (oneTBB static partition, parallel_policy::split_units; serial when small). Each
// output is naive's dot product, k in order, so results are bitwise naive's for any thread
// count and any m. The portable parallel row for CPUs without AVX2 (it has no vector code).
#include "kernels/bf16.h"
#include "kernels/matmul_bf16.h"
#include "kernels/parallel_policy.h"
#include "kernels/preconditions.h"

namespace lmh::kernels {

void matmul_bf16_tbb(const float* a, const std::uint16_t* b, float* c, int m, int n, int k) {
    preconditions::matmul(a, b, c, m, n, k);
    parallel_policy::split_units(n, 2.0 * m * k, [&](int j0, int j1) {
        for (int i = 0; i < m; ++i) {
            for (int j = j0; j < j1; ++j) {
                float acc = 0.0f;
                for (int p = 0; p < k; ++p) acc += a[(long)i * k + p] * bf16_to_f32(b[(long)j * k + p]);
                c[(long)i * n + j] = acc;
            }
        }
    });
}

}  // namespace lmh::kernels
