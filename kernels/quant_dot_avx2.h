// The acts=q8 matmul of matmul_quant.h in AVX2 (+FMA, F16C): shared by matmul_q{8,4}_0_simd
// and matmul_q{8,4}_0_tbb_simd. Include only from *_avx2.cpp files (compiled with -mavx2 -mfma
// -mf16c) and call only after cpu_supports(CpuNeed::avx2).
//
// One step: one row of A (k/32 int8 blocks x with fp16 scales) against 4 weight rows, block
// by block. Per weight row and block, an exact int32 dot product of 32 int8 pairs, split in
// its two halves (elements 0..15 and 16..31):
//   q8_0: _mm256_maddubs_epi16 multiplies unsigned by signed bytes, so it is fed |x| (once per
//         block, shared by the 4 rows) and w·sign(x); pairwise int16 sums stay below
//         2·127·127 = 32258 (neither quantizer yields −128), then _mm256_madd_epi16 by 1 sums
//         pairs to int32, as ggml's mul_sum_i8_pairs_float does.
//   q4_0: the nibbles q in [0, 15] are the unsigned operand as they are and x the signed one,
//         so no sign or −8 per row: Σ(q−8)·x = Σq·x − 8·Σx, and 8·Σx of each half-block is
//         computed once per row of A (Act::sums8). The int16 sums stay small (8 products of
//         15·127 = 15240 after two pairwise adds), so the 4 rows' sums are folded in int16 by
//         _mm256_hadd_epi16 and widened by one _mm256_madd_epi16 for all 4 rows.
// The 4 rows' 8 half-block sums are folded (hadd) into one vector [r0 r1 r2 r3 | r0 r1 r2 r3]
// (low half: elements 0..15, high half: 16..31), converted to f32 once (exact: |sum| < 2^24)
// and added by one FMA with the 4 rows' scales d_x·d_w (one vcvtph2ps for 4 weight scales).
// On this kernel's CPU (Zen 1, 128-bit units) the integer multiplies and the per-block float
// work set the pace: next to one row at a time (ggml's loop), this removes 3 of 4 conversions
// and FMAs, and for q4_0 the sign, the −8 and 3 of 4 widening multiplies.
//
// Every output's arithmetic is the same lane sequence whatever its lane, m, n, its column
// group or its thread (a group of fewer than 4 rows repeats its last row in the unused lanes),
// so results are deterministic and batch-invariant; the last step adds the two halves.
#pragma once

#include <immintrin.h>

#include <algorithm>
#include <cstdint>
#include <vector>

#include "kernels/matmul_quant.h"

namespace lmh::kernels::quant_avx2 {

// A rows quantized on the stack up to this many blocks (34 + 8 bytes each, 42 KB: a decode
// row of k <= 32768), beyond it in one heap buffer per call.
inline constexpr int kQ8StackBlocks = 1024;
// Output columns per step: 4 weight rows share each loaded activation block.
inline constexpr int kCols = 4;
// Columns per cache group in prefill: their weight rows (16 · k/32 blocks, ~100 KB at k = 5632)
// stay in L2 while every row of A passes them.
inline constexpr int kGroupCols = 16;

// A's rows quantized to q8_0 blocks, with 8·Σx of each half-block (q4_0's offset term).
struct Act {
    const BlockQ8_0* blocks;
    const std::int32_t* sums8;  // 2 per block: 8·Σ x[0..15], 8·Σ x[16..31]
};

inline float scale(const BlockQ8_0& x) { return _cvtsh_ss(x.d); }

// The 4 rows' int32 block sums, [r0 r1 r2 r3 | r0 r1 r2 r3] by half-block.
inline __m256i block_sums(__m256i xv, const BlockQ8_0* const w[kCols], int blk, const std::int32_t*) {
    const __m256i ax = _mm256_sign_epi8(xv, xv), ones = _mm256_set1_epi16(1);
    __m256i s[kCols];
    for (int c = 0; c < kCols; ++c) {
        const __m256i wv = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w[c][blk].qs));
        s[c] = _mm256_madd_epi16(_mm256_maddubs_epi16(ax, _mm256_sign_epi8(wv, xv)), ones);
    }
    return _mm256_hadd_epi32(_mm256_hadd_epi32(s[0], s[1]), _mm256_hadd_epi32(s[2], s[3]));
}
inline __m256i block_sums(__m256i xv, const BlockQ4_0* const w[kCols], int blk, const std::int32_t* sums8) {
    const __m256i m4 = _mm256_set1_epi8(0x0F);
    __m256i p[kCols];
    for (int c = 0; c < kCols; ++c) {
        const __m128i raw = _mm_loadu_si128(reinterpret_cast<const __m128i*>(w[c][blk].qs));
        const __m256i q = _mm256_and_si256(_mm256_set_m128i(_mm_srli_epi16(raw, 4), raw), m4);  // elements 0..15 | 16..31
        p[c] = _mm256_maddubs_epi16(q, xv);
    }
    const __m256i folded = _mm256_hadd_epi16(_mm256_hadd_epi16(p[0], p[1]), _mm256_hadd_epi16(p[2], p[3]));
    const __m256i offset = _mm256_set_m128i(_mm_set1_epi32(sums8[2 * blk + 1]), _mm_set1_epi32(sums8[2 * blk]));
    return _mm256_sub_epi32(_mm256_madd_epi16(folded, _mm256_set1_epi16(1)), offset);
}

