#include "bench/stats.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <stdexcept>

namespace lmh::bench {
namespace {

void require_nonempty(const std::vector<double>& v, const char* what) {
    if (v.empty()) throw std::invalid_argument(std::string(what) + ": empty sample set");
}

// Midranks (1-based) of the concatenation x ++ y, and the tie-group sizes.
struct Ranking {
    std::vector<double> ranks;
    std::vector<std::size_t> tie_sizes;  // only groups of size > 1
};
Ranking rank_with_ties(const std::vector<double>& all) {
    std::vector<std::size_t> order(all.size());
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return all[a] < all[b]; });
    Ranking r;
    r.ranks.resize(all.size());
    for (std::size_t i = 0; i < order.size();) {
        std::size_t j = i;
        while (j + 1 < order.size() && all[order[j + 1]] == all[order[i]]) ++j;
        const double mid = (static_cast<double>(i) + static_cast<double>(j)) / 2.0 + 1.0;
        for (std::size_t k = i; k <= j; ++k) r.ranks[order[k]] = mid;
        if (j > i) r.tie_sizes.push_back(j - i + 1);
        i = j + 1;
    }
    return r;
}

double log_choose(std::size_t n, std::size_t k) {
    return std::lgamma(static_cast<double>(n) + 1) - std::lgamma(static_cast<double>(k) + 1) -
           std::lgamma(static_cast<double>(n - k) + 1);
}

// Largest k >= 1 with 2 * cdf(k-1) <= 1 - confidence (cdf indexed by statistic value); 0 if none.
std::size_t order_statistic_rank(const std::vector<double>& cdf, double confidence) {
    const double tail = (1.0 - confidence) / 2.0;
    std::size_t k = 0;
    // A tiny tolerance so tables computed in floating point match textbook critical values
    // that sit exactly on the boundary.
    while (k < cdf.size() && cdf[k] <= tail * (1 + 1e-12)) ++k;
    return k;
}

std::vector<double> binomial_half_cdf_table(std::size_t n) {
    std::vector<double> cdf(n + 1);
    for (std::size_t k = 0; k <= n; ++k) cdf[k] = binomial_half_cdf(k, n);
    return cdf;
}

}  // namespace

double median(std::vector<double> v) { return percentile(std::move(v), 50.0); }

double mean(const std::vector<double>& v) {
    require_nonempty(v, "mean");
    return std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
}

double sample_stddev(const std::vector<double>& v) {
    require_nonempty(v, "stddev");
    if (v.size() < 2) return 0.0;
    const double m = mean(v);
    double ss = 0;
    for (double x : v) ss += (x - m) * (x - m);
    return std::sqrt(ss / static_cast<double>(v.size() - 1));
}

double percentile(std::vector<double> v, double p) {
    require_nonempty(v, "percentile");
    if (!(p >= 0 && p <= 100)) throw std::invalid_argument("percentile: p must be in [0, 100]");
    std::sort(v.begin(), v.end());
    const double pos = p / 100.0 * static_cast<double>(v.size() - 1);
    const auto lo = static_cast<std::size_t>(std::floor(pos));
    const std::size_t hi = std::min(lo + 1, v.size() - 1);
    return v[lo] + (pos - static_cast<double>(lo)) * (v[hi] - v[lo]);
}

double mad(const std::vector<double>& v) {
    const double m = median(v);
    std::vector<double> dev;
    dev.reserve(v.size());
    for (double x : v) dev.push_back(std::fabs(x - m));
    return median(std::move(dev));
}

double robust_z(double x, const std::vector<double>& window) {
    const double m = median(window);
    const double d = mad(window);
    if (d > 0) return 0.6745 * (x - m) / d;
    double mean_ad = 0;
    for (double w : window) mean_ad += std::fabs(w - m);
    mean_ad /= static_cast<double>(window.size());
    if (mean_ad > 0) return (x - m) / (1.253314 * mean_ad);
    if (x == m) return 0.0;
    return x > m ? std::numeric_limits<double>::infinity() : -std::numeric_limits<double>::infinity();
}

