#include "util/metrics.h"

#include <cmath>
#include <limits>

namespace lmh {

namespace {

template <class R>
Diff compare_with(std::span<const float> a, std::span<const R> r) {
    Diff d;
    double num = 0, den = 0;
    const std::size_t n = a.size() < r.size() ? a.size() : r.size();
    for (std::size_t i = 0; i < n; ++i) {
        const bool fa = std::isfinite(a[i]), fr = std::isfinite(r[i]);
        if (fa != fr || (!fa && !fr && std::signbit(a[i]) != std::signbit(r[i]))) {
            if (d.nonfinite++ == 0) d.first_nonfinite = i;
            continue;
        }
        if (!fr) continue;
        const double e = static_cast<double>(a[i]) - static_cast<double>(r[i]);
        num += e * e;
        den += static_cast<double>(r[i]) * r[i];
        if (std::fabs(e) > d.max_abs || (d.max_abs == 0 && i == 0)) {
            d.max_abs = std::fabs(e);
            d.worst = i;
            d.worst_value = a[i];
            d.worst_reference = static_cast<float>(r[i]);
        }
    }
    if (a.size() != r.size()) d.nonfinite += a.size() > r.size() ? a.size() - r.size() : r.size() - a.size();
    d.nmse = den > 0 ? num / den : (num > 0 ? std::numeric_limits<double>::infinity() : 0.0);
    if (d.nonfinite) d.nmse = std::numeric_limits<double>::infinity();
    return d;
}

}  // namespace

Diff compare(std::span<const float> a, std::span<const float> r) { return compare_with(a, r); }
Diff compare(std::span<const float> a, std::span<const double> r) { return compare_with(a, r); }

std::size_t count_not_close(std::span<const float> a, std::span<const float> r, double rtol, double atol) {
    std::size_t bad = 0;
    for (std::size_t i = 0; i < a.size() && i < r.size(); ++i) {
        const double e = std::fabs(static_cast<double>(a[i]) - r[i]);
        if (!(e <= atol + rtol * std::fabs(static_cast<double>(r[i])))) ++bad;
    }
    return bad;
}

double sqnr_db(double nmse) {
    return nmse > 0 ? -10.0 * std::log10(nmse) : std::numeric_limits<double>::infinity();
}

}  // namespace lmh
