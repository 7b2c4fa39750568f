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
    // The share of held-text positions (%) whose top token may differ from the reference's
    // although the reference's top two are at least near_tie_margin apart (0: none may).
    double max_top_flip_percent = 0.0;
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

// kRoundedActsNote: prefill vs decode when activations are rounded (acts=bf16, acts=q8).
// Where the prefill and decode paths order some f32 sums differently (on AVX-512 CPUs,
// attention's 16-row prefill tile against its one-row decode code), an activation's two f32
// values differ by δ ≈ 1e-7 relative. Rounding maps both to the same value except with
// probability ≈ δ/u (u the rounding step), where it puts one whole step between them: a
// "flip". One flip moves one input of a length-k matmul by u, an output NMSE of ≈ (u/rms)²/k,
// which the layers above amplify as they amplify the set's own rounding (accumulated ≈ 10-30×
// local). A forward pass rounds ~1e5-1e6 activations:
//   acts=bf16: u ≈ 2^-8·|x|, flips ≈ 2.5e-5 of them (a few to tens), each ≈ (4e-3)²/k ≈ 1e-8:
//              a logits NMSE of a few 1e-6 expected; budget 1e-4.
//   acts=q8:   u = amax/127 ≈ 0.04 rms, flips ≈ 2.5e-6 (about one), each ≈ 1e-6: about 3e-5
//              expected when a flip happens, exactly 0 when none does; budget 1e-3.
// Measured (Zen 4, README "Prefill vs decode with rounded activations"): bf16xbf16 5e-7 to
// 3.7e-6, q8_0 0 or 3.1e-5. Where every kernel of the set is batch-invariant (AVX2 CPUs) the
// two paths are bitwise equal and measure 0. A KV-cache fault (a stale, missing or misplaced
// row) changes attention outputs by O(1), far above these budgets.

// bf16 weights with acts=bf16 (kernels/matmul_bf16.h; the set bf16xbf16): every activation
// entering a matmul is rounded to bf16 as well, by the same round-to-nearest-even to 8
// significant bits, so it carries the same relative error as a weight: uniform in ±half an
// ulp, 2^-9..2^-8 relative, RMS ≈ 1.6e-3 (variance ≈ 2.7e-6 for values spread over a binade).
// The two errors are independent, and a product's relative error is their sum (the cross term
// is ~1e-6 of it), so a matmul's expected local NMSE doubles: ≈ 2 × 2.7e-6 ≈ 5.5e-6. The
// products of two bf16 values are exact in f32, so the f32 sums add nothing new. Hence
// kBf16Budgets with the NMSE-like figures doubled: local 6e-5, accumulated 2e-3, mean KLD 6e-5
// (KLD grows with the square of a logit's error, as NMSE does), and the near-tie margin ×√2
// (a logit's error grows with the square root): 0.15. On the story checkpoint, whose weights
// are exact in bf16, the activations' rounding is the whole error: expect ≈ 2.7e-6 locally.
// Measured values: README, "bf16 activations".
// Prefill vs decode: see kRoundedActsNote above; budget 1e-4. Elementwise ops see the
// reference's inputs: f32's.
inline constexpr Budgets kBf16Bf16Budgets{
    .accumulated_nmse = 2e-3,
    .local_nmse_reduction = 6e-5,
    .local_rtol = kF32Budgets.local_rtol,
    .local_atol = kF32Budgets.local_atol,
    .decode_vs_prefill_nmse = 1e-4,
    .mean_kld = 6e-5,
    .near_tie_margin = 0.15,
};

// Quantized weights (q8_0, q4_0: kernels/quant.h), again against the float64 reference of the
// unquantized checkpoint, so the error is the quantization's. Derivation, per 32-block:
// rounding to a step s leaves an error uniform in ±s/2, variance s²/12. q8_0's step is
// amax/127, q4_0's amax/8 (16 levels over [-amax, amax]). For Gaussian weights the largest of
// 32 magnitudes is about 2.3σ, so the relative mean squared error of a weight is
//   q8_0: (2.3/127)²/12 ≈ 2.7e-5        q4_0: (2.3/8)²/12 ≈ 6.9e-3,
// and a matmul whose weight errors are independent of its inputs shows that as its local NMSE
// (Σ over k of error × input, against Σ of weight × input). acts=q8 adds the same kind of error
// for the activations, whose blocks are less even (outlier channels: amax of ~4-6 RMS), about
// (5/127)²/12 ≈ 1.3e-4 more. The local budgets below are those expected values times ~10
// (heavier-tailed trained weights, as story's, put amax further from σ); a wrong scale, nibble
// order or block index gives NMSE > 0.1 for q8_0 and > 0.3 for q4_0. Accumulated error and KLD
// grow through the layers as bf16's do (about 10-30× local for the accumulated NMSE). The top
// token and the greedy text may change where the reference's top two logits are closer than
// what quantization moves a logit by, so near_tie_margin grows to 0.5 (q8_0) and 2 (q4_0)
// logits, and a few flips beyond that are allowed (1%, 2% of the held-text positions).
// Measured values: README, "Quantized weights". Elementwise ops, norms and attention see the reference's
// inputs locally: those budgets stay f32's.
// The quantized budgets: what differs from f32's (elementwise ops stay f32's; decode-vs-prefill
// too, except with acts=q8: kRoundedActsNote, 1e-3).
constexpr Budgets quantized_budgets(double accumulated, double local, double kld, double margin, double flip_percent,
                                    double decode_vs_prefill = kF32Budgets.decode_vs_prefill_nmse) {
    Budgets b = kF32Budgets;
    b.decode_vs_prefill_nmse = decode_vs_prefill;
    b.accumulated_nmse = accumulated;
    b.local_nmse_reduction = local;
    b.mean_kld = kld;
    b.near_tie_margin = margin;
    b.max_top_flip_percent = flip_percent;
    return b;
}
//                                                        accumulated  local  mean KLD  tie margin  flips %  dec/pre
inline constexpr Budgets kQ8_0Budgets = quantized_budgets(5e-3,        3e-4,  5e-3,     0.5,        1.0);
inline constexpr Budgets kQ8_0Q8Budgets = quantized_budgets(5e-3,      1e-3,  5e-3,     0.5,        1.0,     1e-3);
inline constexpr Budgets kQ4_0Budgets = quantized_budgets(0.3,         7e-2,  0.2,      2.0,        2.0);
// The activations' 1.3e-4 is lost in q4_0's 7e-3; their flips are acts=q8's.
inline constexpr Budgets kQ4_0Q8Budgets = quantized_budgets(0.3,       7e-2,  0.2,      2.0,        2.0,     1e-3);

inline constexpr const Budgets& budgets_for(kernels::WeightFormat f, kernels::DataFormat acts = kernels::DataFormat::f32) {
    const bool q8 = acts == kernels::DataFormat::q8;
    switch (f) {
        case kernels::WeightFormat::bf16: return acts == kernels::DataFormat::bf16 ? kBf16Bf16Budgets : kBf16Budgets;
        case kernels::WeightFormat::q8_0: return q8 ? kQ8_0Q8Budgets : kQ8_0Budgets;
        case kernels::WeightFormat::q4_0: return q8 ? kQ4_0Q8Budgets : kQ4_0Budgets;
        case kernels::WeightFormat::f32: break;
    }
    return kF32Budgets;
}

}  // namespace lmh::verify
