// Results in the JSON that benchmark dashboards read:
//  - github-action-benchmark's "custom" tools: a list of {name, unit, value, range, extra}.
//    The tool takes one direction per file (tool: customBiggerIsBetter or
//    customSmallerIsBetter), so the metrics are split by their direction: one file each.
//  - Bencher Metric Format (BMF): {benchmark: {measure: {value, lower_value, upper_value}}},
//    value the median and the bounds its 95% confidence interval. BMF has no direction field:
//    Bencher keeps it with the threshold (a lower boundary for tok/s, an upper one for ms);
//    bencher_directions() lists it per measure for setting those up.
#pragma once

#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "bench/record_io.h"

namespace lmh::bench {

enum class Direction { bigger_is_better, smaller_is_better };

// Every record × metric of `file` whose direction is `direction`; name "workload/case/kernels/threads metric".
nlohmann::json export_github_action_benchmark(const BenchFile& file, Direction direction);
nlohmann::json export_bencher(const BenchFile& file);
// measure -> "bigger" or "smaller" (is better), for the measures export_bencher() writes.
std::map<std::string, std::string> bencher_directions(const BenchFile& file);

}  // namespace lmh::bench
