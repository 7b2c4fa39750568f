// softmax_tbb_simd: softmax_simd on pieces of rows distributed by oneTBB, with the same
// serial threshold as softmax_tbb.
#include "kernels/parallel_policy.h"
#include "kernels/softmax.h"
#include "kernels/preconditions.h"

namespace lmh::kernels {

void softmax_tbb_simd(float* x, int rows, int cols, int pos0, int window) {
    preconditions::softmax(x, rows, cols, pos0, window);
    const double visible = window > 0 ? window : pos0 + rows / 2.0 + 1;
    parallel_policy::split_units(rows, 25.0 * visible + cols, [&](int r0, int r1) {
        softmax_simd(x + (long)r0 * cols, r1 - r0, cols, pos0 + r0, window);
    });
}

}  // namespace lmh::kernels
