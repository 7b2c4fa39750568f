// Building blocks shared by the bf16-weight matmul variants (matmul_bf16.h), as
// matmul_tiles.h is for the f32 ones: each computes a sub-block of C given pointers to its
// first A row, first B row and first output, and the row stride of C, so the oneTBB variant
// can hand disjoint output tiles to threads.
//
// Every output element is computed by the same instruction sequence whichever tile, row
// group or register slot it falls in, so any partition of the outputs gives bitwise
// identical results. Which routine runs (gemm or gemv) is chosen from the whole problem's
// m (bf16_uses_gemv), never from a tile's, for the same reason.
#pragma once

#include <cstdint>

namespace lmh::kernels::matmul_tiles {

// AVX-512 intrinsics, matmul_bf16_simd_avx512.cpp. Only call after cpu_supports(CpuNeed::avx512).
// Small m: B streamed once per pair of rows of A, 8 B rows in flight against 1 or 2 A
// rows, 32 k per step, a block finished by one reduce16.
void avx512_bf16_gemv(const float* a, const std::uint16_t* b, float* c, long ldc, int m, int n, int k);
// Larger m: B widened to f32 once per call in 32-row k-major stack panels, then the 12 × 32
// register block of matmul_simd (kAvx512Mr × kAvx512Nr) over all rows of A.
void avx512_bf16_gemm(const float* a, const std::uint16_t* b, float* c, long ldc, int m, int n, int k);
inline constexpr int kBf16GemvRows = 16;  // the oneTBB variant splits n in multiples of this
inline constexpr int kBf16GemvMaxM = 8;   // the gemv serves m up to this, the gemm beyond

inline bool bf16_uses_gemv(int m) { return m <= kBf16GemvMaxM; }

}  // namespace lmh::kernels::matmul_tiles
