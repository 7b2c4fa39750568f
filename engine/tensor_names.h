// The names of the tensors the forward pass taps (engine/observer.h), declared once: the
// session taps them, verify matches them to the float64 references (whose files use the
// same names, scripts/reference.py) and injects faults by them.
#pragma once

#include <array>

namespace lmh::tensors {

inline constexpr const char* kEmbed = "embed";
// Per layer, in forward order (stored as "layer<L>.<name>").
inline constexpr const char* kAttnNorm = "attn_norm";
// qwen3 only: q and k after the per-head RMSNorm, before RoPE.
inline constexpr const char* kQNorm = "q_norm";
inline constexpr const char* kKNorm = "k_norm";
inline constexpr const char* kQ = "q";
inline constexpr const char* kK = "k";
inline constexpr const char* kV = "v";
inline constexpr const char* kAttn = "attn";
inline constexpr const char* kOProj = "o_proj";
inline constexpr const char* kAttnResidual = "attn_residual";
inline constexpr const char* kFfnNorm = "ffn_norm";
inline constexpr const char* kGate = "gate";
inline constexpr const char* kUp = "up";
inline constexpr const char* kSwiglu = "swiglu";
inline constexpr const char* kDown = "down";
inline constexpr const char* kOut = "out";
// After the layers.
inline constexpr const char* kFinalNorm = "final_norm";
inline constexpr const char* kLogits = "logits";

inline constexpr std::array kLayerTensors = {kAttnNorm, kQNorm, kKNorm, kQ,    kK,      kV,    kAttn, kOProj,
                                             kAttnResidual, kFfnNorm, kGate, kUp, kSwiglu, kDown, kOut};

}  // namespace lmh::tensors
