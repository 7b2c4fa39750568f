// Float64 references for the kernels: the independent source of expected values of the
// case table (kernel_case.h) that tests/kernels_test.cpp checks. Straightforward loops in
// double, written from the op definitions in the kernels/*.h headers (not from any
// variant), inputs taken as float.
#pragma once

#include <vector>

namespace lmh::kernels::reference {

// C = alpha · A · Bᵀ + beta · C0 (c0 ignored when beta == 0). A [m×k], B [n×k].
std::vector<double> matmul(const float* a, const float* b, const float* c0, int m, int n, int k, double alpha,
                           double beta);
std::vector<double> rmsnorm(const float* x, const float* w, int rows, int dim, double eps);
std::vector<double> rope(const float* x, int seq, int n_heads, int head_dim, const float* cos, const float* sin);
// Hidden columns are exactly 0.
std::vector<double> softmax(const float* x, int rows, int cols, int pos0, int window);
std::vector<double> attention(const float* q, const float* k, const float* v, int seq, int pos0, int n_heads,
                              int n_kv_heads, int head_dim, int window, double scale);
std::vector<double> swiglu(const float* gate, const float* up, int n);

}  // namespace lmh::kernels::reference
