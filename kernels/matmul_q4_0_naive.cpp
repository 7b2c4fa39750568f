// matmul_q4_0_naive (acts=f32): one dot product per output, k in order, each weight
// dequantized as it is read (d·(q − 8), exact in f32), so the result equals matmul_naive's on
// the dequantized matrix bit for bit. The baseline the acts=q8 variants are checked against.
#include "kernels/assert.h"
#include "kernels/matmul_quant.h"
#include "kernels/preconditions.h"

namespace lmh::kernels {

void matmul_q4_0_naive(const float* a, const BlockQ4_0* b, float* c, int m, int n, int k) {
    preconditions::matmul(a, b, c, m, n, k);
    LMH_ASSERT(k % kQuantBlock == 0);
    const int nb = k / kQuantBlock;
    constexpr int half = kQuantBlock / 2;
    for (int i = 0; i < m; ++i) {
        for (int j = 0; j < n; ++j) {
            const float* x = a + (long)i * k;
            const BlockQ4_0* w = b + (long)j * nb;
            float acc = 0.0f;
            for (int blk = 0; blk < nb; ++blk) {
                const float d = f16_to_f32(w[blk].d);
                for (int t = 0; t < kQuantBlock; ++t) {
                    const int q = t < half ? (w[blk].qs[t] & 0x0F) : (w[blk].qs[t - half] >> 4);
                    acc += x[blk * kQuantBlock + t] * (d * static_cast<float>(q - 8));
                }
            }
            c[(long)i * n + j] = acc;
        }
    }
}

}  // namespace lmh::kernels
