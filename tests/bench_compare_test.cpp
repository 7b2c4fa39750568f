// `compare` on synthetic results with planted shifts (tests/bench_test_data.h): noise of
// ±2% must never be called, a 20% slowdown with 9+9 samples must be, and 3+3 samples can
// never reach alpha = 0.05 (min p = 0.1), whatever they show. Also the results-file
// validation messages and the command's exit codes.
#include <gtest/gtest.h>


#include <fstream>

#include "bench/compare.h"
#include "bench/record_io.h"
#include "bench_test_data.h"
#include "cli_run.h"
#include "util/error.h"
#include "test_paths.h"

namespace lmh {
namespace {

using bench::Verdict;

const bench::MetricComparison& metric(const bench::CompareReport& r, const std::string& name) {
    for (const auto& m : r.configs.at(0).metrics)
        if (m.metric == name) return m;
    throw std::runtime_error("no metric " + name);
}

bench::CompareReport compare_levels(double base, double neu, std::size_t n, double ttft_base = 50,
                                    double ttft_new = 50) {
    const auto b = test::synthetic_file({test::synthetic_record("story", "tbb", 1, base, n, 0.0, ttft_base)});
    const auto x = test::synthetic_file({test::synthetic_record("story", "tbb", 1, neu, n, 0.7, ttft_new)});
    return bench::compare_files(b, x, {});
}

TEST(BenchCompare, OnePercentInsideNoiseIsSame) {
    const auto r = compare_levels(100, 101, 9);
    const auto& d = metric(r, "decode_tokens_per_second");
    EXPECT_EQ(d.verdict, Verdict::same) << "p=" << d.p << " ci=[" << d.ci_low_pct << ", " << d.ci_high_pct << "]";
    EXPECT_NEAR(d.ratio, 1.01, 0.02);
    EXPECT_FALSE(bench::has_regression(r));
}

TEST(BenchCompare, TwentyPercentSlowdownIsCalled) {
    const auto r = compare_levels(100, 80, 9);
    const auto& d = metric(r, "decode_tokens_per_second");
    EXPECT_EQ(d.verdict, Verdict::slower);
    EXPECT_TRUE(d.exact_p);
    // Complete separation of 9 vs 9: p = 2 / C(18, 9) = 2 / 48620.
    EXPECT_NEAR(d.p, 2.0 / 48620, 1e-12);
    EXPECT_NEAR(d.shift_pct, -20.0, 2.5);
    EXPECT_LT(d.ci_high_pct, -5.0);
    EXPECT_LE(d.ci_low_pct, d.shift_pct);
    EXPECT_TRUE(bench::has_regression(r));
    // The same change the other way is an improvement.
    EXPECT_EQ(metric(compare_levels(80, 100, 9), "decode_tokens_per_second").verdict, Verdict::faster);
}

TEST(BenchCompare, LatencyLowerIsBetter) {
    // Time to first token up by 20% is a slowdown even though the number grew.
    const auto r = compare_levels(100, 100, 9, 50, 60);
    EXPECT_EQ(metric(r, "ttft_ms").verdict, Verdict::slower);
    EXPECT_FALSE(metric(r, "ttft_ms").higher_is_better);
    EXPECT_EQ(metric(compare_levels(100, 100, 9, 60, 50), "ttft_ms").verdict, Verdict::faster);
}

TEST(BenchCompare, ThreeSamplesCannotTell) {
    const auto r = compare_levels(100, 50, 3);
    const auto& d = metric(r, "decode_tokens_per_second");
    EXPECT_EQ(d.verdict, Verdict::cannot_tell);
    EXPECT_EQ(d.need_repetitions, 4u);
    EXPECT_TRUE(bench::has_inconclusive_main_metric(r));
    EXPECT_NE(bench::format_report(r).find("cannot tell (need >= 4 repetitions)"), std::string::npos);
}

TEST(BenchCompare, UnmatchedAndTokenMismatchAreReported) {
    auto b = test::synthetic_file({test::synthetic_record("story", "tbb", 1, 100, 5),
                                   test::synthetic_record("story", "naive", 1, 10, 5)});
    auto n = test::synthetic_file({test::synthetic_record("story", "tbb", 1, 100, 5, 0.3),
                                   test::synthetic_record("story", "tbb", 2, 180, 5)});
    n.records[0].token_mismatch = true;
    n.records[0].tokens_hash = "def";
    const auto r = bench::compare_files(b, n, {});
    ASSERT_EQ(r.configs.size(), 1u);
    EXPECT_EQ(r.only_in_base, std::vector<std::string>{"story/generate/naive/1"});
    EXPECT_EQ(r.only_in_new, std::vector<std::string>{"story/generate/tbb/2"});
    const std::string text = bench::format_report(r);
    EXPECT_NE(text.find("token_mismatch in NEW"), std::string::npos) << text;
    EXPECT_NE(text.find("tokens differ"), std::string::npos) << text;
    EXPECT_NE(text.find("only in BASE (not compared): story/generate/naive/1"), std::string::npos) << text;
}

// ---- results files -----------------------------------------------------------------------

struct RecordFiles : ::testing::Test {
    std::filesystem::path dir = test::temp_dir("record_io");
    ~RecordFiles() override { std::filesystem::remove_all(dir); }

