#include "engine/chat_session.h"

#include <chrono>

#include "util/error.h"
#include "engine/generate.h"

namespace lmh {

ChatSession::ChatSession(std::shared_ptr<const Weights> weights, kernels::KernelSet kernels, Tokenizer tokenizer,
                         ChatTemplate chat_template, SamplerParams sampling, std::string system_prompt,
                         SessionOptions session_options)
    : weights_(weights), tokenizer_(std::move(tokenizer)), template_(std::move(chat_template)),
      session_(weights, std::move(kernels), session_options), sampler_(sampling, weights->config().vocab),
      system_(std::move(system_prompt)) {
    // Messages are tokenised piece by piece. That equals tokenising the whole rendered
    // conversation because every piece starts with the special token <|im_start|> and the
    // tokenizer splits special tokens out before anything else.
    if (!system_.empty()) system_ids_ = tokenizer_.encode(template_.render_message({"system", system_}), false);
    const auto eos = tokenizer_.token_to_id("<|im_end|>");
    if (!eos) throw Error("the chat tokenizer has no <|im_end|> token");
    closing_ids_ = tokenizer_.encode("<|im_end|>\n", false);
    stop_ids_ = weights_->config().eos_ids;
    if (std::find(stop_ids_.begin(), stop_ids_.end(), *eos) == stop_ids_.end()) stop_ids_.push_back(*eos);
    if (static_cast<int>(system_ids_.size()) >= session_.context())
        throw Error("the system prompt (" + std::to_string(system_ids_.size()) + " tokens) does not fit the context window");
}

void ChatSession::reset() {
    turns_.clear();
    pending_.clear();
    session_.reset();
}

std::vector<int> ChatSession::conversation_ids() const {
    std::vector<int> ids = system_ids_;
    for (const Turn& t : turns_) {
        ids.insert(ids.end(), t.prompt_ids.begin(), t.prompt_ids.end());
        ids.insert(ids.end(), t.reply_ids.begin(), t.reply_ids.end());
        ids.insert(ids.end(), t.closing_ids.begin(), t.closing_ids.end());
    }
    return ids;
}

ChatTurnResult ChatSession::turn(const std::string& user, const ChatTurnOptions& o,
                                 const std::function<void(const std::string&)>& on_text) {
    ChatTurnResult r;
    const int ctx = session_.context();
    r.text_added = template_.render_message({"user", user}) + template_.generation_prompt();
    Turn t;
    t.user = user;
    t.prompt_ids = tokenizer_.encode(r.text_added, false);
    const int reply_room = o.max_reply_tokens;

    // New tokens for the cache: whatever of the conversation it does not hold yet (the
    // end of the previous reply), then this turn's prompt.
    std::vector<int> prefill = session_.position() == 0 ? conversation_ids() : pending_;
    prefill.insert(prefill.end(), t.prompt_ids.begin(), t.prompt_ids.end());
    if (session_.position() + static_cast<int>(prefill.size()) + reply_room > ctx) {
        // Drop the oldest turns until the rest, this prompt and the reply fit.
        if (static_cast<int>(system_ids_.size() + t.prompt_ids.size()) + reply_room > ctx)
            throw Error("the message (" + std::to_string(t.prompt_ids.size()) + " tokens) and a reply of up to " +
                        std::to_string(reply_room) + " tokens do not fit the context window of " + std::to_string(ctx));
        while (!turns_.empty()) {
            turns_.erase(turns_.begin());
            ++r.dropped_turns;
            if (static_cast<int>(conversation_ids().size() + t.prompt_ids.size()) + reply_room <= ctx) break;
        }
        session_.reset();
        r.rebuilt_cache = true;
        prefill = conversation_ids();
        prefill.insert(prefill.end(), t.prompt_ids.begin(), t.prompt_ids.end());
    }
    r.prefill_ids = prefill;

    StreamDecoder dec(tokenizer_, true);
    GenerationOptions go;
    go.max_tokens = reply_room;
    go.ignore_eos = o.ignore_eos;
    const GenerationStats st = generate(session_, sampler_, prefill, stop_ids_, go, [&](int token) {
        t.reply_ids.push_back(token);
        const std::string piece = dec.push(token);
        if (on_text && !piece.empty()) on_text(piece);
        return true;
    });
    const std::string tail = dec.flush();
    if (on_text && !tail.empty()) on_text(tail);
    t.reply = tokenizer_.decode(t.reply_ids, true);
    t.closing_ids = closing_ids_;
    // generate() feeds every reply token but the last one sampled when the token budget
    // (rather than <|im_end|>) ended the reply: that one is still owed to the cache.
    pending_.clear();
    if (!st.stopped_by_eos && !t.reply_ids.empty()) pending_.push_back(t.reply_ids.back());
    pending_.insert(pending_.end(), closing_ids_.begin(), closing_ids_.end());
    r.reply_ids = t.reply_ids;
    r.reply_text = t.reply;
    r.prefill_seconds = st.prefill_seconds;
    r.first_token_seconds = st.first_token_seconds;
    r.decode_seconds = st.decode_seconds;
    r.decode_forwards = st.decode_forwards;
    r.stopped_by_eos = st.stopped_by_eos;
    turns_.push_back(std::move(t));
    r.position_after = session_.position();
    return r;
}

}  // namespace lmh
