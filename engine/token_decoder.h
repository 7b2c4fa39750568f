// TokenDecoder: the "decoder" part of tokenizer.json (token strings -> text), in two forms:
//  * decode(): the reference, a literal transcription of HF's decode_chain for each step;
//  * Stream:   an incremental version for generation, checked against decode() by tests.
// Supported steps: Sequence, Replace (string pattern), ByteFallback, Fuse, Strip, ByteLevel.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace lmh {

class TokenDecoder {
public:
    struct Step {
        enum class Kind { Replace, ByteFallback, Fuse, Strip, ByteLevel } kind;
        std::string from, to;              // Replace
        std::string content;               // Strip: the character, as UTF-8
        std::size_t start = 0, stop = 0;   // Strip: how many to remove at each end
    };

    // `decoder` is tokenizer.json's "decoder" value (null means: join tokens with " ").
    static TokenDecoder from_json(const nlohmann::json& decoder, const std::string& where);

    std::string decode(std::vector<std::string> tokens) const;

    // Incremental decoding. Exact (concatenated output == decode of all tokens) for
    // chains whose steps after the first Fuse are only Strip with stop == 0 and that
    // have at most one ByteFallback, and for a ByteLevel decoder alone (bytes that may
    // still complete a UTF-8 character are held back); other chains throw lmh::Error on
    // construction.
    class Stream {
    public:
        explicit Stream(const TokenDecoder& decoder);
        std::string push(std::string_view token);
        std::string flush();

    private:
        std::string emit(std::vector<std::string> units);
        std::string push_byte_level(std::string_view token);
        std::string apply_tail(std::string text);

        const TokenDecoder* decoder_;
        std::size_t byte_fallback_at_;       // index of ByteFallback in steps_, or npos
        std::size_t fuse_at_;                // index of the first Fuse, or steps_.size()
        std::vector<unsigned char> pending_bytes_;  // a run of byte tokens not yet closed
        bool byte_level_ = false;                   // the chain is one ByteLevel step
        std::string pending_utf8_;                  // ByteLevel: an incomplete UTF-8 tail
        std::vector<std::size_t> strip_left_;       // per Strip after Fuse: chars still to strip
        bool seen_token_ = false;                   // for the no-decoder " " join
    };

private:
    bool present_ = false;
    std::vector<Step> steps_;
};

}  // namespace lmh
