// Building blocks shared by the attention variants: the whole computation for one
// (query row, head) pair, and the oneTBB driver that distributes such pairs.
#pragma once

#include "kernels/attention.h"

namespace lmh::kernels::attention_rows {

// Computes out for query row r, head h. scores: at least kv_len floats owned by the caller.
using RowFn = void (*)(const AttentionArgs& a, int r, int h, float* scores);

// Portable: visible keys only, 4 keys per step (attention_blocked.cpp).
void blocked(const AttentionArgs& a, int r, int h, float* scores);
// AVX-512: 16 keys per step, vector exp (attention_simd_avx512.cpp). Only after the CPU check.
void avx512(const AttentionArgs& a, int r, int h, float* scores);

// Prefill tiles (attention_tile_avx512.cpp): kTileRows consecutive query rows of one head,
// rows [tile · kTileRows, ...) ∩ [0, seq), computed together; AVX-512 only.
inline constexpr int kTileRows = 16;
void avx512_tile(const AttentionArgs& a, int tile, int h);

// Whether the AVX-512 variants use tiles: prefill (a decode step has one row, and a tile of
// a few rows wastes most of its 16 lanes) with head_dim <= 128 (the tile's stack blocks).
inline bool use_tiles(const AttentionArgs& a) { return a.seq >= 4 && a.head_dim <= 128; }
inline int tile_count(const AttentionArgs& a) { return (a.seq + kTileRows - 1) / kTileRows; }

// Runs row(a, r, h, slot's scratch row) over all (r, h) pairs with oneTBB, one scratch slot
// per worker (attention_tbb.cpp). Serial when the work is small or the slots are too few.
void parallel(const AttentionArgs& a, RowFn row);

// First and last (inclusive) key visible to query row r.
inline void visible_keys(const AttentionArgs& a, int r, int& lo, int& hi) {
    hi = a.pos0 + r;
    lo = a.window > 0 ? hi - a.window + 1 : 0;
    if (lo < 0) lo = 0;
}

}  // namespace lmh::kernels::attention_rows
