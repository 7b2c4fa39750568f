// GGUF files: the parser (engine/gguf.h) and the llama model reader (engine/gguf_model.h).
//
// Expected values come from outside the reader: the fixtures in tests/data/gguf/ were written
// by llama.cpp's own gguf-py writer and quantizers through ../shared/peers/llamacpp.sh convert
// (scripts/make-gguf-fixtures.sh), from models/story and from a `lmharness synth` checkpoint
// that the tests regenerate here byte for byte. So a GGUF model must give the same tensors
// (after the q/k rows are put back) and the same logits as the safetensors it came from;
// quantized ones within the step of ggml's block formats, derived by hand below.
#include <gtest/gtest.h>

#include <tuple>

#include <cmath>
#include <cstring>
#include <fstream>
#include <functional>
#include <string>
#include <type_traits>
#include <vector>

#include "engine/gguf.h"
#include "engine/gguf_model.h"
#include "engine/model_files.h"
#include "engine/projections.h"
#include "engine/session.h"
#include "engine/synth.h"
#include "engine/weights.h"
#include "kernels/quant.h"
#include "projection_walk.h"
#include "error_text.h"
#include "test_paths.h"
#include "util/error.h"
#include "verify/report.h"
#include "verify/verifier.h"

namespace lmh {
namespace {

namespace fs = std::filesystem;

fs::path fixture(const std::string& name) { return test::source_dir() / "tests/data/gguf" / name; }

// Loading checks only that tokenizer.json is there (the commands read it): story's when the
// model is present, else a placeholder, so the tests of the tiny model need no models/.
void put_tokenizer(const fs::path& dir) {
    const fs::path story = test::model_dir("story") / "tokenizer.json";
    if (fs::exists(story)) fs::copy_file(story, dir / "tokenizer.json");
    else std::ofstream(dir / "tokenizer.json") << "{}";
}

// A folder holding the fixture and story's tokenizer.json beside it, as a user would lay it out.
class GgufDir {
public:
    GgufDir(const std::string& gguf, const std::string& tag, bool with_tokenizer = true) : dir_(test::temp_dir("gguf_" + tag)) {
        fs::copy_file(fixture(gguf), dir_ / gguf);
        if (with_tokenizer) put_tokenizer(dir_);
        file_ = dir_ / gguf;
    }
    ~GgufDir() { fs::remove_all(dir_); }
    const fs::path& dir() const { return dir_; }
    const fs::path& file() const { return file_; }

private:
    fs::path dir_, file_;
};

std::vector<float> logits_of(const std::shared_ptr<const Weights>& w, const char* kernels, const std::vector<int>& ids) {
    Session s(w, kernels::make_kernel_set(kernels));
    const auto l = s.forward(ids, true);
    return {l.begin(), l.end()};
}

const std::vector<int> kIds = {1, 415, 1032, 8, 77, 2000, 13, 5, 1999, 600, 42};

bool skip_without_story() { return !fs::exists(test::model_dir("story") / "model.safetensors"); }

// Story's tensor of that name; its embedding table is stored once, as lm_head.weight, and
// reached through the tied alias.
const TensorInfo& story_tensor(const Weights& story, const std::string& name) {
    if (name == "model.embed_tokens.weight") return *story.embed_tensor();
    const TensorInfo* t = story.file_map().find(name);
    if (!t) throw Error("story has no tensor " + name);
    return *t;
}

// ---- whole models --------------------------------------------------------------------------

// models/story's weights are all exact in bf16 (verify_test.cpp checks that), so gguf-py's
// bf16 file holds exactly story's values: same tensors, same kernels -> the same bits.
TEST(GgufStory, Bf16FileGivesBitwiseTheLogitsOfTheSafetensors) {
    if (skip_without_story()) GTEST_SKIP() << "models/story is absent";
    const GgufDir g("story-bf16.gguf", "bf16");
    const auto ref = Weights::load(test::model_dir("story"));
    const auto w = Weights::load(g.dir());  // the directory holding the one .gguf
    EXPECT_EQ(w->declared_name(), "story");
    for (const char* k : {"tbb", "naive", "bf16"}) {
        const auto a = logits_of(ref, k, kIds), b = logits_of(w, k, kIds);
        ASSERT_EQ(a.size(), b.size());
        EXPECT_EQ(std::memcmp(a.data(), b.data(), a.size() * sizeof(float)), 0) << k;
    }
    // Every tensor, q and k included (their rows put back in Hugging Face order), equals story's.
    EXPECT_EQ(w->file_map().tensors().size(), 2 + 9 * static_cast<std::size_t>(ref->config().n_layers));  // tied: no output.weight
    for (const TensorInfo& u : w->file_map().tensors()) {
        const TensorInfo& t = story_tensor(*ref, u.name);
        EXPECT_EQ(u.shape, t.shape) << t.name;
        EXPECT_EQ(w->file_map().to_f32(u), ref->file_map().to_f32(t)) << t.name;
    }
}

TEST(GgufStory, ConfigFromTheMetadataMatchesConfigJson) {
    if (skip_without_story()) GTEST_SKIP() << "models/story is absent";
    const GgufDir g("story-bf16.gguf", "config");
    const ModelConfig a = ModelConfig::load(test::model_dir("story"));
    const ModelConfig b = load_gguf_model(g.file()).config;
    EXPECT_EQ(b.model_type, a.model_type);
    EXPECT_EQ(b.hidden, a.hidden);
    EXPECT_EQ(b.intermediate, a.intermediate);
    EXPECT_EQ(b.n_layers, a.n_layers);
    EXPECT_EQ(b.n_heads, a.n_heads);
    EXPECT_EQ(b.n_kv_heads, a.n_kv_heads);
    EXPECT_EQ(b.head_dim, a.head_dim);
    EXPECT_EQ(b.vocab, a.vocab);
    EXPECT_EQ(b.max_positions, a.max_positions);
    EXPECT_EQ(b.rms_eps, a.rms_eps);  // both the float nearest 1e-6
    EXPECT_EQ(b.rope_theta, a.rope_theta);
    EXPECT_EQ(b.tie_embeddings, a.tie_embeddings);
    EXPECT_EQ(b.bos_id, a.bos_id);
    EXPECT_EQ(b.eos_ids, a.eos_ids);
}

// `lmharness verify -m <dir of a GGUF>`: the references are found by the file's general.name
// ("story") and every budget of the f32 and bf16 sets holds, as for story itself.
TEST(GgufStory, Bf16FilePassesVerifyAgainstStorysFloat64References) {
    if (skip_without_story()) GTEST_SKIP() << "models/story is absent";
    const GgufDir g("story-bf16.gguf", "verify");
    const verify::VerifyModel m = verify::load_verify_model(g.dir(), test::source_dir() / "verify/references");
    for (const char* k : {"tbb", "bf16"}) {
        verify::RunOptions o;
        o.kernel_spec = k;
        std::vector<float> prev;
        const verify::RunReport r = verify::run_verify(m, o, prev);
        EXPECT_TRUE(r.ok) << k << "\n" << verify::failure_details(r);
    }
}

// The quantized files (gguf-py's blocks, token_embd quantized too) pass verify with the set of
// their own format: the matmuls by the format's budgets, and the embedding table, which the
// file holds in Q8_0 / Q4_0, by that format's local NMSE budget (local_error.cpp) rather than
// elementwise at f32's tolerance, which its rounding cannot meet. The other format fails, as a
// q4_0 table requantized to q8_0 carries q4_0's error.
TEST(GgufStory, QuantizedFilesPassVerifyWithTheirOwnFormat) {
    if (skip_without_story()) GTEST_SKIP() << "models/story is absent";
    for (const auto& [file, set, other] : {std::tuple{"story-q8_0.gguf", "q8_0", ""}, {"story-q4_0.gguf", "q4_0", "q8_0"}}) {
        const GgufDir g(file, "verify");
        const verify::VerifyModel m = verify::load_verify_model(g.dir(), test::source_dir() / "verify/references");
        verify::RunOptions o;
        o.kernel_spec = set;
        std::vector<float> prev;
        const verify::RunReport r = verify::run_verify(m, o, prev);
        EXPECT_TRUE(r.ok) << file << "\n" << verify::failure_details(r);
        if (*other) {
            o.kernel_spec = other;
            std::vector<float> prev_other;
            EXPECT_FALSE(verify::run_verify(m, o, prev_other).ok) << file << " with " << other;
        }
    }
}

// ggml's q8_0 (quantize_row_q8_0_ref): per 32 weights d = amax/127 rounded to fp16, q =
// round(x/d), so |q·d − x| ≤ d/2 plus |q|·(fp16 rounding of d) ≤ 127·d·2^-11 ≈ 0.062·d.
// q4_0: d = m/−8 (m the signed value of largest magnitude), q = min(15, trunc(x/d + 8.5)):
// the error is ≤ |d|/2 except that x = −m clamps from 16 to 15, an error of |d|, plus the
// scale's rounding, 8·|d|·2^-11. The rows are compared in Hugging Face order, so a q/k row
// put back in the wrong place breaks the bound.
void expect_within_block_step(const std::string& gguf, double step_factor, bool q4) {
    if (skip_without_story()) GTEST_SKIP() << "models/story is absent";
    const GgufDir g(gguf, "quant");
    const auto ref = Weights::load(test::model_dir("story"));
    const auto w = Weights::load(g.file());
    int quantized = 0;
    for (const TensorInfo& uu : w->file_map().tensors()) {
        const TensorInfo* u = &uu;
        const TensorInfo& t = story_tensor(*ref, u->name);
        const auto x = ref->file_map().to_f32(t), y = w->file_map().to_f32(*u);
        ASSERT_EQ(x.size(), y.size());
        if (t.shape.size() == 1) {  // norms stay f32
            EXPECT_EQ(x, y) << t.name;
            continue;
        }
        EXPECT_EQ(u->dtype, q4 ? DType::Q4_0 : DType::Q8_0) << t.name;
        ++quantized;
        for (std::size_t b = 0; b < x.size(); b += 32) {
            double amax = 0, m = 0;
            for (std::size_t i = b; i < b + 32; ++i)
                if (std::fabs(x[i]) > amax) amax = std::fabs(x[i]), m = x[i];
            const double d = q4 ? std::fabs(m) / 8 : amax / 127;
            for (std::size_t i = b; i < b + 32; ++i)
                ASSERT_LE(std::fabs(static_cast<double>(y[i]) - x[i]), step_factor * d + 1e-30) << t.name << " element " << i;
        }
    }
    EXPECT_EQ(quantized, 1 + 7 * ref->config().n_layers);  // token_embd (tied) and every layer matrix
    const auto logits = logits_of(w, "tbb", kIds);
    for (float v : logits) ASSERT_TRUE(std::isfinite(v));
}

TEST(GgufStory, Q8_0FileDequantizesWithinHalfAStepOfStory) { expect_within_block_step("story-q8_0.gguf", 0.5 + 0.07, false); }
TEST(GgufStory, Q4_0FileDequantizesWithinOneStepOfStory) { expect_within_block_step("story-q4_0.gguf", 1.0 + 0.01, true); }

// weights=q8_0 / q4_0 on a GGUF of that format: every matrix is used where it lies (in the map,
// or for q and k in the reader's one unpermuted copy), nothing is copied, and the blocks are
// those our quantizer makes of the dequantized tensor (ggml's quantizers are idempotent on their
// own blocks: d·127 or d·(−8) comes back as the largest element, so d and every q come back).
// With models/story present they are also the blocks our quantizer makes of story's own f32
// weights, in Hugging Face row order: gguf-py quantized the same values, and the q/k rows are
// put back as whole rows of blocks. A file in the other format is requantized (a copy).
template <class Block>
void expect_blocks_used_in_place(const std::string& gguf, kernels::WeightFormat format, kernels::WeightFormat other) {
    const GgufDir g(gguf, "inplace");
    const auto w = Weights::load(g.file());
    const std::shared_ptr<const Weights> ref = skip_without_story() ? nullptr : Weights::load(test::model_dir("story"));
    const Projections& p = w->projections(format);
    EXPECT_TRUE(p.fallbacks().empty());
    EXPECT_EQ(p.copied_bytes(), 0u);
    std::size_t blocks = 0;
    auto requantized = [](const std::vector<float>& x) {
        std::vector<Block> out(x.size() / kernels::kQuantBlock);
        if constexpr (std::is_same_v<Block, kernels::BlockQ8_0>) kernels::quantize_row_q8_0(x.data(), out.data(), x.size());
        else kernels::quantize_row_q4_0(x.data(), out.data(), x.size());
        return out;
    };
    auto check = [&](const TensorInfo* t, const Linear& l) {
        const Block* got;
        if constexpr (std::is_same_v<Block, kernels::BlockQ8_0>) got = l.q8_0;
        else got = l.q4_0;
        ASSERT_NE(got, nullptr) << t->name;
        EXPECT_EQ(static_cast<const void*>(got), static_cast<const void*>(w->file_map().bytes(*t).data())) << t->name;
        const auto want = requantized(w->file_map().to_f32(*t));
        EXPECT_EQ(std::memcmp(got, want.data(), want.size() * sizeof(Block)), 0) << t->name;
        if (ref) {
            const auto from_story = requantized(ref->file_map().to_f32(story_tensor(*ref, t->name)));
            EXPECT_EQ(std::memcmp(got, from_story.data(), from_story.size() * sizeof(Block)), 0) << t->name << " (story)";
        }
        blocks += want.size();
    };
    test::for_each_matrix(*w, p, check);
    EXPECT_EQ(p.bytes(), blocks * sizeof(Block));
    const std::size_t other_block = other == kernels::WeightFormat::q8_0 ? sizeof(kernels::BlockQ8_0) : sizeof(kernels::BlockQ4_0);
    EXPECT_EQ(w->projections(other).copied_bytes(), blocks * other_block);
    const auto logits = logits_of(w, std::is_same_v<Block, kernels::BlockQ8_0> ? "q8_0" : "q4_0", kIds);
    for (float v : logits) ASSERT_TRUE(std::isfinite(v));
}

TEST(GgufStory, Q8_0FileBlocksAreUsedInPlace) {
    expect_blocks_used_in_place<kernels::BlockQ8_0>("story-q8_0.gguf", kernels::WeightFormat::q8_0, kernels::WeightFormat::q4_0);
}
TEST(GgufStory, Q4_0FileBlocksAreUsedInPlace) {
    expect_blocks_used_in_place<kernels::BlockQ4_0>("story-q4_0.gguf", kernels::WeightFormat::q4_0, kernels::WeightFormat::q8_0);
}

// The tiny synthetic model: f32 Gaussians (not bf16-exact), untied lm_head (output.weight),
// GQA 2:1. Its safetensors is regenerated with the seed the fixture script used.
class GgufTiny : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = test::temp_dir("gguf_tiny");
        fs::copy_file(fixture("tiny-config.json"), dir_ / "config.json");
        write_synthetic_checkpoint(dir_ / "config.json", 21, dir_ / "model.safetensors");
        ref_ = Weights::load(dir_);
    }
    void TearDown() override { fs::remove_all(dir_); }
    fs::path dir_;
    std::shared_ptr<const Weights> ref_;
};

