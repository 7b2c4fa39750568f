// Error metrics and budgets: the one place where "close enough" is defined. verify, the
// tests and README all refer to these numbers.
//
// Metric: NMSE = Σ(a−r)² / Σr² (normalised mean squared error, as llama.cpp's
// test-backend-ops), with r the float64 reference rounded to f32. SQNR = −10·log10(NMSE) dB.
// NaN/Inf in a result where the reference is finite always fails.
//
// Why these numbers: f32 has a 2^-24 ≈ 6e-8 unit roundoff. A dot product of length k
// accumulates a relative error of about sqrt(k)·6e-8 in practice, so a well-implemented
// f32 op on the shapes here lands near NMSE 1e-13..1e-11. The budgets leave two to four
// orders of magnitude of headroom for reordered sums (blocked, SIMD) while still catching
// any real bug (a wrong index or a missing scale gives NMSE > 1e-3).
#pragma once

#include "kernels/registry.h"

namespace lmh::verify {

struct Budgets {
    // Accumulated error: the variant runs the whole forward pass on its own outputs.
    double accumulated_nmse = 1e-7;
    // Local error: one op fed the reference's own inputs (see local_error.cpp).
    double local_nmse_reduction = 1e-9;  // matmul, norms, softmax, attention
    double local_rtol = 1.3e-6;          // elementwise ops, PyTorch's float32 allclose
    double local_atol = 1e-5;
    // Prefill of n tokens versus the same tokens one at a time through the KV cache.
    double decode_vs_prefill_nmse = 1e-10;
    // Next-token distribution over the held text (teacher-forced).
    double mean_kld = 1e-6;
    // A position whose reference top-two logits are closer than this may flip its top
    // token (or its greedy choice) without failing: f32 rounding can legitimately decide it.
    double near_tie_margin = 1e-4;
};

inline constexpr Budgets kF32Budgets{};

// Kernel sets with weights=bf16 (KernelSet::weights) are compared with the same float64
// reference of the f32 checkpoint, so their error is dominated by rounding every weight to
// bf16: 8 significant bits, a relative error of at most 2^-9 per weight, about 1.6e-3 RMS.
// A dot product of such errors with independent signs has NMSE ≈ (1.6e-3)² ≈ 3e-6, so
// that is what a correct bf16 matmul shows locally; through the layers it grows. The
// numbers below are those expected values with about one order of magnitude of headroom
// (measured values: README, "bf16 weights"); a wrong index or scale still gives > 1e-3.
// Elementwise ops and the decode-vs-prefill check see the same bf16 weights on both sides,
// so those budgets stay f32's.
inline constexpr Budgets kBf16Budgets{
    .accumulated_nmse = 1e-3,
    .local_nmse_reduction = 3e-5,
    .local_rtol = kF32Budgets.local_rtol,
    .local_atol = kF32Budgets.local_atol,
    .decode_vs_prefill_nmse = kF32Budgets.decode_vs_prefill_nmse,
    .mean_kld = 3e-5,
    .near_tie_margin = 0.1,
};

inline constexpr const Budgets& budgets_for(kernels::WeightFormat f) {
    return f == kernels::WeightFormat::bf16 ? kBf16Budgets : kF32Budgets;
}

}  // namespace lmh::verify
