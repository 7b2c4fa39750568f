// Masked softmax over rows of attention scores, in place. x: [rows × cols].
// Row r is the query at position pos0 + r; column c is the key at position c. Column c is
// visible when c <= pos0 + r (causal) and, if window > 0, when pos0 + r - c < window
// (sliding window, Mistral). Hidden columns are written as exactly 0.
// A row must have at least one visible column (always true for causal attention).
#pragma once

namespace lmh::kernels {

using SoftmaxFn = void (*)(float* x, int rows, int cols, int pos0, int window);

// Variants: naive; tbb (naive on row pieces); simd (AVX-512 with vector exp,
// softmax_simd_avx512.cpp); tbb-simd (simd on row pieces). No blocked: see softmax_tbb.cpp.
void softmax_naive(float* x, int rows, int cols, int pos0, int window);
void softmax_tbb(float* x, int rows, int cols, int pos0, int window);
void softmax_simd(float* x, int rows, int cols, int pos0, int window);
void softmax_tbb_simd(float* x, int rows, int cols, int pos0, int window);

}  // namespace lmh::kernels
