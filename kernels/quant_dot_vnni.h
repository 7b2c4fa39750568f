// The acts=q8 matmul of matmul_quant.h with AVX-512 VNNI (vpdpbusd): shared by
// matmul_q{8,4}_0_simd and _tbb_simd's AVX-512 VNNI rows. Include only from *_avx512vnni.cpp
// files and call only after cpu_supports(CpuNeed::avx512_vnni).
//
// Why a repack: vpdpbusd adds 4 products of unsigned × signed bytes into each int32 lane. With
// the checkpoint layout (one weight row's block contiguous) a lane would hold a quarter-row's
// partial sum and every block would need a horizontal sum per (A row, weight row) pair, which
// costs more than the products. So 16 weight rows at a time are interleaved: packed vector t of
// a block holds, in lane j, bytes 4t..4t+3 of weight row j's block. One A block's 4 bytes
// broadcast to all lanes, and 8 vpdpbusd later lane j holds the exact int32 dot product of the
// block with weight row j: 16 outputs per block with no reduction, then one conversion and one
// FMA for all 16. The repack (loads and transposes) is made kChunk blocks at a time (18 KB), and
// is used by every row of A before the next chunk: at m >= kMinRows its cost is a small share.
//
// The arithmetic is the AVX2 code's (quant_dot_avx2.h), so the outputs are bitwise the same:
// each block's sum is exact, then acc = fma(d_w·d_x, float(sum), acc) over the blocks in k
// order from 0 (a chunk's partial accumulator is kept in C between chunks, exactly). So decode
// (m < kMinRows, no pack: the decode tiles below) gives the same bits as prefill, and the rows
// are deterministic and batch-invariant.
//   q8_0: the weights are signed; vpdpbusd wants one unsigned operand, so the pack stores
//         w + 128 (w xor 0x80): Σ (w + 128)·x = Σ w·x + 128·Σ x, and 128·Σx = 16 · sums8.
//   q4_0: the nibbles q in [0, 15] are unsigned as they are: Σ q·x − 8·Σx, with sums8 = 8·Σx.
#pragma once

#include <immintrin.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "kernels/matmul_quant.h"

