// bench/stats against values derived by hand or from printed tables; each test names its
// source. Exact Mann-Whitney values are by enumeration of the C(m+n, m) equally likely
// orderings under the null (what scipy.stats.mannwhitneyu(method="exact") computes).
#include <gtest/gtest.h>

#include <cmath>

#include "bench/stats.h"

namespace lmh::bench {
namespace {

TEST(BenchStats, MannWhitneyCompleteSeparation3v3) {
    // All 3 base values below all 3 new values: U = 0. Of the C(6,3) = 20 orderings exactly
    // one gives U = 0, so two-sided p = 2/20 = 0.1 (scipy: mannwhitneyu([1,2,3],[4,5,6]) -> 0.1).
    const MannWhitney mw = mann_whitney({1, 2, 3}, {4, 5, 6});
    EXPECT_TRUE(mw.exact);
    EXPECT_DOUBLE_EQ(mw.u, 0.0);
    EXPECT_NEAR(mw.p, 0.1, 1e-12);
    EXPECT_NEAR(mann_whitney({4, 5, 6}, {1, 2, 3}).p, 0.1, 1e-12);
}

TEST(BenchStats, MannWhitneyInterleaved3v3) {
    // x = {1,3,5}, y = {2,4,6}: ranks of x 1+3+5 = 9, U = 9 - 6 = 3. Enumerating the 20
    // orderings, U takes 0..9 with counts 1,1,2,3,3,3,3,2,1,1, so P(U <= 3) = 7/20 and
    // p = 2 * 7/20 = 0.7.
    const MannWhitney mw = mann_whitney({1, 3, 5}, {2, 4, 6});
    EXPECT_DOUBLE_EQ(mw.u, 3.0);
    EXPECT_NEAR(mw.p, 0.7, 1e-12);
    const auto cdf = mann_whitney_cdf(3, 3);
    const double counts[] = {1, 1, 2, 3, 3, 3, 3, 2, 1, 1};
    double run = 0;
    for (int u = 0; u < 10; ++u) EXPECT_NEAR(cdf[u], (run += counts[u]) / 20.0, 1e-12) << "u=" << u;
}

TEST(BenchStats, MannWhitneyTiesUseCorrectedNormalApproximation) {
    // x = {1,1,2}, y = {2,3,3}: midranks 1.5,1.5,3.5 | 3.5,5.5,5.5, so U1 = 6.5 - 6 = 0.5,
    // U2 = 8.5. Three tie pairs: sum(t^3 - t) = 18, var = 3*3/12 * (7 - 18/30) = 4.8;
    // z = (8.5 - 4.5 - 0.5)/sqrt(4.8); p = 2 * P(Z > z) (scipy asymptotic, continuity on).
    const MannWhitney mw = mann_whitney({1, 1, 2}, {2, 3, 3});
    EXPECT_FALSE(mw.exact);
    EXPECT_DOUBLE_EQ(mw.u, 0.5);
    const double z = 3.5 / std::sqrt(4.8);
    EXPECT_NEAR(mw.p, std::erfc(z / std::sqrt(2.0)), 1e-12);
    EXPECT_NEAR(mw.p, 0.1101, 1e-4);
    // All values equal: no evidence at all.
    EXPECT_DOUBLE_EQ(mann_whitney({2, 2, 2}, {2, 2, 2}).p, 1.0);
}

TEST(BenchStats, ExactCriticalValuesMatchPrintedTable) {
    // Two-sided alpha = 0.05 critical values of U from the standard Mann-Whitney table
    // (e.g. Siegel & Castellan, Table J): n1 = n2 = 5 -> 2, 9 -> 17, 20 -> 127. U at or
    // below the critical value is significant: P(U <= c) <= 0.025 < P(U <= c + 1).
    const std::pair<std::size_t, std::size_t> table[] = {{5, 2}, {9, 17}, {20, 127}};
    for (const auto& [n, c] : table) {
        const auto cdf = mann_whitney_cdf(n, n);
        EXPECT_LE(cdf[c], 0.025) << "n=" << n;
        EXPECT_GT(cdf[c + 1], 0.025) << "n=" << n;
        // The Hodges-Lehmann interval uses the order statistic just above it.
        EXPECT_EQ(hodges_lehmann_rank(n, n, 0.95), c + 1) << "n=" << n;
    }
}

TEST(BenchStats, MinimumAchievableP) {
    // Complete separation is the most extreme outcome: p_min = 2 / C(m+n, m).
    EXPECT_NEAR(min_two_sided_p(3, 3), 0.1, 1e-12);        // 2/20
    EXPECT_NEAR(min_two_sided_p(4, 4), 2.0 / 70, 1e-12);   // 2/70 = 0.0286
    EXPECT_NEAR(min_two_sided_p(2, 5), 2.0 / 21, 1e-12);
    EXPECT_EQ(min_repetitions_for(0.05), 4u);  // 3+3 cannot reach 0.05, 4+4 can
    EXPECT_EQ(min_repetitions_for(0.01), 5u);  // 4+4: 0.0286; 5+5: 2/252 = 0.0079
}

TEST(BenchStats, HodgesLehmannShiftAndInterval) {
    // Differences y - x for {1,2,3} vs {4,5,6}: 1,2,2,3,3,3,4,4,5 -> median 3. With 3+3 no
    // order statistic reaches 95% (P(U <= 0) = 0.05 > 0.025), so the interval is the full
    // range [1, 5] with coverage 1 - 2/20 = 0.9.
    const ShiftEstimate s = hodges_lehmann({1, 2, 3}, {4, 5, 6});
    EXPECT_DOUBLE_EQ(s.estimate, 3.0);
    EXPECT_DOUBLE_EQ(s.ci.low, 1.0);
    EXPECT_DOUBLE_EQ(s.ci.high, 5.0);
    EXPECT_NEAR(s.ci.achieved, 0.9, 1e-12);
    EXPECT_EQ(hodges_lehmann_rank(3, 3, 0.95), 0u);

    // 9+9 with y = x + 10: all 81 differences are 10 + (x_j - x_i); the interval holds the
    // true shift 10 and, by symmetry of the differences, is centred on it.
    std::vector<double> x{1, 2, 3, 4, 5, 6, 7, 8, 9}, y;
    for (double v : x) y.push_back(v + 10);
    const ShiftEstimate t = hodges_lehmann(x, y);
    EXPECT_DOUBLE_EQ(t.estimate, 10.0);
    EXPECT_DOUBLE_EQ(t.ci.low + t.ci.high, 20.0);
    EXPECT_LT(t.ci.low, 10.0);
    EXPECT_GE(t.ci.achieved, 0.95);
    // Large samples switch to the normal approximation: k = floor(mn/2 - 1.96 sqrt(mn(m+n+1)/12)).
    EXPECT_EQ(hodges_lehmann_rank(30, 30, 0.95), static_cast<std::size_t>(std::floor(450 - 1.959964 * std::sqrt(900.0 * 61 / 12))));
}

TEST(BenchStats, MedianPercentileMad) {
    EXPECT_DOUBLE_EQ(median({3, 1, 2}), 2.0);
    EXPECT_DOUBLE_EQ(median({4, 1, 3, 2}), 2.5);
    // numpy.percentile([1,2,3,4], 25) = 1.75 (linear interpolation, the default).
    EXPECT_DOUBLE_EQ(percentile({4, 3, 2, 1}, 25), 1.75);
    EXPECT_DOUBLE_EQ(percentile({4, 3, 2, 1}, 100), 4.0);
    // Wikipedia "Median absolute deviation" example: {1,1,2,2,4,6,9} -> median 2, MAD 1.
    EXPECT_DOUBLE_EQ(mad({1, 1, 2, 2, 4, 6, 9}), 1.0);
    EXPECT_NEAR(sample_stddev({2, 4, 4, 4, 5, 5, 7, 9}), std::sqrt(32.0 / 7), 1e-12);
    EXPECT_THROW(median({}), std::invalid_argument);
}

TEST(BenchStats, RobustZ) {
    // Window {1,1,2,2,4,6,9}: median 2, MAD 1, so z(5) = 0.6745 * 3 / 1.
    EXPECT_NEAR(robust_z(5, {1, 1, 2, 2, 4, 6, 9}), 0.6745 * 3, 1e-12);
    // MAD = 0 (most values equal): Iglewicz-Hoaglin fallback, 1.253314 * mean absolute deviation.
    EXPECT_NEAR(robust_z(12, {10, 10, 10, 10, 14}), 2.0 / (1.253314 * 0.8), 1e-12);
    EXPECT_EQ(robust_z(10, {10, 10, 10}), 0.0);
    EXPECT_TRUE(std::isinf(robust_z(11, {10, 10, 10})));
}

TEST(BenchStats, MedianConfidenceInterval) {
    // n = 9: P(B <= 1) = 10/512 <= 0.025 < P(B <= 2) = 46/512, so the 95% interval is
    // [x_(2), x_(8)] with coverage 1 - 20/512 = 0.9609 (the textbook sign-test interval).
    const Interval ci = median_ci({9, 1, 8, 2, 7, 3, 6, 4, 5});
    EXPECT_DOUBLE_EQ(ci.low, 2.0);
    EXPECT_DOUBLE_EQ(ci.high, 8.0);
    EXPECT_NEAR(ci.achieved, 1.0 - 20.0 / 512, 1e-12);
    // n = 5 cannot reach 95% (P(B <= 0) = 1/32 > 0.025): full range, coverage 1 - 2/32.
    const Interval small = median_ci({5, 1, 3, 2, 4});
    EXPECT_DOUBLE_EQ(small.low, 1.0);
    EXPECT_DOUBLE_EQ(small.high, 5.0);
    EXPECT_NEAR(small.achieved, 1.0 - 2.0 / 32, 1e-12);
}

TEST(BenchStats, PairedLogRatio) {
    // Every pair is exactly 10% faster: the ratio and both interval ends are 1.1.
    const PairedRatio p = paired_log_ratio({100, 200, 50, 80, 120, 90, 110, 70, 60},
                                           {110, 220, 55, 88, 132, 99, 121, 77, 66});
    EXPECT_NEAR(p.ratio, 1.1, 1e-12);
    EXPECT_NEAR(p.ci.low, 1.1, 1e-12);
    EXPECT_NEAR(p.ci.high, 1.1, 1e-12);
    // Ratios 0.9..1.3 in steps: median 1.1, interval the 2nd and 8th smallest (n = 9).
    const PairedRatio q = paired_log_ratio({1, 1, 1, 1, 1, 1, 1, 1, 1}, {0.9, 0.95, 1.0, 1.05, 1.1, 1.15, 1.2, 1.25, 1.3});
    EXPECT_NEAR(q.ratio, 1.1, 1e-12);
    EXPECT_NEAR(q.ci.low, 0.95, 1e-12);
    EXPECT_NEAR(q.ci.high, 1.25, 1e-12);
    EXPECT_THROW(paired_log_ratio({1, 0}, {1, 1}), std::invalid_argument);
}

TEST(BenchStats, NormalAndBinomial) {
    EXPECT_NEAR(normal_quantile(0.975), 1.959963985, 1e-8);
    EXPECT_NEAR(normal_sf(1.959963985), 0.025, 1e-9);
    EXPECT_NEAR(binomial_half_cdf(1, 9), 10.0 / 512, 1e-15);
    EXPECT_DOUBLE_EQ(binomial_half_cdf(9, 9), 1.0);
}

}  // namespace
}  // namespace lmh::bench
