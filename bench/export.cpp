#include "bench/export.h"

#include <iomanip>
#include <sstream>

#include "bench/fingerprint.h"
#include "bench/stats.h"

namespace lmh::bench {
namespace {

// Numbers in the "range" and "extra" strings: 6 significant digits, as %g would print.
std::string fmt(double v) {
    std::ostringstream s;
    s << std::setprecision(6) << v;
    return s.str();
}

std::string commit_of(const BenchFile& file) {
    const auto it = file.provenance.find("git_commit");
    return it != file.provenance.end() && it->is_string() ? it->get<std::string>().substr(0, 10) : "unknown";
}

}  // namespace

nlohmann::json export_github_action_benchmark(const BenchFile& file, Direction direction) {
    const bool bigger = direction == Direction::bigger_is_better;
    const std::string machine = fingerprint_from_provenance(file.provenance).id();
    nlohmann::json out = nlohmann::json::array();
    for (const auto& r : file.records)
        for (const auto& [metric, samples] : r.samples) {
            const auto stored = r.metrics.find(metric);  // the file's own unit and direction
            const MetricSummary kind = stored != r.metrics.end() ? stored->second : metric_kind(metric);
            if (kind.higher_is_better != bigger) continue;
            const Interval ci = median_ci(samples, 0.95);
            out.push_back({{"name", r.key() + " " + metric},
                           {"unit", kind.unit},
                           {"value", median(samples)},
                           {"range", "± " + fmt(sample_stddev(samples))},
                           {"extra", "median of " + std::to_string(samples.size()) + " repetitions; 95% CI of the median " +
                                         fmt(ci.low) + ".." + fmt(ci.high) + "; commit " + commit_of(file) +
                                         "; machine " + machine}});
        }
    return out;
}

nlohmann::json export_bencher(const BenchFile& file) {
    nlohmann::json out = nlohmann::json::object();
    for (const auto& r : file.records)
        for (const auto& [metric, samples] : r.samples) {
            const Interval ci = median_ci(samples, 0.95);
            out[r.key()][metric] = {{"value", median(samples)}, {"lower_value", ci.low}, {"upper_value", ci.high}};
        }
    return out;
}

std::map<std::string, std::string> bencher_directions(const BenchFile& file) {
    std::map<std::string, std::string> d;
    for (const auto& r : file.records)
        for (const auto& [metric, samples] : r.samples) {
            const auto stored = r.metrics.find(metric);
            const bool bigger = stored != r.metrics.end() ? stored->second.higher_is_better : metric_kind(metric).higher_is_better;
            d[metric] = bigger ? "bigger" : "smaller";
        }
    return d;
}

}  // namespace lmh::bench
