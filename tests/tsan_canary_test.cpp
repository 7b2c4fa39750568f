// A planted data race between oneTBB workers, run only by scripts/sanitize.sh thread with
// LMH_TSAN_CANARY=1, which expects ThreadSanitizer to report it. It proves the TSan stage can
// fail: that TSan sees accesses made inside TBB tasks (it cannot with Debian's
// uninstrumented libtbb plus the suppressions that would need) and that no suppression hides
// them. Skipped everywhere else.
#include <gtest/gtest.h>

#include <cstdlib>

#include <tbb/blocked_range.h>
#include <tbb/global_control.h>
#include <tbb/parallel_for.h>

namespace {

TEST(TsanCanary, PlantedRaceBetweenTbbWorkers) {
    if (!std::getenv("LMH_TSAN_CANARY")) GTEST_SKIP() << "only for scripts/sanitize.sh thread (LMH_TSAN_CANARY=1)";
    tbb::global_control two(tbb::global_control::max_allowed_parallelism, 2);
    long shared = 0;  // written by every task without synchronisation: the race
    for (int round = 0; round < 50; ++round)
        tbb::parallel_for(tbb::blocked_range<int>(0, 64, 1), [&](const tbb::blocked_range<int>& r) {
            for (int i = r.begin(); i < r.end(); ++i) shared = shared + i;
        });
    EXPECT_GT(shared, 0);
}

}  // namespace
