// GPT-2's byte-to-unicode mapping, used by tokenizers' ByteLevel pre-tokenizer and decoder:
// every byte becomes one printable character so that BPE vocabularies can be JSON strings.
// Bytes 0x21-0x7E, 0xA1-0xAC and 0xAE-0xFF stand for themselves (as code points); the other
// 68 bytes map, in increasing order, to U+0100, U+0101, ... (space 0x20 -> U+0120 "Ġ").
#pragma once

#include <array>
#include <string>
#include <string_view>

namespace lmh::byte_level {

constexpr bool is_self_mapped(unsigned b) { return (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || b >= 0xAE; }

// The code point standing for each byte.
constexpr std::array<char32_t, 256> byte_to_char() {
    std::array<char32_t, 256> table{};
    char32_t next = 0x100;
    for (unsigned b = 0; b < 256; ++b) table[b] = is_self_mapped(b) ? b : next++;
    return table;
}

// The byte a code point stands for, or -1 (mapped code points are all below U+0144).
constexpr int kCharLimit = 0x144;
constexpr std::array<int, kCharLimit> char_to_byte() {
    std::array<int, kCharLimit> table{};
    for (auto& v : table) v = -1;
    const auto forward = byte_to_char();
    for (unsigned b = 0; b < 256; ++b) table[forward[b]] = static_cast<int>(b);
    return table;
}

// UTF-8 of the character standing for byte b (1 or 2 bytes).
inline std::string char_utf8(unsigned char b) {
    const char32_t c = byte_to_char()[b];
    if (c < 0x80) return std::string(1, static_cast<char>(c));
    return {static_cast<char>(0xC0 | (c >> 6)), static_cast<char>(0x80 | (c & 0x3F))};
}

}  // namespace lmh::byte_level
