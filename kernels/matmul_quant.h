// matmul with block-quantized weights: C[m×n] = A[m×k] · B[n×k]ᵀ, A and C f32, B in q8_0 or
// q4_0 blocks (kernels/quant.h), each of the n rows k/32 blocks in the checkpoint layout of
// matmul.h. k must be a multiple of 32 (a matrix whose rows are not stays bf16: the engine's
// fallback, engine/projections.h). C is write-only.
//
// Two activation strategies (the `acts` of a kernel set, VariantInfo::activations):
//   acts=f32  the weights are dequantized in registers (d·q, exact in f32) and multiplied by
//             the f32 activations, k in order: the result is matmul_naive's on the
//             dequantized matrix, so its only error is the weights' quantization.
//   acts=q8   each row of A is quantized per 32-block to int8 with an fp16 scale (q8_0, by
//             quantize_row_q8_0), and each block's dot product is an exact integer sum, scaled
//             by d_a·d_b and accumulated in f32, as ggml's vec_dot_q8_0_q8_0 / q4_0_q8_0 do.
//             Activations lose about as much as q8_0 weights do; the integer products are
//             4x denser per instruction than f32 FMAs.
//
// Variants (one file per kind):
//   matmul_q8_0_naive.cpp / matmul_q4_0_naive.cpp   acts=f32, one dot product per output.
//   matmul_quant_simd_avx2.cpp      acts=q8, AVX2: A quantized once per call, tiles of 1 (decode)
//                                   or 4 (prefill) rows of A x 4 weight rows, _mm_maddubs_epi16 per
//                                   block and pair, the 4 rows' int sums folded into one vector,
//                                   one f32 FMA per block for all 4, the next tile's weights
//                                   prefetched (quant_dot_avx2.h).
//   matmul_quant_tbb_simd_avx2.cpp  the same per-output code on contiguous pieces of the n
//                                   outputs, oneTBB static partition.
//   matmul_quant_simd_avx512vnni.cpp, matmul_quant_tbb_simd_avx512vnni.cpp
//                                   acts=q8, AVX-512 VNNI: prefill with 16 weight rows packed
//                                   for vpdpbusd (quant_dot_vnni.h), decode in 256-bit tiles
//                                   of 8 weight rows; bitwise the AVX2 rows' outputs.
// Every output of the acts=q8 variants is computed by one instruction sequence (quant_dot_avx2.h)
// whatever m, its tile or the thread count: deterministic and batch-invariant.
// The A scratch (k/32 q8_0 blocks per row; quant_act_scratch.h) is on the stack up to
// kQ8StackBlocks blocks, else one allocation per call (prefill of a big model: m·k/32 blocks,
// next to m·n·k multiply-adds).
//
// Split form (the AVX2 acts=q8 rows, simd and tbb-simd alike): quantize_act_q8_0_avx2 once,
// then matmul_q*_0_simd_on_q8 on any pieces of the weight rows, bitwise the whole call's
// outputs, on the calling thread (the caller is the one that splits the work). It is for a
// caller that multiplies one activation row by many pieces of matrices: the fused decode step
// cuts each matmul into units of ~24 weight rows, and quantizing the row again per unit cost
// more than the unit's integer dot products (2.3 µs per 2048 floats against ~4 µs of dot
// products on Zen 1 before the quantizer took 8 blocks per step; still 1.3 µs after).
#pragma once

#include <cstdint>

#include "kernels/quant.h"

namespace lmh::kernels {

// A's rows already quantized to q8_0 (acts=q8): m rows of k/32 blocks, each block's scale as
// f32, and 8·Σq per block (q4_0's offset term: Σ(q_w − 8)·q_x = Σ q_w·q_x − 8·Σ q_x).
struct QuantizedActs {
    const BlockQ8_0* blocks;
    const float* scales;
    const std::int32_t* sums8;
};

using MatmulQ8_0Fn = void (*)(const float* a, const BlockQ8_0* b, float* c, int m, int n, int k);
using MatmulQ4_0Fn = void (*)(const float* a, const BlockQ4_0* b, float* c, int m, int n, int k);

void matmul_q8_0_naive(const float* a, const BlockQ8_0* b, float* c, int m, int n, int k);
void matmul_q8_0_simd(const float* a, const BlockQ8_0* b, float* c, int m, int n, int k);
void matmul_q8_0_tbb_simd(const float* a, const BlockQ8_0* b, float* c, int m, int n, int k);

void matmul_q4_0_naive(const float* a, const BlockQ4_0* b, float* c, int m, int n, int k);
void matmul_q4_0_simd(const float* a, const BlockQ4_0* b, float* c, int m, int n, int k);
void matmul_q4_0_tbb_simd(const float* a, const BlockQ4_0* b, float* c, int m, int n, int k);

// The AVX-512 VNNI rows (quant_dot_vnni.h): bitwise the AVX2 rows' outputs, faster prefill.
void matmul_q8_0_simd_vnni(const float* a, const BlockQ8_0* b, float* c, int m, int n, int k);
void matmul_q8_0_tbb_simd_vnni(const float* a, const BlockQ8_0* b, float* c, int m, int n, int k);
void matmul_q4_0_simd_vnni(const float* a, const BlockQ4_0* b, float* c, int m, int n, int k);
void matmul_q4_0_tbb_simd_vnni(const float* a, const BlockQ4_0* b, float* c, int m, int n, int k);
void matmul_q8_0_simd_vnni_on_q8(const QuantizedActs& a, const BlockQ8_0* b, float* c, int m, int n, int k);
void matmul_q4_0_simd_vnni_on_q8(const QuantizedActs& a, const BlockQ4_0* b, float* c, int m, int n, int k);

// The split form: the same outputs as the whole functions above, from A quantized by
// quantize_act_q8_0_avx2 (one call per row of A), on one thread.
using QuantizeActsFn = void (*)(const float* x, BlockQ8_0* y, float* scales, std::int32_t* sums8, int nb);
using MatmulQ8_0OnQ8Fn = void (*)(const QuantizedActs& a, const BlockQ8_0* b, float* c, int m, int n, int k);
using MatmulQ4_0OnQ8Fn = void (*)(const QuantizedActs& a, const BlockQ4_0* b, float* c, int m, int n, int k);
void matmul_q8_0_simd_on_q8(const QuantizedActs& a, const BlockQ8_0* b, float* c, int m, int n, int k);
void matmul_q4_0_simd_on_q8(const QuantizedActs& a, const BlockQ4_0* b, float* c, int m, int n, int k);

// The acts=q8 AVX2 variants' activation quantizer (quant_act_avx2.cpp; call only after
// cpu_supports(CpuNeed::avx2)): nb blocks of 32 floats into the very blocks quantize_row_q8_0
// makes, with each block's scale as f32 and 8·Σq (the q4_0 kernels' offset term).
void quantize_act_q8_0_avx2(const float* x, BlockQ8_0* y, float* scales, std::int32_t* sums8, int nb);

}  // namespace lmh::kernels
