// gather_naive: copy one embedding row per id.
#include <cstring>

#include "kernels/gather.h"
#include "kernels/preconditions.h"

namespace lmh::kernels {

void gather_naive(const float* table, const int* ids, float* out, int n_ids, int dim) {
    preconditions::gather(table, ids, out, n_ids, dim);
    for (int i = 0; i < n_ids; ++i)
        std::memcpy(out + (long)i * dim, table + (long)ids[i] * dim, sizeof(float) * (size_t)dim);
}

}  // namespace lmh::kernels