namespace lmh::kernels::quant_vnni {

inline constexpr int kCols = 16;   // weight rows per group: one zmm lane each
inline constexpr int kChunk = 32;  // blocks packed at a time: 32 × (8 + 1) zmm = 18 KB
inline constexpr int kRows = 4;    // rows of A per tile: each packed vector loaded once for all
inline constexpr int kMinRows = 4; // fewer rows of A: the AVX2 code (the pack would dominate)

struct Packed {
    __m512i q[kChunk][8];  // q[b][t] lane j: bytes 4t..4t+3 of weight row j, block b (unsigned)
    __m512 d[kChunk];      // d[b] lane j: weight row j's block scale
};

inline std::int32_t load_i32(const void* p) {
    std::int32_t v;
    std::memcpy(&v, p, sizeof v);
    return v;
}

// A block's quant bytes of the 16 rows, transposed by dwords: q[t] lane j = bytes 4t..4t+3 of
// row j (loads and in-register transposes: a gather per packed vector took ~23 cycles on Zen 4,
// a quarter of a 64-row prefill's time).
template <class Block> struct Format;
template <> struct Format<BlockQ8_0> {
    // Σ x·w = vpdpbusd sum − 16·sums8 (sums8 = 8·Σx).
    static constexpr int kOffsetTimesSums8 = 16;
    static void pack(const BlockQ8_0* const row[kCols], long blk, __m512i q[8]) {
        // v[i]: row i's 8 dwords in the low 256 bits, row i + 8's in the high ones; then an 8x8
        // dword transpose within each half.
        __m512i v[8], t[8], u[8];
        for (int i = 0; i < 8; ++i)
            v[i] = _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(row[i][blk].qs))),
                                      _mm256_loadu_si256(reinterpret_cast<const __m256i*>(row[i + 8][blk].qs)), 1);
        for (int i = 0; i < 8; i += 2) {
            t[i] = _mm512_unpacklo_epi32(v[i], v[i + 1]);
            t[i + 1] = _mm512_unpackhi_epi32(v[i], v[i + 1]);
        }
        for (int i = 0; i < 8; i += 4) {
            u[i] = _mm512_unpacklo_epi64(t[i], t[i + 2]);
            u[i + 1] = _mm512_unpackhi_epi64(t[i], t[i + 2]);
            u[i + 2] = _mm512_unpacklo_epi64(t[i + 1], t[i + 3]);
            u[i + 3] = _mm512_unpackhi_epi64(t[i + 1], t[i + 3]);
        }
        // u[c] (c < 4) holds dwords c and c + 4 of rows 0-3 in its 128-bit lanes 0 and 1 (and of
        // rows 8-11 in lanes 2, 3); u[c + 4] the same for rows 4-7 and 12-15.
        const __m512i lo = _mm512_setr_epi64(0, 1, 8, 9, 4, 5, 12, 13), hi = _mm512_setr_epi64(2, 3, 10, 11, 6, 7, 14, 15);
        const __m512i flip = _mm512_set1_epi32(static_cast<int>(0x80808080u));
        for (int c = 0; c < 4; ++c) {
            q[c] = _mm512_xor_si512(_mm512_permutex2var_epi64(u[c], lo, u[c + 4]), flip);
            q[c + 4] = _mm512_xor_si512(_mm512_permutex2var_epi64(u[c], hi, u[c + 4]), flip);
        }
    }
};
template <> struct Format<BlockQ4_0> {
    static constexpr int kOffsetTimesSums8 = 1;
    static void pack(const BlockQ4_0* const row[kCols], long blk, __m512i q[8]) {
        // v[i] 128-bit lane L: row i + 4L's 16 bytes; then a 4x4 dword transpose within lanes.
        __m512i v[4];
        for (int i = 0; i < 4; ++i) {
            __m512i x = _mm512_castsi128_si512(_mm_loadu_si128(reinterpret_cast<const __m128i*>(row[i][blk].qs)));
            x = _mm512_inserti32x4(x, _mm_loadu_si128(reinterpret_cast<const __m128i*>(row[i + 4][blk].qs)), 1);
            x = _mm512_inserti32x4(x, _mm_loadu_si128(reinterpret_cast<const __m128i*>(row[i + 8][blk].qs)), 2);
            v[i] = _mm512_inserti32x4(x, _mm_loadu_si128(reinterpret_cast<const __m128i*>(row[i + 12][blk].qs)), 3);
        }
        const __m512i t0 = _mm512_unpacklo_epi32(v[0], v[1]), t1 = _mm512_unpackhi_epi32(v[0], v[1]);
        const __m512i t2 = _mm512_unpacklo_epi32(v[2], v[3]), t3 = _mm512_unpackhi_epi32(v[2], v[3]);
        const __m512i g[4] = {_mm512_unpacklo_epi64(t0, t2), _mm512_unpackhi_epi64(t0, t2), _mm512_unpacklo_epi64(t1, t3),
                              _mm512_unpackhi_epi64(t1, t3)};
        const __m512i m4 = _mm512_set1_epi8(0x0F);
        for (int u = 0; u < 4; ++u) {
            q[u] = _mm512_and_si512(g[u], m4);                             // elements 4u..4u+3
            q[u + 4] = _mm512_and_si512(_mm512_srli_epi32(g[u], 4), m4);  // elements 16+4u..16+4u+3
        }
    }
};

// Packs blocks [blk0, blk0 + nblk) of weight rows [j0, j0 + cols) (cols <= 16; the last row
// repeats in unused lanes, whose outputs are never stored).
template <class Block>
void pack(const Block* b, int nb, int j0, int cols, int blk0, int nblk, Packed& p) {
    const Block* row[kCols];
    alignas(64) std::int32_t off[kCols];
    for (int j = 0; j < kCols; ++j) {
        row[j] = b + (long)(j0 + std::min(j, cols - 1)) * nb;
        off[j] = static_cast<std::int32_t>((long)std::min(j, cols - 1) * nb * (long)sizeof(Block));
    }
    const __m512i idx = _mm512_load_si512(off);
    for (int bl = 0; bl < nblk; ++bl) {
        Format<Block>::pack(row, blk0 + bl, p.q[bl]);
        // The scale and the first two quant bytes as one dword; the low half is the fp16 scale.
        const char* base = reinterpret_cast<const char*>(b + (long)j0 * nb + blk0 + bl);
        const __m512i dq = _mm512_i32gather_epi32(idx, base + offsetof(Block, d), 1);
        p.d[bl] = _mm512_cvtph_ps(_mm512_cvtepi32_epi16(dq));
    }
}

