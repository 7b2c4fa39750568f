// matmul_simd: versus blocked, explicit AVX-512 and a bigger register block. Prefill (m > 1):
// 32 B rows are packed k-major (up to 1280 k at a time) into a stack panel, and the 12 × 32
// register-block GEMM of gemm_avx512.h streams all rows of A past it. Edge blocks use
// clamped rows, masked stores. Decode (m == 1): 16 B rows in flight against one vector of A, the next 16 rows
// prefetched meanwhile, finished by one reduce16. Single thread.
#include <algorithm>
#include <cstdint>

#include "kernels/gemm_avx512.h"
#include "kernels/matmul.h"
#include "kernels/matmul_tiles.h"
#include "kernels/simd_math_avx512.h"
#include "kernels/preconditions.h"

namespace lmh::kernels {
namespace matmul_tiles {
namespace {
using avx512::tail_mask;
using avx512::transpose16;
using gemm_avx512::kNr;

// B rows j0.. (clamped to n - 1) × columns p0..p0+kc, transposed to k-major: 16 × 16
// blocks loaded row-wise and transposed in registers (the scalar element-by-element
// copy was about a fifth of a story-sized prefill matmul).
inline void pack_panel(const float* b, int n, int k, int j0, int p0, int kc, float* panel) {
    for (int h = 0; h < kNr; h += 16) {
        const float* brow[16];
        for (int t = 0; t < 16; ++t) brow[t] = b + (long)std::min(j0 + h + t, n - 1) * k + p0;
        for (int p = 0; p < kc; p += 16) {
            const __mmask16 m = tail_mask(kc - p);
            __m512 r[16];
            for (int t = 0; t < 16; ++t) r[t] = _mm512_maskz_loadu_ps(m, brow[t] + p);
            transpose16(r);
            const int cols = std::min(16, kc - p);
            for (int t = 0; t < cols; ++t) _mm512_store_ps(panel + (long)(p + t) * kNr + h, r[t]);
        }
    }
}

// out[0..nr) = alpha · acc + beta · out (beta == 0: out not read).
inline void finish_row(const __m512 acc[2], float* out, int nr, float alpha, float beta) {
    for (int h = 0; h < 2; ++h) {
        const __mmask16 m = tail_mask(nr - 16 * h);
        if (!m) break;
        __m512 v = _mm512_mul_ps(acc[h], _mm512_set1_ps(alpha));
        if (beta != 0.0f) v = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, out + 16 * h), _mm512_set1_ps(beta), v);
        _mm512_mask_storeu_ps(out + 16 * h, m, v);
    }
}
}  // namespace

void avx512_gemm(const float* a, const float* b, float* c, long ldc, int m, int n, int k, float alpha,
                 float beta) {
    gemm_avx512::gemm(
        a, c, ldc, m, n, k, [&](int j0, int p0, int kc, float* panel) { pack_panel(b, n, k, j0, p0, kc, panel); },
        [&](const __m512 acc[2], float* out, int nr) { finish_row(acc, out, nr, alpha, beta); });
}

void avx512_gemv(const float* a, const float* b, float* c, int n, int k, float alpha, float beta) {
    constexpr int kR = kAvx512GemvRows;
    const int kfull = k / 16 * 16;
    const __mmask16 kmask = tail_mask(k - kfull);
    static_assert(kR == 16, "one reduce16 finishes a pass");
    const std::uintptr_t next_block = sizeof(float) * kR * (std::uintptr_t)k;  // bytes; an integer, not a pointer past B
    for (int j0 = 0; j0 < n; j0 += kR) {
        const float* br[kR];
        for (int s = 0; s < kR; ++s) br[s] = b + (long)std::min(j0 + s, n - 1) * k;
        __m512 acc[16];
        for (int s = 0; s < 16; ++s) acc[s] = _mm512_setzero_ps();
        // 16 rows in flight (16 independent FMA chains and 16 cache-line streams). Each step
        // also prefetches the same offset of the next block's rows, 16·k floats ahead: the
        // next block is contiguous with this one, so the whole matrix is prefetched once,
        // one block (5-70 KB for these models) ahead of use. Measured on a chat-shaped
        // sequence of decode GEMVs (91 MB): ~20% less time than without the prefetch, and
        // better than streaming 4 or 8 rows at a time with or without a fixed-distance
        // prefetch. Prefetching past the end of B is harmless (prefetches never fault).
        for (int p = 0; p < kfull; p += 16) {
            const __m512 av = _mm512_loadu_ps(a + p);
            for (int s = 0; s < 16; ++s) {
                _mm_prefetch(reinterpret_cast<const char*>(reinterpret_cast<std::uintptr_t>(br[s] + p) + next_block),
                             _MM_HINT_T0);
                acc[s] = _mm512_fmadd_ps(av, _mm512_loadu_ps(br[s] + p), acc[s]);
            }
        }
        if (kmask) {
            const __m512 av = _mm512_maskz_loadu_ps(kmask, a + kfull);
            for (int s = 0; s < 16; ++s)
                acc[s] = _mm512_fmadd_ps(av, _mm512_maskz_loadu_ps(kmask, br[s] + kfull), acc[s]);
        }
        const __m512 sums = avx512::reduce16(acc);
        const int count = std::min(16, n - j0);
        const __mmask16 om = tail_mask(count);
        __m512 r = _mm512_mul_ps(sums, _mm512_set1_ps(alpha));
        if (beta != 0.0f) r = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(om, c + j0), _mm512_set1_ps(beta), r);
        _mm512_mask_storeu_ps(c + j0, om, r);
    }
}

}  // namespace matmul_tiles

void matmul_simd(const float* a, const float* b, float* c, int m, int n, int k, float alpha, float beta) {
    preconditions::matmul(a, b, c, m, n, k);
    if (m == 1)
        matmul_tiles::avx512_gemv(a, b, c, n, k, alpha, beta);
    else
        matmul_tiles::avx512_gemm(a, b, c, n, m, n, k, alpha, beta);
}

}  // namespace lmh::kernels
