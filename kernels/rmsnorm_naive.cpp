// rmsnorm_naive: mean of squares in one pass, then scale; accumulates in float like the
// forward pass of the reference frameworks.
#include <cmath>

#include "kernels/rmsnorm.h"
#include "kernels/preconditions.h"

namespace lmh::kernels {

void rmsnorm_naive(const float* x, const float* w, float* y, int rows, int dim, float eps) {
    preconditions::rmsnorm(x, w, y, rows, dim, eps);
    for (int r = 0; r < rows; ++r) {
        const float* xr = x + (long)r * dim;
        float* yr = y + (long)r * dim;
        float ss = 0.0f;
        for (int i = 0; i < dim; ++i) ss += xr[i] * xr[i];
        const float inv = 1.0f / std::sqrt(ss / (float)dim + eps);
        for (int i = 0; i < dim; ++i) yr[i] = xr[i] * inv * w[i];
    }
}

}  // namespace lmh::kernels
