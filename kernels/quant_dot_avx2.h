// The acts=q8 matmul of matmul_quant.h in AVX2 (+FMA, F16C): shared by matmul_q{8,4}_0_simd
// and matmul_q{8,4}_0_tbb_simd. Include only from *_avx2.cpp files (compiled with -mavx2 -mfma
// -mf16c) and call only after cpu_supports(CpuNeed::avx2).
//
// One block of one output: 32 int8 activations x and 32 int8 weights w (q4_0 nibbles minus 8)
// give an exact int32 dot product, as ggml's mul_sum_i8_pairs_float does: _mm256_maddubs_epi16
// multiplies unsigned by signed bytes, so it is fed |x| and w·sign(x) (no product changes; the
// pairwise int16 sums stay below 2·127·127 = 32258, never saturating, since neither quantizer
// yields −128), then _mm256_madd_epi16 by 1 sums pairs to 8 int32 lanes. Those lanes go to f32
// (exact: |lane| < 2^17) and one FMA adds them, scaled by d_x·d_w, into 8 f32 accumulators;
// the output is their horizontal sum. Every output runs exactly this sequence, whatever m, n,
// its column group or its thread: results are deterministic and batch-invariant.
#pragma once

#include <immintrin.h>

#include <algorithm>
#include <vector>

#include "kernels/matmul_quant.h"

namespace lmh::kernels::quant_avx2 {

// A rows quantized on the stack up to this many blocks (34 KB: a decode row of k <= 32768),
// beyond it in one heap buffer per call.
inline constexpr int kQ8StackBlocks = 1024;
// Output columns per step: 4 weight rows share each loaded activation block.
inline constexpr int kCols = 4;
// Columns per cache group in prefill: their weight rows (16 · k/32 blocks, ~100 KB at k = 5632)
// stay in L2 while every row of A passes them.
inline constexpr int kGroupCols = 16;

inline __m256i weights_i8(const BlockQ8_0& b) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b.qs)); }
inline __m256i weights_i8(const BlockQ4_0& b) {
    const __m128i raw = _mm_loadu_si128(reinterpret_cast<const __m128i*>(b.qs));
    const __m128i m4 = _mm_set1_epi8(0x0F);
    const __m128i lo = _mm_and_si128(raw, m4), hi = _mm_and_si128(_mm_srli_epi16(raw, 4), m4);
    return _mm256_sub_epi8(_mm256_set_m128i(hi, lo), _mm256_set1_epi8(8));  // elements 0..15, 16..31
}

inline __m256 block_dot(__m256i x, __m256i w) {
    const __m256i p16 = _mm256_maddubs_epi16(_mm256_sign_epi8(x, x), _mm256_sign_epi8(w, x));
    return _mm256_cvtepi32_ps(_mm256_madd_epi16(p16, _mm256_set1_epi16(1)));
}

inline float hsum(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

// out[c] = row x · weight row c (N rows, each nb blocks apart), c < N.
template <int N, class Block>
inline void dot_rows(const BlockQ8_0* x, const Block* w, int nb, float* out, int out_stride) {
    __m256 acc[N];
    for (int c = 0; c < N; ++c) acc[c] = _mm256_setzero_ps();
    for (int blk = 0; blk < nb; ++blk) {
        const __m256i xv = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x[blk].qs));
        const float dx = _cvtsh_ss(x[blk].d);
        for (int c = 0; c < N; ++c) {
            const Block& b = w[(long)c * nb + blk];
            acc[c] = _mm256_fmadd_ps(_mm256_set1_ps(dx * _cvtsh_ss(b.d)), block_dot(xv, weights_i8(b)), acc[c]);
        }
    }
    for (int c = 0; c < N; ++c) out[(long)c * out_stride] = hsum(acc[c]);
}

// Outputs c[i][j] for every row i < m and columns j in [j0, j1), from A already quantized (xq:
// m rows of nb blocks).
template <class Block>
void columns(const BlockQ8_0* xq, const Block* b, float* c, int m, int n, int nb, int j0, int j1) {
    for (int g0 = j0; g0 < j1; g0 += kGroupCols) {
        const int g1 = std::min(j1, g0 + kGroupCols);
        for (int i = 0; i < m; ++i) {
            const BlockQ8_0* x = xq + (long)i * nb;
            float* row = c + (long)i * n;
            int j = g0;
            for (; j + kCols <= g1; j += kCols) dot_rows<kCols>(x, b + (long)j * nb, nb, row + j, 1);
            for (; j < g1; ++j) dot_rows<1>(x, b + (long)j * nb, nb, row + j, 1);
        }
    }
}

// Quantizes A's m rows to q8_0 (the reference quantizer: the same blocks on every path) and
// calls body(xq) with them.
template <class Body>
void with_quantized_a(const float* a, int m, int k, Body&& body) {
    const int nb = k / kQuantBlock;
    const long blocks = (long)m * nb;
    BlockQ8_0 stack[kQ8StackBlocks];
    std::vector<BlockQ8_0> heap;
    BlockQ8_0* xq = stack;
    if (blocks > kQ8StackBlocks) {
        heap.resize(static_cast<std::size_t>(blocks));
        xq = heap.data();
    }
    for (int i = 0; i < m; ++i) quantize_row_q8_0(a + (long)i * k, xq + (long)i * nb, static_cast<std::size_t>(k));
    body(static_cast<const BlockQ8_0*>(xq));
}

}  // namespace lmh::kernels::quant_avx2
