// Residual add in place: x[i] += y[i].
#pragma once

namespace lmh::kernels {

using AddFn = void (*)(float* x, const float* y, int n);

// Variants: naive; simd (AVX-512, add_simd_avx512.cpp). See add_simd_avx512.cpp for why no others.
void add_naive(float* x, const float* y, int n);
void add_simd(float* x, const float* y, int n);

}  // namespace lmh::kernels
