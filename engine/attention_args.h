// The model-dependent part of a layer's attention call, shared by the forward pass and by
// verify's local-error pass so the two can never disagree on scale, window or grouping.
#pragma once

#include <cmath>
#include <cstddef>

#include "engine/config.h"
#include "kernels/attention.h"

namespace lmh {

// AttentionArgs for `seq` queries at positions pos0.. of model c, with the caller's scratch
// (slots rows of stride floats); q, k, v and out are left for the caller to set.
inline kernels::AttentionArgs attention_args(const ModelConfig& c, int seq, int pos0, float* scratch, int slots,
                                             std::size_t stride) {
    kernels::AttentionArgs a;
    a.seq = seq;
    a.pos0 = pos0;
    a.n_heads = c.n_heads;
    a.n_kv_heads = c.n_kv_heads;
    a.head_dim = c.head_dim;
    a.window = c.sliding_window;
    a.scale = 1.0f / std::sqrt(static_cast<float>(c.head_dim));
    a.scratch = scratch;
    a.scratch_slots = slots;
    a.scratch_stride = stride;
    return a;
}

}  // namespace lmh
