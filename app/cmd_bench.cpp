// `lmharness bench`: tokens/s of a workload for each kernel set × thread count, with every
// raw sample and the provenance written as JSON.
#include <cstdio>
#include <iostream>

#include "app/commands.h"
#include "app/options.h"
#include "bench/progress.h"
#include "bench/run.h"
#include "report/ci_outputs.h"
#include "util/atomic_file.h"
#include "util/error.h"

namespace lmh::app {
namespace {

struct BenchCli {
    bench::RunAllOptions run;  // options that need no parsing are bound to it directly
    std::string kernels, threads = "1,2", warmup = "auto", shard, db, sessions;
    std::vector<std::string> ab;
    int rounds = 10;
    bool quiet = false;
    report::CiOutputs ci;
};

// `bench --ab A B`: interleaved rounds on one loaded model, per workload and thread count.
int run_ab_command(const BenchCli& o, const std::vector<int>& threads) {
    const auto ab = bench::run_ab_all(
        o.run.workloads, o.ab, threads, o.rounds,
        [&](const bench::Workload& w, int t) {
            std::fprintf(stderr, "bench --ab: %s, %d thread(s), %d rounds of %s vs %s...\n", w.name.c_str(), t,
                         o.rounds, o.ab[0].c_str(), o.ab[1].c_str());
        },
        [](const bench::AbResult& r) { std::cout << bench::ab_summary(r) << std::flush; });
    if (!o.run.json_path.empty()) write_json_atomic(o.run.json_path, ab.json);
    return ab.tokens_equal ? 0 : 1;
}

int run_bench(const BenchCli& o) {
    bench::RunAllOptions ro = o.run;
    bench::BenchOptions& bo = ro.bench;
    bo.warmup = bench::parse_warmup(o.warmup);
    bench::parse_shard(o.shard, bo);
    bo.threads = parse_thread_counts(o.threads);
    bo.kernel_sets = bench::parse_kernel_sets(o.kernels);
    if (!o.sessions.empty()) bo.sessions = parse_int_list(o.sessions, "--sessions");
    for (int n : bo.sessions)
        if (n < 1 || n > 4096) throw Error("--sessions: " + std::to_string(n) + " is not in [1, 4096]");
    if (!o.ab.empty()) return run_ab_command(o, bo.threads);

    bench::ProgressLine line(stderr, bench::ProgressLine::detect(stderr, o.quiet), bench::count_configurations(ro));
    ro.progress = bench::progress_lines(line, bo.repetitions);
    const bench::BenchRun run = bench::run(ro);
    line.finish(std::to_string(bo.repetitions) + " reps");
    report::emit_bench(o.ci, run.file);
    std::cout << bench::run_text(run, bo.roofline, bo.profile);
    if (!o.db.empty())
        std::fprintf(stderr, "bench: appended %zu records to %s\n", bench::append_to_history(run, o.db, ro.json_path),
                     o.db.c_str());
    for (const auto& wmsg : run.warnings) std::fprintf(stderr, "bench: warning: %s\n", wmsg.c_str());
    if (run.token_mismatch)
        std::cout << "bench: TOKEN MISMATCH: a configuration generated different greedy tokens (see the records)\n";
    return run.token_mismatch ? 1 : 0;
}

}  // namespace

void add_bench_command(CLI::App& app) {
    auto [cmd, o] = add_command<BenchCli>(
        app, "bench", "Measure tokens/s of the workloads (story, chat, llama3, qwen3) per kernel set and thread count",
        run_bench);
    cmd->add_option("-w,--workload", o->run.workloads, "story, chat, serve, llama3, qwen3 (any name in bench/workloads/), or a workload JSON file; repeat for several")->required();
    cmd->add_option("--kernels", o->kernels,
                    "Kernel sets: 'all' (default: every variant name, bf16, q8_0 and q4_0) or names like naive,tbb-simd,bf16,q8_0 "
                    "(per-op specs such as naive,weights=bf16 or weights=q8_0,acts=f32: separate sets with ';')");
    cmd->add_option("--threads", o->threads, "Thread counts, e.g. 1,2")->capture_default_str();
    cmd->add_option("--sessions", o->sessions,
                    "Serve workloads: numbers of conversations to run, e.g. 1,2,4,8 (one case serveN each; default: the "
                    "workload's 'sessions')");
    cmd->add_option("-r,--repetitions", o->run.bench.repetitions, "Measured runs per configuration")
        ->capture_default_str()
        ->check(CLI::Range(1, 10000).description("an integer >= 1"));
    cmd->add_option("--warmup", o->warmup,
                    "Unmeasured runs first: a number, or 'auto' = until 3 consecutive runs agree within 5% (at most 10)")
        ->capture_default_str();
    cmd->add_option("--json", o->run.json_path, "Write the records (raw samples + provenance) to this file, atomically");
    cmd->add_option("--slowdown", o->run.bench.slowdown_percent, "Testing aid: slow every decode step by this percentage")
        ->check(CLI::Range(0.0, 1000.0));
    cmd->add_flag("--roofline", o->run.bench.roofline,
                  "Probe the memory read bandwidth and report each decode's GB/s, GFLOP/s and % of that roofline");
    cmd->add_flag("--profile", o->run.bench.profile,
                  "Run one extra untimed decode per configuration and print its time per op (JSON: \"profile\")");
    cmd->add_option("--markdown", o->ci.markdown_path, "Also write a markdown table (for $GITHUB_STEP_SUMMARY)");
    cmd->add_flag("-q,--quiet", o->quiet, "No progress lines on stderr");
    cmd->add_option("--db", o->db, "Also append the records to this SQLite history database (e.g. results/history.db)");
    cmd->add_option("--shard", o->shard,
                    "Run only slice I of N of the configuration matrix (e.g. 2/4), for CI matrices and job arrays; "
                    "merge the records with `lmharness import`");
    cmd->add_flag("!--every-run", o->run.bench.skip_equivalent,
                  "Also run configurations that repeat another exactly on this CPU (by default skipped and listed)");
    cmd->add_option("--ab", o->ab, "Interleaved A/B: two kernel sets compared round by round on one loaded model")
        ->expected(2);
    cmd->add_option("--rounds", o->rounds, "Rounds for --ab")->capture_default_str()->check(CLI::Range(2, 100000));
}

}  // namespace lmh::app
