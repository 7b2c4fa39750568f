// The serving loop (engine/serve.h) and the serve workload's metrics (bench/serve_run.h).
// Expected values: each request's greedy tokens from a solo Session of the naive set (a
// batch-invariant set, so batching must not change them); the scheduling trace and the
// metrics of a hand-made trace derived by hand below.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include "bench/serve_run.h"
#include "bench/workload.h"
#include "engine/sampler.h"
#include "engine/serve.h"
#include "engine/weights.h"
#include "util/error.h"
#include "test_paths.h"

namespace lmh {
namespace {

std::vector<int> solo_greedy(const std::shared_ptr<const Weights>& w, const kernels::KernelSet& ks, const ServeRequest& r) {
    Session s(w, ks, SessionOptions{64, 64});
    std::vector<int> out{argmax(s.forward(r.prompt))};
    while (static_cast<int>(out.size()) < r.reply_tokens) out.push_back(argmax(s.forward(std::span<const int>(&out.back(), 1))));
    return out;
}

TEST(Serve, ContinuousBatchingKeepsEachRequestsGreedyTokens) {
    const auto dir = test::model_dir("story");
    if (!std::filesystem::exists(dir / "model.safetensors")) GTEST_SKIP();
    auto w = Weights::load(dir);
    const auto ks = kernels::make_kernel_set("naive");
    // Three requests at once, two slots: the third is admitted when the first (2 tokens) retires.
    std::vector<ServeRequest> reqs = {{0.0, {1, 20, 30}, 2}, {0.0, {1, 40, 50, 60, 70}, 5}, {0.0, {1, 80}, 3}};
    Batch batch(w, ks, BatchOptions{2, 64, 64});
    const ServeResult r = serve(batch, reqs, ServeOptions{2, 0});
    for (std::size_t i = 0; i < reqs.size(); ++i) EXPECT_EQ(r.requests[i].tokens, solo_greedy(w, ks, reqs[i])) << "request " << i;
    // By hand: the prefills give each admitted request its first token. Step 1 runs requests
    // 0 and 1 (request 0 then has its 2 tokens and retires); request 2 is admitted; steps 2-3
    // run 1 and 2 (request 2 then has 3); step 4 runs request 1 alone to its 5th token.
    EXPECT_EQ(r.batch_sizes, (std::vector<int>{2, 2, 2, 1}));
    EXPECT_EQ(r.decode_tokens, 7);  // 10 tokens, 3 of them from prefills
    EXPECT_EQ(r.prompt_tokens, 10);
    EXPECT_EQ(batch.active(), 0);
    EXPECT_GE(r.requests[2].first_token, r.requests[0].token_times.back());
}

TEST(Serve, BadRequestsAreRefused) {
    const auto dir = test::model_dir("story");
    if (!std::filesystem::exists(dir / "model.safetensors")) GTEST_SKIP();
    auto w = Weights::load(dir);
    Batch batch(w, kernels::make_kernel_set("tbb"), BatchOptions{2, 8, 8});
    const std::vector<ServeRequest> unsorted = {{1.0, {1}, 1}, {0.5, {1}, 1}};
    EXPECT_THROW(serve(batch, unsorted, ServeOptions{2, 0}), Error);
    const std::vector<ServeRequest> too_long = {{0.0, {1, 2, 3, 4, 5}, 4}};
    EXPECT_THROW(serve(batch, too_long, ServeOptions{2, 0}), Error);
    EXPECT_EQ(batch.active(), 0);
    const std::vector<ServeRequest> ok = {{0.0, {1}, 1}};
    EXPECT_THROW(serve(batch, ok, ServeOptions{3, 0}), Error);  // max_batch above the capacity
}

TEST(ServeMetrics, HandDerivedTrace) {
    ServeResult r;
    // Request A arrives at 0, first token at 0.1, then tokens at 0.15 and 0.25: TTFT 100 ms,
    // TPOT (250 - 100) / 2 = 75 ms, ITLs 50 and 100 ms, end to end 250 ms.
    // Request B arrives at 0.2, first token at 0.25, done: TTFT 50 ms, one token, no TPOT.
    r.requests = {{0.0, 0.1, {0.1, 0.15, 0.25}, {5, 6, 7}}, {0.2, 0.25, {0.25}, {8}}};
    r.batch_sizes = {1, 2};
    r.wall_seconds = 0.5;
    r.decode_seconds = 0.1;
    r.decode_tokens = 2;
    r.prefill_seconds = 0.05;
    r.prompt_tokens = 10;
    const bench::ServeSummary s = bench::summarize_serve(r, 80.0, 80.0);
    const auto& m = s.samples;
    EXPECT_DOUBLE_EQ(m.at("decode_tokens_per_second"), 20.0);
    EXPECT_DOUBLE_EQ(m.at("output_tokens_per_second"), 8.0);  // 4 tokens / 0.5 s
    EXPECT_DOUBLE_EQ(m.at("requests_per_second"), 4.0);
    EXPECT_DOUBLE_EQ(m.at("prefill_tokens_per_second"), 200.0);
    EXPECT_NEAR(m.at("ttft_p50_ms"), 75.0, 1e-9);  // (50 + 100) / 2
    EXPECT_NEAR(m.at("ttft_p90_ms"), 95.0, 1e-9);  // 50 + 0.9 · 50
    EXPECT_NEAR(m.at("tpot_p50_ms"), 75.0, 1e-9);
    EXPECT_NEAR(m.at("itl_p50_ms"), 75.0, 1e-9);   // (50 + 100) / 2
    EXPECT_NEAR(m.at("e2e_p99_ms"), 50.0 + 0.99 * 200.0, 1e-9);  // 50 and 250 ms
    // A: TTFT 100 > 80, not good; B: TTFT 50, no TPOT (0): good.
    EXPECT_DOUBLE_EQ(m.at("goodput_percent"), 50.0);
    EXPECT_DOUBLE_EQ(m.at("goodput_requests_per_second"), 2.0);
    EXPECT_DOUBLE_EQ(m.at("mean_batch_size"), 1.5);
    EXPECT_EQ(s.tokens, (std::vector<int>{5, 6, 7, 8}));
    EXPECT_EQ(s.generated, 4);
}

TEST(ServeMetrics, PoissonScheduleIsSeededAndHasItsRate) {
    const auto a = bench::arrival_schedule("poisson", 4000, 10.0, 7);
    EXPECT_EQ(a, bench::arrival_schedule("poisson", 4000, 10.0, 7));
    EXPECT_NE(a, bench::arrival_schedule("poisson", 4000, 10.0, 8));
    for (std::size_t i = 1; i < a.size(); ++i) ASSERT_GE(a[i], a[i - 1]);
    // Mean gap 1/rate = 0.1 s; the mean of 4000 exponential gaps has a standard error of
    // 0.1 / sqrt(4000) = 1.6e-3, so 5e-3 is three standard errors.
    EXPECT_NEAR(a.back() / 4000.0, 0.1, 5e-3);
    EXPECT_EQ(bench::arrival_schedule("all", 3, 0, 0), (std::vector<double>{0, 0, 0}));
    EXPECT_EQ(bench::serve_sessions("serve16"), 16);
    EXPECT_EQ(bench::serve_sessions("serve"), 0);
    EXPECT_EQ(bench::serve_sessions("chat"), 0);
}

TEST(ServeWorkload, FieldsAreChecked) {
    const auto w = bench::Workload::load("serve", test::source_dir() / "bench/workloads");
    EXPECT_EQ(w.kind, "serve");
    EXPECT_GT(w.sessions, 0);
    EXPECT_GT(w.max_batch, 0);
    const auto dir = test::temp_dir("serve_workload");
    auto write = [&](const std::string& body) {
        std::ofstream(dir / "w.json") << body;
        return (dir / "w.json").string();
    };
    const std::string head = R"({"name":"s","kind":"serve","model":"m","turns":["hi"],)";
    EXPECT_THROW(bench::Workload::load(write(head + R"("sessions":2,"reply_lengths":[0],"max_batch":2,"arrival":{"kind":"all"},"slo":{"ttft_ms":1,"tpot_ms":1}})"), dir), Error);
    EXPECT_THROW(bench::Workload::load(write(head + R"("sessions":2,"reply_lengths":[4],"max_batch":2,"arrival":{"kind":"burst"},"slo":{"ttft_ms":1,"tpot_ms":1}})"), dir), Error);
    EXPECT_THROW(bench::Workload::load(write(head + R"("sessions":2,"reply_lengths":[4],"max_batch":2,"arrival":{"kind":"poisson","seed":1},"slo":{"ttft_ms":1,"tpot_ms":1}})"), dir), Error);
    EXPECT_THROW(bench::Workload::load(write(head + R"("sessions":2,"reply_lengths":[4],"max_batch":2,"arrival":{"kind":"all"}})"), dir), Error);
    const auto p = bench::Workload::load(
        write(head + R"("sessions":3,"reply_lengths":[4,5],"max_batch":2,"arrival":{"kind":"poisson","rate_per_second":2.5,"seed":9},"slo":{"ttft_ms":100,"tpot_ms":20}})"), dir);
    EXPECT_EQ(p.arrival, "poisson");
    EXPECT_DOUBLE_EQ(p.rate_per_second, 2.5);
    EXPECT_EQ(p.seed, 9u);
    EXPECT_EQ(p.reply_lengths, (std::vector<int>{4, 5}));
    std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace lmh
