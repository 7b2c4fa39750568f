// Bad model input gets lmh::Error with a message that names the problem: missing files,
// corrupt or truncated safetensors, wrong shapes, malformed config.json.
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>

#include <nlohmann/json.hpp>

#include "util/error.h"
#include "engine/safetensors.h"
#include "engine/session.h"
#include "engine/weights.h"
#include "test_paths.h"

namespace lmh {
namespace {

class ModelErrors : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = test::temp_dir("model_errors");
        std::filesystem::copy(test::model_dir("story") / "config.json", dir_ / "config.json");
    }
    void TearDown() override { std::filesystem::remove_all(dir_); }

    // A safetensors file with the given header text and `data_bytes` zero bytes of data.
    void write_st(const std::string& header, std::size_t data_bytes, std::uint64_t claimed_len = 0) {
        std::ofstream out(dir_ / "model.safetensors", std::ios::binary);
        std::uint64_t n = claimed_len ? claimed_len : header.size();
        char len[8];
        for (int i = 0; i < 8; ++i) len[i] = static_cast<char>((n >> (8 * i)) & 0xff);
        out.write(len, 8);
        out << header;
        std::string zeros(data_bytes, '\0');
        out << zeros;
    }
    // Expects Weights::load to throw lmh::Error whose message contains `needle`.
    void expect_error(const std::string& needle) {
        try {
            Weights::load(dir_);
            FAIL() << "expected lmh::Error containing '" << needle << "'";
        } catch (const Error& e) {
            EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
            EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos) << "message must be one line";
        }
    }
    std::filesystem::path dir_;
};

TEST_F(ModelErrors, MissingDirectory) {
    EXPECT_THROW(Weights::load(dir_ / "nope"), Error);
}

TEST_F(ModelErrors, MissingSafetensors) { expect_error("model.safetensors"); }

TEST_F(ModelErrors, FileShorterThanHeaderLength) {
    std::ofstream(dir_ / "model.safetensors") << "abc";
    expect_error("truncated");
}

// A corrupt safetensors file: its header text, the zero bytes of data after it, the header
// length its first 8 bytes claim (0: the real one), and what the message must say.
struct CorruptFile {
    const char* name;
    const char* header;
    std::size_t data_bytes;
    std::uint64_t claimed_header_len;
    const char* needle;
};

void PrintTo(const CorruptFile& c, std::ostream* os) { *os << c.name; }

// A 128-float norm needs 512 bytes.
constexpr CorruptFile kCorruptFiles[] = {
    {"HeaderLengthPastEndOfFile", "{}", 0, 1'000'000, "past the end"},
    {"HeaderNotJson", "{not json", 0, 0, "not valid JSON"},
    {"ByteRangeOutOfBounds", R"({"model.norm.weight":{"dtype":"F32","shape":[128],"data_offsets":[0,512]}})", 100, 0,
     "out of bounds"},
    {"ByteRangeDisagreesWithShape", R"({"model.norm.weight":{"dtype":"F32","shape":[128],"data_offsets":[0,256]}})",
     512, 0, "need"},
    {"UnsupportedDtype", R"({"model.norm.weight":{"dtype":"I8","shape":[128],"data_offsets":[0,128]}})", 128, 0,
     "unsupported dtype 'I8'"},
    // A valid file holding only the final norm: the first required tensor is missing.
    {"MissingTensorIsNamed", R"({"model.norm.weight":{"dtype":"F32","shape":[128],"data_offsets":[0,512]}})", 512, 0,
     "missing tensor 'model.embed_tokens.weight'"},
};

class CorruptSafetensors : public ModelErrors, public ::testing::WithParamInterface<CorruptFile> {};

TEST_P(CorruptSafetensors, ErrorNamesTheProblem) {
    const CorruptFile& c = GetParam();
    write_st(c.header, c.data_bytes, c.claimed_header_len);
    expect_error(c.needle);
}

INSTANTIATE_TEST_SUITE_P(ModelErrors, CorruptSafetensors, ::testing::ValuesIn(kCorruptFiles),
                         [](const ::testing::TestParamInfo<CorruptFile>& i) { return std::string(i.param.name); });

TEST_F(ModelErrors, WrongShapeIsNamed) {
    // Copy the real model but declare a config whose hidden size disagrees with it.
    std::filesystem::copy(test::model_dir("story") / "model.safetensors", dir_ / "model.safetensors");
    auto cfg = nlohmann::json::parse(std::ifstream(dir_ / "config.json"));
    cfg["intermediate_size"] = 512;
    std::ofstream(dir_ / "config.json") << cfg.dump();
    expect_error("mlp.gate_proj.weight' has shape [384, 128], config.json implies [512, 128]");
}

TEST_F(ModelErrors, MalformedConfig) {
    std::ofstream(dir_ / "config.json") << "{\"hidden_size\": 128,";
    expect_error("invalid JSON");
    std::ofstream(dir_ / "config.json") << R"({"hidden_size": "big"})";
    expect_error("'hidden_size' must be an integer");
    std::ofstream(dir_ / "config.json")
        << R"({"hidden_size":128,"intermediate_size":384,"num_hidden_layers":2,"num_attention_heads":8,"num_key_value_heads":3,"vocab_size":2048,"max_position_embeddings":512})";
    expect_error("multiple of num_key_value_heads");
    std::ofstream(dir_ / "config.json")
        << R"({"hidden_size":128,"intermediate_size":384,"num_hidden_layers":2,"num_attention_heads":8,"vocab_size":2048})";
    expect_error("missing field 'max_position_embeddings'");
}

TEST(ConfigLimits, AbsurdSizesRefusedBeforeAllocating) {
    // Sizes beyond the engine's stated limits are refused while parsing, so no later
    // allocation (weights, KV cache) is ever sized from them.
    const std::string base =
        R"({"hidden_size":128,"intermediate_size":384,"num_hidden_layers":2,"num_attention_heads":8,"vocab_size":2048,)";
    EXPECT_THROW(ModelConfig::from_json_text(base + R"("max_position_embeddings":1073741824})", "cfg"), Error);
    EXPECT_THROW(ModelConfig::from_json_text(base + R"("max_position_embeddings":-5})", "cfg"), Error);
    EXPECT_NO_THROW(ModelConfig::from_json_text(base + R"("max_position_embeddings":512})", "cfg"));
}

TEST(SessionErrors, IdsOutOfVocabularyAndContextOverflow) {
    auto w = Weights::load(test::model_dir("story"));
    Session s(w, kernels::make_kernel_set("naive"));
    const std::vector<int> bad = {1, 2048};
    EXPECT_THROW(s.forward(bad), Error);
    const std::vector<int> neg = {-1};
    EXPECT_THROW(s.forward(neg), Error);
    EXPECT_EQ(s.position(), 0) << "a refused call must leave the session unchanged";
    const std::vector<int> too_long(513, 1);
    try {
        s.forward(too_long);
        FAIL();
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("context window of 512"), std::string::npos) << e.what();
    }
}

}  // namespace
}  // namespace lmh
