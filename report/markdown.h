// Markdown summaries for CI job pages (GitHub's $GITHUB_STEP_SUMMARY, GitLab's report
// notes): GitHub-flavoured tables, one row per configuration, failures and warnings first.
#pragma once

#include <string>
#include <vector>

#include "bench/compare.h"
#include "bench/record_io.h"
#include "verify/verifier.h"

namespace lmh::report {

std::string markdown_verify(const std::vector<verify::RunReport>& runs);
// `machine_differences` (bench/fingerprint.h) are shown above the table as a warning.
std::string markdown_compare(const bench::CompareReport& report, const std::vector<std::string>& machine_differences,
                             const std::string& base_label, const std::string& new_label);
std::string markdown_window_checks(const std::vector<bench::WindowCheck>& checks, const std::string& new_label);
std::string markdown_bench(const bench::BenchFile& file);

}  // namespace lmh::report