Interval median_ci(std::vector<double> v, double confidence) {
    require_nonempty(v, "median_ci");
    std::sort(v.begin(), v.end());
    const std::size_t n = v.size();
    const auto cdf = binomial_half_cdf_table(n);
    std::size_t k = std::min(order_statistic_rank(cdf, confidence), (n + 1) / 2);
    Interval ci;
    if (k == 0) {
        ci.low = v.front();
        ci.high = v.back();
        ci.achieved = 1.0 - 2.0 * cdf[0];
    } else {
        ci.low = v[k - 1];
        ci.high = v[n - k];
        ci.achieved = 1.0 - 2.0 * cdf[k - 1];
    }
    return ci;
}

std::vector<double> mann_whitney_cdf(std::size_t m, std::size_t n) {
    if (m > kExactMax || n > kExactMax) throw std::invalid_argument("mann_whitney_cdf: sizes above kExactMax");
    // counts[i][j][u]: orderings of i x's and j y's with u pairs x > y. The largest element
    // is either an x (beating all j y's) or a y: c(i,j,u) = c(i-1,j,u-j) + c(i,j-1,u).
    // All counts are integers below C(40,20) < 2^53, so doubles hold them exactly.
    std::vector<std::vector<std::vector<double>>> c(m + 1, std::vector<std::vector<double>>(n + 1));
    for (std::size_t i = 0; i <= m; ++i)
        for (std::size_t j = 0; j <= n; ++j) {
            auto& cur = c[i][j];
            cur.assign(i * j + 1, 0.0);
            if (i == 0 || j == 0) {
                cur[0] = 1;
                continue;
            }
            const auto& from_x = c[i - 1][j];
            for (std::size_t u = 0; u < from_x.size(); ++u) cur[u + j] += from_x[u];
            const auto& from_y = c[i][j - 1];
            for (std::size_t u = 0; u < from_y.size(); ++u) cur[u] += from_y[u];
        }
    std::vector<double> cdf = c[m][n];
    const double total = std::accumulate(cdf.begin(), cdf.end(), 0.0);
    double run = 0;
    for (double& x : cdf) {
        run += x;
        x = run / total;
    }
    return cdf;
}

MannWhitney mann_whitney(const std::vector<double>& x, const std::vector<double>& y) {
    require_nonempty(x, "mann_whitney");
    require_nonempty(y, "mann_whitney");
    std::vector<double> all(x);
    all.insert(all.end(), y.begin(), y.end());
    const Ranking r = rank_with_ties(all);
    const double m = static_cast<double>(x.size()), n = static_cast<double>(y.size());
    double r1 = 0;
    for (std::size_t i = 0; i < x.size(); ++i) r1 += r.ranks[i];
    MannWhitney out;
    out.u = r1 - m * (m + 1) / 2;
    const double u2 = m * n - out.u;
    if (r.tie_sizes.empty() && x.size() <= kExactMax && y.size() <= kExactMax) {
        const auto cdf = mann_whitney_cdf(x.size(), y.size());
        const auto umin = static_cast<std::size_t>(std::llround(std::min(out.u, u2)));
        out.p = std::min(1.0, 2.0 * cdf[umin]);
        out.exact = true;
        return out;
    }
    const double N = m + n;
    double tie_term = 0;
    for (std::size_t t : r.tie_sizes) tie_term += std::pow(static_cast<double>(t), 3) - static_cast<double>(t);
    const double var = m * n / 12.0 * ((N + 1) - tie_term / (N * (N - 1)));
    if (var <= 0) {  // every value equal: no evidence of any shift
        out.p = 1.0;
        return out;
    }
    const double z = (std::max(out.u, u2) - m * n / 2.0 - 0.5) / std::sqrt(var);
    out.p = std::clamp(2.0 * normal_sf(z), 0.0, 1.0);
    return out;
}

double min_two_sided_p(std::size_t m, std::size_t n) {
    if (m == 0 || n == 0) return 1.0;
    return std::min(1.0, 2.0 * std::exp(-log_choose(m + n, m)));
}

