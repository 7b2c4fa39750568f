// matmul_q8_0_simd / matmul_q4_0_simd, AVX-512 VNNI row (acts=q8, one thread): A quantized once
// per call, then 16 weight rows at a time packed for vpdpbusd and multiplied by every row of A
// (quant_dot_vnni.h). Fewer than kMinRows rows of A (decode) take 256-bit decode tiles of 8
// weight rows. The outputs are the AVX2 rows' bit for bit; the _on_q8 forms skip quantizing A.
#include "kernels/assert.h"
#include "kernels/matmul_quant.h"
#include "kernels/preconditions.h"
#include "kernels/quant_act_scratch.h"
#include "kernels/quant_dot_vnni.h"

namespace lmh::kernels {
namespace {

template <class Block>
void simd_vnni(const float* a, const Block* b, float* c, int m, int n, int k) {
    preconditions::matmul(a, b, c, m, n, k);
    LMH_ASSERT(k % kQuantBlock == 0);
    if ((long)m * n == 0) return;
    const int nb = k / kQuantBlock;
    with_quantized_a(a, m, k, [&](const QuantizedActs& xq) { quant_vnni::any_columns(xq, b, c, m, n, nb, 0, n); });
}

template <class Block>
void simd_vnni_on_q8(const QuantizedActs& a, const Block* b, float* c, int m, int n, int k) {
    preconditions::matmul(a.blocks, b, c, m, n, k);
    LMH_ASSERT(k % kQuantBlock == 0);
    if ((long)m * n == 0) return;
    quant_vnni::any_columns(a, b, c, m, n, k / kQuantBlock, 0, n);
}

}  // namespace

void matmul_q8_0_simd_vnni_on_q8(const QuantizedActs& a, const BlockQ8_0* b, float* c, int m, int n, int k) { simd_vnni_on_q8(a, b, c, m, n, k); }
void matmul_q4_0_simd_vnni_on_q8(const QuantizedActs& a, const BlockQ4_0* b, float* c, int m, int n, int k) { simd_vnni_on_q8(a, b, c, m, n, k); }

void matmul_q8_0_simd_vnni(const float* a, const BlockQ8_0* b, float* c, int m, int n, int k) { simd_vnni(a, b, c, m, n, k); }
void matmul_q4_0_simd_vnni(const float* a, const BlockQ4_0* b, float* c, int m, int n, int k) { simd_vnni(a, b, c, m, n, k); }

}  // namespace lmh::kernels
