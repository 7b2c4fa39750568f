// The AVX2 matmuls' one kernel (f32 and bf16 weights): shared by matmul_simd_avx2.cpp,
// matmul_tbb_simd_avx2.cpp, matmul_bf16_simd_avx2.cpp and matmul_bf16_tbb_simd_avx2.cpp.
// Include only from *_avx2.cpp files (compiled with -mavx2 -mfma -mf16c) and call only after
// cpu_supports(CpuNeed::avx2).
//
// Batch-invariant by construction. Every output c[i,j] is the dot product of A row i and B
// row j computed in exactly one way: 8 lanes along k (lane l sums the products of k ≡ l mod 8,
// in k order, one FMA per step; the k tail is one more FMA with zeros in the missing lanes),
// then the lanes summed in the fixed tree ((l0+l1)+(l2+l3))+((l4+l5)+(l6+l7)) (reduce4; a
// slot's tree does not depend on which of the 4 slots it sits in or what the others hold),
// then alpha·sum (+ beta·c by one FMA). A register tile of MR rows of A × NR rows of B only
// decides which outputs share a loaded vector, never an output's arithmetic, so an output's
// bits depend neither on m, on which tile its row lands in, on its neighbours, nor on how the
// oneTBB variants cut the columns (and there is no m == 1 special path: m = 1 is the 1 × 8 tile).
//
// Why dot products along k rather than matmul_simd's packed-panel outer products: decode
// (m = 1..16) is bound by streaming B, which this reads in place, once per call for any m;
// an outer-product kernel needs B transposed (a packing pass per call) and a different code
// for m = 1 to stay fast, which is what makes the AVX-512 variants batch-variant.
// Batched decode reuses each loaded B vector across MR rows of A (4 × 3 tile: 7 loads per
// 12 FMAs), and the B rows of a column block stay in L2 while all rows of A pass them.
// No software prefetch: avx512_gemv's (the next tile's rows, one tile ahead) was tried for the
// 1 × 8 tile and made the L2-resident chat ffn_up 2.5x slower at m = 1 with no clear gain on
// the 40 MB lm_head (AMD EPYC, lmh_bench_kernels decode_rows).
#pragma once

#include <immintrin.h>

#include <algorithm>
#include <cstdint>
#include <cstring>

