// The Split regexes of Llama 3 and Qwen2/3, matched by hand. Oniguruma (HF's regex engine)
// tries the alternatives left to right at the current position and takes the first that
// matches, backtracking within it; match_end() does the same, alternative by alternative,
// with each alternative's backtracking worked out in its comment.
#include "engine/pretokenizer.h"

#include <nlohmann/json.hpp>

#include "engine/tokenizer_json.h"
#include "engine/unicode_props.h"
#include "util/error.h"
#include "util/utf8.h"

namespace lmh {

namespace {

using nlohmann::json;

using tokenizer_json::fail;

constexpr std::string_view kLlama3Pattern =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
constexpr std::string_view kQwen2Pattern =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";

bool is_other(char32_t c) { return !utf8::is_whitespace(c) && !unicode::is_letter(c) && !unicode::is_number(c); }

// Simple case folding onto the ASCII letters the contractions use. Besides ASCII only
// U+017F LATIN SMALL LETTER LONG S folds onto one of them (s); Oniguruma and JS /iu agree.
char32_t fold(char32_t c) {
    if (c >= 'A' && c <= 'Z') return c | 0x20;
    if (c == 0x17F) return 's';
    return c;
}

// One pre-tokenizer other than a Sequence; false: a type the engine does not implement.
bool parse_step(const json& j, const std::string& type, const std::string& where, const std::string& field, int& max_digits,
                bool& byte_level) {
    const auto flag = [&](const char* key) { return tokenizer_json::optional_flag(j, key, false, where, field); };
    if (type == "ByteLevel") {
        if (byte_level) fail(where, field, "more than one ByteLevel pre-tokenizer is not supported");
        if (flag("add_prefix_space")) fail(where, field + ".add_prefix_space", "true is not supported");
        if (flag("use_regex")) fail(where, field + ".use_regex", "true (the GPT-2 regex) is not supported");
        byte_level = true;
    } else if (type == "Split") {
        if (max_digits != 0 || byte_level) fail(where, field, "a Split must come first and only once");
        const json pattern = j.value("pattern", json());
        if (!pattern.is_object() || !pattern.contains("Regex") || !pattern["Regex"].is_string())
            fail(where, field + ".pattern", "expected {\"Regex\": ...}");
        const std::string& re = pattern["Regex"].get_ref<const std::string&>();
        if (re == kLlama3Pattern)
            max_digits = 3;
        else if (re == kQwen2Pattern)
            max_digits = 1;
        else
            fail(where, field + ".pattern.Regex", "unknown regex (only the Llama 3 and Qwen2/3 patterns are supported)");
        if (j.value("behavior", json()) != "Isolated") fail(where, field + ".behavior", "only \"Isolated\" is supported");
        if (flag("invert")) fail(where, field + ".invert", "true is not supported");
    } else {
        return false;
    }
    return true;
}

}  // namespace

PreTokenizer PreTokenizer::from_json(const json& pre_tokenizer, const std::string& where) {
    PreTokenizer p;
    if (pre_tokenizer.is_null()) return p;
    tokenizer_json::parse_component(pre_tokenizer, "pretokenizers", "pre-tokenizer", where, "pre_tokenizer",
                                    [&](const json& j, const std::string& type, const std::string& field) {
                                        return parse_step(j, type, where, field, p.max_digits_, p.byte_level_);
                                    });
    return p;
}

std::size_t PreTokenizer::match_end(std::string_view s, std::size_t i) const {
    const std::size_t n = s.size();
    const auto next = [&](std::size_t k) { return k + utf8::char_length(static_cast<unsigned char>(s[k])); };
    const auto run = [&](std::size_t k, auto pred) {
        while (k < n && pred(utf8::decode_at(s, k))) k = next(k);
        return k;
    };
    const char32_t c0 = utf8::decode_at(s, i);
    const std::size_t i1 = next(i);
    const char32_t c1 = i1 < n ? utf8::decode_at(s, i1) : 0;

    // (?i:'s|'t|'re|'ve|'m|'ll|'d)
    if (c0 == '\'' && i1 < n) {
        const char32_t f1 = fold(c1);
        if (f1 == 's' || f1 == 't' || f1 == 'm' || f1 == 'd') return next(i1);
        const std::size_t i2 = next(i1);
        if (i2 < n && (f1 == 'r' || f1 == 'v' || f1 == 'l')) {
            const char32_t f2 = fold(utf8::decode_at(s, i2));
            if ((f1 == 'l' && f2 == 'l') || (f1 != 'l' && f2 == 'e')) return next(i2);
        }
    }
    // [^\r\n\p{L}\p{N}]?\p{L}+ : a letter run, optionally preceded by one character that is
    // none of CR, LF, letter, digit (a letter at c0 cannot be that optional character).
    if (unicode::is_letter(c0)) return run(i1, unicode::is_letter);
    if (c0 != '\r' && c0 != '\n' && !unicode::is_number(c0) && i1 < n && unicode::is_letter(c1))
        return run(next(i1), unicode::is_letter);
    // \p{N}{1,k}
    if (unicode::is_number(c0)) {
        std::size_t end = i1;
        for (int k = 1; k < max_digits_ && end < n && unicode::is_number(utf8::decode_at(s, end)); ++k) end = next(end);
        return end;
    }
    //  ?[^\s\p{L}\p{N}]+[\r\n]*
    const bool space_then_other = c0 == ' ' && i1 < n && is_other(c1);
    if (space_then_other || is_other(c0)) {
        const std::size_t end = run(space_then_other ? next(i1) : i1, is_other);
        return run(end, [](char32_t c) { return c == '\r' || c == '\n'; });
    }
    // c0 is whitespace from here on. Let [i, ws_end) be the whole whitespace run.
    const std::size_t ws_end = run(i1, utf8::is_whitespace);
    // \s*[\r\n]+ : \s* backs off to the last CR/LF of the run, which [\r\n]+ then takes
    // alone (what follows the run is not whitespace).
    for (std::size_t k = ws_end; k > i;) {
        k = utf8::previous_char_start(s, k);
        if (s[k] == '\r' || s[k] == '\n') return k + 1;
    }
    // \s+(?!\S) : the whole run at the end of the text, else the run minus its last
    // character (which is followed by whitespace), if that leaves anything.
    if (ws_end == n) return ws_end;
    if (const std::size_t last = utf8::previous_char_start(s, ws_end); last > i) return last;
    // \s+
    return ws_end;
}

}  // namespace lmh
