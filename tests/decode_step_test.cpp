// The fused decode step (engine/decode_step.cpp) and what it stands on.
//
// * StepTeam: phases of units and tails on 1..4 threads against the same recurrence computed
//   serially here by hand: every unit runs once, a tail after all of its phase's units and
//   before any unit of the next phase.
// * Attention on a group of heads (AttentionArgs::kv_stride), every variant this CPU runs:
//   the group's outputs bitwise those of the call over all heads, and nothing written outside
//   the group (outputs poisoned with NaN first).
// * Sessions: the fused step against the op-by-op pass (what `verify` holds to the float64
//   references tensor by tensor), for every kernel set and 1, 2 and 4 threads: bitwise equal
//   across thread counts always; bitwise equal to the op-by-op pass for the batch-invariant
//   sets (their matmuls compute an output the same way for any extent of the call), within
//   the prefill-vs-decode budget (NMSE 1e-10) for the others. Story, and tiny qwen2 (q/k/v
//   biases), qwen3 (q/k norms, head_dim != hidden / heads) and mistral (sliding window) models.
#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>
#include <random>
#include <vector>

#include <nlohmann/json.hpp>
#include <tbb/global_control.h>

#include "engine/session.h"
#include "engine/step_team.h"
#include "engine/synth.h"
#include "engine/weights.h"
#include "kernels/registry.h"
#include "util/metrics.h"
#include "test_paths.h"

