// f32 <-> bf16 conversion (kernels/bf16.h): round to nearest, ties to even, checked on
// hand-derived bit patterns (ties both ways, carries into the exponent, overflow to Inf,
// signed zeros, subnormals, NaN), on every bf16 value round-tripped, and on random bit
// patterns against a rounding written from the definition (nearest of the two bf16 values
// around x, in double; on a tie the one with an even last bit).
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

#include "kernels/bf16.h"

namespace lmh::kernels {
namespace {

float from_bits(std::uint32_t u) { return std::bit_cast<float>(u); }
bool is_bf16_nan(std::uint16_t h) { return (h & 0x7F80u) == 0x7F80u && (h & 0x007Fu) != 0; }

TEST(Bf16, RoundsToNearestEvenOnHandDerivedCases) {
    struct Case {
        std::uint32_t in;
        std::uint16_t out;
        const char* why;
    };
    const Case cases[] = {
        {0x3F800000, 0x3F80, "1.0 is exact"},
        {0xBF800000, 0xBF80, "-1.0 is exact"},
        {0x3F808000, 0x3F80, "tie, kept part even: stays"},
        {0x3F818000, 0x3F82, "tie, kept part odd: up to even"},
        {0x3F80C000, 0x3F81, "above half: up"},
        {0x3F807FFF, 0x3F80, "just below half: down"},
        {0x3F80FFFF, 0x3F81, "just below the next: up"},
        {0xBF818000, 0xBF82, "negative tie, odd: away from zero to even"},
        {0xBF80C000, 0xBF81, "negative above half: magnitude up"},
        {0x3FFFFFFF, 0x4000, "mantissa carry into the exponent: 2.0"},
        {0x00000000, 0x0000, "+0"},
        {0x80000000, 0x8000, "-0 keeps its sign"},
        {0x00008000, 0x0000, "subnormal tie, even: to zero"},
        {0x00018000, 0x0002, "subnormal tie, odd: up"},
        {0x007FFFFF, 0x0080, "largest subnormal rounds to the smallest normal"},
        {0x7F800000, 0x7F80, "+Inf"},
        {0xFF800000, 0xFF80, "-Inf"},
        {0x7F7F7FFF, 0x7F7F, "just below the midpoint above the largest bf16: stays finite"},
        {0x7F7F8000, 0x7F80, "tie above the largest bf16 (odd): Inf"},
        {0x7F7FFFFF, 0x7F80, "largest finite float: Inf"},
        {0xFF7FFFFF, 0xFF80, "most negative finite float: -Inf"},
    };
    for (const Case& c : cases)
        EXPECT_EQ(f32_to_bf16(from_bits(c.in)), c.out) << std::hex << "0x" << c.in << ": " << c.why;
}

TEST(Bf16, NanStaysNan) {
    for (std::uint32_t nan : {0x7FC00000u, 0xFFC00000u, 0x7F800001u, 0x7F807FFFu, 0x7FFFFFFFu, 0xFFFFFFFFu, 0x7FBFFFFFu}) {
        const std::uint16_t h = f32_to_bf16(from_bits(nan));
        EXPECT_TRUE(is_bf16_nan(h)) << std::hex << "0x" << nan << " -> 0x" << h;
        EXPECT_TRUE(h & 0x0040u) << std::hex << "0x" << nan << " -> 0x" << h << " is not quiet";
        EXPECT_EQ(h >> 15, nan >> 31) << std::hex << "0x" << nan << ": sign";
        EXPECT_TRUE(std::isnan(bf16_to_f32(h)));
    }
    EXPECT_TRUE(is_bf16_nan(f32_to_bf16(std::numeric_limits<float>::quiet_NaN())));
}

TEST(Bf16, WideningIsExactAndEveryBf16RoundTrips) {
    EXPECT_EQ(bf16_to_f32(0x3F80), 1.0f);
    EXPECT_EQ(bf16_to_f32(0xC000), -2.0f);
    EXPECT_EQ(bf16_to_f32(0x7F80), std::numeric_limits<float>::infinity());
    for (std::uint32_t h = 0; h <= 0xFFFF; ++h) {
        const float f = bf16_to_f32((std::uint16_t)h);
        ASSERT_EQ(std::bit_cast<std::uint32_t>(f), h << 16);
        if (is_bf16_nan((std::uint16_t)h)) {
            ASSERT_TRUE(is_bf16_nan(f32_to_bf16(f))) << std::hex << h;
        } else {
            ASSERT_EQ(f32_to_bf16(f), h) << std::hex << h;
        }
    }
}

// The definition: of the bf16 values just below and just above |x| (truncation, and the next
// one up), the nearer; on a tie the one whose last kept bit is 0.
std::uint16_t reference_round(std::uint32_t u) {
    const std::uint32_t sign = u & 0x80000000u, mag = u & 0x7FFFFFFFu;
    const std::uint32_t lo = mag & 0xFFFF0000u;
    if (lo == mag) return (std::uint16_t)((sign | mag) >> 16);
    const std::uint32_t hi = lo + 0x10000u;  // may be 0x7F800000: Inf
    const double x = from_bits(mag), dlo = x - from_bits(lo);
    // The value above the largest finite bf16 is Inf; for rounding it stands at 2^128.
    const double dhi = (hi == 0x7F800000u ? std::ldexp(1.0, 128) : (double)from_bits(hi)) - x;
    const std::uint32_t pick = dlo < dhi ? lo : dhi < dlo ? hi : ((lo >> 16) & 1u) ? hi : lo;
    return (std::uint16_t)((sign | pick) >> 16);
}

TEST(Bf16, MatchesTheDefinitionOnRandomBitPatterns) {
    std::mt19937 rng(2024);
    std::vector<float> src;
    for (int i = 0; i < 200000; ++i) {
        std::uint32_t u = rng();
        if ((u & 0x7F800000u) == 0x7F800000u) continue;  // NaN and Inf: covered above
        if (i % 4 == 0) u = (u & 0xFFFF0000u) | 0x8000u;  // many exact ties
        src.push_back(from_bits(u));
        ASSERT_EQ(f32_to_bf16(src.back()), reference_round(u)) << std::hex << "0x" << u;
    }
    std::vector<std::uint16_t> dst(src.size() + 1, 0xABCD);
    f32_to_bf16_n(src.data(), dst.data(), src.size());
    for (std::size_t i = 0; i < src.size(); ++i) ASSERT_EQ(dst[i], f32_to_bf16(src[i])) << i;
    EXPECT_EQ(dst.back(), 0xABCD) << "f32_to_bf16_n wrote past n";
}

}  // namespace
}  // namespace lmh::kernels
