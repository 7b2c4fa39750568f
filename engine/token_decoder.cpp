// TokenDecoder: HF decoders (tokenizers/src/decoders/*.rs) and their streaming form.
#include "engine/token_decoder.h"

#include <nlohmann/json.hpp>

#include "engine/byte_level.h"
#include "engine/tokenizer_json.h"
#include "util/error.h"
#include "util/utf8.h"

namespace lmh {

namespace {

using nlohmann::json;
using Step = TokenDecoder::Step;

constexpr std::size_t npos = static_cast<std::size_t>(-1);
constexpr std::string_view kReplacementChar = "\xEF\xBF\xBD";

using tokenizer_json::fail;

void replace_all(std::string& s, std::string_view from, std::string_view to) {
    std::string out;
    std::size_t pos = 0;
    for (std::size_t hit; (hit = s.find(from, pos)) != std::string::npos; pos = hit + from.size()) {
        out.append(s, pos, hit - pos);
        out.append(to);
    }
    if (pos == 0) return;
    out.append(s, pos);
    s = std::move(out);
}

// HF ByteFallback recognises exactly "<0xNN>"; Rust's u8::from_str_radix also takes "+N".
bool parse_byte_token(std::string_view t, unsigned char& byte) {
    if (t.size() != 6 || t.substr(0, 3) != "<0x" || t[5] != '>') return false;
    const auto hex = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    };
    if (t[3] == '+') {
        const int lo = hex(t[4]);
        if (lo < 0) return false;
        byte = static_cast<unsigned char>(lo);
        return true;
    }
    const int hi = hex(t[3]), lo = hex(t[4]);
    if (hi < 0 || lo < 0) return false;
    byte = static_cast<unsigned char>(hi * 16 + lo);
    return true;
}

// A closed run of byte tokens: its UTF-8 text, or one U+FFFD per byte if the run as a
// whole is not valid UTF-8 (HF checks the run, not each character).
void close_byte_run(const std::vector<unsigned char>& bytes, std::vector<std::string>& out) {
    const std::string run(bytes.begin(), bytes.end());
    if (utf8::is_valid(run)) {
        out.push_back(run);
    } else {
        for (std::size_t k = 0; k < bytes.size(); ++k) out.emplace_back(kReplacementChar);
    }
}

std::string strip_token(const std::string& t, const Step& s) {
    std::size_t begin = 0, end = t.size();
    const std::size_t c = s.content.size();
    for (std::size_t k = 0; k < s.start && end - begin >= c && t.compare(begin, c, s.content) == 0; ++k) begin += c;
    // HF would panic where the two cuts cross; we just return what is left.
    for (std::size_t k = 0; k < s.stop && end - begin >= c && t.compare(end - c, c, s.content) == 0; ++k) end -= c;
    return t.substr(begin, end - begin);
}

// The per-token steps (everything but ByteFallback and Fuse) applied to one string.
void apply_per_token(const Step& s, std::string& t) {
    if (s.kind == Step::Kind::Replace) replace_all(t, s.from, s.to);
    if (s.kind == Step::Kind::Strip) t = strip_token(t, s);
}

// HF ByteLevel::decode_chain for one token: the bytes its characters stand for, or its own
// UTF-8 if any character is outside the byte-level alphabet (added tokens such as "a b").
void append_byte_level_bytes(std::string_view token, std::string& out) {
    static constexpr auto kCharToByte = byte_level::char_to_byte();
    const std::size_t start = out.size();
    for (std::size_t i = 0; i < token.size(); i += utf8::char_length(static_cast<unsigned char>(token[i]))) {
        const char32_t c = utf8::decode_at(token, i);
        if (c >= static_cast<char32_t>(byte_level::kCharLimit) || kCharToByte[c] < 0) {
            out.resize(start);
            out.append(token);
            return;
        }
        out += static_cast<char>(kCharToByte[c]);
    }
}

std::size_t count_field(const json& j, const char* key, const std::string& where, const std::string& field) {
    const auto it = j.find(key);
    if (it == j.end() || !it->is_number_unsigned()) fail(where, field + "." + key, "missing or not a non-negative integer");
    return it->get<std::size_t>();
}

// One decoder other than a Sequence; false: a type the engine does not implement.
bool parse_step(const json& j, const std::string& type, const std::string& where, const std::string& field,
                std::vector<Step>& steps) {
    if (type == "Replace") {
        const auto pattern = j.find("pattern");
        if (pattern == j.end() || !pattern->is_object() || !pattern->contains("String") || !(*pattern)["String"].is_string())
            fail(where, field + ".pattern", "only {\"String\": ...} patterns are supported");
        Step s{Step::Kind::Replace, (*pattern)["String"], tokenizer_json::string_field(j, "content", where, field), {}, 0, 0};
        if (s.from.empty()) fail(where, field + ".pattern.String", "empty pattern");
        steps.push_back(std::move(s));
    } else if (type == "ByteLevel") {
        // add_prefix_space, trim_offsets and use_regex do not change decoding.
        steps.push_back({Step::Kind::ByteLevel, {}, {}, {}, 0, 0});
    } else if (type == "ByteFallback") {
        steps.push_back({Step::Kind::ByteFallback, {}, {}, {}, 0, 0});
    } else if (type == "Fuse") {
        steps.push_back({Step::Kind::Fuse, {}, {}, {}, 0, 0});
    } else if (type == "Strip") {
        Step s{Step::Kind::Strip, {}, {}, tokenizer_json::string_field(j, "content", where, field),
               count_field(j, "start", where, field), count_field(j, "stop", where, field)};
        if (s.content.empty() || utf8::char_length(static_cast<unsigned char>(s.content[0])) != s.content.size())
            fail(where, field + ".content", "expected exactly one character");
        steps.push_back(std::move(s));
    } else {
        return false;
    }
    return true;
}

}  // namespace

