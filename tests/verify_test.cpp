// verify must be able to fail, and must say where: a fault injected into one op of one
// layer is the first *local* failure, named exactly, while every kernel set passes clean.
// Independent source of truth: the float64 references of scripts/reference.py.
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>

#include <nlohmann/json.hpp>
#include <tbb/global_control.h>

#include "util/error.h"
#include "engine/session.h"
#include "test_paths.h"
#include "verify/report.h"
#include "verify/verifier.h"

namespace lmh::verify {
namespace {

class VerifyStory : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        model_ = new VerifyModel(load_verify_model(test::model_dir("story"), test::source_dir() / "verify/references"));
    }
    static void TearDownTestSuite() {
        delete model_;
        model_ = nullptr;
    }
    static RunReport run(const std::string& kernels, int threads, std::optional<Injection> inj = std::nullopt) {
        RunOptions o;
        o.kernel_spec = kernels;
        o.threads = threads;
        o.injection = inj;
        std::vector<float> prev;
        return run_verify(*model_, o, prev);
    }
    static VerifyModel* model_;
};
VerifyModel* VerifyStory::model_ = nullptr;

TEST_F(VerifyStory, EveryKernelSetPasses) {
    for (const auto& k : kernels::kernel_set_names()) {
        const RunReport r = run(k, 1);
        EXPECT_TRUE(r.ok) << k;
        const auto ks = kernels::make_kernel_set(k);
        EXPECT_LE(r.worst_accumulated_nmse, budgets_for(ks.weights, ks.acts).accumulated_nmse) << k;
        EXPECT_TRUE(r.greedy.ok) << k;
        EXPECT_TRUE(r.kld.checked && r.kld.ok) << k;
    }
}

TEST_F(VerifyStory, InjectedFaultIsTheFirstLocalFailure) {
    // One op per stage of a layer, in both layers: the report must name exactly it.
    for (const auto& [op, layer] : std::vector<std::pair<std::string, int>>{
             {"down", 1}, {"attn_norm", 0}, {"q", 1}, {"attn", 0}, {"swiglu", 1}, {"o_proj", 0}}) {
        Injection inj;
        inj.op = op;
        inj.layer = layer;
        inj.rel = 1e-3;
        const RunReport r = run("tbb-simd", 1, inj);
        EXPECT_FALSE(r.ok) << op;
        ASSERT_GE(r.first_local_failure, 0) << op;
        EXPECT_EQ(r.tensors[static_cast<std::size_t>(r.first_local_failure)].tensor, "layer" + std::to_string(layer) + "." + op);
        ASSERT_GE(r.first_accumulated_failure, 0) << op;
        // Accumulated error also breaks first at the injected tensor, nowhere upstream.
        EXPECT_EQ(r.tensors[static_cast<std::size_t>(r.first_accumulated_failure)].tensor,
                  "layer" + std::to_string(layer) + "." + op);
    }
}

TEST_F(VerifyStory, TinyInjectionBelowBudgetPasses) {
    // 1e-6 relative is NMSE 1e-12: inside every budget, so verify must not cry wolf.
    Injection inj;
    inj.op = "down";
    inj.layer = 0;
    inj.rel = 1e-6;
    EXPECT_TRUE(run("tbb-simd", 1, inj).ok);
}

TEST_F(VerifyStory, InjectionSyntaxErrors) {
    EXPECT_THROW(parse_injection("down", 2), Error);
    EXPECT_THROW(parse_injection("ffn_up@0", 2), Error);
    EXPECT_THROW(parse_injection("down@2", 2), Error);
    EXPECT_THROW(parse_injection("down@0:abc", 2), Error);
    const Injection i = parse_injection("gate@1:0.01", 2);
    EXPECT_EQ(i.op, "gate");
    EXPECT_EQ(i.layer, 1);
    EXPECT_DOUBLE_EQ(i.rel, 0.01);
}

TEST(VerifyRefuses, ReferencesOfAnotherModel) {
    // Copy the references and change the recorded model hash: verify must refuse them.
    const auto dir = test::temp_dir("verify_sha");
    std::filesystem::create_directories(dir / "story");
    for (const auto& e : std::filesystem::directory_iterator(test::source_dir() / "verify/references/story"))
        std::filesystem::copy(e.path(), dir / "story" / e.path().filename());
    auto j = nlohmann::json::parse(std::ifstream(dir / "story/reference.json"));
    j["model_sha256"] = std::string(64, '0');
    std::ofstream(dir / "story/reference.json") << j.dump();
    try {
        load_verify_model(test::model_dir("story"), dir);
        FAIL() << "expected a refusal";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("regenerate"), std::string::npos) << e.what();
    }
    std::filesystem::remove_all(dir);
}

