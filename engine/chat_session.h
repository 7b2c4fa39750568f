// ChatSession: a multi-turn conversation that keeps the KV cache across turns. Each turn
// renders the whole conversation with the chat template, keeps the longest prefix of what
// the cache already holds that the rendering still starts with (engine/chat_history.h),
// rewinds the cache to it and prefills only the rest. For ChatML that rest is the end of the
// previous reply ("<|im_end|>\n"), the new user message and the assistant header; for
// Llama 3 and Qwen3, whose renderings of earlier turns change (Qwen3 drops old reasoning),
// it starts where the texts first differ. Replies keep the generated tokens. When a turn
// would not fit in the context window, the oldest turns are dropped (the system message is
// kept) and the cache is rebuilt from the remaining conversation.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "engine/chat_history.h"
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
    // Rendered text from the start of the first piece of the conversation that changed (for
    // ChatML: the previous reply's end, the user message, the assistant header). Its leading
    // tokens may have stayed cached when the change fell inside it; prefill_ids is what was fed.
    std::string text_added;
    std::vector<int> prefill_ids;     // what was prefilled (new tokens only, unless rebuilt)
    int reused_tokens = 0;            // conversation tokens kept from earlier turns
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

    // Every token the conversation consists of so far, in order: what the cache holds plus
    // the last reply token when the token budget ended the reply (generate() samples it but
    // does not feed it). A fresh prefill of these gives the same state.
    std::vector<int> conversation_ids() const { return history_.ids(); }
    // The conversation as template messages (system, then user/assistant per turn; an
    // assistant message holds the reply text as decoded).
    std::vector<ChatMessage> messages() const;
    Session& session() { return session_; }
    const Tokenizer& tokenizer() const { return tokenizer_; }
    const ChatTemplate& chat_template() const { return template_; }

private:
    struct Turn {
        std::string user, reply;
    };

    std::shared_ptr<const Weights> weights_;
    Tokenizer tokenizer_;
    ChatTemplate template_;
    Session session_;
    Sampler sampler_;
    std::string system_;
    ChatHistory history_;  // its first session_.position() tokens are in the cache
    std::vector<Turn> turns_;
    std::vector<int> stop_ids_;
};

}  // namespace lmh
