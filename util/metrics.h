// Comparison of a result tensor with its reference: the metrics every report uses.
#pragma once

#include <cstddef>
#include <span>

namespace lmh {

struct Diff {
    double nmse = 0;          // Σ(a−r)² / Σr²  (0 when both are all-zero)
    double max_abs = 0;       // max |a−r|
    std::size_t worst = 0;    // index of max |a−r|
    float worst_value = 0;
    float worst_reference = 0;
    std::size_t nonfinite = 0;  // elements where a is NaN/Inf but r is not (or vice versa)
    std::size_t first_nonfinite = 0;
    bool finite_ok() const { return nonfinite == 0; }
};

Diff compare(std::span<const float> result, std::span<const float> reference);
// The same against a float64 reference (the kernel case table's), without rounding it to float.
Diff compare(std::span<const float> result, std::span<const double> reference);

// Elementwise closeness as torch.allclose: |a−r| <= atol + rtol·|r| for every element.
// Returns the number of elements that violate it.
std::size_t count_not_close(std::span<const float> result, std::span<const float> reference, double rtol,
                            double atol);

// SQNR in dB from an NMSE (infinite for an exact match).
double sqnr_db(double nmse);

}  // namespace lmh
