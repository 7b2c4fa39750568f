// The acts=bf16 matmuls' scratch (matmul_bf16.h): A's rows rounded to bf16 once per call and
// held as f32 (bf16_to_f32(f32_to_bf16(x)), exact), so the AVX2 dot-product kernel runs on
// them unchanged. Holding them as f32 rather than as 16-bit values costs twice the scratch
// but no widening in the kernel's inner loop, where A is loaded once per 3 FMAs; A is small
// next to the weights it meets (m·k against n·k).
// On the stack up to kBf16ActsStackFloats values (32 KB: a decode row of k <= 8192, every
// TinyLlama-sized matmul), else in one heap buffer per call (prefill: m·k values, next to
// m·n·k multiply-adds), as the acts=q8 kernels hold their blocks (quant_dot_avx2.h).
#pragma once

#include <cstddef>
#include <vector>

#include "kernels/bf16.h"

namespace lmh::kernels::bf16_acts {

inline constexpr long kBf16ActsStackFloats = 8192;

// Calls body(rounded) with A's m rows of k values rounded to bf16 (row-major, stride k).
template <class Body>
void with_rounded_a(const float* a, int m, int k, Body&& body) {
    const long count = (long)m * k;
    float stack[kBf16ActsStackFloats];
    std::vector<float> heap;
    float* rounded = stack;
    if (count > kBf16ActsStackFloats) {
        heap.resize(static_cast<std::size_t>(count));
        rounded = heap.data();
    }
    for (long i = 0; i < count; ++i) rounded[i] = bf16_to_f32(f32_to_bf16(a[i]));
    body(static_cast<const float*>(rounded));
}

}  // namespace lmh::kernels::bf16_acts
