// ChatSession: a multi-turn conversation that keeps the KV cache across turns. Each turn
// prefills only what the cache does not hold yet: the end of the previous reply
// ("<|im_end|>\n"), the new user message and the assistant header. When a turn would not
// fit in the context window, the oldest turns are dropped (the system message is kept)
// and the cache is rebuilt from the remaining tokens.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "engine/chat_template.h"
#include "engine/sampler.h"
#include "engine/session.h"
#include "engine/tokenizer.h"

namespace lmh {

struct ChatTurnOptions {
    int max_reply_tokens = 256;
    bool ignore_eos = false;  // benchmarks: always generate max_reply_tokens
};

struct ChatTurnResult {
    std::string text_added;           // rendered template text this turn added
    std::vector<int> prefill_ids;     // what was prefilled (new tokens only, unless rebuilt)
    std::vector<int> reply_ids;
    std::string reply_text;
    double prefill_seconds = 0;
    double first_token_seconds = 0;
    double decode_seconds = 0;
    int decode_forwards = 0;
    int dropped_turns = 0;            // oldest turns dropped to fit the context window
    bool rebuilt_cache = false;
    bool stopped_by_eos = false;
    int position_after = 0;           // cache length after the turn
};

class ChatSession {
public:
    ChatSession(std::shared_ptr<const Weights> weights, kernels::KernelSet kernels, Tokenizer tokenizer,
                ChatTemplate chat_template, SamplerParams sampling, std::string system_prompt,
                SessionOptions session_options = {});

    // Runs one user turn. on_text receives reply text as it is generated (complete UTF-8
    // characters only). Throws lmh::Error if the message alone cannot fit the context.
    ChatTurnResult turn(const std::string& user_message, const ChatTurnOptions& options,
                        const std::function<void(const std::string&)>& on_text = {});
    void reset();

    // Every token the conversation consists of so far, in order (what the cache holds plus
    // the pending end of the last reply). A fresh prefill of these gives the same state.
    std::vector<int> conversation_ids() const;
    Session& session() { return session_; }
    const Tokenizer& tokenizer() const { return tokenizer_; }

private:
    struct Turn {
        std::vector<int> prompt_ids;  // user message + assistant header
        std::vector<int> reply_ids;
        std::vector<int> closing_ids;  // "<|im_end|>\n", fed with the next turn
        std::string user, reply;
    };

    std::shared_ptr<const Weights> weights_;
    Tokenizer tokenizer_;
    ChatTemplate template_;
    Session session_;
    Sampler sampler_;
    std::string system_;
    std::vector<int> system_ids_;
    std::vector<int> closing_ids_;
    std::vector<int> pending_;  // conversation tokens not yet in the cache
    std::vector<Turn> turns_;
    std::vector<int> stop_ids_;
};

}  // namespace lmh
