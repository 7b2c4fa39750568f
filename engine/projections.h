// Projections: the weight matrices the forward pass multiplies by, laid out for it and held
// in the format its kernel set asks for (KernelSet::weights).
//
// Per layer, Wq|Wk|Wv and Wgate|Wup are stacked row-wise into one matrix each, so a layer
// runs two projection matmuls instead of five: fewer kernel calls and thread hand-offs per
// decode step, and bigger pieces to split. Each output row is the same dot product as with
// the separate matrices, so results are unchanged. With weights=bf16 every matrix here
// (lm_head included) is rounded to bf16 once, at construction, and the f32 stacks are not
// made; the embedding table used by gather and the norm weights stay f32.
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

class Projections {
public:
    struct Layer {
        Linear qkv;      // [(Q + 2·KV) × H]
        Linear o;        // [H × Q]
        Linear gate_up;  // [2F × H]
        Linear down;     // [H × F]
    };

    Projections() = default;
    Projections(const Weights& weights, kernels::WeightFormat format);

    // What the constructor allocates for this model and format: the f32 qkv and gate/up
    // stacks, or every matrix in bf16. Sessions check it against memory before building.
    static std::size_t bytes_needed(const ModelConfig& c, kernels::WeightFormat format);

    const Layer& layer(int l) const { return layers_[static_cast<std::size_t>(l)]; }
    const Linear& lm_head() const { return lm_head_; }
    kernels::WeightFormat format() const { return format_; }
    // Bytes of weights one decode step reads through these matrices.
    std::size_t bytes() const { return bytes_; }

private:
    kernels::WeightFormat format_ = kernels::WeightFormat::f32;
    AlignedBuffer stacked_;                 // f32: the qkv and gate_up stacks of every layer
    AlignedArray<std::uint16_t> packed_;    // bf16: every matrix, lm_head included
    std::vector<Layer> layers_;
    Linear lm_head_;
    std::size_t bytes_ = 0;
};

}  // namespace lmh
