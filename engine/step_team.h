// StepTeam: runs the phases of one decode step on up to T threads inside ONE oneTBB region
// (engine/decode_step.cpp lays a step out as phases).
//
// Why: a decode step of a small model is a few microseconds of work per op, and a
// tbb::parallel_for per op (fork, static partition, join) cost about as much as the work it
// split, so the kernels' own rule (kernels/parallel_policy.h) kept most story-model matmuls
// serial and a 2-thread story decode far below its roofline (issue #17). Here the threads
// enter once per step and hand phases over through a few atomics instead of a fork/join each.
//
// A phase has `units` pieces of work that may run in any order on any thread (the caller
// makes each unit compute only its own outputs, always the same way, so results never depend
// on the thread count or on who ran what), and an optional `tail` that runs once, on the
// thread that finished the phase's last unit, before any unit of the next phase starts
// (serial glue: a residual add and the next RMSNorm).
//
// Scheduling: each thread t owns the contiguous range [t·U/T, (t+1)·U/T) of a phase's units
// and claims them front to back with an atomic counter, then claims from the other threads'
// ranges (so a thread that arrives late, or is descheduled on a shared machine, costs the
// others nothing more than doing its units): the same thread tends to get the same rows of
// the same matrices every step, which keeps them in its core's cache. A thread waits only for
// units another thread has claimed and is running, never for a thread to arrive, so the
// region cannot deadlock however many of its tasks oneTBB actually runs at once; each thread
// body runs under tbb::this_task_arena::isolate so a kernel's nested parallel_for cannot pick
// up the other team task while its thread is inside a unit.
#pragma once

#include <atomic>
#include <memory>

namespace lmh {

class StepTeam {
public:
    // Room for steps of up to max_phases phases and max_threads threads (allocated here, once).
    StepTeam(int max_phases, int max_threads);
    StepTeam(StepTeam&&) = default;
    StepTeam& operator=(StepTeam&&) = default;

    int max_threads() const { return max_threads_; }

    // Runs phases [0, phases) on min(threads, max_threads()) threads (1: on the caller, no
    // oneTBB call at all). units(p) >= 1 is phase p's unit count; work(p, u, t) computes unit
    // u of phase p on team thread t (t < threads: an index for per-thread scratch); tail(p, t)
    // runs once after the last unit of p. Returns when every phase and tail is done.
    template <class Units, class Work, class Tail>
    void run(int threads, int phases, Units&& units, Work&& work, Tail&& tail) {
        const Body<Units, Work, Tail> body{units, work, tail};
        run_erased(threads, phases, &body, &Body<Units, Work, Tail>::call_units, &Body<Units, Work, Tail>::call_work,
                   &Body<Units, Work, Tail>::call_tail);
    }

private:
    template <class Units, class Work, class Tail>
    struct Body {
        Units& units;
        Work& work;
        Tail& tail;
        static int call_units(const void* b, int p) { return static_cast<const Body*>(b)->units(p); }
        static void call_work(const void* b, int p, int u, int t) { static_cast<const Body*>(b)->work(p, u, t); }
        static void call_tail(const void* b, int p, int t) { static_cast<const Body*>(b)->tail(p, t); }
    };
    using UnitsFn = int (*)(const void*, int);
    using WorkFn = void (*)(const void*, int, int, int);
    using TailFn = void (*)(const void*, int, int);

    // One cache line per counter: threads claiming from different ranges never share a line.
    struct alignas(64) Counter {
        std::atomic<int> value{0};
    };

    void run_erased(int threads, int phases, const void* body, UnitsFn units, WorkFn work, TailFn tail);
    void member(int t, int threads, int phases, const void* body, WorkFn work, TailFn tail);

    int max_phases_ = 0, max_threads_ = 1;
    std::unique_ptr<int[]> units_;          // [max_phases]: this step's unit counts
    std::unique_ptr<Counter[]> next_;       // [max_phases × max_threads]: next unit of each range
    std::unique_ptr<Counter[]> finished_;   // [max_phases]: units done
    std::unique_ptr<Counter[]> complete_;   // [max_phases]: 1 once every unit and the tail are done
};

}  // namespace lmh
