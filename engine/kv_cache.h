// KvCache: keys and values of every processed position, per layer, laid out
// [layer][position][kv_heads × head_dim] so one token's rows are contiguous and the
// projections write straight into the cache.
#pragma once

#include <algorithm>
#include <cstddef>

#include "util/aligned_buffer.h"

namespace lmh {

class KvCache {
public:
    KvCache() = default;
    KvCache(int n_layers, int ctx, int kv_dim)
        : ctx_(ctx), kv_dim_(kv_dim),
          k_(static_cast<std::size_t>(n_layers) * ctx * kv_dim),
          v_(static_cast<std::size_t>(n_layers) * ctx * kv_dim) {
        // Touched now, so the first prefill does not pay the page faults (with huge pages,
        // zeroing and possibly compacting 2 MiB per fault: measured at more than half of a
        // cold 50-token chat prefill) inside the timed forward.
        std::fill(k_.data(), k_.data() + k_.size(), 0.0f);
        std::fill(v_.data(), v_.data() + v_.size(), 0.0f);
    }

    static std::size_t bytes_needed(int n_layers, int ctx, int kv_dim) {
        return 2ull * sizeof(float) * static_cast<std::size_t>(n_layers) * ctx * kv_dim;
    }

    float* k(int layer) { return k_.data() + static_cast<std::size_t>(layer) * ctx_ * kv_dim_; }
    float* v(int layer) { return v_.data() + static_cast<std::size_t>(layer) * ctx_ * kv_dim_; }
    int ctx() const { return ctx_; }

private:
    int ctx_ = 0;
    int kv_dim_ = 0;
    AlignedBuffer k_;
    AlignedBuffer v_;
};

}  // namespace lmh
