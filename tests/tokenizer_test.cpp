// Tokenizer tests. Expected ids and strings come from Hugging Face's Rust `tokenizers`
// (npm "tokenizers" 0.23.2, the official binding) via scripts/hf/gen-tokenizer-cases.mjs,
// stored in tests/data/tokenizer_cases.json. Invalid-UTF-8 expectations are hand-derived
// from Unicode's "maximal subpart" rule (Table 3-7), documented in engine/tokenizer.h.
#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "util/error.h"
#include "engine/tokenizer.h"
#include "tokenizer_test_util.h"
#include "util/utf8.h"

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// models/<name>/tokenizer.json inside the repo if present, else the shared copy beside it.
fs::path tokenizer_path(const std::string& model) {
    const fs::path local = fs::path(LMH_SOURCE_DIR) / "models" / model / "tokenizer.json";
    if (fs::exists(local)) return local;
    return fs::path(LMH_SOURCE_DIR) / ".." / "shared" / "models" / model / "tokenizer.json";
}

const lmh::Tokenizer& tokenizer(const std::string& model) {
    // Loaded once per model for the whole binary: parsing 58k merges is the slow part.
    static const lmh::Tokenizer story = lmh::Tokenizer::load(tokenizer_path("story"));
    static const lmh::Tokenizer chat = lmh::Tokenizer::load(tokenizer_path("chat"));
    return model == "story" ? story : chat;
}

const json& cases() {
    static const json data = [] {
        std::ifstream in(fs::path(LMH_SOURCE_DIR) / "tests" / "data" / "tokenizer_cases.json");
        return json::parse(in);
    }();
    return data;
}

using lmh::test::ids_of;
using lmh::test::stream_decode;

class TokenizerCases : public ::testing::TestWithParam<std::string> {};

TEST_P(TokenizerCases, MatchesHuggingFace) {
    const std::string model = GetParam();
    const lmh::Tokenizer& tok = tokenizer(model);
    const json& m = cases()["models"][model];
    ASSERT_GE(m["cases"].size(), 40u);
    EXPECT_EQ(tok.vocab_size(), m["vocab_size"].get<int>());
    for (const json& c : m["cases"]) {
        const std::string text = c["text"];
        SCOPED_TRACE(model + " text=" + json(text).dump());
        const auto with_special = ids_of(c["ids_with_special"]);
        EXPECT_EQ(tok.encode(text, true), with_special);
        EXPECT_EQ(tok.encode(text, false), ids_of(c["ids_without_special"]));
        EXPECT_EQ(tok.decode(with_special, false), c["decoded"].get<std::string>());
        // Our skip rule (by id) equals HF decoding the ids with the special ones removed.
        EXPECT_EQ(tok.decode(with_special, true), c["decoded_without_special_ids"].get<std::string>());
    }
}

// Seeded random mixes of fragments (merge-order, whitespace, added-token boundaries).
TEST_P(TokenizerCases, MatchesHuggingFaceOnRandomTexts) {
    const std::string model = GetParam();
    const lmh::Tokenizer& tok = tokenizer(model);
    const json& random = cases()["models"][model]["random_cases"];
    ASSERT_GE(random.size(), 100u);
    for (const json& c : random) {
        const std::string text = c["text"];
        SCOPED_TRACE(model + " text=" + json(text).dump());
        const auto ids = ids_of(c["ids_with_special"]);
        EXPECT_EQ(tok.encode(text, true), ids);
        EXPECT_EQ(tok.decode(ids, false), c["decoded"].get<std::string>());
        EXPECT_EQ(stream_decode(tok, ids, false), tok.decode(ids, false));
        EXPECT_EQ(stream_decode(tok, ids, true), tok.decode(ids, true));
    }
}

TEST_P(TokenizerCases, RoundTripsPlainText) {
    const std::string model = GetParam();
    const lmh::Tokenizer& tok = tokenizer(model);
    const int unk = tok.token_to_id("<unk>").value_or(-1);
    int checked = 0;
    for (const json& c : cases()["models"][model]["cases"]) {
        const std::string text = c["text"];
        const auto ids = tok.encode(text, false);
        // Round trip holds unless the text holds an added token (each piece after it gets
        // its own "▁"), a literal "▁" (decoded as a space) or characters that became <unk>.
        bool plain = text.find("\xE2\x96\x81") == std::string::npos;
        for (const int id : ids) plain = plain && id != unk && !tok.is_special(id);
        if (!plain) continue;
        EXPECT_EQ(tok.decode(ids), text) << model << " text=" << json(text).dump();
        ++checked;
    }
    EXPECT_GE(checked, 10);
}

