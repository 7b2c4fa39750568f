// Where the time of a decode step goes, op by op. OpProfiler is a ForwardObserver that
// timestamps successive taps and charges the time since the previous tap (or since
// begin_step()) to the op that produced the tap: the forward pass taps every op's output
// right after computing it, so the gap between two taps is the op between them. Used by
// `lmharness bench --profile` on one extra, untimed run per configuration.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "bench/workload.h"
#include "engine/observer.h"

namespace lmh::bench {

// Op kinds in forward order. Taps map onto them: q, k, v -> "qkv+rope" (the projections and
// RoPE run before the first of the three taps); attn_residual and out -> "residual"; the
// session computes gate and up in one fused matmul before tapping either, so "gate" holds
// both and "up" only the copy-out.
inline constexpr const char* kProfileOps[] = {"embed", "attn_norm", "qkv+rope", "attention", "o_proj",
                                              "residual", "ffn_norm", "gate", "up", "swiglu",
                                              "down", "final_norm", "logits"};
inline constexpr int kProfileOpCount = static_cast<int>(std::size(kProfileOps));

class OpProfiler : public ForwardObserver {
public:
    // Call right before each Session::forward whose time should be counted.
    void begin_step() { last_ = clock::now(); active_ = true; ++steps_; }
    // Stops attributing (taps after this are ignored until the next begin_step).
    void end_step() { active_ = false; }
    void on_tensor(const TensorTap& tap) override;

    int steps() const { return steps_; }
    double seconds(int op) const { return seconds_[op]; }
    double total_seconds() const;

private:
    using clock = std::chrono::steady_clock;
    clock::time_point last_{};
    bool active_ = false;
    int steps_ = 0;
    double seconds_[kProfileOpCount] = {};
};

// Runs the workload's prompt (generate: its prompt; chat: system prompt and first turn as
// plain text) and then decode steps (generate_tokens, or reply_tokens per turn × turns)
// greedily, profiling the decode steps; and, in a second session, one prefill forward
// (the workload's prefill case when it has one, else the same prompt). Returns
// {"decode_steps": N, "ops": [{"op", "ms_per_token", "percent"}...], "total_ms_per_token",
//  "prefill": {the same per prefill token, "tokens"}}.
nlohmann::json profile_decode(const Workload& w, const std::filesystem::path& model, const std::string& kernels);

// Fixed-width table of one profile, for stdout.
std::string profile_table(const std::string& label, const nlohmann::json& profile);

}  // namespace lmh::bench
