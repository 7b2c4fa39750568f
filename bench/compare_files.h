// `compare BASE.json NEW.json`: the two results files read, the machines they were recorded
// on checked against each other, and the comparison (bench/compare.h) with the header that
// names both files. The CLI decides what a machine mismatch means (warning or refusal).
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "bench/compare.h"
#include "bench/record_io.h"

namespace lmh::bench {

// "FILE  commit abc1234567  DATE"; provenance is free-form, so fields of other types are skipped.
std::string describe_results_file(const std::string& path, const nlohmann::json& provenance);

struct FileComparison {
    std::string base_path, new_path;
    BenchFile base, neu;
    std::vector<std::string> machine_differences;  // empty: the same machine fingerprint
    CompareReport report;

    std::string machines_text() const;  // the differences joined with "; "
    std::string base_label() const { return describe_results_file(base_path, base.provenance); }
    std::string new_label() const { return describe_results_file(new_path, neu.provenance); }
};

// refuse_other_machine: throw lmh::Error (before comparing) when the fingerprints differ.
FileComparison compare_result_files(const std::string& base_path, const std::string& new_path,
                                    const CompareOptions& opt, bool refuse_other_machine);

// BASE:/NEW: lines, a warning line when the machines differ, then format_report.
std::string format_file_comparison(const FileComparison& c);
// to_json(report) with the files and their provenance.
nlohmann::json to_json(const FileComparison& c);
// 0 no regression, 1 a significant regression, 3 too few samples for a main metric.
int regression_exit_code(const CompareReport& r);

}  // namespace lmh::bench
