// Causal grouped-query attention for `seq` new queries against a KV cache.
// q:    [seq × n_heads × head_dim], already rotated by RoPE.
// k, v: the cache, [kv_len × n_kv_heads × head_dim] with kv_len = pos0 + seq; the rows of
//       the new tokens are already written.
// out:  [seq × n_heads × head_dim]. Query head h reads kv head h / (n_heads / n_kv_heads).
// Query r (position pos0 + r) sees key c iff c <= pos0 + r and, when window > 0,
// pos0 + r - c < window (Mistral's sliding window).
// scratch: scratch_slots rows of scratch_stride floats (scratch_stride >= kv_len), one row
// per worker thread for a row of scores; parallel variants index it by the oneTBB thread
// index. Kernels never allocate.
// kv_stride: floats from one cache row to the next; 0 means n_kv_heads × head_dim (the cache
// holds exactly these heads). A caller computes a subset of the heads (a decode step split
// over kv-head groups, engine/decode_step.cpp) by pointing q, out, k and v at the group's
// first head, setting n_heads / n_kv_heads to the group's and kv_stride to the whole cache
// row: each (row, head) pair is computed exactly as in the call over every head.
#pragma once

#include <cstddef>

namespace lmh::kernels {

struct AttentionArgs {
    const float* q = nullptr;
    const float* k = nullptr;
    const float* v = nullptr;
    float* out = nullptr;
    int seq = 0;
    int pos0 = 0;
    int n_heads = 0;
    int n_kv_heads = 0;
    int head_dim = 0;
    int window = 0;       // 0: no sliding window
    int kv_stride = 0;    // 0: n_kv_heads * head_dim
    float scale = 1.0f;   // usually 1 / sqrt(head_dim)
    float* scratch = nullptr;
    int scratch_slots = 0;
    std::size_t scratch_stride = 0;
};

// Floats between two cache rows (see kv_stride above).
inline long kv_row_stride(const AttentionArgs& a) {
    return a.kv_stride > 0 ? (long)a.kv_stride : (long)a.n_kv_heads * a.head_dim;
}

using AttentionFn = void (*)(const AttentionArgs& args);

// Variants (one file each; shared row code and oneTBB driver in attention_rows.h):
//   attention_naive.cpp              all kv_len scores, softmax_naive, weighted sum.
//   attention_blocked.cpp            visible keys only, 4 keys per step, one division per output.
//   attention_tbb.cpp                blocked rows over (row, head) pairs with oneTBB, scratch per thread.
//   attention_simd_avx512.cpp        16 keys per step in zmm, vector exp, zmm value accumulators.
//   attention_tbb_simd_avx512.cpp    the AVX-512 rows with the oneTBB driver.
//   attention_tile_avx512.cpp        prefill for both AVX-512 variants: 16 query rows per
//                                    tile, online softmax, no score rows.
void attention_naive(const AttentionArgs& args);
void attention_blocked(const AttentionArgs& args);
void attention_tbb(const AttentionArgs& args);
void attention_simd(const AttentionArgs& args);
void attention_tbb_simd(const AttentionArgs& args);

}  // namespace lmh::kernels
