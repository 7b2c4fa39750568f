// ChatTemplate recognition and the ChatML, Llama 3 and Qwen3 renderers.
//
// Recognition: the canonical form of the given source (engine/jinja_canonical.h) must equal
// the canonical form of one known source (engine/chat_template_sources.h). Equal canonical
// forms render identically, so a match is safe to render with the C++ code below; anything
// else is an error rather than a guess. Each renderer follows its Jinja source statement by
// statement; the comments quote the Jinja they reproduce.
#include "engine/chat_template.h"

#include <fstream>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/chat_template_sources.h"
#include "engine/jinja_canonical.h"
#include "util/error.h"
#include "util/utf8.h"

namespace lmh {
namespace {

constexpr std::string_view kImStart = "<|im_start|>";
constexpr std::string_view kImEnd = "<|im_end|>";

// JavaScript's whitespace (String.prototype.trim, which @huggingface/jinja's `trim` filter
// and strip/lstrip/rstrip methods call): Unicode White_Space without U+0085, plus U+FEFF.
bool is_js_space(char32_t c) { return (utf8::is_whitespace(c) && c != 0x85) || c == 0xFEFF; }

// Length of the well-formed character at s[i] if it is JS whitespace, else 0. Ill-formed
// bytes are never whitespace (content is used as given, so it need not be valid UTF-8).
std::size_t js_space_at(std::string_view s, std::size_t i) {
    std::size_t bad = 0;
    const std::size_t n = utf8::sequence_length(s, i, bad);
    return n > 0 && is_js_space(utf8::decode_at(s, i)) ? n : 0;
}

std::string_view js_trim_start(std::string_view s) {
    std::size_t i = 0;
    while (i < s.size()) {
        const std::size_t n = js_space_at(s, i);
        if (n == 0) break;
        i += n;
    }
    return s.substr(i);
}

std::string_view js_trim_end(std::string_view s) {
    std::size_t end = s.size();
    while (end > 0) {
        // The character ending at `end` if the bytes there form one, else stop.
        std::size_t start = end - 1;
        while (start > 0 && end - start < 4 && (static_cast<unsigned char>(s[start]) & 0xC0) == 0x80) --start;
        if (js_space_at(s, start) != end - start) break;
        end = start;
    }
    return s.substr(0, end);
}

std::string_view js_trim(std::string_view s) { return js_trim_end(js_trim_start(s)); }

// Python/JS split(sep)[-1] and split(sep)[0] without building the list.
std::string_view after_last(std::string_view s, std::string_view sep) {
    const std::size_t p = s.rfind(sep);
    return p == std::string_view::npos ? s : s.substr(p + sep.size());
}
std::string_view before_first(std::string_view s, std::string_view sep) { return s.substr(0, s.find(sep)); }

std::string render_chatml(std::span<const ChatMessage> messages, bool add_generation_prompt) {
    std::string out;
    for (const ChatMessage& m : messages) {
        out += kImStart;
        out += m.role;
        out += '\n';
        out += m.content;
        out += kImEnd;
        out += '\n';
    }
    if (add_generation_prompt) out += "<|im_start|>assistant\n";
    return out;
}

constexpr std::string_view kLlama3Header = "<|start_header_id|>assistant<|end_header_id|>\n\n";

std::string render_llama3(std::span<const ChatMessage> messages, const std::string& bos) {
    std::string out;
    for (std::size_t i = 0; i < messages.size(); ++i) {
        // {% set content = '<|start_header_id|>' + message['role'] + '<|end_header_id|>\n\n'
        //    + message['content'] | trim + '<|eot_id|>' %}  (the filter binds to the content)
        // {% if loop.index0 == 0 %}{% set content = bos_token + content %}{% endif %}
        if (i == 0) out += bos;
        out += "<|start_header_id|>";
        out += messages[i].role;
        out += "<|end_header_id|>\n\n";
        out += js_trim(messages[i].content);
        out += "<|eot_id|>";
    }
    // Unconditional: this template ignores add_generation_prompt.
    out += kLlama3Header;
    return out;
}

bool is_tool_response(std::string_view content) {
    return content.starts_with("<tool_response>") && content.ends_with("</tool_response>");
}

std::string render_qwen3(std::span<const ChatMessage> messages, bool add_generation_prompt,
                         std::optional<bool> enable_thinking) {
    std::string out;
    const long n = static_cast<long>(messages.size());
    // {%- if tools %} ... {%- else %}{%- if messages[0].role == 'system' %}
    if (n > 0 && messages[0].role == "system") {
        out += "<|im_start|>system\n";
        out += messages[0].content;
        out += "<|im_end|>\n";
    }
    // The last "real" user query: the latest user message that is not a wrapped tool
    // response (ns.last_query_index, default messages|length - 1).
    long last_query = n - 1;
    for (long i = n - 1; i >= 0; --i) {
        if (messages[i].role == "user" && !is_tool_response(messages[i].content)) {
            last_query = i;
            break;
        }
    }
    for (long i = 0; i < n; ++i) {
        const ChatMessage& m = messages[i];
        if (m.role == "user" || (m.role == "system" && i != 0)) {
            out += kImStart;
            out += m.role;
            out += '\n';
            out += m.content;
            out += "<|im_end|>\n";
        } else if (m.role == "assistant") {
            // No reasoning_content field here: it is split out of the content.
            std::string_view content = m.content;
            std::string_view reasoning;
            if (content.find("</think>") != std::string_view::npos) {
                // content = message.content.split('</think>')[-1].lstrip('\n')
                // reasoning = message.content.split('</think>')[0].rstrip('\n')
                //                 .split('<think>')[-1].lstrip('\n')
                content = js_trim_start(after_last(m.content, "</think>"));
                reasoning = js_trim_start(after_last(js_trim_end(before_first(m.content, "</think>")), "<think>"));
            }
            out += "<|im_start|>assistant\n";
            // Only turns after the last query keep their reasoning; the final one always
            // gets a (possibly empty) <think> block.
            if (i > last_query && (i == n - 1 || !reasoning.empty())) {
                out += "<think>\n";
                out += js_trim(reasoning);
                out += "\n</think>\n\n";
                out += js_trim_start(content);
            } else {
                out += content;
            }
            out += "<|im_end|>\n";
        } else if (m.role == "tool") {
            if (i == 0 || messages[i - 1].role != "tool") out += "<|im_start|>user";
            out += "\n<tool_response>\n";
            out += m.content;
            out += "\n</tool_response>";
            if (i == n - 1 || messages[i + 1].role != "tool") out += "<|im_end|>\n";
        }
        // Any other role renders nothing.
    }
    if (add_generation_prompt) {
        out += "<|im_start|>assistant\n";
        // {%- if enable_thinking is defined and enable_thinking is false %}
        if (enable_thinking == false) out += "<think>\n\n</think>\n\n";
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

std::string token_text(const nlohmann::json& t) {
    if (t.is_string()) return t.get<std::string>();
    if (t.is_object() && t.contains("content") && t["content"].is_string()) return t["content"].get<std::string>();
    return {};
}

}  // namespace

namespace {

struct KnownForm {
    std::string canonical;
    ChatTemplateFamily family;
};

// Canonical forms of the known sources, computed once (immutable afterwards).
const std::vector<KnownForm>& known_forms() {
    static const std::vector<KnownForm> forms = [] {
        std::vector<KnownForm> f;
        for (const std::string_view s : chat_template_sources::kChatML)
            f.push_back({*jinja_canonical_form(s), ChatTemplateFamily::ChatML});
        f.push_back({*jinja_canonical_form(chat_template_sources::kLlama3), ChatTemplateFamily::Llama3});
        f.push_back({*jinja_canonical_form(chat_template_sources::kQwen3), ChatTemplateFamily::Qwen3});
        return f;
    }();
    return forms;
}

}  // namespace

ChatTemplate ChatTemplate::recognise(std::string_view jinja_source, const std::string& source_name,
                                     ChatTemplateOptions options) {
    const auto canonical = jinja_canonical_form(jinja_source);
    if (!canonical) {
        throw Error("unsupported chat template in " + source_name + ": unterminated tag or string in \"" +
                    excerpt(jinja_source) + "\"");
    }
    for (const KnownForm& k : known_forms()) {
        if (*canonical == k.canonical) return ChatTemplate(k.family, std::move(options));
    }
    throw Error("unsupported chat template in " + source_name +
                ": supported are exactly the ChatML (Minueza), Llama 3 and Qwen3 templates (see README, Chat); found \"" +
                excerpt(jinja_source) + "\"");
}

ChatTemplate ChatTemplate::from_string(std::string_view jinja_source, ChatTemplateOptions options) {
    return recognise(jinja_source, "<string>", std::move(options));
}

ChatTemplate ChatTemplate::from_tokenizer_config(const std::filesystem::path& path, ChatTemplateOptions options) {
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
    // transformers passes the tokenizer's special tokens to the template; only bos_token is
    // used by a supported template. A missing or null one renders as "".
    if (const auto bos = config.find("bos_token"); bos != config.end()) options.bos_token = token_text(*bos);
    return recognise(it->get<std::string>(), path.string(), std::move(options));
}

std::string_view ChatTemplate::name() const {
    switch (family_) {
        case ChatTemplateFamily::ChatML: return "ChatML";
        case ChatTemplateFamily::Llama3: return "Llama 3";
        case ChatTemplateFamily::Qwen3: break;
    }
    return "Qwen3";
}

std::string ChatTemplate::render(std::span<const ChatMessage> messages, bool add_generation_prompt) const {
    switch (family_) {
        case ChatTemplateFamily::ChatML: return render_chatml(messages, add_generation_prompt);
        case ChatTemplateFamily::Llama3: return render_llama3(messages, options_.bos_token);
        case ChatTemplateFamily::Qwen3: break;
    }
    return render_qwen3(messages, add_generation_prompt, options_.enable_thinking);
}

std::string ChatTemplate::render_message(const ChatMessage& m) const {
    if (!append_only())
        throw Error("the " + std::string(name()) + " chat template does not render messages independently");
    return render_chatml(std::span(&m, 1), false);
}

std::string ChatTemplate::generation_prompt() const {
    switch (family_) {
        case ChatTemplateFamily::ChatML: return "<|im_start|>assistant\n";
        case ChatTemplateFamily::Llama3: return std::string(kLlama3Header);
        case ChatTemplateFamily::Qwen3: break;
    }
    return render_qwen3({}, true, options_.enable_thinking);
}

std::string_view ChatTemplate::end_of_turn_token() const {
    return family_ == ChatTemplateFamily::Llama3 ? "<|eot_id|>" : kImEnd;
}

}  // namespace lmh
