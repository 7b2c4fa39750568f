// matmul_blocked: versus naive, (1) B is packed, kBlockedKc columns × 8 rows at a time, into
// a stack buffer laid out k-major so one k step reads 8 consecutive floats; (2) a 4 × 8
// register block of outputs is updated per k step, so each loaded A value is used 8 times
// and each B value 4 times (naive: once each); (3) rows of A are walked in blocks of
// kBlockedMc so the A block stays in L2 while panels of B pass over it.
// Each output is still the sum over k in order, in f32, as naive computes it.
// m == 1 (decode) takes a GEMV path: 4 B rows in flight, 8 partial sums per row.
// Vectors are GCC/Clang generic vectors (SSE on any x86-64), not intrinsics.
#include <algorithm>
#include <cstring>

#include "kernels/matmul.h"
#include "kernels/matmul_tiles.h"
#include "kernels/preconditions.h"

namespace lmh::kernels {
namespace matmul_tiles {
namespace {
constexpr int kMr = kBlockedMr;
constexpr int kNr = kBlockedNr;
constexpr int kKc = 256;  // packed panel: 256 × 8 floats = 8 KiB, stays in L1
constexpr int kMc = 64;   // A block: 64 × 256 floats = 64 KiB, stays in L2
static_assert(kMc % kMr == 0 && kNr == 8);

// Four floats as one value: GCC/Clang generic vectors, lowered to SSE on x86-64 (no
// -march needed) and to scalar code where there is no SIMD. Plain loops over small arrays
// were vectorized along k with shuffles instead, 4x slower.
typedef float f32x4 __attribute__((vector_size(16)));
inline f32x4 load4(const float* p) {
    f32x4 v;
    std::memcpy(&v, p, sizeof v);
    return v;
}
inline void store4(float* p, f32x4 v) { std::memcpy(p, &v, sizeof v); }

inline float finish(float acc, float alpha, float beta, const float* out) {
    return beta == 0.0f ? alpha * acc : alpha * acc + beta * *out;
}
}  // namespace

void blocked_gemm(const float* a, const float* b, float* c, long ldc, int m, int n, int k, float alpha,
                  float beta) {
    alignas(64) float panel[kKc * kNr];
    alignas(64) float sums[kMc * kNr];
    for (int i0 = 0; i0 < m; i0 += kMc) {
        const int mc = std::min(kMc, m - i0);
        for (int j0 = 0; j0 < n; j0 += kNr) {
            const int nr = std::min(kNr, n - j0);
            std::fill(sums, sums + kMc * kNr, 0.0f);
            for (int p0 = 0; p0 < k; p0 += kKc) {
                const int kc = std::min(kKc, k - p0);
                for (int jj = 0; jj < kNr; ++jj) {
                    const float* brow = b + (long)(j0 + std::min(jj, nr - 1)) * k + p0;
                    for (int p = 0; p < kc; ++p) panel[p * kNr + jj] = brow[p];
                }
                for (int ii0 = 0; ii0 < mc; ii0 += kMr) {
                    const float* arow[kMr];
                    for (int r = 0; r < kMr; ++r)
                        arow[r] = a + (long)(i0 + std::min(ii0 + r, mc - 1)) * k + p0;
                    // 4 rows × 8 columns = 8 SSE accumulators; each output one mul-add chain over k.
                    f32x4 acc[kMr][2];
                    for (int r = 0; r < kMr; ++r) {
                        acc[r][0] = load4(sums + (ii0 + r) * kNr);
                        acc[r][1] = load4(sums + (ii0 + r) * kNr + 4);
                    }
                    for (int p = 0; p < kc; ++p) {
                        const f32x4 b0 = load4(panel + p * kNr), b1 = load4(panel + p * kNr + 4);
                        for (int r = 0; r < kMr; ++r) {
                            const float x = arow[r][p];
                            const f32x4 av = {x, x, x, x};
                            acc[r][0] += av * b0;
                            acc[r][1] += av * b1;
                        }
                    }
                    for (int r = 0; r < kMr; ++r) {
                        store4(sums + (ii0 + r) * kNr, acc[r][0]);
                        store4(sums + (ii0 + r) * kNr + 4, acc[r][1]);
                    }
                }
            }
            for (int ii = 0; ii < mc; ++ii) {
                float* out = c + (long)(i0 + ii) * ldc + j0;
                for (int jj = 0; jj < nr; ++jj) out[jj] = finish(sums[ii * kNr + jj], alpha, beta, out + jj);
            }
        }
    }
}

void blocked_gemv(const float* a, const float* b, float* c, int n, int k, float alpha, float beta) {
    constexpr int kR = kBlockedGemvRows;
    const int kfull = k / 8 * 8;
    for (int j0 = 0; j0 < n; j0 += kR) {
        const float* brow[kR];
        for (int r = 0; r < kR; ++r) brow[r] = b + (long)std::min(j0 + r, n - 1) * k;
        // 8 partial sums per row (lanes 0-3 and 4-7), 4 rows sharing each load of A.
        f32x4 acc[kR][2] = {};
        for (int p = 0; p < kfull; p += 8) {
            const f32x4 a0 = load4(a + p), a1 = load4(a + p + 4);
            for (int r = 0; r < kR; ++r) {
                acc[r][0] += a0 * load4(brow[r] + p);
                acc[r][1] += a1 * load4(brow[r] + p + 4);
            }
        }
        const int rows = std::min(kR, n - j0);
        for (int r = 0; r < rows; ++r) {
            const f32x4 t = acc[r][0] + acc[r][1];
            float s = (t[0] + t[1]) + (t[2] + t[3]);
            for (int q = kfull; q < k; ++q) s += a[q] * brow[r][q];
            c[j0 + r] = finish(s, alpha, beta, c + j0 + r);
        }
    }
}

}  // namespace matmul_tiles

void matmul_blocked(const float* a, const float* b, float* c, int m, int n, int k, float alpha, float beta) {
    preconditions::matmul(a, b, c, m, n, k);
    if (m == 1)
        matmul_tiles::blocked_gemv(a, b, c, n, k, alpha, beta);
    else
        matmul_tiles::blocked_gemm(a, b, c, n, m, n, k, alpha, beta);
}

}  // namespace lmh::kernels