std::size_t min_repetitions_for(double alpha) {
    std::size_t n = 1;
    while (min_two_sided_p(n, n) >= alpha) ++n;
    return n;
}

std::size_t hodges_lehmann_rank(std::size_t m, std::size_t n, double confidence) {
    if (m <= kExactMax && n <= kExactMax) return order_statistic_rank(mann_whitney_cdf(m, n), confidence);
    const double mn = static_cast<double>(m * n);
    const double z = normal_quantile(1.0 - (1.0 - confidence) / 2.0);
    const double k = std::floor(mn / 2.0 - z * std::sqrt(mn * static_cast<double>(m + n + 1) / 12.0));
    return k < 1 ? 0 : static_cast<std::size_t>(k);
}

ShiftEstimate hodges_lehmann(const std::vector<double>& x, const std::vector<double>& y, double confidence) {
    require_nonempty(x, "hodges_lehmann");
    require_nonempty(y, "hodges_lehmann");
    std::vector<double> d;
    d.reserve(x.size() * y.size());
    for (double xi : x)
        for (double yj : y) d.push_back(yj - xi);
    std::sort(d.begin(), d.end());
    ShiftEstimate s;
    s.estimate = median(d);
    const std::size_t N = d.size();
    const std::size_t k = hodges_lehmann_rank(x.size(), y.size(), confidence);
    const double mn = static_cast<double>(N);
    const double sigma = std::sqrt(mn * static_cast<double>(x.size() + y.size() + 1) / 12.0);
    // Coverage of [d_(k), d_(N+1-k)] is 1 - 2 P(U <= k-1): exact where the table exists.
    auto coverage = [&](std::size_t kk) {
        if (x.size() <= kExactMax && y.size() <= kExactMax)
            return 1.0 - 2.0 * mann_whitney_cdf(x.size(), y.size())[kk - 1];
        return 1.0 - 2.0 * normal_sf((mn / 2.0 - (static_cast<double>(kk) - 0.5)) / sigma);
    };
    const std::size_t kk = std::max<std::size_t>(k, 1);
    s.ci.low = d[kk - 1];
    s.ci.high = d[N - kk];
    s.ci.achieved = coverage(kk);
    return s;
}

PairedRatio paired_log_ratio(const std::vector<double>& base, const std::vector<double>& neu, double confidence) {
    require_nonempty(base, "paired_log_ratio");
    if (base.size() != neu.size()) throw std::invalid_argument("paired_log_ratio: sample sets differ in size");
    std::vector<double> r;
    r.reserve(base.size());
    for (std::size_t i = 0; i < base.size(); ++i) {
        if (!(base[i] > 0) || !(neu[i] > 0)) throw std::invalid_argument("paired_log_ratio: values must be > 0");
        r.push_back(std::log(neu[i] / base[i]));
    }
    const Interval ci = median_ci(r, confidence);
    PairedRatio p;
    p.ratio = std::exp(median(r));
    p.ci = {std::exp(ci.low), std::exp(ci.high), ci.achieved};
    return p;
}

double normal_sf(double z) { return 0.5 * std::erfc(z / std::sqrt(2.0)); }

double normal_quantile(double p) {
    if (!(p > 0 && p < 1)) throw std::invalid_argument("normal_quantile: p must be in (0, 1)");
    // Bisection on the survival function: 200 halvings of [-40, 40] reach double precision,
    // and this is called a handful of times per comparison.
    double lo = -40, hi = 40;
    for (int i = 0; i < 200; ++i) {
        const double mid = (lo + hi) / 2;
        if (1.0 - normal_sf(mid) < p) lo = mid; else hi = mid;
    }
    return (lo + hi) / 2;
}

double binomial_half_cdf(std::size_t k, std::size_t n) {
    if (k >= n) return 1.0;
    double s = 0;
    const double log_half_n = -static_cast<double>(n) * std::log(2.0);
    for (std::size_t i = 0; i <= k; ++i) s += std::exp(log_choose(n, i) + log_half_n);
    return std::min(1.0, s);
}

}  // namespace lmh::bench
