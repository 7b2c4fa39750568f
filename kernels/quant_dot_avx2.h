// The acts=q8 matmul of matmul_quant.h in AVX2 (+FMA, F16C): shared by matmul_q{8,4}_0_simd
// and matmul_q{8,4}_0_tbb_simd. Include only from *_avx2.cpp files (compiled with -mavx2 -mfma
// -mf16c) and call only after cpu_supports(CpuNeed::avx2).
//
// One tile: MR rows of A (k/32 int8 blocks x with fp16 scales, quantized once per call) against
// kCols = 4 weight rows, block by block. Per (A row, weight row) pair and block, an exact int32
// dot product of 32 int8 pairs:
//   q8_0: _mm_maddubs_epi16 multiplies unsigned by signed bytes, so it is fed |x| and w·sign(x);
//         pairwise int16 sums stay below 2·127·127 = 32258 (neither quantizer yields −128),
//         then _mm_madd_epi16 by 1 widens them to int32, as ggml's mul_sum_i8_pairs does.
//   q4_0: the nibbles q in [0, 15] are the unsigned operand as they are and x the signed one,
//         so no sign or −8 per pair: Σ(q−8)·x = Σq·x − 8·Σx, with 8·Σx computed once per block
//         of A (Act::sums8). The two half-blocks' int16 sums are added in int16 (each lane at
//         most 4 products of 15·127: 7620), and the 4 weight rows' lanes folded in int16 too
//         (at most 16 products: 30480 < 2^15) before one _mm_madd_epi16 widens all 4.
// The 4 weight rows' block sums are folded by unpack-and-add (sum4: 3 shuffles-and-adds, where
// phaddd costs several micro-ops on Zen) into one int32 vector [r0 r1 r2 r3], converted to f32
// once (exact: |sum| < 2^24) and accumulated by one FMA with the 4 scales d_x·d_w (one
// vcvtph2ps for the 4 weight scales; the product of two fp16 values is exact in f32).
// All of it in 128-bit vectors: on Zen 1 (this kernel's CPU: 128-bit units) a 256-bit op is two
// micro-ops, and halves would cost extra lane crossings; the one multiply pipe (maddubs, madd)
// sets the pace for q8_0, the micro-op count for q4_0.
//
// Decode (m = 1) streams the weights once: a tile reads 4 rows in step, so 3 of the 4 rows the
// next tile starts are cold for the hardware prefetcher (which learns one stream per row);
// the tile therefore prefetches the next tile's rows — one contiguous range — linearly, in
// step with its own progress (4 blocks per block step, about one tile ahead): 1.3-1.6x on
// TinyLlama's ffn GEMVs (lmh_bench_kernels, Zen 1). Prefill (m > 1) takes MR = 4 rows of A
// per tile (then 2, 1), so each weight block is loaded (and, for q4_0, unpacked) once for all
// of them, and column groups of about 16 KB of weight rows stay in L1 while all rows of A pass.
// On Zen 1 the one integer multiply pipe caps q8_0 at 8 products per cycle (maddubs + madd per
// 16 pairs), the f32 FMA peak: quantized prefill cannot be much faster than f32 there.
//
// Batch invariance: an output is one f32 accumulator lane, over the blocks in k order, each
// step fma(d_x·d_w, float(exact int sum), acc) — no horizontal sum at the end. Neither MR, the
// lane, m, the column group nor the thread changes that sequence (a tile of fewer than 4 rows
// repeats its last row in the unused lanes), so results are deterministic and batch-invariant.
#pragma once

#include <immintrin.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "kernels/matmul_quant.h"

