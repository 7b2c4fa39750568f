// Residual add in place: x[i] += y[i].
#pragma once

namespace lmh::kernels {

using AddFn = void (*)(float* x, const float* y, int n);

void add_naive(float* x, const float* y, int n);

}  // namespace lmh::kernels
