// Range-table lookups for engine/unicode_props.h; ASCII answers without a search because
// most text is ASCII and the pre-tokenizer asks for every character.
#include "engine/unicode_props.h"

#include <algorithm>
#include <iterator>

#include "engine/unicode_categories_data.h"

namespace lmh::unicode {

namespace {

template <std::size_t N>
bool in_ranges(const unicode_data::CodePointRange (&ranges)[N], char32_t c) {
    const auto it = std::upper_bound(std::begin(ranges), std::end(ranges), c,
                                     [](char32_t v, const unicode_data::CodePointRange& r) { return v < r.first; });
    return it != std::begin(ranges) && c <= std::prev(it)->last;
}

}  // namespace

bool is_letter(char32_t c) {
    if (c < 0x80) return (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
    return in_ranges(unicode_data::kLetter, c);
}

bool is_number(char32_t c) {
    if (c < 0x80) return c >= '0' && c <= '9';
    return in_ranges(unicode_data::kNumber, c);
}

}  // namespace lmh::unicode
