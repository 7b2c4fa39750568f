// Byte-level BPE tokenizers (Llama 3, Qwen3). Expected ids and decoded strings come from
// Hugging Face: scripts/hf/gen-bpe-cases.mjs runs npm "@huggingface/tokenizers" and the
// official Rust binding ("tokenizers"), requires them to agree, and stores the result in
// tests/data/tokenizer_cases_{llama3,qwen3}.json. Invalid-UTF-8 cases hold the raw bytes;
// HF was given their WHATWG lossy decoding (maximal subpart -> U+FFFD).
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "util/error.h"
#include "engine/tokenizer.h"
#include "engine/unicode_nfc.h"
#include "engine/unicode_props.h"
#include "util/utf8.h"
#include "tokenizer_test_util.h"

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// models/<name>/tokenizer.json (scripts/fetch-models.sh), else the shared copy beside the
// checkout; empty when neither exists.
fs::path tokenizer_file(const std::string& model) {
    for (const fs::path& p : {fs::path(LMH_SOURCE_DIR) / "models" / model / "tokenizer.json",
                              fs::path(LMH_SOURCE_DIR) / ".." / "shared" / "models" / (model + "-tokenizer") / "tokenizer.json"})
        if (fs::exists(p)) return p;
    return {};
}

// Loaded once per model for the whole binary (280k merges take a while to parse).
const lmh::Tokenizer* tokenizer(const std::string& model) {
    static std::map<std::string, std::optional<lmh::Tokenizer>> loaded;
    auto [it, fresh] = loaded.try_emplace(model);
    if (fresh) {
        const fs::path file = tokenizer_file(model);
        if (!file.empty()) it->second = lmh::Tokenizer::load(file);
    }
    return it->second ? &*it->second : nullptr;
}

#define REQUIRE_TOKENIZER(tok, model)                                                                              \
    const lmh::Tokenizer* tok = tokenizer(model);                                                                  \
    if (tok == nullptr) {                                                                                          \
        GTEST_SKIP() << "models/" << (model) << "/tokenizer.json is absent: run scripts/fetch-models.sh";          \
    }

const json& cases(const std::string& model) {
    static std::map<std::string, json> data;
    auto [it, fresh] = data.try_emplace(model);
    if (fresh) {
        std::ifstream in(fs::path(LMH_SOURCE_DIR) / "tests" / "data" / ("tokenizer_cases_" + model + ".json"));
        it->second = json::parse(in);
    }
    return it->second;
}

std::string from_hex(const std::string& hex) {
    std::string out;
    for (std::size_t i = 0; i + 1 < hex.size(); i += 2) out += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
    return out;
}

// The bytes given to encode(): the raw invalid bytes for those cases, else the text.
std::string input_of(const json& c) { return c.contains("bytes_hex") ? from_hex(c["bytes_hex"]) : c["text"].get<std::string>(); }

using lmh::test::ids_of;
using lmh::test::stream_decode;

class BpeCases : public ::testing::TestWithParam<std::string> {};

TEST_P(BpeCases, EncodeMatchesHuggingFace) {
    const std::string model = GetParam();
    REQUIRE_TOKENIZER(tok, model);
    const json& data = cases(model);
    ASSERT_GE(data["cases"].size(), 200u);
    EXPECT_EQ(tok->vocab_size(), data["vocab_size"].get<int>());
    int invalid = 0;
    for (const json& c : data["cases"]) {
        const std::string input = input_of(c);
        SCOPED_TRACE(model + " text=" + c["text"].dump());
        invalid += !lmh::utf8::is_valid(input);
        EXPECT_EQ(tok->encode(input, true), ids_of(c["ids_with_special"]));
        EXPECT_EQ(tok->encode(input, false), ids_of(c["ids_without_special"]));
    }
    EXPECT_GE(invalid, 8);  // the invalid-UTF-8 cases really reach encode() as invalid bytes
}

