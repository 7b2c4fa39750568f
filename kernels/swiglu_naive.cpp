// swiglu_naive: silu(gate) · up, element by element, with std::exp.
#include <cmath>

#include "kernels/swiglu.h"
#include "kernels/mutants.h"
#include "kernels/preconditions.h"

namespace lmh::kernels {

void swiglu_naive(const float* gate, const float* up, float* out, int n) {
    preconditions::swiglu(gate, up, out, n);
    for (int i = 0; i < n; ++i) {
        const float g = LMH_MUTANT(swiglu_naive_silu_of_up) ? up[i] : gate[i];
        const float u = LMH_MUTANT(swiglu_naive_silu_of_up) ? gate[i] : up[i];
        out[i] = (LMH_MUTANT(swiglu_naive_sigmoid_not_silu) ? 1.0f : g) / (1.0f + std::exp(-g)) * u;
    }
}

}  // namespace lmh::kernels
