// Synthetic checkpoint tests. Independent sources of expected values: the tensor table of
// HF LlamaForCausalLM/MistralForCausalLM (modeling_llama.py), the safetensors format spec,
// the size of the upstream Minueza-32M-Chat f32 checkpoint, and the moments of N(0, 1).
// The recorded sha256 pins the bytes: any platform dependence in the generator shows up as
// a mismatch here.
#include "engine/synth.h"

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include "util/error.h"
#include "util/sha256.h"

namespace {

namespace fs = std::filesystem;

// A fresh directory per test, so tests can run in parallel processes.
class SynthTest : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() /
               ("lmh_synth_" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()) + "_" +
                std::to_string(::getpid()));
        fs::remove_all(dir_);
        fs::create_directories(dir_);
    }
    void TearDown() override { fs::remove_all(dir_); }

    fs::path write_config(const nlohmann::json& cfg) {
        const fs::path p = dir_ / "config.json";
        std::ofstream(p) << cfg.dump(2);
        return p;
    }
    fs::path dir_;
};

nlohmann::json tiny_config() {
    // vocab 4096 makes embed_tokens 32768 values: enough for tight moment checks.
    return {{"hidden_size", 8},          {"intermediate_size", 16}, {"num_hidden_layers", 2},
            {"num_attention_heads", 2},  {"num_key_value_heads", 1}, {"vocab_size", 4096},
            {"initializer_range", 0.02}, {"tie_word_embeddings", false}};
}

struct Parsed {
    std::uint64_t header_length = 0;  // N
    nlohmann::json header;
    std::vector<char> data;  // everything after the header
};

Parsed parse_file(const fs::path& p, bool with_data = true) {
    std::ifstream in(p, std::ios::binary);
    Parsed out;
    unsigned char len[8];
    in.read(reinterpret_cast<char*>(len), 8);
    for (int i = 7; i >= 0; --i) out.header_length = (out.header_length << 8) | len[i];
    std::string text(out.header_length, '\0');
    in.read(text.data(), static_cast<std::streamsize>(text.size()));
    out.header = nlohmann::json::parse(text);
    if (with_data) out.data.assign(std::istreambuf_iterator<char>(in), {});
    return out;
}

std::vector<float> tensor_values(const Parsed& f, const std::string& name) {
    const auto& offsets = f.header.at(name).at("data_offsets");
    const auto begin = offsets[0].get<std::size_t>(), end = offsets[1].get<std::size_t>();
    std::vector<float> v((end - begin) / sizeof(float));
    std::memcpy(v.data(), f.data.data() + begin, end - begin);  // the test host is little-endian
    return v;
}

fs::path chat_config() {
    for (const char* p : {LMH_SOURCE_DIR "/models/chat/config.json", LMH_SOURCE_DIR "/../shared/models/chat/config.json"}) {
        if (fs::exists(p)) return p;
    }
    return {};
}

