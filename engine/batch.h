// Batch: many conversations with one model, decoded together. Each sequence is a Session
// (its own KV cache and position, prefilled alone through Session::forward); step() then runs
// one decode token for each of any subset of them as a single forward pass, so every matmul
// has m = the number of sequences in the step and each weight read feeds that many dot
// products. Attention runs per sequence against its own cache, at its own position.
//
// Made for a scheduler (the serving loop in bench/serve.*): add() and remove() take and give
// back sequence slots between steps; every buffer (the sessions included) is allocated at
// construction, so admitting, prefilling, stepping and retiring allocate nothing.
//
// Numerics: row r of a step goes through the same kernels as a solo decode of that sequence,
// with the matmuls at m = rows instead of 1. With a set whose matmul is batch-invariant
// (registry flag: naive and the AVX2 matmuls) the logits are bitwise those of the solo run.
// A step of fewer than gemm_from_rows sequences decodes each one alone through its session
// (the fused decode step, engine/decode_step.cpp), bitwise the solo run for every set.
#pragma once

#include <memory>
#include <span>
#include <vector>

#include "engine/session.h"

namespace lmh {

struct BatchOptions {
    int max_sequences = 8;  // sequences alive at once (sessions allocated up front)
    int context = 0;        // per sequence; 0: the model's max_position_embeddings
    int max_prefill = 512;  // prompt rows per internal prefill step (SessionOptions::max_batch)
    // A step of m >= gemm_from_rows sequences runs as one forward pass with m-row matmuls;
    // fewer are decoded one after another, each alone (its session's fused decode step).
    // Measured with the AVX2 matmuls (tbb-simd, AMD EPYC Zen 1 VM, 2 cores, load ~4 from other
    // jobs; serve-fixed with gemm_from_rows 2 against 5, time per step, ITL p50 of two
    // interleaved runs): one pass wins from m = 2 on both models at 1 and 2 threads. Chat:
    // m = 2 12.7-19.8 ms against 19.2-31.9 (1 thread), 20.7-24.6 against 22.1-36.6 (2
    // threads); story: 0.23-0.28 ms against 0.26-0.31 (1 thread), 0.28 against 0.31 (2
    // threads); m = 3, 4 wider still. README, "Batched decode and serving".
    int gemm_from_rows = 2;
};

class Batch {
public:
    Batch(std::shared_ptr<const Weights> weights, kernels::KernelSet kernels, BatchOptions options = {});

    // Takes a free sequence slot (reset to position 0) and returns its index; throws
    // lmh::Error when all max_sequences slots are in use.
    int add();
    // Gives slot back; its cache is forgotten. Throws lmh::Error for a slot not in use.
    void remove(int slot);
    bool in_use(int slot) const;
    int active() const { return active_; }
    int capacity() const { return static_cast<int>(sessions_.size()); }

    // The sequence's own session: prefill it with forward(prompt) (solo, as a single
    // conversation would be), read its position. Stays valid while the slot is in use.
    Session& sequence(int slot);

    // One decode step: tokens[i] is appended to sequence slots[i] (each slot at most once),
    // all in one forward pass. Returns the logits, row i ([vocab]) for slots[i]; valid until
    // the next step. Throws lmh::Error (nothing changed) for a bad slot, a repeated slot, an id
    // outside the vocabulary or a sequence whose context is full.
    std::span<const float> step(std::span<const int> slots, std::span<const int> tokens);

    const ModelConfig& config() const { return weights_->config(); }
    const kernels::KernelSet& kernels() const { return kernels_; }

private:
    void check_step(std::span<const int> slots, std::span<const int> tokens);
    void forward_rows(std::span<const int> slots, std::span<const int> tokens);

    std::shared_ptr<const Weights> weights_;
    kernels::KernelSet kernels_;
    std::vector<std::unique_ptr<Session>> sessions_;
    std::vector<char> used_;
    std::vector<char> seen_;  // check_step's marks, kept to allocate nothing per step
    int active_ = 0;
    int ctx_ = 0;
    const Projections* proj_ = nullptr;
    AlignedBuffer x_, xb_, q_, k_, v_, att_, o_, gate_, up_;  // [max_sequences × width]
    AlignedBuffer att_scratch_;
    int scratch_slots_ = 0;
    int gemm_from_rows_ = 3;
    std::vector<float> logits_;  // [max_sequences × vocab]
};

}  // namespace lmh
