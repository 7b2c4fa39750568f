// rmsnorm_blocked: versus naive, the sum of squares is kept in 8 partial sums (lane l takes
// elements i ≡ l mod 8), so the compiler can vectorize it without reassociating a float
// reduction; the partial sums are added in a fixed tree, then the scale pass as before.
#include <cmath>

#include "kernels/rmsnorm.h"
#include "kernels/preconditions.h"

namespace lmh::kernels {

void rmsnorm_blocked(const float* x, const float* w, float* y, int rows, int dim, float eps) {
    preconditions::rmsnorm(x, w, y, rows, dim, eps);
    constexpr int kL = 8;
    for (int r = 0; r < rows; ++r) {
        const float* xr = x + (long)r * dim;
        float* yr = y + (long)r * dim;
        float acc[kL] = {};
        int i = 0;
        for (; i + kL <= dim; i += kL)
            for (int l = 0; l < kL; ++l) acc[l] += xr[i + l] * xr[i + l];
        float ss = ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
        for (; i < dim; ++i) ss += xr[i] * xr[i];
        const float inv = 1.0f / std::sqrt(ss / (float)dim + eps);
        for (i = 0; i < dim; ++i) yr[i] = xr[i] * inv * w[i];
    }
}

}  // namespace lmh::kernels
