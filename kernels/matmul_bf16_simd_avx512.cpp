// matmul_bf16_simd: bf16 weights widened to f32 in registers, then the f32 FMA code paths
// of matmul_simd. Single thread.
//
// Decode and other small m (bf16_uses_gemv): B is streamed, each weight read once per pair
// of rows of A. A zmm of 32 bf16 is split without shuffles: a 16-bit left shift of
// each dword gives the even elements as f32, masking off the low half gives the odd ones;
// A is split to match by two vpermt2ps per step, shared by all B rows. 8 B rows are in
// flight against 1 or 2 rows of A, each dot product one FMA chain (even then odd) per 32 k,
// the next block's rows prefetched as in avx512_gemv; one reduce16 finishes a block.
// Measured (one core, Sapphire Rapids): 8 B rows rather than avx512_gemv's 16 is 5-20%
// faster on the chat and story decode shapes (weights in L2) and as fast on the 20 MB chat
// lm_head, where the prefetch is worth ~10%; 4 A rows × 4 B rows was no faster per row than
// 2 × 8. The gemv beats the widened-panel gemm up to m = 8-10.
//
// Larger m: each 32-row panel of B is widened once (vpmovzxwd + shift) and transposed
// k-major into an f32 stack panel, then matmul_simd's 12 × 32 micro-kernel (gemm_avx512.h) runs
// over all rows of A, so the widening is paid once per weight per call, not per row, and the
// call is bound by FMAs. k beyond one panel (1280) keeps partial sums in a stack tile.
#include <algorithm>
#include <cstdint>

#include "kernels/gemm_avx512.h"
#include "kernels/matmul_bf16.h"
#include "kernels/matmul_bf16_tiles.h"
#include "kernels/matmul_tiles.h"
#include "kernels/simd_math_avx512.h"
#include "kernels/preconditions.h"