    std::filesystem::path write(const std::string& name, const std::string& text) {
        std::ofstream(dir / name) << text;
        return dir / name;
    }
    // A valid file as JSON, for tests to break one field of.
    nlohmann::json valid() {
        return bench::to_json(test::synthetic_file({test::synthetic_record("story", "tbb", 1, 100, 5)}));
    }
    std::string error_of(const nlohmann::json& j) {
        const auto p = write("bad.json", j.dump());
        try {
            bench::read_bench_file(p);
        } catch (const Error& e) {
            return e.what();
        }
        return "(no error)";
    }
};

TEST_F(RecordFiles, RoundTrip) {
    const auto f = test::synthetic_file({test::synthetic_record("story", "tbb", 2, 100, 7)});
    bench::write_bench_file(dir / "r.json", f);
    const auto g = bench::read_bench_file(dir / "r.json");
    ASSERT_EQ(g.records.size(), 1u);
    EXPECT_EQ(g.records[0].key(), "story/generate/tbb/2");
    EXPECT_EQ(g.records[0].samples, f.records[0].samples);
    EXPECT_EQ(g.provenance, f.provenance);
    const auto& m = g.records[0].metrics.at("ttft_ms");
    EXPECT_EQ(m.unit, "ms");
    EXPECT_FALSE(m.higher_is_better);
    EXPECT_DOUBLE_EQ(m.median, bench::summarize(f.records[0].samples.at("ttft_ms"), "ttft_ms").median);
}

TEST_F(RecordFiles, ValidationNamesFileAndField) {
    auto expect = [&](nlohmann::json j, const std::string& needle) {
        const std::string msg = error_of(j);
        EXPECT_NE(msg.find("bad.json"), std::string::npos) << msg;
        EXPECT_NE(msg.find(needle), std::string::npos) << msg;
        EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
    };
    auto j = valid();
    j["records"][0].erase("workload");
    expect(j, "records[0].workload: missing field");
    j = valid();
    j["records"][0]["threads"] = "one";
    expect(j, "records[0].threads: must be an integer, found string");
    j = valid();
    j["records"][0]["threads"] = 0;
    expect(j, "records[0].threads: must be >= 1");
    j = valid();
    j["records"][0]["samples"]["ttft_ms"][2] = -1.0;
    expect(j, "records[0].samples.ttft_ms[2]: must be a finite number >= 0, found -1");
    j = valid();
    j["records"][0]["samples"]["ttft_ms"][0] = nullptr;  // how nlohmann writes NaN/inf
    expect(j, "records[0].samples.ttft_ms[0]: must be a finite number >= 0, found null");
    j = valid();
    j["records"][0]["samples"]["ttft_ms"] = nlohmann::json::array();
    expect(j, "records[0].samples.ttft_ms: is empty");
    j = valid();
    j["schema"] = "other/2";
    expect(j, "schema: expected \"lmharness-bench/1\"");
    j = valid();
    j["records"].push_back(j["records"][0]);
    expect(j, "records[1]: duplicate configuration story/generate/tbb/1");
    j = valid();
    j["records"][0]["token_mismatch"] = 1;
    expect(j, "records[0].token_mismatch: must be true or false");

    const auto p = write("broken.json", "{\"schema\": ");
    EXPECT_THROW(
        {
            try {
                bench::read_bench_file(p);
            } catch (const Error& e) {
                EXPECT_NE(std::string(e.what()).find("broken.json: invalid JSON"), std::string::npos) << e.what();
                throw;
            }
        },
        Error);
    EXPECT_THROW(bench::read_bench_file(dir / "missing.json"), Error);
}

// ---- the command ---------------------------------------------------------------------------

struct CompareCli : RecordFiles {
    test::CliRun run(const std::string& args) { return test::run_cli("compare " + args, dir); }
    std::string file(const std::string& name, double level, std::size_t n, double phase) {
        bench::write_bench_file(dir / name, test::synthetic_file({test::synthetic_record("story", "tbb", 1, level, n, phase)}));
        return (dir / name).string();
    }
};

TEST_F(CompareCli, ExitCodes) {
    const auto base = file("base.json", 100, 9, 0), same = file("same.json", 101, 9, 0.7),
               slow = file("slow.json", 80, 9, 0.7), b3 = file("b3.json", 100, 3, 0), s3 = file("s3.json", 80, 3, 0.7);
    test::CliRun r = run(base + " " + slow);
    EXPECT_EQ(r.code, 0) << r.err;  // a regression without --fail-on-regression: report only
    EXPECT_NE(r.out.find("slower"), std::string::npos) << r.out;
    r = run(base + " " + slow + " --fail-on-regression --json " + (dir / "cmp.json").string());
    EXPECT_EQ(r.code, 1) << r.err;
    const auto j = nlohmann::json::parse(std::ifstream(dir / "cmp.json"));
    EXPECT_TRUE(j["regression"].get<bool>());
    r = run(base + " " + same + " --fail-on-regression");
    EXPECT_EQ(r.code, 0) << r.out << r.err;
    EXPECT_NE(r.out.find("same (within noise)"), std::string::npos) << r.out;
    r = run(b3 + " " + s3 + " --fail-on-regression");
    EXPECT_EQ(r.code, 3) << r.out << r.err;
    r = run(base + " " + (dir / "missing.json").string());
    EXPECT_EQ(r.code, 2);
    EXPECT_NE(r.err.find("missing.json"), std::string::npos) << r.err;
    r = run(base + " " + slow + " --alpha 1.5");
    EXPECT_EQ(r.code, 2);
    EXPECT_NE(r.err.find("--alpha"), std::string::npos) << r.err;
    r = run(base);
    EXPECT_EQ(r.code, 2);
}

}  // namespace
}  // namespace lmh
