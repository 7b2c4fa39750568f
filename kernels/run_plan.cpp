#include "kernels/run_plan.h"

#include <utility>

#include "kernels/registry.h"

namespace lmh::kernels {

RunPlan plan_runs(const std::vector<std::string>& sets, const std::vector<int>& threads, bool skip_equivalent) {
    RunPlan plan;
    std::vector<std::pair<std::string, std::string>> seen;  // (describe(), set)
    for (const auto& s : sets) {
        const KernelSet ks = make_kernel_set(s);
        const std::string kernels = ks.describe();
        bool parallel = false;
        for (const Op op : kAllOps) parallel = parallel || variant_of(ks, op).parallel;
        std::string same_as;
        for (const auto& [k, name] : seen)
            if (k == kernels) same_as = name;
        for (std::size_t i = 0; i < threads.size(); ++i) {
            if (skip_equivalent && !same_as.empty())
                plan.skipped.push_back({s, threads[i], "the same kernels as " + same_as + " on this CPU"});
            else if (skip_equivalent && i > 0 && !parallel)
                plan.skipped.push_back(
                    {s, threads[i], "no parallel kernel, so the same arithmetic as threads " + std::to_string(threads[0])});
            else
                plan.runs.push_back({s, threads[i]});
        }
        seen.emplace_back(kernels, s);
    }
    return plan;
}

}  // namespace lmh::kernels
