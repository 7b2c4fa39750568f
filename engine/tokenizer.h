// lmh::Tokenizer: a Hugging Face tokenizer.json (BPE model) reimplemented to give the same
// ids and text as the Rust `tokenizers` crate (expected values in tests/data/
// tokenizer_cases.json come from its official Node binding, see scripts/hf/).
//
// Supported pipeline pieces (anything else is rejected at load with lmh::Error):
//   normalizer     null | Sequence | Prepend | Replace (string pattern) | NFC
//   pre_tokenizer  null | ByteLevel | Split with the Llama 3 or Qwen2/3 regex (engine/pretokenizer.h)
//   model          BPE (vocab, merges, byte_fallback, unk_token, fuse_unk, ignore_merges)
//   post_processor null | TemplateProcessing | ByteLevel (changes no id) | Sequence of those
//   decoder        null | Sequence | Replace (string pattern) | ByteFallback | Fuse | Strip | ByteLevel
//   added_tokens   content, special, normalized, lstrip, rstrip (single_word approximated:
//                  any non-ASCII, non-whitespace character counts as a word character)
//
// Invalid UTF-8 input to encode(): each maximal ill-formed subsequence is replaced by one
// U+FFFD before anything else (Unicode's "maximal subpart" practice, identical to Rust's
// String::from_utf8_lossy and to what a Python/JS caller gets from a lossy decode), then
// the text is encoded like any other.
//
// Deliberate differences from tokenizers 0.23:
//   * decode() throws lmh::Error for an id outside the vocabulary (HF silently drops it).
//   * decode(skip_special=true) drops every token flagged special. HF 0.23 compares the
//     *normalized* spelling of a normalized=true added token against the set of special
//     contents, so it keeps e.g. the story model's "<|end_story|>"; we follow the intent
//     (and older HF releases). With skip_special=false the output is identical to HF,
//     including the normalized spelling (story: id 1 decodes to " <|start_story|>").
//   * transformers' clean_up_tokenization_spaces (a tokenizer_config.json option, not part
//     of tokenizers) is never applied: decode() is the tokenizers library's.
#pragma once

#include <cstddef>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace lmh {

class Tokenizer {
public:
    // Throws lmh::Error naming the file and the field for a missing, malformed or
    // unsupported file.
    static Tokenizer load(const std::filesystem::path& tokenizer_json);

    // HF encode(text, add_special_tokens=add_special): add_special applies the
    // post-processor template (story: prepend BOS; chat, llama3, qwen3: nothing — the
    // Llama 3 tokenizer.json shipped here has a ByteLevel post-processor only, so HF adds
    // no <|begin_of_text|>; its chat template writes it).
    std::vector<int> encode(std::string_view text, bool add_special = true) const;
    // HF decode(ids, skip_special_tokens). Throws lmh::Error for an id outside
    // [0, vocab_size()) or one that names no token.
    std::string decode(std::span<const int> ids, bool skip_special = false) const;

    // Distinct tokens in the model vocabulary and added tokens (story 2048, chat 32002).
    int vocab_size() const;
    // Added tokens first, then the model vocabulary (as HF token_to_id).
    std::optional<int> token_to_id(std::string_view token) const;
    // The token string as stored (model vocabulary or added-token content), or nullopt.
    std::optional<std::string> id_to_token(int id) const;
    bool is_special(int id) const;
    // The id the post-processor puts before the text when it adds exactly one token
    // there (story: <|start_story|>); -1 if it adds none (chat).
    int bos_id() const;

    struct Impl;

private:
    friend class StreamDecoder;
    explicit Tokenizer(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}
    // Shared and immutable: copies are cheap and safe to use from several threads.
    std::shared_ptr<const Impl> impl_;
};

// Streaming decode for generation: push ids one at a time and get the text that became
// final. Concatenating every push() and flush() equals decode(all ids, skip_special).
// A run of byte-fallback tokens is held back until the run ends (a non-byte token or
// flush()), so a UTF-8 character is never split and an invalid run still turns into
// U+FFFD per byte exactly as in decode(). The leading-space Strip applies only at the
// start of the stream. Throws lmh::Error for an invalid id, like decode().
class StreamDecoder {
public:
    explicit StreamDecoder(const Tokenizer& tok, bool skip_special = true);
    ~StreamDecoder();
    StreamDecoder(StreamDecoder&&) noexcept;
    StreamDecoder& operator=(StreamDecoder&&) noexcept;

    std::string push(int id);
    std::string flush();

private:
    struct State;
    std::shared_ptr<const Tokenizer::Impl> impl_;  // keeps the tokenizer alive
    std::unique_ptr<State> state_;
    bool skip_special_;
};

}  // namespace lmh
