// RMSNorm over each row: y = x / sqrt(mean(x²) + eps) · w.  x, y: [rows × dim]; w: [dim].
// y must not alias x.
#pragma once

namespace lmh::kernels {

using RmsNormFn = void (*)(const float* x, const float* w, float* y, int rows, int dim, float eps);

void rmsnorm_naive(const float* x, const float* w, float* y, int rows, int dim, float eps);

}  // namespace lmh::kernels
