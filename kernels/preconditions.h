// What every variant of an op requires of its arguments, asserted at the top of each kernel
// (LMH_ASSERT: Debug and sanitizer builds only). One function per op, so the variants of
// an op cannot disagree about their contract.
#pragma once

#include <cstdint>

#include "kernels/assert.h"
#include "kernels/attention.h"

namespace lmh::kernels::preconditions {

inline void matmul(const void* a, const void* b, const float* c, int m, int n, int k) {
    LMH_ASSERT(m >= 0 && n >= 0 && k >= 0);
    LMH_ASSERT((long)m * n == 0 || c != nullptr);
    LMH_ASSERT((long)m * n * k == 0 || (a != nullptr && b != nullptr));
}
inline void rmsnorm(const float* x, const float* w, const float* y, int rows, int dim, float eps) {
    LMH_ASSERT(rows >= 0 && dim >= 0 && eps >= 0.0f);
    LMH_ASSERT((long)rows * dim == 0 || (x != nullptr && w != nullptr && y != nullptr));
}
inline void rope(const float* x, int seq, int n_heads, int head_dim, const float* cos, const float* sin) {
    LMH_ASSERT(seq >= 0 && n_heads >= 0 && head_dim >= 0 && head_dim % 2 == 0);
    LMH_ASSERT((long)seq * n_heads * head_dim == 0 || (x != nullptr && cos != nullptr && sin != nullptr));
}
inline void softmax(const float* x, int rows, int cols, int pos0, int window) {
    LMH_ASSERT(rows >= 0 && cols >= 0 && pos0 >= 0 && window >= 0);
    LMH_ASSERT((long)rows * cols == 0 || x != nullptr);
}
inline void attention(const AttentionArgs& a) {
    LMH_ASSERT(a.seq >= 0 && a.pos0 >= 0 && a.window >= 0 && a.head_dim > 0);
    LMH_ASSERT(a.n_kv_heads > 0 && a.n_heads % a.n_kv_heads == 0);
    LMH_ASSERT(a.kv_stride == 0 || a.kv_stride >= a.n_kv_heads * a.head_dim);
    LMH_ASSERT(a.seq == 0 || (a.q != nullptr && a.k != nullptr && a.v != nullptr && a.out != nullptr));
    LMH_ASSERT(a.scratch == nullptr || a.scratch_stride >= static_cast<std::size_t>(a.pos0 + a.seq));
}
inline void swiglu(const float* gate, const float* up, const float* out, int n) {
    LMH_ASSERT(n >= 0);
    LMH_ASSERT(n == 0 || (gate != nullptr && up != nullptr && out != nullptr));
}
inline void gather(const float* table, const int* ids, const float* out, int n_ids, int dim) {
    LMH_ASSERT(n_ids >= 0 && dim >= 0);
    LMH_ASSERT((long)n_ids * dim == 0 || (table != nullptr && ids != nullptr && out != nullptr));
}
inline void add(const float* x, const float* y, int n) {
    LMH_ASSERT(n >= 0);
    LMH_ASSERT(n == 0 || (x != nullptr && y != nullptr));
}

}  // namespace lmh::kernels::preconditions
