// RoPE cos/sin tables, computed in double precision and rounded once to f32:
// angle(p, i) = p · inv_freq(i), inv_freq(i) = theta^(−2i/head_dim), i < head_dim/2, tables
// [positions × head_dim/2]; with rope_scaling "llama3" the inverse frequencies are rescaled
// first (rope_inv_freq). Shared by the session and by verify's per-op checks so both rotate
// identically.
#pragma once

#include <cmath>
#include <cstddef>
#include <numbers>

#include "engine/config.h"

namespace lmh {

// Hugging Face's _compute_llama3_parameters, in double: wavelengths longer than
// original_max_positions / low_freq_factor are slowed down by `factor`, wavelengths shorter
// than original_max_positions / high_freq_factor are kept, and the band between is blended
// linearly in original_max_positions / wavelength. The attention factor of this type is 1,
// so cos and sin are not scaled.
inline double rope_inv_freq(int i, int head_dim, double theta, const RopeScaling& s) {
    const double inv_freq = std::pow(theta, -2.0 * i / head_dim);
    if (s.factor == 0) return inv_freq;
    const double wavelen = 2.0 * std::numbers::pi / inv_freq;
    const double old_ctx = s.original_max_positions;
    const double low_freq_wavelen = old_ctx / s.low_freq_factor;
    const double high_freq_wavelen = old_ctx / s.high_freq_factor;
    if (wavelen < high_freq_wavelen) return inv_freq;
    if (wavelen > low_freq_wavelen) return inv_freq / s.factor;
    const double smooth = (old_ctx / wavelen - s.low_freq_factor) / (s.high_freq_factor - s.low_freq_factor);
    return (1.0 - smooth) * inv_freq / s.factor + smooth * inv_freq;
}

inline void fill_rope_tables(float* cos_out, float* sin_out, int positions, const ModelConfig& c) {
    const int half = c.head_dim / 2;
    for (int i = 0; i < half; ++i) {
        const double inv_freq = rope_inv_freq(i, c.head_dim, c.rope_theta, c.rope_scaling);
        for (int p = 0; p < positions; ++p) {
            const double angle = p * inv_freq;
            cos_out[static_cast<std::size_t>(p) * half + i] = static_cast<float>(std::cos(angle));
            sin_out[static_cast<std::size_t>(p) * half + i] = static_cast<float>(std::sin(angle));
        }
    }
}

}  // namespace lmh
