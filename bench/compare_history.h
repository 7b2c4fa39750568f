// `compare --db HISTORY NEW.json`: each configuration × metric of a new results file checked
// against the medians of the last records of that configuration in the history database
// (check_against_window, bench/compare.h), on the machine the selector picks.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "bench/compare.h"
#include "bench/history_db.h"

namespace lmh::bench {

struct HistoryComparison {
    std::string db_path;
    std::size_t window = 0;  // at most this many earlier records per configuration
    ImportItem item;         // the new file
    std::vector<WindowCheck> checks;
    std::string notes;       // records of other machines left out, one line each
};

// machine: a --machine selector ("same", "any" or a fingerprint id; parse_machine_selector).
HistoryComparison compare_with_history(const std::string& new_path, const std::string& db_path,
                                       const std::string& machine, std::size_t window, const CompareOptions& opt);

// NEW: line, what it is checked against, then format_window_checks.
std::string format_history_comparison(const HistoryComparison& c, const CompareOptions& opt);
nlohmann::json to_json(const HistoryComparison& c, const CompareOptions& opt);
// 0 nothing flagged, 1 a regression, 3 a main metric without enough history to decide.
int regression_exit_code(const std::vector<WindowCheck>& checks);

}  // namespace lmh::bench
