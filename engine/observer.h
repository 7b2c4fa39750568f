// ForwardObserver: how verify (or anything else) sees the named intermediate tensors of
// the forward pass. The session calls on_tensor only when an observer is attached, and
// hands the live buffer: no copy is made on the normal path. An observer may modify the
// data (fault injection); the forward pass then continues from the modified values.
#pragma once

#include <string_view>

namespace lmh {

// Tensor names, in the order the forward pass produces them. Per layer (layer >= 0):
// attn_norm, [q_norm, k_norm: qwen3's per-head RMSNorm of q and k, before RoPE], q, k (both
// after RoPE, and after the bias for qwen2), v, attn (attention output before o_proj), o_proj,
// attn_residual, ffn_norm, gate, up, swiglu, down, out. Model level (layer == -1): embed,
// final_norm, logits.
struct TensorTap {
    std::string_view name;
    int layer;   // -1 for embed, final_norm, logits
    int pos0;    // position of the first row
    int rows;
    int cols;
    float* data;  // rows × cols, row-major
};

class ForwardObserver {
public:
    virtual ~ForwardObserver() = default;
    virtual void on_tensor(const TensorTap& tap) = 0;
};

}  // namespace lmh
