// matmul with bf16 weights: C[m×n] = A[m×k] · B[n×k]ᵀ, where A and C are f32 and B holds
// bf16 (kernels/bf16.h) in the checkpoint layout of matmul.h (out_features × in_features,
// row-major, contiguous). Halving the weight bytes halves what a decode step streams from
// memory; activations stay f32 and are never rounded, so each product is a[i,p] times the
// exact f32 value bf16_to_f32(b[j,p]) and sums are f32, as in matmul. (That is why the
// AVX-512 code widens B and uses FMA rather than vdpbf16ps, which would round A to bf16.)
// C is write-only: never read, so NaN poison in C cannot leak into the result.
//
// Variants (one file each):
//   matmul_bf16_naive.cpp            one dot product per output, k in order; the baseline.
//   matmul_bf16_simd_avx512.cpp      AVX-512, single thread: small m streams B through a
//                                    GEMV kernel, larger m widens B panels once per call
//                                    into the 12×32 register-block kernel.
//   matmul_bf16_tbb_simd_avx512.cpp  the same kernels on disjoint output tiles, oneTBB.
//   matmul_bf16_tbb.cpp              naive on pieces of the outputs, oneTBB (any CPU).
//   matmul_bf16_simd_avx2.cpp        AVX2 (no AVX-512): matmul_simd_avx2's batch-invariant
//                                    kernel (matmul_dot_avx2.h), weights widened as loaded.
//   matmul_bf16_tbb_simd_avx2.cpp    the AVX2 kernel on pieces of the outputs, oneTBB.
// Shared tile routines: matmul_bf16_tiles.h. Parallel variants split only the outputs,
// never a reduction, so their results are bitwise identical for any thread count.
#pragma once

#include <cstdint>

namespace lmh::kernels {

using MatmulBf16Fn = void (*)(const float* a, const std::uint16_t* b, float* c, int m, int n, int k);

void matmul_bf16_naive(const float* a, const std::uint16_t* b, float* c, int m, int n, int k);
void matmul_bf16_simd(const float* a, const std::uint16_t* b, float* c, int m, int n, int k);
void matmul_bf16_tbb_simd(const float* a, const std::uint16_t* b, float* c, int m, int n, int k);
void matmul_bf16_tbb(const float* a, const std::uint16_t* b, float* c, int m, int n, int k);
void matmul_bf16_simd_avx2(const float* a, const std::uint16_t* b, float* c, int m, int n, int k);
void matmul_bf16_tbb_simd_avx2(const float* a, const std::uint16_t* b, float* c, int m, int n, int k);

}  // namespace lmh::kernels
