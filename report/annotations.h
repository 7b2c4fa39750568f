// GitHub Actions workflow commands (`::error title=...::message`, `::warning::...`): the
// runner turns them into annotations on the run's summary page. Printed on stdout only when
// GITHUB_ACTIONS=true, as GitHub sets it, so local output stays plain.
#pragma once

#include <string>
#include <vector>

#include "bench/compare.h"
#include "verify/verifier.h"

namespace lmh::report {

bool in_github_actions();  // GITHUB_ACTIONS == "true"

// One ::error per failing verify run, naming the first failing tensor and its values.
std::string github_annotations_verify(const std::vector<verify::RunReport>& runs);
// ::warning for a machine mismatch, ::error per significant regression or token change.
std::string github_annotations_compare(const bench::CompareReport& report, const std::vector<std::string>& machine_differences);
std::string github_annotations_window_checks(const std::vector<bench::WindowCheck>& checks);

}  // namespace lmh::report
