// Fuzz target: ChatTemplate::from_string (Jinja source recognition: tag splitting,
// whitespace control, canonical form) and, for a recognised template, render().
// Input: template source, then optionally a NUL byte and message text split on '\1' into
// role/content pairs. A source of exactly "@chatml", "@llama3", "@qwen3" or "@qwen3-nothink"
// selects that built-in template, so the renderers get fuzzed content and roles too (a
// mutated template source is almost never recognised).
// Contract: lmh::Error, or a template whose render() obeys, for every template:
//   render(m, true) == render(m, false) + generation_prompt(), except for Llama 3, whose
//   template appends the assistant header regardless (render(m, true) == render(m, false)
//   and ends with generation_prompt());
// and, for append_only() templates (ChatML), render(prefix + [m]) == render(prefix) +
// render_message(m). Llama 3 and Qwen3 are not append-only by design (see chat_template.h);
// the chat loop re-renders and reuses the common prefix instead.
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/chat_template.h"
#include "engine/chat_template_sources.h"
#include "util/error.h"

namespace {

lmh::ChatTemplate make_template(std::string_view source) {
    namespace src = lmh::chat_template_sources;
    lmh::ChatTemplateOptions o;
    o.bos_token = "<|begin_of_text|>";
    if (source == "@chatml") return lmh::ChatTemplate::from_string(src::kChatML[0], o);
    if (source == "@llama3") return lmh::ChatTemplate::from_string(src::kLlama3, o);
    if (source == "@qwen3") return lmh::ChatTemplate::from_string(src::kQwen3, o);
    if (source == "@qwen3-nothink") {
        o.enable_thinking = false;
        return lmh::ChatTemplate::from_string(src::kQwen3, o);
    }
    return lmh::ChatTemplate::from_string(source, o);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    const std::size_t nul = input.find('\0');
    const std::string_view source = input.substr(0, nul);
    try {
        const auto tmpl = make_template(source);
        std::vector<lmh::ChatMessage> messages;
        if (nul != std::string_view::npos) {
            std::string_view rest = input.substr(nul + 1);
            while (!rest.empty() && messages.size() < 16) {
                const std::size_t a = rest.find('\1');
                const std::size_t b = a == std::string_view::npos ? a : rest.find('\1', a + 1);
                lmh::ChatMessage m;
                m.role = std::string(rest.substr(0, a));
                if (a != std::string_view::npos) m.content = std::string(rest.substr(a + 1, b == std::string_view::npos ? b : b - a - 1));
                messages.push_back(std::move(m));
                rest = b == std::string_view::npos ? std::string_view() : rest.substr(b + 1);
            }
        }
        const std::string all = tmpl.render(messages, true);
        const std::string closed = tmpl.render(messages, false);
        if (!all.ends_with(tmpl.generation_prompt())) __builtin_trap();
        if (tmpl.family() == lmh::ChatTemplateFamily::Llama3) {
            if (all != closed) __builtin_trap();
        } else if (all != closed + tmpl.generation_prompt()) {
            __builtin_trap();
        }
        if (tmpl.append_only() && !messages.empty()) {
            const std::span<const lmh::ChatMessage> prefix(messages.data(), messages.size() - 1);
            if (closed != tmpl.render(prefix, false) + tmpl.render_message(messages.back())) __builtin_trap();
        }
    } catch (const lmh::Error&) {
    }
    return 0;
}
