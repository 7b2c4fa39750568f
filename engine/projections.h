// Projections: the weight matrices the forward pass multiplies by, laid out for it and held
// in the format its kernel set asks for (KernelSet::weights). Built once per format by
// Weights::projections and shared by every session.
//
// Per layer, Wq|Wk|Wv and Wgate|Wup are stacked row-wise into one matrix each, so a layer
// runs two projection matmuls instead of five: fewer kernel calls and thread hand-offs per
// decode step, and bigger pieces to split. Each output row is the same dot product as with
// the separate matrices, so results are unchanged. The stacks are the only copy of their
// parts: they are built from the mapped file, whose pages for those parts are then released.
// (Measured against three separate in-place matmuls on chat decode: README, "Real-size
// models".) Every other matrix is used in place in the map when the file holds it in the
// run's format (f32 file with weights=f32, bf16 file with weights=bf16), and otherwise
// converted once (bf16 rounds to nearest even; f16 and bf16 widen exactly to f32), tensor by
// tensor, with the source pages released as the conversion passes them. The embedding table
// used by gather and the norm weights stay f32 (weights.h).
#pragma once

#include <cstdint>
#include <vector>

#include "util/aligned_buffer.h"
#include "engine/weights.h"
#include "kernels/registry.h"

namespace lmh {

// One weight matrix [rows × cols] in either format (exactly one pointer is set).
struct Linear {
    const float* f32 = nullptr;
    const std::uint16_t* bf16 = nullptr;

    // The matrix made of rows [first, ...) of this one (cols columns per row).
    Linear from_row(int first, int cols) const;
};

// y[m × n] = x[m × k] · wᵀ through the kernel set's matmul for w's format.
void linear(const kernels::KernelSet& K, const float* x, const Linear& w, float* y, int m, int n, int k);
// y[r][j] += b[j] for each of the m rows of y [m × n]: a linear layer's bias (qwen2's q, k, v),
// through the kernel set's add, one row at a time (no broadcast variant of add is needed).
void add_bias(const kernels::KernelSet& K, float* y, const float* b, int m, int n);

class Projections {
public:
    struct Layer {
        Linear qkv;      // [(Q + 2·KV) × H]
        Linear o;        // [H × Q]
        Linear gate_up;  // [2F × H]
        Linear down;     // [H × F]
    };

    Projections(const Weights& weights, kernels::WeightFormat format);
    Projections(const Projections&) = delete;
    Projections& operator=(const Projections&) = delete;

    const Layer& layer(int l) const { return layers_[static_cast<std::size_t>(l)]; }
    const Linear& lm_head() const { return lm_head_; }
    kernels::WeightFormat format() const { return format_; }
    // Bytes of weights one decode step reads through these matrices.
    std::size_t bytes() const { return bytes_; }
    // Bytes this object allocated (the stacks and every converted matrix); the rest is used
    // in place in the mapped file.
    std::size_t copied_bytes() const { return f32_.size() * sizeof(float) + bf16_.size() * sizeof(std::uint16_t); }

private:
    kernels::WeightFormat format_ = kernels::WeightFormat::f32;
    AlignedBuffer f32_;                 // weights=f32: the stacks and matrices converted to f32
    AlignedArray<std::uint16_t> bf16_;  // weights=bf16: the stacks and matrices converted to bf16
    std::vector<Layer> layers_;
    Linear lm_head_;
    std::size_t bytes_ = 0;
};

}  // namespace lmh
