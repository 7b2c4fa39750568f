// matmul_tbb: the blocked code (matmul_blocked.cpp) on disjoint output tiles distributed by
// oneTBB with a static partition. Decode (m == 1) splits the n outputs into tiles of B rows;
// prefill splits rows × columns of C into 64 × 64 tiles. Small problems stay serial (see
// parallel_policy.h). Tiles are aligned to the register block, and each output is computed
// exactly as the serial code computes it, so results are bitwise identical for any thread count.
#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <tbb/partitioner.h>

#include <algorithm>

#include "kernels/matmul.h"
#include "kernels/matmul_tiles.h"
#include "kernels/parallel_policy.h"
#include "kernels/preconditions.h"

namespace lmh::kernels {
namespace {
constexpr int kGemvTile = 64;  // B rows per decode tile (multiple of kBlockedGemvRows)
constexpr int kTileM = 64;     // multiple of kBlockedMr
constexpr int kTileN = 64;     // multiple of kBlockedNr
static_assert(kGemvTile % matmul_tiles::kBlockedGemvRows == 0);
static_assert(kTileM % matmul_tiles::kBlockedMr == 0 && kTileN % matmul_tiles::kBlockedNr == 0);
}  // namespace

void matmul_tbb(const float* a, const float* b, float* c, int m, int n, int k, float alpha, float beta) {
    preconditions::matmul(a, b, c, m, n, k);
    const double flop = 2.0 * m * n * k;
    if (flop < parallel_policy::kMinParallelFlop) {
        matmul_blocked(a, b, c, m, n, k, alpha, beta);
        return;
    }
    if (m == 1) {
        // Split by flops (kMinParallelFlop above), not by weight bytes as the AVX-512 GEMVs are.
        parallel_policy::split_gemv_rows(n, kGemvTile, parallel_policy::grain_for(2.0 * kGemvTile * k),
                                         [&](int j0, int j1) {
                                             matmul_tiles::blocked_gemv(a, b + (long)j0 * k, c + j0, j1 - j0, k, alpha, beta);
                                         });
        return;
    }
    const int tiles_m = (m + kTileM - 1) / kTileM, tiles_n = (n + kTileN - 1) / kTileN;
    const int grain = parallel_policy::grain_for(2.0 * kTileM * kTileN * k);
    // Tile t covers rows of tile t / tiles_n and columns of tile t % tiles_n: consecutive
    // tiles of one task share the same A rows.
    tbb::parallel_for(
        tbb::blocked_range<int>(0, tiles_m * tiles_n, grain),
        [&](const tbb::blocked_range<int>& r) {
            for (int t = r.begin(); t < r.end(); ++t) {
                const int i0 = (t / tiles_n) * kTileM, j0 = (t % tiles_n) * kTileN;
                const int mm = std::min(kTileM, m - i0), nn = std::min(kTileN, n - j0);
                matmul_tiles::blocked_gemm(a + (long)i0 * k, b + (long)j0 * k, c + (long)i0 * n + j0, n, mm,
                                           nn, k, alpha, beta);
            }
        },
        tbb::static_partitioner{});
}

}  // namespace lmh::kernels