TEST_F(SynthTest, TinyCheckpointHasHuggingFaceTensorTable) {
    const fs::path out = dir_ / "model.safetensors";
    lmh::write_synthetic_checkpoint(write_config(tiny_config()), 7, out);
    EXPECT_FALSE(fs::exists(out.string() + ".tmp"));
    const Parsed f = parse_file(out);

    EXPECT_EQ(f.header_length % 8, 0u) << "data section must start 8-byte aligned";
    EXPECT_EQ(f.header.at("__metadata__"), (nlohmann::json{{"format", "pt"}, {"lmharness_synthetic", "seed=7"}}));

    // hidden 8, 2 heads -> head_dim 4; q 2*4 = 8, k/v 1*4 = 4.
    std::map<std::string, std::vector<std::int64_t>> expected = {
        {"model.embed_tokens.weight", {4096, 8}}, {"model.norm.weight", {8}}, {"lm_head.weight", {4096, 8}}};
    for (const std::string l : {"0", "1"}) {
        const std::string p = "model.layers." + l + ".";
        expected[p + "self_attn.q_proj.weight"] = {8, 8};
        expected[p + "self_attn.k_proj.weight"] = {4, 8};
        expected[p + "self_attn.v_proj.weight"] = {4, 8};
        expected[p + "self_attn.o_proj.weight"] = {8, 8};
        expected[p + "mlp.gate_proj.weight"] = {16, 8};
        expected[p + "mlp.up_proj.weight"] = {16, 8};
        expected[p + "mlp.down_proj.weight"] = {8, 16};
        expected[p + "input_layernorm.weight"] = {8};
        expected[p + "post_attention_layernorm.weight"] = {8};
    }
    ASSERT_EQ(f.header.size(), expected.size() + 1);
    // Tensors are laid out back to back in sorted name order (std::map iterates sorted).
    std::size_t offset = 0;
    for (const auto& [name, shape] : expected) {
        ASSERT_TRUE(f.header.contains(name)) << name;
        const auto& t = f.header.at(name);
        EXPECT_EQ(t.at("dtype"), "F32") << name;
        EXPECT_EQ(t.at("shape").get<std::vector<std::int64_t>>(), shape) << name;
        std::size_t elements = 1;
        for (const auto d : shape) elements *= static_cast<std::size_t>(d);
        EXPECT_EQ(t.at("data_offsets"), (nlohmann::json{offset, offset + 4 * elements})) << name;
        offset += 4 * elements;
    }
    EXPECT_EQ(f.data.size(), offset);

    for (const auto& [name, shape] : expected) {
        if (name.find("norm") == std::string::npos) continue;
        for (const float x : tensor_values(f, name)) ASSERT_EQ(x, 1.0f) << name;
    }

    // Each tensor is its own stream, seeded by (seed, name): check the file against it.
    const auto down = tensor_values(f, "model.layers.1.mlp.down_proj.weight");
    std::vector<double> normal(down.size());
    lmh::SyntheticNormalStream(7, "model.layers.1.mlp.down_proj.weight").fill(normal);
    for (std::size_t i = 0; i < down.size(); ++i) ASSERT_EQ(down[i], static_cast<float>(normal[i] * 0.02)) << i;
}

TEST_F(SynthTest, WeightsFollowNormalWithInitializerRange) {
    const fs::path out = dir_ / "model.safetensors";
    lmh::write_synthetic_checkpoint(write_config(tiny_config()), 0, out);
    const auto v = tensor_values(parse_file(out), "model.embed_tokens.weight");
    ASSERT_EQ(v.size(), 32768u);
    double sum = 0, sum2 = 0, sum4 = 0;
    std::size_t within_one_sigma = 0;
    for (const float x : v) sum += x;
    const double mean = sum / v.size();
    for (const float x : v) {
        const double d = x - mean;
        sum2 += d * d;
        sum4 += d * d * d * d;
        within_one_sigma += std::abs(x) < 0.02;
    }
    const double var = sum2 / (v.size() - 1);
    const double n = static_cast<double>(v.size());
    // Bounds are about 4 standard errors for n = 32768: se(mean) = sigma/sqrt(n) = 1.1e-4,
    // se(std)/std = 1/sqrt(2n) = 0.4%, se(kurtosis) = sqrt(24/n) = 0.027,
    // se(P(|z|<1)) = sqrt(0.683*0.317/n) = 0.0026.
    EXPECT_NEAR(mean, 0.0, 4.5e-4);
    EXPECT_NEAR(std::sqrt(var), 0.02, 0.02 * 0.016);
    EXPECT_NEAR(sum4 / n / (var * var), 3.0, 0.11);
    EXPECT_NEAR(within_one_sigma / n, 0.6827, 0.011);
}

TEST_F(SynthTest, TiedEmbeddingsOmitLmHeadAndHeadDimIsHonoured) {
    auto cfg = tiny_config();
    cfg["tie_word_embeddings"] = true;
    cfg["head_dim"] = 6;  // q_proj becomes [2*6, 8], o_proj [8, 12]
    const fs::path out = dir_ / "model.safetensors";
    lmh::write_synthetic_checkpoint(write_config(cfg), 0, out);
    const Parsed f = parse_file(out);
    EXPECT_FALSE(f.header.contains("lm_head.weight"));
    EXPECT_EQ(f.header.at("model.layers.0.self_attn.q_proj.weight").at("shape"), (nlohmann::json{12, 8}));
    EXPECT_EQ(f.header.at("model.layers.0.self_attn.k_proj.weight").at("shape"), (nlohmann::json{6, 8}));
    EXPECT_EQ(f.header.at("model.layers.0.self_attn.o_proj.weight").at("shape"), (nlohmann::json{8, 12}));
}