// decode() and the streaming decoder (its pieces concatenated) must both spell HF's text.
TEST_P(BpeCases, DecodeAndStreamDecodeMatchHuggingFace) {
    const std::string model = GetParam();
    REQUIRE_TOKENIZER(tok, model);
    for (const json& c : cases(model)["cases"]) {
        SCOPED_TRACE(model + " text=" + c["text"].dump());
        const auto ids = ids_of(c["ids_with_special"]);
        for (const bool skip_special : {false, true}) {
            const std::string want = c[skip_special ? "decoded_skip_special" : "decoded"];
            EXPECT_EQ(tok->decode(ids, skip_special), want) << "skip_special " << skip_special;
            EXPECT_EQ(stream_decode(*tok, ids, skip_special), want) << "stream, skip_special " << skip_special;
        }
    }
}

INSTANTIATE_TEST_SUITE_P(Models, BpeCases, ::testing::Values("llama3", "qwen3"));

// Hand-derived facts of the two files, independent of the corpus.
TEST(BpeTokenizer, BasicProperties) {
    REQUIRE_TOKENIZER(llama, "llama3");
    REQUIRE_TOKENIZER(qwen, "qwen3");
    EXPECT_EQ(llama->vocab_size(), 128256);  // 128,000 + 256 special
    EXPECT_EQ(qwen->vocab_size(), 151669);   // 151,643 + 26 added
    // Both files' post-processors are ByteLevel only: HF adds no BOS (the Llama 3 chat
    // template writes <|begin_of_text|> itself).
    EXPECT_EQ(llama->bos_id(), -1);
    EXPECT_EQ(qwen->bos_id(), -1);
    EXPECT_EQ(llama->token_to_id("<|begin_of_text|>"), 128000);
    EXPECT_EQ(qwen->token_to_id("<|im_end|>"), 151645);
    EXPECT_TRUE(llama->is_special(128009));
    // "Ġ" is the byte-level spelling of a space: id 220 in both vocabularies.
    EXPECT_EQ(llama->encode(" ", false), std::vector<int>{220});
    EXPECT_EQ(qwen->encode(" ", false), std::vector<int>{220});
    EXPECT_EQ(llama->decode(std::vector<int>{220}), " ");
}

// Llama 3 groups digits by three from the left, Qwen3 one by one (their Split regexes).
TEST(BpeTokenizer, DigitGrouping) {
    REQUIRE_TOKENIZER(llama, "llama3");
    REQUIRE_TOKENIZER(qwen, "qwen3");
    const auto ids = [](const lmh::Tokenizer& t, const char* s) { return t.encode(s, false); };
    EXPECT_EQ(ids(*llama, "1234567"), (std::vector<int>{*llama->token_to_id("123"), *llama->token_to_id("456"),
                                                         *llama->token_to_id("7")}));
    EXPECT_EQ(ids(*qwen, "123").size(), 3u);
}

// A character is never split across pushes, even when its bytes come one token at a time;
// an incomplete tail is held, then flushed as U+FFFD.
TEST(BpeTokenizer, StreamHoldsIncompleteCharacters) {
    REQUIRE_TOKENIZER(llama, "llama3");
    // Byte-level tokens for 0xE6 0x97 0xA5 ("日") and for "a".
    const int e6 = *llama->token_to_id("æ"), x97 = *llama->token_to_id("Ĺ"), xa5 = *llama->token_to_id("¥");
    const int a = *llama->token_to_id("a");
    lmh::StreamDecoder stream(*llama);
    EXPECT_EQ(stream.push(a), "a");
    EXPECT_EQ(stream.push(e6), "");
    EXPECT_EQ(stream.push(x97), "");
    EXPECT_EQ(stream.push(xa5), "\xE6\x97\xA5");
    EXPECT_EQ(stream.push(e6), "");
    EXPECT_EQ(stream.push(a), "\xEF\xBF\xBD" "a");  // E6 then 'a': the E6 can no longer complete
    EXPECT_EQ(stream.push(e6), "");
    EXPECT_EQ(stream.flush(), "\xEF\xBF\xBD");
    const std::vector<std::vector<int>> sequences = {{e6}, {e6, x97}, {x97, x97, a}, {e6, x97, xa5, xa5, e6}};
    for (const auto& ids : sequences) EXPECT_EQ(stream_decode(*llama, ids, true), llama->decode(ids, true));
}

