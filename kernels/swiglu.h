// SwiGLU gate: out[i] = silu(gate[i]) · up[i], silu(x) = x / (1 + e^-x). out may alias gate.
#pragma once

namespace lmh::kernels {

using SwigluFn = void (*)(const float* gate, const float* up, float* out, int n);

void swiglu_naive(const float* gate, const float* up, float* out, int n);

}  // namespace lmh::kernels
