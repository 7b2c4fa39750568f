// The kernel case table, after ggml's test-backend-ops test_case: one object per (op, shape)
// that builds its inputs from a seed, runs any variant of its op, and knows its float64
// reference, its NMSE budget, and its flops() and bytes() for rate counters. Both
// tests/kernels_test.cpp (eval_cases, determinism_cases) and bench/kernels/kernels_bench.cpp
// (perf_cases) iterate it, so a shape or a formula is written once.
//
// Outputs live in Guarded buffers: NaN-poisoned before each run (an unwritten element shows
// up as non-finite) and wrapped in sentinel floats (a write past either end is reported).
// This library sits beside lmh_kernels (it links it); kernels/ itself never includes it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "kernels/registry.h"

namespace lmh::kernels::cases {

std::vector<float> random_floats(std::size_t n, std::uint32_t seed, float lo = -1.0f, float hi = 1.0f);

// A buffer with kGuard sentinel floats on each side of its body.
class Guarded {
public:
    static constexpr std::size_t kGuard = 16;
    Guarded() = default;
    explicit Guarded(std::size_t n);
    float* data() { return buf_.data() + kGuard; }
    std::span<const float> body() const { return {buf_.data() + kGuard, n_}; }
    void poison();                              // body := NaN
    void assign(const std::vector<float>& v);  // body := v (same size)
    // Empty when both guards hold their sentinels bit for bit, else where the first write landed.
    std::string guard_error() const;

private:
    std::vector<float> buf_;
    std::size_t n_ = 0;
};

class KernelCase {
public:
    virtual ~KernelCase() = default;
    Op op() const { return op_; }
    // The micro-benchmark's shape name ("chat_ffn_up/m512"); empty for eval-only cases.
    const std::string& bench_name() const { return bench_name_; }
    virtual std::string label() const = 0;  // every parameter, for failure messages
    virtual double flops() const = 0;
    virtual double bytes() const = 0;       // inputs and outputs touched once
    virtual double max_nmse() const { return 1e-10; }  // relative L2 error 1e-5

    // Builds the inputs from the case's seed (allocates; call once before reset/run).
    virtual void prepare() = 0;
    // Puts the outputs back as before a run: NaN poison, or the input of an in-place op.
    virtual void reset() = 0;
    // Runs this case's op from `ks` on the current buffers.
    virtual void run(const KernelSet& ks) = 0;
    // In-place ops whose repeated application drifts away from a fair timing (softmax of a
    // softmax is no longer the workload): the benchmark resets them, untimed, between runs.
    virtual bool reset_each_run() const { return false; }

    virtual const Guarded& result() const = 0;
    virtual std::vector<double> reference() const = 0;
    // Empty when every guard holds and checks beyond NMSE pass (softmax: hidden columns exactly 0).
    virtual std::string extra_errors() const { return result().guard_error(); }

protected:
    KernelCase(Op op, std::string bench_name) : op_(op), bench_name_(std::move(bench_name)) {}

private:
    Op op_;
    std::string bench_name_;
};

using CaseList = std::vector<std::unique_ptr<KernelCase>>;

// The correctness shapes: sizes 1, 3, 26, 127, 312, 1092 (odd, prime, below/above a SIMD
// width, the chat model's hidden and ffn sizes), GQA, windows, caches, row and column tails.
CaseList eval_cases(Op op);
// A few large shapes per op, for the thread-count determinism test (outputs compared only).
CaseList determinism_cases(Op op);
// The micro-benchmark shapes: the story and chat models at m = 1, 64, 512.
CaseList perf_cases(Op op);

// Empty when the case's last run is within its NMSE budget (util/metrics.h compare(); NaN or
// inf fail) and extra_errors() is empty; else one line saying what failed.
std::string check(const KernelCase& c);

}  // namespace lmh::kernels::cases
