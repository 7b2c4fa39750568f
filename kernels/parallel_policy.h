// When the oneTBB variants split work, and into how many pieces.
//
// Waking a worker and joining it costs a few microseconds; a decode step of the story model
// (hidden 128) has matmuls of 30-100 kflop that take about as long on one core. So a call
// runs serially below kMinParallelFlop of work, and otherwise every task gets at least
// kMinTaskFlop, and the range is cut by tbb::static_partitioner (one contiguous chunk per
// thread, no stealing). Only outputs are split, never a reduction, so results do not
// depend on the thread count.
#pragma once

#include <algorithm>
#include <cstdint>

namespace lmh::kernels::parallel_policy {

inline constexpr double kMinParallelFlop = 256.0 * 1024;  // ~25 µs of single-core work
inline constexpr double kMinTaskFlop = 128.0 * 1024;

// Grain (in units) for a range whose units each cost unit_flop.
inline int grain_for(double unit_flop) {
    return std::max(1, (int)(kMinTaskFlop / std::max(unit_flop, 1.0)));
}

}  // namespace lmh::kernels::parallel_policy