// Every weight of TinyStories-656K has its low 16 bits zero (the checkpoint was trained or
// stored in bf16), so rounding to bf16 loses nothing there: the bf16 sets must then meet the
// f32 budgets, which checks the bf16 path (layout of the stacked bf16 matrices, tied
// lm_head, matmul_bf16 kernels) far more sharply than kBf16Budgets could.
TEST_F(VerifyStory, Bf16WeightsAreExactOnTheStoryCheckpointSoF32BudgetsHold) {
    const Weights& w = *model_->weights;
    const ModelConfig& c = w.config();
    auto low_bits_zero = [&w](const TensorInfo* t) {
        const auto raw = w.file_map().bytes(*t);
        for (std::size_t i = 0; i + 4 <= raw.size(); i += 4) {
            std::uint32_t u;
            std::memcpy(&u, raw.data() + i, 4);
            if (u & 0xFFFFu) return false;
        }
        return t->dtype == DType::F32;
    };
    ASSERT_TRUE(low_bits_zero(w.lm_head()));
    for (int l = 0; l < c.n_layers; ++l) {
        ASSERT_TRUE(low_bits_zero(w.layer(l).wq));
        ASSERT_TRUE(low_bits_zero(w.layer(l).w_down));
    }
    for (const char* k : {"bf16", "naive,weights=bf16"}) {
        RunOptions o;
        o.kernel_spec = k;
        o.budgets = kF32Budgets;
        std::vector<float> prev;
        const RunReport r = run_verify(*model_, o, prev);
        EXPECT_TRUE(r.ok) << k << "\n" << failure_details(r);
        EXPECT_NE(r.kernels.find("weights=bf16"), std::string::npos) << r.kernels;
    }
}

// acts=bf16 on story: the weights are exact in bf16 (above), so rounding the activations is
// the whole error. It must show (outside f32's accumulated budget: the activations were
// rounded at all) and match budgets.h's derivation: a matmul's local NMSE near the relative
// variance of one bf16 rounding, ≈ 2.7e-6, so within a factor 10 of it either way.
TEST_F(VerifyStory, Bf16ActsRoundingIsTheWholeErrorAsDerived) {
    for (const char* k : {"bf16xbf16", "naive,weights=bf16,acts=bf16"}) {
        SCOPED_TRACE(k);
        RunOptions o;
        o.kernel_spec = k;
        std::vector<float> prev;
        const RunReport r = run_verify(*model_, o, prev);
        EXPECT_TRUE(r.ok) << failure_details(r);
        EXPECT_EQ(r.budgets.local_nmse_reduction, kBf16Bf16Budgets.local_nmse_reduction);
        EXPECT_NE(r.kernels.find("weights=bf16,acts=bf16"), std::string::npos) << r.kernels;
        EXPECT_GT(r.worst_accumulated_nmse, kF32Budgets.accumulated_nmse);
        EXPECT_GT(r.worst_local_nmse, 2.7e-7);
        EXPECT_LT(r.worst_local_nmse, 2.7e-5);
    }
}

// The chat checkpoint's weights are f32 Gaussians, so bf16 rounding really shows there:
// the bf16 set must be within kBf16Budgets and, as proof the weights were rounded at all,
// outside the f32 accumulated budget (expected NMSE ~1e-4: budgets.h).
TEST(VerifyChatBf16, RoundingShowsAndStaysWithinTheBf16Budgets) {
    const VerifyModel m = load_verify_model(test::model_dir("chat"), test::source_dir() / "verify/references");
    RunOptions o;
    o.kernel_spec = "bf16";
    std::vector<float> prev;
    const RunReport r = run_verify(m, o, prev);
    EXPECT_TRUE(r.ok) << failure_details(r);
    EXPECT_EQ(r.budgets.accumulated_nmse, kBf16Budgets.accumulated_nmse);
    EXPECT_GT(r.worst_accumulated_nmse, kF32Budgets.accumulated_nmse);
    EXPECT_LE(r.worst_accumulated_nmse, kBf16Budgets.accumulated_nmse);
    // acts=bf16 adds the activations' rounding, as large as the weights': the local NMSE
    // about doubles (budgets.h), and stays within kBf16Bf16Budgets.
    RunOptions a;
    a.kernel_spec = "bf16xbf16";
    std::vector<float> prev_both;  // prev holds the bf16 set's logits (the thread-determinism check)
    const RunReport both = run_verify(m, a, prev_both);
    EXPECT_TRUE(both.ok) << failure_details(both);
    EXPECT_EQ(both.budgets.local_nmse_reduction, kBf16Bf16Budgets.local_nmse_reduction);
    EXPECT_GT(both.worst_local_nmse, 1.4 * r.worst_local_nmse);
    EXPECT_LT(both.worst_local_nmse, 3.0 * r.worst_local_nmse);
}

// Every kernel set gives bitwise identical logits for 1, 2 and 4 threads (static
// partitioning, no reduction split across threads).
TEST(Determinism, LogitsBitwiseEqualAcrossThreadCounts) {
    auto w = Weights::load(test::model_dir("story"));
    std::vector<int> ids;
    for (int i = 0; i < 100; ++i) ids.push_back(1 + (i * 37) % 2000);
    for (const auto& k : kernels::kernel_set_names()) {
        std::vector<float> first;
        for (int t : {1, 2, 4}) {
            tbb::global_control limit(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(t));
            Session s(w, kernels::make_kernel_set(k));
            const auto logits = s.forward(ids, true);
            std::vector<float> got(logits.begin(), logits.end());
            const int one[1] = {5};
            const auto dec = s.forward(one);
            got.insert(got.end(), dec.begin(), dec.end());
            if (first.empty()) first = got;
            else EXPECT_EQ(0, std::memcmp(first.data(), got.data(), got.size() * sizeof(float))) << k << " threads " << t;
        }
    }
}

}  // namespace
}  // namespace lmh::verify