namespace lmh::kernels::quant_avx2 {

// Output columns per tile: 4 weight rows share each loaded activation block.
inline constexpr int kCols = 4;
// Rows of A per prefill tile: each weight block loaded (and unpacked) once for all of them;
// the last 1-3 rows take tiles of 2 and 1.
inline constexpr int kRows = 4;
// Weight bytes per column group in prefill: the group's rows stay in L1 while the rows of A
// pass them.
inline constexpr std::size_t kGroupBytes = 16 * 1024;
// Columns per cache group in prefill: their weight rows (16 · k/32 blocks, ~100 KB at k = 5632)
// stay in L2 while every row of A passes them.
inline constexpr int kGroupCols = 16;

// A's rows quantized to q8_0 blocks, with each block's scale as f32 and 8·Σx (q4_0's offset).
using Act = QuantizedActs;

inline __m128i load16(const void* p) { return _mm_loadu_si128(static_cast<const __m128i*>(p)); }

// [Σ v0, Σ v1, Σ v2, Σ v3] of four 4-lane int32 vectors.
inline __m128i sum4_epi32(__m128i v0, __m128i v1, __m128i v2, __m128i v3) {
    const __m128i t01 = _mm_add_epi32(_mm_unpacklo_epi32(v0, v1), _mm_unpackhi_epi32(v0, v1));  // v0 02, v1 02, v0 13, v1 13
    const __m128i t23 = _mm_add_epi32(_mm_unpacklo_epi32(v2, v3), _mm_unpackhi_epi32(v2, v3));
    return _mm_add_epi32(_mm_unpacklo_epi64(t01, t23), _mm_unpackhi_epi64(t01, t23));
}
// The same for four 8-lane int16 vectors (the caller bounds the 4-lane sums below 2^15),
// widened to int32 by one madd.
inline __m128i sum4_epi16(__m128i v0, __m128i v1, __m128i v2, __m128i v3) {
    const __m128i t01 = _mm_add_epi16(_mm_unpacklo_epi32(v0, v1), _mm_unpackhi_epi32(v0, v1));
    const __m128i t23 = _mm_add_epi16(_mm_unpacklo_epi32(v2, v3), _mm_unpackhi_epi32(v2, v3));
    const __m128i u = _mm_add_epi16(_mm_unpacklo_epi64(t01, t23), _mm_unpackhi_epi64(t01, t23));
    return _mm_madd_epi16(u, _mm_set1_epi16(1));
}

// The two formats: an A block in registers (X), a weight block in registers (W), the partial
// sums of one pair (pair) and the 4 weight rows' exact block sums (fold).
struct Q8 {
    using Block = BlockQ8_0;
    struct X {
        __m128i lo, hi, alo, ahi;  // x[0..15], x[16..31] and their absolute values
    };
    struct W {
        __m128i lo, hi;
    };
    static X x(const BlockQ8_0& b) {
        const __m128i lo = load16(b.qs), hi = load16(b.qs + 16);
        return {lo, hi, _mm_sign_epi8(lo, lo), _mm_sign_epi8(hi, hi)};
    }
    static W w(const BlockQ8_0& b) { return {load16(b.qs), load16(b.qs + 16)}; }
    // 4 int32 lanes that sum to Σ w·x over the block.
    static __m128i pair(const W& w, const X& x) {
        const __m128i ones = _mm_set1_epi16(1);
        const __m128i lo = _mm_madd_epi16(_mm_maddubs_epi16(x.alo, _mm_sign_epi8(w.lo, x.lo)), ones);
        const __m128i hi = _mm_madd_epi16(_mm_maddubs_epi16(x.ahi, _mm_sign_epi8(w.hi, x.hi)), ones);
        return _mm_add_epi32(lo, hi);
    }
    static __m128i fold(const __m128i p[kCols], std::int32_t) { return sum4_epi32(p[0], p[1], p[2], p[3]); }
};

struct Q4 {
    using Block = BlockQ4_0;
    struct X {
        __m128i lo, hi;  // x[0..15], x[16..31]
    };
    struct W {
        __m128i lo, hi;  // nibbles of elements 0..15 and 16..31
    };
    static X x(const BlockQ8_0& b) { return {load16(b.qs), load16(b.qs + 16)}; }
    static W w(const BlockQ4_0& b) {
        const __m128i raw = load16(b.qs), m4 = _mm_set1_epi8(0x0F);
        return {_mm_and_si128(raw, m4), _mm_and_si128(_mm_srli_epi16(raw, 4), m4)};
    }
    // 8 int16 lanes that sum to Σ q·x over the block, each at most 4·15·127 = 7620.
    static __m128i pair(const W& w, const X& x) {
        return _mm_add_epi16(_mm_maddubs_epi16(w.lo, x.lo), _mm_maddubs_epi16(w.hi, x.hi));
    }
    static __m128i fold(const __m128i p[kCols], std::int32_t sums8) {
        return _mm_sub_epi32(sum4_epi16(p[0], p[1], p[2], p[3]), _mm_set1_epi32(sums8));
    }
};

template <class B> struct FormatOf;
template <> struct FormatOf<BlockQ8_0> { using type = Q8; };
template <> struct FormatOf<BlockQ4_0> { using type = Q4; };

// The contiguous weight bytes of the next tile's rows, prefetched kCols blocks' worth per block.
struct Prefetch {
    const char* base = nullptr;
    std::size_t bytes = 0;
};

// out[r][c] = A row (row0 + r) · weight row w[c], r < MR, c < kCols.
template <class F, int MR>
inline void tile(const Act& act, int row0, const typename F::Block* const w[kCols], int nb, Prefetch pf,
                 float out[MR][kCols]) {
    constexpr std::size_t step = kCols * sizeof(typename F::Block);
    const BlockQ8_0* xr[MR];
    const float* dx[MR];
    const std::int32_t* s8[MR];
    __m128 acc[MR];
    for (int r = 0; r < MR; ++r) {
        xr[r] = act.blocks + (long)(row0 + r) * nb;
        dx[r] = act.scales + (long)(row0 + r) * nb;
        s8[r] = act.sums8 + (long)(row0 + r) * nb;
        acc[r] = _mm_setzero_ps();
    }
    for (int blk = 0; blk < nb; ++blk) {
        const std::size_t off = (std::size_t)blk * step;
        if (off < pf.bytes)  // lines at off, off + 64, ...: with the next step's, every line of the range
            for (std::size_t line = 0; line < step; line += 64)
                _mm_prefetch(pf.base + std::min(off + line, pf.bytes - 1), _MM_HINT_T0);
        typename F::X x[MR];
        for (int r = 0; r < MR; ++r) x[r] = F::x(xr[r][blk]);
        __m128i p[MR][kCols];
        for (int c = 0; c < kCols; ++c) {
            const typename F::W wv = F::w(w[c][blk]);
            for (int r = 0; r < MR; ++r) p[r][c] = F::pair(wv, x[r]);
        }
        const __m128 dw = _mm_cvtph_ps(_mm_setr_epi16(static_cast<short>(w[0][blk].d), static_cast<short>(w[1][blk].d),
                                                      static_cast<short>(w[2][blk].d), static_cast<short>(w[3][blk].d), 0,
                                                      0, 0, 0));
        for (int r = 0; r < MR; ++r) {
            const __m128i sums = F::fold(p[r], s8[r][blk]);
            acc[r] = _mm_fmadd_ps(_mm_mul_ps(dw, _mm_set1_ps(dx[r][blk])), _mm_cvtepi32_ps(sums), acc[r]);
        }
    }
    for (int r = 0; r < MR; ++r) _mm_storeu_ps(out[r], acc[r]);
}

// Outputs c[i][j] for every row i < m and columns j in [j0, j1), from A already quantized
// (m rows of nb blocks); b is the whole weight matrix of n rows.
template <class Block>
void columns(const Act& act, const Block* b, float* c, int m, int n, int nb, int j0, int j1) {
    using F = typename FormatOf<Block>::type;
    const int group = std::clamp((int)(kGroupBytes / ((std::size_t)nb * sizeof(Block))) / kCols * kCols, kCols, kGroupCols);
    for (int g0 = j0; g0 < j1; g0 += group) {
        const int g1 = std::min(j1, g0 + group);
        for (int i = 0; i < m;) {
            const int rows = m - i >= kRows ? kRows : m - i >= 2 ? 2 : 1;
            for (int j = g0; j < g1; j += kCols) {
                const int cols = std::min(kCols, g1 - j);
                const Block* w[kCols];
                for (int t = 0; t < kCols; ++t) w[t] = b + (long)(j + std::min(t, cols - 1)) * nb;
                const int next = j + kCols, next_rows = std::max(0, std::min(kCols, n - next));
                const Prefetch pf{next_rows > 0 ? reinterpret_cast<const char*>(b + (long)next * nb) : nullptr,
                                  (std::size_t)next_rows * nb * sizeof(Block)};
                float out[kRows][kCols];
                if (rows == kRows) tile<F, kRows>(act, i, w, nb, pf, out);
                else if (rows == 2) tile<F, 2>(act, i, w, nb, pf, out);
                else tile<F, 1>(act, i, w, nb, pf, out);
                for (int r = 0; r < rows; ++r) std::copy(out[r], out[r] + cols, c + (long)(i + r) * n + j);
            }
            i += rows;
        }
    }
}

}  // namespace lmh::kernels::quant_avx2
