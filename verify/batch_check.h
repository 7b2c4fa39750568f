// verify --batch N: each stored prompt decoded inside a batch of N sequences (engine/batch.h)
// beside other prompts at other positions, against the same prompt decoded alone with the same
// kernel set. Logits must agree within kBatchNmse and greedy tokens must be the same; the
// report says whether they were bitwise equal (the set is batch-invariant in fact), and a set
// whose every op the registry calls batch-invariant must be.
#pragma once

#include <vector>

#include "kernels/registry.h"
#include "verify/verifier.h"

namespace lmh::verify {

// A batch row differs from the solo row only in the order a matmul sums its k products (the
// m > 1 GEMM path against the m == 1 GEMV): f32 rounding of sums over k <= 1092 terms gives
// relative differences near 1e-7 per element, an NMSE near 1e-13 after the layers; 1e-10
// leaves three orders of margin and still catches a row reading another sequence's cache or
// position (NMSE near 1). A set that rounds its activations (acts=bf16, acts=q8) and is not
// batch-invariant on this CPU turns such last-bit differences into rounding flips, exactly as
// between prefill and decode: it gets its decode_vs_prefill_nmse budget instead
// (budgets.h, kRoundedActsNote).
inline constexpr double kBatchNmse = 1e-10;

// Runs the check with batches of `size` sequences; solo_greedy: the greedy ids the solo run
// produced from the reference's greedy prompt (empty: no greedy comparison).
BatchCheck check_batch(const VerifyModel& model, const kernels::KernelSet& ks, int size,
                       const std::vector<int>& solo_greedy);

}  // namespace lmh::verify