TEST_F(SynthTest, SameSeedSameBytesOtherSeedOtherBytes) {
    const fs::path cfg = write_config(tiny_config());
    lmh::write_synthetic_checkpoint(cfg, 1, dir_ / "a.safetensors");
    lmh::write_synthetic_checkpoint(cfg, 1, dir_ / "b.safetensors");
    lmh::write_synthetic_checkpoint(cfg, 2, dir_ / "c.safetensors");
    EXPECT_EQ(lmh::sha256_file(dir_ / "a.safetensors"), lmh::sha256_file(dir_ / "b.safetensors"));
    EXPECT_NE(tensor_values(parse_file(dir_ / "a.safetensors"), "lm_head.weight"),
              tensor_values(parse_file(dir_ / "c.safetensors"), "lm_head.weight"));
    // Tensors of one file are independent streams, not copies of each other.
    const Parsed a = parse_file(dir_ / "a.safetensors");
    EXPECT_NE(tensor_values(a, "model.layers.0.mlp.gate_proj.weight"),
              tensor_values(a, "model.layers.0.mlp.up_proj.weight"));
}

TEST_F(SynthTest, InvalidConfigNamesFieldAndFile) {
    const auto expect_error = [&](nlohmann::json cfg, const std::string& field) {
        const fs::path p = write_config(cfg);
        try {
            lmh::write_synthetic_checkpoint(p, 0, dir_ / "x.safetensors");
            ADD_FAILURE() << "accepted config without valid " << field;
        } catch (const lmh::Error& e) {
            const std::string what = e.what();
            EXPECT_NE(what.find("\"" + field + "\""), std::string::npos) << what;
            EXPECT_NE(what.find(p.string()), std::string::npos) << what;
            EXPECT_EQ(what.find('\n'), std::string::npos) << what;
        }
        EXPECT_FALSE(fs::exists(dir_ / "x.safetensors"));
        EXPECT_FALSE(fs::exists(dir_ / "x.safetensors.tmp"));
    };
    for (const char* field : {"hidden_size", "intermediate_size", "num_hidden_layers", "num_attention_heads",
                              "num_key_value_heads", "vocab_size", "initializer_range", "tie_word_embeddings"}) {
        auto missing = tiny_config();
        missing.erase(field);
        expect_error(missing, field);
        auto wrong = tiny_config();
        wrong[field] = "12";
        expect_error(wrong, field);
    }
    auto negative = tiny_config();
    negative["hidden_size"] = -8;
    expect_error(negative, "hidden_size");
    auto zero_range = tiny_config();
    zero_range["initializer_range"] = 0.0;
    expect_error(zero_range, "initializer_range");
    auto bad_gqa = tiny_config();
    bad_gqa["num_key_value_heads"] = 3;
    expect_error(bad_gqa, "num_key_value_heads");
    EXPECT_THROW(lmh::write_synthetic_checkpoint(dir_ / "absent.json", 0, dir_ / "x.safetensors"), lmh::Error);
}

// Hand-derived roundings: ties go to the even neighbour, overflow to infinity, and the f16
// subnormal grid is 2^-24.
TEST(SynthRounding, Bf16AndF16RoundOnceToNearestEven) {
    EXPECT_EQ(lmh::double_to_bf16_bits(1.0), 0x3F80);
    EXPECT_EQ(lmh::double_to_bf16_bits(-2.0), 0xC000);
    EXPECT_EQ(lmh::double_to_bf16_bits(1.0 + 0x1p-8), 0x3F80);      // tie: down to even
    EXPECT_EQ(lmh::double_to_bf16_bits(1.0 + 3 * 0x1p-8), 0x3F82);  // tie: up to even
    EXPECT_EQ(lmh::double_to_bf16_bits(1.0 + 0x1p-8 + 0x1p-30), 0x3F81);  // just above the tie: one rounding, not two
    EXPECT_EQ(lmh::double_to_bf16_bits(1e39), 0x7F80);
    EXPECT_EQ(lmh::double_to_f16_bits(1.0), 0x3C00);
    EXPECT_EQ(lmh::double_to_f16_bits(65504.0), 0x7BFF);
    EXPECT_EQ(lmh::double_to_f16_bits(65520.0), 0x7C00);  // tie between 65504 and 2^16: even is Inf
    EXPECT_EQ(lmh::double_to_f16_bits(-0x1p-24), 0x8001);
    EXPECT_EQ(lmh::double_to_f16_bits(0x1p-25), 0x0000);  // tie: down to even (zero)
    EXPECT_EQ(lmh::double_to_f16_bits(3 * 0x1p-26), 0x0001);
    EXPECT_EQ(lmh::double_to_f16_bits(1.0 + 0x1p-11), 0x3C00);
    EXPECT_EQ(lmh::double_to_f16_bits(1.0 + 3 * 0x1p-11), 0x3C02);
}