// C[row0 + r][j0 .. j0+cols) for r < MR over the packed chunk: from 0 at the first chunk, else
// continuing the partial sums C holds.
template <class Block, int MR>
inline void tile(const QuantizedActs& act, int nb, int row0, int blk0, int nblk, const Packed& p, float* c, int n,
                 int j0, __mmask16 cols_mask, bool first) {
    __m512 acc[MR];
    for (int r = 0; r < MR; ++r)
        acc[r] = first ? _mm512_setzero_ps() : _mm512_maskz_loadu_ps(cols_mask, c + (long)(row0 + r) * n + j0);
    for (int bl = 0; bl < nblk; ++bl) {
        const long at = (long)row0 * nb + blk0 + bl;
        // C independent vpdpbusd chains per row, so that few rows (decode) are not bound by
        // the instruction's latency; integer sums are exact, so their order is free.
        constexpr int C = MR >= 4 ? 1 : MR == 2 ? 2 : 4;
        __m512i sum[MR][C];
        for (int r = 0; r < MR; ++r)
            for (int u = 0; u < C; ++u) sum[r][u] = _mm512_setzero_si512();
        for (int t = 0; t < 8; ++t) {
            const __m512i w = _mm512_load_si512(&p.q[bl][t]);
            for (int r = 0; r < MR; ++r)
                sum[r][t % C] = _mm512_dpbusd_epi32(sum[r][t % C], w, _mm512_set1_epi32(load_i32(act.blocks[at + (long)r * nb].qs + 4 * t)));
        }
        for (int r = 0; r < MR; ++r) {
            const long ar = at + (long)r * nb;
            __m512i total = sum[r][0];
            for (int u = 1; u < C; ++u) total = _mm512_add_epi32(total, sum[r][u]);
            const __m512i exact = _mm512_sub_epi32(total, _mm512_set1_epi32(Format<Block>::kOffsetTimesSums8 * act.sums8[ar]));
            acc[r] = _mm512_fmadd_ps(_mm512_mul_ps(p.d[bl], _mm512_set1_ps(act.scales[ar])), _mm512_cvtepi32_ps(exact), acc[r]);
        }
    }
    for (int r = 0; r < MR; ++r) _mm512_mask_storeu_ps(c + (long)(row0 + r) * n + j0, cols_mask, acc[r]);
}

// Outputs c[i][j] for every row i < m and columns j in [j0, j1), from A already quantized.
template <class Block>
void columns(const QuantizedActs& act, const Block* b, float* c, int m, int n, int nb, int j0, int j1) {
    alignas(64) Packed p;
    for (int g = j0; g < j1; g += kCols) {
        const int cols = std::min(kCols, j1 - g);
        const __mmask16 mask = static_cast<__mmask16>((1u << cols) - 1u);
        for (int blk0 = 0; blk0 < nb; blk0 += kChunk) {
            const int nblk = std::min(kChunk, nb - blk0);
            pack(b, nb, g, cols, blk0, nblk, p);
            for (int i = 0; i < m;) {
                const int rows = m - i >= kRows ? kRows : m - i >= 2 ? 2 : 1;
                if (rows == kRows) tile<Block, kRows>(act, nb, i, blk0, nblk, p, c, n, g, mask, blk0 == 0);
                else if (rows == 2) tile<Block, 2>(act, nb, i, blk0, nblk, p, c, n, g, mask, blk0 == 0);
                else tile<Block, 1>(act, nb, i, blk0, nblk, p, c, n, g, mask, blk0 == 0);
                i += rows;
            }
        }
    }
}

// ---- Decode (m < kMinRows): no pack, 4 weight rows per tile in 256-bit vectors ----------
// Per weight row and block one vpdpbusd of 32 byte pairs leaves 8 int32 lanes; the 4 rows'
// vectors are folded by unpack-and-add into the 4 exact block sums, converted once and
// accumulated by one FMA with the 4 scale products: per output the AVX2 rows' sequence
// (quant_dot_avx2.h), so the same bits, in about half the instructions of their 128-bit code
// (written for Zen 1's 128-bit units). The next tile's rows are prefetched in step, as there.
// 8 rows per tile (one 256-bit FMA) was measured slower from DRAM on Zen 4 (q8_0 TinyLlama
// decode 0.93x the AVX2 rows, bench --ab): more streams at once than the prefetch keeps up with.
inline constexpr int kDecCols = 4;

