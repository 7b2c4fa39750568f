// bfloat16 <-> float32. A bf16 is the top 16 bits of an IEEE binary32 (sign, the full
// 8-bit exponent, 7 mantissa bits), so widening is exact (a 16-bit shift) and only the
// narrowing rounds.
//
// Narrowing rounds to nearest, ties to even, rather than truncating: truncation moves every
// weight toward zero, a bias that accumulates over the k terms of a dot product, while RNE
// errors are unbiased and at most half an ulp (2^-9 relative) instead of a whole one. It is
// also what PyTorch's .to(torch.bfloat16) and vcvtneps2bf16 do, so a checkpoint converted
// here or there holds the same bits. NaN is caught before rounding (rounding 0x7FFFFFFF
// would carry into the sign bit, and a NaN whose payload sits only in the dropped bits
// would become Inf) and kept NaN with the quiet bit set; Inf stays Inf, and finite values
// past the largest bf16 round to Inf, as RNE says.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>


namespace lmh::kernels {

inline std::uint16_t f32_to_bf16(float f) {
    const std::uint32_t u = std::bit_cast<std::uint32_t>(f);
    if ((u & 0x7FFFFFFFu) > 0x7F800000u) return static_cast<std::uint16_t>((u >> 16) | 0x0040u);  // NaN: quiet bit
    // Adding 0x7FFF plus the lowest kept bit carries into the kept bits exactly when the
    // dropped half is above 0x8000, or equal to it with the kept part odd. A carry out of
    // the mantissa increments the exponent, which is right (up to Inf at the top).
    const std::uint32_t rounded = u + 0x7FFFu + ((u >> 16) & 1u);
    return static_cast<std::uint16_t>(rounded >> 16);
}

inline float bf16_to_f32(std::uint16_t h) { return std::bit_cast<float>(static_cast<std::uint32_t>(h) << 16); }

// n values at once: how the engine rounds weights to bf16 (once, at load). Out of line, in
// the kernels library, because the bf16_round.truncate mutant lives there (mutants.h): an
// inline function with a mutant would be compiled differently in other libraries.
void f32_to_bf16_n(const float* src, std::uint16_t* dst, std::size_t n);

}  // namespace lmh::kernels