TEST_F(GgufTiny, F32FileHoldsTheSameBytesAndGivesBitwiseTheSameLogits) {
    const GgufDir g("tiny-f32.gguf", "tiny32");
    const auto w = Weights::load(g.file());
    EXPECT_FALSE(w->config().tie_embeddings);
    for (const TensorInfo& t : ref_->file_map().tensors()) {
        const TensorInfo* u = w->file_map().find(t.name);
        ASSERT_NE(u, nullptr) << t.name;
        ASSERT_EQ(u->dtype, DType::F32);
        const auto a = ref_->file_map().bytes(t), b = w->file_map().bytes(*u);
        ASSERT_EQ(a.size(), b.size()) << t.name;
        EXPECT_EQ(std::memcmp(a.data(), b.data(), a.size()), 0) << t.name;
    }
    for (const char* k : {"tbb", "naive", "bf16"}) {
        const auto a = logits_of(ref_, k, {1, 100, 2047, 5, 9}), b = logits_of(w, k, {1, 100, 2047, 5, 9});
        EXPECT_EQ(std::memcmp(a.data(), b.data(), a.size() * sizeof(float)), 0) << k;
    }
    // An f32 run reads the file in place, except q and k (one unpermuted copy each).
    EXPECT_EQ(w->projections(kernels::WeightFormat::f32).copied_bytes(), 0u);
}

