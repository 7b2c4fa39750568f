// softmax_naive: per row, max over visible columns, exponentiate, normalise; hidden
// columns written as 0.
#include <cmath>

#include "kernels/softmax.h"
#include "kernels/preconditions.h"

namespace lmh::kernels {

void softmax_naive(float* x, int rows, int cols, int pos0, int window) {
    preconditions::softmax(x, rows, cols, pos0, window);
    for (int r = 0; r < rows; ++r) {
        float* row = x + (long)r * cols;
        const int p = pos0 + r;
        int lo = window > 0 ? p - window + 1 : 0;
        if (lo < 0) lo = 0;
        int hi = p < cols - 1 ? p : cols - 1;  // inclusive
        float mx = row[lo];
        for (int c = lo + 1; c <= hi; ++c) mx = row[c] > mx ? row[c] : mx;
        float sum = 0.0f;
        for (int c = lo; c <= hi; ++c) {
            row[c] = std::exp(row[c] - mx);
            sum += row[c];
        }
        const float inv = 1.0f / sum;
        for (int c = 0; c < cols; ++c) row[c] = (c >= lo && c <= hi) ? row[c] * inv : 0.0f;
    }
}

}  // namespace lmh::kernels
