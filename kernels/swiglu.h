// SwiGLU gate: out[i] = silu(gate[i]) · up[i], silu(x) = x / (1 + e^-x). out may alias gate.
#pragma once

namespace lmh::kernels {

using SwigluFn = void (*)(const float* gate, const float* up, float* out, int n);

// Variants: naive; tbb (naive on pieces); simd (AVX-512 vector exp, swiglu_simd_avx512.cpp);
// tbb-simd (simd on pieces). No blocked: elementwise, nothing to tile.
void swiglu_naive(const float* gate, const float* up, float* out, int n);
void swiglu_tbb(const float* gate, const float* up, float* out, int n);
void swiglu_simd(const float* gate, const float* up, float* out, int n);
void swiglu_tbb_simd(const float* gate, const float* up, float* out, int n);

}  // namespace lmh::kernels
