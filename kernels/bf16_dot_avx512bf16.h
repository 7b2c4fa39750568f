// The acts=bf16 prefill of matmul_bf16.h with AVX512-BF16 (vdpbf16ps): shared by
// matmul_bf16xbf16_simd / _tbb_simd's AVX512-BF16 rows. Include only from *_avx512bf16.cpp
// files and call only after cpu_supports(CpuNeed::avx512_bf16).
//
// vdpbf16ps adds, to each f32 lane, the two products of a lane's pair of bf16 values (each
// product exact in f32, each addition rounded; denormals flushed). As for VNNI
// (quant_dot_vnni.h), a lane should own one output: 16 weight rows are packed so that packed
// vector t holds, in lane j, the pair (2t, 2t+1) of weight row j, and A's pair t is broadcast.
// One instruction then advances 16 outputs by two products, with no horizontal sums; 8 rows of
// A per tile share each packed vector and hide the instruction's latency (8 chains). The pack
// (loads and 16x16 transposes) is made kChunk pairs at a time (16 KB, in L1) and used by every
// row of A before the next chunk; a chunk's partial sums wait in C. Per output the order is
// fixed (pairs in k order, from 0), whatever the tile, m >= kMinRows or the thread:
// deterministic.
#pragma once

#include <immintrin.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <vector>

#include "kernels/bf16.h"
#include "kernels/simd_math_avx512.h"

namespace lmh::kernels::bf16_dot {

inline constexpr int kCols = 16;    // weight rows per group: one zmm lane each
inline constexpr int kChunk = 256;  // pairs packed at a time: 256 zmm = 16 KB
inline constexpr int kRows = 8;     // rows of A per tile
inline constexpr int kMinRows = 4;  // fewer rows of A (decode): the AVX2 rows' code
inline constexpr long kStackValues = 16384;  // A's bf16 values on the stack up to 32 KB

inline std::int32_t load_pair(const std::uint16_t* p) {
    std::int32_t v;
    std::memcpy(&v, p, sizeof v);
    return v;
}

// C[row0 + r][j0 .. j0+16) (masked by cols) for r < MR over pairs [t0, t0 + nt) of the pack;
// a: A's rows as bf16 (stride k).
template <int MR>
inline void tile(const std::uint16_t* a, int k, int row0, int t0, int nt, const __m512i* packed, float* c, int n,
                 int j0, __mmask16 cols, bool first) {
    __m512 acc[MR];
    for (int r = 0; r < MR; ++r)
        acc[r] = first ? _mm512_setzero_ps() : _mm512_maskz_loadu_ps(cols, c + (long)(row0 + r) * n + j0);
    const std::uint16_t* ar = a + (long)row0 * k + 2L * t0;
    for (int t = 0; t < nt; ++t) {
        const __m512bh w = (__m512bh)_mm512_load_si512(packed + t);
        for (int r = 0; r < MR; ++r)
            acc[r] = _mm512_dpbf16_ps(acc[r], w, (__m512bh)_mm512_set1_epi32(load_pair(ar + (long)r * k + 2 * t)));
    }
    for (int r = 0; r < MR; ++r) _mm512_mask_storeu_ps(c + (long)(row0 + r) * n + j0, cols, acc[r]);
}

// Outputs c[i][j], i < m, j in [j0, j1), from A rounded to bf16 (m rows of k, k even) and the
// bf16 weights b (n rows of k).
inline void columns(const std::uint16_t* a, const std::uint16_t* b, float* c, int m, int n, int k, int j0, int j1) {
    alignas(64) __m512i packed[kChunk];
    const int pairs = k / 2;
    for (int g = j0; g < j1; g += kCols) {
        const int cols = std::min(kCols, j1 - g);
        const __mmask16 mask = static_cast<__mmask16>((1u << cols) - 1u);
        const std::uint16_t* row[kCols];
        for (int j = 0; j < kCols; ++j) row[j] = b + (long)(g + std::min(j, cols - 1)) * k;
        for (int t0 = 0; t0 < pairs; t0 += kChunk) {
            const int nt = std::min(kChunk, pairs - t0);
            // 16 pairs of each of the 16 rows, one load per row, transposed: 5 instructions per
            // packed vector where a gather took ~23 cycles on Zen 4 (a third of m = 64's time).
            for (int t = 0; t < nt; t += 16) {
                const __mmask16 m16 = static_cast<__mmask16>(nt - t >= 16 ? 0xFFFFu : (1u << (nt - t)) - 1u);
                __m512 v[16];
                for (int j = 0; j < kCols; ++j) v[j] = _mm512_castsi512_ps(_mm512_maskz_loadu_epi32(m16, row[j] + 2L * (t0 + t)));
                avx512::transpose16(v);
                for (int d = 0; d < 16 && t + d < nt; ++d) packed[t + d] = _mm512_castps_si512(v[d]);
            }
            for (int i = 0; i < m;) {
                const int r = m - i >= 8 ? 8 : m - i >= 4 ? 4 : m - i >= 2 ? 2 : 1;
                if (r == 8) tile<8>(a, k, i, t0, nt, packed, c, n, g, mask, t0 == 0);
                else if (r == 4) tile<4>(a, k, i, t0, nt, packed, c, n, g, mask, t0 == 0);
                else if (r == 2) tile<2>(a, k, i, t0, nt, packed, c, n, g, mask, t0 == 0);
                else tile<1>(a, k, i, t0, nt, packed, c, n, g, mask, t0 == 0);
                i += r;
            }
        }
    }
}

// Calls body(rounded) with A's m rows of k values rounded to bf16 (f32_to_bf16, as every
// acts=bf16 row rounds), on the stack up to kStackValues, else in one heap buffer per call.
template <class Body>
void with_bf16_a(const float* a, int m, int k, Body&& body) {
    const long count = (long)m * k;
    std::uint16_t stack[kStackValues];
    std::vector<std::uint16_t> heap;
    std::uint16_t* out = stack;
    if (count > kStackValues) {
        heap.resize(static_cast<std::size_t>(count));
        out = heap.data();
    }
    for (long i = 0; i < count; ++i) out[i] = f32_to_bf16(a[i]);
    body(static_cast<const std::uint16_t*>(out));
}

}  // namespace lmh::kernels::bf16_dot
