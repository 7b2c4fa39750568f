// The `chat --transcript` file read without the binary: the optional system prompt, the
// turns in order, and one-line errors that name the field. Inputs and expectations written
// by hand.
#include <gtest/gtest.h>

#include <fstream>

#include "engine/chat_transcript.h"
#include "test_paths.h"
#include "util/error.h"

namespace lmh {
namespace {

struct ChatTranscriptFile : ::testing::Test {
    std::filesystem::path dir = test::temp_dir("chat_transcript");
    ~ChatTranscriptFile() override { std::filesystem::remove_all(dir); }

    std::string write(const std::string& text) {
        const auto p = dir / "t.json";
        std::ofstream(p) << text;
        return p.string();
    }
    void expect_error(const std::string& text, const std::string& needle) {
        try {
            read_chat_transcript(write(text));
            FAIL() << "expected lmh::Error containing '" << needle << "' for " << text;
        } catch (const Error& e) {
            EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
        }
    }
};

TEST_F(ChatTranscriptFile, SystemIsOptionalAndTurnsKeepTheirOrder) {
    const ChatTranscript a = read_chat_transcript(write(R"({"system": "Be brief.", "turns": ["Hi", "Bye"]})"));
    ASSERT_TRUE(a.system.has_value());
    EXPECT_EQ(*a.system, "Be brief.");
    EXPECT_EQ(a.turns, (std::vector<std::string>{"Hi", "Bye"}));
    // An empty system prompt is a system prompt ("none"), not an absent one.
    EXPECT_EQ(read_chat_transcript(write(R"({"system": "", "turns": ["x"]})")).system, std::optional<std::string>(""));
    EXPECT_FALSE(read_chat_transcript(write(R"({"turns": ["x"]})")).system.has_value());
}

TEST_F(ChatTranscriptFile, BadFilesNameTheField) {
    expect_error("{\"turns\": [", "not valid JSON");
    expect_error("[\"Hi\"]", "expected a JSON object");
    expect_error(R"({"system": 3, "turns": ["x"]})", "field 'system' must be a string");
    expect_error(R"({"turns": "Hi"})", "field 'turns' must be an array");
    expect_error(R"({"turns": ["Hi", 2]})", "turns[1] must be a string");
    expect_error(R"({"turns": []})", "field 'turns' is empty");
    EXPECT_THROW(read_chat_transcript((dir / "missing.json").string()), Error);
}

TEST(ChatTurnJson, RatesAreTokensOverSecondsAndZeroWithoutTime) {
    ChatTurnResult r;
    r.prefill_ids = {1, 2, 3, 4};
    r.prefill_seconds = 0.5;
    r.decode_forwards = 6;
    r.decode_seconds = 0;  // too short to time
    const auto j = chat_turn_json("Hi", r);
    EXPECT_EQ(j["user"], "Hi");
    EXPECT_EQ(j["prefill_tokens"], 4);
    EXPECT_DOUBLE_EQ(j["prefill_tokens_per_second"].get<double>(), 8.0);  // 4 / 0.5
    EXPECT_DOUBLE_EQ(j["decode_tokens_per_second"].get<double>(), 0.0);
}

}  // namespace
}  // namespace lmh
