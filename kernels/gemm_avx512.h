// The AVX-512 GEMM driver shared by matmul_simd (f32 weights) and matmul_bf16_simd (bf16
// weights): 32 rows of B are packed k-major (up to kKc k at a time) into a stack panel by
// the caller's packer, and a 12 × 32 block of outputs is kept in 24 zmm accumulators while
// rows of A stream past the panel; per k step 2 panel loads, 12 broadcasts of A and 24
// FMAs (no horizontal sums: each output is one FMA chain over k in order, whichever
// row/column slot it occupies). With k <= kKc the panel is packed once and all of A passes
// over it; longer k keeps partial sums of kMc-row blocks in a stack tile between k blocks
// (stored and reloaded as f32, so the FMA chain is unchanged). Only the packer (f32 rows
// transposed, or bf16 rows widened and transposed) and the final store differ between the
// two, so they are parameters.
//
// Header-only and AVX-512: include it only from *_avx512.cpp files.
#pragma once

#include <immintrin.h>

#include <algorithm>

#include "kernels/matmul_tiles.h"

namespace lmh::kernels::matmul_tiles::gemm_avx512 {

inline constexpr int kMr = kAvx512Mr;  // 12 rows of A
inline constexpr int kNr = kAvx512Nr;  // 32 rows of B = two zmm of outputs per A row
inline constexpr int kKc = 1280;       // panel up to 1280 × 32 floats = 160 KiB (L2): every k of both models in one block
inline constexpr int kMc = 192;        // rows per block of partial sums when k > kKc
static_assert(kMc % kMr == 0 && kNr == 32);

// acc[r] (two zmm per row) += A rows ar[r][0..kc) times the packed panel (kc × 32).
inline void micro_kernel(const float* const ar[kMr], const float* panel, int kc, __m512 acc[kMr][2]) {
    for (int p = 0; p < kc; ++p) {
        const __m512 b0 = _mm512_load_ps(panel + p * kNr), b1 = _mm512_load_ps(panel + p * kNr + 16);
        for (int r = 0; r < kMr; ++r) {
            const __m512 av = _mm512_set1_ps(ar[r][p]);
            acc[r][0] = _mm512_fmadd_ps(av, b0, acc[r][0]);
            acc[r][1] = _mm512_fmadd_ps(av, b1, acc[r][1]);
        }
    }
}

// C[m × n] (row stride ldc) from A[m × k] and the B rows that pack(j0, p0, kc, panel) writes
// as a k-major kc × 32 panel (rows j0..j0+31, columns p0..p0+kc; rows past n clamped to
// n - 1); finish(acc, out, nr) stores the nr <= 32 outputs of one row.
template <class Pack, class Finish>
void gemm(const float* a, float* c, long ldc, int m, int n, int k, Pack&& pack, Finish&& finish) {
    alignas(64) float panel[kKc * kNr];
    if (k <= kKc) {
        for (int j0 = 0; j0 < n; j0 += kNr) {
            const int nr = std::min(kNr, n - j0);
            pack(j0, 0, k, panel);
            for (int i0 = 0; i0 < m; i0 += kMr) {
                const float* ar[kMr];
                for (int r = 0; r < kMr; ++r) ar[r] = a + (long)std::min(i0 + r, m - 1) * k;
                __m512 acc[kMr][2];
                for (int r = 0; r < kMr; ++r) acc[r][0] = acc[r][1] = _mm512_setzero_ps();
                micro_kernel(ar, panel, k, acc);
                for (int r = 0; r < std::min(kMr, m - i0); ++r) finish(acc[r], c + (long)(i0 + r) * ldc + j0, nr);
            }
        }
        return;
    }
    alignas(64) float sums[kMc * kNr];
    for (int i0 = 0; i0 < m; i0 += kMc) {
        const int mc = std::min(kMc, m - i0);
        for (int j0 = 0; j0 < n; j0 += kNr) {
            const int nr = std::min(kNr, n - j0);
            for (int p0 = 0; p0 < k; p0 += kKc) {
                const int kc = std::min(kKc, k - p0);
                pack(j0, p0, kc, panel);
                for (int ii0 = 0; ii0 < mc; ii0 += kMr) {
                    const float* ar[kMr];
                    for (int r = 0; r < kMr; ++r) ar[r] = a + (long)(i0 + std::min(ii0 + r, mc - 1)) * k + p0;
                    __m512 acc[kMr][2];
                    for (int r = 0; r < kMr; ++r) {
                        const float* s = sums + (ii0 + r) * kNr;
                        acc[r][0] = p0 == 0 ? _mm512_setzero_ps() : _mm512_load_ps(s);
                        acc[r][1] = p0 == 0 ? _mm512_setzero_ps() : _mm512_load_ps(s + 16);
                    }
                    micro_kernel(ar, panel, kc, acc);
                    for (int r = 0; r < kMr; ++r) {
                        _mm512_store_ps(sums + (ii0 + r) * kNr, acc[r][0]);
                        _mm512_store_ps(sums + (ii0 + r) * kNr + 16, acc[r][1]);
                    }
                }
            }
            for (int ii = 0; ii < mc; ++ii) {
                const __m512 acc[2] = {_mm512_load_ps(sums + ii * kNr), _mm512_load_ps(sums + ii * kNr + 16)};
                finish(acc, c + (long)(i0 + ii) * ldc + j0, nr);
            }
        }
    }
}

}  // namespace lmh::kernels::matmul_tiles::gemm_avx512
