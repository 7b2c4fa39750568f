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
//
// acts=bf16 (a kernel set's `acts`, VariantInfo::activations; llama.cpp's bf16 path): the same
// signature, but every element of A is first rounded to bf16 (f32_to_bf16: round to nearest,
// ties to even, bf16.h), once per call, so each product is of two bf16 values: exact in f32
// (8 × 8 significant bits fit in 24), and only the f32 sums round. The result is exactly
// matmul_bf16's on the rounded A; the extra error is A's rounding, about as large as the
// weights' own (verify/budgets.h, kBf16Bf16Budgets). Summation order, per output:
//   naive            one f32 chain over k in order (acc += a·b, each add rounded once).
//   simd / tbb-simd  matmul_dot_avx2.h's: 8 lanes along k (lane l sums k ≡ l mod 8 in order,
//   (AVX2)           one FMA per step, which rounds once as the product is exact), then the
//                    fixed lane tree ((l0+l1)+(l2+l3))+((l4+l5)+(l6+l7)).
//   vdpbf16ps (AVX512-BF16, ggml_vec_dot_bf16) instead adds a pair of products into each of
//   16 f32 lanes per step (Intel's pseudo-code: element 2i+1, then 2i, each add rounded to
//   nearest even), treats denormal inputs as zero and flushes denormal results; neither the
//   grouping nor the flushing is mimicked here (the budgets hold either way).
// No vdpbf16ps row: no machine this was written on has AVX512-BF16 (nor AVX-512), and a kernel
// that was never executed is not shipped. On AVX2 there is no bf16 dot-product instruction,
// so the rows widen both operands (as ggml's AVX2 vec_dot_bf16 does): acts=bf16 here gives
// the arithmetic of llama.cpp's bf16 path, not its speed.
//   matmul_bf16xbf16_naive.cpp          one dot product per output, each a rounded as read.
//   matmul_bf16xbf16_simd_avx2.cpp      A's rows rounded once into scratch (bf16_acts.h, held
//                                       as f32: the AVX2 kernel then runs unchanged), then
//                                       matmul_bf16_simd_avx2's kernel. Single thread.
//   matmul_bf16xbf16_tbb_simd_avx2.cpp  the same on pieces of the outputs, oneTBB; A is
//                                       rounded once, before the split.
//   matmul_bf16xbf16_simd_avx512bf16.cpp, matmul_bf16xbf16_tbb_simd_avx512bf16.cpp
//                                       AVX512-BF16, as llama.cpp's bf16 path: A's rows rounded
//                                       to bf16 once, 16 weight rows packed so that one
//                                       vdpbf16ps adds a pair of products to each of 16
//                                       outputs (bf16_dot_avx512bf16.h); decode (m < 4) runs
//                                       the AVX2 rows above.
// The naive and AVX2 rows are deterministic and batch-invariant: rounding is per element, and
// the kernels' arithmetic per output depends neither on m nor on the split. The AVX512-BF16
// rows are deterministic, but their prefill sums in another order than their decode (and
// vdpbf16ps flushes denormals): batch-variant.
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

// acts=bf16: A rounded to bf16 before the products (above).
void matmul_bf16xbf16_naive(const float* a, const std::uint16_t* b, float* c, int m, int n, int k);
void matmul_bf16xbf16_simd_avx2(const float* a, const std::uint16_t* b, float* c, int m, int n, int k);
void matmul_bf16xbf16_tbb_simd_avx2(const float* a, const std::uint16_t* b, float* c, int m, int n, int k);
void matmul_bf16xbf16_simd_avx512bf16(const float* a, const std::uint16_t* b, float* c, int m, int n, int k);
void matmul_bf16xbf16_tbb_simd_avx512bf16(const float* a, const std::uint16_t* b, float* c, int m, int n, int k);

}  // namespace lmh::kernels
