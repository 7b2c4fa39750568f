// `lmharness export`: a results file in the JSON a benchmark dashboard reads
// (github-action-benchmark's custom format, or Bencher Metric Format); see bench/export.h.
#include <iostream>

#include "app/commands.h"
#include "bench/export.h"
#include "util/atomic_file.h"
#include "util/error.h"

namespace lmh::app {
namespace {

struct ExportOptions {
    std::string format, file, out, direction = "bigger";
};

void run_export(const ExportOptions& o) {
    const bench::BenchFile f = bench::read_bench_file(o.file);
    nlohmann::json j;
    if (o.format == "github-action-benchmark") {
        j = bench::export_github_action_benchmark(
            f, o.direction == "bigger" ? bench::Direction::bigger_is_better : bench::Direction::smaller_is_better);
    } else {
        j = bench::export_bencher(f);
        // BMF carries no direction: say it here, for the thresholds to be set up to match.
        for (const auto& [measure, dir] : bench::bencher_directions(f))
            std::cerr << "export: measure " << measure << ": " << dir << " is better ("
                      << (dir == "bigger" ? "set a lower boundary" : "set an upper boundary") << ")\n";
    }
    write_json_atomic(o.out, j);
}

}  // namespace

void add_export_command(CLI::App& app) {
    auto o = std::make_shared<ExportOptions>();
    CLI::App* cmd = app.add_subcommand("export", "Write a results file in a benchmark dashboard's format");
    cmd->add_option("--format", o->format, "github-action-benchmark or bencher")
        ->required()
        ->check(CLI::IsMember({"github-action-benchmark", "bencher"}));
    cmd->add_option("file", o->file, "Results file written by `lmharness bench`")->required();
    cmd->add_option("-o,--out", o->out, "Output JSON file")->required();
    cmd->add_option("--direction", o->direction,
                    "github-action-benchmark: the metrics of one direction per file, 'bigger' (tok/s; tool "
                    "customBiggerIsBetter) or 'smaller' (ms, bytes; tool customSmallerIsBetter)")
        ->capture_default_str()
        ->check(CLI::IsMember({"bigger", "smaller"}));
    cmd->callback([o] { run_export(*o); });
}

}  // namespace lmh::app
