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
// Every output of the acts=q8 variants is computed by one instruction sequence (quant_dot_avx2.h)
// whatever m, its tile or the thread count: deterministic and batch-invariant.
// The A scratch (k/32 q8_0 blocks per row) is on the stack up to kQ8StackBlocks blocks, else one
// allocation per call (prefill of a big model: m·k/32 blocks, next to m·n·k multiply-adds).
#pragma once

#include <cstdint>

#include "kernels/quant.h"

namespace lmh::kernels {

using MatmulQ8_0Fn = void (*)(const float* a, const BlockQ8_0* b, float* c, int m, int n, int k);
using MatmulQ4_0Fn = void (*)(const float* a, const BlockQ4_0* b, float* c, int m, int n, int k);

void matmul_q8_0_naive(const float* a, const BlockQ8_0* b, float* c, int m, int n, int k);
void matmul_q8_0_simd(const float* a, const BlockQ8_0* b, float* c, int m, int n, int k);
void matmul_q8_0_tbb_simd(const float* a, const BlockQ8_0* b, float* c, int m, int n, int k);

void matmul_q4_0_naive(const float* a, const BlockQ4_0* b, float* c, int m, int n, int k);
void matmul_q4_0_simd(const float* a, const BlockQ4_0* b, float* c, int m, int n, int k);
void matmul_q4_0_tbb_simd(const float* a, const BlockQ4_0* b, float* c, int m, int n, int k);

// The acts=q8 AVX2 variants' activation quantizer (quant_act_avx2.cpp; call only after
// cpu_supports(CpuNeed::avx2)): nb blocks of 32 floats into the very blocks quantize_row_q8_0
// makes, with each block's scale as f32 and 8·Σq (the q4_0 kernels' offset term).
void quantize_act_q8_0_avx2(const float* x, BlockQ8_0* y, float* scales, std::int32_t* sums8, int nb);

}  // namespace lmh::kernels
