// matmul with transposed B: the linear layer, C[m×n] = alpha · A[m×k] · B[n×k]ᵀ + beta · C.
// All matrices row-major and contiguous. B is stored as a weight matrix is stored in a
// checkpoint (out_features × in_features), so each output element is a dot product of
// two contiguous rows.
// As in BLAS, beta == 0 means C is write-only: it is never read, so a NaN already in C
// (the tests poison outputs with NaN) does not leak into the result.
//
// Variants (one file each):
//   matmul_naive.cpp     textbook triple loop, one dot product per output; the baseline.
//   matmul_blocked.cpp           B packed in 256×8 stack panels, 4×8 register block of outputs.
//   matmul_tbb.cpp               blocked tiles distributed by oneTBB over output tiles.
//   matmul_simd_avx512.cpp       AVX-512 12×32 micro-kernel (runtime-checked), single thread.
//   matmul_tbb_simd_avx512.cpp   the AVX-512 micro-kernel distributed by oneTBB.
//   matmul_simd_avx2.cpp         AVX2 (no AVX-512): one batch-invariant dot-product kernel for
//                                every m (matmul_dot_avx2.h), single thread.
//   matmul_tbb_simd_avx2.cpp     the AVX2 kernel on pieces of the outputs, oneTBB.
// Shared tile routines: matmul_tiles.h.
// Parallel variants split only the outputs, never a reduction, so their results are
// bitwise identical for any thread count.
#pragma once

namespace lmh::kernels {

using MatmulFn = void (*)(const float* a, const float* b, float* c, int m, int n, int k, float alpha,
                          float beta);

void matmul_naive(const float* a, const float* b, float* c, int m, int n, int k, float alpha, float beta);
void matmul_blocked(const float* a, const float* b, float* c, int m, int n, int k, float alpha, float beta);
void matmul_tbb(const float* a, const float* b, float* c, int m, int n, int k, float alpha, float beta);
void matmul_simd(const float* a, const float* b, float* c, int m, int n, int k, float alpha, float beta);
void matmul_tbb_simd(const float* a, const float* b, float* c, int m, int n, int k, float alpha, float beta);
void matmul_simd_avx2(const float* a, const float* b, float* c, int m, int n, int k, float alpha, float beta);
void matmul_tbb_simd_avx2(const float* a, const float* b, float* c, int m, int n, int k, float alpha, float beta);

}  // namespace lmh::kernels
