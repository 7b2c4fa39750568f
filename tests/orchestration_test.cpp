// The orchestration the CLI calls, called directly: verify::run_all and bench::run return
// their reports and records without spawning the binary. Independent sources of truth: the
// float64 references (verify), and for bench the workload file itself (its cases and token
// counts) and the greedy tokens of the naive set.
#include <gtest/gtest.h>

#include "bench/ab_runner.h"
#include "bench/run.h"
#include "test_paths.h"
#include "util/error.h"
#include "kernels/registry.h"
#include "verify/run_all.h"

namespace lmh {
namespace {

verify::AllOptions story_verify(const std::string& kernels) {
    verify::AllOptions o;
    o.models = {test::model_dir("story").string()};
    o.kernel_sets = {kernels};
    o.threads = {1, 2};
    o.references = (test::source_dir() / "verify/references").string();
    o.local = false;
    return o;
}

// The story workload with the naive and tbb sets, no warm-up.
bench::RunAllOptions story_bench(std::vector<int> threads, int repetitions) {
    bench::RunAllOptions o;
    o.workloads = {"story"};
    o.workloads_dir = test::source_dir() / "bench/workloads";
    o.bench.root = test::model_dir("story").parent_path().parent_path();
    o.bench.kernel_sets = {"naive", "tbb"};
    o.bench.threads = std::move(threads);
    o.bench.repetitions = repetitions;
    o.bench.warmup = 0;
    return o;
}

TEST(VerifyRunAll, CleanRunPassesAndCountsEveryConfiguration) {
    int calls = 0;
    auto o = story_verify("naive,tbb");
    o.on_run = [&](const std::string&, const std::string&, int) { ++calls; };
    const verify::Report rep = verify::run_all(o);
    EXPECT_TRUE(rep.ok);
    // naive has no parallel kernel: its 2-thread run would repeat its 1-thread run exactly.
    EXPECT_EQ(calls, 3);
    ASSERT_EQ(rep.runs.size(), 3u);
    EXPECT_EQ(rep.json["runs"].size(), 3u);
    ASSERT_EQ(rep.skipped.size(), 1u);
    EXPECT_NE(rep.skipped[0].find("naive threads 2"), std::string::npos) << rep.skipped[0];
    EXPECT_EQ(rep.json["ok"], true);
    EXPECT_EQ(rep.runs[2].kernel_spec, "tbb");
    EXPECT_TRUE(rep.runs[2].deterministic_checked && rep.runs[2].deterministic);  // tbb at 2 threads vs 1
    EXPECT_NE(verify::report_text(rep, false).find("verify: all within budget"), std::string::npos);
}

TEST(VerifyRunAll, EveryRunRunsEquivalentConfigurationsAndFallbacksAreSkippedOtherwise) {
    auto o = story_verify("naive,blocked,simd");
    o.threads = {1};
    o.local = false;
    const verify::Report skipping = verify::run_all(o);
    // simd falls back to blocked's kernels on a CPU without AVX-512: then it is not run again.
    const bool same = kernels::make_kernel_set("simd").describe() == kernels::make_kernel_set("blocked").describe();
    EXPECT_EQ(skipping.runs.size(), same ? 2u : 3u);
    EXPECT_EQ(skipping.skipped.size(), same ? 1u : 0u);
    o.skip_equivalent = false;
    o.threads = {1, 2};
    const verify::Report every = verify::run_all(o);
    EXPECT_EQ(every.runs.size(), 6u);
    EXPECT_TRUE(every.skipped.empty());
}

TEST(VerifyRunAll, InjectedFaultFails) {
    auto o = story_verify("naive");
    o.threads = {1};
    o.inject = "down@1:1e-2";
    o.local = true;
    const verify::Report rep = verify::run_all(o);
    EXPECT_FALSE(rep.ok);
    EXPECT_EQ(rep.json["ok"], false);
    EXPECT_NE(verify::report_text(rep, false).find("verify: FAILED"), std::string::npos);
}

TEST(VerifyRunAll, BadOptionsAreErrors) {
    auto o = story_verify("fastest");
    EXPECT_THROW(verify::run_all(o), Error);
    o = story_verify("naive");
    o.threads = {0};
    EXPECT_THROW(verify::run_all(o), Error);
}

TEST(BenchRun, StoryNaiveRecordsEveryCaseWithStableTokens) {
    const bench::BenchRun run = bench::run(story_bench({1}, 2));
    // bench/workloads/story.json: a generate case of 256 tokens and a 256-token prefill.
    ASSERT_EQ(run.file.records.size(), 4u);  // 2 cases × 2 sets
    ASSERT_EQ(run.records.size(), 4u);
    EXPECT_EQ(run.json["records"].size(), 4u);
    for (const auto& r : run.file.records) {
        SCOPED_TRACE(r.key());
        EXPECT_EQ(r.repetitions, 2);
        EXPECT_EQ(r.samples.at("prefill_tokens_per_second").size(), 2u);
        if (r.case_name == "generate") EXPECT_EQ(r.generated_tokens, 256);
        else EXPECT_EQ(r.case_name, "prefill256");
        EXPECT_FALSE(r.token_mismatch);  // tbb must generate naive's greedy tokens
    }
    EXPECT_FALSE(run.token_mismatch);
    EXPECT_NE(bench::run_text(run, false, false).find("generate"), std::string::npos);
}

// bench plans its runs as verify does (kernels/run_plan.h): naive has no parallel kernel, so
// its 2-thread run would repeat the 1-thread one and is listed instead of run; tbb runs at both.
TEST(BenchRun, RunsThatRepeatAnotherAreSkippedAndListed) {
    bench::RunAllOptions o = story_bench({1, 2}, 1);
    const bench::BenchRun run = bench::run(o);
    ASSERT_EQ(run.file.records.size(), 6u);  // 2 cases × (naive t1, tbb t1, tbb t2)
    for (const auto& r : run.file.records) EXPECT_FALSE(r.kernels == "naive" && r.threads == 2) << r.key();
    ASSERT_EQ(run.skipped.size(), 1u);
    EXPECT_EQ(run.json["skipped"][0]["run"], "naive threads 2");
    EXPECT_NE(bench::run_text(run, false, false).find("naive threads 2: no parallel kernel"), std::string::npos);

    o.bench.skip_equivalent = false;  // --every-run
    EXPECT_EQ(bench::run(o).file.records.size(), 8u);
}

TEST(BenchRun, KernelSetListsParse) {
    EXPECT_EQ(bench::parse_kernel_sets("naive,tbb"), (std::vector<std::string>{"naive", "tbb"}));
    EXPECT_EQ(bench::parse_kernel_sets("naive,weights=bf16"), (std::vector<std::string>{"naive,weights=bf16"}));
    EXPECT_EQ(bench::parse_kernel_sets("naive,weights=bf16;tbb,weights=bf16"),
              (std::vector<std::string>{"naive,weights=bf16", "tbb,weights=bf16"}));
    EXPECT_THROW(bench::parse_kernel_sets("turbo"), Error);
    EXPECT_EQ(bench::parse_warmup("auto"), -1);
    EXPECT_THROW(bench::parse_warmup("-1"), Error);
    bench::BenchOptions bo;
    bench::parse_shard("2/4", bo);
    EXPECT_EQ(bo.shard_index, 1);
    EXPECT_EQ(bo.shard_count, 4);
    EXPECT_THROW(bench::parse_shard("5/4", bo), Error);
}

// --ab on a workload that generates one token: the prefill yields it, no decode step runs and
// the decode rate is 0 on both sides. That metric is left out (it was an internal error from the
// ratio's logarithm); the prefill metrics stay; with no prefill case either, a clear Error.
TEST(BenchAb, OneTokenWorkloadComparesPrefillOnly) {
    bench::Workload w = bench::Workload::load("story", test::source_dir() / "bench" / "workloads");
    w.generate_tokens = 1;
    const bench::AbResult r = bench::run_ab(w, "naive", "tbb", 1, 2, test::source_dir());
    ASSERT_FALSE(r.metrics.empty());
    for (const auto& m : r.metrics) {
        EXPECT_EQ(m.metric, "prefill_tokens_per_second") << m.case_name;
        EXPECT_GT(m.ratio.ratio, 0.0);
    }
    w.prefill_tokens = 0;
    EXPECT_THROW(bench::run_ab(w, "naive", "tbb", 1, 2, test::source_dir()), Error);
}

}  // namespace
}  // namespace lmh
