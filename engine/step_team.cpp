#include "engine/step_team.h"

#include <algorithm>
#include <thread>

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <tbb/partitioner.h>
#include <tbb/task_arena.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

namespace lmh {
namespace {

// Spins (with the CPU's pause hint, a few to ~100 cycles depending on the core) this many
// times, tens of microseconds, before yielding the core at each further check. A thread waits
// at most for one unit another thread is running (~2 µs: units are stolen, not waited for),
// unless that thread lost its core to another process; then spinning only delays it.
constexpr int kSpinsBeforeYield = 16384;

void wait_until_set(const std::atomic<int>& flag) {
    for (int spins = 0; !flag.load(std::memory_order_acquire); ++spins) {
        if (spins < kSpinsBeforeYield) {
#if defined(__x86_64__) || defined(__i386__)
            _mm_pause();
#endif
        } else {
            std::this_thread::yield();
        }
    }
}

}  // namespace

StepTeam::StepTeam(int max_phases, int max_threads)
    : max_phases_(std::max(1, max_phases)),
      max_threads_(std::max(1, max_threads)),
      units_(new int[static_cast<std::size_t>(max_phases_)]()),
      next_(new Counter[static_cast<std::size_t>(max_phases_) * static_cast<std::size_t>(max_threads_)]),
      finished_(new Counter[static_cast<std::size_t>(max_phases_)]),
      complete_(new Counter[static_cast<std::size_t>(max_phases_)]) {}

void StepTeam::run_erased(int threads, int phases, const void* body, UnitsFn units, WorkFn work, TailFn tail) {
    const int T = std::clamp(threads, 1, max_threads_);
    const int P = std::clamp(phases, 0, max_phases_);
    // Reset before any team thread starts: spawning the region orders these stores before
    // everything the threads do.
    for (int p = 0; p < P; ++p) {
        const int U = std::max(1, units(body, p));
        units_[static_cast<std::size_t>(p)] = U;
        for (int r = 0; r < T; ++r)
            next_[static_cast<std::size_t>(p) * max_threads_ + r].value.store(static_cast<int>((long)r * U / T),
                                                                              std::memory_order_relaxed);
        finished_[static_cast<std::size_t>(p)].value.store(0, std::memory_order_relaxed);
        complete_[static_cast<std::size_t>(p)].value.store(0, std::memory_order_relaxed);
    }
    if (T == 1) {
        member(0, 1, P, body, work, tail);
        return;
    }
    tbb::parallel_for(
        tbb::blocked_range<int>(0, T, 1),
        [&](const tbb::blocked_range<int>& r) {
            for (int t = r.begin(); t < r.end(); ++t) tbb::this_task_arena::isolate([&] { member(t, T, P, body, work, tail); });
        },
        tbb::static_partitioner{});
}

void StepTeam::member(int t, int threads, int phases, const void* body, WorkFn work, TailFn tail) {
    const int T = threads;
    for (int p = 0; p < phases; ++p) {
        if (p > 0) wait_until_set(complete_[static_cast<std::size_t>(p - 1)].value);
        const int U = units_[static_cast<std::size_t>(p)];
        int done = 0;
        for (int i = 0; i < T; ++i) {
            const int r = (t + i) % T;  // own range first, then the others'
            const int end = static_cast<int>((long)(r + 1) * U / T);
            std::atomic<int>& next = next_[static_cast<std::size_t>(p) * max_threads_ + r].value;
            for (int u; next.load(std::memory_order_relaxed) < end && (u = next.fetch_add(1, std::memory_order_relaxed)) < end;) {
                work(body, p, u, t);
                ++done;
            }
        }
        // One shared increment per thread and phase (not per unit: that line would bounce
        // between the cores at every unit). acq_rel: the thread that brings the count to U
        // sees every unit's writes (the increments form one release sequence), runs the tail
        // and publishes both.
        if (done > 0 && finished_[static_cast<std::size_t>(p)].value.fetch_add(done, std::memory_order_acq_rel) + done == U) {
            tail(body, p, t);
            complete_[static_cast<std::size_t>(p)].value.store(1, std::memory_order_release);
        }
    }
}

}  // namespace lmh
