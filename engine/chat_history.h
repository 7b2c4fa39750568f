// ChatHistory: the tokens of a conversation as a chat loop fed (or will feed) them to the
// KV cache, kept in pieces together with the text each piece spells: a rendered template
// piece (tokenised from that text) or a generated reply (its decoded text).
//
// Why: only ChatML renders each message independently. Llama 3 and Qwen3 change text that
// is already in the cache when a turn is added (Qwen3 drops the reasoning of earlier replies
// and the empty <think> block of a no-thinking generation prompt; Llama 3 trims replies).
// So each turn the chat loop renders the whole conversation again and update() keeps the
// longest prefix of the history that the new rendering starts with: whole pieces whose text
// matches, then inside the first piece that differs
//   - a generated reply: the longest run of its leading tokens whose decoded text matches
//     (decoding is how the reply's text was defined in the first place);
//   - a rendered piece: the tokens it shares with the tokenisation of the new rendering from
//     that point (its text cannot be recovered by decoding: SentencePiece-style tokenizers
//     insert a space after special tokens, and a text match could split a token).
// The cache is rewound to that point and only the rest is prefilled, so what the model has
// seen always spells the template's current rendering.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/tokenizer.h"

namespace lmh {

class ChatHistory {
public:
    struct Piece {
        std::string text;
        std::vector<int> ids;
        bool generated = false;  // a reply (text = its decoded ids), else ids = encode(text)
    };
    struct Update {
        std::size_t kept_tokens = 0;  // leading tokens unchanged: what the cache may keep
        std::size_t new_text_at = 0;  // byte of `rendered` where the first changed piece starts
    };

    void clear() { pieces_.clear(); }
    void append_reply(std::string text, std::vector<int> ids);
    // Makes the history spell `rendered`: keeps its longest prefix that `rendered` still
    // starts with (see above) and appends the rest of `rendered`, tokenised.
    Update update(std::string_view rendered, const Tokenizer& tokenizer);

    std::vector<int> ids() const;
    std::size_t token_count() const;
    std::span<const Piece> pieces() const { return pieces_; }

private:
    std::vector<Piece> pieces_;
};

}  // namespace lmh
