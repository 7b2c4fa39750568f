// Fuzz target: ChatTemplate::from_string (Jinja source recognition: tag splitting,
// whitespace control, canonical form) and, for a recognised template, render().
// Input: template source, then optionally a NUL byte and message text split on '\1' into
// role/content pairs. Contract: lmh::Error or a template whose render() obeys the
// documented identity render(prefix + [m]) == render(prefix) + render_message(m).
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/chat_template.h"
#include "util/error.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    const std::size_t nul = input.find('\0');
    const std::string_view source = input.substr(0, nul);
    try {
        const auto tmpl = lmh::ChatTemplate::from_string(source);
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
        if (!messages.empty()) {
            const std::span<const lmh::ChatMessage> prefix(messages.data(), messages.size() - 1);
            if (tmpl.render(messages, false) != tmpl.render(prefix, false) + tmpl.render_message(messages.back()))
                __builtin_trap();
        }
        if (!all.ends_with(tmpl.generation_prompt())) __builtin_trap();
    } catch (const lmh::Error&) {
    }
    return 0;
}
