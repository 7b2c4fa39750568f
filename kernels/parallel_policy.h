// When the oneTBB variants split work, and into how many pieces.
//
// Waking a worker and joining it costs a few microseconds; a decode step of the story model
// (hidden 128) has matmuls of 30-100 kflop that take about as long on one core. So a call
// runs serially below kMinParallelFlop of work, and otherwise every task gets at least
// kMinTaskFlop, and the range is cut by tbb::static_partitioner (one contiguous chunk per
// thread, no stealing). Only outputs are split, never a reduction, so results do not
// depend on the thread count.
#pragma once

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <tbb/partitioner.h>

#include <algorithm>

namespace lmh::kernels::parallel_policy {

inline constexpr double kMinParallelFlop = 256.0 * 1024;  // ~25 µs of single-core work
inline constexpr double kMinTaskFlop = 128.0 * 1024;

// Decode matmuls (m == 1) are bound by reading the weights, not by flops: a thread's piece
// must hold at least this many bytes of B, so that streaming it (~4 µs from DRAM at
// 29 GB/s, ~1-2 µs from cache) clearly outweighs handing it to a worker (~1 µs when the
// worker is spinning, several when it sleeps). Below two pieces the call stays serial.
inline constexpr double kMinGemvTaskBytes = 128.0 * 1024;

// Grain (in units) for a range whose units each cost unit_flop.
inline int grain_for(double unit_flop) {
    return std::max(1, (int)(kMinTaskFlop / std::max(unit_flop, 1.0)));
}

// Calls body(begin, end) on pieces of [0, n) where each unit costs unit_flop: one serial
// call when the whole is below kMinParallelFlop, else a static partition with pieces of at
// least kMinTaskFlop.
template <class Body>
void split_units(int n, double unit_flop, Body&& body) {
    if (n <= 1 || n * unit_flop < kMinParallelFlop) {
        if (n > 0) body(0, n);
        return;
    }
    tbb::parallel_for(
        tbb::blocked_range<int>(0, n, grain_for(unit_flop)),
        [&](const tbb::blocked_range<int>& r) { body(r.begin(), r.end()); }, tbb::static_partitioner{});
}

}  // namespace lmh::kernels::parallel_policy
