// What `lmharness chat` shows on the console around a ChatSession: the fixed conversation
// of --transcript (streamed text, or one JSON record), and the interactive (or piped) REPL.
// Notices and timings go to stderr, so stdout carries only the replies or the JSON.
#pragma once

#include <string>

#include "engine/chat_session.h"
#include "engine/chat_transcript.h"

namespace lmh::app {

// The header fields of the --json record (the turns are added as they run).
struct ChatRunInfo {
    std::string model;
    bool synthetic_weights = false;
    std::string system;
};

void run_chat_transcript(ChatSession& chat, const ChatTranscript& transcript, const ChatTurnOptions& options,
                         const ChatRunInfo& info, bool json);
void run_chat_repl(ChatSession& chat, const ChatTurnOptions& options);

}  // namespace lmh::app
