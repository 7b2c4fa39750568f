// matmul_q8_0_tbb_simd / matmul_q4_0_tbb_simd, AVX-512 VNNI row (acts=q8, oneTBB): the VNNI
// simd row's code on contiguous pieces of the n outputs (whole 16-column groups), one piece
// per thread (static partition), A quantized once before the split; decode (m < kMinRows)
// takes the 256-bit decode tiles. Each output's instructions do not depend on its piece, so the
// results are bitwise identical for any thread count, and bitwise the AVX2 rows'.
#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <tbb/partitioner.h>

#include "kernels/assert.h"
#include "kernels/matmul_quant.h"
#include "kernels/parallel_policy.h"
#include "kernels/preconditions.h"
#include "kernels/quant_act_scratch.h"
#include "kernels/quant_dot_vnni.h"

namespace lmh::kernels {
namespace {

template <class Block>
void tbb_simd_vnni(const float* a, const Block* b, float* c, int m, int n, int k) {
    preconditions::matmul(a, b, c, m, n, k);
    LMH_ASSERT(k % kQuantBlock == 0);
    if ((long)m * n == 0) return;
    const int nb = k / kQuantBlock;
    constexpr int group = quant_vnni::kCols;
    const int groups = (n + group - 1) / group;
    // Work of a group: its weight bytes, once per row of A (as the AVX2 row counts it).
    const double group_work = (double)group * nb * sizeof(Block) * m;
    const int grain = std::max(1, (int)(parallel_policy::kMinGemvTaskBytes / group_work + 0.5));
    with_quantized_a(a, m, k, [&](const QuantizedActs& xq) {
        if (groups < 2 * grain || parallel_policy::available_threads() < 2) {
            quant_vnni::any_columns(xq, b, c, m, n, nb, 0, n);
            return;
        }
        tbb::parallel_for(
            tbb::blocked_range<int>(0, groups, grain),
            [&](const tbb::blocked_range<int>& r) {
                quant_vnni::any_columns(xq, b, c, m, n, nb, r.begin() * group, std::min(n, r.end() * group));
            },
            tbb::static_partitioner{});
    });
}

}  // namespace

void matmul_q8_0_tbb_simd_vnni(const float* a, const BlockQ8_0* b, float* c, int m, int n, int k) { tbb_simd_vnni(a, b, c, m, n, k); }
void matmul_q4_0_tbb_simd_vnni(const float* a, const BlockQ4_0* b, float* c, int m, int n, int k) { tbb_simd_vnni(a, b, c, m, n, k); }

}  // namespace lmh::kernels
