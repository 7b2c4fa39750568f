// Projections: the weight matrices the forward pass multiplies by, laid out for it and held
// in the format its kernel set asks for (KernelSet::weights). Built once per format by
// Weights::projections and shared by every session.
//
// Every matrix is used in place in the map when the file holds it in the run's format (f32
// file with weights=f32, bf16 file with weights=bf16), and otherwise converted once (bf16
// rounds to nearest even; f16 and bf16 widen exactly to f32), tensor by tensor, with the
// source pages released as the conversion passes them. The embedding table used by gather
// and the norm weights stay f32 (weights.h).
//
// weights=q8_0 / q4_0: a GGUF tensor already in the run's block format is used in place (its
// blocks are ggml's, which kernels/quant.h lays out byte for byte); any other matrix is
// quantized once from the file's f32, bf16, f16 or other-format block values
// (kernels/quant.h, byte-identical to ggml's reference quantizer), in parallel chunks of rows
// that release their source pages as they go, so the run holds only the quantized copy. A
// matrix whose rows are not a multiple of 32 long (every 312-wide input of the chat model)
// cannot be cut into blocks and is held in bf16 instead, as llama.cpp's quantizer falls back;
// fallbacks() names them, and verify and bench report them. Rows longer than
// kMaxQuantRow fall back too (the acts=q8 kernels keep a decode row of A on the stack).
//
// q, k, v and gate, up are separate matrices, not stacked into one qkv and one gate|up
// matrix: a stack would be a second copy of every part for a run that could use the file in
// place (64% of a layer's bytes, which put an f32 TinyLlama load over its time budget), and
// the five matmuls cost the same as the two stacked ones (README, "Real-size models").
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "util/aligned_buffer.h"
#include "engine/weights.h"
#include "kernels/quant.h"
#include "kernels/registry.h"

namespace lmh {

// One weight matrix [rows × cols] in one of the formats (exactly one pointer is set).
struct Linear {
    const float* f32 = nullptr;
    const std::uint16_t* bf16 = nullptr;
    const kernels::BlockQ8_0* q8_0 = nullptr;  // rows × cols/32 blocks
    const kernels::BlockQ4_0* q4_0 = nullptr;
};

// Longest row quantized (weights=q8_0/q4_0); longer rows stay bf16.
inline constexpr int kMaxQuantRow = 32768;

// y[m × n] = x[m × k] · wᵀ through the kernel set's matmul for w's format.
void linear(const kernels::KernelSet& K, const float* x, const Linear& w, float* y, int m, int n, int k);
// The same, with x also given quantized (xq: KernelSet::quantize_acts of x's rows, or
// xq.blocks null): a quantized w whose matmul row has a split form multiplies xq, skipping the
// quantization of x; every other w multiplies x. Bitwise linear()'s result either way.
void linear(const kernels::KernelSet& K, const float* x, const kernels::QuantizedActs& xq, const Linear& w, float* y,
            int m, int n, int k);
// Rows [row0, ...) of w, a matrix of rows of k inputs: the same format, pointing row0 rows in
// (a decode step computes pieces of an output with it, engine/decode_step.cpp).
Linear rows_from(const Linear& w, int row0, int k);
// Bytes one row of k inputs takes in w's format.
double row_bytes(const Linear& w, int k);
// y[r][j] += b[j] for each of the m rows of y [m × n]: a linear layer's bias (qwen2's q, k, v),
// through the kernel set's add, one row at a time (no broadcast variant of add is needed).
void add_bias(const kernels::KernelSet& K, float* y, const float* b, int m, int n);

class Projections {
public:
    struct Layer {
        Linear q;     // [Q × H]
        Linear k;     // [KV × H]
        Linear v;     // [KV × H]
        Linear o;     // [H × Q]
        Linear gate;  // [F × H]
        Linear up;    // [F × H]
        Linear down;  // [H × F]
    };

    Projections(const Weights& weights, kernels::WeightFormat format);
    Projections(const Projections&) = delete;
    Projections& operator=(const Projections&) = delete;

    const Layer& layer(int l) const { return layers_[static_cast<std::size_t>(l)]; }
    const Linear& lm_head() const { return lm_head_; }
    kernels::WeightFormat format() const { return format_; }
    // Bytes of weights one decode step reads through these matrices.
    std::size_t bytes() const { return bytes_; }
    // Bytes this object allocated (every converted matrix); the rest is used
    // in place in the mapped file.
    std::size_t copied_bytes() const {
        return f32_.size() * sizeof(float) + bf16_.size() * sizeof(std::uint16_t) + q8_0_.size() * sizeof(kernels::BlockQ8_0) +
               q4_0_.size() * sizeof(kernels::BlockQ4_0);
    }
    // weights=q8_0/q4_0: the tensors held in bf16 because their rows cannot be cut into
    // 32-blocks, in load order (empty otherwise).
    const std::vector<std::string>& fallbacks() const { return fallbacks_; }

private:
    kernels::WeightFormat format_ = kernels::WeightFormat::f32;
    AlignedBuffer f32_;                 // weights=f32: the matrices converted to f32
    AlignedArray<std::uint16_t> bf16_;  // weights=bf16 (and quantized runs' fallbacks): matrices in bf16
    AlignedArray<kernels::BlockQ8_0> q8_0_;
    AlignedArray<kernels::BlockQ4_0> q4_0_;
    std::vector<std::string> fallbacks_;
    std::vector<Layer> layers_;
    Linear lm_head_;
    std::size_t bytes_ = 0;
};

}  // namespace lmh