// numpy's float16 rounding (nearest even) of each f32 weight: within 2^-11 relative for
// normal values, 2^-25 absolute below them.
TEST_F(GgufTiny, F16FileHoldsEachWeightRoundedToHalfPrecision) {
    const GgufDir g("tiny-f16.gguf", "tiny16");
    const auto w = Weights::load(g.file());
    for (const TensorInfo& t : ref_->file_map().tensors()) {
        const TensorInfo* u = w->file_map().find(t.name);
        ASSERT_NE(u, nullptr) << t.name;
        EXPECT_EQ(u->dtype, t.shape.size() == 1 ? DType::F32 : DType::F16) << t.name;
        const auto x = ref_->file_map().to_f32(t), y = w->file_map().to_f32(*u);
        ASSERT_EQ(x.size(), y.size());
        for (std::size_t i = 0; i < x.size(); ++i)
            ASSERT_LE(std::fabs(y[i] - x[i]), std::max(std::fabs(x[i]) * 0x1p-11f, 0x1p-25f)) << t.name << " " << i;
    }
}

// ---- the q/k permutation, by hand -----------------------------------------------------------

// llama.cpp's permute (reshape(heads, 2, hd/2, cols).swapaxes(1, 2)) sends a head's Hugging Face
// rows [r0 r1 r2 r3] (hd = 4) to [r0 r2 r1 r3]; undoing it must give them back.
TEST(GgufPermutation, UndoesLlamaCppsRowOrderForEachHead) {
    const std::vector<std::uint8_t> gguf_rows = {0, 2, 1, 3, 4, 6, 5, 7};  // 2 heads, rows of 1 byte
    std::vector<std::uint8_t> out(8);
    unpermute_qk_rows(reinterpret_cast<const std::byte*>(gguf_rows.data()), reinterpret_cast<std::byte*>(out.data()), 8, 1, 2);
    EXPECT_EQ(out, (std::vector<std::uint8_t>{0, 1, 2, 3, 4, 5, 6, 7}));
    // hd = 8: [r0 r4 r1 r5 r2 r6 r3 r7] in the file.
    const std::vector<std::uint8_t> wide = {0, 4, 1, 5, 2, 6, 3, 7};
    unpermute_qk_rows(reinterpret_cast<const std::byte*>(wide.data()), reinterpret_cast<std::byte*>(out.data()), 8, 1, 1);
    EXPECT_EQ(out, (std::vector<std::uint8_t>{0, 1, 2, 3, 4, 5, 6, 7}));
}

