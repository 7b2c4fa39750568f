#include "bench/compare_history.h"

#include <algorithm>

#include "bench/compare_files.h"
#include "bench/fingerprint.h"
#include "bench/machine_filter.h"
#include "bench/stats.h"

namespace lmh::bench {
namespace {

// Medians of `metric` in the last `window` records that have it, oldest first.
std::vector<double> window_medians(const std::vector<StoredRecord>& past, const std::string& metric,
                                   std::size_t window) {
    std::vector<double> medians;
    for (auto it = past.rbegin(); it != past.rend() && medians.size() < window; ++it) {
        const auto s = it->record.samples.find(metric);
        if (s != it->record.samples.end()) medians.push_back(median(s->second));
    }
    std::reverse(medians.begin(), medians.end());
    return medians;
}

}  // namespace

HistoryComparison compare_with_history(const std::string& new_path, const std::string& db_path,
                                       const std::string& machine_selector, std::size_t window,
                                       const CompareOptions& opt) {
    HistoryComparison c{db_path, window, load_import_item(new_path), {}, {}};
    const HistoryDb db(db_path, false);
    const MachineSelector machine = parse_machine_selector(machine_selector);
    const MachineFingerprint here = fingerprint_from_provenance(c.item.file.provenance);
    for (const auto& r : c.item.file.records) {
        HistoryFilter f{r.workload, r.case_name, r.kernels, r.threads};
        const MachineFiltered mf = filter_by_machine(db.records(f), machine, &here);
        c.notes += left_out_note(mf, "compare --db " + r.key());
        std::vector<StoredRecord> past = mf.kept;
        // The same file may already be imported: it must not be its own history.
        std::erase_if(past, [&](const StoredRecord& s) { return s.file_sha256 == c.item.sha256; });
        for (const auto& [metric, samples] : r.samples) {
            const auto& kind = r.metrics.at(metric);
            WindowCheck w = check_against_window(window_medians(past, metric, window), kind.median,
                                                 kind.higher_is_better, opt);
            w.configuration = r.key();
            w.metric = metric;
            c.checks.push_back(std::move(w));
        }
    }
    return c;
}

std::string format_history_comparison(const HistoryComparison& c, const CompareOptions& opt) {
    return "NEW: " + describe_results_file(c.item.source, c.item.file.provenance) + "\n" + "against the last " +
           std::to_string(c.window) + " records of each configuration in " + c.db_path + "\n\n" +
           format_window_checks(c.checks, opt);
}

nlohmann::json to_json(const HistoryComparison& c, const CompareOptions& opt) {
    return {{"db", c.db_path},
            {"window", c.window},
            {"threshold_pct", opt.threshold_pct},
            {"new", {{"file", c.item.source}, {"provenance", c.item.file.provenance}}},
            {"checks", to_json(c.checks)}};
}

int regression_exit_code(const std::vector<WindowCheck>& checks) {
    bool regression = false, main_undecided = false;
    for (const auto& c : checks) {
        regression = regression || c.regression;
        main_undecided = main_undecided || (is_main_metric(c.metric) && c.window_size < kMinWindow);
    }
    return regression ? 1 : main_undecided ? 3 : 0;
}

}  // namespace lmh::bench
