// matmul_tbb_simd: the AVX-512 micro-kernels of matmul_simd on disjoint output tiles
// distributed by oneTBB with a static partition, as matmul_tbb does with the blocked code.
// Decode splits n into one contiguous piece of 16-row blocks per thread, sized by
// weight bytes (parallel_policy::kMinGemvTaskBytes); prefill splits C into tiles of 32 columns × all
// rows (384-row pieces beyond 768 rows). Small problems stay
// serial (parallel_policy.h). Tiles are aligned to the register blocks, so results are
// bitwise identical for any thread count.
#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <tbb/partitioner.h>

#include <algorithm>

#include "kernels/matmul.h"
#include "kernels/matmul_tiles.h"
#include "kernels/parallel_policy.h"
#include "kernels/preconditions.h"

namespace lmh::kernels {
void matmul_tbb_simd(const float* a, const float* b, float* c, int m, int n, int k, float alpha, float beta) {
    preconditions::matmul(a, b, c, m, n, k);
    if (m == 1) {
        // Contiguous pieces of whole 16-row blocks, one per thread (static partition), each
        // at least kMinGemvTaskBytes of weights; serial when there are not two such pieces.
        parallel_policy::split_gemv(n, k, matmul_tiles::kAvx512GemvRows, 4, [&](int j0, int j1) {
            matmul_tiles::avx512_gemv(a, b + (long)j0 * k, c + j0, j1 - j0, k, alpha, beta);
        });
        return;
    }
    // The AVX-512 code is ~4x faster than the blocked code, so it needs ~4x more work to
    // be worth splitting.
    const double flop = 2.0 * m * n * k;
    if (flop < 4 * parallel_policy::kMinParallelFlop) {
        matmul_simd(a, b, c, m, n, k, alpha, beta);
        return;
    }
    parallel_policy::split_gemm_tiles(m, n, k, [&](int i0, int j0, int mm, int nn) {
        matmul_tiles::avx512_gemm(a + (long)i0 * k, b + (long)j0 * k, c + (long)i0 * n + j0, n, mm, nn, k, alpha, beta);
    });
}

}  // namespace lmh::kernels
