// `lmharness report`: one self-contained static HTML page (no network, scripts and styles
// inline, works from file://) in the manner of asv's site. The C++ side reduces the records
// and verify results to one JSON object embedded in the page; the page's own script
// (report/site_page.cpp) draws it as inline SVG:
//  - per machine (fingerprint), per configuration, a chart of a metric over commits with the
//    95% CI band of the median and the step changes `history` detects marked;
//  - the latest commit against the one before it, with verdicts;
//  - a compare view between any two of the machine's last kCompareCommits commits;
//  - verify's per-tensor results as a layer × op heat map of local and accumulated NMSE.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "bench/history_db.h"

namespace lmh::report {

// Commit pairs precomputed for the compare view: all pairs among a machine's last N commits.
inline constexpr std::size_t kCompareCommits = 10;

// Records from results files, as the history database would store them (commit, date and
// provenance from each file).
std::vector<bench::StoredRecord> records_from_files(const std::vector<std::filesystem::path>& files);

// The page's data. `verify_report`: the JSON `verify --json` writes, or null.
nlohmann::json site_data(const std::vector<bench::StoredRecord>& records, const nlohmann::json& verify_report,
                         const std::string& title);
// The whole page with `data` embedded.
std::string site_html(const nlohmann::json& data);

}  // namespace lmh::report
