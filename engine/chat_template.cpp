// ChatTemplate recognition and ChatML rendering.
//
// Recognition compares a canonical form of the Jinja source with the canonical forms of the
// known ChatML sources below. The canonical form keeps only what changes the rendered text:
//   - literal text between tags is kept byte for byte (it is output), after applying the
//     whitespace control Jinja would apply: "{%-"/"-%}" trimming, and trim_blocks plus
//     lstrip_blocks, which transformers and @huggingface/jinja both enable;
//   - comments are dropped;
//   - inside tags, whitespace is dropped except one space between two words, string
//     literals are re-quoted canonically ('\n' and "\n" are the same string), and
//     `x.name` is written `x['name']` (Jinja looks both up the same way for dicts).
// Two sources with equal canonical forms render identically, so anything that matches is
// safe to render with the C++ code; anything else is an error rather than a guess.
#include "engine/chat_template.h"

#include <fstream>
#include <optional>
#include <vector>

#include <nlohmann/json.hpp>

#include "util/error.h"

namespace lmh {
namespace {

constexpr std::string_view kImStart = "<|im_start|>";
constexpr std::string_view kImEnd = "<|im_end|>";

// Known ChatML sources. The first is Minueza-32M-Chat's (also OpenHermes-2.5's); the second
// folds '<|im_end|>' + '\n' into one literal, as several other ChatML models do. The
// loop.last variant (no <|im_end|> after a final message without a generation prompt) and
// the {{ bos_token }} variant render differently and are deliberately not accepted.
constexpr std::string_view kKnownChatML[] = {
    "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + "
    "'<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}"
    "{% endif %}",
    "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + "
    "'<|im_end|>\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}"
    "{% endif %}",
};

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

// Decodes the escapes Jinja (Python) string literals use; unknown escapes stay as written.
std::string decode_string(std::string_view lit) {
    std::string out;
    for (std::size_t i = 1; i + 1 < lit.size(); ++i) {
        if (lit[i] != '\\' || i + 2 >= lit.size()) {
            out += lit[i];
            continue;
        }
        const char e = lit[++i];
        switch (e) {
            case 'n': out += '\n'; break;
            case 't': out += '\t'; break;
            case 'r': out += '\r'; break;
            case '\\': out += '\\'; break;
            case '\'': out += '\''; break;
            case '"': out += '"'; break;
            default: out += '\\'; out += e; break;
        }
    }
    return out;
}

std::string quote_canonical(const std::string& value) {
    std::string out = "'";
    for (const char c : value) {
        switch (c) {
            case '\n': out += "\\n"; break;
            case '\t': out += "\\t"; break;
            case '\r': out += "\\r"; break;
            case '\\': out += "\\\\"; break;
            case '\'': out += "\\'"; break;
            default: out += c; break;
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
            token = "[" + quote_canonical(std::string(body.substr(i + 1, end - i - 1))) + "]";
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

std::optional<std::string> canonical_form(std::string_view src) {
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

// A one-line excerpt of the template for error messages.
std::string excerpt(std::string_view src) {
    constexpr std::size_t kMax = 80;
    std::string out;
    for (const char c : src.substr(0, kMax)) {
        if (c == '\n') {
            out += "\\n";
        } else if (c == '\r') {
            out += "\\r";
        } else {
            out += c;
        }
    }
    return src.size() > kMax ? out + "..." : out;
}

}  // namespace

ChatTemplate ChatTemplate::recognise(std::string_view jinja_source, const std::string& source_name) {
    const auto canonical = canonical_form(jinja_source);
    if (!canonical) {
        throw Error("unsupported chat template in " + source_name + ": unterminated tag or string in \"" +
                    excerpt(jinja_source) + "\"");
    }
    for (const std::string_view known : kKnownChatML) {
        if (*canonical == *canonical_form(known)) return ChatTemplate();
    }
    throw Error("unsupported chat template in " + source_name +
                ": only the ChatML template (<|im_start|>role\\ncontent<|im_end|>\\n) is supported; found \"" +
                excerpt(jinja_source) + "\"");
}

ChatTemplate ChatTemplate::from_string(std::string_view jinja_source) {
    return recognise(jinja_source, "<string>");
}

ChatTemplate ChatTemplate::from_tokenizer_config(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error("cannot open " + path.string());
    nlohmann::json config;
    try {
        config = nlohmann::json::parse(in);
    } catch (const nlohmann::json::exception& e) {
        throw Error("invalid JSON in " + path.string() + ": " + e.what());
    }
    const auto it = config.is_object() ? config.find("chat_template") : config.end();
    if (it == config.end() || it->is_null()) {
        throw Error("unsupported chat template in " + path.string() + ": no \"chat_template\" field");
    }
    if (!it->is_string()) {
        // A list of named templates (tool use, RAG) is a newer format we do not support.
        throw Error("unsupported chat template in " + path.string() + ": \"chat_template\" is a " +
                    it->type_name() + ", expected a string");
    }
    return recognise(it->get<std::string>(), path.string());
}

std::string ChatTemplate::render_message(const ChatMessage& m) const {
    std::string out;
    out.reserve(kImStart.size() + m.role.size() + 1 + m.content.size() + kImEnd.size() + 1);
    out += kImStart;
    out += m.role;
    out += '\n';
    out += m.content;
    out += kImEnd;
    out += '\n';
    return out;
}

std::string ChatTemplate::generation_prompt() const { return std::string(kImStart) + "assistant\n"; }

std::string ChatTemplate::render(std::span<const ChatMessage> messages, bool add_generation_prompt) const {
    std::string out;
    for (const ChatMessage& m : messages) out += render_message(m);
    if (add_generation_prompt) out += generation_prompt();
    return out;
}

}  // namespace lmh