// Random bytes: never a crash, same ids as the repaired text, and a byte-level vocabulary
// gives the repaired text back exactly.
TEST(BpeTokenizer, RandomBytesRoundTrip) {
    std::mt19937 rng(99);
    for (const char* model : {"llama3", "qwen3"}) {
        REQUIRE_TOKENIZER(tok, model);
        for (int n = 0; n < 200; ++n) {
            std::string s(rng() % 48, '\0');
            for (auto& ch : s) ch = static_cast<char>(rng() % 256);
            const std::string repaired = lmh::utf8::to_valid_lossy(s);
            const auto ids = tok->encode(s, false);
            ASSERT_EQ(ids, tok->encode(repaired, false));
            // Qwen3 normalizes to NFC first; random bytes rarely form characters NFC changes.
            EXPECT_EQ(tok->decode(ids), std::string(model) == "qwen3" ? lmh::unicode::nfc(repaired) : repaired);
            EXPECT_EQ(stream_decode(*tok, ids, false), tok->decode(ids));
        }
    }
}

// Hand-checked Unicode facts (the generated tables would be wrong if these failed).
TEST(BpeTokenizer, UnicodeTables) {
    using lmh::unicode::is_letter;
    using lmh::unicode::is_number;
    EXPECT_TRUE(is_letter('a') && is_letter(U'é') && is_letter(U'日') && is_letter(U'ب') && is_letter(U'क'));
    EXPECT_FALSE(is_letter('1') || is_letter(' ') || is_letter(U'\u0301') || is_letter(U'🦀') || is_letter('_'));
    EXPECT_TRUE(is_number('7') && is_number(U'٣') && is_number(U'½') && is_number(U'Ⅻ') && is_number(U'²'));
    EXPECT_FALSE(is_number('a') || is_number(U'\u0966' + 10));
    using lmh::unicode::nfc;
    EXPECT_EQ(nfc("e\xCC\x81"), "\xC3\xA9");                          // e + U+0301 -> é
    EXPECT_EQ(nfc("\xE2\x84\xAB"), "\xC3\x85");                       // Angstrom sign -> Å
    EXPECT_EQ(nfc("\xE1\x84\x80\xE1\x85\xA1\xE1\x86\xA8"), "\xEA\xB0\x81");  // jamo -> 각
    EXPECT_EQ(nfc("q\xCC\x87\xCC\xA3"), "q\xCC\xA3\xCC\x87");         // reordered: 0323 (220) before 0307 (230)
    EXPECT_EQ(nfc("plain ascii"), "plain ascii");
}

TEST(BpeTokenizer, UnsupportedPreTokenizersAreRefused) {
    const fs::path dir = fs::temp_directory_path() / "lmh_bpe_tokenizer_test";
    fs::create_directories(dir);
    const std::string model = R"("model": {"type": "BPE", "vocab": {"a": 0}, "merges": []})";
    const std::vector<std::pair<std::string, std::string>> bad = {
        {R"({"type": "Split", "pattern": {"Regex": "\\w+"}, "behavior": "Isolated"})", "pre_tokenizer.pattern.Regex"},
        {R"({"type": "ByteLevel", "add_prefix_space": true})", "pre_tokenizer.add_prefix_space"},
        {R"({"type": "ByteLevel", "use_regex": true})", "pre_tokenizer.use_regex"},
        {R"({"type": "Whitespace"})", "pre_tokenizer.type"},
        {R"({"type": "Sequence", "pretokenizers": [{"type": "ByteLevel"}, {"type": "Metaspace"}]})",
         "pre_tokenizer.pretokenizers[1].type"},
    };
    for (const auto& [pre, field] : bad) {
        const fs::path file = dir / "t.json";
        std::ofstream(file) << "{\"pre_tokenizer\": " << pre << ", " << model << "}";
        try {
            lmh::Tokenizer::load(file);
            ADD_FAILURE() << pre << ": no exception";
        } catch (const lmh::Error& e) {
            EXPECT_NE(std::string(e.what()).find(field), std::string::npos) << e.what();
        }
    }
    fs::remove_all(dir);
}

}  // namespace
