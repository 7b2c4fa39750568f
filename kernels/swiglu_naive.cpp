// swiglu_naive: silu(gate) · up, element by element, with std::exp.
#include <cmath>

#include "kernels/swiglu.h"
#include "kernels/preconditions.h"

namespace lmh::kernels {

void swiglu_naive(const float* gate, const float* up, float* out, int n) {
    preconditions::swiglu(gate, up, out, n);
    for (int i = 0; i < n; ++i) {
        const float g = gate[i];
        out[i] = g / (1.0f + std::exp(-g)) * up[i];
    }
}

}  // namespace lmh::kernels