// ---- refusals ------------------------------------------------------------------------------

using test::error_of;

TEST(GgufRefusals, WithoutATokenizerJsonBesideTheFile) {
    const GgufDir g("tiny-f32.gguf", "notok", false);
    const std::string e = error_of([&] { Weights::load(g.file()); });
    EXPECT_NE(e.find("tokenizer.json"), std::string::npos) << e;
    EXPECT_NE(e.find("refused"), std::string::npos) << e;
}

TEST(GgufRefusals, ADirectoryWithTwoGgufFiles) {
    const GgufDir g("tiny-f32.gguf", "two");
    fs::copy_file(fixture("tiny-f16.gguf"), g.dir() / "tiny-f16.gguf");
    EXPECT_NE(error_of([&] { locate_model(g.dir()); }).find("name the .gguf file"), std::string::npos);
}

// A hand-built GGUF (the layout of gguf.h), for the corrupt and unsupported cases.
class Builder {
public:
    Builder& raw(const void* p, std::size_t n) {
        bytes.append(static_cast<const char*>(p), n);
        return *this;
    }
    template <class T>
    Builder& put(T v) { return raw(&v, sizeof v); }
    Builder& str(const std::string& s) { return put<std::uint64_t>(s.size()).raw(s.data(), s.size()); }
    Builder& kv_u32(const std::string& k, std::uint32_t v) { return str(k).put<std::uint32_t>(4).put(v); }
    Builder& kv_f32(const std::string& k, float v) { return str(k).put<std::uint32_t>(6).put(v); }
    Builder& kv_str(const std::string& k, const std::string& v) { return str(k).put<std::uint32_t>(8).str(v); }
    Builder& header(std::uint64_t tensors, std::uint64_t kvs, std::uint32_t version = 3) {
        return raw("GGUF", 4).put(version).put(tensors).put(kvs);
    }
    Builder& tensor(const std::string& name, std::vector<std::uint64_t> ne, std::uint32_t type, std::uint64_t offset) {
        str(name).put<std::uint32_t>(static_cast<std::uint32_t>(ne.size()));
        for (auto d : ne) put(d);
        return put(type).put(offset);
    }
    Builder& pad(std::size_t align = 32) {
        bytes.append((align - bytes.size() % align) % align, '\0');
        return *this;
    }
    std::string bytes;
};

