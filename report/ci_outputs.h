// The CI side outputs of verify, compare and bench in one call each: the JUnit file
// (--junit), the markdown summary (--markdown; append it to $GITHUB_STEP_SUMMARY), and,
// under GitHub Actions, annotations on stdout. Files are written atomically.
#pragma once

#include <string>
#include <vector>

#include "bench/compare.h"
#include "bench/record_io.h"
#include "verify/verifier.h"

namespace lmh::report {

struct CiOutputs {
    std::string junit_path;     // empty: none
    std::string markdown_path;  // empty: none
};

void emit_verify(const CiOutputs& out, const std::vector<verify::RunReport>& runs);
void emit_compare(const CiOutputs& out, const bench::CompareReport& report, const std::vector<std::string>& machine_differences,
                  const std::string& base_label, const std::string& new_label);
void emit_window_checks(const CiOutputs& out, const std::vector<bench::WindowCheck>& checks, const std::string& new_label);
void emit_bench(const CiOutputs& out, const bench::BenchFile& file);

}  // namespace lmh::report
