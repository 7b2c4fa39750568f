// Which (kernel set, thread count) runs of a request are worth running on this CPU. verify
// and bench both run every set at every thread count; two kinds of run would only repeat an
// earlier one exactly, so they are planned as skipped, with the reason:
//   - a set that resolves to the same kernels as an earlier set (describe() is equal: e.g.
//     `simd` falls back to `blocked` on a CPU without AVX-512);
//   - a thread count after the first, for a set with no parallel kernel (the same
//     arithmetic, on one thread, whatever the limit).
#pragma once

#include <string>
#include <vector>

namespace lmh::kernels {

struct PlannedRun {
    std::string set;
    int threads = 1;
};

struct SkippedRun {
    std::string set;
    int threads = 1;
    std::string reason;  // "the same kernels as blocked on this CPU", ...
};

struct RunPlan {
    std::vector<PlannedRun> runs;  // in request order: set by set, thread count by thread count
    std::vector<SkippedRun> skipped;
};

// skip_equivalent = false plans every run (verify/bench --every-run). Throws
// KernelSpecError on an unknown set.
RunPlan plan_runs(const std::vector<std::string>& sets, const std::vector<int>& threads, bool skip_equivalent);

}  // namespace lmh::kernels
