// Block-quantized weight formats q8_0 and q4_0, laid out byte for byte as ggml lays them out
// (ggml-common.h block_q8_0 / block_q4_0), so a GGUF tensor of these types is used as is.
// A block holds 32 consecutive weights of a row and one IEEE fp16 scale d:
//   q8_0: 34 bytes, d = amax/127, q = round(x/d) in [-127, 127]; x ≈ d·q.
//   q4_0: 18 bytes, d = max/-8 (max: the element of largest magnitude, with its sign),
//         q = trunc(x/d + 8.5) clamped to [0, 15]; x ≈ d·(q − 8). Byte j holds element j in
//         its low nibble and element j+16 in its high nibble.
// 8.5 and 4.5 bits per weight.
//
// quantize_row_q8_0 / quantize_row_q4_0 are byte-identical to ggml's reference quantizers
// quantize_row_q8_0_ref / quantize_row_q4_0_ref (ggml/src/ggml-quants.c), which are also
// what gguf-py's numpy quantizer reproduces (gguf-py/gguf/quants.py, used by convert scripts):
// every operation is the same f32 operation in the same order (amax by fabsf, d by one f32
// division, id = 1/d, x·id rounded to f32, then roundf — half away from zero — for q8_0, or
// + 8.5f and truncation for q4_0), and d goes to fp16 rounding to nearest even. quant.cpp is
// compiled with -ffp-contract=off: a fused x·id + 8.5f would round once instead of twice and
// change some q4_0 nibbles (gguf-py's comment calls that rounding "cursed").
// Tested against blocks written by gguf-py itself: tests/quant_test.cpp.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>

namespace lmh::kernels {

inline constexpr int kQuantBlock = 32;  // weights per block, both formats

struct BlockQ8_0 {
    std::uint16_t d;       // fp16 scale
    std::int8_t qs[32];
};
struct BlockQ4_0 {
    std::uint16_t d;       // fp16 scale
    std::uint8_t qs[16];   // element j: low nibble of qs[j]; element j+16: high nibble
};
static_assert(sizeof(BlockQ8_0) == 34 && alignof(BlockQ8_0) == 2, "ggml's block_q8_0 layout");
static_assert(sizeof(BlockQ4_0) == 18 && alignof(BlockQ4_0) == 2, "ggml's block_q4_0 layout");

// IEEE binary16 <-> binary32. Widening is exact (subnormals included); narrowing rounds to
// nearest even, overflow to Inf, NaN stays NaN (quiet), as F16C's vcvtps2ph with imm 0 and
// numpy's astype(float16) do.
std::uint16_t f32_to_f16(float f);
inline float f16_to_f32(std::uint16_t h) {
    const std::uint32_t sign = static_cast<std::uint32_t>(h & 0x8000u) << 16;
    const std::uint32_t exp = (h >> 10) & 0x1Fu, mant = h & 0x3FFu;
    if (exp == 0x1Fu) return std::bit_cast<float>(sign | 0x7F800000u | (mant << 13));  // Inf, NaN
    if (exp != 0) return std::bit_cast<float>(sign | ((exp + 112u) << 23) | (mant << 13));
    // Zero or subnormal: mant · 2^-24, exact in f32.
    const float v = static_cast<float>(mant) * 0x1p-24f;
    return sign ? -v : v;
}

// k (a multiple of 32) floats into k/32 blocks.
void quantize_row_q8_0(const float* x, BlockQ8_0* y, std::size_t k);
void quantize_row_q4_0(const float* x, BlockQ4_0* y, std::size_t k);
// k/32 blocks back into k floats: d·q, exact in f32 (an 11-bit scale times a small integer).
void dequantize_row_q8_0(const BlockQ8_0* x, float* y, std::size_t k);
void dequantize_row_q4_0(const BlockQ4_0* x, float* y, std::size_t k);

}  // namespace lmh::kernels
