// Session: one conversation with a model. Owns the KV cache and every activation buffer
// (allocated once, at construction), and runs the forward pass through the KernelSet it
// was given. Weights are shared and read-only; a Session is used by one thread at a time
// (its kernels may use many).
#pragma once

#include <memory>
#include <span>
#include <vector>

#include "util/aligned_buffer.h"
#include "engine/kv_cache.h"
#include "engine/observer.h"
#include "engine/projections.h"
#include "engine/step_team.h"
#include "engine/weights.h"
#include "kernels/registry.h"

namespace lmh {

struct SessionOptions {
    int context = 0;    // 0: the model's max_position_embeddings
    int max_batch = 512;  // prompt rows processed per internal step of a prefill
    // A one-token forward without an observer runs as one decode step split into phases on a
    // team of threads (engine/decode_step.cpp); false runs it op by op as a prefill does (the
    // tests compare the two bit for bit). With an observer the op-by-op pass always runs: its
    // taps need each named tensor whole, in order, before the next op reads it.
    bool fused_decode = true;
};

class Session {
public:
    Session(std::shared_ptr<const Weights> weights, kernels::KernelSet kernels, SessionOptions options = {});

    // Appends ids at positions position() .. position()+n-1 (prefill when n > 1, decode
    // when n == 1) and returns the logits: of the last position ([vocab]) or, with
    // all_positions, of every new position ([n × vocab]). The span stays valid until the
    // next call. Throws lmh::Error for an id outside the vocabulary or when the ids would
    // not fit in the context window; the session is unchanged then.
    std::span<const float> forward(std::span<const int> ids, bool all_positions = false);

    int position() const { return pos_; }
    int context() const { return ctx_; }
    // Forget everything after the first n positions (n <= position()).
    void rewind(int n);
    void reset() { rewind(0); }

    void set_observer(ForwardObserver* observer) { observer_ = observer; }
    const kernels::KernelSet& kernels() const { return kernels_; }
    const Weights& weights() const { return *weights_; }
    const ModelConfig& config() const { return weights_->config(); }
    // The matmul weights as this session's forward pass reads them (stacked, f32 or bf16).
    const Projections& projections() const { return *proj_; }

private:
    friend class Batch;  // steps many sessions' decode tokens as one forward pass (batch.h)

    void forward_chunk(const int* ids, int n, float* logits_out, bool all_positions);
    void forward_decode(int id, float* logits_out);  // decode_step.cpp
    void tap(const char* name, int layer, int rows, int cols, float* data);

    std::shared_ptr<const Weights> weights_;
    kernels::KernelSet kernels_;
    ForwardObserver* observer_ = nullptr;
    int ctx_ = 0;
    int max_batch_ = 0;
    int pos_ = 0;
    int chunk_pos_ = 0;
    KvCache cache_;
    AlignedBuffer rope_cos_, rope_sin_;  // [ctx × head_dim/2]
    const Projections* proj_ = nullptr;  // owned by the weights, one per weight format
    AlignedBuffer x_, xb_, q_, att_, o_, gate_, up_;
    AlignedBuffer att_scratch_;
    int scratch_slots_ = 0;
    std::vector<float> logits_;

    // The fused decode step (decode_step.cpp): rows per unit of each matmul phase, fixed by
    // the model and weight format alone (never by the thread count), and the team.
    struct DecodePlan {
        int o_rows = 0, ffn_rows = 0, down_rows = 0, lm_rows = 0;
    };
    void plan_decode();
    bool fused_decode_ = true;
    bool parallel_kernels_ = false;  // some op of the set is parallel: the team may use threads
    DecodePlan plan_;
    StepTeam team_{1, 1};
    // The fused step's current phase input quantized once (kernel sets with a split acts=q8
    // matmul, KernelSet::quantize_acts): q8_0 blocks, their scales and 8·Σq, sized for the
    // widest input (hidden, q_dim or intermediate).
    std::vector<kernels::BlockQ8_0> xq_blocks_;
    std::vector<float> xq_scales_;
    std::vector<std::int32_t> xq_sums8_;
};

}  // namespace lmh
