// Batch: decode steps over many sequences at once against the same sequences decoded alone.
// The independent check is the solo Session, whose decode verify holds to the float64
// references: a sequence's logits must not depend on which other sequences share its step,
// at which positions, or how many there are. Bitwise for a set the registry calls
// batch-invariant (every op's flag), within NMSE 1e-10 for the others (the verify --batch
// budget; the matmuls then take their m > 1 path, which sums each dot product in another order).
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "engine/batch.h"
#include "engine/weights.h"
#include "util/error.h"
#include "util/metrics.h"
#include "test_paths.h"

namespace lmh {
namespace {

// A prompt of n ids starting at `seed`, inside the vocabulary and away from the special ids.
std::vector<int> prompt_ids(int n, int seed, int vocab) {
    std::vector<int> ids;
    for (int i = 0; i < n; ++i) ids.push_back(3 + (seed * 131 + i * 17) % (vocab - 3));
    return ids;
}

struct Run {
    std::vector<int> prompt;
    std::vector<int> feed;  // decode tokens, one per step
};

// Solo: prefill, then the feed one token at a time; the logits of every decode step.
std::vector<std::vector<float>> solo(const std::shared_ptr<const Weights>& w, const kernels::KernelSet& ks, const Run& r) {
    Session s(w, ks, SessionOptions{256, 512});
    s.forward(r.prompt);
    std::vector<std::vector<float>> out;
    for (int t : r.feed) {
        auto l = s.forward(std::span<const int>(&t, 1));
        out.emplace_back(l.begin(), l.end());
    }
    return out;
}

// Sequences of different prompt lengths (so different positions) join the batch at
// different steps and leave at different steps; each step's row of a sequence is compared
// with its solo run.
void check_model(const std::string& model, const std::string& spec) {
    const auto dir = test::model_dir(model);
    if (!std::filesystem::exists(dir / "model.safetensors")) GTEST_SKIP() << model << " is not fetched";
    auto w = Weights::load(dir);
    const int V = w->config().vocab;
    const kernels::KernelSet ks = kernels::make_kernel_set(spec);
    const bool invariant = kernels::is_batch_invariant(ks);

    constexpr int kSeqs = 5, kSteps = 6;
    std::vector<Run> runs;
    std::vector<int> join, leave;  // step at which each sequence joins / after which it leaves
    for (int i = 0; i < kSeqs; ++i) {
        runs.push_back({prompt_ids(3 + 7 * i, i, V), prompt_ids(kSteps, 100 + i, V)});
        join.push_back(i % 3);
        leave.push_back(kSteps - 1 - (i % 2));
    }
    std::vector<std::vector<std::vector<float>>> want;
    for (const Run& r : runs) want.push_back(solo(w, ks, r));

    Batch batch(w, ks, BatchOptions{4, 256, 512});  // fewer slots than sequences: slots are reused
    std::vector<int> slot(kSeqs, -1), next(kSeqs, 0);
    bool reused = false;
    for (int step = 0; step < 4 * kSteps; ++step) {  // until every sequence has run (checked below)
        for (int i = 0; i < kSeqs; ++i)
            if (slot[i] < 0 && next[i] == 0 && step >= join[i] && batch.active() < batch.capacity()) {
                slot[i] = batch.add();
                reused = reused || i >= batch.capacity();
                batch.sequence(slot[i]).forward(runs[i].prompt);
            }
        std::vector<int> slots, tokens, who;
        for (int i = 0; i < kSeqs; ++i)
            if (slot[i] >= 0) {
                slots.push_back(slot[i]);
                tokens.push_back(runs[i].feed[static_cast<std::size_t>(next[i])]);
                who.push_back(i);
            }
        if (slots.empty()) continue;
        const auto logits = batch.step(slots, tokens);
        for (std::size_t r = 0; r < who.size(); ++r) {
            const int i = who[r];
            const auto& ref = want[static_cast<std::size_t>(i)][static_cast<std::size_t>(next[i])];
            const std::span<const float> got = logits.subspan(r * static_cast<std::size_t>(V), static_cast<std::size_t>(V));
            const Diff d = compare(got, ref);
            EXPECT_LE(d.nmse, 1e-10) << model << " " << spec << " seq " << i << " step " << next[i] << " of " << slots.size();
            if (invariant) {
                EXPECT_EQ(std::memcmp(got.data(), ref.data(), ref.size() * sizeof(float)), 0)
                    << model << " " << spec << " (batch-invariant set) seq " << i << " step " << next[i];
            }
            if (++next[i] > leave[i]) {
                batch.remove(slot[i]);
                slot[i] = -1;
            }
        }
    }
    for (int i = 0; i < kSeqs; ++i) EXPECT_EQ(next[i], leave[i] + 1) << "sequence " << i << " did not run to the end";
    EXPECT_TRUE(reused);
}

TEST(Batch, StoryMatchesSoloNaiveBitwise) { check_model("story", "naive"); }
TEST(Batch, StoryMatchesSoloTbb) { check_model("story", "tbb"); }
TEST(Batch, StoryMatchesSoloBlocked) { check_model("story", "blocked"); }
TEST(Batch, Qwen3MatchesSolo) {  // q/k norms and q/k/v biases
    check_model("qwen3", "tbb");
    check_model("qwen3", "naive");
}
TEST(Batch, Llama3MatchesSoloBf16) { check_model("llama3", "bf16"); }

TEST(Batch, BadStepsAreRefusedAndChangeNothing) {
    const auto dir = test::model_dir("story");
    if (!std::filesystem::exists(dir / "model.safetensors")) GTEST_SKIP();
    auto w = Weights::load(dir);
    Batch batch(w, kernels::make_kernel_set("tbb"), BatchOptions{2, 8, 8});
    const int a = batch.add();
    const int b = batch.add();
    EXPECT_THROW(batch.add(), Error);
    const int one[1] = {5};
    batch.sequence(a).forward(one);
    const int both[2] = {a, a}, toks[2] = {5, 6}, bad[2] = {5, -1}, ab[2] = {a, b};
    EXPECT_THROW(batch.step(both, toks), Error);   // a slot twice
    EXPECT_THROW(batch.step(ab, bad), Error);      // id outside the vocabulary
    EXPECT_THROW(batch.step(std::span<const int>(ab, 1), toks), Error);  // sizes differ
    EXPECT_EQ(batch.sequence(a).position(), 1);
    batch.remove(b);
    EXPECT_THROW(batch.step(ab, toks), Error);  // b no longer in use
    EXPECT_THROW(batch.remove(b), Error);
    for (int i = 1; i < 8; ++i) batch.step(std::span<const int>(&a, 1), one);
    EXPECT_THROW(batch.step(std::span<const int>(&a, 1), one), Error);  // context full
    EXPECT_EQ(batch.sequence(a).position(), 8);
}

}  // namespace
}  // namespace lmh
