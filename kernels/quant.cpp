// The q8_0 / q4_0 reference quantizers (quant.h). Compiled with -ffp-contract=off
// (CMakeLists.txt): see quant.h for why fused multiply-adds would change q4_0 blocks.
#include "kernels/quant.h"

#include <algorithm>
#include <cmath>

namespace lmh::kernels {

std::uint16_t f32_to_f16(float f) {
    std::uint32_t x = std::bit_cast<std::uint32_t>(f);
    const std::uint32_t sign = (x >> 16) & 0x8000u;
    x &= 0x7FFFFFFFu;
    if (x >= 0x47800000u)  // |f| >= 65536 (or Inf, NaN): Inf, or a quiet NaN
        return static_cast<std::uint16_t>(sign | (x > 0x7F800000u ? 0x7E00u : 0x7C00u));
    if (x < 0x38800000u) {  // below 2^-14, the smallest normal half: zero or subnormal
        // Adding 0.5 (2^-1) puts the value's 2^-24 units in the low mantissa bits of the sum,
        // rounded to nearest even by the FPU's own addition; subtracting the bits of 0.5 leaves them.
        const float magic = 0.5f;
        const float sum = std::bit_cast<float>(x) + magic;
        return static_cast<std::uint16_t>(sign | (std::bit_cast<std::uint32_t>(sum) - std::bit_cast<std::uint32_t>(magic)));
    }
    // Normal: rebias the exponent (127 -> 15) and round the 13 dropped bits to nearest even; a
    // carry out of the mantissa bumps the exponent, up to Inf for [65520, 65536).
    const std::uint32_t odd = (x >> 13) & 1u;
    x += 0xC8000FFFu + odd;  // (15 - 127) << 23, plus the rounding bias
    return static_cast<std::uint16_t>(sign | (x >> 13));
}

void quantize_row_q8_0(const float* x, BlockQ8_0* y, std::size_t k) {
    for (std::size_t b = 0; b < k / kQuantBlock; ++b, x += kQuantBlock) {
        float amax = 0.0f;
        for (int j = 0; j < kQuantBlock; ++j) amax = std::max(amax, std::fabs(x[j]));
        const float d = amax / 127.0f;
        const float id = d != 0.0f ? 1.0f / d : 0.0f;
        y[b].d = f32_to_f16(d);
        for (int j = 0; j < kQuantBlock; ++j) {
            const float x0 = x[j] * id;
            y[b].qs[j] = static_cast<std::int8_t>(std::round(x0));  // roundf: halves away from zero
        }
    }
}

void quantize_row_q4_0(const float* x, BlockQ4_0* y, std::size_t k) {
    constexpr int half = kQuantBlock / 2;
    for (std::size_t b = 0; b < k / kQuantBlock; ++b, x += kQuantBlock) {
        float amax = 0.0f, max = 0.0f;
        for (int j = 0; j < kQuantBlock; ++j) {  // the first element of largest magnitude, with its sign
            if (amax < std::fabs(x[j])) {
                amax = std::fabs(x[j]);
                max = x[j];
            }
        }
        const float d = max / -8.0f;
        const float id = d != 0.0f ? 1.0f / d : 0.0f;
        y[b].d = f32_to_f16(d);
        for (int j = 0; j < half; ++j) {
            const float x0 = x[j] * id, x1 = x[half + j] * id;
            // (int8_t)(x + 8.5f) truncates toward zero; x·id lies in [-8, 8] up to rounding, so
            // the sum is in [0.5, 16.5] and only 16 needs the clamp.
            const auto q0 = static_cast<std::uint8_t>(std::min(15, static_cast<int>(static_cast<std::int8_t>(x0 + 8.5f))));
            const auto q1 = static_cast<std::uint8_t>(std::min(15, static_cast<int>(static_cast<std::int8_t>(x1 + 8.5f))));
            y[b].qs[j] = static_cast<std::uint8_t>(q0 | (q1 << 4));
        }
    }
}

void dequantize_row_q8_0(const BlockQ8_0* x, float* y, std::size_t k) {
    for (std::size_t b = 0; b < k / kQuantBlock; ++b) {
        const float d = f16_to_f32(x[b].d);
        for (int j = 0; j < kQuantBlock; ++j) y[b * kQuantBlock + j] = d * static_cast<float>(x[b].qs[j]);
    }
}

void dequantize_row_q4_0(const BlockQ4_0* x, float* y, std::size_t k) {
    constexpr int half = kQuantBlock / 2;
    for (std::size_t b = 0; b < k / kQuantBlock; ++b) {
        const float d = f16_to_f32(x[b].d);
        for (int j = 0; j < half; ++j) {
            y[b * kQuantBlock + j] = d * static_cast<float>((x[b].qs[j] & 0x0F) - 8);
            y[b * kQuantBlock + half + j] = d * static_cast<float>((x[b].qs[j] >> 4) - 8);
        }
    }
}

}  // namespace lmh::kernels
