// A planted data race between oneTBB workers, run only by scripts/sanitize.sh thread with
// LMH_TSAN_CANARY=1, which expects ThreadSanitizer to report it. It proves the TSan stage can
// fail: that TSan sees accesses made inside TBB tasks (it cannot with Debian's
// uninstrumented libtbb plus the suppressions that would need) and that no suppression hides
// them. Skipped everywhere else.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <thread>

#include <tbb/blocked_range.h>
#include <tbb/global_control.h>
#include <tbb/parallel_for.h>
#include <tbb/partitioner.h>

namespace {

TEST(TsanCanary, PlantedRaceBetweenTbbWorkers) {
    if (!std::getenv("LMH_TSAN_CANARY")) GTEST_SKIP() << "only for scripts/sanitize.sh thread (LMH_TSAN_CANARY=1)";
    tbb::global_control two(tbb::global_control::max_allowed_parallelism, 2);
    long shared = 0;              // written by both tasks without synchronisation: the race
    std::atomic<int> arrived{0};  // makes the two tasks overlap on two threads
    tbb::parallel_for(
        tbb::blocked_range<int>(0, 2, 1),
        [&](const tbb::blocked_range<int>& r) {
            shared = shared + r.begin() + 1;  // before the atomic: unordered with the other task's write
            arrived.fetch_add(1);
            // Wait (up to 2 s) for the other task to be running on another thread, so the
            // two writes above are concurrent rather than one thread running both tasks.
            const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(2);
            while (arrived.load() < 2 && std::chrono::steady_clock::now() < until) std::this_thread::yield();
        },
        tbb::simple_partitioner{});
    EXPECT_EQ(arrived.load(), 2);
    EXPECT_GT(shared, 0);
}

}  // namespace
