// The grain-size policy of the oneTBB variants (kernels/parallel_policy.h), checked on the
// decode shapes of the two bundled models (config.json of models/story and models/chat,
// hand-copied): tiny ops stay on one thread, so 2 threads cannot be slower than 1 because
// of thread hand-offs, and the big decode matmuls are split into pieces of at least
// kMinGemvTaskBytes of weights.
#include <gtest/gtest.h>

#include "kernels/matmul_tiles.h"
#include "kernels/parallel_policy.h"

namespace lmh::kernels::parallel_policy {
namespace {

constexpr int kRows = matmul_tiles::kAvx512GemvRows;

struct Shape {
    int hidden, intermediate, q_dim, kv_dim, vocab;
};
constexpr Shape kStory{128, 384, 128, 64, 2048};
constexpr Shape kChat{312, 1092, 312, 104, 32002};

TEST(ParallelPolicy, StoryDecodeSplitsOnlyGateUpAndLmHead) {
    const Shape s = kStory;
    EXPECT_FALSE(gemv_is_split(s.q_dim + 2 * s.kv_dim, s.hidden, kRows));  // fused q/k/v, 128 KB
    EXPECT_FALSE(gemv_is_split(s.hidden, s.q_dim, kRows));                 // o_proj, 64 KB
    EXPECT_FALSE(gemv_is_split(s.hidden, s.intermediate, kRows));          // down, 192 KB
    EXPECT_TRUE(gemv_is_split(2 * s.intermediate, s.hidden, kRows));       // fused gate/up, 384 KB
    EXPECT_TRUE(gemv_is_split(s.vocab, s.hidden, kRows));                  // lm_head, 1 MB
}

TEST(ParallelPolicy, ChatDecodeSplitsEveryMatmul) {
    const Shape s = kChat;
    EXPECT_TRUE(gemv_is_split(s.q_dim + 2 * s.kv_dim, s.hidden, kRows));
    EXPECT_TRUE(gemv_is_split(s.hidden, s.q_dim, kRows));
    EXPECT_TRUE(gemv_is_split(s.hidden, s.intermediate, kRows));
    EXPECT_TRUE(gemv_is_split(2 * s.intermediate, s.hidden, kRows));
    EXPECT_TRUE(gemv_is_split(s.vocab, s.hidden, kRows));
}

TEST(ParallelPolicy, SplitPiecesHoldAtLeastTheMinimumBytes) {
    for (int k : {64, 128, 312, 384, 1092, 4096})
        for (int n = 1; n <= 4096; n += 7) {
            if (!gemv_is_split(n, k, kRows)) continue;
            // The smallest piece a static partition can make is one grain of blocks (up to
            // rounding of the grain to whole blocks: half a block less).
            const double piece = 4.0 * kRows * k * gemv_grain_blocks(k, kRows);
            EXPECT_GE(piece + 2.0 * kRows * k, kMinGemvTaskBytes) << "n=" << n << " k=" << k;
        }
}

// bf16 weights (2 bytes each, 16-row blocks as in matmul_bf16_tbb_simd): a piece needs
// twice the rows for the same bytes, and the f32 decisions above are unchanged by the
// default of 4 bytes.
TEST(ParallelPolicy, Bf16DecodeSplitsByWeightBytes) {
    constexpr int kBf16 = 2;
    EXPECT_EQ(gemv_grain_blocks(312, kRows), gemv_grain_blocks(312, kRows, 4));
    EXPECT_FALSE(gemv_is_split(2 * kStory.intermediate, kStory.hidden, kRows, kBf16));  // fused gate/up, 192 KB
    EXPECT_TRUE(gemv_is_split(kStory.vocab, kStory.hidden, kRows, kBf16));              // lm_head, 512 KB
    EXPECT_FALSE(gemv_is_split(kChat.hidden, kChat.q_dim, kRows, kBf16));               // o_proj, 195 KB
    EXPECT_TRUE(gemv_is_split(kChat.hidden, kChat.intermediate, kRows, kBf16));         // down, 681 KB
    EXPECT_TRUE(gemv_is_split(kChat.vocab, kChat.hidden, kRows, kBf16));                // lm_head, 20 MB
    for (int k : {64, 128, 312, 384, 1092, 4096})
        for (int n = 1; n <= 4096; n += 7) {
            if (!gemv_is_split(n, k, kRows, kBf16)) continue;
            const double piece = 2.0 * kRows * k * gemv_grain_blocks(k, kRows, kBf16);
            EXPECT_GE(piece + 1.0 * kRows * k, kMinGemvTaskBytes) << "n=" << n << " k=" << k;
        }
}

TEST(ParallelPolicy, DecodeElementwiseOpsStaySerial) {
    // rmsnorm_tbb_simd: one row of 3·hidden flop; swiglu_tbb_simd: units of 256 elements at
    // 25/4 flop each; both models' decode steps (one row) stay on one thread.
    for (const Shape& s : {kStory, kChat}) {
        EXPECT_FALSE(units_are_split(1, 3.0 * s.hidden));
        EXPECT_FALSE(units_are_split((s.intermediate + 255) / 256, 25.0 * 256 / 4));
    }
}

}  // namespace
}  // namespace lmh::kernels::parallel_policy
