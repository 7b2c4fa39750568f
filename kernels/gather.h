// Embedding lookup: out[i × dim ..] = table[ids[i] × dim ..]. ids are trusted to be in
// range: the engine checks them against the vocabulary before calling.
#pragma once

namespace lmh::kernels {

using GatherFn = void (*)(const float* table, const int* ids, float* out, int n_ids, int dim);

// Only naive: a memcpy per row is already what any variant would do.
void gather_naive(const float* table, const int* ids, float* out, int n_ids, int dim);

}  // namespace lmh::kernels
