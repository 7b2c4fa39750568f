// The record types of the generated Unicode tables (engine/unicode_categories_data.h and
// engine/unicode_nfc_data.h, written by scripts/hf/gen-unicode-tables.mjs). Declared once
// here, by hand, so the generator writes only data.
#pragma once

#include <cstdint>

namespace lmh::unicode_data {

// Inclusive; a table of them is sorted and its ranges are disjoint (searched by first).
struct CodePointRange {
    char32_t first, last;
};
struct Decomposition {
    char32_t code_point;
    std::uint16_t offset, length;  // into kDecompositionChars
};
struct CombiningRank {
    char32_t code_point;
    std::uint8_t rank;
};
struct Composition {
    char32_t first, second, composite;
};

}  // namespace lmh::unicode_data
