// attention_tbb: the blocked row code over (query row, head) pairs distributed by oneTBB
// with a static partition; each worker uses scratch slot
// tbb::this_task_arena::current_thread_index(). Serial when the work is below
// parallel_policy's threshold (a story-model decode step with a short cache) or when there
// are fewer scratch slots than the arena can have threads. Each pair is computed exactly as
// the serial code does, so results are bitwise identical for any thread count.
#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <tbb/partitioner.h>
#include <tbb/task_arena.h>

#include "kernels/attention.h"
#include "kernels/attention_rows.h"
#include "kernels/parallel_policy.h"
#include "kernels/mutants.h"
#include "kernels/preconditions.h"

namespace lmh::kernels {
namespace attention_rows {

void parallel(const AttentionArgs& a, RowFn row) {
    const int pairs = a.seq * a.n_heads;
    // Per pair: a dot product and an axpy of head_dim per visible key.
    const double mean_keys = a.window > 0 ? a.window : a.pos0 + (a.seq + 1) / 2.0;
    const double pair_flop = 4.0 * a.head_dim * mean_keys;
    // The arithmetic tests first: a decode step's attention (one head group of a fused step,
    // engine/decode_step.cpp) then stays serial without a call into oneTBB.
    if (pairs < 2 || pairs * pair_flop < parallel_policy::kMinParallelFlop ||
        a.scratch_slots < tbb::this_task_arena::max_concurrency()) {
        for (int r = 0; r < a.seq; ++r)
            for (int h = 0; h < a.n_heads; ++h) row(a, r, h, a.scratch);
        return;
    }
    tbb::parallel_for(
        tbb::blocked_range<int>(0, pairs - LMH_MUTANT(attention_tbb_last_pair), parallel_policy::grain_for(pair_flop)),
        [&](const tbb::blocked_range<int>& range) {
            // A thread index is always below the arena's max_concurrency, checked above.
            const int slot = tbb::this_task_arena::current_thread_index() * (1 - LMH_MUTANT(attention_tbb_shared_scratch));
            float* scores = a.scratch + (std::size_t)slot * a.scratch_stride;
            for (int i = range.begin(); i < range.end(); ++i) row(a, i / a.n_heads, i % a.n_heads, scores);
        },
        tbb::static_partitioner{});
}

}  // namespace attention_rows

void attention_tbb(const AttentionArgs& a) {
    preconditions::attention(a);
    attention_rows::parallel(a, attention_rows::blocked);
}

}  // namespace lmh::kernels
