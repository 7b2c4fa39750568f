// RoPE cos/sin tables, computed in double precision and rounded once to f32:
// angle(p, i) = p · theta^(−2i/head_dim), i < head_dim/2, tables [positions × head_dim/2].
// Shared by the session and by verify's per-op checks so both rotate identically.
#pragma once

#include <cmath>
#include <cstddef>

namespace lmh {

inline void fill_rope_tables(float* cos_out, float* sin_out, int positions, int head_dim, double theta) {
    const int half = head_dim / 2;
    for (int p = 0; p < positions; ++p) {
        for (int i = 0; i < half; ++i) {
            const double angle = p * std::pow(theta, -2.0 * i / head_dim);
            cos_out[static_cast<std::size_t>(p) * half + i] = static_cast<float>(std::cos(angle));
            sin_out[static_cast<std::size_t>(p) * half + i] = static_cast<float>(std::sin(angle));
        }
    }
}

}  // namespace lmh
