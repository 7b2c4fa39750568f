// `lmharness compare`: two results files configuration by configuration (Mann-Whitney +
// Hodges-Lehmann, see bench/compare.h), or one results file against the history database.
// Exit 0: no significant regression (or no --fail-on-regression); 1: a significant
// regression with --fail-on-regression; 2: bad usage or input; 3: with --fail-on-regression,
// the samples (or the history) are too few to decide on the main metrics.
#include <algorithm>
#include <cmath>
#include <iostream>

#include <nlohmann/json.hpp>

#include "app/commands.h"
#include "bench/compare.h"
#include "bench/fingerprint.h"
#include "bench/history_db.h"
#include "bench/machine_filter.h"
#include "bench/stats.h"
#include "report/ci_outputs.h"
#include "util/atomic_file.h"
#include "util/error.h"

namespace lmh::app {
namespace {

struct CompareCommandOptions {
    std::vector<std::string> files;
    std::string db;
    double threshold = 5.0;
    double alpha = 0.05;
    int window = 20;
    bool fail_on_regression = false;
    bool allow_machine_mismatch = false;
    std::string machine = "same";
    std::string json_path;
    report::CiOutputs ci;
};

// "FILE  commit abc1234567  DATE"; provenance is free-form, so fields of other types are skipped.
std::string describe(const std::string& path, const nlohmann::json& prov) {
    auto text = [&](const char* key) {
        const auto it = prov.find(key);
        return it != prov.end() && it->is_string() ? it->get<std::string>() : std::string();
    };
    const auto dirty = prov.find("git_dirty");
    std::string s = path;
    const std::string commit = text("git_commit"), date = text("date");
    if (!commit.empty())
        s += "  commit " + commit.substr(0, 10) +
             (dirty != prov.end() && dirty->is_boolean() && dirty->get<bool>() ? "+dirty" : "");
    if (!date.empty()) s += "  " + date;
    return s;
}

int compare_two_files(const CompareCommandOptions& o, const bench::CompareOptions& opt) {
    const bench::BenchFile base = bench::read_bench_file(o.files[0]);
    const bench::BenchFile neu = bench::read_bench_file(o.files[1]);
    const auto machines = bench::fingerprint_differences(bench::fingerprint_from_provenance(base.provenance),
                                                         bench::fingerprint_from_provenance(neu.provenance));
    std::string why;
    for (const auto& d : machines) why += (why.empty() ? "" : "; ") + d;
    if (!machines.empty() && o.fail_on_regression && !o.allow_machine_mismatch)
        throw Error("compare: BASE and NEW were recorded on different machines (" + why +
                    "): timing verdicts would compare the machines; rerun BASE here or pass --allow-machine-mismatch");
    const bench::CompareReport rep = bench::compare_files(base, neu, opt);
    if (!machines.empty()) std::cerr << "compare: warning: BASE and NEW were recorded on different machines: " << why << "\n";
    std::cout << "BASE: " << describe(o.files[0], base.provenance) << "\n"
              << "NEW:  " << describe(o.files[1], neu.provenance) << "\n"
              << (machines.empty() ? "" : "WARNING: different machines (" + why + "): verdicts compare machines, not code\n")
              << "\n" << bench::format_report(rep);
    report::emit_compare(o.ci, rep, machines, describe(o.files[0], base.provenance), describe(o.files[1], neu.provenance));
    if (!o.json_path.empty()) {
        nlohmann::json j = bench::to_json(rep);
        j["base"] = {{"file", o.files[0]}, {"provenance", base.provenance}};
        j["new"] = {{"file", o.files[1]}, {"provenance", neu.provenance}};
        write_file_atomic(o.json_path, j.dump(1) + "\n");
    }
    if (!o.fail_on_regression) return 0;
    if (bench::has_regression(rep)) return 1;
    if (bench::has_inconclusive_main_metric(rep)) return 3;
    return 0;
}

int compare_with_history(const CompareCommandOptions& o, const bench::CompareOptions& opt) {
    const bench::ImportItem item = bench::load_import_item(o.files[0]);
    const bench::HistoryDb db(o.db, false);
    const bench::MachineSelector machine = bench::parse_machine_selector(o.machine);
    const bench::MachineFingerprint here = bench::fingerprint_from_provenance(item.file.provenance);
    std::vector<bench::WindowCheck> checks;
    for (const auto& r : item.file.records) {
        bench::HistoryFilter f{r.workload, r.case_name, r.kernels, r.threads};
        const bench::MachineFiltered mf = bench::filter_by_machine(db.records(f), machine, &here);
        std::cerr << bench::left_out_note(mf, "compare --db " + r.key());
        std::vector<bench::StoredRecord> past = mf.kept;
        // The same file may already be imported: it must not be its own history.
        std::erase_if(past, [&](const bench::StoredRecord& s) { return s.file_sha256 == item.sha256; });
        for (const auto& [metric, samples] : r.samples) {
            std::vector<double> window;
            for (auto it = past.rbegin(); it != past.rend() && window.size() < static_cast<std::size_t>(o.window); ++it) {
                const auto s = it->record.samples.find(metric);
                if (s != it->record.samples.end()) window.push_back(bench::median(s->second));
            }
            std::reverse(window.begin(), window.end());
            const auto& kind = r.metrics.at(metric);
            bench::WindowCheck c = bench::check_against_window(window, kind.median, kind.higher_is_better, opt);
            c.key = r.key();
            c.metric = metric;
            checks.push_back(std::move(c));
        }
    }
    std::cout << "NEW: " << describe(o.files[0], item.file.provenance) << "\n"
              << "against the last " << o.window << " records of each configuration in " << o.db << "\n\n"
              << bench::format_window_checks(checks, opt);
    report::emit_window_checks(o.ci, checks, describe(o.files[0], item.file.provenance));
    if (!o.json_path.empty()) {
        nlohmann::json j{{"db", o.db}, {"window", o.window}, {"threshold_pct", opt.threshold_pct},
                         {"new", {{"file", o.files[0]}, {"provenance", item.file.provenance}}},
                         {"checks", bench::to_json(checks)}};
        write_file_atomic(o.json_path, j.dump(1) + "\n");
    }
    if (!o.fail_on_regression) return 0;
    bool regression = false, main_undecided = false;
    for (const auto& c : checks) {
        regression = regression || c.regression;
        main_undecided = main_undecided || (bench::is_main_metric(c.metric) && c.window_size < bench::kMinWindow);
    }
    return regression ? 1 : main_undecided ? 3 : 0;
}

int run_compare(const CompareCommandOptions& o) {
    if (o.db.empty() && o.files.size() != 2) throw Error("compare: expected BASE.json NEW.json (or --db FILE NEW.json)");
    if (!o.db.empty() && o.files.size() != 1) throw Error("compare --db: expected exactly one results file, NEW.json");
    if (!(o.threshold >= 0) || !std::isfinite(o.threshold)) throw Error("--threshold: must be a percentage >= 0");
    if (!(o.alpha > 0 && o.alpha < 1)) throw Error("--alpha: must be in (0, 1)");
    if (o.window < static_cast<int>(bench::kMinWindow))
        throw Error("--window: must be >= " + std::to_string(bench::kMinWindow));
    const bench::CompareOptions opt{o.threshold, o.alpha};
    return o.db.empty() ? compare_two_files(o, opt) : compare_with_history(o, opt);
}

}  // namespace

void add_compare_command(CLI::App& app) {
    auto o = std::make_shared<CompareCommandOptions>();
    CLI::App* cmd = app.add_subcommand(
        "compare",
        "Compare benchmark results: BASE.json NEW.json, or --db HISTORY NEW.json "
        "(exit 0 ok, 1 regression with --fail-on-regression, 2 bad input, 3 too few samples)");
    cmd->add_option("files", o->files, "BASE.json NEW.json, or NEW.json with --db")->required();
    cmd->add_option("--db", o->db, "Compare NEW.json against this history database instead of a BASE file");
    cmd->add_option("--threshold", o->threshold, "Changes smaller than this many percent are never called")
        ->capture_default_str();
    cmd->add_option("--alpha", o->alpha, "Significance level of the Mann-Whitney test")->capture_default_str();
    cmd->add_option("--window", o->window, "With --db: how many earlier records of each configuration to use")
        ->capture_default_str();
    cmd->add_flag("--fail-on-regression", o->fail_on_regression,
                  "Exit 1 on a significant regression, 3 when the samples cannot reach alpha");
    cmd->add_flag("--allow-machine-mismatch", o->allow_machine_mismatch,
                  "With --fail-on-regression: compare files recorded on different machines instead of refusing (exit 2)");
    cmd->add_option("--machine", o->machine,
                    "With --db: history records of 'same' machine as NEW (default), 'any', or a fingerprint id")
        ->capture_default_str();
    cmd->add_option("--json", o->json_path, "Also write the comparison as JSON to this file");
    cmd->add_option("--junit", o->ci.junit_path, "Also write JUnit XML (one testcase per configuration x metric)");
    cmd->add_option("--markdown", o->ci.markdown_path, "Also write a markdown summary (for $GITHUB_STEP_SUMMARY)");
    cmd->callback([o] {
        const int rc = run_compare(*o);
        if (rc != 0) throw VerifyFailed(rc);
    });
}

}  // namespace lmh::app
