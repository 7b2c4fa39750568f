// matmul_simd: versus blocked, explicit AVX-512. Prefill (m > 1): a 4 × 4 block of outputs
// (4 A rows × 4 B rows), one zmm accumulator per output across k, 16 FMAs per 8 loads, the k
// tail read with masked loads; the 16 accumulators are reduced together by one transposed
// horizontal sum (reduce16) and finished with alpha/beta in vector registers. B is walked in
// chunks of rows sized to stay in L2 while all A row blocks pass over them (no packing: a
// B row is already contiguous along k). Decode (m == 1): 16 B rows in flight against one
// vector of A, finished by one reduce16. Single thread.
#include <algorithm>

#include "kernels/matmul.h"
#include "kernels/matmul_tiles.h"
#include "kernels/simd_math_avx512.h"

namespace lmh::kernels {
namespace matmul_tiles {
namespace {
using avx512::tail_mask;

// out[0..count) = alpha · sums + beta · out (beta == 0: out not read).
inline void finish4(__m128 sums, float* out, int count, float alpha, float beta) {
    const __mmask8 m = (__mmask8)((1u << count) - 1u);
    __m128 r = _mm_mul_ps(sums, _mm_set1_ps(alpha));
    if (beta != 0.0f) r = _mm_fmadd_ps(_mm_maskz_loadu_ps(m, out), _mm_set1_ps(beta), r);
    _mm_mask_storeu_ps(out, m, r);
}
}  // namespace

int avx512_b_chunk_rows(int k) {
    // About 256 KiB of B per chunk (L2 is 1-2 MiB per core on AVX-512 parts).
    const int rows = (256 * 1024 / 4) / std::max(k, 1);
    return std::clamp(rows / kAvx512Nr * kAvx512Nr, 4 * kAvx512Nr, 512);
}

void avx512_gemm(const float* a, const float* b, float* c, long ldc, int m, int n, int k, float alpha,
                 float beta) {
    const int chunk = avx512_b_chunk_rows(k);
    const int kfull = k / 16 * 16;
    const __mmask16 kmask = tail_mask(k - kfull);
    for (int jc = 0; jc < n; jc += chunk) {
        const int jend = std::min(n, jc + chunk);
        for (int i0 = 0; i0 < m; i0 += kAvx512Mr) {
            const float* ar[4];
            for (int r = 0; r < 4; ++r) ar[r] = a + (long)std::min(i0 + r, m - 1) * k;
            for (int j0 = jc; j0 < jend; j0 += kAvx512Nr) {
                const float* br[4];
                for (int s = 0; s < 4; ++s) br[s] = b + (long)std::min(j0 + s, n - 1) * k;
                __m512 acc[16];
                for (int o = 0; o < 16; ++o) acc[o] = _mm512_setzero_ps();
                for (int p = 0; p < kfull; p += 16) {
                    const __m512 b0 = _mm512_loadu_ps(br[0] + p), b1 = _mm512_loadu_ps(br[1] + p);
                    const __m512 b2 = _mm512_loadu_ps(br[2] + p), b3 = _mm512_loadu_ps(br[3] + p);
                    for (int r = 0; r < 4; ++r) {
                        const __m512 av = _mm512_loadu_ps(ar[r] + p);
                        acc[4 * r + 0] = _mm512_fmadd_ps(av, b0, acc[4 * r + 0]);
                        acc[4 * r + 1] = _mm512_fmadd_ps(av, b1, acc[4 * r + 1]);
                        acc[4 * r + 2] = _mm512_fmadd_ps(av, b2, acc[4 * r + 2]);
                        acc[4 * r + 3] = _mm512_fmadd_ps(av, b3, acc[4 * r + 3]);
                    }
                }
                if (kmask) {
                    const __m512 b0 = _mm512_maskz_loadu_ps(kmask, br[0] + kfull);
                    const __m512 b1 = _mm512_maskz_loadu_ps(kmask, br[1] + kfull);
                    const __m512 b2 = _mm512_maskz_loadu_ps(kmask, br[2] + kfull);
                    const __m512 b3 = _mm512_maskz_loadu_ps(kmask, br[3] + kfull);
                    for (int r = 0; r < 4; ++r) {
                        const __m512 av = _mm512_maskz_loadu_ps(kmask, ar[r] + kfull);
                        acc[4 * r + 0] = _mm512_fmadd_ps(av, b0, acc[4 * r + 0]);
                        acc[4 * r + 1] = _mm512_fmadd_ps(av, b1, acc[4 * r + 1]);
                        acc[4 * r + 2] = _mm512_fmadd_ps(av, b2, acc[4 * r + 2]);
                        acc[4 * r + 3] = _mm512_fmadd_ps(av, b3, acc[4 * r + 3]);
                    }
                }
                // Lane 4r + s of sums is output (i0 + r, j0 + s).
                const __m512 sums = avx512::reduce16(acc);
                const int rows = std::min(4, m - i0), cols = std::min(4, n - j0);
                float* out = c + (long)i0 * ldc + j0;
                if (rows > 0) finish4(_mm512_extractf32x4_ps(sums, 0), out, cols, alpha, beta);
                if (rows > 1) finish4(_mm512_extractf32x4_ps(sums, 1), out + ldc, cols, alpha, beta);
                if (rows > 2) finish4(_mm512_extractf32x4_ps(sums, 2), out + 2 * ldc, cols, alpha, beta);
                if (rows > 3) finish4(_mm512_extractf32x4_ps(sums, 3), out + 3 * ldc, cols, alpha, beta);
            }
        }
    }
}

void avx512_gemv(const float* a, const float* b, float* c, int n, int k, float alpha, float beta) {
    constexpr int kR = kAvx512GemvRows;
    const int kfull = k / 16 * 16;
    const __mmask16 kmask = tail_mask(k - kfull);
    static_assert(kR == 16, "one reduce16 finishes a pass");
    for (int j0 = 0; j0 < n; j0 += kR) {
        const float* br[kR];
        for (int s = 0; s < kR; ++s) br[s] = b + (long)std::min(j0 + s, n - 1) * k;
        __m512 acc[16];
        for (int s = 0; s < 16; ++s) acc[s] = _mm512_setzero_ps();
        for (int p = 0; p < kfull; p += 16) {
            const __m512 av = _mm512_loadu_ps(a + p);
            for (int s = 0; s < 16; ++s) acc[s] = _mm512_fmadd_ps(av, _mm512_loadu_ps(br[s] + p), acc[s]);
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
    if (m == 1)
        matmul_tiles::avx512_gemv(a, b, c, n, k, alpha, beta);
    else
        matmul_tiles::avx512_gemm(a, b, c, n, m, n, k, alpha, beta);
}

}  // namespace lmh::kernels