std::string parse_error(const std::string& bytes) {
    return error_of([&] { parse_gguf({reinterpret_cast<const std::byte*>(bytes.data()), bytes.size()}, "x.gguf"); });
}

TEST(GgufParser, AcceptsAMinimalFile) {
    Builder b;
    b.header(1, 2).kv_str("general.architecture", "llama").kv_u32("general.alignment", 64).tensor("t", {32, 2}, 8, 0).pad(64);
    b.bytes.append(2 * 34, '\0');  // two q8_0 blocks
    const std::string s = b.bytes;
    const GgufHeader h = parse_gguf({reinterpret_cast<const std::byte*>(s.data()), s.size()}, "x.gguf");
    EXPECT_EQ(h.alignment, 64u);
    EXPECT_EQ(h.data_offset % 64, 0u);
    ASSERT_EQ(h.tensors.size(), 1u);
    EXPECT_EQ(h.tensors[0].dtype, DType::Q8_0);
    EXPECT_EQ(h.tensors[0].bytes, 68u);
}

TEST(GgufParser, RefusesCorruptAndHostileHeadersWithOneLine) {
    auto base = [] { return Builder().header(1, 1).kv_str("general.architecture", "llama"); };
    struct Case {
        std::string bytes, expected;
    };
    std::vector<Case> cases = {
        {"", "not a GGUF file"},
        {"GGML\x03\0\0\0", "not a GGUF file"},
        {Builder().header(0, 0, 1).bytes, "version 1 is not supported"},
        {Builder().header(0, 0, 0x03000000u).bytes, "big-endian"},
        {Builder().header(0, 0, 7).bytes, "unsupported GGUF version 7"},
        {Builder().header(0, ~0ull).bytes, "metadata count"},
        {Builder().header(~0ull, 0).bytes, "tensor count"},
        {Builder().header(0, 1).put<std::uint64_t>(~0ull).put<std::uint64_t>(0).bytes, "runs past the end"},  // key length
        {Builder().header(0, 1).str("k").put<std::uint32_t>(99).bytes, "unknown value type 99"},
        {Builder().header(0, 1).str("k").put<std::uint32_t>(9).put<std::uint32_t>(4).put<std::uint64_t>(1ull << 61).bytes, "truncated"},
        {Builder().header(0, 1).str("k").put<std::uint32_t>(9).put<std::uint32_t>(8).put<std::uint64_t>(1ull << 40).bytes, "truncated"},
        {Builder().header(0, 1).str("k").put<std::uint32_t>(9).put<std::uint32_t>(9).put<std::uint64_t>(1).bytes, "array of arrays"},
        {Builder().header(0, 1).str("k").put<std::uint32_t>(7).put<std::uint8_t>(2).bytes, "bool holding 2"},
        {Builder().header(0, 2).kv_u32("a", 1).kv_u32("a", 2).bytes, "duplicate metadata key 'a'"},
        {Builder().header(0, 1).kv_u32("general.alignment", 24).bytes, "not a power of two"},
        {Builder().header(0, 1).kv_str("general.alignment", "32").bytes, "must be a u32"},
        {base().tensor("t", {32, 2, 1, 1, 1}, 0, 0).pad().bytes, "5 dimensions"},
        {base().tensor("t", {1ull << 32, 1ull << 32}, 0, 0).pad().bytes, "too large"},
        {base().tensor("t", {0}, 0, 0).pad().bytes, "zero or too large"},
        {base().tensor("t", {256}, 12, 0).pad().bytes, "Q4_K (12), which is not supported"},
        {base().tensor("t", {33}, 8, 0).pad().bytes, "not whole 32-element blocks"},
        {base().tensor("t", {8}, 0, 3).pad().bytes, "not a multiple of the alignment"},
        {base().tensor("t", {8}, 0, 0).pad().bytes, "runs past the end of the data section"},
        {base().tensor("t", {8}, 0, ~0ull & ~31ull).pad().bytes, "runs past the end of the data section"},
        {Builder().header(2, 0).tensor("t", {8}, 0, 0).tensor("t", {8}, 0, 32).bytes, "duplicate tensor 't'"},
    };
    for (const Case& c : cases) {
        const std::string e = parse_error(c.bytes);
        EXPECT_NE(e.find(c.expected), std::string::npos) << "expected '" << c.expected << "', got: " << e;
        EXPECT_EQ(e.find('\n'), std::string::npos) << e;
    }
}

