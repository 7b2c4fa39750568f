// `lmharness bench`: tokens/s of a workload for each kernel set × thread count, with every
// raw sample and the provenance written as JSON.

#include <algorithm>
#include <cstdio>
#include <iostream>

#include "app/commands.h"
#include "app/options.h"
#include "bench/ab_runner.h"
#include "bench/bench_runner.h"
#include "bench/profile.h"
#include "bench/progress.h"
#include "bench/history_db.h"
#include "bench/record_io.h"
#include "engine/sha256.h"
#include "bench/provenance.h"
#include "engine/atomic_file.h"
#include "engine/error.h"
#include "report/ci_outputs.h"

namespace lmh::app {
namespace {

struct BenchCli {
    std::vector<std::string> workloads;
    std::string kernels;
    std::string threads = "1,2";
    int repetitions = 5;
    std::string warmup = "auto";
    std::string json_path;
    double slowdown = 0;
    std::vector<std::string> ab;
    std::string shard;
    std::string db;
    int rounds = 10;
    bool roofline = false;
    bool profile = false;
    bool quiet = false;
    report::CiOutputs ci;
};

// `bench --ab A B`: interleaved rounds on one loaded model, per workload and thread count.
void run_ab_command(const BenchCli& o, const std::vector<bench::Workload>& ws, const std::vector<int>& threads) {
    nlohmann::json out = {{"schema", "lmharness-ab/1"}, {"provenance", bench::provenance_json()}};
    bool equal = true;
    for (const auto& w : ws)
        for (int t : threads) {
            std::fprintf(stderr, "bench --ab: %s, %d thread(s), %d rounds of %s vs %s...\n", w.name.c_str(), t, o.rounds,
                         o.ab[0].c_str(), o.ab[1].c_str());
            const auto r = bench::run_ab(w, o.ab[0], o.ab[1], t, o.rounds, ".");
            std::cout << bench::ab_summary(r) << std::flush;
            equal = equal && r.tokens_equal;
            out["results"].push_back(bench::to_json(r));
        }
    if (!o.json_path.empty()) write_file_atomic(o.json_path, out.dump(1) + "\n");
    if (!equal) throw VerifyFailed{1};
}

void run_bench(const BenchCli& o) {
    bench::BenchOptions bo;
    bo.repetitions = o.repetitions;
    if (o.warmup == "auto") {
        bo.warmup = -1;
    } else {
        const auto v = parse_int_list(o.warmup, "--warmup");
        if (v.size() != 1 || v[0] < 0 || v[0] > 10000) throw Error("--warmup: expected 'auto' or an integer >= 0");
        bo.warmup = v[0];
    }
    bo.slowdown_percent = o.slowdown;
    bo.roofline = o.roofline;
    bo.profile = o.profile;
    if (!o.shard.empty()) {
        const auto slash = o.shard.find('/');
        const auto parts = slash == std::string::npos ? std::vector<int>{}
                                                      : parse_int_list(o.shard.substr(0, slash) + "," + o.shard.substr(slash + 1), "--shard");
        if (parts.size() != 2 || parts[1] < 1 || parts[0] < 1 || parts[0] > parts[1])
            throw Error("--shard: expected I/N with 1 <= I <= N, e.g. 2/4, got '" + o.shard + "'");
        bo.shard_index = parts[0] - 1;
        bo.shard_count = parts[1];
    }
    bo.threads = parse_int_list(o.threads, "--threads");
    for (int t : bo.threads)
        if (t < 1 || t > 1024) throw Error("--threads: " + std::to_string(t) + " is not in [1, 1024]");
    if (o.kernels.empty() || o.kernels == "all") {
        bo.kernel_sets = kernels::kernel_set_names();
    } else {
        std::size_t start = 0;
        while (start <= o.kernels.size()) {
            auto end = o.kernels.find(';', start) != std::string::npos && o.kernels.find('=') != std::string::npos
                           ? o.kernels.find(';', start)
                           : o.kernels.find(',', start);
            if (o.kernels.find('=') != std::string::npos && o.kernels.find(';') == std::string::npos) end = std::string::npos;
            if (end == std::string::npos) end = o.kernels.size();
            bo.kernel_sets.push_back(o.kernels.substr(start, end - start));
            start = end + 1;
        }
    }
    for (const auto& k : bo.kernel_sets) {
        try {
            (void)kernels::make_kernel_set(k);
        } catch (const kernels::KernelSpecError& e) {
            throw Error(std::string("--kernels: ") + e.what());
        }
    }
    // Validate every workload before spending minutes on the first one.
    std::vector<bench::Workload> ws;
    for (const auto& name : o.workloads) ws.push_back(bench::Workload::load(name, "bench/workloads"));
    if (!o.ab.empty()) {
        for (const auto& k : o.ab) {
            try {
                (void)kernels::make_kernel_set(k);
            } catch (const kernels::KernelSpecError& e) {
                throw Error(std::string("--ab: ") + e.what());
            }
        }
        run_ab_command(o, ws, bo.threads);
        return;
    }

    int total = 0;  // configurations this shard runs, for the [i/N] of the progress line
    for (const auto& w : ws) {
        const int n = static_cast<int>(bench::workload_cases(w).size() * bo.kernel_sets.size() * bo.threads.size());
        for (int i = 0; i < n; ++i) total += i % bo.shard_count == bo.shard_index;
    }
    bench::ProgressLine line(stderr, bench::ProgressLine::detect(stderr, o.quiet), total);
    std::string current;
    const std::string reps = std::to_string(o.repetitions) + " reps";
    auto progress = [&](const std::string& config, int rep, int planned, double) {
        if (config != current) {
            line.end(reps);
            line.begin(config);
            current = config;
        }
        line.update("run " + std::to_string(rep + 1) + "/" + std::to_string(planned));
    };
    nlohmann::json file;
    file["schema"] = "lmharness-bench/1";
    file["provenance"] = bench::provenance_json();
    file["records"] = nlohmann::json::array();
    std::vector<nlohmann::json> all;
    for (const auto& w : ws) {
        auto recs = bench::run_workload(w, bo, progress);
        line.end(reps);
        current.clear();
        for (auto& r : recs) {
            all.push_back(r);
            file["records"].push_back(r);
        }
        file["workloads"][w.name] = {{"sha256", w.sha256}, {"content", w.content}};
        // Written after each workload, atomically: an interrupted run keeps what it finished.
        if (!o.json_path.empty()) write_file_atomic(o.json_path, file.dump(1) + "\n");
    }
    line.finish();
    report::emit_bench(o.ci, bench::bench_file_from_json(file, "bench"));
    std::cout << bench::bench_table(all);
    if (o.roofline) std::cout << "\n" << bench::roofline_table(all);
    if (o.profile)
        for (const auto& r : all)
            if (r.contains("profile"))
                std::cout << "\n"
                          << bench::profile_table(r["workload"].get<std::string>() + "/" + r["case"].get<std::string>() + " " +
                                                      r["kernels"].get<std::string>() + " t" + std::to_string(r["threads"].get<int>()),
                                                  r["profile"]);
    if (!o.db.empty()) {
        // Appended in one transaction, from the same JSON a file would hold.
        bench::ImportItem item;
        item.source = o.json_path.empty() ? "bench run " + file["provenance"].value("date", std::string()) : o.json_path;
        const std::string text = file.dump();
        item.sha256 = sha256_hex(std::as_bytes(std::span<const char>(text.data(), text.size())));
        item.file = bench::bench_file_from_json(file, item.source);
        const auto res = bench::HistoryDb(o.db, true).import({item});
        std::fprintf(stderr, "bench: appended %zu records to %s\n", res.records, o.db.c_str());
    }
    std::vector<std::string> warned;
    for (const auto& r : all)
        for (const auto& wmsg : r["warnings"])
            if (std::find(warned.begin(), warned.end(), wmsg.get<std::string>()) == warned.end())
                warned.push_back(wmsg.get<std::string>());
    for (const auto& wmsg : warned) std::fprintf(stderr, "bench: warning: %s\n", wmsg.c_str());
    bool mismatch = false;
    for (const auto& r : all) mismatch = mismatch || r["token_mismatch"].get<bool>();
    if (mismatch) {
        std::cout << "bench: TOKEN MISMATCH: a configuration generated different greedy tokens (see the records)\n";
        throw VerifyFailed{1};
    }
}

}  // namespace

void add_bench_command(CLI::App& app) {
    auto o = std::make_shared<BenchCli>();
    CLI::App* cmd = app.add_subcommand("bench", "Measure tokens/s of the story and chat workloads per kernel set and thread count");
    cmd->add_option("-w,--workload", o->workloads, "story, chat, or a workload JSON file; repeat for several")->required();
    cmd->add_option("--kernels", o->kernels,
                    "Kernel sets: 'all' (default: every variant name and bf16) or names like naive,tbb-simd,bf16 (per-op specs "
                    "such as naive,weights=bf16: separate sets with ';')");
    cmd->add_option("--threads", o->threads, "Thread counts, e.g. 1,2")->capture_default_str();
    cmd->add_option("-r,--repetitions", o->repetitions, "Measured runs per configuration")
        ->capture_default_str()
        ->check(CLI::Range(1, 10000).description("an integer >= 1"));
    cmd->add_option("--warmup", o->warmup,
                    "Unmeasured runs first: a number, or 'auto' = until 3 consecutive runs agree within 5% (at most 10)")
        ->capture_default_str();
    cmd->add_option("--json", o->json_path, "Write the records (raw samples + provenance) to this file, atomically");
    cmd->add_option("--slowdown", o->slowdown, "Testing aid: slow every decode step by this percentage")
        ->check(CLI::Range(0.0, 1000.0));
    cmd->add_flag("--roofline", o->roofline,
                  "Probe the memory read bandwidth and report each decode's GB/s, GFLOP/s and % of that roofline");
    cmd->add_flag("--profile", o->profile,
                  "Run one extra untimed decode per configuration and print its time per op (JSON: \"profile\")");
    cmd->add_option("--markdown", o->ci.markdown_path, "Also write a markdown table (for $GITHUB_STEP_SUMMARY)");
    cmd->add_flag("-q,--quiet", o->quiet, "No progress lines on stderr");
    cmd->add_option("--db", o->db, "Also append the records to this SQLite history database (e.g. results/history.db)");
    cmd->add_option("--shard", o->shard,
                    "Run only slice I of N of the configuration matrix (e.g. 2/4), for CI matrices and job arrays; "
                    "merge the records with `lmharness import`");
    cmd->add_option("--ab", o->ab, "Interleaved A/B: two kernel sets compared round by round on one loaded model")
        ->expected(2);
    cmd->add_option("--rounds", o->rounds, "Rounds for --ab")->capture_default_str()->check(CLI::Range(2, 100000));
    cmd->callback([o] { run_bench(*o); });
}

}  // namespace lmh::app
