// A fixed conversation for tests and benchmarks (`lmharness chat --transcript FILE`): the
// file's system prompt and user turns, and the JSON record of each turn as run.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/chat_session.h"

namespace lmh {

struct ChatTranscript {
    std::optional<std::string> system;  // absent: the caller's default system prompt
    std::vector<std::string> turns;     // user messages, in order; never empty
};

// Reads {"system": "...", "turns": ["...", ...]}; throws lmh::Error naming the file and the
// field when it is not that.
ChatTranscript read_chat_transcript(const std::string& path);

// One turn as `chat --transcript --json` prints it: ids, text, timings and token rates.
nlohmann::json chat_turn_json(const std::string& user, const ChatTurnResult& r);

}  // namespace lmh
