// rmsnorm_tbb: rmsnorm_blocked on pieces of rows distributed by oneTBB (static partition).
// A row is ~3·dim flops, so a decode step (1 row) and short prompts stay serial
// (parallel_policy.h); only long prefills split. Rows are independent: bitwise identical
// results for any thread count.
#include "kernels/parallel_policy.h"
#include "kernels/rmsnorm.h"
#include "kernels/preconditions.h"

namespace lmh::kernels {

void rmsnorm_tbb(const float* x, const float* w, float* y, int rows, int dim, float eps) {
    preconditions::rmsnorm(x, w, y, rows, dim, eps);
    parallel_policy::split_units(rows, 3.0 * dim, [&](int r0, int r1) {
        rmsnorm_blocked(x + (long)r0 * dim, w, y + (long)r0 * dim, r1 - r0, dim, eps);
    });
}

}  // namespace lmh::kernels
