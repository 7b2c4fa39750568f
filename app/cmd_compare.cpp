// `lmharness compare`: two results files configuration by configuration (Mann-Whitney +
// Hodges-Lehmann, see bench/compare.h), or one results file against the history database.
// Exit 0: no significant regression (or no --fail-on-regression); 1: a significant
// regression with --fail-on-regression; 2: bad usage or input; 3: with --fail-on-regression,
// the samples (or the history) are too few to decide on the main metrics.
#include <cmath>
#include <iostream>

#include <nlohmann/json.hpp>

#include "app/commands.h"
#include "app/options.h"
#include "bench/compare_files.h"
#include "bench/compare_history.h"
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

void write_json(const std::string& path, const nlohmann::json& j) {
    if (!path.empty()) write_json_atomic(path, j);
}

int compare_two_files(const CompareCommandOptions& o, const bench::CompareOptions& opt) {
    const bench::FileComparison c = bench::compare_result_files(
        o.files[0], o.files[1], opt, o.fail_on_regression && !o.allow_machine_mismatch);
    if (!c.machine_differences.empty())
        std::cerr << "compare: warning: BASE and NEW were recorded on different machines: " << c.machines_text() << "\n";
    std::cout << bench::format_file_comparison(c);
    report::emit_compare(o.ci, c.report, c.machine_differences, c.base_label(), c.new_label());
    write_json(o.json_path, bench::to_json(c));
    return o.fail_on_regression ? bench::regression_exit_code(c.report) : 0;
}

int compare_with_history(const CompareCommandOptions& o, const bench::CompareOptions& opt) {
    const bench::HistoryComparison c =
        bench::compare_with_history(o.files[0], o.db, o.machine, static_cast<std::size_t>(o.window), opt);
    std::cerr << c.notes;
    std::cout << bench::format_history_comparison(c, opt);
    report::emit_window_checks(o.ci, c.checks, bench::describe_results_file(o.files[0], c.item.file.provenance));
    write_json(o.json_path, bench::to_json(c, opt));
    return o.fail_on_regression ? bench::regression_exit_code(c.checks) : 0;
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
    auto [cmd, o] = add_command<CompareCommandOptions>(
        app, "compare",
        "Compare benchmark results: BASE.json NEW.json, or --db HISTORY NEW.json "
        "(exit 0 ok, 1 regression with --fail-on-regression, 2 bad input, 3 too few samples)",
        run_compare);
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
}

}  // namespace lmh::app
