// jinja_canonical_form: a normal form of Jinja template source that keeps only what changes
// the rendered text, so that two spellings of one program compare equal:
//   - one trailing newline of the source is dropped (Jinja's keep_trailing_newline=False);
//   - literal text between tags is kept byte for byte (it is output), after applying the
//     whitespace control Jinja would apply: "{%-"/"-%}" trimming, and trim_blocks plus
//     lstrip_blocks, which transformers and @huggingface/jinja both enable;
//   - comments are dropped;
//   - inside tags, whitespace is dropped except one space between two words, string
//     literals are re-quoted canonically ('\n' and "\n" are the same string), and
//     `x.name` is written `x['name']` (Jinja looks both up the same way).
// Equal canonical forms render identically; the converse does not hold (two different
// programs may render alike), which is the safe direction for a recogniser.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace lmh {

// nullopt for an unterminated tag or string literal.
std::optional<std::string> jinja_canonical_form(std::string_view src);

}  // namespace lmh
