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
    // A step's matmuls run as one call over its m rows when m >= gemm_from_rows, else as m
    // calls of one row (the solo decode's GEMV, so those rows are bitwise solo's, but each
    // reads the weights again). Measured on the chat model, tbb, 2 threads (AMD EPYC, AVX2,
    // serve-fixed): m = 2 per row 56.7 tok/s, one call 33.2 (the blocked GEMM computes 4-row
    // blocks); m = 3 a tie (50.0 / 49.7); m = 4 one call 67.2, per row 48.7. README,
    // "Batched decode and serving".
    int gemm_from_rows = 3;
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