TokenDecoder TokenDecoder::from_json(const json& decoder, const std::string& where) {
    TokenDecoder d;
    if (decoder.is_null()) return d;
    d.present_ = true;
    tokenizer_json::parse_component(decoder, "decoders", "decoder", where, "decoder",
                                    [&](const json& j, const std::string& type, const std::string& field) {
                                        return parse_step(j, type, where, field, d.steps_);
                                    });
    return d;
}

std::string TokenDecoder::decode(std::vector<std::string> tokens) const {
    std::string text;
    if (!present_) {
        for (std::size_t k = 0; k < tokens.size(); ++k) {
            if (k) text += ' ';
            text += tokens[k];
        }
        return text;
    }
    for (const Step& s : steps_) {
        if (s.kind == Step::Kind::ByteFallback) {
            std::vector<std::string> out;
            std::vector<unsigned char> run;
            for (auto& t : tokens) {
                unsigned char b;
                if (parse_byte_token(t, b)) {
                    run.push_back(b);
                    continue;
                }
                if (!run.empty()) close_byte_run(run, out);
                run.clear();
                out.push_back(std::move(t));
            }
            if (!run.empty()) close_byte_run(run, out);
            tokens = std::move(out);
        } else if (s.kind == Step::Kind::ByteLevel) {
            std::string bytes;
            for (const auto& t : tokens) append_byte_level_bytes(t, bytes);
            tokens.assign(1, utf8::to_valid_lossy(bytes));
        } else if (s.kind == Step::Kind::Fuse) {
            std::string fused;
            for (const auto& t : tokens) fused += t;
            tokens.assign(1, std::move(fused));
        } else {
            for (auto& t : tokens) apply_per_token(s, t);
        }
    }
    for (const auto& t : tokens) text += t;
    return text;
}

// ---------------------------------------------------------------------------------------
// Streaming. Steps before the ByteFallback act on each token as it arrives; a run of byte
// tokens is held until the first non-byte token (or flush) closes it, because HF renders
// the whole run as U+FFFD if any of it is invalid — emitting early could not be undone.
// Steps between ByteFallback and Fuse act on each closed unit. After Fuse the text is one
// string, so only a leading Strip can be applied incrementally (a per-Strip counter).

