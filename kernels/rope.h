// Rotary position embedding, Hugging Face "rotate half" convention, applied in place.
// x: [seq × n_heads × head_dim]. For each head, element pairs (i, i + head_dim/2) are
// rotated by the angle of row r's position: cos[r × half + i], sin[r × half + i] with
// half = head_dim / 2. The tables are computed by the caller (the engine does it once per
// session, in double precision), so the kernel never calls sin/cos and never sees theta.
#pragma once

namespace lmh::kernels {

using RopeFn = void (*)(float* x, int seq, int n_heads, int head_dim, const float* cos, const float* sin);

// Variants: naive; simd (AVX-512, rope_simd_avx512.cpp). No blocked or tbb: a few
// multiply-adds per element of q and k, too little work to tile or split.
void rope_naive(float* x, int seq, int n_heads, int head_dim, const float* cos, const float* sin);
void rope_simd(float* x, int seq, int n_heads, int head_dim, const float* cos, const float* sin);

}  // namespace lmh::kernels
