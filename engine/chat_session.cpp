#include "engine/chat_session.h"

#include <algorithm>
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
    // A reply ends at the template's end-of-turn token (<|im_end|>, <|eot_id|>) as well as
    // at the model's own eos ids (config / generation_config).
    const std::string_view eot = template_.end_of_turn_token();
    const auto eot_id = tokenizer_.token_to_id(eot);
    if (!eot_id)
        throw Error("the tokenizer has no " + std::string(eot) + " token, which the " + std::string(template_.name()) +
                    " chat template ends turns with");
    stop_ids_ = weights_->config().eos_ids;
    if (std::find(stop_ids_.begin(), stop_ids_.end(), *eot_id) == stop_ids_.end()) stop_ids_.push_back(*eot_id);
    const auto system_ids = tokenizer_.encode(template_.render(messages(), true), false);
    if (static_cast<int>(system_ids.size()) >= session_.context())
        throw Error("the system prompt (" + std::to_string(system_ids.size()) + " tokens) does not fit the context window");
}

void ChatSession::reset() {
    turns_.clear();
    history_.clear();
    session_.reset();
}

std::vector<ChatMessage> ChatSession::messages() const {
    std::vector<ChatMessage> out;
    if (!system_.empty()) out.push_back({"system", system_});
    for (const Turn& t : turns_) {
        out.push_back({"user", t.user});
        out.push_back({"assistant", t.reply});
    }
    return out;
}

ChatTurnResult ChatSession::turn(const std::string& user, const ChatTurnOptions& o,
                                 const std::function<void(const std::string&)>& on_text) {
    ChatTurnResult r;
    const int ctx = session_.context();
    const int reply_room = o.max_reply_tokens;
    const auto render_with_user = [&] {
        auto msgs = messages();
        msgs.push_back({"user", user});
        return template_.render(msgs, true);
    };

    // A message that cannot fit even with only the system prompt is refused before anything
    // changes.
    const auto fits = [&](std::size_t tokens) { return static_cast<long>(tokens) + reply_room <= ctx; };
    std::vector<ChatMessage> alone;
    if (!system_.empty()) alone.push_back({"system", system_});
    alone.push_back({"user", user});
    const std::size_t alone_tokens = tokenizer_.encode(template_.render(alone, true), false).size();
    if (!fits(alone_tokens))
        throw Error("the message (" + std::to_string(alone_tokens) + " tokens with the template) and a reply of up to " +
                    std::to_string(reply_room) + " tokens do not fit the context window of " + std::to_string(ctx));

    // Whatever the cache holds that the new rendering still starts with stays; the rest of
    // the rendering is tokenised and prefilled. Tokenising the rest on its own is exact for
    // ChatML (it starts with the special token <|im_end|>, which the tokenizer splits out
    // first); elsewhere the model still sees exactly the rendered text.
    std::string rendered = render_with_user();
    ChatHistory::Update u = history_.update(rendered, tokenizer_);
    // The cache may hold more than the kept prefix (rewind) or one token less (the last
    // reply token, sampled but not fed).
    if (session_.position() > static_cast<int>(u.kept_tokens)) session_.rewind(static_cast<int>(u.kept_tokens));
    if (!fits(history_.token_count())) {
        // Drop the oldest turns until the rest, this prompt and the reply fit (they do with
        // no turn left, checked above), then rebuild.
        do {
            turns_.erase(turns_.begin());
            ++r.dropped_turns;
            rendered = render_with_user();
            history_.clear();
            u = history_.update(rendered, tokenizer_);
        } while (!turns_.empty() && !fits(history_.token_count()));
        session_.reset();
        r.rebuilt_cache = true;
    }

    r.reused_tokens = session_.position();
    const std::vector<int> all = history_.ids();
    const std::vector<int> prefill(all.begin() + session_.position(), all.end());
    r.text_added = rendered.substr(u.new_text_at);
    r.prefill_ids = prefill;

    Turn t;
    t.user = user;
    StreamDecoder dec(tokenizer_, true);
    GenerationOptions go;
    go.max_tokens = reply_room;
    go.ignore_eos = o.ignore_eos;
    const GenerationStats st = generate(session_, sampler_, prefill, stop_ids_, go, [&](int token) {
        r.reply_ids.push_back(token);
        const std::string piece = dec.push(token);
        if (on_text && !piece.empty()) on_text(piece);
        return true;
    });
    const std::string tail = dec.flush();
    if (on_text && !tail.empty()) on_text(tail);
    t.reply = tokenizer_.decode(r.reply_ids, true);
    // The reply's piece spells its tokens' full text (special tokens included), so a reply
    // whose template rendering differs (special tokens dropped, reasoning stripped,
    // whitespace trimmed) is cut where the texts part.
    history_.append_reply(tokenizer_.decode(r.reply_ids, false), r.reply_ids);
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