// out[c] = row x · weight row w[c], c < kCols.
template <class Block>
inline void dot_rows(const BlockQ8_0* x, const std::int32_t* sums8, const Block* const w[kCols], int nb, float* out) {
    __m256 acc = _mm256_setzero_ps();
    for (int blk = 0; blk < nb; ++blk) {
        const __m256i xv = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x[blk].qs));
        const __m256i sums = block_sums(xv, w, blk, sums8);
        const __m128i dw = _mm_setr_epi16(static_cast<short>(w[0][blk].d), static_cast<short>(w[1][blk].d),
                                          static_cast<short>(w[2][blk].d), static_cast<short>(w[3][blk].d), 0, 0, 0, 0);
        const __m128 d = _mm_mul_ps(_mm_cvtph_ps(dw), _mm_set1_ps(scale(x[blk])));
        acc = _mm256_fmadd_ps(_mm256_set_m128(d, d), _mm256_cvtepi32_ps(sums), acc);
    }
    _mm_storeu_ps(out, _mm_add_ps(_mm256_castps256_ps128(acc), _mm256_extractf128_ps(acc, 1)));
}

// Outputs c[i][j] for every row i < m and columns j in [j0, j1), from A already quantized
// (m rows of nb blocks).
template <class Block>
void columns(const Act& xq, const Block* b, float* c, int m, int n, int nb, int j0, int j1) {
    for (int g0 = j0; g0 < j1; g0 += kGroupCols) {
        const int g1 = std::min(j1, g0 + kGroupCols);
        for (int i = 0; i < m; ++i) {
            const BlockQ8_0* x = xq.blocks + (long)i * nb;
            const std::int32_t* sums8 = xq.sums8 + 2L * i * nb;
            float* row = c + (long)i * n;
            for (int j = g0; j < g1; j += kCols) {
                const int cols = std::min(kCols, g1 - j);
                const Block* w[kCols];
                for (int t = 0; t < kCols; ++t) w[t] = b + (long)(j + std::min(t, cols - 1)) * nb;
                float out[kCols];
                dot_rows(x, sums8, w, nb, out);
                std::copy(out, out + cols, row + j);
            }
        }
    }
}

// Quantizes A's m rows to q8_0 (the reference quantizer: the same blocks on every path), sums
// their half-blocks, and calls body(act) with them.
template <class Body>
void with_quantized_a(const float* a, int m, int k, Body&& body) {
    const int nb = k / kQuantBlock;
    const long blocks = (long)m * nb;
    BlockQ8_0 stack[kQ8StackBlocks];
    std::int32_t stack_sums[2 * kQ8StackBlocks];
    std::vector<BlockQ8_0> heap;
    std::vector<std::int32_t> heap_sums;
    BlockQ8_0* xq = stack;
    std::int32_t* sums8 = stack_sums;
    if (blocks > kQ8StackBlocks) {
        heap.resize(static_cast<std::size_t>(blocks));
        heap_sums.resize(2 * static_cast<std::size_t>(blocks));
        xq = heap.data();
        sums8 = heap_sums.data();
    }
    for (int i = 0; i < m; ++i) quantize_row_q8_0(a + (long)i * k, xq + (long)i * nb, static_cast<std::size_t>(k));
    for (long blk = 0; blk < blocks; ++blk)
        for (int h = 0; h < 2; ++h) {
            std::int32_t s = 0;
            for (int t = 0; t < kQuantBlock / 2; ++t) s += xq[blk].qs[16 * h + t];
            sums8[2 * blk + h] = 8 * s;
        }
    body(Act{xq, sums8});
}

}  // namespace lmh::kernels::quant_avx2
