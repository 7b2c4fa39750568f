// Guarded buffers, random inputs and the check shared by every case (kernel_case.h).
#include "kernels/cases/kernel_case.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>
#include <sstream>

#include "util/metrics.h"

namespace lmh::kernels::cases {

namespace {
constexpr float kSentinel = -1234.5678f;
bool same_bits(float a, float b) { return std::memcmp(&a, &b, sizeof a) == 0; }
}  // namespace

std::vector<float> random_floats(std::size_t n, std::uint32_t seed, float lo, float hi) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> dist(lo, hi);
    std::vector<float> v(n);
    for (auto& x : v) x = dist(rng);
    return v;
}

Guarded::Guarded(std::size_t n) : buf_(n + 2 * kGuard, kSentinel), n_(n) { poison(); }

void Guarded::poison() { std::fill(data(), data() + n_, std::nanf("")); }

void Guarded::assign(const std::vector<float>& v) { std::copy(v.begin(), v.begin() + (long)n_, data()); }

std::string Guarded::guard_error() const {
    for (std::size_t i = 0; i < kGuard; ++i) {
        if (!same_bits(buf_[i], kSentinel)) return "write before the buffer, at index -" + std::to_string(kGuard - i);
        if (!same_bits(buf_[kGuard + n_ + i], kSentinel)) return "write past the end, at index " + std::to_string(n_ + i);
    }
    return {};
}

std::string check(const KernelCase& c) {
    if (std::string e = c.extra_errors(); !e.empty()) return c.label() + ": " + e;
    const auto ref = c.reference();
    const Diff d = compare(c.result().body(), std::span<const double>(ref));
    if (d.nmse <= c.max_nmse()) return {};
    std::ostringstream os;
    os << c.label() << ": ";
    if (!d.finite_ok())
        os << "non-finite output " << c.result().body()[d.first_nonfinite] << " at index " << d.first_nonfinite
           << " (reference " << ref[d.first_nonfinite] << ")";
    else
        os << "NMSE " << d.nmse << " > " << c.max_nmse() << "; worst at index " << d.worst << ": " << d.worst_value
           << " vs " << ref[d.worst];
    return os.str();
}

}  // namespace lmh::kernels::cases
