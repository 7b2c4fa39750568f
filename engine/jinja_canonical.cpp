// Jinja canonical form: tag splitting, whitespace control, canonical tag bodies.
#include "engine/jinja_canonical.h"

#include <algorithm>
#include <iterator>
#include <vector>

namespace lmh {
namespace {

struct Segment {
    enum Kind { Text, Output, Block, Comment } kind = Text;
    std::string body;  // text, or the tag's inside without delimiters and dashes
    bool trim_left = false;   // "{{-" / "{%-" / "{#-"
    bool trim_right = false;  // "-}}" / "-%}" / "-#}"
};

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_word(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

// Index just past the string literal starting at src[i] (a quote), or npos if unterminated.
std::size_t skip_string(std::string_view src, std::size_t i) {
    const char quote = src[i];
    for (++i; i < src.size(); ++i) {
        if (src[i] == '\\') {
            ++i;
        } else if (src[i] == quote) {
            return i + 1;
        }
    }
    return std::string_view::npos;
}

// Keeps text in one segment even when it contains a lone '{', so whitespace control sees
// whole lines.
void append_text(std::vector<Segment>& out, std::string_view text) {
    if (!out.empty() && out.back().kind == Segment::Text) {
        out.back().body += text;
    } else {
        out.push_back({Segment::Text, std::string(text)});
    }
}

// Splits the source into text and tags. Returns nullopt on an unterminated tag or string.
std::optional<std::vector<Segment>> split(std::string_view src) {
    std::vector<Segment> out;
    std::size_t i = 0;
    while (i < src.size()) {
        const std::size_t open = src.find('{', i);
        const bool tag_here = open != std::string_view::npos && open + 1 < src.size() &&
                              (src[open + 1] == '{' || src[open + 1] == '%' || src[open + 1] == '#');
        if (!tag_here) {
            const std::size_t stop = open == std::string_view::npos ? src.size() : open + 1;
            append_text(out, src.substr(i, stop - i));
            i = stop;
            continue;
        }
        if (open > i) append_text(out, src.substr(i, open - i));
        const char kind_char = src[open + 1];
        const char close_char = kind_char == '{' ? '}' : kind_char;
        Segment tag;
        tag.kind = kind_char == '{' ? Segment::Output : kind_char == '%' ? Segment::Block : Segment::Comment;
        std::size_t j = open + 2;
        if (j < src.size() && src[j] == '-') {
            tag.trim_left = true;
            ++j;
        }
        const std::size_t body_begin = j;
        std::size_t body_end = std::string_view::npos;
        while (j + 1 < src.size()) {
            if (tag.kind != Segment::Comment && (src[j] == '\'' || src[j] == '"')) {
                j = skip_string(src, j);
                if (j == std::string_view::npos) return std::nullopt;
                continue;
            }
            if (src[j] == close_char && src[j + 1] == '}') {
                body_end = j;
                break;
            }
            ++j;
        }
        if (body_end == std::string_view::npos) return std::nullopt;
        if (body_end > body_begin && src[body_end - 1] == '-') {
            tag.trim_right = true;
            --body_end;
        }
        tag.body = std::string(src.substr(body_begin, body_end - body_begin));
        i = body_end + (tag.trim_right ? 1 : 0) + 2;
        out.push_back(std::move(tag));
    }
    return out;
}

// Applies lstrip_blocks, "-" trimming and trim_blocks to the text around each tag.
void apply_whitespace_control(std::vector<Segment>& segs) {
    // lstrip_blocks first: whether a block tag starts a line is decided on the source text,
    // before trim_blocks removes the newline that precedes it.
    for (std::size_t k = 1; k < segs.size(); ++k) {
        const Segment& tag = segs[k];
        if (tag.kind == Segment::Text || tag.kind == Segment::Output || tag.trim_left) continue;
        if (segs[k - 1].kind != Segment::Text) continue;
        std::string& prev = segs[k - 1].body;
        std::size_t p = prev.size();
        while (p > 0 && (prev[p - 1] == ' ' || prev[p - 1] == '\t')) --p;
        const bool at_line_start = p == 0 ? k == 1 : prev[p - 1] == '\n' || prev[p - 1] == '\r';
        if (at_line_start) prev.resize(p);
    }
    for (std::size_t k = 0; k < segs.size(); ++k) {
        const Segment& tag = segs[k];
        if (tag.kind == Segment::Text) continue;
        if (tag.trim_left && k > 0 && segs[k - 1].kind == Segment::Text) {
            std::string& prev = segs[k - 1].body;
            while (!prev.empty() && is_space(prev.back())) prev.pop_back();
        }
        if (k + 1 < segs.size() && segs[k + 1].kind == Segment::Text) {
            std::string& next = segs[k + 1].body;
            if (tag.trim_right) {
                std::size_t p = 0;
                while (p < next.size() && is_space(next[p])) ++p;
                next.erase(0, p);
            } else if (tag.kind != Segment::Output) {
                // trim_blocks: the first newline after a block tag goes.
                if (next.starts_with("\r\n")) {
                    next.erase(0, 2);
                } else if (next.starts_with('\n') || next.starts_with('\r')) {
                    next.erase(0, 1);
                }
            }
        }
    }
}

// The escapes of Jinja (Python) string literals that templates use: the character and the
// letter written after the backslash. One table for reading literals and writing them back.
struct Escape {
    char raw, letter;
};
constexpr Escape kEscapes[] = {{'\n', 'n'}, {'\t', 't'}, {'\r', 'r'}, {'\\', '\\'}, {'\'', '\''}, {'"', '"'}};

// Decodes the escapes; unknown escapes stay as written.
std::string decode_string(std::string_view lit) {
    std::string out;
    for (std::size_t i = 1; i + 1 < lit.size(); ++i) {
        if (lit[i] != '\\' || i + 2 >= lit.size()) {
            out += lit[i];
            continue;
        }
        const char e = lit[++i];
        const auto* esc = std::find_if(std::begin(kEscapes), std::end(kEscapes), [&](const Escape& x) { return x.letter == e; });
        if (esc != std::end(kEscapes)) {
            out += esc->raw;
        } else {
            out += '\\';
            out += e;
        }
    }
    return out;
}

// Single-quoted, so a double quote needs no escape.
std::string quote_canonical(const std::string& value) {
    std::string out = "'";
    for (const char c : value) {
        const auto* esc =
            std::find_if(std::begin(kEscapes), std::end(kEscapes), [&](const Escape& x) { return x.raw == c && c != '"'; });
        if (esc != std::end(kEscapes)) {
            out += '\\';
            out += esc->letter;
        } else {
            out += c;
        }
    }
    return out + "'";
}

std::string canonical_tag_body(std::string_view body) {
    std::string out;
    bool pending_space = false;
    for (std::size_t i = 0; i < body.size();) {
        const char c = body[i];
        if (is_space(c)) {
            pending_space = true;
            ++i;
            continue;
        }
        std::string token;
        if (c == '\'' || c == '"') {
            const std::size_t end = skip_string(body, i);  // split() checked termination
            token = quote_canonical(decode_string(body.substr(i, end - i)));
            i = end;
        } else if (is_word(c)) {
            std::size_t end = i;
            while (end < body.size() && is_word(body[end])) ++end;
            token = std::string(body.substr(i, end - i));
            i = end;
        } else if (c == '.' && i + 1 < body.size() && is_word(body[i + 1]) && !is_digit(body[i + 1]) &&
                   !out.empty() && (is_word(out.back()) || out.back() == ']' || out.back() == ')')) {
            std::size_t end = i + 1;
            while (end < body.size() && is_word(body[end])) ++end;
            // Appended piece by piece: GCC 12 reports a false -Wrestrict on "[" + std::string&&.
            token.assign(1, '[');
            token += quote_canonical(std::string(body.substr(i + 1, end - i - 1)));
            token += ']';
            i = end;
        } else {
            token = std::string(1, c);
            ++i;
        }
        if (pending_space && !out.empty() && is_word(out.back()) && is_word(token.front())) out += ' ';
        pending_space = false;
        out += token;
    }
    return out;
}

}  // namespace

std::optional<std::string> jinja_canonical_form(std::string_view src) {
    // Jinja (keep_trailing_newline=False, as transformers and @huggingface/jinja use it)
    // drops one newline at the very end of the source before lexing.
    if (src.ends_with('\n')) src.remove_suffix(1);
    auto segs = split(src);
    if (!segs) return std::nullopt;
    apply_whitespace_control(*segs);
    std::string out;
    for (const Segment& s : *segs) {
        switch (s.kind) {
            case Segment::Text: out += s.body; break;
            case Segment::Output: out += "{{" + canonical_tag_body(s.body) + "}}"; break;
            case Segment::Block: out += "{%" + canonical_tag_body(s.body) + "%}"; break;
            case Segment::Comment: break;
        }
    }
    return out;
}

}  // namespace lmh
