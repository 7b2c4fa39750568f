// The Llama 3 and Qwen3 models (small synthetic configs with the real vocabularies) and a
// tiny Qwen2 model through verify, against the float64 references of scripts/reference.py
// (an independent numpy implementation of rope_scaling llama3, q/k norms and q/k/v biases):
// every kernel set passes, and a fault injected into the new ops is the first local failure.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

#include "engine/synth.h"
#include "test_paths.h"
#include "verify/verifier.h"

namespace lmh::verify {
namespace {

RunReport run(const VerifyModel& m, const std::string& kernels, int threads, std::optional<Injection> inj = std::nullopt) {
    RunOptions o;
    o.kernel_spec = kernels;
    o.threads = threads;
    o.injection = inj;
    std::vector<float> prev;
    return run_verify(m, o, prev);
}

class VerifyFamily : public ::testing::TestWithParam<std::string> {
protected:
    static const VerifyModel& model(const std::string& name) {
        static std::map<std::string, std::unique_ptr<VerifyModel>> cache;
        auto& m = cache[name];
        if (!m) m = std::make_unique<VerifyModel>(load_verify_model(test::model_dir(name), test::source_dir() / "verify/references"));
        return *m;
    }
};

TEST_P(VerifyFamily, EveryKernelSetPasses) {
    const VerifyModel& m = model(GetParam());
    for (const auto& k : kernels::kernel_set_names()) {
        const RunReport r = run(m, k, 1);
        EXPECT_TRUE(r.ok) << k << ": worst accumulated " << r.worst_accumulated_tensor << " " << r.worst_accumulated_nmse
                          << ", worst local " << r.worst_local_tensor << " " << r.worst_local_nmse;
        EXPECT_TRUE(r.greedy.ok) << k;
        EXPECT_TRUE(r.kld.checked && r.kld.ok) << k;
        EXPECT_EQ(r.kld.topk, 64) << k;  // the held text keeps the reference's top 64 only
        EXPECT_EQ(r.kld.positions, 192) << k;
    }
}

TEST_P(VerifyFamily, InjectedFaultInTheNewOpsIsTheFirstLocalFailure) {
    const VerifyModel& m = model(GetParam());
    std::vector<std::pair<std::string, int>> ops = {{"q", 1}, {"k", 0}};  // rope (scaled for llama3)
    if (GetParam() == "qwen3") ops.insert(ops.end(), {{"q_norm", 0}, {"k_norm", 3}});
    for (const auto& [op, layer] : ops) {
        Injection inj;
        inj.op = op;
        inj.layer = layer;
        inj.rel = 1e-3;
        const RunReport r = run(m, "tbb", 1, inj);
        EXPECT_FALSE(r.ok) << op;
        ASSERT_GE(r.first_local_failure, 0) << op;
        EXPECT_EQ(r.tensors[static_cast<std::size_t>(r.first_local_failure)].tensor, "layer" + std::to_string(layer) + "." + op);
    }
}

TEST_P(VerifyFamily, DeterministicAcrossThreadCounts) {
    const VerifyModel& m = model(GetParam());
    RunOptions o;
    o.kernel_spec = "tbb";
    o.local = false;
    o.greedy = false;
    std::vector<float> prev;
    o.threads = 1;
    run_verify(m, o, prev);
    o.threads = 2;
    const RunReport r = run_verify(m, o, prev);
    EXPECT_TRUE(r.deterministic_checked && r.deterministic);
    EXPECT_TRUE(r.ok);
}

INSTANTIATE_TEST_SUITE_P(Models, VerifyFamily, ::testing::Values("llama3", "qwen3"));

// Qwen2 has no model of its own here: a tiny config in tests/data, its checkpoint made by the
// byte-stable `synth` (seed 0), references made by scripts/reference.py from that checkpoint
// (tests/data/references/qwen2-tiny; the recorded model sha256 pins the bytes).
// A temp model directory named qwen2-tiny (the references are found by that name) holding the
// config and its seed-0 synthetic checkpoint; the caller removes dir.parent_path().
std::filesystem::path make_qwen2_tiny(const std::string& tag) {
    const auto dir = test::temp_dir(tag) / "qwen2-tiny";
    std::filesystem::create_directories(dir);
    std::filesystem::copy(test::source_dir() / "tests/data/models/qwen2-tiny/config.json", dir / "config.json");
    write_synthetic_checkpoint(dir / "config.json", 0, dir / "model.safetensors");
    return dir;
}

TEST(VerifyQwen2Tiny, EveryKernelSetPassesWithBiases) {
    const auto dir = make_qwen2_tiny("qwen2");
    const VerifyModel m = load_verify_model(dir, test::source_dir() / "tests/data/references");
    for (const auto& k : kernels::kernel_set_names()) {
        const RunReport r = run(m, k, 2);
        EXPECT_TRUE(r.ok) << k << ": worst accumulated " << r.worst_accumulated_tensor << " " << r.worst_accumulated_nmse;
        EXPECT_TRUE(r.kld.checked && r.kld.ok) << k;
    }
    Injection inj;
    inj.op = "v";
    inj.layer = 1;
    const RunReport bad = run(m, "naive", 1, inj);
    ASSERT_GE(bad.first_local_failure, 0);
    EXPECT_EQ(bad.tensors[static_cast<std::size_t>(bad.first_local_failure)].tensor, "layer1.v");
    std::filesystem::remove_all(dir.parent_path());
}

// The top-k + tail KLD against the exact KLD on the same model and positions: the qwen2-tiny
// references exist twice, with the held text's logits stored as top-64 (tests/data/references)
// and in full (tests/data/references-full-logits, same prompts otherwise). With a fault that
// moves the distribution, the coarse KLD must be a lower bound of the exact one (data-processing
// inequality) and not a vanishing one, and the quantities stored exactly must agree.
TEST(VerifyTopkKld, IsALowerBoundOfTheExactKld) {
    const auto dir = make_qwen2_tiny("qwen2_kld");
    const VerifyModel topk = load_verify_model(dir, test::source_dir() / "tests/data/references");
    const VerifyModel full = load_verify_model(dir, test::source_dir() / "tests/data/references-full-logits");
    for (const double rel : {1e-2, 1e-1}) {
        Injection inj;
        inj.op = "o_proj";
        inj.layer = 0;
        inj.rel = rel;
        const KldStats a = run(topk, "tbb", 1, inj).kld, b = run(full, "tbb", 1, inj).kld;
        ASSERT_TRUE(a.checked && b.checked);
        EXPECT_EQ(a.topk, 64);
        EXPECT_EQ(b.topk, 0);
        EXPECT_EQ(a.positions, b.positions);
        EXPECT_GT(b.mean, 0.0);
        EXPECT_LE(a.mean, b.mean * (1 + 1e-9)) << rel;
        EXPECT_LE(a.max, b.max * (1 + 1e-9)) << rel;
        EXPECT_GT(a.mean, 0.1 * b.mean) << rel;
        EXPECT_EQ(a.same_top_percent, b.same_top_percent) << rel;
        EXPECT_NEAR(a.ppl_reference / b.ppl_reference, 1.0, 1e-5) << rel;
        EXPECT_EQ(a.ppl_variant, b.ppl_variant) << rel;
        EXPECT_NEAR(a.rms_dp_top / b.rms_dp_top, 1.0, 1e-4) << rel;
        RecordProperty("kld_ratio_" + std::to_string(rel), std::to_string(a.mean / b.mean));
        std::printf("injection o_proj@0:%g: KLD top-64+tail %.4e, exact %.4e (ratio %.3f)\n", rel, a.mean, b.mean,
                    a.mean / b.mean);
    }
    std::filesystem::remove_all(dir.parent_path());
}

}  // namespace
}  // namespace lmh::verify
