// swiglu_tbb_simd: swiglu_simd on pieces of the vector distributed by oneTBB; the vector
// exp is ~4x cheaper than std::exp, so the serial threshold is 4x higher in elements.
#include "kernels/parallel_policy.h"
#include "kernels/swiglu.h"
#include "kernels/preconditions.h"

namespace lmh::kernels {

void swiglu_tbb_simd(const float* gate, const float* up, float* out, int n) {
    preconditions::swiglu(gate, up, out, n);
    constexpr int kBlock = 256;  // elements per unit, a multiple of 16
    const int units = (n + kBlock - 1) / kBlock;
    parallel_policy::split_units(units, 25.0 * kBlock / 4, [&](int u0, int u1) {
        const int i0 = u0 * kBlock, i1 = u1 * kBlock < n ? u1 * kBlock : n;
        swiglu_simd(gate + i0, up + i0, out + i0, i1 - i0);
    });
}

}  // namespace lmh::kernels
