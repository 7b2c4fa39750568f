// matmul_bf16_tbb_simd: the AVX-512 kernels of matmul_bf16_simd on disjoint output tiles
// distributed by oneTBB with a static partition, as matmul_tbb_simd does for f32 weights.
// Small m (the gemv) splits n into one contiguous piece of 16-row blocks per thread, each
// holding at least kMinGemvTaskBytes of bf16 weights (2 bytes each); larger m splits C into
// tiles of 32 columns × all rows (384-row pieces beyond 768 rows), each widening its own B
// panels. Small problems stay serial (parallel_policy.h). The routine is chosen from the
// whole m and every output's instruction sequence is independent of its tile, so results
// are bitwise identical for any thread count.
#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <tbb/partitioner.h>

#include <algorithm>

#include "kernels/matmul_bf16.h"
#include "kernels/matmul_bf16_tiles.h"
#include "kernels/matmul_tiles.h"
#include "kernels/parallel_policy.h"
#include "kernels/preconditions.h"

namespace lmh::kernels {
namespace {
constexpr int kWeightBytes = 2;
}  // namespace

void matmul_bf16_tbb_simd(const float* a, const std::uint16_t* b, float* c, int m, int n, int k) {
    preconditions::matmul(a, b, c, m, n, k);
    if (matmul_tiles::bf16_uses_gemv(m)) {
        // Sized by weight bytes as for m == 1: with up to 8 rows of A the pieces carry more
        // flops per byte, so the same bytes are never too little work.
        parallel_policy::split_gemv(n, k, matmul_tiles::kBf16GemvRows, kWeightBytes, [&](int j0, int j1) {
            matmul_tiles::avx512_bf16_gemv(a, b + (long)j0 * k, c + j0, n, m, j1 - j0, k);
        });
        return;
    }
    // As in matmul_tbb_simd: the AVX-512 code needs ~4x the blocked code's work to be worth
    // splitting.
    const double flop = 2.0 * m * n * k;
    if (flop < 4 * parallel_policy::kMinParallelFlop || parallel_policy::available_threads() < 2) {
        matmul_tiles::avx512_bf16_gemm(a, b, c, n, m, n, k);
        return;
    }
    parallel_policy::split_gemm_tiles(m, n, k, [&](int i0, int j0, int mm, int nn) {
        matmul_tiles::avx512_bf16_gemm(a + (long)i0 * k, b + (long)j0 * k, c + (long)i0 * n + j0, n, mm, nn, k);
    });
}

}  // namespace lmh::kernels
