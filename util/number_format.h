// Numbers for the reports: one double as text with a printf format, and as a JSON value
// that stays valid JSON when the number is not finite. Header-only: two small functions
// every layer's report code shares.
#pragma once

#include <cmath>
#include <cstdio>
#include <string>

#include <nlohmann/json.hpp>

namespace lmh {

// One number with a printf format ("%.3e", "%+.1f%%"), as a string.
inline std::string format_number(const char* printf_format, double v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, printf_format, v);
    return buf;
}

// JSON has no NaN or infinity (nlohmann would write null anyway, silently): say so with null.
inline nlohmann::json finite_or_null(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(); }

}  // namespace lmh
