// The memory-bandwidth roofline of decode. A decode step reads every weight matrix once
// (f32), so tokens/s × weight bytes per token is the bandwidth it achieves, and the
// machine's streaming read bandwidth bounds it. measure_read_bandwidth() is a built-in
// probe of that bound: a read-only streaming sum over a buffer much larger than the
// last-level cache, split across threads with oneTBB.
#pragma once

#include <cstddef>

#include "engine/config.h"
#include "kernels/registry.h"

namespace lmh::bench {

// Bytes of weights one decode step reads: every layer matrix and norm, the final norm and
// lm_head (counted even when tied to the embedding table, which a decode step otherwise
// only touches one row of). matmul_weight_bytes: 4 for f32 matrices, 2 for weights=bf16
// (norm weights stay f32).
double decode_weight_bytes(const ModelConfig& c, double matmul_weight_bytes = 4.0);
// The same for a kernel set's weight format, counting true bytes per weight: 4 (f32), 2
// (bf16), 34/32 = 8.5 bits (q8_0), 18/32 = 4.5 bits (q4_0), and 2 for a quantized run's
// matrices whose rows are not a multiple of 32 (held in bf16, engine/projections.h).
double decode_weight_bytes(const ModelConfig& c, kernels::WeightFormat format);
// Multiply-add flops of one decode step's matmuls (2 per weight of the matrices above);
// attention's flops grow with the context and are left out.
double decode_matmul_flops(const ModelConfig& c);

// Median GB/s (1e9 bytes/s) of `passes` read-only streaming passes over a buffer of `bytes`
// (rounded to 4 KiB; passes over a small buffer repeat it until they have read 256 MiB)
// with `threads` threads, each summing a contiguous share with AVX-512 loads when the CPU
// has them. The buffer is allocated, touched once, and freed inside the call.
// bench --roofline sizes it to the weight bytes of one decode step: what a decode streams
// over and over is that much memory, and whether it comes from DRAM, L3 or L2 depends on
// that size (the 91 MB chat model fits this machine's L3; the 2.6 MB story model nearly
// fits L2), so the same-sized buffer gives the bound that decode can actually reach.
double measure_read_bandwidth(int threads, std::size_t bytes = std::size_t{1} << 30, int passes = 5);

}  // namespace lmh::bench
