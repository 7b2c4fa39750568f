// `lmharness report`: the static HTML site (report/site.h) from the history database or from
// results files, plus verify's last per-tensor results.
#include <fstream>
#include <iostream>
#include <sstream>

#include "app/commands.h"
#include "bench/history_db.h"
#include "util/atomic_file.h"
#include "util/error.h"
#include "report/site.h"

namespace lmh::app {
namespace {

struct ReportOptions {
    std::string db, verify, out = "results/report", title = "lmharness benchmarks";
    std::vector<std::string> files;
};

void run_report(const ReportOptions& o) {
    if (o.db.empty() && o.files.empty() && o.verify.empty())
        throw Error("report: expected --db HISTORY, results files, or --verify FILE");
    std::vector<bench::StoredRecord> records;
    if (!o.db.empty()) records = bench::HistoryDb(o.db, false).records({});
    std::vector<std::filesystem::path> paths(o.files.begin(), o.files.end());
    for (auto& r : report::records_from_files(paths)) records.push_back(std::move(r));
    nlohmann::json verify_report;
    if (!o.verify.empty()) {
        std::ifstream in(o.verify);
        if (!in) throw Error(o.verify + ": cannot open verify report");
        std::stringstream ss;
        ss << in.rdbuf();
        verify_report = nlohmann::json::parse(ss.str(), nullptr, false);
        if (!verify_report.is_object() || !verify_report.contains("runs"))
            throw Error(o.verify + ": not a verify report (expected the JSON of `lmharness verify --json`)");
    }
    std::filesystem::create_directories(o.out);
    const auto page = std::filesystem::path(o.out) / "index.html";
    write_file_atomic(page, report::site_html(report::site_data(records, verify_report, o.title)));
    std::cerr << "report: " << records.size() << " record(s) written to " << page.string() << "\n";
}

}  // namespace

void add_report_command(CLI::App& app) {
    auto o = std::make_shared<ReportOptions>();
    CLI::App* cmd = app.add_subcommand(
        "report", "Write a self-contained HTML report (charts over commits, latest verdicts, compare view, verify heat map)");
    cmd->add_option("files", o->files, "Results files written by `lmharness bench` (besides or instead of --db)");
    cmd->add_option("--db", o->db, "History database to read (e.g. results/history.db)");
    cmd->add_option("--verify", o->verify, "JSON written by `lmharness verify --json`, drawn as a layer x op heat map");
    cmd->add_option("--out", o->out, "Output folder; the page is OUT/index.html")->capture_default_str();
    cmd->add_option("--title", o->title, "Page title")->capture_default_str();
    cmd->callback([o] { run_report(*o); });
}

}  // namespace lmh::app
