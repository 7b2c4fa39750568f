// Local error: every op of the forward pass run alone on the reference's own inputs (the
// stored float64 tensors rounded to f32) and compared with the reference's output for
// that op. It isolates an op from everything upstream: a wrong op is the first local
// failure even though accumulated errors appear everywhere downstream of it.
#pragma once

#include <optional>
#include <vector>

#include "engine/projections.h"
#include "engine/weights.h"
#include "kernels/registry.h"
#include "verify/budgets.h"
#include "verify/reference_set.h"

namespace lmh::verify {

struct Injection;
struct TensorCheck;

// Fills the local_* fields of the entries of `checks` that belong to prompt p, for every op
// whose inputs and output p stores: each op runs at the prompt's whole length (unstored
// rows NaN) and is compared over the rows stored for all of them. Attention also needs k
// and v for every key those rows can see (from first - window + 1, or from 0). So a long
// prompt that keeps one layer's per-op tensors for its last rows, and that layer's k and v
// from one window back, is checked locally exactly where a window bug shows. proj: the matmul weights as the session
// under test holds them (so a bf16 set's matmuls are checked with its bf16 weights).
void local_errors(const Weights& weights, const Projections& proj, const kernels::KernelSet& ks, const ReferencePrompt& p,
                  const std::optional<Injection>& injection, const Budgets& budgets, std::vector<TensorCheck>& checks);

}  // namespace lmh::verify