// A bf16 checkpoint holds each deviate rounded once: every value is the nearest bf16 to the
// double the generator made (checked against both neighbours), and the bytes are pinned.
TEST_F(SynthTest, Bf16CheckpointRoundsEachDeviateOnceAndHasRecordedSha256) {
    const fs::path out = dir_ / "model.safetensors";
    lmh::write_synthetic_checkpoint(write_config(tiny_config()), 7, out, lmh::DType::BF16);
    const Parsed f = parse_file(out);
    EXPECT_EQ(f.header.at("lm_head.weight").at("dtype"), "BF16");
    const auto& off = f.header.at("lm_head.weight").at("data_offsets");
    const std::size_t n = (off[1].get<std::size_t>() - off[0].get<std::size_t>()) / 2;
    std::vector<double> x(n);
    lmh::SyntheticNormalStream(7, "lm_head.weight").fill(x);
    auto widen = [](std::uint32_t bits) {
        const std::uint32_t u = bits << 16;
        float v;
        std::memcpy(&v, &u, 4);
        return static_cast<double>(v);
    };
    for (std::size_t i = 0; i < n; ++i) {
        std::uint16_t b;
        std::memcpy(&b, f.data.data() + off[0].get<std::size_t>() + 2 * i, 2);
        const double target = x[i] * 0.02, v = widen(b), up = widen(b + 1u), down = widen(b - 1u);
        ASSERT_LE(std::fabs(target - v), std::fabs(target - up)) << i;
        ASSERT_LE(std::fabs(target - v), std::fabs(target - down)) << i;
    }
    EXPECT_EQ(f.header.at("model.norm.weight").at("dtype"), "BF16");
    EXPECT_EQ(lmh::sha256_file(out), "0276284d3871230339f6809fd6bf2c694ea12c2653e4779cb90671e002c8856a");
}

TEST_F(SynthTest, ChatCheckpointSeed0HasRecordedSha256) {
    const fs::path cfg = chat_config();
    if (cfg.empty()) GTEST_SKIP() << "chat model config.json not found";
    const fs::path out = dir_ / "chat.safetensors";
    lmh::write_synthetic_checkpoint(cfg, 0, out);
    const Parsed f = parse_file(out, /*with_data=*/false);
    std::uintmax_t tensor_bytes = 0;
    for (const auto& [name, t] : f.header.items()) {
        if (name != "__metadata__") tensor_bytes += t.at("data_offsets")[1].get<std::uintmax_t>() -
                                                    t.at("data_offsets")[0].get<std::uintmax_t>();
    }

    // Parameters of Minueza-32M (H 312, 10 layers, q 312, kv 104, F 1092, V 32002, untied):
    //   embed + lm_head 2*32002*312 = 19,969,248; per layer 2*312*312 + 2*104*312 + 3*1092*312
    //   + 2*312 = 1,282,320, times 10 = 12,823,200; final norm 312. Sum 32,792,760 params,
    //   4 bytes each = 131,171,040 bytes of tensor data.
    // The upstream f32 model.safetensors is 131,181,272 bytes in total: the same
    // 131,171,040 bytes of tensor data plus a 10,232-byte header (8-byte length + 10,224
    // bytes of JSON). Ours differs only in the header's text (our __metadata__ entry).
    constexpr std::uintmax_t kTensorBytes = 131'171'040;
    constexpr std::uintmax_t kUpstreamFileBytes = 131'181'272;
    EXPECT_EQ(f.header.size(), 1u + 1 + 10 * 9 + 1 + 1);  // metadata, embed, layers, norm, lm_head
    EXPECT_EQ(tensor_bytes, kTensorBytes);
    EXPECT_EQ(fs::file_size(out), 8 + f.header_length + kTensorBytes);
    EXPECT_EQ(kUpstreamFileBytes - kTensorBytes, 10'232u) << "upstream header size";

    std::ifstream in(LMH_SOURCE_DIR "/tests/data/synth_chat_seed0.sha256");
    std::string expected;
    in >> expected;
    EXPECT_EQ(lmh::sha256_file(out), expected)
        << "the generator's bytes changed or depend on the platform; header is " << f.header_length << " bytes";
}

}  // namespace
