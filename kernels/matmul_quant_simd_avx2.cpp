// matmul_q8_0_simd / matmul_q4_0_simd (acts=q8, AVX2, one thread): A quantized once per call,
// then every output by quant_dot_avx2.h's per-block integer dot products: tiles of 1 to 4 rows
// of A x 4 weight rows, one f32 FMA per block and A row for the 4, and column groups kept in
// L1 while the rows of A pass them. The _on_q8 forms skip the quantization (A given quantized).
#include "kernels/assert.h"
#include "kernels/matmul_quant.h"
#include "kernels/preconditions.h"
#include "kernels/quant_act_scratch.h"
#include "kernels/quant_dot_avx2.h"

namespace lmh::kernels {
namespace {

template <class Block>
void simd(const float* a, const Block* b, float* c, int m, int n, int k) {
    preconditions::matmul(a, b, c, m, n, k);
    LMH_ASSERT(k % kQuantBlock == 0);
    if ((long)m * n == 0) return;
    const int nb = k / kQuantBlock;
    with_quantized_a(a, m, k, [&](const quant_avx2::Act& xq) { quant_avx2::columns(xq, b, c, m, n, nb, 0, n); });
}

template <class Block>
void simd_on_q8(const QuantizedActs& a, const Block* b, float* c, int m, int n, int k) {
    preconditions::matmul(a.blocks, b, c, m, n, k);
    LMH_ASSERT(k % kQuantBlock == 0);
    if ((long)m * n == 0) return;
    quant_avx2::columns(a, b, c, m, n, k / kQuantBlock, 0, n);
}

}  // namespace

void matmul_q8_0_simd_on_q8(const QuantizedActs& a, const BlockQ8_0* b, float* c, int m, int n, int k) { simd_on_q8(a, b, c, m, n, k); }
void matmul_q4_0_simd_on_q8(const QuantizedActs& a, const BlockQ4_0* b, float* c, int m, int n, int k) { simd_on_q8(a, b, c, m, n, k); }

void matmul_q8_0_simd(const float* a, const BlockQ8_0* b, float* c, int m, int n, int k) { simd(a, b, c, m, n, k); }
void matmul_q4_0_simd(const float* a, const BlockQ4_0* b, float* c, int m, int n, int k) { simd(a, b, c, m, n, k); }

}  // namespace lmh::kernels
