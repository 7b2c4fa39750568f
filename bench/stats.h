// Distribution-free statistics for benchmark samples. Timing noise is skewed and has
// outliers (a context switch, a frequency step), so every decision uses ranks and order
// statistics rather than means and normal theory:
//   - Mann-Whitney U: is one sample set shifted against the other? Exact null distribution
//     for small samples without ties, normal approximation (tie + continuity corrected) else.
//   - Hodges-Lehmann: how large is the shift? Median of the pairwise differences, with the
//     confidence interval read off the same U distribution (order statistics of the
//     differences), so estimate, interval and test agree.
//   - median / MAD / robust z: where does a new value sit in a history window?
//   - paired log-ratios + sign test: same-machine A/B runs interleaved pair by pair.
#pragma once

#include <cstddef>
#include <vector>

namespace lmh::bench {

// ---- one sample set ------------------------------------------------------------------
// All take the samples by value or const-ref and never reorder the caller's data; an empty
// input throws std::invalid_argument (a bug in the caller: records are validated non-empty).
double median(std::vector<double> v);
double mean(const std::vector<double>& v);
double sample_stddev(const std::vector<double>& v);  // n-1 denominator; 0 for n = 1
// p in [0, 100], linear interpolation between order statistics (numpy's default, type 7).
double percentile(std::vector<double> v, double p);
// Median absolute deviation from the median, unscaled (multiply by 1.4826 for a sigma).
double mad(const std::vector<double>& v);
// Iglewicz-Hoaglin modified z-score 0.6745 (x - median) / MAD of the window; |z| > 3.5 is
// their outlier rule. A window with MAD = 0 falls back to 1.253314 × mean absolute
// deviation; if that is 0 too, z is 0 for x = median and ±infinity otherwise.
double robust_z(double x, const std::vector<double>& window);

// Confidence interval of the median from order statistics (binomial(n, 1/2) sign test):
// [x_(k), x_(n+1-k)] with the largest k whose coverage is at least `confidence`. With too
// few samples (n < 6 for 95%) no such k exists: the interval is [min, max] and `achieved`
// reports its real coverage, below the one asked for.
struct Interval {
    double low = 0, high = 0;
    double achieved = 0;  // the interval's actual coverage probability
};
Interval median_ci(std::vector<double> v, double confidence = 0.95);

// ---- two independent sample sets -------------------------------------------------------
struct MannWhitney {
    double u = 0;    // U of the first sample: pairs (x_i, y_j) with x_i > y_j, ties count 1/2
    double p = 1;    // two-sided p-value
    bool exact = false;  // p from the exact null distribution rather than the normal approximation
};
// Exact when both sizes are <= kExactMax and there are no ties (as scipy.stats.mannwhitneyu
// with method="exact"); otherwise the normal approximation with tie and continuity
// correction (scipy's method="asymptotic", use_continuity=True).
inline constexpr std::size_t kExactMax = 20;
MannWhitney mann_whitney(const std::vector<double>& x, const std::vector<double>& y);

// P(U <= u) under the null for sizes m, n with no ties, u = 0..m*n. Sizes up to kExactMax.
std::vector<double> mann_whitney_cdf(std::size_t m, std::size_t n);

// The smallest two-sided p any outcome can give for sizes m, n: 2 / C(m+n, m) (complete
// separation). If it is >= alpha no data can be called significant: 3+3 samples give 0.1.
double min_two_sided_p(std::size_t m, std::size_t n);
// The smallest n such that n+n samples can reach p < alpha (4 for alpha = 0.05).
std::size_t min_repetitions_for(double alpha);

struct ShiftEstimate {
    double estimate = 0;  // Hodges-Lehmann: median of all y_j - x_i
    Interval ci;          // distribution-free interval for the shift of y against x
};
// Shift of y (new) relative to x (base). The interval is [d_(k), d_(N+1-k)] of the N = m·n
// sorted differences, with k from the exact U distribution for sizes up to kExactMax and the
// normal approximation above (Hollander & Wolfe, Nonparametric Statistical Methods, 4.3).
ShiftEstimate hodges_lehmann(const std::vector<double>& x, const std::vector<double>& y, double confidence = 0.95);
// The order-statistic index k (1-based) used above; 0 when no k reaches the confidence.
std::size_t hodges_lehmann_rank(std::size_t m, std::size_t n, double confidence = 0.95);

// ---- paired sample sets ----------------------------------------------------------------
// For interleaved runs (base, new, base, new, ...): r_i = ln(new_i / base_i). The median
// of r with its sign-test interval, reported back as ratios exp(r). Values must be > 0.
struct PairedRatio {
    double ratio = 1;  // exp(median of log-ratios)
    Interval ci;       // as ratios
};
PairedRatio paired_log_ratio(const std::vector<double>& base, const std::vector<double>& neu, double confidence = 0.95);

// ---- distributions ---------------------------------------------------------------------
double normal_sf(double z);                // P(Z > z)
double normal_quantile(double p);          // inverse of the standard normal CDF, p in (0, 1)
double binomial_half_cdf(std::size_t k, std::size_t n);  // P(B <= k), B ~ Binomial(n, 1/2)

}  // namespace lmh::bench