namespace lmh::kernels::dot_avx2 {

// 8 consecutive weights as f32, and the k tail (r < 8 of them, zeros after).
struct F32Weights {
    using T = float;
    static __m256 load(const float* p) { return _mm256_loadu_ps(p); }
    static __m256 load_tail(const float* p, int r) {
        float t[8] = {};
        std::memcpy(t, p, sizeof(float) * (unsigned)r);
        return _mm256_loadu_ps(t);
    }
};
// bf16 is the top half of an f32, so widening is exact: zero-extend to 32 bits, shift by 16.
struct Bf16Weights {
    using T = std::uint16_t;
    static __m256 load(const std::uint16_t* p) {
        const __m256i w = _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
        return _mm256_castsi256_ps(_mm256_slli_epi32(w, 16));
    }
    static __m256 load_tail(const std::uint16_t* p, int r) {
        std::uint16_t t[8] = {};
        std::memcpy(t, p, sizeof(std::uint16_t) * (unsigned)r);
        return load(t);
    }
};

inline __m256 load_a_tail(const float* p, int r) { return F32Weights::load_tail(p, r); }

// The lane sums of 4 accumulators, each by the tree ((l0+l1)+(l2+l3))+((l4+l5)+(l6+l7)).
inline __m128 reduce4(__m256 a, __m256 b, __m256 c, __m256 d) {
    const __m256 ab = _mm256_hadd_ps(a, b);   // a01 a23 b01 b23 | a45 a67 b45 b67
    const __m256 cd = _mm256_hadd_ps(c, d);
    const __m256 s = _mm256_hadd_ps(ab, cd);  // a0123 b0123 c0123 d0123 | a4567 ...
    return _mm_add_ps(_mm256_castps256_ps128(s), _mm256_extractf128_ps(s, 1));
}

// sums[r][s] = A row ar[r] · B row br[s] over k, by the one arithmetic described above.
template <class W, int MR, int NR>
inline void tile(const float* const ar[MR], const typename W::T* const br[NR], int k, float sums[MR][NR]) {
    __m256 acc[MR][NR];
    for (int r = 0; r < MR; ++r)
        for (int s = 0; s < NR; ++s) acc[r][s] = _mm256_setzero_ps();
    const int kfull = k / 8 * 8;
    for (int p = 0; p < kfull; p += 8) {
        __m256 bv[NR];
        for (int s = 0; s < NR; ++s) bv[s] = W::load(br[s] + p);
        for (int r = 0; r < MR; ++r) {
            const __m256 av = _mm256_loadu_ps(ar[r] + p);
            for (int s = 0; s < NR; ++s) acc[r][s] = _mm256_fmadd_ps(av, bv[s], acc[r][s]);
        }
    }
    if (kfull < k) {
        const int rem = k - kfull;
        __m256 bv[NR];
        for (int s = 0; s < NR; ++s) bv[s] = W::load_tail(br[s] + kfull, rem);
        for (int r = 0; r < MR; ++r) {
            const __m256 av = load_a_tail(ar[r] + kfull, rem);
            for (int s = 0; s < NR; ++s) acc[r][s] = _mm256_fmadd_ps(av, bv[s], acc[r][s]);
        }
    }
    const __m256 zero = _mm256_setzero_ps();
    for (int r = 0; r < MR; ++r) {
        for (int s0 = 0; s0 < NR; s0 += 4) {
            auto slot = [&](int s) { return s < NR ? acc[r][s] : zero; };
            float out[4];
            _mm_storeu_ps(out, reduce4(slot(s0), slot(s0 + 1), slot(s0 + 2), slot(s0 + 3)));
            for (int s = s0; s < std::min(NR, s0 + 4); ++s) sums[r][s] = out[s - s0];
        }
    }
}

// MR rows of A (a, row stride k) against B rows [j0, j1): tiles of NR rows, the last one's
// missing rows clamped to j1 - 1 (computed and dropped). c is row i's output row, stride ldc.
template <class W, int MR, int NR>
void row_tiles(const float* a, const typename W::T* b, float* c, long ldc, int k, int j0, int j1, float alpha,
               float beta) {
    const float* ar[MR];
    for (int r = 0; r < MR; ++r) ar[r] = a + (long)r * k;
    for (int j = j0; j < j1; j += NR) {
        const typename W::T* br[NR];
        for (int s = 0; s < NR; ++s) br[s] = b + (long)std::min(j + s, j1 - 1) * k;
        float sums[MR][NR];
        tile<W, MR, NR>(ar, br, k, sums);
        const int count = std::min(NR, j1 - j);
        for (int r = 0; r < MR; ++r) {
            float* out = c + r * ldc + j;
            for (int s = 0; s < count; ++s) {
                float v = alpha * sums[r][s];
                if (beta != 0.0f) v = _mm_cvtss_f32(_mm_fmadd_ss(_mm_set_ss(beta), _mm_set_ss(out[s]), _mm_set_ss(v)));
                out[s] = v;
            }
        }
    }
}

// B rows per column block: the block (about 128 KB of weights) stays in L2 (512 KB per core
// on Zen 2/3) while the row groups of A pass it; a multiple of 24 so the 3-, 4- and 8-wide
// tiles divide it.
inline int block_rows(int k, int weight_bytes) {
    const int rows = (128 * 1024) / std::max(1, k * weight_bytes) / 24 * 24;
    return std::max(24, rows);
}

// The oneTBB variants cut the outputs in multiples of this (any cut gives the same bits; 24
// keeps whole tiles of 3 and 8 rows in a piece).
inline constexpr int kPieceRows = 24;

// c[i, j] = alpha · A row i · B row j + beta · c[i, j] for all i < m and j in [j0, j1); b and c
// point at the whole B and C (c row stride ldc). Rows of A go 4 at a time (4 × 3 tiles: 12
// accumulators, 3 B vectors and 1 A vector fill the 16 ymm registers); the last 1-3 rows get
// tiles as wide as the registers allow (1 × 8 is the m = 1 decode GEMV: 8 B rows in flight).
template <class W>
void columns(const float* a, const typename W::T* b, float* c, long ldc, int m, int k, int j0, int j1, float alpha,
             float beta) {
    const int nb = block_rows(k, (int)sizeof(typename W::T));
    for (int jb = j0; jb < j1; jb += nb) {
        const int je = std::min(j1, jb + nb);
        for (int i = 0; i < m; i += 4) {
            const float* ai = a + (long)i * k;
            float* ci = c + (long)i * ldc;
            switch (std::min(4, m - i)) {
                case 1: row_tiles<W, 1, 8>(ai, b, ci, ldc, k, jb, je, alpha, beta); break;
                case 2: row_tiles<W, 2, 4>(ai, b, ci, ldc, k, jb, je, alpha, beta); break;
                case 3: row_tiles<W, 3, 3>(ai, b, ci, ldc, k, jb, je, alpha, beta); break;
                default: row_tiles<W, 4, 3>(ai, b, ci, ldc, k, jb, je, alpha, beta); break;
            }
        }
    }
}

}  // namespace lmh::kernels::dot_avx2
