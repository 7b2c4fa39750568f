// swiglu_tbb: swiglu_naive on pieces of the vector distributed by oneTBB (no blocked
// swiglu: an elementwise op has nothing to tile). ~25 flops per element (the exp), so
// decode-sized vectors (1092) stay serial; prefill-sized ones split. Elements are
// independent: bitwise identical results for any thread count.
#include "kernels/parallel_policy.h"
#include "kernels/swiglu.h"
#include "kernels/preconditions.h"

namespace lmh::kernels {

void swiglu_tbb(const float* gate, const float* up, float* out, int n) {
    preconditions::swiglu(gate, up, out, n);
    constexpr int kBlock = 256;  // elements per unit
    const int units = (n + kBlock - 1) / kBlock;
    parallel_policy::split_units(units, 25.0 * kBlock, [&](int u0, int u1) {
        const int i0 = u0 * kBlock, i1 = u1 * kBlock < n ? u1 * kBlock : n;
        swiglu_naive(gate + i0, up + i0, out + i0, i1 - i0);
    });
}

}  // namespace lmh::kernels
