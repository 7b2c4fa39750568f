// PreTokenizer: tokenizer.json's "pre_tokenizer" for byte-level BPE models — a Split on the
// model's regex followed by ByteLevel — cutting normalized text into the "words" that BPE
// merges within.
//
// The regex is not run by a regex engine: the two patterns in use are recognised by their
// exact text and matched by a hand-written matcher (pretokenizer.cpp) that reproduces
// Oniguruma's leftmost-first backtracking result for them. Any other pattern is refused.
//   Llama 3:       (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
//   Qwen2/Qwen3:   the same with \p{N} (one digit per pre-token) instead of \p{N}{1,3}
//
// Supported (anything else throws lmh::Error naming the field):
//   null | ByteLevel | Split | Sequence of those, where Split has one of the patterns above,
//   behavior "Isolated", invert false; ByteLevel has add_prefix_space false and
//   use_regex false (its byte-to-unicode mapping itself is done by BpeModel).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

namespace lmh {

class PreTokenizer {
public:
    static PreTokenizer from_json(const nlohmann::json& pre_tokenizer, const std::string& where);

    bool present() const { return byte_level_ || max_digits_ > 0; }
    // Whether words are mapped to bytes (GPT-2 byte-to-unicode) before BPE.
    bool byte_level() const { return byte_level_; }

    // Calls f(std::string_view word) for each pre-token of `text` (valid UTF-8), in order;
    // the words tile the text. Without a Split the whole text is one word.
    template <class F>
    void for_each_word(std::string_view text, F&& f) const {
        if (max_digits_ == 0) {
            if (!text.empty()) f(text);
            return;
        }
        for (std::size_t i = 0; i < text.size();) {
            const std::size_t end = match_end(text, i);
            f(text.substr(i, end - i));
            i = end;
        }
    }

private:
    // End of the regex match that starts at text[i] (the patterns match at every position).
    std::size_t match_end(std::string_view text, std::size_t i) const;

    int max_digits_ = 0;  // 0: no Split; else the n of \p{N}{1,n}
    bool byte_level_ = false;
};

}  // namespace lmh
