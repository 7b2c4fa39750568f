// RMSNorm over each row: y = x / sqrt(mean(x²) + eps) · w.  x, y: [rows × dim]; w: [dim].
// y must not alias x.
#pragma once

namespace lmh::kernels {

using RmsNormFn = void (*)(const float* x, const float* w, float* y, int rows, int dim, float eps);

// Variants: naive; blocked (8 partial sums, vectorizable); tbb (blocked on row pieces);
// simd (AVX-512, rmsnorm_simd_avx512.cpp); tbb-simd (simd on row pieces).
void rmsnorm_naive(const float* x, const float* w, float* y, int rows, int dim, float eps);
void rmsnorm_blocked(const float* x, const float* w, float* y, int rows, int dim, float eps);
void rmsnorm_tbb(const float* x, const float* w, float* y, int rows, int dim, float eps);
void rmsnorm_simd(const float* x, const float* w, float* y, int rows, int dim, float eps);
void rmsnorm_tbb_simd(const float* x, const float* w, float* y, int rows, int dim, float eps);

}  // namespace lmh::kernels
