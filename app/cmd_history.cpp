// `lmharness import` stores results files in the history database; `lmharness history`
// shows one metric across commits for each configuration, marking step changes, and can
// plot it with scripts/plot-results.py.
#include <iostream>

#include "app/commands.h"
#include "app/history_plot.h"
#include "app/options.h"
#include "bench/history_db.h"
#include "bench/history_query.h"
#include "util/error.h"

namespace lmh::app {
namespace {

constexpr const char* kDefaultDb = "results/history.db";

struct ImportOptions {
    std::string db = kDefaultDb;
    std::vector<std::string> files;
};

struct HistoryOptions {
    std::string db = kDefaultDb;
    std::string workload, case_name, kernels, metric = "decode_tokens_per_second", plot, machine = "same";
    int threads = 0;
    bool json = false;
};

void run_import(const ImportOptions& o) {
    // Every file is read and validated before the database is touched; the import itself is
    // one transaction, so a bad file anywhere in the list imports nothing.
    std::vector<bench::ImportItem> items;
    for (const auto& f : o.files) items.push_back(bench::load_import_item(f));
    bench::HistoryDb db(o.db, true);
    const auto res = db.import(items);
    std::cout << "import: " << res.records << " record(s) from " << res.files_imported << " file(s) into " << o.db;
    if (res.files_skipped) std::cout << "; " << res.files_skipped << " file(s) already imported, skipped";
    std::cout << "\n";
}

void run_history(const HistoryOptions& o) {
    if (o.threads < 0) throw Error("--threads: must be >= 1");
    const bench::HistoryFilter filter{o.workload, o.case_name, o.kernels,
                                      o.threads > 0 ? std::optional<int>(o.threads) : std::nullopt};
    const bench::HistoryQuery q{filter, o.machine, o.metric};
    const bench::HistoryView v = bench::query_history(o.db, q);
    std::cerr << v.notes;
    if (o.json)
        std::cout << v.json.dump(1) << "\n";
    else
        std::cout << bench::format_history(v.series, o.metric);
    if (!o.plot.empty()) {
        if (v.series.empty()) throw Error("--plot: no records with metric " + o.metric + " match, nothing to plot");
        plot_history(v.json, o.plot);
    }
}

}  // namespace

void add_history_commands(CLI::App& app) {
    auto [imp, io] =
        add_command<ImportOptions>(app, "import", "Store benchmark results files in the history database", run_import);
    imp->add_option("--db", io->db, "History database (created on first use)")->capture_default_str();
    imp->add_option("files", io->files, "Results files written by `lmharness bench`")->required();

    auto [his, ho] = add_command<HistoryOptions>(
        app, "history", "One metric across commits for each benchmark configuration, with step changes marked",
        run_history);
    his->add_option("--db", ho->db, "History database")->capture_default_str();
    his->add_option("--workload", ho->workload, "Only this workload");
    his->add_option("--case", ho->case_name, "Only this case (generate, prefill256, chat)");
    his->add_option("--kernels", ho->kernels, "Only this kernel set");
    his->add_option("--threads", ho->threads, "Only this thread count");
    his->add_option("--metric", ho->metric, "Sample series to show")->capture_default_str();
    his->add_option("--machine", ho->machine,
                    "Records of the 'same' machine as the newest matching record (default), 'any', or a fingerprint id")
        ->capture_default_str();
    his->add_flag("--json", ho->json, "Print JSON (the input of scripts/plot-results.py --history)");
    his->add_option("--plot", ho->plot, "Also draw the history into this PNG file");
}

}  // namespace lmh::app
