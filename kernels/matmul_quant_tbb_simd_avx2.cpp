// matmul_q8_0_tbb_simd / matmul_q4_0_tbb_simd (acts=q8, AVX2, oneTBB): the simd variants' code
// on contiguous pieces of the n outputs (whole 16-column groups), one piece per thread
// (static partition). A is quantized once, before the split. Decode is bound by streaming the
// weights, so a piece must hold kMinGemvTaskBytes of work counted as weight bytes times rows
// of A, as the f32 and bf16 GEMVs count theirs; smaller calls stay serial. Only
// outputs are split and each output's instructions do not depend on its piece, so results are
// bitwise identical for any thread count.
#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <tbb/partitioner.h>

#include "kernels/assert.h"
#include "kernels/matmul_quant.h"
#include "kernels/parallel_policy.h"
#include "kernels/preconditions.h"
#include "kernels/quant_act_scratch.h"
#include "kernels/quant_dot_avx2.h"

namespace lmh::kernels {
namespace {

template <class Block>
void tbb_simd(const float* a, const Block* b, float* c, int m, int n, int k) {
    preconditions::matmul(a, b, c, m, n, k);
    LMH_ASSERT(k % kQuantBlock == 0);
    if ((long)m * n == 0) return;
    const int nb = k / kQuantBlock;
    constexpr int group = quant_avx2::kGroupCols;
    const int groups = (n + group - 1) / group;
    // Work of a group: its weight bytes, once per row of A.
    const double group_work = (double)group * nb * sizeof(Block) * m;
    const int grain = std::max(1, (int)(parallel_policy::kMinGemvTaskBytes / group_work + 0.5));
    with_quantized_a(a, m, k, [&](const quant_avx2::Act& xq) {
        if (groups < 2 * grain || parallel_policy::available_threads() < 2) {
            quant_avx2::columns(xq, b, c, m, n, nb, 0, n);
            return;
        }
        tbb::parallel_for(
            tbb::blocked_range<int>(0, groups, grain),
            [&](const tbb::blocked_range<int>& r) {
                quant_avx2::columns(xq, b, c, m, n, nb, r.begin() * group, std::min(n, r.end() * group));
            },
            tbb::static_partitioner{});
    });
}

}  // namespace

void matmul_q8_0_tbb_simd(const float* a, const BlockQ8_0* b, float* c, int m, int n, int k) { tbb_simd(a, b, c, m, n, k); }
void matmul_q4_0_tbb_simd(const float* a, const BlockQ4_0* b, float* c, int m, int n, int k) { tbb_simd(a, b, c, m, n, k); }

}  // namespace lmh::kernels
