#include "report/ci_outputs.h"

#include <iostream>

#include "util/provenance.h"
#include "util/atomic_file.h"
#include "report/annotations.h"
#include "report/junit.h"
#include "report/markdown.h"

namespace lmh::report {

void emit_verify(const CiOutputs& out, const std::vector<verify::RunReport>& runs) {
    if (!out.junit_path.empty())
        write_file_atomic(out.junit_path, junit_xml("lmharness verify", junit_verify(runs, utc_now_iso8601())));
    if (!out.markdown_path.empty()) write_file_atomic(out.markdown_path, markdown_verify(runs));
    if (in_github_actions()) std::cout << github_annotations_verify(runs) << std::flush;
}

void emit_compare(const CiOutputs& out, const bench::CompareReport& report, const std::vector<std::string>& machine_differences,
                  const std::string& base_label, const std::string& new_label) {
    if (!out.junit_path.empty())
        write_file_atomic(out.junit_path, junit_xml("lmharness compare", junit_compare(report, machine_differences)));
    if (!out.markdown_path.empty())
        write_file_atomic(out.markdown_path, markdown_compare(report, machine_differences, base_label, new_label));
    if (in_github_actions()) std::cout << github_annotations_compare(report, machine_differences) << std::flush;
}

void emit_window_checks(const CiOutputs& out, const std::vector<bench::WindowCheck>& checks, const std::string& new_label) {
    if (!out.junit_path.empty())
        write_file_atomic(out.junit_path, junit_xml("lmharness compare --db", junit_window_checks(checks)));
    if (!out.markdown_path.empty()) write_file_atomic(out.markdown_path, markdown_window_checks(checks, new_label));
    if (in_github_actions()) std::cout << github_annotations_window_checks(checks) << std::flush;
}

void emit_bench(const CiOutputs& out, const bench::BenchFile& file) {
    if (!out.markdown_path.empty()) write_file_atomic(out.markdown_path, markdown_bench(file));
}

}  // namespace lmh::report
