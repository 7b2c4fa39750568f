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
#include <tbb/global_control.h>
#include <tbb/parallel_for.h>
#include <tbb/partitioner.h>
#include <tbb/task_arena.h>

#include <algorithm>

namespace lmh::kernels::parallel_policy {

inline constexpr double kMinParallelFlop = 256.0 * 1024;  // ~25 µs of single-core work
inline constexpr double kMinTaskFlop = 128.0 * 1024;

// Threads a parallel_for may use here: the arena's concurrency capped by any
// tbb::global_control limit (what `--threads 1` sets). With one thread, a static partition
// would still cut the range and run the pieces one after another through the scheduler:
// work with nothing to gain, so callers go serial instead. (Results are the same either
// way: only outputs are split.)
inline int available_threads() {
    const auto limit = tbb::global_control::active_value(tbb::global_control::max_allowed_parallelism);
    return static_cast<int>(std::min<std::size_t>(static_cast<std::size_t>(tbb::this_task_arena::max_concurrency()), limit));
}

// Decode matmuls (m == 1) are bound by reading the weights, not by flops: a thread's piece
// must hold at least this many bytes of B, so that streaming it (~4 µs from DRAM at
// 29 GB/s, ~1-2 µs from cache) clearly outweighs handing it to a worker (~1 µs when the
// worker is spinning, several when it sleeps). Below two pieces the call stays serial.
inline constexpr double kMinGemvTaskBytes = 128.0 * 1024;

// Decode matmul over n rows of k weights of weight_bytes each (4: f32, 2: bf16), cut into
// blocks of block_rows rows: the blocks per piece (a piece holds at least
// kMinGemvTaskBytes), and whether the call is split at all. For the story model only the
// fused gate/up (384 KB) and lm_head (1 MB) are split; every chat matmul is. With bf16
// weights a piece needs twice the rows for the same bytes, so fewer calls split: story
// only lm_head; chat all but o_proj (195 KB).
inline int gemv_grain_blocks(int k, int block_rows, int weight_bytes = 4) {
    const double block_bytes = (double)weight_bytes * block_rows * k;
    return std::max(1, (int)(kMinGemvTaskBytes / block_bytes + 0.5));
}
inline bool gemv_is_split(int n, int k, int block_rows, int weight_bytes = 4) {
    const int blocks = (n + block_rows - 1) / block_rows;
    return blocks >= 2 * gemv_grain_blocks(k, block_rows, weight_bytes);
}

// Calls gemv(j0, j1) on contiguous pieces [j0, j1) of the n outputs of a decode matmul, each
// piece whole blocks of block_rows rows and at least grain_blocks blocks, one piece per
// thread (static partition). Only outputs are split, so results do not depend on the thread
// count. The caller decides whether to split at all (split_gemv below, or its own rule).
template <class Gemv>
void split_gemv_rows(int n, int block_rows, int grain_blocks, Gemv&& gemv) {
    const int blocks = (n + block_rows - 1) / block_rows;
    tbb::parallel_for(
        tbb::blocked_range<int>(0, blocks, grain_blocks),
        [&](const tbb::blocked_range<int>& r) { gemv(r.begin() * block_rows, std::min(n, r.end() * block_rows)); },
        tbb::static_partitioner{});
}

// The decode split of the AVX-512 GEMVs (f32 and bf16 weights): by weight bytes
// (gemv_is_split, gemv_grain_blocks), serial as gemv(0, n) when there are not two pieces or
// only one thread.
template <class Gemv>
void split_gemv(int n, int k, int block_rows, int weight_bytes, Gemv&& gemv) {
    if (!gemv_is_split(n, k, block_rows, weight_bytes) || available_threads() < 2) {
        gemv(0, n);
        return;
    }
    split_gemv_rows(n, block_rows, gemv_grain_blocks(k, block_rows, weight_bytes), gemv);
}

// Whether split_units below runs in parallel.
inline bool units_are_split(int n, double unit_flop) { return n > 1 && n * unit_flop >= kMinParallelFlop; }

// Grain (in units) for a range whose units each cost unit_flop.
inline int grain_for(double unit_flop) {
    return std::max(1, (int)(kMinTaskFlop / std::max(unit_flop, 1.0)));
}

// Calls body(begin, end) on pieces of [0, n) where each unit costs unit_flop: one serial
// call when the whole is below kMinParallelFlop, else a static partition with pieces of at
// least kMinTaskFlop.
template <class Body>
void split_units(int n, double unit_flop, Body&& body) {
    if (!units_are_split(n, unit_flop) || available_threads() < 2) {
        if (n > 0) body(0, n);
        return;
    }
    tbb::parallel_for(
        tbb::blocked_range<int>(0, n, grain_for(unit_flop)),
        [&](const tbb::blocked_range<int>& r) { body(r.begin(), r.end()); }, tbb::static_partitioner{});
}

// The AVX2 matmuls (matmul_dot_avx2.h: every m, one code) on contiguous pieces of whole
// block_rows-row blocks of the n outputs, one piece per thread. Split when the call streams
// enough weight bytes (as split_gemv: decode) or has enough flops (batched decode and
// prefill: 2·m·k per output; the AVX2 code does ~4x the blocked code's flops per second
// kMinTaskFlop was set for), with the smaller of the two grains: either alone makes a piece
// worth a worker. Serial as cols(0, n) otherwise. Only outputs are split.
template <class Cols>
void split_columns(int m, int n, int k, int block_rows, int weight_bytes, Cols&& cols) {
    const int blocks = (n + block_rows - 1) / block_rows;
    const double block_flop = 2.0 * m * block_rows * k / 4;
    const int grain = std::min(gemv_grain_blocks(k, block_rows, weight_bytes), grain_for(block_flop));
    if (blocks < 2 * grain || available_threads() < 2) {
        if (n > 0) cols(0, n);
        return;
    }
    split_gemv_rows(n, block_rows, grain, cols);
}

// Prefill (m > 1) with the AVX-512 GEMM (matmul_tbb_simd, matmul_bf16_tbb_simd): calls
// tile(i0, j0, mm, nn) on disjoint output tiles, in parallel. Each GEMM call packs its B
// panels once and streams its rows of A past them, so tiles are tall (all rows up to 768,
// else 384-row pieces) and one panel (32 columns) wide: a narrower tile costs nothing extra
// (A passes each panel once either way) and balances better; with 64-column tiles the chat
// q/o projections (n = 312) made 5 tiles, 3 for one thread and 2 for the other. Tiles are
// aligned to the 12 × 32 register block, so results do not depend on the thread count.
template <class Tile>
void split_gemm_tiles(int m, int n, int k, Tile&& tile) {
    constexpr int kTileM = 384, kTileN = 32;
    const int tile_m = m <= 2 * kTileM ? m : kTileM;
    const int tiles_m = (m + tile_m - 1) / tile_m, tiles_n = (n + kTileN - 1) / kTileN;
    // The AVX-512 code does ~4x the flops per second of the blocked code kMinTaskFlop was
    // set for.
    const int grain = grain_for(2.0 * tile_m * kTileN * k / 4);
    tbb::parallel_for(
        tbb::blocked_range<int>(0, tiles_m * tiles_n, grain),
        [&](const tbb::blocked_range<int>& r) {
            for (int t = r.begin(); t < r.end(); ++t) {
                const int j0 = (t / tiles_m) * kTileN, i0 = (t % tiles_m) * tile_m;
                tile(i0, j0, std::min(tile_m, m - i0), std::min(kTileN, n - j0));
            }
        },
        tbb::static_partitioner{});
}

}  // namespace lmh::kernels::parallel_policy
