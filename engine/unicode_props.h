// Unicode properties for the pre-tokenizer regexes of byte-level BPE tokenizers: general
// categories L (letters) and N (numbers). The tables are generated from node's ICU
// (scripts/hf/gen-unicode-tables.mjs) so they agree with the JS reference tokenizer.
// Whitespace (\s) is utf8::is_whitespace: Oniguruma's \s is Unicode White_Space.
#pragma once

namespace lmh::unicode {

bool is_letter(char32_t c);  // \p{L}
bool is_number(char32_t c);  // \p{N}

}  // namespace lmh::unicode
