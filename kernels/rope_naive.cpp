// rope_naive: rotate each (i, i + half) pair of every head with the row's cos/sin table.
#include "kernels/rope.h"
#include "kernels/mutants.h"
#include "kernels/preconditions.h"

namespace lmh::kernels {

void rope_naive(float* x, int seq, int n_heads, int head_dim, const float* cos, const float* sin) {
    preconditions::rope(x, seq, n_heads, head_dim, cos, sin);
    const int half = head_dim / 2;
    for (int r = 0; r < seq; ++r) {
        const int rp = r - (r > 0) * LMH_MUTANT(rope_naive_position_minus_one);
        const float* cr = cos + (long)rp * half;
        const float* sr = sin + (long)rp * half;
        for (int h = 0; h < n_heads; ++h) {
            float* v = x + ((long)r * n_heads + h) * head_dim;
            for (int i = 0; i < half; ++i) {
                // The pair partner: i + half (rotate half); 2i+1 for the interleaved-pairs mutant.
                float* p0 = LMH_MUTANT(rope_naive_pair_swap) ? v + 2 * i : v + i;
                float* p1 = LMH_MUTANT(rope_naive_pair_swap) ? v + 2 * i + 1 : v + i + half;
                const float x0 = *p0, x1 = *p1;
                const float s = LMH_MUTANT(rope_naive_sign_swap) ? -sr[i] : sr[i];
                *p0 = x0 * cr[i] - x1 * s;
                *p1 = x1 * cr[i] + x0 * s;
            }
        }
    }
}

}  // namespace lmh::kernels
