// rope_naive: rotate each (i, i + half) pair of every head with the row's cos/sin table.
#include "kernels/rope.h"
#include "kernels/preconditions.h"

namespace lmh::kernels {

void rope_naive(float* x, int seq, int n_heads, int head_dim, const float* cos, const float* sin) {
    preconditions::rope(x, seq, n_heads, head_dim, cos, sin);
    const int half = head_dim / 2;
    for (int r = 0; r < seq; ++r) {
        const float* cr = cos + (long)r * half;
        const float* sr = sin + (long)r * half;
        for (int h = 0; h < n_heads; ++h) {
            float* v = x + ((long)r * n_heads + h) * head_dim;
            for (int i = 0; i < half; ++i) {
                const float x0 = v[i];
                const float x1 = v[i + half];
                v[i] = x0 * cr[i] - x1 * sr[i];
                v[i + half] = x1 * cr[i] + x0 * sr[i];
            }
        }
    }
}

}  // namespace lmh::kernels