TokenDecoder::Stream::Stream(const TokenDecoder& decoder)
    : decoder_(&decoder), byte_fallback_at_(npos), fuse_at_(decoder.steps_.size()) {
    const auto& steps = decoder.steps_;
    for (const Step& s : steps) {
        if (s.kind != Step::Kind::ByteLevel) continue;
        if (steps.size() != 1) throw Error("streaming decode: ByteLevel combined with other decoders is not supported");
        byte_level_ = true;
        return;
    }
    for (std::size_t k = 0; k < steps.size(); ++k) {
        if (steps[k].kind == Step::Kind::Fuse) {
            fuse_at_ = k;
            break;
        }
        if (steps[k].kind == Step::Kind::ByteFallback) {
            if (byte_fallback_at_ != npos) throw Error("streaming decode: more than one ByteFallback decoder is not supported");
            byte_fallback_at_ = k;
        }
    }
    for (std::size_t k = fuse_at_; k < steps.size(); ++k) {
        const Step& s = steps[k];
        if (s.kind == Step::Kind::Fuse) continue;  // already one string
        if (s.kind != Step::Kind::Strip || s.stop != 0)
            throw Error("streaming decode: only a leading Strip is supported after the Fuse decoder");
        strip_left_.push_back(s.start);
    }
}

std::string TokenDecoder::Stream::push(std::string_view token) {
    if (!decoder_->present_) {
        std::string out = seen_token_ ? " " : "";
        out += token;
        seen_token_ = true;
        return out;
    }
    if (byte_level_) return push_byte_level(token);
    const auto& steps = decoder_->steps_;
    std::string t(token);
    const std::size_t per_token_end = std::min(byte_fallback_at_, fuse_at_);
    for (std::size_t k = 0; k < per_token_end; ++k) apply_per_token(steps[k], t);
    if (byte_fallback_at_ == npos) return emit({std::move(t)});

    unsigned char b;
    if (parse_byte_token(t, b)) {
        pending_bytes_.push_back(b);
        return {};
    }
    std::vector<std::string> units;
    if (!pending_bytes_.empty()) close_byte_run(pending_bytes_, units);
    pending_bytes_.clear();
    units.push_back(std::move(t));
    return emit(std::move(units));
}

// Emits every character that is final: complete sequences, and U+FFFD for each maximal
// ill-formed subpart that later bytes can no longer repair. A tail that is a proper prefix
// of a valid sequence waits, so the concatenation equals from_utf8_lossy of all bytes.
std::string TokenDecoder::Stream::push_byte_level(std::string_view token) {
    append_byte_level_bytes(token, pending_utf8_);
    const std::string_view s = pending_utf8_;
    std::string out;
    std::size_t i = 0;
    while (i < s.size()) {
        std::size_t bad = 0;
        const std::size_t len = utf8::sequence_length(s, i, bad);
        if (len != 0) {
            out.append(s.substr(i, len));
            i += len;
        } else if (i + bad == s.size() && bad < utf8::char_length(static_cast<unsigned char>(s[i])) &&
                   static_cast<unsigned char>(s[i]) >= 0xC2 && static_cast<unsigned char>(s[i]) <= 0xF4) {
            break;  // a valid prefix cut by the end of what we have: wait for more bytes
        } else {
            out += kReplacementChar;
            i += bad;
        }
    }
    pending_utf8_.erase(0, i);
    return out;
}

std::string TokenDecoder::Stream::flush() {
    if (byte_level_) {
        std::string out = utf8::to_valid_lossy(pending_utf8_);
        pending_utf8_.clear();
        return out;
    }
    if (pending_bytes_.empty()) return {};
    std::vector<std::string> units;
    close_byte_run(pending_bytes_, units);
    pending_bytes_.clear();
    return emit(std::move(units));
}

std::string TokenDecoder::Stream::emit(std::vector<std::string> units) {
    const auto& steps = decoder_->steps_;
    const std::size_t first = byte_fallback_at_ == npos ? fuse_at_ : byte_fallback_at_ + 1;
    std::string text;
    for (auto& u : units) {
        for (std::size_t k = first; k < fuse_at_; ++k) apply_per_token(steps[k], u);
        text += u;
    }
    return apply_tail(std::move(text));
}

std::string TokenDecoder::Stream::apply_tail(std::string text) {
    std::size_t j = 0;
    for (std::size_t k = fuse_at_; k < decoder_->steps_.size(); ++k) {
        const Step& s = decoder_->steps_[k];
        if (s.kind != Step::Kind::Strip) continue;
        std::size_t& left = strip_left_[j++];
        std::size_t begin = 0;
        while (left > 0 && begin < text.size()) {
            if (text.compare(begin, s.content.size(), s.content) != 0) {
                left = 0;  // HF stops stripping at the first other character
                break;
            }
            begin += s.content.size();
            --left;
        }
        text.erase(0, begin);
    }
    return text;
}

}  // namespace lmh
