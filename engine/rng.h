// A small portable PRNG (xoshiro256**, seeded through splitmix64). Its output depends only
// on the seed, never on the standard library, so `--seed S` gives the same draws on any
// machine.
#pragma once

#include <array>
#include <cstdint>

namespace lmh {

class Rng {
public:
    explicit Rng(std::uint64_t seed) {
        for (auto& s : s_) s = splitmix64(seed);
    }
    // A generator started from these state words (not all zero): for callers that derive
    // their own seeding, as the synthetic checkpoint does per tensor.
    explicit Rng(const std::array<std::uint64_t, 4>& state) : s_(state) {}
    std::uint64_t next() {
        const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
        const std::uint64_t t = s_[1] << 17;
        s_[2] ^= s_[0];
        s_[3] ^= s_[1];
        s_[1] ^= s_[2];
        s_[0] ^= s_[3];
        s_[2] ^= t;
        s_[3] = rotl(s_[3], 45);
        return result;
    }
    // Uniform in [0, 1) with 53 random bits: exact in double on every platform.
    double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

    // splitmix64: advances x and returns its next output (the standard seeding function).
    static std::uint64_t splitmix64(std::uint64_t& x) {
        std::uint64_t z = (x += 0x9e3779b97f4a7c15ull);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        return z ^ (z >> 31);
    }

private:
    static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
    std::array<std::uint64_t, 4> s_;
};

}  // namespace lmh
