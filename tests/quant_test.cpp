// The q8_0 / q4_0 formats (kernels/quant.h).
// Expected bytes come from gguf-py's quantizer (llama.cpp's gguf-py/gguf/quants.py, the numpy
// port of ggml's quantize_row_q8_0_ref / quantize_row_q4_0_ref that GGUF converters use):
// tests/data/quant_blocks.json, written by scripts/quant/gen-quant-fixture.py from seeded
// Gaussian rows and edge cases (all zero, ties at .5, negative max, equal magnitudes, tiny
// and huge values, a scale that overflows fp16; where gguf-py and ggml's C differ, the fixture
// records the C's bytes and why). fp16 rounding is checked against the CPU's
// own F16C instruction (vcvtps2ph) where it has one, and dequantization by hand.
#include <gtest/gtest.h>
#include <immintrin.h>

#include <bit>
#include <cmath>
#include <cstring>
#include <fstream>
#include <random>
#include <string>
#include <type_traits>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/projections.h"
#include "kernels/registry.h"
#include "engine/weights.h"
#include "kernels/matmul_quant.h"
#include "kernels/quant.h"
#include "tests/against_naive.h"
#include "tests/projection_walk.h"
#include "tests/test_paths.h"

namespace lmh::kernels {
namespace {

template <class Block>
using MatmulFnFor = void (*)(const float*, const Block*, float*, int, int, int);

std::vector<std::uint8_t> from_hex(const std::string& hex) {
    std::vector<std::uint8_t> out(hex.size() / 2);
    for (std::size_t i = 0; i < out.size(); ++i) out[i] = static_cast<std::uint8_t>(std::stoi(hex.substr(2 * i, 2), nullptr, 16));
    return out;
}

std::string to_hex(const void* p, std::size_t n) {
    static const char* digits = "0123456789abcdef";
    std::string s;
    for (std::size_t i = 0; i < n; ++i) {
        const auto b = static_cast<const std::uint8_t*>(p)[i];
        s += digits[b >> 4];
        s += digits[b & 15];
    }
    return s;
}

nlohmann::json fixture() {
    std::ifstream in(test::source_dir() / "tests" / "data" / "quant_blocks.json");
    return nlohmann::json::parse(in);
}

TEST(Quant, BlocksAreByteIdenticalToGgufPy) {
    const auto fx = fixture();
    ASSERT_GE(fx["cases"].size(), 20u);
    for (const auto& c : fx["cases"]) {
        SCOPED_TRACE(c["name"].get<std::string>());
        const auto raw = from_hex(c["input_f32_le"]);
        std::vector<float> x(raw.size() / 4);
        std::memcpy(x.data(), raw.data(), raw.size());
        const std::size_t blocks = c["blocks"];
        ASSERT_EQ(x.size(), blocks * kQuantBlock);

        std::vector<BlockQ8_0> q8(blocks);
        quantize_row_q8_0(x.data(), q8.data(), x.size());
        EXPECT_EQ(to_hex(q8.data(), blocks * sizeof(BlockQ8_0)), c["q8_0"].get<std::string>());

        std::vector<BlockQ4_0> q4(blocks);
        quantize_row_q4_0(x.data(), q4.data(), x.size());
        // One case where gguf-py and ggml's C disagree (a block of -0.0 and +0.0: the sign of a
        // zero scale); the fixture records the C's bytes and why, and we follow the C.
        const std::string want = c.contains("q4_0_ggml_c") ? c["q4_0_ggml_c"] : c["q4_0"];
        EXPECT_EQ(to_hex(q4.data(), blocks * sizeof(BlockQ4_0)), want);
    }
}

// The acts=q8 AVX2 variants quantize activations with their own AVX2 code: it must make the
// reference's blocks byte for byte (gguf-py's bytes on the fixture; quantize_row_q8_0's on
// seeded rows of many magnitudes and on exact halves, where roundf goes away from zero), with
// each block's scale widened and 8·Σq.
void expect_act_quantizer_matches(const std::vector<float>& x, const std::string& want_hex = {}) {
    const int nb = static_cast<int>(x.size()) / kQuantBlock;
    std::vector<BlockQ8_0> ref(nb), got(nb);
    std::vector<float> scales(nb);
    std::vector<std::int32_t> sums8(nb);
    quantize_row_q8_0(x.data(), ref.data(), x.size());
    quantize_act_q8_0_avx2(x.data(), got.data(), scales.data(), sums8.data(), nb);
    if (!want_hex.empty()) {
        EXPECT_EQ(to_hex(got.data(), nb * sizeof(BlockQ8_0)), want_hex);
    }
    ASSERT_EQ(to_hex(got.data(), nb * sizeof(BlockQ8_0)), to_hex(ref.data(), nb * sizeof(BlockQ8_0)));
    for (int b = 0; b < nb; ++b) {
        std::int32_t s = 0;
        for (int t = 0; t < kQuantBlock; ++t) s += ref[b].qs[t];
        EXPECT_EQ(sums8[b], 8 * s) << b;
        EXPECT_EQ(std::bit_cast<std::uint32_t>(scales[b]), std::bit_cast<std::uint32_t>(f16_to_f32(ref[b].d))) << b;
    }
}

TEST(Quant, ActivationQuantizerAvx2IsTheReference) {
    if (!lmh::kernels::cpu_supports(lmh::kernels::CpuNeed::avx2))
        GTEST_SKIP() << "no AVX2 + FMA + F16C on this CPU";
    // Held by name: a range-for over fixture()["cases"] would iterate a temporary's member
    // after the temporary is gone (ASan: heap-use-after-free).
    const nlohmann::json fx = fixture();
    for (const auto& c : fx["cases"]) {
        SCOPED_TRACE(c["name"].get<std::string>());
        const auto raw = from_hex(c["input_f32_le"]);
        std::vector<float> x(raw.size() / 4);
        std::memcpy(x.data(), raw.data(), raw.size());
        expect_act_quantizer_matches(x, c["q8_0"].get<std::string>());
    }
    std::mt19937 rng(21);
    std::normal_distribution<float> gauss;
    std::vector<float> x(4096 * kQuantBlock);
    for (std::size_t i = 0; i < x.size(); ++i) x[i] = gauss(rng) * std::ldexp(1.0f, static_cast<int>(i / kQuantBlock % 40) - 20);
    expect_act_quantizer_matches(x);
    // amax 127: d = 1, so x·id = x and every j + 0.5 is an exact half.
    std::vector<float> halves(8 * kQuantBlock);
    for (std::size_t i = 0; i < halves.size(); ++i)
        halves[i] = i % kQuantBlock == 0 ? (i & 32 ? -127.0f : 127.0f) : static_cast<float>(static_cast<int>(i % 253) - 126) + 0.5f;
    expect_act_quantizer_matches(halves);
    // The quantizer takes blocks 8 at a time: rows that end in a partial group, each starting
    // with an all-zero block (d = 0, so id = 0 and q = 0).
    for (int nb : {1, 3, 13}) {
        SCOPED_TRACE(nb);
        std::vector<float> part(x.begin() + kQuantBlock, x.begin() + (nb + 1) * kQuantBlock);
        std::fill(part.begin(), part.begin() + kQuantBlock, 0.0f);
        expect_act_quantizer_matches(part);
    }
}

// Hand-derived: amax 127 gives d = 1 (fp16 0x3C00); 2.5 rounds away from zero to 3.
TEST(Quant, Q8_0ByHand) {
    float x[32] = {127.0f, 2.5f, -2.5f, 0.49f};
    BlockQ8_0 b;
    quantize_row_q8_0(x, &b, 32);
    EXPECT_EQ(b.d, 0x3C00);
    EXPECT_EQ(b.qs[0], 127);
    EXPECT_EQ(b.qs[1], 3);
    EXPECT_EQ(b.qs[2], -3);
    EXPECT_EQ(b.qs[3], 0);
    float y[32];
    dequantize_row_q8_0(&b, y, 32);
    EXPECT_EQ(y[0], 127.0f);
    EXPECT_EQ(y[1], 3.0f);
}

// Hand-derived: max -8 gives d = 1; x = -8 -> trunc(0.5) = 0, x = 7.5 -> 16 clamped to 15,
// element j+16 in the high nibble.
TEST(Quant, Q4_0ByHand) {
    float x[32] = {-8.0f, 7.5f, 0.0f, 1.0f};
    x[16] = 3.0f;
    BlockQ4_0 b;
    quantize_row_q4_0(x, &b, 32);
    EXPECT_EQ(b.d, 0x3C00);
    EXPECT_EQ(b.qs[0], 0x00 | (11 << 4));  // -8 -> 0; element 16 (3) -> 11
    EXPECT_EQ(b.qs[1], 15 | (8 << 4));
    EXPECT_EQ(b.qs[3], 9 | (8 << 4));
    float y[32];
    dequantize_row_q4_0(&b, y, 32);
    EXPECT_EQ(y[0], -8.0f);
    EXPECT_EQ(y[1], 7.0f);
    EXPECT_EQ(y[16], 3.0f);
}

__attribute__((target("f16c"))) std::uint16_t f16c_round(float f) {
    return static_cast<std::uint16_t>(_mm_extract_epi16(_mm_cvtps_ph(_mm_set_ss(f), _MM_FROUND_TO_NEAREST_INT), 0));
}
__attribute__((target("f16c"))) float f16c_widen(std::uint16_t h) {
    return _mm_cvtss_f32(_mm_cvtph_ps(_mm_cvtsi32_si128(h)));
}

// Against the hardware: every fp16 value widened, and f32 values around every fp16 rounding
// edge (subnormals, normals, overflow) narrowed.
TEST(Quant, Fp16MatchesF16c) {
    // The avx2 need includes F16C (kernels/registry.cpp reads it from CPUID).
    if (!lmh::kernels::cpu_supports(lmh::kernels::CpuNeed::avx2)) GTEST_SKIP() << "no AVX2 + FMA + F16C on this CPU";
    for (std::uint32_t h = 0; h < 0x10000; ++h) {
        const float w = f16_to_f32(static_cast<std::uint16_t>(h));
        const float hw = f16c_widen(static_cast<std::uint16_t>(h));
        if (std::isnan(hw)) {
            EXPECT_TRUE(std::isnan(w)) << h;
            continue;
        }
        ASSERT_EQ(std::bit_cast<std::uint32_t>(w), std::bit_cast<std::uint32_t>(hw)) << h;
    }
    for (std::uint32_t u = 0; u < 0x7F800000u; u += 0x1F3u) {  // a stride that hits every low-bit pattern
        const float f = std::bit_cast<float>(u);
        ASSERT_EQ(f32_to_f16(f), f16c_round(f)) << u;
        ASSERT_EQ(f32_to_f16(-f), f16c_round(-f)) << u;
    }
    for (float f : {65504.0f, 65519.99f, 65520.0f, 1e30f, 0x1p-24f, 0x1p-25f, 0x1.8p-25f, 0x1p-14f})
        EXPECT_EQ(f32_to_f16(f), f16c_round(f)) << f;
}

// test-backend-ops' check, spelled out: every acts=q8 variant against the naive variant of the
// same format on identical quantized inputs (the kernel case table's q8-exact activations and
// blocks), NMSE <= 1e-10 — integer block sums are exact, only the f32 order of the block sums
// differs. (kernels_test.cpp also holds every variant to the float64 reference of the decoded
// blocks.)
TEST(QuantKernels, EveryVariantMatchesNaiveOnIdenticalQuantizedInputs) {
    for (const Op op : {Op::matmul_q8_0, Op::matmul_q4_0}) {
        const std::string fmt = op == Op::matmul_q8_0 ? "q8_0" : "q4_0";
        const KernelSet naive = make_kernel_set(std::string(op_name(op)) + "=naive,weights=" + fmt + ",acts=f32");
        ASSERT_EQ(naive.name(op), "naive");
        for (const auto& v : list_variants()) {
            if (v.op != op || v.name == "naive") continue;
            if (!v.available) continue;  // reported as skipped by kernels_test
            const KernelSet ks = make_kernel_set(std::string(op_name(op)) + "=" + v.full_name() + ",weights=" + fmt);
            ASSERT_EQ(ks.name(op), v.full_name());
            ASSERT_EQ(ks.acts, DataFormat::q8);
            test::expect_matches_naive(op, naive, ks, v.full_name());
        }
    }
}

// The AVX-512 VNNI rows promise the AVX2 rows' outputs bit for bit (quant_dot_vnni.h: the same
// exact block sums and the same FMA sequence), which is what lets decode take the AVX2 code and
// keeps the sets batch-invariant. Shapes: decode and prefill m (below, at and past the packed
// path's 4 rows and its 4-row tiles), column counts with a partial 16-column group, and k of
// 1, 32, 33 and 65 blocks (the pack's 32-block chunks and a chunk's partial sums kept in C).
// C is poisoned with NaN first, so an output the VNNI code does not write fails.
template <class Block>
void expect_vnni_is_avx2_bitwise(MatmulFnFor<Block> vnni, MatmulFnFor<Block> avx2, const char* what) {
    std::mt19937 rng(7);
    std::normal_distribution<float> g(0.0f, 1.0f);
    for (int k : {32, 1024, 1056, 2080})
        for (int n : {1, 16, 17, 45})
            for (int m : {1, 3, 4, 5, 9, 64}) {
                std::vector<float> a((std::size_t)m * k), w((std::size_t)n * k);
                for (auto& x : a) x = g(rng);
                for (auto& x : w) x = g(rng);
                if (m == 9) a[5] = 40.0f;  // an outlier: one block's scale far from the others
                std::vector<Block> b(w.size() / kQuantBlock);
                if constexpr (std::is_same_v<Block, BlockQ8_0>) quantize_row_q8_0(w.data(), b.data(), w.size());
                else quantize_row_q4_0(w.data(), b.data(), w.size());
                std::vector<float> want((std::size_t)m * n), got((std::size_t)m * n, std::nanf(""));
                avx2(a.data(), b.data(), want.data(), m, n, k);
                vnni(a.data(), b.data(), got.data(), m, n, k);
                ASSERT_EQ(std::memcmp(want.data(), got.data(), want.size() * sizeof(float)), 0)
                    << what << " m=" << m << " n=" << n << " k=" << k;
            }
}

TEST(QuantKernels, VnniRowsAreTheAvx2RowsBitwise) {
    if (!cpu_supports(CpuNeed::avx512_vnni)) GTEST_SKIP() << "no AVX-512 VNNI on this CPU";
    expect_vnni_is_avx2_bitwise<BlockQ8_0>(matmul_q8_0_simd_vnni, matmul_q8_0_simd, "q8_0 simd");
    expect_vnni_is_avx2_bitwise<BlockQ8_0>(matmul_q8_0_tbb_simd_vnni, matmul_q8_0_tbb_simd, "q8_0 tbb-simd");
    expect_vnni_is_avx2_bitwise<BlockQ4_0>(matmul_q4_0_simd_vnni, matmul_q4_0_simd, "q4_0 simd");
    expect_vnni_is_avx2_bitwise<BlockQ4_0>(matmul_q4_0_tbb_simd_vnni, matmul_q4_0_tbb_simd, "q4_0 tbb-simd");
    // And the registry picks them for the quantized sets on this CPU.
    EXPECT_EQ(make_kernel_set("q8_0").matmul_q8_0, &matmul_q8_0_tbb_simd_vnni);
    EXPECT_EQ(make_kernel_set("q4_0").matmul_q4_0, &matmul_q4_0_tbb_simd_vnni);
    EXPECT_EQ(make_kernel_set("q8_0,matmul_q8_0=simd@avx2").matmul_q8_0, &matmul_q8_0_simd);
}

// The engine's load-time quantization: story's matrices (rows of 128 and 384, f32 file) are
// the blocks quantize_row_* makes of the file's own values (checked byte for byte on every
// matrix), and the run holds only them: copied_bytes() is the blocks' size, no f32 or bf16
// copy. Chat's rows (312, 1092) cannot be cut into 32-blocks: every matrix falls back to bf16,
// and fallbacks() names all 71 (7 per layer × 10 and lm_head).
template <class Block>
void expect_story_quantized(WeightFormat format) {
    const auto w = Weights::load(test::model_dir("story"));
    const Projections& p = w->projections(format);
    EXPECT_TRUE(p.fallbacks().empty());
    std::size_t blocks = 0;
    auto check = [&](const TensorInfo* t, const Linear& l) {
        const Block* got = nullptr;
        if constexpr (std::is_same_v<Block, BlockQ8_0>) got = l.q8_0;
        else got = l.q4_0;
        ASSERT_NE(got, nullptr) << t->name;
        std::vector<float> x(static_cast<std::size_t>(t->elements()));
        w->file_map().widen_to_f32(*t, 0, x.size(), x.data());
        std::vector<Block> want(x.size() / kQuantBlock);
        if constexpr (std::is_same_v<Block, BlockQ8_0>) quantize_row_q8_0(x.data(), want.data(), x.size());
        else quantize_row_q4_0(x.data(), want.data(), x.size());
        EXPECT_EQ(std::memcmp(got, want.data(), want.size() * sizeof(Block)), 0) << t->name;
        blocks += want.size();
    };
    test::for_each_matrix(*w, p, check);
    EXPECT_EQ(p.copied_bytes(), blocks * sizeof(Block));
    EXPECT_EQ(p.bytes(), blocks * sizeof(Block));
}

TEST(QuantEngine, StoryQ8_0IsTheReferenceBlocksAndOnlyThem) { expect_story_quantized<BlockQ8_0>(WeightFormat::q8_0); }
TEST(QuantEngine, StoryQ4_0IsTheReferenceBlocksAndOnlyThem) { expect_story_quantized<BlockQ4_0>(WeightFormat::q4_0); }

TEST(QuantEngine, ChatFallsBackToBf16AndSaysWhich) {
    const auto w = Weights::load(test::model_dir("chat"));
    const Projections& p = w->projections(WeightFormat::q8_0);
    ASSERT_EQ(p.fallbacks().size(), 71u);
    EXPECT_EQ(p.fallbacks().front(), "model.layers.0.self_attn.q_proj.weight");
    EXPECT_EQ(p.fallbacks().back(), "lm_head.weight");
    EXPECT_NE(p.layer(0).q.bf16, nullptr);
    EXPECT_NE(p.layer(9).down.bf16, nullptr);
    EXPECT_NE(p.lm_head().bf16, nullptr);
}

}  // namespace
}  // namespace lmh::kernels
