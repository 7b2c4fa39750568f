// NFC = canonical decomposition, canonical ordering, canonical composition (UAX #15).
// Hangul syllables are decomposed and composed arithmetically (Unicode 3.12), everything
// else from the generated tables.
#include "engine/unicode_nfc.h"

#include <algorithm>
#include <iterator>
#include <tuple>
#include <vector>

#include "engine/unicode_nfc_data.h"
#include "util/utf8.h"

namespace lmh::unicode {

namespace {

namespace data = unicode_data;

constexpr char32_t kSBase = 0xAC00, kLBase = 0x1100, kVBase = 0x1161, kTBase = 0x11A7;
constexpr char32_t kLCount = 19, kVCount = 21, kTCount = 28, kSCount = kLCount * kVCount * kTCount;

bool maybe_changes(char32_t c) {
    if (c < 0x300) return false;  // the first character NFC can touch is U+0300
    const auto it = std::upper_bound(std::begin(data::kNfcMaybeChanges), std::end(data::kNfcMaybeChanges), c,
                                     [](char32_t v, const data::CodePointRange& r) { return v < r.first; });
    return it != std::begin(data::kNfcMaybeChanges) && c <= std::prev(it)->last;
}

int combining_rank(char32_t c) {
    const auto it = std::lower_bound(std::begin(data::kCombiningRanks), std::end(data::kCombiningRanks), c,
                                     [](const data::CombiningRank& r, char32_t v) { return r.code_point < v; });
    return it != std::end(data::kCombiningRanks) && it->code_point == c ? it->rank : 0;
}

void decompose(char32_t c, std::vector<char32_t>& out) {
    if (c >= kSBase && c < kSBase + kSCount) {
        const char32_t s = c - kSBase;
        out.push_back(kLBase + s / (kVCount * kTCount));
        out.push_back(kVBase + (s % (kVCount * kTCount)) / kTCount);
        if (s % kTCount != 0) out.push_back(kTBase + s % kTCount);
        return;
    }
    const auto it = std::lower_bound(std::begin(data::kDecompositions), std::end(data::kDecompositions), c,
                                     [](const data::Decomposition& d, char32_t v) { return d.code_point < v; });
    if (it == std::end(data::kDecompositions) || it->code_point != c) {
        out.push_back(c);
        return;
    }
    out.insert(out.end(), data::kDecompositionChars + it->offset, data::kDecompositionChars + it->offset + it->length);
}

// The primary composite of (first, second), or 0.
char32_t compose(char32_t first, char32_t second) {
    if (first >= kLBase && first < kLBase + kLCount && second >= kVBase && second < kVBase + kVCount)
        return kSBase + ((first - kLBase) * kVCount + (second - kVBase)) * kTCount;
    if (first >= kSBase && first < kSBase + kSCount && (first - kSBase) % kTCount == 0 && second > kTBase &&
        second < kTBase + kTCount)
        return first + (second - kTBase);
    const auto it = std::lower_bound(std::begin(data::kCompositions), std::end(data::kCompositions), std::pair{first, second},
                                     [](const data::Composition& x, std::pair<char32_t, char32_t> v) {
                                         return x.first != v.first ? x.first < v.first : x.second < v.second;
                                     });
    return it != std::end(data::kCompositions) && it->first == first && it->second == second ? it->composite : 0;
}

void append_utf8(char32_t c, std::string& out) {
    if (c < 0x80) {
        out += static_cast<char>(c);
    } else if (c < 0x800) {
        out += static_cast<char>(0xC0 | (c >> 6));
        out += static_cast<char>(0x80 | (c & 0x3F));
    } else if (c < 0x10000) {
        out += static_cast<char>(0xE0 | (c >> 12));
        out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (c & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (c >> 18));
        out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (c & 0x3F));
    }
}

}  // namespace

std::string nfc(std::string_view text) {
    bool unchanged = true;
    for (std::size_t i = 0; i < text.size() && unchanged; i += utf8::char_length(static_cast<unsigned char>(text[i])))
        unchanged = !maybe_changes(utf8::decode_at(text, i));
    if (unchanged) return std::string(text);

    std::vector<char32_t> d;
    d.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); i += utf8::char_length(static_cast<unsigned char>(text[i])))
        decompose(utf8::decode_at(text, i), d);
    std::vector<int> rank(d.size());
    for (std::size_t k = 0; k < d.size(); ++k) rank[k] = combining_rank(d[k]);
    // Canonical ordering: a stable sort of each run of non-starters by class.
    for (std::size_t k = 0; k < d.size();) {
        if (rank[k] == 0) {
            ++k;
            continue;
        }
        std::size_t end = k;
        while (end < d.size() && rank[end] != 0) ++end;
        std::vector<std::pair<int, char32_t>> run;
        for (std::size_t j = k; j < end; ++j) run.emplace_back(rank[j], d[j]);
        std::stable_sort(run.begin(), run.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
        for (std::size_t j = k; j < end; ++j) std::tie(rank[j], d[j]) = run[j - k];
        k = end;
    }
    // Canonical composition: C combines with the last starter S unless a character between
    // them has class 0 or a class >= C's (it is "blocked").
    std::vector<char32_t> out;
    out.reserve(d.size());
    std::ptrdiff_t starter = -1;
    int last_rank = -1;
    for (std::size_t k = 0; k < d.size(); ++k) {
        const int r = rank[k];
        const bool adjacent = starter >= 0 && static_cast<std::size_t>(starter) + 1 == out.size();
        if (starter >= 0 && (last_rank < r || adjacent)) {
            if (const char32_t composite = compose(out[static_cast<std::size_t>(starter)], d[k])) {
                out[static_cast<std::size_t>(starter)] = composite;
                continue;
            }
        }
        if (r == 0) starter = static_cast<std::ptrdiff_t>(out.size());
        last_rank = r;
        out.push_back(d[k]);
    }
    std::string result;
    result.reserve(text.size());
    for (const char32_t c : out) append_utf8(c, result);
    return result;
}

}  // namespace lmh::unicode
