// UTF-8 helpers for the tokenizer: validation with the Unicode "maximal subpart" rule
// (the same as Rust's String::from_utf8_lossy and the WHATWG decoder), code point access
// and the Unicode White_Space property used by added-token lstrip/rstrip.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace lmh::utf8 {

// Length of the well-formed sequence at s[i], or 0 if it is ill-formed; in that case
// `invalid_len` receives the length of its maximal subpart (>= 1), i.e. how many bytes
// one U+FFFD replaces. Well-formedness follows Unicode Table 3-7 (no overlongs, no
// surrogates, nothing above U+10FFFF).
inline std::size_t sequence_length(std::string_view s, std::size_t i, std::size_t& invalid_len) {
    const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
    const unsigned char lead = byte(i);
    invalid_len = 1;
    if (lead < 0x80) return 1;
    std::size_t len = 0;
    unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the second byte
    if (lead >= 0xC2 && lead <= 0xDF) {
        len = 2;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
        len = 3;
        if (lead == 0xE0) lo = 0xA0;
        if (lead == 0xED) hi = 0x9F;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
        len = 4;
        if (lead == 0xF0) lo = 0x90;
        if (lead == 0xF4) hi = 0x8F;
    } else {
        return 0;
    }
    for (std::size_t k = 1; k < len; ++k) {
        if (i + k >= s.size()) return 0;
        const unsigned char b = byte(i + k);
        const bool ok = k == 1 ? (b >= lo && b <= hi) : (b >= 0x80 && b <= 0xBF);
        if (!ok) return 0;
        invalid_len = k + 1;
    }
    return len;
}

inline bool is_valid(std::string_view s) {
    std::size_t bad = 0;
    for (std::size_t i = 0; i < s.size();) {
        const std::size_t n = sequence_length(s, i, bad);
        if (n == 0) return false;
        i += n;
    }
    return true;
}

// Replaces each maximal ill-formed subpart by U+FFFD (like Rust's from_utf8_lossy).
inline std::string to_valid_lossy(std::string_view s) {
    std::string out;
    out.reserve(s.size() + 8);
    std::size_t bad = 0;
    for (std::size_t i = 0; i < s.size();) {
        const std::size_t n = sequence_length(s, i, bad);
        if (n == 0) {
            out += "\xEF\xBF\xBD";
            i += bad;
        } else {
            out.append(s.substr(i, n));
            i += n;
        }
    }
    return out;
}

// Length of the sequence starting with this lead byte; only for text already known valid.
inline std::size_t char_length(unsigned char lead) {
    return lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
}

// Code point at s[i] of valid UTF-8.
inline char32_t decode_at(std::string_view s, std::size_t i) {
    const auto b = [&](std::size_t k) { return static_cast<char32_t>(static_cast<unsigned char>(s[i + k])); };
    switch (char_length(static_cast<unsigned char>(s[i]))) {
        case 1: return b(0);
        case 2: return ((b(0) & 0x1F) << 6) | (b(1) & 0x3F);
        case 3: return ((b(0) & 0x0F) << 12) | ((b(1) & 0x3F) << 6) | (b(2) & 0x3F);
        default: return ((b(0) & 0x07) << 18) | ((b(1) & 0x3F) << 12) | ((b(2) & 0x3F) << 6) | (b(3) & 0x3F);
    }
}

// Start of the character that ends just before byte `end` of valid UTF-8.
inline std::size_t previous_char_start(std::string_view s, std::size_t end) {
    std::size_t i = end - 1;
    while (i > 0 && (static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) --i;
    return i;
}

// Unicode White_Space (what Rust's char::is_whitespace tests).
inline bool is_whitespace(char32_t c) {
    return (c >= 0x09 && c <= 0x0D) || c == 0x20 || c == 0x85 || c == 0xA0 || c == 0x1680 ||
           (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F ||
           c == 0x205F || c == 0x3000;
}

}  // namespace lmh::utf8
