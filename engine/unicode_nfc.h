// Unicode Normalization Form C, for tokenizer.json's {"type": "NFC"} normalizer (Qwen3).
// Data generated from node's ICU (scripts/hf/gen-unicode-tables.mjs), so the result equals
// String.prototype.normalize("NFC") of the JS reference; the generator validates the
// tables against it before writing them.
#pragma once

#include <string>
#include <string_view>

namespace lmh::unicode {

// `text` must be valid UTF-8. Text without any character that NFC can change (most text,
// all ASCII) is returned as is after one scan.
std::string nfc(std::string_view text);

}  // namespace lmh::unicode
