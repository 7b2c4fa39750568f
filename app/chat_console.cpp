#include "app/chat_console.h"

#include <unistd.h>

#include <cstdio>
#include <iostream>

namespace lmh::app {
namespace {

void print_to_stdout(const std::string& s) { std::cout << s << std::flush; }

// The user should know when the model stopped seeing the start of the conversation.
void context_notice(const ChatTurnResult& r) {
    if (r.dropped_turns > 0)
        std::fprintf(stderr, "chat: context window full: dropped the %d oldest turn%s and rebuilt the cache\n",
                     r.dropped_turns, r.dropped_turns == 1 ? "" : "s");
}

}  // namespace

void run_chat_transcript(ChatSession& chat, const ChatTranscript& transcript, const ChatTurnOptions& options,
                         const ChatRunInfo& info, bool json) {
    nlohmann::json out;
    out["model"] = info.model;
    out["synthetic_weights"] = info.synthetic_weights;
    out["kernels"] = chat.session().kernels().describe();
    out["system"] = info.system;
    out["chat_template"] = chat.chat_template().name();
    for (const auto& user : transcript.turns) {
        // With --json the reply is in the record; streaming it too would break the JSON.
        const auto r = chat.turn(user, options, json ? std::function<void(const std::string&)>() : print_to_stdout);
        context_notice(r);
        if (json) out["turns"].push_back(chat_turn_json(user, r));
        else std::cout << "\n";
    }
    if (json) std::cout << out.dump(1) << "\n";
}

void run_chat_repl(ChatSession& chat, const ChatTurnOptions& options) {
    const bool tty = ::isatty(STDIN_FILENO);
    if (tty) std::fprintf(stderr, "chat: type a message and press Enter; /reset starts over, /exit or Ctrl-D quits\n");
    std::string line;
    while (true) {
        if (tty) std::fprintf(stderr, "> ");
        if (!std::getline(std::cin, line)) break;
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.find_first_not_of(" \t") == std::string::npos) continue;
        if (line == "/exit" || line == "/quit") break;
        if (line == "/reset") {
            chat.reset();
            std::fprintf(stderr, "chat: conversation cleared\n");
            continue;
        }
        const auto r = chat.turn(line, options, print_to_stdout);
        std::cout << "\n" << std::flush;
        context_notice(r);
        std::fprintf(stderr, "[prefilled %zu new tokens at %.0f tok/s, %zu reply tokens at %.0f tok/s, cache %d/%d]\n",
                     r.prefill_ids.size(), r.prefill_seconds > 0 ? r.prefill_ids.size() / r.prefill_seconds : 0.0,
                     r.reply_ids.size(), r.decode_seconds > 0 ? r.decode_forwards / r.decode_seconds : 0.0,
                     r.position_after, chat.session().context());
    }
}

}  // namespace lmh::app