TEST_P(TokenizerCases, StreamDecoderConcatenationEqualsDecode) {
    const std::string model = GetParam();
    const lmh::Tokenizer& tok = tokenizer(model);
    for (const json& c : cases()["models"][model]["cases"]) {
        const auto ids = ids_of(c["ids_with_special"]);
        SCOPED_TRACE(model + " text=" + c["text"].dump());
        EXPECT_EQ(stream_decode(tok, ids, true), tok.decode(ids, true));
        EXPECT_EQ(stream_decode(tok, ids, false), tok.decode(ids, false));
    }
}

INSTANTIATE_TEST_SUITE_P(Models, TokenizerCases, ::testing::Values("story", "chat"));

TEST(Tokenizer, BasicProperties) {
    const auto& story = tokenizer("story");
    const auto& chat = tokenizer("chat");
    EXPECT_EQ(story.vocab_size(), 2048);
    EXPECT_EQ(chat.vocab_size(), 32002);
    EXPECT_EQ(story.bos_id(), 1);  // TemplateProcessing prepends <|start_story|>
    EXPECT_EQ(chat.bos_id(), -1);  // chat's template adds nothing
    EXPECT_EQ(chat.token_to_id("<|im_start|>"), 32001);
    EXPECT_EQ(chat.token_to_id("<0x0A>"), 13);
    EXPECT_FALSE(chat.token_to_id("no such token").has_value());
    EXPECT_TRUE(chat.is_special(32000));
    EXPECT_FALSE(chat.is_special(13));
    EXPECT_FALSE(chat.is_special(-5));
    EXPECT_EQ(chat.id_to_token(32000), "<|im_end|>");
    EXPECT_TRUE(story.encode("", false).empty());
    EXPECT_EQ(story.encode("", true), std::vector<int>{1});
}

TEST(Tokenizer, StreamHoldsByteRunsUntilTheyEnd) {
    const auto& chat = tokenizer("chat");
    const int e6 = *chat.token_to_id("<0xE6>"), x97 = *chat.token_to_id("<0x97>"), xa5 = *chat.token_to_id("<0xA5>");
    const int ff = *chat.token_to_id("<0xFF>");
    const int hello = chat.encode("Hello", false).at(0);
    const std::vector<std::vector<int>> sequences = {
        {hello, e6, x97, xa5, hello},  // "日" from bytes, then more text
        {e6, x97, xa5},                // ends inside the run: flush() closes it
        {hello, e6, x97, hello},       // truncated character: one U+FFFD per byte
        {e6, x97, xa5, ff, hello},     // one bad byte spoils the whole run, as in HF
        {ff},
    };
    for (const auto& ids : sequences) EXPECT_EQ(stream_decode(chat, ids, true), chat.decode(ids, true));

    lmh::StreamDecoder stream(chat);
    EXPECT_EQ(stream.push(hello), "Hello");  // leading space stripped at stream start only
    EXPECT_EQ(stream.push(e6), "");
    EXPECT_EQ(stream.push(x97), "");
    EXPECT_EQ(stream.push(xa5), "");
    EXPECT_EQ(stream.push(hello), "日 Hello");
    EXPECT_EQ(stream.flush(), "");
    EXPECT_EQ(chat.decode(std::vector<int>{hello, e6, x97, hello}), "Hello\xEF\xBF\xBD\xEF\xBF\xBD Hello");
}

TEST(Tokenizer, InvalidUtf8IsReplacedByMaximalSubpart) {
    using lmh::utf8::to_valid_lossy;
    const std::string r = "\xEF\xBF\xBD";
    EXPECT_EQ(to_valid_lossy("a\xFF" "b"), "a" + r + "b");
    EXPECT_EQ(to_valid_lossy("ab\xE6\x97"), "ab" + r);          // truncated 3-byte sequence: one U+FFFD
    EXPECT_EQ(to_valid_lossy("\xC0\x80"), r + r);                // overlong lead is never valid
    EXPECT_EQ(to_valid_lossy("\xED\xA0\x80"), r + r + r);        // surrogate
    EXPECT_EQ(to_valid_lossy("\xF0\x9F\x98"), r);                // truncated emoji
    EXPECT_EQ(to_valid_lossy("\xF4\x90\x80\x80"), r + r + r + r);  // above U+10FFFF
    EXPECT_EQ(to_valid_lossy("ok \xE6\x97\xA5"), "ok \xE6\x97\xA5");

    for (const char* model : {"story", "chat"}) {
        const auto& tok = tokenizer(model);
        EXPECT_EQ(tok.encode("a\xFF" "b"), tok.encode("a" + r + "b"));
        EXPECT_EQ(tok.encode("ab\xE6\x97"), tok.encode("ab" + r));
        EXPECT_EQ(tok.encode("\xC0\x80 x"), tok.encode(r + r + " x"));
    }
    // Random bytes: never crash, always the same as encoding the repaired text.
    std::mt19937 rng(1234);
    const auto& chat = tokenizer("chat");
    for (int n = 0; n < 300; ++n) {
        std::string s(rng() % 64, '\0');
        for (auto& ch : s) ch = static_cast<char>(rng() % 256);
        const auto ids = chat.encode(s);
        EXPECT_EQ(ids, chat.encode(to_valid_lossy(s)));
        EXPECT_EQ(chat.decode(ids), to_valid_lossy(s));  // chat has all 256 byte tokens
    }
}

