#include "kernels/bf16.h"

#include "kernels/mutants.h"

namespace lmh::kernels {

void f32_to_bf16_n(const float* src, std::uint16_t* dst, std::size_t n) {
    if (LMH_MUTANT(bf16_round_truncate)) {  // mutation testing only: drop the low half
        for (std::size_t i = 0; i < n; ++i) dst[i] = static_cast<std::uint16_t>(std::bit_cast<std::uint32_t>(src[i]) >> 16);
        return;
    }
    for (std::size_t i = 0; i < n; ++i) dst[i] = f32_to_bf16(src[i]);
}

}  // namespace lmh::kernels
