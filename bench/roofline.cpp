#include "bench/roofline.h"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <vector>

#include <immintrin.h>
#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <tbb/partitioner.h>
#include <tbb/task_arena.h>

#include "bench/stats.h"
#include "util/aligned_buffer.h"
#include "kernels/registry.h"

namespace lmh::bench {
namespace {

// Reads its share as 16 concurrent streams (16 equal contiguous parts, one cache line of
// each per step), every line prefetched kPrefetchFloats ahead, into 8 independent
// accumulators: the access pattern of the decode GEMVs (16 weight rows in flight, software
// prefetch), which is what a decode step can get from memory. A single sequential stream
// without prefetch (this probe's first version) read about half of what the chat decode
// GEMVs then achieved (12.8 vs ~26 GB/s on one core), and a roofline below the measured
// speed is no bound at all. Compiled for AVX-512 by attribute (bench/ is built for plain
// x86-64) and only called after the runtime CPU check.
constexpr std::size_t kStreams = 16;
constexpr std::size_t kPrefetchFloats = 1024;  // 4 KiB ahead in each stream
__attribute__((target("avx512f"))) float sum_avx512(const float* p, std::size_t n) {
    __m512 acc[8];
    for (auto& a : acc) a = _mm512_setzero_ps();
    const std::size_t len = n / kStreams / 16 * 16;  // floats per stream, whole lines
    for (std::size_t i = 0; i < len; i += 16)
        for (std::size_t s = 0; s < kStreams; ++s) {
            const float* q = p + s * len + i;
            // Prefetches past the end are harmless (they never fault); the address is
            // formed as an integer so no pointer past the buffer is ever made.
            _mm_prefetch(reinterpret_cast<const char*>(reinterpret_cast<std::uintptr_t>(q) + kPrefetchFloats * sizeof(float)),
                         _MM_HINT_T0);
            acc[s % 8] = _mm512_add_ps(acc[s % 8], _mm512_load_ps(q));
        }
    for (int u = 1; u < 8; ++u) acc[0] = _mm512_add_ps(acc[0], acc[u]);
    // Stored and summed in scalar code: GCC 12's _mm512_reduce_add_ps trips -Wuninitialized.
    alignas(64) float lanes[16];
    _mm512_store_ps(lanes, acc[0]);
    float s = 0;
    for (float l : lanes) s += l;
    return s;
}

float sum_portable(const float* p, std::size_t n) {
    float acc[16] = {};
    for (std::size_t i = 0; i + 16 <= n; i += 16)
        for (int u = 0; u < 16; ++u) acc[u] += p[i + u];
    float s = 0;
    for (float a : acc) s += a;
    return s;
}

}  // namespace

double decode_weight_bytes(const ModelConfig& c, double matmul_weight_bytes) {
    const double H = c.hidden, Q = c.q_dim(), KV = c.kv_dim(), F = c.intermediate;
    const double matrices = c.n_layers * (H * (Q + 2 * KV) + Q * H + 3 * H * F) + double(c.vocab) * H;
    const double norms = c.n_layers * 2 * H + H;
    return matmul_weight_bytes * matrices + 4.0 * norms;
}

double decode_weight_bytes(const ModelConfig& c, kernels::WeightFormat format) {
    if (format == kernels::WeightFormat::f32) return decode_weight_bytes(c, 4.0);
    if (format == kernels::WeightFormat::bf16) return decode_weight_bytes(c, 2.0);
    const double block_bytes = format == kernels::WeightFormat::q8_0 ? 34.0 : 18.0;
    // rows × cols, held as blocks when cols is a multiple of 32, else as bf16.
    auto matrix = [&](double rows, int cols) {
        return cols % 32 == 0 ? rows * cols / 32.0 * block_bytes : rows * cols * 2.0;
    };
    const double H = c.hidden, Q = c.q_dim(), KV = c.kv_dim(), F = c.intermediate;
    const double layer = matrix(Q, c.hidden) + 2 * matrix(KV, c.hidden) + matrix(H, c.q_dim()) + 2 * matrix(F, c.hidden) +
                         matrix(H, c.intermediate);
    const double norms = c.n_layers * 2 * H + H;
    return c.n_layers * layer + matrix(c.vocab, c.hidden) + 4.0 * norms;
}

double decode_matmul_flops(const ModelConfig& c) {
    const double H = c.hidden, Q = c.q_dim(), KV = c.kv_dim(), F = c.intermediate;
    return 2.0 * (c.n_layers * (H * (Q + 2 * KV) + Q * H + 3 * H * F) + double(c.vocab) * H);
}

double measure_read_bandwidth(int threads, std::size_t bytes, int passes) {
    constexpr std::size_t kChunk = 4096;  // one page: per-thread shares stay page aligned
    bytes = std::max(kChunk, bytes / kChunk * kChunk);
    const std::size_t n = bytes / sizeof(float), pieces = bytes / kChunk;
    // On huge pages where the kernel grants them, like the model weights (aligned_buffer.h).
    AlignedBuffer buf(n);
    std::memset(buf.data(), 0, bytes);  // fault every page in before timing
    const bool avx512 = kernels::cpu_supports(kernels::CpuNeed::avx512);
    const std::size_t per_piece = kChunk / sizeof(float);
    tbb::task_arena arena(std::max(1, threads));
    // A buffer that fits in cache is read again and again, so each timed pass reads at least
    // 256 MiB and takes long enough to time.
    const int reps = static_cast<int>(std::max<std::size_t>(1, (std::size_t{256} << 20) / bytes));
    std::vector<double> gbps;
    volatile float sink = 0;
    for (int pass = 0; pass < passes + 1; ++pass) {  // the first pass warms the threads and TLB
        std::vector<float> partial(static_cast<std::size_t>(std::max(1, threads)), 0.0f);
        const auto t0 = std::chrono::steady_clock::now();
        for (int rep = 0; rep < reps; ++rep) arena.execute([&] {
            tbb::parallel_for(
                tbb::blocked_range<std::size_t>(0, pieces, pieces / std::max(1, threads)),
                [&](const tbb::blocked_range<std::size_t>& r) {
                    const float* p = buf.data() + r.begin() * per_piece;
                    const std::size_t len = (r.end() - r.begin()) * per_piece;
                    const float s = avx512 ? sum_avx512(p, len) : sum_portable(p, len);
                    partial[static_cast<std::size_t>(tbb::this_task_arena::current_thread_index())] += s;
                },
                tbb::static_partitioner{});
        });
        const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        for (float s : partial) sink = sink + s;
        if (pass > 0) gbps.push_back(static_cast<double>(reps) * static_cast<double>(n * sizeof(float)) / secs / 1e9);
    }
    return median(gbps);
}

}  // namespace lmh::bench