template <class Block> struct DecodeFormat;
template <> struct DecodeFormat<BlockQ8_0> {
    static __m256i dot(const BlockQ8_0& w, __m256i x) {
        const __m256i u = _mm256_xor_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(w.qs)), _mm256_set1_epi8(static_cast<char>(0x80)));
        return _mm256_dpbusd_epi32(_mm256_setzero_si256(), u, x);
    }
};
template <> struct DecodeFormat<BlockQ4_0> {
    static __m256i dot(const BlockQ4_0& w, __m256i x) {
        const __m128i raw = _mm_loadu_si128(reinterpret_cast<const __m128i*>(w.qs)), m4 = _mm_set1_epi8(0x0F);
        const __m256i q = _mm256_set_m128i(_mm_and_si128(_mm_srli_epi16(raw, 4), m4), _mm_and_si128(raw, m4));
        return _mm256_dpbusd_epi32(_mm256_setzero_si256(), q, x);
    }
};

// [Σ v0, ..., Σ v3] of four 8-lane int32 vectors.
inline __m128i sum4_epi32(const __m256i v[4]) {
    const __m256i t0 = _mm256_add_epi32(_mm256_unpacklo_epi32(v[0], v[1]), _mm256_unpackhi_epi32(v[0], v[1]));
    const __m256i t1 = _mm256_add_epi32(_mm256_unpacklo_epi32(v[2], v[3]), _mm256_unpackhi_epi32(v[2], v[3]));
    const __m256i u = _mm256_add_epi32(_mm256_unpacklo_epi64(t0, t1), _mm256_unpackhi_epi64(t0, t1));
    return _mm_add_epi32(_mm256_castsi256_si128(u), _mm256_extracti128_si256(u, 1));
}

// C[row][j0 .. j1) for A row `row` (already quantized), kDecCols weight rows per tile.
template <class Block>
void decode_row(const QuantizedActs& act, const Block* b, float* c, int n, int nb, int row, int j0, int j1) {
    constexpr int R = kDecCols;
    const BlockQ8_0* xr = act.blocks + (long)row * nb;
    const float* dx = act.scales + (long)row * nb;
    const std::int32_t* s8 = act.sums8 + (long)row * nb;
    constexpr std::size_t step = R * sizeof(Block);
    for (int j = j0; j < j1; j += R) {
        const int cols = std::min(R, j1 - j);
        const Block* w[R];
        for (int t = 0; t < R; ++t) w[t] = b + (long)(j + std::min(t, cols - 1)) * nb;
        const int next_rows = std::max(0, std::min(R, n - (j + R)));
        const char* pf = reinterpret_cast<const char*>(b + (long)(j + R) * nb);
        const std::size_t pf_bytes = (std::size_t)next_rows * nb * sizeof(Block);
        __m128 acc = _mm_setzero_ps();
        for (int blk = 0; blk < nb; ++blk) {
            const std::size_t off = (std::size_t)blk * step;
            if (off < pf_bytes)
                for (std::size_t line = 0; line < step; line += 64) _mm_prefetch(pf + std::min(off + line, pf_bytes - 1), _MM_HINT_T0);
            const __m256i x = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(xr[blk].qs));
            __m256i p[R];
            for (int t = 0; t < R; ++t) p[t] = DecodeFormat<Block>::dot(w[t][blk], x);
            const __m128i exact = _mm_sub_epi32(sum4_epi32(p), _mm_set1_epi32(Format<Block>::kOffsetTimesSums8 * s8[blk]));
            const __m128 dw = _mm_cvtph_ps(_mm_setr_epi16(static_cast<short>(w[0][blk].d), static_cast<short>(w[1][blk].d),
                                                          static_cast<short>(w[2][blk].d), static_cast<short>(w[3][blk].d), 0, 0, 0, 0));
            acc = _mm_fmadd_ps(_mm_mul_ps(dw, _mm_set1_ps(dx[blk])), _mm_cvtepi32_ps(exact), acc);
        }
        _mm_mask_storeu_ps(c + (long)row * n + j, static_cast<__mmask8>((1u << cols) - 1u), acc);
    }
}

// Outputs c[i][j] for every row i < m and columns j in [j0, j1): the decode tiles for
// m < kMinRows, else the packed prefill. Bitwise the AVX2 rows' either way.
template <class Block>
void any_columns(const QuantizedActs& act, const Block* b, float* c, int m, int n, int nb, int j0, int j1) {
    if (m >= kMinRows) {
        columns(act, b, c, m, n, nb, j0, j1);
        return;
    }
    for (int i = 0; i < m; ++i) decode_row(act, b, c, n, nb, i, j0, j1);
}

}  // namespace lmh::kernels::quant_vnni
