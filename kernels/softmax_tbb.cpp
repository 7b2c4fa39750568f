// softmax_tbb: softmax_naive on pieces of rows distributed by oneTBB (there is no blocked
// softmax: naive already touches only the visible columns once per pass). Row r0 of a
// piece is passed as row 0 at position pos0 + r0. Serial below parallel_policy's
// threshold (an exp costs ~20 flops). Rows are independent: bitwise identical results for
// any thread count.
#include "kernels/parallel_policy.h"
#include "kernels/softmax.h"
#include "kernels/preconditions.h"

namespace lmh::kernels {

void softmax_tbb(float* x, int rows, int cols, int pos0, int window) {
    preconditions::softmax(x, rows, cols, pos0, window);
    const double visible = window > 0 ? window : pos0 + rows / 2.0 + 1;
    parallel_policy::split_units(rows, 25.0 * visible + cols, [&](int r0, int r1) {
        softmax_naive(x + (long)r0 * cols, r1 - r0, cols, pos0 + r0, window);
    });
}

}  // namespace lmh::kernels
