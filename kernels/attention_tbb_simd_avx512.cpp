// attention_tbb_simd: decode rows are the AVX-512 row code of attention_simd over (query row,
// head) pairs, distributed by the same oneTBB driver as attention_tbb (per-thread scratch
// slots, static partition, serial for small work). Prefill is split into whole
// (16-row tile, head) units, never inside a tile, so every row is computed by the same
// instructions whichever thread gets it.
#include "kernels/attention.h"
#include "kernels/attention_rows.h"
#include "kernels/parallel_policy.h"
#include "kernels/preconditions.h"

namespace lmh::kernels {

void attention_tbb_simd(const AttentionArgs& a) {
    preconditions::attention(a);
    using namespace attention_rows;
    if (!use_tiles(a)) {
        parallel(a, avx512);
        return;
    }
    const int tiles = tile_count(a);
    const double mean_keys = a.window > 0 ? a.window : a.pos0 + (a.seq + 1) / 2.0;
    const double unit_flop = 4.0 * a.head_dim * kTileRows * mean_keys;
    // Head-major, and within a head the tiles in the order 0, n-1, 1, n-2, ...: causal tiles
    // grow with their index, so a contiguous piece of the static partition gets cheap and
    // dear tiles alike.
    parallel_policy::split_units(a.n_heads * tiles, unit_flop, [&](int begin, int end) {
        for (int u = begin; u < end; ++u) {
            const int k = u % tiles;
            avx512_tile(a, k % 2 == 0 ? k / 2 : tiles - 1 - k / 2, u / tiles);
        }
    });
}

}  // namespace lmh::kernels
