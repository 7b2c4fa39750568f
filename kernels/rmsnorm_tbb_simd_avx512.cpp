// rmsnorm_tbb_simd: rmsnorm_simd on pieces of rows distributed by oneTBB, with the same
// serial threshold as rmsnorm_tbb.
#include "kernels/parallel_policy.h"
#include "kernels/rmsnorm.h"
#include "kernels/preconditions.h"

namespace lmh::kernels {

void rmsnorm_tbb_simd(const float* x, const float* w, float* y, int rows, int dim, float eps) {
    preconditions::rmsnorm(x, w, y, rows, dim, eps);
    parallel_policy::split_units(rows, 3.0 * dim, [&](int r0, int r1) {
        rmsnorm_simd(x + (long)r0 * dim, w, y + (long)r0 * dim, r1 - r0, dim, eps);
    });
}

}  // namespace lmh::kernels
