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

}  // namespace lmh::verify
