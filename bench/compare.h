// Comparing two benchmark runs configuration by configuration, in the manner of Google
// Benchmark's compare.py and criterion.rs: a change is called only when the Mann-Whitney
// test rejects "no shift" at alpha AND the whole Hodges-Lehmann confidence interval of the
// shift lies beyond the noise threshold. Anything else is "same (within noise)", and sample
// sizes too small to ever reach alpha give "cannot tell" rather than a guess.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "bench/record_io.h"

namespace lmh::bench {

struct CompareOptions {
    double threshold_pct = 5.0;  // a change smaller than this is never called
    double alpha = 0.05;
};

enum class Verdict { faster, slower, same, cannot_tell };
const char* verdict_name(Verdict v);  // "faster", "slower", "same", "cannot tell"

struct MetricComparison {
    std::string metric;
    std::string unit;
    bool higher_is_better = true;
    std::size_t n_base = 0, n_new = 0;
    double base_median = 0, new_median = 0;
    double ratio = 0;                            // new median / base median
    double shift_pct = 0, ci_low_pct = 0, ci_high_pct = 0;  // Hodges-Lehmann, % of base median
    double ci_confidence = 0;                    // actual coverage of the interval
    double p = 1;
    bool exact_p = false;
    Verdict verdict = Verdict::same;
    std::size_t need_repetitions = 0;            // set for cannot_tell
};
// JSON: every field above under its own name (non-finite numbers are written as null);
// to_json(CompareReport) adds "verdict" as verdict_name(). Only serialized: from_json unused.
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(MetricComparison, metric, unit, higher_is_better, n_base, n_new, base_median,
                                   new_median, ratio, shift_pct, ci_low_pct, ci_high_pct, ci_confidence, p, exact_p,
                                   need_repetitions)

// Verdict for one metric from its raw samples.
MetricComparison compare_samples(const std::string& metric, const MetricSummary& kind,
                                 const std::vector<double>& base, const std::vector<double>& neu,
                                 const CompareOptions& opt);

struct ConfigComparison : ConfigId {
    std::vector<MetricComparison> metrics;
    bool base_token_mismatch = false, new_token_mismatch = false;
    bool tokens_differ = false;  // both have a tokens_hash and they differ: output changed
    std::vector<std::string> notes;  // warnings carried from the records, missing series
};
// JSON: the flags and notes under their own names; to_json(CompareReport) adds the
// configuration (to_json(ConfigId)) and the metrics.
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(ConfigComparison, base_token_mismatch, new_token_mismatch, tokens_differ, notes)

struct CompareReport {
    CompareOptions options;
    std::vector<ConfigComparison> configs;
    std::vector<std::string> only_in_base, only_in_new;  // configuration keys
};

CompareReport compare_files(const BenchFile& base, const BenchFile& neu, const CompareOptions& opt);

// The metrics whose "cannot tell" makes the whole comparison inconclusive (exit 3).
bool is_main_metric(const std::string& metric);
bool has_regression(const CompareReport& r);
bool has_inconclusive_main_metric(const CompareReport& r);

std::string format_report(const CompareReport& r);
nlohmann::json to_json(const CompareReport& r);

// ---- against a history window ----------------------------------------------------------
struct WindowCheck {
    std::string configuration;  // its key()
    std::string metric;
    bool higher_is_better = true;
    std::size_t window_size = 0;
    double window_median = 0, window_mad = 0;
    double new_median = 0;
    double shift_pct = 0;  // (new - window median) / window median
    double z = 0;          // robust (modified) z-score
    bool flagged = false;  // |z| > 3.5 and |shift| > threshold
    bool regression = false;  // flagged in the worse direction
};
// JSON: every field under its own name (a non-finite z is written as null).
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(WindowCheck, configuration, metric, higher_is_better, window_size, window_median,
                                   window_mad, new_median, shift_pct, z, flagged, regression)
// `window`: medians of the last K records of the same configuration, oldest first.
WindowCheck check_against_window(const std::vector<double>& window, double new_median, bool higher_is_better,
                                 const CompareOptions& opt);
inline constexpr double kRobustZLimit = 3.5;  // Iglewicz & Hoaglin's outlier rule
inline constexpr std::size_t kMinWindow = 3;  // fewer medians than this: no verdict

std::string format_window_checks(const std::vector<WindowCheck>& checks, const CompareOptions& opt);
nlohmann::json to_json(const std::vector<WindowCheck>& checks);

}  // namespace lmh::bench
