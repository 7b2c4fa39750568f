// Building blocks shared by the matmul variants. Each computes a sub-block of C given
// pointers to its first A row, first B row and first output, and the row stride of C, so
// the oneTBB variants can hand disjoint output tiles to threads.
//
// Every output element is computed by the same instruction sequence whichever tile it
// falls in (edge tiles reuse the full register block with clamped row pointers and drop
// the extra results), so any partition of the outputs gives bitwise identical results.
// Which routine runs (gemm or gemv) is chosen from the whole problem's m, never from a
// tile's, for the same reason.
#pragma once

namespace lmh::kernels::matmul_tiles {

// Portable code (generic 4-float vectors, SSE on x86-64), matmul_blocked.cpp.
// m > 1: B packed in panels of kBlockedNr rows × kBlockedKc columns on the stack, 4 × 8
// register block of outputs, each output summed over k in order.
void blocked_gemm(const float* a, const float* b, float* c, long ldc, int m, int n, int k, float alpha,
                  float beta);
// m == 1: 4 B rows in flight, 8 partial sums per row across k.
void blocked_gemv(const float* a, const float* b, float* c, int n, int k, float alpha, float beta);
inline constexpr int kBlockedMr = 4;
inline constexpr int kBlockedNr = 8;
inline constexpr int kBlockedGemvRows = 4;

// AVX-512 intrinsics, matmul_simd_avx512.cpp. Only call after cpu_supports(CpuNeed::avx512).
// m > 1: B packed k-major in 32-row stack panels, 12 × 32 register block (24 zmm).
void avx512_gemm(const float* a, const float* b, float* c, long ldc, int m, int n, int k, float alpha,
                 float beta);
// m == 1: 16 B rows in flight, one zmm accumulator per row across k.
void avx512_gemv(const float* a, const float* b, float* c, int n, int k, float alpha, float beta);
inline constexpr int kAvx512Mr = 12;
inline constexpr int kAvx512Nr = 32;
inline constexpr int kAvx512GemvRows = 16;

}  // namespace lmh::kernels::matmul_tiles
