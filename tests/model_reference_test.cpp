// The real story model against the stored float64 reference made by scripts/reference.py
// (an independent numpy implementation): logits of every position within relative L2
// error 1e-5 for every kernel variant, and greedy decoding of 64 tokens from
// "Once upon a time" equal to the reference's greedy tokens.
#include <gtest/gtest.h>

#include <cmath>

#include "engine/sampler.h"
#include "engine/session.h"
#include "test_paths.h"
#include "verify/reference_set.h"

namespace lmh {
namespace {

double rel_l2(std::span<const float> a, std::span<const float> r) {
    double num = 0, den = 0;
    for (std::size_t i = 0; i < r.size(); ++i) {
        const double e = static_cast<double>(a[i]) - r[i];
        num += e * e;
        den += static_cast<double>(r[i]) * r[i];
    }
    return std::sqrt(num / den);
}

class StoryReference : public ::testing::TestWithParam<std::string> {
protected:
    static void SetUpTestSuite() {
        weights_ = Weights::load(test::model_dir("story"));
        refs_ = new verify::ReferenceSet(verify::ReferenceSet::load(test::source_dir() / "verify/references/story"));
    }
    static void TearDownTestSuite() {
        delete refs_;
        refs_ = nullptr;
        weights_.reset();
    }
    static std::shared_ptr<const Weights> weights_;
    static verify::ReferenceSet* refs_;
};
std::shared_ptr<const Weights> StoryReference::weights_;
verify::ReferenceSet* StoryReference::refs_ = nullptr;

TEST_P(StoryReference, LogitsOfEveryPromptWithinRelativeL2) {
    Session s(weights_, kernels::make_kernel_set(GetParam()));
    for (const auto& p : refs_->prompts) {
        s.reset();
        const auto logits = s.forward(p.ids, true);
        const auto& ref = p.tensors.at("logits");
        const std::size_t V = static_cast<std::size_t>(weights_->config().vocab);
        const std::span<const float> rows(logits.data() + static_cast<std::size_t>(p.first) * V, ref.data.size());
        const double err = rel_l2(rows, ref.data);
        EXPECT_LE(err, 1e-5) << "prompt " << p.name;
        RecordProperty("rel_l2_" + p.name, std::to_string(err));
    }
}

TEST_P(StoryReference, GreedySixtyFourTokensEqualReference) {
    Session s(weights_, kernels::make_kernel_set(GetParam()));
    const auto* p = refs_->find(refs_->greedy_prompt);
    ASSERT_NE(p, nullptr);
    auto logits = s.forward(p->ids);
    std::vector<int> got;
    for (std::size_t i = 0; i < refs_->greedy_ids.size(); ++i) {
        got.push_back(argmax(logits));
        const int one[1] = {got.back()};
        logits = s.forward(one);
    }
    EXPECT_EQ(got, refs_->greedy_ids);
}

INSTANTIATE_TEST_SUITE_P(Variants, StoryReference, ::testing::Values("naive", "blocked", "tbb", "simd", "tbb-simd"),
                         [](const auto& info) {
                             std::string n = info.param;
                             for (char& c : n)
                                 if (c == '-') c = '_';
                             return n;
                         });

}  // namespace
}  // namespace lmh