TEST(Tokenizer, OutOfRangeIdThrows) {
    const auto& chat = tokenizer("chat");
    EXPECT_THROW(chat.decode(std::vector<int>{-1}), lmh::Error);
    EXPECT_THROW(chat.decode(std::vector<int>{32002}), lmh::Error);
    EXPECT_NO_THROW(chat.decode(std::vector<int>{32001}));
    lmh::StreamDecoder stream(chat);
    EXPECT_THROW(stream.push(1 << 20), lmh::Error);
    try {
        chat.decode(std::vector<int>{40000});
        FAIL() << "no exception";
    } catch (const lmh::Error& e) {
        EXPECT_NE(std::string(e.what()).find("40000"), std::string::npos) << e.what();
    }
}

// Malformed files: each must throw lmh::Error naming the file and the offending field.
TEST(Tokenizer, MalformedFilesThrowUsefulErrors) {
    const fs::path dir = fs::temp_directory_path() / ("lmh_tokenizer_test_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()));
    fs::create_directories(dir);
    const std::string good_model =
        R"({"type": "BPE", "vocab": {"a": 0, "b": 1, "ab": 2}, "merges": ["a b"]})";
    struct Case {
        std::string name, content, expect_in_message;
    };
    const std::vector<Case> bad = {
        {"invalid_json", "{\"model\": ", "invalid JSON"},
        {"not_object", "[1, 2]", "(root)"},
        {"missing_model", R"({"normalizer": null})", "model"},
        {"wordpiece", R"({"model": {"type": "WordPiece", "vocab": {"a": 0}}})", "model.type"},
        {"missing_vocab", R"({"model": {"type": "BPE", "merges": []}})", "model.vocab"},
        {"missing_merges", R"({"model": {"type": "BPE", "vocab": {"a": 0}}})", "model.merges"},
        {"merge_oov", R"({"model": {"type": "BPE", "vocab": {"a": 0}, "merges": ["a z"]}})", "model.merges[0]"},
        {"bad_normalizer", R"({"normalizer": {"type": "NFKC"}, "model": )" + good_model + "}", "normalizer.type"},
        {"bad_decoder", R"({"decoder": {"type": "Metaspace"}, "model": )" + good_model + "}", "decoder.type"},
        {"bad_pretokenizer", R"({"pre_tokenizer": {"type": "Whitespace"}, "model": )" + good_model + "}", "pre_tokenizer"},
        {"bad_added", R"({"added_tokens": [{"content": "x"}], "model": )" + good_model + "}", "added_tokens[0]"},
    };
    for (const auto& c : bad) {
        const fs::path file = dir / (c.name + ".json");
        std::ofstream(file) << c.content;
        try {
            lmh::Tokenizer::load(file);
            ADD_FAILURE() << c.name << ": no exception";
        } catch (const lmh::Error& e) {
            const std::string msg = e.what();
            EXPECT_NE(msg.find(file.string()), std::string::npos) << c.name << ": " << msg;
            EXPECT_NE(msg.find(c.expect_in_message), std::string::npos) << c.name << ": " << msg;
            EXPECT_EQ(msg.find('\n'), std::string::npos) << c.name << ": message must be one line: " << msg;
        }
    }
    EXPECT_THROW(lmh::Tokenizer::load(dir / "does_not_exist.json"), lmh::Error);

    // The minimal well-formed file does load and merge.
    const fs::path ok = dir / "ok.json";
    std::ofstream(ok) << R"({"model": )" + good_model + "}";
    const auto tok = lmh::Tokenizer::load(ok);
    EXPECT_EQ(tok.encode("ab"), std::vector<int>{2});
    EXPECT_EQ(tok.decode(std::vector<int>{2, 0}), "ab a");  // no decoder: HF joins with " "
    fs::remove_all(dir);
}

// The whole text is one BPE "word" (no pre-tokenizer), so a quadratic merge would show
// here. Only correctness is asserted; the duration is printed for the record.
TEST(Tokenizer, LongTextEncodesQuickly) {
    std::string text;
    const std::string paragraph = cases()["models"]["chat"]["cases"][5]["text"];
    while (text.size() < 20000) text += paragraph + "\n";
    for (const char* model : {"story", "chat"}) {
        const auto& tok = tokenizer(model);
        const auto t0 = std::chrono::steady_clock::now();
        const auto ids = tok.encode(text, false);
        const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
        std::printf("[ info ] %s: %zu bytes -> %zu tokens in %.1f ms\n", model, text.size(), ids.size(), ms);
        EXPECT_EQ(tok.decode(ids), text);
    }
}

}  // namespace