namespace lmh {
namespace {

// Phase p has 1 + 7p mod 9 units; unit u of phase p writes
// val[p][u] = sum[p - 1] * (u + 1) + p, and the tail of p sets sum[p] = Σ_u val[p][u].
// Serially: sum[-1] = 1. A unit that ran before the previous tail, twice, or not at all
// changes the sums.
TEST(StepTeam, PhasesUnitsAndTailsRunInOrderOnAnyThreadCount) {
    constexpr int kPhases = 40, kMaxUnits = 9;
    auto units = [](int p) { return 1 + (p * 7) % kMaxUnits; };
    std::vector<double> want(kPhases);
    double prev = 1;
    for (int p = 0; p < kPhases; ++p) {
        double s = 0;
        for (int u = 0; u < units(p); ++u) s += prev * (u + 1) + p;
        want[static_cast<std::size_t>(p)] = prev = s / 16;  // keep it small
    }
    StepTeam team(kPhases, 4);
    for (int threads : {1, 2, 3, 4}) {
        tbb::global_control limit(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(threads));
        for (int round = 0; round < 20; ++round) {
            std::vector<double> val(kPhases * kMaxUnits, std::numeric_limits<double>::quiet_NaN()), sum(kPhases, -1);
            std::vector<std::atomic<int>> runs(kPhases * kMaxUnits);
            std::atomic<int> bad_thread{0};
            team.run(
                threads, kPhases, units,
                [&](int p, int u, int t) {
                    if (t < 0 || t >= threads) ++bad_thread;
                    ++runs[static_cast<std::size_t>(p * kMaxUnits + u)];
                    const double before = p == 0 ? 1 : sum[static_cast<std::size_t>(p - 1)];
                    val[static_cast<std::size_t>(p * kMaxUnits + u)] = before * (u + 1) + p;
                },
                [&](int p, int) {
                    double s = 0;
                    for (int u = 0; u < units(p); ++u) s += val[static_cast<std::size_t>(p * kMaxUnits + u)];
                    sum[static_cast<std::size_t>(p)] = s / 16;
                });
            EXPECT_EQ(bad_thread.load(), 0);
            for (int p = 0; p < kPhases; ++p) {
                for (int u = 0; u < units(p); ++u) ASSERT_EQ(runs[static_cast<std::size_t>(p * kMaxUnits + u)].load(), 1) << p << " " << u;
                ASSERT_EQ(sum[static_cast<std::size_t>(p)], want[static_cast<std::size_t>(p)]) << "phase " << p << ", " << threads << " threads";
            }
        }
    }
}

std::vector<float> fused_test_floats(std::size_t n, unsigned seed) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> d(-1.0f, 1.0f);
    std::vector<float> v(n);
    for (float& x : v) x = d(rng);
    return v;
}

TEST(AttentionHeadGroups, EachKvGroupAloneGivesTheWholeCallsBits) {
    constexpr int kHeads = 8, kKvHeads = 4, kDim = 24, kGroup = kHeads / kKvHeads;
    for (const kernels::VariantInfo& v : kernels::list_variants()) {
        if (v.op != kernels::Op::attention || !v.available) continue;
        const kernels::KernelSet ks = kernels::make_kernel_set("attention=" + v.full_name());
        for (int window : {0, 9}) {
            for (int pos0 : {0, 5, 40}) {
                const int kv_len = pos0 + 1;
                const auto q = fused_test_floats(kHeads * kDim, 1 + pos0);
                const auto k = fused_test_floats(static_cast<std::size_t>(kv_len) * kKvHeads * kDim, 2 + pos0);
                const auto val = fused_test_floats(static_cast<std::size_t>(kv_len) * kKvHeads * kDim, 3 + pos0);
                std::vector<float> scratch(static_cast<std::size_t>(8) * kv_len);
                kernels::AttentionArgs a;
                a.seq = 1;
                a.pos0 = pos0;
                a.n_heads = kHeads;
                a.n_kv_heads = kKvHeads;
                a.head_dim = kDim;
                a.window = window;
                a.scale = 1.0f / std::sqrt(static_cast<float>(kDim));
                a.scratch = scratch.data();
                a.scratch_slots = 8;
                a.scratch_stride = static_cast<std::size_t>(kv_len);
                a.q = q.data();
                a.k = k.data();
                a.v = val.data();
                std::vector<float> whole(kHeads * kDim, std::numeric_limits<float>::quiet_NaN());
                a.out = whole.data();
                ks.attention(a);
                for (int g = 0; g < kKvHeads; ++g) {
                    std::vector<float> part(kHeads * kDim, std::numeric_limits<float>::quiet_NaN());
                    kernels::AttentionArgs b = a;
                    b.q = q.data() + g * kGroup * kDim;
                    b.out = part.data() + g * kGroup * kDim;
                    b.k = k.data() + g * kDim;
                    b.v = val.data() + g * kDim;
                    b.n_heads = kGroup;
                    b.n_kv_heads = 1;
                    b.kv_stride = kKvHeads * kDim;
                    b.scratch_slots = 1;
                    ks.attention(b);
                    for (int i = 0; i < kHeads * kDim; ++i) {
                        const bool mine = i / (kGroup * kDim) == g;
                        if (mine)
                            ASSERT_EQ(std::memcmp(&part[i], &whole[i], sizeof(float)), 0)
                                << v.full_name() << " group " << g << " pos0 " << pos0 << " window " << window << " element " << i;
                        else
                            ASSERT_TRUE(std::isnan(part[i])) << v.full_name() << " wrote outside group " << g;
                    }
                }
            }
        }
    }
}

// Prefill the prompt, then decode `feed` one token at a time; the logits of every decode.
std::vector<std::vector<float>> decode_feed(const std::shared_ptr<const Weights>& w, const kernels::KernelSet& ks, bool fused,
                                       const std::vector<int>& prompt, const std::vector<int>& feed) {
    SessionOptions o{64, 512};
    o.fused_decode = fused;
    Session s(w, ks, o);
    s.forward(prompt);
    std::vector<std::vector<float>> out;
    for (int t : feed) {
        const auto l = s.forward(std::span<const int>(&t, 1));
        out.emplace_back(l.begin(), l.end());
    }
    return out;
}

void check_fused_against_op_by_op(const std::shared_ptr<const Weights>& w, const std::string& model) {
    const int V = w->config().vocab;
    std::vector<int> prompt, feed;
    for (int i = 0; i < 11; ++i) prompt.push_back(3 + (i * 37) % (V - 3));
    for (int i = 0; i < 6; ++i) feed.push_back(3 + (i * 53 + 7) % (V - 3));
    for (const std::string& set : kernels::kernel_set_names()) {
        const kernels::KernelSet ks = kernels::make_kernel_set(set);
        const auto want = decode_feed(w, ks, false, prompt, feed);
        std::vector<std::vector<float>> first;
        for (int threads : {1, 2, 4}) {
            tbb::global_control limit(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(threads));
            const auto got = decode_feed(w, ks, true, prompt, feed);
            if (first.empty()) first = got;
            for (std::size_t i = 0; i < feed.size(); ++i) {
                EXPECT_EQ(std::memcmp(got[i].data(), first[i].data(), got[i].size() * sizeof(float)), 0)
                    << model << " " << set << ": " << threads << " threads differ from 1, step " << i;
                EXPECT_LE(compare(got[i], want[i]).nmse, 1e-10) << model << " " << set << " step " << i;
                if (kernels::is_batch_invariant(ks)) {
                    EXPECT_EQ(std::memcmp(got[i].data(), want[i].data(), got[i].size() * sizeof(float)), 0)
                        << model << " " << set << " (batch-invariant set): fused step differs from op by op, step " << i;
                }
            }
        }
    }
}

TEST(FusedDecode, StoryMatchesOpByOp) {
    const auto dir = test::model_dir("story");
    if (!std::filesystem::exists(dir / "model.safetensors")) GTEST_SKIP() << "story is not fetched";
    check_fused_against_op_by_op(Weights::load(dir), "story");
}

class FusedDecodeTiny : public ::testing::TestWithParam<std::string> {};

TEST_P(FusedDecodeTiny, MatchesOpByOp) {
    const std::string type = GetParam();
    nlohmann::json c = {{"model_type", type},           {"hidden_size", 96},        {"intermediate_size", 160},
                        {"num_hidden_layers", 2},       {"num_attention_heads", 6}, {"num_key_value_heads", 3},
                        {"vocab_size", 200},            {"max_position_embeddings", 64},
                        {"rms_norm_eps", 1e-6},         {"rope_theta", 10000.0},    {"initializer_range", 0.1},
                        {"tie_word_embeddings", false}};
    if (type == "qwen3") c["head_dim"] = 8;  // != 96 / 6
    if (type == "mistral") c["sliding_window"] = 5;
    const auto dir = test::temp_dir("fused_" + type);
    std::ofstream(dir / "config.json") << c.dump();
    write_synthetic_checkpoint(dir / "config.json", 7, dir / "model.safetensors");
    check_fused_against_op_by_op(Weights::load(dir), type);
    std::filesystem::remove_all(dir);
}

INSTANTIATE_TEST_SUITE_P(Families, FusedDecodeTiny, ::testing::Values("qwen2", "qwen3", "mistral"));

}  // namespace
}  // namespace lmh