// Every prefix of a real file's header (and of its data) is refused, never read past.
TEST(GgufParser, EveryTruncationOfARealFileIsRefused) {
    std::ifstream in(fixture("tiny-f16.gguf"), std::ios::binary);
    const std::string full((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    ASSERT_GT(full.size(), 1000u);
    const GgufHeader h = parse_gguf({reinterpret_cast<const std::byte*>(full.data()), full.size()}, "x.gguf");
    std::vector<std::size_t> lengths;
    for (std::size_t n = 0; n < h.data_offset; n += n < 4096 ? 1 : 997) lengths.push_back(n);
    lengths.push_back(full.size() - 1);
    for (std::size_t n : lengths) {
        const std::string e = parse_error(full.substr(0, n));
        ASSERT_FALSE(e.empty()) << "prefix of " << n << " bytes";
    }
}

// A file whose metadata the engine cannot honour is refused by name, like config.json's fields.
TEST(GgufRefusals, UnsupportedArchitectureAndMetadata) {
    const fs::path dir = test::temp_dir("gguf_meta");
    put_tokenizer(dir);
    auto load_with = [&](const std::function<void(Builder&)>& kvs, int n_kv) {
        Builder b;
        b.header(0, static_cast<std::uint64_t>(n_kv));
        kvs(b);
        std::ofstream(dir / "m.gguf", std::ios::binary) << b.bytes;
        return error_of([&] { load_gguf_model(dir / "m.gguf"); });
    };
    auto llama = [](Builder& b) {
        b.kv_str("general.architecture", "llama").kv_u32("llama.embedding_length", 64).kv_u32("llama.feed_forward_length", 128)
            .kv_u32("llama.block_count", 1).kv_u32("llama.attention.head_count", 4).kv_u32("llama.context_length", 64)
            .kv_f32("llama.attention.layer_norm_rms_epsilon", 1e-5f).kv_u32("llama.vocab_size", 100);
    };
    EXPECT_NE(load_with([](Builder& b) { b.kv_str("general.architecture", "qwen2"); }, 1).find("architecture 'qwen2' is not supported"),
              std::string::npos);
    EXPECT_NE(load_with([&](Builder& b) { llama(b); b.kv_u32("llama.expert_count", 8); }, 9).find("'llama.expert_count' = 8 changes the math"),
              std::string::npos);
    EXPECT_NE(load_with([&](Builder& b) { llama(b); b.kv_u32("llama.new_thing", 1); }, 9).find("'llama.new_thing' is not recognised"),
              std::string::npos);
    EXPECT_NE(load_with([&](Builder& b) { llama(b); b.kv_u32("llama.rope.dimension_count", 8); }, 9).find("partial RoPE"),
              std::string::npos);
    EXPECT_NE(load_with([&](Builder& b) { llama(b); b.kv_str("llama.rope.scaling.type", "yarn"); }, 9).find("changes the math"),
              std::string::npos);
    EXPECT_NE(load_with([&](Builder& b) { llama(b); b.kv_u32("llama.rope.freq_base", 10000); }, 9).find("must be a float"),
              std::string::npos);
    EXPECT_NE(load_with([](Builder& b) { b.kv_str("general.architecture", "llama"); }, 1).find("missing metadata 'llama.embedding_length'"),
              std::string::npos);
    // A consistent header but no tensors: Weights names the first missing one.
    EXPECT_NE(error_of([&] {
                  load_with(llama, 8);
                  Weights::load(dir / "m.gguf");
              }).find("missing tensor 'model.embed_tokens.weight'"),
              std::string::npos);
    fs::remove_all(dir);
}

}  // namespace
}  // namespace lmh