namespace lmh::kernels {
namespace matmul_tiles {
namespace {
using avx512::tail_mask;
using avx512::transpose16;

// ---- gemv ----------------------------------------------------------------------------

// The 32 bf16 of x split into f32 vectors of its even and odd elements (exact).
inline __m512 bf16_even(__m512i x) { return _mm512_castsi512_ps(_mm512_slli_epi32(x, 16)); }
inline __m512 bf16_odd(__m512i x) {
    return _mm512_castsi512_ps(_mm512_and_si512(x, _mm512_set1_epi32(static_cast<int>(0xFFFF0000u))));
}

// R rows of A against blocks of kB rows of B. Accumulator r·kB + s holds A row r · B row s;
// lane i of it sums the products of k indices 2i and 2i+1 of every 32-step, even before
// odd, so each output's chain of FMAs and reduce16's tree (unused accumulators stay 0 and
// only feed unused lanes) are the same whatever R and slot it gets.
template <int R>
void gemv_rows(const float* const ar[R], const std::uint16_t* b, float* const cr[R], int n, int k) {
    constexpr int kB = 8;
    static_assert(R * kB <= 16, "one reduce16 finishes a block");
    const int kfull = k / 32 * 32, rem = k - kfull;
    const __mmask32 bmask = (__mmask32)((1ull << rem) - 1u);
    const __mmask16 amask_lo = tail_mask(rem), amask_hi = tail_mask(rem - 16);
    const __m512i even_idx = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    const __m512i odd_idx = _mm512_add_epi32(even_idx, _mm512_set1_epi32(1));
    const __m512i iota = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    const std::uintptr_t next_block = sizeof(std::uint16_t) * kB * (std::uintptr_t)k;  // bytes, not a pointer past B
    for (int j0 = 0; j0 < n; j0 += kB) {
        const std::uint16_t* br[kB];
        for (int s = 0; s < kB; ++s) br[s] = b + (long)std::min(j0 + s, n - 1) * k;
        __m512 acc[16];
        for (int s = 0; s < 16; ++s) acc[s] = _mm512_setzero_ps();
        for (int p = 0; p < kfull; p += 32) {
            __m512 ae[R], ao[R];
            for (int r = 0; r < R; ++r) {
                const __m512 lo = _mm512_loadu_ps(ar[r] + p), hi = _mm512_loadu_ps(ar[r] + p + 16);
                ae[r] = _mm512_permutex2var_ps(lo, even_idx, hi);
                ao[r] = _mm512_permutex2var_ps(lo, odd_idx, hi);
            }
            for (int s = 0; s < kB; ++s) {
                // One 64-byte step per row: one prefetch per row covers the next block once.
                _mm_prefetch(reinterpret_cast<const char*>(reinterpret_cast<std::uintptr_t>(br[s] + p) + next_block),
                             _MM_HINT_T0);
                const __m512i x = _mm512_loadu_si512(br[s] + p);
                const __m512 be = bf16_even(x), bo = bf16_odd(x);
                for (int r = 0; r < R; ++r) {
                    acc[r * kB + s] = _mm512_fmadd_ps(ae[r], be, acc[r * kB + s]);
                    acc[r * kB + s] = _mm512_fmadd_ps(ao[r], bo, acc[r * kB + s]);
                }
            }
        }
        if (rem) {
            // Masked-off weights and activations load as +0, so they add exact zeros.
            __m512 ae[R], ao[R];
            for (int r = 0; r < R; ++r) {
                const __m512 lo = _mm512_maskz_loadu_ps(amask_lo, ar[r] + kfull);
                const __m512 hi = _mm512_maskz_loadu_ps(amask_hi, ar[r] + kfull + 16);
                ae[r] = _mm512_permutex2var_ps(lo, even_idx, hi);
                ao[r] = _mm512_permutex2var_ps(lo, odd_idx, hi);
            }
            for (int s = 0; s < kB; ++s) {
                const __m512i x = _mm512_maskz_loadu_epi16(bmask, br[s] + kfull);
                const __m512 be = bf16_even(x), bo = bf16_odd(x);
                for (int r = 0; r < R; ++r) {
                    acc[r * kB + s] = _mm512_fmadd_ps(ae[r], be, acc[r * kB + s]);
                    acc[r * kB + s] = _mm512_fmadd_ps(ao[r], bo, acc[r * kB + s]);
                }
            }
        }
        const __m512 sums = avx512::reduce16(acc);
        const __mmask16 om = tail_mask(std::min(kB, n - j0));
        for (int r = 0; r < R; ++r) {
            // Lanes r·kB.. moved down to lane 0 (R == 1: no move).
            const __m512 v = r == 0 ? sums : _mm512_permutexvar_ps(_mm512_add_epi32(iota, _mm512_set1_epi32(r * kB)), sums);
            _mm512_mask_storeu_ps(cr[r] + j0, om, v);
        }
    }
}

// ---- gemm ----------------------------------------------------------------------------

using gemm_avx512::kNr;

// B rows j0.. (clamped to n - 1) × columns p0..p0+kc, widened to f32 and transposed to
// k-major: 16 weights of a row per load, zero-extended to dwords and shifted into the high
// half (exact), then 16 × 16 blocks transposed in registers.
inline void pack_panel(const std::uint16_t* b, int n, int k, int j0, int p0, int kc, float* panel) {
    for (int h = 0; h < kNr; h += 16) {
        const std::uint16_t* brow[16];
        for (int t = 0; t < 16; ++t) brow[t] = b + (long)std::min(j0 + h + t, n - 1) * k + p0;
        for (int p = 0; p < kc; p += 16) {
            const __mmask16 m = tail_mask(kc - p);
            __m512 r[16];
            for (int t = 0; t < 16; ++t)
                r[t] = _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(_mm256_maskz_loadu_epi16(m, brow[t] + p)), 16));
            transpose16(r);
            const int cols = std::min(16, kc - p);
            for (int t = 0; t < cols; ++t) _mm512_store_ps(panel + (long)(p + t) * kNr + h, r[t]);
        }
    }
}

inline void store_row(const __m512 acc[2], float* out, int nr) {
    for (int h = 0; h < 2; ++h) {
        const __mmask16 m = tail_mask(nr - 16 * h);
        if (!m) break;
        _mm512_mask_storeu_ps(out + 16 * h, m, acc[h]);
    }
}
}  // namespace

void avx512_bf16_gemv(const float* a, const std::uint16_t* b, float* c, long ldc, int m, int n, int k) {
    int i = 0;
    for (; i + 2 <= m; i += 2) {
        const float* ar[2] = {a + (long)i * k, a + (long)(i + 1) * k};
        float* cr[2] = {c + i * ldc, c + (i + 1) * ldc};
        gemv_rows<2>(ar, b, cr, n, k);
    }
    if (i < m) {
        const float* ar[1] = {a + (long)i * k};
        float* cr[1] = {c + i * ldc};
        gemv_rows<1>(ar, b, cr, n, k);
    }
}

void avx512_bf16_gemm(const float* a, const std::uint16_t* b, float* c, long ldc, int m, int n, int k) {
    gemm_avx512::gemm(
        a, c, ldc, m, n, k, [&](int j0, int p0, int kc, float* panel) { pack_panel(b, n, k, j0, p0, kc, panel); },
        [](const __m512 acc[2], float* out, int nr) { store_row(acc, out, nr); });
}

}  // namespace matmul_tiles

void matmul_bf16_simd(const float* a, const std::uint16_t* b, float* c, int m, int n, int k) {
    preconditions::matmul(a, b, c, m, n, k);
    if (matmul_tiles::bf16_uses_gemv(m))
        matmul_tiles::avx512_bf16_gemv(a, b, c, n, m, n, k);
    else
        matmul_tiles::avx512_bf16_gemm(a, b, c, n, m, n, k);
}

}  // namespace lmh::kernels
