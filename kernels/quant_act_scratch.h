// The acts=q8 rows' activation scratch: A's m rows quantized to q8_0 by quantize_act_q8_0_avx2
// (the reference quantizer's blocks, so the same on every path), each block's scale as f32 and
// 8·Σx (q4_0's offset term), on the stack up to kQ8StackBlocks blocks (34 + 4 + 4 bytes each,
// 42 KB: a decode row of k <= 32768), beyond it in one heap buffer per call (prefill of a big
// model: m·k/32 blocks, next to m·n·k multiply-adds).
//
// Shared by the AVX2 and the AVX-512 VNNI rows, whose files are compiled with different
// instruction sets. Hence the unnamed namespace: each file gets its own copy, compiled with its
// own flags. A template with external linkage instantiated in both would be one weak symbol,
// and the linker could keep the AVX-512 file's copy for the AVX2 rows too (AVX-512
// instructions on an AVX2-only CPU).
#pragma once

#include <cstdint>
#include <vector>

#include "kernels/matmul_quant.h"

namespace lmh::kernels {
namespace {

inline constexpr long kQ8StackBlocks = 1024;

// Calls body(acts) with A's m rows (k a multiple of 32) quantized.
template <class Body>
void with_quantized_a(const float* a, int m, int k, Body&& body) {
    const int nb = k / kQuantBlock;
    const long blocks = (long)m * nb;
    BlockQ8_0 stack[kQ8StackBlocks];
    float stack_scales[kQ8StackBlocks];
    std::int32_t stack_sums[kQ8StackBlocks];
    std::vector<BlockQ8_0> heap;
    std::vector<float> heap_scales;
    std::vector<std::int32_t> heap_sums;
    BlockQ8_0* xq = stack;
    float* scales = stack_scales;
    std::int32_t* sums8 = stack_sums;
    if (blocks > kQ8StackBlocks) {
        heap.resize(static_cast<std::size_t>(blocks));
        heap_scales.resize(static_cast<std::size_t>(blocks));
        heap_sums.resize(static_cast<std::size_t>(blocks));
        xq = heap.data();
        scales = heap_scales.data();
        sums8 = heap_sums.data();
    }
    for (int i = 0; i < m; ++i) {
        const long at = (long)i * nb;
        quantize_act_q8_0_avx2(a + (long)i * k, xq + at, scales + at, sums8 + at, nb);
    }
    body(QuantizedActs{xq, scales, sums8});
}

}  // namespace
}  // namespace lmh::kernels
